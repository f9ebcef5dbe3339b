//! Fuzz target: the device index file (`index-<digest>.pfidx`, `lists::detached`), the
//! derived data a device stores beside a distributable list and maps on every start. The
//! input is `[n: u8][n PDQ hashes of 32 bytes][index file]`: the target builds the
//! distributable list of those hashes, points the index header at that list (digest binding
//! and body checksum fixed up, so the fuzzer gets past them) and attaches it with full and
//! with fast verification. Either way it must be refused with a typed error or answer queries
//! without a panic or an out-of-bounds read (fast mode skips the linear table scans, so the
//! matching code itself must stay in bounds).
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::lists::detached::INDEX_HEADER_LEN;
use preflight::lists::{
    detached, HashKind, HashList, IssuerSecretKey, ListBuilder, PdqIndexScheme, Verification,
};
use preflight_fuzz::{mib, pdq_entries, within_bounds, Bounds};
use std::time::Duration;

/// Building a list of at most 255 entries, checking and attaching an index of up to 16 KiB
/// twice, a few queries.
const BOUNDS: Bounds = Bounds {
    what: "check + attach one index file, match",
    max_heap: mib(64),
    max_time: Duration::from_secs(1),
};

fuzz_target!(|data: &[u8]| {
    within_bounds(BOUNDS, || one_input(data));
});

/// The distributable list of the input's hashes (duplicates dropped by the builder's errors).
fn list_of(hashes: &[u8]) -> Option<Vec<u8>> {
    let mut b = ListBuilder::new(1, 0);
    b.set_pdq_index_scheme(PdqIndexScheme::Detached);
    for (i, h) in hashes.chunks_exact(32).enumerate() {
        let _ = b.add(HashKind::Pdq, h, 0, &format!("p{i}"), "test");
    }
    b.build(&IssuerSecretKey::from_seed(&[1; 32])).ok()
}

fn one_input(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let (hashes, index) = rest.split_at(rest.len().min(32 * usize::from(n)));
    let Some(bytes) = list_of(hashes) else {
        return;
    };
    let parse = || HashList::from_bytes_with(bytes.clone(), None, Verification::InspectOnly);
    let Ok(list) = parse() else {
        return;
    };
    let mut index = index.to_vec();
    if index.len() >= INDEX_HEADER_LEN {
        index[40..72].copy_from_slice(&list.digest());
        let body = preflight::hash::crypto::CryptoHashes::of(&index[INDEX_HEADER_LEN..]).sha256;
        index[72..104].copy_from_slice(&body);
    }
    let queries: Vec<[u8; 32]> = pdq_entries(&list, 4).into_iter().chain([[0; 32]]).collect();
    for mode in [Verification::Full, Verification::Fast] {
        let Ok(mut l) = parse() else {
            return;
        };
        if detached::attach(&mut l, index.clone(), mode).is_err() {
            continue;
        }
        assert!(!l.pdq_index_missing() || l.len(HashKind::Pdq) == 0);
        for q in &queries {
            for m in l.match_pdq(&[*q], 31) {
                assert!(m.distance <= 31, "a match beyond the radius");
            }
            let _ = l.match_pdq(&[*q], 0);
        }
    }
}
