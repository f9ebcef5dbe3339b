//! The [`Scanner`]: one object an app holds for its lifetime. It owns the live hash list (swapped
//! atomically by [`Scanner::apply_list_update`] while scans run), the compiled lexicons and the
//! per-conversation state, and turns every scan into a [`Verdict`].
//!
//! `Scanner` is `Send + Sync`: scans take `&self` and may run on any number of threads.

use crate::hash::{self, crypto::CryptoHashes, pdq::Dihedral};
use crate::lists::{HashKind, HashList, ListInfo, ListMatch, LiveList, TrustedKeys};
use crate::media::{DecodeLimits, MediaError};
use crate::policy::Policy;
use crate::text::{
    AgeBand, ConversationAssessment, ConversationConfig, Conversations, Direction, TextEngine,
    TextMatch,
};
use crate::verdict::{Category, Evidence, Signal, Verdict};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

/// Everything a [`Scanner`] needs; `ScannerConfig::default()` scans text with the embedded
/// English lexicons and matches images against an empty list until one is installed.
#[derive(Debug, Clone, Default)]
pub struct ScannerConfig {
    /// Directory of the on-device list store (created if missing). `None` keeps lists in a
    /// private temporary directory (tests, demos).
    pub list_store_dir: Option<PathBuf>,
    /// Issuer public keys (64 hex digits each) whose lists are accepted.
    pub trusted_list_keys: Vec<String>,
    /// Limits for image decoding.
    pub decode_limits: DecodeLimits,
    /// Thresholds and rules.
    pub policy: Policy,
    /// Extra lexicon files (TOML) loaded on top of the embedded English lexicons.
    pub extra_lexicon_files: Vec<PathBuf>,
    /// Conversation model tuning.
    pub conversation: ConversationConfig,
    /// On-device classifiers (ONNX Runtime path and models). `None` runs none. Loaded lazily on
    /// the first scan that needs them; a missing runtime or model is then a typed error.
    #[cfg(feature = "onnx")]
    pub classifiers: Option<crate::classify::ClassifierConfig>,
    /// Animated images and video scans: frame sampling and caps (issue 13).
    pub video: crate::video::VideoConfig,
}

/// The scanner's error: the crate-wide [`crate::Error`].
pub type ScanError = crate::Error;

/// A report the user chose to send: the evidence for one conversation, nothing else.
#[derive(Debug, Clone, Serialize)]
pub struct ReportBundle {
    /// Library version that produced it.
    pub library_version: &'static str,
    /// The list in force (version and digest).
    pub list: ListInfo,
    /// The conversation's current assessment with its recent evidence spans.
    pub conversation: ConversationAssessment,
}

/// The on-device scanner. See the module docs.
pub struct Scanner {
    lists: LiveList,
    conversations: Conversations,
    policy: Policy,
    limits: DecodeLimits,
    #[cfg(feature = "onnx")]
    classifiers: Option<Arc<crate::classify::ClassifierSet>>,
    video: crate::video::VideoConfig,
    _temp_store: Option<TempStore>,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("list", &self.lists.info())
            .field("conversations", &self.conversations.len())
            .field("policy", &self.policy)
            .field("classifiers", &self.has_classifiers())
            .finish()
    }
}

/// A private store directory removed on drop (used when no store directory is configured).
#[derive(Debug)]
struct TempStore(PathBuf);

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TempStore {
    fn new() -> Result<TempStore, ScanError> {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce)
            .map_err(|e| ScanError::Config(format!("no randomness: {e}")))?;
        let dir =
            std::env::temp_dir().join(format!("preflight-store-{}", crate::hex::encode(&nonce)));
        Ok(TempStore(dir))
    }
}

impl Scanner {
    /// Builds a scanner: opens (or creates) the list store and verifies the installed list,
    /// compiles the lexicons.
    /// Fails with [`ScanError::Config`] for an out-of-range policy or decoding limit
    /// ([`Policy::validate`], [`DecodeLimits::validate`]) or a malformed key.
    pub fn new(config: ScannerConfig) -> Result<Scanner, ScanError> {
        config.policy.validate()?;
        config.decode_limits.validate()?;
        let keys = config
            .trusted_list_keys
            .iter()
            .map(|k| crate::lists::IssuerPublicKey::from_hex(k))
            .collect::<Result<Vec<_>, _>>()?;
        let temp = match &config.list_store_dir {
            Some(_) => None,
            None => Some(TempStore::new()?),
        };
        let dir = match (&config.list_store_dir, &temp) {
            (Some(d), _) => d.clone(),
            (None, Some(t)) => t.0.clone(),
            (None, None) => return Err(ScanError::Config("no list store".into())),
        };
        let lists = LiveList::open(&dir, TrustedKeys::new(keys))?;
        let mut lexicons = crate::text::LexiconSet::english()?;
        for file in &config.extra_lexicon_files {
            lexicons.add_file(file)?;
        }
        let engine = TextEngine::compile(&lexicons)?;
        Ok(Scanner {
            lists,
            conversations: Conversations::new(Arc::new(engine), config.conversation),
            policy: config.policy,
            limits: config.decode_limits,
            #[cfg(feature = "onnx")]
            classifiers: config
                .classifiers
                .map(|c| Arc::new(crate::classify::ClassifierSet::new(c))),
            video: config.video,
            _temp_store: temp,
        })
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Scans image bytes: exact digests, PDQ (all eight rotations/flips) and pHash against the
    /// live list. A file that cannot be decoded still gets its exact digests matched; only when
    /// nothing matched is the decoding error returned.
    pub fn scan_image(&self, bytes: &[u8]) -> Result<Verdict, ScanError> {
        let list = self.lists.current();
        let crypto = CryptoHashes::of(bytes);
        let mut matches = Vec::new();
        matches.extend(list.match_exact(HashKind::Md5, &crypto.md5));
        matches.extend(list.match_exact(HashKind::Sha1, &crypto.sha1));
        matches.extend(list.match_exact(HashKind::Sha256, &crypto.sha256));
        // video (issue 13): animated GIF/APNG/WebP are scanned frame by frame (src/video/session.rs).
        if let Some(kind) = crate::media::animation::sniff(bytes) {
            return self.scan_animation(bytes, kind, &list, matches);
        }
        match crate::media::decode_for_hashing(bytes, &self.limits, hash::PDQ_DECODE_MIN_SIDE) {
            Ok(decoded) => self.scan_decoded(&decoded.pixels, decoded.format, &list, matches),
            Err(e) if matches.is_empty() => Err(e.into()),
            Err(_) => Ok(self.verdict(self.list_signals(&list, matches), AgeBand::Unknown, false)),
        }
    }

    /// Scans raw pixels the app already holds (a camera frame, a `CVPixelBuffer`, an Android
    /// `Bitmap`, a HEIC the platform decoded): PDQ over all eight rotations/flips and pHash
    /// against the live list, and the classifiers. There are no file bytes, so no exact digest
    /// is matched. Refused with [`ScanError::Pixels`] when the layout is inconsistent or over
    /// the decoding limits.
    ///
    /// ```
    /// use preflight::media::{Orientation, PixelBuffer, PixelFormat};
    /// let s = preflight::Scanner::new(preflight::ScannerConfig::default()).unwrap();
    /// let frame = PixelBuffer { width: 64, height: 64, row_stride: 64, format: PixelFormat::Gray8,
    ///     orientation: Orientation::Up, bytes: vec![128; 64 * 64] };
    /// assert_eq!(s.scan_pixels(&frame).unwrap().action, preflight::Action::Allow);
    /// ```
    pub fn scan_pixels(&self, buffer: &crate::media::PixelBuffer) -> Result<Verdict, ScanError> {
        let pixels = buffer.to_pixels(&self.limits)?;
        let list = self.lists.current();
        self.scan_decoded(&pixels, buffer.format.name(), &list, Vec::new())
    }

    /// PDQ and pHash of decoded pixels against `list`, plus `matches` already found (exact
    /// digests), then the classifiers.
    fn scan_decoded(
        &self,
        pixels: &crate::media::Pixels,
        format: &'static str,
        list: &HashList,
        mut matches: Vec<ListMatch>,
    ) -> Result<Verdict, ScanError> {
        let pdq =
            hash::pdq::hash_pixels(pixels.as_pdq_input()).map_err(|e| MediaError::Corrupt {
                format,
                detail: e.to_string(),
            })?;
        if pdq.quality >= self.policy.pdq_min_quality {
            let variants: Vec<[u8; 32]> = pdq.hashes.iter().map(|h| h.0).collect();
            matches.extend(list.match_pdq(&variants, self.policy.pdq_radius));
        }
        if self.policy.phash_radius > 0 && list.len(HashKind::PHash) > 0 {
            let p = hash::perceptual::hash(&pixels.to_dynamic());
            matches.extend(list.match_phash(p.phash, self.policy.phash_radius));
        }
        let mut signals = self.list_signals(list, matches);
        self.classify_image(pixels, &mut signals)?;
        Ok(self.verdict(signals, AgeBand::Unknown, false))
    }

    /// Adds classifier signals. A classifier failure (missing runtime or model) is returned as
    /// an error, except when a known-image match already decides the verdict: that is never lost.
    #[cfg(feature = "onnx")]
    fn classify_image(
        &self,
        pixels: &crate::media::Pixels,
        signals: &mut Vec<Signal>,
    ) -> Result<(), ScanError> {
        classify_pixels(self.classifiers.as_deref(), pixels, signals)
    }

    #[cfg(not(feature = "onnx"))]
    fn classify_image(
        &self,
        _pixels: &crate::media::Pixels,
        _signals: &mut Vec<Signal>,
    ) -> Result<(), ScanError> {
        Ok(())
    }

    /// The live list, the policy, the decode limits and the video settings (for `video`).
    pub(crate) fn parts(
        &self,
    ) -> (
        Arc<HashList>,
        Policy,
        DecodeLimits,
        crate::video::VideoConfig,
    ) {
        (self.lists.current(), self.policy, self.limits, self.video)
    }

    /// The classifiers, shared with video scan sessions.
    #[cfg(feature = "onnx")]
    pub(crate) fn classifier_set(&self) -> Option<Arc<crate::classify::ClassifierSet>> {
        self.classifiers.clone()
    }

    pub(crate) fn list_signals(&self, list: &HashList, matches: Vec<ListMatch>) -> Vec<Signal> {
        let accepted = self.policy.sources.filter(matches);
        if accepted.is_empty() {
            return Vec::new();
        }
        let digest = crate::hex::encode(&list.digest());
        let evidence: Vec<Evidence> = accepted
            .into_iter()
            .map(|m| Evidence::ListMatch {
                kind: m.kind,
                entry: m.entry,
                hash: m.hash_hex,
                distance: m.distance,
                variant: Dihedral::from_index(usize::from(m.variant)).unwrap_or(Dihedral::Original),
                label: m.label,
                list_category: m.category,
                sources: m.source_org_names,
                list_version: list.version(),
                list_digest: digest.clone(),
            })
            .collect();
        vec![Signal {
            category: Category::KnownCsam,
            score: 1.0,
            evidence,
        }]
    }

    /// Scans one chat message and folds it into its conversation's state. `direction` is from
    /// the local user's point of view; `age_band` is the local user's, if the app knows it.
    pub fn scan_text(
        &self,
        conversation_id: &str,
        direction: Direction,
        age_band: AgeBand,
        text: &str,
    ) -> Result<Verdict, ScanError> {
        let a = self
            .conversations
            .observe(conversation_id, direction, age_band, text);
        let mut signals = Vec::new();
        let lexicon = |m: &TextMatch| Evidence::Lexicon {
            lexicon_id: m.lexicon_id.clone(),
            start: m.start as u64,
            end: m.end as u64,
            excerpt: m.matched.clone(),
            stage: m.stage,
            level: m.level,
            modifiers: m.modifiers.clone(),
            weight: m.effective_weight,
        };
        let of =
            |c: crate::text::Category| a.message.matches.iter().filter(move |m| m.category == c);

        let groom_terms = of(crate::text::Category::Grooming).next().is_some();
        if a.grooming_risk > 0.0 && (groom_terms || a.grooming_risk >= self.policy.grooming_report)
        {
            let mut evidence = vec![Evidence::ConversationRisk {
                grooming_risk: a.grooming_risk,
                stages: a.stages.iter().map(|s| s.stage).collect(),
                messages: a.messages,
            }];
            evidence.extend(of(crate::text::Category::Grooming).map(lexicon));
            signals.push(Signal {
                category: Category::Grooming,
                score: a.grooming_risk,
                evidence,
            });
        }
        if a.self_harm_level.is_some() || a.peer_self_harm_level.is_some() {
            let level = a.self_harm_level.max(a.peer_self_harm_level);
            let mut evidence = vec![Evidence::SelfHarmLevel {
                own: a.self_harm_level,
                peer: a.peer_self_harm_level,
            }];
            evidence.extend(of(crate::text::Category::SelfHarm).map(lexicon));
            signals.push(Signal {
                category: Category::SelfHarm,
                score: level.map_or(0.0, |l| (l as u8 as f32 + 1.0) / 6.0),
                evidence,
            });
        }
        let sexual: Vec<&TextMatch> = of(crate::text::Category::Sexual)
            .filter(|m| m.effective_weight > 0.0)
            .collect();
        if !sexual.is_empty() {
            let score = sexual
                .iter()
                .map(|m| m.effective_weight)
                .fold(0.0f32, f32::max)
                .min(1.0);
            signals.push(Signal {
                category: Category::Sexual,
                score,
                evidence: sexual.into_iter().map(lexicon).collect(),
            });
        }
        #[cfg(feature = "onnx")]
        if let Some(set) = self
            .classifiers
            .as_ref()
            .filter(|s| s.config().text_model.is_some())
        {
            let scores = set.text(&[text])?;
            let found: Vec<_> = scores
                .iter()
                .flat_map(|t| t.signals())
                .filter(|s| s.score >= self.policy.text_model_min_score)
                .collect();
            signals.extend(classifier_signals(found));
        }
        Ok(self.verdict(signals, age_band, a.support_suggested))
    }

    /// Loads the configured classifiers now (ONNX Runtime and models) instead of on the first
    /// image scan, e.g. at app start on a background thread. Without classifiers it does nothing.
    pub fn preload(&self) -> Result<(), ScanError> {
        #[cfg(feature = "onnx")]
        if let Some(c) = &self.classifiers {
            c.preload()?;
        }
        Ok(())
    }

    /// Tells `hook` the id of every conversation evicted from memory (least recently used,
    /// beyond [`ConversationConfig::max_conversations`]); `None` stops it.
    pub fn set_eviction_hook(&self, hook: Option<crate::text::EvictionHook>) {
        self.conversations.set_eviction_hook(hook);
    }

    /// Whether classifiers are configured (they load on first use).
    pub fn has_classifiers(&self) -> bool {
        #[cfg(feature = "onnx")]
        {
            self.classifiers.is_some()
        }
        #[cfg(not(feature = "onnx"))]
        {
            false
        }
    }

    fn verdict(&self, signals: Vec<Signal>, age_band: AgeBand, support: bool) -> Verdict {
        Verdict {
            action: self.policy.decide(&signals, age_band),
            support_suggested: support || signals.iter().any(|s| s.category == Category::SelfHarm),
            signals,
        }
    }

    /// Installs a signed full list or delta (verified against the trusted keys, refused if not
    /// newer unless `force`), atomically, while scans continue. On error the previous list
    /// stays live.
    pub fn apply_list_update(&self, bytes: &[u8], force: bool) -> Result<ListInfo, ScanError> {
        Ok(self.lists.apply_update(bytes, force)?)
    }

    /// Version, digest and counts of the live list.
    pub fn list_info(&self) -> ListInfo {
        self.lists.info()
    }

    /// Exports one conversation's state (a versioned TOML document) for the app to persist,
    /// or `None` if the conversation is unknown.
    pub fn export_conversation(&self, conversation_id: &str) -> Result<Option<String>, ScanError> {
        Ok(self.conversations.export_state(conversation_id)?)
    }

    /// Restores a conversation exported by [`Scanner::export_conversation`]; returns its id.
    pub fn import_conversation(&self, document: &str) -> Result<String, ScanError> {
        Ok(self.conversations.import_state(document)?)
    }

    /// Forgets a conversation (e.g. when the user deletes it).
    pub fn forget_conversation(&self, conversation_id: &str) -> bool {
        self.conversations.forget(conversation_id)
    }

    /// The evidence for one conversation, for a report the user chose to send. `None` if the
    /// conversation is unknown. Nothing is sent anywhere by the library.
    pub fn report_bundle(&self, conversation_id: &str) -> Option<ReportBundle> {
        let conversation = self.conversations.assessment(conversation_id)?;
        Some(ReportBundle {
            library_version: env!("CARGO_PKG_VERSION"),
            list: self.list_info(),
            conversation,
        })
    }
}

/// Runs the configured classifiers on one image and adds their signals. A classifier failure
/// (missing runtime or model) is returned as an error, except when a known-image match already
/// decides the verdict: that is never lost.
#[cfg(feature = "onnx")]
pub(crate) fn classify_pixels(
    set: Option<&crate::classify::ClassifierSet>,
    pixels: &crate::media::Pixels,
    signals: &mut Vec<Signal>,
) -> Result<(), ScanError> {
    let Some(set) = set else {
        return Ok(());
    };
    // Borrow RGB pixels as they are; only a grey image needs converting.
    let rgb = match pixels {
        crate::media::Pixels::Rgb8(i) => std::borrow::Cow::Borrowed(i),
        grey => std::borrow::Cow::Owned(grey.to_rgb()),
    };
    let mut found = Vec::new();
    let mut run = || -> Result<(), crate::classify::ClassifyError> {
        if set.config().nsfw_model.is_some() {
            found.push(set.nsfw(&rgb)?.signal());
        }
        if set.config().nudenet_model.is_some() {
            found.extend(set.nudenet(&rgb)?.iter().filter_map(|d| d.signal()));
        }
        Ok(())
    };
    match run() {
        Ok(()) => {}
        Err(_) if signals.iter().any(|s| s.category == Category::KnownCsam) => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    signals.extend(classifier_signals(found));
    Ok(())
}

/// Classifier findings as verdict signals, one per category, evidence naming model and label.
#[cfg(feature = "onnx")]
fn classifier_signals(found: Vec<crate::classify::ClassifierSignal>) -> Vec<Signal> {
    let mut out: Vec<Signal> = Vec::new();
    for f in found {
        let evidence = Evidence::Classifier {
            model: f.model,
            label: f.label,
            score: f.score,
        };
        match out.iter_mut().find(|s| s.category == f.category) {
            Some(s) => {
                s.score = s.score.max(f.score);
                s.evidence.push(evidence);
            }
            None => out.push(Signal {
                category: f.category,
                score: f.score,
                evidence: vec![evidence],
            }),
        }
    }
    out
}

// The scanner must be shareable across threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Scanner>();
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scanner_scans_text_and_allows_unlisted_images() {
        let s = Scanner::new(ScannerConfig::default()).unwrap();
        let v = s
            .scan_text(
                "c1",
                Direction::Received,
                AgeBand::Age13To15,
                "hey how was school",
            )
            .unwrap();
        assert_eq!(v.action, crate::verdict::Action::Allow);
        let img =
            image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 0]));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let v = s.scan_image(&png).unwrap();
        assert_eq!(v.action, crate::verdict::Action::Allow);
        assert!(v.signals.is_empty());
        assert_eq!(s.list_info().version, 0);
    }

    #[test]
    fn undecodable_bytes_are_a_typed_error() {
        let s = Scanner::new(ScannerConfig::default()).unwrap();
        assert!(matches!(
            s.scan_image(b"nope"),
            Err(ScanError::Media(MediaError::UnknownFormat))
        ));
    }
}
