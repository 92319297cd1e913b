//! SUMMARIZE: a local causal language model in a generation loop.
//!
//! The scope's text (its documents joined by blank lines) is the prompt,
//! cut to its first [`MAX_PROMPT_TOKENS`] tokens. Each step runs the model
//! on the whole sequence (`input_ids`, plus an all-ones `attention_mask`
//! and `position_ids` 0..n when the model declares them) and takes the
//! logits of the last position: the arg max at temperature 0, else a sample
//! of `softmax(logits / temp)` from a generator seeded with `seed` plus the
//! summary's number. Generation stops at `eos_token_id` (from
//! `generation.json`) or after `max_new_tokens` tokens (the argument if
//! positive, else `generation.json`'s, else 32). The summary is the decoded
//! new tokens.

use super::embed::{as_input, encode, input_index, load_model, load_tokenizer};
use super::state::{DocState, Summary};
use crate::error::{ErrorKind, Result, RuntimeError};
use crate::host::HostContext;
use crate::model::LoadedModel;
use crate::rng::Rng;
use crate::tensor::Tensor;

pub const MAX_PROMPT_TOKENS: usize = 256;
const DEFAULT_MAX_NEW_TOKENS: usize = 32;

pub struct Options {
    /// 0 each document, 1 each cluster, 2 the dataset.
    pub scope: i64,
    pub model: String,
    pub tokenizer: String,
    /// `generation.json`, or empty.
    pub generation: String,
    pub temperature: f64,
    /// <= 0: from `generation.json`.
    pub max_new_tokens: i64,
    pub seed: i64,
}

pub fn summarize(state: &mut DocState, o: &Options, ctx: &HostContext<'_>) -> Result<()> {
    if let Some(doc) = state.docs.iter().find(|d| d.ocr_pending) {
        return Err(RuntimeError::value(format!(
            "`{}` has not been read by OCR yet",
            doc.name
        )));
    }
    if !o.temperature.is_finite() || o.temperature < 0.0 {
        return Err(RuntimeError::value(format!(
            "temperature {} must be >= 0",
            o.temperature
        )));
    }
    let (eos, configured_max) = if o.generation.is_empty() {
        (None, None)
    } else {
        let real = ctx.resolve(&o.generation, "generation config", ErrorKind::Model)?;
        let text = std::fs::read_to_string(&real)
            .map_err(|e| RuntimeError::io(format!("cannot read {}: {e}", o.generation)))?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| RuntimeError::model(format!("{} is not JSON: {e}", o.generation)))?;
        (
            json.get("eos_token_id").and_then(|v| v.as_i64()),
            json.get("max_new_tokens")
                .and_then(|v| v.as_u64())
                .map(|v| v as usize),
        )
    };
    let max_new = if o.max_new_tokens > 0 {
        o.max_new_tokens as usize
    } else {
        configured_max.unwrap_or(DEFAULT_MAX_NEW_TOKENS)
    };
    // Scopes: (scope name, index, the texts).
    let scopes: Vec<(&str, i64, String)> = match o.scope {
        0 => state
            .docs
            .iter()
            .enumerate()
            .map(|(i, d)| ("document", i as i64, d.text.clone()))
            .collect(),
        1 => {
            let Some(clusters) = &state.clusters else {
                return Err(RuntimeError::value(
                    "SUMMARIZE scope 1 needs clusters: run CLUSTER first",
                ));
            };
            let k = clusters.iter().copied().max().map_or(0, |m| m + 1);
            (0..k)
                .map(|c| {
                    let text = state
                        .docs
                        .iter()
                        .zip(clusters)
                        .filter(|(_, x)| **x == c)
                        .map(|(d, _)| d.text.as_str())
                        .collect::<Vec<_>>()
                        .join("\n\n");
                    ("cluster", c, text)
                })
                .collect()
        }
        2 => vec![(
            "dataset",
            -1,
            state
                .docs
                .iter()
                .map(|d| d.text.as_str())
                .collect::<Vec<_>>()
                .join("\n\n"),
        )],
        other => {
            return Err(RuntimeError::value(format!(
                "unknown SUMMARIZE scope_id {other}"
            )));
        }
    };
    let tok = load_tokenizer(&o.tokenizer, false, ctx)?;
    let mut model = load_model(&o.model, ctx)?;
    state
        .summaries
        .retain(|s| s.scope != scopes.first().map_or("", |s| s.0));
    for (n, (scope, index, text)) in scopes.into_iter().enumerate() {
        let mut ids: Vec<i64> = encode(&tok, &text)?.into_iter().map(i64::from).collect();
        ids.truncate(MAX_PROMPT_TOKENS);
        let prompt = ids.len();
        let mut rng = Rng::new((o.seed as u64).wrapping_add(n as u64));
        generate(&mut *model, &mut ids, max_new, eos, o.temperature, &mut rng)?;
        let new: Vec<u32> = ids[prompt..].iter().map(|&x| x as u32).collect();
        let summary = tok.decode(&new, true).map_err(|e| {
            RuntimeError::new(
                crate::error::ErrorKind::Tokenizer,
                format!("cannot decode: {e}"),
            )
        })?;
        state.summaries.push(Summary {
            scope: scope.to_string(),
            index,
            text: summary.trim().to_string(),
        });
    }
    Ok(())
}

/// Appends up to `max_new` tokens to `ids`.
pub fn generate(
    model: &mut dyn LoadedModel,
    ids: &mut Vec<i64>,
    max_new: usize,
    eos: Option<i64>,
    temperature: f64,
    rng: &mut Rng,
) -> Result<()> {
    let ids_at = input_index(model, "input_ids")
        .ok_or_else(|| RuntimeError::model("the language model has no `input_ids` input"))?;
    let mask_at = input_index(model, "attention_mask");
    let pos_at = input_index(model, "position_ids");
    for (i, info) in model.inputs().iter().enumerate() {
        if i != ids_at && Some(i) != mask_at && Some(i) != pos_at {
            return Err(RuntimeError::model(format!(
                "the language model has input `{}`; only input_ids, attention_mask and position_ids are supplied",
                info.name
            )));
        }
    }
    let out_at = model
        .outputs()
        .iter()
        .position(|o| o.name == "logits")
        .unwrap_or(0);
    if ids.is_empty() {
        // An empty prompt: start from the end-of-text token when there is one.
        match eos {
            Some(e) => ids.push(e),
            None => return Ok(()),
        }
    }
    for _ in 0..max_new {
        let n = ids.len();
        let mut inputs: Vec<(usize, Tensor)> = vec![(
            ids_at,
            as_input(model, ids_at, Tensor::from_vec(&[1, n], ids.clone())?),
        )];
        if let Some(at) = mask_at {
            inputs.push((
                at,
                as_input(model, at, Tensor::from_vec(&[1, n], vec![1i64; n])?),
            ));
        }
        if let Some(at) = pos_at {
            inputs.push((
                at,
                as_input(
                    model,
                    at,
                    Tensor::from_vec(&[1, n], (0..n as i64).collect())?,
                ),
            ));
        }
        let refs: Vec<(usize, &Tensor)> = inputs.iter().map(|(i, t)| (*i, t)).collect();
        let out = model.run(&refs, &[out_at])?;
        let Some(logits) = out.into_iter().next() else {
            return Err(RuntimeError::model("the language model returned no logits"));
        };
        let vocab = match *logits.shape() {
            [1, s, v] if s == n => v,
            _ => {
                return Err(RuntimeError::shape(format!(
                    "language model logits are {}, expected [1, {n}, vocab]",
                    logits.describe()
                )));
            }
        };
        let a = logits.to_f32();
        let a = a.as_standard_layout();
        let last: Vec<f32> = a
            .iter()
            .skip((n - 1) * vocab)
            .take(vocab)
            .copied()
            .collect();
        let next = pick(&last, temperature, rng) as i64;
        if Some(next) == eos {
            break;
        }
        ids.push(next);
    }
    Ok(())
}

/// Arg max at temperature 0, else a sample of softmax(logits / temperature).
fn pick(logits: &[f32], temperature: f64, rng: &mut Rng) -> usize {
    let argmax = || {
        logits
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
            .map_or(0, |(i, _)| i)
    };
    if temperature == 0.0 {
        return argmax();
    }
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let weights: Vec<f64> = logits
        .iter()
        .map(|&x| ((x as f64 - max) / temperature).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    if !(total.is_finite() && total > 0.0) {
        return argmax();
    }
    let mut r = rng.next_f64() * total;
    for (i, w) in weights.iter().enumerate() {
        r -= w;
        if r <= 0.0 {
            return i;
        }
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::pick;
    use crate::rng::Rng;

    #[test]
    fn greedy_and_sampling() {
        let mut rng = Rng::new(0);
        assert_eq!(pick(&[0.1, 3.0, 2.9], 0.0, &mut rng), 1);
        let mut rng = Rng::new(7);
        let draws: Vec<usize> = (0..200)
            .map(|_| pick(&[0.0, 0.0, -50.0], 1.0, &mut rng))
            .collect();
        assert!(draws.contains(&0) && draws.contains(&1) && !draws.contains(&2));
    }
}
