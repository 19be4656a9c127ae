//! Multi-head self-attention over unpadded sequences, on the linear layers' micro-kernel.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::linear::{Rows, Tile, micro_kernel};
use super::math::exp;
use super::{Format, Isa, MR, NR, as_uninit, bits, fold_lanes, resize_zeroed};

/// Multi-head self-attention over unpadded sequences. `qkv` is `tokens × 3·hidden` (queries, keys,
/// values side by side, heads contiguous within each); `lengths` gives each sequence's token count,
/// in order. Writes `tokens × hidden` into `out`. No mask is needed: no sequence has padding.
pub fn attention(isa: Isa, qkv: &[f32], lengths: &[usize], heads: usize, out: &mut [f32]) {
    attention_uninit(isa, qkv, lengths, heads, as_uninit(out));
}

/// [`attention`] into a new vector: `tokens × hidden` values.
pub fn attention_to_vec(isa: Isa, qkv: &[f32], lengths: &[usize], heads: usize) -> Vec<f32> {
    let len = qkv.len() / 3;
    let mut out = Vec::with_capacity(len);
    attention_uninit(isa, qkv, lengths, heads, &mut out.spare_capacity_mut()[..len]);
    // SAFETY: every head of every token is written by the weighted sum of values.
    unsafe { out.set_len(len) };
    out
}

fn attention_uninit(isa: Isa, qkv: &[f32], lengths: &[usize], heads: usize, out: &mut [MaybeUninit<f32>]) {
    let hidden = out.len() / lengths.iter().sum::<usize>().max(1);
    assert_eq!((hidden / heads) * heads, hidden, "hidden size divides into heads");
    assert_eq!(qkv.len(), out.len() * 3, "qkv is tokens × 3·hidden");

    let mut pieces = Vec::with_capacity(lengths.len());
    let (mut rest, mut start) = (out, 0);
    for &len in lengths {
        let (piece, tail) = rest.split_at_mut(len * hidden);
        pieces.push((&qkv[start * 3 * hidden..(start + len) * 3 * hidden], piece));
        rest = tail;
        start += len;
    }
    pieces
        .into_par_iter()
        .for_each_init(AttentionScratch::default, |scratch, (qkv, out)| attend(isa, qkv, heads, hidden, out, scratch));
}

/// Buffers one thread reuses from sequence to sequence.
#[derive(Default)]
struct AttentionScratch {
    keys: Vec<f32>,
    values: Vec<f32>,
    scores: Vec<f32>,
    /// Per key column: 0, or far below any score for the padding columns of the last panel.
    mask: Vec<f32>,
}

/// Attention for one sequence (`qkv` its `len × 3·hidden` rows, `out` its `len × hidden`), head by
/// head, as two small matrix products on the linear layers' micro-kernel: the scaled keys (transposed)
/// and the values are laid out as weight panels; queries, then the softmax weights, are read in place.
/// Scores for a block of [`MR`] queries, softmax, then the weighted sum of values, while the block's
/// scores are still in L1.
fn attend(
    isa: Isa,
    qkv: &[f32],
    heads: usize,
    hidden: usize,
    out: &mut [MaybeUninit<f32>],
    scratch: &mut AttentionScratch,
) {
    multiversion!(isa, attend_avx512(isa: Isa, qkv: &[f32], heads: usize, hidden: usize, out: &mut [MaybeUninit<f32>], scratch: &mut AttentionScratch) {
    const LANES: usize = 16;
    let len = out.len() / hidden;
    let head_dim = hidden / heads;
    let (key_panels, value_panels) = (len.div_ceil(NR), head_dim.div_ceil(NR));
    let width = key_panels * NR;
    let scale = 1.0 / (head_dim as f32).sqrt();
    let AttentionScratch { keys, values, scores, mask } = scratch;
    resize_zeroed(keys, head_dim * width);
    resize_zeroed(values, value_panels * len * NR);
    resize_zeroed(scores, MR * width);
    mask.clear();
    mask.extend((0..width).map(|j| if j < len { 0.0 } else { -1e30 }));
    let zeros = [0.0; NR];
    for h in 0..heads {
        let (q_at, k_at, v_at) = (h * head_dim, hidden + h * head_dim, 2 * hidden + h * head_dim);
        // Key panel p holds keys p·NR.. as columns: keys[p][d][j mod NR].
        if cfg!(target_arch = "x86_64") && isa == Isa::Avx512 && head_dim.is_multiple_of(16) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: AVX-512F was detected (`Isa::Avx512`).
            unsafe {
                super::avx512::key_panels(qkv, 3 * hidden, k_at, head_dim, len, scale, keys)
            };
        } else {
            // Each key row is read once, contiguously, and stored down its column.
            for (p, panel) in keys.chunks_exact_mut(head_dim * NR).enumerate() {
                let by_depth = panel.as_chunks_mut::<NR>().0;
                for (j, row) in qkv.chunks_exact(3 * hidden).skip(p * NR).take(NR).enumerate() {
                    assert!(j < NR);
                    for (slots, &key) in by_depth.iter_mut().zip(&row[k_at..k_at + head_dim]) {
                        slots[j] = key * scale;
                    }
                }
            }
        }
        // Value panel p holds dimensions p·NR.. of every value row: values[p][j].
        for (j, row) in qkv.chunks_exact(3 * hidden).enumerate() {
            for (p, part) in row[v_at..][..head_dim].chunks(NR).enumerate() {
                values[(p * len + j) * NR..][..part.len()].copy_from_slice(part);
            }
        }
        for i0 in (0..len).step_by(MR) {
            let rows = MR.min(len - i0);
            let queries = Rows { steps: bits(&qkv[i0 * 3 * hidden + q_at..]), stride: 3 * hidden };
            // Whole panels are computed, padding columns included: their "bias" is far below any
            // real score, so their exp (e⁻⁸⁷) vanishes next to the total, which is at least 1 (the
            // maximum's own term). Filling them afterwards with scalar stores made the next
            // vector load wait on store forwarding.
            for p in 0..key_panels {
                let tile = Tile { rows, cols: NR, ldc: width, bias: Some(&mask[p * NR..(p + 1) * NR]) };
                let panel = bits(&keys[p * head_dim * NR..(p + 1) * head_dim * NR]);
                micro_kernel(isa, Format::F32, tile, head_dim, queries, panel, as_uninit(&mut scores[p * NR..]));
            }
            // Whole 16-lane chunks let the max, exp and sum vectorize. Each row's 1/total is
            // applied in a second pass, so the divisions overlap the next rows' work instead of
            // stalling the row they belong to.
            let mut inverse = [0.0f32; MR];
            for (s, inverse) in scores.chunks_exact_mut(width).zip(&mut inverse).take(rows) {
                let mut maxes = [f32::NEG_INFINITY; LANES];
                for chunk in s.as_chunks::<LANES>().0 {
                    for l in 0..LANES {
                        maxes[l] = larger(maxes[l], chunk[l]);
                    }
                }
                let max = fold_lanes(maxes, larger);
                let mut totals = [0.0; LANES];
                for chunk in s.as_chunks_mut::<LANES>().0 {
                    for l in 0..LANES {
                        chunk[l] = exp(chunk[l] - max);
                        totals[l] += chunk[l];
                    }
                }
                *inverse = 1.0 / fold_lanes(totals, |a, b| a + b);
            }
            for (s, &inverse) in scores.chunks_exact_mut(width).zip(&inverse).take(rows) {
                s.iter_mut().for_each(|v| *v *= inverse);
            }
            let weights = Rows { steps: bits(scores), stride: width };
            for p in 0..value_panels {
                let tile = Tile { rows, cols: NR.min(head_dim - p * NR), ldc: hidden, bias: Some(&zeros) };
                let panel = bits(&values[p * len * NR..(p + 1) * len * NR]);
                let at = i0 * hidden + q_at + p * NR;
                micro_kernel(isa, Format::F32, tile, len, weights, panel, &mut out[at..]);
            }
        }
    }
    })
}

/// The larger of two values, as one `max` instruction (`f32::max`'s NaN rule costs two more).
#[inline(always)]
fn larger(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}
