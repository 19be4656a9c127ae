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
//! compiler's auto-vectorizer; both compute the same sums in the same order per output element, up
//! to the fused multiply-add's rounding.
//!
//! ```
//! use precis_embed::kernels::{Epilogue, Format, Isa, PackedLinear, linear};
//!
//! // y = x · Wᵀ + b for one row of 2 inputs and 3 outputs.
//! let weight = [1.0, 0.0, /* */ 0.0, 1.0, /* */ 1.0, 1.0];
//! let layer = PackedLinear::new(Format::F32, &weight, &[0.5, 0.5, 0.5], 3, 2);
//! let mut y = [0.0; 3];
//! linear(Isa::detect(), &[2.0, 3.0], &layer, Epilogue::None, &mut y);
//! assert_eq!(y, [2.5, 3.5, 5.5]);
//! ```
#![allow(unsafe_code)] // SIMD intrinsics; every unsafe block states its bounds argument.

use std::mem::MaybeUninit;

use rayon::prelude::*;

/// Runs `$body` compiled for AVX-512 when `$isa` says the CPU has it, else for the build target.
/// The body is the same source either way; only the instructions the compiler may use differ.
macro_rules! multiversion {
    ($isa:expr, $name:ident($($arg:ident: $ty:ty),*) $body:block) => {{
        #[inline(always)]
        fn body($($arg: $ty),*) $body
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,fma")]
        fn $name($($arg: $ty),*) {
            body($($arg),*)
        }
        match $isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::Avx512` is only chosen after run-time detection of AVX-512F (which
            // implies FMA on every CPU that has it).
            Isa::Avx512 => unsafe { $name($($arg),*) },
            _ => body($($arg),*),
        }
    }};
}

/// Columns of the weight matrix per packed panel: two 16-lane AVX-512 registers.
const NR: usize = 32;
/// Rows of the input per micro-kernel call: 12 rows × 2 registers = 24 accumulators.
const MR: usize = 12;
/// Depth steps per pass: a packed panel slice (KC × NR × 4 bytes = 32 KiB) stays in L1 across
/// row blocks.
const KC: usize = 256;

/// Which instruction set the kernels use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// AVX-512F (x86-64), detected at run time.
    Avx512,
    /// Plain Rust the compiler vectorizes for the build target.
    Portable,
}

impl Isa {
    /// The best the running CPU supports.
    pub fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Isa::Avx512;
        }
        Isa::Portable
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
    fn per_step(self) -> usize {
        match self {
            Format::F32 => 1,
            Format::Bf16 => 2,
        }
    }

    /// The 32-bit step holding `values` (one or two of them; a missing second one is zero).
    fn step(self, values: &[f32]) -> u32 {
        match self {
            Format::F32 => values[0].to_bits(),
            Format::Bf16 => bf16_pair(values[0], values.get(1).copied().unwrap_or(0.0)),
        }
    }
}

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
fn bf16_pair(first: f32, second: f32) -> u32 {
    u32::from(bf16_bits(first)) | (u32::from(bf16_bits(second)) << 16)
}

/// Rows of `k` f32 values as rows of `k.div_ceil(2)` bf16 pairs (the [`Format::Bf16`] steps).
fn to_bf16_pairs(isa: Isa, x: &[f32], k: usize, out: &mut [u32]) {
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
fn bf16_to_f32(bits: u32) -> f32 {
    f32::from_bits(bits << 16)
}

/// A linear layer's weight (`out × in`, as PyTorch stores it) and bias, repacked so that the inner
/// loop of the product reads both operands sequentially: panels of [`NR`] output columns, each
/// `steps × NR` 32-bit steps (see [`Format`]), zero-padded at the edges.
#[derive(Debug, Clone)]
pub struct PackedLinear {
    format: Format,
    inputs: usize,
    outputs: usize,
    steps: usize,
    panels: Vec<u32>,
    bias: Vec<f32>,
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

    fn panel(&self, p: usize) -> &[u32] {
        &self.panels[p * self.steps * NR..][..self.steps * NR]
    }
}

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

/// `out = epilogue(x · Wᵀ + b)` for `x` of `rows × inputs`, `out` of `rows × outputs`, row-major.
/// Rows are split across rayon's pool.
pub fn linear(isa: Isa, x: &[f32], layer: &PackedLinear, epilogue: Epilogue<'_>, out: &mut [f32]) {
    linear_uninit(isa, x, layer, epilogue, as_uninit(out));
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
struct Rows<'a> {
    steps: &'a [u32],
    stride: usize,
}

/// Where a micro-kernel writes: `rows × cols` of `c`, rows `ldc` apart, starting from `bias` when
/// given, else from what `c` holds.
#[derive(Clone, Copy)]
struct Tile<'a> {
    rows: usize,
    cols: usize,
    ldc: usize,
    bias: Option<&'a [f32]>,
}

/// `c[r][j] (+)= Σ_s a[r][s] · panel[s][j]` over 32-bit steps in `format`.
fn micro_kernel(
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
    if isa == Isa::Avx512 && (format == Format::F32 || std::arch::is_x86_feature_detected!("avx512bf16")) {
        let bf16 = format == Format::Bf16;
        macro_rules! dispatch {
            ($($r:literal)*) => {
                match (tile.rows, bf16) {
                    // SAFETY: AVX-512F (and BF16 for bf16 panels) were detected at run time, and
                    // the asserts above bound every read and write the kernel makes.
                    $(($r, false) => unsafe { avx512::kernel_f32::<$r>(tile, depth, steps, stride, panel, c) },
                      ($r, true) => unsafe { avx512::kernel_bf16::<$r>(tile, depth, steps, stride, panel, c) },)*
                    _ => unreachable!("row blocks hold 1..=MR rows"),
                }
            };
        }
        dispatch!(1 2 3 4 5 6 7 8 9 10 11 12);
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

/// The portable kernel compiled for AVX2: CPUs without AVX-512 (most laptops, many cloud
/// machines) would otherwise run the baseline x86-64 build of it, SSE2 only, several times slower.
/// Same operations in the same order (no fused multiply-adds are formed), so the same bits.
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

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use std::mem::MaybeUninit;

    use super::{NR, Tile};

    /// Masks selecting the first `cols` of the 2 × 16 lanes.
    fn masks(cols: usize) -> (__mmask16, __mmask16) {
        let lo = if cols >= 16 { 0xffff } else { (1u16 << cols) - 1 };
        let hi = if cols >= NR {
            0xffff
        } else if cols > 16 {
            (1u16 << (cols - 16)) - 1
        } else {
            0
        };
        (lo, hi)
    }

    /// Loads the starting accumulators: the bias on the first depth pass, else the partial sums.
    ///
    /// # Safety
    /// AVX-512F; `c` reaches `(R - 1) * ldc + cols` elements, `bias` (if any) holds `NR`.
    #[target_feature(enable = "avx512f")]
    unsafe fn start<const R: usize>(tile: Tile<'_>, c: *const f32) -> ([__m512; R], [__m512; R]) {
        let (mask_lo, mask_hi) = masks(tile.cols);
        let mut lo = [_mm512_setzero_ps(); R];
        let mut hi = [_mm512_setzero_ps(); R];
        // SAFETY: within the bounds the caller guarantees; masked loads read only `cols` lanes.
        unsafe {
            match tile.bias {
                Some(bias) => {
                    let (b0, b1) = (_mm512_loadu_ps(bias.as_ptr()), _mm512_loadu_ps(bias.as_ptr().add(16)));
                    lo = [b0; R];
                    hi = [b1; R];
                }
                None => {
                    for r in 0..R {
                        lo[r] = _mm512_maskz_loadu_ps(mask_lo, c.add(r * tile.ldc));
                        hi[r] = _mm512_maskz_loadu_ps(mask_hi, c.add(r * tile.ldc + 16));
                    }
                }
            }
        }
        (lo, hi)
    }

    /// # Safety
    /// As [`start`].
    #[target_feature(enable = "avx512f")]
    unsafe fn finish<const R: usize>(tile: Tile<'_>, c: *mut f32, lo: &[__m512; R], hi: &[__m512; R]) {
        let (mask_lo, mask_hi) = masks(tile.cols);
        // SAFETY: within the bounds the caller guarantees; masked stores write only `cols` lanes.
        unsafe {
            for r in 0..R {
                _mm512_mask_storeu_ps(c.add(r * tile.ldc), mask_lo, lo[r]);
                _mm512_mask_storeu_ps(c.add(r * tile.ldc + 16), mask_hi, hi[r]);
            }
        }
    }

    /// f32 micro-kernel for `R` rows: 2R accumulators stay in registers for the whole depth; each
    /// step broadcasts one input value per row against 32 weights.
    ///
    /// # Safety
    /// AVX-512F; `a` reaches `(R - 1) * stride + depth` steps, `panel` holds `depth × NR`, and `c`
    /// reaches `(R - 1) * ldc + cols` elements.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn kernel_f32<const R: usize>(
        tile: Tile<'_>,
        depth: usize,
        a: &[u32],
        stride: usize,
        panel: &[u32],
        c: &mut [MaybeUninit<f32>],
    ) {
        let c = c.as_mut_ptr().cast::<f32>();
        // SAFETY: every pointer stays within the bounds above.
        unsafe {
            let (mut lo, mut hi) = start::<R>(tile, c);
            let (mut ap, mut bp) = (a.as_ptr().cast::<f32>(), panel.as_ptr().cast::<f32>());
            for _ in 0..depth {
                let b0 = _mm512_loadu_ps(bp);
                let b1 = _mm512_loadu_ps(bp.add(16));
                for r in 0..R {
                    let av = _mm512_set1_ps(*ap.add(r * stride));
                    lo[r] = _mm512_fmadd_ps(av, b0, lo[r]);
                    hi[r] = _mm512_fmadd_ps(av, b1, hi[r]);
                }
                ap = ap.add(1);
                bp = bp.add(NR);
            }
            finish::<R>(tile, c, &lo, &hi);
        }
    }

    /// The scaled keys of one head as key panels, `keys[p][d][j mod NR]` for key `j = p·NR + …`:
    /// 16 keys × 16 dimensions at a time, loaded as rows and transposed in registers. Columns past
    /// the last key are written as zero up to the next multiple of 16; later ones are left as they
    /// are (the caller zeroes the buffer, and the mask hides every padded column). Storing each value down its column instead compiles to scatters, which are
    /// slow on AMD cores: they were 37% of attention's own time.
    ///
    /// Panics unless `head_dim` is a multiple of 16, `qkv` holds `len` rows of `row_stride` values
    /// with `k_at + head_dim ≤ row_stride`, and `keys` holds `len.div_ceil(NR) · head_dim · NR`.
    ///
    /// # Safety
    /// AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn key_panels(
        qkv: &[f32],
        row_stride: usize,
        k_at: usize,
        head_dim: usize,
        len: usize,
        scale: f32,
        keys: &mut [f32],
    ) {
        assert!(head_dim.is_multiple_of(16) && k_at + head_dim <= row_stride && qkv.len() >= len * row_stride);
        assert!(keys.len() >= len.div_ceil(NR) * head_dim * NR);
        let scale = _mm512_set1_ps(scale);
        for j0 in (0..len).step_by(16) {
            let (panel, column) = (j0 / NR, j0 % NR);
            for d0 in (0..head_dim).step_by(16) {
                // SAFETY: row j < len and dimensions k_at + d0 .. + 16 ≤ k_at + head_dim lie
                // within `qkv`; the stores write dimensions d0..d0 + 16 of 16 columns of one panel.
                unsafe {
                    let rows: [__m512; 16] = std::array::from_fn(|r| {
                        let j = j0 + r;
                        if j < len {
                            _mm512_mul_ps(scale, _mm512_loadu_ps(qkv.as_ptr().add(j * row_stride + k_at + d0)))
                        } else {
                            _mm512_setzero_ps()
                        }
                    });
                    let columns = transpose16(rows);
                    let out = keys.as_mut_ptr().add(panel * head_dim * NR + d0 * NR + column);
                    for (d, v) in columns.iter().enumerate() {
                        _mm512_storeu_ps(out.add(d * NR), *v);
                    }
                }
            }
        }
    }

    /// Transposes 16 rows of 16 values: `out[c]` lane `r` is `rows[r]` lane `c`. Pairs are
    /// interleaved within 128-bit lanes, then 4 × 4 blocks, then the 128-bit lanes themselves.
    #[target_feature(enable = "avx512f")]
    fn transpose16(rows: [__m512; 16]) -> [__m512; 16] {
        let t: [__m512; 16] = std::array::from_fn(|i| {
            let (a, b) = (rows[i & !1], rows[i | 1]);
            if i % 2 == 0 { _mm512_unpacklo_ps(a, b) } else { _mm512_unpackhi_ps(a, b) }
        });
        // u[4i + k] holds, in 128-bit lane L, column 4L + k of rows 4i..4i + 4.
        let u: [__m512; 16] = std::array::from_fn(|n| {
            let (i, k) = (n / 4, n % 4);
            let (x, y) = (t[4 * i + k / 2], t[4 * i + 2 + k / 2]);
            if k % 2 == 0 { _mm512_shuffle_ps::<0x44>(x, y) } else { _mm512_shuffle_ps::<0xEE>(x, y) }
        });
        let mut out = [_mm512_setzero_ps(); 16];
        for k in 0..4 {
            let low = (_mm512_shuffle_f32x4::<0x44>(u[k], u[4 + k]), _mm512_shuffle_f32x4::<0x44>(u[8 + k], u[12 + k]));
            let high =
                (_mm512_shuffle_f32x4::<0xEE>(u[k], u[4 + k]), _mm512_shuffle_f32x4::<0xEE>(u[8 + k], u[12 + k]));
            out[k] = _mm512_shuffle_f32x4::<0x88>(low.0, low.1);
            out[4 + k] = _mm512_shuffle_f32x4::<0xDD>(low.0, low.1);
            out[8 + k] = _mm512_shuffle_f32x4::<0x88>(high.0, high.1);
            out[12 + k] = _mm512_shuffle_f32x4::<0xDD>(high.0, high.1);
        }
        out
    }

    /// bf16 micro-kernel: as [`kernel_f32`], but each step is a pair of bf16 values per row and
    /// per weight, multiplied and summed into f32 by `vdpbf16ps`.
    ///
    /// # Safety
    /// AVX-512F and AVX-512 BF16; bounds as [`kernel_f32`].
    #[target_feature(enable = "avx512f,avx512bf16")]
    pub(super) unsafe fn kernel_bf16<const R: usize>(
        tile: Tile<'_>,
        depth: usize,
        a: &[u32],
        stride: usize,
        panel: &[u32],
        c: &mut [MaybeUninit<f32>],
    ) {
        let c = c.as_mut_ptr().cast::<f32>();
        // SAFETY: every pointer stays within the bounds above; the transmutes reinterpret 512 bits
        // of packed bf16 pairs as the intrinsic's bf16 vector type.
        unsafe {
            let (mut lo, mut hi) = start::<R>(tile, c);
            let (mut ap, mut bp) = (a.as_ptr().cast::<i32>(), panel.as_ptr().cast::<i32>());
            for _ in 0..depth {
                let b0: __m512bh = std::mem::transmute(_mm512_loadu_si512(bp.cast()));
                let b1: __m512bh = std::mem::transmute(_mm512_loadu_si512(bp.add(16).cast()));
                for r in 0..R {
                    let av: __m512bh = std::mem::transmute(_mm512_set1_epi32(*ap.add(r * stride)));
                    lo[r] = _mm512_dpbf16_ps(lo[r], av, b0);
                    hi[r] = _mm512_dpbf16_ps(hi[r], av, b1);
                }
                ap = ap.add(1);
                bp = bp.add(NR);
            }
            finish::<R>(tile, c, &lo, &hi);
        }
    }
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
                avx512::key_panels(qkv, 3 * hidden, k_at, head_dim, len, scale, keys)
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

/// Combines 16 lanes pairwise, halving the width each step: 4 dependent steps, not 15. Written
/// out step by step: as a loop over the widths it was not unrolled, and went through the stack.
#[inline(always)]
fn fold_lanes(lanes: [f32; 16], combine: impl Fn(f32, f32) -> f32) -> f32 {
    let eight: [f32; 8] = std::array::from_fn(|l| combine(lanes[l], lanes[l + 8]));
    let four: [f32; 4] = std::array::from_fn(|l| combine(eight[l], eight[l + 4]));
    let two: [f32; 2] = std::array::from_fn(|l| combine(four[l], four[l + 2]));
    combine(two[0], two[1])
}

/// Initialized values as memory a kernel may overwrite (it only ever writes initialized values).
fn as_uninit(values: &mut [f32]) -> &mut [MaybeUninit<f32>] {
    // SAFETY: same layout; the kernels never write uninitialized values through the result.
    unsafe { &mut *(values as *mut [f32] as *mut [MaybeUninit<f32>]) }
}

/// # Safety
/// Every element of `values` has been written.
unsafe fn assume_init(values: &mut [MaybeUninit<f32>]) -> &mut [f32] {
    // SAFETY: same layout; the caller guarantees every element is initialized.
    unsafe { &mut *(values as *mut [MaybeUninit<f32>] as *mut [f32]) }
}

/// `f32` values as the 32-bit steps the micro-kernel reads.
fn bits(values: &[f32]) -> &[u32] {
    // SAFETY: f32 and u32 have the same size and alignment, and every bit pattern is a valid u32.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<u32>(), values.len()) }
}

/// Sets `buffer` to `len` zeros, reusing its allocation.
fn resize_zeroed<T: Copy + Default>(buffer: &mut Vec<T>, len: usize) {
    buffer.clear();
    buffer.resize(len, T::default());
}

#[cfg(test)]
mod tests {
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

    fn isas() -> Vec<Isa> {
        let mut isas = vec![Isa::Portable];
        if Isa::detect() != Isa::Portable {
            isas.push(Isa::detect());
        }
        isas
    }

    #[test]
    fn linear_matches_a_plain_product_at_awkward_shapes() {
        // Rows, depth and width that are not multiples of MR, KC and NR exercise every edge path.
        for (rows, k, n) in [(1, 3, 1), (13, 300, 45), (25, 384, 64), (7, 600, 33), (40, 17, 100)] {
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
