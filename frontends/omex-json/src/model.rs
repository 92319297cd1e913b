//! The typed OMEX container, with the span of every value it was read from.
//!
//! These types are the format's definition: `read` fills them from the JSON
//! text, `lower` compiles them, and `schema` derives the published JSON
//! Schema (docs/omex.schema.json) from them, so the three cannot disagree.
//! Fields that only carry positions are skipped in the schema.

use std::borrow::Cow;
use std::collections::BTreeMap;

use omex_diagnostics::Span;
use schemars::{JsonSchema, Schema, SchemaGenerator};

/// A value and the span of its JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// A string as written.
pub type Str = Spanned<String>;
/// A list of strings; the list's own span and each element's.
pub type StrList = Spanned<Vec<Str>>;

/// An OMEX container: a self-contained task for local execution. It holds a
/// `task_flow` (stages in order), an `execution_graph` (nodes ordered by
/// `depends_on`), or both (the graph runs first).
#[derive(Debug, Clone, JsonSchema)]
#[schemars(title = "OMEX container")]
pub struct Container {
    /// Format version: `0.1.x` or `0.2.x`.
    pub omex_version: Str,
    /// A name for the task; it names the compiled plan.
    pub task_id: Str,
    /// What the task does (free text, e.g. `code_generation`).
    pub task_type: Option<Str>,
    pub context: Option<Context>,
    pub execution_graph: Option<ExecutionGraph>,
    /// Stages run in order; each names its inputs and its output.
    pub task_flow: Option<Spanned<Vec<Stage>>>,
    pub storage_policy: Option<StoragePolicy>,
    /// Must be `local`: execution is local-first.
    pub execution_mode: Option<Str>,
    pub memory_profile: Option<MemoryProfile>,
    pub model_requirements: Option<ModelRequirements>,
    pub completion_policy: Option<CompletionPolicy>,
    /// Free-form descriptive fields (`author`, `date`, `description`, ...).
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
    #[schemars(skip)]
    pub span: Span,
}

/// Where and how the task runs.
#[derive(Debug, Clone, JsonSchema)]
pub struct Context {
    /// Must be `local`.
    pub execution_mode: Option<Str>,
    /// The memory budget in MiB (the smaller of this and
    /// `memory_profile.max_ram_mb` wins).
    pub memory_limit_mb: Option<Spanned<u64>>,
    /// Planning guidance by ZSEI: not available in omexc (warning when true).
    pub zsei_guided: Option<Spanned<bool>>,
    /// Same as `zsei_guided` (the 0.1 spelling).
    pub zsei_guidance: Option<Spanned<bool>>,
    /// A device name (descriptive).
    pub device_profile: Option<Str>,
    /// Who asked for the task (descriptive).
    pub source: Option<Str>,
    /// Through what the task was requested (descriptive).
    pub requested_by: Option<Str>,
    #[schemars(skip)]
    pub span: Span,
}

/// Nodes ordered by their `depends_on` edges.
#[derive(Debug, Clone, JsonSchema)]
pub struct ExecutionGraph {
    /// The node execution starts from; it must exist and depend on nothing.
    pub entry_node: Option<Str>,
    pub nodes: Spanned<Vec<Node>>,
    #[schemars(skip)]
    pub span: Span,
}

/// The node types that can be lowered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeType {
    /// Tokenize a text file (like the `tokenize` stage).
    TokenChunkParse,
    /// Run `model_reference` over the tokens in sliding windows (like `forward_pass`).
    InferenceSlices,
    /// Decode the most likely token at each position of the merged logits.
    OutputMergeAndDecode,
    ModelLoad,
    Tokenize,
    ForwardPass,
    GreedySample,
    Decode,
}

impl NodeType {
    pub const ALL: [(&'static str, NodeType); 8] = [
        ("token_chunk_parse", NodeType::TokenChunkParse),
        ("inference_slices", NodeType::InferenceSlices),
        ("output_merge_and_decode", NodeType::OutputMergeAndDecode),
        ("model_load", NodeType::ModelLoad),
        ("tokenize", NodeType::Tokenize),
        ("forward_pass", NodeType::ForwardPass),
        ("greedy_sample", NodeType::GreedySample),
        ("decode", NodeType::Decode),
    ];
}

/// One step of an execution graph.
#[derive(Debug, Clone, JsonSchema)]
pub struct Node {
    pub id: Str,
    #[serde(rename = "type")]
    pub ty: Spanned<NodeType>,
    /// Nodes that must run first; their outputs are this node's default inputs.
    pub depends_on: Option<StrList>,
    /// Values or files read (file names have an extension or a `/`).
    pub input: Option<StrList>,
    /// Values or files produced.
    pub output: Option<StrList>,
    /// Must be a local runner: `local`, `local_cpu`.
    pub runner: Option<Str>,
    /// The model file (`local://` prefix allowed) for model-running nodes.
    pub model_reference: Option<Str>,
    /// A memory hint (`low`, `adaptive`, ...): descriptive.
    pub memory_profile: Option<Str>,
    /// A ZSEI guidance reference: not available in omexc (warning).
    pub guidance: Option<Str>,
    pub token_window: Option<TokenWindow>,
    /// The tokenizer file (default: `tokenizer.json` beside the model).
    pub tokenizer: Option<Str>,
    /// For `greedy_sample` nodes: how many tokens to generate.
    pub max_tokens: Option<Spanned<u64>>,
    /// For `greedy_sample` nodes: the token that ends generation.
    pub eos_token: Option<Str>,
    #[schemars(skip)]
    pub span: Span,
}

/// A stage of a task flow, by `type`.
#[derive(Debug, Clone, JsonSchema)]
pub struct Stage {
    pub id: Str,
    #[serde(flatten)]
    pub kind: StageKind,
    #[schemars(skip)]
    pub span: Span,
    /// The span of the `type` value.
    #[schemars(skip)]
    pub type_span: Span,
}

#[derive(Debug, Clone, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StageKind {
    /// Load a model file.
    ModelLoad {
        /// The model file; `local://` is allowed, remote references are not.
        model_path: Str,
        /// Layers to load: kept as metadata (the whole model is loaded; warning).
        load_layers: Option<Spanned<Vec<Spanned<u64>>>>,
        /// Weight compression: kept as metadata (not applied; warning).
        compression: Option<Str>,
        /// The name of the loaded model.
        output: Str,
    },
    /// Tokenize text (a file name or a value) into token ids.
    Tokenize {
        input: Str,
        output: Str,
        /// The tokenizer file (default: `tokenizer.json` beside the first model).
        tokenizer: Option<Str>,
    },
    /// Run the model over the tokens; the logits of every position.
    ForwardPass {
        /// The `model_load` output to run.
        model: Str,
        input: Str,
        token_window: Option<TokenWindow>,
        output: Str,
    },
    /// Generate up to `max_tokens` tokens greedily after the forward pass.
    GreedySample {
        /// The output of a `forward_pass` stage.
        logits: Str,
        max_tokens: Spanned<u64>,
        /// The token that ends generation (default: `eos_token` of a
        /// `generation.json` beside the model).
        eos_token: Option<Str>,
        output: Str,
    },
    /// Turn token ids back into text.
    Decode {
        input: Str,
        output: Str,
        tokenizer: Option<Str>,
    },
}

impl StageKind {
    pub const NAMES: [&'static str; 5] = [
        "model_load",
        "tokenize",
        "forward_pass",
        "greedy_sample",
        "decode",
    ];
}

/// A sliding window over long inputs: windows of `window_size` tokens, each
/// `stride` tokens after the previous; their logits are merged.
#[derive(Debug, Clone, JsonSchema)]
pub struct TokenWindow {
    pub window_size: Spanned<u64>,
    /// At least 1 and at most `window_size`.
    pub stride: Spanned<u64>,
    #[schemars(skip)]
    pub span: Span,
}

/// Where models come from.
#[derive(Debug, Clone, JsonSchema)]
pub struct StoragePolicy {
    /// `false` (the default) forbids remote model references.
    pub allow_remote_fetch: Option<Spanned<bool>>,
    /// A folder (relative to the container) searched for relative model paths.
    pub local_cache_dir: Option<Str>,
    /// Descriptive: models are local, so they are always available.
    pub model_prefetch: Option<Spanned<bool>>,
    #[schemars(skip)]
    pub span: Span,
}

/// The device's memory.
#[derive(Debug, Clone, JsonSchema)]
pub struct MemoryProfile {
    /// The memory budget in MiB.
    pub max_ram_mb: Option<Spanned<u64>>,
    /// Descriptive: omexc runs models on the CPU.
    pub gpu_available: Option<Spanned<bool>>,
    #[schemars(skip)]
    pub span: Span,
}

/// What the model needs.
#[derive(Debug, Clone, JsonSchema)]
pub struct ModelRequirements {
    /// Descriptive.
    pub model_family: Option<Str>,
    /// Descriptive: the model file is run as it is.
    pub quantization: Option<Str>,
    /// The most tokens in a sequence: inputs are cut to it, generation stops
    /// at it, and the memory planner uses it as the sequence bound.
    pub max_sequence_tokens: Option<Spanned<u64>>,
    /// `sliding`: windows come from each stage's `token_window`.
    pub token_window_strategy: Option<Str>,
    #[schemars(skip)]
    pub span: Span,
}

/// What to do when a task fails.
#[derive(Debug, Clone, JsonSchema)]
pub struct CompletionPolicy {
    /// Not honoured (warning).
    pub retry_on_fail: Option<Spanned<bool>>,
    /// Not honoured (warning): use `omexc run --timeout`.
    pub max_runtime_minutes: Option<Spanned<u64>>,
    #[schemars(skip)]
    pub span: Span,
}
