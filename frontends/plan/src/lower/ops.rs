//! Operators (`+`, `==`, `and`, unary `-`, `not`) and the math builtins:
//! element-wise functions, reductions, `topk`, `sample` and the host
//! helpers `normalize` and `mean_pool`.
//!
//! Result types follow the runtime: int op int is int (`/` gives a float),
//! a number with a tensor gives a tensor (an int tensor with a float number
//! becomes f32), two tensors broadcast and promote their dtypes.

use omex_diagnostics::{Diagnostic, Span};
use omex_ir::{DType, Dim, Op, Type};
use omex_mep::Constant;
use omex_mep::subtype::{AggOp, BinaryOp as MathOp, CompareOp, UnaryOp as MathUnary};
use omex_plan_syntax::ast::{BinaryOp, Expr, ExprKind, UnaryOp};

use super::builtins::Call;
use super::shapes::{tensor, tensor_of};
use super::{Lowered, Lowerer};
use crate::codes;
use crate::types::{Want, broadcast, is_float, promote, shape_text};

/// Why two operands do not combine.
#[derive(Debug, Clone, PartialEq)]
pub enum OpError {
    Types,
    Shapes(Vec<Dim>, Vec<Dim>),
}

fn broadcast_shapes(
    a: &Option<Vec<Dim>>,
    b: &Option<Vec<Dim>>,
) -> Result<Option<Vec<Dim>>, OpError> {
    match (a, b) {
        (Some(x), Some(y)) => broadcast(x, y)
            .map(Some)
            .map_err(|_| OpError::Shapes(x.clone(), y.clone())),
        _ => Ok(None),
    }
}

/// The shape of an operand: a number is a tensor of rank 0.
fn operand_shape(t: &Type) -> Option<Vec<Dim>> {
    match t {
        Type::Tensor(t) => t.shape.clone(),
        _ => Some(Vec::new()),
    }
}

/// The result type of an arithmetic operation.
pub fn arith_type(op: MathOp, a: &Type, b: &Type) -> Result<Type, OpError> {
    let numeric = |t: &Type| matches!(t, Type::Int | Type::Float | Type::Tensor(_) | Type::Any);
    let scalar = |t: &Type| matches!(t, Type::Int | Type::Float | Type::Bool);
    Ok(match (a, b) {
        (Type::Any, t) | (t, Type::Any)
            if numeric(t) || (op == MathOp::Add && matches!(t, Type::Str | Type::List(_))) =>
        {
            Type::Any
        }
        (Type::Int, Type::Int) => {
            if op == MathOp::Div {
                Type::Float
            } else {
                Type::Int
            }
        }
        (Type::Int | Type::Float, Type::Int | Type::Float) => Type::Float,
        (Type::Str, Type::Str) if op == MathOp::Add => Type::Str,
        (Type::List(x), Type::List(y)) if op == MathOp::Add => {
            Type::List(Box::new(crate::types::join(x, y).unwrap_or(Type::Any)))
        }
        (Type::Tensor(t), s) | (s, Type::Tensor(t)) if scalar(s) => {
            let dtype = t.dtype.map(|d| match s {
                Type::Float if !is_float(d) => DType::F32,
                _ => d,
            });
            tensor(result_dtype(op, dtype), t.shape.clone())
        }
        (Type::Tensor(x), Type::Tensor(y)) => {
            let shape = broadcast_shapes(&x.shape, &y.shape)?;
            tensor(result_dtype(op, promote(x.dtype, y.dtype)), shape)
        }
        _ => return Err(OpError::Types),
    })
}

fn result_dtype(op: MathOp, dtype: Option<DType>) -> Option<DType> {
    dtype.map(|d| match d {
        DType::Bool => DType::I64,
        d if op == MathOp::Div && !is_float(d) => DType::F32,
        d => d,
    })
}

/// The result type of a comparison or of `and`/`or`.
pub fn compare_type(op: CompareOp, a: &Type, b: &Type) -> Result<Type, OpError> {
    let ok = match op {
        CompareOp::And | CompareOp::Or => Want::Bool.accepts(a) && Want::Bool.accepts(b),
        CompareOp::Eq | CompareOp::Neq => match (a, b) {
            (Type::Any, _) | (_, Type::Any) => true,
            (Type::Str, Type::Str) => true,
            (Type::Str, _) | (_, Type::Str) => false,
            _ => {
                let operand = |t: &Type| Want::Scalar.accepts(t) || matches!(t, Type::Tensor(_));
                operand(a) && operand(b)
            }
        },
        _ => Want::Numeric.accepts(a) && Want::Numeric.accepts(b),
    };
    if !ok {
        return Err(OpError::Types);
    }
    Ok(match (a, b) {
        (Type::Any, _) | (_, Type::Any) => Type::Any,
        (Type::Tensor(_), _) | (_, Type::Tensor(_)) => {
            let shape = broadcast_shapes(&operand_shape(a), &operand_shape(b))?;
            tensor(Some(DType::Bool), shape)
        }
        _ => Type::Bool,
    })
}

impl Lowerer<'_> {
    pub fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, span: Span) -> Lowered {
        let l = self.value(lhs);
        let r = self.value(rhs);
        let (Some(l), Some(r)) = (l, r) else {
            return Lowered::Error;
        };
        let (lt, rt) = (self.ty(l), self.ty(r));
        let (ir_op, result) = match op {
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                let m = match op {
                    BinaryOp::Add => MathOp::Add,
                    BinaryOp::Sub => MathOp::Sub,
                    BinaryOp::Mul => MathOp::Mul,
                    BinaryOp::Div => MathOp::Div,
                    _ => MathOp::Mod,
                };
                (Op::Binary(m), arith_type(m, &lt, &rt))
            }
            _ => {
                let c = match op {
                    BinaryOp::Eq => CompareOp::Eq,
                    BinaryOp::Ne => CompareOp::Neq,
                    BinaryOp::Lt => CompareOp::Lt,
                    BinaryOp::Le => CompareOp::Le,
                    BinaryOp::Gt => CompareOp::Gt,
                    BinaryOp::Ge => CompareOp::Ge,
                    BinaryOp::And => CompareOp::And,
                    _ => CompareOp::Or,
                };
                (Op::Compare(c), compare_type(c, &lt, &rt))
            }
        };
        match result {
            Ok(ty) => Lowered::Value(self.emit(ir_op, vec![l, r], ty, span)),
            Err(e) => {
                let at = self
                    .operator_span(op.symbol(), lhs.span, rhs.span)
                    .unwrap_or(span);
                self.operand_error(e, op.symbol(), (lhs.span, &lt), (rhs.span, &rt), at);
                Lowered::Error
            }
        }
    }

    /// The span of an operator written between two operands.
    fn operator_span(&self, symbol: &str, lhs: Span, rhs: Span) -> Option<Span> {
        let (from, to) = (lhs.end as usize, rhs.start as usize);
        let between = self.cx.source.get(from..to)?;
        let at = from + between.find(symbol)?;
        Some(self.span(at..at + symbol.len()))
    }

    fn operand_error(
        &mut self,
        e: OpError,
        symbol: &str,
        lhs: (Span, &Type),
        rhs: (Span, &Type),
        span: Span,
    ) {
        let d = match e {
            OpError::Types => {
                let mut d = Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    format!("`{symbol}` cannot combine `{}` and `{}`", lhs.1, rhs.1),
                )
                .with_primary(span, "not defined for these operand types")
                .with_secondary(lhs.0, format!("this is `{}`", lhs.1))
                .with_secondary(rhs.0, format!("this is `{}`", rhs.1));
                let text = |t: &Type| matches!(t, Type::Str);
                if symbol == "+" && (text(lhs.1) || text(rhs.1)) {
                    d = d.with_help("to build text from values, use `format(\"{}{}\", a, b)`");
                } else if matches!(symbol, "and" | "or") {
                    d = d.with_help("`and` and `or` combine bools; compare first, e.g. `x > 0`");
                }
                d
            }
            OpError::Shapes(a, b) => Diagnostic::error(
                codes::SHAPE_MISMATCH,
                format!(
                    "`{symbol}` cannot broadcast shapes {} and {}",
                    shape_text(&a),
                    shape_text(&b)
                ),
            )
            .with_primary(span, "the fixed sizes of these shapes differ")
            .with_secondary(lhs.0, format!("this is `{}`", lhs.1))
            .with_secondary(rhs.0, format!("this is `{}`", rhs.1))
            .with_note(
                "shapes are aligned from the last axis; each pair of sizes must be equal or 1",
            ),
        };
        self.report(d);
    }

    pub fn unary(&mut self, op: UnaryOp, operand: &Expr, span: Span) -> Lowered {
        if op == UnaryOp::Neg {
            match &operand.kind {
                ExprKind::Int(n) => return Lowered::Value(self.int(n.wrapping_neg(), span)),
                ExprKind::Float(f) => return Lowered::Value(self.konst(Constant::Float(-f), span)),
                _ => {}
            }
        }
        let (want, math) = match op {
            UnaryOp::Neg => (Want::Numeric, MathUnary::Neg),
            UnaryOp::Not => (Want::Bool, MathUnary::Not),
        };
        let context = format!("for the operand of `{}`", op.symbol());
        let Some(v) = self.value_want(operand, want, &context) else {
            return Lowered::Error;
        };
        let ty = self.ty(v);
        Lowered::Value(self.emit(Op::Unary(math), vec![v], ty, span))
    }

    // ------------------------------------------------------------ builtins

    pub fn math(&mut self, c: &Call) -> Lowered {
        match c.builtin.name {
            "softmax" | "log_softmax" => self.softmax(c),
            "pow" => self.binary_builtin(c, MathOp::Pow),
            "maximum" => self.binary_builtin(c, MathOp::Max),
            "minimum" => self.binary_builtin(c, MathOp::Min),
            "max" | "min" if c.has("y") => {
                let op = if c.builtin.name == "max" {
                    MathOp::Max
                } else {
                    MathOp::Min
                };
                for p in ["axis", "keepdims"] {
                    if let Some(arg) = c.arg(p) {
                        let d = Diagnostic::error(
                            codes::UNKNOWN_KEYWORD,
                            format!("`{}` of two values takes no `{p}`", c.builtin.name),
                        )
                        .with_primary(arg.span, "not allowed with two operands")
                        .with_note(format!(
                            "`{0}(a, b)` is the element-wise {0}; `{0}(x, axis: 1)` reduces one tensor",
                            c.builtin.name
                        ));
                        self.report(d);
                        return Lowered::Error;
                    }
                }
                self.binary_builtin(c, op)
            }
            "max" | "min" | "argmax" | "argmin" | "sum" | "mean" => self.aggregate(c),
            "topk" => self.topk(c),
            "sample" => {
                let logits = self.get(c, "logits", Want::Tensor);
                let temperature = self.get(c, "temperature", Want::Numeric);
                let top_k = self.get(c, "top_k", Want::Int);
                let (Some(logits), Some(t), Some(k)) =
                    (logits.req(), temperature.opt(), top_k.opt())
                else {
                    return Lowered::Error;
                };
                let t = t.unwrap_or_else(|| self.konst(Constant::Float(1.0), c.span));
                let k = k.unwrap_or_else(|| self.int(0, c.span));
                Lowered::Value(self.emit(Op::Sample, vec![logits, t, k], Type::Int, c.span))
            }
            "normalize" => {
                let x = self.get(c, "x", Want::Tensor);
                let axis = self.lit_int_arg(c, "axis");
                let (Some(x), Some(axis)) = (x.req(), axis.opt()) else {
                    return Lowered::Error;
                };
                if !self.last_axis_only(c, x, axis) {
                    return Lowered::Error;
                }
                let t = tensor_of(&self.ty(x));
                let ty = tensor(Some(float_dtype(t.dtype)), t.shape);
                let op = Op::CallHost {
                    name: "l2_normalize".into(),
                };
                Lowered::Value(self.emit(op, vec![x], ty, c.span))
            }
            "mean_pool" => self.mean_pool(c),
            _ => self.elementwise(c),
        }
    }

    fn binary_builtin(&mut self, c: &Call, op: MathOp) -> Lowered {
        let x = self.get(c, "x", Want::Numeric);
        let y = self.get(c, "y", Want::Numeric);
        let (Some(x), Some(y)) = (x.req(), y.req()) else {
            return Lowered::Error;
        };
        let (xt, yt) = (self.ty(x), self.ty(y));
        match arith_type(op, &xt, &yt) {
            Ok(ty) => Lowered::Value(self.emit(Op::Binary(op), vec![x, y], ty, c.span)),
            Err(e) => {
                let (xs, ys) = (
                    c.expr("x").map_or(c.span, |e| e.span),
                    c.expr("y").map_or(c.span, |e| e.span),
                );
                self.operand_error(e, c.builtin.name, (xs, &xt), (ys, &yt), c.span);
                Lowered::Error
            }
        }
    }

    fn softmax(&mut self, c: &Call) -> Lowered {
        let x = self.get(c, "x", Want::Tensor);
        let axis = self.lit_int_arg(c, "axis");
        let (Some(x), Some(axis)) = (x.req(), axis.opt()) else {
            return Lowered::Error;
        };
        if !self.last_axis_only(c, x, axis) {
            return Lowered::Error;
        }
        let t = tensor_of(&self.ty(x));
        let op = if c.builtin.name == "softmax" {
            MathUnary::Softmax
        } else {
            MathUnary::LogSoftmax
        };
        let ty = tensor(Some(float_dtype(t.dtype)), t.shape);
        Lowered::Value(self.emit(Op::Unary(op), vec![x], ty, c.span))
    }

    /// Checks an `axis` argument of an operation along the last axis only.
    fn last_axis_only(&mut self, c: &Call, x: omex_ir::Value, axis: Option<i64>) -> bool {
        let Some(a) = axis else {
            return true;
        };
        let last = tensor_of(&self.ty(x)).shape.map(|s| s.len() as i64 - 1);
        if a == -1 || Some(a) == last {
            return true;
        }
        let span = c.expr("axis").map_or(c.span, |e| e.span);
        let d = Diagnostic::error(
            codes::VALUE_OUT_OF_RANGE,
            format!("`{}` works along the last axis only", c.builtin.name),
        )
        .with_primary(span, "expected `-1`")
        .with_help("move the axis last with `transpose(x, perm)` first");
        self.report(d);
        false
    }

    fn elementwise(&mut self, c: &Call) -> Lowered {
        let op = match c.builtin.name {
            "sigmoid" => MathUnary::Sigmoid,
            "tanh" => MathUnary::Tanh,
            "relu" => MathUnary::Relu,
            "exp" => MathUnary::Exp,
            "log" => MathUnary::Log,
            "sqrt" => MathUnary::Sqrt,
            "abs" => MathUnary::Abs,
            "floor" => MathUnary::Floor,
            "ceil" => MathUnary::Ceil,
            "round" => MathUnary::Round,
            _ => MathUnary::Reciprocal,
        };
        let Some(x) = self.get(c, "x", Want::Numeric).req() else {
            return Lowered::Error;
        };
        let keeps_ints = matches!(
            op,
            MathUnary::Relu
                | MathUnary::Abs
                | MathUnary::Floor
                | MathUnary::Ceil
                | MathUnary::Round
        );
        let ty = match self.ty(x) {
            Type::Int if keeps_ints => Type::Int,
            Type::Int | Type::Float => Type::Float,
            Type::Tensor(t) if keeps_ints => Type::Tensor(t),
            Type::Tensor(t) => tensor(Some(float_dtype(t.dtype)), t.shape),
            other => other,
        };
        Lowered::Value(self.emit(Op::Unary(op), vec![x], ty, c.span))
    }

    fn aggregate(&mut self, c: &Call) -> Lowered {
        let op = match c.builtin.name {
            "argmax" => AggOp::Argmax,
            "argmin" => AggOp::Argmin,
            "sum" => AggOp::Sum,
            "mean" => AggOp::Mean,
            "max" => AggOp::Max,
            _ => AggOp::Min,
        };
        let x = self.get(c, "x", Want::TensorLike);
        let axis = self.get(c, "axis", Want::Int);
        let keepdims = self.lit_bool_arg(c, "keepdims");
        let (Some(x), Some(axis), Some(keepdims)) = (x.req(), axis.opt(), keepdims.opt()) else {
            return Lowered::Error;
        };
        if keepdims.is_some() && axis.is_none() {
            let span = c.arg("keepdims").map_or(c.span, |a| a.span);
            let d = Diagnostic::error(
                codes::MISSING_ARGUMENT,
                format!("`keepdims` of `{}` needs `axis`", c.builtin.name),
            )
            .with_primary(span, "given without `axis`")
            .with_note("the reduction over all elements gives one value; name the axis to keep it");
            self.report(d);
            return Lowered::Error;
        }
        let t = tensor_of(&self.ty(x));
        let axis_lit = match axis {
            Some(a) => self
                .const_int(a)
                .map(|n| Some((n, c.expr("axis").map_or(c.span, |e| e.span)))),
            None => Some(None),
        };
        let shape = match axis_lit {
            Some(lit) => match self.reduced_shape(t.shape.as_ref(), lit, keepdims == Some(true)) {
                Ok(s) => s,
                Err(()) => return Lowered::Error,
            },
            None => None,
        };
        let dtype = match op {
            AggOp::Argmax | AggOp::Argmin => Some(DType::I64),
            AggOp::Mean => Some(float_dtype(t.dtype)),
            _ => t.dtype,
        };
        let mut args = vec![x];
        if let Some(a) = axis {
            args.push(a);
        }
        if let Some(k) = keepdims {
            let span = c.expr("keepdims").map_or(c.span, |e| e.span);
            args.push(self.konst(Constant::Bool(k), span));
        }
        Lowered::Value(self.emit(Op::Aggregate(op), args, tensor(dtype, shape), c.span))
    }

    fn topk(&mut self, c: &Call) -> Lowered {
        let x = self.get(c, "x", Want::TensorLike);
        let k = self.lit_int_arg(c, "k");
        let (Some(x), Some(k)) = (x.req(), k.req()) else {
            return Lowered::Error;
        };
        let k_span = c.expr("k").map_or(c.span, |e| e.span);
        let Some(k8) = u8::try_from(k).ok().filter(|&k| k >= 1) else {
            let d = Diagnostic::error(
                codes::VALUE_OUT_OF_RANGE,
                format!("`topk` takes k from 1 to 255, found {k}"),
            )
            .with_primary(k_span, "out of range")
            .with_note("MEP stores k in one byte");
            self.report(d);
            return Lowered::Error;
        };
        let t = tensor_of(&self.ty(x));
        if let Some(Dim::Fixed(n)) = t.shape.as_ref().and_then(|s| s.last())
            && (*n as i64) < k
        {
            let d = Diagnostic::error(
                codes::VALUE_OUT_OF_RANGE,
                format!("`topk` asks for {k} values, but the last axis has {n}"),
            )
            .with_primary(k_span, format!("at most {n}"))
            .with_secondary(
                c.expr("x").map_or(c.span, |e| e.span),
                format!("this is `{}`", self.ty(x)),
            );
            self.report(d);
            return Lowered::Error;
        }
        let shape = t.shape.map(|mut s| {
            if let Some(last) = s.last_mut() {
                *last = Dim::Fixed(u64::from(k8));
            }
            s
        });
        let types = vec![
            tensor(Some(DType::I64), shape.clone()),
            tensor(Some(t.dtype.unwrap_or(DType::F32)), shape),
        ];
        let inst = self.append(Op::TopK { k: k8 }, vec![x], types, c.span);
        Lowered::Tuple(self.st.module.insts[inst].results.to_vec())
    }

    fn mean_pool(&mut self, c: &Call) -> Lowered {
        let hidden = self.get(c, "hidden", Want::Tensor);
        let mask = self.get(c, "mask", Want::Tensor);
        let (Some(hidden), Some(mask)) = (hidden.req(), mask.req()) else {
            return Lowered::Error;
        };
        let h = tensor_of(&self.ty(hidden));
        let m = tensor_of(&self.ty(mask));
        let bad_rank = |s: &Option<Vec<Dim>>, r: usize| s.as_ref().is_some_and(|s| s.len() != r);
        for (value, param, r, what) in [
            (hidden, "hidden", 3, "hidden states [batch, tokens, dim]"),
            (mask, "mask", 2, "a mask [batch, tokens]"),
        ] {
            let shape = if param == "hidden" {
                &h.shape
            } else {
                &m.shape
            };
            if bad_rank(shape, r) {
                let span = c.expr(param).map_or(c.span, |e| e.span);
                let d = Diagnostic::error(
                    codes::SHAPE_MISMATCH,
                    format!(
                        "`mean_pool` needs {what}, found rank {}",
                        shape.as_ref().map_or(0, Vec::len)
                    ),
                )
                .with_primary(span, format!("this is `{}`", self.ty(value)));
                self.report(d);
                return Lowered::Error;
            }
        }
        let shape = h.shape.map(|s| vec![s[0].clone(), s[2].clone()]);
        let op = Op::CallHost {
            name: "mean_pool".into(),
        };
        Lowered::Value(self.emit(
            op,
            vec![hidden, mask],
            tensor(Some(DType::F32), shape),
            c.span,
        ))
    }
}

/// Floating-point results keep a float dtype; integers become f32.
fn float_dtype(d: Option<DType>) -> DType {
    match d {
        Some(d) if is_float(d) => d,
        _ => DType::F32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omex_ir::Dim::Fixed;

    #[test]
    fn arithmetic_types() {
        assert_eq!(
            arith_type(MathOp::Div, &Type::Int, &Type::Int),
            Ok(Type::Float)
        );
        assert_eq!(
            arith_type(MathOp::Add, &Type::Int, &Type::Int),
            Ok(Type::Int)
        );
        assert_eq!(
            arith_type(MathOp::Add, &Type::Str, &Type::Str),
            Ok(Type::Str)
        );
        assert_eq!(
            arith_type(MathOp::Add, &Type::Str, &Type::Int),
            Err(OpError::Types)
        );
        let f = Type::tensor(DType::F32, vec![Fixed(1), Fixed(3)]);
        let i = Type::tensor(DType::I64, vec![Fixed(3)]);
        assert_eq!(
            arith_type(MathOp::Mul, &f, &i),
            Ok(Type::tensor(DType::F32, vec![Fixed(1), Fixed(3)]))
        );
        assert_eq!(
            arith_type(MathOp::Mul, &i, &Type::Float),
            Ok(Type::tensor(DType::F32, vec![Fixed(3)]))
        );
        let g = Type::tensor(DType::F32, vec![Fixed(2)]);
        assert!(matches!(
            arith_type(MathOp::Add, &f, &g),
            Err(OpError::Shapes(..))
        ));
        assert_eq!(
            compare_type(CompareOp::Eq, &Type::Str, &Type::Str),
            Ok(Type::Bool)
        );
        assert_eq!(
            compare_type(CompareOp::Lt, &Type::Str, &Type::Str),
            Err(OpError::Types)
        );
        assert_eq!(
            compare_type(CompareOp::Eq, &Type::tensor(DType::I64, vec![]), &Type::Int),
            Ok(Type::tensor(DType::Bool, vec![]))
        );
    }
}
