//! The typing rules: dtype promotion, broadcasting, joins at control-flow
//! merges, and the argument categories builtins accept.
//!
//! Types are the IR's ([`Type`]). A dimension the checker cannot know is
//! `Dim::Sym("_")`, which is compatible with every size; other symbolic
//! dimensions (`seq`, `batch`) come from annotations and model files.

use omex_ir::{DType, Dim, TensorType, Type};

/// The name of a dimension whose size is unknown.
pub const ANY_DIM: &str = "_";

pub fn any_dim() -> Dim {
    Dim::Sym(ANY_DIM.to_string())
}

/// The dtype a name denotes (`f32`, `i64`, ...).
pub fn dtype_by_name(name: &str) -> Option<DType> {
    DType::TABLE.code_of(name).and_then(DType::from_code)
}

/// Every dtype name, in table order.
pub fn dtype_names() -> Vec<&'static str> {
    DType::TABLE.names().collect()
}

pub fn is_float(d: DType) -> bool {
    matches!(d, DType::F32 | DType::F64 | DType::F16 | DType::BF16)
}

pub fn is_int(d: DType) -> bool {
    matches!(
        d,
        DType::I64 | DType::I32 | DType::I16 | DType::I8 | DType::U8
    )
}

fn rank_of(d: DType) -> u8 {
    match d {
        DType::Bool => 0,
        DType::U8 => 1,
        DType::I8 => 2,
        DType::I16 => 3,
        DType::I32 => 4,
        DType::I64 => 5,
        DType::F16 | DType::BF16 => 6,
        DType::F32 => 7,
        DType::F64 => 8,
    }
}

/// The dtype of an element-wise operation on two tensors: floats win over
/// integers, wider wins over narrower; unknown stays unknown.
pub fn promote(a: Option<DType>, b: Option<DType>) -> Option<DType> {
    match (a, b) {
        (Some(x), Some(y)) if rank_of(x) >= rank_of(y) => Some(x),
        (Some(_), Some(y)) => Some(y),
        _ => None,
    }
}

/// A shape as written in messages: `[1, seq, 384]`.
pub fn shape_text(dims: &[Dim]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// NumPy broadcasting of two known shapes. `Err((i, j))` names the axes (of
/// `a` and `b`) whose fixed sizes differ.
pub fn broadcast(a: &[Dim], b: &[Dim]) -> Result<Vec<Dim>, (usize, usize)> {
    let n = a.len().max(b.len());
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let da = (k + a.len()).checked_sub(n).map(|i| (i, &a[i]));
        let db = (k + b.len()).checked_sub(n).map(|i| (i, &b[i]));
        let dim = match (da, db) {
            (Some((_, x)), None) | (None, Some((_, x))) => x.clone(),
            (Some((i, x)), Some((j, y))) => match (x, y) {
                _ if x == y => x.clone(),
                (Dim::Fixed(1), other) | (other, Dim::Fixed(1)) => other.clone(),
                (Dim::Fixed(_), Dim::Fixed(_)) => return Err((i, j)),
                (Dim::Fixed(m), Dim::Sym(_)) | (Dim::Sym(_), Dim::Fixed(m)) => Dim::Fixed(*m),
                (Dim::Sym(s), Dim::Sym(t)) if t == ANY_DIM => Dim::Sym(s.clone()),
                (Dim::Sym(s), Dim::Sym(_)) if s == ANY_DIM => y.clone(),
                _ => any_dim(),
            },
            (None, None) => any_dim(),
        };
        out.push(dim);
    }
    Ok(out)
}

/// The type of a name after a merge of control flow (the end of a loop
/// iteration, the two branches of an `if`): the most precise type both
/// values fit. `None` when they cannot be one name's type (a str and a
/// tensor, tensors of different dtypes).
pub fn join(a: &Type, b: &Type) -> Option<Type> {
    if a == b {
        return Some(a.clone());
    }
    Some(match (a, b) {
        (Type::Any, _) | (_, Type::Any) => Type::Any,
        (Type::Int, Type::Float) | (Type::Float, Type::Int) => Type::Float,
        (Type::Tensor(x), Type::Tensor(y)) => {
            let dtype = match (x.dtype, y.dtype) {
                (Some(p), Some(q)) if p != q => return None,
                (Some(p), Some(_)) => Some(p),
                _ => None,
            };
            let shape = match (&x.shape, &y.shape) {
                (Some(p), Some(q)) if p.len() == q.len() => Some(
                    p.iter()
                        .zip(q)
                        .map(|(m, n)| if m == n { m.clone() } else { any_dim() })
                        .collect(),
                ),
                _ => None,
            };
            Type::Tensor(TensorType { dtype, shape })
        }
        // A number and a one-element tensor are interchangeable at run time.
        (Type::Tensor(t), s) | (s, Type::Tensor(t)) if is_scalar(s) && may_be_one_element(t) => {
            Type::Tensor(TensorType {
                dtype: t.dtype,
                shape: t.shape.clone(),
            })
        }
        (Type::List(x), Type::List(y)) => Type::List(Box::new(join(x, y)?)),
        (Type::Dict(_), Type::Dict(_)) => Type::Dict(None),
        (Type::Opaque(_), Type::Opaque(_)) => Type::Opaque("host_object".into()),
        _ => return None,
    })
}

fn is_scalar(t: &Type) -> bool {
    matches!(t, Type::Int | Type::Float | Type::Bool)
}

/// Whether a tensor of this type may hold exactly one element.
pub fn may_be_one_element(t: &TensorType) -> bool {
    t.shape
        .as_ref()
        .is_none_or(|s| s.iter().all(|d| !matches!(d, Dim::Fixed(n) if *n != 1)))
}

/// What a builtin accepts for an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Any value but a model.
    Value,
    Tensor,
    /// A tensor, or a number, bool or list the runtime converts to one.
    TensorLike,
    /// A number or a numeric tensor.
    Numeric,
    /// An int, or an integer tensor of one element.
    Int,
    /// A number or a bool, or a tensor of one element.
    Scalar,
    /// A bool, or a bool tensor.
    Bool,
    Str,
    Tokenizer,
    /// A shape: a list of ints or a 1-D integer tensor.
    Shape,
    /// Token ids: an int, a list of ints or an integer tensor.
    Ids,
    /// Text to encode: a str or a list of str.
    Text,
    /// Class labels: a list of str or a dict.
    Labels,
    Image,
    Audio,
    /// Something whose first axis can be iterated or indexed.
    Sequence,
}

impl Want {
    pub fn accepts(self, ty: &Type) -> bool {
        if matches!(ty, Type::Any) {
            return true;
        }
        match self {
            Want::Value => !matches!(ty, Type::Model),
            Want::Tensor => matches!(ty, Type::Tensor(_)),
            Want::TensorLike => matches!(
                ty,
                Type::Tensor(_) | Type::Int | Type::Float | Type::Bool | Type::List(_)
            ),
            Want::Numeric => match ty {
                Type::Int | Type::Float => true,
                Type::Tensor(t) => t.dtype != Some(DType::Bool),
                _ => false,
            },
            Want::Int => match ty {
                Type::Int => true,
                Type::Tensor(t) => t.dtype.is_none_or(is_int) && may_be_one_element(t),
                _ => false,
            },
            Want::Scalar => match ty {
                Type::Int | Type::Float | Type::Bool => true,
                Type::Tensor(t) => may_be_one_element(t),
                _ => false,
            },
            Want::Bool => match ty {
                Type::Bool => true,
                Type::Tensor(t) => t.dtype.is_none_or(|d| d == DType::Bool),
                _ => false,
            },
            Want::Str => matches!(ty, Type::Str),
            Want::Tokenizer => matches!(ty, Type::Tokenizer),
            Want::Shape => match ty {
                Type::List(e) => matches!(**e, Type::Int | Type::Any),
                Type::Tensor(t) => {
                    t.dtype.is_none_or(is_int) && t.shape.as_ref().is_none_or(|s| s.len() == 1)
                }
                _ => false,
            },
            Want::Ids => match ty {
                Type::Int => true,
                Type::List(e) => matches!(**e, Type::Int | Type::Any),
                Type::Tensor(t) => t.dtype.is_none_or(is_int),
                _ => false,
            },
            Want::Text => match ty {
                Type::Str => true,
                Type::List(e) => matches!(**e, Type::Str | Type::Any),
                _ => false,
            },
            Want::Labels => match ty {
                Type::List(e) => matches!(**e, Type::Str | Type::Any),
                Type::Dict(_) => true,
                _ => false,
            },
            Want::Image => matches!(ty, Type::Image | Type::Tensor(_)),
            Want::Audio => matches!(ty, Type::Audio | Type::Bytes),
            Want::Sequence => matches!(
                ty,
                Type::Tensor(_) | Type::List(_) | Type::Str | Type::Dict(_) | Type::Bytes
            ),
        }
    }

    /// "expected ..." in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Want::Value => "a value",
            Want::Tensor => "a tensor",
            Want::TensorLike => "a tensor (or a number or list)",
            Want::Numeric => "a number or a numeric tensor",
            Want::Int => "an int",
            Want::Scalar => "a number or a bool",
            Want::Bool => "a bool",
            Want::Str => "a str",
            Want::Tokenizer => "a tokenizer",
            Want::Shape => "a shape (a list of ints)",
            Want::Ids => "token ids (an int, a list of ints or an integer tensor)",
            Want::Text => "a str or a list of str",
            Want::Labels => "labels (a list of str or a dict)",
            Want::Image => "an image (from `to_image`) or a tensor",
            Want::Audio => "audio (from `to_wav`)",
            Want::Sequence => "a tensor, list, str or dict",
        }
    }
}

/// The type of one element of a sequence: a list's item, a tensor without
/// its first axis.
pub fn element_type(ty: &Type) -> Type {
    match ty {
        Type::List(e) => (**e).clone(),
        Type::Tensor(t) => Type::Tensor(TensorType {
            dtype: t.dtype,
            shape: t
                .shape
                .as_ref()
                .and_then(|s| s.split_first().map(|(_, rest)| rest.to_vec())),
        }),
        Type::Str => Type::Str,
        _ => Type::Any,
    }
}

/// Whether a value of type `found` may be passed where `expected` is
/// declared (an extern parameter, a model input): [`Type::fits`], plus ints
/// where floats are wanted.
pub fn fits(found: &Type, expected: &Type) -> bool {
    matches!((found, expected), (Type::Int, Type::Float)) || found.fits(expected)
}

/// Normalises an axis (negative counts from the end) against a known rank.
pub fn axis_index(axis: i64, rank: usize) -> Option<usize> {
    let rank = i64::try_from(rank).ok()?;
    let a = if axis < 0 { axis + rank } else { axis };
    (0..rank).contains(&a).then_some(a as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(n: u64) -> Dim {
        Dim::Fixed(n)
    }
    fn s(n: &str) -> Dim {
        Dim::Sym(n.into())
    }

    #[test]
    fn broadcasting() {
        assert_eq!(
            broadcast(&[f(1), s("seq"), f(384)], &[f(1), s("seq"), f(1)]),
            Ok(vec![f(1), s("seq"), f(384)])
        );
        assert_eq!(broadcast(&[f(3)], &[f(2), f(1)]), Ok(vec![f(2), f(3)]));
        assert_eq!(broadcast(&[f(2), f(3)], &[f(4)]), Err((1, 0)));
        assert_eq!(broadcast(&[s("a")], &[s("b")]), Ok(vec![any_dim()]));
        assert_eq!(broadcast(&[s("a")], &[f(5)]), Ok(vec![f(5)]));
    }

    #[test]
    fn joins() {
        let a = Type::tensor(DType::I64, vec![f(1), s("seq")]);
        let b = Type::tensor(DType::I64, vec![f(1), any_dim()]);
        assert_eq!(join(&a, &b), Some(b.clone()));
        assert_eq!(join(&Type::Int, &Type::Float), Some(Type::Float));
        assert_eq!(join(&Type::Str, &Type::Int), None);
        assert_eq!(join(&a, &Type::tensor(DType::F32, vec![f(1)])), None);
        assert_eq!(
            join(&Type::Int, &Type::tensor(DType::I64, vec![])),
            Some(Type::tensor(DType::I64, vec![]))
        );
    }

    #[test]
    fn promotion_and_axes() {
        assert_eq!(
            promote(Some(DType::I64), Some(DType::F32)),
            Some(DType::F32)
        );
        assert_eq!(
            promote(Some(DType::F32), Some(DType::F64)),
            Some(DType::F64)
        );
        assert_eq!(promote(None, Some(DType::F32)), None);
        assert_eq!(axis_index(-1, 3), Some(2));
        assert_eq!(axis_index(3, 3), None);
        assert_eq!(dtype_by_name("i64"), Some(DType::I64));
        assert_eq!(dtype_by_name("int64"), None);
    }
}
