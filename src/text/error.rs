//! Errors of the text module: malformed lexicons and malformed exported conversation state.

use thiserror::Error;

/// A lexicon could not be read, parsed or compiled. Messages name the source and line.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LexiconError {
    /// The file is not valid TOML or does not fit the lexicon schema.
    #[error("{source_name}:{line}:{column}: {message}")]
    Parse {
        /// File name or label given by the caller.
        source_name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
        /// The TOML parser's own error, when it gave one.
        #[source]
        cause: Option<crate::BoxError>,
    },
    /// A field has a value that is valid TOML but not a valid lexicon entry.
    #[error("{source_name}:{line}: entry `{id}`: field `{field}`: {message}")]
    Field {
        /// File name or label given by the caller.
        source_name: String,
        /// 1-based line of the entry's `id`.
        line: usize,
        /// The entry's id.
        id: String,
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Two entries (or modifiers) share an id.
    #[error("{source_name}:{line}: duplicate id `{id}`")]
    DuplicateId {
        /// File name or label given by the caller.
        source_name: String,
        /// 1-based line of the second occurrence.
        line: usize,
        /// The duplicated id.
        id: String,
    },
    /// The file could not be read.
    #[error("cannot read lexicon file {path}: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The automaton could not be built (for example, too many patterns).
    #[error("cannot build the lexicon matcher: {message}")]
    Build {
        /// What the automaton builder said.
        message: String,
        /// The automaton builder's own error, when it gave one.
        #[source]
        cause: Option<crate::BoxError>,
    },
}

/// Exported conversation state could not be imported.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StateError {
    /// The data is not a valid state document.
    #[error("malformed conversation state: {message}")]
    Malformed {
        /// What the parser said.
        message: String,
        /// The TOML parser's own error, when it gave one.
        #[source]
        cause: Option<crate::BoxError>,
    },
    /// The state was written by an incompatible version.
    #[error("unsupported conversation state version {found} (expected {expected})")]
    Version {
        /// Version in the document.
        found: u32,
        /// Version this library writes.
        expected: u32,
    },
    /// The state could not be serialized.
    #[error("cannot serialize conversation state: {message}")]
    Serialize {
        /// What the serializer said.
        message: String,
        /// The serializer's own error.
        #[source]
        cause: Option<crate::BoxError>,
    },
}
