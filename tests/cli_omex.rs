//! OMEX containers end to end: `omexc validate`, `build`, `profile` and
//! `run` on `.omex.json` files. `run` needs ONNX Runtime, which the runtime
//! finds or installs on first use.

use std::path::PathBuf;

mod common;
use common::*;

/// A fresh folder under the target dir for one test's files.
fn temp_dir(name: &str) -> PathBuf {
    fresh_dir(&format!("omex/{name}"))
}

/// The reference greedy continuations of the tiny-lm fixture
/// (tests/fixtures/expected.json, computed with onnxruntime).
fn expected_generation(prompt: &str) -> String {
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/expected.json")).unwrap(),
    )
    .unwrap();
    expected["tiny-lm"]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["prompt"] == prompt)
        .unwrap_or_else(|| panic!("no reference case for {prompt:?}"))["generated_text"]
        .as_str()
        .unwrap()
        .to_string()
}

/// tokenize -> forward_pass (sliding window) -> greedy_sample -> decode.
fn task_flow(window: &str, decoded: &str) -> String {
    format!(
        r#"{{
  "omex_version": "0.2.0",
  "task_id": "e2e",
  "model_requirements": {{ "max_sequence_tokens": 64 }},
  "task_flow": [
    {{ "id": "load", "type": "model_load", "model_path": "local://tiny-lm/model.onnx", "output": "lm" }},
    {{ "id": "tok", "type": "tokenize", "input": "prompt.txt", "output": "ids" }},
    {{ "id": "fwd", "type": "forward_pass", "model": "lm", "input": "ids", {window}"output": "logits" }},
    {{ "id": "gen", "type": "greedy_sample", "logits": "logits", "max_tokens": 16, "output": "new_ids" }},
    {{ "id": "dec", "type": "decode", "input": "new_ids", "output": "{decoded}" }}
  ]
}}
"#
    )
}

#[test]
fn run_task_flow_writes_the_generated_text() {
    let dir = temp_dir("run-task-flow");
    let container = dir.join("generate.omex.json");
    std::fs::write(
        &container,
        task_flow(
            r#""token_window": { "window_size": 4, "stride": 2 }, "#,
            "generated.txt",
        ),
    )
    .unwrap();
    for prompt in ["the cat", "a dog"] {
        std::fs::write(dir.join("prompt.txt"), prompt).unwrap();
        let out = dir.join("generated.txt");
        let _ = std::fs::remove_file(&out);
        ok(&omexc(&[
            "run",
            container.to_str().unwrap(),
            "--model-path",
            "examples/models",
        ]));
        let written = std::fs::read_to_string(&out).unwrap();
        assert_eq!(written, expected_generation(prompt), "prompt {prompt:?}");
    }
}

#[test]
fn run_returns_values_that_are_not_files() {
    let dir = temp_dir("run-value");
    let container = dir.join("generate.omex.json");
    std::fs::write(&container, task_flow("", "text")).unwrap();
    std::fs::write(dir.join("prompt.txt"), "a dog").unwrap();
    let stdout = ok(&omexc(&[
        "run",
        container.to_str().unwrap(),
        "--model-path",
        "examples/models",
        "--output",
        "json",
    ]));
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(result["text"], expected_generation("a dog"));
}

/// The merged logits of a sliding window equal one pass over the whole
/// sequence when windows overlap (the fixture looks one token back).
#[test]
fn sliding_window_logits_equal_the_full_pass() {
    let dir = temp_dir("sliding");
    std::fs::write(
        dir.join("prompt.txt"),
        "the cat sat on the mat . the dog ran to the park and it slept",
    )
    .unwrap();
    let container = |window: &str, out: &str| {
        format!(
            r#"{{
  "omex_version": "0.2.0",
  "task_id": "logits",
  "task_flow": [
    {{ "id": "load", "type": "model_load", "model_path": "local://tiny-lm/model.onnx", "output": "lm" }},
    {{ "id": "tok", "type": "tokenize", "input": "prompt.txt", "output": "ids" }},
    {{ "id": "fwd", "type": "forward_pass", "model": "lm", "input": "ids", {window}"output": "{out}" }}
  ]
}}
"#
        )
    };
    let mut files = Vec::new();
    for (name, window) in [
        ("full", ""),
        (
            "w4s2",
            r#""token_window": { "window_size": 4, "stride": 2 }, "#,
        ),
        (
            "w5s3",
            r#""token_window": { "window_size": 5, "stride": 3 }, "#,
        ),
    ] {
        let path = dir.join(format!("{name}.omex.json"));
        std::fs::write(&path, container(window, &format!("{name}.npy"))).unwrap();
        ok(&omexc(&[
            "run",
            path.to_str().unwrap(),
            "--model-path",
            "examples/models",
        ]));
        files.push(std::fs::read(dir.join(format!("{name}.npy"))).unwrap());
    }
    let header = String::from_utf8_lossy(&files[0][..files[0].len().min(128)]).into_owned();
    assert!(header.contains("(1, 16, 30)"), "{header}");
    assert_eq!(files[0], files[1], "window 4, stride 2");
    assert_eq!(files[0], files[2], "window 5, stride 3");
}

#[test]
fn validate_examples() {
    for name in ["local-code-assist", "auth-system-analysis"] {
        let path = format!("examples/omex/{name}.omex.json");
        let output = omexc(&["validate", &path]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(stderr(&output).contains(&format!("{path}: valid\n")));
    }
}

#[test]
fn validate_reports_errors_as_json() {
    let dir = temp_dir("validate-json");
    let path = dir.join("bad.omex.json");
    std::fs::write(
        &path,
        "{\n  \"omex_version\": \"0.2.0\",\n  \"task_id\": \"t\",\n  \"task_flw\": []\n}\n",
    )
    .unwrap();
    let output = omexc(&[
        "validate",
        path.to_str().unwrap(),
        "--message-format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stderr(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let codes: Vec<&str> = lines.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["E0206", "E0203"], "{lines:?}");
    // The warning points at the misspelt key, line 4 (0-based 3), columns
    // 2..12, and suggests the right one.
    let warning = &lines[1];
    assert_eq!(warning["range"]["start"]["line"], 3);
    assert_eq!(warning["range"]["start"]["character"], 2);
    assert_eq!(warning["range"]["end"]["character"], 12);
    assert_eq!(
        warning["help"]["suggestion"]["replacement"],
        "\"task_flow\""
    );
}

#[test]
fn build_and_profile_an_example() {
    let dir = temp_dir("build");
    let mep = dir.join("assist.mep");
    let built = omexc(&[
        "build",
        "examples/omex/local-code-assist.omex.json",
        "-o",
        mep.to_str().unwrap(),
    ]);
    assert!(built.status.success(), "{}", stderr(&built));
    let verified = omexc(&["verify", mep.to_str().unwrap()]);
    assert!(verified.status.success(), "{}", stderr(&verified));

    let profile = ok(&omexc(&[
        "profile",
        "examples/omex/local-code-assist.omex.json",
    ]));
    let summary = profile
        .split("memory per stage/node")
        .nth(1)
        .unwrap_or_else(|| panic!("no per-stage summary:\n{profile}"));
    insta::assert_snapshot!("profile_stage_summary", summary);
}

#[test]
fn over_budget_container_fails_at_compile_time() {
    let dir = temp_dir("budget");
    let path = dir.join("tight.omex.json");
    let text = task_flow("", "text").replace(
        "\"model_requirements\": { \"max_sequence_tokens\": 64 },",
        "\"model_requirements\": { \"max_sequence_tokens\": 65536 },\n  \"memory_profile\": { \"max_ram_mb\": 1 },",
    );
    std::fs::write(&path, text).unwrap();
    let output = omexc(&[
        "build",
        path.to_str().unwrap(),
        "--model-path",
        "examples/models",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("1.0 MiB (declared by the input)"), "{err}");
    assert!(
        err.contains("logits"),
        "the values live at the peak are named:\n{err}"
    );
}

#[test]
fn validate_refuses_bytecode() {
    let output = omexc(&["validate", "examples/mep/echo.mepasm"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error[E0232]"),
        "{}",
        stderr(&output)
    );
}

/// `max_tokens` tokens cost `max_tokens` model runs: the forward pass, then
/// one per token but the last.
#[test]
fn generation_runs_the_model_once_per_token() {
    let dir = temp_dir("run-count");
    let container = dir.join("generate.omex.json");
    let three = task_flow("", "text").replace(r#""max_tokens": 16"#, r#""max_tokens": 3"#);
    std::fs::write(&container, three).unwrap();
    std::fs::write(dir.join("prompt.txt"), "the cat").unwrap();
    let output = omexc(&[
        "run",
        container.to_str().unwrap(),
        "--model-path",
        "examples/models",
        "--output",
        "json",
        "--trace",
    ]);
    let result = json(&output);
    let runs = stderr(&output)
        .lines()
        .filter(|l| l.contains("MODEL_RUN"))
        .count();
    assert_eq!(runs, 3, "{}", stderr(&output));
    let reference = expected_generation("the cat");
    let first_three: Vec<&str> = reference.split(' ').take(3).collect();
    assert_eq!(result["text"], first_three.join(" "), "{result}");
}
