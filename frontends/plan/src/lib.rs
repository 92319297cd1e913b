//! Name resolution, type and shape checking, and lowering of plan files to
//! the shared IR (work in progress).

use std::path::PathBuf;

use omex_diagnostics::{Diagnostic, FileId, SourceFiles};

/// Where the compiler looks for the files a plan names.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub plan_dir: PathBuf,
    pub model_path: Vec<PathBuf>,
    pub plan: Option<String>,
}

/// Compiles one plan of `source` to an IR module.
pub fn compile_source(
    file: FileId,
    source: &str,
    files: &SourceFiles,
    options: &Options,
) -> (Option<omex_ir::Module>, Vec<Diagnostic>) {
    let _ = (file, source, files, options);
    (None, Vec::new())
}
