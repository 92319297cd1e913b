//! The shared SSA IR of omexc.
//!
//! Every front end (plan DSL, OMEX JSON, Jules BIR, Axon manifests) lowers
//! into a [`Module`]; the passes and the MEP emitter read it. Values are
//! defined once and typed ([`Type`]); control flow is structured (`Loop` and
//! `If` own their regions, loop-carried values are block parameters).
//! Entities are arena handles; spans and names live in side tables.

pub mod dot;
mod entities;
mod module;
mod op;
mod print;
mod types;
mod verify;

pub use entities::{Block, Inst, ModelRef, Value};
pub use module::{
    ArgDecl, BlockData, InstData, ModelDecl, ModelPort, Module, ValueData, ValueDef, ValueList,
};
pub use op::Op;
pub use print::print;
pub use types::{DType, Dim, TensorType, Type};
pub use verify::{IrError, verify};
