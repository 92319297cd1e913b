//! The one diagnostic type shared by every omexc front end, pass and tool.
//!
//! A [`Diagnostic`] is plain data: severity, a stable code (`E0001`...), a
//! message, labelled spans into [`SourceFiles`], notes and an optional help
//! with a suggested replacement. It is rendered three ways:
//! - [`render::terminal`]: codespan-reporting, colour only on a terminal;
//! - [`render::plain`]: the same text without colour, for snapshots;
//! - [`lsp::to_json`]: one JSON object shaped like an LSP `Diagnostic`.

mod diagnostic;
mod hex;
pub mod lsp;
pub mod render;
mod source;
pub mod suggest;

pub use diagnostic::{Diagnostic, Help, Label, LabelStyle, Severity, Suggestion};
pub use hex::hex_excerpt;
pub use source::{FileId, SourceFiles, Span};

/// A collection of diagnostics, with helpers for the common questions.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(diagnostics);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
