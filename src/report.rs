//! Collects diagnostics and prints them in the chosen format.

use omex_diagnostics::render::{self, Color};
use omex_diagnostics::{Diagnostic, Severity, SourceFiles, lsp};

use crate::cli::{ColorChoice, MessageFormat};

pub struct Reporter {
    pub files: SourceFiles,
    format: MessageFormat,
    color: Color,
    /// The input the command was given, for diagnostics without a location.
    input: String,
    pending: Vec<Diagnostic>,
    errors: usize,
    warnings: usize,
}

impl Reporter {
    pub fn new(format: MessageFormat, color: ColorChoice) -> Self {
        let color = match color {
            ColorChoice::Auto => Color::Auto,
            ColorChoice::Always => Color::Always,
            ColorChoice::Never => Color::Never,
        };
        Self {
            files: SourceFiles::new(),
            format,
            color,
            input: String::new(),
            pending: Vec::new(),
            errors: 0,
            warnings: 0,
        }
    }

    pub fn set_input(&mut self, input: impl Into<String>) {
        self.input = input.into();
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        match diagnostic.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Note => {}
        }
        self.pending.push(diagnostic);
    }

    pub fn report_all(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        diagnostics.into_iter().for_each(|d| self.report(d));
    }

    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// Prints what has been reported, then a summary line in human format.
    pub fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        match self.format {
            MessageFormat::Human => {
                render::terminal(&pending, &self.files, self.color);
                if self.errors > 0 {
                    let plural = if self.errors == 1 { "" } else { "s" };
                    eprintln!(
                        "error: could not process `{}` due to {} error{plural}",
                        self.input, self.errors
                    );
                }
            }
            MessageFormat::Json => {
                for diagnostic in &pending {
                    eprintln!("{}", lsp::to_json(diagnostic, &self.files, &self.input));
                }
            }
        }
    }
}
