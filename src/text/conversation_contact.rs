//! Contact moves of a grooming conversation: the cues by which an offender who means to meet a
//! child checks that the child is unsupervised, plans the meeting, speaks of touching and
//! binds the child to him or moves the talk to the phone, read from single messages and combined per conversation as
//! **distinct kinds** rather than counts.
//!
//! Why these kinds: studies of offenders' chat logs (O'Connell 2003, "A typology of child
//! cybersexploitation and online grooming practices"; Black et al. 2015; Winters, Kaylor &
//! Jeglic 2017) describe a *risk assessment* step, in which the offender asks whether the
//! child is alone, where the parents are and when they leave, and the child answers; in
//! contact-driven grooming it is followed by *meeting logistics* (picking the child up, coming
//! over, a motel, staying the night) alongside talk of physical intimacy and of an exclusive
//! relationship ("i love you", "i miss you"). A single "come over" or "love u" is everyday
//! talk; several of these moves in one conversation are a plan.
//!
//! How they are used by the conversation model ([`crate::text::conversation`]):
//! - a [`ContactKind::RiskAssessment`] cue is a **child cue**: adults who live on their own are
//!   not asked whether their grandma is home or whether they can sneak out, so it raises the
//!   minor involvement like a caregiver's whereabouts does;
//! - each cue adds [`CONTACT_GAIN`] evidence to the grooming stage it belongs to
//!   ([`ContactKind::stage`]), at the message's direction factor;
//! - the raw risk gains [`CONTACT_BREADTH_WEIGHT`] for each distinct kind beyond the first
//!   seen recently ([`contact_breadth`]), before the minor-involvement gate: adults planning a
//!   date (meeting, kisses, "miss you") have no sign of a minor and stay under the gate's cap.

use super::types::GroomingStage;

/// Evidence one contact cue adds to its stage (before the direction factor): half a
/// mid-weight lexicon match, since the cue phrases are common in everyday talk too.
pub const CONTACT_GAIN: f32 = 0.5;
/// Raw risk added for each distinct contact kind beyond the first (see [`contact_breadth`]).
pub const CONTACT_BREADTH_WEIGHT: f32 = 0.25;
/// Decayed count from which a contact kind counts as seen in [`contact_breadth`].
pub const CONTACT_SEEN: f32 = 0.5;
/// Upper bound of one kind's decayed count kept in the state.
pub const MAX_CONTACT_COUNT: f32 = 8.0;

/// A kind of contact move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    /// Checking, or telling, that the child is unsupervised ("r u alone", "my gma is asleep",
    /// "can you sneak out", "clear the caller id").
    RiskAssessment,
    /// Arranging to be together in person ("i'll pick u up", "when u get here", "motel",
    /// "stay the night", "still want to meet").
    MeetingPlan,
    /// Talk of touching in person ("kiss you", "cuddle", "hold you", "make out").
    Physical,
    /// Binding the other person by an exclusive relationship ("i love you", "miss you",
    /// "thinking about you", "be with you").
    Attachment,
    /// Moving to the phone ("call me", "here is my number", "wanna hear ur voice"): a private
    /// channel and a step towards meeting.
    Phone,
}

/// Number of [`ContactKind`]s.
pub const CONTACT_KINDS: usize = 5;

impl ContactKind {
    /// Every kind, in the order of [`ContactCues::kinds`] and of the state's counts.
    pub const ALL: [ContactKind; CONTACT_KINDS] = [
        ContactKind::RiskAssessment,
        ContactKind::MeetingPlan,
        ContactKind::Physical,
        ContactKind::Attachment,
        ContactKind::Phone,
    ];

    /// The grooming stage a cue of this kind adds evidence to: checking for supervision is
    /// isolation, a meeting plan meeting, talk of touch sexual content, binding by attachment
    /// trust building and moving to the phone the private channel. Attachment and phone cues
    /// are everyday too (a friend's "i'd miss you so much", a coach's "text me if you can't
    /// make it"): the conversation model weighs them by the classifier's backing, like a
    /// meeting plan, and without a core kind they add nothing to the breadth of a contact
    /// plan ([`contact_breadth`]). In the long relationship chats of real offenders (PAN-2012)
    /// they are among the most frequent moves: "did you miss me", "call me later".
    pub fn stage(self) -> Option<GroomingStage> {
        Some(match self {
            ContactKind::RiskAssessment => GroomingStage::IsolationSecrecy,
            ContactKind::MeetingPlan => GroomingStage::Meeting,
            ContactKind::Physical => GroomingStage::SexualContent,
            ContactKind::Attachment => GroomingStage::TrustBuilding,
            ContactKind::Phone => return None,
        })
    }

    /// A move towards being alone or together with the child (risk assessment, a meeting
    /// plan, touch), without which attachment and phone talk make no contact plan.
    pub fn is_core(self) -> bool {
        matches!(
            self,
            ContactKind::RiskAssessment | ContactKind::MeetingPlan | ContactKind::Physical
        )
    }

    /// The kind's cue phrases, each with a space on either side (matched against the padded
    /// words of a message, like `conversation`'s age-talk phrases).
    fn phrases(self) -> &'static [&'static str] {
        match self {
            ContactKind::RiskAssessment => &RISK_ASSESSMENT,
            ContactKind::MeetingPlan => &MEETING_PLAN,
            ContactKind::Physical => &PHYSICAL,
            ContactKind::Attachment => &ATTACHMENT,
            ContactKind::Phone => &PHONE,
        }
    }
}

/// Contact cues of one message: which kinds it carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactCues {
    /// Per kind, in [`ContactKind::ALL`] order.
    pub kinds: [bool; CONTACT_KINDS],
}

impl ContactCues {
    /// Reads the cues of a message given as its lowercase words joined by single spaces with
    /// a space on each side (as `MessageCues::read` builds it).
    pub fn read(padded: &str) -> Self {
        let mut out = ContactCues::default();
        for (slot, kind) in out.kinds.iter_mut().zip(ContactKind::ALL) {
            *slot = kind.phrases().iter().any(|p| contains_phrase(padded, p));
        }
        out
    }

    /// Whether the message carries a cue of `kind`.
    pub fn has(&self, kind: ContactKind) -> bool {
        ContactKind::ALL
            .iter()
            .zip(self.kinds)
            .any(|(k, on)| *k == kind && on)
    }
}

/// Raw risk of the distinct contact kinds seen (decayed count at least [`CONTACT_SEEN`]):
/// [`CONTACT_BREADTH_WEIGHT`] per kind beyond the first, so one kind alone adds nothing, and
/// nothing without a core kind ([`ContactKind::is_core`]): "miss you" and "call me" between
/// friends are no plan.
pub fn contact_breadth(counts: &[f32; CONTACT_KINDS]) -> f32 {
    let seen = |(k, c): (&ContactKind, &f32)| (*c >= CONTACT_SEEN).then_some(*k);
    let kinds: Vec<ContactKind> = ContactKind::ALL
        .iter()
        .zip(counts)
        .filter_map(seen)
        .collect();
    if !kinds.iter().any(|k| k.is_core()) {
        return 0.0;
    }
    CONTACT_BREADTH_WEIGHT * kinds.len().saturating_sub(1) as f32
}

/// `needle` (a phrase with a space on each side, as the phrase lists store it, so no message
/// allocates) occurs in `padded`, not right after a word that turns it into something else
/// ("leave you alone", "let me alone").
fn contains_phrase(padded: &str, needle: &str) -> bool {
    padded.match_indices(needle).any(|(at, _)| {
        let before = padded.get(..at).unwrap_or("");
        let prev = before.rsplit(' ').next().unwrap_or("");
        !NOT_AFTER.contains(&prev)
    })
}

/// Words after which a cue phrase means something else: "leave u alone", "let you alone".
const NOT_AFTER: [&str; 6] = ["leave", "left", "let", "leaving", "leaves", "not"];

/// Checking for supervision, and the child's answers. Caregivers' whereabouts in general are
/// read by `MessageCues` (`caregiver_away`); these are the phrases that name being alone or
/// getting away.
const RISK_ASSESSMENT: [&str; 52] = [
    " live by urself ",
    " live by yourself ",
    " live with ur parents ",
    " live with your parents ",
    " live with ur mom ",
    " live with your mom ",
    " when does she get back ",
    " when does he get back ",
    " what time does she get back ",
    " what time does he get back ",
    " when is she back ",
    " when will she be back ",
    " r u alone ",
    " are u alone ",
    " are you alone ",
    " r you alone ",
    " u alone ",
    " you alone ",
    " ur alone ",
    " youre alone ",
    " you're alone ",
    " so ur alone ",
    " home alone ",
    " home by yourself ",
    " home by urself ",
    " anyone home ",
    " anybody home ",
    " anyone else home ",
    " anyone else there ",
    " who else is home ",
    " whos home ",
    " who's home ",
    " who is home ",
    " sneak out ",
    " sneak u ",
    " sneak you ",
    " snuck out ",
    " sneaking out ",
    " sneek out ",
    " could get out ",
    " can you get out ",
    " can u get out ",
    " caller id ",
    " clear the history ",
    " delete the history ",
    " when do they leave ",
    " when are they leaving ",
    " when r they leaving ",
    " when is she leaving ",
    " when is he leaving ",
    " when does she leave ",
    " when does he leave ",
];

/// Arranging to be together. Not "meet you" alone: "nice to meet you" is a greeting.
const MEETING_PLAN: [&str; 69] = [
    " ur address ",
    " your address ",
    " my address ",
    " mapquest ",
    " google maps ",
    " ur location ",
    " your location ",
    " skip school ",
    " skip skool ",
    " ditch school ",
    " still coming ",
    " still comin ",
    " how far is it ",
    " how far away are you ",
    " how far away r u ",
    " how long will it take ",
    " drive up ",
    " drive down there ",
    " come up there ",
    " the drive ",
    " pick u up ",
    " pick you up ",
    " pick ya up ",
    " come get u ",
    " come get you ",
    " come get me ",
    " get a ride ",
    " give u a ride ",
    " give you a ride ",
    " bring ur toothbrush ",
    " bring your toothbrush ",
    " come see u ",
    " come see you ",
    " come to ur house ",
    " come to your house ",
    " come to my house ",
    " come to my place ",
    " my place ",
    " ur place ",
    " your place ",
    " get here ",
    " get there ",
    " be there at ",
    " on my way ",
    " be here with me ",
    " still want to meet ",
    " still wanna meet ",
    " want to meet me ",
    " wanna meet me ",
    " meet me ",
    " wanna meet u ",
    " wanna meet you ",
    " want to meet u ",
    " want to meet you ",
    " when can we meet ",
    " meet up ",
    " in person ",
    " directions ",
    " hotel ",
    " motel ",
    " stay the night ",
    " spend the night ",
    " sleep over ",
    " sleepover ",
    " wait to see u ",
    " wait to see you ",
    " wait till u get here ",
    " when can i see u ",
    " when can i see you ",
];

/// Touching in person.
const PHYSICAL: [&str; 20] = [
    " kiss u ",
    " kiss you ",
    " kiss ya ",
    " kissing u ",
    " kissing you ",
    " cuddle ",
    " cuddling ",
    " snuggle ",
    " hold u ",
    " hold you ",
    " touch u ",
    " touch you ",
    " make out ",
    " makeout ",
    " lay with u ",
    " lay with you ",
    " in bed with ",
    " in my arms ",
    " on my lap ",
    " wish i was there ",
];

/// An exclusive relationship.
const ATTACHMENT: [&str; 19] = [
    " love u ",
    " love you ",
    " luv u ",
    " luv you ",
    " luv ya ",
    " love ya ",
    " miss u ",
    " miss you ",
    " miss ya ",
    " missed u ",
    " missed you ",
    " thinking about u ",
    " thinking about you ",
    " thinking bout u ",
    " falling for u ",
    " falling for you ",
    " be with you ",
    " be with u ",
    " my girlfriend ",
];

/// Moving to the phone.
const PHONE: [&str; 16] = [
    " call me ",
    " call u ",
    " call you ",
    " can i call ",
    " my number ",
    " ur number ",
    " your number ",
    " hear ur voice ",
    " hear your voice ",
    " ur cell ",
    " your cell ",
    " my cell ",
    " phone sex ",
    " text me ",
    " on the phone ",
    " ur phone ",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn read(t: &str) -> ContactCues {
        ContactCues::read(&format!(" {t} "))
    }

    #[test]
    fn each_kind_is_read_with_its_near_misses() {
        let cases = [
            (
                ContactKind::RiskAssessment,
                "so r u alone rn",
                "just leave u alone then",
            ),
            (
                ContactKind::RiskAssessment,
                "can you sneak out tonight",
                "i sneezed out loud",
            ),
            (
                ContactKind::MeetingPlan,
                "i can pick u up at 6",
                "pick up milk on your way",
            ),
            (
                ContactKind::MeetingPlan,
                "cant wait till u get here",
                "cant wait till friday",
            ),
            (
                ContactKind::MeetingPlan,
                "whats your address i will mapquest it",
                "whats your email address",
            ),
            (
                ContactKind::MeetingPlan,
                "if u still comin tomorrow i'll skip skool",
                "school is still closed tomorrow",
            ),
            (
                ContactKind::RiskAssessment,
                "do u live with ur parents",
                "i live with my parents lol",
            ),
            (
                ContactKind::RiskAssessment,
                "mom's at work. what time does she get back",
                "what time does the store open",
            ),
            (
                ContactKind::RiskAssessment,
                "when is she leaving for the weekend",
                "when is the bus leaving",
            ),
            (
                ContactKind::MeetingPlan,
                "can u get a ride to my town saturday",
                "i got a ride on the new rollercoaster",
            ),
            (
                ContactKind::MeetingPlan,
                "ok u come get me and bring ur toothbrush",
                "come get this loot before it despawns",
            ),
            (
                ContactKind::Physical,
                "i wanna kiss u so bad",
                "kisses to grandma from us",
            ),
            (
                ContactKind::Attachment,
                "i miss you sweetie",
                "i missed the bus",
            ),
            (
                ContactKind::Phone,
                "can i call u tonight",
                "what do you call this song",
            ),
        ];
        for (kind, yes, no) in cases {
            assert!(read(yes).has(kind), "{kind:?} missed in {yes:?}");
            assert!(!read(no).has(kind), "{kind:?} read in {no:?}");
        }
    }

    #[test]
    fn breadth_needs_two_distinct_kinds_and_a_core_one() {
        assert_eq!(contact_breadth(&[0.0; CONTACT_KINDS]), 0.0);
        // One kind repeated many times is still one kind.
        assert_eq!(
            contact_breadth(&[MAX_CONTACT_COUNT, 0.0, 0.0, 0.0, 0.0]),
            0.0
        );
        assert_eq!(
            contact_breadth(&[1.0, 1.0, 0.0, 0.0, 0.0]),
            CONTACT_BREADTH_WEIGHT
        );
        let three = contact_breadth(&[1.0, 1.0, 1.0, 0.2, 0.0]);
        assert_eq!(three, 2.0 * CONTACT_BREADTH_WEIGHT);
        // Attachment and phone talk alone: no move towards being together.
        assert_eq!(contact_breadth(&[0.0, 0.0, 0.0, 1.0, 1.0]), 0.0);
        let plan = contact_breadth(&[0.0, 1.0, 0.0, 1.0, 1.0]);
        assert_eq!(plan, 2.0 * CONTACT_BREADTH_WEIGHT);
    }
}
