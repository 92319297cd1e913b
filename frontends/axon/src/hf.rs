//! Hugging Face folders without a manifest: the inputs are derived from
//! `config.json`'s `model_type` (BERT family: `input_ids`, `attention_mask`,
//! `token_type_ids`; GPT family: `input_ids`, `attention_mask`), the
//! outputs are read from the ONNX model.

use std::path::Path;

use omex_diagnostics::{Diagnostic, FileId, Severity, Span};

use crate::check::Checker;
use crate::codes;
use crate::recipe::{Input, Recipe, Source};
use crate::rules;

const BERT_FAMILY: &[&str] = &[
    "bert",
    "roberta",
    "distilbert",
    "albert",
    "electra",
    "xlm-roberta",
    "camembert",
    "deberta",
    "deberta-v2",
    "mpnet",
];
const GPT_FAMILY: &[&str] = &[
    "gpt2",
    "gpt",
    "openai-gpt",
    "gpt_neo",
    "gptj",
    "gpt_neox",
    "llama",
    "mistral",
    "qwen2",
];

/// `model_type` of the folder's `config.json`, if it has one.
pub fn model_type(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("model_type")?.as_str().map(str::to_string)
}

/// The inputs the seed's adapter derives for a model type.
pub fn derived_inputs(model_type: &str) -> Option<&'static [&'static str]> {
    if BERT_FAMILY.contains(&model_type) {
        Some(&["input_ids", "attention_mask", "token_type_ids"])
    } else if GPT_FAMILY.contains(&model_type) {
        Some(&["input_ids", "attention_mask"])
    } else {
        None
    }
}

fn span_of(file: FileId, text: &str, needle: &str) -> Span {
    match text.find(needle) {
        Some(i) => Span::new(file, i..i + needle.len()),
        None => Span::new(file, 0..text.lines().next().map_or(0, str::len)),
    }
}

/// Compiles a folder from its `config.json` (the text of `file`).
pub fn recipe(file: FileId, text: &str, checker: &mut Checker<'_>) -> Option<Recipe> {
    let dir = checker.options.package_dir.clone();
    let whole = span_of(file, text, "{");
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(j) => j,
        Err(e) => {
            let line_start: usize = text
                .split_inclusive('\n')
                .take(e.line().saturating_sub(1))
                .map(str::len)
                .sum();
            let at = (line_start + e.column().saturating_sub(1)).min(text.len());
            checker.diags.push(
                Diagnostic::error(
                    codes::BAD_HF_CONFIG,
                    format!("`config.json` is not valid JSON: {e}"),
                )
                .with_primary(Span::new(file, at..at), "here"),
            );
            return None;
        }
    };
    let Some(model_type) = json.get("model_type").and_then(|t| t.as_str()) else {
        checker.diags.push(
            Diagnostic::error(
                codes::BAD_HF_CONFIG,
                "the folder has no manifest.yaml, and its config.json has no `model_type`",
            )
            .with_primary(whole, "no `model_type`")
            .with_help("write a manifest.yaml for the package (see docs/axon.md)"),
        );
        return None;
    };
    let type_span = span_of(file, text, &format!("\"{model_type}\""));
    let Some(derived) = derived_inputs(model_type) else {
        let mut known: Vec<&str> = BERT_FAMILY.iter().chain(GPT_FAMILY).copied().collect();
        known.sort_unstable();
        checker.diags.push(
            Diagnostic::error(
                codes::BAD_HF_CONFIG,
                format!("cannot derive the inputs of a `{model_type}` model"),
            )
            .with_primary(type_span, "no input rule for this model type")
            .with_note(format!("inputs are derived for: {}", known.join(", ")))
            .with_help(
                "write a manifest.yaml listing the inputs under `spec.io` (see docs/axon.md)",
            ),
        );
        return None;
    };
    let model_path = ["model.onnx", "onnx/model.onnx"]
        .into_iter()
        .find(|p| dir.join(p).is_file());
    let Some(model_path) = model_path else {
        checker.diags.push(
            Diagnostic::error(
                codes::NO_MODEL_FILE,
                "the folder has no manifest.yaml and no model.onnx",
            )
            .with_primary(whole, "a Hugging Face config without an ONNX model")
            .with_help("export the model to ONNX as model.onnx, or write a manifest.yaml"),
        );
        return None;
    };
    let sig = checker.signature(model_path, whole)?;
    let tokenizer = crate::manifest::Str {
        value: "tokenizer.json".into(),
        span: type_span,
    };
    let have: Vec<&str> = sig.inputs.iter().map(|p| p.name.as_str()).collect();
    let missing: Vec<&str> = have
        .iter()
        .copied()
        .filter(|h| !derived.contains(h))
        .collect();
    if !missing.is_empty() {
        checker.diags.push(
            Diagnostic::error(
                codes::INPUT_MISMATCH,
                format!("`{model_path}` has inputs a `{model_type}` model is not derived with"),
            )
            .with_primary(type_span, format!("derives {}", derived.join(", ")))
            .with_note(format!("derived: {}", derived.join(", ")))
            .with_note(format!("`{model_path}` has: {}", have.join(", ")))
            .with_help("write a manifest.yaml with `spec.io.inputs` and preprocessing hints"),
        );
        return None;
    }
    let mut note = Diagnostic::new(
        Severity::Note,
        codes::IO_SOURCE,
        format!("no manifest.yaml: the inputs were derived from `model_type: {model_type}`, the outputs read from `{model_path}`"),
    )
    .with_primary(type_span, format!("inputs {}", have.join(", ")))
    .with_note(format!(
        "outputs: {}",
        sig.outputs.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
    ));
    let dropped: Vec<&str> = derived
        .iter()
        .copied()
        .filter(|d| !have.contains(d))
        .collect();
    if !dropped.is_empty() {
        note = note.with_note(format!(
            "`{model_path}` does not take {}: not passed",
            dropped.join(", ")
        ));
    }
    checker.diags.push(note);
    let tokenizer_ok = checker.tokenizer_present(&tokenizer);
    let inputs = sig
        .inputs
        .iter()
        .map(|p| Input {
            port: p.clone(),
            source: Source::Text {
                tokenizer: tokenizer.value.clone(),
                padding: None,
                field: p.name.clone(),
            },
            span: type_span,
        })
        .collect();
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| rules::fix_name(&n.to_string_lossy())))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "model".into());
    if !tokenizer_ok {
        return None;
    }
    Some(Recipe {
        name,
        model_path: model_path.to_string(),
        model_span: whole,
        format: "onnx".into(),
        inputs,
        outputs: sig.outputs.iter().map(|p| (p.clone(), whole)).collect(),
        signature: Some(sig),
        memory: None,
        package_dir: dir,
    })
}
