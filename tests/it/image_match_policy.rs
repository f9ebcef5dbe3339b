//! A pHash match never blocks alone: it warns, and blocks only when corroborated by a PDQ (or
//! exact) match in the same scan or by a second source organisation; the evidence says which.

use crate::common;

use preflight::lists::{HashKind, IssuerSecretKey, ListBuilder};
use preflight::{Action, Category, Corroboration, Evidence, Scanner, ScannerConfig};

fn key() -> IssuerSecretKey {
    common::issuer_key(9)
}

fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(200, 150, |x, y| {
        let v = |k: u32| (((x / 5 + k) * (y / 3 + 2 * k) + x * y / 41) % 190 + 40) as u8;
        image::Rgb([v(1), v(2), v(3)])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Scans the photo against a list of its pHash (by `phash_orgs` organisations) and optionally
/// its PDQ; returns the action and the pHash evidence's `corroborated_by`.
fn scan(phash_orgs: u32, with_pdq: bool) -> (Action, Vec<Corroboration>) {
    let bytes = photo();
    let h = preflight::hash::hash_image_bytes(&bytes, &Default::default()).unwrap();
    let mut b = ListBuilder::new(1, 1_700_000_000);
    let orgs: u64 = (0..phash_orgs)
        .map(|i| 1u64 << b.add_org(&format!("org{i}")).unwrap())
        .sum();
    b.add(
        HashKind::PHash,
        &h.perceptual.phash.to_be_bytes(),
        orgs,
        "p",
        "test",
    )
    .unwrap();
    if with_pdq {
        b.add(HashKind::Pdq, &h.pdq.hashes[0].0, 1, "p", "test")
            .unwrap();
    }
    let s = Scanner::new(ScannerConfig {
        trusted_list_keys: vec![key().public().to_hex()],
        ..ScannerConfig::default()
    })
    .unwrap();
    s.apply_list_update(&b.build(&key()).unwrap(), false)
        .unwrap();
    let v = s.scan_image(&bytes).unwrap();
    let corroborated = v
        .signals_of(Category::KnownCsam)
        .flat_map(|s| &s.evidence)
        .find_map(|e| match e {
            Evidence::ListMatch {
                kind,
                corroborated_by,
                ..
            } if *kind == preflight::lists::HashKind::PHash => Some(corroborated_by.clone()),
            _ => None,
        })
        .expect("the pHash entry matched");
    (v.action, corroborated)
}

#[test]
fn phash_alone_warns_and_corroboration_blocks() {
    assert_eq!(scan(1, false), (Action::Warn, vec![]));
    assert_eq!(scan(1, true), (Action::Block, vec![Corroboration::Pdq]));
    assert_eq!(
        scan(2, false),
        (Action::Block, vec![Corroboration::SecondSource])
    );
}
