//! Smoke run of the fuzz target on a deterministic corpus: every committed
//! manifest (examples and test packages), their mutations, and odd inputs.

use std::path::{Path, PathBuf};

use omex_frontend_axon::fuzz::{check_manifest, mutations};

mod common;

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    for dir in ["examples/packages", "tests/packages"] {
        let mut packages: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        packages.sort();
        for p in packages {
            if let Ok(text) = std::fs::read_to_string(p.join("manifest.yaml")) {
                out.push(text);
            }
        }
    }
    out
}

#[test]
fn checking_never_panics_on_mutated_manifests() {
    let seeds = seeds();
    assert!(seeds.len() >= 4, "found {} seed manifests", seeds.len());
    let dir = common::package("fuzz", &[]);
    let mut runs = 0;
    for seed in &seeds {
        check_manifest(seed, &dir);
        for m in mutations(seed) {
            check_manifest(&m, &dir);
            runs += 1;
        }
    }
    assert!(runs >= 1000, "only {runs} mutations");
}

#[test]
fn checking_never_panics_on_odd_inputs() {
    let dir = common::package("fuzz-odd", &[]);
    for input in [
        "",
        "---",
        "--- a\n--- b\n",
        "a: 1\n---\nb: 2\n",
        "apiVersion: axon.mlos.io/v1\nkind: Model\nspec: [1, 2]\n",
        "{apiVersion: v1, kind: Model, metadata: {name: x, version: 1.0.0}, spec: {format: {files: [{path: model.onnx}]}}}",
        "x: &a 1\ny: *a\n",
        "x: *a\n",
        "? [a]\n: b\n",
        "spec:\n  io:\n    inputs:\n    outputs:\n",
        "spec:\n  format:\n    files:\n      - path: \"\\u00e9\\t.onnx\"\n",
        "metadata:\n  name: \"é\"\n  version: '1.0.0-é'\n",
        "key: 'unterminated\n",
        "key: \"unterminated\n",
        "key: |\n  block\n  text\n",
        "\t- tab",
        "é: ü\n",
    ] {
        check_manifest(input, &dir);
    }
}
