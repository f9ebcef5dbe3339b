//! Fuzz target: list and delta parsing, matching, and delta application.
//!
//! Signatures would stop almost every mutated input at the first check, so the target first
//! rewrites the trailer digest to the SHA-256 of the (mutated) body and parses with
//! `Verification::InspectOnly` (digest checked, signature not): every structural check behind
//! the signature is reached. A delta that parses is then applied to a fixed base list (its
//! base version is set to the base's, so the rebuild code runs). Any panic, overflow, hang or
//! huge allocation is a bug: hostile bytes must become a typed `ListError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::lists::delta::{apply_delta, inspect_delta};
use preflight::lists::format::{parse_container, FileKind};
use preflight::lists::{HashKind, HashList, IssuerSecretKey, ListBuilder, Verification};
use preflight_fuzz::{fix_list_digest, mib, within_bounds, Bounds};
use std::sync::OnceLock;
use std::time::Duration;

/// Parsing, verifying and matching one list or delta of up to 16 KiB (PDQ mode builds a ~4 MB
/// list first): linear work, memory a small multiple of the file.
const BOUNDS: Bounds = Bounds {
    what: "parse + match one list or delta",
    max_heap: mib(64),
    max_time: Duration::from_secs(2),
};

fn base() -> &'static HashList {
    static BASE: OnceLock<HashList> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut b = ListBuilder::new(1, 1_700_000_000);
        let org = b.add_org("org-a").expect("org");
        b.add(HashKind::Md5, &[0x11; 16], 1 << org, "seed-md5", "test")
            .expect("md5");
        b.add(HashKind::Sha1, &[0x22; 20], 1 << org, "seed-sha1", "test")
            .expect("sha1");
        b.add(HashKind::PHash, &[0x33; 8], 1 << org, "seed-phash", "test")
            .expect("phash");
        let bytes = b
            .build(&IssuerSecretKey::from_seed(&[1; 32]))
            .expect("build");
        HashList::from_bytes_with(bytes, None, Verification::InspectOnly).expect("base list")
    })
}

/// PDQ mode (first byte 0xFF): a list with a PDQ section is ~4 MB (the multi-index tables),
/// far over any useful fuzz input size, so it is built from the input instead: up to 16 PDQ
/// hashes from the next 512 bytes, then the rest is (u32 offset, xor byte) mutations applied
/// to the built file. This reaches the offset-table and posting-list validation.
fn pdq_mode(data: &[u8]) -> Vec<u8> {
    let (hashes, mutations) = data.split_at(data.len().min(1 + 32 * 16));
    let mut b = ListBuilder::new(7, 0);
    let org = b.add_org("org-a").expect("org");
    for (i, h) in hashes.get(1..).unwrap_or(&[]).chunks_exact(32).enumerate() {
        b.add(HashKind::Pdq, h, 1 << org, &format!("p{i}"), "test")
            .expect("pdq");
    }
    let mut bytes = b
        .build(&IssuerSecretKey::from_seed(&[1; 32]))
        .expect("build");
    let len = bytes.len();
    for m in mutations.chunks_exact(5) {
        let at = u32::from_le_bytes([m[0], m[1], m[2], m[3]]) as usize % len;
        bytes[at] ^= m[4];
    }
    bytes
}

fuzz_target!(|data: &[u8]| {
    let _ = base();
    within_bounds(BOUNDS, || one_input(data));
});

fn one_input(data: &[u8]) {
    let pdq = data.first() == Some(&0xFF);
    let mut bytes = if pdq { pdq_mode(data) } else { data.to_vec() };
    fix_list_digest(&mut bytes);
    let Ok(container) = parse_container(&bytes) else {
        return;
    };
    match container.header.file_kind {
        FileKind::Full => {
            let Ok(list) = HashList::from_bytes_with(bytes, None, Verification::InspectOnly) else {
                return;
            };
            let info = list.info();
            assert_eq!(
                info.counts.total() as usize,
                HashKind::ALL.iter().map(|&k| list.len(k)).sum::<usize>()
            );
            for kind in HashKind::ALL {
                for e in list.entries(kind).take(64) {
                    // Every stored entry must be found by an exact (or radius-0) query.
                    match kind {
                        HashKind::Pdq => {
                            // No findability assertion: the index tables are validated for
                            // shape (bounds, monotonic, ids in range), not for agreement with
                            // the hashes, so a mutated index may miss entries (never panic).
                            let mut v = [0u8; 32];
                            v.copy_from_slice(&e.hash);
                            let _ = list.match_pdq(&[v], 0);
                            let _ = list.match_pdq(&[v], 31);
                            let _ = list.match_pdq_linear(&[v], 31);
                        }
                        HashKind::PHash => {
                            let mut v = [0u8; 8];
                            v.copy_from_slice(&e.hash);
                            let _ = list.match_phash(u64::from_be_bytes(v), 10);
                        }
                        _ => assert!(
                            !list.match_exact(kind, &e.hash).is_empty(),
                            "entry not found"
                        ),
                    }
                }
            }
            let _ = list.match_pdq(&[[0u8; 32], [0xFF; 32]], 31);
        }
        FileKind::Delta => {
            let Ok(mut delta) = inspect_delta(&bytes) else {
                return;
            };
            let _ = delta.summary();
            delta.base_version = base().version();
            let _ = apply_delta(base(), &delta);
        }
    }
}
