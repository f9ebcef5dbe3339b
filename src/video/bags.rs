//! vPDQ comparison of a video scan against the list's videos, fed frame by frame.
//!
//! Every frame hit from the shared PDQ index ([`crate::lists::HashList::match_pdq`]) whose
//! entry belongs to a listed video counts for that video (per dihedral variant, so a rotated
//! copy matches through its variant) instead of deciding alone; hits on other entries are still
//! images and are returned to the caller. A video matches as vPDQ decides: its target-match
//! percentage (its distinct frames matched by some scanned frame) reaches
//! [`Policy::video_target_match_pct`] and the query-match percentage (the scan's distinct
//! good-quality frames that matched it) reaches [`Policy::video_query_match_pct`]. With a query
//! threshold of 0 (the default) the match is certain as soon as the target share is reached.

use crate::hash::pdq::{Dihedral, PdqHash};
use crate::lists::{HashList, ListMatch, SourcePolicy};
use crate::policy::Policy;
use crate::verdict::{Evidence, MatchedFrame};
use std::collections::{HashMap, HashSet};

/// Most matched frames listed in one [`Evidence::VideoMatch`].
const MAX_LISTED_FRAMES: usize = 64;

#[derive(Default)]
struct Tally {
    query_hits: HashSet<PdqHash>,
    target_hits: HashSet<u32>,
    frames: Vec<MatchedFrame>,
}

/// Per-video tallies of one scan.
pub(crate) struct VideoBags {
    target_pct: f64,
    query_pct: f64,
    sources: SourcePolicy,
    query_frames: HashSet<PdqHash>,
    /// (video, variant) -> tally.
    tallies: HashMap<(u32, u8), Tally>,
    certain: bool,
}

impl VideoBags {
    pub(crate) fn new(policy: &Policy) -> VideoBags {
        VideoBags {
            sources: policy.sources,
            target_pct: f64::from(policy.video_target_match_pct),
            query_pct: f64::from(policy.video_query_match_pct),
            query_frames: HashSet::new(),
            tallies: HashMap::new(),
            certain: false,
        }
    }

    /// Records one good-quality frame (`hash` = its original-orientation hash) and its hits;
    /// returns the hits on entries that belong to no listed video.
    pub(crate) fn observe(
        &mut self,
        list: &HashList,
        index: u32,
        timestamp_ms: u64,
        hash: &PdqHash,
        hits: Vec<ListMatch>,
    ) -> Vec<ListMatch> {
        let Some(section) = list.videos() else {
            return hits;
        };
        let bytes = list.as_bytes();
        self.query_frames.insert(*hash);
        let mut stills = Vec::new();
        for m in hits {
            let videos = section.videos_of_entry(bytes, m.entry);
            if videos.is_empty() {
                stills.push(m);
                continue;
            }
            for v in videos {
                let Some(rec) = section.record(bytes, v as usize) else {
                    continue;
                };
                let listed = rec
                    .refs
                    .clone()
                    .position(|k| section.frame_entry(bytes, k) == m.entry)
                    .unwrap_or(0) as u32;
                let t = self.tallies.entry((v, m.variant)).or_default();
                t.query_hits.insert(*hash);
                t.target_hits.insert(m.entry);
                match t.frames.iter_mut().find(|f| f.frame_index == index) {
                    Some(f) if f.distance <= m.distance => {}
                    Some(f) => {
                        f.listed_frame = listed;
                        f.distance = m.distance;
                    }
                    None => t.frames.push(MatchedFrame {
                        frame_index: index,
                        timestamp_ms,
                        listed_frame: listed,
                        distance: m.distance,
                    }),
                }
                let target = pct(t.target_hits.len(), rec.refs.len());
                if self.query_pct <= 0.0
                    && target >= self.target_pct
                    && probe(list, v, rec.tag, m.variant).is_some_and(|p| self.sources.accepts(&p))
                {
                    self.certain = true;
                }
            }
        }
        stills
    }

    pub(crate) fn is_certain(&self) -> bool {
        self.certain
    }

    /// One [`Evidence::VideoMatch`] per matching video (its best variant).
    pub(crate) fn evidence(self, list: &HashList) -> Vec<Evidence> {
        let Some(section) = list.videos() else {
            return Vec::new();
        };
        let bytes = list.as_bytes();
        let digest = crate::hex::encode(&list.digest());
        let mut best: HashMap<u32, (f64, f64, u8, Tally)> = HashMap::new();
        for ((v, variant), t) in self.tallies {
            let Some(rec) = section.record(bytes, v as usize) else {
                continue;
            };
            let target = pct(t.target_hits.len(), rec.refs.len());
            let query = pct(t.query_hits.len(), self.query_frames.len());
            if target < self.target_pct || query < self.query_pct {
                continue;
            }
            let better = best.get(&v).is_none_or(|b| (target, query) > (b.0, b.1));
            if better {
                best.insert(v, (target, query, variant, t));
            }
        }
        let mut out: Vec<(u32, Evidence)> = Vec::new();
        for (v, (target, query, variant, mut t)) in best {
            let Some(rec) = section.record(bytes, v as usize) else {
                continue;
            };
            let Some(probe) = probe(list, v, rec.tag, variant) else {
                continue;
            };
            if !self.sources.accepts(&probe) {
                continue;
            }
            t.frames.sort_by_key(|f| f.frame_index);
            t.frames.truncate(MAX_LISTED_FRAMES);
            out.push((
                v,
                Evidence::VideoMatch {
                    entry: v,
                    label: probe.label,
                    list_category: probe.category,
                    sources: probe.source_org_names,
                    variant: Dihedral::from_index(usize::from(variant))
                        .unwrap_or(Dihedral::Original),
                    query_match_pct: query as f32,
                    target_match_pct: target as f32,
                    matched_frames: t.frames,
                    list_version: list.version(),
                    list_digest: digest.clone(),
                },
            ));
        }
        out.sort_by_key(|(v, _)| *v);
        out.into_iter().map(|(_, e)| e).collect()
    }
}

/// The video's sources, label and category in the shape the source policy takes.
fn probe(list: &HashList, video: u32, tag: u32, variant: u8) -> Option<ListMatch> {
    let tag = list.tag_record(tag)?;
    Some(ListMatch {
        kind: crate::lists::HashKind::Pdq,
        entry: video,
        hash_hex: String::new(),
        distance: 0,
        variant,
        source_orgs: tag.orgs,
        source_org_names: list.org_names(tag.orgs),
        label: list.string(tag.label).to_string(),
        category: list.string(tag.category).to_string(),
    })
}

fn pct(hit: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        hit as f64 * 100.0 / of as f64
    }
}
