//! The BIR commands end to end: `omexc bir asm`, `omexc bir disasm`, and
//! `omexc run` of a document pipeline over a small committed folder (two
//! text files, a Markdown file and a PNG read by Tesseract), checking the
//! capsule's token budget with the tokenizer.

use std::path::{Path, PathBuf};

use omex_runtime::sandbox::Sandbox;
use omex_runtime::tokenizer::TokenizerHandle;
use omex_runtime::{HostContext, Value};

mod common;
use common::*;

fn temp_dir(name: &str) -> PathBuf {
    fresh_dir(&format!("cli_bir/{name}"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else if path.file_name().is_some_and(|n| n != "capsule.md") {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// A scratch copy of `examples/bir` and the two models it uses, laid out as
/// in the repo (`bir/`, `models/embed/`, `models/tiny-lm/`).
fn workspace(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    copy_dir(&root().join("examples/bir"), &dir.join("bir"));
    for m in ["embed", "tiny-lm"] {
        copy_dir(
            &root().join("examples/models").join(m),
            &dir.join("models").join(m),
        );
    }
    dir
}

/// What the document host functions may read in these tests: the workspace.
fn workspace_files() -> (Sandbox, [PathBuf; 1]) {
    let sandbox = Sandbox::new(&[root().to_path_buf()], &[], Some(root()));
    (sandbox, [root().to_path_buf()])
}

fn host_context<'a>(sandbox: &'a Sandbox, search: &'a [PathBuf]) -> HostContext<'a> {
    HostContext {
        sandbox,
        search,
        n_outputs: 1,
    }
}

/// Tokens of `text` as the runtime's tokenizer counts them (special tokens included).
fn tokens(tokenizer: &Path, text: &str) -> usize {
    let t = TokenizerHandle::load(tokenizer, Some(false)).unwrap();
    let Value::Dict(d) = t.encode(&Value::str(text)).unwrap() else {
        panic!("encode returns a dict")
    };
    match d.get("input_ids") {
        Some(Value::Tensor(ids)) => ids.shape()[1],
        other => panic!("no input_ids: {other:?}"),
    }
}

fn run_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let output = omexc_in(dir, args);
    assert!(
        output.status.success(),
        "omexc {args:?} failed:\n{}",
        stderr(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn asm_and_disasm_round_trip() {
    let dir = temp_dir("round-trip");
    let bir = dir.join("digest.bir");
    let output = omexc(&[
        "bir",
        "asm",
        "examples/bir/digest.birasm",
        "-o",
        bir.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let bytes = std::fs::read(&bir).unwrap();
    assert_eq!(
        bytes,
        std::fs::read(root().join("examples/bir/digest.bir")).unwrap()
    );
    assert_eq!(&bytes[..4], b"CDIR");

    let listing = omexc(&["bir", "disasm", bir.to_str().unwrap()]);
    assert!(listing.status.success(), "{}", stderr(&listing));
    let text = String::from_utf8(listing.stdout).unwrap();
    insta::assert_snapshot!("digest_disasm", text);

    let again = dir.join("again.birasm");
    std::fs::write(&again, &text).unwrap();
    let rebuilt = dir.join("again.bir");
    let output = omexc(&[
        "bir",
        "asm",
        again.to_str().unwrap(),
        "-o",
        rebuilt.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        std::fs::read(&rebuilt).unwrap(),
        bytes,
        "text -> binary -> text -> binary"
    );
}

#[test]
fn malformed_input_is_reported_with_offset_and_bytes() {
    let dir = temp_dir("malformed");
    let mut bytes = std::fs::read(root().join("examples/bir/digest.bir")).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 0xff;
    std::fs::write(dir.join("damaged.bir"), &bytes).unwrap();
    std::fs::write(dir.join("bad.birasm"), "LOAD_DATASET corpus\nCLUSTER 0\n").unwrap();
    let mut report = String::new();
    for args in [
        vec!["bir", "disasm", "damaged.bir"],
        vec!["run", "damaged.bir"],
        vec!["bir", "asm", "bad.birasm"],
    ] {
        let output = omexc_in(&dir, &args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        report.push_str(&format!(
            "$ omexc {}\n{}\n",
            args.join(" "),
            stderr(&output)
        ));
    }
    assert!(!dir.join("bad.bir").exists(), "nothing is written on error");
    insta::assert_snapshot!("malformed", report);
}

#[test]
fn run_builds_a_capsule_within_budget() {
    let dir = workspace("run");
    let json = run_json(&dir, &["run", "bir/digest.bir", "--output", "json"]);
    let result = &json["result"];
    // rockets.txt is a near-duplicate of rockets-again.txt and is dropped.
    assert_eq!(
        result["names"],
        serde_json::json!(["garden.md", "notice.png", "rockets-again.txt"])
    );
    assert_eq!(result["documents"], 3);
    assert_eq!(result["clusters"], 2);
    assert_eq!(result["summaries"], 2);
    assert_eq!(result["token_budget"], 400);
    let capsule = result["capsule"].as_str().unwrap();
    let tokenizer = dir.join("models/embed/tokenizer.json");
    let counted = tokens(&tokenizer, capsule);
    assert_eq!(result["capsule_tokens"], counted as u64);
    assert!(counted <= 400, "{counted} tokens: over budget");
    assert!(counted > 300, "the budget is used: {counted} tokens");
    assert!(
        capsule.starts_with("# Context capsule\n\n## Cluster 1"),
        "{capsule}"
    );
    assert!(capsule.contains("Sow peas and broad beans"), "{capsule}");
    assert!(
        capsule.ends_with(" …"),
        "the last piece is cut to fit: {capsule}"
    );
    let written = std::fs::read_to_string(dir.join("bir/capsule.md")).unwrap();
    assert_eq!(written, format!("{capsule}\n"));
    assert!(tokens(&tokenizer, written.trim_end()) <= 400);
}

/// A `.mep` built from the `.bir` file and kept beside it runs from another
/// working directory: the dataset and models are looked up in its folder.
#[test]
fn a_built_program_runs_from_another_directory() {
    let dir = workspace("relocated");
    let build = omexc_in(&dir, &["build", "bir/digest.bir", "-o", "bir/digest.mep"]);
    assert!(build.status.success(), "{}", stderr(&build));
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let program = dir.join("bir/digest.mep");
    let models = dir.join("models");
    let json = run_json(
        &elsewhere,
        &[
            "run",
            program.to_str().unwrap(),
            "--allow-read",
            models.to_str().unwrap(),
            "--output",
            "json",
        ],
    );
    assert_eq!(json["result"]["documents"], 3, "{json}");
    assert_eq!(json["result"]["token_budget"], 400, "{json}");
    // Written into the program's folder, not the working directory.
    assert_eq!(json["result"]["output"], "capsule.md", "{json}");
    let capsule = json["result"]["capsule"].as_str().unwrap();
    let written = std::fs::read_to_string(dir.join("bir/capsule.md")).unwrap();
    assert_eq!(written, format!("{capsule}\n"));
    assert!(!elsewhere.join("capsule.md").exists());
}

#[test]
fn ocr_reads_the_image() {
    let dir = workspace("ocr");
    std::fs::write(
        dir.join("bir/images.birasm"),
        ".const \"config:embed.model=../models/embed/model.onnx\"\nLOAD_DATASET \"corpus\"\nSET_FILTER 0x08\nOCR_CONF 0.5\nBUILD_CAPSULE 120\nWRITE_OUTPUT \"images.md\"\nHALT\n",
    )
    .unwrap();
    let output = omexc_in(&dir, &["bir", "asm", "bir/images.birasm"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json = run_json(&dir, &["run", "bir/images.bir", "--output", "json"]);
    let capsule = json["result"]["capsule"].as_str().unwrap();
    assert_eq!(json["result"]["names"], serde_json::json!(["notice.png"]));
    assert!(capsule.contains("Garden club meets on Friday"), "{capsule}");
    assert!(capsule.contains("Bring seeds and spare pots"), "{capsule}");
    assert!(tokens(&dir.join("models/embed/tokenizer.json"), capsule) <= 120);

    // A threshold above every word's confidence keeps nothing.
    std::fs::write(
        dir.join("bir/strict.birasm"),
        ".const \"config:embed.model=../models/embed/model.onnx\"\nLOAD_DATASET \"corpus/notice.png\"\nOCR_CONF 1.0\nBUILD_CAPSULE 120\nHALT\n",
    )
    .unwrap();
    assert!(
        omexc_in(&dir, &["bir", "asm", "bir/strict.birasm"])
            .status
            .success()
    );
    let json = run_json(&dir, &["run", "bir/strict.bir", "--output", "json"]);
    assert_eq!(
        json["result"]["capsule"],
        "# Context capsule\n\n### notice.png"
    );

    // A missing engine is an error, not an empty text.
    let output = omexc_in(
        &dir,
        &[
            "run",
            "bir/images.bir",
            "--bir-set",
            "ocr.engine=/nonexistent/tesseract",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("error[E0915]") && err.contains("is not installed"),
        "{err}"
    );
}

#[test]
fn budget_with_the_minilm_tokenizer() {
    let minilm = root().join("../shared/models/minilm-l6-int8/tokenizer.json");
    if !minilm.exists() {
        eprintln!("skipped: {} is not here", minilm.display());
        return;
    }
    let dir = workspace("minilm");
    // Found through the model path, which the sandbox also lets the program read.
    let model_dir = minilm.parent().unwrap().canonicalize().unwrap();
    let model_dir = model_dir.to_str().unwrap();
    for budget in [16, 64, 100] {
        std::fs::write(
            dir.join("bir/mini.birasm"),
            format!(".const \"config:embed.model=../models/embed/model.onnx\"\nLOAD_DATASET \"corpus\"\nSET_FILTER 0x3\nCOMPRESS 1\nBUILD_CAPSULE {budget}\nHALT\n"),
        )
        .unwrap();
        assert!(
            omexc_in(&dir, &["bir", "asm", "bir/mini.birasm"])
                .status
                .success()
        );
        let json = run_json(
            &dir,
            &[
                "run",
                "bir/mini.bir",
                "--output",
                "json",
                "--model-path",
                model_dir,
                "--bir-set",
                "capsule.tokenizer=tokenizer.json",
            ],
        );
        let capsule = json["result"]["capsule"].as_str().unwrap();
        let counted = tokens(&minilm, capsule);
        assert!(counted <= budget, "{counted} > {budget}: {capsule}");
        assert!(
            counted + 8 >= budget,
            "{counted} is far below {budget}: {capsule}"
        );
        assert_eq!(json["result"]["capsule_tokens"], counted as u64);
    }
}

#[test]
fn lowering_errors_name_the_instruction() {
    let dir = workspace("lowering");
    std::fs::write(
        dir.join("bir/bad.birasm"),
        "LOAD_DATASET \"corpus\"\nCLUSTER 0, 2\nHALT\n",
    )
    .unwrap();
    assert!(
        omexc_in(&dir, &["bir", "asm", "bir/bad.birasm"])
            .status
            .success()
    );
    let output = omexc_in(&dir, &["check", "bir/bad.bir"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("lowering_error", stderr(&output));
}

#[test]
fn embeddings_match_the_python_reference() {
    use omex_runtime::documents::{DocKind, DocState, Document, embed};

    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/expected.json")).unwrap(),
    )
    .unwrap();
    let cases = expected["embed"]["cases"].as_array().unwrap();
    let mut state = DocState {
        docs: cases
            .iter()
            .map(|c| Document {
                name: "case".into(),
                file: "case".into(),
                kind: DocKind::Text,
                text: c["text"].as_str().unwrap().into(),
                ocr_pending: false,
            })
            .collect(),
        ..Default::default()
    };
    let (sandbox, search) = workspace_files();
    let ctx = host_context(&sandbox, &search);
    // Batches of 2: the second batch is padded differently from the first.
    embed::embed_all(
        &mut state,
        2,
        "examples/models/embed/model.onnx",
        "examples/models/embed/tokenizer.json",
        &ctx,
    )
    .unwrap();
    for (i, case) in cases.iter().enumerate() {
        let want: Vec<f64> = case["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let got = state.embedding(i).unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (*g as f64 - w).abs() < 1e-4,
                "case {i}: {got:?} vs {want:?}"
            );
        }
    }
}

#[test]
fn capsules_never_exceed_the_budget() {
    use omex_runtime::documents::{DocKind, DocState, Document, capsule};

    let doc = |name: &str, text: &str| Document {
        name: name.into(),
        file: name.into(),
        kind: DocKind::Text,
        text: text.into(),
        ocr_pending: false,
    };
    let base = DocState {
        docs: vec![
            doc("a.txt", "Rockets carry their own fuel and oxidiser."),
            doc(
                "b.md",
                "Sow peas and broad beans as soon as the soil can be worked.",
            ),
        ],
        clusters: Some(vec![0, 1]),
        ..Default::default()
    };
    let (sandbox, search) = workspace_files();
    let ctx = host_context(&sandbox, &search);
    let tokenizer = "examples/models/embed/tokenizer.json";
    for budget in [1, 2, 5, 17, 18, 30, 57, 100, 150, 1000] {
        let mut s = base.clone();
        capsule::build(&mut s, budget, tokenizer, &ctx).unwrap();
        let text = s.capsule.clone().unwrap();
        let counted = tokens(&root().join(tokenizer), &text);
        assert!(
            counted as i64 <= budget,
            "budget {budget}: {counted} tokens in {text:?}"
        );
        assert_eq!(s.capsule_tokens, counted as i64);
        if budget == 1000 {
            assert!(
                !text.contains('…')
                    && text.contains("broad beans")
                    && text.contains("## Cluster 2"),
                "{text}"
            );
        }
    }
}

#[test]
fn summaries_follow_the_python_reference() {
    use omex_runtime::documents::{DocKind, DocState, Document, summarize};

    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/expected.json")).unwrap(),
    )
    .unwrap();
    let cases = expected["tiny-lm"]["cases"].as_array().unwrap();
    let docs: Vec<Document> = cases
        .iter()
        .map(|c| Document {
            name: "case".into(),
            file: "case".into(),
            kind: DocKind::Text,
            text: c["prompt"].as_str().unwrap().into(),
            ocr_pending: false,
        })
        .collect();
    let (sandbox, search) = workspace_files();
    let ctx = host_context(&sandbox, &search);
    let options = |temperature: f64, seed: i64| summarize::Options {
        scope: 0,
        model: "examples/models/tiny-lm/model.onnx".into(),
        tokenizer: "examples/models/tiny-lm/tokenizer.json".into(),
        generation: "examples/models/tiny-lm/generation.json".into(),
        temperature,
        max_new_tokens: -1,
        seed,
    };
    let run = |temperature: f64, seed: i64| {
        let mut s = DocState {
            docs: docs.clone(),
            ..Default::default()
        };
        summarize::summarize(&mut s, &options(temperature, seed), &ctx).unwrap();
        s.summaries
            .iter()
            .map(|x| x.text.clone())
            .collect::<Vec<_>>()
    };
    // Greedy decoding gives the reference continuation of every prompt.
    let greedy = run(0.0, 0);
    for (case, got) in cases.iter().zip(&greedy) {
        assert_eq!(
            got,
            case["generated_text"].as_str().unwrap(),
            "prompt {}",
            case["prompt"]
        );
    }
    // Sampling repeats exactly for a seed.
    assert_eq!(run(1.5, 7), run(1.5, 7));
}
