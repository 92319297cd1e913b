//! The syntax of the omexc plan language: lexer, parser, syntax tree,
//! diagnostics and pretty-printer.
//!
//! ```text
//! source bytes ─ source::decode ─> text ─ lexer ─> tokens ─ layout ─> tokens
//!   with terminators and balanced delimiters ─ grammar (lalrpop) ─> ast::File
//! ```
//!
//! [`parse`] runs the whole chain and returns a tree in every case, with error
//! nodes where the source made no sense, and every diagnostic (codes
//! E0001–E0099, see [`errors::CODES`]). The language is described in
//! `docs/plan-language.md`.

mod actions;
pub mod ast;
pub mod errors;
mod expected;
pub mod fuzz;
pub mod layout;
pub mod lexer;
mod parse;
pub mod pretty;
pub mod source;
mod syntax_error;
pub mod token;

lalrpop_util::lalrpop_mod!(
    #[allow(
        clippy::all,
        clippy::pedantic,
        unused_parens,
        unused_imports,
        dead_code
    )]
    grammar
);

pub use omex_diagnostics::{Diagnostic, FileId, Span};
pub use parse::parse;

/// Parses raw bytes: invalid UTF-8 is reported and replaced by spaces (so
/// spans stay byte offsets into `bytes`), then the text is parsed. Returns
/// the text that spans point into, for the caller's `SourceFiles`.
pub fn parse_bytes(file: FileId, bytes: &[u8]) -> (ast::File, Vec<Diagnostic>, String) {
    let (text, mut diags) = source::decode(file, bytes);
    let (tree, parse_diags) = parse(file, &text);
    diags.extend(parse_diags);
    (tree, diags, text)
}
