//! The typed constant pool.

use std::fmt;

use crate::error::{ErrorKind, MepError};
use crate::reader::{Reader, write};

/// A constant-pool value. The tag byte of each type is its encoding.
#[derive(Debug, Clone)]
pub enum Constant {
    /// Tag 0.
    Null,
    /// Tag 1: one byte, 0 or 1.
    Bool(bool),
    /// Tag 2: i64, little-endian.
    Int(i64),
    /// Tag 3: f64, little-endian IEEE-754.
    Float(f64),
    /// Tag 4: u32 byte length, UTF-8 bytes.
    Str(String),
    /// Tag 5: u32 byte length, bytes.
    Bytes(Vec<u8>),
    /// Tag 6: u32 count, i64 x count.
    IntList(Vec<i64>),
    /// Tag 7: u32 count, f32 x count.
    FloatList(Vec<f32>),
    /// Tag 8: u32 count, then each as a u32 length and UTF-8 bytes.
    StrList(Vec<String>),
}

impl PartialEq for Constant {
    /// Bitwise for floats, so that pools compare (and de-duplicate) exactly.
    fn eq(&self, other: &Self) -> bool {
        use Constant::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (IntList(a), IntList(b)) => a == b,
            (FloatList(a), FloatList(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
            }
            (StrList(a), StrList(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Constant {}

impl std::hash::Hash for Constant {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        use Constant::*;
        self.tag().hash(state);
        match self {
            Null => {}
            Bool(b) => b.hash(state),
            Int(i) => i.hash(state),
            Float(f) => f.to_bits().hash(state),
            Str(s) => s.hash(state),
            Bytes(b) => b.hash(state),
            IntList(l) => l.hash(state),
            FloatList(l) => l.iter().for_each(|f| f.to_bits().hash(state)),
            StrList(l) => l.hash(state),
        }
    }
}

impl Constant {
    pub fn tag(&self) -> u8 {
        match self {
            Constant::Null => 0,
            Constant::Bool(_) => 1,
            Constant::Int(_) => 2,
            Constant::Float(_) => 3,
            Constant::Str(_) => 4,
            Constant::Bytes(_) => 5,
            Constant::IntList(_) => 6,
            Constant::FloatList(_) => 7,
            Constant::StrList(_) => 8,
        }
    }

    /// The type's name in messages and in the text form.
    pub fn type_name(&self) -> &'static str {
        match self {
            Constant::Null => "null",
            Constant::Bool(_) => "bool",
            Constant::Int(_) => "int",
            Constant::Float(_) => "float",
            Constant::Str(_) => "str",
            Constant::Bytes(_) => "bytes",
            Constant::IntList(_) => "int list",
            Constant::FloatList(_) => "float list",
            Constant::StrList(_) => "str list",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Constant::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.tag());
        match self {
            Constant::Null => {}
            Constant::Bool(b) => out.push(u8::from(*b)),
            Constant::Int(i) => out.extend_from_slice(&i.to_le_bytes()),
            Constant::Float(f) => out.extend_from_slice(&f.to_le_bytes()),
            Constant::Str(s) => write::string(out, s),
            Constant::Bytes(b) => write::blob(out, b),
            Constant::IntList(l) => {
                write::len(out, l.len());
                l.iter()
                    .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            }
            Constant::FloatList(l) => {
                write::len(out, l.len());
                l.iter()
                    .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            }
            Constant::StrList(l) => {
                write::len(out, l.len());
                l.iter().for_each(|s| write::string(out, s));
            }
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Constant, MepError> {
        let at = r.offset();
        let tag = r.u8("constant tag")?;
        Ok(match tag {
            0 => Constant::Null,
            1 => match r.u8("bool constant")? {
                0 => Constant::Bool(false),
                1 => Constant::Bool(true),
                _ => {
                    let reason = "a bool constant's value byte must be 0 or 1";
                    return Err(MepError::new(
                        at + 1,
                        ErrorKind::BadConstantValue { reason },
                    ));
                }
            },
            2 => Constant::Int(r.i64("int constant")?),
            3 => Constant::Float(r.f64("float constant")?),
            4 => Constant::Str(r.string("string constant")?),
            5 => Constant::Bytes(r.blob("bytes constant")?.to_vec()),
            6 => {
                let n = r.count(8, "int list constant")?;
                Constant::IntList(
                    (0..n)
                        .map(|_| r.i64("int list constant"))
                        .collect::<Result<_, _>>()?,
                )
            }
            7 => {
                let n = r.count(4, "float list constant")?;
                Constant::FloatList(
                    (0..n)
                        .map(|_| r.f32("float list constant"))
                        .collect::<Result<_, _>>()?,
                )
            }
            8 => {
                let n = r.count(4, "str list constant")?;
                Constant::StrList(
                    (0..n)
                        .map(|_| r.string("str list constant"))
                        .collect::<Result<_, _>>()?,
                )
            }
            _ => return Err(MepError::new(at, ErrorKind::UnknownConstantTag { tag })),
        })
    }
}

/// Prints the text-form literal of a constant (see `docs/mep-format.md`).
impl fmt::Display for Constant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constant::Null => f.write_str("null"),
            Constant::Bool(b) => write!(f, "{b}"),
            Constant::Int(i) => write!(f, "{i}"),
            Constant::Float(x) => write_f64(f, *x),
            Constant::Str(s) => write_quoted(f, s),
            Constant::Bytes(b) => {
                f.write_str("bytes\"")?;
                b.iter().try_for_each(|byte| write!(f, "{byte:02x}"))?;
                f.write_str("\"")
            }
            Constant::IntList(l) => {
                f.write_str("int[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Constant::FloatList(l) => {
                f.write_str("f32[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_f32(f, *v)?;
                }
                f.write_str("]")
            }
            Constant::StrList(l) => {
                f.write_str("str[")?;
                for (i, s) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_quoted(f, s)?;
                }
                f.write_str("]")
            }
        }
    }
}

/// Floats always print with a `.` or an exponent, so they read back as floats.
fn write_f64(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        f.write_str("nan")
    } else if x.is_infinite() {
        f.write_str(if x > 0.0 { "inf" } else { "-inf" })
    } else {
        write!(f, "{x:?}")
    }
}

fn write_f32(f: &mut fmt::Formatter<'_>, x: f32) -> fmt::Result {
    if x.is_nan() {
        f.write_str("nan")
    } else if x.is_infinite() {
        f.write_str(if x > 0.0 { "inf" } else { "-inf" })
    } else {
        write!(f, "{x:?}")
    }
}

/// A double-quoted string with `\"`, `\\`, `\n`, `\r`, `\t` and `\u{..}` escapes.
pub fn write_quoted(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{{{:x}}}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}
