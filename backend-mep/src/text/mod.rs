//! The `.mepasm` text form: one instruction per line, operands by name,
//! constants inline, labels for branch targets, loop bodies indented.
//!
//! ```text
//! .mep 1.0
//! .plan "echo"
//! .arg 0 "text"
//!     SRC_CMD_ARG out=s0 arg=0
//!     SINK_RETURN values=[s0] names=["text"]
//! ```
//! [`disassemble`] prints a module; [`assemble`] reads text back. Text printed
//! by the disassembler assembles to a module that prints as the same text.

mod asm;
mod disasm;
mod lexer;

pub use asm::{AsmError, Assembled, assemble};
pub use disasm::disassemble;
