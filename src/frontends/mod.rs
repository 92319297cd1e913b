//! Glue between the CLI and each front end that lowers a source to the shared IR.
//!
//! Every front end has one module here with
//! `pub fn lower(path, &CompileOptions, &mut Reporter) -> Result<omex_ir::Module, Reported>`
//! (a budget the source declares goes in `Module::memory_budget`);
//! `driver::compile` runs the passes, the emitter and the verifier on the result.

pub mod axon;
pub mod bir;
pub mod omex_json;
pub mod plan;

use omex_diagnostics::Diagnostic;

use crate::commands::Reported;
use crate::report::Reporter;

/// Reports a front end's diagnostics; the module, when it gave one and
/// nothing is an error. No module and no error is an internal compiler
/// error (`code`, in the front end's range).
pub fn accept(
    module: Option<omex_ir::Module>,
    diagnostics: Vec<Diagnostic>,
    reporter: &mut Reporter,
    front_end: &str,
    code: &'static str,
) -> Result<omex_ir::Module, Reported> {
    reporter.report_all(diagnostics);
    match module {
        Some(module) if !reporter.has_errors() => Ok(module),
        None if !reporter.has_errors() => {
            reporter.report(Diagnostic::error(
                code,
                format!(
                    "internal compiler error: the {front_end} front end produced no IR and no error"
                ),
            ));
            Err(Reported)
        }
        _ => Err(Reported),
    }
}
