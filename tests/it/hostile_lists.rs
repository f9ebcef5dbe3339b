//! Hostile lists and deltas, crafted by hand and signed with a trusted key (a buggy or
//! malicious issuer tool), or signed by a key the device does not trust: duplicate and
//! unsorted entries, deltas that add what exists or remove what does not, a stranger's key
//! behind a trusted key id. Each is refused with a typed error and the live list stays.
//! Also checks the fuzz seeds in fuzz/corpus are what they claim to be.

use ed25519_dalek::{Signer, SigningKey};
use preflight::lists::format::{parse_container, SEC_ADDS, SEC_HASHES, TRAILER_LEN};
use preflight::lists::{
    make_delta, HashKind, HashList, IssuerSecretKey, ListBuilder, ListError, LiveList, TrustedKeys,
    Verification,
};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

const SEED: [u8; 32] = [3u8; 32];

fn key() -> IssuerSecretKey {
    IssuerSecretKey::from_seed(&SEED)
}

fn trusted() -> TrustedKeys {
    TrustedKeys::new(vec![key().public()])
}

/// Recomputes the digest and signs it with `seed` (as the issuer's tool would).
fn resign(bytes: &mut [u8], seed: &[u8; 32]) {
    let body = bytes.len() - TRAILER_LEN;
    let digest: [u8; 32] = Sha256::digest(&bytes[..body]).into();
    let sig = SigningKey::from_bytes(seed).sign(&digest).to_bytes();
    bytes[body..body + 32].copy_from_slice(&digest);
    bytes[body + 32..].copy_from_slice(&sig);
}

fn md5_list(version: u64, hashes: &[[u8; 16]]) -> Vec<u8> {
    let mut b = ListBuilder::new(version, 1_700_000_000);
    let org = b.add_org("org-a").unwrap();
    for (i, h) in hashes.iter().enumerate() {
        b.add(HashKind::Md5, h, 1 << org, &format!("e{i}"), "test")
            .unwrap();
    }
    b.build(&key()).unwrap()
}

/// Bytes of a hash section's own header (count, tag/id/key bits, scheme, padding) before the
/// first stored hash (see src/lists/format/mod.rs).
const HASH_SECTION_HEADER: usize = 64;

/// Byte offset of the first stored hash of `kind` in a full list.
fn hashes_at(bytes: &[u8], kind: HashKind) -> usize {
    let c = parse_container(bytes).unwrap();
    c.section(SEC_HASHES + kind.code()).unwrap().range.start + HASH_SECTION_HEADER
}

#[test]
fn duplicate_and_unsorted_entries_are_malformed_even_when_signed() {
    let good = md5_list(2, &[[0x10; 16], [0x20; 16], [0x30; 16]]);
    let at = hashes_at(&good, HashKind::Md5);

    let mut unsorted = good.clone();
    unsorted.copy_within(at..at + 16, at + 16); // entry 1 := entry 0 ...
    unsorted[at..at + 16].copy_from_slice(&[0x20; 16]); // ... entry 0 := old entry 1: swapped
    resign(&mut unsorted, &SEED);
    let mut duplicate = good.clone();
    duplicate.copy_within(at..at + 16, at + 16); // entry 1 := entry 0
    resign(&mut duplicate, &SEED);

    let dir = tempfile::tempdir().unwrap();
    let live = LiveList::open(dir.path(), trusted()).unwrap();
    live.apply_update(&md5_list(1, &[[0x10; 16]]), false)
        .unwrap();
    let before = live.info();
    for (what, bytes) in [("unsorted", &unsorted), ("duplicate", &duplicate)] {
        let err = HashList::from_bytes(bytes.clone(), &trusted()).unwrap_err();
        match &err {
            ListError::Malformed(m) => assert!(m.contains("not strictly sorted"), "{what}: {m}"),
            other => panic!("{what}: {other:?}"),
        }
        assert!(
            matches!(
                live.apply_update(bytes, false),
                Err(ListError::Malformed(_))
            ),
            "{what}"
        );
        assert_eq!(live.info(), before, "{what}: live list changed");
    }
    // The untouched original is accepted.
    assert_eq!(live.apply_update(&good, false).unwrap().version, 2);
    // And the store on disk still holds a list that reopens.
    drop(live);
    assert_eq!(
        LiveList::open(dir.path(), trusted())
            .unwrap()
            .info()
            .version,
        2
    );
}

#[test]
fn deltas_with_duplicate_or_unsorted_adds_do_not_reproduce_the_target() {
    let v1 = HashList::from_bytes(md5_list(1, &[[0x10; 16]]), &trusted()).unwrap();
    let v2 = HashList::from_bytes(
        md5_list(2, &[[0x10; 16], [0x20; 16], [0x30; 16]]),
        &trusted(),
    )
    .unwrap();
    let delta = make_delta(&v1, &v2, &key()).unwrap();
    let c = parse_container(&delta).unwrap();
    let adds = c
        .section(SEC_ADDS + HashKind::Md5.code())
        .unwrap()
        .range
        .start
        + 8;

    // Both added hashes made identical: rebuilt list has one entry fewer than the target.
    let mut dup = delta.clone();
    dup.copy_within(adds..adds + 16, adds + 16);
    resign(&mut dup, &SEED);
    // Added hashes in reverse order: the builder sorts, so the rebuild matches the target;
    // order inside a delta is not security relevant, the target digest is what is checked.
    // (Each hash keeps its tag: the u32 tag indexes follow the hashes, 8-aligned.)
    let mut reversed = delta.clone();
    let tags = adds - 8 + 40;
    for (at, w) in [(adds, 16), (tags, 4)] {
        let (a, b) = (
            reversed[at..at + w].to_vec(),
            reversed[at + w..at + 2 * w].to_vec(),
        );
        reversed[at..at + w].copy_from_slice(&b);
        reversed[at + w..at + 2 * w].copy_from_slice(&a);
    }
    resign(&mut reversed, &SEED);

    let dir = tempfile::tempdir().unwrap();
    let live = LiveList::open(dir.path(), trusted()).unwrap();
    live.apply_update(v1.as_bytes(), false).unwrap();
    let before = live.info();
    let err = live.apply_update(&dup, false).unwrap_err();
    assert!(
        matches!(err, ListError::DeltaTargetMismatch { .. }),
        "{err:?}"
    );
    assert_eq!(live.info(), before);
    let info = live.apply_update(&reversed, false).unwrap();
    assert_eq!(info.digest_hex, v2.info().digest_hex);
}

/// A delta applied to a base it was not made from (same version number, different content:
/// it re-adds an entry the base has and removes one the base lacks). The device either ends
/// up with exactly the list the issuer signed, or refuses; never a third list.
#[test]
fn a_delta_on_a_different_base_yields_the_signed_target_or_nothing() {
    let v1 = HashList::from_bytes(md5_list(1, &[[0x10; 16], [0x20; 16]]), &trusted()).unwrap();
    let v2 = HashList::from_bytes(md5_list(2, &[[0x10; 16], [0x30; 16]]), &trusted()).unwrap();
    let delta = make_delta(&v1, &v2, &key()).unwrap();
    let relabelled = {
        let mut b = ListBuilder::new(1, 1_700_000_000);
        let org = b.add_org("org-a").unwrap();
        b.add(HashKind::Md5, &[0x10; 16], 1 << org, "e0", "test")
            .unwrap();
        b.add(HashKind::Md5, &[0x30; 16], 1 << org, "other-label", "test")
            .unwrap();
        b.build(&key()).unwrap()
    };
    let bases = [
        (
            "same entries as the target",
            md5_list(1, &[[0x10; 16], [0x30; 16]]),
        ),
        ("re-added entry has another label", relabelled),
        ("base lacks everything", md5_list(1, &[[0x77; 16]])),
    ];
    let mut refused = 0;
    for (what, base) in bases {
        let dir = tempfile::tempdir().unwrap();
        let live = LiveList::open(dir.path(), trusted()).unwrap();
        live.apply_update(&base, false).unwrap();
        let before = live.info();
        match live.apply_update(&delta, false) {
            Ok(info) => assert_eq!(
                info.digest_hex,
                v2.info().digest_hex,
                "{what}: a third list"
            ),
            Err(e) => {
                assert!(
                    matches!(e, ListError::DeltaTargetMismatch { .. }),
                    "{what}: {e:?}"
                );
                assert_ne!(
                    what, "same entries as the target",
                    "an exact base was refused"
                );
                assert_eq!(live.info(), before, "{what}");
                refused += 1;
            }
        }
    }
    // Whatever the builder does with a re-added entry, a base missing entries the target
    // keeps cannot reproduce it.
    assert!(
        refused >= 1,
        "the base lacking the target's entries was accepted"
    );
}

#[test]
fn signatures_from_an_unknown_key_are_refused() {
    let stranger_seed = [0xEE; 32];
    let stranger = IssuerSecretKey::from_seed(&stranger_seed);
    let dir = tempfile::tempdir().unwrap();
    let live = LiveList::open(dir.path(), trusted()).unwrap();
    live.apply_update(&md5_list(1, &[[0x10; 16]]), false)
        .unwrap();
    let before = live.info();

    // 1. A list signed by the stranger, naming the stranger's key id: untrusted key.
    let mut b = ListBuilder::new(5, 0);
    b.add(HashKind::Md5, &[0x99; 16], 0, "x", "y").unwrap();
    let foreign = b.build(&stranger).unwrap();
    let err = live.apply_update(&foreign, false).unwrap_err();
    assert!(
        matches!(&err, ListError::UntrustedKey { key_id } if *key_id == stranger.key_id().to_string()),
        "{err:?}"
    );

    // 2. The stranger's signature behind the trusted key's id: bad signature.
    let mut spoofed = md5_list(6, &[[0x66; 16]]);
    resign(&mut spoofed, &stranger_seed);
    let err = live.apply_update(&spoofed, false).unwrap_err();
    assert!(matches!(err, ListError::BadSignature { .. }), "{err:?}");

    // 3. A delta signed by the stranger, and a trusted delta whose target the stranger signed.
    let v1 = live.current();
    let v2 = HashList::from_bytes(md5_list(2, &[[0x10; 16], [0x20; 16]]), &trusted()).unwrap();
    let mut delta = make_delta(&v1, &v2, &key()).unwrap();
    let stranger_delta = {
        let mut d = delta.clone();
        resign(&mut d, &stranger_seed);
        d
    };
    assert!(matches!(
        live.apply_update(&stranger_delta, false),
        Err(ListError::BadSignature { .. })
    ));
    let c = parse_container(&delta).unwrap();
    let target = c
        .section(preflight::lists::format::SEC_TARGET)
        .unwrap()
        .range
        .start;
    let forged_sig = SigningKey::from_bytes(&stranger_seed)
        .sign(&v2.digest())
        .to_bytes();
    delta[target + 32..target + 96].copy_from_slice(&forged_sig);
    resign(&mut delta, &SEED);
    assert!(matches!(
        live.apply_update(&delta, false),
        Err(ListError::BadSignature { .. })
    ));

    // 4. No trusted keys at all: nothing is accepted.
    let empty_dir = tempfile::tempdir().unwrap();
    let none = LiveList::open(empty_dir.path(), TrustedKeys::new(Vec::new())).unwrap();
    assert!(matches!(
        none.apply_update(&md5_list(1, &[[1; 16]]), false),
        Err(ListError::UntrustedKey { .. })
    ));

    assert_eq!(live.info(), before);
}

fn pdq_list(n: usize, seed: u64) -> (Vec<u8>, Vec<[u8; 32]>) {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let hashes: Vec<[u8; 32]> = (0..n)
        .map(|_| {
            let mut h = [0u8; 32];
            for c in h.chunks_mut(8) {
                c.copy_from_slice(&next().to_le_bytes());
            }
            h
        })
        .collect();
    let mut b = ListBuilder::new(1, 1_700_000_000);
    let org = b.add_org("org-a").unwrap();
    for h in &hashes {
        b.add(HashKind::Pdq, h, 1 << org, "l", "c").unwrap();
    }
    (b.build(&key()).unwrap(), hashes)
}

#[test]
fn pdq_sketch_width_is_checked_even_when_signed() {
    // The sketch width lives in the PDQ section header (offset 24); a signed file with a
    // width the layout cannot hold, or one that does not match the stored postings, is
    // malformed.
    let (good, _) = pdq_list(50, 1);
    let field = hashes_at(&good, HashKind::Pdq) - HASH_SECTION_HEADER + 24;
    assert!(HashList::from_bytes(good.clone(), &trusted()).is_ok());
    let stored = u32::from_le_bytes(good[field..field + 4].try_into().unwrap());
    assert!(stored > 0, "new lists carry sketches");
    for width in [0u32, 8, 12, 13, 16, 17, 40, 57, u32::MAX] {
        if width == stored {
            continue;
        }
        let mut bad = good.clone();
        bad[field..field + 4].copy_from_slice(&width.to_le_bytes());
        resign(&mut bad, &SEED);
        for mode in [Verification::Full, Verification::Fast] {
            match HashList::from_bytes_with(bad.clone(), Some(&trusted()), mode) {
                Err(ListError::Malformed(_)) => {}
                // 13 bits happen to give the same padded posting length for 50 entries: the
                // file is structurally valid and its postings are misread, which may only
                // cost recall (verification still checks every reported match).
                Ok(list) if width == stored + 1 => {
                    let q = list.entry(HashKind::Pdq, 7).unwrap().hash;
                    let q: [u8; 32] = q.try_into().unwrap();
                    let linear = list.match_pdq_linear(&[q], 31);
                    for m in list.match_pdq(&[q], 31) {
                        assert!(linear.contains(&m));
                    }
                }
                other => panic!("sketch width {width}: {other:?}"),
            }
        }
    }
}

#[test]
fn corrupt_postings_and_sketches_cost_recall_never_safety() {
    // A posting list corrupted on disk after install (Fast loading does not rehash): wrong
    // ids and sketches may drop matches or add candidates, but every reported match is a
    // real entry at its real distance, and nothing panics or reads out of range. With a
    // re-signed file (a buggy issuer), full loading refuses ids past the end.
    let (good, hashes) = pdq_list(3000, 2);
    let c = parse_container(&good).unwrap();
    let sec = c.section(SEC_HASHES).unwrap().range.clone();
    // The posting lists are the last ~40% of the PDQ section (after hashes, tags and tables).
    let postings_from = sec.end - (sec.end - sec.start) * 2 / 5;
    let mut state = 7u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut checked = 0;
    for round in 0..60 {
        let mut bad = good.clone();
        for _ in 0..(1 + round * 20) {
            let at = postings_from + (next() as usize % (sec.end - postings_from));
            bad[at] ^= 1 << (next() % 8);
        }
        let list = HashList::from_bytes_with(bad.clone(), Some(&trusted()), Verification::Fast)
            .expect("fast loading does not rehash");
        for i in 0..8 {
            let mut q = hashes[next() as usize % hashes.len()];
            for _ in 0..(next() % 32) {
                let b = next() as usize % 256;
                q[b / 8] ^= 1 << (b % 8);
            }
            let variants = [q, hashes[i], q, q];
            let fast = list.match_pdq(&variants, 31);
            let exact = list.match_pdq_linear(&variants, 31);
            for m in &fast {
                assert!(
                    exact
                        .iter()
                        .any(|e| e.entry == m.entry && e.distance == m.distance),
                    "round {round}: reported {m:?}, which brute force does not find"
                );
            }
            checked += fast.len();
        }
        let mut signed = bad;
        resign(&mut signed, &SEED);
        if let Ok(list) = HashList::from_bytes(signed, &trusted()) {
            let _ = list.match_pdq(&[hashes[0]], 31);
        }
    }
    assert!(checked > 100, "too few matches checked ({checked})");
}

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The list and delta seeds of the `list_parse_delta` fuzz target: a small valid list (no PDQ
/// section, so it stays a few hundred bytes) and a delta from it. Regenerate with
/// `PREFLIGHT_WRITE_FUZZ_SEEDS=1 cargo test --test it hostile_lists::fuzz_seeds`.
#[test]
fn fuzz_seeds_are_valid_lists_and_deltas() {
    let v1 = md5_list(1, &[[0x10; 16], [0x20; 16]]);
    let v2 = {
        let mut b = ListBuilder::new(2, 1_700_000_100);
        let org = b.add_org("org-a").unwrap();
        let org_b = b.add_org("org-b").unwrap();
        b.add(HashKind::Md5, &[0x10; 16], 1 << org, "e0", "test")
            .unwrap();
        b.add(
            HashKind::Md5,
            &[0x30; 16],
            (1 << org) | (1 << org_b),
            "e2",
            "test",
        )
        .unwrap();
        b.add(HashKind::Sha1, &[0x44; 20], 1 << org_b, "s", "other")
            .unwrap();
        b.add(HashKind::PHash, &[0x55; 8], 1 << org, "p", "test")
            .unwrap();
        b.build(&key()).unwrap()
    };
    let l1 = HashList::from_bytes(v1.clone(), &trusted()).unwrap();
    let l2 = HashList::from_bytes(v2.clone(), &trusted()).unwrap();
    let delta = make_delta(&l1, &l2, &key()).unwrap();
    // A small PDQ list with the multi-index and its neighbour sketches (default width).
    let (pdq, _) = pdq_list(6, 3);
    assert!(HashList::from_bytes(pdq.clone(), &trusted()).is_ok());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/list_parse_delta");
    if std::env::var_os("PREFLIGHT_WRITE_FUZZ_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("seed-list-pdq.pflist"), &pdq).unwrap();
        std::fs::write(dir.join("seed-list-v1.pflist"), &v1).unwrap();
        std::fs::write(dir.join("seed-list-v2.pflist"), &v2).unwrap();
        std::fs::write(dir.join("seed-delta-v1-v2.pfdelta"), &delta).unwrap();
    }
    let seeds = corpus("list_parse_delta");
    let get = |name: &str| {
        &seeds
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("seed {name} missing"))
            .1
    };
    assert_eq!(get("seed-list-v1.pflist"), &v1);
    assert_eq!(get("seed-list-v2.pflist"), &v2);
    assert_eq!(get("seed-delta-v1-v2.pfdelta"), &delta);
    assert_eq!(get("seed-list-pdq.pflist"), &pdq);
    for (name, bytes) in &seeds {
        if name.ends_with(".pflist") {
            HashList::from_bytes_with(bytes.clone(), None, Verification::InspectOnly).unwrap();
        }
    }
    // Seeds exist and are small: 64 KiB, except text, whose bounds are documented up to 1 MB
    // and whose fuzzer grows inputs too slowly to reach that from short seeds (256 KiB).
    for target in ["image_decode_hash", "lexicon_parse", "text_scan"] {
        let seeds = corpus(target);
        let max = if target == "text_scan" {
            256 << 10
        } else {
            64 << 10
        };
        assert!(!seeds.is_empty(), "{target} has no seeds");
        assert!(
            seeds.iter().all(|(_, b)| b.len() <= max),
            "{target} seeds must stay small"
        );
    }
}

/// A distributable PDQ list (no index in the file) re-signed with hostile section headers,
/// and hostile device index files: typed errors, never a panic, and matching never trusts a
/// bad index (the store rebuilds it).
#[test]
fn hostile_distributable_lists_and_index_files_are_refused() {
    use preflight::lists::{detached, PdqIndexScheme};
    let mut b = ListBuilder::new(1, 0);
    b.set_pdq_index_scheme(PdqIndexScheme::Detached);
    let mut rng = preflight::lists::random::SplitMix64(17);
    let mut hashes = Vec::new();
    for _ in 0..300 {
        let h = rng.hash();
        hashes.push(h);
        b.add(HashKind::Pdq, &h, 0, "l", "c").unwrap();
    }
    let good = b.build(&key()).unwrap();
    let section = hashes_at(&good, HashKind::Pdq) - HASH_SECTION_HEADER;
    // Section header fields (tag bits, id bits, key bits, scheme, sketch bits) set to values
    // that do not fit a distributable section: each refused as malformed.
    for (field, value) in [
        (8usize, 40u32),
        (12, 9),
        (16, 16),
        (20, 1),
        (20, 7),
        (24, 12),
    ] {
        let mut bad = good.clone();
        bad[section + field..section + field + 4].copy_from_slice(&value.to_le_bytes());
        resign(&mut bad, &SEED);
        match HashList::from_bytes(bad, &trusted()) {
            Err(ListError::Malformed(_)) => {}
            other => panic!("field {field} = {value}: {other:?}"),
        }
    }
    let list = HashList::from_bytes(good.clone(), &trusted()).unwrap();
    assert!(list.pdq_index_missing());
    let index = detached::build_index(&list).unwrap();
    // Every truncation and a flip of every header byte and of sampled body bytes.
    let mut cases: Vec<Vec<u8>> = (0..index.len())
        .step_by(61)
        .map(|n| index[..n].to_vec())
        .collect();
    for at in (0..128).chain((128..index.len()).step_by(97)) {
        let mut bad = index.clone();
        bad[at] ^= 0x5A;
        cases.push(bad);
    }
    let mut padded = index.clone();
    padded.extend_from_slice(&[0; 8]);
    cases.push(padded);
    for (i, bad) in cases.into_iter().enumerate() {
        let mut target = HashList::from_bytes(good.clone(), &trusted()).unwrap();
        match detached::attach(&mut target, bad, Verification::Full) {
            Err(ListError::IndexMismatch(_) | ListError::Malformed(_)) => {
                assert!(target.pdq_index_missing(), "case {i}: list unchanged");
            }
            Err(other) => panic!("case {i}: {other:?}"),
            Ok(()) => panic!("case {i}: a damaged index was accepted"),
        }
        // Without an index the list still answers exactly (linear scan).
        assert_eq!(target.match_pdq(&[hashes[7]], 31).len(), 1);
    }
    // An index built for another list is refused by digest.
    let mut other = ListBuilder::new(2, 0);
    other.set_pdq_index_scheme(PdqIndexScheme::Detached);
    for h in &hashes {
        other.add(HashKind::Pdq, h, 0, "l", "c").unwrap();
    }
    let other = HashList::from_bytes(other.build(&key()).unwrap(), &trusted()).unwrap();
    let mut target = HashList::from_bytes(good, &trusted()).unwrap();
    assert!(matches!(
        detached::attach(
            &mut target,
            detached::build_index(&other).unwrap(),
            Verification::Fast
        ),
        Err(ListError::IndexMismatch(_))
    ));
    detached::attach(&mut target, index, Verification::Full).unwrap();
    assert_eq!(
        target.match_pdq(&[hashes[7]], 31),
        target.match_pdq_linear(&[hashes[7]], 31)
    );
}

/// Hostile transparency inputs through the store: garbage and truncated proofs are typed
/// errors and leave the list and the stored tree head alone.
#[test]
fn hostile_log_proofs_leave_the_store_unchanged() {
    use preflight::lists::log::IssuerLog;
    let dir = tempfile::tempdir().unwrap();
    let live = LiveList::open(dir.path(), trusted()).unwrap();
    let v1 = md5_list(1, &[[1; 16]]);
    let d1 = HashList::from_bytes(v1.clone(), &trusted())
        .unwrap()
        .digest();
    let mut log = IssuerLog::new();
    log.append(d1);
    let proof = log.prove(&d1, 0, &key(), 1).unwrap().to_bytes();
    for cut in [0, 7, 8, 100, 207, proof.len() - 1] {
        assert!(matches!(
            live.apply_update_with_proof(&v1, &proof[..cut], false),
            Err(ListError::LogProof(_))
        ));
    }
    let mut forged = proof.clone();
    forged[60] ^= 1; // inside the signed tree head's root
    assert!(live.apply_update_with_proof(&v1, &forged, false).is_err());
    assert_eq!(live.info().version, 0);
    assert!(live.tree_head().is_none());
    live.apply_update_with_proof(&v1, &proof, false).unwrap();
    assert_eq!(live.tree_head().unwrap().tree_size, 1);
}

/// The list_log_proofs fuzz target's seeds (first byte: 0 tree head, 1 proof, 2 stored log),
/// signed with the key the target trusts. Regenerate with `PREFLIGHT_WRITE_FUZZ_SEEDS=1`.
#[test]
fn fuzz_seeds_are_valid_log_items() {
    use preflight::lists::log::{verify_update, IssuerLog, LogProof, SignedTreeHead};
    let key = IssuerSecretKey::from_seed(&[7; 32]);
    let keys = TrustedKeys::new(vec![key.public()]);
    let mut log = IssuerLog::new();
    let digests: Vec<[u8; 32]> = (0u8..5).map(|i| Sha256::digest([i]).into()).collect();
    for d in &digests {
        log.append(*d);
    }
    let head = log.tree_head(&key, 1_700_000_000);
    let proof = log.prove(&digests[4], 3, &key, 1_700_000_000).unwrap();
    let items = [
        ("tree-head-5.bin", [&[0u8][..], &head.to_bytes()].concat()),
        (
            "proof-4-from-3.bin",
            [&[1u8][..], &proof.to_bytes()].concat(),
        ),
        ("log-5.bin", [&[2u8][..], &log.to_bytes()].concat()),
    ];
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/list_log_proofs");
    if std::env::var_os("PREFLIGHT_WRITE_FUZZ_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &items {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    let seeds = corpus("list_log_proofs");
    for (name, bytes) in &items {
        let (_, seed) = seeds.iter().find(|(n, _)| n == name).expect("seed present");
        assert_eq!(&seed[1..], &bytes[1..], "{name} is stale");
    }
    assert!(SignedTreeHead::from_bytes(&items[0].1[1..])
        .unwrap()
        .verify(&keys)
        .is_ok());
    let parsed = LogProof::from_bytes(&items[1].1[1..]).unwrap();
    assert!(verify_update(&parsed, &digests[4], None, &keys).is_ok());
    assert_eq!(
        IssuerLog::from_bytes(&items[2].1[1..]).unwrap().root(),
        log.root()
    );
}

/// The seeds of the `list_distributable` and `list_index` fuzz targets: a distributable list
/// (PDQ section without its index, plus exact-digest entries) and, for the index target,
/// `[n][n PDQ hashes][index file]`, the device index of the distributable list of those hashes.
/// Regenerate with `PREFLIGHT_WRITE_FUZZ_SEEDS=1 cargo test --test hostile_lists fuzz_seeds`.
#[test]
fn fuzz_seeds_are_a_distributable_list_and_its_index_file() {
    use preflight::lists::{detached, PdqIndexScheme};
    let (_, hashes) = pdq_list(40, 9);
    let distributable = |with_md5: bool| {
        let mut b = ListBuilder::new(3, 1_700_000_000);
        b.set_pdq_index_scheme(PdqIndexScheme::Detached);
        let org = b.add_org("org-a").unwrap();
        for (i, h) in hashes.iter().enumerate() {
            b.add(HashKind::Pdq, h, 1 << org, &format!("p{i}"), "test")
                .unwrap();
        }
        if with_md5 {
            b.add(HashKind::Md5, &[0x10; 16], 1 << org, "m", "test")
                .unwrap();
        }
        HashList::from_bytes(b.build(&key()).unwrap(), &trusted()).unwrap()
    };
    let list = distributable(true);
    assert!(list.pdq_index_missing());
    let index = detached::build_index(&distributable(false)).unwrap();
    let mut index_seed = vec![40u8];
    for h in &hashes {
        index_seed.extend_from_slice(h);
    }
    index_seed.extend_from_slice(&index);
    let items = [
        (
            "list_distributable",
            "distributable-40-pdq.pflist",
            list.as_bytes().to_vec(),
        ),
        ("list_index", "index-40-pdq.bin", index_seed),
    ];
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, name, bytes) in &items {
        if std::env::var_os("PREFLIGHT_WRITE_FUZZ_SEEDS").is_some() {
            std::fs::create_dir_all(root.join(target)).unwrap();
            std::fs::write(root.join(target).join(name), bytes).unwrap();
        }
        let seeds = corpus(target);
        let (_, seed) = seeds.iter().find(|(n, _)| n == name).expect("seed present");
        assert_eq!(seed, bytes, "{target}/{name} is stale");
        assert!(
            seed.len() <= 16 << 10,
            "{name} over the list targets' 16 KiB input limit"
        );
    }
    let mut attached = distributable(true);
    detached::attach(&mut attached, index, Verification::Full)
        .expect_err("an index is bound to its own list's digest");
    assert!(attached.pdq_index_missing());
}
