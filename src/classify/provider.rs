//! ONNX Runtime execution providers: which hardware a classifier session runs on.
//!
//! [`ExecutionProvider::Cpu`] is always there. [`ExecutionProvider::CoreMl`] (Apple) and
//! [`ExecutionProvider::Xnnpack`] (ARM/x86 CPUs, the onnxruntime-android AAR and the iOS pods)
//! are used only when the loaded runtime was built with them: the runtime's own list of
//! providers is asked first, and a provider that is missing or refuses the session falls back
//! to the CPU. What was asked for, what runs and why is kept as a [`ProviderChoice`]
//! (`ClassifierSet::execution_provider`), so an app can log or show it; nothing fails because a
//! provider is missing.

use ort::ep::ExecutionProvider as _;
use ort::session::builder::SessionBuilder;
use serde::Serialize;
use std::num::NonZeroUsize;

/// The hardware a classifier session is asked to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum ExecutionProvider {
    /// ONNX Runtime's default CPU provider (always available).
    #[default]
    Cpu,
    /// Apple's Core ML (Neural Engine, GPU or CPU), in ONNX Runtime builds for Apple platforms.
    CoreMl,
    /// XNNPACK's optimised CPU kernels, in ONNX Runtime builds that include it (the
    /// onnxruntime-android AAR, the iOS packages).
    Xnnpack,
}

impl ExecutionProvider {
    /// The name ONNX Runtime gives the provider (`CPUExecutionProvider`, ...).
    pub fn runtime_name(self) -> &'static str {
        match self {
            ExecutionProvider::Cpu => ort::ep::CPU::NAME,
            ExecutionProvider::CoreMl => ort::ep::CoreML::NAME,
            ExecutionProvider::Xnnpack => ort::ep::XNNPACK::NAME,
        }
    }
}

/// Which provider a configuration asked for and which one its sessions run on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderChoice {
    /// The configured provider.
    pub requested: ExecutionProvider,
    /// The provider the sessions use (`Cpu` after a fallback).
    pub used: ExecutionProvider,
    /// Why the requested provider is not used (`None` when `used == requested`).
    pub fallback_reason: Option<String>,
}

/// Registers `requested` on `builder` if the runtime has it; otherwise leaves the builder on the
/// CPU provider. `threads` is the session's intra-op thread bound (XNNPACK keeps its own pool,
/// sized the same).
pub(crate) fn apply(
    builder: &mut SessionBuilder,
    requested: ExecutionProvider,
    threads: Option<usize>,
) -> ProviderChoice {
    let result = match requested {
        ExecutionProvider::Cpu => Ok(()),
        ExecutionProvider::CoreMl => register(ort::ep::CoreML::default(), builder),
        ExecutionProvider::Xnnpack => {
            let mut ep = ort::ep::XNNPACK::default();
            if let Some(n) = threads.and_then(NonZeroUsize::new) {
                ep = ep.with_intra_op_num_threads(n);
            }
            register(ep, builder)
        }
    };
    match result {
        Ok(()) => ProviderChoice {
            requested,
            used: requested,
            fallback_reason: None,
        },
        Err(reason) => ProviderChoice {
            requested,
            used: ExecutionProvider::Cpu,
            fallback_reason: Some(reason),
        },
    }
}

fn register<E: ort::ep::ExecutionProvider>(
    ep: E,
    builder: &mut SessionBuilder,
) -> Result<(), String> {
    match E::is_available() {
        Ok(true) => ep
            .register(builder)
            .map_err(|e| format!("{} refused the session: {e}", E::NAME)),
        Ok(false) => Err(format!(
            "the loaded ONNX Runtime was built without {}; running on the CPU",
            E::NAME
        )),
        Err(e) => Err(format!("cannot list the runtime's providers: {e}")),
    }
}
