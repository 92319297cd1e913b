//! The tokens of the plan language, as the logos lexer produces them and the
//! parser consumes them.
//!
//! Literal tokens carry decoded values (an unescaped string, a parsed number);
//! the problems found while decoding them are recorded beside the token stream
//! (see [`crate::lexer`]), so a bad literal still yields a token and parsing
//! goes on without a cascade of follow-up errors.

use logos::Logos;

use crate::lexer::{self, LexIssues};

/// One token. `Newline` is a statement terminator: the layout pass
/// ([`crate::layout`]) keeps only the newlines that end a statement, and turns
/// `;` into `Newline` as well.
#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(extras = LexIssues)]
#[logos(skip r"[ \t\r\x0C]+")]
#[logos(skip(r"//[^\n]*", allow_greedy = true))]
pub enum Token<'s> {
    // Keywords.
    #[token("plan")]
    Plan,
    #[token("model")]
    Model,
    #[token("extern")]
    Extern,
    #[token("fn")]
    Fn,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("for")]
    For,
    #[token("in")]
    In,
    #[token("repeat")]
    Repeat,
    #[token("break")]
    Break,
    #[token("halt")]
    Halt,
    #[token("return")]
    Return,
    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("not")]
    Not,
    #[token("true")]
    True,
    #[token("false")]
    False,

    // Punctuation.
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(".")]
    Dot,
    #[token("..")]
    DotDot,
    #[token("=")]
    Assign,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("->")]
    Arrow,
    #[token("_", priority = 3)]
    Underscore,
    /// `;`: the layout pass turns it into `Newline`.
    #[token(";")]
    Semi,

    /// The end of a line (before layout), or a statement terminator (after).
    #[token("\n")]
    Newline,

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident(&'s str),
    #[regex(r"[0-9]", lexer::number)]
    Number(Number),
    #[token("\"", lexer::string)]
    #[token("'", lexer::single_quoted)]
    Str(String),

    /// The end of the input, added by the layout pass so that the grammar
    /// ends with an explicit token (which keeps error recovery local).
    End,

    /// A block comment (`/* */`, nesting): never emitted.
    #[token("/*", lexer::block_comment)]
    BlockComment,
}

/// The value of a number literal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
    /// A malformed literal, already reported; it parses as an error expression.
    Invalid,
}

/// The keywords, for "did you mean" suggestions.
pub const KEYWORDS: &[&str] = &[
    "plan", "model", "extern", "fn", "if", "else", "for", "in", "repeat", "break", "halt",
    "return", "and", "or", "not", "true", "false",
];

/// Keywords that begin a statement or an item.
pub const STATEMENT_KEYWORDS: &[&str] = &[
    "plan", "model", "extern", "if", "for", "repeat", "break", "halt", "return",
];

impl Token<'_> {
    /// How the token is named in an error message, in plain words.
    pub fn describe(&self) -> String {
        match self {
            Token::Ident(name) => format!("name `{name}`"),
            Token::Number(Number::Int(_)) => "integer literal".into(),
            Token::Number(Number::Float(_)) => "float literal".into(),
            Token::Number(Number::Invalid) => "number literal".into(),
            Token::Str(_) => "string literal".into(),
            Token::Newline => "end of line".into(),
            Token::End => "end of file".into(),
            other => match other.fixed_text() {
                Some(text) if other.is_keyword() => format!("keyword `{text}`"),
                Some(text) => format!("`{text}`"),
                None => "token".into(),
            },
        }
    }

    pub fn is_keyword(&self) -> bool {
        self.fixed_text().is_some_and(|t| KEYWORDS.contains(&t))
    }

    /// The source text of keywords and punctuation.
    pub fn fixed_text(&self) -> Option<&'static str> {
        use Token::*;
        Some(match self {
            Plan => "plan",
            Model => "model",
            Extern => "extern",
            Fn => "fn",
            If => "if",
            Else => "else",
            For => "for",
            In => "in",
            Repeat => "repeat",
            Break => "break",
            Halt => "halt",
            Return => "return",
            And => "and",
            Or => "or",
            Not => "not",
            True => "true",
            False => "false",
            LParen => "(",
            RParen => ")",
            LBracket => "[",
            RBracket => "]",
            LBrace => "{",
            RBrace => "}",
            Comma => ",",
            Colon => ":",
            Dot => ".",
            DotDot => "..",
            Assign => "=",
            EqEq => "==",
            NotEq => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            Percent => "%",
            Arrow => "->",
            Underscore => "_",
            Semi => ";",
            Newline | Ident(_) | Number(_) | Str(_) | End | BlockComment => return None,
        })
    }

    /// Whether a statement may end with this token (so that a newline after it
    /// ends the statement rather than continuing it).
    pub fn can_end_statement(&self) -> bool {
        matches!(
            self,
            Token::Ident(_)
                | Token::Number(_)
                | Token::Str(_)
                | Token::True
                | Token::False
                | Token::RParen
                | Token::RBracket
                | Token::RBrace
                | Token::Break
                | Token::Halt
                | Token::Return
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_list_matches_the_lexer() {
        for kw in KEYWORDS {
            let mut lex = Token::lexer(kw);
            let tok = lex.next().and_then(Result::ok);
            assert!(tok.as_ref().is_some_and(Token::is_keyword), "{kw}");
            assert_eq!(tok.and_then(|t| t.fixed_text()), Some(*kw));
        }
    }

    #[test]
    fn describes_tokens_in_plain_words() {
        assert_eq!(Token::Ident("x").describe(), "name `x`");
        assert_eq!(Token::RParen.describe(), "`)`");
        assert_eq!(Token::Return.describe(), "keyword `return`");
        assert_eq!(Token::Newline.describe(), "end of line");
    }
}
