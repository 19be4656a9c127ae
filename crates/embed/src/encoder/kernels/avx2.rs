//! The AVX2 + FMA micro-kernel (f32 products), for x86-64 CPUs without AVX-512: most laptops and
//! desktops, and many cloud machines.

use std::arch::x86_64::*;

use std::mem::MaybeUninit;

use super::linear::{Rows, Tile};
use super::{MR, NR};

/// 8-lane registers per panel row.
const LANES: usize = NR / 8;

/// Rows per pass over the depth: 3 rows × 4 accumulators, one weight vector and three broadcast
/// inputs fill the 16 registers AVX2 has. (The AVX-512 kernel keeps all 12 rows in its 32.)
const ROWS: usize = 3;

/// f32 micro-kernel: the tile's rows in passes of up to three, each pass keeping its
/// accumulators in registers for the whole depth and broadcasting one input value per row
/// against 32 weights per step. The panel slice (at most 32 KiB) stays in cache across passes.
///
/// # Safety
/// AVX2 and FMA; `a.steps` reaches `(rows - 1) * a.stride + depth` steps, `panel` holds `depth × NR`,
/// and `c` reaches `(rows - 1) * ldc + cols` elements.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn kernel_f32(tile: Tile<'_>, depth: usize, a: Rows<'_>, panel: &[u32], c: &mut [MaybeUninit<f32>]) {
    debug_assert!(tile.rows <= MR);
    let mut r0 = 0;
    while r0 < tile.rows {
        let rows = (tile.rows - r0).min(ROWS);
        let part = Tile { rows, ..tile };
        let a = Rows { steps: &a.steps[r0 * a.stride..], ..a };
        let c = &mut c[r0 * tile.ldc..];
        // SAFETY: the caller's bounds, shifted by `r0` rows, cover these `rows`.
        unsafe {
            match rows {
                3 => pass::<3>(part, depth, a, panel, c),
                2 => pass::<2>(part, depth, a, panel, c),
                _ => pass::<1>(part, depth, a, panel, c),
            }
        }
        r0 += rows;
    }
}

/// One pass of `R` rows over the whole depth.
///
/// # Safety
/// As [`kernel_f32`], for `R` rows.
#[target_feature(enable = "avx2,fma")]
unsafe fn pass<const R: usize>(tile: Tile<'_>, depth: usize, a: Rows<'_>, panel: &[u32], c: &mut [MaybeUninit<f32>]) {
    let Tile { cols, ldc, bias, .. } = tile;
    let Rows { steps, stride } = a;
    let c = c.as_mut_ptr().cast::<f32>();
    // SAFETY: every pointer stays within the bounds the caller guarantees; a partial tile's
    // `cols` values go through a full-width row on the stack, so no lane past them is touched.
    unsafe {
        let mut acc = [[_mm256_setzero_ps(); LANES]; R];
        let mut partial = [0f32; NR];
        for (r, row) in acc.iter_mut().enumerate() {
            let from: *const f32 = match bias {
                Some(bias) => bias[..NR].as_ptr(),
                // Without a bias, `c` holds the previous depth slab's sums.
                None if cols == NR => c.add(r * ldc),
                None => {
                    std::ptr::copy_nonoverlapping(c.add(r * ldc), partial.as_mut_ptr(), cols);
                    partial.as_ptr()
                }
            };
            for (j, lane) in row.iter_mut().enumerate() {
                *lane = _mm256_loadu_ps(from.add(8 * j));
            }
        }
        let (mut ap, mut bp) = (steps.as_ptr().cast::<f32>(), panel.as_ptr().cast::<f32>());
        for _ in 0..depth {
            let av: [__m256; R] = std::array::from_fn(|r| _mm256_broadcast_ss(&*ap.add(r * stride)));
            for j in 0..LANES {
                let b = _mm256_loadu_ps(bp.add(8 * j));
                for (row, &a) in acc.iter_mut().zip(&av) {
                    row[j] = _mm256_fmadd_ps(a, b, row[j]);
                }
            }
            ap = ap.add(1);
            bp = bp.add(NR);
        }
        for (r, row) in acc.iter().enumerate() {
            let to = if cols == NR { c.add(r * ldc) } else { partial.as_mut_ptr() };
            for (j, lane) in row.iter().enumerate() {
                _mm256_storeu_ps(to.add(8 * j), *lane);
            }
            if cols < NR {
                std::ptr::copy_nonoverlapping(partial.as_ptr(), c.add(r * ldc), cols);
            }
        }
    }
}
