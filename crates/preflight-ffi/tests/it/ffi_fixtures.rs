//! The signed demo lists the Kotlin tests (tests/kotlin) install through the bindings. They are
//! committed under tests/fixtures/ffi/ so the JVM tests need no Rust helper at run time; this
//! test proves the committed bytes are exactly what the deterministic builder produces from
//! the documented inputs (fixed test key seed, fixed timestamps), so they can be audited and
//! regenerated: `PREFLIGHT_BLESS=1 cargo test -p preflight-ffi --test it ffi_fixtures::`.

use crate::common;

use preflight::hash::crypto::CryptoHashes;
use preflight::lists::{make_delta, HashKind, HashList, IssuerSecretKey, ListBuilder, TrustedKeys};
use std::path::{Path, PathBuf};

/// TEST KEY ONLY: the seed is public, so anyone can sign lists with it.
const TEST_KEY_SEED: [u8; 32] = [0x42; 32];

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn image(name: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures/pdq/images").join(name)).unwrap()
}

/// v1: bridge-1-original.jpg's PDQ hash, listed by two organisations.
/// v2: v1 plus wee.jpg's MD5, listed by one (committed as a delta from v1).
fn demo_list(version: u64) -> Vec<u8> {
    let key = IssuerSecretKey::from_seed(&TEST_KEY_SEED);
    let mut b = ListBuilder::new(version, 1_700_000_000 + version);
    let a = b.add_org("demo-org-a").unwrap();
    let c = b.add_org("demo-org-b").unwrap();
    let bridge = common::drawn_pdq("bridge-1-original.jpg");
    b.add(
        HashKind::Pdq,
        &bridge.0,
        (1 << a) | (1 << c),
        "demo-bridge",
        "test",
    )
    .unwrap();
    if version >= 2 {
        let wee = CryptoHashes::of(&image("wee.jpg"));
        b.add(HashKind::Md5, &wee.md5, 1 << a, "demo-wee", "test")
            .unwrap();
    }
    b.build(&key).unwrap()
}

fn check_or_bless(path: &Path, expected: &[u8]) {
    if std::env::var_os("PREFLIGHT_BLESS").is_some() {
        std::fs::write(path, expected).unwrap();
    }
    let committed = std::fs::read(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with PREFLIGHT_BLESS=1 to create)",
            path.display()
        )
    });
    assert!(
        committed == expected,
        "{} is stale: it differs from the deterministic build (PREFLIGHT_BLESS=1 to regenerate)",
        path.display()
    );
}

#[test]
fn committed_demo_lists_are_reproducible_and_verify_with_the_committed_key() {
    let dir = root().join("tests/fixtures/ffi");
    let public = IssuerSecretKey::from_seed(&TEST_KEY_SEED).public().to_hex();
    check_or_bless(
        &dir.join("test-issuer.pub"),
        format!("{public}\n").as_bytes(),
    );
    let keys = TrustedKeys::new(vec![IssuerSecretKey::from_seed(&TEST_KEY_SEED).public()]);
    let v1 = HashList::from_bytes(demo_list(1), &keys).unwrap();
    let v2 = HashList::from_bytes(demo_list(2), &keys).unwrap();
    assert_eq!((v1.version(), v2.version()), (1, 2));
    assert_eq!((v1.len(HashKind::Pdq), v1.len(HashKind::Md5)), (1, 0));
    assert_eq!((v2.len(HashKind::Pdq), v2.len(HashKind::Md5)), (1, 1));
    // The full list is 4 MiB (its PDQ index table) but mostly zeros: git stores it in ~5 KB.
    // The update to v2 is committed as a signed delta (a few hundred bytes).
    check_or_bless(&dir.join("demo-list-v1.pflist"), &demo_list(1));
    let delta = make_delta(&v1, &v2, &IssuerSecretKey::from_seed(&TEST_KEY_SEED)).unwrap();
    check_or_bless(&dir.join("demo-delta-v1-v2.pfdelta"), &delta);
}

/// TEST KEY ONLY: a second issuer for the several-issuers tests (public seed).
const SECOND_KEY_SEED: [u8; 32] = [0x43; 32];

/// The second issuer's v1: bridge-1-original.jpg's PDQ hash as a distributable list (no index
/// inside: the device builds it on install).
fn second_list() -> Vec<u8> {
    let key = IssuerSecretKey::from_seed(&SECOND_KEY_SEED);
    let mut b = ListBuilder::new(1, 1_700_000_100);
    b.set_pdq_index_scheme(preflight::lists::PdqIndexScheme::Detached);
    let org = b.add_org("second-org").unwrap();
    let bridge = common::drawn_pdq("bridge-1-original.jpg");
    b.add(
        HashKind::Pdq,
        &bridge.0,
        1 << org,
        "second-bridge",
        "known-abuse",
    )
    .unwrap();
    b.build(&key).unwrap()
}

#[test]
fn committed_second_issuer_list_is_reproducible() {
    let dir = root().join("tests/fixtures/ffi");
    let key = IssuerSecretKey::from_seed(&SECOND_KEY_SEED).public();
    check_or_bless(
        &dir.join("second-issuer.pub"),
        format!("{}\n", key.to_hex()).as_bytes(),
    );
    let list = HashList::from_bytes(second_list(), &TrustedKeys::new(vec![key])).unwrap();
    assert!(list.pdq_index_missing());
    assert_eq!(list.len(HashKind::Pdq), 1);
    check_or_bless(&dir.join("second-list-v1.pflist"), &second_list());
}
