//! `omexc build FILE [-o OUT.mep] [--emit KINDS]`

use std::path::Path;

use omex_diagnostics::Diagnostic;
use omex_passes::pipeline::Stage;

use super::{Reported, write_file};
use crate::cli::CompileArgs;
use crate::driver::{self, CompileOptions};
use crate::report::Reporter;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Emit {
    Mep,
    Asm,
    Ir(Stage),
    Dot,
}

/// The kinds asked for; `Err` holds the first unknown one.
fn parse_emit(kinds: &[String]) -> Result<Vec<Emit>, String> {
    if kinds.is_empty() {
        return Ok(vec![Emit::Mep]);
    }
    kinds
        .iter()
        .map(|kind| match kind.as_str() {
            "mep" => Ok(Emit::Mep),
            "asm" => Ok(Emit::Asm),
            "ir" => Ok(Emit::Ir(Stage::Slots)),
            "dot" => Ok(Emit::Dot),
            other => match other.strip_prefix("ir=after-").and_then(Stage::from_name) {
                Some(stage) => Ok(Emit::Ir(stage)),
                None => Err(other.to_string()),
            },
        })
        .collect()
}

pub fn run(
    path: &Path,
    output: Option<&Path>,
    emit: &[String],
    args: &CompileArgs,
    reporter: &mut Reporter,
) -> Result<(), Reported> {
    reporter.set_input(path.display().to_string());
    let emits = parse_emit(emit).map_err(|kind| {
        reporter.report(
            Diagnostic::error("E0954", format!("unknown --emit kind `{kind}`")).with_help(
                "kinds: mep, asm, ir, ir=after-input, ir=after-normalize, ir=after-cleanup, ir=after-unloads, ir=after-slots, dot",
            ),
        );
        Reported
    })?;
    let keep_ir = emits
        .iter()
        .filter_map(|e| match e {
            Emit::Ir(stage) => Some(*stage),
            _ => None,
        })
        .collect();
    let mut options = CompileOptions::from_args(args, reporter)?;
    options.keep_ir = keep_ir;
    let built = driver::compile(path, &options, reporter)?;
    let module = built.program.module();
    let slots = match (built.slots_used, built.max_live) {
        (Some(used), Some(max)) => format!(", {used} slots (at most {max} values live at once)"),
        _ => String::new(),
    };
    eprintln!(
        "compiled {}: {} instructions, {} code bytes{slots}, {} models",
        path.display(),
        module.code.len(),
        built.program.offset(module.code.len()),
        module.models.len()
    );
    for emit in &emits {
        match emit {
            Emit::Mep => {
                let out = output.map_or_else(|| path.with_extension("mep"), Path::to_path_buf);
                write_file(&out, &omex_mep::encode(built.program.module()), reporter)?;
            }
            Emit::Asm => print!("{}", omex_mep::text::disassemble(built.program.module())),
            Emit::Ir(stage) => match built.ir.iter().find(|(s, _)| s == stage) {
                Some((_, text)) => print!("{text}"),
                None => {
                    reporter.report(Diagnostic::error(
                        "E0955",
                        format!(
                            "`{}` has no IR: only sources (plans, OMEX containers, Axon packages, BIR programs) are compiled through the IR",
                            path.display()
                        ),
                    ));
                    return Err(Reported);
                }
            },
            Emit::Dot => match &built.ir_module {
                Some(module) => print!("{}", omex_ir::dot::dataflow_dot(module)),
                None => {
                    reporter.report(Diagnostic::error(
                        "E0955",
                        format!(
                            "`{}` has no IR: only sources (plans, OMEX containers, Axon packages, BIR programs) have a dataflow graph",
                            path.display()
                        ),
                    ));
                    return Err(Reported);
                }
            },
        }
    }
    Ok(())
}
