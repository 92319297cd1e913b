//! Operand kinds and values: the vocabulary of the opcode table.

use std::fmt;

use crate::subtype::SubtypeTable;

/// A context slot (`key` in the ISA): one byte, 0..=255.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(pub u8);

/// An index into the constant pool (`const_id`): two bytes, little-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConstId(pub u16);

/// An index into the model table (`model_id`): one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId(pub u8);

/// A branch offset: signed, little-endian, in bytes, relative to the first
/// byte after the branch instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Offset(pub i16);

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s{}", self.0)
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0)
    }
}

impl fmt::Display for ConstId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The type a constant operand must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstUse {
    /// Any constant (`SRC_CONSTANT`).
    Any,
    /// A UTF-8 string (paths, names, prompts, format strings).
    Str,
    /// Depends on another operand; checked by the verifier (`EXEC_CTL`).
    ByControl,
}

/// How an operand is laid out in bytes and what it refers to.
#[derive(Debug, Clone, Copy)]
pub enum OperandKind {
    /// One byte: a context slot.
    Slot,
    /// Two bytes, little-endian: a constant-pool index.
    Const(ConstUse),
    /// One byte: a model-table index.
    Model,
    /// One byte: an unsigned immediate (argument index, k, ...).
    Imm8,
    /// One byte: a code from a subtype table.
    Subtype(&'static SubtypeTable),
    /// One count byte, then that many slot bytes.
    SlotList,
    /// Two bytes, little-endian, signed: a branch offset.
    Offset,
}

impl OperandKind {
    /// The layout's short name, as the docs' operand tables print it.
    pub fn layout(&self) -> &'static str {
        match self {
            OperandKind::Slot => "key (1)",
            OperandKind::Const(_) => "const_id (2, LE)",
            OperandKind::Model => "model_id (1)",
            OperandKind::Imm8 => "u8 (1)",
            OperandKind::Subtype(_) => "type (1)",
            OperandKind::SlotList => "count (1), key (1) x count",
            OperandKind::Offset => "offset (2, LE, signed)",
        }
    }
}

/// An operand value, untyped: what the generic encoder, decoder and text
/// forms traffic in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    Slot(Slot),
    Const(ConstId),
    Model(ModelId),
    Imm8(u8),
    /// A raw subtype code: not yet checked against its table.
    Subtype(u8),
    Slots(Vec<Slot>),
    Offset(Offset),
}

impl Operand {
    /// Number of bytes the operand takes in the code.
    pub fn encoded_len(&self) -> usize {
        match self {
            Operand::Slot(_) | Operand::Model(_) | Operand::Imm8(_) | Operand::Subtype(_) => 1,
            Operand::Const(_) | Operand::Offset(_) => 2,
            Operand::Slots(list) => 1 + list.len(),
        }
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Operand::Slot(s) => out.push(s.0),
            Operand::Model(m) => out.push(m.0),
            Operand::Imm8(v) | Operand::Subtype(v) => out.push(*v),
            Operand::Const(c) => out.extend_from_slice(&c.0.to_le_bytes()),
            Operand::Offset(o) => out.extend_from_slice(&o.0.to_le_bytes()),
            Operand::Slots(list) => {
                // The count byte caps a list at 255 entries; the builder and
                // assembler refuse longer lists before they get here.
                out.push(list.len().min(255) as u8);
                out.extend(list.iter().take(255).map(|s| s.0));
            }
        }
    }
}

/// A typed instruction field: converts to and from an untyped [`Operand`].
pub trait Field: Sized {
    const KIND: OperandKind;
    fn to_operand(&self) -> Operand;
    /// `None` when the operand is of another kind or a subtype code is undefined.
    fn from_operand(operand: &Operand) -> Option<Self>;
    /// Encoded size in bytes.
    fn encoded_len(&self) -> usize {
        self.to_operand().encoded_len()
    }
    fn write(&self, out: &mut Vec<u8>) {
        self.to_operand().write(out);
    }
    /// The context slots this field names.
    fn slots(&self) -> &[Slot] {
        &[]
    }
}

impl Field for Slot {
    const KIND: OperandKind = OperandKind::Slot;
    fn to_operand(&self) -> Operand {
        Operand::Slot(*self)
    }
    fn slots(&self) -> &[Slot] {
        std::slice::from_ref(self)
    }
    fn from_operand(operand: &Operand) -> Option<Self> {
        match operand {
            Operand::Slot(s) => Some(*s),
            _ => None,
        }
    }
}

impl Field for ModelId {
    const KIND: OperandKind = OperandKind::Model;
    fn to_operand(&self) -> Operand {
        Operand::Model(*self)
    }
    fn from_operand(operand: &Operand) -> Option<Self> {
        match operand {
            Operand::Model(m) => Some(*m),
            _ => None,
        }
    }
}

impl Field for u8 {
    const KIND: OperandKind = OperandKind::Imm8;
    fn to_operand(&self) -> Operand {
        Operand::Imm8(*self)
    }
    fn from_operand(operand: &Operand) -> Option<Self> {
        match operand {
            Operand::Imm8(v) => Some(*v),
            _ => None,
        }
    }
}

impl Field for Vec<Slot> {
    const KIND: OperandKind = OperandKind::SlotList;
    fn to_operand(&self) -> Operand {
        Operand::Slots(self.clone())
    }
    fn encoded_len(&self) -> usize {
        1 + self.len()
    }
    fn write(&self, out: &mut Vec<u8>) {
        // As `Operand::write`: the count byte caps a list at 255 entries.
        out.push(self.len().min(255) as u8);
        out.extend(self.iter().take(255).map(|s| s.0));
    }
    fn slots(&self) -> &[Slot] {
        self
    }
    fn from_operand(operand: &Operand) -> Option<Self> {
        match operand {
            Operand::Slots(list) => Some(list.clone()),
            _ => None,
        }
    }
}

impl Field for Offset {
    const KIND: OperandKind = OperandKind::Offset;
    fn to_operand(&self) -> Operand {
        Operand::Offset(*self)
    }
    fn from_operand(operand: &Operand) -> Option<Self> {
        match operand {
            Operand::Offset(o) => Some(*o),
            _ => None,
        }
    }
}

/// Constant operands carry their required type in the field type.
macro_rules! const_field {
    ($($name:ident => $use:expr),* $(,)?) => {$(
        /// A constant-pool operand; the type parameter is its required use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub ConstId);

        impl Field for $name {
            const KIND: OperandKind = OperandKind::Const($use);
            fn to_operand(&self) -> Operand {
                Operand::Const(self.0)
            }
            fn from_operand(operand: &Operand) -> Option<Self> {
                match operand {
                    Operand::Const(c) => Some($name(*c)),
                    _ => None,
                }
            }
        }
    )*};
}

const_field! {
    AnyConst => ConstUse::Any,
    StrConst => ConstUse::Str,
    CtlConst => ConstUse::ByControl,
}

macro_rules! subtype_field {
    ($($ty:ident),* $(,)?) => {$(
        impl Field for crate::subtype::$ty {
            const KIND: OperandKind = OperandKind::Subtype(crate::subtype::$ty::TABLE);
            fn to_operand(&self) -> Operand {
                Operand::Subtype(self.code())
            }
            fn from_operand(operand: &Operand) -> Option<Self> {
                match operand {
                    Operand::Subtype(code) => Self::from_code(*code),
                    _ => None,
                }
            }
        }
    )*};
}

subtype_field!(
    PromptType,
    ReadMode,
    DataFileType,
    ExternKind,
    CtlType,
    ResType,
    DType,
    CreateOp,
    RandomDist,
    ManipOp,
    CombineOp,
    InfoOp,
    UnaryOp,
    BinaryOp,
    AggOp,
    CompareOp,
    ImageRange,
    StreamMode,
    FileFormat,
);
