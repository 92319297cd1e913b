//! One module per command.

mod asm;
mod bir;
mod board;
mod build;
mod check;
mod disasm;
mod profile;
mod run;
mod validate;
mod verify;
mod worker;

use std::path::Path;

use crate::cli::Command;
use crate::mep_diagnostics::io_error;
use crate::report::Reporter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    InputErrors,
}

pub fn run(command: Command, reporter: &mut Reporter) -> Outcome {
    let result = match command {
        Command::Disasm { file, output } => disasm::run(&file, output.as_deref(), reporter),
        Command::Verify { file } => verify::run(&file, reporter),
        Command::Board { board, command } => board::run(board, command, reporter),
        Command::Worker(args) => worker::run(args, reporter),
        Command::Asm { file, output } => asm::run(&file, output.as_deref(), reporter),
        Command::Bir(command) => bir::run(command, reporter),
        Command::Check { file, compile } => check::run(&file, &compile, reporter),
        Command::Validate { file, compile } => validate::run(&file, &compile, reporter),
        Command::Profile { file, svg, compile } => {
            profile::run(&file, svg.as_deref(), &compile, reporter)
        }
        Command::Build {
            file,
            output,
            emit,
            compile,
        } => build::run(&file, output.as_deref(), &emit, &compile, reporter),
        Command::Run {
            target,
            args,
            output,
            allow_read,
            allow_write,
            max_steps,
            timeout,
            trace,
            ort_lib,
            compile,
        } => {
            let options = run::RunOptions {
                args,
                output,
                allow_read,
                allow_write,
                max_steps,
                timeout,
                trace,
                ort_lib,
            };
            run::run(&target, &compile, options, reporter)
        }
    };
    match result {
        Ok(()) if !reporter.has_errors() => Outcome::Success,
        _ => Outcome::InputErrors,
    }
}

/// Marker: the error has been reported.
pub struct Reported;

pub fn read_bytes(path: &Path, reporter: &mut Reporter) -> Result<Vec<u8>, Reported> {
    reporter.set_input(path.display().to_string());
    std::fs::read(path).map_err(|e| {
        reporter.report(io_error("E0950", "read", path, &e));
        Reported
    })
}

pub fn read_text(path: &Path, reporter: &mut Reporter) -> Result<String, Reported> {
    let bytes = read_bytes(path, reporter)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        reporter.report(omex_diagnostics::Diagnostic::error(
            "E0952",
            format!(
                "`{}` is not UTF-8 text (invalid byte at offset {at})",
                path.display()
            ),
        ));
        Reported
    })
}

/// Reads a text source and registers it for diagnostics: its file id and text.
pub fn read_source(
    path: &Path,
    reporter: &mut Reporter,
) -> Result<(omex_diagnostics::FileId, String), Reported> {
    let source = read_text(path, reporter)?;
    let file = reporter
        .files
        .add(path.display().to_string(), source.clone());
    Ok((file, source))
}

pub fn write_file(path: &Path, contents: &[u8], reporter: &mut Reporter) -> Result<(), Reported> {
    std::fs::write(path, contents).map_err(|e| {
        reporter.report(io_error("E0951", "write", path, &e));
        Reported
    })
}
