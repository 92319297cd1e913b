//! Unload insertion and late model loading.
//!
//! - A model load moves down its block to just before the first instruction
//!   that uses the model (directly or inside a region).
//! - After the last use of a model, `Unload` frees it: right after the
//!   instruction of the load's block that holds the last use, so a loop that
//!   still runs the model keeps it until the loop ends.
//! - Large tensor values (at least [`LARGE_VALUE_BYTES`] by their type) are
//!   unloaded the same way, unless they flow out of their region (yield,
//!   break, return), where a later owner takes them.

use omex_ir::{Block, Inst, Module, Op, Type, Value};

use crate::memory::value_bytes;

pub const LARGE_VALUE_BYTES: u64 = 1 << 20;

/// Whether `inst`, or anything inside its regions, uses `value`.
fn uses_within(module: &Module, inst: Inst, value: Value) -> bool {
    let d = &module.insts[inst];
    d.args.contains(&value)
        || d.op.regions().into_iter().any(|r| {
            module.blocks[r]
                .insts
                .iter()
                .any(|&i| uses_within(module, i, value))
        })
}

pub fn sink_model_loads(module: &mut Module) {
    let loads: Vec<Inst> = module
        .walk()
        .into_iter()
        .filter(|&i| matches!(module.insts[i].op, Op::LoadModel(_)))
        .collect();
    for load in loads {
        let Some(model) = module.result(load) else {
            continue;
        };
        let block = module.insts[load].block;
        let insts = module.blocks[block].insts.clone();
        let Some(from) = insts.iter().position(|&i| i == load) else {
            continue;
        };
        let first_use = insts[from + 1..]
            .iter()
            .position(|&i| uses_within(module, i, model));
        let to = match first_use {
            Some(offset) => from + offset,
            None => continue,
        };
        if to > from {
            let list = &mut module.blocks[block].insts;
            list.remove(from);
            list.insert(to, load);
        }
    }
}

fn flows_out(module: &Module, value: Value) -> bool {
    module.insts.values().any(|d| {
        matches!(d.op, Op::Yield | Op::BreakIf | Op::Return { .. }) && d.args.contains(&value)
    })
}

/// Inserts `Unload` after the last use of each model and of each large value.
pub fn insert_unloads(module: &mut Module) -> usize {
    let mut candidates: Vec<(Value, Block)> = Vec::new();
    for inst in module.walk() {
        let d = &module.insts[inst];
        for &result in &d.results {
            let large = match module.ty(result) {
                Type::Model => true,
                ty @ Type::Tensor(_) => {
                    value_bytes(module, ty).is_some_and(|b| b >= LARGE_VALUE_BYTES)
                }
                _ => false,
            };
            if large
                && !flows_out(module, result)
                && !matches!(d.op, Op::Loop { .. } | Op::If { .. })
            {
                candidates.push((result, d.block));
            }
        }
    }
    let mut inserted = 0;
    for (value, block) in candidates {
        let insts = module.blocks[block].insts.clone();
        let Some(last) = insts.iter().rposition(|&i| uses_within(module, i, value)) else {
            continue;
        };
        if module.insts[insts[last]].op.is_terminator() {
            continue;
        }
        let span = module.spans[insts[last]];
        module.insert(block, last + 1, Op::Unload, vec![value], span);
        inserted += 1;
    }
    inserted
}
