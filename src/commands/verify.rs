//! `omexc verify FILE.mep`

use std::path::Path;

use omex_diagnostics::Severity;
use omex_mep::{VerifyOptions, load};

use super::{Reported, read_bytes};
use crate::mep_diagnostics::binary_error;
use crate::report::Reporter;

pub fn run(path: &Path, reporter: &mut Reporter) -> Result<(), Reported> {
    let bytes = read_bytes(path, reporter)?;
    let name = path.display().to_string();
    match load(&bytes, &VerifyOptions::default()) {
        Ok(program) => {
            let module = program.module();
            println!(
                "{name}: valid MEP 1.0 ({} instructions, {} code bytes, {} constants, {} models)",
                module.code.len(),
                program.offset(module.code.len()),
                module.constants.len(),
                module.models.len()
            );
            Ok(())
        }
        Err(errors) => {
            reporter.report_all(
                errors
                    .iter()
                    .map(|e| binary_error(e, &bytes, &name, Severity::Error)),
            );
            Err(Reported)
        }
    }
}
