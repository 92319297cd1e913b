//! The MEP (Model Execution Pipeline) bytecode format, v1.0.
//!
//! - [`opcode`]: the opcode table, the single definition of every instruction;
//! - [`container`]: the `.mep` file (header, sections, checksum), encode and decode;
//! - [`verify()`]: the verifier, the only way to obtain an executable [`Program`];
//! - [`text`]: the `.mepasm` text form (disassembler and assembler);
//! - [`builder`]: building code with labels, for compilers and the assembler.
//!
//! `docs/mep-format.md` is the normative description of the bytes.

pub mod builder;
mod code;
pub mod constant;
pub mod container;
pub mod error;
pub mod fuzz;
pub mod module;
pub mod opcode;
pub mod operand;
mod reader;
pub mod subtype;
pub mod text;
mod verify;

pub use constant::Constant;
pub use container::{DecodeOptions, FileLayout, decode, encode};
pub use error::{ErrorKind, MepError};
pub use module::{
    ArgInfo, DebugInfo, Interface, ModelEntry, Module, ReturnNames, SlotName, SourceLocation,
};
pub use opcode::{Instruction, OPCODES, Opcode, OpcodeSpec, OperandSpec, Role};
pub use operand::{
    AnyConst, ConstId, CtlConst, ModelId, Offset, Operand, OperandKind, Slot, StrConst,
};
pub use verify::{
    HostArity, HostFunctions, Program, VerifyOptions, count_placeholders, load, verify,
    verify_with_layout,
};
