//! `omexc run` end to end on the bundled examples and the shared MiniLM model.
//! These need ONNX Runtime, which the runtime finds or installs on first use.

use std::path::Path;

mod common;
use common::*;

#[test]
fn minilm_embeddings_match_the_reference() {
    let shared = root().join("../shared/models");
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared.join("minilm-l6-int8/reference.json")).unwrap(),
    )
    .unwrap();
    let sentences = reference["sentences"].as_array().unwrap();
    assert_eq!(sentences.len(), 6);
    for sentence in sentences {
        let text = sentence["text"].as_str().unwrap();
        let output = omexc(&[
            "run",
            "examples/minilm-embed.plan",
            "--model-path",
            shared.to_str().unwrap(),
            "--output",
            "json",
            "--",
            text,
        ]);
        let result = json(&output);
        let embedding = &result["embedding"];
        assert_eq!(embedding["dtype"], "float32");
        assert_eq!(embedding["shape"], serde_json::json!([384]));
        let got = floats(embedding);
        let want: Vec<f64> = sentence["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let dot: f64 = got.iter().zip(&want).map(|(a, b)| a * b).sum();
        let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        let cosine = dot / (norm(&got) * norm(&want));
        assert!(cosine >= 0.9999, "{text:?}: cosine {cosine}");
    }
}

#[test]
fn sentiment_prints_a_top_k_table() {
    let stdout = ok(&omexc(&[
        "run",
        "examples/sentiment.plan",
        "--",
        "I loved this film, it was wonderful",
    ]));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("positive") && lines[1].starts_with("negative"),
        "{stdout}"
    );
    let result = json(&omexc(&[
        "run",
        "examples/sentiment.plan",
        "--output",
        "json",
        "--",
        "what a boring film",
    ]));
    assert_eq!(result["label"]["data"], serde_json::json!([0]));
}

#[test]
fn greedy_generation_streams_and_stops_at_eos() {
    let stdout = ok(&omexc(&["run", "examples/generate.plan", "--", "the cat"]));
    assert_eq!(stdout.lines().next(), Some("the cat sat on the mat ."));
    let result = json(&omexc(&[
        "run",
        "examples/generate.plan",
        "--output",
        "json",
        "--",
        "a dog",
    ]));
    assert_eq!(result["text"], "a dog ran to the park .");
}

#[test]
fn generation_stops_at_the_maximum_length() {
    let result = json(&omexc(&[
        "run",
        "tests/cli/plans/generate-two.plan",
        "--model-path",
        "examples",
        "--output",
        "json",
        "--",
        "the cat",
    ]));
    assert_eq!(result["text"], "the cat sat on");
}

#[test]
fn seeded_sampling_is_reproducible() {
    let first = ok(&omexc(&["run", "examples/sample.plan", "--", "the cat"]));
    let second = ok(&omexc(&["run", "examples/sample.plan", "--", "the cat"]));
    assert_eq!(first, second);
    assert!(first.starts_with("the cat "), "{first}");
    assert!(first.contains(" tokens]"), "{first}");
}

#[test]
fn translation_runs_two_models() {
    let result = json(&omexc(&[
        "run",
        "examples/translate.plan",
        "--output",
        "json",
        "--",
        "the cat sleeps",
    ]));
    assert_eq!(result["translation"], "die katze schläft");
}

#[test]
fn an_image_in_gives_a_label_out() {
    for (image, label) in [("red", 0), ("green", 1), ("blue", 2), ("sky", 2)] {
        let path = format!("examples/images/{image}.png");
        let result = json(&omexc(&[
            "run",
            "examples/classify-image.plan",
            "--output",
            "json",
            "--",
            &path,
        ]));
        assert_eq!(
            result["label"]["data"],
            serde_json::json!([label]),
            "{image}"
        );
    }
}

#[test]
fn denoising_writes_a_png() {
    let dir = temp_dir("denoise");
    let png = dir.join("out.png");
    let output = omexc(&[
        "run",
        "examples/denoise.plan",
        "--allow-write",
        dir.to_str().unwrap(),
        "--",
        png.to_str().unwrap(),
        "42",
    ]);
    ok(&output);
    let image = image::open(&png).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (32, 32));
    let top_left = image.get_pixel(0, 0);
    let bottom_right = image.get_pixel(31, 31);
    assert!(
        top_left[0] > 200 && top_left[2] < 60,
        "top-left {top_left:?}"
    );
    assert!(
        bottom_right[2] > 200 && bottom_right[0] < 60,
        "bottom-right {bottom_right:?}"
    );
}

#[test]
fn speech_writes_a_wav() {
    let dir = temp_dir("speak");
    let wav = dir.join("hello.wav");
    let result = json(&omexc(&[
        "run",
        "examples/speak.plan",
        "--allow-write",
        dir.to_str().unwrap(),
        "--output",
        "json",
        "--",
        "hello world",
        wav.to_str().unwrap(),
    ]));
    assert_eq!(result["samples"], 17600);
    let reader = hound::WavReader::open(&wav).unwrap();
    assert_eq!(reader.spec().sample_rate, 16000);
    assert_eq!(reader.spec().channels, 1);
    assert_eq!(reader.len(), 17600);
}

#[test]
fn writes_outside_the_allowed_folders_are_refused() {
    let output = omexc(&[
        "run",
        "examples/speak.plan",
        "--",
        "hi",
        "/tmp/omexc-not-allowed.wav",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error[E0907]"), "{stderr}");
    assert!(!Path::new("/tmp/omexc-not-allowed.wav").exists());
}

#[test]
fn a_wrong_shaped_input_is_a_compile_error() {
    let output = omexc(&[
        "check",
        "tests/cli/plans/wrong-shape.plan",
        "--model-path",
        "examples",
    ]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("check_wrong_shape", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_missing_model_file_is_a_clear_error() {
    let output = omexc(&["run", "tests/cli/plans/missing-model.plan", "--", "x"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr).replace(root().to_str().unwrap(), "$ROOT");
    insta::assert_snapshot!("run_missing_model", stderr);
}

#[test]
fn a_bad_typed_argument_is_a_clear_error() {
    let dir = temp_dir("bad-arg");
    let output = omexc(&[
        "run",
        "examples/denoise.plan",
        "--allow-write",
        dir.to_str().unwrap(),
        "--",
        dir.join("x.png").to_str().unwrap(),
        "forty-two",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error[E0905]") && stderr.contains("`forty-two` is not an integer"),
        "{stderr}"
    );
}
