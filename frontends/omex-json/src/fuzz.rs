//! The fuzz target's logic, as a library function: `cargo test` runs it on
//! mutated containers (see `tests/fuzz.rs`), a fuzzer can call it on anything.

use std::path::PathBuf;

use omex_diagnostics::{FileId, Severity, SourceFiles, render};

use crate::{Options, compile_source, sections};

/// Reads, checks and lowers arbitrary text, rendering every diagnostic.
/// Panics only on a bug: a label outside the text, a module returned with
/// errors (or none without), or IR that does not verify.
pub fn check_never_panics(text: &str, model_dir: Option<PathBuf>) {
    let file = FileId(0);
    let mut files = SourceFiles::new();
    files.add("fuzz.omex.json", text.to_string());
    let options = Options {
        container_dir: PathBuf::from("/nonexistent/omexc-fuzz"),
        model_path: model_dir.into_iter().collect(),
    };
    let (module, diags) = compile_source(file, text, &files, &options);
    for d in &diags {
        let _ = render::plain(d, &files);
        for label in &d.labels {
            assert!(
                label.span.end as usize <= text.len() && label.span.start <= label.span.end,
                "label outside the text: {d:?}"
            );
        }
    }
    let errors = diags.iter().any(|d| d.severity == Severity::Error);
    assert_eq!(module.is_some(), !errors, "a module exactly when no error");
    if let Some(module) = module
        && let Err(errors) = omex_ir::verify(&module)
    {
        panic!(
            "the IR of a container without errors does not verify: {errors:?}\n{text}\n{}",
            omex_ir::print(&module)
        );
    }
    let _ = sections(file, text);
}
