//! Lowering a checked container to the shared IR.
//!
//! Container-wide settings first (execution mode, budgets, sequence bound,
//! storage policy), then every step in run order ([`steps::order`]). Each
//! step's output is a named value of a known kind (model, token ids, logits,
//! text); names with an extension or a `/` are files: inputs are read,
//! outputs are written (and still passed on in memory). Outputs no step
//! reads are the program's results.

mod build;
pub mod files;
mod model;
pub mod steps;

use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use omex_diagnostics::{Diagnostic, Span, suggest};
use omex_ir::{Module, Op, Type, Value};
use omex_mep::subtype::{FileFormat, ReadMode};

use crate::codes;
use crate::model::*;
use build::{Builder, SEQ};
use files::Search;
use model::ModelInfo;
use steps::{ModelSource, Step, StepOp};

pub struct Options {
    /// The container's folder: relative file names start here.
    pub container_dir: PathBuf,
    /// Further folders searched for models and tokenizers (`--model-path`).
    pub model_path: Vec<PathBuf>,
}

/// What a named value is.
#[derive(Clone)]
enum Kind {
    Model(Rc<ModelInfo>),
    /// Token ids `[1, seq]` of a text.
    Tokens,
    /// The logits of a forward pass, with what produced them.
    Logits(Rc<Forward>),
    /// Generated token ids `[1, n]`.
    Generated,
    Text,
}

impl Kind {
    fn describe(&self) -> &'static str {
        match self {
            Kind::Model(_) => "a model",
            Kind::Tokens => "token ids",
            Kind::Logits(_) => "logits",
            Kind::Generated => "generated token ids",
            Kind::Text => "text",
        }
    }
}

/// A forward pass: enough to run the model again for each generated token.
struct Forward {
    model: Rc<ModelInfo>,
    tokens: Value,
    window: Option<(u64, u64)>,
}

struct Binding {
    value: Value,
    kind: Kind,
    /// Where the name is defined (an output).
    span: Span,
    used: bool,
    file: bool,
}

const MIB: u64 = 1024 * 1024;

pub fn lower(c: &Container, options: &Options, diags: &mut Vec<Diagnostic>) -> Option<Module> {
    let start_errors = error_count(diags);
    container_checks(c, diags);
    let max_seq = c
        .model_requirements
        .as_ref()
        .and_then(|r| r.max_sequence_tokens.clone());
    if let Some(m) = &max_seq
        && m.value == 0
    {
        diags.push(
            Diagnostic::error(
                codes::BAD_NUMBER,
                "`max_sequence_tokens` must be at least 1",
            )
            .with_primary(m.span, "zero")
            .with_help("write the longest sequence the model takes, e.g. 8192"),
        );
    }
    let budget = memory_budget(c, diags);
    // After a reading error, a missing part may just have been unreadable,
    // and later names may be missing: stop here.
    if start_errors > 0 {
        return None;
    }
    if c.task_flow.is_none() && c.execution_graph.is_none() {
        diags.push(
            Diagnostic::error(
                codes::NOTHING_TO_RUN,
                "the container has neither `task_flow` nor `execution_graph`",
            )
            .with_primary(
                Span::new(c.span.file, c.span.range().start..c.span.range().start + 1),
                "nothing to run in this container",
            )
            .with_help("add a `task_flow` (stages run in order) or an `execution_graph`"),
        );
    }
    let steps = steps::order(c, diags)?;
    if error_count(diags) > start_errors {
        return None;
    }
    let storage = c.storage_policy.as_ref();
    let search = Search {
        container_dir: &options.container_dir,
        cache_dir: storage
            .and_then(|s| s.local_cache_dir.as_ref())
            .map(|d| d.value.as_str()),
        model_path: &options.model_path,
        allow_remote: storage
            .and_then(|s| s.allow_remote_fetch.as_ref())
            .map(|a| (a.value, a.span)),
    };
    let mut l = Lowerer {
        b: Builder::new(&c.task_id.value),
        env: HashMap::new(),
        order: Vec::new(),
        search,
        options,
        diags,
        max_seq: max_seq.map(|m| m.value),
        models: HashMap::new(),
        tokenizers: HashMap::new(),
        default_model: None,
    };
    l.default_model = steps.iter().find_map(|s| match &s.model {
        Some(ModelSource::Reference(r)) => {
            let mut quiet = Vec::new();
            l.search.model(r, &mut quiet).map(|f| {
                let dir = std::path::Path::new(&f.written)
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                (f.file, dir)
            })
        }
        _ => None,
    });
    for step in &steps {
        if l.step(step).is_none() {
            break;
        }
    }
    if error_count(l.diags) > start_errors {
        return None;
    }
    l.finish(c);
    let mut module = l.b.module;
    module.memory_budget = budget;
    if let Some(m) = l.max_seq {
        module.dim_bounds.insert(SEQ.to_string(), m);
    }
    Some(module)
}

fn error_count(diags: &[Diagnostic]) -> usize {
    diags
        .iter()
        .filter(|d| d.severity == omex_diagnostics::Severity::Error)
        .count()
}

/// Version, execution mode and the settings kept only as metadata.
fn container_checks(c: &Container, diags: &mut Vec<Diagnostic>) {
    let v = &c.omex_version;
    if !(v.value.starts_with("0.1.") || v.value.starts_with("0.2.")) {
        diags.push(
            Diagnostic::error(
                codes::VERSION,
                format!("OMEX version `{}` is not supported", v.value),
            )
            .with_primary(v.span, "unsupported version")
            .with_help("omexc reads OMEX 0.1.x and 0.2.x containers: write \"0.2.0\""),
        );
    }
    let modes = [
        c.execution_mode.as_ref(),
        c.context.as_ref().and_then(|x| x.execution_mode.as_ref()),
    ];
    for mode in modes.into_iter().flatten() {
        if mode.value != "local" {
            diags.push(
                Diagnostic::error(
                    codes::NOT_LOCAL,
                    format!("execution mode `{}` is not supported", mode.value),
                )
                .with_primary(mode.span, "not `local`")
                .with_note("execution is local-first: omexc runs the whole task on this machine")
                .with_help("write \"execution_mode\": \"local\""),
            );
        }
    }
    if let Some(ctx) = &c.context {
        for flag in [&ctx.zsei_guided, &ctx.zsei_guidance].into_iter().flatten() {
            if flag.value {
                diags.push(not_honoured(
                    flag.span,
                    "ZSEI-guided planning is not available in omexc",
                    "the container is compiled as written",
                ));
            }
        }
    }
    for stage in c.task_flow.iter().flat_map(|f| &f.value) {
        if let StageKind::ModelLoad {
            load_layers,
            compression,
            ..
        } = &stage.kind
        {
            if let Some(layers) = load_layers {
                diags.push(not_honoured(
                    layers.span,
                    &format!(
                        "stage `{}`: `load_layers` cannot be honoured",
                        stage.id.value
                    ),
                    "the whole model is loaded: ONNX Runtime runs complete graphs",
                ));
            }
            if let Some(c) = compression {
                diags.push(not_honoured(
                    c.span,
                    &format!(
                        "stage `{}`: `compression` `{}` cannot be honoured",
                        stage.id.value, c.value
                    ),
                    "the model file is loaded as it is stored",
                ));
            }
        }
    }
    if let Some(p) = &c.completion_policy {
        if let Some(r) = p.retry_on_fail.as_ref().filter(|r| r.value) {
            diags.push(not_honoured(
                r.span,
                "`retry_on_fail` is not honoured",
                "a failed run stops with its error; run it again to retry",
            ));
        }
        if let Some(m) = &p.max_runtime_minutes {
            diags.push(not_honoured(
                m.span,
                "`max_runtime_minutes` is not enforced by the compiled program",
                &format!("pass `omexc run --timeout {}`", m.value.saturating_mul(60)),
            ));
        }
    }
    if let Some(s) = c
        .model_requirements
        .as_ref()
        .and_then(|r| r.token_window_strategy.as_ref())
        .filter(|s| s.value != "sliding")
    {
        diags.push(not_honoured(
            s.span,
            &format!("token window strategy `{}` is not available", s.value),
            "windows are sliding: set `token_window` on forward passes",
        ));
    }
}

fn not_honoured(span: Span, message: &str, help: &str) -> Diagnostic {
    Diagnostic::warning(codes::NOT_HONOURED, message)
        .with_primary(span, "kept as metadata")
        .with_help(help.to_string())
}

/// `context.memory_limit_mb` and `memory_profile.max_ram_mb`: the smaller, in bytes.
fn memory_budget(c: &Container, diags: &mut Vec<Diagnostic>) -> Option<u64> {
    let sizes = [
        c.context.as_ref().and_then(|x| x.memory_limit_mb.as_ref()),
        c.memory_profile
            .as_ref()
            .and_then(|m| m.max_ram_mb.as_ref()),
    ];
    let mut budget: Option<u64> = None;
    for size in sizes.into_iter().flatten() {
        let bytes = size.value.checked_mul(MIB).filter(|&b| b > 0);
        match bytes {
            Some(b) => budget = Some(budget.map_or(b, |x| x.min(b))),
            None => diags.push(
                Diagnostic::error(
                    codes::BAD_MEMORY,
                    format!("a memory size of {} MiB is not usable", size.value),
                )
                .with_primary(
                    size.span,
                    if size.value == 0 { "zero" } else { "too large" },
                )
                .with_help("write the budget in MiB, e.g. 2048"),
            ),
        }
    }
    budget
}

struct Lowerer<'a, 'd> {
    b: Builder,
    env: HashMap<String, Binding>,
    /// Names in definition order.
    order: Vec<String>,
    search: Search<'a>,
    options: &'a Options,
    diags: &'d mut Vec<Diagnostic>,
    max_seq: Option<u64>,
    /// Loaded models by the path the IR records.
    models: HashMap<String, Rc<ModelInfo>>,
    tokenizers: HashMap<String, Value>,
    /// The first model the container references (its file and the IR path
    /// of its folder): its tokenizer is the default.
    default_model: Option<(PathBuf, String)>,
}

impl Lowerer<'_, '_> {
    fn step(&mut self, s: &Step) -> Option<()> {
        if s.outputs.len() != 1 {
            let (span, label) = match s.outputs.get(1) {
                Some(o) => (o.span, "a second output"),
                None => (s.type_span, "no output"),
            };
            self.diags.push(
                Diagnostic::error(
                    codes::ARITY,
                    format!(
                        "{} `{}` must have exactly one output, not {}",
                        s.noun,
                        s.id.value,
                        s.outputs.len()
                    ),
                )
                .with_primary(span, label)
                .with_help("name one output value or file"),
            );
            return None;
        }
        let output = &s.outputs[0];
        let (value, kind) = match s.op {
            StepOp::ModelLoad => {
                let Some(ModelSource::Reference(r)) = &s.model else {
                    return None;
                };
                let info = self.load_model(r)?;
                (info.value, Kind::Model(info))
            }
            StepOp::Tokenize => self.tokenize(s)?,
            StepOp::ForwardPass => self.forward(s)?,
            StepOp::GreedySample => self.greedy(s)?,
            StepOp::Decode | StepOp::MergeDecode => self.decode(s)?,
        };
        self.b.named(value, &output.value);
        self.define(output, value, kind)
    }

    fn define(&mut self, output: &Str, value: Value, kind: Kind) -> Option<()> {
        if let Some(first) = self.env.get(&output.value) {
            self.diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_OUTPUT,
                    format!("`{}` is produced twice", output.value),
                )
                .with_primary(output.span, "produced again here")
                .with_secondary(first.span, "first produced here")
                .with_help("give each output its own name"),
            );
            return None;
        }
        let file = files::is_file_name(&output.value);
        if file {
            let format = match &kind {
                Kind::Text => FileFormat::Txt,
                Kind::Model(_) => {
                    self.diags.push(
                        Diagnostic::error(
                            codes::FILE_NOT_ALLOWED,
                            format!("a loaded model cannot be written to `{}`", output.value),
                        )
                        .with_primary(output.span, "a file name")
                        .with_help("name the loaded model with a plain name, e.g. \"model_init\""),
                    );
                    return None;
                }
                _ => FileFormat::Tensor,
            };
            let path = files::data_path(&self.options.container_dir, &output.value);
            let path = self.b.str(&path, output.span);
            self.b
                .emit0(Op::WriteFile(format), vec![value, path], output.span);
        }
        self.order.push(output.value.clone());
        self.env.insert(
            output.value.clone(),
            Binding {
                value,
                kind,
                span: output.span,
                used: false,
                file,
            },
        );
        Some(())
    }

    /// The value an input names, if it is defined; file names that are not
    /// outputs give `Ok(None)`; anything else is reported.
    fn lookup(&mut self, name: &Str) -> Result<Option<(Value, Kind, Span)>, ()> {
        if let Some(b) = self.env.get_mut(&name.value) {
            b.used = true;
            return Ok(Some((b.value, b.kind.clone(), b.span)));
        }
        if files::is_file_name(&name.value) {
            return Ok(None);
        }
        let d = Diagnostic::error(
            codes::UNKNOWN_VALUE,
            format!("`{}` is not the output of an earlier step", name.value),
        )
        .with_primary(name.span, "not defined before this step");
        let d = match suggest::closest(&name.value, self.order.iter().map(String::as_str)) {
            Some(near) => d.with_suggestion(
                format!("did you mean `{near}`?"),
                name.span,
                format!("\"{near}\""),
            ),
            None if self.order.is_empty() => {
                d.with_help("no step before this one has an output; file names need an extension")
            }
            None => d.with_help(format!(
                "the values defined so far are: {}",
                self.order
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.diags.push(d);
        Err(())
    }

    /// The one input of a step that must be a defined value.
    fn value_input(&mut self, s: &Step, name: &Str) -> Option<(Value, Kind, Span)> {
        match self.lookup(name) {
            Ok(Some(found)) => Some(found),
            Ok(None) => {
                self.diags.push(
                    Diagnostic::error(
                        codes::FILE_NOT_ALLOWED,
                        format!(
                            "{} `{}` cannot read the file `{}`",
                            s.noun, s.id.value, name.value
                        ),
                    )
                    .with_primary(name.span, "a file name that no step produces")
                    .with_help("only `tokenize` stages read files; name an earlier step's output"),
                );
                None
            }
            Err(()) => None,
        }
    }

    fn wrong_kind(&mut self, s: &Step, name: &Str, kind: &Kind, defined: Span, wanted: &str) {
        self.diags.push(
            Diagnostic::error(
                codes::WRONG_KIND,
                format!(
                    "{} `{}` needs {wanted}, but `{}` is {}",
                    s.noun,
                    s.id.value,
                    name.value,
                    kind.describe()
                ),
            )
            .with_primary(name.span, format!("{} here", kind.describe()))
            .with_secondary(defined, "produced here")
            .with_help(format!("name a value that is {wanted}")),
        );
    }

    fn single_input<'s>(&mut self, s: &'s Step) -> Option<&'s Str> {
        if s.inputs.len() == 1 {
            return s.inputs.first();
        }
        self.diags.push(
            Diagnostic::error(
                codes::ARITY,
                format!(
                    "{} `{}` takes one input, not {}",
                    s.noun,
                    s.id.value,
                    s.inputs.len()
                ),
            )
            .with_primary(
                s.inputs.get(1).map_or(s.type_span, |i| i.span),
                if s.inputs.is_empty() {
                    "no input"
                } else {
                    "a second input"
                },
            )
            .with_help("name exactly one input (or depend on exactly one node)"),
        );
        None
    }

    fn tokenize(&mut self, s: &Step) -> Option<(Value, Kind)> {
        let input = self.single_input(s)?;
        let text = match self.lookup(input).ok()? {
            Some((v, Kind::Text, _)) => v,
            Some((_, kind, defined)) => {
                self.wrong_kind(s, input, &kind, defined, "text");
                return None;
            }
            None => {
                let path = files::data_path(&self.options.container_dir, &input.value);
                let path = self.b.str(&path, input.span);
                let text = self.b.emit(
                    Op::ReadFile {
                        mode: ReadMode::Text,
                    },
                    vec![path],
                    Type::Str,
                    input.span,
                );
                self.b.named(text, &input.value)
            }
        };
        let tok = self.tokenizer(s, None)?;
        Some((self.encode(tok, text, s.type_span), Kind::Tokens))
    }

    fn forward(&mut self, s: &Step) -> Option<(Value, Kind)> {
        let model = match s.model.as_ref()? {
            ModelSource::Reference(r) => self.load_model(r)?,
            ModelSource::Value(name) => match self.value_input(s, name)? {
                (_, Kind::Model(info), _) => info,
                (_, kind, defined) => {
                    self.wrong_kind(s, name, &kind, defined, "a model");
                    return None;
                }
            },
            ModelSource::FromInputs => {
                let found = s.inputs.iter().find_map(|i| match self.env.get(&i.value) {
                    Some(Binding {
                        kind: Kind::Model(m),
                        ..
                    }) => Some(m.clone()),
                    _ => None,
                });
                match found {
                    Some(m) => m,
                    None => {
                        self.diags.push(
                            Diagnostic::error(
                                codes::MISSING_KEY,
                                format!("node `{}` has no model to run", s.id.value),
                            )
                            .with_primary(s.type_span, "`model_reference` is required here")
                            .with_help(
                                "add \"model_reference\": \"local://models/model.onnx\", \
                                 or an input that is a `model_load` output",
                            ),
                        );
                        return None;
                    }
                }
            }
        };
        // The token input: the one input that is not the model.
        let token_inputs: Vec<&Str> = s
            .inputs
            .iter()
            .filter(|i| {
                !matches!(
                    self.env.get(&i.value),
                    Some(Binding {
                        kind: Kind::Model(_),
                        ..
                    })
                )
            })
            .collect();
        let probe = Step {
            inputs: token_inputs.into_iter().cloned().collect(),
            ..s.clone()
        };
        let input = self.single_input(&probe)?.clone();
        let tokens = match self.value_input(s, &input)? {
            (v, Kind::Tokens | Kind::Generated, _) => v,
            (_, kind, defined) => {
                self.wrong_kind(s, &input, &kind, defined, "token ids");
                return None;
            }
        };
        let window = match s.token_window {
            Some(w) => Some(self.window(w)?),
            None => None,
        };
        let logits = match window {
            None => self.run_model(&model, tokens, s.type_span),
            Some((size, stride)) => self.sliding(&model, tokens, size, stride, s.type_span),
        };
        Some((
            logits,
            Kind::Logits(Rc::new(Forward {
                model,
                tokens,
                window,
            })),
        ))
    }

    /// Checks a token window against itself and `max_sequence_tokens`.
    fn window(&mut self, w: &TokenWindow) -> Option<(u64, u64)> {
        let (size, stride) = (&w.window_size, &w.stride);
        if size.value == 0 || stride.value == 0 || stride.value > size.value {
            let (span, why) = if size.value == 0 {
                (size.span, "a window of zero tokens")
            } else if stride.value == 0 {
                (stride.span, "a stride of zero tokens never moves")
            } else {
                (
                    stride.span,
                    "larger than the window: tokens would be skipped",
                )
            };
            self.diags.push(
                Diagnostic::error(
                    codes::BAD_WINDOW,
                    format!(
                        "token window of {} tokens with stride {} is not usable",
                        size.value, stride.value
                    ),
                )
                .with_primary(span, why)
                .with_help("use 1 <= stride <= window_size, e.g. window_size 2048, stride 1024"),
            );
            return None;
        }
        if let Some(max) = self.max_seq
            && size.value > max
        {
            self.diags.push(
                Diagnostic::error(
                    codes::WINDOW_TOO_LARGE,
                    format!(
                        "a window of {} tokens is longer than `max_sequence_tokens` ({max})",
                        size.value
                    ),
                )
                .with_primary(size.span, "too long for the model")
                .with_help(format!("use a window_size of at most {max}")),
            );
            return None;
        }
        let cap = i64::MAX as u64;
        Some((size.value.min(cap), stride.value.min(cap)))
    }

    fn greedy(&mut self, s: &Step) -> Option<(Value, Kind)> {
        let input = self.single_input(s)?;
        let forward = match self.value_input(s, input)? {
            (_, Kind::Logits(f), _) => f,
            (_, kind, defined) => {
                self.diags.push(
                    Diagnostic::error(
                        codes::LOGITS_SOURCE,
                        format!(
                            "{} `{}` needs the logits of a forward pass, but `{}` is {}",
                            s.noun,
                            s.id.value,
                            input.value,
                            kind.describe()
                        ),
                    )
                    .with_primary(input.span, format!("{} here", kind.describe()))
                    .with_secondary(defined, "produced here")
                    .with_help(
                        "name the output of a `forward_pass` stage: generation reruns its model \
                         for every new token",
                    ),
                );
                return None;
            }
        };
        let logits = self.env[&input.value].value;
        let max_tokens = s.max_tokens.as_ref()?;
        let eos = match s.eos_token {
            Some(e) => Some((e.value.clone(), e.span)),
            None => model::generation_eos(&forward.model.file).map(|t| (t, s.type_span)),
        };
        let eos = match eos {
            Some((token, span)) => {
                let tok = self.tokenizer(s, Some(&forward.model))?;
                Some(
                    self.b
                        .emit(Op::SpecialId { token }, vec![tok], Type::Int, span),
                )
            }
            None => None,
        };
        let ids = self.generate(&forward, logits, max_tokens, eos, s.type_span);
        Some((ids, Kind::Generated))
    }

    fn decode(&mut self, s: &Step) -> Option<(Value, Kind)> {
        let input = self.single_input(s)?;
        let (value, kind, defined) = self.value_input(s, input)?;
        let span = s.type_span;
        let (ids, model) = match (&kind, s.op) {
            (Kind::Tokens | Kind::Generated, StepOp::Decode) => (value, None),
            (Kind::Logits(f), StepOp::MergeDecode) => {
                let ty = build::ids_type();
                (
                    self.b.argmax(value, Some(-1), ty, span),
                    Some(f.model.clone()),
                )
            }
            _ => {
                let wanted = if s.op == StepOp::Decode {
                    "token ids"
                } else {
                    "logits"
                };
                self.wrong_kind(s, input, &kind, defined, wanted);
                return None;
            }
        };
        let tok = self.tokenizer(s, model.as_deref())?;
        let row = self.b.index(
            ids,
            0,
            Type::tensor(omex_ir::DType::I64, vec![omex_ir::Dim::Sym(SEQ.into())]),
            span,
        );
        let text = self.b.emit(Op::Decode, vec![tok, row], Type::Str, span);
        Some((text, Kind::Text))
    }

    /// Returns every output no step read (and that is not a file).
    fn finish(&mut self, c: &Container) {
        let mut names = Vec::new();
        let mut values = Vec::new();
        for name in &self.order {
            let b = &self.env[name];
            if !b.used && !b.file && !matches!(b.kind, Kind::Model(_)) {
                names.push(name.clone());
                values.push(b.value);
            }
        }
        let span = Span::new(
            c.span.file,
            c.span.range().end.saturating_sub(1)..c.span.range().end,
        );
        self.b.emit0(Op::Return { names }, values, span);
    }
}
