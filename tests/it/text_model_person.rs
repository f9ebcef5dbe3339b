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

#[test]
fn a_reply_that_names_suicide_to_someone_is_not_the_writers_level() {
    // A topic word in a reply addressed to someone else is not the writer's own level.
    let reply = "was that the first time you really thought about suicide? you should tell someone, you matter";
    assert_eq!(own_level(reply), None, "{reply}");
    // The same topic word in the writer's own words is the writer's.
    let own = "last night i really thought about suicide, i can't stop";
    assert!(own_level(own).is_some(), "{own}");
    // A current first-person statement inside a supportive reply is still the writer's.
    for own in [
        "you're not alone, i've been there. i want to kill myself too some days",
        "hang in there. i still want to cut, even now",
    ] {
        assert!(own_level(own).is_some(), "{own}");
    }
}

#[test]
fn a_past_told_as_a_contrast_to_today_is_current() {
    let now = "i used to have goals but every day i feel worse, i just want it all to end";
    assert!(own_level(now).is_some(), "{now}");
    let over = "i used to want it all to end, now i'm 2 years clean";
    assert_eq!(own_level(over), None, "{over}");
}
