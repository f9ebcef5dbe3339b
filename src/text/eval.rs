//! Evaluation metrics for the text signals: precision / recall / F1 from counts, ROC AUC,
//! recall at a false-positive budget, detection delay statistics and the latency-weighted F1
//! used for early sexual predator detection.
//!
//! This module only computes numbers from scores and labels the caller already has; reading
//! labelled files and running the detectors is the CLI's job (`preflight eval text`, see
//! `docs/TEXT_EVAL.md`).
//!
//! ```
//! use preflight::text::eval::{roc_auc, Counts};
//! let c = Counts { tp: 8, fp: 2, fn_: 2, tn: 88 };
//! assert!((c.f1().unwrap() - 0.8).abs() < 1e-9);
//! // Two positives scored above both negatives: perfect separation.
//! let auc = roc_auc(&[(0.9, true), (0.8, true), (0.3, false), (0.1, false)]).unwrap();
//! assert_eq!(auc, 1.0);
//! ```

use serde::Serialize;

/// Confusion counts of one binary decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Positives predicted positive.
    pub tp: u64,
    /// Negatives predicted positive.
    pub fp: u64,
    /// Positives predicted negative.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// Negatives predicted negative.
    pub tn: u64,
}

impl Counts {
    /// Adds one observation.
    pub fn add(&mut self, actual: bool, predicted: bool) {
        match (actual, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    /// `tp / (tp + fp)`; `None` when nothing was predicted positive.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    /// `tp / (tp + fn)`; `None` when there are no positives.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// `fp / (fp + tn)`; `None` when there are no negatives.
    pub fn false_positive_rate(&self) -> Option<f64> {
        ratio(self.fp, self.fp + self.tn)
    }

    /// Harmonic mean of precision and recall, `2tp / (2tp + fp + fn)`; `None` when there are
    /// no positives and nothing was predicted positive. (Defined as 0 when precision is
    /// undefined but positives exist: every positive was missed.)
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    /// A serializable summary (counts plus the derived rates).
    pub fn summary(&self) -> Scores {
        Scores {
            counts: *self,
            precision: self.precision(),
            recall: self.recall(),
            f1: self.f1(),
        }
    }
}

/// [`Counts`] with precision, recall and F1, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// The counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// Precision, if defined.
    pub precision: Option<f64>,
    /// Recall, if defined.
    pub recall: Option<f64>,
    /// F1, if defined.
    pub f1: Option<f64>,
}

/// A hit rate: `hits` out of `total`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Rate {
    /// Items that were hit (detected, flagged).
    pub hits: u64,
    /// All items.
    pub total: u64,
}

impl Rate {
    /// Adds one item.
    pub fn add(&mut self, hit: bool) {
        self.total += 1;
        self.hits += u64::from(hit);
    }

    /// `hits / total`, `None` for an empty rate.
    pub fn value(&self) -> Option<f64> {
        ratio(self.hits, self.total)
    }
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Area under the ROC curve of `(score, is_positive)` pairs: the probability that a random
/// positive scores above a random negative, ties counting one half (the Mann-Whitney U
/// statistic over `positives × negatives`). `None` if either class is empty or a score is NaN.
///
/// O(n log n): scores are ranked once, tied scores share their average rank.
pub fn roc_auc(scored: &[(f32, bool)]) -> Option<f64> {
    if scored.iter().any(|(s, _)| s.is_nan()) {
        return None;
    }
    let mut sorted: Vec<(f32, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = sorted.iter().filter(|x| x.1).count() as f64;
    let negatives = sorted.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    // Sum of the (1-based, tie-averaged) ranks of the positives.
    let mut rank_sum = 0.0f64;
    let mut i = 0;
    while i < sorted.len() {
        let score = sorted.get(i).map_or(0.0, |x| x.0);
        let j = i + sorted
            .get(i..)
            .map_or(0, |rest| rest.iter().take_while(|x| x.0 == score).count());
        let avg_rank = (i + 1 + j) as f64 / 2.0;
        let pos_here = sorted
            .get(i..j)
            .map_or(0, |g| g.iter().filter(|x| x.1).count());
        rank_sum += avg_rank * pos_here as f64;
        i = j.max(i + 1);
    }
    let u = rank_sum - positives * (positives + 1.0) / 2.0;
    Some(u / (positives * negatives))
}

/// One threshold of a score: everything scoring `>= threshold` is predicted positive.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OperatingPoint {
    /// The threshold.
    pub threshold: f32,
    /// Recall (true-positive rate) at that threshold.
    pub recall: f64,
    /// False-positive rate at that threshold.
    pub false_positive_rate: f64,
}

/// The operating point with the highest recall whose false-positive rate is at most
/// `max_fpr`, over every distinct score used as a threshold (ties are never split). A score of
/// 0 or below is "no signal": such items are never predicted positive, so a detector that
/// scores nothing cannot buy recall by flagging everything. `None` if a class is empty; if no
/// threshold qualifies, the point has recall 0 at an infinite threshold.
pub fn recall_at_fpr(scored: &[(f32, bool)], max_fpr: f64) -> Option<OperatingPoint> {
    let positives = scored.iter().filter(|x| x.1).count() as f64;
    let negatives = scored.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    let mut sorted: Vec<(f32, bool)> = scored.iter().copied().filter(|x| !x.0.is_nan()).collect();
    // Highest score first: lowering the threshold step by step only adds predictions.
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut best = OperatingPoint {
        threshold: f32::INFINITY,
        recall: 0.0,
        false_positive_rate: 0.0,
    };
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut i = 0;
    while let Some(&(score, _)) = sorted.get(i) {
        if score <= 0.0 {
            break;
        }
        let group = sorted
            .get(i..)
            .map_or(0, |rest| rest.iter().take_while(|x| x.0 == score).count())
            .max(1);
        for &(_, positive) in sorted.get(i..i + group).unwrap_or(&[]) {
            if positive {
                tp += 1;
            } else {
                fp += 1;
            }
        }
        i += group;
        let fpr = fp as f64 / negatives;
        let recall = tp as f64 / positives;
        if fpr <= max_fpr && recall > best.recall {
            best = OperatingPoint {
                threshold: score,
                recall,
                false_positive_rate: fpr,
            };
        }
    }
    Some(best)
}

/// Median of the values (mean of the middle two for an even count); `None` if empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v.get(mid).copied()
    } else {
        Some((v.get(mid - 1)? + v.get(mid)?) / 2.0)
    }
}

/// The latency penalty of raising a warning after `k` messages (1-based):
/// `penalty(k) = −1 + 2 / (1 + e^(−p·(k − 1)))`. It is 0 for a warning on the first message
/// and approaches 1 as the warning comes later; `p` sets how fast (see
/// [`DEFAULT_LATENCY_P`]).
pub fn latency_penalty(k: u64, p: f64) -> f64 {
    let k = k.max(1) as f64;
    -1.0 + 2.0 / (1.0 + (-p * (k - 1.0)).exp())
}

/// Default steepness of [`latency_penalty`]: 0.0078, the value of the eRisk early-risk
/// evaluations (Losada et al. 2019), which gives a penalty of 0.5 after about 142 messages.
pub const DEFAULT_LATENCY_P: f64 = 0.0078;

/// Latency-weighted F1 (`F_latency`) of early detection.
///
/// Defined by Sadeque, Xu & Bethard (2018, "Measuring the latency of depression detection in
/// social media", WSDM) and used for early sexual predator detection (eSPD) by Vogt, Leser &
/// Akbik (2021, "Early Detection of Sexual Predators in Chats", ACL-IJCNLP 2021,
/// <https://aclanthology.org/2021.acl-long.386>):
///
/// `F_latency = F1 × speed`, `speed = 1 − median{ penalty(k_c) : c a true positive }`,
///
/// where `k_c` is the number of messages of conversation `c` seen when the warning was raised
/// and `penalty` is [`latency_penalty`]. `counts` are conversation-level counts (a
/// conversation is predicted positive if it ever warns); `true_positive_ks` holds one `k` per
/// true positive. Returns `None` if F1 is undefined; with no true positive F1 is 0 and so is
/// the result.
pub fn latency_weighted_f1(counts: &Counts, true_positive_ks: &[u64], p: f64) -> Option<f64> {
    let f1 = counts.f1()?;
    let penalties: Vec<f64> = true_positive_ks
        .iter()
        .map(|&k| latency_penalty(k, p))
        .collect();
    let speed = median(&penalties).map_or(0.0, |m| 1.0 - m);
    Some(f1 * speed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn counts_hand_computed() {
        let mut c = Counts::default();
        // 3 TP, 1 FP, 2 FN, 4 TN.
        for (a, p) in [
            (true, true),
            (true, true),
            (true, true),
            (false, true),
            (true, false),
            (true, false),
            (false, false),
            (false, false),
            (false, false),
            (false, false),
        ] {
            c.add(a, p);
        }
        assert_eq!((c.tp, c.fp, c.fn_, c.tn), (3, 1, 2, 4));
        assert!(close(c.precision().unwrap(), 0.75));
        assert!(close(c.recall().unwrap(), 0.6));
        // 2*0.75*0.6/(1.35) = 0.6666...
        assert!(close(c.f1().unwrap(), 2.0 / 3.0));
        assert!(close(c.false_positive_rate().unwrap(), 0.2));
        assert_eq!(Counts::default().f1(), None);
        let all_missed = Counts {
            fn_: 3,
            tn: 2,
            ..Default::default()
        };
        assert_eq!(all_missed.precision(), None);
        assert_eq!(all_missed.f1(), Some(0.0));
    }

    #[test]
    fn auc_hand_computed_with_ties() {
        // Positives 0.9, 0.5; negatives 0.5, 0.2, 0.1.
        // Pairs: (0.9 > all 3) = 3; (0.5 vs 0.5) = 0.5; (0.5 > 0.2, 0.1) = 2 → 5.5 / 6.
        let s = [
            (0.9, true),
            (0.5, true),
            (0.5, false),
            (0.2, false),
            (0.1, false),
        ];
        assert!(close(roc_auc(&s).unwrap(), 5.5 / 6.0));
        // Reversed labels give 1 - AUC.
        let r: Vec<(f32, bool)> = s.iter().map(|&(x, l)| (x, !l)).collect();
        assert!(close(roc_auc(&r).unwrap(), 0.5 / 6.0));
        // All equal scores: chance.
        assert!(close(
            roc_auc(&[(0.0, true), (0.0, false), (0.0, false)]).unwrap(),
            0.5
        ));
        assert_eq!(roc_auc(&[(0.3, true)]), None);
        assert_eq!(roc_auc(&[(f32::NAN, true), (0.1, false)]), None);
    }

    #[test]
    fn recall_at_fpr_never_splits_ties_and_ignores_zero_scores() {
        // 4 positives, 10 negatives. Thresholds: 0.9 → tp1 fp0; 0.8 → tp2 fp1 (fpr .1);
        // 0.7 → tp3 fp2 (.2); 0 → rest.
        let mut s = vec![
            (0.9, true),
            (0.8, true),
            (0.8, false),
            (0.7, true),
            (0.7, false),
        ];
        s.extend(std::iter::repeat_n((0.0f32, false), 8));
        s.push((0.0, true));
        let p = recall_at_fpr(&s, 0.1).unwrap();
        assert!(close(p.recall, 0.5) && close(p.false_positive_rate, 0.1));
        assert_eq!(p.threshold, 0.8);
        let p = recall_at_fpr(&s, 0.05).unwrap();
        assert!(close(p.recall, 0.25));
        // The zero-score positive is never reached, even with an unlimited budget.
        let p = recall_at_fpr(&s, 1.0).unwrap();
        assert!(close(p.recall, 0.75), "{p:?}");
        // Nothing qualifies: recall 0.
        let p = recall_at_fpr(&[(0.5, false), (0.5, true)], 0.0).unwrap();
        assert_eq!(p.recall, 0.0);
        assert_eq!(recall_at_fpr(&[(0.5, true)], 0.1), None);
    }

    #[test]
    fn median_and_latency() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert!(close(latency_penalty(1, DEFAULT_LATENCY_P), 0.0));
        // penalty(k) = 0.5  ⇔  e^(−p(k−1)) = 1/3  ⇔  k = 1 + ln 3 / p ≈ 141.8.
        let k_half = 1.0 + 3f64.ln() / DEFAULT_LATENCY_P;
        assert!((k_half - 141.85).abs() < 0.1, "{k_half}");
        assert!(latency_penalty(142, DEFAULT_LATENCY_P) > 0.5);
        assert!(latency_penalty(141, DEFAULT_LATENCY_P) < 0.5);
        // With p = ln 3: penalty(2) = -1 + 2/(1 + 1/3) = 0.5.
        assert!(close(latency_penalty(2, 3f64.ln()), 0.5));
    }

    #[test]
    fn latency_weighted_f1_hand_computed() {
        let p = 3f64.ln();
        // F1 = 2*3/(6+1+1) = 0.75; ks 1, 2, 2 → penalties 0, .5, .5 → median .5 → speed .5.
        let c = Counts {
            tp: 3,
            fp: 1,
            fn_: 1,
            tn: 5,
        };
        assert!(close(
            latency_weighted_f1(&c, &[1, 2, 2], p).unwrap(),
            0.375
        ));
        // All warnings on the first message: no latency cost.
        assert!(close(latency_weighted_f1(&c, &[1, 1, 1], p).unwrap(), 0.75));
        let none = Counts {
            fn_: 2,
            tn: 2,
            ..Default::default()
        };
        assert_eq!(latency_weighted_f1(&none, &[], p), Some(0.0));
    }
}
