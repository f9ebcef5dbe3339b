//! The Scanner end to end: a signed list installed at run time, images matched through
//! rotations and exact digests, k-of-n corroboration, updates swapped in while other threads
//! scan, and conversations that escalate or stay benign.

use crate::common;

use preflight::hash::{crypto::CryptoHashes, pdq::Dihedral};
use preflight::lists::{HashKind, IssuerSecretKey, ListBuilder, SourcePolicy};
use preflight::text::{AgeBand, Direction};
use preflight::{Action, Category, Evidence, Policy, ScanError, Scanner, ScannerConfig};
use std::sync::Arc;

fn key() -> IssuerSecretKey {
    common::issuer_key(7)
}

/// Bridge-1's PDQ hash, listed by two organisations, plus wee.jpg's MD5 by one.
fn demo_list(version: u64) -> Vec<u8> {
    let mut b = ListBuilder::new(version, 1_700_000_000);
    let ncmec = b.add_org("org-a").unwrap();
    let iwf = b.add_org("org-b").unwrap();
    let bridge = common::drawn_pdq("bridge-1-original.jpg");
    b.add(
        HashKind::Pdq,
        &bridge.0,
        (1 << ncmec) | (1 << iwf),
        "demo-bridge",
        "test",
    )
    .unwrap();
    let wee = CryptoHashes::of(&common::drawn("wee.jpg"));
    b.add(HashKind::Md5, &wee.md5, 1 << ncmec, "demo-wee", "test")
        .unwrap();
    b.build(&key()).unwrap()
}

fn scanner(policy: Policy) -> Scanner {
    let s = Scanner::new(ScannerConfig {
        trusted_list_keys: vec![key().public().to_hex()],
        policy,
        ..ScannerConfig::default()
    })
    .unwrap();
    s.apply_list_update(&demo_list(1), false).unwrap();
    s
}

#[test]
fn rotated_copies_of_a_listed_image_are_blocked_with_evidence() {
    let s = scanner(Policy::default());
    for (file, variant) in [
        ("bridge-1-original.jpg", Dihedral::Original),
        ("bridge-2-rotate-90.jpg", Dihedral::Rotate270), // undoing a 90° rotation
        ("bridge-5-flipx.jpg", Dihedral::FlipX),
        ("mode-CMYK.jpg", Dihedral::Original),
    ] {
        let v = s.scan_image(&common::drawn(file)).unwrap();
        assert_eq!(v.action, Action::Block, "{file}");
        let sig = v.signals_of(Category::KnownCsam).next().unwrap();
        match &sig.evidence[0] {
            Evidence::ListMatch {
                kind,
                variant: got,
                distance,
                label,
                sources,
                list_version,
                ..
            } => {
                assert_eq!(*kind, HashKind::Pdq);
                assert_eq!(*got, variant, "{file}");
                assert!(*distance <= 31);
                assert_eq!(label, "demo-bridge");
                assert_eq!(sources, &vec!["org-a".to_string(), "org-b".to_string()]);
                assert_eq!(*list_version, 1);
            }
            other => panic!("{other:?}"),
        }
    }
    let other = s.scan_image(&common::drawn("q0122.jpg")).unwrap();
    assert_eq!(other.action, Action::Allow);
    assert!(other.signals.is_empty());
}

#[test]
fn exact_digest_matches_and_k_of_n_corroboration() {
    let s = scanner(Policy::default());
    let v = s.scan_image(&common::drawn("wee.jpg")).unwrap();
    assert_eq!(v.action, Action::Block);
    assert!(matches!(
        &v.signals[0].evidence[0],
        Evidence::ListMatch {
            kind: HashKind::Md5,
            ..
        }
    ));

    // Two sources required: the bridge (two orgs) still matches, wee (one org) no longer does.
    let strict = scanner(Policy {
        sources: SourcePolicy::k_of_n(2),
        ..Policy::default()
    });
    assert_eq!(
        strict.scan_image(&common::drawn("wee.jpg")).unwrap().action,
        Action::Allow
    );
    assert_eq!(
        strict
            .scan_image(&common::drawn("bridge-1-original.jpg"))
            .unwrap()
            .action,
        Action::Block
    );
}

#[test]
fn bad_updates_leave_the_previous_list_live() {
    let s = scanner(Policy::default());
    let before = s.list_info();
    // Rollback, tampering, a stranger's key: all refused, list unchanged.
    assert!(matches!(
        s.apply_list_update(&demo_list(1), false),
        Err(ScanError::List(_))
    ));
    let mut tampered = demo_list(2);
    let n = tampered.len();
    tampered[n / 2] ^= 1;
    assert!(s.apply_list_update(&tampered, false).is_err());
    let stranger = {
        let mut b = ListBuilder::new(3, 0);
        b.add(HashKind::Md5, &[0u8; 16], 0, "x", "y").unwrap();
        b.build(&IssuerSecretKey::from_seed(&[9u8; 32])).unwrap()
    };
    let err = s.apply_list_update(&stranger, false).unwrap_err();
    assert!(!err.to_string().is_empty());
    assert_eq!(s.list_info(), before);
    assert_eq!(
        s.scan_image(&common::drawn("bridge-1-original.jpg"))
            .unwrap()
            .action,
        Action::Block
    );
}

#[test]
fn list_updates_swap_in_while_other_threads_scan() {
    let s = Arc::new(scanner(Policy::default()));
    let bridge = Arc::new(common::drawn("bridge-3-rotate-180.jpg"));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..3)
        .map(|i| {
            let (s, bridge, stop) = (s.clone(), bridge.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || n < 3 {
                    let v = s.scan_image(&bridge).unwrap();
                    assert_eq!(v.action, Action::Block); // every list version lists the bridge
                    let t = s
                        .scan_text(
                            &format!("t{i}"),
                            Direction::Received,
                            AgeBand::Unknown,
                            "hi",
                        )
                        .unwrap();
                    assert_eq!(t.action, Action::Allow);
                    n += 1;
                }
                n
            })
        })
        .collect();
    for version in 2..=6 {
        let info = s.apply_list_update(&demo_list(version), false).unwrap();
        assert_eq!(info.version, version);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        assert!(w.join().unwrap() >= 3);
    }
    assert_eq!(s.list_info().version, 6);
}

#[test]
fn escalating_conversation_warns_and_benign_one_does_not() {
    let s = scanner(Policy::default());
    let groomer = [
        "hey you seem really mature for your age",
        "how old are you? do your parents check your phone",
        "this is just between us ok, don't tell your mom",
        "add me on snap, it's more private",
        "i'll buy you that game you wanted",
        "send me a pic of you",
    ];
    let mut last = None;
    for m in groomer {
        last = Some(
            s.scan_text("g", Direction::Received, AgeBand::Age13To15, m)
                .unwrap(),
        );
    }
    let v = last.unwrap();
    assert_eq!(v.action, Action::Warn, "{v:?}");
    let g = v.signals_of(Category::Grooming).next().unwrap();
    assert!(g.score >= 0.5);
    assert!(
        matches!(&g.evidence[0], Evidence::ConversationRisk { stages, .. } if stages.len() >= 3)
    );

    for m in [
        "did you finish the maths homework",
        "lol that teacher is killing me",
        "see you at practice",
    ] {
        let v = s
            .scan_text("b", Direction::Received, AgeBand::Age13To15, m)
            .unwrap();
        assert_eq!(v.action, Action::Allow, "{m}: {v:?}");
    }

    let v = s
        .scan_text(
            "h",
            Direction::Sent,
            AgeBand::Age16To17,
            "i want to kill myself",
        )
        .unwrap();
    assert_eq!(v.action, Action::Warn);
    assert!(v.support_suggested);
    // A friend in crisis, told by the user: support, the peer's level as evidence, no warning.
    let v = s
        .scan_text(
            "f",
            Direction::Sent,
            AgeBand::Age13To15,
            "my best mate says he wants to kill himself, idk what to do",
        )
        .unwrap();
    assert_eq!(v.action, Action::Allow, "{v:?}");
    assert!(v.support_suggested, "{v:?}");
    let sh = v
        .signals_of(Category::SelfHarm)
        .next()
        .expect("a peer signal");
    assert_eq!(sh.score, 0.0);
    assert!(sh.evidence.iter().any(|e| matches!(
        e,
        Evidence::SelfHarmLevel {
            own: None,
            peer: Some(_)
        }
    )));
    // The other party saying it of themselves still warns the local user.
    let v = s
        .scan_text(
            "f2",
            Direction::Received,
            AgeBand::Age13To15,
            "i want to kill myself tonight",
        )
        .unwrap();
    assert_eq!(v.action, Action::Warn, "{v:?}");
    let bundle = s.report_bundle("g").unwrap();
    assert!(bundle.conversation.grooming_risk >= preflight::text::conversation::DEFAULT_ALERT_RISK);
    assert_eq!(bundle.list.version, 1);
    let doc = s.export_conversation("g").unwrap().unwrap();
    assert!(s.forget_conversation("g"));
    assert_eq!(s.import_conversation(&doc).unwrap(), "g");
    assert!(
        s.report_bundle("g").unwrap().conversation.grooming_risk
            >= preflight::text::conversation::DEFAULT_ALERT_RISK
    );
}
