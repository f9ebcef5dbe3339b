//! PDQ laid out exactly as Meta's C++ reference lays it out: strided column passes that walk
//! one column at a time, a division for every output of every pass, a full-size decimation and
//! the triple-loop DCT. Kept as the oracle for [`super::pdq`]'s faster layout (tests assert
//! both give identical hashes) and as the in-run baseline of `benches/pdq.rs`.

use super::pdq::{self, PdqDihedral, PixelSizeError, PixelsRef};

/// The reference's `box1DFloat` with a stride.
fn box_1d(input: &[f32], out: &mut [f32], start: usize, len: usize, stride: usize, window: usize) {
    let half = (window + 2) / 2;
    let (p1, p2, p3, p4) = (half - 1, window + 1 - half, len - window, half - 1);
    let (mut li, mut ri, mut oi) = (start, start, start);
    let mut sum = 0f32;
    let mut cws = 0usize;
    for _ in 0..p1 {
        sum += input[ri];
        cws += 1;
        ri += stride;
    }
    for _ in 0..p2 {
        sum += input[ri];
        cws += 1;
        out[oi] = sum / cws as f32;
        ri += stride;
        oi += stride;
    }
    for _ in 0..p3 {
        sum += input[ri];
        sum -= input[li];
        out[oi] = sum / cws as f32;
        li += stride;
        ri += stride;
        oi += stride;
    }
    for _ in 0..p4 {
        sum -= input[li];
        cws -= 1;
        out[oi] = sum / cws as f32;
        li += stride;
        oi += stride;
    }
}

/// Hashes like [`pdq::hash_pixels`], computing every intermediate the reference computes.
pub fn hash_pixels(pixels: PixelsRef<'_>) -> Result<PdqDihedral, PixelSizeError> {
    let (cols, rows, mut buf1) = pdq::reference_luma(pixels)?;
    if rows < pdq::MIN_HASHABLE_DIM || cols < pdq::MIN_HASHABLE_DIM {
        return Ok(pdq::hash_luma(&mut buf1, cols, rows));
    }
    let win_rows = pdq::jarosz_window(cols, 64);
    let win_cols = pdq::jarosz_window(rows, 64);
    let mut buf2 = vec![0f32; rows * cols];
    for _ in 0..2 {
        for i in 0..rows {
            box_1d(&buf1, &mut buf2, i * cols, cols, 1, win_rows);
        }
        for j in 0..cols {
            box_1d(&buf2, &mut buf1, j, rows, cols, win_cols);
        }
    }
    let mut grid = vec![0f32; 64 * 64];
    for i in 0..64 {
        let ini = (((i as f64 + 0.5) * rows as f64) / 64.0) as usize;
        for j in 0..64 {
            let inj = (((j as f64 + 0.5) * cols as f64) / 64.0) as usize;
            grid[i * 64 + j] = buf1[ini * cols + inj];
        }
    }
    // A 64x64 plane takes the reference's no-resampling branch: identical from here on.
    Ok(pdq::hash_luma(&mut grid, 64, 64))
}
