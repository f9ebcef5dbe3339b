//! Resharing evaluation: 30 registry photos are listed (PDQ + pHash, and with `--augment`-style
//! crops and rotations), then their reshared copies (border, screenshot, crop, caption, rotation,
//! truncation, resize, recompression, WebP, greyscale, rotate 90, mirror) are scanned, and so are
//! 20 images that are not listed and all their copies. Counts are asserted at the targets of
//! issue 12; the table and the pHash false-match rates are printed
//! (`scripts/image_match-eval.sh` shows them). The set is generated at test time by
//! `scripts/image_match_transforms.py` from scikit-image's PyPI wheel and Debian's
//! mate-backgrounds.

use crate::common;

use preflight::hash::{self, augment};
use preflight::lists::{HashKind, IssuerSecretKey, ListBuilder};
use preflight::media::DecodeLimits;
use preflight::{Action, Policy, Scanner, ScannerConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Transform, issue 12's target (of 30), and the floor asserted here: every target is met on
/// this set (which was written alongside the code, so the figures are optimistic; the list's
/// crop amounts, 7.5% and 15%, are deliberately not the set's 5% and 10%).
const TRANSFORMS: [(&str, usize, usize); 14] = [
    ("original", 30, 30),
    ("resize", 28, 28),
    ("recompress", 28, 28),
    ("webp", 28, 28),
    ("greyscale", 28, 28),
    ("rotate90", 28, 28),
    ("mirror", 28, 28),
    ("border", 27, 27),
    ("screenshot", 27, 27),
    ("crop5", 24, 24),
    ("crop10", 18, 18),
    ("caption", 20, 20),
    ("rotate3", 15, 15),
    ("truncated", 28, 28),
];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn key() -> IssuerSecretKey {
    common::issuer_key(42)
}

/// The list: each listed original's PDQ and pHash, plus its augmentations' PDQs.
fn build_list(eval: &Path, augmented: bool) -> (Vec<u8>, usize) {
    let mut b = ListBuilder::new(1, 1_700_000_000);
    let org = b.add_org("eval").unwrap();
    let mut n = 0;
    for path in files(&eval.join("listed/original")) {
        let bytes = std::fs::read(&path).unwrap();
        let label = path.file_stem().unwrap().to_string_lossy().to_string();
        let h = hash::hash_image_bytes(&bytes, &DecodeLimits::default()).unwrap();
        b.add(HashKind::Pdq, &h.pdq.hashes[0].0, 1 << org, &label, "eval")
            .unwrap();
        b.add(
            HashKind::PHash,
            &h.perceptual.phash.to_be_bytes(),
            1 << org,
            &label,
            "eval",
        )
        .unwrap();
        n += 1;
        if augmented {
            for (_, pdq) in augment::augmented_pdq_bytes(&bytes, &DecodeLimits::default()).unwrap()
            {
                b.add(HashKind::Pdq, &pdq.0, 1 << org, &label, "eval")
                    .unwrap();
            }
        }
    }
    assert_eq!(n, 30, "the evaluation set lists 30 photos");
    (b.build(&key()).unwrap(), n)
}

fn scanner(list: &[u8]) -> Scanner {
    let s = Scanner::new(ScannerConfig {
        trusted_list_keys: vec![key().public().to_hex()],
        policy: Policy::default(),
        ..ScannerConfig::default()
    })
    .unwrap();
    s.apply_list_update(list, false).unwrap();
    s
}

#[derive(Default, Clone, Copy)]
struct Counts {
    files: usize,
    blocked: usize,
    warned: usize,
    errors: usize,
}

fn scan_group(s: &Scanner, dir: &Path) -> BTreeMap<String, Counts> {
    let mut out = BTreeMap::new();
    for (t, _, _) in TRANSFORMS {
        let mut c = Counts::default();
        for path in files(&dir.join(t)) {
            c.files += 1;
            match s.scan_image(&std::fs::read(&path).unwrap()) {
                Ok(v) if v.action == Action::Block => c.blocked += 1,
                Ok(v) if v.action == Action::Warn => c.warned += 1,
                Ok(_) => {}
                Err(e) => {
                    eprintln!("{}: {e}", path.display());
                    c.errors += 1
                }
            }
        }
        out.insert(t.to_string(), c);
    }
    out
}

#[test]
fn reshared_copies_match_and_unlisted_images_never_block() {
    let Some(eval) = common::image_match_eval() else {
        return;
    };
    let (list, listed) = build_list(&eval, true);
    let s = scanner(&list);
    let hits = scan_group(&s, &eval.join("listed"));
    let unlisted = scan_group(&s, &eval.join("unlisted"));
    eprintln!("transform    listed blocked  (warned)  unlisted blocked  (warned)  target  floor");
    for (t, target, floor) in TRANSFORMS {
        let (h, u) = (hits[t], unlisted[t]);
        eprintln!(
            "{t:<12} {:>6}/{listed:<8} ({:>2})      {:>3}/{:<3}          ({:>2})       {target:>4}  {floor:>4}",
            h.blocked, h.warned, u.blocked, u.files, u.warned
        );
    }
    eprintln!("list: {} bytes", list.len());
    let mut failures = Vec::new();
    for (t, _, floor) in TRANSFORMS {
        if hits[t].blocked < floor {
            failures.push(format!(
                "{t}: {}/{listed} blocked, floor {floor}",
                hits[t].blocked
            ));
        }
        if unlisted[t].blocked > 0 {
            failures.push(format!(
                "{t}: {} unlisted images blocked",
                unlisted[t].blocked
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
