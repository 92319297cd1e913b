//! The data operations of MEP instructions, on [`Value`]s. Each function
//! takes operand values and returns the result; the VM moves values between
//! slots and attaches the instruction to errors.

pub mod analysis;
pub mod create;
pub mod format;
pub mod manip;
pub mod math;
pub mod npy;

use crate::error::{Result, RuntimeError};
use crate::tensor::{DType, Num, Tensor, shape_str};
use crate::value::Value;

/// The largest tensor an instruction may create, in elements (2^28, 1 GiB of f32).
pub const MAX_ELEMENTS: usize = 1 << 28;

/// NumPy broadcasting: the shape two shapes broadcast to.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i < n - a.len() {
            1
        } else {
            a[i - (n - a.len())]
        };
        let db = if i < n - b.len() {
            1
        } else {
            b[i - (n - b.len())]
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(RuntimeError::shape(format!(
                    "shapes {} and {} do not broadcast (dimension {i}: {da} vs {db})",
                    shape_str(a),
                    shape_str(b)
                )));
            }
        };
    }
    Ok(out)
}

/// Resolves a possibly negative axis against a rank (`-1` is the last axis).
pub fn norm_axis(axis: i64, ndim: usize, what: &str) -> Result<usize> {
    let n = ndim as i64;
    let a = if axis < 0 { axis + n } else { axis };
    if a < 0 || a >= n.max(0) {
        return Err(RuntimeError::index(format!(
            "{what}: axis {axis} is out of range for a tensor of rank {ndim}"
        )));
    }
    Ok(a as usize)
}

/// Checks an element count against [`MAX_ELEMENTS`].
pub fn check_size(shape: &[usize], what: &str) -> Result<usize> {
    let mut n: usize = 1;
    for &d in shape {
        n = n.saturating_mul(d);
    }
    if n > MAX_ELEMENTS {
        return Err(RuntimeError::value(format!(
            "{what}: a tensor of shape {} has {n} elements, more than the limit of {MAX_ELEMENTS}",
            shape_str(shape)
        )));
    }
    Ok(n)
}

/// A value as a tensor: tensors as they are, numbers and bools as 0-d
/// tensors, (nested) lists of numbers as tensors of the inferred type
/// (bool, i64 or f64; `dtype` overrides it).
pub fn value_to_tensor(v: &Value, dtype: Option<DType>, what: &str) -> Result<Tensor> {
    match v {
        Value::Tensor(t) => Ok(match dtype {
            Some(d) => t.cast(d),
            None => t.clone(),
        }),
        _ => {
            let mut shape = Vec::new();
            let mut flat = Vec::new();
            flatten(v, 0, &mut shape, &mut flat, what)?;
            check_size(&shape, what)?;
            let inferred = if flat.iter().any(|n| matches!(n, Num::Float(_))) {
                DType::F64
            } else if !flat.is_empty() && flat.iter().all(|n| matches!(n, Num::Bool(_))) {
                DType::Bool
            } else if flat.is_empty() {
                DType::F32
            } else {
                DType::I64
            };
            nums_to_tensor(&shape, &flat, dtype.unwrap_or(inferred))
        }
    }
}

/// A tensor of `dtype` and `shape` with every element `fill`.
pub fn filled(shape: &[usize], fill: Num, dtype: DType) -> Tensor {
    use crate::tensor::Elem;
    fn go<T: Elem>(shape: &[usize], fill: Num) -> Tensor {
        T::wrap(ndarray::ArrayD::from_elem(ndarray::IxDyn(shape), T::from_num(fill)).into_shared())
    }
    match dtype {
        DType::F32 => go::<f32>(shape, fill),
        DType::F64 => go::<f64>(shape, fill),
        DType::F16 => go::<half::f16>(shape, fill),
        DType::I64 => go::<i64>(shape, fill),
        DType::I32 => go::<i32>(shape, fill),
        DType::U8 => go::<u8>(shape, fill),
        DType::Bool => go::<bool>(shape, fill),
    }
}

/// Builds a tensor of `dtype` from numbers.
pub fn nums_to_tensor(shape: &[usize], flat: &[Num], dtype: DType) -> Result<Tensor> {
    use crate::tensor::Elem;
    fn go<T: Elem>(shape: &[usize], flat: &[Num]) -> Result<Tensor> {
        Tensor::from_vec(shape, flat.iter().map(|n| T::from_num(*n)).collect())
    }
    match dtype {
        DType::F32 => go::<f32>(shape, flat),
        DType::F64 => go::<f64>(shape, flat),
        DType::F16 => go::<half::f16>(shape, flat),
        DType::I64 => go::<i64>(shape, flat),
        DType::I32 => go::<i32>(shape, flat),
        DType::U8 => go::<u8>(shape, flat),
        DType::Bool => go::<bool>(shape, flat),
    }
}

fn flatten(
    v: &Value,
    depth: usize,
    shape: &mut Vec<usize>,
    flat: &mut Vec<Num>,
    what: &str,
) -> Result<()> {
    match v {
        Value::List(items) => {
            if depth == shape.len() {
                if !flat.is_empty() && depth > 0 {
                    return Err(ragged(what));
                }
                shape.push(items.len());
            } else if shape.get(depth) != Some(&items.len()) {
                return Err(ragged(what));
            }
            for item in items.iter() {
                flatten(item, depth + 1, shape, flat, what)?;
            }
            Ok(())
        }
        Value::Tensor(t) => {
            // A tensor inside a list: its dimensions continue the shape.
            let dims = t.shape();
            for (k, &d) in dims.iter().enumerate() {
                if depth + k == shape.len() {
                    shape.push(d);
                } else if shape.get(depth + k) != Some(&d) {
                    return Err(ragged(what));
                }
            }
            if shape.len() != depth + dims.len() {
                return Err(ragged(what));
            }
            flat.extend(t.nums());
            Ok(())
        }
        other => {
            if depth != shape.len() {
                return Err(ragged(what));
            }
            let n = other.as_num().ok_or_else(|| {
                RuntimeError::expected(what, "numbers, bools or lists of them", &other.describe())
            })?;
            flat.push(n);
            Ok(())
        }
    }
}

fn ragged(what: &str) -> RuntimeError {
    RuntimeError::shape(format!(
        "{what}: nested lists must be rectangular (every row the same length, values at the same depth)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        assert_eq!(
            broadcast_shapes(&[2, 1, 3], &[4, 1]).unwrap(),
            vec![2, 4, 3]
        );
        assert!(broadcast_shapes(&[2, 3], &[4]).is_err());
    }

    #[test]
    fn nested_lists() {
        let v = Value::list(vec![
            Value::list(vec![Value::Int(1), Value::Int(2)]),
            Value::list(vec![Value::Int(3), Value::Int(4)]),
        ]);
        let t = value_to_tensor(&v, None, "x").unwrap();
        assert_eq!(t.shape(), &[2, 2]);
        assert_eq!(t.dtype(), DType::I64);
        let bad = Value::list(vec![Value::list(vec![Value::Int(1)]), Value::Int(3)]);
        assert!(value_to_tensor(&bad, None, "x").is_err());
    }
}
