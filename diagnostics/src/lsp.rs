//! JSON output shaped like a Language Server Protocol `Diagnostic`.
//!
//! One object per diagnostic: `range` (0-based line, UTF-16 character),
//! `severity` (1 error, 2 warning, 3 information), `code`, `source`,
//! `message`, `relatedInformation` (secondary labels), plus `file`, `notes`
//! and `help` (with an optional `suggestion` edit) for other consumers.

use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, LabelStyle, Severity};
use crate::source::{SourceFiles, Span};

fn range(files: &SourceFiles, span: Span) -> Value {
    let (sl, sc) = files.lsp_position(span.file, span.start as usize);
    let (el, ec) = files.lsp_position(span.file, span.end as usize);
    json!({
        "start": { "line": sl, "character": sc },
        "end": { "line": el, "character": ec },
    })
}

/// Converts one diagnostic. A diagnostic without labels gets the range 0:0-0:0
/// of `fallback_file` (the input the command was given).
pub fn to_json(diagnostic: &Diagnostic, files: &SourceFiles, fallback_file: &str) -> Value {
    let primary = diagnostic.primary_span();
    let file = primary.map_or(fallback_file, |s| files.name(s.file));
    let zero = json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}});
    let related: Vec<Value> = diagnostic
        .labels
        .iter()
        .filter(|l| l.style == LabelStyle::Secondary || Some(l.span) != primary)
        .map(|l| {
            json!({
                "location": { "file": files.name(l.span.file), "range": range(files, l.span) },
                "message": l.message,
            })
        })
        .collect();
    let severity = match diagnostic.severity {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Note => 3,
    };
    let help = diagnostic.help.as_ref().map(|h| {
        json!({
            "message": h.message,
            "suggestion": h.suggestion.as_ref().map(|s| json!({
                "range": range(files, s.span),
                "replacement": s.replacement,
            })),
        })
    });
    let mut message = diagnostic.message.clone();
    if let Some(label) = diagnostic
        .labels
        .iter()
        .find(|l| Some(l.span) == primary && !l.message.is_empty())
    {
        message = format!("{message}: {}", label.message);
    }
    json!({
        "file": file,
        "range": primary.map_or(zero, |s| range(files, s)),
        "severity": severity,
        "code": diagnostic.code,
        "source": "omexc",
        "message": message,
        "relatedInformation": related,
        "notes": diagnostic.notes,
        "help": help,
    })
}
