//! The values a context slot can hold.

use std::fmt;
use std::sync::Arc;

use omex_mep::Constant;
use serde_json::json;

use crate::error::{Result, RuntimeError};
use crate::host::HostObject;
use crate::tensor::{Num, Tensor, fmt_float, with_tensor};
use crate::tokenizer::TokenizerHandle;

/// A value in a context slot. Large payloads (strings, lists, tensors) are
/// reference-counted, so copying a value between slots is cheap.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
    List(Arc<Vec<Value>>),
    Dict(Arc<Dict>),
    Tensor(Tensor),
    /// A model of the model table, by id.
    Model(u8),
    Tokenizer(Arc<TokenizerHandle>),
    Image(Arc<Image>),
    Audio(Arc<Audio>),
    /// An object provided by the host (`RES_LOAD_EXTERN kind=host_object`).
    Host(Arc<dyn HostObject>),
}

/// An insertion-ordered map from strings to values.
#[derive(Debug, Clone, Default)]
pub struct Dict {
    entries: Vec<(Arc<str>, Value)>,
}

impl Dict {
    pub fn new() -> Self {
        Dict::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Dict {
            entries: Vec::with_capacity(n),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v)
    }

    /// Inserts or replaces; a new key goes last.
    pub fn insert(&mut self, key: impl Into<Arc<str>>, value: Value) {
        let key = key.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| &**k)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }

    /// `"a", "b", "c"` for messages.
    pub fn key_list(&self) -> String {
        let keys: Vec<String> = self.keys().map(|k| format!("\"{k}\"")).collect();
        if keys.is_empty() {
            "(none)".into()
        } else {
            keys.join(", ")
        }
    }
}

/// An 8-bit image (from `FORMAT_TO_IMAGE`): pixels row by row, channels interleaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// 1 (gray), 3 (RGB) or 4 (RGBA).
    pub channels: u8,
    pub pixels: Vec<u8>,
}

/// Mono 16-bit PCM audio (from `FORMAT_TO_AUDIO`), with its WAV encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audio {
    pub sample_rate: u32,
    pub samples: Vec<i16>,
    /// The complete WAV file.
    pub wav: Vec<u8>,
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }

    pub fn dict(d: Dict) -> Value {
        Value::Dict(Arc::new(d))
    }

    /// The type's name: `int`, `str`, `tensor`, ...
    pub fn type_name(&self) -> &str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Tensor(_) => "tensor",
            Value::Model(_) => "model",
            Value::Tokenizer(_) => "tokenizer",
            Value::Image(_) => "image",
            Value::Audio(_) => "audio",
            Value::Host(h) => h.type_name(),
        }
    }

    /// The type with its shape or size: `f32 tensor [1, 9, 384]`, `list of 3`.
    pub fn describe(&self) -> String {
        match self {
            Value::Tensor(t) => t.describe(),
            Value::List(l) => format!("list of {}", l.len()),
            Value::Dict(d) => format!("dict with keys {}", d.key_list()),
            Value::Image(i) => format!("image {}x{}x{}", i.height, i.width, i.channels),
            Value::Audio(a) => format!(
                "audio ({} samples at {} Hz)",
                a.samples.len(),
                a.sample_rate
            ),
            Value::Bytes(b) => format!("bytes ({})", b.len()),
            other => other.type_name().to_string(),
        }
    }

    /// A number, from an int, float, bool or one-element tensor.
    pub fn as_num(&self) -> Option<Num> {
        match self {
            Value::Int(i) => Some(Num::Int(*i)),
            Value::Float(f) => Some(Num::Float(*f)),
            Value::Bool(b) => Some(Num::Bool(*b)),
            Value::Tensor(t) => t.single(),
            _ => None,
        }
    }

    /// An integer, from an int or a one-element integer tensor.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Tensor(t) if t.dtype().is_int() => t.single().map(Num::as_i64),
            _ => None,
        }
    }

    /// A float, from a float, an int, or a one-element numeric tensor.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Tensor(t) if t.dtype() != crate::tensor::DType::Bool => {
                t.single().map(Num::as_f64)
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a constant-pool entry.
    pub fn from_constant(c: &Constant) -> Value {
        match c {
            Constant::Null => Value::Null,
            Constant::Bool(b) => Value::Bool(*b),
            Constant::Int(i) => Value::Int(*i),
            Constant::Float(f) => Value::Float(*f),
            Constant::Str(s) => Value::str(s),
            Constant::Bytes(b) => Value::Bytes(Arc::from(b.as_slice())),
            Constant::IntList(l) => Value::list(l.iter().map(|i| Value::Int(*i)).collect()),
            Constant::FloatList(l) => {
                Value::list(l.iter().map(|f| Value::Float(*f as f64)).collect())
            }
            Constant::StrList(l) => Value::list(l.iter().map(|s| Value::str(s)).collect()),
        }
    }

    /// Parses JSON text: integers that fit i64 become ints, other numbers
    /// floats, arrays lists, objects dicts (keys in file order).
    pub fn parse_json(text: &str) -> std::result::Result<Value, serde_json::Error> {
        serde_json::from_str::<json_in::JsonValue>(text).map(|j| j.0)
    }

    /// JSON form: tensors as `{"dtype", "shape", "data"}` with the data flat
    /// in row-major order; non-finite floats as `null`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => json!(b),
            Value::Int(i) => json!(i),
            Value::Float(f) => float_json(*f),
            Value::Str(s) => json!(&**s),
            Value::Bytes(b) => json!({"type": "bytes", "len": b.len(), "hex": hex(b)}),
            Value::List(l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect()),
            Value::Dict(d) => {
                let mut map = serde_json::Map::new();
                for (k, v) in d.iter() {
                    map.insert(k.to_string(), v.to_json());
                }
                serde_json::Value::Object(map)
            }
            Value::Tensor(t) => tensor_json(t),
            Value::Model(m) => json!({"type": "model", "id": m}),
            Value::Tokenizer(t) => {
                json!({"type": "tokenizer", "path": t.path.display().to_string()})
            }
            Value::Image(i) => json!({
                "type": "image", "width": i.width, "height": i.height, "channels": i.channels
            }),
            Value::Audio(a) => json!({
                "type": "audio", "sample_rate": a.sample_rate, "samples": a.samples.len()
            }),
            Value::Host(h) => json!({"type": h.type_name()}),
        }
    }
}

/// Deserialising JSON straight into values, keeping the key order of objects.
mod json_in {
    use std::fmt;

    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    use super::{Dict, Value};

    pub struct JsonValue(pub Value);

    impl<'de> Deserialize<'de> for JsonValue {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(JsonVisitor)
        }
    }

    struct JsonVisitor;

    impl<'de> Visitor<'de> for JsonVisitor {
        type Value = JsonValue;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_bool<E>(self, b: bool) -> Result<JsonValue, E> {
            Ok(JsonValue(Value::Bool(b)))
        }

        fn visit_i64<E>(self, i: i64) -> Result<JsonValue, E> {
            Ok(JsonValue(Value::Int(i)))
        }

        fn visit_u64<E>(self, u: u64) -> Result<JsonValue, E> {
            Ok(JsonValue(match i64::try_from(u) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Float(u as f64),
            }))
        }

        fn visit_f64<E>(self, f: f64) -> Result<JsonValue, E> {
            Ok(JsonValue(Value::Float(f)))
        }

        fn visit_str<E>(self, s: &str) -> Result<JsonValue, E> {
            Ok(JsonValue(Value::str(s)))
        }

        fn visit_unit<E>(self) -> Result<JsonValue, E> {
            Ok(JsonValue(Value::Null))
        }

        fn visit_none<E>(self) -> Result<JsonValue, E> {
            Ok(JsonValue(Value::Null))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonValue, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(JsonValue(v)) = seq.next_element()? {
                items.push(v);
            }
            Ok(JsonValue(Value::list(items)))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonValue, A::Error> {
            let mut d = Dict::new();
            while let Some((k, JsonValue(v))) = map.next_entry::<String, JsonValue>()? {
                d.insert(k, v);
            }
            Ok(JsonValue(Value::dict(d)))
        }
    }
}

fn float_json(f: f64) -> serde_json::Value {
    serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `{"dtype": "float32", "shape": [..], "data": [..]}`
pub fn tensor_json(t: &Tensor) -> serde_json::Value {
    let data: Vec<serde_json::Value> = with_tensor!(t, a => a.iter().map(|x| {
        use crate::tensor::Elem;
        match x.to_num() {
            Num::Int(i) => json!(i),
            // f32 values print in their shortest f32 form (0.1, not 0.10000000149011612).
            Num::Float(f) => match t.dtype() {
                crate::tensor::DType::F64 => float_json(f),
                _ => format!("{:?}", f as f32).parse::<f64>().map_or(serde_json::Value::Null, float_json),
            },
            Num::Bool(b) => json!(b),
        }
    }).collect());
    json!({
        "dtype": t.dtype().numpy_name(),
        "shape": t.shape(),
        "data": data,
    })
}

impl fmt::Display for Value {
    /// The display form used by `STRING_FORMAT` and `SINK_CONSOLE`: strings
    /// bare, numbers in their shortest exact form, containers with quoted strings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            other => write_repr(f, other),
        }
    }
}

fn write_repr(f: &mut fmt::Formatter<'_>, v: &Value) -> fmt::Result {
    match v {
        Value::Null => f.write_str("null"),
        Value::Bool(b) => write!(f, "{b}"),
        Value::Int(i) => write!(f, "{i}"),
        Value::Float(x) => f.write_str(&fmt_float(*x)),
        Value::Str(s) => write!(f, "{:?}", &**s),
        Value::Bytes(b) => write!(f, "<{} bytes>", b.len()),
        Value::List(l) => {
            f.write_str("[")?;
            for (i, item) in l.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_repr(f, item)?;
            }
            f.write_str("]")
        }
        Value::Dict(d) => {
            f.write_str("{")?;
            for (i, (k, item)) in d.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{k:?}: ")?;
                write_repr(f, item)?;
            }
            f.write_str("}")
        }
        Value::Tensor(t) => write!(f, "{t}"),
        Value::Model(m) => write!(f, "<model m{m}>"),
        Value::Tokenizer(t) => write!(f, "<tokenizer {}>", t.path.display()),
        Value::Image(i) => write!(
            f,
            "<image {}x{}, {} channels>",
            i.width, i.height, i.channels
        ),
        Value::Audio(a) => write!(
            f,
            "<audio {} samples at {} Hz>",
            a.samples.len(),
            a.sample_rate
        ),
        Value::Host(h) => write!(f, "<{}>", h.type_name()),
    }
}

/// Error for an operand of the wrong type.
pub fn type_mismatch(what: &str, expected: &str, found: &Value) -> RuntimeError {
    RuntimeError::expected(what, expected, &found.describe())
}

/// Reads an int operand.
pub fn want_int(v: &Value, what: &str) -> Result<i64> {
    v.as_int().ok_or_else(|| type_mismatch(what, "an int", v))
}

/// Reads a float operand (ints are accepted).
pub fn want_f64(v: &Value, what: &str) -> Result<f64> {
    v.as_f64().ok_or_else(|| type_mismatch(what, "a number", v))
}

/// Reads a str operand.
pub fn want_str<'v>(v: &'v Value, what: &str) -> Result<&'v str> {
    v.as_str().ok_or_else(|| type_mismatch(what, "a str", v))
}

/// Reads a bool operand (a bool or a one-element bool tensor).
pub fn want_bool(v: &Value, what: &str) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Tensor(t) if t.dtype() == crate::tensor::DType::Bool && t.numel() == 1 => {
            Ok(matches!(t.single(), Some(Num::Bool(true))))
        }
        other => Err(type_mismatch(what, "a bool", other)),
    }
}

/// Reads a tensor operand.
pub fn want_tensor<'v>(v: &'v Value, what: &str) -> Result<&'v Tensor> {
    match v {
        Value::Tensor(t) => Ok(t),
        other => Err(type_mismatch(what, "a tensor", other)),
    }
}

/// Reads a list of integers: a list of ints, or a 0/1-d integer tensor.
pub fn want_int_list(v: &Value, what: &str) -> Result<Vec<i64>> {
    match v {
        Value::List(items) => items
            .iter()
            .map(|item| {
                item.as_int()
                    .ok_or_else(|| type_mismatch(what, "a list of ints", item))
            })
            .collect(),
        Value::Int(i) => Ok(vec![*i]),
        Value::Tensor(t) if t.dtype().is_int() && t.ndim() <= 1 => {
            Ok(t.nums().into_iter().map(Num::as_i64).collect())
        }
        other => Err(type_mismatch(
            what,
            "a list of ints or an integer tensor",
            other,
        )),
    }
}

/// Reads a list of floats: a list of numbers, or a 0/1-d numeric tensor.
pub fn want_f64_list(v: &Value, what: &str) -> Result<Vec<f64>> {
    match v {
        Value::List(items) => items
            .iter()
            .map(|item| {
                item.as_f64()
                    .ok_or_else(|| type_mismatch(what, "a list of numbers", item))
            })
            .collect(),
        Value::Int(_) | Value::Float(_) => Ok(vec![v.as_f64().unwrap_or(0.0)]),
        Value::Tensor(t) if t.ndim() <= 1 => Ok(t.nums().into_iter().map(Num::as_f64).collect()),
        other => Err(type_mismatch(
            what,
            "a list of numbers or a 1-d tensor",
            other,
        )),
    }
}

/// Reads a tensor shape: a list of non-negative ints or an integer tensor.
pub fn want_shape(v: &Value, what: &str) -> Result<Vec<usize>> {
    want_int_list(v, what)?
        .into_iter()
        .map(|d| {
            usize::try_from(d).map_err(|_| {
                RuntimeError::value(format!("{what}: a dimension cannot be negative, found {d}"))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_forms() {
        let v = Value::list(vec![Value::Int(1), Value::str("a"), Value::Float(0.5)]);
        assert_eq!(v.to_string(), "[1, \"a\", 0.5]");
        assert_eq!(Value::str("x").to_string(), "x");
        assert_eq!(Value::Float(2.0).to_string(), "2.0");
    }

    #[test]
    fn tensor_json_shape() {
        let t = Tensor::from_vec(&[2], vec![0.1f32, 2.0]).unwrap();
        let j = Value::Tensor(t).to_json();
        assert_eq!(j["dtype"], "float32");
        assert_eq!(j["shape"], json!([2]));
        assert_eq!(j["data"], json!([0.1, 2.0]));
    }
}
