//! `.birasm`: the text form of BIR, one instruction per line.
//!
//! ```text
//! ; a comment runs to the end of the line
//! .version 0.1                 ; optional (0.1 is the only version)
//! .zlib instr                  ; sections stored compressed: const, instr, meta
//! .meta "name" "weekly-digest" ; a METADATA key/value pair
//! .const "corpus"              ; constant #0 (constants are numbered in order)
//! LOAD_DATASET #0              ; a pool reference...
//! WRITE_OUTPUT "capsule.md"    ; ...or a string, added to the pool if new
//! SET_FILTER 0x3               ; ints: decimal or 0x hex, i32 range
//! OCR_CONF 0.6                 ; floats: decimal, inf, nan or nan(0xBITS)
//! CLUSTER 0, 3                 ; operands separated by commas or spaces
//! EMBED_BATCH mode=0x01 8      ; non-zero mode flags, when needed
//! HALT
//! ```
//!
//! [`disassemble`] prints the canonical form; [`assemble`] of that text
//! gives back the same program.

use std::fmt::Write as _;
use std::ops::Range;

use crate::error::AsmError;
use crate::opcode::{Opcode, OperandKind};
use crate::program::{Instruction, Operand, Program};

/// Prints a program as `.birasm` text.
pub fn disassemble(program: &Program) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "; Jules BIR {}.{}: {} constant{}, {} instruction{}",
        program.version.0,
        program.version.1,
        program.pool.len(),
        if program.pool.len() == 1 { "" } else { "s" },
        program.code.len(),
        if program.code.len() == 1 { "" } else { "s" },
    );
    let _ = writeln!(out, ".version {}.{}", program.version.0, program.version.1);
    let c = program.compression;
    let zlib: Vec<&str> = [
        (c.const_pool, "const"),
        (c.instr, "instr"),
        (c.metadata, "meta"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    if !zlib.is_empty() {
        let _ = writeln!(out, ".zlib {}", zlib.join(" "));
    }
    match &program.metadata {
        Some(pairs) if pairs.is_empty() => out.push_str(".meta\n"),
        Some(pairs) => {
            for (k, v) in pairs {
                let _ = writeln!(out, ".meta {} {}", quote(k), quote(v));
            }
        }
        None => {}
    }
    for (i, s) in program.pool.iter().enumerate() {
        let _ = writeln!(out, ".const {:<30} ; #{i}", quote(s));
    }
    out.push('\n');
    for inst in &program.code {
        let mut line = inst.opcode.mnemonic().to_string();
        if inst.mode != 0 {
            let _ = write!(line, " mode=0x{:02x}", inst.mode);
        }
        let ops: Vec<String> = inst.operands.iter().map(|o| operand_text(*o)).collect();
        if !ops.is_empty() {
            line.push(' ');
            line.push_str(&ops.join(", "));
        }
        let strings: Vec<String> = inst
            .operands
            .iter()
            .filter_map(|o| match o {
                Operand::Str(i) => program.pool.get(*i as usize).map(|s| quote(s)),
                _ => None,
            })
            .collect();
        if strings.is_empty() {
            let _ = writeln!(out, "{line}");
        } else {
            let _ = writeln!(out, "{line:<30} ; {}", strings.join(", "));
        }
    }
    out
}

fn operand_text(op: Operand) -> String {
    match op {
        Operand::Int(v) => v.to_string(),
        Operand::Str(i) => format!("#{i}"),
        Operand::Float(f) if f.is_nan() && f.to_bits() != f32::NAN.to_bits() => {
            format!("nan(0x{:08x})", f.to_bits())
        }
        Operand::Float(f) if f.is_nan() => "nan".into(),
        Operand::Float(f) => format!("{f:?}"),
    }
}

/// A string literal with `\"`, `\\`, `\n`, `\t`, `\r` and `\u{..}` escapes.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
}

/// Splits a line into words and string literals (commas separate, `;` starts a comment).
fn tokenize(line: &str, base: usize) -> Result<Vec<(Tok, Range<usize>)>, AsmError> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b';' {
            break;
        }
        if c.is_ascii_whitespace() || c == b',' {
            i += 1;
            continue;
        }
        if c == b'"' {
            let start = i;
            let mut text = String::new();
            i += 1;
            let mut closed = false;
            while i < b.len() {
                let ch = line[i..].chars().next().unwrap_or('\0');
                match ch {
                    '"' => {
                        i += 1;
                        closed = true;
                        break;
                    }
                    '\\' => {
                        let esc_start = i;
                        let next = line[i + 1..].chars().next();
                        i += 1;
                        match next {
                            Some('n') => text.push('\n'),
                            Some('t') => text.push('\t'),
                            Some('r') => text.push('\r'),
                            Some('"') => text.push('"'),
                            Some('\\') => text.push('\\'),
                            Some('u') if line[i + 1..].starts_with('{') => {
                                let close = line[i + 1..].find('}');
                                let code = close
                                    .and_then(|e| {
                                        u32::from_str_radix(&line[i + 2..i + 1 + e], 16).ok()
                                    })
                                    .and_then(char::from_u32);
                                match (close, code) {
                                    (Some(e), Some(ch)) => {
                                        text.push(ch);
                                        i += e + 1;
                                    }
                                    _ => {
                                        return Err(AsmError::new(
                                            "E0433",
                                            base + esc_start..base + (i + 1).min(b.len()),
                                            "bad `\\u{...}` escape: expected hex digits of a Unicode scalar value",
                                        ));
                                    }
                                }
                            }
                            _ => {
                                let end = i + next.map_or(0, char::len_utf8);
                                return Err(AsmError::new(
                                    "E0433",
                                    base + esc_start..base + end,
                                    "unknown escape in a string",
                                )
                                .with_help("known escapes: \\\" \\\\ \\n \\t \\r \\u{HEX}"));
                            }
                        }
                        i += next.map_or(0, char::len_utf8);
                    }
                    ch => {
                        text.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            if !closed {
                return Err(AsmError::new(
                    "E0433",
                    base + start..base + b.len(),
                    "unterminated string",
                )
                .label("the string starts here")
                .with_help("end the string with `\"` on the same line"));
            }
            out.push((Tok::Str(text), base + start..base + i));
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b',' | b';' | b'"') {
            i += 1;
        }
        out.push((
            Tok::Word(line[start..i].to_string()),
            base + start..base + i,
        ));
    }
    Ok(out)
}

/// A string operand before the pool is final.
enum PendingRef {
    Index(u32, Range<usize>),
}

/// Assembles `.birasm` text. Every problem found is reported.
pub fn assemble(source: &str) -> Result<Program, Vec<AsmError>> {
    let mut program = Program::default();
    let mut errors = Vec::new();
    let mut refs: Vec<PendingRef> = Vec::new();
    let mut version_seen: Option<Range<usize>> = None;
    let mut base = 0;
    for line in source.split_inclusive('\n') {
        let here = base;
        base += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        let tokens = match tokenize(line, here) {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let Some((first, first_span)) = tokens.first().cloned() else {
            continue;
        };
        let rest = &tokens[1..];
        let word = match first {
            Tok::Word(w) => w,
            Tok::Str(_) => {
                errors.push(
                    AsmError::new(
                        "E0430",
                        first_span,
                        "expected an instruction or a directive, found a string",
                    )
                    .label("a line starts with a mnemonic or a `.directive`"),
                );
                continue;
            }
        };
        if let Some(directive) = word.strip_prefix('.') {
            directive_line(
                directive,
                first_span,
                rest,
                &mut program,
                &mut version_seen,
                &mut errors,
            );
            continue;
        }
        let Some(opcode) = Opcode::from_mnemonic(&word) else {
            let upper = word.to_ascii_uppercase();
            let mut e = AsmError::new("E0430", first_span, format!("unknown instruction `{word}`"));
            e = match Opcode::from_mnemonic(&upper) {
                Some(op) => e.with_help(format!("mnemonics are upper case: `{}`", op.mnemonic())),
                None => match closest(&upper) {
                    Some(op) => e.with_help(format!("did you mean `{}`?", op.mnemonic())),
                    None => e.with_help(format!(
                        "BIR 0.1 instructions: {}",
                        Opcode::ALL
                            .iter()
                            .map(|o| o.mnemonic())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                },
            };
            errors.push(e);
            continue;
        };
        let mut rest = rest;
        let mut mode = 0u8;
        if let Some((Tok::Word(w), span)) = rest.first()
            && let Some(value) = w.strip_prefix("mode=")
        {
            match parse_int(value).and_then(|v| u8::try_from(v).ok()) {
                Some(m) => mode = m,
                None => errors.push(
                    AsmError::new("E0437", span.clone(), format!("bad mode flags `{value}`"))
                        .with_help("mode flags are one byte, e.g. `mode=0x01`"),
                ),
            }
            rest = &rest[1..];
        }
        let kinds = opcode.operands();
        if rest.len() != kinds.len() {
            let span = match (rest.first(), rest.last()) {
                (Some((_, a)), Some((_, b))) => a.start..b.end,
                _ => first_span.clone(),
            };
            errors.push(
                AsmError::new(
                    "E0431",
                    span,
                    format!(
                        "{} takes {} operand{}, found {}",
                        opcode.mnemonic(),
                        kinds.len(),
                        if kinds.len() == 1 { "" } else { "s" },
                        rest.len()
                    ),
                )
                .with_help(if kinds.is_empty() {
                    format!("{} takes no operands", opcode.mnemonic())
                } else {
                    format!(
                        "{} takes{}",
                        opcode.mnemonic(),
                        crate::container::signature(opcode)
                    )
                }),
            );
            continue;
        }
        let mut operands = Vec::with_capacity(kinds.len());
        let mut ok = true;
        for ((tok, span), &(name, kind)) in rest.iter().zip(kinds) {
            match operand(tok, span, name, kind, &mut program, &mut refs) {
                Ok(op) => operands.push(op),
                Err(e) => {
                    errors.push(e);
                    ok = false;
                }
            }
        }
        if ok {
            program.code.push(Instruction {
                opcode,
                mode,
                operands,
            });
        }
    }
    for PendingRef::Index(i, span) in refs {
        if i as usize >= program.pool.len() {
            errors.push(
                AsmError::new(
                    "E0434",
                    span,
                    format!(
                        "constant #{i} does not exist: the pool has {} entr{}",
                        program.pool.len(),
                        if program.pool.len() == 1 { "y" } else { "ies" }
                    ),
                )
                .with_help("declare it with `.const \"...\"`, or write the string in place"),
            );
        }
    }
    if errors.is_empty() {
        Ok(program)
    } else {
        Err(errors)
    }
}

fn closest(word: &str) -> Option<Opcode> {
    // The mnemonic sharing the longest prefix (at least 3 characters).
    Opcode::ALL
        .iter()
        .map(|o| {
            let common = o
                .mnemonic()
                .chars()
                .zip(word.chars())
                .take_while(|(a, b)| a == b)
                .count();
            (common, *o)
        })
        .filter(|(n, _)| *n >= 3)
        .max_by_key(|(n, _)| *n)
        .map(|(_, o)| o)
}

fn parse_int(text: &str) -> Option<i64> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let value = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => i64::from_str_radix(hex, 16).ok()?,
        None if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse().ok()?
        }
        None => return None,
    };
    Some(if neg { -value } else { value })
}

fn parse_float(text: &str) -> Option<f32> {
    if let Some(bits) = text
        .strip_prefix("nan(0x")
        .and_then(|r| r.strip_suffix(')'))
    {
        return u32::from_str_radix(bits, 16)
            .ok()
            .map(f32::from_bits)
            .filter(|f| f.is_nan());
    }
    match text {
        "nan" => Some(f32::NAN),
        "inf" => Some(f32::INFINITY),
        "-inf" => Some(f32::NEG_INFINITY),
        _ if text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
            && text.bytes().any(|b| b.is_ascii_digit()) =>
        {
            text.parse().ok()
        }
        _ => None,
    }
}

fn operand(
    tok: &Tok,
    span: &Range<usize>,
    name: &str,
    kind: OperandKind,
    program: &mut Program,
    refs: &mut Vec<PendingRef>,
) -> Result<Operand, AsmError> {
    let bad = |found: &str| {
        AsmError::new(
            "E0432",
            span.clone(),
            format!("operand `{name}` must be {}, found {found}", kind.name()),
        )
    };
    match (kind, tok) {
        (OperandKind::Str, Tok::Str(s)) => Ok(Operand::Str(program.intern(s))),
        (OperandKind::Str, Tok::Word(w)) => {
            match w.strip_prefix('#').and_then(|d| d.parse::<u32>().ok()) {
                Some(i) => {
                    refs.push(PendingRef::Index(i, span.clone()));
                    Ok(Operand::Str(i))
                }
                None => Err(bad(&format!("`{w}`"))
                    .with_help("write `#N` (constant N) or a string in quotes")),
            }
        }
        (OperandKind::Int, Tok::Word(w)) => match parse_int(w) {
            Some(v) => i32::try_from(v).map(Operand::Int).map_err(|_| {
                AsmError::new(
                    "E0436",
                    span.clone(),
                    format!("operand `{name}` = {v} does not fit in a 32-bit signed integer"),
                )
                .with_help("integers range from -2147483648 to 2147483647")
            }),
            None => Err(bad(&format!("`{w}`")).with_help("write a decimal or 0x hex integer")),
        },
        (OperandKind::Float, Tok::Word(w)) => parse_float(w).map(Operand::Float).ok_or_else(|| {
            bad(&format!("`{w}`")).with_help("write a number such as 0.6, 1e-3, inf or nan")
        }),
        (_, Tok::Str(_)) => Err(bad("a string")),
    }
}

fn directive_line(
    name: &str,
    span: Range<usize>,
    args: &[(Tok, Range<usize>)],
    program: &mut Program,
    version_seen: &mut Option<Range<usize>>,
    errors: &mut Vec<AsmError>,
) {
    let args_span = match (args.first(), args.last()) {
        (Some((_, a)), Some((_, b))) => a.start..b.end,
        _ => span.clone(),
    };
    let strings: Option<Vec<&str>> = args
        .iter()
        .map(|(t, _)| match t {
            Tok::Str(s) => Some(s.as_str()),
            Tok::Word(_) => None,
        })
        .collect();
    match name {
        "version" => {
            let ok = matches!(args, [(Tok::Word(w), _)] if w == &format!("{}.{}", crate::VERSION.0, crate::VERSION.1));
            if !ok {
                errors.push(
                    AsmError::new("E0435", args_span, "unsupported `.version`").with_help(format!(
                        "this omexc writes BIR {}.{}: `.version {}.{}`",
                        crate::VERSION.0,
                        crate::VERSION.1,
                        crate::VERSION.0,
                        crate::VERSION.1
                    )),
                );
            } else if version_seen.is_some() {
                errors.push(AsmError::new("E0435", span.clone(), "a second `.version`"));
            }
            *version_seen = Some(span);
        }
        "const" => match strings.as_deref() {
            Some([s]) => program.pool.push(s.to_string()),
            _ => errors.push(
                AsmError::new("E0435", args_span, "`.const` takes one string")
                    .with_help("write `.const \"text\"`"),
            ),
        },
        "meta" => match strings.as_deref() {
            Some([k, v]) => program
                .metadata
                .get_or_insert_with(Vec::new)
                .push((k.to_string(), v.to_string())),
            Some([]) => {
                program.metadata.get_or_insert_with(Vec::new);
            }
            _ => errors.push(
                AsmError::new(
                    "E0435",
                    args_span,
                    "`.meta` takes a key and a value, both strings",
                )
                .with_help("write `.meta \"key\" \"value\"`"),
            ),
        },
        "zlib" => {
            for (tok, s) in args {
                match tok {
                    Tok::Word(w) if w == "const" => program.compression.const_pool = true,
                    Tok::Word(w) if w == "instr" => program.compression.instr = true,
                    Tok::Word(w) if w == "meta" => program.compression.metadata = true,
                    _ => errors.push(AsmError::new(
                        "E0435",
                        s.clone(),
                        "`.zlib` names sections: const, instr, meta",
                    )),
                }
            }
        }
        other => errors.push(
            AsmError::new("E0435", span, format!("unknown directive `.{other}`"))
                .with_help("directives: .version, .zlib, .meta, .const"),
        ),
    }
}
