//! Smoke run of the fuzz target (`omex_frontend_omex::fuzz`): a few thousand
//! deterministic mutations of the committed examples, each read, checked
//! and lowered (models found in examples/models) without a panic.

mod common;

use omex_frontend_omex::fuzz::check_never_panics;
use omex_fuzz_support::{Rng, knob, reporting};

const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "true",
    "-1",
    "0",
    "1e999",
    "2048.5",
    "\"type\"",
    "\"input\"",
    "\"output\"",
    "\"depends_on\": [\"node_parse\"]",
    "\"forward_pass\"",
    "\"decode\"",
    "\"zsei://m\"",
    "\"\\u00e9\"",
    "\"\\ud800\"",
    "é",
    "\n",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 if !bytes.is_empty() => {
                let end = (at + 1 + rng.below(40)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            1 => {
                let piece = PIECES[rng.below(PIECES.len())];
                bytes.splice(at..at, piece.bytes());
            }
            2 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] = (rng.next_u64() & 0x7f) as u8;
            }
            3 if !bytes.is_empty() => {
                // Copy a slice elsewhere (duplicated keys, nested objects).
                let start = rng.below(bytes.len());
                let end = (start + rng.below(120)).min(bytes.len());
                let chunk = bytes[start..end].to_vec();
                let at = at.min(bytes.len());
                bytes.splice(at..at, chunk);
            }
            _ => {
                // Swap two quoted strings' positions by replacing one with another.
                let s = String::from_utf8_lossy(&bytes).into_owned();
                let quoted: Vec<(usize, usize)> = s
                    .match_indices('"')
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>()
                    .chunks(2)
                    .filter(|c| c.len() == 2)
                    .map(|c| (c[0], c[1] + 1))
                    .collect();
                if quoted.len() >= 2 {
                    let a = quoted[rng.below(quoted.len())];
                    let b = quoted[rng.below(quoted.len())];
                    let replacement = s[b.0..b.1].to_string();
                    let mut out = s.clone();
                    out.replace_range(a.0..a.1, &replacement);
                    bytes = out.into_bytes();
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutated_containers_never_panic() {
    let dir = common::root().join("examples/omex");
    let mut seeds: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".omex.json"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty());
    let models = Some(common::root().join("examples/models"));
    // xorshift never leaves 0.
    let mut rng = Rng(knob("OMEX_FUZZ_SEED", 0x9e37_79b9_7f4a_7c15).max(1));
    for seed in &seeds {
        check_never_panics(seed, models.clone());
    }
    for i in 0..knob("OMEX_FUZZ_ITERATIONS", 3000) as usize {
        let seed = &seeds[i % seeds.len()];
        let text = mutate(seed, &mut rng);
        reporting(&text, || check_never_panics(&text, models.clone()));
    }
    // Deep nesting and odd top-level values.
    check_never_panics(&"[".repeat(100_000), None);
    check_never_panics(
        &format!("{}{}", "{\"a\":".repeat(5000), "}".repeat(5000)),
        None,
    );
    for text in ["", "null", "0", "\"x\"", "{}", "{\"omex_version\": null}"] {
        check_never_panics(text, None);
    }
}
