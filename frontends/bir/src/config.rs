//! Pipeline configuration: which embedding model, tokenizer and OCR engine
//! the host functions use.
//!
//! A constant-pool entry `config:KEY=VALUE` sets `KEY` (such entries need
//! not be referenced by any instruction); `omexc --bir-set KEY=VALUE`
//! overrides it. Relative paths are looked up in the program's folder, then
//! in the model path.

/// The keys, their meaning and default.
pub const KEYS: &[(&str, &str)] = &[
    (
        "embed.model",
        "the ONNX sentence-embedding model EMBED_BATCH runs (no default)",
    ),
    (
        "embed.tokenizer",
        "its tokenizer.json (default: tokenizer.json beside embed.model)",
    ),
    (
        "capsule.tokenizer",
        "the tokenizer.json BUILD_CAPSULE counts tokens with (default: embed.tokenizer)",
    ),
    (
        "ocr.engine",
        "the Tesseract executable OCR_CONF runs (default: `tesseract` on PATH)",
    ),
    ("ocr.lang", "Tesseract's language (default: eng)"),
    (
        "summarize.max_new_tokens",
        "tokens SUMMARIZE generates at most (default: generation.json's max_new_tokens, else 32)",
    ),
    (
        "summarize.seed",
        "the sampling seed when temp > 0 (default: 0)",
    ),
];

/// The prefix marking a configuration entry in the constant pool.
pub const POOL_PREFIX: &str = "config:";

/// One setting and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    /// The constant-pool index, or `None` for a command-line flag.
    pub from_pool: Option<usize>,
}

/// Splits `KEY=VALUE`.
pub fn split(entry: &str) -> Option<(&str, &str)> {
    let (k, v) = entry.split_once('=')?;
    let k = k.trim();
    (!k.is_empty()).then_some((k, v.trim()))
}

pub fn is_known(key: &str) -> bool {
    KEYS.iter().any(|(k, _)| *k == key)
}

pub fn known_list() -> String {
    KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
}
