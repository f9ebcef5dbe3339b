//! The [`Scanner`]: one object an app holds for its lifetime. It owns the live hash list (swapped
//! atomically by [`Scanner::apply_list_update`] while scans run), the compiled lexicons and the
//! per-conversation state, and turns every scan into a [`Verdict`].
//!
//! `Scanner` is `Send + Sync`: scans take `&self` and may run on any number of threads.

use crate::hash::{self, crypto::CryptoHashes, pdq::Dihedral};
use crate::lists::{HashKind, HashList, ListInfo, ListMatch, LiveList, TrustedKeys};
use crate::media::reframe::Reframe;
use crate::media::{DecodeLimits, MediaError};
use crate::policy::Policy;
use crate::text::model::{Label, TextModel};
use crate::text::{
    AgeBand, ConversationAssessment, ConversationConfig, Conversations, Direction, TextEngine,
    TextMatch,
};
use crate::verdict::{Category, Corroboration, Evidence, Signal, Verdict};
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
    /// The learned message classifier read beside the lexicons (default: the embedded model
    /// when built with the `text-model-embedded` feature, else none).
    pub text_model: TextModelChoice,
    /// On-device classifiers (ONNX Runtime path and models). `None` runs none. Loaded lazily on
    /// the first scan that needs them; a missing runtime or model is then a typed error.
    #[cfg(feature = "onnx")]
    pub classifiers: Option<crate::classify::ClassifierConfig>,
    /// Animated images and video scans: frame sampling and caps (issue 13).
    pub video: crate::video::VideoConfig,
    /// Most threads one scan may use (`None`: as many as help, at most 8 for a JPEG's entropy
    /// decoding, one decoding thread beside the caller's for an animation, and ONNX Runtime's
    /// own choice). `Some(1)` keeps every scan on the calling thread (the ONNX Runtime intra-op
    /// pool then has one thread too). The classifiers' `intra_threads`, if set, is capped by it.
    /// Verdicts are the same whatever the value.
    pub scan_threads: Option<std::num::NonZeroUsize>,
}

/// Which learned message classifier ([`crate::text::model`]) a [`Scanner`] uses.
#[derive(Debug, Clone, Default)]
pub enum TextModelChoice {
    /// The model carried in the binary if the crate was built with `text-model-embedded`,
    /// otherwise none (lexicons only).
    #[default]
    Default,
    /// Lexicons only.
    Off,
    /// A model the app loaded (from its asset bytes or a path).
    Model(Arc<TextModel>),
}

impl TextModelChoice {
    fn resolve(&self) -> Result<Option<Arc<TextModel>>, ScanError> {
        match self {
            TextModelChoice::Off => Ok(None),
            TextModelChoice::Model(m) => Ok(Some(m.clone())),
            #[cfg(feature = "text-model-embedded")]
            TextModelChoice::Default => TextModel::embedded()
                .map(|m| Some(Arc::new(m)))
                .map_err(|e| ScanError::Config(e.to_string())),
            #[cfg(not(feature = "text-model-embedded"))]
            TextModelChoice::Default => Ok(None),
        }
    }
}

/// A list hit and the region of the image that produced it.
struct Tagged {
    m: ListMatch,
    reframe: Reframe,
}

/// The classifiers' intra-op threads under the scan's thread bound: the smaller of the two when
/// both are set.
#[cfg(feature = "onnx")]
fn cap_threads(intra: Option<usize>, scan: Option<std::num::NonZeroUsize>) -> Option<usize> {
    match (intra, scan) {
        (Some(i), Some(s)) => Some(i.clamp(1, s.get())),
        (None, Some(s)) => Some(s.get()),
        (i, None) => i,
    }
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
    scan_threads: Option<std::num::NonZeroUsize>,
    /// Lists from several issuers ([`Scanner::with_issuers`]), beside the single list.
    pub(crate) issuers: Option<crate::scanner_issuers::Issuers>,
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
    /// compiles the lexicons. A bad installed list does not fail this (see
    /// [`Scanner::list_status`]); an invalid trusted key or an uncreatable store does.
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
        let mut lexicons = crate::text::LexiconSet::embedded()?;
        for file in &config.extra_lexicon_files {
            lexicons.add_file(file)?;
        }
        let engine = TextEngine::compile(&lexicons)?;
        Ok(Scanner {
            lists,
            conversations: Conversations::with_model(
                Arc::new(engine),
                config.text_model.resolve()?,
                config.conversation,
            ),
            policy: config.policy,
            limits: config.decode_limits,
            #[cfg(feature = "onnx")]
            classifiers: config.classifiers.map(|mut c| {
                c.intra_threads = cap_threads(c.intra_threads, config.scan_threads);
                Arc::new(crate::classify::ClassifierSet::new(c))
            }),
            video: config.video,
            scan_threads: config.scan_threads,
            issuers: None,
            _temp_store: temp,
        })
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Scans image bytes: exact digests, then PDQ (all eight rotations/flips) and pHash of the
    /// whole image and of every region `media::reframe` finds in it (border trimmed, picture
    /// inside a screenshot or above a caption), against the live list. A truncated file is
    /// decoded as far as it goes and its evidence says `partial`. A file that cannot be decoded
    /// still gets its exact digests matched; only when nothing matched is the decoding error
    /// returned. A pHash match alone warns, never blocks (see [`Policy::action_for`]).
    pub fn scan_image(&self, bytes: &[u8]) -> Result<Verdict, ScanError> {
        let list = self.lists.current();
        let crypto = CryptoHashes::of(bytes);
        let exact: [(HashKind, &[u8]); 3] = [
            (HashKind::Md5, &crypto.md5),
            (HashKind::Sha1, &crypto.sha1),
            (HashKind::Sha256, &crypto.sha256),
        ];
        let mut matches: Vec<Tagged> = Vec::new();
        let whole = |m| Tagged {
            m,
            reframe: Reframe::Whole,
        };
        matches.extend(
            list.match_exact(HashKind::Md5, &crypto.md5)
                .into_iter()
                .map(whole),
        );
        matches.extend(
            list.match_exact(HashKind::Sha1, &crypto.sha1)
                .into_iter()
                .map(whole),
        );
        matches.extend(
            list.match_exact(HashKind::Sha256, &crypto.sha256)
                .into_iter()
                .map(whole),
        );
        // video (issue 13): animated GIF/APNG/WebP are scanned frame by frame (src/video/session.rs).
        if let Some(kind) = crate::media::animation::sniff(bytes) {
            let mut signals = self.tagged_signals(&list, matches, false);
            signals.extend(self.issuer_signal(&[], &exact));
            return self.scan_animation(bytes, kind, &list, signals);
        }
        let min_side = hash::PDQ_DECODE_MIN_SIDE;
        let decoded =
            crate::media::decode_for_hashing_on(bytes, &self.limits, min_side, self.scan_threads)
                .map(|d| self.redecode_small_regions(bytes, d));
        match decoded {
            Ok(decoded) => self.scan_decoded(
                &decoded.pixels,
                decoded.format,
                &list,
                (matches, &exact),
                decoded.partial,
            ),
            Err(e) => {
                let issuers = self.issuer_signal(&[], &exact);
                if matches.is_empty() && issuers.is_none() {
                    return Err(e.into());
                }
                let mut signals = self.tagged_signals(&list, matches, false);
                signals.extend(issuers);
                Ok(self.verdict(signals, AgeBand::Unknown, false))
            }
        }
    }

    /// A picture inside a screenshot is a fraction of the frame: when a DCT-scaled JPEG decode
    /// left such a region shorter than PDQ's working size, the file is decoded again at the
    /// scale that gives the region that size (only then; an ordinary photo has no region).
    /// The first decode is kept when the second fails.
    fn redecode_small_regions(
        &self,
        bytes: &[u8],
        d: crate::media::DecodedImage,
    ) -> crate::media::DecodedImage {
        if d.scale_denominator <= 1 {
            return d;
        }
        let want = hash::PDQ_DECODE_MIN_SIDE;
        let Some(short) = crate::media::reframe::regions(&d.pixels)
            .iter()
            .map(|(_, r)| r.w.min(r.h))
            .min()
        else {
            return d;
        };
        if short >= want {
            return d;
        }
        let side = d.pixels.width().min(d.pixels.height());
        let factor = want
            .div_ceil(short.max(1))
            .min(u32::from(d.scale_denominator));
        crate::media::decode_for_hashing(bytes, &self.limits, side.saturating_mul(factor))
            .unwrap_or(d)
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
        self.scan_decoded(
            &pixels,
            buffer.format.name(),
            &list,
            (Vec::new(), &[]),
            false,
        )
    }

    /// PDQ and pHash of decoded pixels against `list`, plus `matches` already found (exact
    /// digests), then the issuers' lists (PDQ and the `exact` digests), then the classifiers.
    fn scan_decoded(
        &self,
        pixels: &crate::media::Pixels,
        format: &'static str,
        list: &HashList,
        (mut matches, exact): (Vec<Tagged>, &[(HashKind, &[u8])]),
        partial: bool,
    ) -> Result<Verdict, ScanError> {
        let with_phash = self.policy.phash_radius > 0 && list.len(HashKind::PHash) > 0;
        let regions = hash::variants::hash_regions(pixels, with_phash)
            .map_err(|e| MediaError::corrupt_from(format, e))?;
        let mut pdq_queries: Vec<Vec<[u8; 32]>> = Vec::new();
        for r in &regions {
            let tag = |m| Tagged {
                m,
                reframe: r.reframe,
            };
            if r.pdq.quality >= self.policy.pdq_min_quality {
                let variants: Vec<[u8; 32]> = r.pdq.hashes.iter().map(|h| h.0).collect();
                matches.extend(
                    list.match_pdq(&variants, self.policy.pdq_radius)
                        .into_iter()
                        .map(tag),
                );
                pdq_queries.push(variants);
            }
            if let Some(p) = r.phash {
                matches.extend(
                    list.match_phash(p, self.policy.phash_radius)
                        .into_iter()
                        .map(tag),
                );
            }
        }
        let mut signals = self.tagged_signals(list, matches, partial);
        signals.extend(self.issuer_signal(&pdq_queries, exact));
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

    /// [`ScannerConfig::scan_threads`].
    pub fn scan_threads(&self) -> Option<std::num::NonZeroUsize> {
        self.scan_threads
    }

    /// The classifiers, shared with video scan sessions.
    #[cfg(feature = "onnx")]
    pub(crate) fn classifier_set(&self) -> Option<Arc<crate::classify::ClassifierSet>> {
        self.classifiers.clone()
    }

    /// Turns list hits into known-image signals. PDQ and exact-digest hits decide alone
    /// (score 1, block). A pHash hit counts as corroborated by any PDQ or exact hit in the same
    /// scan, or by being listed by at least two counted source organisations (a second list);
    /// corroborated it joins the score-1 signal, otherwise it forms a score-0.5 signal that the
    /// policy turns into a warning. Each entry is reported once, at its smallest distance.
    fn tagged_signals(&self, list: &HashList, matches: Vec<Tagged>, partial: bool) -> Vec<Signal> {
        let mut best: Vec<Tagged> = Vec::new();
        for t in matches
            .into_iter()
            .filter(|t| self.policy.sources.accepts(&t.m))
        {
            match best
                .iter_mut()
                .find(|b| b.m.kind == t.m.kind && b.m.entry == t.m.entry)
            {
                Some(b) if t.m.distance < b.m.distance => *b = t,
                Some(_) => {}
                None => best.push(t),
            }
        }
        if best.is_empty() {
            return Vec::new();
        }
        let mut strong_kinds: Vec<Corroboration> = Vec::new();
        for c in best
            .iter()
            .filter_map(|t| Corroboration::from_kind(t.m.kind))
        {
            if !strong_kinds.contains(&c) {
                strong_kinds.push(c);
            }
        }
        let digest = crate::hex::encode(&list.digest());
        let (mut decided, mut weak) = (Vec::new(), Vec::new());
        for t in best {
            let mut corroborated_by = Vec::new();
            if t.m.kind == HashKind::PHash {
                corroborated_by.clone_from(&strong_kinds);
                if self.policy.sources.corroborating_sources(&t.m) >= 2 {
                    corroborated_by.push(Corroboration::SecondSource);
                }
            }
            let alone = t.m.kind == HashKind::PHash && corroborated_by.is_empty();
            let evidence = Evidence::ListMatch {
                kind: t.m.kind,
                entry: t.m.entry,
                hash: t.m.hash_hex,
                distance: t.m.distance,
                variant: Dihedral::from_index(usize::from(t.m.variant))
                    .unwrap_or(Dihedral::Original),
                label: t.m.label,
                list_category: t.m.category,
                sources: t.m.source_org_names,
                list_version: list.version(),
                list_digest: digest.clone(),
                reframe: t.reframe.name().to_string(),
                partial,
                corroborated_by,
            };
            if alone {
                weak.push(evidence)
            } else {
                decided.push(evidence)
            }
        }
        let mut signals = Vec::new();
        if !decided.is_empty() {
            signals.push(Signal {
                category: Category::KnownCsam,
                score: 1.0,
                evidence: decided,
            });
        }
        if !weak.is_empty() {
            signals.push(Signal {
                category: Category::KnownCsam,
                score: crate::policy::UNCORROBORATED_SCORE,
                evidence: weak,
            });
        }
        signals
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
        // Extended by the ONNX text classifier when that feature is built.
        #[cfg_attr(not(feature = "onnx"), allow(unused_mut))]
        let mut signals = text_signals(&a, self.policy.grooming_report);
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

    /// The classifiers' execution provider: the configured one and the one the sessions run on
    /// (CPU after a fallback, with the reason); `None` without classifiers or before a model
    /// was loaded ([`Scanner::preload`] loads them).
    #[cfg(feature = "onnx")]
    pub fn execution_provider(&self) -> Option<crate::classify::ProviderChoice> {
        self.classifiers.as_ref()?.execution_provider()
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

    /// Installs a signed full list or delta (verified against the trusted keys; refused as a
    /// rollback, a conflict, a too-large version jump or already expired unless `force`, which
    /// is then recorded), atomically, while scans continue. Safe against other processes
    /// using the same store. On error the previous list stays live.
    pub fn apply_list_update(&self, bytes: &[u8], force: bool) -> Result<ListInfo, ScanError> {
        Ok(self.lists.apply_update(bytes, force)?)
    }

    /// Like [`Scanner::apply_list_update`] with the update's transparency-log proof
    /// (`LogProof` bytes), checked against the tree head the store holds.
    pub fn apply_list_update_with_proof(
        &self,
        bytes: &[u8],
        proof: &[u8],
        force: bool,
    ) -> Result<ListInfo, ScanError> {
        Ok(self.lists.apply_update_with_proof(bytes, proof, force)?)
    }

    /// Installs an update from a file (memory-mapped, verified while streaming) with progress
    /// reports and cancellation; `proof` is optional `LogProof` bytes.
    pub fn apply_list_file(
        &self,
        path: &std::path::Path,
        proof: Option<&[u8]>,
        force: bool,
        control: crate::lists::UpdateControl<'_>,
    ) -> Result<ListInfo, ScanError> {
        Ok(self.lists.apply_file(path, proof, force, control)?)
    }

    /// Version, digest, counts and expiry of the live list; `forced` when it was installed
    /// by force.
    pub fn list_info(&self) -> ListInfo {
        self.lists.info()
    }

    /// Whether the scanner runs on its installed list and why not (a damaged installed list
    /// leaves the scanner up, on the previous list or none), staleness, rollback floor,
    /// forced install and the last transparency tree head.
    pub fn list_status(&self) -> crate::lists::ListStatus {
        self.lists.status()
    }

    /// The last verified transparency-log tree head (hex), for auditors to compare across
    /// devices.
    pub fn list_tree_head(&self) -> Option<String> {
        self.lists.tree_head().map(|h| h.to_hex())
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

/// A lexicon match as evidence.
fn lexicon_evidence(m: &TextMatch) -> Evidence {
    Evidence::Lexicon {
        lexicon_id: m.lexicon_id.clone(),
        start: m.start as u64,
        end: m.end as u64,
        excerpt: m.matched.clone(),
        stage: m.stage,
        level: m.level,
        modifiers: m.modifiers.clone(),
        weight: m.effective_weight,
    }
}

/// The message's lexicon matches of category `c`.
fn matches_of(
    a: &ConversationAssessment,
    c: crate::text::Category,
) -> impl Iterator<Item = &TextMatch> {
    a.message.matches.iter().filter(move |m| m.category == c)
}

/// The classifier's phrases for the labels `want` accepts, as evidence.
fn model_evidence(
    a: &ConversationAssessment,
    want: fn(&Label) -> bool,
) -> impl Iterator<Item = Evidence> + '_ {
    a.signals
        .evidence
        .iter()
        .filter(move |(l, _)| want(l))
        .map(|(l, e)| Evidence::Lexicon {
            lexicon_id: format!("model:{}", l.name()),
            start: e.start as u64,
            end: e.end as u64,
            excerpt: e.phrase.clone(),
            stage: match l {
                Label::Grooming(s) => Some(*s),
                _ => None,
            },
            level: match l {
                Label::SelfHarm(v) => Some(*v),
                _ => None,
            },
            modifiers: Vec::new(),
            weight: e.contribution,
        })
}

/// The grooming, self-harm and sexual signals of one assessed message (the classifier tier
/// through ONNX Runtime is added by the caller). Grooming is reported when this message carries
/// a grooming signal or the conversation's risk reaches `grooming_report`.
fn text_signals(a: &ConversationAssessment, grooming_report: f32) -> Vec<Signal> {
    use crate::text::Category as TextCategory;
    let mut signals = Vec::new();
    let groom_here = a.signals.grooming.is_some();
    if a.grooming_risk > 0.0 && (groom_here || a.grooming_risk >= grooming_report) {
        let mut evidence = vec![Evidence::ConversationRisk {
            grooming_risk: a.grooming_risk,
            stages: a.stages.iter().map(|s| s.stage).collect(),
            messages: a.messages,
        }];
        evidence.extend(matches_of(a, TextCategory::Grooming).map(lexicon_evidence));
        evidence.extend(model_evidence(a, |l| matches!(l, Label::Grooming(_))));
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
        evidence.extend(matches_of(a, TextCategory::SelfHarm).map(lexicon_evidence));
        evidence.extend(model_evidence(a, |l| matches!(l, Label::SelfHarm(_))));
        // The writer tells of someone else in crisis ("my friend wants to kill herself"): no
        // one in this chat said it of themselves, so the signal carries the peer level for
        // the reviewer with score 0, which the policy answers with support, not a warning.
        // A received message in which the other party speaks of themselves is not a telling.
        let telling = a.self_harm_level.is_none() && a.signals.self_harm.is_none();
        signals.push(Signal {
            category: Category::SelfHarm,
            // Half severity, half confidence (1 for a lexicon level, the classifier's
            // self-harm probability otherwise), so scores rank as well as order levels.
            score: level.filter(|_| !telling).map_or(0.0, |l| {
                let confidence = a
                    .signals
                    .self_harm
                    .or(a.signals.peer_self_harm)
                    .map_or(1.0, |x| x.1);
                0.5 * (l as u8 as f32 + 1.0) / 6.0 + 0.5 * confidence
            }),
            evidence,
        });
    }
    if let Some(score) = a.signals.sexual {
        let mut evidence: Vec<Evidence> = matches_of(a, TextCategory::Sexual)
            .filter(|m| m.effective_weight > 0.0)
            .map(lexicon_evidence)
            .collect();
        evidence.extend(model_evidence(a, |l| matches!(l, Label::Sexual)));
        signals.push(Signal {
            category: Category::Sexual,
            score,
            evidence,
        });
    }
    signals
}

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
