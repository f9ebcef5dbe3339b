//! Conversation timing with the classifier: alerts come at or near the first concerning
//! message, the child's own disclosures count, single sexual words or "how old are you" do
//! not alert, self-harm warns on the message that carries it and fades, and v1 state imports.

use crate::common;

use common::committed_model_conversations as conversations;
use preflight::text::{AgeBand, Direction};

/// Index of the first alerting message.
fn first_alert(lines: &[(Direction, &str)], age: AgeBand) -> Option<usize> {
    let c = conversations();
    lines
        .iter()
        .map(|(d, t)| c.observe("c", *d, age, t).grooming_alert)
        .position(|a| a)
}

use Direction::{Received as R, Sent as S};

#[test]
fn offender_chat_alerts_within_two_messages_of_the_first_concern() {
    let chat = [
        (R, "hey saw ur drawings on the server theyre so good"),
        (S, "thx!!"),
        (R, "how old r u"),
        (S, "13"),
        (R, "cool. r ur parents home rn"),
        (S, "no my mom is at work"),
        (R, "dont tell her about me ok, its our secret"), // first concerning: 6
        (S, "ok"),
        (R, "send me a pic of u in ur pjs"),
        (S, "why"),
    ];
    let at = first_alert(&chat, AgeBand::Age13To15).expect("no alert");
    assert!(at <= 8, "alert at {at}");
    assert!(at >= 4, "alert at {at}, before anything concerning");
}

#[test]
fn the_childs_own_disclosure_alerts() {
    let chat = [
        (R, "hey whats up"),
        (S, "nothing much"),
        (S, "a 24 year old guy wants to meet me"),
        (R, "wait what"),
        (S, "he said not to tell my mom"),
    ];
    let at = first_alert(&chat, AgeBand::Age13To15).expect("disclosure never alerted");
    assert!(at <= 4, "alert at {at}");
}

#[test]
fn adult_sexting_and_age_questions_do_not_alert() {
    let sexting = [
        (R, "miss you babe"),
        (S, "miss you too, cant wait for tonight"),
        (R, "i want you so bad right now"),
        (S, "i'm so horny thinking about you"),
        (R, "wear the red lingerie for me"),
        (S, "only if you come home early 😘"),
    ];
    assert_eq!(first_alert(&sexting, AgeBand::Adult), None);
    let asl = [
        (R, "asl?"),
        (S, "14 f u"),
        (R, "15 m lol"),
        (R, "how old r u"),
        (S, "14"),
        (R, "cool what games do u play"),
    ];
    assert_eq!(first_alert(&asl, AgeBand::Age13To15), None);
}

#[test]
fn self_harm_is_reported_on_its_message_and_fades() {
    let c = conversations();
    let a = c.observe("s", S, AgeBand::Age13To15, "i want to kill myself");
    assert!(a.self_harm_level.is_some() && a.support_suggested);
    for t in ["lol fine", "bye"] {
        let a = c.observe("s", S, AgeBand::Age13To15, t);
        assert_eq!(a.self_harm_level, None, "{t}");
        assert!(!a.support_suggested, "{t}");
        assert!(a.recent_self_harm_level.is_some(), "context is kept");
    }
}

#[test]
fn version_1_state_is_migrated() {
    let c = conversations();
    c.observe("m", R, AgeBand::Age13To15, "dont tell ur mom about us");
    let v2 = c.export_state("m").unwrap().unwrap();
    assert!(v2.contains("version = 2"), "{v2}");
    // A version 1 document: no age-gap fields.
    let v1: String = v2
        .replace("version = 2", "version = 1")
        .lines()
        .filter(|l| {
            !l.starts_with("adult_age_seen")
                && !l.starts_with("minor_age_seen")
                && !l.starts_with("age_gap")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let c2 = conversations();
    assert_eq!(c2.import_state(&v1).unwrap(), "m");
    let a = c2.assessment("m").unwrap();
    assert!(!a.age_gap);
    assert!(c2
        .import_state(&v2.replace("version = 2", "version = 3"))
        .is_err());
}
