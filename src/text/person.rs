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
//! ones. A message that tells only of the writer's own *past*, recovered experience ("years ago
//! i was suicidal too, therapy helped me") is [`Person::Past`], unless it also speaks of now
//! ("still", "again", "lately", "tonight"). English, Spanish and Portuguese word lists; the
//! first 4 KiB are read.
//!
//! ```
//! use preflight::text::person::{read_person, Person};
//! assert_eq!(read_person("i want to die"), Person::Writer);
//! assert_eq!(read_person("she keeps saying she wants to die"), Person::Other);
//! assert_eq!(read_person("life is not worth it"), Person::Writer);
//! ```

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
const SUPPORT: [&str; 26] = [
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
];

/// Phrases that place the writer's experience in the past.
const PAST: [&str; 15] = [
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
];

/// Words and present-tense first-person phrases that bring a past story back to now.
const NOW: [&str; 24] = [
    "still",
    "again",
    "anymore",
    "lately",
    "tonight",
    "today",
    "right now",
    "rn",
    "these days",
    "now i",
    "i want",
    "i wanna",
    "i feel like",
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
const SECOND: [&str; 19] = [
    "you", "your", "you're", "youre", "yourself", "yours", "u", "ur", "ya", "you'll", "youll",
    "you've", "youve", "you'd", "tú", "tu", "você", "voce", "vc",
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

/// Reads the grammatical person of `text` (see the module docs).
pub fn read_person(text: &str) -> Person {
    let mut end = text.len().min(MAX_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let lower = text
        .get(..end)
        .unwrap_or("")
        .to_lowercase()
        .replace('’', "'");
    let (mut first, mut second, mut third) = (0usize, 0usize, 0usize);
    for w in lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
    {
        if FIRST.contains(&w) {
            first += 1;
        } else if SECOND.contains(&w) {
            second += 1;
        } else if THIRD.contains(&w) {
            third += 1;
        }
    }
    let names_other = first == 0 && second + third > 0;
    let addressed = second >= ADDRESSED_MIN && second >= 3 * first;
    let supportive = second >= 2 && second >= first && contains_any(&lower, &SUPPORT);
    if names_other || addressed || supportive {
        Person::Other
    } else if contains_any(&lower, &PAST) && !contains_any(&lower, &NOW) {
        Person::Past
    } else {
        Person::Writer
    }
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
    fn long_and_multibyte_text_is_bounded() {
        let long = "é".repeat(10_000) + " she wants to die";
        assert_eq!(read_person(&long), Person::Writer);
        assert_eq!(read_person(""), Person::Writer);
    }
}
