//! Weights laid out once for the inner loop, and bfloat16 rounding.

use rayon::prelude::*;

use super::{Format, Isa, NR};

/// bfloat16 bits of `x`, rounded to nearest, ties to even (NaN stays NaN). Branch-free, so loops
/// over it vectorize.
#[inline(always)]
pub fn bf16_bits(x: f32) -> u16 {
    let bits = x.to_bits();
    let rounded = (bits.wrapping_add(0x7fff + ((bits >> 16) & 1)) >> 16) as u16;
    let quiet_nan = ((bits >> 16) | 0x40) as u16;
    if x.is_nan() { quiet_nan } else { rounded }
}

/// One [`Format::Bf16`] step: `first` in the low half, `second` in the high half (the order
/// `vdpbf16ps` pairs them in).
#[inline(always)]
pub(super) fn bf16_pair(first: f32, second: f32) -> u32 {
    u32::from(bf16_bits(first)) | (u32::from(bf16_bits(second)) << 16)
}

/// Rows of `k` f32 values as rows of `k.div_ceil(2)` bf16 pairs (the [`Format::Bf16`] steps).
pub(super) fn to_bf16_pairs(isa: Isa, x: &[f32], k: usize, out: &mut [u32]) {
    multiversion!(isa, to_bf16_pairs_avx512(x: &[f32], k: usize, out: &mut [u32]) {
        let steps = k.div_ceil(2);
        for (row, out) in x.chunks_exact(k).zip(out.chunks_exact_mut(steps)) {
            let (pairs, odd) = row.as_chunks::<2>();
            for (o, [a, b]) in out.iter_mut().zip(pairs) {
                *o = bf16_pair(*a, *b);
            }
            if let [last] = odd {
                out[steps - 1] = bf16_pair(*last, 0.0);
            }
        }
    })
}

/// The f32 value of bfloat16 bits.
#[inline(always)]
pub(super) fn bf16_to_f32(bits: u32) -> f32 {
    f32::from_bits(bits << 16)
}

/// A linear layer's weight (`out × in`, as PyTorch stores it) and bias, repacked so that the inner
/// loop of the product reads both operands sequentially: panels of [`NR`] output columns, each
/// `steps × NR` 32-bit steps (see [`Format`]), zero-padded at the edges.
#[derive(Debug, Clone)]
pub struct PackedLinear {
    pub(super) format: Format,
    pub(super) inputs: usize,
    pub(super) outputs: usize,
    pub(super) steps: usize,
    panels: Vec<u32>,
    pub(super) bias: Vec<f32>,
}

impl PackedLinear {
    /// Packs `weight` (`outputs × inputs`, row-major) and `bias` (`outputs`) in `format`.
    pub fn new(format: Format, weight: &[f32], bias: &[f32], outputs: usize, inputs: usize) -> Self {
        assert_eq!(weight.len(), outputs * inputs, "weight is outputs × inputs");
        assert_eq!(bias.len(), outputs, "one bias per output");
        let steps = inputs.div_ceil(format.per_step());
        let n_panels = outputs.div_ceil(NR);
        let mut panels = vec![0u32; n_panels * steps * NR];
        // Panels in parallel: packing every matrix of the model is most of its load time.
        panels.par_chunks_exact_mut(steps * NR).enumerate().for_each(|(p, panel)| {
            for j in 0..NR.min(outputs - p * NR) {
                let row = &weight[(p * NR + j) * inputs..][..inputs];
                for (s, values) in row.chunks(format.per_step()).enumerate() {
                    panel[s * NR + j] = format.step(values);
                }
            }
        });
        let mut padded_bias = bias.to_vec();
        padded_bias.resize(n_panels * NR, 0.0);
        PackedLinear { format, inputs, outputs, steps, panels, bias: padded_bias }
    }

    /// Width of each input row.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Width of each output row.
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    pub(super) fn panel(&self, p: usize) -> &[u32] {
        &self.panels[p * self.steps * NR..][..self.steps * NR]
    }
}
