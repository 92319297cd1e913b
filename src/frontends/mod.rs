//! Glue between the CLI and each front end that lowers a source to the shared IR.
//!
//! Every front end has one module here with
//! `pub fn lower(path, &CompileOptions, &mut Reporter) -> Result<Lowered, Reported>`;
//! `driver::compile` runs the passes, the emitter and the verifier on the result.

pub mod plan;

/// A front end's output: the IR, plus what the source itself declares about compilation.
pub struct Lowered {
    pub module: omex_ir::Module,
    /// A memory budget declared by the source (bytes). The smaller of this and
    /// `--memory-limit` is the planner's budget.
    pub memory_limit: Option<u64>,
}

impl Lowered {
    pub fn new(module: omex_ir::Module) -> Self {
        Self {
            module,
            memory_limit: None,
        }
    }
}
