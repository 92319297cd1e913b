//! List literals and `tensor(...)`.
//!
//! A list of literals is one constant (`int[...]`, `f32[...]`, `str[...]`).
//! MEP has no instruction that builds a list from computed values, so a
//! list of computed numbers becomes a 1-D tensor, host-free: each item is
//! `full([1], item)` and the pieces are concatenated. Lists of tensors exist
//! only as the first argument of `concat` and `stack`, which take the tensors
//! directly.

use omex_diagnostics::{Diagnostic, Span};
use omex_ir::{DType, Dim, Op, Type, Value};
use omex_mep::Constant;
use omex_mep::subtype::{CombineOp, CreateOp, ManipOp};
use omex_plan_syntax::ast::{Expr, ExprKind};

use super::builtins::{Call, lit_bool, lit_int, lit_num};
use super::shapes::tensor;
use super::{Lowered, Lowerer};
use crate::codes;
use crate::types::{Want, is_float, promote};

/// A nested list literal: its shape and its leaves in row-major order.
fn flatten<'e>(
    e: &'e Expr,
    depth: usize,
    dims: &mut Vec<usize>,
    leaves: &mut Vec<&'e Expr>,
) -> Result<(), Span> {
    match &e.kind {
        ExprKind::List(items) => {
            match dims.get(depth) {
                Some(&n) if n != items.len() => return Err(e.span),
                Some(_) => {}
                None if depth == dims.len() && leaves.is_empty() => dims.push(items.len()),
                None => return Err(e.span),
            }
            for item in items {
                flatten(item, depth + 1, dims, leaves)?;
            }
            Ok(())
        }
        _ if depth == dims.len() => {
            leaves.push(e);
            Ok(())
        }
        _ => Err(e.span),
    }
}

fn dtype_of(ty: &Type) -> Option<DType> {
    match ty {
        Type::Int => Some(DType::I64),
        Type::Float => Some(DType::F32),
        Type::Bool => Some(DType::Bool),
        Type::Tensor(t) => t.dtype,
        _ => None,
    }
}

impl Lowerer<'_> {
    /// A list literal used as a value.
    pub fn list(&mut self, items: &[Expr], span: Span) -> Lowered {
        if let Some(nested) = items.iter().find(|i| matches!(i.kind, ExprKind::List(_))) {
            let d = Diagnostic::error(
                codes::UNSUPPORTED_LIST,
                "nested lists are only allowed inside `tensor(...)`",
            )
            .with_primary(nested.span, "a list inside a list")
            .with_help("make a tensor: `tensor([[1, 2], [3, 4]], dtype: f32)`");
            self.report(d);
            return Lowered::Error;
        }
        if let Some(c) = self.literal_list(items, span) {
            return c;
        }
        let mut values = Vec::new();
        let mut ok = true;
        for item in items {
            match self.value_want(item, Want::Value, "for a list item") {
                Some(v) => values.push((v, item.span)),
                None => ok = false,
            }
        }
        if !ok {
            return Lowered::Error;
        }
        let mut dtype = None;
        for &(v, item_span) in &values {
            let ty = self.ty(v);
            let problem = match &ty {
                Type::Int | Type::Float | Type::Bool | Type::Any => None,
                Type::Tensor(t) if crate::types::may_be_one_element(t) => None,
                Type::Tensor(_) => Some((
                    "a list of tensors can only be passed to `concat` or `stack`",
                    "write `concat([a, b], axis: 0)` or `stack([a, b], axis: 0)`",
                )),
                Type::Str => Some((
                    "a list of computed strings cannot be built",
                    "MEP builds lists only from literals; join text with `format(\"{} {}\", a, b)`",
                )),
                _ => Some((
                    "a list can only hold numbers, bools or strings",
                    "pass the values one by one",
                )),
            };
            if let Some((message, help)) = problem {
                let d = Diagnostic::error(codes::UNSUPPORTED_LIST, message)
                    .with_primary(item_span, format!("this is `{ty}`"))
                    .with_help(help);
                self.report(d);
                return Lowered::Error;
            }
            if let Some(d) = dtype_of(&ty) {
                dtype = Some(dtype.map_or(d, |old| promote(Some(old), Some(d)).unwrap_or(d)));
            }
        }
        let dtype = dtype.unwrap_or(DType::I64);
        self.values_tensor(&values, dtype, span)
    }

    /// A list of literals as one constant; `None` when an item is computed.
    fn literal_list(&mut self, items: &[Expr], span: Span) -> Option<Lowered> {
        if items.iter().all(|i| lit_int(i).is_some()) {
            let ns = items.iter().filter_map(lit_int).collect();
            return Some(Lowered::Value(self.konst(Constant::IntList(ns), span)));
        }
        if items.iter().all(|i| lit_num(i).is_some()) {
            let fs = items.iter().filter_map(lit_num).map(|f| f as f32).collect();
            return Some(Lowered::Value(self.konst(Constant::FloatList(fs), span)));
        }
        let strs: Vec<&str> = items
            .iter()
            .filter_map(|i| match &i.kind {
                ExprKind::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        if strs.len() == items.len() {
            let list = strs.into_iter().map(str::to_string).collect();
            return Some(Lowered::Value(self.konst(Constant::StrList(list), span)));
        }
        let is_lit = |i: &Expr| {
            lit_num(i).is_some() || matches!(i.kind, ExprKind::Str(_) | ExprKind::Bool(_))
        };
        if !strs.is_empty() && items.iter().all(is_lit) {
            let other = items
                .iter()
                .find(|i| !matches!(i.kind, ExprKind::Str(_)))
                .map_or(span, |i| i.span);
            let d = Diagnostic::error(
                codes::TYPE_MISMATCH,
                "a list's items must all be strings or all be numbers",
            )
            .with_primary(other, "not a string")
            .with_secondary(span, "this list has strings");
            self.report(d);
            return Some(Lowered::Error);
        }
        None
    }

    /// A 1-D tensor of computed scalars: `full([1], v)` each, concatenated.
    fn values_tensor(&mut self, values: &[(Value, Span)], dtype: DType, span: Span) -> Lowered {
        if values.len() > 255 {
            let d = Diagnostic::error(
                codes::VALUE_OUT_OF_RANGE,
                format!(
                    "a list of computed values has at most 255 items, found {}",
                    values.len()
                ),
            )
            .with_primary(span, "too many items");
            self.report(d);
            return Lowered::Error;
        }
        if values.is_empty() {
            return Lowered::Value(self.konst(Constant::IntList(Vec::new()), span));
        }
        let one = self.konst(Constant::IntList(vec![1]), span);
        let op = Op::TensorCreate {
            dtype,
            op: CreateOp::Full,
        };
        let parts: Vec<Value> = values
            .iter()
            .map(|&(v, s)| {
                self.emit(
                    op.clone(),
                    vec![one, v],
                    tensor(Some(dtype), Some(vec![Dim::Fixed(1)])),
                    s,
                )
            })
            .collect();
        if parts.len() == 1 {
            return Lowered::Value(parts[0]);
        }
        let n = parts.len();
        let combine = Op::Combine {
            op: CombineOp::Concat,
            inputs: n as u8,
        };
        let ty = tensor(Some(dtype), Some(vec![Dim::Fixed(n as u64)]));
        Lowered::Value(self.emit(combine, parts, ty, span))
    }

    /// `tensor(value, dtype: ...)`.
    pub fn tensor_builtin(&mut self, c: &Call) -> Lowered {
        let dtype = self.dtype_arg(c, "dtype");
        let Some(e) = c.expr("value") else {
            return Lowered::Error;
        };
        let Some(dtype) = dtype.opt() else {
            let _ = self.expr(e);
            return Lowered::Error;
        };
        if let ExprKind::List(_) = &e.kind {
            let (mut dims, mut leaves) = (Vec::new(), Vec::new());
            if let Err(at) = flatten(e, 0, &mut dims, &mut leaves) {
                let d = Diagnostic::error(
                    codes::UNSUPPORTED_LIST,
                    "the nested lists of a tensor must all have the same length",
                )
                .with_primary(at, "this list does not fit the others")
                .with_note("a tensor is rectangular: every row has as many items");
                self.report(d);
                return Lowered::Error;
            }
            let literal = leaves
                .iter()
                .all(|l| lit_num(l).is_some() || lit_bool(l).is_some());
            if literal {
                let ints = leaves
                    .iter()
                    .all(|l| lit_int(l).is_some() || lit_bool(l).is_some());
                let bools = leaves.iter().all(|l| lit_bool(l).is_some());
                let d = dtype.unwrap_or(if bools && !leaves.is_empty() {
                    DType::Bool
                } else if ints {
                    DType::I64
                } else {
                    DType::F32
                });
                let constant = if ints && !is_float(d) {
                    Constant::IntList(
                        leaves
                            .iter()
                            .map(|l| {
                                lit_int(l).unwrap_or_else(|| i64::from(lit_bool(l) == Some(true)))
                            })
                            .collect(),
                    )
                } else {
                    Constant::FloatList(
                        leaves
                            .iter()
                            .map(|l| {
                                lit_num(l).unwrap_or_else(|| {
                                    f64::from(u8::from(lit_bool(l) == Some(true)))
                                }) as f32
                            })
                            .collect(),
                    )
                };
                let flat = self.konst(constant, e.span);
                let op = Op::TensorCreate {
                    dtype: d,
                    op: CreateOp::FromPy,
                };
                let len = Dim::Fixed(leaves.len() as u64);
                let t = self.emit(op, vec![flat], tensor(Some(d), Some(vec![len])), c.span);
                if dims.len() <= 1 {
                    return Lowered::Value(t);
                }
                let shape: Vec<i64> = dims.iter().map(|&n| n as i64).collect();
                let shape_v = self.konst(Constant::IntList(shape), e.span);
                let ty = tensor(
                    Some(d),
                    Some(dims.iter().map(|&n| Dim::Fixed(n as u64)).collect()),
                );
                return Lowered::Value(self.emit(
                    Op::Manipulate(ManipOp::Reshape),
                    vec![t, shape_v],
                    ty,
                    c.span,
                ));
            }
            if dims.len() > 1 {
                let d = Diagnostic::error(codes::UNSUPPORTED_LIST, "nested lists of computed values cannot be built")
                    .with_primary(e.span, "has computed items")
                    .with_help("build the rows with `tensor([...])` and join them with `stack([...], axis: 0)`");
                self.report(d);
                return Lowered::Error;
            }
            let ExprKind::List(items) = &e.kind else {
                return Lowered::Error;
            };
            let Lowered::Value(v) = self.list(items, e.span) else {
                return Lowered::Error;
            };
            return match (dtype, &self.ty(v)) {
                (Some(d), Type::Tensor(t)) if t.dtype != Some(d) => {
                    let name = self.str_const(d.name(), c.span);
                    let ty = tensor(Some(d), t.shape.clone());
                    Lowered::Value(self.emit(
                        Op::Manipulate(ManipOp::Cast),
                        vec![v, name],
                        ty,
                        c.span,
                    ))
                }
                _ => Lowered::Value(v),
            };
        }
        let Some(v) = self.value(e) else {
            return Lowered::Error;
        };
        let ty = self.ty(v);
        let (default, shape) = match &ty {
            Type::Int => (DType::I64, Some(Vec::new())),
            Type::Float => (DType::F32, Some(Vec::new())),
            Type::Bool => (DType::Bool, Some(Vec::new())),
            Type::Tensor(t) => (t.dtype.unwrap_or(DType::F32), t.shape.clone()),
            Type::List(item) => {
                let len = self.const_list_len(v).map(|n| vec![Dim::Fixed(n as u64)]);
                (
                    if matches!(**item, Type::Int) {
                        DType::I64
                    } else {
                        DType::F32
                    },
                    len,
                )
            }
            Type::Any => (DType::F32, None),
            other => {
                self.mismatch(
                    e.span,
                    "a number, a list or a tensor",
                    other,
                    &c.context("value"),
                );
                return Lowered::Error;
            }
        };
        let d = dtype.unwrap_or(default);
        let op = Op::TensorCreate {
            dtype: d,
            op: CreateOp::FromPy,
        };
        Lowered::Value(self.emit(op, vec![v], tensor(Some(d), shape), c.span))
    }

    fn const_list_len(&self, v: Value) -> Option<usize> {
        let inst = self.st.module.def_inst(v)?;
        match &self.st.module.insts[inst].op {
            Op::Const(Constant::IntList(l)) => Some(l.len()),
            Op::Const(Constant::FloatList(l)) => Some(l.len()),
            Op::Const(Constant::StrList(l)) => Some(l.len()),
            _ => None,
        }
    }
}
