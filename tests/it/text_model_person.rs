//! Whose risk a post is (session 5): a reply that tells of the writer's own recovered past to
//! help someone ("years ago i was suicidal too, therapy helped me") carries no own self-harm
//! level, even where the lexicon matched, while the same story brought back to now ("and i
//! want to do it again") still does; supportive replies addressed to someone else are not the
//! writer's risk.

use crate::common;

use common::committed_model_conversations as conversations;
use preflight::text::{AgeBand, Direction};

fn own_level(text: &str) -> Option<preflight::text::SelfHarmLevel> {
    conversations()
        .observe("p", Direction::Sent, AgeBand::Unknown, text)
        .self_harm_level
}

#[test]
fn a_recovered_past_told_to_help_is_not_the_writers_current_risk() {
    for past in [
        "years ago i was suicidal too, therapy is what helped me",
        "when i was 15 i wanted to die too and it got better",
        "i used to think everyone would be better off without me, i was wrong",
    ] {
        assert_eq!(own_level(past), None, "{past}");
    }
    for now in [
        "years ago i was suicidal and i still think about it every day",
        "when i was 15 i wanted to die and i want to die again now",
        "i still want to die every day",
    ] {
        assert!(own_level(now).is_some(), "{now}");
    }
}

#[test]
fn supportive_replies_are_not_the_writers_risk() {
    for reply in [
        "if you ever need someone to talk to you can message me, you matter",
        "you should talk to someone about how you feel, i'm here for you",
    ] {
        assert_eq!(own_level(reply), None, "{reply}");
    }
}
