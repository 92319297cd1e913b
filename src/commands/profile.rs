//! `omexc profile FILE [--svg OUT.svg]`

use std::path::Path;

use omex_diagnostics::Diagnostic;

use super::{Reported, write_file};
use crate::cli::CompileArgs;
use crate::driver::{self, CompileOptions};
use crate::report::Reporter;

pub fn run(
    path: &Path,
    svg: Option<&Path>,
    args: &CompileArgs,
    reporter: &mut Reporter,
) -> Result<(), Reported> {
    reporter.set_input(path.display().to_string());
    let mut options = CompileOptions::from_args(args, reporter)?;
    options.ignore_memory_budget = true;
    let built = driver::compile(path, &options, reporter)?;
    let (Some(module), Some(plan)) = (&built.ir_module, &built.memory) else {
        reporter.report(Diagnostic::error(
            "E0955",
            format!(
                "`{}` has no IR: only sources (plans, OMEX containers, Axon packages, BIR programs) have a memory profile",
                path.display()
            ),
        ));
        return Err(Reported);
    };
    print!(
        "{}",
        omex_passes::profile::table(module, plan, Some(&reporter.files))
    );
    if driver::SourceKind::of(path) == Some(driver::SourceKind::Source(driver::Frontend::OmexJson))
    {
        print!(
            "{}",
            crate::frontends::omex_json::stage_summary(module, plan, reporter)
        );
    }
    if let Some(out) = svg {
        write_file(
            out,
            omex_passes::profile::svg(module, plan).as_bytes(),
            reporter,
        )?;
    }
    if let Some(error) = omex_passes::memory::over_budget_error(module, plan) {
        reporter.report(error);
        return Err(Reported);
    }
    Ok(())
}
