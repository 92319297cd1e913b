//! `ANALYSIS_TOP_K` and `ANALYSIS_SAMPLE`.

use crate::error::{Result, RuntimeError};
use crate::rng::Rng;
use crate::tensor::{Tensor, with_tensor};
use crate::value::{Value, type_mismatch, want_f64, want_int};

/// The last vector of the last axis of a tensor (or a list of numbers), as f64.
fn last_vector(v: &Value, what: &str) -> Result<Vec<f64>> {
    use crate::tensor::Elem;
    match v {
        Value::Tensor(t) => {
            if t.ndim() == 0 {
                return Err(RuntimeError::shape(format!(
                    "{what}: needs a tensor with at least one axis, found a 0-d tensor"
                )));
            }
            if t.dtype() == crate::tensor::DType::Bool {
                return Err(type_mismatch(what, "a numeric tensor", v));
            }
            let n = t.shape()[t.ndim() - 1];
            let total = t.numel();
            Ok(with_tensor!(t, a => match a.as_slice() {
                Some(s) => s[total - n..].iter().map(|x| x.to_f64()).collect(),
                None => a.iter().skip(total - n).map(|x| x.to_f64()).collect(),
            }))
        }
        Value::List(items) => items
            .iter()
            .map(|x| {
                x.as_f64()
                    .ok_or_else(|| type_mismatch(what, "a list of numbers", x))
            })
            .collect(),
        other => Err(type_mismatch(what, "a tensor of scores", other)),
    }
}

/// Indices of `scores` sorted by descending score, ties by lower index,
/// NaN last.
fn ranked(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (scores[a], scores[b]);
        match (x.is_nan(), y.is_nan()) {
            (true, true) => a.cmp(&b),
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ => y
                .partial_cmp(&x)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(&b)),
        }
    });
    order
}

/// `ANALYSIS_TOP_K`: the `k` largest values of the last vector, as an i64
/// index tensor and an f32 value tensor, both `[k]`. `k` larger than the
/// vector fails.
pub fn top_k(input: &Value, k: u8) -> Result<(Tensor, Tensor)> {
    let scores = last_vector(input, "ANALYSIS_TOP_K")?;
    let k = k as usize;
    if k > scores.len() {
        return Err(RuntimeError::value(format!(
            "ANALYSIS_TOP_K: k = {k} is larger than the last axis ({} values)",
            scores.len()
        )));
    }
    let order = ranked(&scores);
    let idx: Vec<i64> = order[..k].iter().map(|&i| i as i64).collect();
    let vals: Vec<f32> = order[..k].iter().map(|&i| scores[i] as f32).collect();
    Ok((Tensor::from_vec(&[k], idx)?, Tensor::from_vec(&[k], vals)?))
}

/// `ANALYSIS_SAMPLE`: a token id from the last logits vector. A temperature
/// of 0 or less picks the largest logit; otherwise the logits are divided by
/// the temperature, cut to the `top_k` best (0 = all) and sampled from
/// their softmax with the VM's PRNG.
pub fn sample(logits: &Value, temperature: &Value, top_k: &Value, rng: &mut Rng) -> Result<i64> {
    let what = "ANALYSIS_SAMPLE";
    let scores = last_vector(logits, what)?;
    if scores.is_empty() {
        return Err(RuntimeError::value(format!("{what}: the logits are empty")));
    }
    let temperature = want_f64(temperature, &format!("{what} temperature"))?;
    let top_k = want_int(top_k, &format!("{what} top_k"))?;
    if top_k < 0 {
        return Err(RuntimeError::value(format!(
            "{what}: top_k must be 0 (all) or more, found {top_k}"
        )));
    }
    let order = ranked(&scores);
    if temperature <= 0.0 || temperature.is_nan() {
        return Ok(order[0] as i64);
    }
    let keep = if top_k == 0 {
        order.len()
    } else {
        (top_k as usize).min(order.len())
    };
    let candidates = &order[..keep];
    let max = scores[candidates[0]] / temperature;
    let weights: Vec<f64> = candidates
        .iter()
        .map(|&i| {
            let w = (scores[i] / temperature - max).exp();
            if w.is_finite() { w } else { 0.0 }
        })
        .collect();
    let total: f64 = weights.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return Ok(candidates[0] as i64);
    }
    let mut u = rng.next_f64() * total;
    for (&i, &w) in candidates.iter().zip(&weights) {
        if u < w {
            return Ok(i as i64);
        }
        u -= w;
    }
    Ok(candidates[keep - 1] as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_ties_by_index() {
        let t = Value::Tensor(
            Tensor::from_vec(&[2, 4], vec![9.0f32, 9.0, 9.0, 9.0, 1.0, 3.0, 3.0, 2.0]).unwrap(),
        );
        let (i, v) = top_k(&t, 3).unwrap();
        assert_eq!(i.to_string(), "[1, 2, 3]");
        assert_eq!(v.to_string(), "[3.0, 3.0, 2.0]");
    }

    #[test]
    fn greedy_and_seeded() {
        let t = Value::Tensor(Tensor::from_vec(&[4], vec![0.1f32, 2.0, 0.3, 1.9]).unwrap());
        let mut rng = Rng::new(0);
        assert_eq!(
            sample(&t, &Value::Float(0.0), &Value::Int(0), &mut rng).unwrap(),
            1
        );
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..20)
                .map(|_| sample(&t, &Value::Float(1.0), &Value::Int(2), &mut rng).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(5), draw(5));
        assert!(draw(5).iter().all(|&i| i == 1 || i == 3));
    }
}
