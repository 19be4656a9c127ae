//! AVX-512 micro-kernels (f32 and bf16 products) and the key-panel transposes of attention.

use std::arch::x86_64::*;

use std::mem::MaybeUninit;

use super::NR;
use super::linear::Tile;

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
        let high = (_mm512_shuffle_f32x4::<0xEE>(u[k], u[4 + k]), _mm512_shuffle_f32x4::<0xEE>(u[8 + k], u[12 + k]));
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
