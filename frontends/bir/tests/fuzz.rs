//! Smoke run of the fuzz targets on a deterministic corpus: the example,
//! every golden instruction, and thousands of truncations and mutations.

use omex_frontend_bir::fuzz::{assemble_text, decode_roundtrip};
use omex_frontend_bir::{encode, text};
use omex_fuzz_support::{Rng, knob, reporting};

/// `total` mutations shared out over `sources` in order, as evenly as
/// possible: how many the `k`th source gets.
fn share(total: u64, sources: usize, k: usize) -> u64 {
    let n = sources as u64;
    total / n + u64::from((k as u64) < total % n)
}

fn seeds() -> Vec<String> {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/bir/digest.birasm"
    ))
    .unwrap();
    vec![
        example,
        "HALT\n".into(),
        ".zlib const instr meta\n.meta \"k\" \"v\"\n.const \"a\"\nLOAD_DATASET #0\nOCR_CONF nan(0x7fc00001)\nSUMMARIZE 2, #0, 0.5\nHALT\n".into(),
        ".zlib instr\nCLUSTER 0, 3\nEMBED_BATCH mode=0x02 -7\nHALT\n".into(),
    ]
}

#[test]
fn decoder_never_panics() {
    let mut rng = Rng(knob("OMEX_FUZZ_SEED", 0x5eed_b1b0).max(1));
    let seeds = seeds();
    let total = knob("OMEX_FUZZ_ITERATIONS", 1500 * seeds.len() as u64);
    let mut runs = 0;
    for (k, source) in seeds.iter().enumerate() {
        let bytes = encode(&text::assemble(source).unwrap());
        decode_roundtrip(&bytes);
        for cut in 0..bytes.len() {
            decode_roundtrip(&bytes[..cut]);
            runs += 1;
        }
        for _ in 0..share(total, seeds.len(), k) {
            let mut m = bytes.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(m.len());
                match rng.below(4) {
                    0 => m[at] = rng.next_u64() as u8,
                    1 => m[at] ^= 1 << rng.below(8),
                    2 => {
                        m.insert(at, rng.next_u64() as u8);
                    }
                    _ => {
                        m.remove(at);
                    }
                }
                if m.is_empty() {
                    break;
                }
            }
            reporting(&m, || decode_roundtrip(&m));
            runs += 1;
        }
    }
    assert!(runs as u64 >= total, "{runs}");
}

#[test]
fn assembler_never_panics() {
    let mut rng = Rng(knob("OMEX_FUZZ_SEED", 0xa55e_3b1e).max(1));
    let alphabet: Vec<char> = "LOAD_DATASET HALT CLUSTER .const .zlib .meta #0 \"\\ u{} 0x1f 0.6 nan(0x7fc00001) , ; mode=0x01\n".chars().collect();
    let seeds = seeds();
    let total = knob("OMEX_FUZZ_ITERATIONS", 1000 * seeds.len() as u64);
    for (k, source) in seeds.iter().enumerate() {
        assemble_text(source.as_bytes());
        for _ in 0..share(total, seeds.len(), k) {
            let mut chars: Vec<char> = source.chars().collect();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(chars.len() + 1);
                if rng.below(2) == 0 && at < chars.len() {
                    chars.remove(at);
                } else {
                    chars.insert(at.min(chars.len()), alphabet[rng.below(alphabet.len())]);
                }
            }
            let s: String = chars.into_iter().collect();
            reporting(&s, || assemble_text(s.as_bytes()));
        }
    }
}
