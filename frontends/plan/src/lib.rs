//! The plan front end's semantic half: name resolution, type and shape
//! checking, and lowering of a parsed plan to an [`omex_ir::Module`].
//!
//! ```text
//! source ─ omex-plan-syntax ─> ast::File ─ check + lower (this crate) ─> ir::Module
//! ```
//!
//! [`compile_source`] parses and compiles one plan of a file and returns
//! every diagnostic (syntax errors E0001–E0099, checking errors E0100–E0199,
//! see [`codes::CODES`] and `docs/plan-checking.md`). The module is returned
//! only when no error was found; warnings (a model or tokenizer file that
//! was not found) do not prevent it.
//!
//! # Files named by a plan
//!
//! Model and tokenizer paths are written relative. Each is looked for in the
//! plan's folder ([`Options::plan_dir`]), then in each entry of
//! [`Options::model_path`], in order; the first existing file wins (see
//! [`paths`]). The IR keeps the path *as written*: the runtime resolves it
//! with the same rules. A model file that is found has its signature read
//! (inputs, outputs, size, sha256); one that is not found is a warning, and
//! runs of that model are dynamic.

mod annot;
pub mod codes;
pub mod fuzz;
mod lower;
pub mod paths;
mod scope;
mod types;

use std::path::PathBuf;

use omex_diagnostics::{Diagnostic, FileId, Severity, SourceFiles, suggest};
use omex_plan_syntax::ast;

/// How to compile a plan file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The folder of the plan file: relative paths are looked for here first.
    pub plan_dir: PathBuf,
    /// Further folders to look in, in order.
    pub model_path: Vec<PathBuf>,
    /// The plan to compile when the file defines several; `None`: the first.
    pub plan: Option<String>,
}

/// Parses `source` (the text of `file` in `files`) and compiles one of its
/// plans. Returns the module when there is no error, and every diagnostic
/// (syntax and checking), sorted by position.
pub fn compile_source(
    file: FileId,
    source: &str,
    files: &SourceFiles,
    options: &Options,
) -> (Option<omex_ir::Module>, Vec<Diagnostic>) {
    let (tree, mut diags) = omex_plan_syntax::parse(file, source);
    let (module, more) = compile_ast(file, source, &tree, files, options, !diags.is_empty());
    diags.extend(more);
    diags.sort_by_key(|d| {
        d.primary_span()
            .map_or((u32::MAX, u32::MAX), |s| (s.start, s.end))
    });
    let ok = !diags.iter().any(|d| d.severity == Severity::Error);
    (module.filter(|_| ok), diags)
}

/// Compiles one plan of an already parsed file. `had_syntax_errors`: the
/// tree has error nodes, so names defined by broken statements may be
/// missing; unknown names are then not reported.
pub fn compile_ast(
    file: FileId,
    source: &str,
    tree: &ast::File,
    files: &SourceFiles,
    options: &Options,
    had_syntax_errors: bool,
) -> (Option<omex_ir::Module>, Vec<Diagnostic>) {
    let plans: Vec<&ast::Plan> = tree.plans().collect();
    let plan = match &options.plan {
        None => plans.first().copied(),
        Some(name) => plans.iter().copied().find(|p| &p.name.name == name),
    };
    let Some(plan) = plan else {
        if had_syntax_errors && options.plan.is_none() {
            return (None, Vec::new());
        }
        return (None, vec![no_plan(tree, &plans, options.plan.as_deref())]);
    };
    let (externs, diags) = lower::extern_sigs(tree);
    let cx = lower::Ctx {
        file,
        source,
        options,
        externs,
        lenient: had_syntax_errors,
    };
    let names = (0..=file.0)
        .map(|i| files.name(FileId(i)).to_string())
        .collect();
    let (module, diags) = lower::lower_plan(cx, plan, names, diags);
    (Some(module), diags)
}

fn no_plan(tree: &ast::File, plans: &[&ast::Plan], wanted: Option<&str>) -> Diagnostic {
    let Some(wanted) = wanted else {
        return Diagnostic::error(codes::NO_SUCH_PLAN, "the file defines no plan")
            .with_primary(
                omex_diagnostics::Span {
                    end: tree.span.start,
                    ..tree.span
                },
                "expected `plan NAME(...) { ... }`",
            )
            .with_help("a plan file needs at least one `plan name() { ... }`");
    };
    let names: Vec<&str> = plans.iter().map(|p| p.name.name.as_str()).collect();
    let mut d = Diagnostic::error(
        codes::NO_SUCH_PLAN,
        format!("the file has no plan named `{wanted}`"),
    );
    d = match plans.first() {
        Some(first) => d.with_primary(first.name.span, "the plans are declared here and after"),
        None => d.with_primary(
            omex_diagnostics::Span {
                end: tree.span.start,
                ..tree.span
            },
            "no plan",
        ),
    };
    d = d.with_note(if names.is_empty() {
        "the file defines no plan".to_string()
    } else {
        format!("its plans are {}", names.join(", "))
    });
    if let Some(best) = suggest::closest(wanted, names.iter().copied()) {
        d = d.with_help(format!("did you mean `{best}`?"));
    }
    d
}
