//! Smoke run of the fuzz target on a deterministic corpus: every test plan
//! and grammar example, their prefixes and mutations.

use std::path::Path;

use omex_diagnostics::{FileId, SourceFiles};
use omex_frontend_plan::fuzz::check_never_panics;
use omex_frontend_plan::{Options, compile_source};
use omex_plan_syntax::fuzz::mutations;

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
    for seed in &seeds {
        check_never_panics(seed);
        compiles_through_the_pipeline(seed);
        for m in mutations(seed) {
            check_never_panics(&m);
            compiles_through_the_pipeline(&m);
        }
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
