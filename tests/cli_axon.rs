//! `omexc build/check/run` on Axon model packages: the example packages, a
//! MiniLM package assembled from ../shared/models (its last_hidden_state,
//! mean-pooled over the attention mask, must reproduce reference.json), the
//! same without `spec.io`, a Hugging Face folder without a manifest, and
//! errors. Runs need ONNX Runtime, which the runtime finds or installs.

use std::path::{Path, PathBuf};

mod common;
use common::*;

fn shared_minilm() -> PathBuf {
    root().join("../shared/models/minilm-l6-int8")
}

/// A package folder with `manifest` and copies of the shared MiniLM files
/// (copies: the runtime refuses symlinks that leave the package).
fn minilm_package(name: &str, manifest: &Path) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("axon")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(manifest, dir.join("manifest.yaml")).unwrap();
    for f in ["model.onnx", "tokenizer.json", "config.json"] {
        std::fs::copy(shared_minilm().join(f), dir.join(f)).unwrap();
    }
    dir
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// Mean of the first `n` rows of a `[1, seq, d]` tensor: the attention mask
/// of an unpadded encoding of `n` tokens is 1 there and 0 after.
fn mean_pool(hidden: &serde_json::Value, n: usize) -> Vec<f64> {
    let shape: Vec<usize> = hidden["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(shape.len(), 3, "{shape:?}");
    assert!(shape[1] >= n, "{shape:?} has fewer than {n} positions");
    let d = shape[2];
    let data = floats(hidden);
    let mut out = vec![0.0; d];
    for row in 0..n {
        for (k, o) in out.iter_mut().enumerate() {
            *o += data[row * d + k];
        }
    }
    out.iter().map(|x| x / n as f64).collect()
}

fn reference() -> serde_json::Value {
    let text = std::fs::read_to_string(shared_minilm().join("reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn run_json(target: &Path, text: &str) -> serde_json::Value {
    json(&omexc(&[
        "run",
        target.to_str().unwrap(),
        "--output",
        "json",
        "--",
        text,
    ]))
}

#[test]
fn minilm_package_reproduces_the_reference_embeddings() {
    let dir = minilm_package(
        "minilm",
        &root().join("tests/packages/minilm-l6-int8/manifest.yaml"),
    );
    let check = omexc(&["check", dir.to_str().unwrap()]);
    ok(&check);
    let messages = stderr(&check);
    assert!(
        !messages.contains("warning") && !messages.contains("note"),
        "{messages}"
    );
    let reference = reference();
    let sentences = reference["sentences"].as_array().unwrap();
    assert_eq!(sentences.len(), 6);
    for sentence in sentences {
        let text = sentence["text"].as_str().unwrap();
        let result = run_json(&dir, text);
        let outputs: Vec<&String> = result.as_object().unwrap().keys().collect();
        assert_eq!(outputs, ["last_hidden_state"]);
        let hidden = &result["last_hidden_state"];
        assert_eq!(hidden["dtype"], "float32");
        assert_eq!(hidden["shape"][2], 384);
        let n = sentence["input_ids"].as_array().unwrap().len();
        let got = mean_pool(hidden, n);
        let want: Vec<f64> = sentence["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let cos = cosine(&got, &want);
        assert!(cos >= 0.9999, "{text:?}: cosine {cos}");
    }
}

/// Without `spec.io` (an older manifest), the I/O is read from model.onnx
/// and the result is the same as with the full manifest.
#[test]
fn minilm_package_without_io_reads_the_model() {
    let full = minilm_package(
        "minilm-full",
        &root().join("tests/packages/minilm-l6-int8/manifest.yaml"),
    );
    let bare = minilm_package(
        "minilm-no-io",
        &root().join("tests/packages/minilm-no-io/manifest.yaml"),
    );
    let check = omexc(&["check", bare.to_str().unwrap()]);
    ok(&check);
    let messages = stderr(&check);
    assert!(
        messages.contains(
            "note[E0350]: `spec.io` is absent: the inputs and outputs were read from `model.onnx`"
        ),
        "{messages}"
    );
    assert!(
        messages.contains("warning[E0307]: `apiVersion: v1` is an older form"),
        "{messages}"
    );
    assert!(
        messages.contains("`spec.format.execution_format` is missing: assumed `onnx`"),
        "{messages}"
    );
    let text = "A man is playing a guitar.";
    let a = run_json(&full, text);
    let b = run_json(&bare, text);
    assert_eq!(a, b);
}

/// A Hugging Face folder with config.json but no manifest (the shared MiniLM
/// folder itself): the inputs are derived from `model_type: bert`.
#[test]
fn hugging_face_folder_without_a_manifest() {
    let folder = shared_minilm();
    let check = omexc(&["check", folder.to_str().unwrap()]);
    ok(&check);
    assert!(
        stderr(&check).contains("inputs were derived from `model_type: bert`"),
        "{}",
        stderr(&check)
    );
    let reference = reference();
    let sentence = &reference["sentences"][0];
    let result = run_json(&folder, sentence["text"].as_str().unwrap());
    let n = sentence["input_ids"].as_array().unwrap().len();
    let got = mean_pool(&result["last_hidden_state"], n);
    let want: Vec<f64> = sentence["embedding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(cosine(&got, &want) >= 0.9999);
}

/// The example package gives the logits whose softmax the plan example
/// prints as probabilities.
#[test]
fn sentiment_example_package() {
    let text = "I loved this film, it was wonderful";
    let package = run_json(Path::new("examples/packages/sentiment"), text);
    let logits = floats(&package["logits"]);
    assert_eq!(package["logits"]["shape"], serde_json::json!([1, 2]));
    let plan = json(&omexc(&[
        "run",
        "examples/sentiment.plan",
        "--output",
        "json",
        "--",
        text,
    ]));
    let probabilities = floats(&plan["probabilities"]);
    let sum: f64 = logits.iter().map(|l| l.exp()).sum();
    for (l, p) in logits.iter().zip(&probabilities) {
        assert!(
            (l.exp() / sum - p).abs() < 1e-5,
            "{logits:?} vs {probabilities:?}"
        );
    }
    assert!(logits[1] > logits[0], "positive text: {logits:?}");
    // The manifest file itself is an input too.
    let by_file = run_json(Path::new("examples/packages/sentiment/manifest.yaml"), text);
    assert_eq!(by_file, package);
}

#[test]
fn image_classifier_example_package() {
    for (image, label) in [("sky.png", 2), ("red.png", 0), ("green.png", 1)] {
        let path = format!("examples/images/{image}");
        let result = run_json(Path::new("examples/packages/image-classifier"), &path);
        let logits = floats(&result["logits"]);
        let best = (0..logits.len())
            .max_by(|a, b| logits[*a].total_cmp(&logits[*b]))
            .unwrap();
        assert_eq!(best, label, "{image}: {logits:?}");
    }
}

#[test]
fn build_writes_a_program() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("axon-sentiment.mep");
    let build = omexc(&[
        "build",
        "examples/packages/sentiment",
        "-o",
        out.to_str().unwrap(),
    ]);
    ok(&build);
    let verify = omexc(&["verify", out.to_str().unwrap()]);
    ok(&verify);
}

fn package_with(name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let src = root().join("examples/packages/sentiment");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("axon")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["model.onnx", "tokenizer.json", "labels.txt"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let manifest = std::fs::read_to_string(src.join("manifest.yaml")).unwrap();
    std::fs::write(dir.join("manifest.yaml"), edit(&manifest)).unwrap();
    dir
}

#[test]
fn unknown_execution_format_is_a_compile_error() {
    let dir = package_with("pytorch", |m| {
        m.replace("execution_format: onnx", "execution_format: pytorch")
    });
    let output = omexc(&["build", dir.to_str().unwrap(), "--message-format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let line = stderr(&output);
    let diagnostic: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(diagnostic["code"], "E0330", "{line}");
    assert!(line.contains("available formats: `onnx`"), "{line}");
}

/// `spec.requirements.memory` is the memory planner's budget.
#[test]
fn declared_memory_is_the_budget() {
    let dir = package_with("tiny-memory", |m| m.replace("memory: 64Mi", "memory: 1Ki"));
    let output = omexc(&["check", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let messages = stderr(&output);
    assert!(messages.contains("error[E0701]"), "{messages}");
    assert!(
        messages.contains("1.0 KiB (declared by the input)"),
        "{messages}"
    );
    // A larger --memory-limit does not raise it; the declared one applies.
    let output = omexc(&["check", dir.to_str().unwrap(), "--memory-limit", "1GiB"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_folder_without_a_manifest_or_config_is_not_an_input() {
    let output = omexc(&["check", "examples/images"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("E0953"), "{}", stderr(&output));
}

#[test]
fn sha_mismatch_stops_the_run() {
    let dir = package_with("tampered", |m| m.to_string());
    std::fs::write(dir.join("labels.txt"), "bad\ngood\n").unwrap();
    let output = omexc(&["run", dir.to_str().unwrap(), "--", "text"]);
    assert_eq!(output.status.code(), Some(1));
    let messages = stderr(&output);
    assert!(messages.contains("error[E0321]"), "{messages}");
    assert!(messages.contains("error[E0322]"), "{messages}");
}
