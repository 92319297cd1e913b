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
