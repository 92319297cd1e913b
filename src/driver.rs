//! Turns any input the toolchain accepts into a verified MEP program.
//!
//! | input | front end |
//! |---|---|
//! | `*.plan` | the plan DSL: parse, check, lower to IR, passes, emit |
//! | a folder with `manifest.yaml` (or `config.json`), `*.yaml`, `*.yml` | Axon model packages |
//! | `*.omex.json`, `*.json` | OMEX containers: read with spans, check, lower to IR |
//! | `*.mepasm` | the MEP assembler |
//! | `*.mep` | decoded and verified as is |
//!
//! Every front end lowers to the shared IR (`crate::frontends`); the passes,
//! the emitter and the verifier are the same for all of them.

use std::path::{Path, PathBuf};

use omex_diagnostics::Severity;
use omex_mep::{Program, text};
use omex_passes::pipeline::{self, Stage};

use crate::commands::{Reported, read_bytes, read_source};
use crate::frontends;
use crate::mep_diagnostics::{asm_error, binary_error, verify_error_in_text};
use crate::report::Reporter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Lowered to IR by a front end, then compiled by the passes.
    Source(Frontend),
    MepAsm,
    Mep,
}

/// The front ends that lower a source to the shared IR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frontend {
    Plan,
    /// Axon model packages: a folder with `manifest.yaml`, or the manifest.
    Axon,
    /// Jules BIR document pipelines (`*.bir`).
    Bir,
    /// OMEX containers (`*.omex.json`, or any `*.json`).
    OmexJson,
}

impl SourceKind {
    pub fn of(path: &Path) -> Option<SourceKind> {
        if path.is_dir() {
            return frontends::axon::is_package(path).then_some(SourceKind::Source(Frontend::Axon));
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some("plan") => Some(SourceKind::Source(Frontend::Plan)),
            Some("bir") => Some(SourceKind::Source(Frontend::Bir)),
            Some("json") => Some(SourceKind::Source(Frontend::OmexJson)),
            Some("yaml" | "yml") => Some(SourceKind::Source(Frontend::Axon)),
            Some("mepasm") => Some(SourceKind::MepAsm),
            Some("mep") => Some(SourceKind::Mep),
            _ => None,
        }
    }
}

/// Runs the front end for `frontend` on `path`.
pub fn lower(
    frontend: Frontend,
    path: &Path,
    options: &CompileOptions,
    reporter: &mut Reporter,
) -> Result<omex_ir::Module, Reported> {
    match frontend {
        Frontend::Plan => frontends::plan::lower(path, options, reporter),
        Frontend::Axon => frontends::axon::lower(path, options, reporter),
        Frontend::Bir => frontends::bir::lower(path, options, reporter),
        Frontend::OmexJson => frontends::omex_json::lower(path, options, reporter),
    }
}

/// Where relative model, tokenizer and data paths are looked up.
#[derive(Debug, Clone, Default)]
pub struct ModelPath {
    pub dirs: Vec<PathBuf>,
}

impl ModelPath {
    /// `--model-path` directories first, then the `OMEX_MODEL_PATH` entries.
    pub fn new(flags: &[PathBuf]) -> Self {
        let mut dirs = flags.to_vec();
        if let Some(env) = std::env::var_os("OMEX_MODEL_PATH") {
            dirs.extend(std::env::split_paths(&env).filter(|p| !p.as_os_str().is_empty()));
        }
        Self { dirs }
    }
}

/// The folder a recipe's relative paths start from (a package folder is its own).
pub fn recipe_dir(path: &Path) -> PathBuf {
    if path.is_dir() {
        return path.to_path_buf();
    }
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[derive(Default)]
pub struct CompileOptions {
    pub model_path: ModelPath,
    pub plan: Option<String>,
    pub keep_ir: Vec<Stage>,
    pub memory_limit: Option<u64>,
    /// Plan memory but do not fail over the budget (`omexc profile`).
    pub ignore_memory_budget: bool,
    /// `--bir-set KEY=VALUE` settings for BIR programs.
    pub bir_config: Vec<String>,
}

impl CompileOptions {
    /// From the shared command-line flags; a bad `--memory-limit` is reported.
    pub fn from_args(
        args: &crate::cli::CompileArgs,
        reporter: &mut Reporter,
    ) -> Result<Self, Reported> {
        let memory_limit = match &args.memory_limit {
            Some(text) => Some(omex_passes::memory::parse_size(text).map_err(|why| {
                reporter.report(
                    omex_diagnostics::Diagnostic::error(
                        "E0957",
                        format!("bad --memory-limit `{text}`: {why}"),
                    )
                    .with_help("write a size such as 2GiB, 512MB or 1048576"),
                );
                Reported
            })?),
            None => None,
        };
        Ok(Self {
            model_path: ModelPath::new(&args.model_path),
            plan: args.plan.clone(),
            keep_ir: Vec::new(),
            memory_limit,
            ignore_memory_budget: false,
            bir_config: args.bir_config.clone(),
        })
    }
}

pub struct Built {
    pub program: Program,
    /// IR text per requested stage (plans only).
    pub ir: Vec<(Stage, String)>,
    pub ir_module: Option<omex_ir::Module>,
    pub slots_used: Option<usize>,
    pub max_live: Option<usize>,
    pub memory: Option<omex_passes::memory::MemoryPlan>,
}

pub fn unsupported_input(path: &Path, reporter: &mut Reporter) -> Reported {
    reporter.set_input(path.display().to_string());
    reporter.report(
        omex_diagnostics::Diagnostic::error(
            "E0953",
            format!("`{}` is not an input omexc knows", path.display()),
        )
        .with_help(
            "give a `.plan` recipe, an OMEX container (`.omex.json`), an Axon package \
             (a folder with `manifest.yaml`, or the manifest), a Jules BIR program (`.bir`), \
             `.mepasm` assembly or a `.mep` program",
        ),
    );
    Reported
}

pub fn compile(
    path: &Path,
    options: &CompileOptions,
    reporter: &mut Reporter,
) -> Result<Built, Reported> {
    let kind = SourceKind::of(path).ok_or_else(|| unsupported_input(path, reporter))?;
    match kind {
        SourceKind::Source(frontend) => {
            let module = lower(frontend, path, options, reporter)?;
            let passes = pipeline::Options {
                verify_ir: cfg!(debug_assertions),
                keep_ir: options.keep_ir.clone(),
                memory_limit: options.memory_limit,
                ignore_memory_budget: options.ignore_memory_budget,
                ..pipeline::Options::default()
            };
            let compiled = pipeline::compile(module, &passes).map_err(|diagnostics| {
                reporter.report_all(diagnostics);
                Reported
            })?;
            let host = omex_runtime::HostRegistry::builtin();
            let program =
                omex_runtime::verify(compiled.program.into_module(), &host).map_err(|errors| {
                    for e in &errors {
                        reporter.report(omex_diagnostics::Diagnostic::error(
                            e.code(),
                            e.kind.to_string(),
                        ));
                    }
                    Reported
                })?;
            Ok(Built {
                program,
                ir: compiled.ir,
                ir_module: Some(compiled.module),
                slots_used: Some(compiled.assignment.slots_used),
                max_live: Some(compiled.max_live),
                memory: Some(compiled.memory),
            })
        }
        SourceKind::MepAsm => {
            let (file, source) = read_source(path, reporter)?;
            let assembled = text::assemble(&source).map_err(|errors| {
                reporter.report_all(errors.iter().map(|e| asm_error(e, file)));
                Reported
            })?;
            let offsets = assembled.module.instruction_offsets();
            let host = omex_runtime::HostRegistry::builtin();
            let program = omex_runtime::verify(assembled.module, &host).map_err(|errors| {
                reporter.report_all(errors.iter().map(|e| {
                    verify_error_in_text(e, &offsets, &assembled.instruction_spans, file)
                }));
                Reported
            })?;
            Ok(Built {
                program,
                ir: Vec::new(),
                ir_module: None,
                slots_used: None,
                max_live: None,
                memory: None,
            })
        }
        SourceKind::Mep => {
            let bytes = read_bytes(path, reporter)?;
            let host = omex_runtime::HostRegistry::builtin();
            let program = omex_runtime::load(&bytes, &host).map_err(|errors| {
                let name = path.display().to_string();
                reporter.report_all(
                    errors
                        .iter()
                        .map(|e| binary_error(e, &bytes, &name, Severity::Error)),
                );
                Reported
            })?;
            Ok(Built {
                program,
                ir: Vec::new(),
                ir_module: None,
                slots_used: None,
                max_live: None,
                memory: None,
            })
        }
    }
}
