//! Terminal and plain-text rendering through codespan-reporting.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, termcolor};

use crate::diagnostic::{Diagnostic, LabelStyle, Severity};
use crate::source::{FileId, SourceFiles};

fn to_codespan(diagnostic: &Diagnostic) -> cs::Diagnostic<FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
    };
    let labels = diagnostic
        .labels
        .iter()
        .map(|label| {
            let style = match label.style {
                LabelStyle::Primary => cs::LabelStyle::Primary,
                LabelStyle::Secondary => cs::LabelStyle::Secondary,
            };
            cs::Label::new(style, label.span.file, label.span.range()).with_message(&label.message)
        })
        .collect();
    let mut notes: Vec<String> = diagnostic
        .notes
        .iter()
        .map(|n| format!("note: {n}"))
        .collect();
    if let Some(help) = &diagnostic.help {
        match &help.suggestion {
            Some(s) if !help.message.contains(&s.replacement) => {
                notes.push(format!("help: {}: `{}`", help.message, s.replacement))
            }
            _ => notes.push(format!("help: {}", help.message)),
        }
    }
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code)
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes)
}

fn config() -> term::Config {
    term::Config::default()
}

/// Renders without colour: the form used in snapshots and when stderr is not a terminal.
pub fn plain(diagnostic: &Diagnostic, files: &SourceFiles) -> String {
    let cs = to_codespan(diagnostic);
    let mut out = String::new();
    if term::emit_to_string(&mut out, &config(), files, &cs).is_err() {
        // A label points outside its file: fall back to the bare message.
        out = format!(
            "{}[{}]: {}\n",
            severity_word(diagnostic.severity),
            diagnostic.code,
            diagnostic.message
        );
    }
    out
}

/// Renders several diagnostics, one after the other.
pub fn plain_all<'a>(
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
    files: &SourceFiles,
) -> String {
    diagnostics.into_iter().map(|d| plain(d, files)).collect()
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// When to use colour on the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// Colour when stderr is a terminal and `NO_COLOR` is unset.
    Auto,
    Always,
    Never,
}

/// Writes diagnostics to stderr, coloured as `color` says.
pub fn terminal<'a>(
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
    files: &SourceFiles,
    color: Color,
) {
    use std::io::IsTerminal;
    let choice = match color {
        Color::Always => termcolor::ColorChoice::Always,
        Color::Never => termcolor::ColorChoice::Never,
        Color::Auto
            if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() =>
        {
            termcolor::ColorChoice::Auto
        }
        Color::Auto => termcolor::ColorChoice::Never,
    };
    let stream = termcolor::StandardStream::stderr(choice);
    let mut lock = stream.lock();
    let config = config();
    for diagnostic in diagnostics {
        let cs = to_codespan(diagnostic);
        if term::emit_to_write_style(&mut lock, &config, files, &cs).is_err() {
            eprint!("{}", plain(diagnostic, files));
        }
    }
}
