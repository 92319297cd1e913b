//! Models, tokenizers, data files, execution settings and file sinks.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use omex_mep::module::FLAG_STRICT_MODEL_HASHES;
use omex_mep::subtype::{CtlType, DataFileType, ExternKind, FileFormat};
use omex_mep::{Program, Slot};
use sha2::{Digest, Sha256};

use super::{LoadedEntry, Vm};
use crate::error::{ErrorKind, Result, RuntimeError};
use crate::model::prepare_input;
use crate::ops::{format, npy};
use crate::tensor::Tensor;
use crate::tokenizer::TokenizerHandle;
use crate::value::{Dict, Value, type_mismatch, want_bool, want_tensor};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Vm {
    /// Resolves a resource path from the program against the search path
    /// (see [`Sandbox::resolve_resource`](crate::sandbox::Sandbox::resolve_resource)).
    pub(super) fn resolve_resource(
        &self,
        path: &str,
        what: &str,
        kind: ErrorKind,
    ) -> Result<PathBuf> {
        self.sandbox
            .resolve_resource(&self.search, path, what, kind)
    }

    pub(super) fn load_model(&mut self, program: &Program, id: u8, path: &str) -> Result<()> {
        let module = program.module();
        let entry = module
            .models
            .get(id as usize)
            .ok_or_else(|| RuntimeError::model(format!("model m{id} is not in the model table")))?;
        let backend = self.backends.get(&entry.format).map_err(|e| RuntimeError {
            message: format!("model m{id} (`{}`): {}", entry.path, e.message),
            ..e
        })?;
        if let Some(Some(loaded)) = self.models.get(id as usize)
            && loaded.requested == path
            && loaded.config == self.config
        {
            return Ok(());
        }
        if let Some(parked) = self.parked.get_mut(id as usize)
            && parked
                .as_ref()
                .is_some_and(|p| p.requested == path && p.config == self.config)
        {
            self.models[id as usize] = parked.take();
            return Ok(());
        }
        let resolved = self.resolve_resource(path, "model", ErrorKind::Model)?;
        if module.flags & FLAG_STRICT_MODEL_HASHES != 0 {
            check_model_file(&resolved, entry.size, entry.sha256.as_ref())?;
        }
        let spinner = self.spinner(format!("loading model {}", resolved.display()));
        let loaded = backend.load(&resolved, &self.config);
        if let Some(s) = spinner {
            s.finish_and_clear();
        }
        let model = loaded?;
        let find = |names: &[String],
                    infos: &[crate::model::IoInfo],
                    what: &str|
         -> Result<Vec<usize>> {
            names
                .iter()
                .map(|n| {
                    infos.iter().position(|i| &i.name == n).ok_or_else(|| {
                        RuntimeError::model(format!(
                            "model m{id} (`{path}`) has no {what} named `{n}`, which the model table declares"
                        ))
                        .with_help(format!(
                            "its {what}s are: {}",
                            infos.iter().map(|i| i.describe()).collect::<Vec<_>>().join("; ")
                        ))
                    })
                })
                .collect()
        };
        let static_inputs = find(&entry.inputs, model.inputs(), "input")?;
        let static_outputs = find(&entry.outputs, model.outputs(), "output")?;
        if let Some(slot) = self.models.get_mut(id as usize) {
            *slot = Some(LoadedEntry {
                model,
                requested: path.to_string(),
                config: self.config.clone(),
                static_inputs,
                static_outputs,
            });
        }
        Ok(())
    }

    /// `RES_UNLOAD` of a model: drops its session, or parks it for the next
    /// load with [`VmOptions::keep_models`](super::VmOptions::keep_models).
    pub(super) fn unload_model(&mut self, id: u8) {
        let Some(entry) = self.models.get_mut(id as usize).and_then(Option::take) else {
            return;
        };
        if self.options.keep_models
            && let Some(parked) = self.parked.get_mut(id as usize)
        {
            *parked = Some(entry);
        }
    }

    fn model_name(&self, id: u8) -> String {
        let path = self
            .program
            .module()
            .models
            .get(id as usize)
            .map_or("?", |m| m.path.as_str());
        format!("m{id} (`{path}`)")
    }

    fn not_loaded(&self, id: u8) -> RuntimeError {
        RuntimeError::model(format!("model {} is not loaded", self.model_name(id)))
            .with_help("load it with RES_LOAD_MODEL first (it may have been unloaded)")
    }

    /// `MODEL_RUN_STATIC`: inputs go to the table's declared inputs in order;
    /// only the declared outputs are fetched.
    pub(super) fn run_static(&mut self, id: u8, inputs: &[Slot]) -> Result<Vec<Tensor>> {
        let name = self.model_name(id);
        let values: Vec<Value> = inputs
            .iter()
            .map(|s| self.get(*s).cloned())
            .collect::<Result<_>>()?;
        let entry = match self.models.get_mut(id as usize) {
            Some(Some(e)) => e,
            _ => return Err(self.not_loaded(id)),
        };
        let mut prepared = Vec::with_capacity(values.len());
        for (k, v) in values.iter().enumerate() {
            let idx = entry.static_inputs.get(k).copied().unwrap_or(k);
            let info = entry
                .model
                .inputs()
                .get(idx)
                .ok_or_else(|| RuntimeError::model(format!("model {name} has no input {k}")))?;
            let t = want_tensor(v, &format!("MODEL_RUN_STATIC input `{}`", info.name))?;
            prepared.push((idx, prepare_input(&name, info, t)?));
        }
        let feed: Vec<(usize, &Tensor)> = prepared.iter().map(|(i, t)| (*i, t)).collect();
        let outputs = entry.static_outputs.clone();
        entry.model.run(&feed, &outputs)
    }

    /// `MODEL_RUN_DYNAMIC`: one dict input maps input names to tensors
    /// (extra keys ignored), otherwise inputs are positional; the result is
    /// a dict of every output.
    pub(super) fn run_dynamic(&mut self, id: u8, inputs: &[Slot]) -> Result<Value> {
        let name = self.model_name(id);
        let values: Vec<Value> = inputs
            .iter()
            .map(|s| self.get(*s).cloned())
            .collect::<Result<_>>()?;
        let entry = match self.models.get_mut(id as usize) {
            Some(Some(e)) => e,
            _ => return Err(self.not_loaded(id)),
        };
        let infos = entry.model.inputs();
        let mut prepared = Vec::with_capacity(infos.len());
        if let [Value::Dict(d)] = values.as_slice() {
            let mut missing = Vec::new();
            for (i, info) in infos.iter().enumerate() {
                match d.get(&info.name) {
                    Some(v) => {
                        let t =
                            want_tensor(v, &format!("MODEL_RUN_DYNAMIC input `{}`", info.name))?;
                        prepared.push((i, prepare_input(&name, info, t)?));
                    }
                    None => missing.push(info.name.as_str()),
                }
            }
            if !missing.is_empty() {
                return Err(RuntimeError::model(format!(
                    "model {name}: missing input(s) {}; the dict has keys {}",
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    d.key_list()
                )));
            }
        } else {
            if values.len() != infos.len() {
                let declared: Vec<String> = infos.iter().map(|i| i.describe()).collect();
                return Err(RuntimeError::model(format!(
                    "model {name} takes {} input(s), {} given",
                    infos.len(),
                    values.len()
                ))
                .with_help(format!("its inputs, in order: {}", declared.join("; "))));
            }
            for (i, (info, v)) in infos.iter().zip(&values).enumerate() {
                let t = want_tensor(v, &format!("MODEL_RUN_DYNAMIC input `{}`", info.name))?;
                prepared.push((i, prepare_input(&name, info, t)?));
            }
        }
        let feed: Vec<(usize, &Tensor)> = prepared.iter().map(|(i, t)| (*i, t)).collect();
        let all: Vec<usize> = (0..entry.model.outputs().len()).collect();
        let results = entry.model.run(&feed, &all)?;
        let mut d = Dict::with_capacity(results.len());
        for (info, t) in entry.model.outputs().iter().zip(results) {
            d.insert(info.name.as_str(), Value::Tensor(t));
        }
        Ok(Value::dict(d))
    }

    pub(super) fn load_datafile(&self, ty: DataFileType, path: &str) -> Result<Value> {
        let real = self.resolve_resource(path, "data file", ErrorKind::Io)?;
        let text = std::fs::read_to_string(&real)
            .map_err(|e| RuntimeError::io(format!("cannot read data file `{path}`: {e}")))?;
        match ty {
            DataFileType::Json => Value::parse_json(&text).map_err(|e| {
                RuntimeError::io(format!("data file `{path}` is not valid JSON: {e}"))
            }),
            DataFileType::TxtLines => Ok(Value::list(text.lines().map(Value::str).collect())),
        }
    }

    pub(super) fn load_extern(
        &mut self,
        kind: ExternKind,
        repo: &str,
        params: &[Value],
    ) -> Result<Value> {
        match kind {
            ExternKind::Tokenizer => {
                let padding = match params.first() {
                    None | Some(Value::Null) => None,
                    Some(Value::Dict(d)) => d
                        .get("padding")
                        .map(|v| want_bool(v, "RES_LOAD_EXTERN tokenizer padding"))
                        .transpose()?,
                    Some(v) => Some(want_bool(v, "RES_LOAD_EXTERN tokenizer padding")?),
                };
                if let Some((_, _, t)) = self
                    .tokenizers
                    .iter()
                    .find(|(p, pad, _)| p == repo && *pad == padding)
                {
                    return Ok(Value::Tokenizer(t.clone()));
                }
                let real = self.resolve_resource(repo, "tokenizer", ErrorKind::Tokenizer)?;
                let t = Arc::new(TokenizerHandle::load(&real, padding)?);
                self.tokenizers.push((repo.to_string(), padding, t.clone()));
                Ok(Value::Tokenizer(t))
            }
            ExternKind::HostObject => Ok(Value::Host(self.host.create_object(repo, params)?)),
        }
    }

    pub(super) fn exec_ctl(&mut self, ctl: CtlType, v: &Value) -> Result<()> {
        match ctl {
            CtlType::Device => {
                let device = v.as_str().unwrap_or("");
                let devices = self.backends.devices();
                if !devices.iter().any(|d| d == device) {
                    return Err(RuntimeError::unsupported(format!(
                        "device \"{device}\" is not available"
                    ))
                    .with_help(format!("available devices: {}", devices.join(", "))));
                }
                self.config.device = device.to_string();
            }
            CtlType::Precision => {
                let p = v.as_str().unwrap_or("");
                if !matches!(p, "fp32" | "f32" | "float32" | "default") {
                    return Err(RuntimeError::unsupported(format!(
                        "precision \"{p}\" is not supported"
                    ))
                    .with_help(
                        "supported precisions: default, fp32 (also written f32 or float32)",
                    ));
                }
                self.precision = p.to_string();
            }
            CtlType::Threads => {
                let n = v.as_int().unwrap_or(-1);
                let n = usize::try_from(n).map_err(|_| {
                    RuntimeError::value(format!(
                        "EXEC_CTL threads: {n} is not a thread count (0 = default)"
                    ))
                })?;
                self.config.intra_threads = (n > 0).then_some(n);
            }
            CtlType::Seed => {
                let s = v.as_int().unwrap_or(0);
                self.rng = crate::rng::Rng::new(s as u64);
            }
        }
        Ok(())
    }

    pub(super) fn sink_file(&self, v: &Value, path: &str, fmt: FileFormat) -> Result<()> {
        let bytes: Vec<u8> = match (fmt, v) {
            (FileFormat::Txt, Value::Str(s)) => s.as_bytes().to_vec(),
            (FileFormat::Txt, Value::Bytes(b)) => b.to_vec(),
            (FileFormat::Txt, other) => other.to_string().into_bytes(),
            (FileFormat::Png, Value::Image(img)) => format::encode_png(img)?,
            (FileFormat::Png, Value::Tensor(t)) => format::encode_png(&format::tensor_image(t)?)?,
            (FileFormat::Png, other) => {
                return Err(type_mismatch(
                    "SINK_FILE png",
                    "an 8-bit image (a u8 tensor [H, W] or [H, W, C])",
                    other,
                )
                .with_help("convert the tensor with FORMAT_TO_IMAGE first"));
            }
            (FileFormat::Wav, Value::Bytes(b)) => b.to_vec(),
            (FileFormat::Wav, Value::Audio(a)) => a.wav.clone(),
            (FileFormat::Wav, other) => {
                return Err(type_mismatch("SINK_FILE wav", "WAV bytes", other)
                    .with_help("convert the samples with FORMAT_TO_AUDIO first"));
            }
            (FileFormat::Tensor, Value::Tensor(t)) => npy::encode(t),
            (FileFormat::Tensor, other) => {
                return Err(type_mismatch("SINK_FILE tensor", "a tensor", other));
            }
        };
        let real = self.sandbox.check_write(path)?;
        std::fs::write(&real, bytes)
            .map_err(|e| RuntimeError::io(format!("cannot write `{path}`: {e}")))
    }
}

/// Checks a model file's size and sha256 against the model table.
fn check_model_file(path: &Path, size: Option<u64>, sha256: Option<&[u8; 32]>) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| RuntimeError::model(format!("cannot read {}: {e}", path.display())))?;
    if let Some(want) = size
        && meta.len() != want
    {
        return Err(RuntimeError::model(format!(
            "model file {} has {} bytes, the model table says {want}",
            path.display(),
            meta.len()
        )));
    }
    if let Some(want) = sha256 {
        let mut file = std::fs::File::open(path)
            .map_err(|e| RuntimeError::model(format!("cannot read {}: {e}", path.display())))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file
                .read(&mut buf)
                .map_err(|e| RuntimeError::model(format!("cannot read {}: {e}", path.display())))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let got = hasher.finalize();
        if got.as_slice() != want.as_slice() {
            return Err(RuntimeError::model(format!(
                "model file {} has sha256 {}, the model table says {}",
                path.display(),
                hex(got.as_slice()),
                hex(want)
            ))
            .with_help(
                "the file changed since the recipe was compiled; recompile it or restore the file",
            ));
        }
    }
    Ok(())
}
