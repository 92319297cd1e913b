//! Tensors: n-dimensional arrays of one element type, shared cheaply.
//!
//! A [`Tensor`] is an [`ndarray::ArcArray`] of one of the supported element
//! types: cloning it (copying a slot, passing it to a model) shares the
//! payload; a write to a shared payload copies it first.

use std::fmt;

use half::f16;
use ndarray::{ArcArray, ArrayD, IxDyn};

use crate::error::{Result, RuntimeError};

/// A shared n-dimensional array.
pub type Arr<T> = ArcArray<T, IxDyn>;

/// The element types a tensor can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    U8,
    I32,
    I64,
    F16,
    F32,
    F64,
}

/// Every supported element type, for messages.
pub const DTYPES: [DType; 7] = [
    DType::F32,
    DType::F64,
    DType::F16,
    DType::I64,
    DType::I32,
    DType::U8,
    DType::Bool,
];

impl DType {
    /// The short name used in MEP (`f32`, `i64`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "u8",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::F16 => "f16",
            DType::F32 => "f32",
            DType::F64 => "f64",
        }
    }

    /// The NumPy name, used in JSON output (`float32`, `int64`, ...).
    pub fn numpy_name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "uint8",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F16 => "float16",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// Parses a dtype name: short (`f32`) or NumPy-style (`float32`).
    pub fn parse(name: &str) -> Option<DType> {
        Some(match name {
            "bool" => DType::Bool,
            "u8" | "uint8" => DType::U8,
            "i32" | "int32" => DType::I32,
            "i64" | "int64" | "int" => DType::I64,
            "f16" | "float16" | "half" => DType::F16,
            "f32" | "float32" | "float" => DType::F32,
            "f64" | "float64" | "double" => DType::F64,
            _ => return None,
        })
    }

    /// The runtime dtype of a MEP dtype code.
    pub fn from_mep(dtype: omex_mep::subtype::DType) -> Result<DType> {
        use omex_mep::subtype::DType as M;
        Ok(match dtype {
            M::F32 => DType::F32,
            M::F64 => DType::F64,
            M::F16 => DType::F16,
            M::I32 => DType::I32,
            M::I64 => DType::I64,
            M::U8 => DType::U8,
            M::Bool => DType::Bool,
            M::BF16 | M::I16 | M::I8 => {
                return Err(RuntimeError::unsupported(format!(
                    "dtype {} is not supported by this runtime",
                    dtype.name()
                ))
                .with_help(format!("supported dtypes: {}", dtype_list())));
            }
        })
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::F32 | DType::F64)
    }

    pub fn is_int(self) -> bool {
        matches!(self, DType::U8 | DType::I32 | DType::I64)
    }

    /// The type both operands of an arithmetic operation are converted to.
    pub fn promote(a: DType, b: DType) -> DType {
        a.max(b)
    }

    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::U8 => 1,
            DType::F16 => 2,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 => 8,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `f32, f64, f16, i64, i32, u8, bool`
pub fn dtype_list() -> String {
    DTYPES.map(DType::name).join(", ")
}

/// A scalar of any element type, for conversions between element types.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Num {
    pub fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
            Num::Bool(b) => f64::from(u8::from(b)),
        }
    }

    pub fn as_i64(self) -> i64 {
        match self {
            Num::Int(i) => i,
            Num::Float(f) => f as i64,
            Num::Bool(b) => i64::from(b),
        }
    }

    /// Numeric equality, with NaN equal to NaN (used to check lossless conversion).
    pub fn same(self, other: Num) -> bool {
        match (self, other) {
            (Num::Float(a), Num::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Num::Float(f), Num::Int(i)) | (Num::Int(i), Num::Float(f)) => {
                f == i as f64 && f.fract() == 0.0 && (f as i64) == i
            }
            (a, b) => a.as_i64() == b.as_i64() && a.as_f64() == b.as_f64(),
        }
    }
}

/// An element type of a tensor.
pub trait Elem: Copy + Default + PartialOrd + fmt::Debug + Send + Sync + 'static {
    const DTYPE: DType;
    fn to_num(self) -> Num;
    fn from_num(n: Num) -> Self;
    fn wrap(a: Arr<Self>) -> Tensor;
    fn unwrap(t: &Tensor) -> Option<&Arr<Self>>;
    fn to_f64(self) -> f64 {
        self.to_num().as_f64()
    }
}

macro_rules! int_elem {
    ($t:ty, $variant:ident) => {
        impl Elem for $t {
            const DTYPE: DType = DType::$variant;
            fn to_num(self) -> Num {
                Num::Int(self as i64)
            }
            fn from_num(n: Num) -> Self {
                match n {
                    Num::Int(i) => i as $t,
                    Num::Float(f) => f as $t,
                    Num::Bool(b) => <$t>::from(b),
                }
            }
            fn wrap(a: Arr<Self>) -> Tensor {
                Tensor::$variant(a)
            }
            fn unwrap(t: &Tensor) -> Option<&Arr<Self>> {
                match t {
                    Tensor::$variant(a) => Some(a),
                    _ => None,
                }
            }
        }
    };
}

int_elem!(u8, U8);
int_elem!(i32, I32);
int_elem!(i64, I64);

impl Elem for f32 {
    const DTYPE: DType = DType::F32;
    fn to_num(self) -> Num {
        Num::Float(self as f64)
    }
    fn from_num(n: Num) -> Self {
        n.as_f64() as f32
    }
    fn wrap(a: Arr<Self>) -> Tensor {
        Tensor::F32(a)
    }
    fn unwrap(t: &Tensor) -> Option<&Arr<Self>> {
        match t {
            Tensor::F32(a) => Some(a),
            _ => None,
        }
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Elem for f64 {
    const DTYPE: DType = DType::F64;
    fn to_num(self) -> Num {
        Num::Float(self)
    }
    fn from_num(n: Num) -> Self {
        n.as_f64()
    }
    fn wrap(a: Arr<Self>) -> Tensor {
        Tensor::F64(a)
    }
    fn unwrap(t: &Tensor) -> Option<&Arr<Self>> {
        match t {
            Tensor::F64(a) => Some(a),
            _ => None,
        }
    }
    fn to_f64(self) -> f64 {
        self
    }
}

impl Elem for f16 {
    const DTYPE: DType = DType::F16;
    fn to_num(self) -> Num {
        Num::Float(self.to_f64())
    }
    fn from_num(n: Num) -> Self {
        f16::from_f64(n.as_f64())
    }
    fn wrap(a: Arr<Self>) -> Tensor {
        Tensor::F16(a)
    }
    fn unwrap(t: &Tensor) -> Option<&Arr<Self>> {
        match t {
            Tensor::F16(a) => Some(a),
            _ => None,
        }
    }
}

impl Elem for bool {
    const DTYPE: DType = DType::Bool;
    fn to_num(self) -> Num {
        Num::Bool(self)
    }
    fn from_num(n: Num) -> Self {
        match n {
            Num::Bool(b) => b,
            Num::Int(i) => i != 0,
            Num::Float(f) => f != 0.0,
        }
    }
    fn wrap(a: Arr<Self>) -> Tensor {
        Tensor::Bool(a)
    }
    fn unwrap(t: &Tensor) -> Option<&Arr<Self>> {
        match t {
            Tensor::Bool(a) => Some(a),
            _ => None,
        }
    }
}

/// An n-dimensional array of one element type.
#[derive(Debug, Clone)]
pub enum Tensor {
    F32(Arr<f32>),
    F64(Arr<f64>),
    F16(Arr<f16>),
    I64(Arr<i64>),
    I32(Arr<i32>),
    U8(Arr<u8>),
    Bool(Arr<bool>),
}

/// Runs `$body` with `$a` bound to the array inside a tensor, whatever its
/// element type.
#[macro_export]
#[doc(hidden)]
macro_rules! with_tensor {
    ($t:expr, $a:ident => $body:expr) => {
        match $t {
            $crate::tensor::Tensor::F32($a) => $body,
            $crate::tensor::Tensor::F64($a) => $body,
            $crate::tensor::Tensor::F16($a) => $body,
            $crate::tensor::Tensor::I64($a) => $body,
            $crate::tensor::Tensor::I32($a) => $body,
            $crate::tensor::Tensor::U8($a) => $body,
            $crate::tensor::Tensor::Bool($a) => $body,
        }
    };
}

/// Like [`with_tensor!`], and wraps the resulting array back into a tensor
/// of the same variant.
#[macro_export]
#[doc(hidden)]
macro_rules! map_tensor {
    ($t:expr, $a:ident => $body:expr) => {
        match $t {
            $crate::tensor::Tensor::F32($a) => $crate::tensor::Tensor::F32($body),
            $crate::tensor::Tensor::F64($a) => $crate::tensor::Tensor::F64($body),
            $crate::tensor::Tensor::F16($a) => $crate::tensor::Tensor::F16($body),
            $crate::tensor::Tensor::I64($a) => $crate::tensor::Tensor::I64($body),
            $crate::tensor::Tensor::I32($a) => $crate::tensor::Tensor::I32($body),
            $crate::tensor::Tensor::U8($a) => $crate::tensor::Tensor::U8($body),
            $crate::tensor::Tensor::Bool($a) => $crate::tensor::Tensor::Bool($body),
        }
    };
}

pub(crate) use {map_tensor, with_tensor};

impl Tensor {
    pub fn dtype(&self) -> DType {
        match self {
            Tensor::F32(_) => DType::F32,
            Tensor::F64(_) => DType::F64,
            Tensor::F16(_) => DType::F16,
            Tensor::I64(_) => DType::I64,
            Tensor::I32(_) => DType::I32,
            Tensor::U8(_) => DType::U8,
            Tensor::Bool(_) => DType::Bool,
        }
    }

    pub fn shape(&self) -> &[usize] {
        with_tensor!(self, a => a.shape())
    }

    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        with_tensor!(self, a => a.len())
    }

    /// `f32 tensor [1, 9, 384]`
    pub fn describe(&self) -> String {
        format!("{} tensor {}", self.dtype(), shape_str(self.shape()))
    }

    /// Builds a tensor from a flat row-major vector.
    pub fn from_vec<T: Elem>(shape: &[usize], data: Vec<T>) -> Result<Tensor> {
        let expected: usize = shape.iter().product();
        if expected != data.len() {
            return Err(RuntimeError::shape(format!(
                "shape {} needs {expected} elements, found {}",
                shape_str(shape),
                data.len()
            )));
        }
        ArrayD::from_shape_vec(IxDyn(shape), data)
            .map(|a| T::wrap(a.into_shared()))
            .map_err(|e| RuntimeError::shape(e.to_string()))
    }

    /// A 0-dimensional tensor holding one value.
    pub fn scalar<T: Elem>(value: T) -> Tensor {
        T::wrap(ArrayD::from_elem(IxDyn(&[]), value).into_shared())
    }

    /// Wraps an owned array.
    pub fn from_array<T: Elem>(a: ArrayD<T>) -> Tensor {
        T::wrap(a.into_shared())
    }

    /// The element at a flat row-major position.
    pub fn get_flat(&self, i: usize) -> Option<Num> {
        with_tensor!(self, a => match a.as_slice() {
            Some(s) => s.get(i).map(|x| x.to_num()),
            None => a.iter().nth(i).map(|x| x.to_num()),
        })
    }

    /// The single element of a one-element tensor.
    pub fn single(&self) -> Option<Num> {
        if self.numel() == 1 {
            self.get_flat(0)
        } else {
            None
        }
    }

    /// Every element in row-major order.
    pub fn nums(&self) -> Vec<Num> {
        with_tensor!(self, a => a.iter().map(|x| x.to_num()).collect())
    }

    /// Converts to another element type (C-style: floats truncate toward zero
    /// and saturate when converted to integers). Shares the payload when the
    /// type does not change.
    pub fn cast(&self, to: DType) -> Tensor {
        if self.dtype() == to {
            return self.clone();
        }
        with_tensor!(self, a => cast_array(a, to))
    }

    /// Converts to another element type only if every value survives the
    /// round trip exactly; `None` otherwise.
    pub fn cast_lossless(&self, to: DType) -> Option<Tensor> {
        if self.dtype() == to {
            return Some(self.clone());
        }
        let out = self.cast(to);
        let back = with_tensor!(&out, b => b.iter().map(|x| x.to_num()).collect::<Vec<_>>());
        let same = with_tensor!(self, a => a.iter().zip(&back).all(|(x, y)| x.to_num().same(*y)));
        same.then_some(out)
    }

    /// The data as f32, converting if needed.
    pub fn to_f32(&self) -> Arr<f32> {
        match self {
            Tensor::F32(a) => a.clone(),
            other => match other.cast(DType::F32) {
                Tensor::F32(a) => a,
                _ => Arr::from_elem(IxDyn(&[]), 0.0),
            },
        }
    }

    /// The data as f64, converting if needed.
    pub fn to_f64(&self) -> Arr<f64> {
        match self {
            Tensor::F64(a) => a.clone(),
            other => match other.cast(DType::F64) {
                Tensor::F64(a) => a,
                _ => Arr::from_elem(IxDyn(&[]), 0.0),
            },
        }
    }

    /// The data as i64, converting if needed.
    pub fn to_i64(&self) -> Arr<i64> {
        match self {
            Tensor::I64(a) => a.clone(),
            other => match other.cast(DType::I64) {
                Tensor::I64(a) => a,
                _ => Arr::from_elem(IxDyn(&[]), 0),
            },
        }
    }

    /// Whether the data is contiguous in row-major order.
    pub fn is_standard_layout(&self) -> bool {
        with_tensor!(self, a => a.is_standard_layout())
    }

    /// The same tensor with a contiguous row-major layout (shares the
    /// payload when it already is).
    pub fn to_standard_layout(&self) -> Tensor {
        if self.is_standard_layout() {
            return self.clone();
        }
        map_tensor!(self, a => a.as_standard_layout().into_owned().into_shared())
    }
}

fn cast_array<A: Elem>(a: &Arr<A>, to: DType) -> Tensor {
    fn go<A: Elem, B: Elem>(a: &Arr<A>) -> Tensor {
        B::wrap(a.mapv(|x| B::from_num(x.to_num())).into_shared())
    }
    match to {
        DType::F32 => go::<A, f32>(a),
        DType::F64 => go::<A, f64>(a),
        DType::F16 => go::<A, f16>(a),
        DType::I64 => go::<A, i64>(a),
        DType::I32 => go::<A, i32>(a),
        DType::U8 => go::<A, u8>(a),
        DType::Bool => go::<A, bool>(a),
    }
}

/// `[1, 9, 384]`
pub fn shape_str(shape: &[usize]) -> String {
    let mut s = String::from("[");
    for (i, d) in shape.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&d.to_string());
    }
    s.push(']');
    s
}

/// Formats a float the way the runtime prints it: the shortest form that
/// reads back exactly, with `.0` for whole numbers.
pub fn fmt_float(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{x:?}")
    }
}

fn fmt_f32(x: f32) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{x:?}")
    }
}

pub(crate) fn fmt_num_elem<T: Elem>(x: T) -> String {
    match T::DTYPE {
        DType::F32 | DType::F16 => fmt_f32(x.to_f64() as f32),
        _ => match x.to_num() {
            Num::Int(i) => i.to_string(),
            Num::Float(f) => fmt_float(f),
            Num::Bool(b) => b.to_string(),
        },
    }
}

/// Tensors with more elements than this print as a summary.
const PRINT_LIMIT: usize = 256;

impl fmt::Display for Tensor {
    /// Nested brackets (`[[1, 2], [3, 4]]`) for small tensors, a summary
    /// (`<f32 tensor [1, 9, 384]>`) for large ones; a 0-d tensor prints its value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.numel() > PRINT_LIMIT {
            return write!(f, "<{}>", self.describe());
        }
        with_tensor!(self, a => {
            let items: Vec<String> = a.iter().map(|x| fmt_num_elem(*x)).collect();
            write_nested(f, a.shape(), &items)
        })
    }
}

fn write_nested(f: &mut fmt::Formatter<'_>, shape: &[usize], items: &[String]) -> fmt::Result {
    match shape.split_first() {
        None => f.write_str(items.first().map_or("", String::as_str)),
        Some((&n, rest)) => {
            let stride: usize = rest.iter().product();
            f.write_str("[")?;
            for i in 0..n {
                if i > 0 {
                    f.write_str(", ")?;
                }
                let part = items.get(i * stride..(i + 1) * stride).unwrap_or(&[]);
                write_nested(f, rest, part)?;
            }
            f.write_str("]")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossless_casts() {
        let t = Tensor::from_vec(&[3], vec![1i64, 2, 3]).unwrap();
        assert!(t.cast_lossless(DType::I32).is_some());
        assert!(t.cast_lossless(DType::F32).is_some());
        let big = Tensor::from_vec(&[1], vec![i64::MAX]).unwrap();
        assert!(big.cast_lossless(DType::I32).is_none());
        let f = Tensor::from_vec(&[2], vec![0.5f32, 1.0]).unwrap();
        assert!(f.cast_lossless(DType::I64).is_none());
        assert!(f.cast_lossless(DType::F64).is_some());
    }

    #[test]
    fn display_nested() {
        let t = Tensor::from_vec(&[2, 2], vec![1i64, 2, 3, 4]).unwrap();
        assert_eq!(t.to_string(), "[[1, 2], [3, 4]]");
        assert_eq!(Tensor::scalar(0.5f32).to_string(), "0.5");
    }
}
