//! The Jules BIR front end: binary document-pipeline programs.
//!
//! - [`container`]: the `CDIR` container, decoded with byte-offset errors
//!   (magic, version, section table, zlib, CRC32) and encoded canonically.
//! - [`opcode`]: the one instruction table; [`program`]: the decoded form.
//! - [`text`]: `.birasm`, the text form (assembler and disassembler).
//! - [`lower`]: lowering to the shared IR, as calls of the runtime's
//!   document host functions (`doc_*`).
//! - [`fuzz`]: the fuzz targets.
//!
//! `docs/bir.md` describes the format; `docs/errors-bir.md` every error code.

pub mod config;
pub mod container;
pub mod error;
pub mod fuzz;
pub mod lower;
pub mod opcode;
pub mod program;
pub mod text;

pub use container::{DecodeOptions, Decoded, Layout, decode, encode};
pub use error::{AsmError, BirError, Place};
pub use lower::{LowerOptions, lower};
pub use opcode::{Opcode, OperandKind};
pub use program::{Compression, Instruction, Operand, Program};

/// The version this crate reads and writes: BIR 0.1.
pub const VERSION: (u8, u8) = (0, 1);
