//! `omexc disasm FILE.mep [-o OUT.mepasm]`

use std::path::Path;

use omex_diagnostics::Severity;
use omex_mep::{DecodeOptions, VerifyOptions, decode, text, verify_with_layout};

use super::{Reported, read_bytes, write_file};
use crate::mep_diagnostics::binary_error;
use crate::report::Reporter;

pub fn run(path: &Path, output: Option<&Path>, reporter: &mut Reporter) -> Result<(), Reported> {
    let bytes = read_bytes(path, reporter)?;
    let name = path.display().to_string();
    let (module, layout) = decode(&bytes, DecodeOptions::default()).map_err(|errors| {
        reporter.report_all(
            errors
                .iter()
                .map(|e| binary_error(e, &bytes, &name, Severity::Error)),
        );
        Reported
    })?;
    let listing = text::disassemble(&module);
    if let Err(errors) = verify_with_layout(module, layout, &VerifyOptions::default()) {
        reporter.report_all(
            errors
                .iter()
                .map(|e| binary_error(e, &bytes, &name, Severity::Warning)),
        );
    }
    match output {
        Some(out) => write_file(out, listing.as_bytes(), reporter),
        None => {
            print!("{listing}");
            Ok(())
        }
    }
}
