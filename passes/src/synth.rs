//! Synthetic plans of a chosen size, for the compile-time benchmark
//! (`passes/benches/compile.rs`) and scaling tests.
//!
//! The mix imitates real recipes: integer arithmetic, two models loaded once
//! and run statically (one with a 2 MiB output, so unloads get inserted),
//! loops nested up to three deep with carried integers and a carried tensor
//! (sometimes swapped, which needs a parallel-copy cycle), ifs with results,
//! conditional breaks, prints, short-lived values and a pool of values that
//! live across the whole plan. Deterministic for a given seed.

use omex_ir::{Block, DType, Dim, ModelDecl, ModelPort, Module, Op, TensorType, Type, Value};
use omex_mep::Constant;
use omex_mep::subtype::{AggOp, BinaryOp, CompareOp, RandomDist, StreamMode, UnaryOp};

/// Recent values a region may pick operands from; older ones die.
const INT_WINDOW: usize = 12;
const TENSOR_WINDOW: usize = 4;
/// Values defined at the start and used until the end.
const LONG_LIVED: usize = 8;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[derive(Clone, Default)]
struct Scope {
    ints: Vec<Value>,
    tensors: Vec<Value>,
}

impl Scope {
    fn push_int(&mut self, v: Value) {
        if self.ints.len() == INT_WINDOW {
            self.ints.remove(0);
        }
        self.ints.push(v);
    }

    fn push_tensor(&mut self, v: Value) {
        if self.tensors.len() == TENSOR_WINDOW {
            self.tensors.remove(0);
        }
        self.tensors.push(v);
    }
}

struct Gen {
    m: Module,
    rng: Rng,
    target: usize,
    small: Type,
    big: Type,
    /// Handles of the two models (loaded at the start).
    run_model: Value,
    big_model: Value,
    long_lived: Vec<Value>,
}

/// A valid plan of about `instructions` IR instructions (never fewer).
pub fn synthetic_module(instructions: usize, seed: u64) -> Module {
    let mut m = Module::new("synthetic");
    m.dim_bounds.insert("seq".into(), 128);
    let seq = || vec![Dim::Fixed(1), Dim::Sym("seq".into()), Dim::Fixed(64)];
    let small_tensor = TensorType::new(DType::F32, seq());
    let big_tensor = TensorType::new(
        DType::F32,
        vec![Dim::Fixed(1), Dim::Sym("seq".into()), Dim::Fixed(4096)],
    );
    let decl = |path: &str, output: &str, ty: &TensorType, size: u64| ModelDecl {
        path: path.into(),
        format: "onnx".into(),
        inputs: Some(vec![ModelPort {
            name: "x".into(),
            ty: small_tensor.clone(),
        }]),
        outputs: Some(vec![ModelPort {
            name: output.into(),
            ty: ty.clone(),
        }]),
        size: Some(size),
        sha256: None,
        span: None,
    };
    let run = m
        .models
        .push(decl("encoder.onnx", "y", &small_tensor, 40 << 20));
    let big = m
        .models
        .push(decl("expand.onnx", "h", &big_tensor, 90 << 20));
    let body = m.create_block();
    m.body = Some(body);
    let load = |m: &mut Module, model| {
        let i = m.append(body, Op::LoadModel(model), vec![], vec![Type::Model], None);
        m.insts[i].results[0]
    };
    let run_model = load(&mut m, run);
    let big_model = load(&mut m, big);
    let mut g = Gen {
        m,
        rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
        target: instructions.max(1),
        small: Type::Tensor(small_tensor),
        big: Type::Tensor(big_tensor),
        run_model,
        big_model,
        long_lived: Vec::new(),
    };
    let mut scope = Scope::default();
    for k in 0..LONG_LIVED {
        let v = g.int(body, k as i64);
        g.long_lived.push(v);
        scope.push_int(v);
    }
    let x = g.random_tensor(body, &scope);
    scope.push_tensor(x);
    while g.m.insts.len() + 1 < g.target {
        g.chunk(body, &mut scope, 0, false);
    }
    let out = g.pick_int(&scope);
    g.m.append(
        body,
        Op::Return {
            names: vec!["out".into()],
        },
        vec![out],
        vec![],
        None,
    );
    g.m
}

impl Gen {
    fn op(&mut self, block: Block, op: Op, args: Vec<Value>, ty: Type) -> Value {
        let inst = self.m.append(block, op, args, vec![ty], None);
        self.m.insts[inst].results[0]
    }

    fn int(&mut self, block: Block, v: i64) -> Value {
        self.op(block, Op::Const(Constant::Int(v)), vec![], Type::Int)
    }

    /// Mostly one of the newest values, sometimes an older or long-lived one.
    fn pick_int(&mut self, scope: &Scope) -> Value {
        if self.rng.below(16) == 0 {
            return self.long_lived[self.rng.below(self.long_lived.len())];
        }
        let n = scope.ints.len();
        if self.rng.below(2) == 0 {
            return scope.ints[n - 1 - self.rng.below(n.min(3))];
        }
        scope.ints[self.rng.below(n)]
    }

    fn pick_tensor(&mut self, scope: &Scope) -> Value {
        scope.tensors[self.rng.below(scope.tensors.len())]
    }

    fn random_tensor(&mut self, block: Block, scope: &Scope) -> Value {
        let (shape, seed) = (self.pick_int(scope), self.pick_int(scope));
        let ty = self.small.clone();
        self.op(
            block,
            Op::TensorRandom {
                dtype: DType::F32,
                dist: RandomDist::Gaussian,
            },
            vec![shape, seed],
            ty,
        )
    }

    fn run(&mut self, block: Block, model: Value, input: Value, output: &str, ty: Type) -> Value {
        let inst = self.m.append(
            block,
            Op::RunStatic {
                inputs: vec!["x".into()],
                outputs: vec![output.into()],
            },
            vec![model, input],
            vec![ty],
            None,
        );
        self.m.insts[inst].results[0]
    }

    fn chunk(&mut self, block: Block, scope: &mut Scope, depth: usize, in_loop: bool) {
        match self.rng.below(100) {
            0..=34 => {
                // A chain: each step reads the previous one.
                let mut previous = None;
                for _ in 0..2 + self.rng.below(3) {
                    let v = if self.rng.below(4) == 0 {
                        let k = self.rng.below(16) as i64;
                        self.int(block, k)
                    } else {
                        let a = previous.unwrap_or_else(|| self.pick_int(scope));
                        let b = self.pick_int(scope);
                        let op = [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Max]
                            [self.rng.below(4)];
                        self.op(block, Op::Binary(op), vec![a, b], Type::Int)
                    };
                    previous = Some(v);
                    scope.push_int(v);
                }
            }
            35..=49 => {
                let x = self.pick_tensor(scope);
                let ty = self.small.clone();
                let y = if self.rng.below(2) == 0 {
                    self.run(block, self.run_model, x, "y", ty)
                } else {
                    self.op(block, Op::Unary(UnaryOp::Relu), vec![x], ty)
                };
                scope.push_tensor(y);
            }
            50..=56 => {
                // A large intermediate, reduced right away.
                let x = self.pick_tensor(scope);
                let ty = self.big.clone();
                let h = self.run(block, self.big_model, x, "h", ty);
                let ty = self.small.clone();
                let r = self.op(block, Op::Aggregate(AggOp::Mean), vec![h], ty);
                scope.push_tensor(r);
            }
            57..=59 => {
                // `let b = a`: front ends lower it to a copy.
                if self.rng.below(2) == 0 {
                    let a = self.pick_int(scope);
                    let b = self.op(block, Op::Copy, vec![a], Type::Int);
                    scope.push_int(b);
                } else {
                    let a = self.pick_tensor(scope);
                    let ty = self.small.clone();
                    let b = self.op(block, Op::Copy, vec![a], ty);
                    scope.push_tensor(b);
                }
            }
            60..=64 => {
                let v = if self.rng.below(3) == 0 {
                    self.pick_tensor(scope)
                } else {
                    self.pick_int(scope)
                };
                self.m
                    .append(block, Op::Print(StreamMode::Line), vec![v], vec![], None);
            }
            65..=74 if depth < 3 => self.gen_loop(block, scope, depth),
            75..=87 if depth < 3 => self.gen_if(block, scope, depth, in_loop),
            88..=92 if in_loop => {
                let cond = self.compare(block, scope);
                if let Some(lp) = self.m.enclosing_loop(block) {
                    let carried = self.m.insts[lp].results.clone();
                    let mut args = vec![cond];
                    for r in carried {
                        args.push(match self.m.ty(r) {
                            Type::Int => self.pick_int(scope),
                            _ => self.pick_tensor(scope),
                        });
                    }
                    self.m.append(block, Op::BreakIf, args, vec![], None);
                }
            }
            _ => {
                let k = self.long_lived[self.rng.below(LONG_LIVED)];
                let a = self.pick_int(scope);
                let v = self.op(block, Op::Binary(BinaryOp::Add), vec![k, a], Type::Int);
                scope.push_int(v);
            }
        }
    }

    fn compare(&mut self, block: Block, scope: &Scope) -> Value {
        let (a, b) = (self.pick_int(scope), self.pick_int(scope));
        self.op(block, Op::Compare(CompareOp::Lt), vec![a, b], Type::Bool)
    }

    fn room(&self) -> bool {
        self.m.insts.len() + 4 < self.target
    }

    fn gen_loop(&mut self, block: Block, scope: &mut Scope, depth: usize) {
        let count = self.pick_int(scope);
        let inits = vec![
            self.pick_int(scope),
            self.pick_int(scope),
            self.pick_tensor(scope),
        ];
        let body = self.m.create_block();
        let mut args = vec![count];
        args.extend(&inits);
        let ty = self.small.clone();
        let inst = self.m.append(
            block,
            Op::Loop { body },
            args,
            vec![Type::Int, Type::Int, ty.clone()],
            None,
        );
        let mut inner = scope.clone();
        let index = self.m.add_block_param(body, Type::Int);
        let a = self.m.add_block_param(body, Type::Int);
        let b = self.m.add_block_param(body, Type::Int);
        let t = self.m.add_block_param(body, ty);
        inner.push_int(index);
        inner.push_int(a);
        inner.push_int(b);
        inner.push_tensor(t);
        for _ in 0..2 + self.rng.below(6) {
            if !self.room() {
                break;
            }
            self.chunk(body, &mut inner, depth + 1, true);
        }
        let yields = if self.rng.below(4) == 0 {
            // Swapped carried values: a parallel-copy cycle.
            vec![b, a, self.pick_tensor(&inner)]
        } else {
            vec![
                self.pick_int(&inner),
                self.pick_int(&inner),
                self.pick_tensor(&inner),
            ]
        };
        self.m.append(body, Op::Yield, yields, vec![], None);
        let results = self.m.insts[inst].results.clone();
        scope.push_int(results[0]);
        scope.push_int(results[1]);
        scope.push_tensor(results[2]);
    }

    fn gen_if(&mut self, block: Block, scope: &mut Scope, depth: usize, in_loop: bool) {
        let cond = self.compare(block, scope);
        let (then_block, else_block) = (self.m.create_block(), self.m.create_block());
        let inst = self.m.append(
            block,
            Op::If {
                then_block,
                else_block,
            },
            vec![cond],
            vec![Type::Int],
            None,
        );
        for region in [then_block, else_block] {
            let mut inner = scope.clone();
            for _ in 0..self.rng.below(3) {
                if !self.room() {
                    break;
                }
                self.chunk(region, &mut inner, depth + 1, in_loop);
            }
            let y = self.pick_int(&inner);
            self.m.append(region, Op::Yield, vec![y], vec![], None);
        }
        let result = self.m.insts[inst].results[0];
        scope.push_int(result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Options, compile};

    #[test]
    fn synthetic_plans_have_the_size_asked_and_compile() {
        for (size, seed) in [(300, 1), (1000, 2), (3000, 3)] {
            let module = synthetic_module(size, seed);
            omex_ir::verify(&module).unwrap();
            let n = module.walk().len();
            assert!(n >= size && n < size + 50, "{n} instructions for {size}");
            let options = Options {
                verify_ir: true,
                ..Options::default()
            };
            let compiled = compile(module, &options).unwrap_or_else(|e| panic!("{e:#?}"));
            assert!(compiled.assignment.slots_used <= compiled.max_live);
        }
    }
}
