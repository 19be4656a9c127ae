//! Fused CPU kernels for the encoder: a matrix product against weights packed once at load time
//! (with bias, activation or residual add folded into the same pass) and attention over unpadded
//! sequences.
//!
//! Why our own: candle's CPU matmul runs one `gemm` call per sequence of a batch and every
//! elementwise step as its own pass over memory with its own allocation; on small encoders like
//! MiniLM those passes, copies to contiguous layout and thread dispatches cost as much as the
//! arithmetic. Here every linear layer is one call over all tokens of the batch (no padding), the
//! weights are laid out for the inner loop once, and the passes after each product touch rows while
//! they are still in cache.
//!
//! Each kernel has an AVX-512 path (chosen at run time) and a portable path written for the
//! compiler's auto-vectorizer, compiled for AVX2 where the CPU has it; the f32 product also has an
//! AVX2 micro-kernel. All compute the same sums in the same order per output element, up to the
//! fused multiply-add's rounding.
//!
//! With the `kernels` feature (their public API exists for the criterion bench):
//!
//! ```
//! # #[cfg(feature = "kernels")] {
//! use precis_embed::kernels::{Epilogue, Format, Isa, PackedLinear, linear};
//!
//! // y = x · Wᵀ + b for one row of 2 inputs and 3 outputs.
//! let weight = [1.0, 0.0, /* */ 0.0, 1.0, /* */ 1.0, 1.0];
//! let layer = PackedLinear::new(Format::F32, &weight, &[0.5, 0.5, 0.5], 3, 2);
//! let mut y = [0.0; 3];
//! linear(Isa::detect(), &[2.0, 3.0], &layer, Epilogue::None, &mut y);
//! assert_eq!(y, [2.5, 3.5, 5.5]);
//! # }
//! ```
#![allow(unsafe_code)]
// SIMD intrinsics; every unsafe block states its bounds argument.
// The entry points only the criterion bench calls are public API under the `kernels` feature alone.
#![cfg_attr(not(feature = "kernels"), allow(dead_code, unused_imports))]
//!
//! One module per concern: [`packing`] (weights laid out once, bf16 rounding), [`linear`] (the
//! matrix-product driver and its portable micro-kernel), `avx512` (the AVX-512 micro-kernels),
//! `avx2` (the AVX2 + FMA micro-kernel for f32),
//! [`math`] (erf, exp, GELU, layer norm) and [`attention`].

use std::mem::MaybeUninit;

/// Runs `$body` compiled for AVX-512 or AVX2 when `$isa` says the CPU has it, else for the build
/// target. The body is the same source either way; only the instructions the compiler may use
/// differ (it forms no fused multiply-adds of its own, so the bits are the same too).
macro_rules! multiversion {
    ($isa:expr, $name:ident($($arg:ident: $ty:ty),*) $body:block) => {{
        #[inline(always)]
        fn body($($arg: $ty),*) $body
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,fma")]
        fn $name($($arg: $ty),*) {
            body($($arg),*)
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn avx2($($arg: $ty),*) {
            body($($arg),*)
        }
        match $isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::Avx512` is only chosen after run-time detection of AVX-512F (which
            // implies FMA on every CPU that has it).
            Isa::Avx512 => unsafe { $name($($arg),*) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::Avx2` is only chosen after run-time detection of AVX2 and FMA.
            Isa::Avx2 => unsafe { avx2($($arg),*) },
            _ => body($($arg),*),
        }
    }};
}

mod attention;
#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod linear;
mod math;
mod packing;

pub use attention::{attention, attention_to_vec};
pub use linear::{Epilogue, linear, linear_to_vec};
pub use math::{RowNorm, erf, exp, gelu_in_place, gelu_tanh_in_place, layer_norm_rows};
use packing::bf16_pair;
pub use packing::{PackedLinear, bf16_bits};

/// Columns of the weight matrix per packed panel: two 16-lane AVX-512 registers.
pub(super) const NR: usize = 32;
/// Rows of the input per micro-kernel call: 12 rows × 2 registers = 24 accumulators.
pub(super) const MR: usize = 12;
/// Depth steps per pass: a packed panel slice (KC × NR × 4 bytes = 32 KiB) stays in L1 across
/// row blocks.
pub(super) const KC: usize = 256;

/// Which instruction set the kernels use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// AVX-512F (x86-64), detected at run time.
    Avx512,
    /// AVX2 and FMA (x86-64), detected at run time: chosen where AVX-512F is missing.
    Avx2,
    /// Plain Rust the compiler vectorizes for the build target.
    Portable,
}

impl Isa {
    /// The best the running CPU supports.
    pub fn detect() -> Isa {
        *Isa::supported().last().expect("the portable kernels run anywhere")
    }

    /// Every instruction set the running CPU can run the kernels with, the portable one first and
    /// the best last: what tests and benchmarks compare.
    ///
    /// ```
    /// # #[cfg(feature = "kernels")] {
    /// use precis_embed::kernels::Isa;
    /// assert_eq!(Isa::supported()[0], Isa::Portable);
    /// assert_eq!(Isa::supported().last(), Some(&Isa::detect()));
    /// # }
    /// ```
    pub fn supported() -> Vec<Isa> {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
            let avx512 = std::arch::is_x86_feature_detected!("avx512f");
            [(true, Isa::Portable), (avx2, Isa::Avx2), (avx512, Isa::Avx512)]
                .into_iter()
                .filter_map(|(has, isa)| has.then_some(isa))
                .collect()
        }
        #[cfg(not(target_arch = "x86_64"))]
        vec![Isa::Portable]
    }

    /// Whether bf16 panels have a kernel of their own (AVX-512 BF16's `vdpbf16ps`); elsewhere
    /// they run the portable kernel, slower than f32 products.
    pub fn has_bf16_products(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        if self == Isa::Avx512 {
            return std::arch::is_x86_feature_detected!("avx512bf16");
        }
        false
    }
}

/// Number format of a packed weight matrix and of the input rows multiplied with it. Products
/// always accumulate in f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// f32: one depth index per 32-bit step.
    F32,
    /// bfloat16, rounded to nearest even: two depth indices per 32-bit step, the layout of
    /// AVX-512 BF16's `vdpbf16ps` (which multiplies the pairs and adds both products in f32).
    Bf16,
}

impl Format {
    /// Depth indices per 32-bit step.
    pub(super) fn per_step(self) -> usize {
        match self {
            Format::F32 => 1,
            Format::Bf16 => 2,
        }
    }

    /// The 32-bit step holding `values` (one or two of them; a missing second one is zero).
    pub(super) fn step(self, values: &[f32]) -> u32 {
        match self {
            Format::F32 => values[0].to_bits(),
            Format::Bf16 => bf16_pair(values[0], values.get(1).copied().unwrap_or(0.0)),
        }
    }
}

/// Combines 16 lanes pairwise, halving the width each step: 4 dependent steps, not 15. Written
/// out step by step: as a loop over the widths it was not unrolled, and went through the stack.
#[inline(always)]
pub(super) fn fold_lanes(lanes: [f32; 16], combine: impl Fn(f32, f32) -> f32) -> f32 {
    let eight: [f32; 8] = std::array::from_fn(|l| combine(lanes[l], lanes[l + 8]));
    let four: [f32; 4] = std::array::from_fn(|l| combine(eight[l], eight[l + 4]));
    let two: [f32; 2] = std::array::from_fn(|l| combine(four[l], four[l + 2]));
    combine(two[0], two[1])
}

/// Initialized values as memory a kernel may overwrite (it only ever writes initialized values).
pub(super) fn as_uninit(values: &mut [f32]) -> &mut [MaybeUninit<f32>] {
    // SAFETY: same layout; the kernels never write uninitialized values through the result.
    unsafe { &mut *(values as *mut [f32] as *mut [MaybeUninit<f32>]) }
}

/// # Safety
/// Every element of `values` has been written.
pub(super) unsafe fn assume_init(values: &mut [MaybeUninit<f32>]) -> &mut [f32] {
    // SAFETY: same layout; the caller guarantees every element is initialized.
    unsafe { &mut *(values as *mut [MaybeUninit<f32>] as *mut [f32]) }
}

/// `f32` values as the 32-bit steps the micro-kernel reads.
pub(super) fn bits(values: &[f32]) -> &[u32] {
    // SAFETY: f32 and u32 have the same size and alignment, and every bit pattern is a valid u32.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<u32>(), values.len()) }
}

/// Sets `buffer` to `len` zeros, reusing its allocation.
pub(super) fn resize_zeroed<T: Copy + Default>(buffer: &mut Vec<T>, len: usize) {
    buffer.clear();
    buffer.resize(len, T::default());
}

#[cfg(test)]
mod tests {
    use super::packing::bf16_to_f32;
    use super::*;

    fn pseudo_random(n: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).max(1);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state as f32 / u32::MAX as f32) * 2.0 - 1.0
            })
            .collect()
    }

    fn reference_linear(x: &[f32], w: &[f32], b: &[f32], k: usize, n: usize) -> Vec<f32> {
        let rows = x.len() / k;
        let mut out = vec![0f64; rows * n];
        for r in 0..rows {
            for j in 0..n {
                out[r * n + j] = b[j] as f64 + (0..k).map(|i| x[r * k + i] as f64 * w[j * k + i] as f64).sum::<f64>();
            }
        }
        out.into_iter().map(|v| v as f32).collect()
    }

    /// Every instruction set this CPU has: on an AVX-512 machine the AVX2 kernel is tested too.
    fn isas() -> Vec<Isa> {
        Isa::supported()
    }

    #[test]
    fn linear_matches_a_plain_product_at_awkward_shapes() {
        // Rows, depth and width that are not multiples of MR, KC and NR exercise every edge path
        // (and 1, 2 and 3 rows left for the AVX2 kernel's last pass over a block).
        for (rows, k, n) in [(1, 3, 1), (13, 300, 45), (25, 384, 64), (7, 600, 33), (40, 17, 100), (5, 40, 70)] {
            let x = pseudo_random(rows * k, 1);
            let w = pseudo_random(n * k, 2);
            let b = pseudo_random(n, 3);
            let layer = PackedLinear::new(Format::F32, &w, &b, n, k);
            let want = reference_linear(&x, &w, &b, k, n);
            for isa in isas() {
                let mut got = vec![f32::NAN; rows * n];
                linear(isa, &x, &layer, Epilogue::None, &mut got);
                let worst = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0f32, f32::max);
                assert!(worst < 1e-4, "{isa:?} {rows}x{k}x{n}: off by {worst}");
                assert_eq!(linear_to_vec(isa, &x, &layer, Epilogue::None), got);
            }
        }
    }

    #[test]
    fn bf16_products_equal_exact_products_of_rounded_inputs() {
        let round = |v: &[f32]| -> Vec<f32> { v.iter().map(|&x| bf16_to_f32(u32::from(bf16_bits(x)))).collect() };
        for (rows, k, n) in [(13, 301, 45), (30, 1536, 64)] {
            let x = pseudo_random(rows * k, 11);
            let w = pseudo_random(n * k, 12);
            let b = pseudo_random(n, 13);
            let layer = PackedLinear::new(Format::Bf16, &w, &b, n, k);
            let want = reference_linear(&round(&x), &round(&w), &b, k, n);
            for isa in isas() {
                let mut got = vec![f32::NAN; rows * n];
                linear(isa, &x, &layer, Epilogue::None, &mut got);
                let worst = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0f32, f32::max);
                assert!(worst < 1e-4, "{isa:?} {rows}x{k}x{n}: off by {worst}");
                assert_eq!(linear_to_vec(isa, &x, &layer, Epilogue::None), got);
            }
        }
    }

    #[test]
    fn bf16_rounds_to_nearest_even() {
        assert_eq!(bf16_bits(1.0), 0x3f80);
        // 1 + 2^-8 is halfway between two bf16 values: ties go to the even one (1.0).
        assert_eq!(bf16_bits(1.0 + 1.0 / 256.0), 0x3f80);
        assert_eq!(bf16_bits(1.0 + 3.0 / 256.0), 0x3f82);
        assert!(bf16_to_f32(u32::from(bf16_bits(f32::NAN))).is_nan());
    }

    #[test]
    fn epilogues_apply_after_the_bias() {
        // 40 columns: two 16-lane chunks and a remainder for the row norm's sums.
        let (rows, k, n) = (7, 24, 40);
        let x = pseudo_random(rows * k, 4);
        let w = pseudo_random(n * k, 5);
        let b = pseudo_random(n, 6);
        let residual = pseudo_random(rows * n, 7);
        let (gamma, beta) = (pseudo_random(n, 15), pseudo_random(n, 16));
        let norm = RowNorm { gamma: &gamma, beta: &beta, eps: 1e-12 };
        let layer = PackedLinear::new(Format::F32, &w, &b, n, k);
        let plain = reference_linear(&x, &w, &b, k, n);
        for isa in isas() {
            let run = |epilogue| {
                let mut out = vec![f32::NAN; rows * n];
                linear(isa, &x, &layer, epilogue, &mut out);
                out
            };
            let added = run(Epilogue::Add(&residual));
            let gelu = run(Epilogue::Gelu);
            let gelu_tanh = run(Epilogue::GeluTanh);
            let relu = run(Epilogue::Relu);
            let normed = run(Epilogue::AddNorm(&residual, norm));
            for i in 0..rows * n {
                assert!((added[i] - (plain[i] + residual[i])).abs() < 1e-5);
                let v = plain[i] as f64;
                let exact = 0.5 * v * (1.0 + libm::erf(v / 2f64.sqrt()));
                assert!((gelu[i] as f64 - exact).abs() < 1e-5, "{} vs {exact}", gelu[i]);
                let tanh = 0.5 * v * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (v + 0.044715 * v.powi(3))).tanh());
                assert!((gelu_tanh[i] as f64 - tanh).abs() < 1e-5, "{} vs {tanh}", gelu_tanh[i]);
                assert!((relu[i] - plain[i].max(0.0)).abs() < 1e-5);
            }
            for r in 0..rows {
                let row: Vec<f64> = (0..n).map(|j| f64::from(plain[r * n + j] + residual[r * n + j])).collect();
                let mean = row.iter().sum::<f64>() / n as f64;
                let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
                for j in 0..n {
                    let want = (row[j] - mean) / (var + 1e-12).sqrt() * f64::from(gamma[j]) + f64::from(beta[j]);
                    let got = f64::from(normed[r * n + j]);
                    assert!((got - want).abs() < 1e-5, "{isa:?} row {r} column {j}: {got} vs {want}");
                }
            }
        }
    }

    #[test]
    fn erf_and_exp_are_accurate() {
        for i in -5000..=5000 {
            let x = i as f32 / 1000.0;
            assert!((erf(x) as f64 - libm::erf(x as f64)).abs() < 1e-6, "erf({x})");
        }
        for i in -8700..=8800 {
            let x = i as f32 / 100.0;
            let want = (x as f64).exp();
            assert!(((exp(x) as f64 - want) / want).abs() < 5e-7, "exp({x})");
        }
        assert_eq!(exp(-200.0), exp(-87.0));
    }

    #[test]
    fn attention_matches_a_padded_softmax_per_sequence() {
        // Sequences shorter and longer than a query block and a key panel; heads narrower and wider
        // than a value panel, and multiples of 16 wide (keys transposed in registers).
        let lengths = [3, 1, 5, 13, 40, 16, 33];
        let tokens: usize = lengths.iter().sum();
        for (heads, head_dim) in [(2, 20), (3, 40), (2, 32), (1, 48)] {
            let hidden = heads * head_dim;
            let qkv = pseudo_random(tokens * 3 * hidden, 8);
            for isa in isas() {
                // NaN first: every output must be written.
                let mut out = vec![f32::NAN; tokens * hidden];
                attention(isa, &qkv, &lengths, heads, &mut out);
                check_attention(&qkv, &lengths, heads, head_dim, &out);
                assert_eq!(attention_to_vec(isa, &qkv, &lengths, heads), out);
            }
        }
    }

    fn check_attention(qkv: &[f32], lengths: &[usize], heads: usize, head_dim: usize, out: &[f32]) {
        let hidden = heads * head_dim;

        let mut start = 0;
        for &len in lengths {
            for h in 0..heads {
                for i in 0..len {
                    let at = |t: usize, part: usize, d: usize| {
                        qkv[(start + t) * 3 * hidden + part * hidden + h * head_dim + d] as f64
                    };
                    let scores: Vec<f64> = (0..len)
                        .map(|j| {
                            (0..head_dim).map(|d| at(i, 0, d) * at(j, 1, d)).sum::<f64>() / (head_dim as f64).sqrt()
                        })
                        .collect();
                    let weights: Vec<f64> = scores.iter().map(|s| s.exp()).collect();
                    let total: f64 = weights.iter().sum();
                    for d in 0..head_dim {
                        let want = (0..len).map(|j| weights[j] / total * at(j, 2, d)).sum::<f64>();
                        let got = out[(start + i) * hidden + h * head_dim + d] as f64;
                        assert!((got - want).abs() < 1e-5, "sequence at {start}, head {h}, token {i}");
                    }
                }
            }
            start += len;
        }
    }
}
