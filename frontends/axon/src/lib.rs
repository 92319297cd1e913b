//! The Axon front end: model packages described by a `manifest.yaml`.
//!
//! A package is a folder with `manifest.yaml` and the files it lists (the
//! model, its tokenizer, ...). The manifest is the source of truth for the
//! model's inputs and outputs; the front end checks it and the files, then
//! lowers a complete recipe to an [`omex_ir::Module`]:
//!
//! ```text
//! manifest.yaml ─ yaml (spans) ─> manifest (schema) ─ check (rules, files,
//!   ONNX signature, preprocessing) ─> Recipe ─ lower ─> ir::Module
//! ```
//!
//! [`compile_manifest`] returns every diagnostic (codes E0300–E0399, see
//! [`codes::CODES`] and `docs/errors-axon.md`) and the module when there is
//! no error. A folder without a manifest but with a Hugging Face
//! `config.json` is compiled by [`compile_hf_config`], deriving the inputs
//! from `model_type`. See `docs/axon.md` for the format.

mod check;
pub mod codes;
pub mod fuzz;
mod hf;
mod lower;
mod manifest;
pub mod recipe;
pub mod rules;
mod yaml;

use std::path::PathBuf;

use omex_diagnostics::{Diagnostic, FileId, Severity, SourceFiles};

pub use check::API_VERSION;

/// How to compile a package.
#[derive(Debug, Clone)]
pub struct Options {
    /// The package folder: every path in the manifest is relative to it.
    pub package_dir: PathBuf,
    /// The execution formats the runtime has a backend for (`onnx`).
    pub formats: Vec<String>,
}

/// A compiled package.
#[derive(Debug, Clone)]
pub struct Output {
    pub module: omex_ir::Module,
    /// `spec.requirements.memory` in bytes: the memory planner's budget,
    /// also in the module's `memory_budget` (which the planner weighs
    /// against `--memory-limit` and names as declared by the input).
    pub memory_limit: Option<u64>,
}

fn finish(
    recipe: Option<recipe::Recipe>,
    mut diags: Vec<Diagnostic>,
    file: FileId,
    files: &SourceFiles,
) -> (Option<Output>, Vec<Diagnostic>) {
    diags.sort_by_key(|d| {
        d.primary_span()
            .map_or((u32::MAX, u32::MAX), |s| (s.start, s.end))
    });
    let errors = diags.iter().any(|d| d.severity == Severity::Error);
    let output = match recipe {
        Some(recipe) if !errors => {
            let names = (0..=file.0)
                .map(|i| files.name(FileId(i)).to_string())
                .collect();
            Some(Output {
                module: lower::lower(&recipe, names),
                memory_limit: recipe.memory,
            })
        }
        _ => None,
    };
    (output, diags)
}

/// Compiles the manifest `source` (the text of `file` in `files`).
pub fn compile_manifest(
    file: FileId,
    source: &str,
    files: &SourceFiles,
    options: &Options,
) -> (Option<Output>, Vec<Diagnostic>) {
    let y = yaml::Yaml::new(file, source);
    let root = match y.parse() {
        Ok(root) => root,
        Err(d) => return (None, vec![*d]),
    };
    let mut diags = Vec::new();
    let m = manifest::read(&y, &root, &mut diags);
    let mut checker = check::Checker::new(options);
    checker.diags = diags;
    let recipe = checker.check(&m);
    finish(recipe, checker.diags, file, files)
}

/// Compiles a folder that has no manifest from its Hugging Face
/// `config.json` (the text of `file`).
pub fn compile_hf_config(
    file: FileId,
    source: &str,
    files: &SourceFiles,
    options: &Options,
) -> (Option<Output>, Vec<Diagnostic>) {
    let mut checker = check::Checker::new(options);
    let recipe = if options.formats.iter().any(|f| f == "onnx") {
        hf::recipe(file, source, &mut checker)
    } else {
        checker.diags.push(Diagnostic::error(
            codes::UNKNOWN_EXECUTION_FORMAT,
            "a folder without a manifest is run with the `onnx` backend, which this runtime lacks",
        ));
        None
    };
    finish(recipe, checker.diags, file, files)
}
