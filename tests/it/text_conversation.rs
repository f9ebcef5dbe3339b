//! Conversation scenarios: grooming that escalates across stages, chats that stay benign,
//! direction and decay, self-harm levels with support routing, bounded state, export/import,
//! and a Spanish scenario from file lexicons.

use preflight::text::conversation::{DEFAULT_ALERT_RISK, DEFAULT_REPORT_RISK};
use preflight::text::{
    AgeBand, ChatLine, ConversationAssessment, ConversationConfig, Conversations, Direction,
    GroomingStage, LexiconSet, SelfHarmLevel, StateError, TextEngine,
};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

fn engine() -> Arc<TextEngine> {
    static E: OnceLock<Arc<TextEngine>> = OnceLock::new();
    E.get_or_init(|| Arc::new(TextEngine::default_english().unwrap()))
        .clone()
}

fn conversations() -> Conversations {
    Conversations::new(engine(), ConversationConfig::default())
}

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read_chat(path: &str) -> Vec<ChatLine> {
    std::fs::read_to_string(repo(path))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn run(c: &Conversations, lines: &[ChatLine]) -> Vec<ConversationAssessment> {
    lines
        .iter()
        .map(|l| c.observe(&l.conversation, l.direction, l.age_band, &l.text))
        .collect()
}

fn stages(a: &ConversationAssessment) -> Vec<GroomingStage> {
    a.stages.iter().map(|s| s.stage).collect()
}

#[test]
fn sample_grooming_chat_escalates_to_an_alert() {
    let c = conversations();
    let lines = read_chat("samples/chats/grooming_escalation.jsonl");
    let out = run(&c, &lines);
    let first_alert = out.iter().position(|a| a.grooming_alert).expect("no alert");
    // First concerning message: "do ur parents check ur phone?" (index 7); the flattery and
    // "how old are you" before it must not alert, the secrecy request (10) at the latest.
    assert!(
        (5..=10).contains(&first_alert),
        "alert at message {first_alert}"
    );
    // Risk grows as stages accumulate (the raw value: the probability saturates near 1).
    assert!(out[4].grooming_risk < out[10].grooming_risk);
    assert!(out[10].grooming_raw < out[15].grooming_raw);
    let last = out.last().unwrap();
    assert!(last.grooming_risk > 0.7, "{}", last.grooming_risk);
    let s = stages(last);
    for stage in [
        GroomingStage::IsolationSecrecy,
        GroomingStage::ImageRequest,
        GroomingStage::Meeting,
        GroomingStage::PrivateChannel,
        GroomingStage::TrustBuilding,
    ] {
        assert!(s.contains(&stage), "{stage:?} missing from {s:?}");
    }
    // The strongest drivers come first.
    assert!(last.stages[0].score * 1.0 >= last.stages.last().unwrap().score * 0.5);
    assert_eq!(last.self_harm_level, None);
    assert!(!last.support_suggested);
    // Evidence spans point into the original message text.
    for ev in &last.evidence {
        let text = &lines[ev.message_index as usize].text;
        assert_eq!(&text[ev.start..ev.end], ev.excerpt);
    }
}

#[test]
fn sample_benign_chat_stays_benign() {
    let c = conversations();
    let out = run(&c, &read_chat("samples/chats/benign_friends.jsonl"));
    for a in &out {
        assert!(!a.grooming_alert, "{a:#?}");
        assert!(a.grooming_risk < DEFAULT_ALERT_RISK, "{}", a.grooming_risk);
        assert_eq!(a.self_harm_level, None);
        assert!(!a.support_suggested, "{a:#?}");
    }
}

#[test]
fn sample_self_harm_chat_suggests_support() {
    let c = conversations();
    let out = run(&c, &read_chat("samples/chats/self_harm_support.jsonl"));
    let last = out.last().unwrap();
    // The level is the last message's own; the conversation remembers the highest recent one.
    assert_eq!(last.self_harm_level, Some(SelfHarmLevel::Method));
    assert_eq!(last.recent_self_harm_level, Some(SelfHarmLevel::Behaviour));
    assert!(last.support_suggested);
    assert!(
        !out[2].support_suggested,
        "the friend's reply carries no signal"
    );
    // A calibrated probability is never exactly 0; nothing grooming-like was said, so it stays
    // below the report threshold.
    assert!(
        last.grooming_risk < DEFAULT_REPORT_RISK,
        "{}",
        last.grooming_risk
    );
    assert!(!last.grooming_alert);
}

const GROOMING: [&str; 6] = [
    "you're so mature for your age",
    "r u home alone?",
    "don't tell your parents about us",
    "add me on snap",
    "send me a pic of yourself",
    "when can we meet?",
];

#[test]
fn direction_and_age_band_weight_the_risk() {
    let risk = |direction, band| {
        let c = conversations();
        let mut last = 0.0;
        for t in GROOMING {
            last = c.observe("x", direction, band, t).grooming_raw;
        }
        last
    };
    let to_minor = risk(Direction::Received, AgeBand::Age13To15);
    let to_unknown = risk(Direction::Received, AgeBand::Unknown);
    let to_adult = risk(Direction::Received, AgeBand::Adult);
    let from_minor = risk(Direction::Sent, AgeBand::Age13To15);
    assert!(to_minor > to_unknown, "{to_minor} {to_unknown}");
    assert!(to_unknown > to_adult);
    assert!(to_minor > from_minor);
    let p = |raw: f32| {
        1.0 / (1.0
            + (-(preflight::text::conversation::PLATT_A * raw
                + preflight::text::conversation::PLATT_B))
                .exp())
    };
    assert!(p(to_minor) >= 0.5, "{to_minor}");
    assert!(p(to_adult) < 0.5, "{to_adult}");
    assert!(to_adult < 0.8 * to_minor, "{to_adult} {to_minor}");
}

#[test]
fn one_stage_repeated_is_not_grooming() {
    let c = conversations();
    let mut a = None;
    for _ in 0..20 {
        a = Some(c.observe(
            "pics",
            Direction::Received,
            AgeBand::Age13To15,
            "send me a pic",
        ));
    }
    let a = a.unwrap();
    assert_eq!(stages(&a), vec![GroomingStage::ImageRequest]);
    assert!(a.grooming_risk < DEFAULT_ALERT_RISK, "{}", a.grooming_risk);
    assert!(!a.grooming_alert);
}

#[test]
fn evidence_decays_with_message_count() {
    let c = conversations();
    let mut peak = 0.0;
    for t in GROOMING {
        peak = c
            .observe("d", Direction::Received, AgeBand::Age13To15, t)
            .grooming_raw;
    }
    let mut a = None;
    for _ in 0..300 {
        a = Some(c.observe("d", Direction::Received, AgeBand::Age13To15, "ok see you"));
    }
    let a = a.unwrap();
    assert!(a.grooming_raw < peak / 4.0, "{} vs {peak}", a.grooming_raw);
    assert!(!a.grooming_alert);
    assert_eq!(a.messages, 306);
}

#[test]
fn self_harm_levels_escalate_and_negation_does_not_count() {
    let c = conversations();
    let obs = |t: &str| c.observe("sh", Direction::Sent, AgeBand::Age16To17, t);
    assert_eq!(obs("i would never kill myself").self_harm_level, None);
    assert!(!c.assessment("sh").unwrap().support_suggested);
    assert_eq!(
        obs("sometimes i wish i was dead").self_harm_level,
        Some(SelfHarmLevel::WishToBeDead)
    );
    assert_eq!(
        obs("i keep thinking about killing myself").self_harm_level,
        Some(SelfHarmLevel::Ideation)
    );
    let a = obs("i wrote my note last night");
    assert_eq!(a.self_harm_level, Some(SelfHarmLevel::Plan));
    assert!(a.support_suggested);
    // A lower level later is reported as itself; the higher one stays in the recent level.
    let a = obs("i just want to die");
    assert_eq!(a.self_harm_level, Some(SelfHarmLevel::WishToBeDead));
    assert_eq!(a.recent_self_harm_level, Some(SelfHarmLevel::Plan));
    // A message without a signal carries none (no warning on "lol fine").
    let a = obs("lol fine");
    assert_eq!(a.self_harm_level, None);
    assert!(!a.support_suggested);
    assert_eq!(c.assessment("sh").unwrap().peer_self_harm_level, None);
}

#[test]
fn third_person_and_received_distress_are_peer_concerns() {
    let c = conversations();
    let a = c.observe(
        "friend",
        Direction::Sent,
        AgeBand::Age13To15,
        "my friend says she wants to die, what do I do",
    );
    assert_eq!(a.self_harm_level, None);
    assert_eq!(a.peer_self_harm_level, Some(SelfHarmLevel::WishToBeDead));
    assert!(a.support_suggested);

    let c = conversations();
    let a = c.observe(
        "other",
        Direction::Received,
        AgeBand::Age13To15,
        "i'm going to kill myself tonight",
    );
    assert_eq!(a.self_harm_level, None);
    assert_eq!(a.peer_self_harm_level, Some(SelfHarmLevel::Intent));
    assert!(a.support_suggested);
}

#[test]
fn hyperbole_does_not_set_a_level() {
    let c = conversations();
    let a = c.observe(
        "h",
        Direction::Sent,
        AgeBand::Age13To15,
        "omg i want to die of embarrassment lol",
    );
    assert_eq!(a.self_harm_level, None);
    assert!(!a.support_suggested);
    assert_eq!(a.message.matches.len(), 1);
}

#[test]
fn self_harm_level_expires_after_the_window() {
    let config = ConversationConfig {
        self_harm_window_messages: 5,
        ..Default::default()
    };
    let c = Conversations::new(engine(), config);
    c.observe(
        "w",
        Direction::Sent,
        AgeBand::Unknown,
        "i want to kill myself",
    );
    for _ in 0..4 {
        let a = c.observe("w", Direction::Sent, AgeBand::Unknown, "ok");
        assert_eq!(
            a.self_harm_level, None,
            "reported only on the message that carries it"
        );
        assert!(a.recent_self_harm_level.is_some());
    }
    let a = c.observe("w", Direction::Sent, AgeBand::Unknown, "ok");
    assert_eq!(a.recent_self_harm_level, None);
    assert_eq!(a.self_harm_level, None);
    assert!(!a.support_suggested);
}

#[test]
fn export_and_import_round_trip() {
    let a = conversations();
    for t in &GROOMING[..4] {
        a.observe("conv-1", Direction::Received, AgeBand::Age13To15, t);
    }
    a.observe(
        "conv-1",
        Direction::Sent,
        AgeBand::Age13To15,
        "i want to die",
    );
    let doc = a.export_state("conv-1").unwrap().unwrap();
    assert!(a.export_state("nope").unwrap().is_none());

    let b = conversations();
    assert_eq!(b.import_state(&doc).unwrap(), "conv-1");
    assert_eq!(a.assessment("conv-1"), b.assessment("conv-1"));
    // Continuing in both gives identical results.
    let ra = a.observe(
        "conv-1",
        Direction::Received,
        AgeBand::Age13To15,
        GROOMING[4],
    );
    let rb = b.observe(
        "conv-1",
        Direction::Received,
        AgeBand::Age13To15,
        GROOMING[4],
    );
    assert_eq!(ra, rb);
    assert_eq!(ra.recent_self_harm_level, Some(SelfHarmLevel::WishToBeDead));
    assert_eq!(ra.self_harm_level, None);
}

#[test]
fn import_rejects_bad_documents() {
    let c = conversations();
    assert!(matches!(
        c.import_state("not toml at all ["),
        Err(StateError::Malformed { .. })
    ));
    assert!(matches!(
        c.import_state("version = 99\nconversation_id = \"x\"\n"),
        Err(StateError::Version {
            found: 99,
            expected: preflight::text::conversation::STATE_VERSION
        })
    ));
    let src = conversations();
    src.observe("x", Direction::Received, AgeBand::Unknown, "add me on snap");
    let doc = src.export_state("x").unwrap().unwrap();
    let tampered = doc.replacen("stage_evidence = [", "stage_evidence = [1000.0, ", 1);
    let tampered = tampered.replacen(", 0.0]", "]", 1);
    match c.import_state(&tampered) {
        Err(StateError::Malformed { message, .. }) => {
            assert!(message.contains("stage evidence"), "{message}")
        }
        other => panic!("{other:?} for {tampered}"),
    }
    assert!(doc.contains("child_cues = 0.0"), "{doc}");
    let tampered = doc.replacen("child_cues = 0.0", "child_cues = 1e9", 1);
    match c.import_state(&tampered) {
        Err(StateError::Malformed { message, .. }) => {
            assert!(message.contains("child cues"), "{message}")
        }
        other => panic!("{other:?} for {tampered}"),
    }
    assert!(c.is_empty());
}

#[test]
fn concurrent_observers_share_state() {
    let c = Arc::new(conversations());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let c = c.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    c.observe(
                        &format!("t{}", i % 2),
                        Direction::Received,
                        AgeBand::Unknown,
                        "hi",
                    );
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(c.len(), 2);
    assert_eq!(c.assessment("t0").unwrap().messages, 50);
}

fn spanish_engine() -> TextEngine {
    let mut set = LexiconSet::english().unwrap();
    set.add_file(repo("lexicons/es/grooming.toml")).unwrap();
    set.add_file(repo("lexicons/es/self_harm.toml")).unwrap();
    TextEngine::compile(&set).unwrap()
}

#[test]
fn spanish_lexicons_load_and_their_examples_pass() {
    let e = spanish_engine();
    assert!(e.entries().iter().any(|x| x.language == "es"));
    let failures = e.check_examples();
    assert!(failures.is_empty(), "{failures:#?}");
    let a = e.analyze("no quiero morir, solo estoy cansada");
    assert!(a.matches.iter().all(|m| m.is_negated()), "{:?}", a.matches);
    // Spanish cues only modify Spanish entries: a bare "no" does not negate English.
    let a = e.analyze("no i want to die");
    assert!(!a.matches[0].is_negated(), "{:?}", a.matches);
    let t = "¿Cuántos años tienes?";
    let m = &e.analyze(t).matches[0];
    assert_eq!(&t[m.start..m.end], "Cuántos años tienes");
}

/// Spanish and Portuguese sexual talk is the `sexual` category as English is (so `Policy`
/// warns a minor on an explicit image request), and its idioms are not.
#[test]
fn spanish_and_portuguese_sexual_talk_is_read_as_in_english() {
    use preflight::text::Category;
    let e = TextEngine::default_embedded().unwrap();
    let sexual = |t: &str| e.analyze(t).by_category(Category::Sexual).next().is_some();
    for t in [
        "mándame una foto tuya sin ropa",
        "quiero verte desnuda",
        "me manda uma foto sem roupa",
        "quero te ver nua",
    ] {
        assert!(sexual(t), "{t}");
    }
    for t in [
        "me quedé sin ropa limpia",
        "a verdade nua e crua",
        "bora jogar uma pelada",
        "fiquei sem roupa limpa",
    ] {
        assert!(!sexual(t), "{t}");
    }
}

#[test]
fn spanish_grooming_scenario_escalates() {
    let c = Conversations::new(Arc::new(spanish_engine()), ConversationConfig::default());
    let mut last = None;
    for t in [
        "eres muy madura para tu edad",
        "¿estás sola en casa?",
        "no le digas a tus padres que hablamos",
        "pásame tu número",
        "mándame una foto",
        "podemos quedar el sábado, te recojo",
    ] {
        last = Some(c.observe("es", Direction::Received, AgeBand::Age13To15, t));
    }
    let last = last.unwrap();
    assert!(last.grooming_alert, "{last:#?}");
    assert!(stages(&last).contains(&GroomingStage::Meeting));
}
