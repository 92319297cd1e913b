//! `omexc asm FILE.mepasm [-o OUT.mep]`

use std::path::Path;

use omex_mep::{VerifyOptions, encode, text, verify};

use super::{Reported, read_source, write_file};
use crate::mep_diagnostics::{asm_error, verify_error_in_text};
use crate::report::Reporter;

pub fn run(path: &Path, output: Option<&Path>, reporter: &mut Reporter) -> Result<(), Reported> {
    let (file, source) = read_source(path, reporter)?;
    let assembled = text::assemble(&source).map_err(|errors| {
        reporter.report_all(errors.iter().map(|e| asm_error(e, file)));
        Reported
    })?;
    let offsets = assembled.module.instruction_offsets();
    let program = verify(assembled.module, &VerifyOptions::default()).map_err(|errors| {
        reporter.report_all(
            errors
                .iter()
                .map(|e| verify_error_in_text(e, &offsets, &assembled.instruction_spans, file)),
        );
        Reported
    })?;
    let bytes = encode(program.module());
    let out = output.map_or_else(|| path.with_extension("mep"), Path::to_path_buf);
    write_file(&out, &bytes, reporter)
}
