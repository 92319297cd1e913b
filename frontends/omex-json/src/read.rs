//! From JSON text to the typed container ([`crate::model`]).
//!
//! jsonc-parser (strict JSON options) gives an AST with byte ranges; this
//! module walks it. Every problem is a diagnostic pointing at the offending
//! key or value: wrong types and missing keys are errors with a help line,
//! unknown keys are warnings with a "did you mean". Reading goes on after an
//! error, so one pass reports everything it can.

use std::collections::BTreeMap;

use jsonc_parser::ast::{self, ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use omex_diagnostics::{Diagnostic, FileId, Span, suggest};

use crate::codes;
use crate::model::*;

/// Strict JSON: none of jsonc-parser's extensions.
fn strict() -> jsonc_parser::ParseOptions {
    jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parses `text` and reads the container; `None` when the text is not JSON
/// or a required part is missing (the diagnostics say why).
pub fn read(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Container> {
    let parsed = match jsonc_parser::parse_to_ast(text, &Default::default(), &strict()) {
        Ok(parsed) => parsed,
        Err(e) => {
            let range = e.range();
            let end = range.end.max(range.start + 1).min(text.len());
            let start = range.start.min(end);
            diags.push(
                Diagnostic::error(codes::SYNTAX, format!("invalid JSON: {}", e.kind()))
                    .with_primary(Span::new(file, start..end), e.kind().to_string())
                    .with_help(
                        "an OMEX container is one JSON object (no comments or trailing commas)",
                    ),
            );
            return None;
        }
    };
    let mut r = Reader { file, diags };
    let Some(value) = parsed.value else {
        r.diags.push(
            Diagnostic::error(codes::SYNTAX, "the file is empty")
                .with_primary(
                    Span::new(file, text.len()..text.len()),
                    "no JSON value before the end",
                )
                .with_help("write an OMEX container: { \"omex_version\": \"0.2.0\", ... }"),
        );
        return None;
    };
    Container::read(&value, &mut r, "the container")
}

pub struct Reader<'d> {
    pub file: FileId,
    pub diags: &'d mut Vec<Diagnostic>,
}

impl Reader<'_> {
    pub fn span(&self, ranged: &impl Ranged) -> Span {
        let r = ranged.range();
        Span::new(self.file, r.start..r.end)
    }
}

/// What a JSON value is, for messages.
fn found(v: &Value) -> &'static str {
    match v {
        Value::StringLit(_) => "a string",
        Value::NumberLit(_) => "a number",
        Value::BooleanLit(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::NullKeyword(_) => "null",
    }
}

/// A type that can be read from a JSON value.
pub trait FromJson: Sized {
    /// What is expected, for messages (`a string`).
    fn expected() -> String;
    /// A JSON example of a valid value, for help lines.
    fn example() -> String;
    /// Reads `v`; on failure, reports why and returns `None`. `what` names the
    /// value in messages (`` `task_id` ``).
    fn read(v: &Value, r: &mut Reader, what: &str) -> Option<Self>;
}

fn wrong_type<T: FromJson>(v: &Value, r: &mut Reader, what: &str) {
    let span = r.span(v);
    r.diags.push(
        Diagnostic::error(
            codes::WRONG_TYPE,
            format!("{what} must be {}, not {}", T::expected(), found(v)),
        )
        .with_primary(span, format!("expected {}", T::expected()))
        .with_help(format!("write {}, e.g. {}", T::expected(), T::example())),
    );
}

impl FromJson for String {
    fn expected() -> String {
        "a string".into()
    }
    fn example() -> String {
        "\"text\"".into()
    }
    fn read(v: &Value, r: &mut Reader, what: &str) -> Option<Self> {
        match v {
            Value::StringLit(s) => Some(s.value.to_string()),
            _ => {
                wrong_type::<Self>(v, r, what);
                None
            }
        }
    }
}

impl FromJson for bool {
    fn expected() -> String {
        "a boolean".into()
    }
    fn example() -> String {
        "true".into()
    }
    fn read(v: &Value, r: &mut Reader, what: &str) -> Option<Self> {
        match v {
            Value::BooleanLit(b) => Some(b.value),
            _ => {
                wrong_type::<Self>(v, r, what);
                None
            }
        }
    }
}

impl FromJson for u64 {
    fn expected() -> String {
        "a whole number".into()
    }
    fn example() -> String {
        "2048".into()
    }
    fn read(v: &Value, r: &mut Reader, what: &str) -> Option<Self> {
        let Value::NumberLit(n) = v else {
            wrong_type::<Self>(v, r, what);
            return None;
        };
        match n.value.parse::<u64>() {
            Ok(x) => Some(x),
            Err(_) => {
                let why = if n.value.starts_with('-') {
                    "is negative"
                } else if n.value.contains(['.', 'e', 'E']) {
                    "is not a whole number"
                } else {
                    "is too large"
                };
                let span = r.span(v);
                r.diags.push(
                    Diagnostic::error(
                        codes::BAD_NUMBER,
                        format!(
                            "{what} must be a whole number from 0 to 2^64-1; `{}` {why}",
                            n.value
                        ),
                    )
                    .with_primary(span, why)
                    .with_help(format!("write a whole number, e.g. {}", Self::example())),
                );
                None
            }
        }
    }
}

impl<T: FromJson> FromJson for Spanned<T> {
    fn expected() -> String {
        T::expected()
    }
    fn example() -> String {
        T::example()
    }
    fn read(v: &Value, r: &mut Reader, what: &str) -> Option<Self> {
        let value = T::read(v, r, what)?;
        Some(Spanned::new(value, r.span(v)))
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn expected() -> String {
        format!("an array of {}", plural(&T::expected()))
    }
    fn example() -> String {
        format!("[{}]", T::example())
    }
    fn read(v: &Value, r: &mut Reader, what: &str) -> Option<Self> {
        let Value::Array(a) = v else {
            wrong_type::<Self>(v, r, what);
            return None;
        };
        let mut out = Vec::with_capacity(a.elements.len());
        let mut ok = true;
        for (i, e) in a.elements.iter().enumerate() {
            match T::read(e, r, &format!("{what}[{i}]")) {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
}

fn plural(expected: &str) -> String {
    let noun = expected
        .strip_prefix("an ")
        .or_else(|| expected.strip_prefix("a "))
        .unwrap_or(expected);
    format!("{noun}s")
}

impl FromJson for NodeType {
    fn expected() -> String {
        "a node type".into()
    }
    fn example() -> String {
        "\"inference_slices\"".into()
    }
    fn read(v: &Value, r: &mut Reader, what: &str) -> Option<Self> {
        let name = String::read(v, r, what)?;
        if let Some((_, t)) = NodeType::ALL.iter().find(|(n, _)| *n == name) {
            return Some(*t);
        }
        let span = r.span(v);
        let names = NodeType::ALL.map(|(n, _)| n);
        r.diags.push(unsupported_type("node", &name, span, &names));
        None
    }
}

/// E0211 for a stage or node type, listing the supported ones.
fn unsupported_type(what: &str, name: &str, span: Span, names: &[&str]) -> Diagnostic {
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let d = Diagnostic::error(
        codes::UNSUPPORTED_TYPE,
        format!("omexc cannot lower {what} type `{name}`"),
    )
    .with_primary(span, "unsupported type")
    .with_note(format!("supported {what} types: {list}"));
    match suggest::closest(name, names.iter().copied()) {
        Some(near) => d.with_suggestion(
            format!("did you mean `{near}`?"),
            span,
            format!("\"{near}\""),
        ),
        None => d.with_help(format!(
            "express the {what} with the supported types, or run that step outside omexc"
        )),
    }
}

/// Metadata: any JSON, kept as written.
impl FromJson for BTreeMap<String, serde_json::Value> {
    fn expected() -> String {
        "an object".into()
    }
    fn example() -> String {
        "{ \"author\": \"...\" }".into()
    }
    fn read(v: &Value, r: &mut Reader, what: &str) -> Option<Self> {
        let Value::Object(o) = v else {
            wrong_type::<Self>(v, r, what);
            return None;
        };
        Some(
            o.properties
                .iter()
                .map(|p| (prop_name(&p.name), to_json(&p.value)))
                .collect(),
        )
    }
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::StringLit(s) => serde_json::Value::String(s.value.to_string()),
        Value::NumberLit(n) => serde_json::from_str(n.value).unwrap_or(serde_json::Value::Null),
        Value::BooleanLit(b) => serde_json::Value::Bool(b.value),
        Value::NullKeyword(_) => serde_json::Value::Null,
        Value::Array(a) => serde_json::Value::Array(a.elements.iter().map(to_json).collect()),
        Value::Object(o) => serde_json::Value::Object(
            o.properties
                .iter()
                .map(|p| (prop_name(&p.name), to_json(&p.value)))
                .collect(),
        ),
    }
}

fn prop_name(name: &ObjectPropName) -> String {
    match name {
        ObjectPropName::String(s) => s.value.to_string(),
        ObjectPropName::Word(w) => w.value.to_string(),
    }
}

/// An object being read: reports unknown keys on creation, then gives typed
/// access to its keys.
pub struct Obj<'b, 'a> {
    object: &'b ast::Object<'a>,
    /// The object's span.
    pub span: Span,
    /// Where "missing key" errors point (the object's `{`, or its `type`).
    anchor: Span,
    /// The object in messages (`task_flow[1]`).
    what: String,
}

impl<'b, 'a> Obj<'b, 'a> {
    /// Reads `v` as an object whose keys are `known`.
    pub fn new(v: &'b Value<'a>, r: &mut Reader, what: &str, known: &[&str]) -> Option<Self> {
        let Value::Object(object) = v else {
            let span = r.span(v);
            r.diags.push(
                Diagnostic::error(
                    codes::WRONG_TYPE,
                    format!("{what} must be an object, not {}", found(v)),
                )
                .with_primary(span, "expected an object")
                .with_help("write an object: { \"key\": value, ... }"),
            );
            return None;
        };
        let span = r.span(object);
        let anchor = Span::new(r.file, span.range().start..span.range().start + 1);
        let mut seen: Vec<(String, Span)> = Vec::new();
        for prop in &object.properties {
            let name = prop_name(&prop.name);
            let key = r.span(&prop.name);
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                r.diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_KEY,
                        format!("`{name}` is written twice in {what}"),
                    )
                    .with_primary(key, "written again here")
                    .with_secondary(*first, "first written here")
                    .with_help("keep one of them: JSON readers disagree on which one wins"),
                );
                continue;
            }
            seen.push((name.clone(), key));
            if known.contains(&name.as_str()) {
                continue;
            }
            let d = Diagnostic::warning(
                codes::UNKNOWN_KEY,
                format!("unknown key `{name}` in {what}: it is ignored"),
            )
            .with_primary(key, "unknown key");
            let d = match suggest::closest(&name, known.iter().copied()) {
                Some(near) => d.with_suggestion(
                    format!("did you mean `{near}`?"),
                    key,
                    format!("\"{near}\""),
                ),
                None => d.with_help(format!(
                    "the keys of {what} are: {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            r.diags.push(d);
        }
        Some(Self {
            object,
            span,
            anchor,
            what: what.to_string(),
        })
    }

    /// Missing keys are reported at `anchor` instead of the object's `{`.
    pub fn anchored(mut self, anchor: Span) -> Self {
        self.anchor = anchor;
        self
    }

    pub fn get(&self, key: &str) -> Option<&'b Value<'a>> {
        self.object
            .properties
            .iter()
            .find(|p| prop_name(&p.name) == key)
            .map(|p| &p.value)
    }

    /// An optional key; `None` when absent, `null` or invalid (reported).
    pub fn opt<T: FromJson>(&self, r: &mut Reader, key: &str) -> Option<T> {
        match self.get(key)? {
            Value::NullKeyword(_) => None,
            v => T::read(v, r, &format!("`{key}`")),
        }
    }

    /// A required key: absent is an error.
    pub fn req<T: FromJson>(&self, r: &mut Reader, key: &str) -> Option<T> {
        match self.get(key) {
            Some(v) => T::read(v, r, &format!("`{key}`")),
            None => {
                r.diags.push(
                    Diagnostic::error(codes::MISSING_KEY, format!("{} has no `{key}`", self.what))
                        .with_primary(self.anchor, format!("`{key}` is required here"))
                        .with_help(format!("add \"{key}\": {}", T::example())),
                );
                None
            }
        }
    }
}

/// A struct read from an object (its keys listed in `KEYS`).
macro_rules! object {
    ($ty:ident, $example:expr, [$($key:literal),* $(,)?], |$o:ident, $r:ident| $body:expr) => {
        impl $ty {
            pub const KEYS: &'static [&'static str] = &[$($key),*];
        }
        impl FromJson for $ty {
            fn expected() -> String {
                "an object".into()
            }
            fn example() -> String {
                $example.into()
            }
            fn read(v: &Value, $r: &mut Reader, what: &str) -> Option<Self> {
                let $o = Obj::new(v, $r, what, Self::KEYS)?;
                $body
            }
        }
    };
}

object!(
    Container,
    "{ \"omex_version\": \"0.2.0\", \"task_id\": \"...\", \"task_flow\": [...] }",
    [
        "omex_version",
        "task_id",
        "task_type",
        "context",
        "execution_graph",
        "task_flow",
        "storage_policy",
        "execution_mode",
        "memory_profile",
        "model_requirements",
        "completion_policy",
        "metadata",
    ],
    |o, r| {
        let omex_version = o.req(r, "omex_version");
        let task_id = o.req(r, "task_id");
        let task_flow = match o.get("task_flow") {
            Some(v) => read_stages(v, r),
            None => None,
        };
        Some(Container {
            task_type: o.opt(r, "task_type"),
            context: o.opt(r, "context"),
            execution_graph: o.opt(r, "execution_graph"),
            task_flow,
            storage_policy: o.opt(r, "storage_policy"),
            execution_mode: o.opt(r, "execution_mode"),
            memory_profile: o.opt(r, "memory_profile"),
            model_requirements: o.opt(r, "model_requirements"),
            completion_policy: o.opt(r, "completion_policy"),
            metadata: o.opt(r, "metadata"),
            span: o.span,
            omex_version: omex_version?,
            task_id: task_id?,
        })
    }
);

object!(
    Context,
    "{ \"execution_mode\": \"local\", \"memory_limit_mb\": 2048 }",
    [
        "execution_mode",
        "memory_limit_mb",
        "zsei_guided",
        "zsei_guidance",
        "device_profile",
        "source",
        "requested_by",
    ],
    |o, r| Some(Context {
        execution_mode: o.opt(r, "execution_mode"),
        memory_limit_mb: o.opt(r, "memory_limit_mb"),
        zsei_guided: o.opt(r, "zsei_guided"),
        zsei_guidance: o.opt(r, "zsei_guidance"),
        device_profile: o.opt(r, "device_profile"),
        source: o.opt(r, "source"),
        requested_by: o.opt(r, "requested_by"),
        span: o.span,
    })
);

object!(
    ExecutionGraph,
    "{ \"entry_node\": \"node_1\", \"nodes\": [...] }",
    ["entry_node", "nodes"],
    |o, r| {
        let nodes = o.req(r, "nodes");
        Some(ExecutionGraph {
            entry_node: o.opt(r, "entry_node"),
            nodes: nodes?,
            span: o.span,
        })
    }
);

object!(
    Node,
    "{ \"id\": \"node_1\", \"type\": \"tokenize\", \"input\": [\"in.txt\"], \"output\": [\"tokens\"] }",
    [
        "id",
        "type",
        "depends_on",
        "input",
        "output",
        "runner",
        "model_reference",
        "memory_profile",
        "guidance",
        "token_window",
        "tokenizer",
        "max_tokens",
        "eos_token",
    ],
    |o, r| {
        let id: Option<Str> = o.req(r, "id");
        let ty: Option<Spanned<NodeType>> = o.req(r, "type");
        let o = match &ty {
            Some(t) => o.anchored(t.span),
            None => o,
        };
        let runner: Option<Str> = o.opt(r, "runner");
        if let Some(runner) = &runner
            && !LOCAL_RUNNERS.contains(&runner.value.as_str())
        {
            let node = id.as_ref().map_or("?", |i| i.value.as_str());
            r.diags.push(
                Diagnostic::error(
                    codes::NOT_LOCAL,
                    format!("node `{node}` asks for runner `{}`", runner.value),
                )
                .with_primary(runner.span, "not a local runner")
                .with_note(
                    "execution is local-first: omexc runs every node on this machine and \
                     never delegates one to a remote or agent runner",
                )
                .with_help("use \"runner\": \"local_cpu\" (or leave `runner` out)"),
            );
        }
        Some(Node {
            depends_on: o.opt(r, "depends_on"),
            input: o.opt(r, "input"),
            output: o.opt(r, "output"),
            runner,
            model_reference: o.opt(r, "model_reference"),
            memory_profile: o.opt(r, "memory_profile"),
            guidance: o.opt(r, "guidance"),
            token_window: o.opt(r, "token_window"),
            tokenizer: o.opt(r, "tokenizer"),
            max_tokens: o.opt(r, "max_tokens"),
            eos_token: o.opt(r, "eos_token"),
            span: o.span,
            id: id?,
            ty: ty?,
        })
    }
);

object!(
    TokenWindow,
    "{ \"window_size\": 2048, \"stride\": 1024 }",
    ["window_size", "stride"],
    |o, r| {
        let window_size = o.req(r, "window_size");
        let stride = o.req(r, "stride");
        Some(TokenWindow {
            window_size: window_size?,
            stride: stride?,
            span: o.span,
        })
    }
);

object!(
    StoragePolicy,
    "{ \"allow_remote_fetch\": false, \"local_cache_dir\": \"./models\" }",
    ["allow_remote_fetch", "local_cache_dir", "model_prefetch"],
    |o, r| Some(StoragePolicy {
        allow_remote_fetch: o.opt(r, "allow_remote_fetch"),
        local_cache_dir: o.opt(r, "local_cache_dir"),
        model_prefetch: o.opt(r, "model_prefetch"),
        span: o.span,
    })
);

object!(
    MemoryProfile,
    "{ \"max_ram_mb\": 4096 }",
    ["max_ram_mb", "gpu_available"],
    |o, r| Some(MemoryProfile {
        max_ram_mb: o.opt(r, "max_ram_mb"),
        gpu_available: o.opt(r, "gpu_available"),
        span: o.span,
    })
);

object!(
    ModelRequirements,
    "{ \"max_sequence_tokens\": 8192 }",
    [
        "model_family",
        "quantization",
        "max_sequence_tokens",
        "token_window_strategy",
    ],
    |o, r| Some(ModelRequirements {
        model_family: o.opt(r, "model_family"),
        quantization: o.opt(r, "quantization"),
        max_sequence_tokens: o.opt(r, "max_sequence_tokens"),
        token_window_strategy: o.opt(r, "token_window_strategy"),
        span: o.span,
    })
);

object!(
    CompletionPolicy,
    "{ \"max_runtime_minutes\": 60 }",
    ["retry_on_fail", "max_runtime_minutes"],
    |o, r| Some(CompletionPolicy {
        retry_on_fail: o.opt(r, "retry_on_fail"),
        max_runtime_minutes: o.opt(r, "max_runtime_minutes"),
        span: o.span,
    })
);

/// The runners a node may ask for: execution is local.
pub const LOCAL_RUNNERS: [&str; 2] = ["local", "local_cpu"];

/// The keys of each stage type, besides `id` and `type`.
pub fn stage_keys(ty: &str) -> &'static [&'static str] {
    match ty {
        "model_load" => &["model_path", "load_layers", "compression", "output"],
        "tokenize" => &["input", "output", "tokenizer"],
        "forward_pass" => &["model", "input", "token_window", "output"],
        "greedy_sample" => &["logits", "max_tokens", "eos_token", "output"],
        "decode" => &["input", "output", "tokenizer"],
        _ => &[],
    }
}

fn read_stages(v: &Value, r: &mut Reader) -> Option<Spanned<Vec<Stage>>> {
    let Value::Array(a) = v else {
        wrong_type::<Vec<Stage>>(v, r, "`task_flow`");
        return None;
    };
    let mut stages = Vec::new();
    let mut ok = true;
    for (i, e) in a.elements.iter().enumerate() {
        match read_stage(e, r, &format!("task_flow[{i}]")) {
            Some(s) => stages.push(s),
            None => ok = false,
        }
    }
    ok.then(|| Spanned::new(stages, r.span(v)))
}

impl FromJson for Stage {
    fn expected() -> String {
        "a stage object".into()
    }
    fn example() -> String {
        "{ \"id\": \"stage-1\", \"type\": \"tokenize\", \"input\": \"in.txt\", \"output\": \"tokens\" }"
            .into()
    }
    fn read(v: &Value, r: &mut Reader, what: &str) -> Option<Self> {
        read_stage(v, r, what)
    }
}

fn read_stage(v: &Value, r: &mut Reader, what: &str) -> Option<Stage> {
    // The type decides the keys, so it is read first.
    let ty: Option<Str> = match v {
        Value::Object(o) => o
            .properties
            .iter()
            .find(|p| prop_name(&p.name) == "type")
            .and_then(|p| Spanned::<String>::read(&p.value, r, "`type`")),
        _ => None,
    };
    // An unsupported type is the one problem worth reporting: its keys
    // would all be "unknown".
    if let Some(t) = &ty
        && !StageKind::NAMES.contains(&t.value.as_str())
    {
        r.diags.push(unsupported_type(
            "stage",
            &t.value,
            t.span,
            &StageKind::NAMES,
        ));
        return None;
    }
    let mut known = vec!["id", "type"];
    if let Some(t) = &ty {
        known.extend(stage_keys(&t.value));
    }
    let o = Obj::new(v, r, what, &known)?;
    let id: Option<Str> = o.req(r, "id");
    let Some(ty) = ty else {
        if o.get("type").is_none() {
            o.req::<String>(r, "type");
        }
        return None;
    };
    let o = o.anchored(ty.span);
    let kind = match ty.value.as_str() {
        "model_load" => {
            let model_path = o.req(r, "model_path");
            let output = o.req(r, "output");
            StageKind::ModelLoad {
                load_layers: o.opt(r, "load_layers"),
                compression: o.opt(r, "compression"),
                model_path: model_path?,
                output: output?,
            }
        }
        "tokenize" => {
            let input = o.req(r, "input");
            let output = o.req(r, "output");
            StageKind::Tokenize {
                tokenizer: o.opt(r, "tokenizer"),
                input: input?,
                output: output?,
            }
        }
        "forward_pass" => {
            let model = o.req(r, "model");
            let input = o.req(r, "input");
            let output = o.req(r, "output");
            StageKind::ForwardPass {
                token_window: o.opt(r, "token_window"),
                model: model?,
                input: input?,
                output: output?,
            }
        }
        "greedy_sample" => {
            let logits = o.req(r, "logits");
            let max_tokens = o.req(r, "max_tokens");
            let output = o.req(r, "output");
            StageKind::GreedySample {
                eos_token: o.opt(r, "eos_token"),
                logits: logits?,
                max_tokens: max_tokens?,
                output: output?,
            }
        }
        _ => {
            let input = o.req(r, "input");
            let output = o.req(r, "output");
            StageKind::Decode {
                tokenizer: o.opt(r, "tokenizer"),
                input: input?,
                output: output?,
            }
        }
    };
    Some(Stage {
        id: id?,
        kind,
        span: o.span,
        type_span: ty.span,
    })
}
