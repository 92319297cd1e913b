//! Host functions (`EXTERN_CALL_FUNC`) and host objects (`RES_LOAD_EXTERN
//! kind=host_object`, `EXTERN_CALL_METHOD`).
//!
//! A [`HostRegistry`] maps names to functions with their arity. It
//! implements [`omex_mep::HostFunctions`], so the verifier rejects a call to
//! an unknown name, or with the wrong number of inputs or outputs, before
//! the program runs.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};
use omex_mep::{HostArity, HostFunctions};

use crate::error::{ErrorKind, Result, RuntimeError};
use crate::sandbox::Sandbox;
use crate::tensor::{DType, Tensor, shape_str};
use crate::value::{Value, type_mismatch, want_f64_list, want_int, want_str, want_tensor};

/// What a host function can use besides its inputs.
pub struct HostContext<'a> {
    /// File access rules (for functions that read files).
    pub sandbox: &'a Sandbox,
    /// The model search path (the recipe's folder first): where models,
    /// tokenizers and data the program names by relative path are found.
    pub search: &'a [PathBuf],
    /// How many outputs the call site expects.
    pub n_outputs: usize,
}

impl HostContext<'_> {
    /// Finds a model, tokenizer or data file the program names, as
    /// `RES_LOAD_MODEL` does: relative paths against the search path.
    pub fn resolve(&self, path: &str, what: &str, kind: ErrorKind) -> Result<PathBuf> {
        self.sandbox.resolve_resource(self.search, path, what, kind)
    }

    /// Checks a file for reading: under an allowed folder or the search path.
    pub fn check_read(&self, path: &str) -> Result<PathBuf> {
        self.sandbox.check_read_in(path, self.search)
    }
}

/// A host function: inputs in, outputs out.
pub type HostFn = dyn Fn(&[Value], &HostContext<'_>) -> Result<Vec<Value>> + Send + Sync;

/// Builds a host object from `RES_LOAD_EXTERN`'s parameters.
pub type HostObjectCtor = dyn Fn(&[Value]) -> Result<Arc<dyn HostObject>> + Send + Sync;

/// An object provided by the host, whose methods a program calls with
/// `EXTERN_CALL_METHOD`.
pub trait HostObject: Send + Sync + fmt::Debug {
    /// The name values of this type show in messages.
    fn type_name(&self) -> &str;
    /// The method names, for error messages.
    fn methods(&self) -> Vec<&str>;
    fn call(&self, method: &str, inputs: &[Value], ctx: &HostContext<'_>) -> Result<Vec<Value>>;
}

struct HostFunction {
    arity: HostArity,
    doc: String,
    f: Box<HostFn>,
}

/// The named host functions and host object types a VM provides.
#[derive(Default)]
pub struct HostRegistry {
    funcs: BTreeMap<String, HostFunction>,
    objects: BTreeMap<String, Box<HostObjectCtor>>,
}

impl fmt::Debug for HostRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostRegistry")
            .field("functions", &self.funcs.keys().collect::<Vec<_>>())
            .field("objects", &self.objects.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl HostFunctions for HostRegistry {
    fn arity(&self, name: &str) -> Option<HostArity> {
        self.funcs.get(name).map(|f| f.arity)
    }

    fn names(&self) -> Vec<&str> {
        self.funcs.keys().map(String::as_str).collect()
    }
}

impl HostRegistry {
    /// A registry with no functions.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The built-in functions (see `docs/runtime.md`).
    pub fn builtin() -> Self {
        let mut r = Self::default();
        r.register("mean_pool", (2, 2), (1, 1), "hidden [b, n, d], mask [b, n] -> f32 [b, d]: mean of the hidden states where the mask is non-zero", |i, _| {
            mean_pool(&i[0], &i[1]).map(|t| vec![Value::Tensor(t)])
        });
        r.register(
            "l2_normalize",
            (1, 1),
            (1, 1),
            "x -> x / max(||x||, 1e-12) along the last axis (f32, or f64 for f64)",
            |i, _| l2_normalize(&i[0]).map(|t| vec![Value::Tensor(t)]),
        );
        r.register("cosine_similarity", (2, 2), (1, 1), "a, b -> cosine similarity along the last axis (a float for two vectors, else a tensor, broadcasting)", |i, _| {
            cosine_similarity(&i[0], &i[1]).map(|v| vec![v])
        });
        r.register("image_load", (1, 2), (1, 1), "path [, \"f32\" | \"u8\"] -> RGB image tensor [1, 3, H, W]: f32 in 0..1 (default) or u8 (PNG)", |i, ctx| {
            image_load(&i[0], i.get(1), ctx.sandbox).map(|t| vec![Value::Tensor(t)])
        });
        r.register("image_resize", (3, 3), (1, 1), "image [1, C, H, W] or [C, H, W], height, width -> bilinear resize (half-pixel centres), same dtype", |i, _| {
            image_resize(&i[0], &i[1], &i[2]).map(|t| vec![Value::Tensor(t)])
        });
        r.register(
            "image_normalize",
            (3, 3),
            (1, 1),
            "image [1, C, H, W] or [C, H, W], mean list, std list -> f32 (x - mean[c]) / std[c]",
            |i, _| image_normalize(&i[0], &i[1], &i[2]).map(|t| vec![Value::Tensor(t)]),
        );
        r.register(
            "list_append",
            (2, 2),
            (1, 1),
            "list, value -> a new list with the value at the end",
            |i, _| {
                if nesting(&i[1], 1) > MAX_NESTING {
                    return Err(RuntimeError::value(format!(
                        "values would nest more than {MAX_NESTING} lists deep"
                    )));
                }
                match &i[0] {
                    Value::List(l) => {
                        let mut items = Vec::with_capacity(l.len() + 1);
                        items.extend(l.iter().cloned());
                        items.push(i[1].clone());
                        Ok(vec![Value::list(items)])
                    }
                    other => Err(type_mismatch("list_append", "a list", other)),
                }
            },
        );
        r.register(
            "to_int",
            (1, 1),
            (1, 1),
            "str | int | float -> int (a str is parsed; a float is truncated toward zero)",
            |i, _| to_int(&i[0]).map(|v| vec![Value::Int(v)]),
        );
        r.register(
            "to_float",
            (1, 1),
            (1, 1),
            "str | int | float -> float (a str is parsed)",
            |i, _| to_float(&i[0]).map(|v| vec![Value::Float(v)]),
        );
        r.register(
            "to_str",
            (1, 1),
            (1, 1),
            "value -> its display form as a str",
            |i, _| Ok(vec![Value::str(&i[0].to_string())]),
        );
        r.register(
            "str_join",
            (2, 2),
            (1, 1),
            "list, separator -> the items' display forms joined",
            |i, _| {
                let sep = want_str(&i[1], "str_join separator")?;
                match &i[0] {
                    Value::List(l) => Ok(vec![Value::str(
                        &l.iter().map(Value::to_string).collect::<Vec<_>>().join(sep),
                    )]),
                    other => Err(type_mismatch("str_join", "a list", other)),
                }
            },
        );
        r.register(
            "str_split",
            (2, 2),
            (1, 1),
            "str, separator -> list of str",
            |i, _| {
                let s = want_str(&i[0], "str_split text")?;
                let sep = want_str(&i[1], "str_split separator")?;
                if sep.is_empty() {
                    return Err(RuntimeError::value("str_split: the separator is empty"));
                }
                Ok(vec![Value::list(s.split(sep).map(Value::str).collect())])
            },
        );
        r.register(
            "dict_get",
            (3, 3),
            (1, 1),
            "dict, key, default -> the value at key, or default",
            |i, _| {
                let key = want_str(&i[1], "dict_get key")?;
                match &i[0] {
                    Value::Dict(d) => Ok(vec![d.get(key).cloned().unwrap_or_else(|| i[2].clone())]),
                    other => Err(type_mismatch("dict_get", "a dict", other)),
                }
            },
        );
        crate::documents::register(&mut r);
        r
    }

    /// Adds (or replaces) a function. `inputs` and `outputs` are inclusive
    /// ranges of how many the function accepts; the function is only called
    /// with a count in range.
    pub fn register(
        &mut self,
        name: &str,
        inputs: (u8, u8),
        outputs: (u8, u8),
        doc: &str,
        f: impl Fn(&[Value], &HostContext<'_>) -> Result<Vec<Value>> + Send + Sync + 'static,
    ) {
        self.funcs.insert(
            name.to_string(),
            HostFunction {
                arity: HostArity { inputs, outputs },
                doc: doc.to_string(),
                f: Box::new(f),
            },
        );
    }

    /// Adds a host object type, created by `RES_LOAD_EXTERN kind=host_object repo=NAME`.
    pub fn register_object(
        &mut self,
        name: &str,
        ctor: impl Fn(&[Value]) -> Result<Arc<dyn HostObject>> + Send + Sync + 'static,
    ) {
        self.objects.insert(name.to_string(), Box::new(ctor));
    }

    /// `(name, description)` of every function.
    pub fn docs(&self) -> Vec<(&str, &str)> {
        self.funcs
            .iter()
            .map(|(n, f)| (n.as_str(), f.doc.as_str()))
            .collect()
    }

    /// Calls a function, checking the arity and the number of results.
    pub fn call(&self, name: &str, inputs: &[Value], ctx: &HostContext<'_>) -> Result<Vec<Value>> {
        let f = self.funcs.get(name).ok_or_else(|| {
            RuntimeError::host(format!("unknown host function `{name}`"))
                .with_help(format!("available: {}", self.names().join(", ")))
        })?;
        let (lo, hi) = f.arity.inputs;
        if inputs.len() < lo as usize || inputs.len() > hi as usize {
            return Err(RuntimeError::host(format!(
                "host function `{name}` takes {lo} to {hi} inputs, found {}",
                inputs.len()
            )));
        }
        let out = (f.f)(inputs, ctx).map_err(|mut e| {
            if !e.message.starts_with(name) {
                e.message = format!("{name}: {}", e.message);
            }
            e
        })?;
        if out.len() < ctx.n_outputs {
            return Err(RuntimeError::host(format!(
                "host function `{name}` returned {} values, {} expected",
                out.len(),
                ctx.n_outputs
            )));
        }
        Ok(out)
    }

    /// Creates a host object.
    pub fn create_object(&self, name: &str, params: &[Value]) -> Result<Arc<dyn HostObject>> {
        match self.objects.get(name) {
            Some(ctor) => ctor(params),
            None => Err(
                RuntimeError::host(format!("unknown host object type `{name}`")).with_help(
                    if self.objects.is_empty() {
                        "this runtime provides no host object types".to_string()
                    } else {
                        format!(
                            "available: {}",
                            self.objects.keys().cloned().collect::<Vec<_>>().join(", ")
                        )
                    },
                ),
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// Built-ins

/// How deep `list_append` lets lists nest (deeper values would make
/// printing and dropping them recursive without bound).
const MAX_NESTING: usize = 64;

/// The nesting depth of lists and dicts in a value (starting at `depth`),
/// counted up to just past [`MAX_NESTING`].
fn nesting(v: &Value, depth: usize) -> usize {
    if depth > MAX_NESTING {
        return depth;
    }
    match v {
        Value::List(l) => l
            .iter()
            .map(|x| nesting(x, depth + 1))
            .max()
            .unwrap_or(depth + 1),
        Value::Dict(d) => d
            .iter()
            .map(|(_, x)| nesting(x, depth + 1))
            .max()
            .unwrap_or(depth + 1),
        _ => depth,
    }
}

fn float_tensor<'v>(v: &'v Value, what: &str) -> Result<&'v Tensor> {
    let t = want_tensor(v, what)?;
    if t.dtype() == DType::Bool {
        return Err(type_mismatch(what, "a numeric tensor", v));
    }
    Ok(t)
}

/// Mask-aware mean pooling: `hidden [b, n, d]`, `mask [b, n]` -> `[b, d]`.
pub fn mean_pool(hidden: &Value, mask: &Value) -> Result<Tensor> {
    let h = float_tensor(hidden, "mean_pool hidden states")?;
    let m = want_tensor(mask, "mean_pool mask")?;
    let (b, n, d) = match *h.shape() {
        [b, n, d] => (b, n, d),
        _ => {
            return Err(RuntimeError::shape(format!(
                "mean_pool: hidden states must be [batch, tokens, dim], found {}",
                h.describe()
            )));
        }
    };
    if m.shape() != [b, n] {
        return Err(RuntimeError::shape(format!(
            "mean_pool: the mask must be [{b}, {n}] to match hidden states {}, found {}",
            shape_str(h.shape()),
            m.describe()
        )));
    }
    let h = h.to_f32();
    let h = h.as_standard_layout();
    let hs = h.as_slice().unwrap_or(&[]);
    let weights: Vec<f32> = m.nums().into_iter().map(|x| x.as_f64() as f32).collect();
    let mut out = vec![0f32; b * d];
    for bi in 0..b {
        let acc = &mut out[bi * d..(bi + 1) * d];
        let mut count = 0f32;
        for ni in 0..n {
            let w = weights[bi * n + ni];
            if w == 0.0 {
                continue;
            }
            count += w;
            let row = &hs[(bi * n + ni) * d..(bi * n + ni + 1) * d];
            for (a, &x) in acc.iter_mut().zip(row) {
                *a += x * w;
            }
        }
        let denom = count.max(1e-9);
        acc.iter_mut().for_each(|a| *a /= denom);
    }
    Tensor::from_vec(&[b, d], out)
}

/// L2 normalisation along the last axis.
pub fn l2_normalize(x: &Value) -> Result<Tensor> {
    let t = float_tensor(x, "l2_normalize")?;
    if t.ndim() == 0 {
        return Err(RuntimeError::shape(
            "l2_normalize: needs a tensor with at least one axis",
        ));
    }
    fn go<T: crate::ops::math::num_like::Float>(a: &crate::tensor::Arr<T>) -> ArrayD<T> {
        let mut out = a.to_owned();
        let last = ndarray::Axis(out.ndim() - 1);
        let eps = T::from_f64(1e-12);
        for mut lane in out.lanes_mut(last) {
            let sq = lane.iter().fold(T::ZERO, |s, &x| s + x * x);
            let norm = sq.sqrt();
            let norm = if norm > eps { norm } else { eps };
            lane.iter_mut().for_each(|x| *x = *x / norm);
        }
        out
    }
    Ok(match t {
        Tensor::F64(a) => Tensor::from_array(go(a)),
        other => Tensor::from_array(go(&other.to_f32())),
    })
}

/// Cosine similarity along the last axis.
pub fn cosine_similarity(a: &Value, b: &Value) -> Result<Value> {
    let ta = float_tensor(a, "cosine_similarity first input")?.to_f64();
    let tb = float_tensor(b, "cosine_similarity second input")?.to_f64();
    if ta.ndim() == 0 || tb.ndim() == 0 {
        return Err(RuntimeError::shape(
            "cosine_similarity: needs vectors, found a 0-d tensor",
        ));
    }
    let (da, db) = (ta.shape()[ta.ndim() - 1], tb.shape()[tb.ndim() - 1]);
    if da != db {
        return Err(RuntimeError::shape(format!(
            "cosine_similarity: vector sizes differ ({} vs {})",
            shape_str(ta.shape()),
            shape_str(tb.shape())
        )));
    }
    let cos = |x: ndarray::ArrayView1<'_, f64>, y: ndarray::ArrayView1<'_, f64>| -> f64 {
        let dot: f64 = x.iter().zip(y.iter()).map(|(p, q)| p * q).sum();
        let nx = x.iter().map(|p| p * p).sum::<f64>().sqrt();
        let ny = y.iter().map(|q| q * q).sum::<f64>().sqrt();
        dot / (nx * ny).max(1e-12)
    };
    if ta.ndim() == 1 && tb.ndim() == 1 {
        let x = ta
            .view()
            .into_dimensionality::<ndarray::Ix1>()
            .map_err(|e| RuntimeError::shape(e.to_string()))?;
        let y = tb
            .view()
            .into_dimensionality::<ndarray::Ix1>()
            .map_err(|e| RuntimeError::shape(e.to_string()))?;
        return Ok(Value::Float(cos(x, y)));
    }
    let lead_a = &ta.shape()[..ta.ndim() - 1];
    let lead_b = &tb.shape()[..tb.ndim() - 1];
    let lead = crate::ops::broadcast_shapes(lead_a, lead_b)?;
    let mut full = lead.clone();
    full.push(da);
    let (va, vb) = match (ta.broadcast(IxDyn(&full)), tb.broadcast(IxDyn(&full))) {
        (Some(x), Some(y)) => (x, y),
        _ => {
            return Err(RuntimeError::shape(
                "cosine_similarity: shapes do not broadcast",
            ));
        }
    };
    let rows: usize = lead.iter().product();
    let va = va
        .to_shape((rows, da))
        .map_err(|e| RuntimeError::shape(e.to_string()))?;
    let vb = vb
        .to_shape((rows, da))
        .map_err(|e| RuntimeError::shape(e.to_string()))?;
    let data: Vec<f32> = (0..rows)
        .map(|r| cos(va.row(r), vb.row(r)) as f32)
        .collect();
    Ok(Value::Tensor(Tensor::from_vec(&lead, data)?))
}

/// Loads a PNG as an RGB tensor `[1, 3, H, W]`.
pub fn image_load(path: &Value, dtype: Option<&Value>, sandbox: &Sandbox) -> Result<Tensor> {
    let p = want_str(path, "image_load path")?;
    let as_u8 = match dtype {
        None => false,
        Some(v) => match want_str(v, "image_load dtype")? {
            "f32" | "float32" => false,
            "u8" | "uint8" => true,
            other => {
                return Err(RuntimeError::value(format!(
                    "image_load: dtype must be \"f32\" or \"u8\", found \"{other}\""
                )));
            }
        },
    };
    let real = sandbox.check_read(p)?;
    let bytes =
        std::fs::read(&real).map_err(|e| RuntimeError::io(format!("cannot read `{p}`: {e}")))?;
    let img = image::load_from_memory(&bytes)
        .map_err(|e| RuntimeError::value(format!("image_load: cannot decode `{p}`: {e}")))?
        .to_rgb8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let raw = img.into_raw();
    let plane = w * h;
    let mut chw = vec![0u8; 3 * plane];
    for p in 0..plane {
        for c in 0..3 {
            chw[c * plane + p] = raw[p * 3 + c];
        }
    }
    if as_u8 {
        Tensor::from_vec(&[1, 3, h, w], chw)
    } else {
        Tensor::from_vec(
            &[1, 3, h, w],
            chw.into_iter().map(|x| x as f32 / 255.0).collect(),
        )
    }
}

fn image_dims(t: &Tensor, what: &str) -> Result<(bool, usize, usize, usize)> {
    match *t.shape() {
        [1, c, h, w] => Ok((true, c, h, w)),
        [c, h, w] => Ok((false, c, h, w)),
        _ => Err(RuntimeError::shape(format!(
            "{what}: expected an image tensor [1, C, H, W] or [C, H, W], found {}",
            t.describe()
        ))),
    }
}

/// Bilinear resize with half-pixel centres.
pub fn image_resize(img: &Value, height: &Value, width: &Value) -> Result<Tensor> {
    let what = "image_resize";
    let t = float_tensor(img, what)?;
    let (batched, c, h, w) = image_dims(t, what)?;
    let oh = want_int(height, "image_resize height")?;
    let ow = want_int(width, "image_resize width")?;
    let (oh, ow) = match (usize::try_from(oh), usize::try_from(ow)) {
        (Ok(a), Ok(b)) if a > 0 && b > 0 => (a, b),
        _ => {
            return Err(RuntimeError::value(format!(
                "{what}: invalid size {oh}x{ow}"
            )));
        }
    };
    crate::ops::check_size(&[c, oh, ow], what)?;
    if h == 0 || w == 0 {
        return Err(RuntimeError::shape(format!("{what}: the image is empty")));
    }
    let src = t.to_f32();
    let src = src.as_standard_layout();
    let s = src.as_slice().unwrap_or(&[]);
    let coords = |out: usize, inp: usize| -> Vec<(usize, usize, f32)> {
        let scale = inp as f32 / out as f32;
        (0..out)
            .map(|o| {
                let x = ((o as f32 + 0.5) * scale - 0.5).clamp(0.0, (inp - 1) as f32);
                let x0 = x.floor() as usize;
                let x1 = (x0 + 1).min(inp - 1);
                (x0, x1, x - x0 as f32)
            })
            .collect()
    };
    let ys = coords(oh, h);
    let xs = coords(ow, w);
    let mut out = Vec::with_capacity(c * oh * ow);
    for ch in 0..c {
        let plane = &s[ch * h * w..(ch + 1) * h * w];
        for &(y0, y1, fy) in &ys {
            for &(x0, x1, fx) in &xs {
                let top = plane[y0 * w + x0] * (1.0 - fx) + plane[y0 * w + x1] * fx;
                let bottom = plane[y1 * w + x0] * (1.0 - fx) + plane[y1 * w + x1] * fx;
                out.push(top * (1.0 - fy) + bottom * fy);
            }
        }
    }
    let shape: Vec<usize> = if batched {
        vec![1, c, oh, ow]
    } else {
        vec![c, oh, ow]
    };
    let resized = Tensor::from_vec(&shape, out)?;
    Ok(match t.dtype() {
        DType::U8 => Tensor::from_array(
            resized
                .to_f32()
                .mapv(|x| x.round().clamp(0.0, 255.0) as u8)
                .into_owned(),
        ),
        DType::F32 => resized,
        other => resized.cast(other),
    })
}

/// Per-channel normalisation `(x - mean[c]) / std[c]`.
pub fn image_normalize(img: &Value, mean: &Value, std: &Value) -> Result<Tensor> {
    let what = "image_normalize";
    let t = float_tensor(img, what)?;
    let (batched, c, h, w) = image_dims(t, what)?;
    let mean = want_f64_list(mean, "image_normalize mean")?;
    let std = want_f64_list(std, "image_normalize std")?;
    let per_channel = |v: &[f64], name: &str| -> Result<Vec<f32>> {
        match v.len() {
            1 => Ok(vec![v[0] as f32; c]),
            n if n == c => Ok(v.iter().map(|x| *x as f32).collect()),
            n => Err(RuntimeError::shape(format!(
                "{what}: {name} has {n} values for an image with {c} channels"
            ))),
        }
    };
    let mean = per_channel(&mean, "mean")?;
    let std = per_channel(&std, "std")?;
    if std.contains(&0.0) {
        return Err(RuntimeError::value(format!("{what}: std must not be zero")));
    }
    let a = t.to_f32();
    let a = a.as_standard_layout();
    let s = a.as_slice().unwrap_or(&[]);
    let plane = h * w;
    let data: Vec<f32> = s
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let ch = (i / plane.max(1)) % c.max(1);
            (x - mean[ch]) / std[ch]
        })
        .collect();
    let shape: Vec<usize> = if batched {
        vec![1, c, h, w]
    } else {
        vec![c, h, w]
    };
    Tensor::from_vec(&shape, data)
}

fn to_int(value: &Value) -> Result<i64> {
    match value {
        Value::Int(i) => Ok(*i),
        Value::Float(f) if f.is_finite() => Ok(f.trunc() as i64),
        _ => match value.as_str() {
            Some(text) => text.trim().parse::<i64>().map_err(|_| {
                RuntimeError::input(format!("`{text}` is not an integer"))
                    .with_help("give a whole number such as 42 or -3")
            }),
            None => Err(RuntimeError::input(format!(
                "cannot convert {} to an int",
                value.describe()
            ))),
        },
    }
}

fn to_float(value: &Value) -> Result<f64> {
    match value {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        _ => match value.as_str() {
            Some(text) => text.trim().parse::<f64>().map_err(|_| {
                RuntimeError::input(format!("`{text}` is not a number"))
                    .with_help("give a number such as 0.8, 2 or 1e-3")
            }),
            None => Err(RuntimeError::input(format!(
                "cannot convert {} to a float",
                value.describe()
            ))),
        },
    }
}

#[cfg(test)]
mod conversion_tests {
    use super::*;

    #[test]
    fn parses_arguments() {
        assert_eq!(to_int(&Value::str(" 42 ")).unwrap(), 42);
        assert_eq!(to_int(&Value::Float(-2.7)).unwrap(), -2);
        assert!(
            to_int(&Value::str("4.5"))
                .unwrap_err()
                .message
                .contains("`4.5` is not an integer")
        );
        assert_eq!(to_float(&Value::str("0.8")).unwrap(), 0.8);
        assert_eq!(to_float(&Value::Int(3)).unwrap(), 3.0);
        assert!(to_float(&Value::str("x")).is_err());
    }
}
