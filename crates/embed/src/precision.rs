//! The float type the encoder computes in.

use std::fmt;
use std::str::FromStr;

use candle_core::DType;

use crate::error::ParamsError;

/// Number format of weights and activations, as named on the command line.
///
/// `f32` is exact to sentence-transformers; `bf16` halves the memory traffic and, on CPUs with
/// AVX-512 BF16, doubles the arithmetic rate of the matrix products (accumulating in f32); `f16`
/// is for GPUs.
///
/// ```
/// use precis_embed::Precision;
/// assert_eq!("bf16".parse::<Precision>()?, Precision::Bf16);
/// assert_eq!(Precision::default().to_string(), "f32");
/// assert!("int4".parse::<Precision>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// 32-bit floats throughout.
    #[default]
    F32,
    /// bfloat16 weights and activations (8-bit mantissa, f32 range).
    Bf16,
    /// IEEE half precision (10-bit mantissa, range up to 65504).
    F16,
}

impl Precision {
    /// The candle type of weights and activations.
    pub fn dtype(self) -> DType {
        match self {
            Precision::F32 => DType::F32,
            Precision::Bf16 => DType::BF16,
            Precision::F16 => DType::F16,
        }
    }
}

impl FromStr for Precision {
    type Err = ParamsError;

    fn from_str(s: &str) -> Result<Self, ParamsError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f32" | "fp32" | "float32" => Ok(Precision::F32),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            "f16" | "fp16" | "float16" | "half" => Ok(Precision::F16),
            _ => Err(ParamsError::Precision(s.to_string())),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
            Precision::F16 => "f16",
        })
    }
}
