//! Hand-built IR modules with source spans, shared by the unit tests of the
//! memory plan and the profile renderers.

use omex_diagnostics::{FileId, SourceFiles, Span};
use omex_ir::{Block, DType, Dim, ModelDecl, ModelPort, Module, Op, TensorType, Type, Value};
use omex_mep::Constant;
use omex_mep::subtype::{RandomDist, StreamMode, UnaryOp};

/// The recipe the spans of [`two_models`] point into, one instruction a line.
pub const TWO_MODELS_SOURCE: &str = "\
ids = random_normal([1, seq, 4096], seed=0)
encoder = load(\"encoder.onnx\")
hidden = encoder(ids)
decoder = load(\"decoder.onnx\")
out = repeat 4 times with h = hidden {
    logits = decoder(h)
    h = relu(logits)
    print(h)
}
print(out)
";

pub const MIB: u64 = 1 << 20;

struct Builder {
    m: Module,
    lines: Vec<(usize, usize)>,
}

impl Builder {
    fn span(&self, line: usize) -> Span {
        let (start, end) = self.lines[line - 1];
        Span::new(FileId(0), start..end)
    }

    fn op(&mut self, block: Block, line: usize, op: Op, args: Vec<Value>, ty: Type) -> Value {
        let span = Some(self.span(line));
        let inst = self.m.append(block, op, args, vec![ty], span);
        self.m.insts[inst].results[0]
    }

    fn named(&mut self, value: Value, name: &str) -> Value {
        self.m.name_value(value, name);
        value
    }
}

/// Two models used one after the other (the second in a loop), with large
/// tensors: `seq <= 128`, so each `f32 [1, seq, 4096]` holds 2 MiB; the
/// encoder file is 50 MiB, the decoder's 80 MiB.
pub fn two_models() -> (Module, SourceFiles) {
    let mut files = SourceFiles::new();
    files.add("two_models.plan", TWO_MODELS_SOURCE);
    let mut offset = 0;
    let mut lines = Vec::new();
    for line in TWO_MODELS_SOURCE.lines() {
        let indent = line.len() - line.trim_start().len();
        lines.push((offset + indent, offset + line.len()));
        offset += line.len() + 1;
    }
    let mut m = Module::new("two_models");
    m.files = vec!["two_models.plan".into()];
    m.dim_bounds.insert("seq".into(), 128);
    let big = TensorType::new(
        DType::F32,
        vec![Dim::Fixed(1), Dim::Sym("seq".into()), Dim::Fixed(4096)],
    );
    let decl = |path: &str, size: u64, line: (usize, usize)| ModelDecl {
        path: path.into(),
        format: "onnx".into(),
        inputs: Some(vec![ModelPort {
            name: "x".into(),
            ty: big.clone(),
        }]),
        outputs: Some(vec![ModelPort {
            name: "y".into(),
            ty: big.clone(),
        }]),
        size: Some(size),
        sha256: None,
        span: Some(Span::new(FileId(0), line.0..line.1)),
    };
    let encoder = m.models.push(decl("encoder.onnx", 50 * MIB, lines[1]));
    let decoder = m.models.push(decl("decoder.onnx", 80 * MIB, lines[3]));
    let body = m.create_block();
    m.body = Some(body);
    let mut b = Builder { m, lines };
    let ty = Type::Tensor(big);
    let run = || Op::RunStatic {
        inputs: vec!["x".into()],
        outputs: vec!["y".into()],
    };

    let shape = b.op(
        body,
        1,
        Op::Const(Constant::IntList(vec![1, 128, 4096])),
        vec![],
        Type::Any,
    );
    let seed = b.op(body, 1, Op::Const(Constant::Int(0)), vec![], Type::Int);
    let ids = b.op(
        body,
        1,
        Op::TensorRandom {
            dtype: DType::F32,
            dist: RandomDist::Gaussian,
        },
        vec![shape, seed],
        ty.clone(),
    );
    b.named(ids, "ids");
    let enc = b.op(body, 2, Op::LoadModel(encoder), vec![], Type::Model);
    b.named(enc, "encoder");
    let hidden = b.op(body, 3, run(), vec![enc, ids], ty.clone());
    b.named(hidden, "hidden");
    let dec = b.op(body, 4, Op::LoadModel(decoder), vec![], Type::Model);
    b.named(dec, "decoder");
    let count = b.op(body, 5, Op::Const(Constant::Int(4)), vec![], Type::Int);
    let lp_body = b.m.create_block();
    let span = Some(b.span(5));
    let lp = b.m.append(
        body,
        Op::Loop { body: lp_body },
        vec![count, hidden],
        vec![ty.clone()],
        span,
    );
    let out = b.m.insts[lp].results[0];
    b.named(out, "out");
    b.m.add_block_param(lp_body, Type::Int);
    let h = b.m.add_block_param(lp_body, ty.clone());
    b.named(h, "h");
    let logits = b.op(lp_body, 6, run(), vec![dec, h], ty.clone());
    b.named(logits, "logits");
    let next = b.op(lp_body, 7, Op::Unary(UnaryOp::Relu), vec![logits], ty);
    b.named(next, "h");
    let span = Some(b.span(8));
    b.m.append(
        lp_body,
        Op::Print(StreamMode::Line),
        vec![next],
        vec![],
        span,
    );
    b.m.append(lp_body, Op::Yield, vec![next], vec![], span);
    let span = Some(b.span(10));
    b.m.append(body, Op::Print(StreamMode::Line), vec![out], vec![], span);
    b.m.append(body, Op::Return { names: vec![] }, vec![], vec![], span);
    (b.m, files)
}
