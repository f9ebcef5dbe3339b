//! The thin uniffi surface behind the Swift (`Preflight` module) and Kotlin (`dev.preflight`
//! package) bindings. Feature `ffi`.
//!
//! - [`Scanner`]: the object an app holds (thread-safe), with image bytes in, chat messages in,
//!   signed list updates in, conversation state export/import and the report bundle out.
//! - [`types`]: the records whose shape differs from the core's (configuration with paths and
//!   `u64` limits, the conversation report). The verdict, typed evidence, policy and list summary
//!   are the core types themselves (derived under the core's `uniffi` feature; Kotlin package
//!   `dev.preflight.core`, Swift module `Preflight`), re-exported here.
//! - [`VideoScan`]: a video scan session the app pushes decoded frames to (`beginVideo`).
//! - [`PreflightError`]: the one error enum, each variant a typed exception with a clear message.
//!
//! Doc comments here are copied into the generated Swift and Kotlin sources (bindings/).
//! Panics never cross the boundary: uniffi catches them and raises an internal error, and the
//! library code paths reached from here do not panic on input.

mod background;
mod error;
mod lists;
mod mobile;
mod provider;
mod report;
mod scanner;
pub mod types;
mod video;

pub use error::PreflightError;
pub use lists::{IssuerSetup, UpdateCancel, UpdateProgressListener};
pub use mobile::PreflightListener;
pub use provider::{ExecutionProvider, ProviderStatus};
pub use report::{report_json_bound, ReportMessage};
pub use scanner::Scanner;
pub use types::*;
pub use video::{VideoScan, VideoScanOptions};

pub use preflight::hash::pdq::Dihedral;
pub use preflight::lists::{
    ForcedInstall, HashKind, IssuerPolicy, ListCounts, ListHealth, ListInfo, ListStatus,
    SourcePolicy, UpdateProgress, UpdateStage,
};
pub use preflight::media::{Orientation, PixelBuffer, PixelFormat};
pub use preflight::text::{
    AgeBand, Direction, GroomingStage, ModifierKind, SelfHarmLevel, StageScore,
};
pub use preflight::{
    Action, Category, Corroboration, Evidence, FrameOutcome, IssuerEvidence, IssuerStatus,
    MatchedFrame, Policy, ScannedFrame, Signal, Verdict,
};

/// The library version (semver of the `preflight` crate).
#[uniffi::export]
pub fn library_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The default thresholds and rules (PDQ radius 31, quality 50, pHash radius 4, one source,
/// grooming warn at 0.5, text never blocks).
#[uniffi::export]
pub fn default_policy() -> Policy {
    Policy::default()
}

/// The default image decoding limits (64 MiB input, 64 megapixels, 40 000 px a side, 512 MiB).
#[uniffi::export]
pub fn default_decode_limits() -> DecodeLimits {
    preflight::media::DecodeLimits::default().into()
}

// The uniffi scaffolding (namespace `preflight`: Kotlin `preflight.kt`, Swift `Preflight.swift`)
// sits at this crate's root: the proc-macros refer to the `crate::UniFfiTag` it defines.
uniffi::setup_scaffolding!("preflight");
