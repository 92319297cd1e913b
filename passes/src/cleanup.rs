//! Cleanups: copy propagation (IR `Copy` ops are aliases in SSA), constant
//! de-duplication within a block, and dead-code elimination that keeps every
//! side effect.
//!
//! Each pass is linear in the size of the module: aliases are collected first
//! and every operand is rewritten in one sweep; removed instructions are
//! dropped from their blocks in one sweep; dead code is found with use
//! counts and a worklist rather than by re-walking the module to a fixpoint.

use std::collections::HashMap;

use cranelift_entity::SecondaryMap;
use omex_ir::{Block, Inst, Module, Op, Value};

/// Replaces every use of `from` by `to`.
pub fn replace_uses(module: &mut Module, from: Value, to: Value) {
    let mut alias = SecondaryMap::new();
    alias[from] = Some(to);
    rewrite_uses(module, &alias);
}

/// Follows `alias` from `value` to a value that is not an alias.
fn resolve(alias: &SecondaryMap<Value, Option<Value>>, mut value: Value) -> Value {
    while let Some(to) = alias[value] {
        value = to;
    }
    value
}

/// Rewrites every operand of every instruction through `alias`.
fn rewrite_uses(module: &mut Module, alias: &SecondaryMap<Value, Option<Value>>) {
    for data in module.insts.values_mut() {
        for arg in &mut data.args {
            *arg = resolve(alias, *arg);
        }
    }
}

/// Drops the instructions marked in `removed` from their blocks.
fn remove_insts(module: &mut Module, removed: &SecondaryMap<Inst, bool>, blocks: &[Block]) {
    for &block in blocks {
        module.blocks[block].insts.retain(|&i| !removed[i]);
    }
}

/// Copy coalescing: `b = copy a` makes `b` an alias of `a`.
pub fn propagate_copies(module: &mut Module) -> usize {
    let copies: Vec<Inst> = module
        .walk()
        .into_iter()
        .filter(|&i| matches!(module.insts[i].op, Op::Copy))
        .collect();
    if copies.is_empty() {
        return 0;
    }
    let mut alias: SecondaryMap<Value, Option<Value>> = crate::side_table(module.values.len());
    let mut removed = crate::side_table(module.insts.len());
    let mut blocks = Vec::new();
    // In program order, so that a copy of a copy resolves to the original
    // and the original takes the first name given to it.
    for &inst in &copies {
        let (src, dst) = (module.insts[inst].args[0], module.insts[inst].results[0]);
        let src = resolve(&alias, src);
        if module.names[dst].is_some() && module.names[src].is_none() {
            module.names[src] = module.names[dst].clone();
        }
        if src != dst {
            alias[dst] = Some(src);
        }
        removed[inst] = true;
        blocks.push(module.insts[inst].block);
    }
    rewrite_uses(module, &alias);
    blocks.sort_unstable();
    blocks.dedup();
    remove_insts(module, &removed, &blocks);
    copies.len()
}

/// Identical constants in one block: later ones reuse the first.
pub fn dedup_constants(module: &mut Module) -> usize {
    let blocks: Vec<Block> = module.blocks.keys().collect();
    let mut alias: SecondaryMap<Value, Option<Value>> = crate::side_table(module.values.len());
    let mut removed = crate::side_table(module.insts.len());
    let mut touched = Vec::new();
    let mut count = 0;
    for block in blocks {
        let mut seen: HashMap<&omex_mep::Constant, Value> = HashMap::new();
        let before = count;
        for &inst in &module.blocks[block].insts {
            let Op::Const(c) = &module.insts[inst].op else {
                continue;
            };
            let result = module.insts[inst].results[0];
            match seen.get(c) {
                Some(&first) if module.ty(first) == module.ty(result) => {
                    alias[result] = Some(first);
                    removed[inst] = true;
                    count += 1;
                }
                _ => {
                    seen.insert(c, result);
                }
            }
        }
        if count > before {
            touched.push(block);
        }
    }
    if count > 0 {
        rewrite_uses(module, &alias);
        remove_insts(module, &removed, &touched);
    }
    count
}

/// The three cleanups as the pipeline runs them: [`propagate_copies`],
/// [`dedup_constants`] (in the blocks of the program), then
/// [`eliminate_dead_code`], with one walk of the program and one rewrite of
/// the operands for the first two. Returns the instructions removed.
pub fn run(module: &mut Module) -> usize {
    let order = module.walk();
    let mut alias: SecondaryMap<Value, Option<Value>> = crate::side_table(module.values.len());
    let mut removed: SecondaryMap<Inst, bool> = crate::side_table(module.insts.len());
    let mut blocks = Vec::new();
    // Copies, in program order (see `propagate_copies`).
    for &inst in &order {
        if !matches!(module.insts[inst].op, Op::Copy) {
            continue;
        }
        let (src, dst) = (module.insts[inst].args[0], module.insts[inst].results[0]);
        let src = resolve(&alias, src);
        if module.names[dst].is_some() && module.names[src].is_none() {
            module.names[src] = module.names[dst].clone();
        }
        if src != dst {
            alias[dst] = Some(src);
        }
        removed[inst] = true;
        blocks.push(module.insts[inst].block);
    }
    // Constants: the first of each in its block stays (see `dedup_constants`).
    let mut seen: HashMap<(Block, &omex_mep::Constant), Value> = HashMap::new();
    for &inst in &order {
        let d = &module.insts[inst];
        let Op::Const(c) = &d.op else { continue };
        let result = d.results[0];
        match seen.get(&(d.block, c)) {
            Some(&first) if module.ty(first) == module.ty(result) => {
                alias[result] = Some(first);
                removed[inst] = true;
                blocks.push(d.block);
            }
            _ => {
                seen.insert((d.block, c), result);
            }
        }
    }
    drop(seen);
    let mut count = 0;
    if !blocks.is_empty() {
        rewrite_uses(module, &alias);
        blocks.sort_unstable();
        blocks.dedup();
        remove_insts(module, &removed, &blocks);
        count = order.iter().filter(|&&i| removed[i]).count();
    }
    let order: Vec<Inst> = order.into_iter().filter(|&i| !removed[i]).collect();
    count + dead_code(module, &order)
}

/// Removes instructions without side effects whose results nobody uses.
pub fn eliminate_dead_code(module: &mut Module) -> usize {
    let order = module.walk();
    dead_code(module, &order)
}

/// Dead-code elimination over the program `order` (its instructions).
fn dead_code(module: &mut Module, order: &[Inst]) -> usize {
    // Uses by the instructions of the program (not by removed ones).
    let mut uses: SecondaryMap<Value, u32> = crate::side_table(module.values.len());
    for &inst in order {
        for &arg in &module.insts[inst].args {
            uses[arg] += 1;
        }
    }
    let is_dead = |module: &Module, uses: &SecondaryMap<Value, u32>, inst: Inst| {
        let d = &module.insts[inst];
        !d.op.has_side_effects() && d.results.iter().all(|&r| uses[r] == 0)
    };
    let mut in_program: SecondaryMap<Inst, bool> = crate::side_table(module.insts.len());
    for &inst in order {
        in_program[inst] = true;
    }
    let mut removed: SecondaryMap<Inst, bool> = crate::side_table(module.insts.len());
    let mut work: Vec<Inst> = order
        .iter()
        .copied()
        .filter(|&i| is_dead(module, &uses, i))
        .collect();
    let mut blocks = Vec::new();
    let mut count = 0;
    while let Some(inst) = work.pop() {
        if removed[inst] {
            continue;
        }
        removed[inst] = true;
        count += 1;
        blocks.push(module.insts[inst].block);
        for &arg in &module.insts[inst].args {
            uses[arg] -= 1;
            if uses[arg] == 0
                && let Some(def) = module.def_inst(arg)
                && in_program[def]
                && !removed[def]
                && is_dead(module, &uses, def)
            {
                work.push(def);
            }
        }
    }
    blocks.sort_unstable();
    blocks.dedup();
    remove_insts(module, &removed, &blocks);
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use omex_ir::Type;
    use omex_mep::Constant;
    use omex_mep::subtype::{BinaryOp, StreamMode};

    fn int(m: &mut Module, block: Block, v: i64) -> Value {
        let i = m.append(
            block,
            Op::Const(Constant::Int(v)),
            vec![],
            vec![Type::Int],
            None,
        );
        m.insts[i].results[0]
    }

    #[test]
    fn the_fused_cleanup_equals_the_three_in_turn() {
        let mut modules: Vec<Module> = (0..6)
            .map(|seed| crate::synth::synthetic_module(400 + 300 * seed, seed as u64))
            .collect();
        for seed in 0..40u8 {
            let bytes: Vec<u8> = (0..200u8).map(|i| i.wrapping_mul(31) ^ seed).collect();
            modules.push(crate::fuzz::random_module(&bytes));
        }
        for module in modules {
            let (mut a, mut b) = (module.clone(), module);
            let removed = propagate_copies(&mut a) + dedup_constants(&mut a);
            let removed = removed + eliminate_dead_code(&mut a);
            assert_eq!(run(&mut b), removed);
            assert_eq!(omex_ir::print(&a), omex_ir::print(&b));
            assert_eq!(a.names, b.names);
        }
    }

    #[test]
    fn copies_of_copies_resolve_and_dead_chains_go() {
        let mut m = Module::new("t");
        let body = m.create_block();
        m.body = Some(body);
        let a = int(&mut m, body, 1);
        let b = m.append(body, Op::Copy, vec![a], vec![Type::Int], None);
        let b = m.insts[b].results[0];
        m.name_value(b, "b");
        let c = m.append(body, Op::Copy, vec![b], vec![Type::Int], None);
        let c = m.insts[c].results[0];
        // A dead chain: d = a + a; e = d * d (unused).
        let d = m.append(
            body,
            Op::Binary(BinaryOp::Add),
            vec![a, a],
            vec![Type::Int],
            None,
        );
        let d = m.insts[d].results[0];
        m.append(
            body,
            Op::Binary(BinaryOp::Mul),
            vec![d, d],
            vec![Type::Int],
            None,
        );
        let one = int(&mut m, body, 1);
        m.append(body, Op::Print(StreamMode::Line), vec![c], vec![], None);
        m.append(body, Op::Print(StreamMode::Line), vec![one], vec![], None);
        m.append(body, Op::Return { names: vec![] }, vec![], vec![], None);
        assert_eq!(propagate_copies(&mut m), 2);
        assert_eq!(m.names[a].as_deref(), Some("b"));
        assert_eq!(dedup_constants(&mut m), 1);
        assert_eq!(eliminate_dead_code(&mut m), 2);
        omex_ir::verify(&m).unwrap();
        let ops: Vec<&str> = m.blocks[body]
            .insts
            .iter()
            .map(|&i| m.insts[i].op.name())
            .collect();
        assert_eq!(ops, ["const", "print", "print", "return"]);
        let prints: Vec<Value> = m.blocks[body].insts[1..3]
            .iter()
            .map(|&i| m.insts[i].args[0])
            .collect();
        assert_eq!(prints, [a, a]);
    }
}
