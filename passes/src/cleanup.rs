//! Cleanups: copy propagation (IR `Copy` ops are aliases in SSA), constant
//! de-duplication within a block, and dead-code elimination that keeps every
//! side effect.

use std::collections::HashMap;

use omex_ir::{Block, Inst, Module, Op, Value};

/// Replaces every use of `from` by `to`.
pub fn replace_uses(module: &mut Module, from: Value, to: Value) {
    for data in module.insts.values_mut() {
        for arg in &mut data.args {
            if *arg == from {
                *arg = to;
            }
        }
    }
}

fn remove_inst(module: &mut Module, inst: Inst) {
    let block = module.insts[inst].block;
    module.blocks[block].insts.retain(|&i| i != inst);
}

/// Copy coalescing: `b = copy a` makes `b` an alias of `a`.
pub fn propagate_copies(module: &mut Module) -> usize {
    let copies: Vec<Inst> = module
        .walk()
        .into_iter()
        .filter(|&i| matches!(module.insts[i].op, Op::Copy))
        .collect();
    for &inst in &copies {
        let (src, dst) = (module.insts[inst].args[0], module.insts[inst].results[0]);
        if module.names[dst].is_some() && module.names[src].is_none() {
            module.names[src] = module.names[dst].clone();
        }
        replace_uses(module, dst, src);
        remove_inst(module, inst);
    }
    copies.len()
}

/// Identical constants in one block: later ones reuse the first.
pub fn dedup_constants(module: &mut Module) -> usize {
    let blocks: Vec<Block> = module.blocks.keys().collect();
    let mut removed = 0;
    for block in blocks {
        let mut seen: HashMap<omex_mep::Constant, Value> = HashMap::new();
        for inst in module.blocks[block].insts.clone() {
            let Op::Const(c) = &module.insts[inst].op else {
                continue;
            };
            let result = module.insts[inst].results[0];
            match seen.get(c) {
                Some(&first) if module.ty(first) == module.ty(result) => {
                    replace_uses(module, result, first);
                    remove_inst(module, inst);
                    removed += 1;
                }
                _ => {
                    seen.insert(c.clone(), result);
                }
            }
        }
    }
    removed
}

/// Removes instructions without side effects whose results nobody uses.
pub fn eliminate_dead_code(module: &mut Module) -> usize {
    let mut removed = 0;
    loop {
        let mut used = std::collections::HashSet::new();
        for inst in module.walk() {
            used.extend(module.insts[inst].args.iter().copied());
        }
        let dead: Vec<Inst> = module
            .walk()
            .into_iter()
            .filter(|&i| {
                let d = &module.insts[i];
                !d.op.has_side_effects() && d.results.iter().all(|r| !used.contains(r))
            })
            .collect();
        if dead.is_empty() {
            return removed;
        }
        removed += dead.len();
        for inst in dead {
            remove_inst(module, inst);
        }
    }
}
