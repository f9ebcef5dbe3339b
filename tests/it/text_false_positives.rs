//! False-positive suite: benign look-alikes (the Scunthorpe problem), idioms and hyperbole,
//! negation and ordinary teenage chat must not produce live signals.

use preflight::text::{LexiconSet, ModifierKind, SelfHarmLevel, TextEngine};
use std::sync::OnceLock;

fn engine() -> &'static TextEngine {
    static E: OnceLock<TextEngine> = OnceLock::new();
    E.get_or_init(|| TextEngine::default_english().unwrap())
}

/// Texts that must produce no match at all.
const BENIGN: &[&str] = &[
    // look-alikes containing lexicon patterns
    "Scunthorpe United won 2-0",
    "shiitake and shitake mushrooms",
    "we drove through Essex and Middlesex",
    "the sexton rang the bell, the sextant was on the shelf",
    "sexism in the workplace essay",
    "Penistone is near Sheffield",
    "cocktails in the cockpit with a cockatoo",
    "i need to skill myself up for the exam",
    "the analyst reviewed the analysis",
    "therapist appointment on monday",
    "grapefruit for breakfast",
    "Moby-Dick and Dickens for English class",
    "the bird nods its head",
    // idioms and hyperbole that contain no self-harm entry
    "this homework is killing me",
    "my feet are killing me",
    "i'm dying to see that movie",
    "we killed it at the recital",
    "kill the lights when you leave",
    "let's kill some time before the bus",
    "i nearly died laughing",
    "that cake is to die for",
    "die hard is a christmas movie",
    "the battery died again",
    "my phone is dead",
    "dead tired after practice",
    "i could murder a pizza",
    "the plant died because i forgot to water it",
    // ordinary teenage and family chat
    "tell your parents I said hi",
    "how old is your dog now?",
    "my mum says dinner's ready",
    "can you send the homework file",
    "delete this file please, it's the wrong version",
    "meet me at the library after class",
    "what's the score?",
    "happy birthday!! 🎂🎉",
    "i'll send the picnic details later",
    "we watched a movie about a bridge",
    "my cousin is so mature now that she's at uni",
    "pass me the salt please",
    "the secret ingredient is cinnamon",
];

#[test]
fn benign_texts_do_not_match() {
    let mut fired = Vec::new();
    for t in BENIGN {
        let a = engine().analyze(t);
        if !a.is_empty() {
            fired.push((t, a.matches));
        }
    }
    assert!(fired.is_empty(), "false positives: {fired:#?}");
    assert!(BENIGN.len() >= 40);
}

#[test]
fn negation_discounts_self_harm() {
    for t in [
        "I would never kill myself",
        "i'm not suicidal, just tired",
        "don't worry i'm not going to kill myself",
        "i don't want to die, i want to get better",
    ] {
        let a = engine().analyze(t);
        assert!(
            !a.matches.is_empty(),
            "{t}: the phrase itself should still be found"
        );
        assert!(
            a.matches
                .iter()
                .all(|m| m.is_negated() && m.effective_weight == 0.0),
            "{t}: {:?}",
            a.matches
        );
        assert_eq!(a.self_harm_level(), None, "{t}");
    }
}

#[test]
fn negation_does_not_reach_across_words_or_clauses() {
    // Missing real distress is worse than a false alarm: a distant "not" must not negate.
    for t in [
        "i'm not okay i want to die",
        "not sure anymore. i want to kill myself",
    ] {
        let a = engine().analyze(t);
        assert!(a.self_harm_level().is_some(), "{t}: {:?}", a.matches);
    }
}

#[test]
fn hyperbole_is_discounted() {
    for t in [
        "omg i want to die of embarrassment",
        "i literally want to die lol that was so awkward",
        "if i have to hear that song again i'll kill myself 😂",
    ] {
        let a = engine().analyze(t);
        let m = a.matches.first().unwrap_or_else(|| panic!("{t}: no match"));
        assert!(m.modifiers.contains(&ModifierKind::Hyperbole), "{t}: {m:?}");
        assert!(m.effective_weight < m.weight);
        assert_eq!(a.self_harm_level(), None, "{t}");
    }
}

#[test]
fn third_person_and_help_seeking_reroute() {
    let a = engine().analyze("my friend says she wants to die, what do i do");
    let m = &a.matches[0];
    assert!(m.modifiers.contains(&ModifierKind::ThirdPerson), "{m:?}");
    assert!(m.modifiers.contains(&ModifierKind::HelpSeeking), "{m:?}");
    assert_eq!(a.self_harm_level(), None, "not the writer's own level");
    assert!(a.support_suggested());

    // A first-person word after the third-person cue brings it back to the writer.
    let a = engine().analyze("she said i want to kill myself sometimes and she's right");
    assert_eq!(a.self_harm_level(), Some(SelfHarmLevel::Ideation));
}

#[test]
fn safelist_solves_scunthorpe_for_substring_entries() {
    // A profanity lexicon with substring matching, on top of the English safelist.
    let mut set = LexiconSet::english().unwrap();
    set.add_toml(
        "profanity.toml",
        r#"
[lexicon]
name = "test-profanity"
language = "en"
category = "sexual"

[[entry]]
id = "prof.shit"
pattern = "shit"
boundary = "none"
"#,
    )
    .unwrap();
    let e = TextEngine::compile(&set).unwrap();
    assert!(e.analyze("shiitake risotto").is_empty());
    assert!(e.analyze("shitake risotto").is_empty());
    assert!(e.analyze("I live in Scunthorpe").is_empty());
    assert_eq!(e.analyze("this is shit").matches.len(), 1);
    assert_eq!(e.analyze("bullshitter").matches.len(), 1);
    // The substring outside a safelisted word still fires.
    assert_eq!(e.analyze("what a cunt").matches.len(), 1);
}
