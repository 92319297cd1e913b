//! The error codes of the plan syntax (E0001–E0099) and the diagnostics of
//! the lexer and the layout pass. Each code is defined once here, with its
//! one-line summary in [`CODES`]; `docs/errors-plan-syntax.md` lists the same.
//! The parser's own diagnostics are built in [`crate::syntax_error`].

use omex_diagnostics::{Diagnostic, FileId, Span};

use crate::ast::MAX_EXPR_DEPTH;
use crate::layout::DelimIssue;
use crate::lexer::{LexIssue, LexIssueKind};

/// The source is not valid UTF-8.
pub const INVALID_UTF8: &str = "E0001";
/// A character that starts no token.
pub const UNEXPECTED_CHARACTER: &str = "E0002";
/// A string literal without its closing quote.
pub const UNTERMINATED_STRING: &str = "E0003";
/// An unknown escape sequence in a string literal.
pub const UNKNOWN_ESCAPE: &str = "E0004";
/// A malformed `\u{...}` escape.
pub const BAD_UNICODE_ESCAPE: &str = "E0005";
/// A `/*` comment without its `*/`.
pub const UNTERMINATED_COMMENT: &str = "E0006";
/// A malformed number literal.
pub const BAD_NUMBER: &str = "E0007";
/// A number literal too large for its type.
pub const NUMBER_OUT_OF_RANGE: &str = "E0008";
/// A string literal in single quotes.
pub const SINGLE_QUOTED_STRING: &str = "E0009";
/// A token the grammar does not allow where it stands.
pub const UNEXPECTED_TOKEN: &str = "E0020";
/// The file ends in the middle of a construct.
pub const UNEXPECTED_EOF: &str = "E0021";
/// An opening delimiter without its closer.
pub const UNCLOSED_DELIMITER: &str = "E0022";
/// A closing delimiter that does not match the open one.
pub const MISMATCHED_DELIMITER: &str = "E0023";
/// A closing delimiter with nothing open.
pub const UNMATCHED_DELIMITER: &str = "E0024";
/// Two statements on one line without `;`.
pub const MISSING_SEPARATOR: &str = "E0025";
/// `a < b < c`.
pub const CHAINED_COMPARISON: &str = "E0026";
/// Assignment to something that is not a name.
pub const INVALID_ASSIGN_TARGET: &str = "E0027";
/// A positional argument after a keyword argument.
pub const POSITIONAL_AFTER_KEYWORD: &str = "E0028";
/// A keyword where a name is expected.
pub const KEYWORD_AS_NAME: &str = "E0029";
/// Brackets or blocks nested deeper than the parser takes.
pub const NESTING_TOO_DEEP: &str = "E0030";
/// An expression tree deeper than the parser takes.
pub const EXPRESSION_TOO_DEEP: &str = "E0031";

/// Every code with its one-line summary, in order.
pub const CODES: &[(&str, &str)] = &[
    (INVALID_UTF8, "the source file is not valid UTF-8"),
    (
        UNEXPECTED_CHARACTER,
        "a character that cannot start any token",
    ),
    (
        UNTERMINATED_STRING,
        "a string literal is missing its closing `\"` on the same line",
    ),
    (
        UNKNOWN_ESCAPE,
        "an unknown escape sequence in a string literal",
    ),
    (
        BAD_UNICODE_ESCAPE,
        "a malformed `\\u{...}` escape (1 to 6 hex digits naming a Unicode scalar value)",
    ),
    (
        UNTERMINATED_COMMENT,
        "a `/*` block comment is never closed with `*/`",
    ),
    (
        BAD_NUMBER,
        "a malformed number literal (letters glued to digits, missing digits, missing exponent)",
    ),
    (
        NUMBER_OUT_OF_RANGE,
        "an integer literal does not fit in 64 bits, or a float literal is infinite",
    ),
    (
        SINGLE_QUOTED_STRING,
        "a string literal in single quotes; strings use double quotes",
    ),
    (
        UNEXPECTED_TOKEN,
        "a token the grammar does not allow at this place; the message lists what was expected",
    ),
    (
        UNEXPECTED_EOF,
        "the file ends in the middle of an item or statement",
    ),
    (UNCLOSED_DELIMITER, "a `(`, `[` or `{` is never closed"),
    (
        MISMATCHED_DELIMITER,
        "a closing delimiter of the wrong kind (`(` closed by `]`)",
    ),
    (
        UNMATCHED_DELIMITER,
        "a closing delimiter with no matching opener",
    ),
    (
        MISSING_SEPARATOR,
        "two statements on one line: a statement must end at a newline or `;`",
    ),
    (
        CHAINED_COMPARISON,
        "comparisons cannot be chained (`a < b < c`); combine them with `and`",
    ),
    (
        INVALID_ASSIGN_TARGET,
        "the left side of `=` must be names or `_`",
    ),
    (
        POSITIONAL_AFTER_KEYWORD,
        "a positional argument follows a keyword argument",
    ),
    (
        KEYWORD_AS_NAME,
        "a keyword is used where a name is expected",
    ),
    (
        NESTING_TOO_DEEP,
        "`(`, `[` and `{` nested more than 64 levels deep; the file is not parsed",
    ),
    (
        EXPRESSION_TOO_DEEP,
        "an expression more than 256 operations deep (a chain of 256 operators, calls or indexings)",
    ),
];

/// The diagnostic of an expression deeper than [`MAX_EXPR_DEPTH`] at `span`
/// (the first one; the others are left out).
pub(crate) fn expression_too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        EXPRESSION_TOO_DEEP,
        format!("expression more than {MAX_EXPR_DEPTH} operations deep"),
    )
    .with_primary(span, format!("{} operations deep here", MAX_EXPR_DEPTH + 1))
    .with_help("compute parts of it in separate assignments")
}

/// The diagnostic of a lexical problem.
pub(crate) fn lex_issue(file: FileId, issue: &LexIssue) -> Diagnostic {
    let span = Span::new(file, issue.range.clone());
    match &issue.kind {
        LexIssueKind::UnexpectedChars(text) => {
            let first = text.chars().next().unwrap_or('?');
            let (what, it) = if text.chars().count() > 1 {
                (format!("unexpected characters `{}`", visible(text)), "these are")
            } else {
                (format!("unexpected character `{}`", visible(text)), "this is")
            };
            let d = Diagnostic::error(UNEXPECTED_CHARACTER, what)
                .with_primary(span, format!("{it} not part of the plan language"));
            match first {
                '\'' => d.with_help("string literals use double quotes: `\"...\"`"),
                '#' => d.with_help("comments start with `//` or are enclosed in `/* */`"),
                '!' => d.with_help("use `not` for negation and `!=` for inequality"),
                '&' => d.with_help("use `and` to combine conditions"),
                '|' => d.with_help("use `or` to combine conditions"),
                c if !c.is_ascii() && c.is_alphabetic() => {
                    d.with_help("names may only contain ASCII letters, digits and `_`")
                }
                _ => d,
            }
        }
        LexIssueKind::UnterminatedString => {
            Diagnostic::error(UNTERMINATED_STRING, "unterminated string literal")
                .with_primary(span, "this string is missing its closing `\"`")
                .with_help("a string must end on the line where it starts; write `\\n` for a line break")
        }
        LexIssueKind::UnknownEscape(c) => Diagnostic::error(
            UNKNOWN_ESCAPE,
            format!("unknown escape sequence `\\{}`", c.escape_debug()),
        )
        .with_primary(span, "unknown escape")
        .with_help("valid escapes are `\\n`, `\\t`, `\\r`, `\\0`, `\\\\`, `\\\"`, `\\'` and `\\u{...}`; write `\\\\` for a backslash"),
        LexIssueKind::BadUnicodeEscape => {
            Diagnostic::error(BAD_UNICODE_ESCAPE, "invalid unicode escape")
                .with_primary(span, "not a valid `\\u{...}` escape")
                .with_help("write 1 to 6 hexadecimal digits naming a Unicode scalar value, e.g. `\\u{e9}`")
        }
        LexIssueKind::UnterminatedComment => {
            Diagnostic::error(UNTERMINATED_COMMENT, "unterminated block comment")
                .with_primary(span, "this comment is never closed")
                .with_help("close it with `*/` (block comments nest: each `/*` needs its own `*/`)")
        }
        LexIssueKind::BadNumber(why) => Diagnostic::error(BAD_NUMBER, "invalid number literal")
            .with_primary(span, *why)
            .with_help("a number is digits with an optional `.fraction` and `e` exponent, or `0x`/`0b`/`0o` and digits; a name cannot start with a digit"),
        LexIssueKind::NumberOutOfRange { float: false } => {
            Diagnostic::error(NUMBER_OUT_OF_RANGE, "integer literal out of range")
                .with_primary(span, "this does not fit in a 64-bit integer")
                .with_help("integers must be at most 9223372036854775807")
        }
        LexIssueKind::NumberOutOfRange { float: true } => {
            Diagnostic::error(NUMBER_OUT_OF_RANGE, "float literal out of range")
                .with_primary(span, "this is too large for a 64-bit float")
                .with_help("floats must be at most about 1.8e308")
        }
        LexIssueKind::SingleQuoted { raw } => {
            let fixed = format!("\"{}\"", raw.replace("\\'", "'").replace('"', "\\\""));
            Diagnostic::error(SINGLE_QUOTED_STRING, "string literal in single quotes")
                .with_primary(span, "single quotes do not make a string")
                .with_suggestion("use double quotes", span, fixed)
        }
    }
}

/// Text with control and invisible characters escaped, the rest as is.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || c.is_whitespace() || c == '\u{feff}' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The diagnostic of a delimiter problem the layout pass repaired.
pub(crate) fn delim_issue(file: FileId, issue: &DelimIssue) -> Diagnostic {
    match issue {
        DelimIssue::Unclosed {
            kind,
            open,
            forced_by,
            ..
        } => {
            let d = Diagnostic::error(
                UNCLOSED_DELIMITER,
                format!("unclosed delimiter `{}`", kind.open_char()),
            )
            .with_primary(Span::new(file, open.clone()), "this is never closed");
            match forced_by {
                Some((close, found)) => d
                    .with_secondary(
                        Span::new(file, close.clone()),
                        format!("`{found}` closes an outer group first"),
                    )
                    .with_help(format!(
                        "add `{}` where the {} should end",
                        kind.close_char(),
                        group_word(*kind)
                    )),
                None => d.with_help(format!(
                    "add `{}` where the {} should end",
                    kind.close_char(),
                    group_word(*kind)
                )),
            }
        }
        DelimIssue::Mismatched {
            kind,
            open,
            close,
            found,
        } => Diagnostic::error(
            MISMATCHED_DELIMITER,
            format!("mismatched closing delimiter `{found}`"),
        )
        .with_primary(
            Span::new(file, close.clone()),
            format!("expected `{}`", kind.close_char()),
        )
        .with_secondary(Span::new(file, open.clone()), "to close this")
        .with_suggestion(
            format!("replace it with `{}`", kind.close_char()),
            Span::new(file, close.clone()),
            kind.close_char().to_string(),
        ),
        DelimIssue::Unmatched { close, found } => Diagnostic::error(
            UNMATCHED_DELIMITER,
            format!("unexpected closing delimiter `{found}`"),
        )
        .with_primary(Span::new(file, close.clone()), "nothing is open here")
        .with_suggestion("remove it", Span::new(file, close.clone()), ""),
        DelimIssue::Stray { close, found } => Diagnostic::error(
            UNMATCHED_DELIMITER,
            format!("unexpected closing delimiter `{found}`"),
        )
        .with_primary(
            Span::new(file, close.clone()),
            "this would end a group in the middle of an expression",
        )
        .with_suggestion("remove it", Span::new(file, close.clone()), ""),
        DelimIssue::TooDeep { kind, open } => Diagnostic::error(
            NESTING_TOO_DEEP,
            format!(
                "brackets and blocks nested more than {} levels deep",
                crate::layout::MAX_NESTING
            ),
        )
        .with_primary(
            Span::new(file, open.clone()),
            format!(
                "this `{}` opens level {}",
                kind.open_char(),
                crate::layout::MAX_NESTING + 1
            ),
        )
        .with_note("the file is not parsed")
        .with_help("move the inner part into a variable or a separate plan"),
    }
}

fn group_word(kind: crate::layout::GroupKind) -> &'static str {
    use crate::layout::GroupKind;
    match kind {
        GroupKind::Paren => "parenthesis",
        GroupKind::Bracket => "brackets",
        GroupKind::Dict => "dictionary",
        GroupKind::Block => "block",
    }
}

/// The diagnostic of an invalid UTF-8 sequence at `range`.
pub(crate) fn invalid_utf8(file: FileId, range: std::ops::Range<usize>) -> Diagnostic {
    Diagnostic::error(INVALID_UTF8, "the file is not valid UTF-8")
        .with_primary(Span::new(file, range), "invalid byte sequence")
        .with_help("save the file as UTF-8")
}
