//! The device store beyond one happy writer: never down with a bad installed list, the
//! rollback floor apart from the list file, TUF-like version rules (conflict, jump bound,
//! expiry, recorded force), other store instances picking up new lists, the distributable
//! list with its device-built index, transparency proofs, updates from files with progress
//! and cancellation, and several issuers with corroboration by independent signatures.

use crate::common;

use preflight::lists::log::IssuerLog;
use preflight::lists::random::SplitMix64 as Rng;
use preflight::lists::{
    make_delta, HashKind, HashList, IssuerConfig, IssuerPolicy, IssuerSecretKey, ListBuilder,
    ListError, ListHealth, ListSet, LiveList, PdqIndexScheme, StoreOptions, TrustedKeys,
    UpdateControl, UpdateProgress, UpdateStage,
};
use preflight::{Scanner, ScannerConfig};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

fn key() -> IssuerSecretKey {
    common::issuer_key(11)
}

fn keys() -> TrustedKeys {
    TrustedKeys::new(vec![key().public()])
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A list of `version` with MD5 entries `0..n` plus `extra` (changes the digest).
fn md5_list_with(
    version: u64,
    n: u8,
    extra: u8,
    expires_at: u64,
    signer: &IssuerSecretKey,
) -> Vec<u8> {
    let mut b = ListBuilder::new(version, 1_700_000_000);
    b.set_expires_at(expires_at);
    for i in 0..n {
        b.add(HashKind::Md5, &[i; 16], 0, "l", "c").unwrap();
    }
    b.add(HashKind::Md5, &[0xF0 | extra; 16], 0, "extra", "c")
        .unwrap();
    b.build(signer).unwrap()
}

fn md5_list(version: u64) -> Vec<u8> {
    md5_list_with(version, 3, 0, 0, &key())
}

fn pdq_hashes(n: usize, seed: u64) -> Vec<[u8; 32]> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let mut h = [0u8; 32];
            for chunk in h.chunks_mut(8) {
                chunk.copy_from_slice(&rng.next().to_le_bytes());
            }
            h
        })
        .collect()
}

fn pdq_list(version: u64, hashes: &[[u8; 32]], scheme: PdqIndexScheme) -> Vec<u8> {
    let mut b = ListBuilder::new(version, 1_700_000_000 + version);
    let org = b.add_org("org").unwrap();
    b.set_pdq_index_scheme(scheme);
    for (i, h) in hashes.iter().enumerate() {
        b.add(HashKind::Pdq, h, 1 << org, &format!("e{}", i % 7), "cat")
            .unwrap();
    }
    b.build(&key()).unwrap()
}

#[test]
fn a_bad_installed_list_leaves_the_scanner_up_and_an_update_repairs_it() {
    let good = md5_list(5);
    let mut flipped = good.clone();
    flipped[200] ^= 0x01;
    let foreign = md5_list_with(5, 3, 0, 0, &IssuerSecretKey::from_seed(&[99; 32]));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("flipped byte", flipped),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("untrusted key", foreign),
        ("empty file", Vec::new()),
    ];
    for (what, bad) in cases {
        for with_previous in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            {
                let live = LiveList::open(dir.path(), keys()).unwrap();
                if with_previous {
                    live.apply_update(&md5_list(4), false).unwrap();
                }
                live.apply_update(&good, false).unwrap();
            }
            std::fs::write(dir.path().join("current.pflist"), &bad).unwrap();
            let live = LiveList::open(dir.path(), keys()).unwrap();
            let status = live.status();
            match (&status.health, with_previous) {
                (ListHealth::FellBack { reason }, true) => {
                    assert_eq!(status.info.version, 4, "{what}: previous list live");
                    assert!(!reason.is_empty());
                }
                (ListHealth::Unavailable { reason }, false) => {
                    assert_eq!(status.info.version, 0, "{what}");
                    assert!(!reason.is_empty());
                }
                other => panic!("{what}: {other:?}"),
            }
            // The floor survives: v4 is still a rollback (it lives in state.toml).
            assert_eq!(status.floor_version, 5, "{what}");
            assert!(matches!(
                live.apply_update(&md5_list(4), false),
                Err(ListError::Rollback { current: 5, .. })
            ));
            // The good v5 re-sent repairs the store, as does any valid newer list.
            assert_eq!(
                live.apply_update(&good, false).unwrap().version,
                5,
                "{what}"
            );
            assert_eq!(live.status().health, ListHealth::Installed);
            assert_eq!(live.apply_update(&md5_list(6), false).unwrap().version, 6);
        }
    }
    // Through the scanner: it starts, says why, scans text, accepts an update.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("current.pflist"), b"garbage").unwrap();
    let config = ScannerConfig {
        list_store_dir: Some(dir.path().to_path_buf()),
        trusted_list_keys: vec![key().public().to_hex()],
        ..ScannerConfig::default()
    };
    let s = Scanner::new(config).unwrap();
    assert!(matches!(
        s.list_status().health,
        ListHealth::Unavailable { .. }
    ));
    s.scan_text(
        "c1",
        preflight::text::Direction::Received,
        preflight::text::AgeBand::Unknown,
        "hello there",
    )
    .unwrap();
    assert_eq!(s.apply_list_update(&md5_list(1), false).unwrap().version, 1);
    assert_eq!(s.list_status().health, ListHealth::Installed);
}

#[test]
fn deleting_the_list_does_not_reset_the_rollback_floor() {
    let dir = tempfile::tempdir().unwrap();
    LiveList::open(dir.path(), keys())
        .unwrap()
        .apply_update(&md5_list(5), false)
        .unwrap();
    std::fs::remove_file(dir.path().join("current.pflist")).unwrap();
    let live = LiveList::open(dir.path(), keys()).unwrap();
    assert_eq!(live.status().health, ListHealth::NoneInstalled);
    assert!(matches!(
        live.apply_update(&md5_list(4), false),
        Err(ListError::Rollback {
            offered: 4,
            current: 5
        })
    ));
    // Same version, other digest: a conflict even with no list installed.
    assert!(matches!(
        live.apply_update(&md5_list_with(5, 2, 1, 0, &key()), false),
        Err(ListError::ListConflict { version: 5, .. })
    ));
    assert_eq!(live.apply_update(&md5_list(5), false).unwrap().version, 5);
}

#[test]
fn conflicts_jumps_expiry_and_forced_installs() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        max_version_jump: 10,
        ..StoreOptions::default()
    };
    let live = LiveList::open_with_options(dir.path(), keys(), options.clone()).unwrap();
    live.apply_update(&md5_list(5), false).unwrap();
    // Re-applying the installed list is nothing new; another list under version 5 conflicts.
    assert!(matches!(
        live.apply_update(&md5_list(5), false),
        Err(ListError::Rollback {
            offered: 5,
            current: 5
        })
    ));
    let other5 = md5_list_with(5, 2, 1, 0, &key());
    match live.apply_update(&other5, false) {
        Err(ListError::ListConflict {
            version: 5,
            installed,
            offered,
        }) => {
            assert_eq!(installed, live.info().digest_hex);
            assert_ne!(installed, offered);
        }
        other => panic!("{other:?}"),
    }
    // Jump bound: 5 + 10 is fine, 5 + 11 is not; u64::MAX never blocks the store.
    assert!(matches!(
        live.apply_update(&md5_list(16), false),
        Err(ListError::VersionJump {
            offered: 16,
            current: 5,
            max_jump: 10
        })
    ));
    assert!(matches!(
        live.apply_update(&md5_list(u64::MAX), false),
        Err(ListError::VersionJump { .. })
    ));
    assert_eq!(live.apply_update(&md5_list(15), false).unwrap().version, 15);
    // Expiry: an update already expired is refused; one expiring later installs, not stale.
    let expired = md5_list_with(16, 3, 0, now() - 60, &key());
    assert!(matches!(
        live.apply_update(&expired, false),
        Err(ListError::Expired { .. })
    ));
    let fresh = md5_list_with(16, 3, 0, now() + 3600, &key());
    let info = live.apply_update(&fresh, false).unwrap();
    assert_eq!(info.expires_at, now_plus(&info));
    assert!(!live.status().stale);
    assert!(!info.forced);
    // Forcing the expired list: installed, stale, recorded, reported, and kept across reopen.
    let info = live
        .apply_update(&md5_list_with(14, 3, 2, now() - 60, &key()), true)
        .unwrap();
    assert!(info.forced);
    let status = live.status();
    assert!(status.stale && status.info.forced);
    let forced = status.forced.unwrap();
    assert_eq!((forced.version, forced.replaced_version), (14, 16));
    drop(live);
    let live = LiveList::open_with_options(dir.path(), keys(), options).unwrap();
    assert!(live.info().forced);
    assert_eq!(live.status().floor_version, 14);
    // The next normal install clears the record.
    let info = live.apply_update(&md5_list(17), false).unwrap();
    assert!(!info.forced && live.status().forced.is_none());
}

fn now_plus(info: &preflight::lists::ListInfo) -> u64 {
    // The expiry written is what the list carries; read it back from the header field.
    assert!(info.expires_at > now());
    info.expires_at
}

#[test]
fn another_store_instance_picks_up_a_new_list_with_one_stat() {
    let dir = tempfile::tempdir().unwrap();
    let a = LiveList::open(dir.path(), keys()).unwrap();
    let b = LiveList::open(dir.path(), keys()).unwrap();
    a.apply_update(&md5_list(1), false).unwrap();
    assert_eq!(b.current().version(), 1);
    b.apply_update(&md5_list(2), false).unwrap();
    assert_eq!(a.current().version(), 2);
    // A delta from A applies to what B installed on disk, not to A's stale view.
    let v2 = HashList::from_bytes(md5_list(2), &keys()).unwrap();
    let v3 = HashList::from_bytes(md5_list_with(3, 5, 0, 0, &key()), &keys()).unwrap();
    b.apply_update(&make_delta(&v2, &v3, &key()).unwrap(), false)
        .unwrap();
    assert_eq!(a.current_cached().version(), 2);
    let v4 = HashList::from_bytes(md5_list_with(4, 6, 0, 0, &key()), &keys()).unwrap();
    assert_eq!(
        a.apply_update(&make_delta(&v3, &v4, &key()).unwrap(), false)
            .unwrap()
            .version,
        4
    );
    assert_eq!(b.current().info().digest_hex, v4.info().digest_hex);
}

#[test]
fn a_distributable_list_gets_its_index_on_install_and_matches_exactly() {
    let hashes = pdq_hashes(3000, 5);
    let dist = pdq_list(1, &hashes, PdqIndexScheme::Detached);
    let embedded = pdq_list(1, &hashes, PdqIndexScheme::Auto);
    assert!(dist.len() < 3000 * 34, "{} bytes", dist.len());
    assert!(embedded.len() > 3000 * 40);
    let dir = tempfile::tempdir().unwrap();
    let live = LiveList::open(dir.path(), keys()).unwrap();
    live.apply_update(&dist, false).unwrap();
    let list = live.current();
    assert!(!list.pdq_index_missing());
    let index_files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".pfidx"))
        .collect();
    assert_eq!(index_files.len(), 1);
    let mut rng = Rng(9);
    let check = |list: &HashList, rng: &mut Rng| {
        for q in 0..40 {
            let mut query = hashes[q * 7];
            for _ in 0..(rng.next() % 32) {
                let bit = (rng.next() % 256) as usize;
                query[bit / 8] ^= 1 << (bit % 8);
            }
            let variants = [query, pdq_hashes(1, q as u64)[0]];
            assert_eq!(
                list.match_pdq(&variants, 31),
                list.match_pdq_linear(&variants, 31),
                "query {q}"
            );
            assert!(!list.match_pdq(&variants[..1], 31).is_empty());
        }
    };
    check(&list, &mut rng);
    // Reopen: uses the index file. Damaged index: rebuilt, still exact. Missing: rebuilt.
    drop(list);
    drop(live);
    check(
        &LiveList::open(dir.path(), keys()).unwrap().current(),
        &mut rng,
    );
    let path = index_files[0].path();
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() - 100;
    bytes[at] ^= 0xFF;
    std::fs::write(&path, &bytes).unwrap();
    let reopened = LiveList::open(dir.path(), keys()).unwrap();
    assert_eq!(reopened.status().health, ListHealth::Installed);
    check(&reopened.current(), &mut rng);
    std::fs::remove_file(&path).unwrap();
    check(
        &LiveList::open(dir.path(), keys()).unwrap().current(),
        &mut rng,
    );
    // Deltas between distributable lists stay proportional to the change.
    let v1 = HashList::from_bytes(dist, &keys()).unwrap();
    let mut next = hashes.clone();
    next.truncate(2990);
    next.extend(pdq_hashes(10, 77));
    let v2 = HashList::from_bytes(pdq_list(2, &next, PdqIndexScheme::Detached), &keys()).unwrap();
    let delta = make_delta(&v1, &v2, &key()).unwrap();
    assert!(
        delta.len() < 2000,
        "delta of 20 changes is {} bytes",
        delta.len()
    );
    let live = LiveList::open(dir.path(), keys()).unwrap();
    assert_eq!(
        live.apply_update(&delta, false).unwrap().digest_hex,
        v2.info().digest_hex
    );
    assert!(!live.current().pdq_index_missing());
}

#[test]
fn transparency_proofs_are_checked_against_the_stored_tree_head() {
    let dir = tempfile::tempdir().unwrap();
    let live = LiveList::open(dir.path(), keys()).unwrap();
    let mut log = IssuerLog::new();
    let digest = |bytes: &[u8]| {
        HashList::from_bytes(bytes.to_vec(), &keys())
            .unwrap()
            .digest()
    };
    let (v1, v2, v3) = (md5_list(1), md5_list(2), md5_list(3));
    log.append(digest(&v1));
    let p1 = log.prove(&digest(&v1), 0, &key(), 10).unwrap().to_bytes();
    live.apply_update_with_proof(&v1, &p1, false).unwrap();
    let head1 = live.tree_head().unwrap();
    assert_eq!(head1.tree_size, 1);
    log.append(digest(&v2));
    // A proof for another list, or from a size the device does not hold, is refused.
    let wrong = log.prove(&digest(&v1), 1, &key(), 20).unwrap().to_bytes();
    assert!(matches!(
        live.apply_update_with_proof(&v2, &wrong, false),
        Err(ListError::LogProof(_))
    ));
    let from0 = log.prove(&digest(&v2), 0, &key(), 20).unwrap().to_bytes();
    assert!(matches!(
        live.apply_update_with_proof(&v2, &from0, false),
        Err(ListError::LogProof(_))
    ));
    let p2 = log.prove(&digest(&v2), 1, &key(), 20).unwrap().to_bytes();
    live.apply_update_with_proof(&v2, &p2, false).unwrap();
    assert_eq!(live.tree_head().unwrap().tree_size, 2);
    // A forked log (history rewritten: entry 0 replaced) is detected.
    let mut forked = IssuerLog::new();
    forked.append([0xAB; 32]);
    forked.append(digest(&v2));
    forked.append(digest(&v3));
    let p3 = forked
        .prove(&digest(&v3), 2, &key(), 30)
        .unwrap()
        .to_bytes();
    assert!(matches!(
        live.apply_update_with_proof(&v3, &p3, false),
        Err(ListError::LogFork(_))
    ));
    assert_eq!(live.info().version, 2);
    log.append(digest(&v3));
    let p3 = log.prove(&digest(&v3), 2, &key(), 30).unwrap().to_bytes();
    live.apply_update_with_proof(&v3, &p3, false).unwrap();
    // The head survives reopening; a store that requires proofs refuses a bare update.
    let exported = live.tree_head().unwrap().to_hex();
    drop(live);
    let strict = StoreOptions {
        require_log_proof: true,
        ..StoreOptions::default()
    };
    let live = LiveList::open_with_options(dir.path(), keys(), strict).unwrap();
    assert_eq!(live.tree_head().unwrap().to_hex(), exported);
    assert!(matches!(
        live.apply_update(&md5_list(4), false),
        Err(ListError::LogProof(_))
    ));
}

#[test]
fn updates_from_files_report_progress_and_can_be_cancelled() {
    let hashes = pdq_hashes(40_000, 3);
    let bytes = pdq_list(1, &hashes, PdqIndexScheme::Auto);
    assert!(bytes.len() > 3 << 20, "several progress steps");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("update.pflist");
    std::fs::write(&file, &bytes).unwrap();
    let store = dir.path().join("store");
    let live = LiveList::open(&store, keys()).unwrap();
    let seen: Mutex<Vec<UpdateProgress>> = Mutex::new(Vec::new());
    let cancel = AtomicBool::new(false);
    let progress = |p: UpdateProgress| {
        let mut s = seen.lock().unwrap();
        s.push(p);
        if s.len() == 2 {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    };
    let control = UpdateControl {
        progress: Some(&progress),
        cancel: Some(&cancel),
    };
    assert!(matches!(
        live.apply_file(&file, None, false, control),
        Err(ListError::Cancelled)
    ));
    assert_eq!(live.info().version, 0);
    assert!(!store.join("current.pflist").exists());
    cancel.store(false, std::sync::atomic::Ordering::Relaxed);
    seen.lock().unwrap().clear();
    let progress = |p: UpdateProgress| seen.lock().unwrap().push(p);
    let control = UpdateControl {
        progress: Some(&progress),
        cancel: None,
    };
    assert_eq!(
        live.apply_file(&file, None, false, control)
            .unwrap()
            .version,
        1
    );
    let seen = seen.into_inner().unwrap();
    let last = |stage| {
        seen.iter()
            .rev()
            .find(|p| p.stage == stage)
            .copied()
            .unwrap()
    };
    let v = last(UpdateStage::Verifying);
    assert_eq!(v.done, v.total);
    let w = last(UpdateStage::Writing);
    assert_eq!((w.done, w.total), (bytes.len() as u64, bytes.len() as u64));
    assert_eq!(std::fs::read(store.join("current.pflist")).unwrap(), bytes);
    // A damaged file is refused with a typed error, the store unchanged.
    let mut bad = bytes.clone();
    bad[bytes.len() / 2] ^= 1;
    std::fs::write(&file, &bad).unwrap();
    assert!(matches!(
        live.apply_file(&file, None, true, UpdateControl::default()),
        Err(ListError::DigestMismatch { .. })
    ));
    assert_eq!(live.info().version, 1);
}

#[test]
fn several_issuers_corroborate_only_with_independent_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let ka = IssuerSecretKey::from_seed(&[1; 32]);
    let kb = IssuerSecretKey::from_seed(&[2; 32]);
    let issuer = |name: &str, k: &IssuerSecretKey, cat: &str| {
        IssuerConfig::new(
            name,
            dir.path().join(name),
            TrustedKeys::new(vec![k.public()]),
            cat,
        )
    };
    // "c" is a second name for issuer A's key: it must not count as independent.
    let set = ListSet::open(vec![
        issuer("a", &ka, "known-abuse"),
        issuer("b", &kb, "terror"),
        issuer("c", &ka, "app-own"),
    ])
    .unwrap();
    let shared = [0x42u8; 16];
    let list = |v: u64, hashes: &[[u8; 16]], k: &IssuerSecretKey| {
        let mut b = ListBuilder::new(v, 0);
        // One issuer's org bits claim three sources: they do not count across issuers.
        for o in ["x", "y", "z"] {
            b.add_org(o).unwrap();
        }
        for h in hashes {
            b.add(HashKind::Md5, h, 0b111, "l", "c").unwrap();
        }
        b.build(k).unwrap()
    };
    set.apply_update("a", &list(1, &[shared, [1; 16]], &ka), false)
        .unwrap();
    set.apply_update("c", &list(1, &[shared], &ka), false)
        .unwrap();
    // An issuer's update must carry its own signature.
    assert!(set
        .apply_update("b", &list(1, &[shared], &ka), false)
        .is_err());
    assert!(matches!(
        set.apply_update("zz", &list(1, &[shared], &kb), false),
        Err(ListError::UnknownIssuer(_))
    ));
    let two = IssuerPolicy::k_of_n(2);
    let hit = set.match_exact(HashKind::Md5, &shared, &two);
    assert_eq!(hit.issuers.len(), 2);
    assert_eq!(hit.independent_issuers, 1);
    assert!(!hit.counted, "a and c share a key");
    set.apply_update("b", &list(1, &[shared], &kb), false)
        .unwrap();
    let hit = set.match_exact(HashKind::Md5, &shared, &two);
    assert!(hit.counted);
    let names: Vec<&str> = hit.issuers.iter().map(|i| i.issuer.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(hit.issuers[1].category, "terror");
    // Only "a" holds [1; 16]: one issuer is not two.
    assert!(!set.match_exact(HashKind::Md5, &[1; 16], &two).counted);
    assert!(
        set.match_exact(HashKind::Md5, &[1; 16], &IssuerPolicy::k_of_n(1))
            .counted
    );
    // n restricts who counts: with only a and c counted, b's signature does not help.
    let restricted = IssuerPolicy {
        min_issuers: 2,
        counted: vec!["a".into(), "c".into()],
    };
    assert!(!set.match_exact(HashKind::Md5, &shared, &restricted).counted);
    // Independent updates and floors per issuer.
    set.apply_update("b", &list(3, &[shared], &kb), false)
        .unwrap();
    let status = set.status();
    assert_eq!(status[0].1.info.version, 1);
    assert_eq!(status[1].1.info.version, 3);
    assert!(ListSet::open(vec![issuer("a", &ka, "x"), issuer("a", &kb, "y")]).is_err());
}
