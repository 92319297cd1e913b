//! `*.omex.json` (and plain `*.json`): OMEX containers (task flows and
//! execution graphs), lowered by `omex-frontend-omex`.

use std::path::Path;

use omex_diagnostics::{FileId, Span};

use crate::commands::{Reported, read_source};
use crate::driver::{CompileOptions, recipe_dir};
use crate::report::Reporter;

pub fn lower(
    path: &Path,
    options: &CompileOptions,
    reporter: &mut Reporter,
) -> Result<omex_ir::Module, Reported> {
    let (file, source) = read_source(path, reporter)?;
    let frontend = omex_frontend_omex::Options {
        container_dir: recipe_dir(path),
        model_path: options.model_path.dirs.clone(),
    };
    let (module, diagnostics) =
        omex_frontend_omex::compile_source(file, &source, &reporter.files, &frontend);
    // The container's budget is the module's `memory_budget`, which the
    // planner weighs against `--memory-limit` (the smaller wins) and names
    // as "declared by the input".
    super::accept(module, diagnostics, reporter, "OMEX", "E0299")
}

/// The container's stages and nodes with their spans in `file` (already
/// registered by [`lower`]), for per-stage summaries.
pub fn sections(reporter: &Reporter, file: FileId) -> Vec<(String, Span)> {
    omex_frontend_omex::sections(file, reporter.files.text(file))
}

/// The memory of each stage and node: the most held while one of its
/// instructions runs (rows are matched to the stage or node whose JSON
/// object contains the instruction's span).
pub fn stage_summary(
    module: &omex_ir::Module,
    plan: &omex_passes::memory::MemoryPlan,
    reporter: &Reporter,
) -> String {
    use std::fmt::Write;
    let Some(file) = module.spans.values().flatten().map(|s| s.file).next() else {
        return String::new();
    };
    let sections = sections(reporter, file);
    let mut peaks: Vec<(u64, usize)> = vec![(0, 0); sections.len() + 1];
    for row in &plan.rows {
        let at = module.spans[row.inst].and_then(|s| {
            sections
                .iter()
                .position(|(_, x)| x.file == s.file && x.start <= s.start && s.end <= x.end)
        });
        let slot = &mut peaks[at.unwrap_or(sections.len())];
        slot.0 = slot.0.max(row.bytes);
        slot.1 += 1;
    }
    let mut out = String::from("memory per stage/node (most held while it runs):\n");
    let names = sections
        .iter()
        .map(|(n, _)| n.as_str())
        .chain(std::iter::once("(container)"));
    for (name, (bytes, rows)) in names.zip(peaks) {
        match rows {
            0 if name == "(container)" => {}
            0 => {
                let _ = writeln!(
                    out,
                    "  {name:<40}  {:>12}  (no instructions of its own)",
                    "-"
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "  {name:<40}  {:>12}  ({rows} rows)",
                    omex_passes::memory::format_bytes(bytes)
                );
            }
        }
    }
    out
}
