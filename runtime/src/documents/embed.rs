//! EMBED_BATCH: sentence embeddings with an ONNX model, in batches.
//!
//! Each document's text is tokenized (the tokenizer's truncation applies,
//! its padding does not: a batch is padded to its longest member), the model
//! gets `input_ids`, `attention_mask` and `token_type_ids` as it declares
//! them, and the embedding is its rank-2 output (`[batch, dim]`) if it has
//! one, else the mask-aware mean of its first rank-3 output. Rows are
//! L2-normalised.

use super::state::DocState;
use crate::error::{ErrorKind, Result, RuntimeError};
use crate::host::HostContext;
use crate::model::{LoadedModel, ModelBackends, SessionConfig};
use crate::tensor::{DType, Tensor};
use crate::value::Value;

/// Loads an ONNX model from the search path.
pub fn load_model(path: &str, ctx: &HostContext<'_>) -> Result<Box<dyn LoadedModel>> {
    let real = ctx.resolve(path, "model", ErrorKind::Model)?;
    ModelBackends::with_onnx(None)
        .get("onnx")?
        .load(&real, &SessionConfig::default())
}

/// Loads a tokenizer without its padding; `truncate: false` also drops its truncation.
pub fn load_tokenizer(
    path: &str,
    truncate: bool,
    ctx: &HostContext<'_>,
) -> Result<tokenizers::Tokenizer> {
    let real = ctx.resolve(path, "tokenizer", ErrorKind::Tokenizer)?;
    let mut t = tokenizers::Tokenizer::from_file(&real).map_err(|e| {
        RuntimeError::new(
            ErrorKind::Tokenizer,
            format!("cannot load tokenizer {path}: {e}"),
        )
    })?;
    t.with_padding(None);
    if !truncate {
        let _ = t.with_truncation(None);
    }
    Ok(t)
}

/// Token ids of `text`, with special tokens.
pub fn encode(t: &tokenizers::Tokenizer, text: &str) -> Result<Vec<u32>> {
    t.encode_fast(text, true)
        .map(|e| e.get_ids().to_vec())
        .map_err(|e| RuntimeError::new(ErrorKind::Tokenizer, format!("cannot encode text: {e}")))
}

/// The index of input `name`, if the model declares it.
pub fn input_index(model: &dyn LoadedModel, name: &str) -> Option<usize> {
    model.inputs().iter().position(|i| i.name == name)
}

/// An i64 tensor cast to what input `index` declares.
pub fn as_input(model: &dyn LoadedModel, index: usize, t: Tensor) -> Tensor {
    match model.inputs()[index].dtype {
        Some(d) if d != DType::I64 => t.cast(d),
        _ => t,
    }
}

pub fn embed_all(
    state: &mut DocState,
    batch: i64,
    model: &str,
    tokenizer: &str,
    ctx: &HostContext<'_>,
) -> Result<()> {
    let batch = usize::try_from(batch)
        .ok()
        .filter(|b| *b > 0)
        .ok_or_else(|| {
            RuntimeError::value(format!("EMBED_BATCH size {batch} must be at least 1"))
        })?;
    if let Some(doc) = state.docs.iter().find(|d| d.ocr_pending) {
        return Err(RuntimeError::value(format!(
            "`{}` has not been read by OCR yet",
            doc.name
        )));
    }
    let tok = load_tokenizer(tokenizer, true, ctx)?;
    let mut m = load_model(model, ctx)?;
    let ids_at = input_index(&*m, "input_ids").ok_or_else(|| {
        RuntimeError::model(format!(
            "the embedding model {model} has no `input_ids` input"
        ))
    })?;
    let mask_at = input_index(&*m, "attention_mask");
    let types_at = input_index(&*m, "token_type_ids");
    for (i, info) in m.inputs().iter().enumerate() {
        if Some(i) != mask_at && Some(i) != types_at && i != ids_at {
            return Err(RuntimeError::model(format!(
                "the embedding model {model} has input `{}`; only input_ids, attention_mask and token_type_ids are supplied",
                info.name
            )));
        }
    }
    let outputs = m.outputs();
    let pick = outputs
        .iter()
        .position(|o| o.shape.len() == 2)
        .or_else(|| outputs.iter().position(|o| o.shape.len() == 3))
        .ok_or_else(|| {
            RuntimeError::model(format!(
                "the embedding model {model} has no [batch, dim] or [batch, tokens, dim] output"
            ))
        })?;
    let pad = tok.get_padding().map_or(0, |p| p.pad_id) as i64;
    let mut rows: Vec<f32> = Vec::new();
    let mut dim = 0;
    for chunk in state.docs.chunks(batch) {
        let encoded: Vec<Vec<u32>> = chunk
            .iter()
            .map(|d| encode(&tok, &d.text))
            .collect::<Result<_>>()?;
        let n = encoded.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let b = chunk.len();
        let mut ids = vec![pad; b * n];
        let mut mask = vec![0i64; b * n];
        for (r, e) in encoded.iter().enumerate() {
            for (c, &id) in e.iter().enumerate() {
                ids[r * n + c] = id as i64;
                mask[r * n + c] = 1;
            }
        }
        let ids_t = as_input(&*m, ids_at, Tensor::from_vec(&[b, n], ids)?);
        let mask_t = Tensor::from_vec(&[b, n], mask)?;
        let mut inputs: Vec<(usize, Tensor)> = vec![(ids_at, ids_t)];
        if let Some(at) = mask_at {
            inputs.push((at, as_input(&*m, at, mask_t.clone())));
        }
        if let Some(at) = types_at {
            inputs.push((
                at,
                as_input(&*m, at, Tensor::from_vec(&[b, n], vec![0i64; b * n])?),
            ));
        }
        let refs: Vec<(usize, &Tensor)> = inputs.iter().map(|(i, t)| (*i, t)).collect();
        let out = m.run(&refs, &[pick])?;
        let Some(out) = out.into_iter().next() else {
            return Err(RuntimeError::model(
                "the embedding model returned no output",
            ));
        };
        let pooled = match out.ndim() {
            2 => out,
            3 => crate::host::mean_pool(&Value::Tensor(out), &Value::Tensor(mask_t))?,
            _ => {
                return Err(RuntimeError::shape(format!(
                    "embedding output is {}",
                    out.describe()
                )));
            }
        };
        let [pb, d] = *pooled.shape() else {
            return Err(RuntimeError::shape(format!(
                "pooled embeddings are {}",
                pooled.describe()
            )));
        };
        if pb != b {
            return Err(RuntimeError::shape(format!(
                "the model returned {pb} embeddings for {b} texts"
            )));
        }
        dim = d;
        let a = pooled.to_f32();
        let a = a.as_standard_layout();
        for r in 0..b {
            let row: Vec<f32> = a.iter().skip(r * d).take(d).copied().collect();
            let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            rows.extend(row.iter().map(|x| x / norm));
        }
    }
    state.embeddings = Some((dim, rows));
    Ok(())
}
