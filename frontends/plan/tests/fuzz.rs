//! Smoke run of the fuzz target on a deterministic corpus: every test plan
//! and grammar example, their prefixes and mutations. `OMEX_FUZZ_ITERATIONS`
//! above the number of those mutations adds random stacks of edits on top of
//! them, drawn from `OMEX_FUZZ_SEED`.

use omex_fuzz_support::{Rng, knob, reporting};
use std::path::Path;

use omex_diagnostics::{FileId, SourceFiles};
use omex_frontend_plan::fuzz::check_never_panics;
use omex_frontend_plan::{Options, compile_source};
use omex_plan_syntax::fuzz::mutations;

const PIECES: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    ".",
    "..",
    "=",
    "==",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "\"",
    "\\",
    "\n",
    " ",
    "_",
    "!",
    "#",
    "0",
    "1",
    "-1",
    "1e999",
    "0.5",
    "999999999999999999999",
    "x",
    "plan p() {",
    "return ",
    "repeat 3 {",
    "for i in 0..3 {",
    "if x {",
    "} else {",
    "break",
    "halt",
    "arg(0)",
    "zeros([2, 3])",
    "tensor([[1]])",
    "model(\"m.onnx\")",
    "é",
    "\u{0}",
];

/// One to four random edits of `bytes`: a piece inserted, a range deleted,
/// a range copied elsewhere, a bit flipped.
fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut m = bytes.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(m.len() + 1);
        match rng.below(4) {
            0 => {
                let piece = PIECES[rng.below(PIECES.len())].as_bytes();
                m.splice(at..at, piece.iter().copied());
            }
            1 => {
                let end = (at + 1 + rng.below(30)).min(m.len());
                m.drain(at..end);
            }
            2 => {
                let end = (at + rng.below(80)).min(m.len());
                let chunk = m[at..end].to_vec();
                let to = rng.below(m.len() + 1);
                m.splice(to..to, chunk);
            }
            _ if at < m.len() => m[at] ^= 1 << rng.below(8),
            _ => {}
        }
    }
    m
}

fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        root.join("tests/plans"),
        root.join("../../grammar/tests/examples"),
    ] {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files {
            if f.extension().is_some_and(|e| e == "plan")
                && let Ok(bytes) = std::fs::read(&f)
            {
                out.push(bytes);
            }
        }
    }
    out
}

/// A module the checker accepts must also make it through the passes.
fn compiles_through_the_pipeline(bytes: &[u8]) {
    let file = FileId(0);
    let (text, _) = omex_plan_syntax::source::decode(file, bytes);
    let mut files = SourceFiles::new();
    files.add("fuzz.plan", text.clone());
    let options = Options {
        plan_dir: "/nonexistent/omexc-fuzz".into(),
        ..Options::default()
    };
    let (module, _) = compile_source(file, &text, &files, &options);
    if let Some(module) = module {
        let pipeline = omex_passes::pipeline::Options {
            verify_ir: true,
            ..Default::default()
        };
        if let Err(errors) = omex_passes::pipeline::compile(module.clone(), &pipeline) {
            panic!("{text}\n{errors:#?}\n{}", omex_ir::print(&module));
        }
    }
}

#[test]
fn checking_never_panics_on_mutated_plans() {
    let seeds = seeds();
    assert!(seeds.len() >= 10, "found {} seed plans", seeds.len());
    let mut corpus = Vec::new();
    for seed in &seeds {
        check_never_panics(seed);
        compiles_through_the_pipeline(seed);
        for m in mutations(seed) {
            check_never_panics(&m);
            compiles_through_the_pipeline(&m);
            corpus.push(m);
        }
    }
    let total = knob("OMEX_FUZZ_ITERATIONS", corpus.len() as u64);
    let mut rng = Rng(knob("OMEX_FUZZ_SEED", 0x91a0_5eed).max(1));
    for _ in corpus.len() as u64..total {
        let m = mutate(&corpus[rng.below(corpus.len())], &mut rng);
        reporting(&String::from_utf8_lossy(&m), || {
            check_never_panics(&m);
            compiles_through_the_pipeline(&m);
        });
    }
}

#[test]
fn checking_never_panics_on_odd_inputs() {
    for input in [
        &b""[..],
        b"plan",
        b"plan p() {}",
        b"plan p(x = arg(999)) { return x }",
        b"plan p() { repeat 3 { repeat 2 { repeat 1 { x = 1 } } } }",
        b"plan p() { x = 0\n repeat 3 { if x > 1 { x = x + 1\n break } else { x = \"s\" } } }",
        b"plan p() { for i in 0..3 { for j in i..3 { halt } } }",
        b"plan p() { x = zeros([2, 3])[5, 5, 5]\n y = zeros([2])[..,..] }",
        b"plan p() { t = tensor([[[1]], [[2, 3]]]) }",
        b"\xff\xfeplan p() {}",
    ] {
        check_never_panics(input);
        compiles_through_the_pipeline(input);
    }
}

/// Found by fuzzing: nesting this deep overflowed the stack in lowering
/// (`if` blocks, `+` and `[0]` chains) and in dropping the tree (`[`); it
/// is now error E0030 (brackets and blocks) or E0031 (expressions).
#[test]
fn deep_nesting_is_an_error() {
    for input in [
        format!(
            "plan p() {{ x = {}1{} }}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        format!("plan p() {{ {} }}", "if x { ".repeat(100_000)),
        format!("plan p() {{ x = {}", "{a: ".repeat(100_000)),
    ] {
        check_never_panics(input.as_bytes());
        let (_, diags) = omex_plan_syntax::parse(FileId(0), &input);
        assert!(diags.iter().any(|d| d.code == "E0030"), "{diags:?}");
    }
    for input in [
        format!("plan p() {{ x = 1{} }}", " + 1".repeat(100_000)),
        format!("plan p(y = arg(0)) {{ x = y{} }}", "[0]".repeat(100_000)),
        format!("plan p(y = arg(0)) {{ x = y{} }}", ".f()".repeat(100_000)),
        format!("plan p(y = arg(0)) {{ x = {}y }}", "not ".repeat(100_000)),
    ] {
        check_never_panics(input.as_bytes());
        let (_, diags) = omex_plan_syntax::parse(FileId(0), &input);
        let deep: Vec<_> = diags.iter().filter(|d| d.code == "E0031").collect();
        assert_eq!(deep.len(), 1, "{diags:?}");
    }
    // The deepest nesting accepted (the plan's block, 40 blocks, 23
    // parentheses, a 255-term sum inside) goes through every pass, in a test
    // thread's stack.
    let parens = omex_plan_syntax::layout::MAX_NESTING - 1 - 40;
    let terms = omex_plan_syntax::ast::MAX_EXPR_DEPTH as usize - 1;
    let deepest = format!(
        "plan p(x: float = arg(0)) {{\ny = 0\n{}y = y + {}x{}{}\n{}return y\n}}\n",
        "repeat 2 {\nif x > 0 {\n".repeat(20),
        "(".repeat(parens),
        " + x".repeat(terms - 1),
        ")".repeat(parens),
        "}\n}\n".repeat(20)
    );
    let mut files = SourceFiles::new();
    files.add("deep.plan", deepest.clone());
    let options = Options {
        plan_dir: "/nonexistent/omexc-fuzz".into(),
        ..Options::default()
    };
    let (module, diags) = compile_source(FileId(0), &deepest, &files, &options);
    assert!(module.is_some(), "{diags:?}");
    check_never_panics(deepest.as_bytes());
    compiles_through_the_pipeline(deepest.as_bytes());
}
