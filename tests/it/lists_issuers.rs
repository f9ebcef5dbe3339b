//! Several lists from several issuers in the Scanner: each issuer with its own key, category
//! and store, corroborated "k of n" by independent signatures; the evidence names every
//! issuer that matched; one issuer's update leaves the others in place.

use crate::common;

use preflight::hash::crypto::CryptoHashes;
use preflight::lists::{
    HashKind, IssuerConfig, IssuerPolicy, IssuerSecretKey, ListBuilder, TrustedKeys,
};
use preflight::{Action, Category, Evidence, IssuerEvidence, ScanError, Scanner, ScannerConfig};

fn key(seed: u8) -> IssuerSecretKey {
    IssuerSecretKey::from_seed(&[seed; 32])
}

/// A list by issuer `seed` holding the PDQ hashes of the drawn images `images`.
fn list(seed: u8, version: u64, images: &[&str], label: &str) -> Vec<u8> {
    let mut b = ListBuilder::new(version, 1_700_000_000);
    let org = b.add_org(&format!("org-{seed}")).unwrap();
    for name in images {
        let h = common::drawn_pdq(name);
        b.add(HashKind::Pdq, &h.0, 1 << org, label, "known-abuse")
            .unwrap();
    }
    b.build(&key(seed)).unwrap()
}

fn issuer(dir: &std::path::Path, name: &str, seed: u8, category: &str) -> IssuerConfig {
    IssuerConfig::new(
        name,
        dir.join(name),
        TrustedKeys::new(vec![key(seed).public()]),
        category,
    )
}

/// A scanner with issuers "alpha" (key 1) and "beta" (key 2), k of 2.
fn two_issuers(dir: &std::path::Path, k: u32) -> Scanner {
    Scanner::with_issuers(
        ScannerConfig::default(),
        vec![
            issuer(dir, "alpha", 1, "known-abuse"),
            issuer(dir, "beta", 2, "terrorist-content"),
        ],
        IssuerPolicy::k_of_n(k),
    )
    .unwrap()
}

/// The one issuer evidence item of a verdict's known-image signal.
fn issuer_match(v: &preflight::Verdict) -> (bool, u32, Vec<IssuerEvidence>) {
    let sig = v
        .signals_of(Category::KnownCsam)
        .next()
        .expect("a known-image signal");
    match &sig.evidence[..] {
        [Evidence::IssuerMatch {
            corroborated,
            independent_issuers,
            issuers,
            required,
            frame,
        }] => {
            assert_eq!(*required, 2);
            assert_eq!(*frame, None, "a still has no frame");
            (*corroborated, *independent_issuers, issuers.clone())
        }
        other => panic!("unexpected evidence {other:?}"),
    }
}

#[test]
fn an_image_on_both_lists_blocks_and_names_both_issuers() {
    let dir = tempfile::tempdir().unwrap();
    let s = two_issuers(dir.path(), 2);
    s.apply_issuer_update(
        "alpha",
        &list(1, 1, &["bridge-1-original.jpg"], "a-case"),
        false,
    )
    .unwrap();
    s.apply_issuer_update(
        "beta",
        &list(2, 1, &["bridge-1-original.jpg"], "b-case"),
        false,
    )
    .unwrap();
    // A rotated copy still matches both (all eight dihedral variants are queried).
    let v = s
        .scan_image(&common::drawn("bridge-2-rotate-90.jpg"))
        .unwrap();
    assert_eq!(v.action, Action::Block);
    let (corroborated, independent, issuers) = issuer_match(&v);
    assert!(corroborated);
    assert_eq!(independent, 2);
    let names: Vec<(&str, &str, &str)> = issuers
        .iter()
        .map(|i| {
            (
                i.issuer.as_str(),
                i.issuer_category.as_str(),
                i.label.as_str(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("alpha", "known-abuse", "a-case"),
            ("beta", "terrorist-content", "b-case")
        ]
    );
    assert_eq!(
        issuers[0].issuer_key_id,
        key(1).public().key_id().to_string()
    );
    assert_eq!(
        issuers[1].issuer_key_id,
        key(2).public().key_id().to_string()
    );
    assert!(issuers
        .iter()
        .all(|i| i.counted && i.kind == HashKind::Pdq && i.list_version == 1));
    // An unlisted image matches neither.
    let other = s.scan_image(&common::drawn("wee.jpg")).unwrap();
    assert_eq!(other.action, Action::Allow);
}

#[test]
fn an_image_on_one_list_only_is_not_corroborated() {
    let dir = tempfile::tempdir().unwrap();
    let s = two_issuers(dir.path(), 2);
    s.apply_issuer_update(
        "alpha",
        &list(1, 1, &["bridge-1-original.jpg"], "a-case"),
        false,
    )
    .unwrap();
    s.apply_issuer_update("beta", &list(2, 1, &["wee.jpg"], "b-case"), false)
        .unwrap();
    let v = s
        .scan_image(&common::drawn("bridge-1-original.jpg"))
        .unwrap();
    assert_eq!(
        v.action,
        Action::Warn,
        "one issuer of the two required only warns"
    );
    let (corroborated, independent, issuers) = issuer_match(&v);
    assert!(!corroborated);
    assert_eq!(independent, 1);
    assert_eq!(issuers.len(), 1);
    assert_eq!(issuers[0].issuer, "alpha");
    // With k = 1 the same image blocks.
    let dir1 = tempfile::tempdir().unwrap();
    let one = Scanner::with_issuers(
        ScannerConfig::default(),
        vec![issuer(dir1.path(), "alpha", 1, "known-abuse")],
        IssuerPolicy::k_of_n(1),
    )
    .unwrap();
    one.apply_issuer_update(
        "alpha",
        &list(1, 1, &["bridge-1-original.jpg"], "a-case"),
        false,
    )
    .unwrap();
    let v = one
        .scan_image(&common::drawn("bridge-1-original.jpg"))
        .unwrap();
    assert_eq!(v.action, Action::Block);
}

#[test]
fn two_lists_signed_by_the_same_key_count_once() {
    let dir = tempfile::tempdir().unwrap();
    // Both issuers trust key 1: one signer cannot corroborate itself.
    let s = Scanner::with_issuers(
        ScannerConfig::default(),
        vec![
            issuer(dir.path(), "alpha", 1, "known-abuse"),
            issuer(dir.path(), "alpha-mirror", 1, "known-abuse"),
        ],
        IssuerPolicy::k_of_n(2),
    )
    .unwrap();
    let bytes = list(1, 1, &["bridge-1-original.jpg"], "a-case");
    s.apply_issuer_update("alpha", &bytes, false).unwrap();
    s.apply_issuer_update("alpha-mirror", &bytes, false)
        .unwrap();
    let v = s
        .scan_image(&common::drawn("bridge-1-original.jpg"))
        .unwrap();
    let (corroborated, independent, issuers) = issuer_match(&v);
    assert_eq!((corroborated, independent, issuers.len()), (false, 1, 2));
    assert_eq!(v.action, Action::Warn);
}

#[test]
fn updating_one_issuer_leaves_the_other_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let s = two_issuers(dir.path(), 2);
    let both = ["bridge-1-original.jpg"];
    s.apply_issuer_update("alpha", &list(1, 1, &both, "a-case"), false)
        .unwrap();
    s.apply_issuer_update("beta", &list(2, 1, &both, "b-case"), false)
        .unwrap();
    let beta_before = s.issuer_status()[1].clone();
    // alpha's version 2 drops the image: beta's list is untouched, the image now only warns.
    let info = s
        .apply_issuer_update("alpha", &list(1, 2, &["wee.jpg"], "a-case"), false)
        .unwrap();
    assert_eq!(info.version, 2);
    let status = s.issuer_status();
    assert_eq!(status[0].issuer, "alpha");
    assert_eq!(status[0].status.info.version, 2);
    assert_eq!(status[1], beta_before);
    let v = s
        .scan_image(&common::drawn("bridge-1-original.jpg"))
        .unwrap();
    assert_eq!(v.action, Action::Warn);
    assert_eq!(issuer_match(&v).2[0].issuer, "beta");
    // An update signed by beta's key is refused by alpha's store, and alpha stays at v2.
    let err = s
        .apply_issuer_update("alpha", &list(2, 3, &both, "b-case"), false)
        .unwrap_err();
    assert!(err.to_string().contains("key"), "{err}");
    assert_eq!(s.issuer_status()[0].status.info.version, 2);
    // The stores persist independently: a new scanner on the same directories sees both.
    drop(s);
    let again = two_issuers(dir.path(), 2);
    let versions: Vec<u64> = again
        .issuer_status()
        .iter()
        .map(|i| i.status.info.version)
        .collect();
    assert_eq!(versions, [2, 1]);
}

#[test]
fn bad_issuer_configurations_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = Scanner::with_issuers(
        ScannerConfig::default(),
        vec![issuer(dir.path(), "alpha", 1, "known-abuse")],
        IssuerPolicy {
            min_issuers: 1,
            counted: vec!["gamma".into()],
        },
    );
    assert!(matches!(unknown, Err(ScanError::Config(m)) if m.contains("gamma")));
    let too_many = Scanner::with_issuers(
        ScannerConfig::default(),
        vec![issuer(dir.path(), "alpha", 1, "known-abuse")],
        IssuerPolicy::k_of_n(2),
    );
    assert!(matches!(too_many, Err(ScanError::Config(m)) if m.contains("needs 2")));
    let s = two_issuers(dir.path(), 2);
    let err = s.apply_issuer_update("gamma", b"x", false).unwrap_err();
    assert!(err.to_string().contains("gamma"), "{err}");
    assert_eq!(s.list_info().version, 0);
}

#[test]
fn the_single_list_keeps_working_beside_the_issuers() {
    let dir = tempfile::tempdir().unwrap();
    let s = Scanner::with_issuers(
        ScannerConfig {
            list_store_dir: Some(dir.path().join("single")),
            trusted_list_keys: vec![key(3).public().to_hex()],
            ..ScannerConfig::default()
        },
        vec![issuer(dir.path(), "alpha", 1, "known-abuse")],
        IssuerPolicy::k_of_n(1),
    )
    .unwrap();
    let wee = CryptoHashes::of(&common::drawn("wee.jpg"));
    let mut b = ListBuilder::new(1, 0);
    b.add(HashKind::Md5, &wee.md5, 0, "single", "test").unwrap();
    s.apply_list_update(&b.build(&key(3)).unwrap(), false)
        .unwrap();
    s.apply_issuer_update(
        "alpha",
        &list(1, 1, &["bridge-1-original.jpg"], "a-case"),
        false,
    )
    .unwrap();
    let v = s.scan_image(&common::drawn("wee.jpg")).unwrap();
    assert_eq!(v.action, Action::Block);
    assert!(
        matches!(&v.signals[0].evidence[0], Evidence::ListMatch { label, .. } if label == "single")
    );
    // The issuer's list is not the single list: installing it there is refused (wrong key).
    assert!(s
        .apply_list_update(&list(1, 2, &["wee.jpg"], "a-case"), false)
        .is_err());
    assert_eq!(s.list_info().version, 1);
    assert_eq!(s.issuer_status()[0].status.info.version, 1);
}
