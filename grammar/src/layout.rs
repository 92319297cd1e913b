//! The layout pass between the lexer and the parser.
//!
//! It does two things, both needing the whole token stream and neither
//! belonging in an LR grammar:
//!
//! - **Statement terminators.** A newline ends a statement when the token
//!   before it can end one (a name, a literal, `)`, `]`, `}`, `break`, `halt`,
//!   `return`); otherwise the statement continues on the next line (after
//!   `=`, `+`, `,`, ...). Inside `( )`, `[ ]` and dictionary `{ }` newlines
//!   never end anything. A newline before `else` or `.` is dropped too, so
//!   `} else {` and method chains may start a line. `;` ends a statement
//!   like a newline. Consecutive terminators collapse into one, and none is
//!   emitted at the start of a block or file, so the grammar sees exactly one
//!   terminator between two statements.
//! - **Delimiter balance.** Every `(`, `[` and `{` is matched with its closer
//!   here. An unclosed opener gets a synthetic (zero-width) closer where the
//!   enclosing group ends; a wrong closer is replaced by the right one; a
//!   closer without opener is dropped. Each case is recorded as a
//!   [`DelimIssue`], so the parser sees balanced input and reports no
//!   follow-up errors.
//!
//! A `{` opens a block when it follows something that can end an expression
//! or `else` (`if x {`, `repeat 3 {`, `plan p() {`, `} else {`); otherwise it
//! opens a dictionary literal (`= {`, `return {`, `({`).

use std::ops::Range;

use crate::lexer::Spanned;
use crate::token::Token;

/// A token with its start and end byte offsets, as lalrpop wants them.
pub type Triple<'s> = (usize, Token<'s>, usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Paren,
    Bracket,
    Dict,
    Block,
}

impl GroupKind {
    pub fn open_char(self) -> char {
        match self {
            GroupKind::Paren => '(',
            GroupKind::Bracket => '[',
            GroupKind::Dict | GroupKind::Block => '{',
        }
    }

    pub fn close_char(self) -> char {
        match self {
            GroupKind::Paren => ')',
            GroupKind::Bracket => ']',
            GroupKind::Dict | GroupKind::Block => '}',
        }
    }

    fn closer<'s>(self) -> Token<'s> {
        match self {
            GroupKind::Paren => Token::RParen,
            GroupKind::Bracket => Token::RBracket,
            GroupKind::Dict | GroupKind::Block => Token::RBrace,
        }
    }

    /// Whether newlines inside the group are insignificant.
    fn ignores_newlines(self) -> bool {
        self != GroupKind::Block
    }
}

/// A delimiter problem found (and repaired) by the layout pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DelimIssue {
    /// An opener never closed. `closed_at` is where a closer was inserted;
    /// `forced_by` is the closer of an outer group that ended it, if any.
    Unclosed {
        kind: GroupKind,
        open: Range<usize>,
        closed_at: usize,
        forced_by: Option<(Range<usize>, char)>,
    },
    /// A closer of the wrong kind, taken as the right one.
    Mismatched {
        kind: GroupKind,
        open: Range<usize>,
        close: Range<usize>,
        found: char,
    },
    /// A closer with no opener, dropped.
    Unmatched { close: Range<usize>, found: char },
    /// A closer in the middle of a line that would end groups it was not
    /// meant for (see [`is_stray`]), dropped.
    Stray { close: Range<usize>, found: char },
    /// The first opener nested deeper than [`MAX_NESTING`]: the file is not
    /// parsed (the tree and every pass over it recurse on nesting).
    TooDeep { kind: GroupKind, open: Range<usize> },
}

/// How deeply `(`, `[` and `{` may nest. Far above what a plan needs, far
/// below what the recursive passes after parsing (and the tree's drop) can
/// take on a thread's stack.
pub const MAX_NESTING: usize = 64;

/// The parser's input: tokens with terminators and balanced delimiters.
#[derive(Debug, Default)]
pub struct Layout<'s> {
    pub tokens: Vec<Triple<'s>>,
    pub issues: Vec<DelimIssue>,
}

struct Group {
    kind: GroupKind,
    open: Range<usize>,
}

/// A line that ends inside an unterminated string: the string probably
/// swallowed a closer, so the groups opened on that line are closed at its
/// end, silently (the lexer already reported the string).
#[derive(Debug, Clone, Copy)]
pub struct LineCut {
    /// Where the line starts.
    pub line_start: usize,
    /// The offset of the newline that ends it.
    pub newline: usize,
}

/// Runs the layout pass over the lexer's tokens. `source_len` places the
/// closers inserted at the end of the file.
pub fn layout<'s>(tokens: Vec<Spanned<'s>>, source_len: usize, cuts: &[LineCut]) -> Layout<'s> {
    let mut out = Layout::default();
    let mut stack: Vec<Group> = Vec::new();
    let mut pending: Option<Range<usize>> = None;
    let mut at_line_start = true;
    let mut too_deep = false;
    let mut tokens = tokens.into_iter().peekable();
    while let Some((token, range)) = tokens.next() {
        let first_on_line = std::mem::replace(&mut at_line_start, token == Token::Newline);
        let line_goes_on = tokens
            .peek()
            .is_some_and(|(next, _)| continues_expression(next));
        if let Some(cut) = cuts
            .iter()
            .find(|c| token == Token::Newline && c.newline == range.start)
        {
            while let Some(group) =
                stack.pop_if(|g| g.kind.ignores_newlines() && g.open.start >= cut.line_start)
            {
                push_closer(&mut out.tokens, group.kind, range.start..range.start);
            }
        }
        if is_closer(&token)
            && !first_on_line
            && is_stray(&token, line_goes_on, &stack, &out.tokens)
        {
            out.issues.push(DelimIssue::Stray {
                close: range,
                found: closer_char(&token),
            });
            continue;
        }
        let in_group = stack.last().is_some_and(|g| g.kind.ignores_newlines());
        match token {
            Token::Newline if in_group => continue,
            Token::Newline => {
                let ends =
                    last_can_end_statement(&out.tokens) || ends_extern_result_type(&out.tokens);
                if ends && pending.is_none() {
                    pending = Some(range);
                }
                continue;
            }
            Token::Semi if !in_group => {
                let after_start = matches!(
                    out.tokens.last(),
                    None | Some((_, Token::Newline | Token::LBrace, _))
                );
                if !after_start && pending.is_none() {
                    pending = Some(range);
                }
                continue;
            }
            _ => {}
        }
        let continues_line = match token {
            Token::Else | Token::Dot => true,
            // `if x` / `{` on the next line still opens the block.
            Token::LBrace => opens_block(out.tokens.last().map(|t| &t.1)),
            _ => false,
        };
        if let Some(nl) = pending.take()
            && !continues_line
        {
            out.tokens.push((nl.start, Token::Newline, nl.end));
        }
        match token {
            Token::LParen => stack.push(Group {
                kind: GroupKind::Paren,
                open: range.clone(),
            }),
            Token::LBracket => stack.push(Group {
                kind: GroupKind::Bracket,
                open: range.clone(),
            }),
            Token::LBrace => {
                let kind = if opens_block(out.tokens.last().map(|t| &t.1)) {
                    GroupKind::Block
                } else {
                    GroupKind::Dict
                };
                stack.push(Group {
                    kind,
                    open: range.clone(),
                });
            }
            Token::RParen | Token::RBracket | Token::RBrace => {
                // A block ends its statement (unless `else` follows): an
                // error right after `}` then never reopens the block.
                if close(&mut stack, &token, &range, &mut out) == Some(GroupKind::Block) {
                    pending.get_or_insert(range.end..range.end);
                }
                continue;
            }
            _ => {}
        }
        if stack.len() > MAX_NESTING
            && !too_deep
            && let Some(group) = stack.last()
        {
            too_deep = true;
            out.issues.push(DelimIssue::TooDeep {
                kind: group.kind,
                open: group.open.clone(),
            });
        }
        out.tokens.push((range.start, token, range.end));
    }
    if let Some(nl) = pending.take() {
        out.tokens.push((nl.start, Token::Newline, nl.end));
    }
    while let Some(group) = stack.pop() {
        out.issues.push(DelimIssue::Unclosed {
            kind: group.kind,
            open: group.open,
            closed_at: source_len,
            forced_by: None,
        });
        push_closer(&mut out.tokens, group.kind, source_len..source_len);
    }
    terminate(&mut out.tokens, source_len);
    out.tokens.push((source_len, Token::End, source_len));
    out
}

/// Ends the last statement or item with a terminator, unless it already
/// ends with one or nothing is open since `{` or the start: the grammar
/// wants a terminator after every statement and item, the last one too.
fn terminate(tokens: &mut Vec<Triple<'_>>, at: usize) {
    if !matches!(
        tokens.last(),
        None | Some((_, Token::Newline | Token::LBrace, _))
    ) {
        tokens.push((at, Token::Newline, at));
    }
}

/// Emits the closer of a group at `range` (zero-width when synthetic),
/// terminating a block's last statement first.
fn push_closer(tokens: &mut Vec<Triple<'_>>, kind: GroupKind, range: Range<usize>) {
    if kind == GroupKind::Block {
        terminate(tokens, range.start);
    }
    tokens.push((range.start, kind.closer(), range.end));
}

/// Handles a closer: pops the groups it ends, inserting closers for the
/// unclosed ones, and emits it (or the closer it stands for). Returns the
/// kind of group it closed.
fn close(
    stack: &mut Vec<Group>,
    token: &Token<'_>,
    range: &Range<usize>,
    out: &mut Layout<'_>,
) -> Option<GroupKind> {
    let found = closer_char(token);
    let Some(depth) = stack.iter().rposition(|g| g.kind.close_char() == found) else {
        // Nothing open that this closes: take it as the innermost group's
        // closer, unless that is a block (a stray `)` does not end a block).
        return match stack.pop_if(|g| g.kind != GroupKind::Block) {
            Some(group) => {
                out.issues.push(DelimIssue::Mismatched {
                    kind: group.kind,
                    open: group.open,
                    close: range.clone(),
                    found,
                });
                push_closer(&mut out.tokens, group.kind, range.clone());
                Some(group.kind)
            }
            None => {
                out.issues.push(DelimIssue::Unmatched {
                    close: range.clone(),
                    found,
                });
                None
            }
        };
    };
    while stack.len() > depth + 1 {
        let Some(group) = stack.pop() else { break };
        out.issues.push(DelimIssue::Unclosed {
            kind: group.kind,
            open: group.open,
            closed_at: range.start,
            forced_by: Some((range.clone(), found)),
        });
        push_closer(&mut out.tokens, group.kind, range.start..range.start);
    }
    let group = stack.pop()?;
    push_closer(&mut out.tokens, group.kind, range.clone());
    Some(group.kind)
}

/// Whether a closer in the middle of a line is a typo, dropped (and
/// reported) rather than allowed to end groups and blocks it was not meant
/// for:
/// - a `}` that would end the enclosing block right after a token that
///   cannot end a statement (`x =}`), or inside an open `( )` or `[ ]`
///   (`[0.2}9]`): the rest of the block would end up outside it;
/// - a closer that matches no open group, or only an outer one, and is
///   followed by more of an expression on the same line (`in}t`,
///   `[)next]`): taking it as a closer would end groups too early.
fn is_stray(token: &Token<'_>, line_goes_on: bool, stack: &[Group], tokens: &[Triple<'_>]) -> bool {
    let found = closer_char(token);
    let Some(depth) = stack.iter().rposition(|g| g.kind.close_char() == found) else {
        return line_goes_on;
    };
    if stack[depth].kind != GroupKind::Block {
        // `[)next]`: closing an outer group while the line goes on.
        return line_goes_on && depth + 1 < stack.len();
    }
    let after_complete = tokens
        .last()
        .is_some_and(|(_, t, _)| t.can_end_statement() || *t == Token::LBrace);
    let inside_brackets = stack
        .last()
        .is_some_and(|g| matches!(g.kind, GroupKind::Paren | GroupKind::Bracket));
    !after_complete || inside_brackets
}

fn is_closer(token: &Token<'_>) -> bool {
    matches!(token, Token::RParen | Token::RBracket | Token::RBrace)
}

fn closer_char(token: &Token<'_>) -> char {
    match token {
        Token::RParen => ')',
        Token::RBracket => ']',
        _ => '}',
    }
}

/// Tokens that continue an expression (so a closer before them is not the
/// end of anything).
fn continues_expression(token: &Token<'_>) -> bool {
    matches!(
        token,
        Token::Ident(_) | Token::Number(_) | Token::Str(_) | Token::True | Token::False
    )
}

fn last_can_end_statement(tokens: &[Triple<'_>]) -> bool {
    tokens.last().is_some_and(|(_, t, _)| t.can_end_statement())
}

/// `extern fn f() -> tensor<f32>` ends at the newline after the type's `>`
/// (elsewhere a `>` at the end of a line continues a comparison).
fn ends_extern_result_type(tokens: &[Triple<'_>]) -> bool {
    if !matches!(tokens.last(), Some((_, Token::Gt, _))) {
        return false;
    }
    let line_start = tokens
        .iter()
        .rposition(|(_, t, _)| matches!(t, Token::Newline))
        .map_or(0, |i| i + 1);
    matches!(tokens.get(line_start), Some((_, Token::Extern, _)))
}

fn opens_block(prev: Option<&Token<'_>>) -> bool {
    matches!(
        prev,
        Some(
            Token::RParen
                | Token::RBracket
                | Token::RBrace
                | Token::Ident(_)
                | Token::Number(_)
                | Token::Str(_)
                | Token::True
                | Token::False
                | Token::Else
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::lex;

    /// The token stream as compact text: `;` marks a terminator, `)0` a
    /// synthetic closer.
    fn shape(src: &str) -> String {
        let (tokens, _) = lex(src);
        let layout = layout(tokens, src.len(), &[]);
        layout
            .tokens
            .iter()
            .filter(|(_, t, _)| *t != Token::End)
            .map(|(s, t, e)| {
                let text = match t {
                    Token::Newline => ";".to_string(),
                    Token::Ident(n) => n.to_string(),
                    Token::Number(_) => "N".to_string(),
                    other => other.fixed_text().unwrap_or("?").to_string(),
                };
                if s == e { format!("{text}0") } else { text }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn an_extern_result_type_ends_at_the_newline() {
        assert_eq!(
            shape("extern fn f() -> tensor<f32>\nextern fn g()\n"),
            "extern fn f ( ) -> tensor < f32 > ; extern fn g ( ) ;"
        );
    }

    #[test]
    fn newlines_end_statements_only_where_they_can() {
        assert_eq!(shape("a = 1\nb = 2\n"), "a = N ; b = N ;");
        assert_eq!(shape("a = 1 +\n  2\n"), "a = N + N ;");
        assert_eq!(shape("\n\n a\n\n\n b"), "a ; b ;0");
        assert_eq!(shape("f(a,\n b\n)\n"), "f ( a , b ) ;");
        assert_eq!(shape("a; b;; c"), "a ; b ; c ;0");
    }

    #[test]
    fn blocks_and_dicts_are_told_apart() {
        assert_eq!(shape("if x {\n a\n}\n"), "if x { a ; } ;0");
        assert_eq!(
            shape("d = {\n a: 1,\n b: 2\n}\n"),
            "d = { a : N , b : N } ;"
        );
        assert_eq!(shape("return {\n a: 1\n}"), "return { a : N } ;0");
    }

    #[test]
    fn else_method_chains_and_braces_may_start_a_line() {
        assert_eq!(shape("if a {\n}\nelse {\n}"), "if a { } else { } ;0");
        assert_eq!(shape("x = y\n  .f()\n"), "x = y . f ( ) ;");
        assert_eq!(shape("if a\n{\n}\n"), "if a { } ;0");
        assert_eq!(shape("a\n{b: 1}"), "a { b : N ;0 } ;0");
        assert_eq!(shape("return\n{b: 1}"), "return ; { b : N } ;0");
    }

    #[test]
    fn repairs_delimiters() {
        let src = "f(a]\ng(b\n}";
        let (tokens, _) = lex(src);
        let out = layout(tokens, src.len(), &[]);
        assert_eq!(shape(src), "f ( a ) ; g ( b ) ;0");
        assert!(matches!(
            out.issues[0],
            DelimIssue::Mismatched { found: ']', .. }
        ));
        assert!(matches!(
            out.issues[1],
            DelimIssue::Mismatched { found: '}', .. }
        ));
        assert_eq!(shape("x { f(a }"), "x { f ( a )0 ;0 }0 ;0");
        assert_eq!(shape("x { f(a\n}"), "x { f ( a )0 ;0 } ;0");
        assert_eq!(shape("a)\nb"), "a ; b ;0");
        assert_eq!(shape("x { a"), "x { a ;0 }0 ;0");
        let (tokens, _) = lex("x { a) }");
        let out = layout(tokens, 8, &[]);
        assert!(matches!(
            out.issues[0],
            DelimIssue::Unmatched { found: ')', .. }
        ));
        let (tokens, _) = lex("x { a =} b }");
        let out = layout(tokens, 12, &[]);
        assert!(matches!(
            out.issues[0],
            DelimIssue::Stray { found: '}', .. }
        ));
        assert_eq!(shape("x { a) }"), "x { a ;0 } ;0");
        assert_eq!(shape("x {\n a =} b\n}"), "x { a = b ; } ;0");
        assert_eq!(shape("x { a }"), "x { a ;0 } ;0");
        assert_eq!(shape("x {}"), "x { } ;0");
        assert_eq!(shape("x {\n f([0.2}9])\n}"), "x { f ( [ N N ] ) ; } ;0");
        assert_eq!(shape("f(a: in}t)"), "f ( a : in t ) ;0");
        assert_eq!(shape("f([1, 2})"), "f ( [ N , N ] ) ;0");
        assert_eq!(shape("f([)a])"), "f ( [ a ] ) ;0");
    }

    #[test]
    fn an_unterminated_string_closes_its_line() {
        let (tokens, _) = lex("f(\"x\nb");
        let cut = LineCut {
            line_start: 0,
            newline: 4,
        };
        let out = layout(tokens, 6, &[cut]);
        assert!(out.issues.is_empty());
        let kinds: Vec<_> = out.tokens.iter().map(|t| t.1.clone()).collect();
        assert_eq!(kinds[3], Token::RParen);
        assert_eq!(kinds[4], Token::Newline);
        assert_eq!(kinds.len(), 8);
    }
}
