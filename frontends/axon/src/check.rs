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

    /// Checks every listed file's path, size and digest; returns the paths
    /// of the files that are present and match.
    fn files(&mut self, m: &Manifest) -> BTreeSet<String> {
        let mut ok = BTreeSet::new();
        let mut seen: Vec<&Str> = Vec::new();
        let Some(format) = &m.spec.format else {
            return ok;
        };
        for f in &format.files {
            if let Some(first) = seen.iter().find(|s| s.value == f.path.value) {
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        format!("`{}` is listed twice", f.path.value),
                    )
                    .with_primary(f.path.span, "listed again here")
                    .with_secondary(first.span, "first listed here"),
                );
                continue;
            }
            seen.push(&f.path);
            if let Err(why) = rules::package_path(&f.path.value) {
                self.error(
                    codes::BAD_PATH,
                    format!("invalid path `{}`: {why}", f.path.value),
                    f.path.span,
                    "not a path inside the package",
                );
                continue;
            }
            let want_sha = f
                .sha256
                .as_ref()
                .and_then(|s| match rules::sha256(&s.value) {
                    Ok(d) => Some((d, s.span)),
                    Err(why) => {
                        self.push(
                            Diagnostic::error(
                                codes::BAD_SHA256,
                                format!("invalid sha256 for `{}`: {why}", f.path.value),
                            )
                            .with_primary(s.span, "expected 64 hexadecimal digits")
                            .with_help("compute it with `sha256sum FILE`"),
                        );
                        None
                    }
                });
            if let Some(size) = f.size
                && size.value < 0
            {
                self.error(
                    codes::WRONG_TYPE,
                    format!("the size of `{}` is negative", f.path.value),
                    size.span,
                    "expected a size in bytes",
                );
            }
            let path = self.options.package_dir.join(&f.path.value);
            let meta = match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => meta,
                _ => {
                    let mut d = Diagnostic::error(
                        codes::FILE_MISSING,
                        format!("`{}` is not in the package", f.path.value),
                    )
                    .with_primary(f.path.span, "listed here")
                    .with_note(format!("looked for {}", path.display()));
                    if let Some(best) = self.closest_file(&f.path.value) {
                        d = d.with_help(format!("the package has `{best}`"));
                    }
                    self.push(d);
                    continue;
                }
            };
            let mut good = true;
            if let Some(size) = f.size
                && size.value >= 0
                && size.value as u64 != meta.len()
            {
                good = false;
                self.push(
                    Diagnostic::error(codes::SIZE_MISMATCH, format!("`{}` is {} bytes, the manifest says {}", f.path.value, meta.len(), size.value))
                        .with_primary(size.span, format!("the file has {} bytes", meta.len()))
                        .with_help("the file changed since the manifest was written: update the size and sha256, or restore the file"),
                );
            }
            if let Some((want, span)) = want_sha {
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        let got: [u8; 32] = Sha256::digest(&bytes).into();
                        if got != want {
                            good = false;
                            self.push(
                                Diagnostic::error(codes::SHA256_MISMATCH, format!("the sha256 of `{}` differs from the manifest", f.path.value))
                                    .with_primary(span, "the manifest says this")
                                    .with_note(format!("the file's sha256 is {}", rules::hex(&got)))
                                    .with_help("the file changed since the manifest was written: update the sha256, or restore the file"),
                            );
                        }
                    }
                    Err(e) => {
                        good = false;
                        self.error(
                            codes::PACKAGE_UNREADABLE,
                            format!("cannot read `{}`: {e}", f.path.value),
                            f.path.span,
                            "listed here",
                        );
                    }
                }
            }
            if good {
                ok.insert(f.path.value.clone());
            }
        }
        ok
    }

    fn closest_file(&self, wanted: &str) -> Option<String> {
        let names: Vec<String> = std::fs::read_dir(&self.options.package_dir)
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        suggest::closest(wanted, names.iter().map(String::as_str)).map(str::to_string)
    }

    fn execution_format(&mut self, m: &Manifest) -> Option<Str> {
        let format = m.spec.format.as_ref()?;
        let exec = match &format.execution_format {
            Some(e) => Str {
                value: e.value.to_ascii_lowercase(),
                span: e.span,
            },
            None => {
                let onnx = format
                    .files
                    .iter()
                    .any(|f| f.path.value.to_ascii_lowercase().ends_with(".onnx"));
                let framework = m.spec.framework.as_ref().and_then(|f| f.name.as_ref());
                let (value, why) = match (onnx, &format.kind, framework) {
                    (true, _, _) => (
                        "onnx".to_string(),
                        "the package has an ONNX file".to_string(),
                    ),
                    (false, Some(t), _) => (
                        t.value.to_ascii_lowercase(),
                        format!("`spec.format.type` is `{}`", t.value),
                    ),
                    (false, None, Some(f)) => (
                        f.value.to_ascii_lowercase(),
                        format!("`spec.framework.name` is `{}`", f.value),
                    ),
                    (false, None, None) => (
                        "onnx".to_string(),
                        "no format or framework is named".to_string(),
                    ),
                };
                self.push(
                    Diagnostic::warning(codes::ASSUMED, format!("`spec.format.execution_format` is missing: assumed `{value}` because {why}"))
                        .with_primary(format.key, format!("assumed `execution_format: {value}`"))
                        .with_help(format!("add `execution_format: {value}` to `spec.format`")),
                );
                Str {
                    value,
                    span: format.key,
                }
            }
        };
        if !self
            .options
            .formats
            .iter()
            .any(|f| f.eq_ignore_ascii_case(&exec.value))
        {
            let available: Vec<&str> = self.options.formats.iter().map(String::as_str).collect();
            let mut d = Diagnostic::error(
                codes::UNKNOWN_EXECUTION_FORMAT,
                format!("no runtime backend runs execution format `{}`", exec.value),
            )
            .with_primary(exec.span, "no backend for this format")
            .with_note(format!("available formats: {}", list(&available)));
            d = match suggest::closest(&exec.value, available.iter().copied()) {
                Some(best) => d.with_suggestion(format!("did you mean `{best}`?"), exec.span, best),
                None => d.with_help("convert the model to a format the runtime runs (for example ONNX) and list that file"),
            };
            self.push(d);
            return None;
        }
        Some(exec)
    }

    /// The first listed file of the execution format (`.onnx` for `onnx`).
    fn model_file(&mut self, m: &Manifest, exec: &Str) -> Option<(String, Span)> {
        let format = m.spec.format.as_ref()?;
        let ext = format!(".{}", exec.value);
        match format
            .files
            .iter()
            .find(|f| f.path.value.to_ascii_lowercase().ends_with(&ext))
        {
            Some(f) => Some((f.path.value.clone(), f.path.span)),
            None => {
                let names: Vec<&str> = format.files.iter().map(|f| f.path.value.as_str()).collect();
                self.push(
                    Diagnostic::error(
                        codes::NO_MODEL_FILE,
                        format!(
                            "no listed file is a model of execution format `{}`",
                            exec.value
                        ),
                    )
                    .with_primary(format.key, format!("no `*{ext}` file in `files`"))
                    .with_note(format!("the files are {}", list(&names)))
                    .with_help(format!(
                        "list the model file (`model{ext}`) under `spec.format.files`"
                    )),
                );
                None
            }
        }
    }

    pub fn signature(&mut self, path: &str, span: Span) -> Option<omex_onnx::Signature> {
        match omex_onnx::read_signature(&self.options.package_dir.join(path)) {
            Ok(sig) => Some(sig),
            Err(e) => {
                self.error(
                    codes::MODEL_UNREADABLE,
                    format!("cannot read `{path}` as an ONNX model: {e}"),
                    span,
                    "the model file",
                );
                None
            }
        }
    }

    /// The declared inputs or outputs, checked one by one.
    fn declared<'m>(
        &mut self,
        ports: Option<&'m PortList>,
        which: &str,
        io_key: Span,
    ) -> Option<Vec<(ModelPort, Option<&'m Preprocessing>, Span)>> {
        let Some(PortList {
            key,
            ports,
            written,
        }) = ports
        else {
            self.missing(
                &format!("spec.io.{which}"),
                io_key,
                &format!("`io` has no `{which}`"),
            );
            return None;
        };
        if *written == 0 {
            self.error(
                codes::EMPTY_IO,
                format!("`spec.io.{which}` is empty"),
                *key,
                format!("a model has at least one {}", &which[..which.len() - 1]),
            );
            return None;
        }
        let mut out: Vec<(ModelPort, Option<&Preprocessing>, Span)> = Vec::new();
        for p in ports {
            if let Some((_, _, first)) = out.iter().find(|(q, _, _)| q.name == p.name.value) {
                let first = *first;
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        format!("`{}` is declared twice in `spec.io.{which}`", p.name.value),
                    )
                    .with_primary(p.name.span, "declared again here")
                    .with_secondary(first, "first declared here"),
                );
                continue;
            }
            let dtype = p.dtype.as_ref().and_then(|d| match rules::dtype(&d.value) {
                Some(t) => Some(t),
                None => {
                    let mut diag =
                        Diagnostic::error(codes::BAD_DTYPE, format!("unknown dtype `{}`", d.value))
                            .with_primary(d.span, "not a tensor element type");
                    diag = match suggest::closest(&d.value, rules::DTYPES.iter().copied()) {
                        Some(best) => {
                            diag.with_suggestion(format!("did you mean `{best}`?"), d.span, best)
                        }
                        None => diag.with_note(format!("the dtypes are {}", list(rules::DTYPES))),
                    };
                    self.push(diag);
                    None
                }
            });
            let shape = p.shape.as_ref().map(|dims| {
                dims.iter()
                    .enumerate()
                    .map(|(i, d)| match d.value {
                        -1 => Dim::Sym(if i == 0 {
                            "batch".into()
                        } else {
                            format!("{}_{i}", p.name.value)
                        }),
                        n if n > 0 => Dim::Fixed(n as u64),
                        n => {
                            self.error(
                                codes::BAD_SHAPE,
                                format!("dimension {i} of `{}` is {n}", p.name.value),
                                d.span,
                                "expected a positive size, or -1 for a dynamic one",
                            );
                            Dim::Sym(format!("{}_{i}", p.name.value))
                        }
                    })
                    .collect()
            });
            out.push((
                ModelPort {
                    name: p.name.value.clone(),
                    ty: TensorType { dtype, shape },
                },
                p.preprocessing.as_ref(),
                p.name.span,
            ));
        }
        Some(out)
    }

    /// The manifest is the source of truth, but it must describe the model.
    fn compare(
        &mut self,
        inputs: &[(ModelPort, Option<&Preprocessing>, Span)],
        outputs: &[(ModelPort, Span)],
        sig: &omex_onnx::Signature,
        model: &str,
        model_span: Span,
    ) {
        let declared: Vec<&str> = inputs.iter().map(|(p, _, _)| p.name.as_str()).collect();
        let actual: Vec<&str> = sig.inputs.iter().map(|p| p.name.as_str()).collect();
        let unknown: Vec<&(ModelPort, Option<&Preprocessing>, Span)> = inputs
            .iter()
            .filter(|(p, _, _)| !actual.contains(&p.name.as_str()))
            .collect();
        let omitted: Vec<&str> = actual
            .iter()
            .copied()
            .filter(|a| !declared.contains(a))
            .collect();
        if !unknown.is_empty() || !omitted.is_empty() {
            let message = match (unknown.first(), omitted.first()) {
                (Some((p, _, _)), _) => format!("`{model}` has no input `{}`", p.name),
                (None, Some(o)) => {
                    format!("the manifest omits input `{o}`, which `{model}` requires")
                }
                (None, None) => String::new(),
            };
            let mut d = Diagnostic::error(codes::INPUT_MISMATCH, message);
            for (p, _, span) in &unknown {
                let label = match suggest::closest(&p.name, actual.iter().copied()) {
                    Some(best) => format!("not an input of the model (did you mean `{best}`?)"),
                    None => "not an input of the model".into(),
                };
                d = d.with_primary(*span, label);
            }
            if unknown.is_empty() {
                d = d.with_primary(
                    inputs[0].2,
                    format!(
                        "the inputs declared here do not include `{}`",
                        omitted.join("`, `")
                    ),
                );
            }
            d = d
                .with_secondary(model_span, "the model")
                .with_note(format!("the manifest declares: {}", list(&declared)))
                .with_note(format!("`{model}` has: {}", list(&actual)))
                .with_help("make `spec.io.inputs` list exactly the model's inputs");
            self.push(d);
        }
        for (p, _, span) in inputs {
            if let Some(real) = sig.inputs.iter().find(|r| r.name == p.name) {
                self.compare_type(p, real, *span, model);
            }
        }
        let outs: Vec<&str> = sig.outputs.iter().map(|p| p.name.as_str()).collect();
        for (p, span) in outputs {
            match sig.outputs.iter().find(|r| r.name == p.name) {
                Some(real) => self.compare_type(p, real, *span, model),
                None => {
                    let mut d = Diagnostic::error(
                        codes::OUTPUT_MISMATCH,
                        format!("`{model}` has no output `{}`", p.name),
                    )
                    .with_primary(*span, "not an output of the model")
                    .with_secondary(model_span, "the model")
                    .with_note(format!("`{model}` has: {}", list(&outs)));
                    if let Some(best) = suggest::closest(&p.name, outs.iter().copied()) {
                        d = d.with_suggestion(format!("did you mean `{best}`?"), *span, best);
                    }
                    self.push(d);
                }
            }
        }
    }

    fn compare_type(&mut self, declared: &ModelPort, real: &ModelPort, span: Span, model: &str) {
        let show = |t: &TensorType| omex_ir::Type::Tensor(t.clone()).to_string();
        let dtype_differs =
            matches!((declared.ty.dtype, real.ty.dtype), (Some(a), Some(b)) if a != b);
        let shape_differs = match (&declared.ty.shape, &real.ty.shape) {
            (Some(a), Some(b)) => {
                a.len() != b.len()
                    || a.iter()
                        .zip(b)
                        .any(|(x, y)| matches!((x, y), (Dim::Fixed(m), Dim::Fixed(n)) if m != n))
            }
            _ => false,
        };
        if dtype_differs || shape_differs {
            let what = match (dtype_differs, shape_differs) {
                (true, true) => "dtype and shape",
                (true, false) => "dtype",
                _ => "shape",
            };
            self.push(
                Diagnostic::error(codes::PORT_TYPE_MISMATCH, format!("the {what} of `{}` differs from the model", declared.name))
                    .with_primary(span, format!("declared {}", show(&declared.ty)))
                    .with_note(format!("`{model}` has `{}: {}`", real.name, show(&real.ty)))
                    .with_help("-1 stands for a dynamic dimension; other sizes and the dtype must match the model"),
            );
        }
    }

    /// How each input is made: from its preprocessing hint, or inferred
    /// from its name and type when it has none.
    fn sources(
        &mut self,
        inputs: &[(ModelPort, Option<&Preprocessing>, Span)],
        from_model: bool,
    ) -> Option<Vec<Input>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (port, pre, span) in inputs {
            let source = match pre {
                Some(pre) => self.hinted(port, pre),
                None => self.inferred(port, *span, from_model),
            };
            match source {
                Some(source) => out.push(Input {
                    port: sequence_dims(port, &source),
                    source,
                    span: *span,
                }),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn hinted(&mut self, port: &ModelPort, pre: &Preprocessing) -> Option<Source> {
        let Some(kind) = &pre.kind else {
            self.missing("preprocessing.type", pre.key, "this hint has no `type`");
            return None;
        };
        match kind.value.as_str() {
            "tokenization" => {
                let tokenizer = match &pre.tokenizer {
                    Some(t) => t.clone(),
                    None => {
                        self.push(
                            Diagnostic::warning(codes::ASSUMED, format!("the tokenization hint of `{}` names no tokenizer: assumed `tokenizer.json`", port.name))
                                .with_primary(pre.key, "no `tokenizer`")
                                .with_help("add `tokenizer: tokenizer.json`"),
                        );
                        Str {
                            value: "tokenizer.json".into(),
                            span: pre.key,
                        }
                    }
                };
                if !self.tokenizer_present(&tokenizer) {
                    return None;
                }
                let field = match &pre.config.field {
                    Some(f) => f.clone(),
                    None => Str {
                        value: port.name.clone(),
                        span: pre.key,
                    },
                };
                if !TOKENIZER_FIELDS.contains(&field.value.as_str()) {
                    let mut d = Diagnostic::error(
                        codes::BAD_PREPROCESSING,
                        format!(
                            "a tokenizer has no output `{}` for input `{}`",
                            field.value, port.name
                        ),
                    )
                    .with_primary(field.span, "not a tokenizer output")
                    .with_note(format!("a tokenizer gives {}", list(TOKENIZER_FIELDS)));
                    d = match suggest::closest(&field.value, TOKENIZER_FIELDS.iter().copied()) {
                        Some(best) => d.with_help(format!(
                            "name the tokenizer output with `config: {{field: {best}}}`"
                        )),
                        None => d.with_help(
                            "name the tokenizer output with `config: {field: input_ids}`",
                        ),
                    };
                    self.push(d);
                    return None;
                }
                Some(Source::Text {
                    tokenizer: tokenizer.value,
                    padding: pre.config.padding.map(|(p, _)| p),
                    field: field.value,
                })
            }
            "normalization" | "resize" => self.image(port, pre, kind.value == "normalization"),
            other => {
                let kinds = ["tokenization", "normalization", "resize"];
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_PREPROCESSING,
                    format!("unknown preprocessing type `{other}`"),
                )
                .with_primary(kind.span, "not a preprocessing type")
                .with_note(format!("the types are {}", list(&kinds)));
                if let Some(best) = suggest::closest(other, kinds) {
                    d = d.with_suggestion(format!("did you mean `{best}`?"), kind.span, best);
                }
                self.push(d);
                None
            }
        }
    }

    pub fn tokenizer_present(&mut self, t: &Str) -> bool {
        if let Err(why) = rules::package_path(&t.value) {
            self.error(
                codes::BAD_PATH,
                format!("invalid tokenizer path `{}`: {why}", t.value),
                t.span,
                "not a path inside the package",
            );
            return false;
        }
        let path = self.options.package_dir.join(&t.value);
        if path.is_file() {
            return true;
        }
        self.push(
            Diagnostic::error(
                codes::TOKENIZER_MISSING,
                format!("tokenizer `{}` is not in the package", t.value),
            )
            .with_primary(t.span, "named here")
            .with_note(format!("looked for {}", path.display()))
            .with_help(
                "add the model's `tokenizer.json` to the package folder and to `spec.format.files`",
            ),
        );
        false
    }

    fn image(&mut self, port: &ModelPort, pre: &Preprocessing, normalize: bool) -> Option<Source> {
        let channels = match port.ty.shape.as_deref() {
            Some([_, Dim::Fixed(c), _, _]) => Some(*c as usize),
            _ => None,
        };
        let size = match &pre.config.size {
            Some((dims, span)) => match dims.as_slice() {
                [n] if n.value > 0 => Some((n.value as u64, n.value as u64)),
                [h, w] if h.value > 0 && w.value > 0 => Some((h.value as u64, w.value as u64)),
                _ => {
                    self.error(
                        codes::BAD_PREPROCESSING,
                        format!("invalid image size for `{}`", port.name),
                        *span,
                        "expected one or two positive sizes",
                    );
                    return None;
                }
            },
            None => match port.ty.shape.as_deref() {
                Some([_, _, Dim::Fixed(h), Dim::Fixed(w)]) => Some((*h, *w)),
                _ if !normalize => {
                    self.error(
                        codes::BAD_PREPROCESSING,
                        format!("the resize hint of `{}` has no size", port.name),
                        pre.key,
                        "no `config.size`, and the input's shape has no fixed height and width",
                    );
                    return None;
                }
                _ => None,
            },
        };
        let mut per_channel =
            |v: &Option<(Vec<f64>, Span)>, what: &str| -> Result<Option<Vec<f32>>, ()> {
                let Some((values, span)) = v else {
                    return Ok(None);
                };
                let n = values.len();
                if n == 0 || (n != 1 && channels.is_some_and(|c| c != n)) {
                    self.error(
                        codes::BAD_PREPROCESSING,
                        format!("`{what}` of `{}` has {n} values", port.name),
                        *span,
                        format!("expected 1 or {} (one per channel)", channels.unwrap_or(3)),
                    );
                    return Err(());
                }
                if what == "std" && values.contains(&0.0) {
                    self.error(
                        codes::BAD_PREPROCESSING,
                        format!("`std` of `{}` contains 0", port.name),
                        *span,
                        "division by zero",
                    );
                    return Err(());
                }
                Ok(Some(values.iter().map(|x| *x as f32).collect()))
            };
        let mean = per_channel(&pre.config.mean, "mean").ok()?;
        let std = per_channel(&pre.config.std, "std").ok()?;
        if normalize && (mean.is_none() || std.is_none()) {
            let missing = if mean.is_none() { "mean" } else { "std" };
            self.push(
                Diagnostic::error(codes::BAD_PREPROCESSING, format!("the normalization hint of `{}` has no `{missing}`", port.name))
                    .with_primary(pre.key, format!("no `config.{missing}`"))
                    .with_help("give both, one value per channel: `config: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}`"),
            );
            return None;
        }
        Some(Source::Image { size, mean, std })
    }

    /// An input without a hint: the tokenizer's outputs by name, an image by
    /// its `[N, C, H, W]` float shape; anything else cannot be made.
    fn inferred(&mut self, port: &ModelPort, span: Span, from_model: bool) -> Option<Source> {
        if TOKENIZER_FIELDS.contains(&port.name.as_str()) {
            let tokenizer = Str {
                value: "tokenizer.json".into(),
                span,
            };
            if !self.tokenizer_present(&tokenizer) {
                return None;
            }
            let tokenizer_type = hf::model_type(&self.options.package_dir)
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            if !from_model {
                self.push(
                    note(format!("`{}` has no preprocessing hint: made by tokenizing the text with `tokenizer.json`{tokenizer_type}", port.name))
                        .with_primary(span, "assumed `preprocessing: {type: tokenization, tokenizer: tokenizer.json}`"),
                );
            }
            return Some(Source::Text {
                tokenizer: "tokenizer.json".into(),
                padding: None,
                field: port.name.clone(),
            });
        }
        if let Some([_, _, Dim::Fixed(h), Dim::Fixed(w)]) = port.ty.shape.as_deref()
            && matches!(port.ty.dtype, Some(DType::F32) | None)
        {
            self.push(
                note(format!("`{}` has no preprocessing hint: made from the image argument, resized to {h}x{w}, values in [0, 1], not normalised", port.name))
                    .with_primary(span, "assumed an image input")
                    .with_help("add `preprocessing: {type: normalization, config: {mean: [...], std: [...]}}` if the model expects normalised pixels"),
            );
            return Some(Source::Image {
                size: Some((*h, *w)),
                mean: None,
                std: None,
            });
        }
        self.push(
            Diagnostic::error(codes::NO_INPUT_SOURCE, format!("no way to make input `{}` from the argument", port.name))
                .with_primary(span, "this input has no preprocessing hint")
                .with_help("add `preprocessing:` with `type: tokenization` (text) or `type: normalization` / `resize` (images)"),
        );
        None
    }
}
