//! Smoke run of the fuzz target on a deterministic corpus: every committed
//! manifest (examples and test packages), their mutations, and odd inputs.
//! `OMEX_FUZZ_ITERATIONS` above the number of those mutations adds random
//! stacks of edits on top of them, drawn from `OMEX_FUZZ_SEED`.

use omex_fuzz_support::{Rng, knob, reporting};
use std::path::{Path, PathBuf};

use omex_frontend_axon::fuzz::{check_manifest, mutations};

mod common;

const PIECES: &[&str] = &[
    ":",
    "- ",
    " ",
    "  ",
    "\n",
    "\n  ",
    "\t",
    "'",
    "\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!!binary ",
    "<<: ",
    "? ",
    "#",
    "|",
    ">-",
    "---\n",
    "...",
    "-1",
    "1e999",
    "0x10",
    "~",
    "null",
    "é",
    "\\u00e9",
    "\\",
    "%YAML 1.2\n",
    "inputs:",
    "outputs:",
    "files:",
    "path: ",
    "shape: [",
    "dtype: ",
    "../",
    "/",
    "model.onnx",
    "tokenizer.json",
];

/// One to four random edits of `text`, at character boundaries: a piece
/// inserted, a range deleted, a range copied elsewhere, a line swapped.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut s = text.to_string();
    for _ in 0..1 + rng.below(4) {
        let boundary =
            |s: &str, at: usize| (at..=s.len()).find(|&i| s.is_char_boundary(i)).unwrap();
        let at = boundary(&s, rng.below(s.len() + 1));
        match rng.below(4) {
            0 => s.insert_str(at, PIECES[rng.below(PIECES.len())]),
            1 => {
                let end = boundary(&s, (at + 1 + rng.below(30)).min(s.len()));
                s.replace_range(at..end, "");
            }
            2 => {
                let end = boundary(&s, (at + rng.below(80)).min(s.len()));
                let chunk = s[at..end].to_string();
                let to = boundary(&s, rng.below(s.len() + 1));
                s.insert_str(to, &chunk);
            }
            _ => {
                let mut lines: Vec<&str> = s.lines().collect();
                if lines.len() >= 2 {
                    let a = rng.below(lines.len());
                    let b = rng.below(lines.len());
                    lines.swap(a, b);
                    s = lines.join("\n");
                }
            }
        }
    }
    s
}

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
    let mut corpus = Vec::new();
    for seed in &seeds {
        check_manifest(seed, &dir);
        for m in mutations(seed) {
            check_manifest(&m, &dir);
            corpus.push(m);
        }
    }
    assert!(corpus.len() >= 1000, "only {} mutations", corpus.len());
    let total = knob("OMEX_FUZZ_ITERATIONS", corpus.len() as u64);
    let mut rng = Rng(knob("OMEX_FUZZ_SEED", 0x0a70_5eed).max(1));
    for _ in corpus.len() as u64..total {
        let base = &corpus[rng.below(corpus.len())];
        let m = mutate(base, &mut rng);
        reporting(&m, || check_manifest(&m, &dir));
    }
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
