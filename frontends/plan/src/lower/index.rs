//! Indexing: `x[i]`, `x[0, -1]`, `x[1..3]`, `x[.., 1]`, `d["key"]`,
//! `out["output.0"]`.
//!
//! On a tensor, leading integer indices are `extract`s (each removes the
//! first axis); a range is a `slice` on its axis; an integer after a range is
//! a one-element slice followed by a `squeeze` of that axis (`-1` slices to
//! the end, written `i64::MAX`).

use omex_diagnostics::{Diagnostic, Span};
use omex_ir::{Op, TensorType, Type, Value};
use omex_mep::subtype::{BinaryOp, ManipOp};
use omex_plan_syntax::ast::{Expr, ExprKind};

use super::builtins::{lit_int, lit_str};
use super::shapes::{slice_dim, tensor, tensor_of};
use super::{Lowered, Lowerer};
use crate::codes;
use crate::scope::Record;
use crate::types::{Want, element_type};

impl Lowerer<'_> {
    pub fn index(&mut self, base: &Expr, indices: &[Expr], span: Span) -> Lowered {
        let lowered = self.expr(base);
        match lowered {
            Lowered::Record(record) => self.index_record(&record, base, indices),
            Lowered::Error => {
                for i in indices {
                    let _ = self.index_value(i);
                }
                Lowered::Error
            }
            other => {
                let Some(v) = self.single(other, base) else {
                    return Lowered::Error;
                };
                self.index_value_of(v, base, indices, span)
            }
        }
    }

    /// Lowers an index expression for its errors only.
    fn index_value(&mut self, e: &Expr) -> Option<Value> {
        match &e.kind {
            ExprKind::Range { start, end } => {
                for bound in [start, end].into_iter().flatten() {
                    let _ = self.value(bound);
                }
                None
            }
            _ => self.value(e),
        }
    }

    fn index_record(&mut self, record: &Record, base: &Expr, indices: &[Expr]) -> Lowered {
        let [index] = indices else {
            return self.bad_index(base, indices, "pick one output by name: `out[\"name\"]`");
        };
        let Some(name) = lit_str(index) else {
            if !matches!(index.kind, ExprKind::Error) {
                let d = Diagnostic::error(
                    codes::LITERAL_REQUIRED,
                    "model outputs are picked by a name written in the plan",
                )
                .with_primary(index.span, "expected a string literal")
                .with_note(format!(
                    "the outputs of `{}` are {}",
                    record.model,
                    record.names().join(", ")
                ));
                self.report(d);
            }
            return Lowered::Error;
        };
        match record.get(name) {
            Some(v) => Lowered::Value(v),
            None => {
                self.unknown_output(record, name, index.span);
                Lowered::Error
            }
        }
    }

    fn bad_index(&mut self, base: &Expr, indices: &[Expr], help: &str) -> Lowered {
        let span = indices
            .first()
            .map_or(base.span, |f| f.span.to(indices[indices.len() - 1].span));
        let d = Diagnostic::error(
            codes::TYPE_MISMATCH,
            "this value cannot be indexed this way",
        )
        .with_primary(span, "unsupported index")
        .with_help(help.to_string());
        self.report(d);
        Lowered::Error
    }

    fn index_value_of(&mut self, v: Value, base: &Expr, indices: &[Expr], span: Span) -> Lowered {
        let ty = self.ty(v);
        match &ty {
            Type::Dict(fields) => {
                let [index] = indices else {
                    return self.bad_index(
                        base,
                        indices,
                        "index a dict with one key: `d[\"key\"]`",
                    );
                };
                let Some(key) = self.value_want(index, Want::Str, "for a dict key") else {
                    return Lowered::Error;
                };
                let field_ty = match (fields, lit_str(index)) {
                    (Some(fields), Some(name)) => match fields.iter().find(|(n, _)| n == name) {
                        Some((_, t)) => t.clone(),
                        None => {
                            self.unknown_dict_field(base, fields, name, index.span);
                            return Lowered::Error;
                        }
                    },
                    _ => Type::Any,
                };
                Lowered::Value(self.emit(Op::Extract, vec![v, key], field_ty, span))
            }
            Type::List(item) => {
                let [index] = indices else {
                    return self.bad_index(base, indices, "index a list with one int: `xs[0]`");
                };
                if matches!(index.kind, ExprKind::Range { .. }) {
                    return self.bad_index(
                        base,
                        indices,
                        "lists cannot be sliced; index one item: `xs[0]`",
                    );
                }
                let Some(i) = self.value_want(index, Want::Int, "for a list index") else {
                    return Lowered::Error;
                };
                Lowered::Value(self.emit(Op::Extract, vec![v, i], (**item).clone(), span))
            }
            Type::Any if indices.len() == 1 && lit_str(&indices[0]).is_some() => {
                let Some(key) = self.value(&indices[0]) else {
                    return Lowered::Error;
                };
                Lowered::Value(self.emit(Op::Extract, vec![v, key], Type::Any, span))
            }
            Type::Tensor(_) | Type::Any => self.index_tensor(v, indices, span),
            other => {
                let d =
                    Diagnostic::error(codes::TYPE_MISMATCH, format!("`{other}` cannot be indexed"))
                        .with_primary(base.span, format!("this is `{other}`"))
                        .with_note("tensors, lists and dicts can be indexed");
                self.report(d);
                Lowered::Error
            }
        }
    }

    fn index_tensor(&mut self, v: Value, indices: &[Expr], span: Span) -> Lowered {
        let unknown = matches!(self.ty(v), Type::Any);
        let rank = tensor_of(&self.ty(v)).shape.map(|s| s.len());
        if let Some(rank) = rank
            && indices.len() > rank
        {
            let extra = &indices[rank];
            let d = Diagnostic::error(
                codes::VALUE_OUT_OF_RANGE,
                format!("{} indices for a tensor of rank {rank}", indices.len()),
            )
            .with_primary(extra.span, "one index too many")
            .with_secondary(span, format!("this tensor is `{}`", self.ty(v)));
            self.report(d);
            return Lowered::Error;
        }
        let mut cur = v;
        let mut pos: i64 = 0;
        let mut leading = true;
        for index in indices {
            let t = tensor_of(&self.ty(cur));
            match &index.kind {
                ExprKind::Range { start, end } => {
                    leading = false;
                    if start.is_none() && end.is_none() {
                        pos += 1;
                        continue;
                    }
                    let s = match start {
                        Some(e) => self.value_want(e, Want::Int, "for a range start"),
                        None => Some(self.int(0, index.span)),
                    };
                    let e = match end {
                        Some(e) => self.value_want(e, Want::Int, "for a range end"),
                        None => Some(self.int(i64::MAX, index.span)),
                    };
                    let (Some(s), Some(e)) = (s, e) else {
                        return Lowered::Error;
                    };
                    let (ls, le) = (self.const_int(s), self.const_int(e));
                    cur = self.slice_axis(cur, &t, pos, (s, ls), (e, le), index.span, unknown);
                    pos += 1;
                }
                _ => {
                    let Some(i) = self.value_want(index, Want::Int, "for a tensor index") else {
                        return Lowered::Error;
                    };
                    if leading {
                        let ty = if unknown {
                            Type::Any
                        } else {
                            element_type(&Type::Tensor(t))
                        };
                        cur = self.emit(Op::Extract, vec![cur, i], ty, index.span);
                        continue;
                    }
                    // One element of a later axis: slice i..i+1, then squeeze it.
                    let li = lit_int(index);
                    let end = match li {
                        Some(-1) => self.int(i64::MAX, index.span),
                        Some(n) => self.int(n + 1, index.span),
                        None => {
                            let one = self.int(1, index.span);
                            self.emit(
                                Op::Binary(BinaryOp::Add),
                                vec![i, one],
                                Type::Int,
                                index.span,
                            )
                        }
                    };
                    let le = self.const_int(end);
                    let sliced =
                        self.slice_axis(cur, &t, pos, (i, li), (end, le), index.span, unknown);
                    let axis = self.int(pos, index.span);
                    let squeezed = tensor_of(&self.ty(sliced));
                    let ty = if unknown {
                        Type::Any
                    } else {
                        tensor(
                            squeezed.dtype,
                            squeezed.shape.map(|mut s| {
                                if (pos as usize) < s.len() {
                                    s.remove(pos as usize);
                                }
                                s
                            }),
                        )
                    };
                    cur = self.emit(
                        Op::Manipulate(ManipOp::Squeeze),
                        vec![sliced, axis],
                        ty,
                        index.span,
                    );
                }
            }
        }
        Lowered::Value(cur)
    }

    #[allow(clippy::too_many_arguments)]
    fn slice_axis(
        &mut self,
        x: Value,
        t: &TensorType,
        pos: i64,
        start: (Value, Option<i64>),
        end: (Value, Option<i64>),
        span: Span,
        unknown: bool,
    ) -> Value {
        let axis = self.int(pos, span);
        let ty = if unknown {
            Type::Any
        } else {
            let shape = t.shape.clone().map(|mut s| {
                if let Some(d) = s.get_mut(pos as usize) {
                    *d = slice_dim(d, start.1, end.1, None);
                }
                s
            });
            tensor(t.dtype, shape)
        };
        self.emit(
            Op::Manipulate(ManipOp::Slice),
            vec![x, axis, start.0, end.0],
            ty,
            span,
        )
    }
}
