//! Random IR for fuzzing the pipeline: random structured programs ->
//! allocate -> emit -> MEP verify -> allocation check. The generator is a
//! library function driven by bytes, so `cargo test` runs it on fixed seeds
//! and a cargo-fuzz target can drive it with coverage.

use omex_ir::{Block, Module, Op, Type, Value};
use omex_mep::Constant;
use omex_mep::subtype::{BinaryOp, CompareOp, StreamMode};

use crate::pipeline::{Options, compile};

/// Reads decisions from fuzzer bytes; zeros once they run out.
struct Choices<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Choices<'_> {
    fn next(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.next() as usize % n }
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }
}

struct Gen<'a> {
    m: Module,
    c: Choices<'a>,
    budget: usize,
}

/// Builds a random, valid IR module from `bytes`.
pub fn random_module(bytes: &[u8]) -> Module {
    let mut g = Gen {
        m: Module::new("fuzz"),
        c: Choices { bytes, at: 0 },
        budget: 200,
    };
    let body = g.m.create_block();
    g.m.body = Some(body);
    let mut scope: Vec<Value> = Vec::new();
    let first = g.int_const(body);
    scope.push(first);
    g.fill(body, &mut scope, 0, false);
    let ret: Vec<Value> = (0..g.c.below(3))
        .map(|_| scope[g.c.below(scope.len())])
        .collect();
    let names = (0..ret.len()).map(|i| format!("r{i}")).collect();
    g.m.append(body, Op::Return { names }, ret, vec![], None);
    g.m
}

impl Gen<'_> {
    fn int_const(&mut self, block: Block) -> Value {
        let v = self.c.next() as i64 % 4;
        let inst = self.m.append(
            block,
            Op::Const(Constant::Int(v)),
            vec![],
            vec![Type::Int],
            None,
        );
        self.m.insts[inst].results[0]
    }

    fn pick(&mut self, scope: &[Value]) -> Value {
        scope[self.c.below(scope.len())]
    }

    /// Appends random instructions to `block`; `scope` holds the int values visible.
    fn fill(&mut self, block: Block, scope: &mut Vec<Value>, depth: usize, in_loop: bool) {
        let visible = scope.len();
        while self.budget > 0 && !self.c.done() {
            self.budget -= 1;
            match self.c.below(10) {
                0 | 1 => {
                    let v = self.int_const(block);
                    scope.push(v);
                }
                2..=4 => {
                    let (a, b) = (self.pick(scope), self.pick(scope));
                    let op = [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Max]
                        [self.c.below(4)];
                    let inst =
                        self.m
                            .append(block, Op::Binary(op), vec![a, b], vec![Type::Int], None);
                    scope.push(self.m.insts[inst].results[0]);
                }
                5 => {
                    let a = self.pick(scope);
                    self.m
                        .append(block, Op::Print(StreamMode::Line), vec![a], vec![], None);
                }
                6 if depth < 3 => self.gen_loop(block, scope, depth),
                7 if depth < 3 => self.gen_if(block, scope, depth, in_loop),
                8 if in_loop => {
                    let (a, b) = (self.pick(scope), self.pick(scope));
                    let inst = self.m.append(
                        block,
                        Op::Compare(CompareOp::Gt),
                        vec![a, b],
                        vec![Type::Bool],
                        None,
                    );
                    let cond = self.m.insts[inst].results[0];
                    // Carried values at the break: the loop's own parameters or newer values.
                    let lp = self.m.enclosing_loop(block);
                    if let Some(lp) = lp {
                        let carried = self.m.insts[lp].results.len();
                        let mut args = vec![cond];
                        for _ in 0..carried {
                            args.push(self.pick(scope));
                        }
                        self.m.append(block, Op::BreakIf, args, vec![], None);
                    }
                }
                9 => return,
                _ => {}
            }
        }
        scope.truncate(visible.max(1).min(scope.len()));
    }

    fn gen_loop(&mut self, block: Block, scope: &mut Vec<Value>, depth: usize) {
        let count = self.pick(scope);
        let carried = self.c.below(3);
        let inits: Vec<Value> = (0..carried).map(|_| self.pick(scope)).collect();
        let body = self.m.create_block();
        let mut args = vec![count];
        args.extend(&inits);
        let inst = self.m.append(
            block,
            Op::Loop { body },
            args,
            vec![Type::Int; carried],
            None,
        );
        let index = self.m.add_block_param(body, Type::Int);
        let mut inner = scope.clone();
        inner.push(index);
        for _ in 0..carried {
            let p = self.m.add_block_param(body, Type::Int);
            inner.push(p);
        }
        self.fill(body, &mut inner, depth + 1, true);
        let yields: Vec<Value> = (0..carried).map(|_| self.pick(&inner)).collect();
        self.m.append(body, Op::Yield, yields, vec![], None);
        scope.extend(self.m.insts[inst].results.clone());
    }

    fn gen_if(&mut self, block: Block, scope: &mut Vec<Value>, depth: usize, in_loop: bool) {
        let (a, b) = (self.pick(scope), self.pick(scope));
        let cmp = self.m.append(
            block,
            Op::Compare(CompareOp::Lt),
            vec![a, b],
            vec![Type::Bool],
            None,
        );
        let cond = self.m.insts[cmp].results[0];
        let results = self.c.below(3);
        let (then_block, else_block) = (self.m.create_block(), self.m.create_block());
        let inst = self.m.append(
            block,
            Op::If {
                then_block,
                else_block,
            },
            vec![cond],
            vec![Type::Int; results],
            None,
        );
        for region in [then_block, else_block] {
            let mut inner = scope.clone();
            self.fill(region, &mut inner, depth + 1, in_loop);
            if self.c.below(8) == 0 {
                // A region may also stop the program instead of yielding.
                self.m.append(region, Op::Halt, vec![], vec![], None);
            } else {
                let yields: Vec<Value> = (0..results).map(|_| self.pick(&inner)).collect();
                self.m.append(region, Op::Yield, yields, vec![], None);
            }
        }
        scope.extend(self.m.insts[inst].results.clone());
    }
}

/// Any bytes -> random IR -> the whole pipeline. Panics only on a bug: the
/// IR is valid by construction, so compilation must succeed, use exactly
/// max-live slots (no temporaries were needed) or one more, and pass the
/// allocation checker (which `compile` runs).
pub fn compile_random(bytes: &[u8]) {
    let module = random_module(bytes);
    if let Err(errors) = omex_ir::verify(&module) {
        panic!(
            "generator produced invalid IR: {errors:?}\n{}",
            omex_ir::print(&module)
        );
    }
    let options = Options {
        verify_ir: true,
        ..Options::default()
    };
    match compile(module.clone(), &options) {
        Ok(compiled) => {
            assert!(
                compiled.assignment.slots_used <= compiled.max_live,
                "used {} slots for max-live {}",
                compiled.assignment.slots_used,
                compiled.max_live
            );
            // The memory plan: a row per layout position, none above the
            // peak, and (ints and bools only) at most 8 bytes a slot.
            let plan = &compiled.memory;
            let layout = &compiled.liveness.layout;
            let positions = layout.order.iter().map(|&i| layout.end[i] + 1).max();
            assert_eq!(plan.rows.len(), positions.unwrap_or(0) as usize);
            assert!(
                plan.rows
                    .iter()
                    .all(|r| r.after <= r.bytes && r.bytes <= plan.peak)
            );
            assert!(plan.peak <= 8 * compiled.assignment.slots_used.max(1) as u64 + 8);
            assert_eq!(plan.peak_unknown, 0);
        }
        Err(errors) => panic!("{errors:#?}\n{}", omex_ir::print(&module)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_programs_compile_and_check() {
        // A fixed pseudo-random stream per seed: deterministic in CI.
        for seed in 0..400u64 {
            let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let bytes: Vec<u8> = (0..300)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 24) as u8
                })
                .collect();
            compile_random(&bytes);
        }
    }
}
