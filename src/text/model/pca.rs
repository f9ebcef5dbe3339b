//! Deterministic principal component analysis of an embedding matrix, at train time only
//! (`preflight text-model train --embed-dim`): it reduces the rows that ship in the model file.
//!
//! The covariance is accumulated in f64, single-threaded, in a fixed order; its top `k`
//! eigenvectors are found by orthogonal (block power) iteration from a fixed-seed start with
//! modified Gram–Schmidt after every step. The same input gives the same axes bit for bit,
//! which the reproducible model build needs. The classifier only needs the spanned subspace,
//! so the axes are not sorted or rotated further.

use crate::lists::random::SplitMix64;

/// Iterations of the block power method (the subspace of the top 128 of 384 axes of the
/// MiniLM embeddings stops moving well before this).
pub const ITERATIONS: usize = 40;

/// The mean row and `k` orthonormal principal axes (`k × dim`, row-major) of `rows`
/// (`n × dim`, row-major). `k` is capped at `dim`; an empty input gives zero axes.
pub fn principal_axes(rows: &[f32], dim: usize, k: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let k = k.min(dim);
    let mean = mean_f64(rows, dim);
    let mut cov = vec![0f64; dim * dim];
    let mut centred = vec![0f64; dim];
    for row in rows.chunks_exact(dim.max(1)) {
        for ((c, &v), m) in centred.iter_mut().zip(row).zip(&mean) {
            *c = f64::from(v) - m;
        }
        for (a, &ca) in centred.iter().enumerate() {
            if let Some(out) = cov.get_mut(a * dim..a * dim + a + 1) {
                for (o, &cb) in out.iter_mut().zip(&centred) {
                    *o += ca * cb;
                }
            }
        }
    }
    for a in 0..dim {
        for b in 0..a {
            let v = cov.get(a * dim + b).copied().unwrap_or(0.0);
            if let Some(x) = cov.get_mut(b * dim + a) {
                *x = v;
            }
        }
    }
    let mut rng = SplitMix64(seed);
    let mut q: Vec<f64> = (0..k * dim)
        .map(|_| (rng.next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
        .collect();
    orthonormalise(&mut q, dim);
    let mut z = vec![0f64; k * dim];
    for _ in 0..ITERATIONS {
        for (zi, qi) in z.chunks_exact_mut(dim).zip(q.chunks_exact(dim)) {
            for (zv, crow) in zi.iter_mut().zip(cov.chunks_exact(dim)) {
                *zv = crow.iter().zip(qi).map(|(c, x)| c * x).sum();
            }
        }
        std::mem::swap(&mut q, &mut z);
        orthonormalise(&mut q, dim);
    }
    (
        mean.iter().map(|&m| m as f32).collect(),
        q.iter().map(|&v| v as f32).collect(),
    )
}

fn mean_f64(rows: &[f32], dim: usize) -> Vec<f64> {
    let n = rows.len() / dim.max(1);
    let mut mean = vec![0f64; dim];
    for row in rows.chunks_exact(dim.max(1)) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v);
        }
    }
    for m in mean.iter_mut() {
        *m /= n.max(1) as f64;
    }
    mean
}

/// The mean of `rows` (`n × dim`, row-major), accumulated in f64.
pub fn mean(rows: &[f32], dim: usize) -> Vec<f32> {
    mean_f64(rows, dim).iter().map(|&m| m as f32).collect()
}

/// Modified Gram–Schmidt over the rows of `q` (`? × dim`).
fn orthonormalise(q: &mut [f64], dim: usize) {
    let k = q.len() / dim.max(1);
    for i in 0..k {
        let (done, rest) = q.split_at_mut(i * dim);
        let Some(qi) = rest.get_mut(..dim) else {
            return;
        };
        for qj in done.chunks_exact(dim) {
            let d: f64 = qi.iter().zip(qj).map(|(a, b)| a * b).sum();
            for (a, b) in qi.iter_mut().zip(qj) {
                *a -= d * b;
            }
        }
        let norm = qi.iter().map(|v| v * v).sum::<f64>().sqrt();
        let inv = if norm > 1e-300 { 1.0 / norm } else { 0.0 };
        for a in qi.iter_mut() {
            *a *= inv;
        }
    }
}

/// Projects a row onto the axes after removing the mean: `k` values.
pub fn project(row: &[f32], mean: &[f32], axes: &[f32], dim: usize) -> Vec<f32> {
    axes.chunks_exact(dim.max(1))
        .map(|axis| {
            row.iter()
                .zip(mean)
                .zip(axis)
                .map(|((v, m), a)| (v - m) * a)
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_dominant_axis_and_is_deterministic() {
        // Points spread along (1, 1, 0) with small noise in the other directions.
        let mut rng = SplitMix64(3);
        let mut rows = Vec::new();
        for _ in 0..500 {
            let t = (rng.next() % 2001) as f32 / 100.0 - 10.0;
            let e = (rng.next() % 201) as f32 / 1000.0 - 0.1;
            rows.extend_from_slice(&[t + 5.0, t + e, e * 0.5]);
        }
        let (mean, axes) = principal_axes(&rows, 3, 1, 9);
        assert!((mean[0] - mean[1] - 5.0).abs() < 0.05, "{mean:?}");
        let a = &axes[..3];
        let cos = (a[0] + a[1]).abs() / 2f32.sqrt();
        assert!(cos > 0.999, "{a:?}");
        assert_eq!(principal_axes(&rows, 3, 1, 9), (mean, axes.clone()));
        let (_, two) = principal_axes(&rows, 3, 2, 9);
        let dot: f32 = two[..3].iter().zip(&two[3..]).map(|(x, y)| x * y).sum();
        assert!(dot.abs() < 1e-5, "axes not orthogonal: {dot}");
        let p = project(&rows[..3], &super::mean(&rows, 3), &axes, 3);
        assert_eq!(p.len(), 1);
    }
}
