//! Typed errors of the classifier pipelines. Every failure — missing runtime, wrong model file,
//! unexpected tensor shape, tokenizer trouble — is one of these; nothing in `classify` panics on
//! input-derived data.

use std::path::PathBuf;
use thiserror::Error;

/// What went wrong while loading or running a classifier. Messages are written for the
/// integrating engineer and name the file or model involved.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ClassifyError {
    /// The ONNX Runtime shared library is not at the configured path.
    #[error(
        "ONNX Runtime library not found at {path} (set ClassifierConfig::runtime_path or \
         PREFLIGHT_ORT_DYLIB; in this repo run scripts/setup-onnx.sh)"
    )]
    RuntimeMissing {
        /// The configured path.
        path: PathBuf,
    },
    /// The file exists but could not be loaded as ONNX Runtime (wrong file, wrong version, wrong
    /// architecture).
    #[error("could not load ONNX Runtime from {path}: {reason}")]
    RuntimeLoad {
        /// The configured path.
        path: PathBuf,
        /// The loader's explanation.
        reason: String,
        /// The runtime's, loader's or tokenizer's own error, when there is one.
        #[source]
        cause: Option<crate::BoxError>,
    },
    /// The process already loaded ONNX Runtime from another path; one process has one runtime.
    #[error("ONNX Runtime is already loaded from {loaded}; cannot also load {requested}")]
    RuntimeMismatch {
        /// Where the runtime was loaded from first.
        loaded: PathBuf,
        /// The path this configuration asked for.
        requested: PathBuf,
    },
    /// The caller asked for a classifier the configuration does not name (e.g. NudeNet not opted in).
    #[error("the {model} classifier is not configured (no model path given)")]
    NotConfigured {
        /// Which classifier.
        model: &'static str,
    },
    /// The model file is not at the configured path.
    #[error("{model} model not found at {path} (in this repo run scripts/setup-onnx.sh)")]
    ModelMissing {
        /// Which classifier.
        model: String,
        /// The configured path.
        path: PathBuf,
    },
    /// ONNX Runtime refused the model file.
    #[error("could not load the {model} model from {path}: {reason}")]
    ModelLoad {
        /// Which classifier.
        model: String,
        /// The configured path.
        path: PathBuf,
        /// ONNX Runtime's explanation.
        reason: String,
        /// The runtime's, loader's or tokenizer's own error, when there is one.
        #[source]
        cause: Option<crate::BoxError>,
    },
    /// The model's inputs or outputs are not what this pipeline expects.
    #[error("the {model} model does not look as expected: {reason}")]
    ModelShape {
        /// Which classifier.
        model: String,
        /// What was expected and what was found.
        reason: String,
    },
    /// Running the model failed.
    #[error("running the {model} model failed: {reason}")]
    Inference {
        /// Which classifier.
        model: String,
        /// ONNX Runtime's explanation.
        reason: String,
        /// The runtime's, loader's or tokenizer's own error, when there is one.
        #[source]
        cause: Option<crate::BoxError>,
    },
    /// The image cannot be classified (e.g. zero width or height).
    #[error("image cannot be classified: {reason}")]
    Image {
        /// Why.
        reason: String,
    },
    /// The tokenizer file could not be loaded or used.
    #[error("tokenizer {path}: {reason}")]
    Tokenizer {
        /// The tokenizer.json path.
        path: PathBuf,
        /// Why.
        reason: String,
        /// The runtime's, loader's or tokenizer's own error, when there is one.
        #[source]
        cause: Option<crate::BoxError>,
    },
    /// The label map does not fit the model (count mismatch, empty).
    #[error("label map of the {model} model: {reason}")]
    LabelMap {
        /// Which classifier.
        model: String,
        /// Why.
        reason: String,
    },
    /// A configuration value is out of range.
    #[error("invalid classifier configuration: {reason}")]
    InvalidConfig {
        /// Which value and why.
        reason: String,
    },
    /// The crate was built without the cargo feature this call needs.
    #[error("this build of preflight lacks the `{feature}` cargo feature")]
    FeatureDisabled {
        /// The missing feature.
        feature: &'static str,
    },
}
