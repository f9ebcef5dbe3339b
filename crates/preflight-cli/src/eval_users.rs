//! Columbia-scale Reddit users in `preflight eval text`: one writer's post history, read two
//! ways, both printed.
//!
//! - **Any post** (the figure of earlier sessions): each post alone, in a fresh conversation;
//!   the user is flagged if any post carries a self-harm signal, the writer's own or a peer's.
//! - **Writer's state** (how the product reads one writer's messages): every post is a sent
//!   message of ONE conversation, in order, as the app would see a user's messages; the user is
//!   flagged if, after some post, the conversation model holds an own self-harm level for the
//!   writer (`ConversationAssessment::recent_self_harm_level`: the highest own level of the last
//!   `self_harm_window_messages` messages). A peer's level (the writer tells of a friend in
//!   crisis, or replies to someone who is) is what the product routes to peer support; it is not
//!   the writer's own risk, so it does not flag the writer here.
//! - **Sustained**: the writer's own level is set on at least two posts within that window (a
//!   repeated first-person statement rather than one post): printed beside the others, as the
//!   stricter reading a review of a user's history would use.

use super::{Detector, Prediction};
use preflight::text::eval::Rate;
use preflight::text::{AgeBand, ConversationConfig, Direction, SelfHarmLevel};
use serde::Serialize;
use std::collections::BTreeMap;

/// One Columbia-scale label's figures.
#[derive(Serialize, Default)]
pub struct RedditLabel {
    /// Users with any post carrying a self-harm signal (own or peer), each post read alone.
    pub flagged: Rate,
    /// Users whose conversation held an own self-harm level after some post.
    pub writer_state: Rate,
    /// Users with an own level on two posts within the conversation model's window.
    pub sustained: Rate,
    /// The highest own level reached by each user (`none` when there was none).
    pub highest_level: BTreeMap<String, u64>,
}

/// What the detector made of one user's posts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserReading {
    /// Any post alone carried a self-harm signal (own or peer).
    pub any_post: bool,
    /// The writer's conversation held an own level after some post.
    pub writer_state: bool,
    /// Two posts with an own level within the window.
    pub sustained: bool,
    /// The highest own level of any post.
    pub highest: Option<SelfHarmLevel>,
}

/// Two own-level posts at most this many posts apart make a sustained reading.
fn window() -> u64 {
    ConversationConfig::default().self_harm_window_messages
}

/// Reads one user's posts (see the module docs); `id` names the user's conversation.
pub fn read_user(d: &Detector, id: &str, posts: &[String]) -> UserReading {
    let mut r = UserReading::default();
    let mut last_own: Option<u64> = None;
    for (i, post) in (0u64..).zip(posts) {
        let alone = d.message(Direction::Sent, AgeBand::Unknown, post);
        r.any_post |= alone.self_harm_score > 0.0;
        r.highest = r.highest.max(alone.self_harm);
        let p: Prediction = d.step(id, Direction::Sent, AgeBand::Unknown, post);
        r.writer_state |= p.own_recent.is_some();
        if p.self_harm.is_some() {
            if last_own.is_some_and(|at| i - at < window()) {
                r.sustained = true;
            }
            last_own = Some(i);
        }
    }
    d.forget(id);
    r
}

impl RedditLabel {
    /// Adds one user's reading.
    pub fn add(&mut self, r: &UserReading) {
        self.flagged.add(r.any_post);
        self.writer_state.add(r.writer_state);
        self.sustained.add(r.sustained);
        let key = r.highest.map_or("none", |l| l.as_str()).to_string();
        *self.highest_level.entry(key).or_default() += 1;
    }
}
