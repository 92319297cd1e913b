//! Tensor builtins: creation, manipulation, combination and information.
//! Parameters are IR values (constants when written as literals); result
//! shapes are computed from the literal ones.

use omex_diagnostics::{Diagnostic, Span};
use omex_ir::{DType, Dim, Op, Type, Value};
use omex_mep::Constant;
use omex_mep::subtype::{CombineOp, CreateOp, InfoOp, ManipOp, RandomDist};
use omex_plan_syntax::ast::ExprKind;

use super::builtins::{Call, Got, lit_num};
use super::shapes::{slice_dim, tensor, tensor_of};
use super::{Lowered, Lowerer};
use crate::codes;
use crate::types::{Want, any_dim, is_float, is_int, may_be_one_element, shape_text};

impl Lowerer<'_> {
    // ------------------------------------------------------------ creation

    pub fn create(&mut self, c: &Call) -> Lowered {
        match c.builtin.name {
            "tensor" => self.tensor_builtin(c),
            "arange" => self.arange(c),
            "ones" | "zeros" => {
                let shape = self.get(c, "shape", Want::Shape);
                let dtype = self.dtype_arg(c, "dtype");
                let (Some(shape), Some(dtype)) = (shape.req(), dtype.opt()) else {
                    return Lowered::Error;
                };
                let op = if c.builtin.name == "ones" {
                    CreateOp::Ones
                } else {
                    CreateOp::Zeros
                };
                let dtype = dtype.unwrap_or(DType::F32);
                let ty = tensor(Some(dtype), self.shape_dims(shape));
                Lowered::Value(self.emit(Op::TensorCreate { dtype, op }, vec![shape], ty, c.span))
            }
            "full" => {
                let shape = self.get(c, "shape", Want::Shape);
                let value = self.get(c, "value", Want::Scalar);
                let dtype = self.dtype_arg(c, "dtype");
                let (Some(shape), Some(value), Some(dtype)) =
                    (shape.req(), value.req(), dtype.opt())
                else {
                    return Lowered::Error;
                };
                let dtype = dtype.unwrap_or_else(|| match self.ty(value) {
                    Type::Int => DType::I64,
                    Type::Bool => DType::Bool,
                    Type::Tensor(t) => t.dtype.unwrap_or(DType::F32),
                    _ => DType::F32,
                });
                let ty = tensor(Some(dtype), self.shape_dims(shape));
                let op = Op::TensorCreate {
                    dtype,
                    op: CreateOp::Full,
                };
                Lowered::Value(self.emit(op, vec![shape, value], ty, c.span))
            }
            _ => {
                let shape = self.get(c, "shape", Want::Shape);
                let seed = self.get(c, "seed", Want::Int);
                let dtype = self.dtype_arg(c, "dtype");
                let (Some(shape), Some(seed), Some(dtype)) = (shape.req(), seed.opt(), dtype.opt())
                else {
                    return Lowered::Error;
                };
                let dtype = dtype.unwrap_or(DType::F32);
                if !is_float(dtype) {
                    let span = c.expr("dtype").map_or(c.span, |e| e.span);
                    let d = Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        format!(
                            "`{}` makes floating-point tensors, not `{dtype}`",
                            c.builtin.name
                        ),
                    )
                    .with_primary(span, "expected f32, f64, f16 or bf16");
                    self.report(d);
                    return Lowered::Error;
                }
                let seed = match seed {
                    Some(s) => s,
                    None => self.int(0, c.span),
                };
                let dist = if c.builtin.name == "randn" {
                    RandomDist::Gaussian
                } else {
                    RandomDist::Uniform
                };
                let ty = tensor(Some(dtype), self.shape_dims(shape));
                Lowered::Value(self.emit(
                    Op::TensorRandom { dtype, dist },
                    vec![shape, seed],
                    ty,
                    c.span,
                ))
            }
        }
    }

    fn arange(&mut self, c: &Call) -> Lowered {
        // `arange(end)` or `arange(start, end[, step])`.
        let (start_p, end_p) = if c.has("end") {
            (Some("start"), "end")
        } else {
            (None, "start")
        };
        if c.has("step") && start_p.is_none() {
            let d = Diagnostic::error(
                codes::MISSING_ARGUMENT,
                "`arange` with `step` needs `start` and `end`",
            )
            .with_primary(c.span, "missing `end`")
            .with_note(
                "the forms are `arange(end)`, `arange(start, end)` and `arange(start, end, step)`",
            );
            self.report(d);
            return Lowered::Error;
        }
        let mut names: Vec<&str> = start_p.into_iter().collect();
        names.push(end_p);
        if c.has("step") {
            names.push("step");
        }
        let dtype = self.dtype_arg(c, "dtype");
        let mut params = Vec::new();
        let mut ok = true;
        for name in &names {
            match self.get(c, name, Want::Numeric) {
                Got::Val(v) => params.push(v),
                _ => ok = false,
            }
        }
        let Some(dtype) = dtype.opt() else {
            return Lowered::Error;
        };
        if !ok {
            return Lowered::Error;
        }
        let all_int = params.iter().all(|&v| matches!(self.ty(v), Type::Int));
        let dtype = dtype.unwrap_or(if all_int { DType::I64 } else { DType::F32 });
        let lits: Option<Vec<f64>> = names.iter().map(|n| c.expr(n).and_then(lit_num)).collect();
        let len = match lits.as_deref() {
            Some([end]) => Some((0.0, *end, 1.0)),
            Some([start, end]) => Some((*start, *end, 1.0)),
            Some([start, end, step]) => Some((*start, *end, *step)),
            _ => None,
        }
        .filter(|(_, _, step)| *step != 0.0)
        .map_or_else(any_dim, |(s, e, step)| {
            Dim::Fixed(((e - s) / step).ceil().max(0.0) as u64)
        });
        let ty = tensor(Some(dtype), Some(vec![len]));
        let op = Op::TensorCreate {
            dtype,
            op: omex_mep::subtype::CreateOp::Arange,
        };
        Lowered::Value(self.emit(op, params, ty, c.span))
    }

    // ------------------------------------------------------------ manipulation

    pub fn manipulate(&mut self, c: &Call) -> Lowered {
        let x = self.get(c, "x", Want::TensorLike);
        let name = c.builtin.name;
        let (op, params) = match name {
            "reshape" | "expand" => (
                if name == "reshape" {
                    ManipOp::Reshape
                } else {
                    ManipOp::Expand
                },
                vec![self.get(c, "shape", Want::Shape)],
            ),
            "pad" => (
                ManipOp::Pad,
                vec![
                    self.get(c, "pads", Want::Shape),
                    self.get(c, "value", Want::Scalar),
                ],
            ),
            "slice" => (
                ManipOp::Slice,
                ["axis", "start", "end", "step"]
                    .iter()
                    .map(|p| self.get(c, p, Want::Int))
                    .collect(),
            ),
            "expand_dims" => (ManipOp::ExpandDims, vec![self.get(c, "axis", Want::Int)]),
            "squeeze" => (ManipOp::Squeeze, vec![self.get(c, "axis", Want::Int)]),
            "transpose" => (ManipOp::Transpose, vec![self.get(c, "perm", Want::Shape)]),
            _ => {
                let dtype = match self.dtype_arg(c, "dtype") {
                    Got::Val(d) => {
                        let span = c.expr("dtype").map_or(c.span, |e| e.span);
                        Got::Val(self.str_const(d.name(), span))
                    }
                    _ => Got::Bad,
                };
                (ManipOp::Cast, vec![dtype])
            }
        };
        let Some(x) = x.req() else {
            return Lowered::Error;
        };
        let mut values = Vec::new();
        for p in params {
            match p {
                Got::Val(v) => values.push(v),
                Got::Absent => {}
                Got::Bad => return Lowered::Error,
            }
        }
        let Some(ty) = self.manip_type(op, x, &values, c) else {
            return Lowered::Error;
        };
        let mut args = vec![x];
        args.extend(values);
        Lowered::Value(self.emit(Op::Manipulate(op), args, ty, c.span))
    }

    /// The result type of a manipulation; `None` after reporting an error.
    fn manip_type(&mut self, op: ManipOp, x: Value, params: &[Value], c: &Call) -> Option<Type> {
        let t = tensor_of(&self.ty(x));
        let param_span = |i: usize| {
            let names: &[&str] = match op {
                ManipOp::Slice => &["axis", "start", "end", "step"],
                ManipOp::Pad => &["pads", "value"],
                ManipOp::Reshape | ManipOp::Expand => &["shape"],
                ManipOp::Transpose => &["perm"],
                ManipOp::Cast => &["dtype"],
                ManipOp::ExpandDims | ManipOp::Squeeze => &["axis"],
            };
            names
                .get(i)
                .and_then(|n| c.expr(n))
                .map_or(c.span, |e| e.span)
        };
        let shape: Option<Vec<Dim>> = match op {
            ManipOp::Reshape => {
                let mut dims = self.shape_dims(params[0])?;
                if let (Some(src), Some(ns)) = (&t.shape, self.const_int_list(params[0])) {
                    let known: Option<u64> = src
                        .iter()
                        .map(|d| match d {
                            Dim::Fixed(n) => Some(*n),
                            Dim::Sym(_) => None,
                        })
                        .try_fold(1u64, |acc, n| n.and_then(|n| acc.checked_mul(n)));
                    let given: u64 = ns.iter().filter(|&&n| n >= 0).map(|&n| n as u64).product();
                    let holes = ns.iter().filter(|&&n| n < 0).count();
                    match (known, holes) {
                        (Some(total), 0) if total != given => {
                            let d = Diagnostic::error(
                                codes::SHAPE_MISMATCH,
                                format!(
                                    "cannot reshape {} ({total} elements) to {} ({given} elements)",
                                    shape_text(src),
                                    shape_text(&dims)
                                ),
                            )
                            .with_primary(param_span(0), "the element counts differ")
                            .with_secondary(
                                c.expr("x").map_or(c.span, |e| e.span),
                                format!("this is `{}`", self.ty(x)),
                            );
                            self.report(d);
                            return None;
                        }
                        (Some(total), 1) if given > 0 && total % given == 0 => {
                            for (d, n) in dims.iter_mut().zip(&ns) {
                                if *n < 0 {
                                    *d = Dim::Fixed(total / given);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Some(dims)
            }
            ManipOp::Expand => self.shape_dims(params[0]),
            ManipOp::Pad => match (&t.shape, self.const_int_list(params[0])) {
                (Some(src), Some(pads)) => {
                    if pads.len() != 2 * src.len() {
                        let d = Diagnostic::error(
                            codes::SHAPE_MISMATCH,
                            format!(
                                "`pad` needs 2 values per axis ({} for a tensor of rank {}), found {}",
                                2 * src.len(),
                                src.len(),
                                pads.len()
                            ),
                        )
                        .with_primary(param_span(0), "[before_0, after_0, before_1, after_1, ...]");
                        self.report(d);
                        return None;
                    }
                    Some(
                        src.iter()
                            .enumerate()
                            .map(|(i, d)| match d {
                                Dim::Fixed(n) => {
                                    let total = *n as i64 + pads[2 * i] + pads[2 * i + 1];
                                    u64::try_from(total).map_or_else(|_| any_dim(), Dim::Fixed)
                                }
                                Dim::Sym(_) => any_dim(),
                            })
                            .collect(),
                    )
                }
                (Some(src), None) => Some(vec![any_dim(); src.len()]),
                _ => None,
            },
            ManipOp::Slice => {
                let lits: Vec<Option<i64>> = params.iter().map(|&v| self.const_int(v)).collect();
                match (&t.shape, lits[0]) {
                    (Some(src), Some(axis)) => {
                        let a = self.axis(axis, src.len(), false, param_span(0))?;
                        let mut out = src.clone();
                        out[a] =
                            slice_dim(&src[a], lits[1], lits[2], lits.get(3).copied().flatten());
                        Some(out)
                    }
                    (Some(src), None) => Some(vec![any_dim(); src.len()]),
                    _ => None,
                }
            }
            ManipOp::ExpandDims => match (&t.shape, self.const_int(params[0])) {
                (Some(src), Some(axis)) => {
                    let a = self.axis(axis, src.len(), true, param_span(0))?;
                    let mut out = src.clone();
                    out.insert(a, Dim::Fixed(1));
                    Some(out)
                }
                (Some(src), None) => Some(vec![any_dim(); src.len() + 1]),
                _ => None,
            },
            ManipOp::Squeeze => match (&t.shape, params.first().map(|&v| self.const_int(v))) {
                (Some(src), Some(Some(axis))) => {
                    let a = self.axis(axis, src.len(), false, param_span(0))?;
                    if let Dim::Fixed(n) = src[a]
                        && n != 1
                    {
                        let d = Diagnostic::error(
                            codes::SHAPE_MISMATCH,
                            format!("cannot squeeze axis {axis}: its size is {n}, not 1"),
                        )
                        .with_primary(param_span(0), format!("the tensor is {}", shape_text(src)));
                        self.report(d);
                        return None;
                    }
                    let mut out = src.clone();
                    out.remove(a);
                    Some(out)
                }
                (Some(src), None) if src.iter().all(|d| matches!(d, Dim::Fixed(_))) => Some(
                    src.iter()
                        .filter(|d| **d != Dim::Fixed(1))
                        .cloned()
                        .collect(),
                ),
                (Some(src), Some(None)) => Some(vec![any_dim(); src.len().saturating_sub(1)]),
                _ => None,
            },
            ManipOp::Transpose => match (&t.shape, params.first()) {
                (Some(src), None) => Some(src.iter().rev().cloned().collect()),
                (Some(src), Some(&perm)) => match self.const_int_list(perm) {
                    Some(p) => {
                        let mut sorted = p.clone();
                        sorted.sort_unstable();
                        let identity: Vec<i64> = (0..src.len() as i64).collect();
                        if sorted != identity {
                            let d = Diagnostic::error(
                                codes::VALUE_OUT_OF_RANGE,
                                format!(
                                    "`perm` must order the axes 0 to {} of a tensor of rank {}",
                                    src.len() as i64 - 1,
                                    src.len()
                                ),
                            )
                            .with_primary(param_span(0), "not a permutation of the axes");
                            self.report(d);
                            return None;
                        }
                        Some(p.iter().map(|&i| src[i as usize].clone()).collect())
                    }
                    None => Some(vec![any_dim(); src.len()]),
                },
                _ => None,
            },
            ManipOp::Cast => t.shape.clone(),
        };
        let dtype = match op {
            ManipOp::Cast => self
                .const_str(params[0])
                .and_then(|n| crate::types::dtype_by_name(&n)),
            _ => t.dtype,
        };
        Some(tensor(dtype, shape))
    }

    fn const_str(&self, value: Value) -> Option<String> {
        let inst = self.st.module.def_inst(value)?;
        match &self.st.module.insts[inst].op {
            Op::Const(Constant::Str(s)) => Some(s.clone()),
            _ => None,
        }
    }

    // ------------------------------------------------------------ combination

    pub fn combine(&mut self, c: &Call) -> Lowered {
        let op = if c.builtin.name == "concat" {
            CombineOp::Concat
        } else {
            CombineOp::Stack
        };
        let axis = self.get(c, "axis", Want::Int);
        let Some(list) = c.expr("tensors") else {
            return Lowered::Error;
        };
        let ExprKind::List(items) = &list.kind else {
            if !matches!(list.kind, ExprKind::Error) {
                let _ = self.expr(list);
                let d = Diagnostic::error(
                    codes::UNSUPPORTED_LIST,
                    format!("`{}` takes a list literal of tensors", c.builtin.name),
                )
                .with_primary(list.span, "not a list literal")
                .with_help(format!(
                    "write the tensors out: `{}([a, b], axis: 0)`",
                    c.builtin.name
                ));
                self.report(d);
            }
            return Lowered::Error;
        };
        let mut inputs = Vec::new();
        let mut ok = true;
        for item in items {
            match self.value_want(item, Want::TensorLike, &c.context("tensors")) {
                Some(v) => inputs.push((v, item.span)),
                None => ok = false,
            }
        }
        let Some(axis) = axis.opt() else {
            return Lowered::Error;
        };
        if !ok {
            return Lowered::Error;
        }
        if inputs.is_empty() || inputs.len() > 255 {
            let d = Diagnostic::error(
                codes::VALUE_OUT_OF_RANGE,
                format!(
                    "`{}` joins 1 to 255 tensors, found {}",
                    c.builtin.name,
                    inputs.len()
                ),
            )
            .with_primary(list.span, "here");
            self.report(d);
            return Lowered::Error;
        }
        // Without `axis`, the runtime joins along axis 0.
        let axis_lit = match axis {
            None => Some(0),
            Some(a) => self.const_int(a),
        };
        let ty = match self.combined_type(op, &inputs, axis_lit, c) {
            Ok(ty) => ty,
            Err(e) => return e,
        };
        let n = inputs.len() as u8;
        let mut args: Vec<Value> = inputs.iter().map(|(v, _)| *v).collect();
        args.extend(axis);
        Lowered::Value(self.emit(Op::Combine { op, inputs: n }, args, ty, c.span))
    }

    fn combined_type(
        &mut self,
        op: CombineOp,
        inputs: &[(Value, Span)],
        axis: Option<i64>,
        c: &Call,
    ) -> Result<Type, Lowered> {
        let types: Vec<_> = inputs
            .iter()
            .map(|(v, _)| tensor_of(&self.ty(*v)))
            .collect();
        let mut dtype = None;
        for (t, (_, span)) in types.iter().zip(inputs) {
            match (dtype, t.dtype) {
                (Some((d, first)), Some(e)) if d != e => {
                    let diag = Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        format!(
                            "`{}` joins tensors of one dtype, found `{d}` and `{e}`",
                            c.builtin.name
                        ),
                    )
                    .with_primary(*span, format!("this is a `{e}` tensor"))
                    .with_secondary(first, format!("this is a `{d}` tensor"))
                    .with_help(format!("convert one of them with `cast(x, {d})`"));
                    self.report(diag);
                    return Err(Lowered::Error);
                }
                (None, Some(e)) => dtype = Some((e, *span)),
                _ => {}
            }
        }
        let dtype = dtype.map(|(d, _)| d);
        let shapes: Option<Vec<&Vec<Dim>>> = types.iter().map(|t| t.shape.as_ref()).collect();
        let Some(shapes) = shapes else {
            return Ok(tensor(dtype, None));
        };
        let rank = shapes[0].len();
        if let Some(i) = shapes.iter().position(|s| s.len() != rank) {
            let diag = Diagnostic::error(
                codes::SHAPE_MISMATCH,
                format!(
                    "`{}` joins tensors of one rank, found ranks {} and {}",
                    c.builtin.name,
                    rank,
                    shapes[i].len()
                ),
            )
            .with_primary(inputs[i].1, format!("this is {}", shape_text(shapes[i])))
            .with_secondary(inputs[0].1, format!("this is {}", shape_text(shapes[0])));
            self.report(diag);
            return Err(Lowered::Error);
        }
        let axis_span = c.expr("axis").map_or(c.span, |e| e.span);
        let insert = op == CombineOp::Stack;
        let Some(axis) = axis else {
            return Ok(tensor(
                dtype,
                Some(vec![any_dim(); rank + usize::from(insert)]),
            ));
        };
        let Some(a) = self.axis(axis, rank, insert, axis_span) else {
            return Err(Lowered::Error);
        };
        let mut out = Vec::with_capacity(rank + 1);
        for k in 0..rank {
            if op == CombineOp::Concat && k == a {
                let total: Option<u64> = shapes
                    .iter()
                    .map(|s| match s[k] {
                        Dim::Fixed(n) => Some(n),
                        Dim::Sym(_) => None,
                    })
                    .sum();
                out.push(total.map_or_else(any_dim, Dim::Fixed));
                continue;
            }
            let mut dim = shapes[0][k].clone();
            for (i, s) in shapes.iter().enumerate().skip(1) {
                match (&dim, &s[k]) {
                    (Dim::Fixed(m), Dim::Fixed(n)) if m != n => {
                        let diag = Diagnostic::error(
                            codes::SHAPE_MISMATCH,
                            format!(
                                "`{}` needs equal sizes on axis {k}, found {m} and {n}",
                                c.builtin.name
                            ),
                        )
                        .with_primary(inputs[i].1, format!("this is {}", shape_text(s)))
                        .with_secondary(inputs[0].1, format!("this is {}", shape_text(shapes[0])));
                        self.report(diag);
                        return Err(Lowered::Error);
                    }
                    (Dim::Sym(_), Dim::Fixed(_)) => dim = s[k].clone(),
                    (Dim::Sym(x), Dim::Sym(y)) if x != y => dim = any_dim(),
                    _ => {}
                }
            }
            out.push(dim);
        }
        if insert {
            out.insert(a, Dim::Fixed(inputs.len() as u64));
        }
        Ok(tensor(dtype, Some(out)))
    }

    // ------------------------------------------------------------ information

    pub fn info(&mut self, c: &Call) -> Lowered {
        let name = c.builtin.name;
        let want = if name == "len" {
            Want::Sequence
        } else {
            Want::Tensor
        };
        let x = self.get(c, "x", want);
        let axis = if name == "dim" {
            self.get(c, "axis", Want::Int)
        } else {
            Got::Absent
        };
        let (Some(x), Some(axis)) = (x.req(), axis.opt()) else {
            return Lowered::Error;
        };
        let t = tensor_of(&self.ty(x));
        let (op, ty) = match name {
            "shape" => (InfoOp::Shape, Type::List(Box::new(Type::Int))),
            "rank" => (InfoOp::Dim, Type::Int),
            "numel" => (InfoOp::Numel, Type::Int),
            "len" => (InfoOp::Len, Type::Int),
            "item" => {
                let ty = match t.dtype {
                    _ if !may_be_one_element(&t) => Type::Any,
                    Some(d) if is_int(d) => Type::Int,
                    Some(d) if is_float(d) => Type::Float,
                    Some(DType::Bool) => Type::Bool,
                    _ => Type::Any,
                };
                (InfoOp::ToPy, ty)
            }
            _ => {
                // dim(x, axis): shape, then one entry of it.
                let Some(axis) = axis else {
                    return Lowered::Error;
                };
                if let (Some(shape), Some(a)) = (&t.shape, self.const_int(axis)) {
                    let span = c.expr("axis").map_or(c.span, |e| e.span);
                    if self.axis(a, shape.len(), false, span).is_none() {
                        return Lowered::Error;
                    }
                }
                let list = Type::List(Box::new(Type::Int));
                let shape = self.emit(Op::Info(InfoOp::Shape), vec![x], list, c.span);
                return Lowered::Value(self.emit(
                    Op::Extract,
                    vec![shape, axis],
                    Type::Int,
                    c.span,
                ));
            }
        };
        Lowered::Value(self.emit(Op::Info(op), vec![x], ty, c.span))
    }
}
