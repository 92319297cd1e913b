//! `omexc bir asm FILE.birasm [-o OUT.bir]` and `omexc bir disasm FILE.bir [-o OUT.birasm]`

use std::path::Path;

use omex_frontend_bir::{encode, text};

use super::{Reported, read_source, write_file};
use crate::cli::BirCommand;
use crate::report::Reporter;

pub fn run(command: BirCommand, reporter: &mut Reporter) -> Result<(), Reported> {
    match command {
        BirCommand::Asm { file, output } => asm(&file, output.as_deref(), reporter),
        BirCommand::Disasm { file, output } => disasm(&file, output.as_deref(), reporter),
    }
}

fn asm(path: &Path, output: Option<&Path>, reporter: &mut Reporter) -> Result<(), Reported> {
    let (file, source) = read_source(path, reporter)?;
    let program = text::assemble(&source).map_err(|errors| {
        reporter.report_all(errors.iter().map(|e| e.to_diagnostic(file)));
        Reported
    })?;
    let out = output.map_or_else(|| path.with_extension("bir"), Path::to_path_buf);
    write_file(&out, &encode(&program), reporter)
}

fn disasm(path: &Path, output: Option<&Path>, reporter: &mut Reporter) -> Result<(), Reported> {
    let decoded = crate::frontends::bir::decode(path, reporter)?;
    let listing = text::disassemble(&decoded.program);
    match output {
        Some(out) => write_file(out, listing.as_bytes(), reporter),
        None => {
            print!("{listing}");
            Ok(())
        }
    }
}
