//! Memory of installs from a file (`LiveList::apply_file`), measured in a process of its own:
//! the file is memory-mapped and verified while streaming, so the install holds the mapped
//! file and, for a distributable list (no index inside), the device index it builds; nothing
//! is copied whole. Bounds: the mapped file at most 1.2x its size, the index build at most
//! 2x the index it writes.

use crate::common;

use preflight::lists::random::SplitMix64;
use preflight::lists::{
    HashKind, ListBuilder, LiveList, PdqIndexScheme, TrustedKeys, UpdateControl,
};

const ENTRIES: usize = 400_000;

/// Writes a list of `ENTRIES` random PDQ hashes (index scheme `scheme`) to `path`, dropping
/// the bytes; returns the file's size.
fn write_list(path: &std::path::Path, scheme: PdqIndexScheme) -> u64 {
    let mut rng = SplitMix64(7);
    let mut b = ListBuilder::new(1, 1_700_000_000);
    b.set_pdq_index_scheme(scheme);
    let org = b.add_org("org").unwrap();
    for i in 0..ENTRIES {
        b.add(
            HashKind::Pdq,
            &rng.hash(),
            1 << org,
            &format!("case-{}", i % 50),
            "csam",
        )
        .unwrap();
    }
    let bytes = b.build(&common::issuer_key(5)).unwrap();
    std::fs::write(path, &bytes).unwrap();
    bytes.len() as u64
}

fn index_bytes(store: &std::path::Path) -> u64 {
    std::fs::read_dir(store)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".pfidx"))
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

/// Installs `scheme`'s list from a file; returns (file bytes, index bytes, peak growth bytes).
fn install_from_file(scheme: PdqIndexScheme) -> Option<(u64, u64, u64)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("update.pflist");
    let file_len = write_list(&file, scheme);
    let store = dir.path().join("store");
    let live = LiveList::open(
        &store,
        TrustedKeys::new(vec![common::issuer_key(5).public()]),
    )
    .unwrap();
    if !common::reset_peak_rss() {
        eprintln!(
            "skipped: this kernel cannot reset the peak resident memory (/proc/self/clear_refs)"
        );
        return None;
    }
    let before = common::rss_kib();
    let info = live
        .apply_file(&file, None, false, UpdateControl::default())
        .unwrap();
    let growth = common::peak_rss_kib().saturating_sub(before) * 1024;
    assert_eq!(info.version, 1);
    assert_eq!(live.current().len(HashKind::Pdq), ENTRIES);
    let index = index_bytes(&store);
    eprintln!(
        "{scheme:?}: file {:.1} MB, index {:.1} MB, install peak growth {:.1} MB",
        file_len as f64 / 1e6,
        index as f64 / 1e6,
        growth as f64 / 1e6
    );
    Some((file_len, index, growth))
}

fn a_file_update_maps_the_file_and_builds_the_index_in_bounded_memory_alone() {
    // A distributable list: the device builds its index on install.
    let Some((file, index, growth)) = install_from_file(PdqIndexScheme::Detached) else {
        return;
    };
    assert!(index > 0, "the device index is written beside the list");
    let bound = file * 12 / 10 + 2 * index;
    assert!(
        growth <= bound,
        "install grew {growth} bytes, over 1.2x the {file}-byte file + 2x the {index}-byte index"
    );
    // A list that carries its index: only the mapped file.
    let Some((file, _, growth)) = install_from_file(PdqIndexScheme::Auto) else {
        return;
    };
    assert!(
        growth <= file * 12 / 10 + (4 << 20),
        "install grew {growth} bytes, over 1.2x the {file}-byte file"
    );
}

#[test]
fn a_file_update_maps_the_file_and_builds_the_index_in_bounded_memory() {
    if !common::optimised_build_or_skip("the memory of a file install") {
        return;
    }
    common::in_own_process(
        module_path!(),
        "a_file_update_maps_the_file_and_builds_the_index_in_bounded_memory",
        a_file_update_maps_the_file_and_builds_the_index_in_bounded_memory_alone,
    );
}
