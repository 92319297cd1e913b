//! Model backends, selected by the model table's execution format.
//!
//! A [`ModelBackend`] loads a model file into a [`LoadedModel`], which runs
//! it. The [`ModelBackends`] registry maps execution formats (`onnx`) to
//! backends; the default registry has the ONNX Runtime backend.

pub mod onnx;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Result, RuntimeError};
use crate::tensor::{DType, Tensor, shape_str};

/// A model input or output as the model declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoInfo {
    pub name: String,
    /// `None` for element types the runtime has no tensor type for.
    pub dtype: Option<DType>,
    /// The element type as the backend names it, for messages.
    pub type_name: String,
    /// Dimensions; `-1` where the size is not fixed.
    pub shape: Vec<i64>,
}

impl IoInfo {
    /// `input_ids: i64 [-1, -1]`
    pub fn describe(&self) -> String {
        let dims: Vec<String> = self
            .shape
            .iter()
            .map(|d| if *d < 0 { "?".into() } else { d.to_string() })
            .collect();
        format!("{}: {} [{}]", self.name, self.type_name, dims.join(", "))
    }
}

/// How to set up a model session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Intra-op threads; `None` keeps the backend's default.
    pub intra_threads: Option<usize>,
    pub device: String,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            intra_threads: None,
            device: "cpu".into(),
        }
    }
}

/// A backend for one execution format.
pub trait ModelBackend: Send + Sync {
    /// The execution format in the model table, lowercase (`onnx`).
    fn format(&self) -> &str;
    /// The devices it can run on.
    fn devices(&self) -> Vec<String> {
        vec!["cpu".into()]
    }
    fn load(&self, path: &Path, config: &SessionConfig) -> Result<Box<dyn LoadedModel>>;
}

/// A model ready to run.
pub trait LoadedModel: Send {
    fn inputs(&self) -> &[IoInfo];
    fn outputs(&self) -> &[IoInfo];
    /// Runs the model. `inputs` pairs input indices with tensors already of
    /// the declared element type, shape-checked and in standard layout;
    /// `outputs` are the indices of the outputs to fetch, in the order wanted.
    fn run(&mut self, inputs: &[(usize, &Tensor)], outputs: &[usize]) -> Result<Vec<Tensor>>;
}

/// The backends a VM can load models with, by execution format.
#[derive(Clone, Default)]
pub struct ModelBackends {
    backends: Vec<Arc<dyn ModelBackend>>,
}

impl fmt::Debug for ModelBackends {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.formats()).finish()
    }
}

impl ModelBackends {
    /// No backends.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The ONNX Runtime backend, loading the library from `ort_lib` if given
    /// (see [`crate::provision`] for the search order otherwise).
    pub fn with_onnx(ort_lib: Option<PathBuf>) -> Self {
        let mut b = Self::default();
        b.register(Arc::new(onnx::OnnxBackend::new(ort_lib)));
        b
    }

    /// Adds a backend; it replaces one of the same format.
    pub fn register(&mut self, backend: Arc<dyn ModelBackend>) {
        let format = backend.format().to_ascii_lowercase();
        self.backends.retain(|b| b.format() != format);
        self.backends.push(backend);
    }

    pub fn formats(&self) -> Vec<&str> {
        self.backends.iter().map(|b| b.format()).collect()
    }

    /// Every device some backend supports.
    pub fn devices(&self) -> Vec<String> {
        let mut d: Vec<String> = self.backends.iter().flat_map(|b| b.devices()).collect();
        d.sort();
        d.dedup();
        if d.is_empty() {
            d.push("cpu".into());
        }
        d
    }

    /// The backend of a format; the error lists the available formats.
    pub fn get(&self, format: &str) -> Result<Arc<dyn ModelBackend>> {
        let want = format.to_ascii_lowercase();
        self.backends
            .iter()
            .find(|b| b.format() == want)
            .cloned()
            .ok_or_else(|| {
                let formats = self.formats();
                RuntimeError::model(format!(
                    "no model backend for execution format \"{format}\""
                ))
                .with_help(format!(
                    "available formats: {}",
                    if formats.is_empty() {
                        "(none)".into()
                    } else {
                        formats.join(", ")
                    }
                ))
            })
    }
}

/// Brings a tensor to what a model input declares: the element type
/// (converted only if no value changes), the rank and the fixed dimensions.
pub fn prepare_input(model: &str, info: &IoInfo, t: &Tensor) -> Result<Tensor> {
    let Some(dtype) = info.dtype else {
        return Err(RuntimeError::unsupported(format!(
            "model {model}: input {} has element type {}, which the runtime cannot provide",
            info.name, info.type_name
        )));
    };
    let t = if t.dtype() == dtype {
        t.clone()
    } else {
        t.cast_lossless(dtype).ok_or_else(|| {
            RuntimeError::type_error(format!(
                "model {model}: input `{}` expects {dtype} elements, found {}; the values do not convert to {dtype} exactly",
                info.name,
                t.describe()
            ))
            .with_help(format!("cast the tensor to {dtype} first (TENSOR_MANIPULATE cast)"))
        })?
    };
    let shape = t.shape();
    let fits = shape.len() == info.shape.len()
        && shape
            .iter()
            .zip(&info.shape)
            .all(|(&d, &want)| want < 0 || d as i64 == want);
    if !fits {
        return Err(RuntimeError::shape(format!(
            "model {model}: input `{}` expects shape {}, found {}",
            info.name,
            declared_shape(&info.shape),
            shape_str(shape)
        )));
    }
    Ok(t.to_standard_layout())
}

/// `[?, 128]`
pub fn declared_shape(shape: &[i64]) -> String {
    let dims: Vec<String> = shape
        .iter()
        .map(|d| if *d < 0 { "?".into() } else { d.to_string() })
        .collect();
    format!("[{}]", dims.join(", "))
}
