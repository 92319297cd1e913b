//! IR types: what a value is, as far as the compiler knows.

use std::fmt;

pub use omex_mep::subtype::DType;

/// One dimension of a tensor shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dim {
    Fixed(u64),
    /// A named dimension (`seq`, `batch`); its upper bound, if declared, is
    /// in [`Module::dim_bounds`](crate::Module::dim_bounds).
    Sym(String),
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Fixed(n) => write!(f, "{n}"),
            Dim::Sym(s) => f.write_str(s),
        }
    }
}

/// A tensor type: element type and shape, each possibly unknown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TensorType {
    pub dtype: Option<DType>,
    /// `None`: the rank is unknown.
    pub shape: Option<Vec<Dim>>,
}

impl TensorType {
    pub fn new(dtype: DType, shape: Vec<Dim>) -> Self {
        Self {
            dtype: Some(dtype),
            shape: Some(shape),
        }
    }

    pub fn of(dtype: DType) -> Self {
        Self {
            dtype: Some(dtype),
            shape: None,
        }
    }
}

/// The type of an IR value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Tensor(TensorType),
    Int,
    Float,
    Bool,
    Str,
    Bytes,
    List(Box<Type>),
    /// A string-keyed dictionary; `fields` lists the keys known at compile
    /// time with their types (model outputs, tokenizer encodings).
    Dict(Option<Vec<(String, Type)>>),
    Model,
    Tokenizer,
    Image,
    Audio,
    /// A host object (scheduler, ...), named by its kind.
    Opaque(String),
    /// Not known at compile time (data files, host function results).
    Any,
}

impl Type {
    pub fn tensor(dtype: DType, shape: Vec<Dim>) -> Type {
        Type::Tensor(TensorType::new(dtype, shape))
    }

    /// Whether a value of type `self` is acceptable where `expected` is wanted.
    /// Unknown parts (`Any`, unknown dtype or shape) are compatible with anything.
    pub fn fits(&self, expected: &Type) -> bool {
        match (self, expected) {
            (Type::Any, _) | (_, Type::Any) => true,
            (Type::Tensor(a), Type::Tensor(b)) => {
                let dtype_ok = match (a.dtype, b.dtype) {
                    (Some(x), Some(y)) => x == y,
                    _ => true,
                };
                let shape_ok = match (&a.shape, &b.shape) {
                    (Some(x), Some(y)) => {
                        x.len() == y.len()
                            && x.iter().zip(y).all(|(p, q)| match (p, q) {
                                (Dim::Fixed(m), Dim::Fixed(n)) => m == n,
                                _ => true,
                            })
                    }
                    _ => true,
                };
                dtype_ok && shape_ok
            }
            (Type::List(a), Type::List(b)) => a.fits(b),
            (Type::Dict(_), Type::Dict(_)) => true,
            (Type::Opaque(_), Type::Opaque(_)) => true,
            (a, b) => a == b,
        }
    }

    /// Field type of a dict with known fields.
    pub fn field(&self, name: &str) -> Option<&Type> {
        match self {
            Type::Dict(Some(fields)) => fields.iter().find(|(n, _)| n == name).map(|(_, t)| t),
            _ => None,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Tensor(t) => {
                f.write_str("tensor")?;
                if let Some(d) = t.dtype {
                    write!(f, "<{d}>")?;
                }
                if let Some(shape) = &t.shape {
                    f.write_str("[")?;
                    for (i, d) in shape.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{d}")?;
                    }
                    f.write_str("]")?;
                }
                Ok(())
            }
            Type::Int => f.write_str("int"),
            Type::Float => f.write_str("float"),
            Type::Bool => f.write_str("bool"),
            Type::Str => f.write_str("str"),
            Type::Bytes => f.write_str("bytes"),
            Type::List(t) => write!(f, "list<{t}>"),
            Type::Dict(None) => f.write_str("dict"),
            Type::Dict(Some(fields)) => {
                f.write_str("dict{")?;
                for (i, (name, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name}: {t}")?;
                }
                f.write_str("}")
            }
            Type::Model => f.write_str("model"),
            Type::Tokenizer => f.write_str("tokenizer"),
            Type::Image => f.write_str("image"),
            Type::Audio => f.write_str("audio"),
            Type::Opaque(kind) => write!(f, "opaque<{kind}>"),
            Type::Any => f.write_str("any"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_parts_fit_anything() {
        let known = Type::tensor(DType::F32, vec![Dim::Fixed(1), Dim::Sym("seq".into())]);
        assert!(known.fits(&Type::Tensor(TensorType::of(DType::F32))));
        assert!(known.fits(&Type::tensor(
            DType::F32,
            vec![Dim::Fixed(1), Dim::Fixed(7)]
        )));
        assert!(!known.fits(&Type::tensor(
            DType::I64,
            vec![Dim::Fixed(1), Dim::Fixed(7)]
        )));
        assert!(!known.fits(&Type::tensor(
            DType::F32,
            vec![Dim::Fixed(2), Dim::Fixed(7)]
        )));
        assert!(Type::Any.fits(&Type::Str));
        assert_eq!(known.to_string(), "tensor<f32>[1, seq]");
    }
}
