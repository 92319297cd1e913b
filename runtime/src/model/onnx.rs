//! The ONNX Runtime backend (execution format `onnx`), through `ort`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use ort::session::{HasSelectedOutputs, OutputSelector, RunOptions, Session, SessionInputValue};
use ort::value::{DynValue, TensorElementType, TensorRef, ValueType};

use super::{IoInfo, LoadedModel, ModelBackend, SessionConfig};
use crate::error::{Result, RuntimeError};
use crate::provision;
use crate::tensor::{DType, Tensor};

/// Loads `.onnx` files into ONNX Runtime sessions.
#[derive(Debug, Default)]
pub struct OnnxBackend {
    ort_lib: Option<PathBuf>,
}

impl OnnxBackend {
    pub fn new(ort_lib: Option<PathBuf>) -> Self {
        OnnxBackend { ort_lib }
    }
}

fn dtype_of(ty: TensorElementType) -> Option<DType> {
    Some(match ty {
        TensorElementType::Float32 => DType::F32,
        TensorElementType::Float64 => DType::F64,
        TensorElementType::Float16 => DType::F16,
        TensorElementType::Int64 => DType::I64,
        TensorElementType::Int32 => DType::I32,
        TensorElementType::Uint8 => DType::U8,
        TensorElementType::Bool => DType::Bool,
        _ => return None,
    })
}

fn io_info(name: &str, ty: &ValueType) -> IoInfo {
    match ty {
        ValueType::Tensor { ty, shape, .. } => IoInfo {
            name: name.to_string(),
            dtype: dtype_of(*ty),
            type_name: dtype_of(*ty).map_or_else(
                || format!("{ty:?}").to_lowercase(),
                |d| d.name().to_string(),
            ),
            shape: shape.iter().copied().collect(),
        },
        other => IoInfo {
            name: name.to_string(),
            dtype: None,
            type_name: format!("{other:?}"),
            shape: Vec::new(),
        },
    }
}

impl ModelBackend for OnnxBackend {
    fn format(&self) -> &str {
        "onnx"
    }

    fn load(&self, path: &Path, config: &SessionConfig) -> Result<Box<dyn LoadedModel>> {
        if config.device != "cpu" {
            return Err(RuntimeError::unsupported(format!(
                "the onnx backend runs on cpu, not {}",
                config.device
            )));
        }
        let env = provision::ort_environment(self.ort_lib.as_deref())?;
        let fail =
            |e: String| RuntimeError::model(format!("cannot load model {}: {e}", path.display()));
        let mut builder = Session::builder(&env).map_err(|e| fail(e.to_string()))?;
        if let Some(n) = config.intra_threads {
            builder = builder
                .with_intra_threads(n)
                .map_err(|e| fail(e.to_string()))?;
        }
        let session = builder
            .commit_from_file(path)
            .map_err(|e| fail(e.to_string()))?;
        let inputs = session
            .inputs()
            .iter()
            .map(|o| io_info(o.name(), o.dtype()))
            .collect();
        let outputs = session
            .outputs()
            .iter()
            .map(|o| io_info(o.name(), o.dtype()))
            .collect();
        Ok(Box::new(OnnxModel {
            name: path.display().to_string(),
            session,
            inputs,
            outputs,
            selections: Vec::new(),
        }))
    }
}

struct OnnxModel {
    name: String,
    session: Session,
    inputs: Vec<IoInfo>,
    outputs: Vec<IoInfo>,
    /// Run options that fetch a subset of the outputs, by the subset.
    selections: Vec<(Vec<usize>, RunOptions<HasSelectedOutputs>)>,
}

/// A borrowed ONNX Runtime view of a tensor (no copy).
fn view(t: &Tensor) -> ort::Result<SessionInputValue<'_>> {
    Ok(match t {
        Tensor::F32(a) => TensorRef::from_array_view(a.view())?.into(),
        Tensor::F64(a) => TensorRef::from_array_view(a.view())?.into(),
        Tensor::F16(a) => TensorRef::from_array_view(a.view())?.into(),
        Tensor::I64(a) => TensorRef::from_array_view(a.view())?.into(),
        Tensor::I32(a) => TensorRef::from_array_view(a.view())?.into(),
        Tensor::U8(a) => TensorRef::from_array_view(a.view())?.into(),
        Tensor::Bool(a) => TensorRef::from_array_view(a.view())?.into(),
    })
}

/// Copies an output into a tensor.
fn extract(v: &DynValue, info: &IoInfo) -> Result<Tensor> {
    let fail =
        |e: ort::Error| RuntimeError::model(format!("cannot read output `{}`: {e}", info.name));
    let ValueType::Tensor { ty, .. } = v.dtype() else {
        return Err(RuntimeError::unsupported(format!(
            "output `{}` is a {:?}, not a tensor",
            info.name,
            v.dtype()
        )));
    };
    macro_rules! get {
        ($t:ty) => {{
            let (shape, data) = v.try_extract_tensor::<$t>().map_err(fail)?;
            let dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
            Tensor::from_vec(&dims, data.to_vec())
        }};
    }
    match ty {
        TensorElementType::Float32 => get!(f32),
        TensorElementType::Float64 => get!(f64),
        TensorElementType::Float16 => get!(half::f16),
        TensorElementType::Int64 => get!(i64),
        TensorElementType::Int32 => get!(i32),
        TensorElementType::Uint8 => get!(u8),
        TensorElementType::Bool => get!(bool),
        TensorElementType::Int8 => {
            let (shape, data) = v.try_extract_tensor::<i8>().map_err(fail)?;
            let dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
            Tensor::from_vec(&dims, data.iter().map(|&x| x as i32).collect())
        }
        TensorElementType::Int16 => {
            let (shape, data) = v.try_extract_tensor::<i16>().map_err(fail)?;
            let dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
            Tensor::from_vec(&dims, data.iter().map(|&x| x as i32).collect())
        }
        other => Err(RuntimeError::unsupported(format!(
            "output `{}` has element type {other:?}, which the runtime has no tensor type for",
            info.name
        ))),
    }
}

impl LoadedModel for OnnxModel {
    fn inputs(&self) -> &[IoInfo] {
        &self.inputs
    }

    fn outputs(&self) -> &[IoInfo] {
        &self.outputs
    }

    fn run(&mut self, inputs: &[(usize, &Tensor)], outputs: &[usize]) -> Result<Vec<Tensor>> {
        let fail =
            |e: ort::Error| RuntimeError::model(format!("running model {} failed: {e}", self.name));
        let mut feed: Vec<(Cow<'_, str>, SessionInputValue<'_>)> = Vec::with_capacity(inputs.len());
        for (i, t) in inputs {
            let info = self
                .inputs
                .get(*i)
                .ok_or_else(|| RuntimeError::model("input index out of range"))?;
            feed.push((Cow::Borrowed(info.name.as_str()), view(t).map_err(fail)?));
        }
        let all =
            outputs.len() == self.outputs.len() && outputs.iter().enumerate().all(|(k, &o)| k == o);
        let result = if all {
            self.session.run(feed)
        } else {
            let pos = match self.selections.iter().position(|(sel, _)| sel == outputs) {
                Some(p) => p,
                None => {
                    let mut selector = OutputSelector::no_default();
                    for &o in outputs {
                        if let Some(info) = self.outputs.get(o) {
                            selector = selector.with(info.name.clone());
                        }
                    }
                    let options = RunOptions::new().map_err(fail)?.with_outputs(selector);
                    self.selections.push((outputs.to_vec(), options));
                    self.selections.len() - 1
                }
            };
            let options = &self.selections[pos].1;
            self.session.run_with_options(feed, options)
        };
        let result = result
            .map_err(|e| RuntimeError::model(format!("running model {} failed: {e}", self.name)))?;
        let mut out = Vec::with_capacity(outputs.len());
        for &o in outputs {
            let info = self
                .outputs
                .get(o)
                .ok_or_else(|| RuntimeError::model("output index out of range"))?;
            let v = result.get(info.name.as_str()).ok_or_else(|| {
                RuntimeError::model(format!(
                    "model {} did not return output `{}`",
                    self.name, info.name
                ))
            })?;
            out.push(extract(v, info)?);
        }
        Ok(out)
    }
}
