//! Entity handles: `u32` indices into the module's arenas.

use cranelift_entity::entity_impl;

/// An SSA value: an instruction result or a block parameter. Prints as `v3`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(u32);
entity_impl!(Value, "v");

/// An instruction. Prints as `inst7`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Inst(u32);
entity_impl!(Inst, "inst");

/// A block: the body of the plan or a region of a loop or an if. Prints as `blk2`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Block(u32);
entity_impl!(Block, "blk");

/// A declared model. Prints as `model0`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelRef(u32);
entity_impl!(ModelRef, "model");
