//! A decoded BIR program: the constant pool, the instructions and the
//! optional metadata, independent of how the container laid them out.

use crate::opcode::{Opcode, OperandKind};

/// One operand, as its opcode's table entry says to read it.
#[derive(Debug, Clone, Copy)]
pub enum Operand {
    Int(i32),
    Float(f32),
    /// An index into the constant pool.
    Str(u32),
}

impl PartialEq for Operand {
    /// Bitwise for floats, so that round trips compare exactly (NaN payloads too).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Operand::Int(a), Operand::Int(b)) => a == b,
            (Operand::Float(a), Operand::Float(b)) => a.to_bits() == b.to_bits(),
            (Operand::Str(a), Operand::Str(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Operand {}

impl Operand {
    pub fn kind(self) -> OperandKind {
        match self {
            Operand::Int(_) => OperandKind::Int,
            Operand::Float(_) => OperandKind::Float,
            Operand::Str(_) => OperandKind::Str,
        }
    }

    /// The four little-endian bytes of the encoding.
    pub fn to_le_bytes(self) -> [u8; 4] {
        match self {
            Operand::Int(v) => v.to_le_bytes(),
            Operand::Float(v) => v.to_le_bytes(),
            Operand::Str(v) => v.to_le_bytes(),
        }
    }

    /// Reads four little-endian bytes as `kind`.
    pub fn from_le_bytes(kind: OperandKind, bytes: [u8; 4]) -> Self {
        match kind {
            OperandKind::Int => Operand::Int(i32::from_le_bytes(bytes)),
            OperandKind::Float => Operand::Float(f32::from_le_bytes(bytes)),
            OperandKind::Str => Operand::Str(u32::from_le_bytes(bytes)),
        }
    }
}

/// One instruction: 3 header bytes (opcode, mode flags, operand count in the
/// low nibble with the reserved high nibble zero), then 4 bytes per operand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub opcode: Opcode,
    /// Modifiers; BIR 0.1 defines none, so the lowering requires 0.
    pub mode: u8,
    pub operands: Vec<Operand>,
}

impl Instruction {
    pub fn new(opcode: Opcode, operands: Vec<Operand>) -> Self {
        Instruction {
            opcode,
            mode: 0,
            operands,
        }
    }

    /// Encoded size in bytes.
    pub fn size(&self) -> usize {
        3 + 4 * self.operands.len()
    }

    pub fn int(&self, index: usize) -> i32 {
        match self.operands.get(index) {
            Some(Operand::Int(v)) => *v,
            _ => 0,
        }
    }

    pub fn float(&self, index: usize) -> f32 {
        match self.operands.get(index) {
            Some(Operand::Float(v)) => *v,
            _ => 0.0,
        }
    }

    pub fn str_ref(&self, index: usize) -> u32 {
        match self.operands.get(index) {
            Some(Operand::Str(v)) => *v,
            _ => 0,
        }
    }
}

/// Which sections are stored zlib-compressed (flag bit 0 of their header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compression {
    pub const_pool: bool,
    pub instr: bool,
    pub metadata: bool,
}

/// A whole program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// `(major, minor)`; this crate reads and writes 0.1.
    pub version: (u8, u8),
    pub pool: Vec<String>,
    pub code: Vec<Instruction>,
    /// `None`: no METADATA section. Otherwise key/value pairs in order.
    pub metadata: Option<Vec<(String, String)>>,
    pub compression: Compression,
}

impl Default for Program {
    fn default() -> Self {
        Program {
            version: crate::VERSION,
            pool: Vec::new(),
            code: Vec::new(),
            metadata: None,
            compression: Compression::default(),
        }
    }
}

impl Program {
    /// The index of `text` in the pool, appending it when absent.
    pub fn intern(&mut self, text: &str) -> u32 {
        match self.pool.iter().position(|s| s == text) {
            Some(i) => i as u32,
            None => {
                self.pool.push(text.to_string());
                (self.pool.len() - 1) as u32
            }
        }
    }

    /// The pool string an instruction's operand refers to (decoding checked the range).
    pub fn string(&self, index: u32) -> &str {
        self.pool.get(index as usize).map_or("", String::as_str)
    }
}
