//! Memory estimates: bytes of model weights and tensor values.

use omex_ir::{Dim, Module, Type};

/// Bytes of a value of type `ty`, when its dtype and every dimension (or its
/// declared bound) are known.
pub fn value_bytes(module: &Module, ty: &Type) -> Option<u64> {
    match ty {
        Type::Tensor(t) => {
            let dtype = t.dtype?;
            let mut n = dtype.size() as u64;
            for dim in t.shape.as_ref()? {
                let d = match dim {
                    Dim::Fixed(d) => *d,
                    Dim::Sym(name) => *module.dim_bounds.get(name)?,
                };
                n = n.checked_mul(d)?;
            }
            Some(n)
        }
        Type::Int | Type::Float => Some(8),
        Type::Bool => Some(1),
        _ => None,
    }
}
