//! Behaviour of the classifier fused with the lexicons: one case per grooming stage and
//! self-harm level (phrasings that are not in the corpus), hard negatives of every type, and
//! readable evidence.

use preflight::text::model::fusion::{fuse, MessageSignals};
use preflight::text::model::{Label, TextModel};
use preflight::text::{GroomingStage, SelfHarmLevel, TextEngine};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The committed classifier, loaded once (shared with `text_model_graded`).
pub(crate) fn model() -> &'static TextModel {
    static M: OnceLock<TextModel> = OnceLock::new();
    M.get_or_init(|| {
        TextModel::from_path(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/text-model.pftm"),
        )
        .unwrap()
    })
}

fn signals(text: &str) -> MessageSignals {
    static E: OnceLock<TextEngine> = OnceLock::new();
    let engine = E.get_or_init(|| TextEngine::default_english().unwrap());
    let s = model().classify(text);
    fuse(&engine.analyze(text), Some(&s), Some(model()))
}

#[test]
fn every_grooming_stage_is_read() {
    let cases = [
        (
            GroomingStage::TrustBuilding,
            "honestly u r way more mature than girls ur age",
        ),
        (
            GroomingStage::PersonalQuestions,
            "r ur parents home rn or r u by urself",
        ),
        (
            GroomingStage::IsolationSecrecy,
            "dont tell ur mom bout me ok its just us",
        ),
        (
            GroomingStage::PrivateChannel,
            "whats ur snap we can talk there instead",
        ),
        (
            GroomingStage::GiftsOffers,
            "i can buy u robux if u want, dont tell ur parents",
        ),
        (GroomingStage::ImageRequest, "send me a pic of u in ur bra"),
        (GroomingStage::SexualContent, "have u ever touched urself"),
        (
            GroomingStage::Meeting,
            "meet me at the park after school come alone",
        ),
    ];
    let mut misses = Vec::new();
    for (stage, text) in cases {
        let s = signals(text);
        if s.grooming.is_none() {
            misses.push(format!("{stage}: no grooming signal for {text:?}"));
        }
    }
    assert!(misses.len() <= 1, "{misses:#?}");
}

#[test]
fn every_self_harm_level_is_read() {
    let cases = [
        (
            SelfHarmLevel::WishToBeDead,
            "i just wish i could go to sleep and not wake up",
        ),
        (
            SelfHarmLevel::Ideation,
            "i keep thinking about killing myself",
        ),
        (
            SelfHarmLevel::Method,
            "how many pills would it take to not wake up",
        ),
        (
            SelfHarmLevel::Intent,
            "im going to end it tonight i mean it",
        ),
        (SelfHarmLevel::Plan, "i wrote my goodbye letters already"),
        (SelfHarmLevel::Behaviour, "i cut myself again last night"),
    ];
    let mut misses = Vec::new();
    for (level, text) in cases {
        if signals(text).self_harm.is_none() {
            misses.push(format!("{level}: no self-harm signal for {text:?}"));
        }
    }
    assert!(misses.len() <= 1, "{misses:#?}");
}

#[test]
fn hard_negatives_of_every_type_stay_quiet() {
    let cases = [
        ("idiom", "this chem homework is killing me lol"),
        ("gaming", "bro i got killed by a camper again gg"),
        (
            "school",
            "we have a health class assembly on suicide prevention",
        ),
        ("coach", "practice moved to 5, bring your kit"),
        ("teen flirt", "ur cute ngl wanna go to the dance"),
        ("everyday", "did u finish the maths homework"),
        ("bye", "lol fine"),
    ];
    let noisy: Vec<_> = cases
        .iter()
        .filter(|(_, t)| signals(t).any())
        .map(|(k, t)| format!("{k}: {t:?} -> {:?}", signals(t)))
        .collect();
    assert!(noisy.is_empty(), "{noisy:#?}");
}

#[test]
fn evidence_names_the_words_that_drove_the_class() {
    let text = "pls dont tell ur mom we talk ok";
    let s = model().classify(text);
    assert!(matches!(s.top(), Label::Grooming(_)), "{:?}", s.top());
    let ev = s.evidence(model(), s.top(), 3);
    assert!(!ev.is_empty());
    for e in &ev {
        assert_eq!(&text[e.start..e.end], e.phrase);
        assert!(e.contribution > 0.0);
    }
    let joined: String = ev
        .iter()
        .map(|e| e.phrase.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        ["tell", "mom", "dont"].iter().any(|w| joined.contains(w)),
        "{joined}"
    );
    let fused = signals(text);
    assert!(!fused.evidence.is_empty());
}

#[test]
fn misspellings_keep_the_signal() {
    let cases = [
        "dont tlel ur mum about us",
        "sned me a pic of u in ur bra",
        "i wnat to kill myslef",
        "add me on snpachat",
        "i wnat to die",
        "meet me at the prak after shcool come alone",
    ];
    let missed: Vec<_> = cases.iter().filter(|t| !signals(t).any()).collect();
    // Known misses at the time of writing: "i wnat to kill myslef" and "i wnat to die" (a
    // transposition in a short word shares few character n-grams); a third miss fails.
    assert!(missed.len() <= 2, "{missed:?}");
}

#[test]
fn a_friend_in_crisis_routes_to_peer_support_with_the_classifier_present() {
    // The classifier reads third-person messages as not the writer's risk, so it must not veto
    // the lexicon's reading of a friend in crisis (phrasings not in the corpus).
    let peers = [
        (
            "my mate told me he wants to kill himself",
            SelfHarmLevel::Ideation,
        ),
        (
            "my cousin cut herself again last week",
            SelfHarmLevel::Behaviour,
        ),
        (
            "she tried to kill herself in october",
            SelfHarmLevel::Behaviour,
        ),
        (
            "he says everyone would be better off without him",
            SelfHarmLevel::WishToBeDead,
        ),
        (
            "my sister wishes she was dead and wont eat",
            SelfHarmLevel::WishToBeDead,
        ),
    ];
    for (text, level) in peers {
        let s = signals(text);
        assert_eq!(s.self_harm, None, "not the writer's own: {text:?}");
        assert_eq!(s.peer_self_harm.map(|x| x.0), Some(level), "{text:?}");
    }
    // Someone else's accident, an idiom, the news and a book are not a friend in crisis.
    for text in [
        "he cut himself shaving before the wedding",
        "my dad will kill himself if he sees the bill",
        "the news said the singer killed himself",
        "in the book the main character kills herself",
    ] {
        let s = signals(text);
        assert_eq!((s.self_harm, s.peer_self_harm), (None, None), "{text:?}");
    }
}

#[test]
fn a_disclosed_attempt_in_a_long_post_is_the_writers_level() {
    // The classifier reads this post as benign (the attempt is one sentence of many); the
    // lexicon's first-person act still sets the writer's level.
    let post = "Work has been a mess this month and my landlord keeps raising the rent. I spent \
                the weekend fixing the car with my brother and we watched the game after. Two \
                years ago I tried to kill myself and ended up in the hospital for a week. Anyway \
                the new job starts monday and I have to buy shoes for it.";
    let s = signals(post);
    assert!(
        model().classify(post).self_harm() < preflight::text::model::fusion::LEXICON_VETO_FLOOR
    );
    assert_eq!(s.self_harm.map(|x| x.0), Some(SelfHarmLevel::Behaviour));
    // An act told without a first-person word in it is someone else's, and still vetoed.
    let told = "My neighbour mentioned at the barbecue that the man down the road tried to \
                overdose twice last winter, and the whole street has been bringing food over.";
    assert_eq!(signals(told).self_harm, None);
}

/// The classifier reads little Spanish or Portuguese, so its low grooming probability does not
/// veto a Spanish or Portuguese match of a stage no parent shares words with; pick-ups still
/// are vetoed, as in English.
#[test]
fn spanish_and_portuguese_sexual_questions_are_not_vetoed_but_pick_ups_are() {
    let engine = TextEngine::default_embedded().unwrap();
    let fused = |t: &str| {
        fuse(
            &engine.analyze(t),
            Some(&model().classify(t)),
            Some(model()),
        )
    };
    for t in ["dime que llevas puesto", "e aí, tá na cama?"] {
        let s = fused(t);
        assert!(
            model().classify(t).grooming() < preflight::text::model::fusion::GROOMING_VETO_FLOOR,
            "the classifier now backs {t}: pick another case"
        );
        assert!(
            matches!(s.grooming, Some((GroomingStage::SexualContent, _))),
            "{t}: {s:?}"
        );
    }
    assert!(fused("te paso a buscar a las 5, mamá").grooming.is_none());
}
