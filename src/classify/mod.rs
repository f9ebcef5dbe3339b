//! On-device classifiers through ONNX Runtime (cargo feature `onnx`).
//!
//! - [`nsfw`]: Yahoo open_nsfw (BSD-2), the default image classifier: one NSFW probability.
//! - [`nudenet`]: NudeNet `320n` detector (AGPL-3.0, opt-in only, never bundled): boxes + labels.
//! - [`text`]: bring-your-own text classifier: an ONNX model, a Hugging Face `tokenizer.json`
//!   and a label map to our categories (cargo feature `onnx-text`).
//!
//! Everything goes through a [`ClassifierSet`]. It loads the ONNX Runtime shared library from the
//! path the integrator configures (the crate uses `ort`'s `load-dynamic`; nothing is linked at
//! build time and nothing is downloaded at run time), and loads each model lazily, on its first
//! use. A missing or wrong runtime or model gives a [`ClassifyError`], never a crash; a failed load
//! is not cached, so fixing the file and calling again works.
//!
//! Each result carries the model name and label so the scanner can cite it as evidence; the
//! `signal`/`signals` methods turn results into [`ClassifierSignal`]s with a crate [`Category`].
//!
//! ```no_run
//! # fn main() -> Result<(), preflight::classify::ClassifyError> {
//! use preflight::classify::{ClassifierConfig, ClassifierSet};
//! let set = ClassifierSet::new(ClassifierConfig::from_tools_dir(".tools"));
//! let img = image::RgbImage::new(64, 64);
//! let score = set.nsfw(&img)?; // loads the runtime and the model on first use
//! println!("{} {} = {:.3}", score.model, score.label, score.nsfw);
//! # Ok(())
//! # }
//! ```

mod error;
pub mod nsfw;
pub mod nudenet;
mod provider;
mod resample;
mod runtime;
pub mod text;

pub use error::ClassifyError;
pub use nsfw::NsfwScore;
pub use nudenet::{BoundingBox, Detection};
pub use provider::{ExecutionProvider, ProviderChoice};
pub use text::{LabelScore, TextLabel, TextModelConfig, TextScores};

use image::RgbImage;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The crate-wide signal categories (the same type as [`crate::verdict::Category`]).
pub use crate::verdict::Category;

/// One classifier finding in the form the scanner turns into a verdict signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifierSignal {
    /// The category this finding counts towards.
    pub category: Category,
    /// The model's score for `label`, 0..=1.
    pub score: f32,
    /// The model that produced it (evidence).
    pub model: String,
    /// The model's label (evidence).
    pub label: String,
}

/// Where the runtime and models are. Paths are the integrator's: the library never guesses or
/// downloads. [`ClassifierConfig::from_tools_dir`] gives the layout `scripts/setup-onnx.sh` makes.
#[derive(Debug, Clone, Default)]
pub struct ClassifierConfig {
    /// Path of the ONNX Runtime shared library (e.g. `libonnxruntime.so.1.31.1`), or its
    /// library name without a directory (`libonnxruntime.so`: found by the platform's loader,
    /// e.g. in an Android app's `nativeLibraryDir`); ONNX Runtime 1.31 or newer.
    pub runtime_path: PathBuf,
    /// The open_nsfw model (`open-nsfw.onnx`); `None` disables [`ClassifierSet::nsfw`].
    pub nsfw_model: Option<PathBuf>,
    /// The NudeNet `320n.onnx` model (AGPL-3.0; opt-in); `None` disables [`ClassifierSet::nudenet`].
    pub nudenet_model: Option<PathBuf>,
    /// A bring-your-own text classifier; `None` disables [`ClassifierSet::text`].
    pub text_model: Option<TextModelConfig>,
    /// ONNX Runtime intra-op threads per session; `None` lets the runtime choose.
    pub intra_threads: Option<usize>,
    /// The execution provider to run on (default CPU); one the runtime lacks falls back to the
    /// CPU, see [`ClassifierSet::execution_provider`].
    pub execution_provider: ExecutionProvider,
    /// NudeNet detections scoring at or below this are dropped (the reference uses 0.25).
    pub nudenet_min_score: Option<f32>,
}

impl ClassifierConfig {
    /// The layout `scripts/setup-onnx.sh` installs under `dir` (usually the repo's `.tools`):
    /// `onnxruntime/libonnxruntime.so` and `models/open-nsfw.onnx`. NudeNet is not set here even if
    /// fetched: opting in to it is an explicit choice ([`ClassifierConfig::with_nudenet`]).
    pub fn from_tools_dir(dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref();
        Self {
            runtime_path: dir.join("onnxruntime").join(runtime_file_name()),
            nsfw_model: Some(dir.join("models").join("open-nsfw.onnx")),
            ..Self::default()
        }
    }

    /// Read the paths from the environment, for desktop tools and tests:
    /// `PREFLIGHT_ORT_DYLIB` (else `ORT_DYLIB_PATH`) for the runtime — required —,
    /// `PREFLIGHT_NSFW_MODEL` and `PREFLIGHT_NUDENET_MODEL` (the explicit NudeNet opt-in).
    pub fn from_env() -> Result<Self, ClassifyError> {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let runtime_path = var("PREFLIGHT_ORT_DYLIB")
            .or_else(|| var("ORT_DYLIB_PATH"))
            .ok_or_else(|| ClassifyError::InvalidConfig {
                reason:
                    "neither PREFLIGHT_ORT_DYLIB nor ORT_DYLIB_PATH names the ONNX Runtime library"
                        .into(),
            })?;
        Ok(Self {
            runtime_path,
            nsfw_model: var("PREFLIGHT_NSFW_MODEL"),
            nudenet_model: var("PREFLIGHT_NUDENET_MODEL"),
            ..Self::default()
        })
    }

    /// Opt in to NudeNet with the model at `path`.
    pub fn with_nudenet(mut self, path: impl Into<PathBuf>) -> Self {
        self.nudenet_model = Some(path.into());
        self
    }
}

/// The platform's file name for the ONNX Runtime library.
fn runtime_file_name() -> String {
    format!(
        "{}onnxruntime{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// A value built on first use; a failed build is not cached.
struct Lazy<T> {
    cell: OnceLock<T>,
    lock: Mutex<()>,
}

impl<T> Lazy<T> {
    const fn new() -> Self {
        Self {
            cell: OnceLock::new(),
            lock: Mutex::new(()),
        }
    }

    fn get_or_try_init(
        &self,
        init: impl FnOnce() -> Result<T, ClassifyError>,
    ) -> Result<&T, ClassifyError> {
        if let Some(v) = self.cell.get() {
            return Ok(v);
        }
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = self.cell.get() {
            return Ok(v);
        }
        let value = init()?;
        Ok(self.cell.get_or_init(|| value))
    }
}

/// The classifiers of one configuration, each loaded on first use. `Send + Sync`: share it
/// between scanning threads (runs of the same model are serialised).
pub struct ClassifierSet {
    config: ClassifierConfig,
    runtime: Lazy<runtime::Runtime>,
    nsfw: Lazy<nsfw::NsfwModel>,
    nudenet: Lazy<nudenet::NudeNet>,
    #[cfg(feature = "onnx-text")]
    text: Lazy<text::TextClassifier>,
}

impl ClassifierSet {
    /// A set for `config`. Loads nothing yet; see [`ClassifierSet::preload`].
    pub fn new(config: ClassifierConfig) -> Self {
        Self {
            config,
            runtime: Lazy::new(),
            nsfw: Lazy::new(),
            nudenet: Lazy::new(),
            #[cfg(feature = "onnx-text")]
            text: Lazy::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClassifierConfig {
        &self.config
    }

    fn runtime(&self) -> Result<&runtime::Runtime, ClassifyError> {
        self.runtime.get_or_try_init(|| {
            runtime::Runtime::load(
                &self.config.runtime_path,
                self.config.intra_threads,
                self.config.execution_provider,
            )
        })
    }

    /// Which execution provider the sessions run on, and why if it is not the configured one;
    /// `None` until a model has been loaded (see [`ClassifierSet::preload`]).
    pub fn execution_provider(&self) -> Option<ProviderChoice> {
        self.runtime.cell.get().and_then(runtime::Runtime::choice)
    }

    /// Load the runtime and every configured model now (e.g. at app start), reporting the first
    /// failure.
    pub fn preload(&self) -> Result<(), ClassifyError> {
        self.runtime()?;
        if self.config.nsfw_model.is_some() {
            self.nsfw_model()?;
        }
        if self.config.nudenet_model.is_some() {
            self.nudenet_model()?;
        }
        if self.config.text_model.is_some() {
            #[cfg(feature = "onnx-text")]
            self.text_model()?;
            #[cfg(not(feature = "onnx-text"))]
            return Err(ClassifyError::FeatureDisabled {
                feature: "onnx-text",
            });
        }
        Ok(())
    }

    fn nsfw_model(&self) -> Result<&nsfw::NsfwModel, ClassifyError> {
        let path = self
            .config
            .nsfw_model
            .as_deref()
            .ok_or(ClassifyError::NotConfigured {
                model: nsfw::MODEL_NAME,
            })?;
        self.nsfw
            .get_or_try_init(|| nsfw::NsfwModel::load(self.runtime()?, path))
    }

    fn nudenet_model(&self) -> Result<&nudenet::NudeNet, ClassifyError> {
        let path = self
            .config
            .nudenet_model
            .as_deref()
            .ok_or(ClassifyError::NotConfigured {
                model: nudenet::MODEL_NAME,
            })?;
        let min_score = self
            .config
            .nudenet_min_score
            .unwrap_or(nudenet::DEFAULT_MIN_SCORE);
        self.nudenet
            .get_or_try_init(|| nudenet::NudeNet::load(self.runtime()?, path, min_score))
    }

    #[cfg(feature = "onnx-text")]
    fn text_model(&self) -> Result<&text::TextClassifier, ClassifyError> {
        let cfg = self
            .config
            .text_model
            .as_ref()
            .ok_or(ClassifyError::NotConfigured { model: "text" })?;
        self.text
            .get_or_try_init(|| text::TextClassifier::load(self.runtime()?, cfg))
    }

    /// open_nsfw's NSFW probability for `image`.
    pub fn nsfw(&self, image: &RgbImage) -> Result<NsfwScore, ClassifyError> {
        self.nsfw_model()?.classify(image)
    }

    /// NudeNet detections in `image`, after score threshold and NMS, in the reference's order.
    pub fn nudenet(&self, image: &RgbImage) -> Result<Vec<Detection>, ClassifyError> {
        self.nudenet_model()?.detect(image)
    }

    /// Class probabilities for each of `texts` (one batch per call).
    pub fn text(&self, texts: &[&str]) -> Result<Vec<TextScores>, ClassifyError> {
        #[cfg(feature = "onnx-text")]
        {
            self.text_model()?.classify(texts)
        }
        #[cfg(not(feature = "onnx-text"))]
        {
            let _ = texts;
            Err(ClassifyError::FeatureDisabled {
                feature: "onnx-text",
            })
        }
    }
}
