//! Unload insertion and late model loading.
//!
//! - A model load moves down its block to just before the first instruction
//!   that uses the model (directly or inside a region).
//! - After the last use of a model, `Unload` frees it: right after the
//!   instruction of the load's block that holds the last use, so a loop that
//!   still runs the model keeps it until the loop ends.
//! - Large tensor values (at least [`LARGE_VALUE_BYTES`] by the memory
//!   estimate [`value_bytes`], the one the memory plan uses) are unloaded the
//!   same way, unless they flow out of their region (yield, break, return),
//!   where a later owner takes them.
//!
//! Both passes are linear: the position of every use, lifted to the
//! instruction of the defining block that contains it, is computed once, and
//! each block is rebuilt once.

use cranelift_entity::SecondaryMap;
use omex_ir::{Block, Inst, Module, Op, Type, Value};

use crate::memory::value_bytes;

pub const LARGE_VALUE_BYTES: u64 = 1 << 20;

/// The instruction of `block` that is `inst` or contains it in a region.
fn ancestor_in(module: &Module, mut inst: Inst, block: Block) -> Option<Inst> {
    loop {
        let at = module.insts[inst].block;
        if at == block {
            return Some(inst);
        }
        inst = module.blocks[at].parent?;
    }
}

/// The first and last instructions of `block` that use `value`, directly
/// or inside a region, as the walk of the program goes by (in block order).
type Holders = SecondaryMap<Value, Option<(Inst, Inst)>>;

/// Records that `inst` uses `arg`, if `arg` has a home block.
fn record_use(
    module: &Module,
    home: &SecondaryMap<Value, Option<Block>>,
    holders: &mut Holders,
    inst: Inst,
    arg: Value,
) {
    let Some(block) = home[arg] else { return };
    let Some(holder) = ancestor_in(module, inst, block) else {
        return;
    };
    holders[arg] = Some(match holders[arg] {
        Some((first, _)) => (first, holder),
        None => (holder, holder),
    });
}

pub fn sink_model_loads(module: &mut Module) {
    if module.models.is_empty() {
        return;
    }
    let order = module.walk();
    let mut home: SecondaryMap<Value, Option<Block>> = crate::side_table(module.values.len());
    let mut holders: Holders = crate::side_table(module.values.len());
    let mut loads: Vec<(Inst, Value)> = Vec::new();
    // Uses come after definitions in the walk: one pass finds both.
    for &inst in &order {
        for &arg in &module.insts[inst].args {
            record_use(module, &home, &mut holders, inst, arg);
        }
        if matches!(module.insts[inst].op, Op::LoadModel(_))
            && let Some(model) = module.result(inst)
        {
            home[model] = Some(module.insts[inst].block);
            loads.push((inst, model));
        }
    }
    // Each load goes right before its first user; loads with the same first
    // user keep their program order. Loads never use anything, so moving one
    // does not change where another goes.
    let mut moved: SecondaryMap<Inst, bool> = SecondaryMap::new();
    let mut before: std::collections::HashMap<Inst, Vec<Inst>> = Default::default();
    let mut blocks = Vec::new();
    for &(load, model) in &loads {
        let Some((user, _)) = holders[model] else {
            continue;
        };
        moved[load] = true;
        before.entry(user).or_default().push(load);
        blocks.push(module.insts[load].block);
    }
    blocks.sort_unstable();
    blocks.dedup();
    for block in blocks {
        let old = std::mem::take(&mut module.blocks[block].insts);
        let mut new = Vec::with_capacity(old.len());
        for inst in old {
            if moved[inst] {
                continue;
            }
            if let Some(loads) = before.get(&inst) {
                new.extend_from_slice(loads);
            }
            new.push(inst);
        }
        module.blocks[block].insts = new;
    }
}

/// Inserts `Unload` after the last use of each model and of each large value.
pub fn insert_unloads(module: &mut Module) -> usize {
    let order = module.walk();
    // Values given to a region's owner or returned: a later owner takes them.
    let mut flows_out: SecondaryMap<Value, bool> = crate::side_table(module.values.len());
    let mut candidates: Vec<(Value, Block)> = Vec::new();
    let mut home: SecondaryMap<Value, Option<Block>> = crate::side_table(module.values.len());
    let mut holders: Holders = crate::side_table(module.values.len());
    // Uses come after definitions in the walk: one pass finds both.
    for &inst in &order {
        let d = &module.insts[inst];
        for &arg in &d.args {
            record_use(module, &home, &mut holders, inst, arg);
        }
        if matches!(d.op, Op::Yield | Op::BreakIf | Op::Return { .. }) {
            for &arg in &d.args {
                flows_out[arg] = true;
            }
        }
        if matches!(d.op, Op::Loop { .. } | Op::If { .. }) {
            continue;
        }
        for &result in &d.results {
            let large = match module.ty(result) {
                Type::Model => true,
                ty @ Type::Tensor(_) => {
                    value_bytes(module, ty).is_some_and(|b| b >= LARGE_VALUE_BYTES)
                }
                _ => false,
            };
            if large {
                candidates.push((result, d.block));
                home[result] = Some(d.block);
            }
        }
    }
    // Unloads to place after an instruction; when several values are last
    // used by one instruction, the one found last is unloaded first.
    let mut after: std::collections::HashMap<Inst, Vec<Inst>> = Default::default();
    let mut new_unload: SecondaryMap<Inst, bool> = SecondaryMap::new();
    let mut blocks = Vec::new();
    let mut inserted = 0;
    for (value, block) in candidates {
        let Some((_, holder)) = holders[value] else {
            continue;
        };
        if flows_out[value] {
            continue;
        }
        if module.insts[holder].op.is_terminator() {
            continue;
        }
        let span = module.spans[holder];
        // Appended, then moved into place when the block is rebuilt.
        let unload = module.insert(block, usize::MAX, Op::Unload, vec![value], span);
        after.entry(holder).or_default().insert(0, unload);
        new_unload[unload] = true;
        blocks.push(block);
        inserted += 1;
    }
    blocks.sort_unstable();
    blocks.dedup();
    for block in blocks {
        let old = std::mem::take(&mut module.blocks[block].insts);
        let mut new = Vec::with_capacity(old.len());
        for inst in old {
            if new_unload[inst] {
                continue;
            }
            new.push(inst);
            if let Some(unloads) = after.get(&inst) {
                new.extend_from_slice(unloads);
            }
        }
        module.blocks[block].insts = new;
    }
    inserted
}
