//! Elementwise math the kernels fuse into their passes: erf, exp, GELU and layer normalization,
//! written for the auto-vectorizer.

use super::{Isa, fold_lanes};

/// Layer normalization of rows: `(x − mean) / √(var + eps) · gamma + beta`, `gamma` and `beta` one
/// per column.
#[derive(Debug, Clone, Copy)]
pub struct RowNorm<'a> {
    /// Scale per column.
    pub gamma: &'a [f32],
    /// Shift per column.
    pub beta: &'a [f32],
    /// Added to the variance.
    pub eps: f32,
}

/// Layer-normalizes every row of `rows` (row width: `norm.gamma.len()`) in place. Mean, then
/// variance around it (two passes: no cancellation), in 16-lane partial sums so the loops vectorize.
pub fn layer_norm_rows(isa: Isa, rows: &mut [f32], norm: RowNorm<'_>) {
    multiversion!(isa, layer_norm_avx512(rows: &mut [f32], norm: RowNorm<'_>) {
        let n = norm.gamma.len();
        assert_eq!(norm.beta.len(), n, "one shift per column");
        for row in rows.chunks_exact_mut(n) {
            let mean = lane_sum(row, |v| v) / n as f32;
            let var = lane_sum(row, |v| (v - mean) * (v - mean)) / n as f32;
            let inv_std = 1.0 / (var + norm.eps).sqrt();
            for ((x, g), b) in row.iter_mut().zip(norm.gamma).zip(norm.beta) {
                *x = (*x - mean) * inv_std * g + b;
            }
        }
    })
}

/// `Σ f(v)` over `values`, in 16 partial sums (so the loop vectorizes) folded pairwise.
#[inline(always)]
fn lane_sum(values: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    const LANES: usize = 16;
    let (chunks, rest) = values.as_chunks::<LANES>();
    let mut sums = [0.0; LANES];
    for chunk in chunks {
        for l in 0..LANES {
            sums[l] += f(chunk[l]);
        }
    }
    fold_lanes(sums, |a, b| a + b) + rest.iter().map(|&v| f(v)).sum::<f32>()
}

/// `erf(x)` for `f32` as a rational function of `x` (Eigen's `generic_fast_erf_float`): pure
/// multiplies and adds, so loops over it vectorize; absolute error under 1e-6 (tested against libm).
#[inline(always)]
#[allow(clippy::excessive_precision)] // coefficients as published
pub fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_3e-10 + 2.770_681_4e-8;
    p = x2 * p + -2.101_024_1e-6;
    p = x2 * p + -5.692_506_4e-5;
    p = x2 * p + -7.349_906_3e-4;
    p = x2 * p + -2.954_599_8e-3;
    p = x2 * p + -1.609_603_3e-2;
    let mut q = x2 * -1.456_607_2e-5 + -2.133_740_6e-4;
    q = x2 * q + -1.682_827e-3;
    q = x2 * q + -7.373_329e-3;
    q = x2 * q + -1.426_473_9e-2;
    x * p / q
}

/// `eˣ` by range reduction to `2ⁿ · e^r`, `|r| ≤ ln2/2`, and a degree-6 polynomial (Cephes
/// `expf`): relative error about 1e-7, and vectorizable (the rounding is the add-and-subtract
/// of 1.5·2²³, not a library call). Inputs below -87 give e⁻⁸⁷.
#[inline(always)]
#[allow(clippy::excessive_precision)] // coefficients as published
pub fn exp(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = n * -0.693_359_375 + x;
    let r = n * 2.121_944_4e-4 + r;
    let mut p = r * 1.987_569_1e-4 + 1.398_199_9e-3;
    p = r * p + 8.333_452e-3;
    p = r * p + 4.166_579_6e-2;
    p = r * p + 1.666_666_5e-1;
    p = r * p + 5.000_000_1e-1;
    let e = (r * r) * p + r + 1.0;
    // 2ⁿ from the bits of the shifted sum, whose low mantissa bits hold n: `as i32` would
    // saturate lane by lane and keep the loop scalar. The high bits shift out.
    e * f32::from_bits(shifted.to_bits().wrapping_add(127) << 23)
}

/// GELU, erf form: `x · (1 + erf(x / √2)) / 2`.
pub fn gelu_in_place(isa: Isa, xs: &mut [f32]) {
    multiversion!(isa, gelu_avx512(xs: &mut [f32]) {
        for x in xs {
            *x = 0.5 * *x * (1.0 + erf(*x * std::f32::consts::FRAC_1_SQRT_2));
        }
    })
}

/// GELU, tanh form: `x · (1 + tanh(√(2/π) · (x + 0.044715 x³))) / 2`, with
/// `tanh(y) = 1 - 2 / (e^{2y} + 1)`.
pub fn gelu_tanh_in_place(isa: Isa, xs: &mut [f32]) {
    multiversion!(isa, gelu_tanh_avx512(xs: &mut [f32]) {
        const SQRT_2_OVER_PI: f32 = 0.797_884_6;
        for x in xs {
            let y = SQRT_2_OVER_PI * (*x + 0.044_715 * *x * *x * *x);
            let tanh = 1.0 - 2.0 / (exp(2.0 * y) + 1.0);
            *x = 0.5 * *x * (1.0 + tanh);
        }
    })
}
