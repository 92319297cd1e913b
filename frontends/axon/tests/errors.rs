//! Snapshots of manifest errors: each holds the manifest and every
//! diagnostic rendered as the command line shows them (without colour).
//! Each case edits a valid manifest of the sentiment fixture package.

mod common;

use common::{package, report};

const BASE: &str = "\
apiVersion: axon.mlos.io/v1
kind: Model
metadata:
  name: sentiment
  version: 1.0.0
spec:
  framework:
    name: onnx
  format:
    type: onnx
    execution_format: onnx
    files:
      - path: model.onnx
        size: 2887
        sha256: a3c6f7164ef4071f093bca21a7a7c066b8d1a36de60fd3637d2067a18ed363c3
      - path: tokenizer.json
        size: 3472
  io:
    inputs:
      - name: input_ids
        dtype: int64
        shape: [-1, -1]
        preprocessing:
          type: tokenization
          tokenizer: tokenizer.json
      - name: attention_mask
        dtype: int64
        shape: [-1, -1]
        preprocessing:
          type: tokenization
          tokenizer: tokenizer.json
    outputs:
      - name: logits
        dtype: float32
        shape: [-1, 2]
  requirements:
    memory: 64Mi
";

/// BASE with each `(from, to)` replaced (each `from` must occur).
fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = BASE.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "`{from}` is not in the manifest");
        text = text.replacen(from, to, 1);
    }
    text
}

fn run(name: &str, text: &str, extra: &[(&str, &[u8])]) -> String {
    let dir = package(name, extra);
    report(&dir, "manifest.yaml", text, false)
}

macro_rules! case {
    ($name:ident, $edits:expr) => {
        case!($name, $edits, &[]);
    };
    ($name:ident, $edits:expr, $extra:expr) => {
        #[test]
        fn $name() {
            let text = edited($edits);
            insta::assert_snapshot!(run(stringify!($name), &text, $extra));
        }
    };
}

#[test]
fn the_base_manifest_compiles() {
    let out = run("base", BASE, &[]);
    assert!(
        out.contains("0 diagnostic(s), 0 error(s), module produced"),
        "{out}"
    );
}

// ---- YAML (E0300 - E0302)

case!(
    yaml_syntax_error,
    &[("    shape: [-1, 2]", "    shape: [-1, 2")]
);
case!(
    yaml_anchor,
    &[("        preprocessing:\n", "        preprocessing: &tok\n")]
);
case!(
    duplicate_key,
    &[("  version: 1.0.0\n", "  version: 1.0.0\n  version: 1.0.1\n")]
);

#[test]
fn top_level_not_a_mapping() {
    insta::assert_snapshot!(run(
        "top_level_not_a_mapping",
        "- apiVersion: v1\n- kind: Model\n",
        &[]
    ));
}

// ---- schema (E0303 - E0307)

case!(
    missing_fields,
    &[
        ("apiVersion: axon.mlos.io/v1\n", ""),
        ("  version: 1.0.0\n", ""),
        (
            "      - name: logits\n        dtype: float32\n",
            "      - description: scores\n        dtype: float32\n"
        )
    ]
);
case!(
    wrong_types,
    &[
        ("  name: sentiment\n", "  name: [sentiment]\n"),
        ("shape: [-1, 2]", "shape: two"),
        ("size: 3472", "size: large")
    ]
);
case!(
    unknown_fields_are_warnings,
    &[
        ("    execution_format: onnx", "    executon_format: onnx"),
        ("  framework:", "  frameworks:")
    ]
);
case!(
    unsupported_api_version_and_kind,
    &[
        ("axon.mlos.io/v1", "axon.mlos.io/v9"),
        ("kind: Model", "kind: Dataset")
    ]
);
case!(
    older_manifest_is_accepted_with_warnings,
    &[
        ("axon.mlos.io/v1", "v1"),
        ("kind: Model\n", ""),
        ("    execution_format: onnx\n", "")
    ]
);

// ---- value rules (E0310 - E0318)

case!(bad_name, &[("name: sentiment", "name: Sentiment_Model")]);
case!(bad_version, &[("version: 1.0.0", "version: \"1.0\"")]);
case!(
    bad_sha256,
    &[(
        "a3c6f7164ef4071f093bca21a7a7c066b8d1a36de60fd3637d2067a18ed363c3",
        "a3c6f7164ef4071f093bca21a7a7c066b8d1a36de60fd3637d2067a18ed363cz"
    )]
);
case!(
    bad_paths,
    &[
        ("path: tokenizer.json", "path: ../tokenizer.json"),
        (
            "tokenizer: tokenizer.json\n      - name: attention_mask",
            "tokenizer: /etc/tokenizer.json\n      - name: attention_mask"
        )
    ]
);
case!(
    empty_inputs,
    &[(
        "    inputs:\n      - name: input_ids\n        dtype: int64\n        shape: [-1, -1]\n        preprocessing:\n          type: tokenization\n          tokenizer: tokenizer.json\n      - name: attention_mask\n        dtype: int64\n        shape: [-1, -1]\n        preprocessing:\n          type: tokenization\n          tokenizer: tokenizer.json\n",
        "    inputs: []\n"
    )]
);
case!(
    bad_dtype_and_shape,
    &[
        ("dtype: float32", "dtype: float33"),
        ("shape: [-1, 2]", "shape: [0, -2]")
    ]
);
case!(bad_memory, &[("memory: 64Mi", "memory: 64 parsecs")]);
case!(
    duplicate_names,
    &[
        ("- name: attention_mask", "- name: input_ids"),
        ("path: tokenizer.json", "path: model.onnx")
    ]
);

// ---- package files (E0320 - E0323)

case!(
    file_missing,
    &[("path: tokenizer.json", "path: tokeniser.json")]
);
case!(size_mismatch, &[("size: 2887", "size: 2888")]);
case!(
    sha256_mismatch,
    &[(
        "a3c6f7164ef4071f093bca21a7a7c066b8d1a36de60fd3637d2067a18ed363c3",
        "0000000000000000000000000000000000000000000000000000000000000000"
    )]
);
case!(
    missing_tokenizer,
    &[
        (
            "tokenizer: tokenizer.json\n      - name: attention_mask",
            "tokenizer: vocab/tokenizer.json\n      - name: attention_mask"
        ),
        (
            "tokenizer: tokenizer.json\n    outputs",
            "tokenizer: vocab/tokenizer.json\n    outputs"
        )
    ]
);

// ---- preprocessing (E0324 - E0326)

case!(
    unknown_preprocessing_type,
    &[(
        "type: tokenization\n          tokenizer: tokenizer.json\n      - name: attention_mask",
        "type: tokenisation\n          tokenizer: tokenizer.json\n      - name: attention_mask"
    )]
);
case!(
    unknown_tokenizer_field,
    &[(
        "tokenizer: tokenizer.json\n    outputs",
        "tokenizer: tokenizer.json\n          config:\n            field: attention\n    outputs"
    )]
);
case!(
    input_the_model_lacks,
    &[(
        "    outputs:",
        "      - name: past_length\n        dtype: int64\n        shape: [1]\n    outputs:"
    )]
);

// ---- execution format and model (E0330 - E0335)

case!(
    unknown_execution_format,
    &[("execution_format: onnx", "execution_format: pytorch")]
);
case!(
    misspelt_execution_format,
    &[("execution_format: onnx", "execution_format: onxx")]
);
case!(
    no_model_file,
    &[(
        "      - path: model.onnx\n        size: 2887\n        sha256: a3c6f7164ef4071f093bca21a7a7c066b8d1a36de60fd3637d2067a18ed363c3\n",
        "      - path: labels.txt\n"
    )]
);
case!(
    model_unreadable,
    &[(
        "      - path: model.onnx\n        size: 2887\n        sha256: a3c6f7164ef4071f093bca21a7a7c066b8d1a36de60fd3637d2067a18ed363c3\n",
        "      - path: broken.onnx\n"
    )],
    &[("broken.onnx", b"\xff\xff\xff not a model")]
);
case!(
    input_mismatch,
    &[("- name: input_ids", "- name: input_idz")]
);
case!(
    input_omitted,
    &[(
        "      - name: attention_mask\n        dtype: int64\n        shape: [-1, -1]\n        preprocessing:\n          type: tokenization\n          tokenizer: tokenizer.json\n",
        ""
    )]
);
case!(output_mismatch, &[("- name: logits", "- name: logit")]);
case!(
    port_type_mismatch,
    &[
        ("dtype: float32", "dtype: float16"),
        ("shape: [-1, 2]", "shape: [-1, 3]")
    ]
);

// ---- Hugging Face folders without a manifest (E0341)

#[test]
fn hf_config_with_unknown_model_type() {
    let dir = package("hf_unknown", &[]);
    let text = "{\n  \"architectures\": [\"WhisperModel\"],\n  \"model_type\": \"whisper\"\n}\n";
    insta::assert_snapshot!(report(&dir, "config.json", text, true));
}

#[test]
fn hf_config_inputs_the_model_lacks() {
    // The sentiment model takes input_ids and attention_mask; a BERT config
    // derives token_type_ids too, which is dropped with a note.
    let dir = package("hf_bert", &[]);
    let text = "{\n  \"model_type\": \"bert\"\n}\n";
    insta::assert_snapshot!(report(&dir, "config.json", text, true));
}

#[test]
fn hf_config_not_json() {
    let dir = package("hf_broken", &[]);
    insta::assert_snapshot!(report(
        &dir,
        "config.json",
        "{\n  \"model_type\": bert\n}\n",
        true
    ));
}

/// A backend format without a signature reader: inputs cannot be checked
/// against the model, and an input without a hint cannot be made.
#[test]
fn input_without_a_source() {
    let dir = package("input_without_a_source", &[("model.tflite", b"TFL3")]);
    let text = edited(&[
        ("execution_format: onnx", "execution_format: tflite"),
        (
            "      - path: model.onnx\n        size: 2887\n        sha256: a3c6f7164ef4071f093bca21a7a7c066b8d1a36de60fd3637d2067a18ed363c3\n",
            "      - path: model.tflite\n",
        ),
        (
            "    outputs:",
            "      - name: past_length\n        dtype: int64\n        shape: [1]\n    outputs:",
        ),
    ]);
    let mut files = omex_diagnostics::SourceFiles::new();
    let id = files.add("manifest.yaml", text.clone());
    let options = omex_frontend_axon::Options {
        package_dir: dir.clone(),
        formats: vec!["onnx".into(), "tflite".into()],
    };
    let (out, diags) = omex_frontend_axon::compile_manifest(id, &text, &files, &options);
    assert!(out.is_none());
    let mut s = common::numbered(&text);
    for d in &diags {
        s.push_str(&omex_diagnostics::render::plain(d, &files));
    }
    insta::assert_snapshot!(s.replace(&dir.display().to_string(), "<package>"));
}

case!(
    independent_errors_are_all_reported,
    &[
        ("name: sentiment", "name: Sentiment"),
        ("execution_format: onnx", "execution_format: tensorflow"),
        ("dtype: float32", "dtype: float"),
        ("dtype: int64", "dtype: long64")
    ]
);

// Every input entry malformed (found by fuzzing: the input comparison with
// the model used to index the first declared input).
case!(
    inputs_all_malformed,
    &[
        ("      - name: input_ids", "      - nom: input_ids"),
        (
            "      - name: attention_mask",
            "      - nom: attention_mask"
        ),
    ]
);
