//! Update tests: deltas (adds + tombstones) reproduce the issuer's signed list exactly,
//! rollback refusal and force, bad updates leave the previous list live, the store survives
//! reopening, and readers keep working while a new list is swapped in.

use crate::common;

use preflight::lists::{
    make_delta, HashKind, HashList, IssuerSecretKey, ListBuilder, ListError, LiveList, TrustedKeys,
};
use std::sync::Arc;

fn key() -> IssuerSecretKey {
    common::issuer_key(9)
}

fn keys() -> TrustedKeys {
    TrustedKeys::new(vec![key().public()])
}

fn h(i: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (j, b) in out.iter_mut().enumerate() {
        *b = (i.wrapping_mul(2_654_435_761) >> (j % 4 * 8)) as u8 ^ (j as u8).wrapping_mul(37);
    }
    out[0] = (i >> 8) as u8;
    out[1] = i as u8;
    out
}

/// Version `v` holds PDQ hashes `range` and one MD5 per version.
fn list_bytes(version: u64, range: std::ops::Range<u32>, extra_org: bool) -> Vec<u8> {
    let mut b = ListBuilder::new(version, 1_000 + version);
    let a = b.add_org("A").unwrap();
    let orgs = if extra_org {
        1 << a | 1 << b.add_org("B").unwrap()
    } else {
        1 << a
    };
    for i in range {
        let label = if i % 2 == 0 { "even" } else { "odd" };
        b.add(HashKind::Pdq, &h(i), orgs, label, "csam").unwrap();
    }
    b.add(HashKind::Md5, &[version as u8; 16], 1 << a, "v", "c")
        .unwrap();
    b.build(&key()).unwrap()
}

fn parse(bytes: Vec<u8>) -> HashList {
    HashList::from_bytes(bytes, &keys()).unwrap()
}

#[test]
fn delta_reproduces_the_signed_target_list() {
    let v1 = parse(list_bytes(1, 0..300, false));
    let v2_bytes = list_bytes(2, 100..400, true); // removes 0..100, adds 300..400, changes orgs
    let v2 = parse(v2_bytes.clone());
    let delta = make_delta(&v1, &v2, &key()).unwrap();
    assert!(delta.len() < v2_bytes.len());
    let summary = preflight::lists::parse_delta(&delta, &keys())
        .unwrap()
        .summary();
    assert_eq!((summary.base_version, summary.target_version), (1, 2));
    // Every v1 entry changed orgs (A -> A+B), so all 200 kept ones are remove+add too.
    assert_eq!(summary.removes.pdq, 300);
    assert_eq!(summary.adds.pdq, 300);
    assert_eq!((summary.adds.md5, summary.removes.md5), (1, 1));

    let dir = tempfile::tempdir().unwrap();
    let live = LiveList::open(dir.path(), keys()).unwrap();
    live.apply_update(&list_bytes(1, 0..300, false), false)
        .unwrap();
    let info = live.apply_update(&delta, false).unwrap();
    assert_eq!(info, v2.info(), "same digest as the issuer's list");
    assert_eq!(std::fs::read(live.list_path()).unwrap(), v2_bytes);
    let cur = live.current();
    assert!(
        cur.match_pdq(&[h(50)], 0).is_empty(),
        "tombstoned entry still matches"
    );
    let m = cur.match_pdq(&[h(350)], 0);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].source_org_names, vec!["A", "B"]);
}

#[test]
fn delta_keeps_the_targets_index_scheme() {
    let build = |version: u64, range: std::ops::Range<u32>| {
        let mut b = ListBuilder::new(version, 5);
        b.set_pdq_index_scheme(preflight::lists::PdqIndexScheme::Wide);
        for i in range {
            b.add(HashKind::Pdq, &h(i), 0, "", "").unwrap();
        }
        parse(b.build(&key()).unwrap())
    };
    let (v1, v2) = (build(1, 0..500), build(2, 20..520));
    let delta =
        preflight::lists::parse_delta(&make_delta(&v1, &v2, &key()).unwrap(), &keys()).unwrap();
    assert_eq!(
        preflight::lists::apply_delta(&v1, &delta).unwrap(),
        v2.as_bytes()
    );
}

#[test]
fn small_delta_only_carries_changes() {
    let v1 = parse(list_bytes(1, 0..300, false));
    let v2 = parse(list_bytes(2, 5..303, false));
    let delta = make_delta(&v1, &v2, &key()).unwrap();
    let s = preflight::lists::parse_delta(&delta, &keys())
        .unwrap()
        .summary();
    assert_eq!((s.removes.pdq, s.adds.pdq), (5, 3));
    let rebuilt = preflight::lists::apply_delta(
        &v1,
        &preflight::lists::parse_delta(&delta, &keys()).unwrap(),
    )
    .unwrap();
    assert_eq!(rebuilt, v2.as_bytes());
}

#[test]
fn rollback_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let live = LiveList::open(dir.path(), keys()).unwrap();
    assert_eq!(live.info().version, 0);
    live.apply_update(&list_bytes(5, 0..10, false), false)
        .unwrap();
    let err = live
        .apply_update(&list_bytes(4, 0..3, false), false)
        .unwrap_err();
    assert!(
        matches!(
            err,
            ListError::Rollback {
                offered: 4,
                current: 5
            }
        ),
        "{err}"
    );
    // Another list under the installed version is a conflict, not "not newer".
    let err = live
        .apply_update(&list_bytes(5, 0..3, false), false)
        .unwrap_err();
    assert!(
        matches!(err, ListError::ListConflict { version: 5, .. }),
        "{err}"
    );
    assert_eq!(live.info().version, 5);
    assert_eq!(live.current().len(HashKind::Pdq), 10);
    let info = live
        .apply_update(&list_bytes(4, 0..3, false), true)
        .unwrap();
    assert_eq!(info.version, 4);
    assert_eq!(live.current().len(HashKind::Pdq), 3);
}

#[test]
fn bad_updates_leave_the_previous_list_live() {
    let dir = tempfile::tempdir().unwrap();
    let live = LiveList::open(dir.path(), keys()).unwrap();
    live.apply_update(&list_bytes(1, 0..50, false), false)
        .unwrap();
    let before = live.info();
    let on_disk = std::fs::read(live.list_path()).unwrap();

    let good_v2 = list_bytes(2, 0..60, false);
    let mut tampered = good_v2.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 1;
    let other_key = IssuerSecretKey::from_seed(&[1; 32]);
    let mut b = ListBuilder::new(2, 0);
    b.add(HashKind::Md5, &[0; 16], 0, "", "").unwrap();
    let wrong_key = b.build(&other_key).unwrap();
    // A delta against a base the device does not have.
    let v7 = parse(list_bytes(7, 0..10, false));
    let v8 = parse(list_bytes(8, 0..11, false));
    let wrong_base = make_delta(&v7, &v8, &key()).unwrap();
    // A delta signed by an untrusted key.
    let v1 = parse(list_bytes(1, 0..50, false));
    let v2 = parse(good_v2.clone());
    let untrusted_delta = make_delta(&v1, &v2, &other_key).unwrap();
    let mut tampered_delta = make_delta(&v1, &v2, &key()).unwrap();
    let last = tampered_delta.len() - 100;
    tampered_delta[last] ^= 0x40;

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("tampered", tampered),
        ("truncated", good_v2[..good_v2.len() - 10].to_vec()),
        ("wrong key", wrong_key),
        ("garbage", b"hello".to_vec()),
        ("wrong base", wrong_base),
        ("untrusted delta", untrusted_delta),
        ("tampered delta", tampered_delta),
    ];
    for (what, bytes) in cases {
        let err = live.apply_update(&bytes, false);
        assert!(err.is_err(), "{what} accepted");
        assert_eq!(live.info(), before, "{what} changed the live list");
        assert_eq!(
            std::fs::read(live.list_path()).unwrap(),
            on_disk,
            "{what} changed the store"
        );
    }
    assert!(matches!(
        live.apply_update(&make_delta(&v7, &v8, &key()).unwrap(), true),
        Err(ListError::DeltaBaseMismatch {
            base: 7,
            current: 1
        })
    ));
    // The good update still applies afterwards.
    assert_eq!(live.apply_update(&good_v2, false).unwrap().version, 2);
}

#[test]
fn store_survives_reopen_and_ignores_stale_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    {
        let live = LiveList::open(dir.path(), keys()).unwrap();
        live.apply_update(&list_bytes(3, 0..20, false), false)
            .unwrap();
    }
    std::fs::write(dir.path().join("current.pflist.tmp"), b"half-written").unwrap();
    let live = LiveList::open(dir.path(), keys()).unwrap();
    assert_eq!(live.info().version, 3);
    assert!(!dir.path().join("current.pflist.tmp").exists());
    // A store whose file was corrupted on disk opens without matching on it, and says why.
    let path = live.list_path();
    drop(live);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let live = LiveList::open(dir.path(), keys()).unwrap();
    assert!(matches!(
        live.status().health,
        preflight::lists::ListHealth::Unavailable { .. }
    ));
    assert_eq!(live.info().version, 0);
    assert!(live.current().is_empty());
}

#[test]
fn readers_keep_their_list_during_a_swap() {
    let dir = tempfile::tempdir().unwrap();
    let live = Arc::new(LiveList::open(dir.path(), keys()).unwrap());
    live.apply_update(&list_bytes(1, 0..100, false), false)
        .unwrap();
    let held = live.current();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let live = Arc::clone(&live);
            std::thread::spawn(move || {
                let mut seen = std::collections::BTreeSet::new();
                for _ in 0..200 {
                    let list = live.current();
                    // Each snapshot is internally consistent: v1 has h(5), v2 does not.
                    let hit = !list.match_pdq(&[h(5)], 0).is_empty();
                    assert_eq!(hit, list.version() == 1);
                    seen.insert(list.version());
                }
                seen
            })
        })
        .collect();
    live.apply_update(&list_bytes(2, 10..100, false), false)
        .unwrap();
    for r in readers {
        let seen = r.join().unwrap();
        assert!(seen.iter().all(|v| *v == 1 || *v == 2));
    }
    // The Arc taken before the swap still answers from version 1 (its file was replaced by
    // rename, so the old mapping stays valid).
    assert_eq!(held.version(), 1);
    assert_eq!(held.match_pdq(&[h(5)], 0).len(), 1);
    assert_eq!(live.current().version(), 2);
}

#[test]
fn live_list_and_errors_are_thread_safe() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LiveList>();
    assert_send_sync::<HashList>();
    assert_send_sync::<ListError>();
}
