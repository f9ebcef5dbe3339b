//! Context read with the classifier (session 4): a lexicon grooming match the classifier reads
//! as everyday talk is not a signal on its own but still adds up over a conversation; a
//! self-harm score the lexicon did not attribute is a peer's when the message is about or
//! addressed to someone else; in an adult chat, sexual talk adds grooming evidence only at the
//! sexual factor, so its raw risk stays under the no-minor cap, and such chats stay ordered
//! (meeting and secrecy above sexual words) instead of tying at the cap.

use crate::common;

use common::committed_model_conversations as conversations;
use preflight::text::conversation::{lexicon_backing, soft_cap, NO_MINOR_CAP};
use preflight::text::{AgeBand, Direction};

#[test]
fn backing_and_soft_cap_are_monotone_and_bounded() {
    assert_eq!(lexicon_backing(0.9), 1.0);
    assert!(lexicon_backing(0.0) < lexicon_backing(0.2));
    assert!(lexicon_backing(0.29) <= 0.5);
    let (a, b) = (soft_cap(0.5, NO_MINOR_CAP), soft_cap(3.0, NO_MINOR_CAP));
    assert!(a < b && b < NO_MINOR_CAP, "{a} {b}");
    assert!((soft_cap(0.01, NO_MINOR_CAP) - 0.01).abs() < 1e-3);
}

#[test]
fn everyday_logistics_alone_are_no_signal_but_the_words_still_count() {
    let c = conversations();
    let a = c.observe(
        "p",
        Direction::Received,
        AgeBand::Age13To15,
        "grandma will pick you up after school, wait by the office",
    );
    assert!(a.signals.grooming.is_none(), "{:?}", a.signals);
    assert!(
        a.grooming_risk < preflight::text::conversation::DEFAULT_REPORT_RISK,
        "{}",
        a.grooming_risk
    );
    // The same words beside secrecy and an age gap still make a concerning chat.
    let g = conversations();
    for t in [
        "im 27 btw",
        "i can pick you up after school",
        "dont tell your mom about me ok, its our secret",
    ] {
        g.observe("g", Direction::Received, AgeBand::Age13To15, t);
    }
    assert!(g.assessment("g").unwrap().grooming_alert);
}

#[test]
fn a_classifier_only_self_harm_score_about_someone_else_is_a_peers() {
    let c = conversations();
    let own = c.observe(
        "o",
        Direction::Sent,
        AgeBand::Age16To17,
        "honestly everyone would be better off without me",
    );
    assert!(own.self_harm_level.is_some(), "{:?}", own.signals);
    for other in [
        "he keeps telling everyone they would be better off without him",
        "please stay, you matter, you are not alone and you can call someone tonight, you hear me",
    ] {
        let a = c.observe("x", Direction::Sent, AgeBand::Age16To17, other);
        assert!(a.self_harm_level.is_none(), "{other}: {:?}", a.signals);
    }
}

#[test]
fn adult_sexting_stays_under_the_cap_and_chats_stay_ordered() {
    let sexting = conversations();
    let meeting = conversations();
    for t in [
        "i want you so bad right now",
        "send me something sexy",
        "i'm naked in bed waiting",
    ] {
        sexting.observe("s", Direction::Received, AgeBand::Unknown, t);
    }
    for t in [
        "let's meet at the park, just you",
        "don't tell anyone we talk",
        "delete this chat after",
    ] {
        meeting.observe("m", Direction::Received, AgeBand::Unknown, t);
    }
    let s = sexting.assessment("s").unwrap();
    let m = meeting.assessment("m").unwrap();
    assert!(!s.grooming_alert && !m.grooming_alert);
    assert!(s.grooming_raw < NO_MINOR_CAP && m.grooming_raw < NO_MINOR_CAP);
    assert!(m.grooming_raw > s.grooming_raw, "{m:?} vs {s:?}");
}

#[test]
fn censored_words_farewell_formulas_and_spanish_verbs_keep_the_writers_level() {
    let c = conversations();
    for (i, own) in [
        // The classifier cannot read "s**cide": it does not veto the lexicon's plan.
        "s**cide note is done, doing it sunday",
        // "thank you all" names the reader, but the goodbye is the writer's.
        "thank you all for everything, this is goodbye",
        // Spanish drops the subject: "ya" is "anymore", "he" is "i have".
        "ya no quiero estar vivo, ojalá no despertara mañana",
        "he estado pensando en quitarme la vida",
        // "od": the overdose abbreviation, in the lexicon and the corpus.
        "i might take an od tonight",
        "gonna od tonight",
    ]
    .into_iter()
    .enumerate()
    {
        let a = c.observe(&format!("o{i}"), Direction::Sent, AgeBand::Age13To15, own);
        assert!(a.self_harm_level.is_some(), "{own}: {:?}", a.signals);
    }
    for (i, other) in [
        "thank you so much, you're the best",
        "k*ll me lol this homework",
        "no me quiero morir, solo estoy estresada",
    ]
    .into_iter()
    .enumerate()
    {
        let a = c.observe(&format!("x{i}"), Direction::Sent, AgeBand::Age13To15, other);
        assert!(a.self_harm_level.is_none(), "{other}: {:?}", a.signals);
    }
}

#[test]
fn discussion_reads_across_languages_and_spanish_negation_reaches_past_the_thought() {
    // Every embedded lexicon, as the scanner loads them: the cue and the match may come from
    // different languages' files.
    let c = common::committed_model_conversations_with(
        preflight::text::TextEngine::default_embedded().expect("lexicons"),
    );
    for (i, other) in [
        // "suicidio" is a Portuguese entry; the Spanish essay cue still makes it a discussion.
        "tengo que hacer un trabajo sobre el suicidio en la literatura",
        "fiz uma redação sobre suicídio para a escola",
        "no, nunca he pensado en hacerme daño, solo estoy estresada",
        "nunca pensei em me matar, só tô cansada",
        // A count or an exclamation mark beside the words is not censoring.
        "at 3am my mom yelled, i'm so dead lol",
    ]
    .into_iter()
    .enumerate()
    {
        let a = c.observe(&format!("d{i}"), Direction::Sent, AgeBand::Age13To15, other);
        assert!(a.self_harm_level.is_none(), "{other}: {:?}", a.signals);
    }
    for (i, own) in [
        "i swallowed everything in the medicine cabinet",
        "burned myself with a lighter again just to feel something",
        "hoping i dont wake up tomorrow",
        "i won't be around much longer",
    ]
    .into_iter()
    .enumerate()
    {
        let a = c.observe(&format!("o{i}"), Direction::Sent, AgeBand::Age13To15, own);
        assert!(a.self_harm_level.is_some(), "{own}: {:?}", a.signals);
    }
}
