//! Shape facts: what a shape value denotes, and the result shapes of
//! slicing and reductions. Unknown sizes are `_` (see [`crate::types`]).

use omex_diagnostics::{Diagnostic, Span};
use omex_ir::{DType, Dim, Op, TensorType, Type, Value};
use omex_mep::Constant;

use super::Lowerer;
use crate::codes;
use crate::types::{any_dim, axis_index};

/// The tensor part of a type; a number is the rank-0 tensor the runtime
/// converts it to. Unknown for anything else.
pub fn tensor_of(ty: &Type) -> TensorType {
    match ty {
        Type::Tensor(t) => t.clone(),
        Type::Int => TensorType::new(DType::I64, Vec::new()),
        Type::Float => TensorType::new(DType::F64, Vec::new()),
        Type::Bool => TensorType::new(DType::Bool, Vec::new()),
        _ => TensorType::default(),
    }
}

pub fn tensor(dtype: Option<DType>, shape: Option<Vec<Dim>>) -> Type {
    Type::Tensor(TensorType { dtype, shape })
}

/// The length of Python's `range(n)[start:end:step]`.
pub fn python_slice_len(n: i64, start: i64, end: i64, step: i64) -> i64 {
    let clamp = |i: i64, lo: i64, hi: i64| {
        let i = if i < 0 { i.saturating_add(n) } else { i };
        i.clamp(lo, hi)
    };
    if step > 0 {
        let (s, e) = (clamp(start, 0, n), clamp(end, 0, n));
        if e > s { (e - s + step - 1) / step } else { 0 }
    } else if step < 0 {
        let (s, e) = (clamp(start, -1, n - 1), clamp(end, -1, n - 1));
        if s > e {
            (s - e + (-step) - 1) / (-step)
        } else {
            0
        }
    } else {
        0
    }
}

/// The size of `dim[start:end:step]` when everything is known.
pub fn slice_dim(dim: &Dim, start: Option<i64>, end: Option<i64>, step: Option<i64>) -> Dim {
    match (dim, start, end, step.unwrap_or(1)) {
        (Dim::Fixed(n), Some(s), Some(e), step) if step != 0 => {
            let n = i64::try_from(*n).unwrap_or(i64::MAX);
            Dim::Fixed(python_slice_len(n, s, e, step).max(0) as u64)
        }
        _ => any_dim(),
    }
}

impl Lowerer<'_> {
    /// The int list a value holds when it is a constant.
    pub fn const_int_list(&self, value: Value) -> Option<Vec<i64>> {
        let inst = self.st.module.def_inst(value)?;
        match &self.st.module.insts[inst].op {
            Op::Const(Constant::IntList(ns)) => Some(ns.clone()),
            _ => None,
        }
    }

    /// The dimensions a shape value denotes, as far as known: a constant
    /// list, `shape(x)` of a tensor of known rank, or a 1-D tensor of known
    /// length.
    pub fn shape_dims(&self, value: Value) -> Option<Vec<Dim>> {
        if let Some(ns) = self.const_int_list(value) {
            return Some(
                ns.into_iter()
                    .map(|n| u64::try_from(n).map_or_else(|_| any_dim(), Dim::Fixed))
                    .collect(),
            );
        }
        let m = &self.st.module;
        if let Some(inst) = m.def_inst(value)
            && let Op::Info(omex_mep::subtype::InfoOp::Shape) = m.insts[inst].op
        {
            return tensor_of(m.ty(m.insts[inst].args[0])).shape;
        }
        match m.ty(value) {
            Type::Tensor(TensorType { shape: Some(s), .. }) => match s.as_slice() {
                [Dim::Fixed(n)] => Some(vec![any_dim(); *n as usize]),
                _ => None,
            },
            _ => None,
        }
    }

    /// Normalises a literal axis against a known rank (`insert`: for
    /// `expand_dims`, where the axis may also be the rank); reports E0132.
    pub fn axis(&mut self, axis: i64, rank: usize, insert: bool, span: Span) -> Option<usize> {
        let r = rank + usize::from(insert);
        match axis_index(axis, r) {
            Some(a) => Some(a),
            None => {
                let d = Diagnostic::error(
                    codes::VALUE_OUT_OF_RANGE,
                    format!("axis {axis} is out of range for a tensor of rank {rank}"),
                )
                .with_primary(
                    span,
                    format!("expected an axis from {} to {}", -(r as i64), r as i64 - 1),
                );
                self.report(d);
                None
            }
        }
    }

    /// The shape after reducing `axis` (all axes when `None`).
    pub fn reduced_shape(
        &mut self,
        shape: Option<&Vec<Dim>>,
        axis: Option<(i64, Span)>,
        keepdims: bool,
    ) -> Result<Option<Vec<Dim>>, ()> {
        let Some(shape) = shape else {
            return Ok(None);
        };
        match axis {
            None if keepdims => Ok(Some(vec![Dim::Fixed(1); shape.len()])),
            None => Ok(Some(Vec::new())),
            Some((a, span)) => {
                let a = self.axis(a, shape.len(), false, span).ok_or(())?;
                let mut out = shape.clone();
                if keepdims {
                    out[a] = Dim::Fixed(1);
                } else {
                    out.remove(a);
                }
                Ok(Some(out))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_slices() {
        assert_eq!(python_slice_len(10, 1, 3, 1), 2);
        assert_eq!(python_slice_len(10, -1, i64::MAX, 1), 1);
        assert_eq!(python_slice_len(4, 1, 4, 1), 3);
        assert_eq!(python_slice_len(5, 0, 5, 2), 3);
        assert_eq!(python_slice_len(5, 4, -6, -1), 5);
        assert_eq!(python_slice_len(3, 5, 9, 1), 0);
        assert_eq!(
            slice_dim(&Dim::Fixed(6), Some(0), Some(1), None),
            Dim::Fixed(1)
        );
        assert_eq!(
            slice_dim(&Dim::Sym("n".into()), Some(0), Some(1), None),
            any_dim()
        );
    }
}
