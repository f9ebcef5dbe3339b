//! Whose self-harm a message is about, read from its grammatical person: the classifier sees
//! "she keeps saying she wants to die" and "i want to die" alike, so a message the lexicon did
//! not attribute needs this reading before its self-harm score can count as the writer's own.
//!
//! A message is about the writer unless it has no first-person word at all and names someone
//! else (third person: "he", "my friend"; second person: "you", "ur"), or it is a reply
//! addressed to someone else: at least [`ADDRESSED_MIN`] second-person words and three times
//! as many as first-person ones ("you're not alone, i'm here, please call someone, you
//! matter"), or a supportive reply: a support phrase ("you should talk to someone", "if you
//! ever need", "hang in there") with at least two second-person words and no more first-person
//! ones. "my" ("mi", "meu", "minha") counts as first person ("my life is miserable") except
//! right before a word that names someone else ("my friend", "mi amiga": a third person). A message that tells
//! only of the writer's own *past*, recovered experience ("years ago i was suicidal too, therapy
//! helped me", "i used to cut, 2 years clean") is [`Person::Past`], unless it also speaks of
//! now: a word of the present ("still", "again", "lately", "tonight"), or, when nothing in it
//! says the writer got better, a present-tense first-person statement ("i used to have goals,
//! now every day i feel worse": a past told as a contrast to today's distress). English, Spanish
//! and Portuguese word lists; the first 4 KiB are read.
//!
//! [`lexicon_level_is_writers`] tells whether a lexicon level is first person in its own words
//! ("kill myself", "i want to die"): a level read from a bare topic word ("suicide") in a reply
//! addressed to someone else is theirs, not the writer's. [`own_reading`] combines the two for
//! a message's self-harm signal: where no first-person lexicon level carries it (the
//! classifier's alone), a message of several sentences is read by the sentence that holds the
//! classifier's strongest self-harm evidence ("I know how that feels. You have to stay alive
//! for them.": the second sentence is addressed to someone else). Two past readings there: a
//! disclosed act of the writer's own ("two years ago i tried to kill myself") is held as the
//! writer's unless the message says it is over (a past attempt is the strongest known risk
//! factor), and a reply to someone else that tells the writer's past as over ("i tried at 16,
//! it got better, you deserve to be happy") is told for the reader, not the writer's own level.
//!
//! ```
//! use preflight::text::person::{read_person, Person};
//! assert_eq!(read_person("i want to die"), Person::Writer);
//! assert_eq!(read_person("she keeps saying she wants to die"), Person::Other);
//! assert_eq!(read_person("life is not worth it"), Person::Writer);
//! ```

use crate::text::matcher::MessageAnalysis;
use crate::text::model::fusion::MessageSignals;
use crate::text::model::Label;
use crate::text::types::SelfHarmLevel;

/// Longest prefix read, in bytes.
const MAX_BYTES: usize = 4096;
/// Second-person words from which a reply counts as addressed to someone else.
pub const ADDRESSED_MIN: usize = 3;

/// Who a message's self-harm content is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Person {
    /// The writer (also when the message names nobody).
    Writer,
    /// Someone else: a third person, or the person the reply is addressed to.
    Other,
    /// The writer's own past, told as over ("when i was 15 i felt the same, it got better").
    Past,
}

/// Phrases of a supportive reply addressed to someone (matched on the lowercased text with
/// straight apostrophes; apostrophe-less spellings included).
const SUPPORT: [&str; 35] = [
    "you should",
    "have you tried",
    "have you talked",
    "have you thought",
    "if you ever",
    "if you need",
    "if you want to talk",
    "talk to someone",
    "reach out",
    "i hope you",
    "here for you",
    "message me",
    "you deserve",
    "you matter",
    "you're not alone",
    "youre not alone",
    "you are not alone",
    "hang in there",
    "don't give up",
    "dont give up",
    "stay safe",
    "let us know",
    "good luck",
    "you can get through",
    "you will get through",
    "it gets better",
    "it will get better",
    "i've been there",
    "ive been there",
    "i have been there",
    "please talk to",
    "please reach out",
    "please call",
    "you are loved",
    "you're loved",
];

/// Phrases that place the writer's experience in the past.
const PAST: [&str; 24] = [
    "last year",
    "a year ago",
    "after my attempt",
    "back in 20",
    "when i was",
    "years ago",
    "i used to",
    "back when",
    "back then",
    "i went through",
    "got me through",
    "helped me",
    "recovered",
    "clean for",
    "i was where you are",
    "i was in the same",
    "i remember feeling",
    "cuando tenía",
    "eu já passei",
    "years clean",
    "months clean",
    "got better",
    "made it through",
    "i survived",
];

/// Phrases that say the writer got better: a past with one of these is over even if the
/// message speaks in the present ("i used to cut, i'm 2 years clean now").
const RECOVERED: [&str; 19] = [
    "i got help",
    "i'm doing better",
    "im doing better",
    "i'm in recovery",
    "im in recovery",
    "recovered",
    "clean for",
    "years clean",
    "months clean",
    "got better",
    "it gets better",
    "helped me",
    "got me through",
    "made it through",
    "i survived",
    "i'm glad",
    "im glad",
    "i'm better",
    "im better",
];

/// Present-tense first-person openings that bring a past told without recovery back to now.
const PRESENT: [&str; 15] = [
    "now i",
    "i feel",
    "i dont feel",
    "i don't feel",
    "i just want",
    "i just wanna",
    "i hate",
    "i'm so",
    "im so",
    "i am so",
    "i'm tired",
    "im tired",
    "every day",
    "everyday",
    "every night",
];

/// Words and present-tense first-person phrases that bring a past story back to now.
const NOW: [&str; 24] = [
    "still",
    "relapsed",
    "relapse",
    "again",
    "anymore",
    "lately",
    "tonight",
    "today",
    "right now",
    "rn",
    "these days",
    "i want",
    "i wanna",
    "i keep",
    "i can't",
    "i cant",
    "i don't want",
    "i dont want",
    "i need to",
    "i'm going to",
    "im going to",
    "i'm gonna",
    "todavía",
    "ainda",
];

fn contains_any(text: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| {
        text.match_indices(p).any(|(i, _)| {
            let before = text.get(..i).and_then(|t| t.chars().next_back());
            let after = text.get(i + p.len()..).and_then(|t| t.chars().next());
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

const FIRST: [&str; 17] = [
    "i", "im", "i'm", "ive", "i've", "i'd", "i'll", "me", "myself", "mine", "yo", "eu", "mim",
    "comigo", "conmigo", "estoy", "estou",
];
/// Spanish and Portuguese drop the subject pronoun: the verb names the writer ("quiero morir",
/// "voy a matarme", "he intentado", "quero sumir"). These first-person singular forms of the
/// verbs self-harm talk uses count as first-person words in a Spanish or Portuguese message
/// ([`romance`]); in English "he" is a third person, so it is read this way only there.
/// ("estoy" and "estou" are in [`FIRST`] already, read in every language.)
const FIRST_VERBS_ES_PT: [&str; 63] = [
    "quiero", "voy", "tengo", "puedo", "siento", "soy", "necesito", "pienso", "odio", "aguanto",
    "sé", "hice", "intenté", "tomé", "corté", "decidí", "he", "hago", "estaba", "quería", "podía",
    "tenía", "sentía", "prefiero", "merezco", "sirvo", "valgo", "aguanté", "pensé", "busqué",
    "compré", "escribí", "quisiera", "iré", "muero", "quero", "vou", "tenho", "posso", "sinto",
    "sou", "preciso", "penso", "odeio", "aguento", "sei", "fiz", "tentei", "tomei", "cortei",
    "decidi", "faço", "queria", "podia", "tinha", "sentia", "prefiro", "mereço", "pensei",
    "comprei", "escrevi", "vivo", "aguentei",
];
/// Words only Spanish or Portuguese use (none of them an English word), and words only English
/// uses: a message with more of the first is read as Spanish or Portuguese ([`romance`]).
const ES_PT_WORDS: [&str; 40] = [
    "que", "ya", "la", "el", "los", "las", "por", "para", "con", "una", "pero", "porque", "nada",
    "todo", "mañana", "hoy", "quiero", "estoy", "muy", "más", "não", "nao", "com", "uma", "mas",
    "hoje", "amanhã", "vou", "quero", "estou", "muito", "vida", "mais", "já", "eso", "isso",
    "esto", "isto", "del", "lo",
];
const EN_WORDS: [&str; 28] = [
    "the", "and", "to", "is", "it", "of", "that", "this", "i", "my", "you", "im", "i'm", "dont",
    "don't", "just", "so", "what", "have", "be", "was", "are", "with", "for", "want", "can",
    "like", "not",
];

/// True if the words of `lower` read as Spanish or Portuguese rather than English: more
/// [`ES_PT_WORDS`] than [`EN_WORDS`], and at least one.
fn romance(lower: &str) -> bool {
    let (mut es_pt, mut en) = (0usize, 0usize);
    for w in words(lower) {
        if ES_PT_WORDS.contains(&w) {
            es_pt += 1;
        } else if EN_WORDS.contains(&w) {
            en += 1;
        }
    }
    es_pt > en
}

/// First-person possessives: first person unless the next word names someone else.
const POSSESSIVE: [&str; 7] = ["my", "mi", "mis", "meu", "minha", "meus", "minhas"];
const SECOND: [&str; 19] = [
    "you", "your", "you're", "youre", "yourself", "yours", "u", "ur", "ya", "you'll", "youll",
    "you've", "youve", "you'd", "tú", "tu", "você", "voce", "vc",
];
/// "my" before one of these names someone else ("my friend"); elsewhere it is first person.
const THIRD_NOUNS: [&str; 22] = [
    "friend",
    "friends",
    "sister",
    "brother",
    "mate",
    "cousin",
    "girlfriend",
    "boyfriend",
    "son",
    "daughter",
    "bestie",
    "mom",
    "mum",
    "dad",
    "mother",
    "father",
    "bf",
    "gf",
    "bff",
    "classmate",
    "roommate",
    "partner",
];
const THIRD: [&str; 36] = [
    "he",
    "she",
    "they",
    "hes",
    "he's",
    "shes",
    "she's",
    "they're",
    "theyre",
    "him",
    "her",
    "them",
    "himself",
    "herself",
    "themselves",
    "friend",
    "friends",
    "sister",
    "brother",
    "mate",
    "cousin",
    "girlfriend",
    "boyfriend",
    "son",
    "daughter",
    "bestie",
    "él",
    "ella",
    "amigo",
    "amiga",
    "hermano",
    "hermana",
    "ele",
    "ela",
    "irmão",
    "irmã",
];

/// `t` lowercased, the typographic apostrophe folded to `'`: the form every list here is in.
fn fold(t: &str) -> String {
    t.to_lowercase().replace('’', "'")
}

/// The first [`MAX_BYTES`] of `text` (cut at a character boundary), [`fold`]ed.
fn folded_prefix(text: &str) -> String {
    let mut end = text.len().min(MAX_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    fold(text.get(..end).unwrap_or(""))
}

/// The words of [`fold`]ed text: runs of letters, digits and apostrophes.
fn words(lower: &str) -> impl DoubleEndedIterator<Item = &str> {
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
}

/// Reads the grammatical person of `text` (see the module docs).
pub fn read_person(text: &str) -> Person {
    person_of(&folded_prefix(text))
}

/// [`read_person`] of text already [`folded_prefix`]ed.
fn person_of(lower: &str) -> Person {
    let (mut first, mut second, mut third) = (0usize, 0usize, 0usize);
    let romance = romance(lower);
    let mut words = words(lower).peekable();
    let mut last: Option<&str> = None;
    while let Some(w) = words.next() {
        let prev = last.replace(w);
        if romance && FIRST_VERBS_ES_PT.contains(&w) {
            first += 1;
        } else if romance && w == "ya" {
            // Spanish "ya" ("already", "anymore"), not the English "ya" of "love ya".
        } else if POSSESSIVE.contains(&w) {
            if !words
                .peek()
                .is_some_and(|n| THIRD_NOUNS.contains(n) || THIRD.contains(n))
            {
                first += 1;
            }
        } else if FIRST.contains(&w) {
            first += 1;
        } else if SECOND.contains(&w) {
            // "thank you all", "love you guys": a formula of farewell or thanks, which names
            // the reader without making the message about them ("thank you for everything,
            // this is goodbye").
            if !(matches!(w, "you" | "u" | "ya") && matches!(prev, Some("thank" | "love"))) {
                second += 1;
            }
        } else if THIRD.contains(&w) {
            third += 1;
        }
    }
    let names_other = first == 0 && second + third > 0;
    let addressed = second >= ADDRESSED_MIN && second >= 3 * first;
    let supportive = second >= 2 && second >= first && contains_any(lower, &SUPPORT);
    if names_other || addressed || supportive {
        Person::Other
    } else if recovered_past(lower)
        || (contains_any(lower, &PAST)
            && !contains_any(lower, &NOW)
            && !contains_any(lower, &PRESENT))
    {
        Person::Past
    } else {
        Person::Writer
    }
}

/// Words before a lexicon match, in its sentence, searched for a first-person word.
const OWNER_WINDOW: usize = 3;

fn first_person_word(w: &str) -> bool {
    POSSESSIVE.contains(&w) || FIRST.contains(&w)
}

/// True if `span` (a lexicon match's own words) has a first-person word: "i tried to kill
/// myself", "after my attempt" name the writer as the one who acted; "tried to overdose" or
/// "fresh cuts" alone do not.
pub fn in_first_person(span: &str) -> bool {
    words(&fold(span)).any(first_person_word)
}

/// True if the lowercased `lower` tells of a past the writer got over: a [`PAST`] phrase and a
/// [`RECOVERED`] one, and no word of [`NOW`] ("i tried when i was 16, it got better").
fn recovered_past(lower: &str) -> bool {
    contains_any(lower, &PAST) && contains_any(lower, &RECOVERED) && !contains_any(lower, &NOW)
}

/// True if some first-person lexicon self-harm level of `analysis` (one
/// [`MessageAnalysis::self_harm_level`] counts) is first person in its own words or in the
/// [`OWNER_WINDOW`] words before it in its sentence ("kill myself", "i just want to die", "end
/// my life"). A level read from words that name no one ("suicide", "want to die" in "do you
/// ever want to die?") is not: in a message addressed to someone else it is theirs.
/// `text` is the message the analysis was made of (its spans index it).
pub fn lexicon_level_is_writers(text: &str, analysis: &MessageAnalysis) -> bool {
    writers_level(text, analysis, |_| true)
}

/// True if a first-person lexicon level of `analysis` for which `keep` holds is the writer's in
/// its own words or the [`OWNER_WINDOW`] words before it (see [`lexicon_level_is_writers`]).
fn writers_level(
    text: &str,
    analysis: &MessageAnalysis,
    keep: impl Fn(SelfHarmLevel) -> bool,
) -> bool {
    analysis
        .own_self_harm_matches()
        .filter(|m| m.level.is_some_and(&keep))
        .any(|m| {
            let before = text.get(..m.start).unwrap_or("");
            let sentence = before
                .rsplit(['.', '!', '?', '\n'])
                .next()
                .map(fold)
                .unwrap_or_default();
            in_first_person(text.get(m.start..m.end).unwrap_or(""))
                || words(&sentence)
                    .rev()
                    .take(OWNER_WINDOW)
                    .any(first_person_word)
        })
}

/// Whose self-harm `signals` (fused from `analysis` of `text`) is: [`Person::Past`] when the
/// message tells only of the writer's past ([`read_person`]), except a disclosed act of the
/// writer's own ([`disclosed_act`](crate::text::model::fusion::disclosed_act): "two years ago i tried to kill myself") in a message that
/// does not say the writer got over it (a past attempt is the strongest known risk factor);
/// otherwise the writer's when a first-person lexicon level carries it
/// ([`lexicon_level_is_writers`]), unless the message is a reply addressed to someone else that
/// tells the writer's past as over ("i tried at 16 and it got better, you deserve to be happy":
/// told for the reader's sake); otherwise [`read_person`] of the whole message, or, when that is
/// the writer and the message has several sentences, of the sentence holding the classifier's
/// strongest self-harm evidence phrase.
pub fn own_reading(text: &str, analysis: &MessageAnalysis, signals: &MessageSignals) -> Person {
    let lower = folded_prefix(text);
    let whole = person_of(&lower);
    let over = recovered_past(&lower);
    // A past act the writer names as theirs is held unless the message says it is over: a
    // disclosed act ("after my attempt"), or a behaviour match with the writer in the words just
    // before it ("i tried to overdose last year"). `writers_level` covers both.
    if whole == Person::Past
        && (over || !writers_level(text, analysis, |l| l == SelfHarmLevel::Behaviour))
    {
        return Person::Past;
    }
    if lexicon_level_is_writers(text, analysis) && !(whole == Person::Other && over) {
        return Person::Writer;
    }
    if whole != Person::Writer {
        return whole;
    }
    let strongest = signals
        .evidence
        .iter()
        .filter(|(l, _)| matches!(l, Label::SelfHarm(_)))
        .map(|(_, e)| e)
        .max_by(|a, b| a.contribution.total_cmp(&b.contribution));
    match strongest.and_then(|e| sentence_around(text, e.start, e.end)) {
        Some(sentence) if sentence.len() < text.trim().len() => read_person(sentence),
        _ => whole,
    }
}

/// The sentence of `text` around the byte span `start..end` (from the sentence end before it to
/// the one after it), trimmed; `None` if the span is not in the text.
fn sentence_around(text: &str, start: usize, end: usize) -> Option<&str> {
    const ENDS: [char; 4] = ['.', '!', '?', '\n'];
    let before = text.get(..start)?;
    let after = text.get(end..)?;
    let from = before.rfind(ENDS).map_or(0, |i| i + 1);
    let to = after.find(ENDS).map_or(text.len(), |i| end + i + 1);
    text.get(from..to).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_person_wins_unless_the_message_is_about_or_to_someone_else() {
        for own in [
            "i want to kill myself",
            "nobody would care if i was gone",
            "you'd all be better off without me",
            "she left and now i want to die",
            "what's the point anymore",
            "quiero matarme",
        ] {
            assert_eq!(read_person(own), Person::Writer, "{own}");
        }
        for other in [
            "she keeps saying everyone would be better off without her",
            "my friend wants to die",
            "please don't hurt yourself",
            "you're not alone, i'm here, you matter and you can call someone, you'll get through",
            "mi amiga dice que se quiere morir",
            "He’s talking about ending it",
        ] {
            assert_eq!(read_person(other), Person::Other, "{other}");
        }
    }

    #[test]
    fn spanish_and_portuguese_verbs_name_the_writer() {
        for own in [
            "ya no quiero estar vivo, ojalá no despertara mañana",
            "he estado pensando en quitarme la vida",
            "voy a matarme, ya lo decidí",
            "já não aguento mais, quero sumir",
            "tomé todas las pastillas que había",
        ] {
            assert_eq!(read_person(own), Person::Writer, "{own}");
        }
        for other in [
            "mi hermana ya no quiere vivir",
            "ela disse que quer morrer",
            // English: "he" is a third person, "ya" the second.
            "he said he wants to die",
            "love ya, please don't hurt yourself",
        ] {
            assert_eq!(read_person(other), Person::Other, "{other}");
        }
    }

    #[test]
    fn supportive_replies_and_recovered_past_are_not_the_writers_current_risk() {
        for other in [
            "I know it's hard. If you ever need someone to talk to, you can message me",
            "you should talk to someone, i'm here for you",
            "Hang in there. Youll get through this, I know you can",
        ] {
            assert_eq!(read_person(other), Person::Other, "{other}");
        }
        for past in [
            "years ago i was suicidal too, what helped me was a good doctor",
            "i used to cut when things got bad, i've been clean for two years",
        ] {
            assert_eq!(read_person(past), Person::Past, "{past}");
        }
        for own in [
            "i used to be happy, now i just want to die",
            "years ago i tried and i still think about it every day",
            "i want to die. if you read this, goodbye",
            "good luck to me i guess, i'm done with life",
            "i'm giving up, you should know that",
        ] {
            assert_eq!(read_person(own), Person::Writer, "{own}");
        }
    }

    #[test]
    fn my_is_first_person_unless_it_names_someone_else() {
        assert_eq!(
            read_person("sis, don't. my life is miserable"),
            Person::Writer
        );
        assert_eq!(
            read_person("my friend says you would not care"),
            Person::Other
        );
    }

    #[test]
    fn a_past_without_recovery_told_against_today_is_now() {
        // A past used as contrast to present distress is current.
        for now in [
            "i used to have goals but every day i feel worse and i just want it to end",
            "when i was a kid i was happy, now i hate everything",
            "i relapsed, 3 months clean gone",
        ] {
            assert_eq!(read_person(now), Person::Writer, "{now}");
        }
        // A past that says the writer got better stays past, even in the present tense.
        for past in [
            "i used to cut, now i'm 2 years clean",
            "years ago i wanted to die, i feel so much better since therapy helped me",
            "when i was 16 i tried, i made it through and it got better",
        ] {
            assert_eq!(read_person(past), Person::Past, "{past}");
        }
    }

    #[test]
    fn supportive_phrases_mark_a_reply_to_someone() {
        for other in [
            "i've been there. please talk to someone, you don't have to do this alone, you matter",
            "it will get better, you are loved, please reach out to your doctor",
        ] {
            assert_eq!(read_person(other), Person::Other, "{other}");
        }
        // The same phrases in a message about the writer, with fewer second-person words.
        assert_eq!(
            read_person("i've been there so many times and i want to die tonight"),
            Person::Writer
        );
    }

    fn analysis(text: &str) -> MessageAnalysis {
        use std::sync::OnceLock;
        static E: OnceLock<crate::text::TextEngine> = OnceLock::new();
        E.get_or_init(|| crate::text::TextEngine::default_embedded().unwrap())
            .analyze(text)
    }

    #[test]
    fn a_lexicon_level_is_the_writers_only_in_first_person_words() {
        for own in [
            "i want to kill myself",
            "honestly i just want to die",
            "you would all be better off without me",
            "ya escribí mi carta de despedida",
        ] {
            let a = analysis(own);
            assert!(a.self_harm_level().is_some(), "{own}");
            assert!(lexicon_level_is_writers(own, &a), "{own}");
        }
        for other in [
            "was that the first time you thought about suicide?",
            "do you ever want to die? you can tell me",
        ] {
            let a = analysis(other);
            assert!(a.self_harm_level().is_some(), "{other}");
            assert!(!lexicon_level_is_writers(other, &a), "{other}");
        }
    }

    #[test]
    fn the_sentence_with_the_evidence_decides_a_classifier_signal() {
        use crate::text::model::ModelEvidence;
        use crate::text::SelfHarmLevel;
        let signal_at = |text: &str, phrase: &str| {
            let start = text.find(phrase).unwrap();
            MessageSignals {
                evidence: vec![(
                    Label::SelfHarm(SelfHarmLevel::WishToBeDead),
                    ModelEvidence {
                        phrase: phrase.into(),
                        start,
                        end: start + phrase.len(),
                        contribution: 1.0,
                    },
                )],
                ..Default::default()
            }
        };
        let reply = "I know how hard it is, i was there. You have to stay alive for them, your \
                     sisters need you.";
        let s = signal_at(reply, "stay alive");
        assert_eq!(read_person(reply), Person::Writer);
        assert_eq!(own_reading(reply, &analysis(reply), &s), Person::Other);
        // The writer's own sentence in the same kind of reply stays the writer's.
        let own = "You have to look after yourself. I don't see the point of being alive anymore.";
        let s = signal_at(own, "point of being alive");
        assert_eq!(own_reading(own, &analysis(own), &s), Person::Writer);
    }

    #[test]
    fn a_disclosed_past_attempt_is_held_unless_told_as_over() {
        let none = MessageSignals::default();
        // The writer's own act told as past, with nothing saying it is over: held as the writer's.
        let held = "two years ago i tried to kill myself and spent a week in hospital";
        assert_eq!(read_person(held), Person::Past);
        assert_eq!(own_reading(held, &analysis(held), &none), Person::Writer);
        // Also when the match's own words do not say who acted but the words before it do.
        let named = "i tried to overdose last year";
        assert_eq!(read_person(named), Person::Past);
        assert_eq!(own_reading(named, &analysis(named), &none), Person::Writer);
        // Told as over, or a past that was a wish rather than an act: the writer's past.
        for past in [
            "when i was 16 i tried to kill myself, it got better and i'm glad i'm here",
            "years ago i wanted to kill myself, therapy helped me",
            "last year i wanted to die every day. now i'm applying to college. it gets better",
            "after my attempt in 2019 i got help and now i volunteer on a crisis line",
        ] {
            assert_eq!(
                own_reading(past, &analysis(past), &none),
                Person::Past,
                "{past}"
            );
        }
    }

    #[test]
    fn a_reply_telling_a_past_got_over_is_for_the_reader() {
        let none = MessageSignals::default();
        let over = "I tried to kill myself when I was 15 and it got better. You deserve to be \
                    happy and you are not alone, please reach out to someone you trust.";
        assert_eq!(read_person(over), Person::Other);
        assert!(lexicon_level_is_writers(over, &analysis(over)));
        assert_eq!(own_reading(over, &analysis(over), &none), Person::Other);
        // The same kind of reply without a recovery stays the writer's own disclosure.
        let own = "I have attempted suicide before, I know how awful it feels. You should talk \
                   to someone, you matter.";
        assert_eq!(read_person(own), Person::Other);
        assert_eq!(own_reading(own, &analysis(own), &none), Person::Writer);
    }

    #[test]
    fn first_person_spans() {
        assert!(in_first_person("I tried to kill myself"));
        assert!(in_first_person("after my attempt"));
        assert!(!in_first_person("tried to overdose"));
        assert!(!in_first_person("fresh cuts"));
    }

    #[test]
    fn long_and_multibyte_text_is_bounded() {
        let long = "é".repeat(10_000) + " she wants to die";
        assert_eq!(read_person(&long), Person::Writer);
        assert_eq!(read_person(""), Person::Writer);
    }
}
