//! `omexc run TARGET [-- ARG...]`

use std::path::{Path, PathBuf};
use std::time::Duration;

use omex_diagnostics::{Diagnostic, Span};
use omex_runtime::{RuntimeError, Vm, VmOptions};

use super::Reported;
use crate::cli::{CompileArgs, OutputFormat};
use crate::driver::{self, CompileOptions, ModelPath, recipe_dir};
use crate::report::Reporter;

pub struct RunOptions {
    pub args: Vec<String>,
    pub output: OutputFormat,
    pub allow_read: Vec<PathBuf>,
    pub allow_write: Vec<PathBuf>,
    pub max_steps: Option<u64>,
    pub timeout: Option<f64>,
    pub trace: bool,
    pub ort_lib: Option<PathBuf>,
}

pub fn run(
    target: &Path,
    args: &CompileArgs,
    options: RunOptions,
    reporter: &mut Reporter,
) -> Result<(), Reported> {
    reporter.set_input(target.display().to_string());
    let model_path = ModelPath::new(&args.model_path);
    let compile = CompileOptions::from_args(args, reporter)?;
    let built = driver::compile(target, &compile, reporter)?;

    let timeout = match options.timeout {
        Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => {
            reporter.report(Diagnostic::error(
                "E0956",
                format!("--timeout must be a positive number of seconds, not {s}"),
            ));
            return Err(Reported);
        }
        None => None,
    };
    let here = PathBuf::from(".");
    let dir = recipe_dir(target);
    let mut search_paths = vec![dir.clone()];
    search_paths.extend(model_path.dirs.iter().cloned());
    let mut read_dirs = vec![dir.clone(), here.clone()];
    read_dirs.extend(model_path.dirs.iter().cloned());
    read_dirs.extend(options.allow_read);
    let mut write_dirs = vec![dir, here];
    write_dirs.extend(options.allow_write);
    let vm_options = VmOptions {
        search_paths,
        read_dirs,
        write_dirs,
        base_dir: None,
        args: options.args,
        max_steps: options.max_steps,
        timeout,
        trace: options.trace,
        progress: true,
        ort_lib: options.ort_lib,
        // One run per process: unloads free memory where the plan says.
        keep_models: false,
    };
    let mut vm = Vm::new(built.program, vm_options);
    match vm.run() {
        Ok(outputs) => {
            match options.output {
                OutputFormat::Json => println!("{}", outputs.to_json()),
                OutputFormat::Text => {
                    let json = outputs.to_json();
                    if let Some(map) = json.as_object() {
                        for (name, value) in map {
                            println!("{name} = {}", summarize(value));
                        }
                    }
                }
            }
            Ok(())
        }
        Err(error) => {
            report_runtime_error(&error, reporter);
            Err(Reported)
        }
    }
}

/// A value for people: tensors as `float32[384] [0.01, ...]`, the rest as JSON.
pub(super) fn summarize(value: &serde_json::Value) -> String {
    let (Some(dtype), Some(shape), Some(data)) = (
        value.get("dtype").and_then(|d| d.as_str()),
        value.get("shape").and_then(|s| s.as_array()),
        value.get("data").and_then(|d| d.as_array()),
    ) else {
        return value.to_string();
    };
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shown: Vec<String> = data.iter().take(8).map(|v| v.to_string()).collect();
    let more = if data.len() > 8 { ", ..." } else { "" };
    format!("{dtype}[{}] [{}{more}]", dims.join(", "), shown.join(", "))
}

fn report_runtime_error(error: &RuntimeError, reporter: &mut Reporter) {
    let mut diagnostic = Diagnostic::error(
        error.kind.code(),
        format!("{}: {}", error.kind.label(), error.message),
    );
    if let Some(site) = &error.site {
        let source = site.source.as_ref().and_then(|source| {
            std::fs::read_to_string(&source.file)
                .ok()
                .map(|text| (source, text))
        });
        if let Some((source, text)) = source {
            let file = reporter.files.add(source.file.clone(), text);
            let span = Span::new(file, source.start as usize..source.end as usize);
            diagnostic = diagnostic.with_primary(span, "while running this");
        }
        diagnostic = diagnostic.with_note(format!(
            "at instruction {} ({}, code offset 0x{:x})",
            site.index, site.mnemonic, site.offset
        ));
    }
    if let Some(help) = &error.help {
        diagnostic = diagnostic.with_help(help.clone());
    }
    reporter.report(diagnostic);
}
