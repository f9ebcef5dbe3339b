//! pHash and dHash agree with Python `imagehash` 4.3.2 (pip) on registry images and their
//! reshared copies: the reference hashes are computed at test time by
//! `scripts/image_match_transforms.py` (`.tools/image_match-eval/reference.tsv`).

mod common;

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
