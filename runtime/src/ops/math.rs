//! `MATH_UNARY`, `MATH_BINARY`, `MATH_AGGREGATE` and `LOGIC_COMPARE`.

use half::f16;
use ndarray::{ArrayD, Axis, IxDyn, Zip};
use omex_mep::subtype::{AggOp, BinaryOp, CompareOp, UnaryOp};

use super::{broadcast_shapes, norm_axis, value_to_tensor};
use crate::error::{Result, RuntimeError};
use crate::tensor::{Arr, DType, Elem, Num, Tensor, with_tensor};
use crate::value::{Value, type_mismatch, want_bool};

// ---------------------------------------------------------------------------
// Element arithmetic

/// Arithmetic on one element type.
trait Arith: Elem {
    fn bin(op: BinaryOp, a: Self, b: Self) -> Self;
}

macro_rules! float_arith {
    ($t:ty) => {
        impl Arith for $t {
            fn bin(op: BinaryOp, a: Self, b: Self) -> Self {
                match op {
                    BinaryOp::Add => a + b,
                    BinaryOp::Sub => a - b,
                    BinaryOp::Mul => a * b,
                    BinaryOp::Div => a / b,
                    BinaryOp::Pow => a.powf(b),
                    BinaryOp::Max => {
                        if a.is_nan() || a >= b {
                            a
                        } else {
                            b
                        }
                    }
                    BinaryOp::Min => {
                        if a.is_nan() || a <= b {
                            a
                        } else {
                            b
                        }
                    }
                    BinaryOp::Mod => a - b * (a / b).floor(),
                }
            }
        }
    };
}

float_arith!(f32);
float_arith!(f64);

impl Arith for f16 {
    fn bin(op: BinaryOp, a: Self, b: Self) -> Self {
        f16::from_f32(f32::bin(op, a.to_f32(), b.to_f32()))
    }
}

macro_rules! int_arith {
    ($t:ty) => {
        impl Arith for $t {
            /// Wrapping, like NumPy. Division never gets here (ints divide
            /// as floats); a zero modulus is rejected before.
            fn bin(op: BinaryOp, a: Self, b: Self) -> Self {
                match op {
                    BinaryOp::Add => a.wrapping_add(b),
                    BinaryOp::Sub => a.wrapping_sub(b),
                    BinaryOp::Mul => a.wrapping_mul(b),
                    BinaryOp::Div => {
                        if b == 0 {
                            0
                        } else {
                            a.wrapping_div(b)
                        }
                    }
                    BinaryOp::Pow => a.wrapping_pow(u32::try_from(b as i64).unwrap_or(u32::MAX)),
                    BinaryOp::Max => a.max(b),
                    BinaryOp::Min => a.min(b),
                    BinaryOp::Mod => {
                        if b == 0 {
                            0
                        } else {
                            let r = a.wrapping_rem(b);
                            if r != 0 && ((r < 0) != (b < 0)) {
                                r.wrapping_add(b)
                            } else {
                                r
                            }
                        }
                    }
                }
            }
        }
    };
}

int_arith!(i64);
int_arith!(i32);

impl Arith for u8 {
    fn bin(op: BinaryOp, a: Self, b: Self) -> Self {
        i64::bin(op, a as i64, b as i64) as u8
    }
}

/// Applies `f` element-wise with NumPy broadcasting.
pub fn zip_broadcast<A: Copy, B: Copy, C>(
    a: &Arr<A>,
    b: &Arr<B>,
    f: impl Fn(A, B) -> C,
) -> Result<ArrayD<C>> {
    if a.shape() == b.shape() {
        return Ok(Zip::from(a).and(b).map_collect(|x, y| f(*x, *y)));
    }
    let shape = broadcast_shapes(a.shape(), b.shape())?;
    let av = a.broadcast(IxDyn(&shape));
    let bv = b.broadcast(IxDyn(&shape));
    match (av, bv) {
        (Some(av), Some(bv)) => Ok(Zip::from(&av).and(&bv).map_collect(|x, y| f(*x, *y))),
        _ => Err(RuntimeError::shape("shapes do not broadcast")),
    }
}

fn arith<T: Arith>(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    match (T::unwrap(a), T::unwrap(b)) {
        (Some(x), Some(y)) => Ok(T::wrap(
            zip_broadcast(x, y, |p, q| T::bin(op, p, q))?.into_shared(),
        )),
        _ => Err(RuntimeError::type_error("internal: operand types differ")),
    }
}

// ---------------------------------------------------------------------------
// MATH_BINARY

/// `MATH_BINARY`: scalars or tensors, with broadcasting.
pub fn binary(op: BinaryOp, a: &Value, b: &Value) -> Result<Value> {
    match (a, b) {
        (Value::Tensor(_), _) | (_, Value::Tensor(_)) => tensor_binary(op, a, b).map(Value::Tensor),
        (Value::Int(x), Value::Int(y)) => int_binary(op, *x, *y),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            Ok(Value::Float(f64::bin(op, x, y)))
        }
        (Value::Str(x), Value::Str(y)) if op == BinaryOp::Add => Ok(Value::str(&format!("{x}{y}"))),
        (Value::List(x), Value::List(y)) if op == BinaryOp::Add => {
            let mut items = Vec::with_capacity(x.len() + y.len());
            items.extend(x.iter().cloned());
            items.extend(y.iter().cloned());
            Ok(Value::list(items))
        }
        _ => Err(RuntimeError::type_error(format!(
            "MATH_BINARY {op}: cannot apply to {} and {}",
            a.describe(),
            b.describe()
        ))
        .with_help("operands are ints, floats or tensors (add also joins two strs or two lists)")),
    }
}

fn int_binary(op: BinaryOp, x: i64, y: i64) -> Result<Value> {
    let overflow =
        || RuntimeError::value(format!("MATH_BINARY {op}: integer overflow ({x} {op} {y})"));
    Ok(match op {
        BinaryOp::Add => Value::Int(x.checked_add(y).ok_or_else(overflow)?),
        BinaryOp::Sub => Value::Int(x.checked_sub(y).ok_or_else(overflow)?),
        BinaryOp::Mul => Value::Int(x.checked_mul(y).ok_or_else(overflow)?),
        BinaryOp::Div => {
            if y == 0 {
                return Err(RuntimeError::value(format!(
                    "MATH_BINARY div: {x} / 0: division by zero"
                )));
            }
            Value::Float(x as f64 / y as f64)
        }
        BinaryOp::Pow => {
            if y < 0 {
                Value::Float((x as f64).powf(y as f64))
            } else {
                let e = u32::try_from(y).map_err(|_| overflow())?;
                Value::Int(x.checked_pow(e).ok_or_else(overflow)?)
            }
        }
        BinaryOp::Max => Value::Int(x.max(y)),
        BinaryOp::Min => Value::Int(x.min(y)),
        BinaryOp::Mod => {
            if y == 0 {
                return Err(RuntimeError::value(format!(
                    "MATH_BINARY mod: {x} mod 0: division by zero"
                )));
            }
            Value::Int(i64::bin(BinaryOp::Mod, x, y))
        }
    })
}

/// The dtype of a tensor operation's operands. Python-style scalars do not
/// widen a tensor of their kind (`f32 tensor * 0.5` stays f32); an int
/// tensor with a float scalar becomes f32; bools compute as i64.
fn operand_dtype(a: &Value, b: &Value, what: &str) -> Result<DType> {
    let kind = |v: &Value| -> Result<Option<DType>> {
        match v {
            Value::Tensor(t) => Ok(Some(t.dtype())),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => Ok(None),
            other => Err(type_mismatch(what, "a tensor or a number", other)),
        }
    };
    let (ka, kb) = (kind(a)?, kind(b)?);
    let scalar_float = |v: &Value| matches!(v, Value::Float(_));
    Ok(match (ka, kb) {
        (Some(x), Some(y)) => DType::promote(x, y),
        (Some(t), None) | (None, Some(t)) => {
            let scalar = if ka.is_none() { a } else { b };
            if scalar_float(scalar) && !t.is_float() {
                DType::F32
            } else if matches!(scalar, Value::Int(_)) && t == DType::Bool {
                DType::I64
            } else {
                t
            }
        }
        (None, None) => DType::F64,
    })
}

fn tensor_binary(op: BinaryOp, a: &Value, b: &Value) -> Result<Tensor> {
    let what = format!("MATH_BINARY {op}");
    let mut dtype = operand_dtype(a, b, &what)?;
    if dtype == DType::Bool {
        dtype = DType::I64;
    }
    if op == BinaryOp::Div && !dtype.is_float() {
        dtype = DType::F32;
    }
    let ta = value_to_tensor(a, Some(dtype), &what)?;
    let tb = value_to_tensor(b, Some(dtype), &what)?;
    if dtype.is_int() {
        if op == BinaryOp::Mod && tb.nums().iter().any(|n| n.as_i64() == 0) {
            return Err(RuntimeError::value(format!(
                "{what}: integer modulo by zero"
            )));
        }
        if op == BinaryOp::Pow && tb.nums().iter().any(|n| n.as_i64() < 0) {
            return Err(RuntimeError::value(format!(
                "{what}: integers to negative integer powers are not allowed"
            ))
            .with_help("cast the base to a float dtype first"));
        }
    }
    match dtype {
        DType::F32 => arith::<f32>(op, &ta, &tb),
        DType::F64 => arith::<f64>(op, &ta, &tb),
        DType::F16 => arith::<f16>(op, &ta, &tb),
        DType::I64 => arith::<i64>(op, &ta, &tb),
        DType::I32 => arith::<i32>(op, &ta, &tb),
        DType::U8 => arith::<u8>(op, &ta, &tb),
        DType::Bool => Err(RuntimeError::type_error(format!("{what}: bool tensors"))),
    }
}

// ---------------------------------------------------------------------------
// LOGIC_COMPARE

/// `LOGIC_COMPARE`: a bool for scalars, a bool tensor for tensors.
pub fn compare(op: CompareOp, a: &Value, b: &Value) -> Result<Value> {
    let what = format!("LOGIC_COMPARE {op}");
    if matches!(op, CompareOp::And | CompareOp::Or) {
        return logic(op, a, b, &what);
    }
    match (a, b) {
        (Value::Tensor(_), _) | (_, Value::Tensor(_)) => {
            let dtype = operand_dtype(a, b, &what)?;
            let ta = value_to_tensor(a, Some(dtype), &what)?;
            let tb = value_to_tensor(b, Some(dtype), &what)?;
            let out = with_tensor!(&ta, x => {
                let y = Elem::unwrap(&tb).ok_or_else(|| RuntimeError::type_error("internal: operand types differ"))?;
                zip_broadcast(x, y, |p, q| cmp_elem(op, &p, &q))?
            });
            Ok(Value::Tensor(Tensor::from_array(out)))
        }
        (Value::Int(x), Value::Int(y)) => Ok(Value::Bool(cmp_elem(op, x, y))),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => Ok(Value::Bool(
            cmp_elem(op, &a.as_f64().unwrap_or(0.0), &b.as_f64().unwrap_or(0.0)),
        )),
        (Value::Str(x), Value::Str(y)) => Ok(Value::Bool(cmp_elem::<str>(op, x, y))),
        (Value::Bool(x), Value::Bool(y)) => Ok(Value::Bool(cmp_elem(op, x, y))),
        (Value::Null, _) | (_, Value::Null) if matches!(op, CompareOp::Eq | CompareOp::Neq) => {
            let both = matches!((a, b), (Value::Null, Value::Null));
            Ok(Value::Bool(both == (op == CompareOp::Eq)))
        }
        _ => Err(RuntimeError::type_error(format!(
            "{what}: cannot compare {} with {}",
            a.describe(),
            b.describe()
        ))),
    }
}

fn cmp_elem<T: PartialOrd + ?Sized>(op: CompareOp, a: &T, b: &T) -> bool {
    match op {
        CompareOp::Eq => a == b,
        CompareOp::Neq => a != b,
        CompareOp::Gt => a > b,
        CompareOp::Lt => a < b,
        CompareOp::Ge => a >= b,
        CompareOp::Le => a <= b,
        CompareOp::And | CompareOp::Or => false,
    }
}

fn logic(op: CompareOp, a: &Value, b: &Value, what: &str) -> Result<Value> {
    let f = |x: bool, y: bool| if op == CompareOp::And { x && y } else { x || y };
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => Ok(Value::Bool(f(*x, *y))),
        _ => {
            let as_bool_tensor = |v: &Value| -> Result<Arr<bool>> {
                match v {
                    Value::Bool(x) => Ok(Arr::from_elem(IxDyn(&[]), *x)),
                    Value::Tensor(Tensor::Bool(t)) => Ok(t.clone()),
                    other => Err(type_mismatch(what, "bools or bool tensors", other)),
                }
            };
            let (x, y) = (as_bool_tensor(a)?, as_bool_tensor(b)?);
            Ok(Value::Tensor(Tensor::from_array(zip_broadcast(&x, &y, f)?)))
        }
    }
}

// ---------------------------------------------------------------------------
// MATH_UNARY

/// `MATH_UNARY`. Softmax and log-softmax work over the last axis.
pub fn unary(op: UnaryOp, v: &Value) -> Result<Value> {
    let what = format!("MATH_UNARY {op}");
    match (op, v) {
        (UnaryOp::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
        (UnaryOp::Not, Value::Tensor(Tensor::Bool(t))) => {
            Ok(Value::Tensor(Tensor::Bool(t.mapv(|b| !b).into_shared())))
        }
        (UnaryOp::Not, other) => Err(type_mismatch(&what, "a bool or a bool tensor", other)),
        // Over the last axis, a scalar is a one-element vector.
        (UnaryOp::Softmax, Value::Int(_) | Value::Float(_)) => Ok(Value::Float(1.0)),
        (UnaryOp::LogSoftmax, Value::Int(_) | Value::Float(_)) => Ok(Value::Float(0.0)),
        (_, Value::Int(i)) => int_unary(op, *i, &what),
        (_, Value::Float(f)) => Ok(Value::Float(float_unary(op, *f).unwrap_or(*f))),
        (UnaryOp::Softmax | UnaryOp::LogSoftmax, Value::Tensor(t)) => {
            softmax_tensor(t, op == UnaryOp::LogSoftmax, &what).map(Value::Tensor)
        }
        (_, Value::Tensor(t)) => tensor_unary(op, t, &what).map(Value::Tensor),
        (_, other) => Err(type_mismatch(&what, "a number or a tensor", other)),
    }
}

fn float_unary(op: UnaryOp, x: f64) -> Option<f64> {
    Some(match op {
        UnaryOp::Sqrt => x.sqrt(),
        UnaryOp::Abs => x.abs(),
        UnaryOp::Neg => -x,
        UnaryOp::Exp => x.exp(),
        UnaryOp::Reciprocal => 1.0 / x,
        UnaryOp::Log => x.ln(),
        UnaryOp::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        UnaryOp::Tanh => x.tanh(),
        UnaryOp::Relu => x.max(0.0),
        UnaryOp::Floor => x.floor(),
        UnaryOp::Ceil => x.ceil(),
        UnaryOp::Round => x.round_ties_even(),
        UnaryOp::Softmax | UnaryOp::LogSoftmax | UnaryOp::Not => return None,
    })
}

fn float_unary32(op: UnaryOp, x: f32) -> f32 {
    match op {
        UnaryOp::Sqrt => x.sqrt(),
        UnaryOp::Abs => x.abs(),
        UnaryOp::Neg => -x,
        UnaryOp::Exp => x.exp(),
        UnaryOp::Reciprocal => 1.0 / x,
        UnaryOp::Log => x.ln(),
        UnaryOp::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        UnaryOp::Tanh => x.tanh(),
        UnaryOp::Relu => x.max(0.0),
        UnaryOp::Floor => x.floor(),
        UnaryOp::Ceil => x.ceil(),
        UnaryOp::Round => x.round_ties_even(),
        UnaryOp::Softmax | UnaryOp::LogSoftmax | UnaryOp::Not => x,
    }
}

fn int_unary(op: UnaryOp, i: i64, what: &str) -> Result<Value> {
    Ok(match op {
        UnaryOp::Abs => Value::Int(
            i.checked_abs()
                .ok_or_else(|| RuntimeError::value(format!("{what}: integer overflow")))?,
        ),
        UnaryOp::Neg => Value::Int(
            i.checked_neg()
                .ok_or_else(|| RuntimeError::value(format!("{what}: integer overflow")))?,
        ),
        UnaryOp::Relu => Value::Int(i.max(0)),
        UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Round => Value::Int(i),
        _ => match float_unary(op, i as f64) {
            Some(f) => Value::Float(f),
            None => {
                return Err(RuntimeError::type_error(format!(
                    "{what}: needs a tensor (it works over an axis)"
                )));
            }
        },
    })
}

fn tensor_unary(op: UnaryOp, t: &Tensor, what: &str) -> Result<Tensor> {
    let keeps_ints = matches!(
        op,
        UnaryOp::Abs
            | UnaryOp::Neg
            | UnaryOp::Relu
            | UnaryOp::Floor
            | UnaryOp::Ceil
            | UnaryOp::Round
    );
    Ok(match t {
        Tensor::F32(a) => Tensor::F32(a.mapv(|x| float_unary32(op, x)).into_shared()),
        Tensor::F64(a) => Tensor::F64(a.mapv(|x| float_unary(op, x).unwrap_or(x)).into_shared()),
        Tensor::F16(a) => Tensor::F16(
            a.mapv(|x| f16::from_f32(float_unary32(op, x.to_f32())))
                .into_shared(),
        ),
        Tensor::Bool(_) => {
            return Err(
                RuntimeError::type_error(format!("{what}: a bool tensor has no {op}"))
                    .with_help("cast it to a numeric dtype first"),
            );
        }
        Tensor::I64(a) if keeps_ints => Tensor::I64(
            a.mapv(|x| match op {
                UnaryOp::Abs => x.wrapping_abs(),
                UnaryOp::Neg => x.wrapping_neg(),
                UnaryOp::Relu => x.max(0),
                _ => x,
            })
            .into_shared(),
        ),
        Tensor::I32(a) if keeps_ints => Tensor::I32(
            a.mapv(|x| match op {
                UnaryOp::Abs => x.wrapping_abs(),
                UnaryOp::Neg => x.wrapping_neg(),
                UnaryOp::Relu => x.max(0),
                _ => x,
            })
            .into_shared(),
        ),
        Tensor::U8(a) if keeps_ints => Tensor::U8(
            a.mapv(|x| match op {
                UnaryOp::Neg => x.wrapping_neg(),
                _ => x,
            })
            .into_shared(),
        ),
        int => {
            let a = int.to_f32();
            Tensor::F32(a.mapv(|x| float_unary32(op, x)).into_shared())
        }
    })
}

fn softmax_tensor(t: &Tensor, log: bool, what: &str) -> Result<Tensor> {
    if t.ndim() == 0 {
        // A 0-d tensor is a one-element vector.
        let one = crate::tensor::map_tensor!(t.clone(), a => a.insert_axis(Axis(0)));
        let r = softmax_tensor(&one, log, what)?;
        return Ok(crate::tensor::map_tensor!(r, a => a.index_axis_move(Axis(0), 0)));
    }
    Ok(match t {
        Tensor::F64(a) => Tensor::F64(softmax_lastaxis(a, log).into_shared()),
        Tensor::F16(a) => {
            let f = a.mapv(f16::to_f32).into_shared();
            Tensor::F16(softmax_lastaxis(&f, log).mapv(f16::from_f32).into_shared())
        }
        Tensor::Bool(_) => {
            return Err(RuntimeError::type_error(format!(
                "{what}: needs a numeric tensor, found bool"
            )));
        }
        other => Tensor::F32(softmax_lastaxis(&other.to_f32(), log).into_shared()),
    })
}

/// Numerically stable softmax over the last axis.
pub fn softmax_lastaxis<T>(a: &Arr<T>, log: bool) -> ArrayD<T>
where
    T: num_like::Float,
{
    let mut out = a.to_owned();
    let last = Axis(out.ndim() - 1);
    for mut lane in out.lanes_mut(last) {
        let max = lane
            .iter()
            .fold(T::NEG_INF, |m, &x| if x > m { x } else { m });
        let mut sum = T::ZERO;
        for x in lane.iter_mut() {
            let e = (*x - max).exp();
            sum = sum + e;
            if log {
                *x = *x - max;
            } else {
                *x = e;
            }
        }
        if log {
            let ls = sum.ln();
            lane.iter_mut().for_each(|x| *x = *x - ls);
        } else {
            lane.iter_mut().for_each(|x| *x = *x / sum);
        }
    }
    out
}

/// The few float operations generic code here needs.
pub mod num_like {
    pub trait Float:
        Copy
        + PartialOrd
        + std::ops::Add<Output = Self>
        + std::ops::Sub<Output = Self>
        + std::ops::Mul<Output = Self>
        + std::ops::Div<Output = Self>
    {
        const ZERO: Self;
        const NEG_INF: Self;
        fn exp(self) -> Self;
        fn ln(self) -> Self;
        fn sqrt(self) -> Self;
        fn from_f64(x: f64) -> Self;
    }
    impl Float for f32 {
        const ZERO: Self = 0.0;
        const NEG_INF: Self = f32::NEG_INFINITY;
        fn exp(self) -> Self {
            f32::exp(self)
        }
        fn ln(self) -> Self {
            f32::ln(self)
        }
        fn sqrt(self) -> Self {
            f32::sqrt(self)
        }
        fn from_f64(x: f64) -> Self {
            x as f32
        }
    }
    impl Float for f64 {
        const ZERO: Self = 0.0;
        const NEG_INF: Self = f64::NEG_INFINITY;
        fn exp(self) -> Self {
            f64::exp(self)
        }
        fn ln(self) -> Self {
            f64::ln(self)
        }
        fn sqrt(self) -> Self {
            f64::sqrt(self)
        }
        fn from_f64(x: f64) -> Self {
            x
        }
    }
}

// ---------------------------------------------------------------------------
// MATH_AGGREGATE

/// `MATH_AGGREGATE` with optional `axis` and `keepdims`. Without an axis it
/// reduces everything and (unless `keepdims`) gives a scalar.
pub fn aggregate(op: AggOp, v: &Value, axis: Option<i64>, keepdims: bool) -> Result<Value> {
    let what = format!("MATH_AGGREGATE {op}");
    let t = match v {
        Value::Tensor(t) => t.clone(),
        Value::List(_) => value_to_tensor(v, None, &what)?,
        other => return Err(type_mismatch(&what, "a tensor or a list of numbers", other)),
    };
    let out_float = match op {
        AggOp::Mean => true,
        AggOp::Sum | AggOp::Max | AggOp::Min => t.dtype().is_float(),
        AggOp::Argmax | AggOp::Argmin => false,
    };
    match axis {
        None => {
            let nums = t.nums();
            let r = reduce(op, nums.iter().copied(), &what)?;
            if keepdims {
                let shape = vec![1; t.ndim()];
                let t = result_tensor(&t, op, &shape, vec![r])?;
                Ok(Value::Tensor(t))
            } else if out_float {
                Ok(Value::Float(r.as_f64()))
            } else {
                Ok(Value::Int(r.as_i64()))
            }
        }
        Some(axis) => {
            let ax = norm_axis(axis, t.ndim(), &what)?;
            let mut shape: Vec<usize> = t.shape().to_vec();
            if shape[ax] == 0 && !matches!(op, AggOp::Sum | AggOp::Mean) {
                return Err(RuntimeError::value(format!("{what}: axis {axis} is empty")));
            }
            let lanes: Vec<Num> = with_tensor!(&t, a => {
                let mut out = Vec::with_capacity(a.len() / shape[ax].max(1));
                for lane in a.lanes(Axis(ax)) {
                    out.push(reduce(op, lane.iter().map(|x| x.to_num()), &what)?);
                }
                out
            });
            if keepdims {
                shape[ax] = 1;
            } else {
                shape.remove(ax);
            }
            Ok(Value::Tensor(result_tensor(&t, op, &shape, lanes)?))
        }
    }
}

/// `lanes()` yields lanes in the row-major order of the remaining axes,
/// which is the order of the result.
fn result_tensor(t: &Tensor, op: AggOp, shape: &[usize], data: Vec<Num>) -> Result<Tensor> {
    let dtype = match op {
        AggOp::Argmax | AggOp::Argmin => DType::I64,
        AggOp::Mean if !t.dtype().is_float() => DType::F32,
        AggOp::Mean => t.dtype(),
        AggOp::Sum if !t.dtype().is_float() => DType::I64,
        _ => t.dtype(),
    };
    super::nums_to_tensor(shape, &data, dtype)
}

fn reduce(op: AggOp, mut it: impl Iterator<Item = Num>, what: &str) -> Result<Num> {
    let empty = || RuntimeError::value(format!("{what}: the tensor is empty"));
    match op {
        AggOp::Sum | AggOp::Mean => {
            let mut fsum = 0.0f64;
            let mut isum = 0i64;
            let mut float = false;
            let mut n = 0usize;
            for x in it {
                n += 1;
                match x {
                    Num::Float(f) => {
                        float = true;
                        fsum += f;
                    }
                    other => isum = isum.wrapping_add(other.as_i64()),
                }
            }
            if op == AggOp::Mean {
                Ok(Num::Float((fsum + isum as f64) / n as f64))
            } else if float {
                Ok(Num::Float(fsum + isum as f64))
            } else {
                Ok(Num::Int(isum))
            }
        }
        AggOp::Max | AggOp::Min => {
            let first = it.next().ok_or_else(empty)?;
            let mut best = first;
            for x in it {
                let better = if op == AggOp::Max {
                    x.as_f64() > best.as_f64()
                } else {
                    x.as_f64() < best.as_f64()
                };
                if better || x.as_f64().is_nan() {
                    best = x;
                }
            }
            Ok(best)
        }
        AggOp::Argmax | AggOp::Argmin => {
            let first = it.next().ok_or_else(empty)?;
            let (mut best, mut best_i) = (first.as_f64(), 0usize);
            for (i, x) in it.enumerate() {
                let x = x.as_f64();
                let better = if op == AggOp::Argmax {
                    x > best
                } else {
                    x < best
                };
                if better {
                    best = x;
                    best_i = i + 1;
                }
            }
            Ok(Num::Int(best_i as i64))
        }
    }
}

/// Reads the `want_bool` of an optional parameter.
pub fn keepdims_param(v: Option<&Value>) -> Result<bool> {
    match v {
        None | Some(Value::Null) => Ok(false),
        Some(v) => want_bool(v, "MATH_AGGREGATE keepdims"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(shape: &[usize], data: Vec<f32>) -> Value {
        Value::Tensor(Tensor::from_vec(shape, data).unwrap())
    }

    #[test]
    fn scalar_rules() {
        let v = binary(BinaryOp::Div, &Value::Int(7), &Value::Int(2)).unwrap();
        assert!(matches!(v, Value::Float(x) if x == 3.5));
        let v = binary(BinaryOp::Mod, &Value::Int(-7), &Value::Int(3)).unwrap();
        assert!(matches!(v, Value::Int(2)));
        assert!(binary(BinaryOp::Div, &Value::Int(1), &Value::Int(0)).is_err());
    }

    #[test]
    fn broadcast_add() {
        let a = t(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]);
        let b = t(&[2], vec![10.0, 20.0]);
        let Value::Tensor(r) = binary(BinaryOp::Add, &a, &b).unwrap() else {
            panic!()
        };
        assert_eq!(r.to_string(), "[[11.0, 22.0], [13.0, 24.0]]");
    }

    #[test]
    fn softmax_sums_to_one() {
        let a = t(&[1, 3], vec![1.0, 2.0, 3.0]);
        let Value::Tensor(Tensor::F32(r)) = unary(UnaryOp::Softmax, &a).unwrap() else {
            panic!()
        };
        assert!((r.sum() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn aggregate_axis() {
        let a = t(&[2, 3], vec![1.0, 5.0, 3.0, 9.0, 2.0, 4.0]);
        let Value::Tensor(r) = aggregate(AggOp::Argmax, &a, Some(-1), false).unwrap() else {
            panic!()
        };
        assert_eq!(r.to_string(), "[1, 0]");
        let v = aggregate(AggOp::Sum, &a, None, false).unwrap();
        assert!(matches!(v, Value::Float(x) if x == 24.0));
        let Value::Tensor(r) = aggregate(AggOp::Max, &a, Some(0), true).unwrap() else {
            panic!()
        };
        assert_eq!(r.shape(), &[1, 3]);
    }
}
