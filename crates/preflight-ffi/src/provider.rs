//! Choosing where the classifiers run: the [`ExecutionProvider`] of `ClassifierPaths` (CPU,
//! Core ML, XNNPACK) and, after loading, the [`ProviderStatus`] saying which one the sessions
//! use. A provider the loaded ONNX Runtime lacks falls back to the CPU with the reason; it is
//! never an error.

use crate::scanner::Scanner;

/// Where the classifier sessions should run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Enum)]
pub enum ExecutionProvider {
    /// ONNX Runtime's CPU provider (always available).
    #[default]
    Cpu,
    /// Apple's Core ML (iOS/macOS builds of ONNX Runtime, e.g. the `onnxruntime-c` pod).
    CoreMl,
    /// XNNPACK (in the onnxruntime-android AAR and the iOS packages).
    Xnnpack,
}

/// Which execution provider was asked for and which one runs.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProviderStatus {
    /// The configured provider.
    pub requested: ExecutionProvider,
    /// The provider the sessions run on (`Cpu` after a fallback).
    pub used: ExecutionProvider,
    /// Why the requested provider is not used, `null`/`nil` when it is.
    pub fallback_reason: Option<String>,
}

#[cfg(feature = "onnx")]
pub(crate) fn to_core(p: ExecutionProvider) -> preflight::classify::ExecutionProvider {
    use preflight::classify::ExecutionProvider as Core;
    match p {
        ExecutionProvider::Cpu => Core::Cpu,
        ExecutionProvider::CoreMl => Core::CoreMl,
        ExecutionProvider::Xnnpack => Core::Xnnpack,
    }
}

#[cfg(feature = "onnx")]
fn from_core(p: preflight::classify::ExecutionProvider) -> ExecutionProvider {
    use preflight::classify::ExecutionProvider as Core;
    match p {
        Core::Cpu => ExecutionProvider::Cpu,
        Core::CoreMl => ExecutionProvider::CoreMl,
        Core::Xnnpack => ExecutionProvider::Xnnpack,
    }
}

#[uniffi::export]
impl Scanner {
    /// The classifiers' execution provider: the one configured and the one running (after a
    /// fallback to the CPU, with the reason). `null`/`nil` without classifiers, in a library
    /// built without `onnx`, or before a model was loaded (call `preload` first).
    pub fn execution_provider(&self) -> Option<ProviderStatus> {
        #[cfg(feature = "onnx")]
        {
            self.inner.execution_provider().map(|c| ProviderStatus {
                requested: from_core(c.requested),
                used: from_core(c.used),
                fallback_reason: c.fallback_reason,
            })
        }
        #[cfg(not(feature = "onnx"))]
        {
            None
        }
    }
}
