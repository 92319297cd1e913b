//! Reads the signature of an ONNX model: the names, element types and shapes
//! of its graph inputs and outputs, plus the file's size and sha256.
//!
//! Only the few protobuf fields needed are declared (prost skips the rest),
//! so no `.proto` compilation and no ONNX Runtime are involved: the compiler
//! can check `model(input_ids: ...)` against the real model.

use std::path::Path;

use omex_ir::{DType, Dim, ModelPort, TensorType};
use prost::Message;
use sha2::{Digest, Sha256};

#[derive(Clone, PartialEq, Message)]
struct ModelProto {
    #[prost(message, optional, tag = "7")]
    graph: Option<GraphProto>,
}

#[derive(Clone, PartialEq, Message)]
struct GraphProto {
    #[prost(message, repeated, tag = "5")]
    initializer: Vec<TensorProto>,
    #[prost(message, repeated, tag = "11")]
    input: Vec<ValueInfoProto>,
    #[prost(message, repeated, tag = "12")]
    output: Vec<ValueInfoProto>,
}

#[derive(Clone, PartialEq, Message)]
struct TensorProto {
    #[prost(string, tag = "8")]
    name: String,
}

#[derive(Clone, PartialEq, Message)]
struct ValueInfoProto {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(message, optional, tag = "2")]
    r#type: Option<TypeProto>,
}

#[derive(Clone, PartialEq, Message)]
struct TypeProto {
    #[prost(message, optional, tag = "1")]
    tensor_type: Option<TensorTypeProto>,
}

#[derive(Clone, PartialEq, Message)]
struct TensorTypeProto {
    #[prost(int32, tag = "1")]
    elem_type: i32,
    #[prost(message, optional, tag = "2")]
    shape: Option<TensorShapeProto>,
}

#[derive(Clone, PartialEq, Message)]
struct TensorShapeProto {
    #[prost(message, repeated, tag = "1")]
    dim: Vec<DimensionProto>,
}

#[derive(Clone, PartialEq, Message)]
struct DimensionProto {
    #[prost(int64, optional, tag = "1")]
    dim_value: Option<i64>,
    #[prost(string, optional, tag = "2")]
    dim_param: Option<String>,
}

/// What the compiler knows about a model file.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    pub inputs: Vec<ModelPort>,
    pub outputs: Vec<ModelPort>,
    pub size: u64,
    pub sha256: [u8; 32],
}

#[derive(Debug)]
pub enum Error {
    Io(std::io::Error),
    /// The bytes are not an ONNX model (protobuf decoding failed or no graph).
    NotOnnx(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io(e) => write!(f, "{e}"),
            Error::NotOnnx(why) => write!(f, "not an ONNX model: {why}"),
        }
    }
}

/// ONNX `TensorProto.DataType` -> MEP dtype.
fn dtype(elem_type: i32) -> Option<DType> {
    Some(match elem_type {
        1 => DType::F32,
        2 => DType::U8,
        3 => DType::I8,
        5 => DType::I16,
        6 => DType::I32,
        7 => DType::I64,
        9 => DType::Bool,
        10 => DType::F16,
        11 => DType::F64,
        16 => DType::BF16,
        _ => return None,
    })
}

fn port(info: &ValueInfoProto) -> ModelPort {
    let tensor = info.r#type.as_ref().and_then(|t| t.tensor_type.as_ref());
    let ty = TensorType {
        dtype: tensor.and_then(|t| dtype(t.elem_type)),
        shape: tensor.and_then(|t| t.shape.as_ref()).map(|shape| {
            shape
                .dim
                .iter()
                .enumerate()
                .map(|(i, d)| match (d.dim_value, &d.dim_param) {
                    (Some(v), _) if v > 0 => Dim::Fixed(v as u64),
                    (_, Some(p)) if !p.is_empty() => Dim::Sym(p.clone()),
                    _ => Dim::Sym(format!("{}_{i}", info.name)),
                })
                .collect()
        }),
    };
    ModelPort {
        name: info.name.clone(),
        ty,
    }
}

/// Reads the signature from ONNX bytes.
pub fn signature_from_bytes(bytes: &[u8]) -> Result<Signature, Error> {
    let model = ModelProto::decode(bytes).map_err(|e| Error::NotOnnx(e.to_string()))?;
    let graph = model
        .graph
        .ok_or_else(|| Error::NotOnnx("the file has no graph".into()))?;
    let initializers: std::collections::HashSet<&str> =
        graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs = graph
        .input
        .iter()
        .filter(|i| !initializers.contains(i.name.as_str()))
        .map(port)
        .collect();
    let outputs = graph.output.iter().map(port).collect();
    Ok(Signature {
        inputs,
        outputs,
        size: bytes.len() as u64,
        sha256: Sha256::digest(bytes).into(),
    })
}

pub fn read_signature(path: &Path) -> Result<Signature, Error> {
    let bytes = std::fs::read(path).map_err(Error::Io)?;
    signature_from_bytes(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shared_minilm_signature() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/models/minilm-l6-int8/model.onnx");
        let sig = read_signature(&path).unwrap();
        let names: Vec<&str> = sig.inputs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["input_ids", "attention_mask", "token_type_ids"]);
        assert_eq!(sig.inputs[0].ty.dtype, Some(DType::I64));
        assert_eq!(sig.outputs[0].name, "last_hidden_state");
        assert_eq!(sig.outputs[0].ty.dtype, Some(DType::F32));
        let shape = sig.outputs[0].ty.shape.as_ref().unwrap();
        assert_eq!(shape.len(), 3);
        assert_eq!(shape[2], Dim::Fixed(384));
        assert_eq!(sig.size, std::fs::metadata(&path).unwrap().len());
    }

    #[test]
    fn garbage_is_not_onnx() {
        assert!(matches!(
            signature_from_bytes(b"\xff\xff\xff"),
            Err(Error::NotOnnx(_))
        ));
        assert!(matches!(signature_from_bytes(b""), Err(Error::NotOnnx(_))));
    }
}
