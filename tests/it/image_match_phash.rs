//! pHash and dHash agree with Python `imagehash` 4.3.2 (pip) on registry images and their
//! reshared copies: the reference hashes are computed at test time by
//! `scripts/image_match_transforms.py` (`.tools/image_match-eval/reference.tsv`).

use crate::common;

use preflight::hash::{hash_image_bytes, perceptual::hex64};
use preflight::media::DecodeLimits;

struct Agreement {
    files: usize,
    exact: usize,
    within2: usize,
    worst: (u32, String),
}

fn agreement(
    column: usize,
    pick: impl Fn(&preflight::hash::ImageHashes) -> u64,
) -> Option<Agreement> {
    let eval = common::image_match_eval()?;
    let tsv = std::fs::read_to_string(eval.join("reference.tsv")).expect("reference.tsv");
    let mut a = Agreement {
        files: 0,
        exact: 0,
        within2: 0,
        worst: (0, String::new()),
    };
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let bytes = std::fs::read(eval.join(cols[0])).expect("eval file");
        let h = hash_image_bytes(&bytes, &DecodeLimits::default()).expect("hashes");
        let want = u64::from_str_radix(cols[column], 16).expect("hex");
        let d = (pick(&h) ^ want).count_ones();
        a.files += 1;
        a.exact += usize::from(d == 0);
        a.within2 += usize::from(d <= 2);
        if d > 2 {
            eprintln!("miss {d} {}", cols[0]);
        }
        if d > a.worst.0 {
            a.worst = (
                d,
                format!(
                    "{} ours {} imagehash {}",
                    cols[0],
                    hex64(pick(&h)),
                    cols[column]
                ),
            );
        }
    }
    Some(a)
}

#[test]
fn phash_matches_imagehash_on_95_percent_within_2_bits() {
    let Some(a) = agreement(1, |h| h.perceptual.phash) else {
        return;
    };
    eprintln!(
        "phash vs imagehash.phash: {} files, {} exact, {} within 2 bits; worst {} bits ({})",
        a.files, a.exact, a.within2, a.worst.0, a.worst.1
    );
    assert!(a.files >= 300, "only {} reference files", a.files);
    assert!(
        a.within2 * 100 >= a.files * 95,
        "{} of {} within 2 bits",
        a.within2,
        a.files
    );
}

#[test]
fn dhash_matches_imagehash_on_95_percent_within_2_bits() {
    let Some(a) = agreement(2, |h| h.perceptual.dhash) else {
        return;
    };
    eprintln!(
        "dhash vs imagehash.dhash: {} files, {} exact, {} within 2 bits; worst {} bits ({})",
        a.files, a.exact, a.within2, a.worst.0, a.worst.1
    );
    assert!(
        a.within2 * 100 >= a.files * 95,
        "{} of {} within 2 bits",
        a.within2,
        a.files
    );
}

/// pHash distance distributions on the evaluation set (imagehash's own values): copies that
/// keep the geometry (resize, recompress, WebP, greyscale) against their original, and every
/// pair of files made from distinct images. Flat pictures (fewer than 16 bits set) are left
/// out: their pHash is a constant. Prints the false-match rate per pair by radius and checks
/// the default radius keeps it below 1 in 1 000.
#[test]
fn phash_false_match_rate_per_pair_at_the_default_radius() {
    let Some(eval) = common::image_match_eval() else {
        return;
    };
    let tsv = std::fs::read_to_string(eval.join("reference.tsv")).expect("reference.tsv");
    let items: Vec<(String, String, u64)> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let parts: Vec<&str> = c[0].split('/').collect();
            let stem = parts[2]
                .rsplit_once('.')
                .map_or(parts[2], |(s, _)| s)
                .to_string();
            Some((
                stem,
                parts[1].to_string(),
                u64::from_str_radix(c[1], 16).ok()?,
            ))
        })
        .filter(|(_, _, h)| h.count_ones() >= 16)
        .collect();
    let original = |stem: &str| {
        items
            .iter()
            .find(|(s, t, _)| s == stem && t == "original")
            .map(|i| i.2)
    };
    let copies: Vec<u32> = items
        .iter()
        .filter(|(_, t, _)| ["resize", "recompress", "webp", "greyscale"].contains(&t.as_str()))
        .filter_map(|(s, _, h)| original(s).map(|o| (o ^ h).count_ones()))
        .collect();
    let mut distinct = Vec::new();
    for (i, a) in items.iter().enumerate() {
        for b in &items[i + 1..] {
            if a.0 != b.0 {
                distinct.push((a.2 ^ b.2).count_ones());
            }
        }
    }
    let rate = |v: &[u32], r: u32| v.iter().filter(|d| **d <= r).count() as f64 / v.len() as f64;
    eprintln!(
        "pHash: {} copies, {} pairs of distinct images",
        copies.len(),
        distinct.len()
    );
    for r in [0, 2, 4, 6, 8, 10, 12] {
        eprintln!(
            "  radius {r:>2}: copies matched {:.3}, false matches per pair {:.2e}",
            rate(&copies, r),
            rate(&distinct, r)
        );
    }
    let r = preflight::policy::DEFAULT_PHASH_RADIUS;
    assert!(distinct.len() > 100_000 && copies.len() > 150);
    assert!(
        rate(&distinct, r) < 1e-3,
        "false-match rate {:.2e} at radius {r}",
        rate(&distinct, r)
    );
    assert!(
        rate(&copies, r) > 0.8,
        "copies matched {:.3} at radius {r}",
        rate(&copies, r)
    );
}
