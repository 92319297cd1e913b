//! Type annotations (`str`, `tensor<f32>[1, seq]`, `list<str>`) as IR types.

use omex_diagnostics::{Diagnostic, suggest};
use omex_ir::{Dim, TensorType, Type};
use omex_plan_syntax::ast::{self, DimKind};

use crate::codes;
use crate::types::{any_dim, dtype_by_name, dtype_names};

/// The type names an annotation may use.
pub const TYPE_NAMES: &[&str] = &[
    "str",
    "int",
    "float",
    "bool",
    "bytes",
    "tensor",
    "list",
    "dict",
    "image",
    "audio",
    "tokenizer",
    "encoding",
    "object",
    "json",
    "any",
];

/// The IR type an annotation denotes.
pub fn annotation(ty: &ast::Type) -> Result<Type, Box<Diagnostic>> {
    let name = ty.name.name.as_str();
    if name != "tensor" && ty.shape.is_some() {
        return Err(Box::new(
            Diagnostic::error(
                codes::UNKNOWN_TYPE,
                format!("`{name}` has no shape; only tensor types do"),
            )
            .with_primary(ty.span, "a shape on a non-tensor type")
            .with_help(format!("write `tensor<DTYPE>[...]`, or just `{name}`")),
        ));
    }
    let arity = match name {
        "tensor" | "list" => 1,
        _ => 0,
    };
    if ty.args.len() > arity {
        return Err(Box::new(
            Diagnostic::error(
                codes::UNKNOWN_TYPE,
                format!(
                    "`{name}` takes {} type argument{}",
                    if arity == 0 { "no" } else { "one" },
                    if arity == 0 { "s" } else { "" }
                ),
            )
            .with_primary(ty.span, "too many type arguments"),
        ));
    }
    Ok(match name {
        "str" => Type::Str,
        "int" => Type::Int,
        "float" => Type::Float,
        "bool" => Type::Bool,
        "bytes" => Type::Bytes,
        "dict" => Type::Dict(None),
        "image" => Type::Image,
        "audio" => Type::Audio,
        "tokenizer" => Type::Tokenizer,
        "encoding" => encoding_type(),
        "object" => Type::Opaque("object".into()),
        "json" | "any" => Type::Any,
        "list" => match ty.args.first() {
            Some(item) => Type::List(Box::new(annotation(item)?)),
            None => Type::List(Box::new(Type::Any)),
        },
        "tensor" => Type::Tensor(tensor_annotation(ty)?),
        _ => return Err(Box::new(unknown_type(ty))),
    })
}

/// What `encode` gives: the three tensors of a tokenizer encoding.
pub fn encoding_type() -> Type {
    encoding_of(Dim::Fixed(1))
}

/// An encoding of a batch of `batch` texts.
pub fn encoding_of(batch: Dim) -> Type {
    let t = Type::Tensor(TensorType::new(
        omex_ir::DType::I64,
        vec![batch, Dim::Sym("seq".into())],
    ));
    Type::Dict(Some(
        ["input_ids", "attention_mask", "token_type_ids"]
            .iter()
            .map(|n| (n.to_string(), t.clone()))
            .collect(),
    ))
}

/// A tensor annotation's dtype and shape.
pub fn tensor_annotation(ty: &ast::Type) -> Result<TensorType, Box<Diagnostic>> {
    if ty.name.name != "tensor" {
        return Err(Box::new(
            Diagnostic::error(
                codes::TYPE_MISMATCH,
                format!(
                    "model inputs and outputs are tensors, not `{}`",
                    ty.name.name
                ),
            )
            .with_primary(ty.span, "expected `tensor<DTYPE>[...]`"),
        ));
    }
    let dtype = match ty.args.first() {
        None => None,
        Some(arg) => {
            let name = arg.name.name.as_str();
            match dtype_by_name(name) {
                Some(d) if arg.args.is_empty() && arg.shape.is_none() => Some(d),
                _ => {
                    let mut d =
                        Diagnostic::error(codes::UNKNOWN_DTYPE, format!("unknown dtype `{name}`"))
                            .with_primary(arg.span, "not a dtype")
                            .with_note(format!("the dtypes are {}", dtype_names().join(", ")));
                    if let Some(best) = suggest::closest(name, dtype_names()) {
                        d = d.with_suggestion(
                            format!("did you mean `{best}`?"),
                            arg.name.span,
                            best,
                        );
                    }
                    return Err(Box::new(d));
                }
            }
        }
    };
    let shape = ty.shape.as_ref().map(|dims| {
        dims.iter()
            .map(|d| match &d.kind {
                DimKind::Fixed(n) => u64::try_from(*n).map_or_else(|_| any_dim(), Dim::Fixed),
                DimKind::Named(s) => Dim::Sym(s.clone()),
                DimKind::Any => any_dim(),
            })
            .collect()
    });
    Ok(TensorType { dtype, shape })
}

fn unknown_type(ty: &ast::Type) -> Diagnostic {
    let name = ty.name.name.as_str();
    let mut d = Diagnostic::error(codes::UNKNOWN_TYPE, format!("unknown type `{name}`"))
        .with_primary(ty.name.span, "not a type")
        .with_note(format!("the types are {}", TYPE_NAMES.join(", ")));
    if dtype_by_name(name).is_some() {
        let scalar = if name.starts_with('f') {
            "float"
        } else if name == "bool" {
            "bool"
        } else {
            "int"
        };
        return d.with_help(format!(
            "`{name}` is a tensor element type: write `tensor<{name}>` for a tensor, or `{scalar}` for a single number"
        ));
    }
    let alias = match name {
        "string" | "text" => Some("str"),
        "integer" | "i" => Some("int"),
        "double" | "number" => Some("float"),
        "boolean" => Some("bool"),
        _ => suggest::closest(name, TYPE_NAMES.iter().copied()),
    };
    if let Some(best) = alias {
        d = d.with_suggestion(format!("did you mean `{best}`?"), ty.name.span, best);
    }
    d
}
