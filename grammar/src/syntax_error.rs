//! Diagnostics for the parser's errors: the expected tokens in plain words,
//! and a help line where the mistake is recognisable (a misspelt keyword, a
//! keyword used as a name, `=` for `==`, a missing `;`, a call without
//! parentheses, a block opened on the next line).

use lalrpop_util::ParseError;
use omex_diagnostics::suggest::closest;
use omex_diagnostics::{Diagnostic, FileId, Span};

use crate::actions::Void;
use crate::errors;
use crate::expected;
use crate::layout::Triple;
use crate::token::{KEYWORDS, Token};

/// What a parse error needs to know about its surroundings.
pub(crate) struct Context<'a, 's> {
    pub file: FileId,
    pub source: &'s str,
    /// The parser's input (after layout).
    pub tokens: &'a [Triple<'s>],
}

/// The diagnostic of one parse error.
pub(crate) fn diagnostic(
    cx: &Context<'_, '_>,
    error: &ParseError<usize, Token<'_>, Void>,
) -> Diagnostic {
    match error {
        ParseError::UnrecognizedToken {
            token: (l, token, r),
            expected,
        } => {
            let (l, token, r) = effective(cx, *l, token, *r);
            unexpected_token(cx, l, token, r, expected)
        }
        ParseError::UnrecognizedEof { location, expected } => {
            let phrases = expected::phrases(expected);
            Diagnostic::error(errors::UNEXPECTED_EOF, "unexpected end of file").with_primary(
                Span::new(cx.file, *location..*location),
                format!("expected {}", expected::join(&phrases)),
            )
        }
        ParseError::ExtraToken {
            token: (l, token, r),
        } => Diagnostic::error(
            errors::UNEXPECTED_TOKEN,
            format!("unexpected {}", describe(cx, token, *l, *r)),
        )
        .with_primary(Span::new(cx.file, *l..*r), "expected the end of the file"),
        ParseError::InvalidToken { location } => {
            Diagnostic::error(errors::UNEXPECTED_TOKEN, "invalid token")
                .with_primary(Span::new(cx.file, *location..*location), "here")
        }
        ParseError::User { error } => match *error {},
    }
}

/// The token to blame. A terminator the layout pass inserted (zero-width,
/// before `}` or the end of the file) stands for the token after it.
fn effective<'a, 's>(
    cx: &'a Context<'a, 's>,
    l: usize,
    token: &'a Token<'s>,
    r: usize,
) -> (usize, &'a Token<'s>, usize) {
    if *token != Token::Newline || l != r {
        return (l, token, r);
    }
    let next = cx
        .tokens
        .iter()
        .skip_while(|(s, t, e)| !(*s == l && *e == r && t == token))
        .find(|(s, t, e)| s != e || *t == Token::End);
    match next {
        Some((s, t, e)) => (*s, t, *e),
        None => (l, token, r),
    }
}

/// The token as named in a message; a terminator written as `;` is "`;`".
fn describe(cx: &Context<'_, '_>, token: &Token<'_>, l: usize, r: usize) -> String {
    match token {
        Token::Newline if cx.source.get(l..r) == Some(";") => "`;`".into(),
        other => other.describe(),
    }
}

fn unexpected_token(
    cx: &Context<'_, '_>,
    l: usize,
    token: &Token<'_>,
    r: usize,
    expected: &[String],
) -> Diagnostic {
    if *token == Token::End {
        return Diagnostic::error(errors::UNEXPECTED_EOF, "unexpected end of file").with_primary(
            Span::new(cx.file, l..l),
            format!("expected {}", expected::join(&expected::phrases(expected))),
        );
    }
    // A line break is shown as the end of its line, not as a two-line span.
    let span = match token {
        Token::Newline if cx.source.get(l..r) != Some(";") => Span::new(cx.file, l..l),
        _ => Span::new(cx.file, l..r),
    };
    let found = describe(cx, token, l, r);
    let phrases = expected::phrases(expected);
    let wanted = expected::join(&phrases);
    let index = cx
        .tokens
        .iter()
        .position(|(s, t, e)| *s == l && *e == r && t == token);
    let prev = index.and_then(|i| i.checked_sub(1)).map(|i| &cx.tokens[i]);
    let prev_at_line_start = index
        .and_then(|i| i.checked_sub(2))
        .map(|i| matches!(cx.tokens[i].1, Token::Newline | Token::LBrace))
        .unwrap_or(index == Some(1));

    // A keyword where a name belongs.
    if token.is_keyword()
        && expected::contains(expected, "Name")
        && !expected_keyword(expected, token)
    {
        let kw = token.fixed_text().unwrap_or("");
        return Diagnostic::error(
            errors::KEYWORD_AS_NAME,
            format!("expected {wanted}, found keyword `{kw}`"),
        )
        .with_primary(span, "a keyword cannot be used as a name")
        .with_help(format!("`{kw}` is reserved; choose another name"));
    }

    // Something after a complete statement on the same line.
    if expected::contains(expected, "Nl") && !matches!(token, Token::Newline) {
        let mut d = Diagnostic::error(
            errors::MISSING_SEPARATOR,
            format!("expected the end of the statement, found {found}"),
        )
        .with_primary(span, "expected a new line or `;` before this");
        if let Some((pl, Token::Ident(name), pr)) = prev {
            let prev_span = Span::new(cx.file, *pl..*pr);
            let statement_words = KEYWORDS
                .iter()
                .copied()
                .filter(|k| !matches!(*k, "and" | "or" | "not" | "in" | "true" | "false"));
            if prev_at_line_start
                && name.len() >= 3
                && let Some(kw) = closest(name, statement_words)
            {
                return d
                    .with_secondary(prev_span, "this is not a keyword")
                    .with_suggestion(format!("did you mean `{kw}`?"), prev_span, kw);
            }
            if prev_at_line_start && starts_expression(token) {
                return d.with_help(format!(
                    "to call `{name}`, put its arguments in parentheses: `{name}(...)`"
                ));
            }
        }
        if let Some(help) = keyword_typo(token, span, expected) {
            return help_into(d, help);
        }
        if let Token::Assign = token {
            return d.with_suggestion("to compare two values, use `==`", span, "==");
        }
        d = d.with_help("put each statement on its own line, or separate statements with `;`");
        return d;
    }

    let d = Diagnostic::error(
        errors::UNEXPECTED_TOKEN,
        format!("expected {wanted}, found {found}"),
    )
    .with_primary(span, format!("unexpected {found}"));
    if let Some(help) = keyword_typo(token, span, expected) {
        return help_into(d, help);
    }
    let top_level = expected::contains(expected, "plan") && expected::contains(expected, "extern");
    if top_level && (starts_expression(token) || token.is_keyword()) {
        return d
            .with_help("statements belong in the body of a plan: `plan NAME(PARAMETERS) { ... }`");
    }
    if let (Token::Star, Some((_, Token::Star, pr))) = (token, prev)
        && *pr == l
    {
        return d.with_help("there is no `**` operator: write `pow(a, b)`");
    }
    if matches!(token, Token::Assign) && !expected::contains(expected, "=") {
        return d.with_suggestion("to compare two values, use `==`", span, "==");
    }
    if let [only] = expected {
        let text = only.trim_matches('"');
        let found_text = cx.source.get(l..r).unwrap_or("");
        if text.len() < only.len() && !found_text.is_empty() && l < r {
            return d.with_suggestion(
                format!("insert `{text}`"),
                span,
                format!("{text} {found_text}"),
            );
        }
    }
    d
}

/// A misspelt keyword among the expected ones (`plna` for `plan`), as a help.
fn keyword_typo(
    token: &Token<'_>,
    span: Span,
    expected: &[String],
) -> Option<(String, Span, String)> {
    let Token::Ident(name) = token else {
        return None;
    };
    // Short names and operator words make poor guesses (`o` is not `or`).
    if name.len() < 3 {
        return None;
    }
    let wanted = KEYWORDS
        .iter()
        .copied()
        .filter(|k| !matches!(*k, "and" | "or" | "not" | "in"))
        .filter(|k| expected::contains(expected, k));
    closest(name, wanted).map(|kw| (format!("did you mean `{kw}`?"), span, kw.to_string()))
}

fn help_into(d: Diagnostic, (message, span, replacement): (String, Span, String)) -> Diagnostic {
    d.with_suggestion(message, span, replacement)
}

fn expected_keyword(expected: &[String], token: &Token<'_>) -> bool {
    token
        .fixed_text()
        .is_some_and(|text| expected::contains(expected, text))
}

fn starts_expression(token: &Token<'_>) -> bool {
    matches!(
        token,
        Token::Ident(_)
            | Token::Number(_)
            | Token::Str(_)
            | Token::True
            | Token::False
            | Token::LBracket
            | Token::LBrace
            | Token::Not
    )
}
