//! The crate-wide error type: every fallible operation of the [`crate::Scanner`] returns it.
//! Each pipeline keeps its own typed error (with the detail: line numbers, offsets, paths) and
//! this enum wraps them, so callers can match on the family and still show a clear message.

use thiserror::Error;

/// Every failure the library reports. Messages are written for the integrating engineer.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The image could not be decoded or was refused by a limit (and no exact hash of its
    /// bytes matched a list).
    #[error(transparent)]
    Media(#[from] crate::media::MediaError),
    /// A hash list could not be loaded, or an update was refused; the previous list stays live.
    #[error(transparent)]
    List(#[from] crate::lists::ListError),
    /// A lexicon file is malformed.
    #[error(transparent)]
    Lexicon(#[from] crate::text::LexiconError),
    /// Conversation state could not be exported or restored.
    #[error(transparent)]
    State(#[from] crate::text::StateError),
    /// A classifier's runtime or model is missing or failed.
    #[cfg(feature = "onnx")]
    #[error(transparent)]
    Classify(#[from] crate::classify::ClassifyError),
    /// A raw pixel buffer from the app does not match its stated layout or limits.
    #[error(transparent)]
    Pixels(#[from] crate::media::PixelError),
    /// An animation or video could not be scanned (see [`crate::video::VideoError`]).
    #[error(transparent)]
    Video(#[from] crate::video::VideoError),
    /// A configuration value is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Shorthand for results carrying [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A lower-level error kept as the [`std::error::Error::source`] of one of this crate's errors
/// (a decoder's, parser's or runtime's own error), so callers can walk the chain instead of
/// parsing a flattened message.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
