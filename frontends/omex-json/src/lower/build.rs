//! A small IR builder: appends instructions to the current block.

use omex_diagnostics::Span;
use omex_ir::{Block, DType, Dim, Inst, Module, Op, Type, Value};
use omex_mep::Constant;
use omex_mep::subtype::{AggOp, BinaryOp, CombineOp, CompareOp, InfoOp, ManipOp};

pub struct Builder {
    pub module: Module,
    pub block: Block,
}

/// The symbolic sequence dimension of every token and logits tensor.
pub const SEQ: &str = "seq";

pub fn ids_type() -> Type {
    Type::tensor(DType::I64, vec![Dim::Fixed(1), Dim::Sym(SEQ.into())])
}

pub fn logits_type(vocab: &Dim) -> Type {
    Type::tensor(
        DType::F32,
        vec![Dim::Fixed(1), Dim::Sym(SEQ.into()), vocab.clone()],
    )
}

impl Builder {
    pub fn new(name: &str) -> Self {
        let mut module = Module::new(name);
        let block = module.create_block();
        module.body = Some(block);
        Self { module, block }
    }

    pub fn emit(&mut self, op: Op, args: Vec<Value>, ty: Type, span: Span) -> Value {
        let inst = self
            .module
            .append(self.block, op, args, vec![ty], Some(span));
        self.module.insts[inst].results[0]
    }

    pub fn emit0(&mut self, op: Op, args: Vec<Value>, span: Span) {
        self.module
            .append(self.block, op, args, Vec::new(), Some(span));
    }

    pub fn named(&mut self, value: Value, name: &str) -> Value {
        self.module.name_value(value, name);
        value
    }

    pub fn int(&mut self, n: i64, span: Span) -> Value {
        self.emit(Op::Const(Constant::Int(n)), Vec::new(), Type::Int, span)
    }

    pub fn str(&mut self, s: &str, span: Span) -> Value {
        self.emit(
            Op::Const(Constant::Str(s.to_string())),
            Vec::new(),
            Type::Str,
            span,
        )
    }

    pub fn int_list(&mut self, items: &[i64], span: Span) -> Value {
        self.emit(
            Op::Const(Constant::IntList(items.to_vec())),
            Vec::new(),
            Type::List(Box::new(Type::Int)),
            span,
        )
    }

    pub fn binary(&mut self, op: BinaryOp, a: Value, b: Value, span: Span) -> Value {
        self.emit(Op::Binary(op), vec![a, b], Type::Int, span)
    }

    /// `x.shape[axis]` as an int.
    pub fn dim(&mut self, x: Value, axis: i64, span: Span) -> Value {
        let shape = self.emit(
            Op::Info(InfoOp::Shape),
            vec![x],
            Type::List(Box::new(Type::Int)),
            span,
        );
        let axis = self.int(axis, span);
        self.emit(Op::Extract, vec![shape, axis], Type::Int, span)
    }

    /// `x[index]` along the first axis.
    pub fn index(&mut self, x: Value, index: i64, ty: Type, span: Span) -> Value {
        let i = self.int(index, span);
        self.emit(Op::Extract, vec![x, i], ty, span)
    }

    /// `x[.., start..end, ..]` on `axis`.
    pub fn slice(
        &mut self,
        x: Value,
        axis: i64,
        start: Value,
        end: Value,
        ty: Type,
        span: Span,
    ) -> Value {
        let axis = self.int(axis, span);
        self.emit(
            Op::Manipulate(ManipOp::Slice),
            vec![x, axis, start, end],
            ty,
            span,
        )
    }

    /// `concat([a, b], axis)`.
    pub fn concat(&mut self, a: Value, b: Value, axis: i64, ty: Type, span: Span) -> Value {
        let axis = self.int(axis, span);
        self.emit(
            Op::Combine {
                op: CombineOp::Concat,
                inputs: 2,
            },
            vec![a, b, axis],
            ty,
            span,
        )
    }

    pub fn argmax(&mut self, x: Value, axis: Option<i64>, ty: Type, span: Span) -> Value {
        let mut args = vec![x];
        if let Some(axis) = axis {
            args.push(self.int(axis, span));
        }
        self.emit(Op::Aggregate(AggOp::Argmax), args, ty, span)
    }

    pub fn compare(&mut self, op: CompareOp, a: Value, b: Value, span: Span) -> Value {
        self.emit(
            Op::Compare(op),
            vec![a, b],
            Type::tensor(DType::Bool, Vec::new()),
            span,
        )
    }

    /// Starts a counted loop carrying `inits`: the body block becomes the
    /// current block. Finish it with [`Builder::end_loop`].
    pub fn begin_loop(&mut self, count: Value, inits: &[Value], span: Span) -> LoopScope {
        let types: Vec<Type> = inits.iter().map(|&v| self.module.ty(v).clone()).collect();
        let body = self.module.create_block();
        let mut args = vec![count];
        args.extend_from_slice(inits);
        let inst = self.module.append(
            self.block,
            Op::Loop { body },
            args,
            types.clone(),
            Some(span),
        );
        let index = self.module.add_block_param(body, Type::Int);
        let params: Vec<Value> = types
            .iter()
            .map(|t| self.module.add_block_param(body, t.clone()))
            .collect();
        for (&p, &init) in params.iter().zip(inits) {
            if let Some(name) = self.module.names[init].clone() {
                self.module.name_value(p, name);
            }
        }
        let outer = std::mem::replace(&mut self.block, body);
        LoopScope {
            inst,
            outer,
            index,
            params,
        }
    }

    /// Ends the loop body with `Yield next` and returns the loop's results.
    pub fn end_loop(&mut self, scope: LoopScope, next: Vec<Value>, span: Span) -> Vec<Value> {
        self.emit0(Op::Yield, next, span);
        self.block = scope.outer;
        self.module.insts[scope.inst].results.to_vec()
    }
}

/// An open loop body (see [`Builder::begin_loop`]).
pub struct LoopScope {
    inst: Inst,
    outer: Block,
    /// The iteration index (0-based).
    pub index: Value,
    /// The carried values inside the body.
    pub params: Vec<Value>,
}
