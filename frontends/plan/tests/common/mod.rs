//! Shared helpers: compile a source with the test search path and render
//! the diagnostics with stable paths.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use omex_diagnostics::{Diagnostic, FileId, SourceFiles, render};
use omex_frontend_plan::{Options, compile_source};

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared models folder (`/work/shared/models` in the workspace).
pub fn models_dir() -> PathBuf {
    crate_dir().join("../../../shared/models")
}

pub fn options() -> Options {
    Options {
        plan_dir: crate_dir().join("tests/plans"),
        model_path: vec![models_dir()],
        plan: None,
    }
}

/// Replaces machine-specific paths in rendered output.
pub fn stable(text: &str) -> String {
    let crate_dir = crate_dir();
    let models = models_dir();
    text.replace(&models.display().to_string(), "<models>")
        .replace(&crate_dir.display().to_string(), "<crate>")
}

pub fn compile(
    name: &str,
    source: &str,
    options: &Options,
) -> (Option<omex_ir::Module>, Vec<Diagnostic>, SourceFiles) {
    let mut files = SourceFiles::new();
    let id = files.add(name, source.to_string());
    assert_eq!(id, FileId(0));
    let (module, diags) = compile_source(id, source, &files, options);
    (module, diags, files)
}

pub fn render_all(diags: &[Diagnostic], files: &SourceFiles) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render::plain(d, files));
    }
    stable(&out)
}

pub fn numbered(source: &str) -> String {
    let mut out = String::new();
    for (i, line) in source.lines().enumerate() {
        out.push_str(&format!("{:>3} | {line}\n", i + 1));
    }
    out
}

pub fn exists(p: &Path) -> bool {
    p.is_file()
}
