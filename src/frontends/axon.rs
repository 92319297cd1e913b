//! Axon model packages: a folder with `manifest.yaml` (or the manifest
//! itself, any `*.yaml` / `*.yml`), or a Hugging Face folder with only
//! `config.json`. The package folder is where the manifest's paths start.

use std::path::{Path, PathBuf};

use crate::commands::{Reported, read_source};
use crate::driver::{CompileOptions, recipe_dir};
use crate::report::Reporter;

/// The manifest of a package folder.
pub const MANIFEST: &str = "manifest.yaml";
/// A Hugging Face folder's config, used when there is no manifest.
pub const HF_CONFIG: &str = "config.json";

/// Whether `dir` is a model package folder.
pub fn is_package(dir: &Path) -> bool {
    dir.join(MANIFEST).is_file() || dir.join(HF_CONFIG).is_file()
}

pub fn lower(
    path: &Path,
    _options: &CompileOptions,
    reporter: &mut Reporter,
) -> Result<omex_ir::Module, Reported> {
    let (source_path, package_dir, hf): (PathBuf, PathBuf, bool) = if path.is_dir() {
        let manifest = path.join(MANIFEST);
        if manifest.is_file() {
            (manifest, path.to_path_buf(), false)
        } else {
            (path.join(HF_CONFIG), path.to_path_buf(), true)
        }
    } else {
        (path.to_path_buf(), recipe_dir(path), false)
    };
    let (file, source) = read_source(&source_path, reporter)?;
    let formats = omex_runtime::ModelBackends::with_onnx(None)
        .formats()
        .into_iter()
        .map(str::to_string)
        .collect();
    let options = omex_frontend_axon::Options {
        package_dir,
        formats,
    };
    let compile = if hf {
        omex_frontend_axon::compile_hf_config
    } else {
        omex_frontend_axon::compile_manifest
    };
    let (output, diagnostics) = compile(file, &source, &reporter.files, &options);
    // `spec.requirements.memory` is the module's `memory_budget`: the
    // planner takes the smaller of it and `--memory-limit` and names it as
    // declared by the input.
    let module = output.map(|output| output.module);
    super::accept(
        module,
        diagnostics,
        reporter,
        "Axon",
        omex_frontend_axon::codes::INTERNAL,
    )
}
