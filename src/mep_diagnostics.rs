//! Turns MEP decoder, verifier and assembler errors into diagnostics.

use std::ops::Range;

use omex_diagnostics::{Diagnostic, FileId, Severity, Span};
use omex_mep::MepError;
use omex_mep::text::AsmError;

/// A problem in a binary file: located by byte offset, shown with a hex excerpt.
pub fn binary_error(
    error: &MepError,
    bytes: &[u8],
    file_name: &str,
    severity: Severity,
) -> Diagnostic {
    Diagnostic::new(severity, error.code(), error.kind.to_string())
        .with_note(format!(
            "at byte offset {} (0x{:x}) of {file_name}",
            error.offset, error.offset
        ))
        .with_note(hex_excerpt(bytes, error.offset))
}

/// Sixteen bytes around `offset`, with a caret under the byte at `offset`.
pub fn hex_excerpt(bytes: &[u8], offset: usize) -> String {
    omex_diagnostics::hex_excerpt(bytes, offset, "file")
}

pub fn asm_error(error: &AsmError, file: FileId) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(error.code, error.message.clone())
        .with_primary(Span::new(file, error.span.clone()), "");
    if let Some(help) = &error.help {
        diagnostic = diagnostic.with_help(help.clone());
    }
    diagnostic
}

/// A verifier error in an assembled module points at the instruction's line.
pub fn verify_error_in_text(
    error: &MepError,
    offsets: &[u32],
    spans: &[Range<usize>],
    file: FileId,
) -> Diagnostic {
    let index = match offsets.binary_search(&(error.offset as u32)) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    };
    let mut diagnostic = Diagnostic::error(error.code(), error.kind.to_string());
    if let Some(span) = spans.get(index) {
        diagnostic = diagnostic.with_primary(Span::new(file, span.clone()), "");
    }
    diagnostic.with_note(format!(
        "at code offset {} (0x{:x})",
        error.offset, error.offset
    ))
}

/// The file could not be read or written.
pub fn io_error(
    code: &'static str,
    action: &str,
    path: &std::path::Path,
    error: &std::io::Error,
) -> Diagnostic {
    Diagnostic::error(
        code,
        format!("cannot {action} `{}`: {error}", path.display()),
    )
}
