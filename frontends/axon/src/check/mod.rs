//! Checks a read manifest against the rules and the package's files, and
//! resolves it to a [`Recipe`]: which model, which backend, how each input
//! is made, which outputs are returned.

use std::collections::BTreeSet;

use omex_diagnostics::{Diagnostic, Severity, Span, suggest};
use omex_ir::{DType, Dim, ModelPort, TensorType};
use sha2::{Digest, Sha256};

use crate::codes;
use crate::manifest::{Manifest, PortList, Preprocessing, Str};
use crate::recipe::{Input, Recipe, Source, TOKENIZER_FIELDS};
use crate::rules;
use crate::{Options, hf};

mod files;
mod inputs;
mod io;

pub const API_VERSION: &str = "axon.mlos.io/v1";
/// Older spellings of the API version, read as [`API_VERSION`].
const OLD_API_VERSIONS: &[&str] = &[
    "v1",
    "v1alpha1",
    "v1beta1",
    "axon/v1",
    "axon.mlos.io/v1alpha1",
    "axon.mlos.io/v1beta1",
];

pub struct Checker<'a> {
    pub options: &'a Options,
    pub diags: Vec<Diagnostic>,
    /// Fields the schema reader found malformed: not reported again as missing.
    malformed: Vec<String>,
}

/// A tokenizer input's dynamic second dimension is the encoding's `seq`
/// (bounded by the tokenizer's truncation for memory planning).
fn sequence_dims(port: &ModelPort, source: &Source) -> ModelPort {
    let mut port = port.clone();
    if let (Source::Text { .. }, Some(shape)) = (source, port.ty.shape.as_mut())
        && shape.len() == 2
        && matches!(shape[1], Dim::Sym(_))
    {
        shape[1] = Dim::Sym("seq".into());
    }
    port
}

fn note(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Severity::Note, codes::IO_SOURCE, message)
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "(none)".into()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl<'a> Checker<'a> {
    pub fn new(options: &'a Options) -> Self {
        Self {
            options,
            diags: Vec::new(),
            malformed: Vec::new(),
        }
    }

    fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::error(code, message).with_primary(span, label));
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn missing(&mut self, what: &str, span: Span, label: &str) {
        if self.malformed.iter().any(|m| m == what) {
            return;
        }
        self.error(
            codes::MISSING_FIELD,
            format!("`{what}` is missing"),
            span,
            label,
        );
    }

    pub fn check(&mut self, m: &Manifest) -> Option<Recipe> {
        self.malformed = m.malformed.clone();
        self.header(m);
        let name = self.metadata(m);
        let Some(spec_key) = m.spec.key else {
            self.missing("spec", m.top, "a manifest needs a `spec`");
            return None;
        };
        let Some(format) = &m.spec.format else {
            self.missing("spec.format", spec_key, "`spec` has no `format`");
            return None;
        };
        if format.files.is_empty() {
            self.push(
                Diagnostic::error(
                    codes::MISSING_FIELD,
                    "`spec.format.files` is missing or empty",
                )
                .with_primary(format.key, "lists no files")
                .with_help(
                    "list the model file: `files: [{path: model.onnx, size: ..., sha256: ...}]`",
                ),
            );
            return None;
        }
        let checked = self.files(m);
        // Without a backend or a model file, the I/O is still checked.
        let exec = self.execution_format(m);
        let model = exec.as_ref().and_then(|e| self.model_file(m, e));
        let (model_path, model_span) = model.clone().unwrap_or((String::new(), format.key));
        let model_ok = checked.contains(&model_path);
        let onnx = exec.as_ref().is_some_and(|e| e.value == "onnx");
        let signature = if onnx && model_ok {
            self.signature(&model_path, model_span)
        } else {
            None
        };
        let memory = m
            .spec
            .memory
            .as_ref()
            .and_then(|mem| match rules::memory(&mem.value) {
                Ok(bytes) => Some(bytes),
                Err(why) => {
                    self.push(
                        Diagnostic::error(
                            codes::BAD_MEMORY,
                            format!("`spec.requirements.memory` is not a size: {why}"),
                        )
                        .with_primary(mem.span, "not a size")
                        .with_help("write a size such as 512Mi, 2Gi or 1GB"),
                    );
                    None
                }
            });
        let (inputs, outputs) = match &m.spec.io {
            Some(io) => {
                let inputs = self.declared(io.inputs.as_ref(), "inputs", io.key)?;
                let outputs: Vec<(ModelPort, Span)> = self
                    .declared(io.outputs.as_ref(), "outputs", io.key)?
                    .into_iter()
                    .map(|(p, _, span)| (p, span))
                    .collect();
                if let Some(sig) = &signature {
                    self.compare(&inputs, &outputs, sig, &model_path, model_span);
                }
                let known: Vec<_> = match &signature {
                    Some(sig) => inputs
                        .into_iter()
                        .filter(|(p, _, _)| sig.inputs.iter().any(|s| s.name == p.name))
                        .collect(),
                    None => inputs,
                };
                let inputs = self.sources(&known, false);
                (inputs, outputs)
            }
            None => {
                let Some(sig) = &signature else {
                    if onnx || model.is_none() {
                        // The model file's problem is reported already.
                        return None;
                    }
                    self.push(
                        Diagnostic::error(
                            codes::MISSING_FIELD,
                            "`spec.io` is missing and cannot be read from the model",
                        )
                        .with_primary(spec_key, "`spec` has no `io`")
                        .with_help("list the model's inputs and outputs under `spec.io`"),
                    );
                    return None;
                };
                let describe = |ports: &[ModelPort]| {
                    ports
                        .iter()
                        .map(|p| format!("{}: {}", p.name, omex_ir::Type::Tensor(p.ty.clone())))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                self.push(
                    note(format!(
                        "`spec.io` is absent: the inputs and outputs were read from `{model_path}`"
                    ))
                    .with_primary(spec_key, "no `io` here")
                    .with_note(format!("inputs: {}", describe(&sig.inputs)))
                    .with_note(format!("outputs: {}", describe(&sig.outputs)))
                    .with_note(
                        "inputs are made by name and type: `input_ids`, `attention_mask` and `token_type_ids` with `tokenizer.json`, float [N, C, H, W] inputs from the image argument",
                    ),
                );
                let inputs: Vec<(ModelPort, Option<&Preprocessing>, Span)> = sig
                    .inputs
                    .iter()
                    .map(|p| (p.clone(), None, spec_key))
                    .collect();
                let outputs = sig.outputs.iter().map(|p| (p.clone(), spec_key)).collect();
                (self.sources(&inputs, true), outputs)
            }
        };
        if self.diags.iter().any(|d| d.severity == Severity::Error) {
            return None;
        }
        let (exec, _) = (exec?, model?);
        Some(Recipe {
            name: name.unwrap_or_else(|| "model".into()),
            model_path,
            model_span,
            format: exec.value,
            signature,
            inputs: inputs?,
            outputs,
            memory,
            package_dir: self.options.package_dir.clone(),
        })
    }

    fn header(&mut self, m: &Manifest) {
        match &m.api_version {
            None => self.push(
                Diagnostic::error(codes::MISSING_FIELD, "`apiVersion` is missing")
                    .with_primary(m.top, "the manifest starts here")
                    .with_help(format!("add `apiVersion: {API_VERSION}`")),
            ),
            Some(v) if v.value == API_VERSION => {}
            Some(v) if OLD_API_VERSIONS.contains(&v.value.as_str()) => self.push(
                Diagnostic::warning(
                    codes::ASSUMED,
                    format!(
                        "`apiVersion: {}` is an older form; read as `{API_VERSION}`",
                        v.value
                    ),
                )
                .with_primary(v.span, format!("assumed `{API_VERSION}`"))
                .with_suggestion("write the current version", v.span, API_VERSION),
            ),
            Some(v) => self.push(
                Diagnostic::error(
                    codes::UNSUPPORTED_VERSION,
                    format!("unsupported apiVersion `{}`", v.value),
                )
                .with_primary(v.span, "not an Axon manifest version this compiler reads")
                .with_help(format!("this compiler reads `{API_VERSION}`")),
            ),
        }
        match &m.kind {
            None => self.push(
                Diagnostic::warning(
                    codes::ASSUMED,
                    "the manifest has no `kind`: assumed `Model`",
                )
                .with_primary(m.top, "no `kind`")
                .with_help("add `kind: Model`"),
            ),
            Some(k) if k.value == "Model" => {}
            Some(k) => self.push(
                Diagnostic::error(
                    codes::UNSUPPORTED_VERSION,
                    format!("unsupported kind `{}`", k.value),
                )
                .with_primary(k.span, "expected `Model`")
                .with_help("omexc compiles manifests of `kind: Model`"),
            ),
        }
    }

    fn metadata(&mut self, m: &Manifest) -> Option<String> {
        let Some(key) = m.metadata.key else {
            self.missing(
                "metadata",
                m.top,
                "a manifest needs `metadata` with a name and a version",
            );
            return None;
        };
        for (field, value) in [
            ("name", &m.metadata.name),
            ("namespace", &m.metadata.namespace),
        ] {
            if let Some(v) = value
                && let Err(why) = rules::name(&v.value)
            {
                let fixed = rules::fix_name(&v.value);
                let mut d = Diagnostic::error(
                    codes::BAD_NAME,
                    format!("invalid `metadata.{field}` `{}`: {why}", v.value),
                )
                .with_primary(v.span, "expected [a-z0-9-]+");
                if !fixed.is_empty() && rules::name(&fixed).is_ok() {
                    d = d.with_suggestion(format!("write `{fixed}`"), v.span, fixed);
                }
                self.push(d);
            }
        }
        match &m.metadata.version {
            None => self.missing("metadata.version", key, "`metadata` has no `version`"),
            Some(v) => {
                if let Err(why) = rules::semver(&v.value) {
                    self.push(
                        Diagnostic::error(
                            codes::BAD_VERSION,
                            format!("invalid `metadata.version` `{}`: {why}", v.value),
                        )
                        .with_primary(v.span, "not a semantic version")
                        .with_help("write MAJOR.MINOR.PATCH, such as 1.0.0 or 2.1.0-rc.1"),
                    );
                }
            }
        }
        match &m.metadata.name {
            None => {
                self.missing("metadata.name", key, "`metadata` has no `name`");
                None
            }
            Some(n) => Some(n.value.clone()),
        }
    }
}
