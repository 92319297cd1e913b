//! `*.bir`: Jules BIR document pipelines (decode, lower to IR).

use std::path::Path;

use crate::commands::{Reported, read_bytes};
use crate::driver::{CompileOptions, recipe_dir};
use crate::report::Reporter;

pub fn lower(
    path: &Path,
    options: &CompileOptions,
    reporter: &mut Reporter,
) -> Result<omex_ir::Module, Reported> {
    let decoded = decode(path, reporter)?;
    let name = path
        .file_stem()
        .map_or_else(|| "bir".to_string(), |s| s.to_string_lossy().into_owned());
    let lower_options = omex_frontend_bir::LowerOptions {
        bir_dir: recipe_dir(path),
        model_path: options.model_path.dirs.clone(),
        config: options.bir_config.clone(),
        name,
        file_name: path.display().to_string(),
    };
    match omex_frontend_bir::lower(&decoded, &lower_options) {
        Ok(module) => Ok(module),
        Err(diagnostics) => {
            reporter.report_all(diagnostics);
            Err(Reported)
        }
    }
}

/// Reads and decodes a `.bir` file; a malformed file is reported with its offset.
pub fn decode(
    path: &Path,
    reporter: &mut Reporter,
) -> Result<omex_frontend_bir::Decoded, Reported> {
    let bytes = read_bytes(path, reporter)?;
    omex_frontend_bir::decode(&bytes, omex_frontend_bir::DecodeOptions::default()).map_err(|e| {
        reporter.report(e.to_diagnostic(&path.display().to_string()));
        Reported
    })
}
