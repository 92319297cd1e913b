//! The OMEX JSON front end: OMEX containers (`*.omex.json`) to the shared IR.
//!
//! 1. [`read`]: jsonc-parser (strict JSON) gives an AST with byte ranges,
//!    walked into the typed [`model::Container`]; every diagnostic points at
//!    the offending key or value.
//! 2. [`lower`]: container settings (execution mode, memory budget, sequence
//!    bound, storage policy), then the execution graph's nodes in
//!    `depends_on` order and the task flow's stages, lowered to one IR plan.
//!
//! The JSON Schema of the format ([`schema::json`]) is derived from the same
//! types. docs/omex-json.md describes the format and its lowering.

pub mod codes;
pub mod fuzz;
pub mod lower;
pub mod model;
pub mod read;
pub mod schema;

use omex_diagnostics::{Diagnostic, FileId, SourceFiles, Span};

pub use lower::Options;

/// Reads, checks and lowers one container (`file` in `files`). The module
/// is returned exactly when no diagnostic is an error; diagnostics are
/// sorted by position.
pub fn compile_source(
    file: FileId,
    text: &str,
    files: &SourceFiles,
    options: &Options,
) -> (Option<omex_ir::Module>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut module = read::read(file, text, &mut diags)
        .and_then(|container| lower::lower(&container, options, &mut diags));
    if let Some(m) = &mut module {
        m.files = (0..=file.0)
            .map(|i| files.name(FileId(i)).to_string())
            .collect();
    }
    diags.sort_by_key(|d| {
        d.primary_span()
            .map_or((u32::MAX, u32::MAX), |s| (s.start, s.end))
    });
    let module = module.filter(|_| {
        !diags
            .iter()
            .any(|d| d.severity == omex_diagnostics::Severity::Error)
    });
    (module, diags)
}

/// The stages and nodes of a container with their spans (`stage-2-infer`,
/// the span of its object), in file order; empty when the text does not
/// read. `omexc profile` groups instructions by these.
pub fn sections(file: FileId, text: &str) -> Vec<(String, Span)> {
    let mut diags = Vec::new();
    let Some(c) = read::read(file, text, &mut diags) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(graph) = &c.execution_graph {
        for n in &graph.nodes.value {
            out.push((format!("node {}", n.id.value), n.span));
        }
    }
    if let Some(flow) = &c.task_flow {
        for s in &flow.value {
            out.push((format!("stage {}", s.id.value), s.span));
        }
    }
    out
}
