//! What a checked package compiles to, before it becomes IR: the model, how
//! each of its inputs is made from the command-line argument, and the
//! outputs to return.

use omex_diagnostics::Span;
use omex_ir::ModelPort;

#[derive(Debug, Clone)]
pub struct Recipe {
    /// `metadata.name`.
    pub name: String,
    /// The model file, relative to the package folder.
    pub model_path: String,
    pub model_span: Span,
    /// The execution format (selects the runtime backend).
    pub format: String,
    pub signature: Option<omex_onnx::Signature>,
    /// In the order the model is run with.
    pub inputs: Vec<Input>,
    pub outputs: Vec<(ModelPort, Span)>,
    /// `spec.requirements.memory`, in bytes.
    pub memory: Option<u64>,
    /// The package folder (tokenizer files are read from it for bounds).
    pub package_dir: std::path::PathBuf,
}

#[derive(Debug, Clone)]
pub struct Input {
    pub port: ModelPort,
    pub source: Source,
    pub span: Span,
}

/// How an input tensor is made from the argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// One output (`field`) of encoding the text argument with a tokenizer.
    Text {
        tokenizer: String,
        padding: Option<bool>,
        field: String,
    },
    /// The image at the path argument, loaded as RGB f32 in [0, 1],
    /// resized and normalised.
    Image {
        size: Option<(u64, u64)>,
        mean: Option<Vec<f32>>,
        std: Option<Vec<f32>>,
    },
}

/// The longest encoding a tokenizer file gives: its truncation length (or
/// fixed padding length), if it declares one. Bounds the `seq` dimension
/// for memory planning.
pub fn tokenizer_max_length(path: &std::path::Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let truncation = json.get("truncation")?.get("max_length")?.as_u64();
    let padding = json
        .get("padding")
        .and_then(|p| p.get("strategy"))
        .and_then(|s| s.get("Fixed"))
        .and_then(serde_json::Value::as_u64);
    truncation.max(padding)
}

/// The outputs of a tokenizer, by name.
pub const TOKENIZER_FIELDS: &[&str] = &["input_ids", "attention_mask", "token_type_ids"];
