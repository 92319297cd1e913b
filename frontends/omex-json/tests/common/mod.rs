//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use omex_diagnostics::{Diagnostic, FileId, SourceFiles, render};
use omex_frontend_omex::{Options, compile_source};

/// The repository's root folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Options for a container in `examples/omex/` (models come from its
/// `local_cache_dir`, `../models`).
pub fn options() -> Options {
    Options {
        container_dir: root().join("examples/omex"),
        model_path: Vec::new(),
    }
}

/// `text` with the machine's absolute repository path replaced by `$ROOT`.
pub fn redact(text: &str) -> String {
    let real = root().canonicalize().unwrap_or_else(|_| root());
    text.replace(&root().display().to_string(), "$ROOT")
        .replace(&real.display().to_string(), "$ROOT")
}

pub fn compile(
    name: &str,
    text: &str,
    options: &Options,
) -> (Option<omex_ir::Module>, Vec<Diagnostic>, SourceFiles) {
    let mut files = SourceFiles::new();
    let file: FileId = files.add(name, text.to_string());
    let (module, diags) = compile_source(file, text, &files, options);
    (module, diags, files)
}

/// Every diagnostic rendered as the terminal shows it (no colour), with the
/// machine's absolute paths replaced.
pub fn render_all(diags: &[Diagnostic], files: &SourceFiles) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render::plain(d, files));
    }
    redact(&out)
}
