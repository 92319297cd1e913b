//! Text -> module: the `.mepasm` assembler.

use std::collections::HashMap;
use std::ops::Range;

use logos::Logos;

use super::lexer::{Token, unescape};
use crate::builder::{Builder, Label};
use crate::constant::Constant;
use crate::module::{
    ArgInfo, CustomSection, FLAG_STRICT_MODEL_HASHES, Interface, ModelEntry, Module, ReturnNames,
};
use crate::opcode::{Instruction, OPCODES, Opcode, OpcodeSpec};
use crate::operand::{ConstId, ModelId, Offset, Operand, OperandKind, Slot};

/// An assembly error: a stable code (`E085x`), the source range, a message
/// and an optional help line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsmError {
    pub code: &'static str,
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl AsmError {
    fn new(code: &'static str, span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            code,
            span,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The assembled module, and the source range of each instruction so that
/// verifier errors (which carry byte offsets) can point back at the text.
#[derive(Debug)]
pub struct Assembled {
    pub module: Module,
    pub instruction_spans: Vec<Range<usize>>,
}

/// Assembles `.mepasm` text. Every independent error is reported; a line
/// with an error is skipped.
pub fn assemble(source: &str) -> Result<Assembled, Vec<AsmError>> {
    let mut asm = Assembler::default();
    for line in lex_lines(source, &mut asm.errors) {
        asm.line(&line);
    }
    asm.finish(source.len())
}

type Spanned<'s> = (Token<'s>, Range<usize>);

fn lex_lines<'s>(source: &'s str, errors: &mut Vec<AsmError>) -> Vec<Vec<Spanned<'s>>> {
    let mut lines = vec![Vec::new()];
    let mut broken = false;
    let mut lexer = Token::lexer(source);
    while let Some(token) = lexer.next() {
        let span = lexer.span();
        match token {
            Ok(Token::Newline) => {
                if broken {
                    lines.last_mut().map(Vec::clear);
                    broken = false;
                }
                lines.push(Vec::new());
            }
            Ok(token) => {
                if !broken && let Some(line) = lines.last_mut() {
                    line.push((token, span));
                }
            }
            Err(()) => {
                if !broken {
                    let text = &source[span.clone()];
                    let message = if text.starts_with('"') {
                        "unterminated string".to_string()
                    } else {
                        let first = text.chars().next().unwrap_or(' ');
                        format!("unexpected character `{}`", first.escape_debug())
                    };
                    errors.push(AsmError::new("E0850", span, message));
                    broken = true;
                }
            }
        }
    }
    if broken {
        lines.last_mut().map(Vec::clear);
    }
    lines.retain(|l| !l.is_empty());
    lines
}

/// An operand or directive value as written.
#[derive(Debug, Clone)]
enum Value {
    Slot(u8),
    Model(u8),
    Int(i128),
    Float(f64),
    Str(String),
    Bool(bool),
    Null,
    Bytes(Vec<u8>),
    IntList(Vec<i64>),
    FloatList(Vec<f32>),
    StrList(Vec<String>),
    /// `[...]` of slots or strings (or empty).
    List(Vec<(Value, Range<usize>)>),
    Label(String),
    Name(String),
    ConstRef,
}

impl Value {
    fn describe(&self) -> &'static str {
        match self {
            Value::Slot(_) => "a slot",
            Value::Model(_) => "a model",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Str(_) => "a string",
            Value::Bool(_) => "a bool",
            Value::Null => "null",
            Value::Bytes(_) => "bytes",
            Value::IntList(_) | Value::FloatList(_) | Value::StrList(_) => "a typed list",
            Value::List(_) => "a list",
            Value::Label(_) => "a label",
            Value::Name(_) => "a name",
            Value::ConstRef => "a constant id",
        }
    }

    fn into_constant(self) -> Option<Constant> {
        Some(match self {
            Value::Int(i) => Constant::Int(i64::try_from(i).ok()?),
            Value::Float(f) => Constant::Float(f),
            Value::Str(s) => Constant::Str(s),
            Value::Bool(b) => Constant::Bool(b),
            Value::Null => Constant::Null,
            Value::Bytes(b) => Constant::Bytes(b),
            Value::IntList(l) => Constant::IntList(l),
            Value::FloatList(l) => Constant::FloatList(l),
            Value::StrList(l) => Constant::StrList(l),
            _ => return None,
        })
    }
}

struct Cursor<'l, 's> {
    tokens: &'l [Spanned<'s>],
    pos: usize,
}

impl<'s> Cursor<'_, 's> {
    fn peek(&self) -> Option<&Token<'s>> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn next(&mut self) -> Option<Spanned<'s>> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn end_span(&self) -> Range<usize> {
        let end = self.tokens.last().map_or(0, |(_, s)| s.end);
        end..end
    }

    fn is_done(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    fn expect(&mut self, want: Token<'static>, what: &str) -> Result<Range<usize>, AsmError> {
        match self.next() {
            Some((t, span)) if t == want => Ok(span),
            Some((t, span)) => Err(syntax(span, what, &t)),
            None => Err(AsmError::new(
                "E0859",
                self.end_span(),
                format!("expected {what}, found end of line"),
            )),
        }
    }

    fn value(&mut self) -> Result<(Value, Range<usize>), AsmError> {
        let Some((token, span)) = self.next() else {
            return Err(AsmError::new(
                "E0859",
                self.end_span(),
                "expected a value, found end of line",
            ));
        };
        let value = match token {
            Token::Int(i) => Value::Int(i),
            Token::Float(f) => Value::Float(f),
            Token::NegInf => Value::Float(f64::NEG_INFINITY),
            Token::Str(s) => {
                Value::Str(unescape(s).map_err(|e| AsmError::new("E0850", span.clone(), e))?)
            }
            Token::At => match self.next() {
                Some((Token::Ident(name), s)) => {
                    return Ok((Value::Label(name.to_string()), span.start..s.end));
                }
                Some((t, s)) => return Err(syntax(s, "a label name after `@`", &t)),
                None => return Err(syntax(span, "a label name after `@`", &Token::Newline)),
            },
            Token::Hash => {
                let end = self.next().map_or(span.end, |(_, s)| s.end);
                return Ok((Value::ConstRef, span.start..end));
            }
            Token::LBracket => return self.list(span.start),
            Token::Ident(word) => return self.word(word, span),
            other => return Err(syntax(span, "a value", &other)),
        };
        Ok((value, span))
    }

    fn word(
        &mut self,
        word: &'s str,
        span: Range<usize>,
    ) -> Result<(Value, Range<usize>), AsmError> {
        if matches!(word, "int" | "f32" | "str") && self.peek() == Some(&Token::LBracket) {
            let (list, list_span) = self.value()?;
            let whole = span.start..list_span.end;
            let Value::List(items) = list else {
                return Err(AsmError::new("E0859", whole, "expected a list"));
            };
            return typed_list(word, items, whole);
        }
        if word == "bytes"
            && let Some(Token::Str(text)) = self.peek().cloned()
        {
            let (_, s) = self.next().unwrap_or((Token::Newline, span.clone()));
            let whole = span.start..s.end;
            let hex = &text[1..text.len() - 1];
            return parse_hex(hex)
                .map(|b| (Value::Bytes(b), whole.clone()))
                .ok_or_else(|| {
                    AsmError::new(
                        "E0850",
                        whole,
                        "bytes must be written as pairs of hexadecimal digits",
                    )
                });
        }
        let value = match word {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            "nan" => Value::Float(f64::NAN),
            "inf" => Value::Float(f64::INFINITY),
            _ => match numbered(word, 's').or_else(|| numbered(word, 'm').map(|n| n + 1000)) {
                Some(n) if n < 256 => Value::Slot(n as u8),
                Some(n) if (1000..1256).contains(&n) => Value::Model((n - 1000) as u8),
                Some(_) => {
                    return Err(
                        AsmError::new("E0856", span, format!("`{word}` is out of range"))
                            .help("slots are s0 to s255, models m0 to m255"),
                    );
                }
                None => Value::Name(word.to_string()),
            },
        };
        Ok((value, span))
    }

    fn list(&mut self, start: usize) -> Result<(Value, Range<usize>), AsmError> {
        let mut items = Vec::new();
        loop {
            if let Some((Token::RBracket, s)) = self.tokens.get(self.pos).cloned() {
                self.pos += 1;
                return Ok((Value::List(items), start..s.end));
            }
            if !items.is_empty() {
                self.expect(Token::Comma, "`,` or `]`")?;
            }
            items.push(self.value()?);
        }
    }
}

fn numbered(word: &str, prefix: char) -> Option<u32> {
    let digits = word.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse::<u32>().unwrap_or(u32::MAX).min(999))
}

fn parse_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn typed_list(
    kind: &str,
    items: Vec<(Value, Range<usize>)>,
    whole: Range<usize>,
) -> Result<(Value, Range<usize>), AsmError> {
    let bad = |span: Range<usize>, what: &str| {
        AsmError::new("E0855", span, format!("a {kind}[...] list holds {what}"))
    };
    let value = match kind {
        "int" => Value::IntList(
            items
                .into_iter()
                .map(|(v, s)| match v {
                    Value::Int(i) => i64::try_from(i).map_err(|_| bad(s, "64-bit integers")),
                    _ => Err(bad(s, "integers")),
                })
                .collect::<Result<_, _>>()?,
        ),
        "f32" => Value::FloatList(
            items
                .into_iter()
                .map(|(v, s)| match v {
                    Value::Float(f) => Ok(f as f32),
                    Value::Int(i) => Ok(i as f32),
                    _ => Err(bad(s, "numbers")),
                })
                .collect::<Result<_, _>>()?,
        ),
        _ => Value::StrList(
            items
                .into_iter()
                .map(|(v, s)| match v {
                    Value::Str(text) => Ok(text),
                    _ => Err(bad(s, "strings")),
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok((value, whole))
}

fn syntax(span: Range<usize>, expected: &str, found: &Token<'_>) -> AsmError {
    AsmError::new(
        "E0859",
        span,
        format!("expected {expected}, found {}", found.describe()),
    )
}

fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&name.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, _)| *d <= (name.len() / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

#[derive(Default)]
struct Assembler {
    builder: Builder,
    errors: Vec<AsmError>,
    labels: HashMap<String, (Label, Option<Range<usize>>)>,
    label_uses: Vec<(String, Range<usize>)>,
    spans: Vec<Range<usize>>,
    interface: Option<Interface>,
    returns: Vec<(usize, Vec<String>)>,
    files: Vec<String>,
    flags: u32,
    custom: Vec<CustomSection>,
    has_debug: bool,
    pending_slot_names: Vec<(u8, u32, u32, String)>,
}

impl Assembler {
    fn line(&mut self, tokens: &[Spanned<'_>]) {
        let mut cursor = Cursor { tokens, pos: 0 };
        if let Err(error) = self.statement(&mut cursor) {
            self.errors.push(error);
        }
    }

    fn statement(&mut self, c: &mut Cursor<'_, '_>) -> Result<(), AsmError> {
        // `NAME:` defines a label at the next instruction.
        if let (Some((Token::Ident(name), span)), Some((Token::Colon, colon))) =
            (tokens_at(c, 0), tokens_at(c, 1))
        {
            c.pos += 2;
            self.define_label(name, span.start..colon.end)?;
            if c.is_done() {
                return Ok(());
            }
        }
        match c.next() {
            Some((Token::Directive(name), span)) => self.directive(name, span, c),
            Some((Token::Ident(mnemonic), span)) => self.instruction(mnemonic, span, c),
            Some((token, span)) => Err(syntax(
                span,
                "an instruction, a directive or a label",
                &token,
            )),
            None => Ok(()),
        }
    }

    fn define_label(&mut self, name: &str, span: Range<usize>) -> Result<(), AsmError> {
        let entry = self
            .labels
            .entry(name.to_string())
            .or_insert_with(|| (Label(u32::MAX), None));
        if let Some(previous) = &entry.1 {
            return Err(
                AsmError::new("E0858", span, format!("label `{name}` is defined twice")).help(
                    format!(
                        "the first definition is at bytes {}..{}",
                        previous.start, previous.end
                    ),
                ),
            );
        }
        if entry.0 == Label(u32::MAX) {
            entry.0 = self.builder.new_label();
        }
        entry.1 = Some(span);
        let label = entry.0;
        self.builder.bind(label);
        Ok(())
    }

    fn use_label(&mut self, name: &str, span: Range<usize>) -> Label {
        self.label_uses.push((name.to_string(), span));
        let builder = &mut self.builder;
        let entry = self
            .labels
            .entry(name.to_string())
            .or_insert_with(|| (builder.new_label(), None));
        if entry.0 == Label(u32::MAX) {
            entry.0 = builder.new_label();
        }
        entry.0
    }

    fn instruction(
        &mut self,
        mnemonic: &str,
        span: Range<usize>,
        c: &mut Cursor<'_, '_>,
    ) -> Result<(), AsmError> {
        let opcode = Opcode::from_mnemonic(mnemonic).ok_or_else(|| {
            let error = AsmError::new(
                "E0851",
                span.clone(),
                format!("unknown instruction `{mnemonic}`"),
            );
            match closest(mnemonic, OPCODES.iter().map(|s| s.mnemonic)) {
                Some(s) => error.help(format!("did you mean `{s}`?")),
                None => error.help("see `docs/mep-format.md` for the instruction list"),
            }
        })?;
        let spec = opcode.spec();
        let mut given: Vec<Option<(Value, Range<usize>)>> = vec![None; spec.operands.len()];
        let mut names = None;
        let mut location = None;
        while !c.is_done() {
            if c.peek() == Some(&Token::At) {
                location = Some(self.location(c)?);
                continue;
            }
            let (name, name_span) = match c.next() {
                Some((Token::Ident(n), s)) => (n, s),
                Some((t, s)) => return Err(syntax(s, "an operand `name=value`", &t)),
                None => break,
            };
            c.expect(Token::Eq, "`=` after the operand name")?;
            let value = c.value()?;
            if name == "names" && opcode == Opcode::SinkReturn {
                names = Some(string_list(value)?);
                continue;
            }
            let Some(index) = spec.operands.iter().position(|o| o.name == name) else {
                let expected: Vec<&str> = spec.operands.iter().map(|o| o.name).collect();
                let error = AsmError::new(
                    "E0854",
                    name_span,
                    format!("{mnemonic} has no operand `{name}`"),
                );
                return Err(match closest(name, expected.iter().copied()) {
                    Some(s) => error.help(format!("did you mean `{s}`?")),
                    None => error.help(format!("its operands are: {}", operand_list(spec))),
                });
            };
            if given[index].is_some() {
                return Err(AsmError::new(
                    "E0854",
                    name_span,
                    format!("operand `{name}` is given twice"),
                ));
            }
            given[index] = Some(value);
        }
        let missing: Vec<&str> = spec
            .operands
            .iter()
            .zip(&given)
            .filter(|(_, g)| g.is_none())
            .map(|(o, _)| o.name)
            .collect();
        if !missing.is_empty() {
            return Err(AsmError::new(
                "E0853",
                span.start..c.end_span().end.max(span.end),
                format!("{mnemonic} is missing operand(s): {}", missing.join(", ")),
            )
            .help(format!("write it as: {mnemonic} {}", operand_list(spec))));
        }
        let mut operands = Vec::with_capacity(given.len());
        let mut branch_label = None;
        for (op_spec, value) in spec.operands.iter().zip(given.into_iter().flatten()) {
            if let (OperandKind::Offset, Value::Label(name)) = (&op_spec.kind, &value.0) {
                branch_label = Some(self.use_label(&name.clone(), value.1.clone()));
                operands.push(Operand::Offset(Offset(0)));
                continue;
            }
            operands.push(self.operand(op_spec.name, op_spec.kind, value)?);
        }
        let instruction = Instruction::from_operands(opcode, &operands).ok_or_else(|| {
            AsmError::new(
                "E0855",
                span.clone(),
                format!("invalid operands for {mnemonic}"),
            )
        })?;
        let index = self.builder.push(instruction);
        if let Some(label) = branch_label {
            self.builder.branch_to(index, label);
        }
        if let Some(names) = names {
            self.returns.push((index, names));
        }
        if let Some((file, start, end)) = location {
            self.has_debug = true;
            self.builder.locate(index, file, start, end);
        }
        self.spans.push(span.start..c.end_span().end.max(span.end));
        Ok(())
    }

    /// `@FILE:START..END`
    fn location(&mut self, c: &mut Cursor<'_, '_>) -> Result<(u32, u32, u32), AsmError> {
        c.expect(Token::At, "`@`")?;
        let file = u32_value(c.value()?)?;
        c.expect(Token::Colon, "`:` in a location `@file:start..end`")?;
        let start = u32_value(c.value()?)?;
        c.expect(Token::DotDot, "`..` in a location `@file:start..end`")?;
        let end = u32_value(c.value()?)?;
        Ok((file, start, end))
    }

    fn operand(
        &mut self,
        name: &str,
        kind: OperandKind,
        (value, span): (Value, Range<usize>),
    ) -> Result<Operand, AsmError> {
        let wrong = |expected: &str, value: &Value, span: Range<usize>| {
            AsmError::new(
                "E0855",
                span,
                format!(
                    "operand `{name}` takes {expected}, found {}",
                    value.describe()
                ),
            )
        };
        Ok(match kind {
            OperandKind::Slot => match value {
                Value::Slot(s) => Operand::Slot(Slot(s)),
                other => return Err(wrong("a slot (s0 to s255)", &other, span)),
            },
            OperandKind::Model => match value {
                Value::Model(m) => Operand::Model(ModelId(m)),
                other => return Err(wrong("a model (m0 to m255)", &other, span)),
            },
            OperandKind::Imm8 => match value {
                Value::Int(i) => Operand::Imm8(u8::try_from(i).map_err(|_| {
                    AsmError::new(
                        "E0856",
                        span,
                        format!("operand `{name}` must be 0 to 255, found {i}"),
                    )
                })?),
                other => return Err(wrong("a number from 0 to 255", &other, span)),
            },
            OperandKind::Offset => match value {
                Value::Int(i) => Operand::Offset(Offset(i16::try_from(i).map_err(|_| {
                    AsmError::new(
                        "E0856",
                        span,
                        format!("branch offset {i} does not fit in 16 bits"),
                    )
                })?)),
                other => return Err(wrong("a label `@name` or a byte offset", &other, span)),
            },
            OperandKind::Subtype(table) => match value {
                Value::Name(n) => Operand::Subtype(table.code_of(&n).ok_or_else(|| {
                    let error = AsmError::new(
                        "E0857",
                        span.clone(),
                        format!("`{n}` is not a {}", table.name),
                    );
                    match closest(&n, table.names()) {
                        Some(s) => error.help(format!("did you mean `{s}`?")),
                        None => error.help(format!(
                            "one of: {}",
                            table.names().collect::<Vec<_>>().join(", ")
                        )),
                    }
                })?),
                other => return Err(wrong(&format!("a {} name", table.name), &other, span)),
            },
            OperandKind::SlotList => match value {
                Value::List(items) => {
                    if items.len() > 255 {
                        return Err(AsmError::new(
                            "E0856",
                            span,
                            format!("a slot list holds at most 255 slots, found {}", items.len()),
                        ));
                    }
                    Operand::Slots(
                        items
                            .into_iter()
                            .map(|(v, s)| match v {
                                Value::Slot(slot) => Ok(Slot(slot)),
                                other => Err(wrong("a list of slots", &other, s)),
                            })
                            .collect::<Result<_, _>>()?,
                    )
                }
                other => return Err(wrong("a list of slots `[s0, s1]`", &other, span)),
            },
            OperandKind::Const(_) => {
                if let Value::ConstRef = value {
                    return Err(AsmError::new(
                        "E0855",
                        span,
                        "constants are written inline, not by id",
                    )
                    .help("write the value itself, e.g. \"text\", 42, 1.5, int[1, 2]"));
                }
                let described = value.describe();
                let constant = value.into_constant().ok_or_else(|| {
                    AsmError::new("E0855", span.clone(), format!("operand `{name}` takes a constant, found {described}"))
                        .help("constants are null, true/false, integers, floats, \"strings\", bytes\"hex\", int[..], f32[..], str[..]")
                })?;
                let id: ConstId = self
                    .builder
                    .constant(constant)
                    .map_err(|e| AsmError::new("E0860", span, e.to_string()))?;
                Operand::Const(id)
            }
        })
    }

    fn directive(
        &mut self,
        name: &str,
        span: Range<usize>,
        c: &mut Cursor<'_, '_>,
    ) -> Result<(), AsmError> {
        match name {
            "mep" => {
                let (version, vspan) = c.value()?;
                let ok = match version {
                    Value::Float(v) => (1.0..2.0).contains(&v),
                    Value::Int(1) => true,
                    _ => false,
                };
                if !ok {
                    return Err(AsmError::new("E0852", vspan, "unsupported MEP version")
                        .help("this assembler writes MEP 1.0: `.mep 1.0`"));
                }
            }
            "flags" => {
                while !c.is_done() {
                    match c.value()? {
                        (Value::Name(n), _) if n == "strict_model_hashes" => {
                            self.flags |= FLAG_STRICT_MODEL_HASHES
                        }
                        (other, s) => {
                            return Err(AsmError::new(
                                "E0852",
                                s,
                                format!("unknown flag {}", describe_value(&other)),
                            )
                            .help("the defined flags are: strict_model_hashes"));
                        }
                    }
                }
            }
            "plan" => {
                let name = string_value(c.value()?)?;
                self.interface.get_or_insert_with(Interface::default).name = name;
            }
            "arg" => {
                let (index, ispan) = c.value()?;
                let index = match index {
                    Value::Int(i) => u8::try_from(i).map_err(|_| {
                        AsmError::new("E0856", ispan.clone(), "an argument index is 0 to 255")
                    })?,
                    other => {
                        return Err(AsmError::new(
                            "E0852",
                            ispan,
                            format!("expected an argument index, found {}", other.describe()),
                        ));
                    }
                };
                let name = string_value(c.value()?)?;
                self.interface
                    .get_or_insert_with(Interface::default)
                    .args
                    .push(ArgInfo { index, name });
            }
            "model" => self.model(c)?,
            "file" => {
                let (index, ispan) = c.value()?;
                if !matches!(index, Value::Int(i) if i == self.files.len() as i128) {
                    return Err(AsmError::new(
                        "E0852",
                        ispan,
                        format!("expected file number {}", self.files.len()),
                    )
                    .help("files are numbered 0, 1, 2, ... in order"));
                }
                self.files.push(string_value(c.value()?)?);
                self.has_debug = true;
            }
            "slot_name" => {
                let (slot, sspan) = c.value()?;
                let Value::Slot(slot) = slot else {
                    return Err(AsmError::new("E0852", sspan, "expected a slot"));
                };
                let from = u32_value(c.value()?)?;
                let to = u32_value(c.value()?)?;
                let name = string_value(c.value()?)?;
                self.has_debug = true;
                self.pending_slot_names.push((slot, from, to, name));
            }
            "custom" => {
                let (id, ispan) = c.value()?;
                let id = match id {
                    Value::Int(i) if (128..=255).contains(&i) => i as u8,
                    _ => {
                        return Err(AsmError::new(
                            "E0852",
                            ispan,
                            "custom section ids are 128 to 255",
                        ));
                    }
                };
                let (data, dspan) = c.value()?;
                let Value::Bytes(data) = data else {
                    return Err(AsmError::new("E0852", dspan, "expected bytes\"hex\""));
                };
                self.custom.push(CustomSection { id, data });
            }
            other => {
                let known = [
                    "mep",
                    "flags",
                    "plan",
                    "arg",
                    "model",
                    "file",
                    "slot_name",
                    "custom",
                ];
                let error = AsmError::new("E0852", span, format!("unknown directive `.{other}`"));
                return Err(match closest(other, known) {
                    Some(s) => error.help(format!("did you mean `.{s}`?")),
                    None => error
                        .help("directives: .mep .flags .plan .arg .model .file .slot_name .custom"),
                });
            }
        }
        if let Some((t, s)) = c.next() {
            return Err(syntax(s, "end of line", &t));
        }
        Ok(())
    }

    /// `.model mN "path" format="onnx" [sha256="hex"] [size=N] inputs=[..] outputs=[..]`
    fn model(&mut self, c: &mut Cursor<'_, '_>) -> Result<(), AsmError> {
        let (id, ispan) = c.value()?;
        let expected = self.builder.models().len();
        if !matches!(id, Value::Model(m) if m as usize == expected) {
            return Err(
                AsmError::new("E0861", ispan, format!("expected model m{expected}"))
                    .help("models are declared in order: m0, m1, ..."),
            );
        }
        let path = string_value(c.value()?)?;
        let mut entry = ModelEntry {
            path,
            ..ModelEntry::default()
        };
        while !c.is_done() {
            let (key, kspan) = match c.next() {
                Some((Token::Ident(k), s)) => (k, s),
                Some((t, s)) => return Err(syntax(s, "a model property `name=value`", &t)),
                None => break,
            };
            c.expect(Token::Eq, "`=`")?;
            let value = c.value()?;
            match key {
                "format" => entry.format = string_value(value)?,
                "sha256" => {
                    let span = value.1.clone();
                    let hex = string_value(value)?;
                    let bytes = parse_hex(&hex).filter(|b| b.len() == 32).ok_or_else(|| {
                        AsmError::new("E0861", span, "a sha256 is 64 hexadecimal digits")
                    })?;
                    let mut sha = [0; 32];
                    sha.copy_from_slice(&bytes);
                    entry.sha256 = Some(sha);
                }
                "size" => match value {
                    (Value::Int(i), s) => {
                        entry.size = Some(u64::try_from(i).map_err(|_| {
                            AsmError::new("E0856", s, "a size is a non-negative integer")
                        })?)
                    }
                    (other, s) => {
                        return Err(AsmError::new(
                            "E0861",
                            s,
                            format!("expected a size, found {}", other.describe()),
                        ));
                    }
                },
                "inputs" => entry.inputs = string_list(value)?,
                "outputs" => entry.outputs = string_list(value)?,
                other => {
                    let error =
                        AsmError::new("E0861", kspan, format!("unknown model property `{other}`"));
                    return Err(
                        match closest(other, ["format", "sha256", "size", "inputs", "outputs"]) {
                            Some(s) => error.help(format!("did you mean `{s}`?")),
                            None => error
                                .help("model properties: format, sha256, size, inputs, outputs"),
                        },
                    );
                }
            }
        }
        self.builder
            .add_model(entry)
            .map_err(|e| AsmError::new("E0860", ispan, e.to_string()))?;
        Ok(())
    }

    fn finish(mut self, source_len: usize) -> Result<Assembled, Vec<AsmError>> {
        for (name, span) in std::mem::take(&mut self.label_uses) {
            if self
                .labels
                .get(&name)
                .is_none_or(|(_, defined)| defined.is_none())
            {
                let error =
                    AsmError::new("E0858", span, format!("label `{name}` is never defined"));
                let defined: Vec<&str> = self
                    .labels
                    .iter()
                    .filter(|(_, (_, d))| d.is_some())
                    .map(|(n, _)| n.as_str())
                    .collect();
                self.errors.push(match closest(&name, defined) {
                    Some(s) => error.help(format!("did you mean `{s}`?")),
                    None => error.help(format!(
                        "define it with a line `{name}:` before the instruction it names"
                    )),
                });
            }
        }
        if !self.errors.is_empty() {
            self.errors.sort_by_key(|e| e.span.start);
            return Err(self.errors);
        }
        self.builder.set_flags(self.flags);
        if self.has_debug {
            self.builder.set_debug_files(self.files);
        }
        let slot_names = std::mem::take(&mut self.pending_slot_names);
        let mut module = self
            .builder
            .finish()
            .map_err(|e| vec![AsmError::new("E0860", 0..source_len, e.to_string())])?;
        if let Some(debug) = module.debug.as_mut() {
            debug.slot_names = slot_names
                .into_iter()
                .map(|(slot, from, to, name)| crate::module::SlotName {
                    slot,
                    from,
                    to,
                    name,
                })
                .collect();
        }
        let offsets = module.instruction_offsets();
        if !self.returns.is_empty() {
            let interface = self.interface.get_or_insert_with(Interface::default);
            interface.returns = self
                .returns
                .into_iter()
                .map(|(index, names)| ReturnNames {
                    offset: offsets[index],
                    names,
                })
                .collect();
        }
        module.interface = self.interface;
        module.custom = self.custom;
        Ok(Assembled {
            module,
            instruction_spans: self.spans,
        })
    }
}

fn tokens_at<'s>(c: &Cursor<'_, 's>, ahead: usize) -> Option<Spanned<'s>> {
    c.tokens.get(c.pos + ahead).cloned()
}

fn operand_list(spec: &OpcodeSpec) -> String {
    spec.operands
        .iter()
        .map(|o| format!("{}=<{}>", o.name, kind_name(o.kind)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn kind_name(kind: OperandKind) -> &'static str {
    match kind {
        OperandKind::Slot => "slot",
        OperandKind::Const(_) => "constant",
        OperandKind::Model => "model",
        OperandKind::Imm8 => "0-255",
        OperandKind::Subtype(t) => t.name,
        OperandKind::SlotList => "[slots]",
        OperandKind::Offset => "@label",
    }
}

fn describe_value(value: &Value) -> String {
    match value {
        Value::Name(n) => format!("`{n}`"),
        other => other.describe().to_string(),
    }
}

fn string_value((value, span): (Value, Range<usize>)) -> Result<String, AsmError> {
    match value {
        Value::Str(s) => Ok(s),
        other => Err(AsmError::new(
            "E0855",
            span,
            format!("expected a string, found {}", other.describe()),
        )),
    }
}

fn u32_value((value, span): (Value, Range<usize>)) -> Result<u32, AsmError> {
    match value {
        Value::Int(i) => u32::try_from(i).map_err(|_| {
            AsmError::new(
                "E0856",
                span,
                format!("{i} is out of range (0 to 4294967295)"),
            )
        }),
        other => Err(AsmError::new(
            "E0855",
            span,
            format!("expected a number, found {}", other.describe()),
        )),
    }
}

fn string_list((value, span): (Value, Range<usize>)) -> Result<Vec<String>, AsmError> {
    match value {
        Value::List(items) => items.into_iter().map(string_value).collect(),
        other => Err(AsmError::new(
            "E0855",
            span,
            format!("expected a list of strings, found {}", other.describe()),
        )),
    }
}
