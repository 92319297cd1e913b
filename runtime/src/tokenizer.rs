//! Tokenizers (Hugging Face `tokenizer.json`), for `PREPROC_ENCODE`,
//! `PREPROC_DECODE` and `PREPROC_GET_ID`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::{Array2, IxDyn};

use crate::error::{ErrorKind, Result, RuntimeError};
use crate::tensor::{Num, Tensor};
use crate::value::{Dict, Value, type_mismatch};

/// A loaded tokenizer.
#[derive(Debug)]
pub struct TokenizerHandle {
    pub path: PathBuf,
    tokenizer: tokenizers::Tokenizer,
    keys: [Arc<str>; 3],
}

fn tok_error(message: impl Into<String>) -> RuntimeError {
    RuntimeError::new(ErrorKind::Tokenizer, message)
}

impl TokenizerHandle {
    /// Loads `tokenizer.json`. `padding: Some(false)` turns off the padding
    /// the file configures; `None` keeps the file's configuration.
    pub fn load(path: &Path, padding: Option<bool>) -> Result<TokenizerHandle> {
        let mut tokenizer = tokenizers::Tokenizer::from_file(path)
            .map_err(|e| tok_error(format!("cannot load tokenizer {}: {e}", path.display())))?;
        if padding == Some(false) {
            tokenizer.with_padding(None);
        }
        Ok(TokenizerHandle {
            path: path.to_path_buf(),
            tokenizer,
            keys: [
                Arc::from("input_ids"),
                Arc::from("attention_mask"),
                Arc::from("token_type_ids"),
            ],
        })
    }

    /// Whether the tokenizer pads its output.
    pub fn pads(&self) -> bool {
        self.tokenizer.get_padding().is_some()
    }

    /// Encodes a str (to `[1, n]` tensors) or a list of str (to `[b, n]`),
    /// with special tokens: a dict of `input_ids`, `attention_mask` and
    /// `token_type_ids`, all i64.
    pub fn encode(&self, input: &Value) -> Result<Value> {
        let what = "PREPROC_ENCODE";
        let encodings = match input {
            Value::Str(s) => vec![
                self.tokenizer
                    .encode_fast(&**s, true)
                    .map_err(|e| tok_error(format!("{what}: cannot encode: {e}")))?,
            ],
            Value::List(items) => {
                let texts: Vec<&str> = items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .ok_or_else(|| type_mismatch(what, "a list of str", v))
                    })
                    .collect::<Result<_>>()?;
                if texts.is_empty() {
                    return Err(RuntimeError::value(format!("{what}: the batch is empty")));
                }
                self.tokenizer
                    .encode_batch_fast(texts, true)
                    .map_err(|e| tok_error(format!("{what}: cannot encode: {e}")))?
            }
            other => return Err(type_mismatch(what, "a str or a list of str", other)),
        };
        let b = encodings.len();
        // Without padding a batch may be ragged: pad to the longest with 0s.
        let n = encodings.iter().map(|e| e.len()).max().unwrap_or(0);
        let mut ids = Array2::<i64>::zeros((b, n));
        let mut mask = Array2::<i64>::zeros((b, n));
        let mut types = Array2::<i64>::zeros((b, n));
        for (row, e) in encodings.iter().enumerate() {
            for (col, ((&id, &m), &t)) in e
                .get_ids()
                .iter()
                .zip(e.get_attention_mask())
                .zip(e.get_type_ids())
                .enumerate()
            {
                ids[(row, col)] = id as i64;
                mask[(row, col)] = m as i64;
                types[(row, col)] = t as i64;
            }
        }
        let mut d = Dict::with_capacity(3);
        for (key, arr) in self.keys.iter().zip([ids, mask, types]) {
            let arr = arr
                .into_dimensionality::<IxDyn>()
                .map_err(|e| tok_error(e.to_string()))?;
            d.insert(key.clone(), Value::Tensor(Tensor::from_array(arr)));
        }
        Ok(Value::dict(d))
    }

    /// Decodes ids (an int, a list of ints, or an integer tensor of any
    /// shape, flattened), skipping special tokens.
    pub fn decode(&self, input: &Value) -> Result<String> {
        let what = "PREPROC_DECODE";
        let ids: Vec<i64> = match input {
            Value::Int(i) => vec![*i],
            Value::List(items) => items
                .iter()
                .map(|v| {
                    v.as_int()
                        .ok_or_else(|| type_mismatch(what, "a list of ints", v))
                })
                .collect::<Result<_>>()?,
            Value::Tensor(t) if t.dtype().is_int() => {
                t.nums().into_iter().map(Num::as_i64).collect()
            }
            other => {
                return Err(type_mismatch(
                    what,
                    "token ids (an int, a list of ints or an integer tensor)",
                    other,
                ));
            }
        };
        let ids: Vec<u32> = ids
            .into_iter()
            .map(|i| {
                u32::try_from(i)
                    .map_err(|_| RuntimeError::value(format!("{what}: {i} is not a token id")))
            })
            .collect::<Result<_>>()?;
        self.tokenizer
            .decode(&ids, true)
            .map_err(|e| tok_error(format!("{what}: cannot decode: {e}")))
    }

    /// The id of a token (`[SEP]`, `</s>`, ...).
    pub fn token_id(&self, token: &str) -> Result<i64> {
        self.tokenizer
            .token_to_id(token)
            .map(i64::from)
            .ok_or_else(|| {
                tok_error(format!(
                    "the tokenizer {} has no token \"{token}\"",
                    self.path.display()
                ))
            })
    }

    /// The vocabulary size, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }
}
