//! The fuzz target's logic, as a library function: `cargo test` runs it on a
//! deterministic corpus (see `tests/fuzz.rs`), a fuzzer can call it on
//! anything.

use omex_diagnostics::{FileId, Severity, SourceFiles, render};

use crate::{Options, compile_source};

/// Parses and checks arbitrary bytes, rendering every diagnostic. Panics only
/// on a bug: a label outside the source, or a module returned without errors
/// that the IR verifier rejects.
pub fn check_never_panics(bytes: &[u8]) {
    let file = FileId(0);
    let (text, decode_diags) = omex_plan_syntax::source::decode(file, bytes);
    let mut files = SourceFiles::new();
    files.add("fuzz.plan", text.clone());
    let options = Options {
        plan_dir: "/nonexistent/omexc-fuzz".into(),
        model_path: Vec::new(),
        plan: None,
    };
    let (module, diags) = compile_source(file, &text, &files, &options);
    for d in decode_diags.iter().chain(&diags) {
        let _ = render::plain(d, &files);
        for label in &d.labels {
            assert!(
                label.span.end as usize <= text.len() && label.span.start <= label.span.end,
                "label outside the source: {d:?}"
            );
        }
    }
    let errors = diags.iter().any(|d| d.severity == Severity::Error);
    assert_eq!(
        module.is_some(),
        !errors,
        "a module is returned exactly when there is no error"
    );
    if let Some(module) = module
        && let Err(errors) = omex_ir::verify(&module)
    {
        panic!(
            "the IR of a plan without errors does not verify: {errors:?}\n{}\n{}",
            text,
            omex_ir::print(&module)
        );
    }
}
