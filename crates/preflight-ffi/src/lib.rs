//! The thin uniffi surface behind the Swift (`Preflight` module) and Kotlin (`dev.preflight`
//! package) bindings. Feature `ffi`.
//!
//! - [`Scanner`]: the object an app holds (thread-safe), with image bytes in, chat messages in,
//!   signed list updates in, conversation state export/import and the report bundle out.
//! - [`types`]: plain records and enums mirroring the core types (the core has no uniffi
//!   dependency), and the configuration records with their defaults.
//! - [`PreflightError`]: the one error enum, each variant a typed exception with a clear message.
//!
//! Doc comments here are copied into the generated Swift and Kotlin sources (bindings/).
//! Panics never cross the boundary: uniffi catches them and raises an internal error, and the
//! library code paths reached from here do not panic on input.

mod error;
mod scanner;
pub mod types;

pub use error::PreflightError;
pub use scanner::Scanner;
pub use types::*;

/// The library version (semver of the `preflight` crate).
#[uniffi::export]
pub fn library_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The default thresholds and rules (PDQ radius 31, quality 50, pHash radius 4, one source,
/// grooming warn at 0.5, text never blocks).
#[uniffi::export]
pub fn default_policy() -> PolicyConfig {
    preflight::Policy::default().into()
}

/// The default image decoding limits (64 MiB input, 64 megapixels, 40 000 px a side, 512 MiB).
#[uniffi::export]
pub fn default_decode_limits() -> DecodeLimits {
    preflight::media::DecodeLimits::default().into()
}

// The uniffi scaffolding (namespace `preflight`: Kotlin `preflight.kt`, Swift `Preflight.swift`)
// sits at this crate's root: the proc-macros refer to the `crate::UniFfiTag` it defines.
uniffi::setup_scaffolding!("preflight");
