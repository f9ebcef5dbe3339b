//! The graded own self-harm score (`MessageSignals::own_self_harm_score`,
//! `fusion::graded_own_self_harm`): it agrees with the signal where there is one, stays below
//! the threshold where there is none, is 0 where a context cue or the person reading makes the
//! message not the writer's own, and ranks distress above everyday talk.

use crate::text_model_behaviour::model;
use preflight::text::model::fusion::{fuse, graded_own_self_harm};
use preflight::text::TextEngine;
use std::sync::OnceLock;

fn engine() -> &'static TextEngine {
    static E: OnceLock<TextEngine> = OnceLock::new();
    E.get_or_init(|| TextEngine::default_english().unwrap())
}

fn graded(text: &str) -> f32 {
    graded_own_self_harm(engine(), Some(model()), text)
}

const MIXED: [&str; 12] = [
    "i want to kill myself",
    "i just want to die honestly",
    "tired of everything, nothing is ever going to change",
    "why am i even still here",
    "i want to go to the beach this weekend",
    "making pasta tonight",
    "kms this wifi is so slow",
    "i never thought about suicide tbh",
    "how do i help someone who is suicidal",
    "we learned about suicide prevention in health class",
    "so tired after work, going to bed",
    "i hate mondays",
];

#[test]
fn the_graded_score_agrees_with_the_signal_and_stays_below_the_threshold_without_one() {
    let threshold = model().thresholds()[1];
    for text in MIXED {
        let scores = model().classify(text);
        let s = fuse(&engine().analyze(text), Some(&scores), Some(model()));
        assert!((0.0..=1.0).contains(&s.own_self_harm_score), "{text}");
        match s.self_harm {
            Some((_, score)) => assert_eq!(s.own_self_harm_score, score, "{text}"),
            None => assert!(s.own_self_harm_score < threshold, "{text}"),
        }
    }
}

#[test]
fn context_cues_and_the_person_reading_grade_zero() {
    let nonzero: Vec<(&str, f32)> = [
        "i never thought about suicide tbh",
        "how do i help someone who is suicidal",
        "my friend told me she wants to kill herself",
        "years ago i wanted to kill myself, therapy got me through it",
    ]
    .into_iter()
    .map(|t| (t, graded(t)))
    .filter(|x| x.1 != 0.0)
    .collect();
    assert!(nonzero.is_empty(), "{nonzero:?}");
}

#[test]
fn distress_ranks_above_everyday_talk() {
    let distress = ["i want to kill myself", "i just want to die honestly"]
        .map(graded)
        .into_iter()
        .fold(f32::INFINITY, f32::min);
    let everyday = [
        "i want to go to the beach this weekend",
        "making pasta tonight",
        "i hate mondays",
        "kms this wifi is so slow",
    ]
    .map(graded)
    .into_iter()
    .fold(0.0, f32::max);
    assert!(
        distress > everyday,
        "distress {distress} vs everyday {everyday}"
    );
    assert!(distress >= model().thresholds()[1]);
}

#[test]
fn without_a_classifier_only_a_first_person_lexicon_level_grades() {
    let e = engine();
    assert_eq!(graded_own_self_harm(e, None, "i want to kill myself"), 1.0);
    assert_eq!(graded_own_self_harm(e, None, "making pasta tonight"), 0.0);
    assert_eq!(
        graded_own_self_harm(e, None, "kms this wifi is so slow"),
        0.0
    );
}

#[test]
fn a_joking_tone_tones_the_grade_down_where_a_negation_clears_it() {
    let plain = graded("i just want to die honestly");
    let joking = graded("i just want to die honestly lol");
    assert!(
        joking > 0.0 && joking < plain,
        "joking {joking} vs plain {plain}"
    );
    assert!(
        joking <= model().thresholds()[1] * preflight::text::model::fusion::TONED_DOWN_GRADE,
        "{joking}"
    );
    assert_eq!(graded("i would never kill myself, i want to live"), 0.0);
}

#[test]
fn one_sentence_of_despair_in_a_long_post_is_not_diluted() {
    let sentence = "why am i even still here.";
    let post = format!(
        "had pasta for lunch. the bus was late again. my cat knocked a plant over. \
         work was long and boring and the printer broke twice. {sentence}"
    );
    let (s, p) = (graded(sentence), graded(&post));
    assert!(s > 0.0 && p >= s, "post {p} vs its sentence {s}");
    // The same sentence quoted in a message about someone else is not the writer's.
    let about_her = format!(
        "my friend sent me this tonight. she wrote {sentence} i'm worried about her, what do i do"
    );
    assert_eq!(graded(&about_her), 0.0);
}

/// Where the lexicon reads the writer's own level and the classifier vetoes it, the message
/// ranks just below the threshold (`VETOED_LEXICON_GRADE`), above what the classifier alone
/// reads below it, and still carries no signal.
#[test]
fn a_vetoed_lexicon_level_ranks_just_below_the_threshold() {
    use preflight::text::model::fusion::VETOED_LEXICON_GRADE;
    let threshold = model().thresholds()[1];
    let candidates = [
        "my work schedule for next week makes me want to die",
        "all comedians want to be dead",
        "tired of living with childish people",
        "you're probably better off without me",
    ];
    let mut vetoed = 0;
    for text in candidates {
        let analysis = engine().analyze(text);
        let s = fuse(&analysis, Some(&model().classify(text)), Some(model()));
        assert!(analysis.self_harm_level().is_some(), "no own level: {text}");
        if s.self_harm.is_none() {
            vetoed += 1;
            let floor = threshold * VETOED_LEXICON_GRADE;
            assert!(
                s.own_self_harm_score >= floor,
                "{text}: {}",
                s.own_self_harm_score
            );
            assert!(s.own_self_harm_score < threshold, "{text}");
        }
    }
    assert!(vetoed > 0, "the classifier vetoed none of the candidates");
    // A classifier-only reading below the threshold with no lexicon level stays under the floor.
    let plain = "so tired after work, going to bed";
    assert!(engine().analyze(plain).self_harm_level().is_none());
    assert!(
        graded(plain) < threshold * VETOED_LEXICON_GRADE,
        "{}",
        graded(plain)
    );
}
