//! `omexc validate FILE`: the front end's checks only (format, structure,
//! references, models), without the passes, the emitter or the verifier.

use std::path::Path;

use omex_diagnostics::Diagnostic;

use super::Reported;
use crate::cli::CompileArgs;
use crate::driver::{self, CompileOptions, SourceKind};
use crate::report::Reporter;

pub fn run(path: &Path, args: &CompileArgs, reporter: &mut Reporter) -> Result<(), Reported> {
    reporter.set_input(path.display().to_string());
    let options = CompileOptions::from_args(args, reporter)?;
    let Some(SourceKind::Source(frontend)) = SourceKind::of(path) else {
        reporter.report(
            Diagnostic::error(
                "E0232",
                format!("`{}` is not a source omexc can validate", path.display()),
            )
            .with_help(
                "validate an `.omex.json` container (or another source); \
                 check `.mep` files with `omexc verify`",
            ),
        );
        return Err(Reported);
    };
    driver::lower(frontend, path, &options, reporter)?;
    eprintln!("{}: valid", path.display());
    Ok(())
}
