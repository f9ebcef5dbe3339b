//! Loading ONNX Runtime from a path or a library name the integrator gives, and building
//! sessions (on the configured execution provider, see [`super::provider`]).
//!
//! `ort` is built with `load-dynamic`: the shared library is opened at run time. A bare file
//! name without a directory (`libonnxruntime.so`) is a library *name*: it is looked for next to
//! the executable, then by the platform's loader (`dlopen` by name: on Android the app's
//! `nativeLibraryDir`, where the onnxruntime-android AAR puts `libonnxruntime.so`; on Linux
//! `LD_LIBRARY_PATH` and the system directories). Anything else is a path. `ort` allows one
//! runtime library and one environment per process, so both live in a process-wide slot; a second
//! configuration naming another library path gets [`ClassifyError::RuntimeMismatch`] instead of
//! silently using the first one. `ort` would panic if any API were used before a library is
//! loaded (or load `ORT_DYLIB_PATH` on its own); every session in this crate is built through
//! [`Runtime::session`], which loads first, so that cannot happen.

use super::error::ClassifyError;
use super::provider::{self, ExecutionProvider, ProviderChoice};
use crate::BoxError;
use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The loaded runtime: where it came from and its environment.
struct Loaded {
    path: PathBuf,
    env: Environment,
}

static LOADED: OnceLock<Loaded> = OnceLock::new();
static LOAD_LOCK: Mutex<()> = Mutex::new(());

/// A handle on the process's ONNX Runtime, loaded from a known path or library name.
pub(crate) struct Runtime {
    env: Environment,
    intra_threads: Option<usize>,
    provider: ExecutionProvider,
    /// What the sessions built so far run on (the first fallback, if any, wins).
    choice: Mutex<Option<ProviderChoice>>,
}

impl Runtime {
    /// Load ONNX Runtime from `path` (once per process) and return a handle.
    pub(crate) fn load(
        path: &Path,
        intra_threads: Option<usize>,
        provider: ExecutionProvider,
    ) -> Result<Self, ClassifyError> {
        let loaded = load_once(path)?;
        Ok(Self {
            env: loaded.env.clone(),
            intra_threads,
            provider,
            choice: Mutex::new(None),
        })
    }

    /// The provider the sessions run on, once a session was built.
    pub(crate) fn choice(&self) -> Option<ProviderChoice> {
        self.choice
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn record(&self, c: ProviderChoice) {
        let mut slot = self.choice.lock().unwrap_or_else(|p| p.into_inner());
        if slot
            .as_ref()
            .is_none_or(|old| old.fallback_reason.is_none())
        {
            *slot = Some(c);
        }
    }

    /// Build a session for the model at `model_path`; `model` names it in errors.
    pub(crate) fn session(&self, model: &str, model_path: &Path) -> Result<Session, ClassifyError> {
        if !model_path.is_file() {
            return Err(ClassifyError::ModelMissing {
                model: model.to_string(),
                path: model_path.to_path_buf(),
            });
        }
        let load_err = |e: ort::Error| ClassifyError::ModelLoad {
            model: model.to_string(),
            path: model_path.to_path_buf(),
            reason: e.to_string(),
            cause: Some(Box::new(e)),
        };
        let mut builder = Session::builder(&self.env)
            .map_err(load_err)?
            .with_optimization_level(GraphOptimizationLevel::All)
            .map_err(|e| load_err(e.into()))?;
        if let Some(n) = self.intra_threads {
            builder = builder
                .with_intra_threads(n)
                .map_err(|e| load_err(e.into()))?;
        }
        self.record(provider::apply(
            &mut builder,
            self.provider,
            self.intra_threads,
        ));
        builder.commit_from_file(model_path).map_err(load_err)
    }
}

/// A bare file name (no directory): a library name for the platform's loader.
pub(crate) fn is_library_name(path: &Path) -> bool {
    let mut parts = path.components();
    matches!(
        (parts.next(), parts.next()),
        (Some(std::path::Component::Normal(_)), None)
    )
}

/// How a loaded runtime is identified: a path by its canonical form, a name as given.
fn canonical(path: &Path) -> PathBuf {
    if is_library_name(path) {
        return path.to_path_buf();
    }
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// What to hand `ort::init_from`: a name as it is, a path made absolute (`ort` resolves a
/// relative path against the executable's directory and panics if it cannot find the
/// executable; a name goes through the same step, so that is checked first).
fn load_target(path: &Path) -> Result<PathBuf, ClassifyError> {
    let load_err = |reason: String| ClassifyError::RuntimeLoad {
        path: path.to_path_buf(),
        reason,
        cause: None,
    };
    let load_failed = |e: BoxError| ClassifyError::RuntimeLoad {
        path: path.to_path_buf(),
        reason: e.to_string(),
        cause: Some(e),
    };
    if is_library_name(path) {
        std::env::current_exe().map_err(|e| {
            load_err(format!(
                "cannot look up a library name: the executable's path is unknown ({e})"
            ))
        })?;
        return Ok(path.to_path_buf());
    }
    if !path.is_file() {
        return Err(ClassifyError::RuntimeMissing {
            path: path.to_path_buf(),
        });
    }
    std::path::absolute(path).map_err(|e| load_failed(Box::new(e)))
}

fn load_once(path: &Path) -> Result<&'static Loaded, ClassifyError> {
    let check = |loaded: &'static Loaded| {
        if loaded.path == canonical(path) {
            Ok(loaded)
        } else {
            Err(ClassifyError::RuntimeMismatch {
                loaded: loaded.path.clone(),
                requested: path.to_path_buf(),
            })
        }
    };
    if let Some(loaded) = LOADED.get() {
        return check(loaded);
    }
    // A poisoned lock only means another thread panicked while loading; the slot is still sound.
    let _guard = LOAD_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(loaded) = LOADED.get() {
        return check(loaded);
    }
    let load_failed = |e: BoxError| ClassifyError::RuntimeLoad {
        path: path.to_path_buf(),
        reason: e.to_string(),
        cause: Some(e),
    };
    let target = load_target(path)?;
    let env = ort::init_from(&target)
        .map_err(|e| load_failed(Box::new(e)))?
        .with_name("preflight")
        .build()
        .map_err(|e| load_failed(Box::new(e)))?;
    let loaded = LOADED.get_or_init(|| Loaded {
        path: canonical(path),
        env,
    });
    Ok(loaded)
}

/// A loaded model: its session (ONNX Runtime sessions run with `&mut`, so behind a mutex) and
/// the names of its inputs and outputs.
pub(crate) struct Model {
    name: String,
    session: Mutex<Session>,
    inputs: Vec<(String, Vec<i64>)>,
    input_types: Vec<Option<ort::value::TensorElementType>>,
    outputs: Vec<String>,
}

/// A model's first output, copied out of the runtime: shape and row-major values.
pub(crate) struct Output {
    /// Dimensions.
    pub(crate) shape: Vec<i64>,
    /// Values.
    pub(crate) data: Vec<f32>,
}

impl Model {
    /// Load the model at `path` with `runtime`; `name` identifies it in errors and evidence.
    pub(crate) fn load(runtime: &Runtime, name: &str, path: &Path) -> Result<Self, ClassifyError> {
        let session = runtime.session(name, path)?;
        let inputs = session
            .inputs()
            .iter()
            .map(|i| {
                (
                    i.name().to_string(),
                    i.dtype()
                        .tensor_shape()
                        .map(|s| s.to_vec())
                        .unwrap_or_default(),
                )
            })
            .collect();
        let input_types = session
            .inputs()
            .iter()
            .map(|i| i.dtype().tensor_type())
            .collect();
        let outputs = session
            .outputs()
            .iter()
            .map(|o| o.name().to_string())
            .collect();
        Ok(Self {
            name: name.to_string(),
            session: Mutex::new(session),
            inputs,
            input_types,
            outputs,
        })
    }

    /// The model's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Input names and declared shapes (`-1` for dynamic dimensions).
    #[cfg_attr(not(feature = "onnx-text"), allow(dead_code))]
    pub(crate) fn inputs(&self) -> &[(String, Vec<i64>)] {
        &self.inputs
    }

    /// The first input's name and declared shape (image models take one input).
    pub(crate) fn first_input(&self) -> Result<(String, Vec<i64>), ClassifyError> {
        self.inputs
            .first()
            .cloned()
            .ok_or_else(|| self.shape_error("no inputs"))
    }

    /// Input element types (`None` for non-tensor inputs).
    #[cfg_attr(not(feature = "onnx-text"), allow(dead_code))]
    pub(crate) fn input_types(&self) -> &[Option<ort::value::TensorElementType>] {
        &self.input_types
    }

    /// A [`ClassifyError::ModelShape`] for this model.
    pub(crate) fn shape_error(&self, reason: impl Into<String>) -> ClassifyError {
        ClassifyError::ModelShape {
            model: self.name.clone(),
            reason: reason.into(),
        }
    }

    fn inference_error(&self, e: impl std::error::Error + Send + Sync + 'static) -> ClassifyError {
        ClassifyError::Inference {
            model: self.name.clone(),
            reason: e.to_string(),
            cause: Some(Box::new(e)),
        }
    }

    /// Run with named inputs and return the first output as f32.
    pub(crate) fn run(
        &self,
        inputs: Vec<(String, ort::session::SessionInputValue<'_>)>,
    ) -> Result<Output, ClassifyError> {
        let first = self
            .outputs
            .first()
            .ok_or_else(|| self.shape_error("the model has no outputs"))?;
        let inputs: Vec<(std::borrow::Cow<'_, str>, _)> =
            inputs.into_iter().map(|(n, v)| (n.into(), v)).collect();
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let outputs = session.run(inputs).map_err(|e| self.inference_error(e))?;
        let value = outputs
            .get(first.as_str())
            .ok_or_else(|| self.shape_error(format!("output {first} missing")))?;
        let (shape, data) = value.try_extract_tensor::<f32>().map_err(|e| {
            self.shape_error(format!("output {first} is not a float32 tensor: {e}"))
        })?;
        Ok(Output {
            shape: shape.to_vec(),
            data: data.to_vec(),
        })
    }
}

/// Wrap a borrowed f32 buffer as an input tensor of `shape`.
pub(crate) fn tensor_f32<'a>(
    model: &Model,
    shape: &[usize],
    data: &'a [f32],
) -> Result<ort::session::SessionInputValue<'a>, ClassifyError> {
    ort::value::TensorRef::from_array_view((shape.to_vec(), data))
        .map(Into::into)
        .map_err(|e| model.inference_error(e))
}

/// Wrap a borrowed i64 buffer as an input tensor of `shape`.
#[cfg(feature = "onnx-text")]
pub(crate) fn tensor_i64<'a>(
    model: &Model,
    shape: &[usize],
    data: &'a [i64],
) -> Result<ort::session::SessionInputValue<'a>, ClassifyError> {
    ort::value::TensorRef::from_array_view((shape.to_vec(), data))
        .map(Into::into)
        .map_err(|e| model.inference_error(e))
}
