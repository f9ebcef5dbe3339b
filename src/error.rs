//! The crate-wide error type. Each pipeline has its own typed error; this enum wraps them so
//! callers can match on the family and still get a clear message.

use thiserror::Error;

/// Every failure the library can report. Messages are written for the integrating engineer.
#[derive(Debug, Error)]
pub enum Error {
    /// The image could not be decoded or was refused by a limit.
    #[error(transparent)]
    Media(#[from] crate::media::MediaError),
    /// An I/O failure, with the path or operation that failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Shorthand for results carrying [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
