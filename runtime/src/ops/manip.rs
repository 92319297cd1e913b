//! `TENSOR_MANIPULATE`, `TENSOR_COMBINE`, `TENSOR_INFO` and `TENSOR_EXTRACT`.

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Slice};
use omex_mep::subtype::{CombineOp, InfoOp, ManipOp};

use super::{check_size, norm_axis, value_to_tensor};
use crate::error::{Result, RuntimeError};
use crate::tensor::{DType, Elem, Num, Tensor, dtype_list, map_tensor, shape_str, with_tensor};
use crate::value::{Value, type_mismatch, want_int, want_int_list, want_str};

/// `TENSOR_MANIPULATE op input params`.
pub fn manipulate(op: ManipOp, input: &Value, params: &[&Value]) -> Result<Tensor> {
    let what = format!("TENSOR_MANIPULATE {op}");
    let t = match input {
        Value::Tensor(t) => t.clone(),
        Value::List(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            value_to_tensor(input, None, &what)?
        }
        other => return Err(type_mismatch(&what, "a tensor", other)),
    };
    let param = |i: usize| -> Option<&Value> {
        params.get(i).copied().filter(|v| !matches!(v, Value::Null))
    };
    let need = |i: usize, name: &str| -> Result<&Value> {
        param(i).ok_or_else(|| RuntimeError::value(format!("{what}: missing parameter `{name}`")))
    };
    match op {
        ManipOp::Reshape => {
            let spec = want_int_list(need(0, "shape")?, &format!("{what} shape"))?;
            let shape = resolve_reshape(t.shape(), &spec, &what)?;
            let t = t.to_standard_layout();
            Ok(map_tensor!(t, a => a.into_shape_with_order(IxDyn(&shape))
                .map_err(|e| RuntimeError::shape(format!("{what}: {e}")))?))
        }
        ManipOp::Pad => {
            let pads = want_int_list(need(0, "pads")?, &format!("{what} pads"))?;
            let fill = match param(1) {
                Some(v) => v
                    .as_num()
                    .ok_or_else(|| type_mismatch(&format!("{what} value"), "a number", v))?,
                None => Num::Int(0),
            };
            pad(&t, &pads, fill, &what)
        }
        ManipOp::Slice => {
            let axis = want_int(need(0, "axis")?, &format!("{what} axis"))?;
            let ax = norm_axis(axis, t.ndim(), &what)?;
            let start = param(1)
                .map(|v| want_int(v, &format!("{what} start")))
                .transpose()?;
            let end = param(2)
                .map(|v| want_int(v, &format!("{what} end")))
                .transpose()?;
            let step = param(3)
                .map(|v| want_int(v, &format!("{what} step")))
                .transpose()?
                .unwrap_or(1);
            if step == 0 {
                return Err(RuntimeError::value(format!("{what}: step must not be 0")));
            }
            let len = t.shape()[ax] as i64;
            if step < 0 {
                // Python: start defaults to the last element, end to "before the first".
                let bound = |i: i64| -> i64 {
                    let i = if i < 0 { i + len } else { i };
                    i.clamp(-1, len - 1)
                };
                let s = start.map_or(len - 1, bound);
                let e = end.map_or(-1, bound);
                let mut picks = Vec::new();
                let mut i = s;
                while i > e {
                    picks.push(i as usize);
                    i += step;
                }
                return Ok(map_tensor!(t, a => a.select(Axis(ax), &picks).into_shared()));
            }
            let clamp = |i: i64| -> i64 {
                let i = if i < 0 { i + len } else { i };
                i.clamp(0, len)
            };
            let s = clamp(start.unwrap_or(0));
            let e = clamp(end.unwrap_or(len)).max(s);
            let slice = Slice::new(s as isize, Some(e as isize), step as isize);
            Ok(map_tensor!(t, a => {
                let mut a = a;
                a.slice_axis_inplace(Axis(ax), slice);
                a
            }))
        }
        ManipOp::ExpandDims => {
            let axis = want_int(need(0, "axis")?, &format!("{what} axis"))?;
            let ax = norm_axis(axis, t.ndim() + 1, &what)?;
            Ok(map_tensor!(t, a => a.insert_axis(Axis(ax))))
        }
        ManipOp::Squeeze => match param(0) {
            None => {
                let mut t = t;
                while let Some(ax) = t.shape().iter().rposition(|&d| d == 1) {
                    t = map_tensor!(t, a => a.index_axis_move(Axis(ax), 0));
                }
                Ok(t)
            }
            Some(v) => {
                let axis = want_int(v, &format!("{what} axis"))?;
                let ax = norm_axis(axis, t.ndim(), &what)?;
                if t.shape()[ax] != 1 {
                    return Err(RuntimeError::shape(format!(
                        "{what}: axis {axis} of a tensor of shape {} has size {}, not 1",
                        shape_str(t.shape()),
                        t.shape()[ax]
                    )));
                }
                Ok(map_tensor!(t, a => a.index_axis_move(Axis(ax), 0)))
            }
        },
        ManipOp::Transpose => {
            let n = t.ndim();
            let perm: Vec<usize> = match param(0) {
                None => (0..n).rev().collect(),
                Some(v) => {
                    let p = want_int_list(v, &format!("{what} permutation"))?;
                    let mut seen = vec![false; n];
                    let mut out = Vec::with_capacity(n);
                    for &axis in &p {
                        let ax = norm_axis(axis, n, &what)?;
                        if seen[ax] {
                            return Err(RuntimeError::value(format!(
                                "{what}: {p:?} is not a permutation of the {n} axes"
                            )));
                        }
                        seen[ax] = true;
                        out.push(ax);
                    }
                    if out.len() != n {
                        return Err(RuntimeError::value(format!(
                            "{what}: {p:?} is not a permutation of the {n} axes"
                        )));
                    }
                    out
                }
            };
            Ok(map_tensor!(t, a => a.permuted_axes(IxDyn(&perm))))
        }
        ManipOp::Cast => {
            let name = want_str(need(0, "dtype")?, &format!("{what} dtype"))?;
            if matches!(name, "bf16" | "i16" | "i8") {
                return Err(RuntimeError::unsupported(format!(
                    "{what}: dtype {name} is not supported by this runtime"
                ))
                .with_help(format!("supported dtypes: {}", dtype_list())));
            }
            let dtype = DType::parse(name).ok_or_else(|| {
                RuntimeError::value(format!("{what}: unknown dtype \"{name}\""))
                    .with_help(format!("dtypes: {}", dtype_list()))
            })?;
            Ok(t.cast(dtype))
        }
        ManipOp::Expand => {
            let spec = want_int_list(need(0, "shape")?, &format!("{what} shape"))?;
            expand(&t, &spec, &what)
        }
    }
}

fn resolve_reshape(from: &[usize], spec: &[i64], what: &str) -> Result<Vec<usize>> {
    let numel: usize = from.iter().product();
    let mut unknown = None;
    let mut known: usize = 1;
    let mut shape = Vec::with_capacity(spec.len());
    for (i, &d) in spec.iter().enumerate() {
        if d == -1 {
            if unknown.replace(i).is_some() {
                return Err(RuntimeError::value(format!(
                    "{what}: only one dimension can be -1, found {spec:?}"
                )));
            }
            shape.push(0);
        } else if d < 0 {
            return Err(RuntimeError::value(format!(
                "{what}: invalid dimension {d} in {spec:?}"
            )));
        } else {
            known = known.saturating_mul(d as usize);
            shape.push(d as usize);
        }
    }
    let mismatch = || {
        RuntimeError::shape(format!(
            "{what}: cannot reshape a tensor of shape {} ({numel} elements) to {spec:?}",
            shape_str(from)
        ))
    };
    if let Some(i) = unknown {
        if known == 0 || !numel.is_multiple_of(known) {
            return Err(mismatch());
        }
        shape[i] = numel / known;
    } else if known != numel {
        return Err(mismatch());
    }
    Ok(shape)
}

fn pad(t: &Tensor, pads: &[i64], fill: Num, what: &str) -> Result<Tensor> {
    let n = t.ndim();
    if pads.len() != 2 * n {
        return Err(RuntimeError::value(format!(
            "{what}: a tensor of rank {n} takes {} pads ((before, after) for each axis), found {}",
            2 * n,
            pads.len()
        )));
    }
    if let Some(p) = pads.iter().find(|p| **p < 0) {
        return Err(RuntimeError::value(format!(
            "{what}: pads cannot be negative, found {p}"
        )));
    }
    let new_shape: Vec<usize> = t
        .shape()
        .iter()
        .enumerate()
        .map(|(i, &d)| d + pads[2 * i] as usize + pads[2 * i + 1] as usize)
        .collect();
    check_size(&new_shape, what)?;
    fn go<T: Elem>(a: &crate::tensor::Arr<T>, shape: &[usize], pads: &[i64], fill: Num) -> Tensor {
        let mut out = ArrayD::from_elem(IxDyn(shape), T::from_num(fill));
        out.slice_each_axis_mut(|ax| {
            let before = pads[2 * ax.axis.index()] as isize;
            let after = pads[2 * ax.axis.index() + 1] as isize;
            Slice::from(before..ax.len as isize - after)
        })
        .assign(a);
        T::wrap(out.into_shared())
    }
    Ok(with_tensor!(t, a => go(a, &new_shape, pads, fill)))
}

fn expand(t: &Tensor, spec: &[i64], what: &str) -> Result<Tensor> {
    let from = t.shape();
    if spec.len() < from.len() {
        return Err(RuntimeError::shape(format!(
            "{what}: cannot expand a tensor of shape {} to fewer dimensions {spec:?}",
            shape_str(from)
        )));
    }
    let offset = spec.len() - from.len();
    let mut shape = Vec::with_capacity(spec.len());
    for (i, &d) in spec.iter().enumerate() {
        let current = if i >= offset {
            Some(from[i - offset])
        } else {
            None
        };
        shape.push(match (d, current) {
            (-1, Some(c)) => c,
            (d, _) if d >= 0 => d as usize,
            _ => {
                return Err(RuntimeError::value(format!(
                    "{what}: invalid dimension {d} in {spec:?}"
                )));
            }
        });
    }
    check_size(&shape, what)?;
    let fail = || {
        RuntimeError::shape(format!(
            "{what}: cannot broadcast a tensor of shape {} to {}",
            shape_str(from),
            shape_str(&shape)
        ))
    };
    Ok(map_tensor!(t, a => a
        .broadcast(IxDyn(&shape))
        .ok_or_else(fail)?
        .to_owned()
        .into_shared()))
}

/// `TENSOR_COMBINE concat|stack inputs [axis]`.
pub fn combine(op: CombineOp, inputs: &[&Value], axis: Option<i64>) -> Result<Tensor> {
    let what = format!("TENSOR_COMBINE {op}");
    if inputs.is_empty() {
        return Err(RuntimeError::value(format!(
            "{what}: needs at least one input"
        )));
    }
    let mut tensors = Vec::with_capacity(inputs.len());
    for v in inputs {
        tensors.push(match v {
            Value::Tensor(t) => t.clone(),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::List(_) => {
                value_to_tensor(v, None, &what)?
            }
            other => return Err(type_mismatch(&what, "tensors", other)),
        });
    }
    let dtype = tensors
        .iter()
        .map(Tensor::dtype)
        .reduce(DType::promote)
        .unwrap_or(DType::F32);
    let tensors: Vec<Tensor> = tensors.iter().map(|t| t.cast(dtype)).collect();
    let first = tensors[0].shape().to_vec();
    let rank = if op == CombineOp::Stack {
        first.len() + 1
    } else {
        first.len()
    };
    let ax = norm_axis(axis.unwrap_or(0), rank, &what)?;
    for t in &tensors[1..] {
        let same = match op {
            CombineOp::Stack => t.shape() == first.as_slice(),
            CombineOp::Concat => {
                t.ndim() == first.len()
                    && t.shape()
                        .iter()
                        .zip(&first)
                        .enumerate()
                        .all(|(i, (a, b))| i == ax || a == b)
            }
        };
        if !same {
            return Err(RuntimeError::shape(format!(
                "{what}: shapes {} and {} do not fit along axis {ax}",
                shape_str(&first),
                shape_str(t.shape())
            )));
        }
    }
    fn go<T: Elem>(op: CombineOp, ts: &[Tensor], ax: usize) -> Result<Tensor> {
        let views: Vec<ArrayViewD<'_, T>> = ts
            .iter()
            .filter_map(|t| T::unwrap(t).map(|a| a.view()))
            .collect();
        let r = match op {
            CombineOp::Concat => ndarray::concatenate(Axis(ax), &views),
            CombineOp::Stack => ndarray::stack(Axis(ax), &views),
        };
        r.map(|a| T::wrap(a.into_shared()))
            .map_err(|e| RuntimeError::shape(e.to_string()))
    }
    match dtype {
        DType::F32 => go::<f32>(op, &tensors, ax),
        DType::F64 => go::<f64>(op, &tensors, ax),
        DType::F16 => go::<half::f16>(op, &tensors, ax),
        DType::I64 => go::<i64>(op, &tensors, ax),
        DType::I32 => go::<i32>(op, &tensors, ax),
        DType::U8 => go::<u8>(op, &tensors, ax),
        DType::Bool => go::<bool>(op, &tensors, ax),
    }
}

/// `TENSOR_INFO op input`.
pub fn info(op: InfoOp, v: &Value) -> Result<Value> {
    let what = format!("TENSOR_INFO {op}");
    match (op, v) {
        (InfoOp::Len, Value::List(l)) => Ok(Value::Int(l.len() as i64)),
        (InfoOp::Len, Value::Str(s)) => Ok(Value::Int(s.chars().count() as i64)),
        (InfoOp::Len, Value::Dict(d)) => Ok(Value::Int(d.len() as i64)),
        (InfoOp::Len, Value::Bytes(b)) => Ok(Value::Int(b.len() as i64)),
        (InfoOp::Len, Value::Tensor(t)) => match t.shape().first() {
            Some(&n) => Ok(Value::Int(n as i64)),
            None => Err(RuntimeError::type_error(format!(
                "{what}: a 0-d tensor has no length"
            ))),
        },
        (InfoOp::Len, other) => Err(type_mismatch(
            &what,
            "a tensor, list, str, dict or bytes",
            other,
        )),
        (InfoOp::ToPy, Value::Int(_) | Value::Float(_) | Value::Bool(_)) => Ok(v.clone()),
        (_, Value::Tensor(t)) => Ok(match op {
            InfoOp::Shape => Value::list(t.shape().iter().map(|&d| Value::Int(d as i64)).collect()),
            InfoOp::Dim => Value::Int(t.ndim() as i64),
            InfoOp::Numel => Value::Int(t.numel() as i64),
            InfoOp::ToPy => to_py(t),
            InfoOp::Len => Value::Null,
        }),
        (InfoOp::Shape, Value::List(l)) => Ok(Value::list(vec![Value::Int(l.len() as i64)])),
        (_, other) => Err(type_mismatch(&what, "a tensor", other)),
    }
}

fn num_value(n: Num) -> Value {
    match n {
        Num::Int(i) => Value::Int(i),
        Num::Float(f) => Value::Float(f),
        Num::Bool(b) => Value::Bool(b),
    }
}

/// A tensor as a plain value: a scalar for a tensor of one element, nested
/// lists otherwise.
pub fn to_py(t: &Tensor) -> Value {
    if let Some(n) = t.single() {
        return num_value(n);
    }
    let nums = t.nums();
    fn nest(shape: &[usize], nums: &[Num]) -> Value {
        match shape.split_first() {
            None => nums.first().map_or(Value::Null, |n| num_value(*n)),
            Some((&n, rest)) => {
                let stride: usize = rest.iter().product();
                Value::list(
                    (0..n)
                        .map(|i| nest(rest, nums.get(i * stride..(i + 1) * stride).unwrap_or(&[])))
                        .collect(),
                )
            }
        }
    }
    nest(t.shape(), &nums)
}

fn resolve_index(i: i64, len: usize, what: &str) -> Result<usize> {
    let n = len as i64;
    let j = if i < 0 { i + n } else { i };
    if j < 0 || j >= n {
        return Err(RuntimeError::index(format!(
            "{what}: index {i} is out of range for length {len}"
        )));
    }
    Ok(j as usize)
}

/// `TENSOR_EXTRACT container index`: dict by key, list/str by position,
/// tensor by position along axis 0 or by a list of indices.
pub fn extract(container: &Value, index: &Value) -> Result<Value> {
    let what = "TENSOR_EXTRACT";
    match (container, index) {
        (Value::Dict(d), Value::Str(key)) => d.get(key).cloned().ok_or_else(|| {
            RuntimeError::index(format!("{what}: the dict has no key \"{key}\""))
                .with_help(format!("its keys are: {}", d.key_list()))
        }),
        (Value::List(l), idx) if idx.as_int().is_some() => {
            let i = resolve_index(idx.as_int().unwrap_or(0), l.len(), what)?;
            Ok(l[i].clone())
        }
        (Value::Str(s), idx) if idx.as_int().is_some() => {
            let n = s.chars().count();
            let i = resolve_index(idx.as_int().unwrap_or(0), n, what)?;
            Ok(Value::str(&s.chars().nth(i).map(String::from).unwrap_or_default()))
        }
        (Value::Tensor(t), Value::List(_)) => {
            let idx = want_int_list(index, what)?;
            if idx.len() > t.ndim() {
                return Err(RuntimeError::index(format!(
                    "{what}: {} indices for a tensor of rank {}",
                    idx.len(),
                    t.ndim()
                )));
            }
            let mut t = t.clone();
            for &i in &idx {
                let j = resolve_index(i, t.shape()[0], what)?;
                t = map_tensor!(t, a => a.index_axis_move(Axis(0), j));
            }
            if t.ndim() == 0 {
                Ok(t.single().map_or(Value::Null, num_value))
            } else {
                Ok(Value::Tensor(t))
            }
        }
        (Value::Tensor(t), idx) if idx.as_int().is_some() => {
            if t.ndim() == 0 {
                return Err(RuntimeError::index(format!("{what}: cannot index a 0-d tensor")));
            }
            let j = resolve_index(idx.as_int().unwrap_or(0), t.shape()[0], what)?;
            Ok(Value::Tensor(map_tensor!(t.clone(), a => a.index_axis_move(Axis(0), j))))
        }
        (c, i) => Err(RuntimeError::type_error(format!(
            "{what}: cannot index {} with {}",
            c.describe(),
            i.describe()
        ))
        .with_help("a dict takes a str key; a list, str or tensor takes an int; a tensor also takes a list of ints")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(shape: &[usize], data: Vec<i64>) -> Value {
        Value::Tensor(Tensor::from_vec(shape, data).unwrap())
    }

    #[test]
    fn reshape_and_slice() {
        let t = tensor(&[6], (0..6).collect());
        let r = manipulate(
            ManipOp::Reshape,
            &t,
            &[&Value::list(vec![Value::Int(2), Value::Int(-1)])],
        )
        .unwrap();
        assert_eq!(r.shape(), &[2, 3]);
        let s = manipulate(
            ManipOp::Slice,
            &Value::Tensor(r),
            &[&Value::Int(1), &Value::Int(-2), &Value::Null],
        )
        .unwrap();
        assert_eq!(s.to_string(), "[[1, 2], [4, 5]]");
    }

    #[test]
    fn pad_and_extract() {
        let t = tensor(&[2], vec![1, 2]);
        let pads = Value::list(vec![Value::Int(1), Value::Int(2)]);
        let p = manipulate(ManipOp::Pad, &t, &[&pads, &Value::Int(9)]).unwrap();
        assert_eq!(p.to_string(), "[9, 1, 2, 9, 9]");
        let e = extract(&Value::Tensor(p), &Value::Int(-1)).unwrap();
        assert_eq!(e.to_string(), "9");
    }
}
