//! Tokens of the `.mepasm` text form.

use logos::Logos;

#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(skip r"[ \t\r]+")]
#[logos(skip(r";[^\n]*", allow_greedy = true))]
pub enum Token<'s> {
    #[token("\n")]
    Newline,
    #[regex(r"\.[A-Za-z_][A-Za-z0-9_]*", |lex| &lex.slice()[1..])]
    Directive(&'s str),
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident(&'s str),
    #[regex(r"[+-]?[0-9]+", |lex| lex.slice().parse::<i128>().ok())]
    Int(i128),
    #[regex(r"[+-]?[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?", |lex| lex.slice().parse::<f64>().ok())]
    #[regex(r"[+-]?[0-9]+[eE][+-]?[0-9]+", |lex| lex.slice().parse::<f64>().ok())]
    Float(f64),
    #[token("-inf")]
    NegInf,
    #[regex(r#""([^"\\\n]|\\.)*""#, |lex| lex.slice())]
    Str(&'s str),
    #[token("=")]
    Eq,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token("..")]
    DotDot,
    #[token("@")]
    At,
    #[token("#")]
    Hash,
}

impl Token<'_> {
    /// How the token is named in "expected ..., found ..." messages.
    pub fn describe(&self) -> String {
        match self {
            Token::Newline => "end of line".into(),
            Token::Directive(d) => format!("directive `.{d}`"),
            Token::Ident(i) => format!("`{i}`"),
            Token::Int(i) => format!("number `{i}`"),
            Token::Float(f) => format!("number `{f:?}`"),
            Token::NegInf => "`-inf`".into(),
            Token::Str(_) => "a string".into(),
            Token::Eq => "`=`".into(),
            Token::LBracket => "`[`".into(),
            Token::RBracket => "`]`".into(),
            Token::Comma => "`,`".into(),
            Token::Colon => "`:`".into(),
            Token::DotDot => "`..`".into(),
            Token::At => "`@`".into(),
            Token::Hash => "`#`".into(),
        }
    }
}

/// Decodes the escapes of a quoted string token (quotes included).
pub fn unescape(token: &str) -> Result<String, String> {
    let inner = &token[1..token.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let rest: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let hex = rest
                    .strip_prefix('{')
                    .ok_or("`\\u` must be followed by `{hex}`")?;
                let code = u32::from_str_radix(hex, 16)
                    .map_err(|_| format!("`{hex}` is not hexadecimal"))?;
                out.push(char::from_u32(code).ok_or(format!("U+{code:X} is not a character"))?);
            }
            Some(other) => return Err(format!("unknown escape `\\{other}`")),
            None => return Err("the string ends with a lone `\\`".into()),
        }
    }
    Ok(out)
}
