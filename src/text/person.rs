//! Whose self-harm a message is about, read from its grammatical person: the classifier sees
//! "she keeps saying she wants to die" and "i want to die" alike, so a message the lexicon did
//! not attribute needs this reading before its self-harm score can count as the writer's own.
//!
//! A message is about the writer unless it has no first-person word at all and names someone
//! else (third person: "he", "my friend"; second person: "you", "ur"), or it is a reply
//! addressed to someone else: at least [`ADDRESSED_MIN`] second-person words and three times
//! as many as first-person ones ("you're not alone, i'm here, please call someone, you
//! matter"). English, Spanish and Portuguese word lists; the first 4 KiB are read.
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
}

const FIRST: [&str; 17] = [
    "i", "im", "i'm", "ive", "i've", "i'd", "i'll", "me", "myself", "mine", "yo", "eu", "mim",
    "comigo", "conmigo", "estoy", "estou",
];
const SECOND: [&str; 16] = [
    "you", "your", "you're", "youre", "yourself", "yours", "u", "ur", "ya", "you'll", "you've",
    "tú", "tu", "você", "voce", "vc",
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
    let lower = text.get(..end).unwrap_or("").to_lowercase();
    let (mut first, mut second, mut third) = (0usize, 0usize, 0usize);
    for w in lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
    {
        let w = w.replace('’', "'");
        let w = w.as_str();
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
    if names_other || addressed {
        Person::Other
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
    fn long_and_multibyte_text_is_bounded() {
        let long = "é".repeat(10_000) + " she wants to die";
        assert_eq!(read_person(&long), Person::Writer);
        assert_eq!(read_person(""), Person::Writer);
    }
}
