//! The IR module: arenas of values, instructions and blocks, plus side tables.

use std::collections::BTreeMap;

use cranelift_entity::{PrimaryMap, SecondaryMap};
use omex_diagnostics::Span;
use smallvec::SmallVec;

use crate::entities::{Block, Inst, ModelRef, Value};
use crate::op::Op;
use crate::types::{TensorType, Type};

/// Where a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueDef {
    /// Result number `index` of an instruction.
    Result(Inst, u16),
    /// Parameter number `index` of a block.
    Param(Block, u16),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValueData {
    pub ty: Type,
    pub def: ValueDef,
}

/// An instruction's arguments or results: up to four inline (almost every
/// instruction), so walking the IR reads no other memory.
pub type ValueList = SmallVec<[Value; 4]>;

#[derive(Debug, Clone, PartialEq)]
pub struct InstData {
    pub op: Op,
    pub args: ValueList,
    pub results: ValueList,
    /// The block the instruction is in.
    pub block: Block,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BlockData {
    pub params: Vec<Value>,
    pub insts: Vec<Inst>,
    /// The `Loop` or `If` owning this region; `None` for the plan body.
    pub parent: Option<Inst>,
}

/// A model input or output as declared (read from the ONNX file or a manifest).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPort {
    pub name: String,
    pub ty: TensorType,
}

/// A model the plan uses.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelDecl {
    /// The path as written in the recipe (relative to its folder or a model path).
    pub path: String,
    /// Execution format selecting the runtime backend, e.g. `onnx`.
    pub format: String,
    /// The inputs and outputs, when the model file was found at compile time.
    pub inputs: Option<Vec<ModelPort>>,
    pub outputs: Option<Vec<ModelPort>>,
    /// Size of the model file in bytes, when found.
    pub size: Option<u64>,
    pub sha256: Option<[u8; 32]>,
    pub span: Option<Span>,
}

/// A named command-line argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDecl {
    pub index: u8,
    pub name: String,
}

/// A whole plan in SSA form.
///
/// Invariants (checked first by [`verify`](crate::verify())):
/// 1. Every value is defined exactly once: by one instruction result or one
///    block parameter, as its [`ValueDef`] says.
/// 2. A value is used only after its definition, in the same block or in a
///    region nested inside that block (structured dominance).
/// 3. Each instruction is listed in exactly one block, the one it records.
/// 4. `Yield`, `Halt` and `Return` appear only as the last instruction of a
///    block; every region (loop body, if branch) ends with one of them; the
///    body ends with `Return` or `Halt`.
/// 5. A loop body has one parameter (the iteration index, `int`) plus one per
///    carried value; its `Yield`, every `BreakIf` inside it and the loop's
///    results agree in number with the carried values. An `If`'s two regions
///    yield as many values as the `If` has results.
/// 6. `BreakIf` occurs only inside a loop body (possibly nested in an `If`).
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub name: String,
    pub args: Vec<ArgDecl>,
    pub models: PrimaryMap<ModelRef, ModelDecl>,
    pub values: PrimaryMap<Value, ValueData>,
    pub insts: PrimaryMap<Inst, InstData>,
    pub blocks: PrimaryMap<Block, BlockData>,
    /// The plan body (`None` only while a front end is building it).
    pub body: Option<Block>,
    /// Source spans of instructions (side table).
    pub spans: SecondaryMap<Inst, Option<Span>>,
    /// Names of values as the recipe wrote them (side table, for debugging).
    pub names: SecondaryMap<Value, Option<String>>,
    /// The source files spans point into (index = `FileId`).
    pub files: Vec<String>,
    /// Upper bounds of symbolic dimensions (`seq` <= 128), for memory planning.
    pub dim_bounds: BTreeMap<String, u64>,
    /// The memory budget the input declares, in bytes.
    pub memory_budget: Option<u64>,
}

impl Module {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Creates a block that belongs to `parent` (set later for regions).
    pub fn create_block(&mut self) -> Block {
        self.blocks.push(BlockData::default())
    }

    pub fn add_block_param(&mut self, block: Block, ty: Type) -> Value {
        let index = self.blocks[block].params.len() as u16;
        let value = self.values.push(ValueData {
            ty,
            def: ValueDef::Param(block, index),
        });
        self.blocks[block].params.push(value);
        value
    }

    /// Appends an instruction to `block`, creating one result per type.
    pub fn append(
        &mut self,
        block: Block,
        op: Op,
        args: Vec<Value>,
        result_types: Vec<Type>,
        span: Option<Span>,
    ) -> Inst {
        let regions = op.regions();
        let inst = self.insts.push(InstData {
            op,
            args: args.into(),
            results: ValueList::new(),
            block,
        });
        for (index, ty) in result_types.into_iter().enumerate() {
            let value = self.values.push(ValueData {
                ty,
                def: ValueDef::Result(inst, index as u16),
            });
            self.insts[inst].results.push(value);
        }
        for region in regions {
            self.blocks[region].parent = Some(inst);
        }
        self.blocks[block].insts.push(inst);
        self.spans[inst] = span;
        inst
    }

    /// Inserts an instruction at `position` in `block` (used by passes).
    pub fn insert(
        &mut self,
        block: Block,
        position: usize,
        op: Op,
        args: Vec<Value>,
        span: Option<Span>,
    ) -> Inst {
        let inst = self.insts.push(InstData {
            op,
            args: args.into(),
            results: ValueList::new(),
            block,
        });
        let position = position.min(self.blocks[block].insts.len());
        self.blocks[block].insts.insert(position, inst);
        self.spans[inst] = span;
        inst
    }

    /// The single result of an instruction (the first, if several).
    pub fn result(&self, inst: Inst) -> Option<Value> {
        self.insts[inst].results.first().copied()
    }

    pub fn ty(&self, value: Value) -> &Type {
        &self.values[value].ty
    }

    pub fn name_value(&mut self, value: Value, name: impl Into<String>) {
        self.names[value] = Some(name.into());
    }

    /// The value's recipe name, or its handle (`v3`).
    pub fn display_name(&self, value: Value) -> String {
        self.names[value]
            .clone()
            .unwrap_or_else(|| value.to_string())
    }

    /// The instruction defining `value`, if it is a result.
    pub fn def_inst(&self, value: Value) -> Option<Inst> {
        match self.values[value].def {
            ValueDef::Result(inst, _) => Some(inst),
            ValueDef::Param(..) => None,
        }
    }

    /// The span of the definition of `value` (for a parameter, its region owner's).
    pub fn value_span(&self, value: Value) -> Option<Span> {
        match self.values[value].def {
            ValueDef::Result(inst, _) => self.spans[inst],
            ValueDef::Param(block, _) => self.blocks[block].parent.and_then(|p| self.spans[p]),
        }
    }

    /// Every instruction in program order, regions visited where they occur.
    pub fn walk(&self) -> Vec<Inst> {
        let mut out = Vec::with_capacity(self.insts.len());
        if let Some(body) = self.body {
            self.walk_block(body, &mut out);
        }
        out
    }

    fn walk_block(&self, block: Block, out: &mut Vec<Inst>) {
        for &inst in &self.blocks[block].insts {
            out.push(inst);
            for region in self.insts[inst].op.regions() {
                self.walk_block(region, out);
            }
        }
    }

    /// The innermost `Loop` instruction enclosing `block`, if any.
    pub fn enclosing_loop(&self, mut block: Block) -> Option<Inst> {
        while let Some(parent) = self.blocks[block].parent {
            if matches!(self.insts[parent].op, Op::Loop { .. }) {
                return Some(parent);
            }
            block = self.insts[parent].block;
        }
        None
    }
}
