//! Fuzz target: the distributable (index-less) list format (docs/LIST_FORMAT.md, `list build
//! --distributable`): parse with the digest fixed up (`Verification::InspectOnly`), then do
//! what a device does on install, build the PDQ index itself and attach it with full
//! verification. An index the device built from a list it accepted must attach, find every
//! stored entry at radius 0, and answer radius 31 exactly as the linear scan does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::lists::{detached, HashList, ListMatch, Verification};
use preflight_fuzz::{fix_list_digest, mib, pdq_entries, within_bounds, Bounds};
use std::time::Duration;

/// Parsing a list of up to 16 KiB (at most ~500 PDQ entries), building and attaching its
/// index and a few queries: linear work, memory a small multiple of the file plus the tables.
const BOUNDS: Bounds = Bounds {
    what: "parse one distributable list, build + attach its index, match",
    max_heap: mib(64),
    max_time: Duration::from_secs(2),
};

fn key(m: &ListMatch) -> (u32, u32, u8) {
    (m.entry, m.distance, m.variant)
}

fuzz_target!(|data: &[u8]| {
    within_bounds(BOUNDS, || one_input(data));
});

fn one_input(data: &[u8]) {
    let mut bytes = data.to_vec();
    fix_list_digest(&mut bytes);
    let Ok(mut list) = HashList::from_bytes_with(bytes, None, Verification::InspectOnly) else {
        return;
    };
    if !list.pdq_index_missing() {
        return;
    }
    let index = detached::build_index(&list).expect("a list with PDQ entries gets an index");
    detached::attach(&mut list, index, Verification::Full)
        .expect("the index the device built attaches to its own list");
    assert!(!list.pdq_index_missing());
    let entries = pdq_entries(&list, 32);
    for v in &entries {
        assert!(
            !list.match_pdq(&[*v], 0).is_empty(),
            "a stored entry is not found at radius 0"
        );
    }
    let mut queries = entries;
    queries.truncate(8);
    queries.push([0; 32]);
    for q in queries {
        let mut indexed: Vec<_> = list.match_pdq(&[q], 31).iter().map(key).collect();
        let mut linear: Vec<_> = list.match_pdq_linear(&[q], 31).iter().map(key).collect();
        indexed.sort_unstable();
        linear.sort_unstable();
        assert_eq!(
            indexed, linear,
            "indexed and linear matching disagree at radius 31"
        );
    }
}
