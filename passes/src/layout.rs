//! Linear positions of instructions, for liveness over structured control flow.
//!
//! Instructions are numbered in program order; an instruction that owns
//! regions (`Loop`, `If`) also gets an end position after its regions (for a
//! loop: where `FLOW_LOOP_END` is). A value is read at the *use point* `2p`
//! of the reading instruction and written at the *def point* `2p + 1`, so an
//! instruction can write its result into the slot of an operand it reads for
//! the last time.

use cranelift_entity::SecondaryMap;
use omex_ir::{Inst, Module, Op};

#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub pos: SecondaryMap<Inst, u32>,
    /// End position of a region owner; equal to `pos` for other instructions.
    pub end: SecondaryMap<Inst, u32>,
    /// Instructions in program order.
    pub order: Vec<Inst>,
}

impl Layout {
    pub fn compute(module: &Module) -> Self {
        let n = module.insts.len();
        let mut layout = Layout {
            pos: crate::side_table(n),
            end: crate::side_table(n),
            order: Vec::with_capacity(n),
        };
        let mut next = 0u32;
        if let Some(body) = module.body {
            layout.visit(module, body, &mut next);
        }
        layout
    }

    fn visit(&mut self, module: &Module, block: omex_ir::Block, next: &mut u32) {
        for &inst in &module.blocks[block].insts {
            self.pos[inst] = *next;
            self.order.push(inst);
            *next += 1;
            let mut owner = false;
            for region in regions(&module.insts[inst].op) {
                self.visit(module, region, next);
                owner = true;
            }
            if !owner {
                self.end[inst] = self.pos[inst];
            } else {
                self.end[inst] = *next;
                *next += 1;
            }
        }
    }

    pub fn use_point(&self, inst: Inst) -> u32 {
        2 * self.pos[inst]
    }

    pub fn def_point(&self, inst: Inst) -> u32 {
        2 * self.pos[inst] + 1
    }

    /// The use point of a region owner's end (`FLOW_LOOP_END`).
    pub fn end_point(&self, inst: Inst) -> u32 {
        2 * self.end[inst]
    }
}

/// The regions `op` owns, without allocating (unlike [`Op::regions`]).
pub fn regions(op: &Op) -> impl Iterator<Item = omex_ir::Block> {
    let pair = match op {
        Op::Loop { body } => [Some(*body), None],
        Op::If {
            then_block,
            else_block,
        } => [Some(*then_block), Some(*else_block)],
        _ => [None, None],
    };
    pair.into_iter().flatten()
}

/// The loops enclosing `inst`, innermost first.
pub fn enclosing_loops(module: &Module, inst: Inst) -> Vec<Inst> {
    let mut loops = Vec::new();
    let mut block = module.insts[inst].block;
    while let Some(parent) = module.blocks[block].parent {
        if matches!(module.insts[parent].op, Op::Loop { .. }) {
            loops.push(parent);
        }
        block = module.insts[parent].block;
    }
    loops
}
