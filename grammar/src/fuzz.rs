//! The fuzz target's logic, as a library function so that `cargo test` runs
//! it on a deterministic corpus and a fuzzer can call it on anything.

use omex_diagnostics::{FileId, SourceFiles, render};

use crate::ast::{DumpOptions, dump};
use crate::{parse, pretty, source};

/// Parses arbitrary bytes and renders every diagnostic. Never panics on any
/// input; when the input has no errors, also checks that the pretty-printed
/// tree parses back to the same tree.
pub fn parse_never_panics(bytes: &[u8]) {
    let file = FileId(0);
    let (text, mut diags) = source::decode(file, bytes);
    let (tree, parse_diags) = parse(file, &text);
    diags.extend(parse_diags);
    let mut files = SourceFiles::new();
    files.add("fuzz.plan", text.clone());
    for d in &diags {
        let _ = render::plain(d, &files);
        for label in &d.labels {
            assert!(
                label.span.end as usize <= text.len(),
                "label outside the source: {d:?}"
            );
        }
    }
    let printed = pretty::print(&tree);
    let (reparsed, reparse_diags) = parse(file, &printed);
    if diags.is_empty() {
        assert!(
            reparse_diags.is_empty(),
            "the printed tree does not parse:\n{printed}\n{reparse_diags:?}"
        );
        let no_spans = DumpOptions { spans: false };
        assert_eq!(
            dump(&tree, no_spans),
            dump(&reparsed, no_spans),
            "{printed}"
        );
    }
}

/// A deterministic corpus of broken inputs made from `seed` sources: every
/// prefix at a 7-byte step, and copies with bytes flipped, deleted or
/// replaced by punctuation.
pub fn mutations(seed: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for end in (0..seed.len()).step_by(7) {
        out.push(seed[..end].to_vec());
    }
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ seed.len() as u64);
    const PUNCT: &[u8] = b"(){}[],:.=<>+-*/%\"\\\n;_!@#";
    for _ in 0..64 {
        let mut m = seed.to_vec();
        for _ in 0..1 + rng.below(4) {
            if m.is_empty() {
                break;
            }
            let at = rng.below(m.len());
            match rng.below(4) {
                0 => m[at] ^= 1 << rng.below(8),
                1 => {
                    m.remove(at);
                }
                2 => m[at] = PUNCT[rng.below(PUNCT.len())],
                _ => m.insert(at, PUNCT[rng.below(PUNCT.len())]),
            }
        }
        out.push(m);
    }
    out
}

struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoke_run_on_mutated_examples() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/examples");
        let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter_map(|e| std::fs::read(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        assert!(!seeds.is_empty(), "no example plans found");
        seeds.push(b"plan p() { x = \"\xff\xfe\" }".to_vec());
        seeds.push(b"\xef\xbb\xbfplan p() {}".to_vec());
        let mut runs = 0;
        for seed in &seeds {
            for input in mutations(seed) {
                parse_never_panics(&input);
                runs += 1;
            }
        }
        assert!(runs > 500);
    }

    #[test]
    fn odd_inputs() {
        for input in [
            &b""[..],
            b"\n\n\n",
            b"}}}}",
            b"((((((((",
            b"plan",
            b"plan p(",
            b"plan p() { if",
            b"/*",
            b"\"",
            b"plan p() { x = 1e }",
            b"\x00\x01\x02",
            b"plan p() { a.b.c[1..][..2](3) }",
        ] {
            parse_never_panics(input);
        }
    }
}
