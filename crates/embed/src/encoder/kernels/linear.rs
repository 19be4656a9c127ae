//! The matrix-product driver: `epilogue(x · Wᵀ + b)` over all tokens of a batch, blocked for the
//! caches, with a portable micro-kernel beside the AVX-512 ones.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::math::{RowNorm, gelu_in_place, gelu_tanh_in_place, layer_norm_rows};
use super::packing::{PackedLinear, bf16_to_f32, to_bf16_pairs};
use super::{Format, Isa, KC, MR, NR, as_uninit, assume_init, bits};

/// What happens to each output row after `x · Wᵀ + b`.
#[derive(Debug, Clone, Copy)]
pub enum Epilogue<'a> {
    /// Nothing.
    None,
    /// GELU, exact (erf) form: BERT's `gelu`.
    Gelu,
    /// GELU, tanh approximation: `gelu_new` / `gelu_pytorch_tanh`.
    GeluTanh,
    /// `max(x, 0)`.
    Relu,
    /// Adds the residual (same shape as the output).
    Add(&'a [f32]),
    /// Adds the residual, then layer-normalizes each row (BERT's sublayer output).
    AddNorm(&'a [f32], RowNorm<'a>),
}

/// `out = epilogue(x · Wᵀ + b)` for `x` of `rows × inputs`, `out` of `rows × outputs`, row-major.
/// Rows are split across rayon's pool.
pub fn linear(isa: Isa, x: &[f32], layer: &PackedLinear, epilogue: Epilogue<'_>, out: &mut [f32]) {
    linear_uninit(isa, x, layer, epilogue, as_uninit(out));
}

fn add(out: &mut [f32], residual: &[f32]) {
    out.iter_mut().zip(residual).for_each(|(o, r)| *o += r);
}

/// [`linear`] into a new vector: `rows × outputs` values.
pub fn linear_to_vec(isa: Isa, x: &[f32], layer: &PackedLinear, epilogue: Epilogue<'_>) -> Vec<f32> {
    let len = x.len() / layer.inputs * layer.outputs;
    let mut out = Vec::with_capacity(len);
    linear_uninit(isa, x, layer, epilogue, &mut out.spare_capacity_mut()[..len]);
    // SAFETY: `linear_uninit` wrote every element (the first depth slab stores every output).
    unsafe { out.set_len(len) };
    out
}

/// [`linear`] into memory that need not be initialized: the first depth slab writes every output
/// before anything reads it, so output buffers are not zeroed first (a pass over every activation).
fn linear_uninit(isa: Isa, x: &[f32], layer: &PackedLinear, epilogue: Epilogue<'_>, out: &mut [MaybeUninit<f32>]) {
    let (k, n) = (layer.inputs, layer.outputs);
    let rows = x.len() / k;
    assert_eq!(x.len(), rows * k, "input rows are {k} wide");
    assert_eq!(out.len(), rows * n, "output is rows × {n}");
    if let Epilogue::Add(residual) | Epilogue::AddNorm(residual, _) = epilogue {
        assert_eq!(residual.len(), out.len(), "residual has the output's shape");
    }
    if let Epilogue::AddNorm(_, norm) = epilogue {
        assert!(norm.gamma.len() == n && norm.beta.len() == n, "one scale and shift per output");
    }
    if rows == 0 {
        return;
    }
    // Enough chunks for rayon to balance, each a whole number of micro-kernel row blocks.
    let chunks = rayon::current_num_threads() * 4;
    let chunk_rows = rows.div_ceil(chunks).div_ceil(MR).max(1) * MR;
    x.par_chunks(chunk_rows * k).zip(out.par_chunks_mut(chunk_rows * n)).enumerate().for_each(|(c, (x, out))| {
        let first_row = c * chunk_rows;
        linear_rows(isa, x, layer, out);
        // SAFETY: `linear_rows` wrote every element of the chunk.
        let out = unsafe { assume_init(out) };
        let rows_here = out.len() / n;
        match epilogue {
            Epilogue::None => {}
            Epilogue::Gelu => gelu_in_place(isa, out),
            Epilogue::GeluTanh => gelu_tanh_in_place(isa, out),
            Epilogue::Relu => out.iter_mut().for_each(|v| *v = v.max(0.0)),
            Epilogue::Add(residual) => add(out, &residual[first_row * n..(first_row + rows_here) * n]),
            Epilogue::AddNorm(residual, norm) => {
                add(out, &residual[first_row * n..(first_row + rows_here) * n]);
                layer_norm_rows(isa, out, norm);
            }
        }
    });
}

/// The product for one chunk of rows, blocked over depth so a panel slice stays in L1 while every
/// row block of the chunk passes over it. The micro-kernel reads input rows where they lie: packing
/// them into a step-major block first measured 3–9% slower end to end (f32, batch 16–64).
fn linear_rows(isa: Isa, x: &[f32], layer: &PackedLinear, out: &mut [MaybeUninit<f32>]) {
    let (k, steps) = (layer.inputs, layer.steps);
    let rows = x.len() / k;
    let converted;
    let src: &[u32] = match layer.format {
        Format::F32 => bits(x),
        Format::Bf16 => {
            let mut pairs = vec![0u32; rows * steps];
            to_bf16_pairs(isa, x, k, &mut pairs);
            converted = pairs;
            &converted
        }
    };
    for s0 in (0..steps).step_by(KC) {
        let depth = KC.min(steps - s0);
        for p in 0..layer.outputs.div_ceil(NR) {
            for r0 in (0..rows).step_by(MR) {
                let a = Rows { steps: &src[r0 * steps + s0..], stride: steps };
                product(isa, layer, (r0, rows), (s0, depth), p, a, out);
            }
        }
    }
}

/// One micro-kernel call of a linear layer: rows `r0..` (of `rows`), steps `s0..s0 + depth`, panel
/// `p`; the bias is added on the first depth slab.
fn product(
    isa: Isa,
    layer: &PackedLinear,
    (r0, rows): (usize, usize),
    (s0, depth): (usize, usize),
    p: usize,
    a: Rows<'_>,
    out: &mut [MaybeUninit<f32>],
) {
    let n = layer.outputs;
    let panel = &layer.panel(p)[s0 * NR..(s0 + depth) * NR];
    let bias = if s0 == 0 { Some(&layer.bias[p * NR..(p + 1) * NR]) } else { None };
    let tile = Tile { rows: MR.min(rows - r0), cols: NR.min(n - p * NR), ldc: n, bias };
    micro_kernel(isa, layer.format, tile, depth, a, panel, &mut out[r0 * n + p * NR..]);
}

/// Input rows for a micro-kernel: step `s` of row `r` is `steps[r * stride + s]`.
#[derive(Clone, Copy)]
pub(super) struct Rows<'a> {
    pub(super) steps: &'a [u32],
    pub(super) stride: usize,
}

/// Where a micro-kernel writes: `rows × cols` of `c`, rows `ldc` apart, starting from `bias` when
/// given, else from what `c` holds.
#[derive(Clone, Copy)]
pub(super) struct Tile<'a> {
    pub(super) rows: usize,
    pub(super) cols: usize,
    pub(super) ldc: usize,
    pub(super) bias: Option<&'a [f32]>,
}

/// `c[r][j] (+)= Σ_s a[r][s] · panel[s][j]` over 32-bit steps in `format`.
pub(super) fn micro_kernel(
    isa: Isa,
    format: Format,
    tile: Tile<'_>,
    depth: usize,
    a: Rows<'_>,
    panel: &[u32],
    c: &mut [MaybeUninit<f32>],
) {
    assert!(tile.rows >= 1 && tile.rows <= MR && tile.cols <= NR && panel.len() >= depth * NR);
    let Rows { steps, stride } = a;
    assert!(steps.len() >= (tile.rows - 1) * stride + depth);
    assert!(c.len() >= (tile.rows - 1) * tile.ldc + tile.cols);
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx512 && (format == Format::F32 || isa.has_bf16_products()) {
        let bf16 = format == Format::Bf16;
        macro_rules! dispatch {
            ($($r:literal)*) => {
                match (tile.rows, bf16) {
                    // SAFETY: AVX-512F (and BF16 for bf16 panels) were detected at run time, and
                    // the asserts above bound every read and write the kernel makes.
                    $(($r, false) => unsafe { super::avx512::kernel_f32::<$r>(tile, depth, steps, stride, panel, c) },
                      ($r, true) => unsafe { super::avx512::kernel_bf16::<$r>(tile, depth, steps, stride, panel, c) },)*
                    _ => unreachable!("row blocks hold 1..=MR rows"),
                }
            };
        }
        dispatch!(1 2 3 4 5 6 7 8 9 10 11 12);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx2 && format == Format::F32 {
        // SAFETY: `Isa::Avx2` is only chosen after run-time detection of AVX2 and FMA, and the
        // asserts above bound every read and write the kernel makes.
        unsafe { super::avx2::kernel_f32(tile, depth, a, panel, c) };
        return;
    }
    let _ = isa;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: AVX2 and FMA were detected at run time.
        unsafe { portable_kernel_avx2(format, tile, depth, a, panel, c) };
        return;
    }
    portable_kernel(format, tile, depth, a, panel, c);
}

/// The portable kernel compiled for AVX2, for what has no kernel of its own there (bf16 panels
/// without AVX-512 BF16, and `Isa::Portable` asked for on an AVX2 CPU): the baseline x86-64
/// build, SSE2 only, is several times slower. Same operations in the same order (no fused
/// multiply-adds are formed), so the same bits as the portable kernel.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
unsafe fn portable_kernel_avx2(
    format: Format,
    tile: Tile<'_>,
    depth: usize,
    a: Rows<'_>,
    panel: &[u32],
    c: &mut [MaybeUninit<f32>],
) {
    portable_body(format, tile, depth, a, panel, c);
}

// Never inlined: its accumulators would give `micro_kernel`, called per tile, a large stack frame.
#[inline(never)]
fn portable_kernel(
    format: Format,
    tile: Tile<'_>,
    depth: usize,
    a: Rows<'_>,
    panel: &[u32],
    c: &mut [MaybeUninit<f32>],
) {
    portable_body(format, tile, depth, a, panel, c);
}

#[inline(always)]
fn portable_body(format: Format, tile: Tile<'_>, depth: usize, a: Rows<'_>, panel: &[u32], c: &mut [MaybeUninit<f32>]) {
    let Tile { rows, cols, ldc, bias } = tile;
    let Rows { steps, stride } = a;
    let mut acc = [[0f32; NR]; MR];
    for (r, row) in acc.iter_mut().enumerate().take(rows) {
        match bias {
            Some(bias) => row.copy_from_slice(&bias[..NR]),
            // SAFETY: without a bias, `c` holds the previous depth slab's sums.
            None => row[..cols].copy_from_slice(unsafe { assume_init(&mut c[r * ldc..r * ldc + cols]) }),
        }
    }
    for s in 0..depth {
        let b: &[u32; NR] = panel[s * NR..(s + 1) * NR].try_into().expect("panel rows are NR wide");
        for (r, row) in acc.iter_mut().enumerate().take(rows) {
            let av = steps[r * stride + s];
            match format {
                Format::F32 => {
                    let av = f32::from_bits(av);
                    for (acc, &bv) in row.iter_mut().zip(b) {
                        *acc += av * f32::from_bits(bv);
                    }
                }
                Format::Bf16 => {
                    let (a0, a1) = (bf16_to_f32(av & 0xffff), bf16_to_f32(av >> 16));
                    for (acc, &bv) in row.iter_mut().zip(b) {
                        *acc += a0 * bf16_to_f32(bv & 0xffff) + a1 * bf16_to_f32(bv >> 16);
                    }
                }
            }
        }
    }
    for (r, row) in acc.iter().enumerate().take(rows) {
        c[r * ldc..r * ldc + cols].iter_mut().zip(&row[..cols]).for_each(|(c, &v)| {
            c.write(v);
        });
    }
}
