//! The lexer: logos callbacks for the tokens that need more than a regex
//! (strings, numbers, nesting block comments), and [`lex`], which runs logos
//! over a whole source and records every problem instead of stopping.

use std::ops::Range;

use logos::{Filter, Lexer, Logos, Skip};

use crate::token::{Number, Token};

/// A lexical problem, with the byte range it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexIssue {
    pub kind: LexIssueKind,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexIssueKind {
    /// Characters that start no token (consecutive ones are merged).
    UnexpectedChars(String),
    /// A string literal without its closing quote on the same line.
    UnterminatedString,
    /// A string literal in single quotes (taken as if double-quoted); `raw`
    /// is the text between the quotes.
    SingleQuoted { raw: String },
    /// `\q` and the like.
    UnknownEscape(char),
    /// A malformed `\u{...}` escape.
    BadUnicodeEscape,
    /// `/*` without its `*/`.
    UnterminatedComment,
    /// A number literal that does not parse; the text says why.
    BadNumber(&'static str),
    /// A number literal too large for its type.
    NumberOutOfRange { float: bool },
}

/// The problems found while lexing, kept in the lexer's extras so that
/// callbacks can record them and still produce a token.
#[derive(Debug, Default)]
pub struct LexIssues(pub Vec<LexIssue>);

/// A token and its byte range.
pub type Spanned<'s> = (Token<'s>, Range<usize>);

/// Lexes the whole source. Every character ends up in a token, in a skipped
/// run (whitespace, comments) or in an issue; lexing never stops early.
pub fn lex(source: &str) -> (Vec<Spanned<'_>>, Vec<LexIssue>) {
    let mut lexer = Token::lexer(source);
    let mut tokens = Vec::new();
    let mut unknown: Option<Range<usize>> = None;
    let mut issues = Vec::new();
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        match result {
            Ok(token) => {
                flush_unknown(source, &mut unknown, &mut issues);
                tokens.push((token, range));
            }
            Err(()) => match &mut unknown {
                Some(run) if run.end == range.start => run.end = range.end,
                _ => {
                    flush_unknown(source, &mut unknown, &mut issues);
                    unknown = Some(range);
                }
            },
        }
    }
    flush_unknown(source, &mut unknown, &mut issues);
    issues.append(&mut lexer.extras.0);
    issues.sort_by_key(|i| (i.range.start, i.range.end));
    (tokens, issues)
}

fn flush_unknown(source: &str, run: &mut Option<Range<usize>>, issues: &mut Vec<LexIssue>) {
    if let Some(range) = run.take() {
        let text = source.get(range.clone()).unwrap_or("").to_string();
        issues.push(LexIssue {
            kind: LexIssueKind::UnexpectedChars(text),
            range,
        });
    }
}

fn issue<'s>(lex: &mut Lexer<'s, Token<'s>>, kind: LexIssueKind, range: Range<usize>) {
    lex.extras.0.push(LexIssue { kind, range });
}

/// Callback for `"`: scans to the closing quote, decoding escapes. A string
/// ends at the end of its line at the latest.
pub(crate) fn string<'s>(lex: &mut Lexer<'s, Token<'s>>) -> String {
    scan_string(lex, '"')
}

/// Callback for `'`: a string in the wrong quotes is reported and taken as a
/// string; a lone `'` is reported as an unexpected character.
pub(crate) fn single_quoted<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Filter<String> {
    let start = lex.span().start;
    let line = lex.remainder().split('\n').next().unwrap_or("");
    if !line.contains('\'') {
        issue(
            lex,
            LexIssueKind::UnexpectedChars("'".into()),
            start..start + 1,
        );
        return Filter::Skip;
    }
    let value = scan_string(lex, '\'');
    let end = lex.span().end;
    let raw = lex
        .source()
        .get(start + 1..end - 1)
        .unwrap_or("")
        .to_string();
    issue(lex, LexIssueKind::SingleQuoted { raw }, start..end);
    Filter::Emit(value)
}

fn scan_string<'s>(lex: &mut Lexer<'s, Token<'s>>, quote: char) -> String {
    let start = lex.span().start;
    let rest = lex.remainder();
    let mut value = String::new();
    let mut chars = rest.char_indices().peekable();
    let mut consumed = rest.len();
    let mut terminated = false;
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => {
                consumed = i + 1;
                terminated = true;
                break;
            }
            '\n' => {
                consumed = i;
                break;
            }
            '\\' => {
                let escape_start = start + 1 + i;
                match chars.peek().copied() {
                    None | Some((_, '\n')) => {
                        // A backslash at the end of the line: the string is unterminated.
                        consumed = i + 1;
                        if let Some((j, _)) = chars.peek() {
                            consumed = *j;
                        }
                        break;
                    }
                    Some((j, e)) => {
                        chars.next();
                        let after = j + e.len_utf8();
                        match e {
                            'n' => value.push('\n'),
                            't' => value.push('\t'),
                            'r' => value.push('\r'),
                            '0' => value.push('\0'),
                            '\\' => value.push('\\'),
                            '"' => value.push('"'),
                            '\'' => value.push('\''),
                            'u' => {
                                let (decoded, len) = unicode_escape(&rest[after..]);
                                while chars.next_if(|(k, _)| *k < after + len).is_some() {}
                                match decoded {
                                    Some(ch) => value.push(ch),
                                    None => issue(
                                        lex,
                                        LexIssueKind::BadUnicodeEscape,
                                        escape_start..start + 1 + after + len,
                                    ),
                                }
                            }
                            other => issue(
                                lex,
                                LexIssueKind::UnknownEscape(other),
                                escape_start..start + 1 + after,
                            ),
                        }
                    }
                }
            }
            c => value.push(c),
        }
    }
    lex.bump(consumed);
    if !terminated {
        let end = lex.span().end;
        issue(lex, LexIssueKind::UnterminatedString, start..end);
    }
    value
}

/// Decodes the part of a `\u{XXXX}` escape after the `u`. Returns the
/// character (if valid) and how many bytes of `rest` belong to the escape:
/// through the `}` when there is one on the line, else the `{` and any hex
/// digits after it.
fn unicode_escape(rest: &str) -> (Option<char>, usize) {
    if !rest.starts_with('{') {
        return (None, 0);
    }
    let line_end = rest.find(['"', '\n']).unwrap_or(rest.len());
    match rest[..line_end].find('}') {
        Some(close) => {
            let digits = &rest[1..close];
            let valid = !digits.is_empty()
                && digits.len() <= 6
                && digits.chars().all(|c| c.is_ascii_hexdigit());
            let ch = if valid {
                u32::from_str_radix(digits, 16)
                    .ok()
                    .and_then(char::from_u32)
            } else {
                None
            };
            (ch, close + 1)
        }
        None => {
            let hex = rest[1..]
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(rest.len() - 1);
            (None, 1 + hex)
        }
    }
}

/// Callback for a digit: scans the whole number literal (including any
/// letters glued to it, so `12abc` is one bad literal, not two tokens).
pub(crate) fn number<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Number {
    let start = lex.span().start;
    let source = lex.source();
    let bytes = source.as_bytes();
    let mut end = lex.span().end;
    let word = |i: usize| i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_');
    let digit = |i: usize| i < bytes.len() && bytes[i].is_ascii_digit();
    let radix = bytes[start] == b'0'
        && end < bytes.len()
        && matches!(bytes[end], b'x' | b'X' | b'b' | b'B' | b'o' | b'O');
    let mut is_float = false;
    if !radix {
        while digit(end) || (end < bytes.len() && bytes[end] == b'_') {
            end += 1;
        }
        if end + 1 < bytes.len() && bytes[end] == b'.' && digit(end + 1) {
            is_float = true;
            end += 1;
            while digit(end) || (end < bytes.len() && bytes[end] == b'_') {
                end += 1;
            }
        }
        if end < bytes.len() && matches!(bytes[end], b'e' | b'E') {
            let sign = end + 1 < bytes.len() && matches!(bytes[end + 1], b'+' | b'-');
            let first = if sign { end + 2 } else { end + 1 };
            if digit(first) {
                is_float = true;
                end = first;
                while digit(end) || (end < bytes.len() && bytes[end] == b'_') {
                    end += 1;
                }
            }
        }
    } else {
        while word(end) {
            end += 1;
        }
    }
    let valid_end = end;
    while word(end) {
        end += 1;
    }
    lex.bump(end - lex.span().end);
    let text = &source[start..valid_end];
    let suffix = &source[valid_end..end];
    match decode_number(text, suffix, radix, is_float) {
        Ok(n) => n,
        Err(kind) => {
            issue(lex, kind, start..end);
            Number::Invalid
        }
    }
}

fn decode_number(
    text: &str,
    suffix: &str,
    radix: bool,
    is_float: bool,
) -> Result<Number, LexIssueKind> {
    if !radix && !suffix.is_empty() {
        let exponent = !is_float_exponent(text) && matches!(suffix.as_bytes()[0], b'e' | b'E');
        return Err(LexIssueKind::BadNumber(if exponent {
            "its exponent has no digits"
        } else {
            "a letter follows its digits"
        }));
    }
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    if radix {
        let (base, message) = match clean.as_bytes()[1] {
            b'x' | b'X' => (16, "it has a character that is not a hexadecimal digit"),
            b'b' | b'B' => (2, "it has a character that is not a binary digit"),
            _ => (8, "it has a character that is not an octal digit"),
        };
        let digits = &clean[2..];
        if digits.is_empty() {
            return Err(LexIssueKind::BadNumber(
                "it has no digits after the base prefix",
            ));
        }
        if !digits.chars().all(|c| c.is_digit(base)) {
            return Err(LexIssueKind::BadNumber(message));
        }
        return i64::from_str_radix(digits, base)
            .map(Number::Int)
            .map_err(|_| LexIssueKind::NumberOutOfRange { float: false });
    }
    if is_float {
        match clean.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Number::Float(f)),
            Ok(_) => Err(LexIssueKind::NumberOutOfRange { float: true }),
            Err(_) => Err(LexIssueKind::BadNumber("it is not a valid float")),
        }
    } else {
        clean
            .parse::<i64>()
            .map(Number::Int)
            .map_err(|_| LexIssueKind::NumberOutOfRange { float: false })
    }
}

fn is_float_exponent(text: &str) -> bool {
    text.contains(['e', 'E'])
}

/// Callback for `/*`: skips a (nesting) block comment.
pub(crate) fn block_comment<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Skip {
    let start = lex.span().start;
    let rest = lex.remainder().as_bytes();
    let mut depth = 1usize;
    let mut i = 0;
    while i < rest.len() {
        if rest[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                lex.bump(i);
                return Skip;
            }
        } else if rest[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    lex.bump(rest.len());
    issue(lex, LexIssueKind::UnterminatedComment, start..start + 2);
    Skip
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Token<'_>> {
        lex(src).0.into_iter().map(|(t, _)| t).collect()
    }

    fn issues(src: &str) -> Vec<LexIssueKind> {
        lex(src).1.into_iter().map(|i| i.kind).collect()
    }

    #[test]
    fn lexes_numbers() {
        assert_eq!(
            kinds("1 2.5 1e3 1_000 0x1F 0..n"),
            vec![
                Token::Number(Number::Int(1)),
                Token::Number(Number::Float(2.5)),
                Token::Number(Number::Float(1000.0)),
                Token::Number(Number::Int(1000)),
                Token::Number(Number::Int(31)),
                Token::Number(Number::Int(0)),
                Token::DotDot,
                Token::Ident("n"),
            ]
        );
        assert_eq!(kinds("2.5e-3"), vec![Token::Number(Number::Float(0.0025))]);
        assert_eq!(
            kinds("x.0"),
            vec![Token::Ident("x"), Token::Dot, Token::Number(Number::Int(0))]
        );
    }

    #[test]
    fn reports_bad_numbers_as_one_token() {
        assert_eq!(kinds("12abc"), vec![Token::Number(Number::Invalid)]);
        assert_eq!(
            issues("12abc"),
            vec![LexIssueKind::BadNumber("a letter follows its digits")]
        );
        assert_eq!(
            issues("1e"),
            vec![LexIssueKind::BadNumber("its exponent has no digits")]
        );
        assert_eq!(
            issues("0x"),
            vec![LexIssueKind::BadNumber(
                "it has no digits after the base prefix"
            )]
        );
        assert_eq!(
            issues("99999999999999999999"),
            vec![LexIssueKind::NumberOutOfRange { float: false }]
        );
        assert_eq!(
            issues("1e999"),
            vec![LexIssueKind::NumberOutOfRange { float: true }]
        );
    }

    #[test]
    fn decodes_string_escapes() {
        assert_eq!(
            kinds(r#""a\n\t\"\u{e9}\\""#),
            vec![Token::Str("a\n\t\"\u{e9}\\".into())]
        );
        assert_eq!(issues(r#""\q""#), vec![LexIssueKind::UnknownEscape('q')]);
        assert_eq!(issues(r#""\u{zz}""#), vec![LexIssueKind::BadUnicodeEscape]);
        assert_eq!(
            issues(r#""\u{110000}""#),
            vec![LexIssueKind::BadUnicodeEscape]
        );
        let (_, found) = lex(r#""a\u{zz}b""#);
        assert_eq!(found[0].range, 2..8);
        let (_, found) = lex(r#""a\u{12""#);
        assert_eq!(found[0].range, 2..7);
    }

    #[test]
    fn unterminated_string_stops_at_end_of_line() {
        let (tokens, issues) = lex("\"abc\nx");
        assert_eq!(tokens[0], (Token::Str("abc".into()), 0..4));
        assert_eq!(tokens[1].0, Token::Newline);
        assert_eq!(tokens[2].0, Token::Ident("x"));
        assert_eq!(issues[0].kind, LexIssueKind::UnterminatedString);
        assert_eq!(issues[0].range, 0..4);
    }

    #[test]
    fn single_quotes_are_reported_once() {
        let (tokens, found) = lex("'abc' don't");
        assert_eq!(tokens[0].0, Token::Str("abc".into()));
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].kind,
            LexIssueKind::SingleQuoted { raw: "abc".into() }
        );
        assert_eq!(found[1].kind, LexIssueKind::UnexpectedChars("'".into()));
    }

    #[test]
    fn skips_nested_comments() {
        assert_eq!(
            kinds("a /* b /* c */ d */ e // f"),
            vec![Token::Ident("a"), Token::Ident("e")]
        );
        assert_eq!(issues("a /* b"), vec![LexIssueKind::UnterminatedComment]);
    }

    #[test]
    fn merges_unknown_characters() {
        let (tokens, issues) = lex("a $$ b @");
        assert_eq!(tokens.len(), 2);
        assert_eq!(
            issues
                .iter()
                .map(|i| (&i.kind, i.range.clone()))
                .collect::<Vec<_>>(),
            vec![
                (&LexIssueKind::UnexpectedChars("$$".into()), 2..4),
                (&LexIssueKind::UnexpectedChars("@".into()), 7..8),
            ]
        );
    }
}
