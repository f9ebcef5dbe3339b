//! The one error type the bindings see: [`PreflightError`], raised in Kotlin as
//! `PreflightException.<Variant>` and thrown in Swift as `PreflightError.<variant>`.
//!
//! It is a *flat* error: each variant is its own exception type the app can catch, and its
//! message is the core error's full `Display` text (what was wrong and, where useful, what to
//! do). The internal error chain stays on the Rust side.

use preflight::lists::ListError;
use preflight::scanner::ScanError;

/// Why a Preflight call failed. Every variant carries a human-readable message written for the
/// integrating engineer (not for end users).
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum PreflightError {
    /// The scanner configuration is invalid: a trusted key that is not 64 hex digits, a policy
    /// value out of range, a lexicon file that cannot be read or parsed.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// The image could not be decoded or was refused by a decoding limit (and no exact hash
    /// matched its bytes). Treat the attachment as unscanned.
    #[error("invalid image: {0}")]
    InvalidImage(String),
    /// A list update was refused (bad signature, untrusted key, rollback, malformed file,
    /// delta for another version). The previous list stays live.
    #[error("list update refused: {0}")]
    ListRejected(String),
    /// A conversation state document could not be exported or restored.
    #[error("invalid conversation state: {0}")]
    InvalidState(String),
    /// An on-device classifier could not run: the ONNX Runtime library or a model is missing,
    /// of the wrong version, or failed. Fix the configured paths; nothing is retried silently.
    #[error("classifier error: {0}")]
    Classifier(String),
    /// The on-device list store could not be read or written (disk full, permissions).
    #[error("storage error: {0}")]
    Storage(String),
    /// A video scan refused a frame (a bad pixel layout, a timestamp before the previous
    /// frame's, more frames than the scan's cap) or was already finished.
    #[error("invalid video: {0}")]
    InvalidVideo(String),
}

impl From<ScanError> for PreflightError {
    fn from(e: ScanError) -> Self {
        match e {
            ScanError::Media(m) => PreflightError::InvalidImage(m.to_string()),
            ScanError::List(l @ ListError::Io { .. }) => PreflightError::Storage(l.to_string()),
            ScanError::List(l @ ListError::InvalidKey(_)) => {
                PreflightError::InvalidConfig(l.to_string())
            }
            ScanError::List(l) => PreflightError::ListRejected(l.to_string()),
            ScanError::Lexicon(l) => PreflightError::InvalidConfig(l.to_string()),
            ScanError::State(s) => PreflightError::InvalidState(s.to_string()),
            ScanError::Config(c) => PreflightError::InvalidConfig(c),
            ScanError::Pixels(p) => PreflightError::InvalidImage(p.to_string()),
            ScanError::Video(v) => PreflightError::InvalidImage(v.to_string()),
            #[cfg(feature = "onnx")]
            ScanError::Classify(c) => PreflightError::Classifier(c.to_string()),
            // The core error is #[non_exhaustive]: a family added later is reported with its
            // full message until it gets a variant of its own here.
            other => PreflightError::InvalidConfig(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight::media::MediaError;

    #[test]
    fn core_errors_map_to_the_variant_an_app_can_act_on() {
        let e = PreflightError::from(ScanError::Media(MediaError::UnknownFormat));
        assert!(matches!(e, PreflightError::InvalidImage(_)));
        assert!(e
            .to_string()
            .starts_with("invalid image: unrecognised image format"));

        let e = PreflightError::from(ScanError::List(ListError::Rollback {
            offered: 1,
            current: 2,
        }));
        assert!(matches!(e, PreflightError::ListRejected(_)));
        assert!(e.to_string().contains("refusing rollback"));

        let e = PreflightError::from(ScanError::List(ListError::InvalidKey("short".into())));
        assert!(matches!(e, PreflightError::InvalidConfig(_)));

        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let e = PreflightError::from(ScanError::List(ListError::io("writing list", io)));
        assert!(matches!(e, PreflightError::Storage(_)));
        assert_eq!(e.to_string(), "storage error: writing list: denied");
    }
}
