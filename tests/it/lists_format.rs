//! Format tests: round trip, audit info, tamper detection (flip any byte), wrong key,
//! truncation, and hostile structure (no panics, typed errors).

use preflight::lists::{
    HashKind, HashList, IssuerSecretKey, ListBuilder, ListError, TrustedKeys, Verification,
};

fn key(seed: u8) -> IssuerSecretKey {
    IssuerSecretKey::from_seed(&[seed; 32])
}

fn trusted(k: &IssuerSecretKey) -> TrustedKeys {
    TrustedKeys::new(vec![k.public()])
}

use preflight::lists::random::SplitMix64 as Rng;

/// A list with every kind, several orgs, labels and categories.
fn sample_builder(with_pdq: bool) -> ListBuilder {
    let mut rng = Rng(42);
    let mut b = ListBuilder::new(7, 1_700_000_000);
    let ncmec = b.add_org("NCMEC").unwrap();
    let iwf = b.add_org("IWF").unwrap();
    for i in 0..40u32 {
        let orgs = if i % 3 == 0 {
            1 << ncmec | 1 << iwf
        } else {
            1 << ncmec
        };
        let label = if i % 2 == 0 { "A1" } else { "B2" };
        if with_pdq {
            b.add(HashKind::Pdq, &rng.bytes::<32>(), orgs, label, "csam")
                .unwrap();
        }
        b.add(HashKind::PHash, &rng.bytes::<8>(), orgs, label, "csam")
            .unwrap();
        b.add(HashKind::Md5, &rng.bytes::<16>(), 1 << iwf, label, "ncii")
            .unwrap();
        b.add(HashKind::Sha1, &rng.bytes::<20>(), orgs, label, "terror")
            .unwrap();
        b.add(HashKind::Sha256, &rng.bytes::<32>(), orgs, "", "")
            .unwrap();
    }
    b
}

#[test]
fn round_trip_preserves_entries_and_info() {
    let k = key(1);
    let b = sample_builder(true);
    let bytes = b.build(&k).unwrap();
    let list = HashList::from_bytes(bytes.clone(), &trusted(&k)).unwrap();
    let info = list.info();
    assert_eq!(info.version, 7);
    assert_eq!(info.created_at, 1_700_000_000);
    assert_eq!(info.issuer_key_id, k.key_id().to_string());
    assert_eq!(info.counts.pdq, 40);
    assert_eq!(info.counts.phash, 40);
    assert_eq!(info.counts.md5, 40);
    assert_eq!(info.counts.sha1, 40);
    assert_eq!(info.counts.sha256, 40);
    assert_eq!(info.orgs, vec!["NCMEC", "IWF"]);
    assert_eq!(info.file_bytes, bytes.len() as u64);
    assert_eq!(info.digest_hex.len(), 64);

    // Same entries in -> byte-identical file (deterministic, order-independent build).
    let mut shuffled = ListBuilder::new(7, 1_700_000_000);
    shuffled.add_org("NCMEC").unwrap();
    shuffled.add_org("IWF").unwrap();
    for kind in HashKind::ALL {
        let mut entries: Vec<_> = list.entries(kind).collect();
        entries.reverse();
        for e in entries {
            shuffled
                .add(kind, &e.hash, e.source_orgs, &e.label, &e.category)
                .unwrap();
        }
    }
    assert_eq!(shuffled.build(&k).unwrap(), bytes);

    // Every stored entry is found again with its attributes.
    let md5s: Vec<_> = list.entries(HashKind::Md5).collect();
    for e in &md5s {
        let m = list.match_exact(HashKind::Md5, &e.hash);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].source_org_names, vec!["IWF"]);
        assert_eq!(m[0].category, "ncii");
        assert_eq!(m[0].label, e.label);
    }
}

#[test]
fn duplicates_merge_sources() {
    let k = key(1);
    let mut b = ListBuilder::new(1, 0);
    let a = b.add_org("A").unwrap();
    let c = b.add_org("C").unwrap();
    b.add(HashKind::Sha256, &[9; 32], 1 << a, "zeta", "x")
        .unwrap();
    b.add(HashKind::Sha256, &[9; 32], 1 << c, "alpha", "x")
        .unwrap();
    let list = HashList::from_bytes(b.build(&k).unwrap(), &trusted(&k)).unwrap();
    assert_eq!(list.len(HashKind::Sha256), 1);
    let m = list.match_exact(HashKind::Sha256, &[9; 32]);
    assert_eq!(m[0].source_orgs, 0b11);
    assert_eq!(m[0].label, "alpha");
}

#[test]
fn file_round_trip_via_mmap() {
    let k = key(1);
    let bytes = sample_builder(true).build(&k).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.pflist");
    std::fs::write(&path, &bytes).unwrap();
    let mapped = HashList::open(&path, &trusted(&k)).unwrap();
    let owned = HashList::from_bytes(bytes, &trusted(&k)).unwrap();
    assert_eq!(mapped.info(), owned.info());
    let fast = HashList::open_with(&path, Some(&trusted(&k)), Verification::Fast).unwrap();
    assert_eq!(fast.info(), owned.info());
}

fn expect_rejected(bytes: Vec<u8>, keys: &TrustedKeys, what: &str) {
    match HashList::from_bytes(bytes, keys) {
        Ok(_) => panic!("{what}: tampered list was accepted"),
        Err(e) => assert!(!e.to_string().is_empty(), "{what}: empty error message"),
    }
}

#[test]
fn flipping_any_byte_is_rejected() {
    // Small lists have small index tables, so every byte of a list with every kind is flipped.
    let k = key(1);
    let keys = trusted(&k);
    for with_pdq in [false, true] {
        let bytes = sample_builder(with_pdq).build(&k).unwrap();
        assert!(HashList::from_bytes(bytes.clone(), &keys).is_ok());
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            expect_rejected(bad, &keys, &format!("pdq {with_pdq} byte {i}"));
        }
    }
}

#[test]
fn tampering_gives_clear_typed_errors() {
    let k = key(1);
    let keys = trusted(&k);
    let bytes = sample_builder(true).build(&k).unwrap();
    let len = bytes.len();
    // A body byte: the digest no longer matches.
    let mut bad = bytes.clone();
    bad[len / 2] ^= 1;
    assert!(matches!(
        HashList::from_bytes(bad, &keys),
        Err(ListError::DigestMismatch { .. })
    ));
    // A signature byte: the signature fails.
    let mut bad = bytes.clone();
    bad[len - 1] ^= 1;
    assert!(matches!(
        HashList::from_bytes(bad, &keys),
        Err(ListError::BadSignature { .. })
    ));
    // Magic.
    let mut bad = bytes;
    bad[0] ^= 1;
    assert!(matches!(
        HashList::from_bytes(bad, &keys),
        Err(ListError::BadMagic)
    ));
}

#[test]
fn wrong_key_is_rejected() {
    let k = key(1);
    let other = key(2);
    let bytes = sample_builder(false).build(&k).unwrap();
    let err = HashList::from_bytes(bytes.clone(), &trusted(&other)).unwrap_err();
    assert!(matches!(err, ListError::UntrustedKey { .. }), "{err}");
    assert!(err.to_string().contains(&k.key_id().to_string()));
    // A list re-labelled with the trusted key id but signed by another key fails the signature.
    let forged_id = other.key_id().0;
    let mut forged = bytes;
    forged[40..48].copy_from_slice(&forged_id);
    let err = HashList::from_bytes(forged, &trusted(&other)).unwrap_err();
    assert!(matches!(err, ListError::DigestMismatch { .. }), "{err}");
    assert!(HashList::from_bytes(Vec::new(), &TrustedKeys::default()).is_err());
}

#[test]
fn truncated_files_give_typed_errors() {
    let k = key(1);
    let keys = trusted(&k);
    let bytes = sample_builder(true).build(&k).unwrap();
    let mut cuts: Vec<usize> = (0..200).collect();
    cuts.extend([
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 97,
        bytes.len() - 96,
        bytes.len() - 1,
    ]);
    for cut in cuts {
        let r = HashList::from_bytes(bytes[..cut].to_vec(), &keys);
        assert!(r.is_err(), "truncated at {cut} accepted");
        // Even unsigned inspection must fail with a typed error, never panic.
        assert!(
            HashList::from_bytes_with(bytes[..cut].to_vec(), None, Verification::InspectOnly)
                .is_err()
        );
    }
}

#[test]
fn hostile_section_table_never_panics() {
    // A file whose digest is consistent but whose section table is hostile (what a buggy or
    // malicious issuer could sign): loading runs the same structure checks as a signed load
    // (InspectOnly skips only the signature) and must return a typed error or a list that
    // answers queries without panicking.
    use sha2::{Digest, Sha256};
    let k = key(1);
    let bytes = sample_builder(true).build(&k).unwrap();
    let redigest = |mut body: Vec<u8>| -> Vec<u8> {
        body.truncate(body.len() - 96);
        let digest: [u8; 32] = Sha256::digest(&body).into();
        body.extend_from_slice(&digest);
        body.extend_from_slice(&[0u8; 64]);
        body
    };
    let mut rejected = 0;
    let sections = u32::from_le_bytes(bytes[48..52].try_into().unwrap()) as usize;
    for s in 0..sections {
        for field in [8usize, 16, 24] {
            for value in [0u64, 1, 7, u64::MAX, u64::MAX / 2, bytes.len() as u64] {
                let mut bad = bytes.clone();
                let at = 64 + s * 32 + field;
                bad[at..at + 8].copy_from_slice(&value.to_le_bytes());
                let bad = redigest(bad);
                let r = HashList::from_bytes_with(bad, None, Verification::InspectOnly);
                if let Ok(list) = r {
                    let _ = list.match_pdq(&[[0u8; 32]], 31);
                    let _ = list.match_exact(HashKind::Md5, &[0u8; 16]);
                } else {
                    rejected += 1;
                }
            }
        }
    }
    assert!(rejected > 0, "no hostile section table was rejected");
}

#[test]
fn fast_loading_a_corrupted_body_never_panics() {
    // Fast loading trusts the install-time full check and skips the rehash and index scan;
    // a body corrupted on disk afterwards must still be memory-safe: no panic, bounded work.
    let k = key(1);
    let keys = trusted(&k);
    let bytes = sample_builder(true).build(&k).unwrap();
    let mut rng = Rng(99);
    let mut loaded = 0;
    for _ in 0..400 {
        let mut bad = bytes.clone();
        let at = (rng.next() % (bytes.len() as u64 - 96)) as usize;
        bad[at] ^= 1 << (rng.next() % 8);
        let Ok(list) = HashList::from_bytes_with(bad, Some(&keys), Verification::Fast) else {
            continue;
        };
        loaded += 1;
        for _ in 0..4 {
            let q: [u8; 32] = rng.bytes();
            let _ = list.match_pdq(&[q, q], 31);
            let _ = list.match_pdq(&[q], 64);
            let _ = list.match_phash(rng.next(), 10);
            let _ = list.match_exact(HashKind::Sha1, &rng.bytes::<20>());
        }
        let _ = list.entries(HashKind::Pdq).count();
    }
    assert!(
        loaded > 100,
        "fast loading rejected almost everything ({loaded})"
    );
}
