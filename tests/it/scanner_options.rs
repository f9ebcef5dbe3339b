//! Scanner options of the mobile issue (15): a bound on the threads one scan uses (the verdict
//! does not change with it) and conversation state without excerpts (no message text in memory,
//! in exported state or in the report).

use crate::common;

use preflight::lists::{HashKind, IssuerSecretKey, ListBuilder};
use preflight::media::{decode_for_hashing_on, DecodeLimits};
use preflight::text::{AgeBand, ConversationConfig, Direction};
use preflight::{Action, Scanner, ScannerConfig};
use std::num::NonZeroUsize;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(common::repo_root().join(rel)).unwrap()
}

/// 1.5 MB of entropy data: the DC decoder splits it across threads unless told otherwise.
const BIG_JPEG: &str = "tests/fixtures/pdq/images/exif-rotn-6.jpg";

#[test]
fn one_thread_decodes_the_same_pixels_and_gives_the_same_verdict() {
    let bytes = fixture(BIG_JPEG);
    let limits = DecodeLimits::default();
    let one = decode_for_hashing_on(&bytes, &limits, 256, NonZeroUsize::new(1)).unwrap();
    let all = decode_for_hashing_on(&bytes, &limits, 256, None).unwrap();
    assert_eq!(one.pixels.to_dynamic(), all.pixels.to_dynamic());
    assert!(one.scale_denominator > 1, "decoded at reduced scale");

    let key = IssuerSecretKey::from_seed(&[31u8; 32]);
    let pdq = preflight::hash::hash_image_bytes(&bytes, &limits)
        .unwrap()
        .pdq;
    let mut b = ListBuilder::new(1, 0);
    let org = b.add_org("org").unwrap();
    b.add(HashKind::Pdq, &pdq.hashes[0].0, 1 << org, "big", "test")
        .unwrap();
    let list = b.build(&key).unwrap();
    let verdicts: Vec<_> = [NonZeroUsize::new(1), NonZeroUsize::new(3), None]
        .into_iter()
        .map(|threads| {
            let s = Scanner::new(ScannerConfig {
                trusted_list_keys: vec![key.public().to_hex()],
                scan_threads: threads,
                ..ScannerConfig::default()
            })
            .unwrap();
            assert_eq!(s.scan_threads(), threads);
            s.apply_list_update(&list, false).unwrap();
            s.scan_image(&bytes).unwrap()
        })
        .collect();
    assert_eq!(verdicts[0].action, Action::Block, "{:?}", verdicts[0]);
    assert_eq!(verdicts[0], verdicts[1]);
    assert_eq!(verdicts[0], verdicts[2]);
}

const MESSAGES: [&str; 4] = [
    "you're so mature for your age",
    "don't tell your parents we talk, it's our little secret",
    "send me a pic of you, nobody will see it but me",
    "delete this chat after ok?",
];

fn chat(keep_excerpts: bool) -> Scanner {
    let s = Scanner::new(ScannerConfig {
        conversation: ConversationConfig {
            keep_excerpts,
            ..ConversationConfig::default()
        },
        ..ScannerConfig::default()
    })
    .unwrap();
    for m in MESSAGES {
        s.scan_text("c", Direction::Received, AgeBand::Age13To15, m)
            .unwrap();
    }
    s
}

#[test]
fn without_excerpts_exported_state_holds_no_message_text() {
    let with = chat(true);
    let kept = with.report_bundle("c").unwrap().conversation.evidence;
    assert!(kept.len() >= 3, "{kept:?}");
    let excerpts: Vec<String> = kept.iter().map(|e| e.excerpt.clone()).collect();
    assert!(excerpts.iter().all(|x| !x.is_empty()));
    let doc_with = with.export_conversation("c").unwrap().unwrap();
    assert!(excerpts.iter().all(|x| doc_with.contains(x.as_str())));

    let without = chat(false);
    let bundle = without.report_bundle("c").unwrap().conversation;
    // The same evidence (spans, ids, stages), only without the text.
    assert_eq!(
        bundle.grooming_risk,
        with.report_bundle("c").unwrap().conversation.grooming_risk
    );
    assert_eq!(bundle.evidence.len(), kept.len());
    for (a, b) in bundle.evidence.iter().zip(&kept) {
        assert_eq!(
            (a.start, a.end, &a.lexicon_id),
            (b.start, b.end, &b.lexicon_id)
        );
        assert!(a.excerpt.is_empty());
    }
    let doc = without.export_conversation("c").unwrap().unwrap();
    for x in &excerpts {
        assert!(!doc.contains(x.as_str()), "{x:?} in\n{doc}");
    }
    for m in MESSAGES {
        assert!(!doc.contains(m), "{m:?} in\n{doc}");
    }

    // A document exported with excerpts loses them when imported here.
    let fresh = Scanner::new(ScannerConfig {
        conversation: ConversationConfig {
            keep_excerpts: false,
            ..ConversationConfig::default()
        },
        ..ScannerConfig::default()
    })
    .unwrap();
    fresh.import_conversation(&doc_with).unwrap();
    let again = fresh.export_conversation("c").unwrap().unwrap();
    assert!(excerpts.iter().all(|x| !again.contains(x.as_str())));
    assert!(fresh
        .report_bundle("c")
        .unwrap()
        .conversation
        .evidence
        .iter()
        .all(|e| e.excerpt.is_empty()));
}
