//! Preflight: content checks that run on the phone *before* a message is end-to-end encrypted.
//!
//! Nothing leaves the device. The library returns a [`verdict::Verdict`]; the app decides
//! what to show (a blur, a warning, help resources, a report button the user may press).
//!
//! Module map (see ARCHITECTURE.md):
//! - [`media`]: bounded image decoding (pixel limits before decode, EXIF orientation, colour modes).
//! - [`hash`]: PDQ (port of Meta's reference), pHash/dHash, MD5/SHA-1/SHA-256.
//! - [`lists`]: signed, versioned hash lists, importers, deltas, the radius index.
//! - [`text`]: evasion-resistant normalization, lexicons, conversation-level risk.
//! - [`scanner`], [`verdict`], [`policy`]: the object an app holds, what it returns, and the
//!   thresholds that decide it.
//! - [`video`]: animated images and video: frame sampling, the video scan session, vPDQ.
//!
//! The Swift/Kotlin surface lives in the `preflight-ffi` crate and the policy-team tool in
//! `preflight-cli` (the `preflight` binary); this crate has neither dependency. Only the
//! non-default `uniffi` feature (enabled by `preflight-ffi`, never by the CLI) derives the
//! uniffi traits on the plain-data types the bindings share with Rust (verdict, evidence, policy,
//! list summary), so they cross the FFI as they are instead of through hand-written mirrors.
#![warn(missing_docs)]

#[cfg(feature = "onnx")]
pub mod classify;
pub mod error;
pub mod hash;
mod hex;
pub mod lists;
pub mod media;
pub mod policy;
pub mod scanner;
pub mod scanner_issuers;
pub mod text;
pub mod verdict;
pub mod video;

pub use error::{BoxError, Error, Result};
pub use policy::Policy;
pub use scanner::{ReportBundle, ScanError, Scanner, ScannerConfig, TextModelChoice};
pub use scanner_issuers::IssuerStatus;
pub use verdict::{
    Action, Category, Corroboration, Evidence, IssuerEvidence, MatchedFrame, ScannedFrame, Signal,
    Verdict,
};
pub use video::{FrameOutcome, VideoScan, VideoScanOptions};

// Feature `uniffi`: the scaffolding for the types this crate derives (namespace `preflight_core`:
// Kotlin package `dev.preflight.core`, Swift sources compiled into the `Preflight` module; see
// uniffi.toml). The proc-macros refer to the `crate::UniFfiTag` it defines.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("preflight_core");
