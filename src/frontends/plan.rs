//! `*.plan`: the plan DSL (parse, check, lower to IR).

use std::path::Path;

use crate::commands::{Reported, read_source};
use crate::driver::{CompileOptions, recipe_dir};
use crate::report::Reporter;

pub fn lower(
    path: &Path,
    options: &CompileOptions,
    reporter: &mut Reporter,
) -> Result<omex_ir::Module, Reported> {
    let (file, source) = read_source(path, reporter)?;
    let frontend = omex_frontend_plan::Options {
        plan_dir: recipe_dir(path),
        model_path: options.model_path.dirs.clone(),
        plan: options.plan.clone(),
    };
    let (module, diagnostics) =
        omex_frontend_plan::compile_source(file, &source, &reporter.files, &frontend);
    super::accept(module, diagnostics, reporter, "plan", "E0799")
}
