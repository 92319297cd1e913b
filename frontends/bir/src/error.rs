//! Errors in BIR input: binary decoding (E0400–E0429), assembly
//! (E0430–E0449) and lowering (E0450–E0479). A binary error carries the byte
//! offset and a hex excerpt of the bytes around it; an assembly error a span
//! into the text. Codes are documented in `docs/errors-bir.md`.

use std::ops::Range;

use omex_diagnostics::{Diagnostic, FileId, Span};

use crate::container::SectionKind;

/// Which bytes an offset counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The file itself.
    File,
    /// A zlib-compressed section, after decompression; `stored_at` is the
    /// file offset of its compressed data.
    Inflated {
        section: SectionKind,
        stored_at: usize,
    },
}

/// A problem in a `.bir` file, at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BirError {
    pub code: &'static str,
    pub message: String,
    pub offset: usize,
    pub place: Place,
    /// The bytes around `offset`, with a caret under it.
    pub excerpt: String,
    pub help: Option<String>,
}

impl BirError {
    /// An error at `offset` of `bytes`, which are the file (`Place::File`) or
    /// the decompressed section named by `place`.
    pub fn at(
        code: &'static str,
        bytes: &[u8],
        offset: usize,
        place: Place,
        message: impl Into<String>,
    ) -> Self {
        BirError {
            code,
            message: message.into(),
            offset,
            place,
            excerpt: hex_excerpt(bytes, offset),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Where the error is, for people: `byte offset 12 (0xc) of x.bir`.
    pub fn location(&self, file_name: &str) -> String {
        match self.place {
            Place::File => format!(
                "at byte offset {} (0x{:x}) of {file_name}",
                self.offset, self.offset
            ),
            Place::Inflated { section, stored_at } => format!(
                "at byte offset {} (0x{:x}) of the decompressed {} section (compressed data at byte offset {} (0x{:x}) of {file_name})",
                self.offset,
                self.offset,
                section.name(),
                stored_at,
                stored_at
            ),
        }
    }

    pub fn to_diagnostic(&self, file_name: &str) -> Diagnostic {
        let mut d = Diagnostic::error(self.code, self.message.clone())
            .with_note(self.location(file_name))
            .with_note(self.excerpt.clone());
        if let Some(help) = &self.help {
            d = d.with_help(help.clone());
        }
        d
    }
}

/// Sixteen bytes around `offset`, with a caret under the byte at `offset`.
pub fn hex_excerpt(bytes: &[u8], offset: usize) -> String {
    omex_diagnostics::hex_excerpt(bytes, offset, "data")
}

/// A problem in `.birasm` text, at a span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsmError {
    pub code: &'static str,
    pub message: String,
    pub span: Range<usize>,
    pub label: String,
    pub help: Option<String>,
}

impl AsmError {
    pub fn new(code: &'static str, span: Range<usize>, message: impl Into<String>) -> Self {
        AsmError {
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn to_diagnostic(&self, file: FileId) -> Diagnostic {
        let mut d = Diagnostic::error(self.code, self.message.clone())
            .with_primary(Span::new(file, self.span.clone()), self.label.clone());
        if let Some(help) = &self.help {
            d = d.with_help(help.clone());
        }
        d
    }
}
