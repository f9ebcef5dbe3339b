//! Policy: the thresholds that turn raw matches and scores into signals, and signals into a
//! recommended action. Defaults follow Meta's PDQ guidance (radius 31, quality >= 50) and are
//! deliberately conservative for text (warn, never block, on words alone).

use crate::error::Error;
use crate::lists::SourcePolicy;
use crate::text::AgeBand;
use crate::verdict::{Action, Category, Signal};
use serde::Serialize;

/// Score of a known-image signal made only of uncorroborated pHash hits: it warns (below 1).
pub const UNCORROBORATED_SCORE: f32 = 0.5;

/// Default pHash radius, from the distributions measured on the registry evaluation set
/// (`tests/it/image_match_phash.rs`, `imagehash` pHashes of 650 images and reshared copies,
/// flat pictures with fewer than 16 bits set left out): at radius 4, of resized,
/// recompressed, WebP and greyscale copies match their original (93%) and 2.0e-4 of the pairs of
/// distinct images (35 of 172 652, mostly near-duplicate scenes and wallpapers of one design)
/// collide; radius 8 gains 1% recall for 3x the collisions (6.0e-4). A pHash hit alone only
/// warns in any case.
pub const DEFAULT_PHASH_RADIUS: u32 = 4;

/// Thresholds and rules. Every field has a documented default.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Policy {
    /// PDQ match radius in bits (default 31, Meta's recommended threshold; the index is exact
    /// up to 31).
    pub pdq_radius: u32,
    /// PDQ hashes of lower quality are not matched (default 50, Meta's guidance: flat or tiny
    /// images give unstable hashes).
    pub pdq_min_quality: u8,
    /// pHash match radius in bits, 0 to disable (default [`DEFAULT_PHASH_RADIUS`], set from
    /// measured distributions, see there). A pHash hit never blocks on its own: without a PDQ or
    /// exact-digest hit in the same scan, or a second source organisation listing it, it warns.
    pub phash_radius: u32,
    /// k-of-n source corroboration for list matches (default: one source suffices).
    pub sources: SourcePolicy,
    /// Calibrated grooming risk (a probability 0..1, see
    /// `ConversationAssessment::grooming_risk`) from which a message with no grooming term of
    /// its own still carries the conversation's grooming signal (default
    /// [`crate::text::conversation::DEFAULT_REPORT_RISK`]), so faint, decayed evidence does not
    /// follow every later message.
    pub grooming_report: f32,
    /// Calibrated grooming risk from which the verdict warns (default
    /// [`crate::text::conversation::DEFAULT_ALERT_RISK`], the conversation model's alert
    /// operating point). Lower it to warn earlier and more often.
    pub grooming_warn: f32,
    /// Calibrated grooming risk from which the verdict blocks (default 1.1, i.e. never: text
    /// alone warns).
    pub grooming_block: f32,
    /// Nudity classifier score from which the verdict warns (default 0.8).
    pub nudity_warn: f32,
    /// Warn on sexual text when the local user is a minor (default true).
    pub warn_sexual_to_minors: bool,
    /// A bring-your-own text classifier's label counts as a signal from this score (default 0.5).
    pub text_model_min_score: f32,
    /// vPDQ: a listed video matches when at least this percentage of its distinct frames is
    /// matched by the scanned video (default 80, Meta's README `P_c`).
    pub video_target_match_pct: f32,
    /// vPDQ: ... and at least this percentage of the scanned video's distinct good-quality
    /// frames matches the listed video (default 0, Meta's README `P_q`: extra content in the
    /// scanned video does not prevent a match).
    pub video_query_match_pct: f32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            pdq_radius: 31,
            pdq_min_quality: 50,
            phash_radius: DEFAULT_PHASH_RADIUS,
            sources: SourcePolicy::default(),
            grooming_report: crate::text::conversation::DEFAULT_REPORT_RISK,
            grooming_warn: crate::text::conversation::DEFAULT_ALERT_RISK,
            grooming_block: 1.1,
            nudity_warn: 0.8,
            warn_sexual_to_minors: true,
            text_model_min_score: 0.5,
            video_target_match_pct: 80.0,
            video_query_match_pct: 0.0,
        }
    }
}

impl Policy {
    /// The action one signal calls for.
    pub fn action_for(&self, signal: &Signal, age_band: AgeBand) -> Action {
        match signal.category {
            // Score 1: a PDQ or exact-digest hit, or a corroborated pHash hit. Below: pHash alone.
            Category::KnownCsam if signal.score >= 1.0 => Action::Block,
            Category::KnownCsam => Action::Warn,
            Category::Grooming if signal.score >= self.grooming_block => Action::Block,
            Category::Grooming if signal.score >= self.grooming_warn => Action::Warn,
            Category::Grooming => Action::Allow,
            // Score 0: the writer tells of a friend in crisis (support is suggested, see
            // `Verdict::support_suggested`); anything else warns.
            Category::SelfHarm if signal.score > 0.0 => Action::Warn,
            Category::SelfHarm => Action::Allow,
            Category::Nudity if signal.score >= self.nudity_warn => Action::Warn,
            Category::Nudity => Action::Allow,
            Category::Sexual if self.warn_sexual_to_minors && is_minor(age_band) => Action::Warn,
            Category::Sexual => Action::Allow,
        }
    }

    /// Checks every field's range: PDQ radius 0..=256 bits, quality 0..=100, pHash radius
    /// 0..=64 bits, score thresholds finite and non-negative (a NaN threshold would silently
    /// never or always fire). [`crate::Scanner::new`] calls it; returns [`Error::Config`] naming
    /// the field.
    ///
    /// ```
    /// let mut p = preflight::Policy::default();
    /// assert!(p.validate().is_ok());
    /// p.grooming_warn = f32::NAN;
    /// assert!(p.validate().unwrap_err().to_string().contains("policy.grooming_warn"));
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        let bad =
            |field: &str, detail: String| Err(Error::Config(format!("policy.{field}: {detail}")));
        if self.pdq_radius > 256 {
            return bad(
                "pdq_radius",
                format!("{} exceeds 256 bits", self.pdq_radius),
            );
        }
        if self.pdq_min_quality > 100 {
            return bad(
                "pdq_min_quality",
                format!("{} exceeds 100", self.pdq_min_quality),
            );
        }
        if self.phash_radius > 64 {
            return bad(
                "phash_radius",
                format!("{} exceeds 64 bits", self.phash_radius),
            );
        }
        for (field, value) in [
            ("grooming_report", self.grooming_report),
            ("grooming_warn", self.grooming_warn),
            ("grooming_block", self.grooming_block),
            ("nudity_warn", self.nudity_warn),
            ("text_model_min_score", self.text_model_min_score),
        ] {
            if !value.is_finite() || value < 0.0 {
                return bad(
                    field,
                    format!("{value} is not a finite, non-negative number"),
                );
            }
        }
        Ok(())
    }

    /// The strictest action over all signals.
    pub fn decide(&self, signals: &[Signal], age_band: AgeBand) -> Action {
        signals
            .iter()
            .map(|s| self.action_for(s, age_band))
            .max()
            .unwrap_or(Action::Allow)
    }
}

fn is_minor(age_band: AgeBand) -> bool {
    matches!(
        age_band,
        AgeBand::Under13 | AgeBand::Age13To15 | AgeBand::Age16To17
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(category: Category, score: f32) -> Signal {
        Signal {
            category,
            score,
            evidence: vec![],
        }
    }

    #[test]
    fn a_told_peer_crisis_does_not_warn() {
        let p = Policy::default();
        assert_eq!(
            p.action_for(&signal(Category::SelfHarm, 0.0), AgeBand::Age13To15),
            Action::Allow
        );
        assert_eq!(
            p.action_for(&signal(Category::SelfHarm, 0.3), AgeBand::Age13To15),
            Action::Warn
        );
    }

    #[test]
    fn strictest_signal_wins() {
        let p = Policy::default();
        // Grooming warns from the conversation model's alert point on the calibrated risk.
        let above_alert = (p.grooming_warn + 0.05).min(1.0);
        let s = [
            signal(Category::Grooming, above_alert),
            signal(Category::KnownCsam, 1.0),
        ];
        assert_eq!(p.decide(&s, AgeBand::Unknown), Action::Block);
        assert_eq!(p.decide(&s[..1], AgeBand::Unknown), Action::Warn);
        assert_eq!(
            p.decide(&[signal(Category::Grooming, 0.2)], AgeBand::Unknown),
            Action::Allow
        );
        assert_eq!(p.decide(&[], AgeBand::Unknown), Action::Allow);
        let phash_only = signal(Category::KnownCsam, UNCORROBORATED_SCORE);
        assert_eq!(p.decide(&[phash_only], AgeBand::Unknown), Action::Warn);
    }

    #[test]
    fn validate_names_the_out_of_range_field() {
        assert!(Policy::default().validate().is_ok());
        let cases: [(&str, Policy); 5] = [
            (
                "pdq_radius",
                Policy {
                    pdq_radius: 257,
                    ..Policy::default()
                },
            ),
            (
                "pdq_min_quality",
                Policy {
                    pdq_min_quality: 101,
                    ..Policy::default()
                },
            ),
            (
                "phash_radius",
                Policy {
                    phash_radius: 65,
                    ..Policy::default()
                },
            ),
            (
                "grooming_warn",
                Policy {
                    grooming_warn: f32::NAN,
                    ..Policy::default()
                },
            ),
            (
                "nudity_warn",
                Policy {
                    nudity_warn: -0.1,
                    ..Policy::default()
                },
            ),
        ];
        for (field, p) in cases {
            let e = p.validate().unwrap_err();
            assert!(matches!(e, Error::Config(_)));
            assert!(e.to_string().contains(&format!("policy.{field}")), "{e}");
        }
        let edge = Policy {
            pdq_radius: 256,
            phash_radius: 0,
            grooming_block: f32::MAX,
            ..Policy::default()
        };
        assert!(edge.validate().is_ok());
    }

    #[test]
    fn sexual_text_warns_only_for_minors() {
        let p = Policy::default();
        let s = [signal(Category::Sexual, 0.9)];
        assert_eq!(p.decide(&s, AgeBand::Age13To15), Action::Warn);
        assert_eq!(p.decide(&s, AgeBand::Adult), Action::Allow);
    }
}
