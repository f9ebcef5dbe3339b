//! Conversation timing with the classifier: alerts come at or near the first concerning
//! message, the child's own disclosures count, single sexual words or "how old are you" do
//! not alert, self-harm warns on the message that carries it and fades, v1 state imports, and
//! the signs of a minor (near-peer ages are no age gap, child-life talk, a stated child age, a
//! caregiver's whereabouts, checking that the child is alone, the adult's worry about the age
//! difference) weigh the risk; distinct contact moves weigh more than one repeated, and an age gap
//! weighs with the concerning stages beside it.

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

/// The state after `lines`, all received (a transcript: the local user's age unknown).
fn after(lines: &[&str], age: AgeBand) -> preflight::text::ConversationAssessment {
    let c = conversations();
    let mut last = None;
    for t in lines {
        last = Some(c.observe("t", R, age, t));
    }
    last.expect("at least one line")
}

#[test]
fn an_age_gap_needs_years_between_the_ages() {
    assert!(after(&["asl?", "im 14 f", "im 25 m"], AgeBand::Unknown).age_gap);
    // Near-peers: "17" and "19" state a minor and an adult, but no gap.
    assert!(!after(&["asl?", "im 17 f", "im 19 m"], AgeBand::Unknown).age_gap);
    assert!(after(&["im 19 btw"], AgeBand::Age13To15).age_gap);
    assert!(!after(&["im 19 btw"], AgeBand::Age16To17).age_gap);
    assert!(after(&["im 24 btw"], AgeBand::Age16To17).age_gap);
}

const SEXUAL: [&str; 3] = [
    "i want you so bad right now",
    "im so horny thinking about you",
    "tell me what ur wearing",
];

#[test]
fn signs_of_a_child_make_sexual_chat_grooming() {
    let with = |opening: &[&str]| {
        let lines: Vec<&str> = opening.iter().chain(SEXUAL.iter()).copied().collect();
        after(&lines, AgeBand::Unknown).grooming_raw
    };
    let child = with(&[
        "my mom is at work till 9",
        "i have homework lol",
        "im grounded this week",
    ]);
    let adult = with(&[
        "work was so long today",
        "i have laundry lol",
        "im tired this week",
    ]);
    let one_cue = with(&[
        "i have homework lol",
        "work was so long",
        "im tired this week",
    ]);
    assert!(
        child > one_cue && one_cue > adult,
        "{child} {one_cue} {adult}"
    );
    let p = |raw: f32| preflight::text::conversation::calibrate(raw);
    let alert = preflight::text::conversation::DEFAULT_ALERT_RISK;
    assert!(p(adult) < alert, "adults' sexting alerted: {adult}");
}

#[test]
fn a_stated_child_age_counts_more_than_an_older_teens() {
    let with = |age: &str| {
        let lines: Vec<&str> = [age].iter().chain(SEXUAL.iter()).copied().collect();
        after(&lines, AgeBand::Unknown).grooming_raw
    };
    let (fourteen, seventeen) = (with("im 14"), with("im 17"));
    assert!(fourteen > seventeen, "{fourteen} {seventeen}");
}

/// The raw risk after `t` and the sexual lines, all received, the local user's age unknown.
fn raw_before_sexual(t: &str) -> f32 {
    let lines: Vec<&str> = [t].iter().chain(SEXUAL.iter()).copied().collect();
    after(&lines, AgeBand::Unknown).grooming_raw
}

#[test]
fn a_caregivers_whereabouts_and_age_talk_are_signs_of_a_child() {
    let raw = raw_before_sexual;
    // "folks" is no child-life word: only its whereabouts make it a cue.
    let near_miss = raw("so are ur folks nice or strict");
    for t in [
        "so are ur folks at work again tonight",
        "ur so mature for your age",
        "this older guy keeps messaging me",
    ] {
        let cue = raw(t);
        assert!(cue > near_miss, "{t}: {cue} <= {near_miss}");
    }
    assert!(raw("i love your agenda") <= near_miss);
}

#[test]
fn checking_that_the_child_is_alone_is_a_sign_of_a_child() {
    let raw = raw_before_sexual;
    // "leave u alone" is no check for supervision; a grandparent's whereabouts is one.
    let near_miss = raw("ok ill leave u alone then");
    for t in [
        "so r u alone rn",
        "can u sneak out tonight",
        "my gma is asleep finally",
    ] {
        let cue = raw(t);
        assert!(cue > near_miss, "{t}: {cue} <= {near_miss}");
    }
    // "folks" is no child-life word (a grandparent is one, like mum: a mention alone is a
    // cue, see `conversation::MessageCues`).
    assert!(raw("my folks make the best pie") <= near_miss);
}

#[test]
fn distinct_contact_moves_weigh_more_than_one_repeated() {
    let raw = |lines: &[&str]| after(lines, AgeBand::Age13To15).grooming_raw;
    // Meeting plans, touch and attachment together: a plan to meet in person.
    let plan = raw(&[
        "cant wait till u get here",
        "i wanna kiss u so bad",
        "i miss you so much",
    ]);
    // The same number of messages with one kind only.
    let one_kind = raw(&["i miss you so much", "miss u lots", "i missed you today"]);
    assert!(plan > one_kind + 0.2, "{plan} <= {one_kind}");
}

#[test]
fn attachment_builds_trust_but_alone_never_alerts() {
    let raw = |lines: &[&str]| {
        let a = after(lines, AgeBand::Age13To15);
        assert!(!a.grooming_alert, "{lines:?}: {}", a.grooming_raw);
        a.grooming_raw
    };
    // "did you miss me", "i miss you so much": binding by attachment, the long relationship
    // talk of real offenders' chats, is trust building evidence of its own.
    let attached = raw(&["i miss you so much", "did u miss me", "i missed you today"]);
    let near_miss = raw(&["i missed the bus", "did u see the game", "i saw it today"]);
    assert!(attached > near_miss, "{attached} <= {near_miss}");
}

#[test]
fn an_age_gap_weighs_with_what_comes_beside_it() {
    // Ages exchanged and small talk: an age gap, but nothing of concern beside it.
    let talk = after(
        &["asl", "im 14 f", "im 26 m", "cool what games do u play"],
        AgeBand::Unknown,
    );
    assert!(
        talk.age_gap && !talk.grooming_alert,
        "{}",
        talk.grooming_raw
    );
    // The same gap beside a secret is grooming.
    let secret = after(
        &["asl", "im 14 f", "im 26 m", "dont tell ur mom about us ok"],
        AgeBand::Unknown,
    );
    assert!(secret.grooming_alert, "{}", secret.grooming_raw);
}

#[test]
fn the_adults_worry_about_the_age_difference_is_a_sign_of_a_child() {
    let raw = raw_before_sexual;
    let near_miss = raw("its just the weather thing lol");
    for t in ["its just the age thing", "me being older than you"] {
        let cue = raw(t);
        assert!(cue > near_miss, "{t}: {cue} <= {near_miss}");
    }
}

#[test]
fn contact_counts_out_of_range_are_refused_on_import() {
    let c = conversations();
    c.observe("k", R, AgeBand::Age13To15, "r u alone? i can come get u");
    let doc = c.export_state("k").unwrap().unwrap();
    assert!(doc.contains("contact_counts"), "{doc}");
    assert!(conversations().import_state(&doc).is_ok());
    let line = doc
        .lines()
        .find(|l| l.starts_with("contact_counts"))
        .unwrap();
    let bad = doc.replace(line, "contact_counts = [99.0, 0.0, 0.0, 0.0, 0.0]");
    let err = conversations().import_state(&bad).unwrap_err().to_string();
    assert!(err.contains("contact counts"), "{err}");
}
