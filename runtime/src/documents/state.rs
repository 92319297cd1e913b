//! The pipeline state, and its form as a runtime value (a dict).

use std::sync::Arc;

use crate::error::{Result, RuntimeError};
use crate::tensor::Tensor;
use crate::value::{Dict, Value, type_mismatch, want_int, want_str, want_tensor};

/// A document kind; each has a SET_FILTER bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Text,
    Markdown,
    Jsonl,
    Png,
    Jpeg,
}

impl DocKind {
    pub const ALL: [DocKind; 5] = [
        DocKind::Text,
        DocKind::Markdown,
        DocKind::Jsonl,
        DocKind::Png,
        DocKind::Jpeg,
    ];

    pub fn bit(self) -> i64 {
        match self {
            DocKind::Text => 0x01,
            DocKind::Markdown => 0x02,
            DocKind::Jsonl => 0x04,
            DocKind::Png => 0x08,
            DocKind::Jpeg => 0x10,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DocKind::Text => "text",
            DocKind::Markdown => "markdown",
            DocKind::Jsonl => "jsonl",
            DocKind::Png => "png",
            DocKind::Jpeg => "jpeg",
        }
    }

    pub fn from_name(name: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind of a file, by extension.
    pub fn of_extension(ext: &str) -> Option<DocKind> {
        match ext.to_ascii_lowercase().as_str() {
            "txt" => Some(DocKind::Text),
            "md" | "markdown" => Some(DocKind::Markdown),
            "jsonl" => Some(DocKind::Jsonl),
            "png" => Some(DocKind::Png),
            "jpg" | "jpeg" => Some(DocKind::Jpeg),
            _ => None,
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, DocKind::Png | DocKind::Jpeg)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The name shown in the capsule (relative to the dataset; `file#line` for JSON Lines).
    pub name: String,
    /// The file it came from (as the sandbox resolved it).
    pub file: String,
    pub kind: DocKind,
    pub text: String,
    /// An image whose text OCR has not read yet.
    pub ocr_pending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// `document`, `cluster` or `dataset`.
    pub scope: String,
    /// The document or cluster index; -1 for the dataset.
    pub index: i64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocState {
    pub docs: Vec<Document>,
    /// One L2-normalised row per document: `[n, d]`, row-major.
    pub embeddings: Option<(usize, Vec<f32>)>,
    /// The cluster of each document.
    pub clusters: Option<Vec<i64>>,
    pub summaries: Vec<Summary>,
    pub capsule: Option<String>,
    pub capsule_tokens: i64,
    pub token_budget: i64,
    pub output: Option<String>,
}

fn field<'a>(d: &'a Dict, key: &str) -> Result<&'a Value> {
    d.get(key).ok_or_else(|| {
        RuntimeError::value(format!(
            "not a document dataset: no `{key}` (keys: {})",
            d.key_list()
        ))
    })
}

fn list<'a>(v: &'a Value, what: &str) -> Result<&'a [Value]> {
    match v {
        Value::List(l) => Ok(l),
        other => Err(type_mismatch(what, "a list", other)),
    }
}

fn dict<'a>(v: &'a Value, what: &str) -> Result<&'a Dict> {
    match v {
        Value::Dict(d) => Ok(d),
        other => Err(type_mismatch(what, "a dict", other)),
    }
}

fn opt_str(v: &Value, what: &str) -> Result<Option<String>> {
    match v {
        Value::Null => Ok(None),
        other => want_str(other, what).map(|s| Some(s.to_string())),
    }
}

impl DocState {
    pub fn to_value(&self) -> Value {
        let docs = self
            .docs
            .iter()
            .map(|doc| {
                let mut d = Dict::with_capacity(5);
                d.insert("name", Value::str(&doc.name));
                d.insert("file", Value::str(&doc.file));
                d.insert("kind", Value::str(doc.kind.name()));
                d.insert("text", Value::str(&doc.text));
                d.insert("ocr_pending", Value::Bool(doc.ocr_pending));
                Value::dict(d)
            })
            .collect();
        let mut d = Dict::with_capacity(8);
        d.insert("documents", Value::list(docs));
        d.insert(
            "embeddings",
            match &self.embeddings {
                Some((dim, data)) => Tensor::from_vec(&[self.docs.len(), *dim], data.clone())
                    .map(Value::Tensor)
                    .unwrap_or(Value::Null),
                None => Value::Null,
            },
        );
        d.insert(
            "clusters",
            match &self.clusters {
                Some(c) => Value::list(c.iter().map(|&x| Value::Int(x)).collect()),
                None => Value::Null,
            },
        );
        d.insert(
            "summaries",
            Value::list(
                self.summaries
                    .iter()
                    .map(|s| {
                        let mut d = Dict::with_capacity(3);
                        d.insert("scope", Value::str(&s.scope));
                        d.insert("index", Value::Int(s.index));
                        d.insert("text", Value::str(&s.text));
                        Value::dict(d)
                    })
                    .collect(),
            ),
        );
        d.insert(
            "capsule",
            self.capsule.as_deref().map_or(Value::Null, Value::str),
        );
        d.insert("capsule_tokens", Value::Int(self.capsule_tokens));
        d.insert("token_budget", Value::Int(self.token_budget));
        d.insert(
            "output",
            self.output.as_deref().map_or(Value::Null, Value::str),
        );
        Value::Dict(Arc::new(d))
    }

    pub fn from_value(v: &Value) -> Result<DocState> {
        let d = dict(v, "a document dataset")?;
        let mut docs = Vec::new();
        for item in list(field(d, "documents")?, "dataset documents")? {
            let doc = dict(item, "a document")?;
            let kind_name = want_str(field(doc, "kind")?, "document kind")?;
            docs.push(Document {
                name: want_str(field(doc, "name")?, "document name")?.to_string(),
                file: want_str(field(doc, "file")?, "document file")?.to_string(),
                kind: DocKind::from_name(kind_name).ok_or_else(|| {
                    RuntimeError::value(format!("unknown document kind `{kind_name}`"))
                })?,
                text: want_str(field(doc, "text")?, "document text")?.to_string(),
                ocr_pending: matches!(field(doc, "ocr_pending")?, Value::Bool(true)),
            });
        }
        let embeddings = match super::opt(d.get("embeddings")) {
            None => None,
            Some(v) => {
                let t = want_tensor(v, "dataset embeddings")?;
                match *t.shape() {
                    [n, dim] if n == docs.len() => {
                        let a = t.to_f32();
                        Some((dim, a.iter().copied().collect()))
                    }
                    _ => {
                        return Err(RuntimeError::shape(format!(
                            "dataset embeddings are {}, expected [{}, dim]",
                            t.describe(),
                            docs.len()
                        )));
                    }
                }
            }
        };
        let clusters = match super::opt(d.get("clusters")) {
            None => None,
            Some(v) => {
                let c = list(v, "dataset clusters")?
                    .iter()
                    .map(|x| want_int(x, "a cluster id"))
                    .collect::<Result<Vec<i64>>>()?;
                if c.len() != docs.len() {
                    return Err(RuntimeError::value(
                        "dataset clusters do not match its documents",
                    ));
                }
                Some(c)
            }
        };
        let mut summaries = Vec::new();
        if let Some(v) = super::opt(d.get("summaries")) {
            for item in list(v, "dataset summaries")? {
                let s = dict(item, "a summary")?;
                summaries.push(Summary {
                    scope: want_str(field(s, "scope")?, "summary scope")?.to_string(),
                    index: want_int(field(s, "index")?, "summary index")?,
                    text: want_str(field(s, "text")?, "summary text")?.to_string(),
                });
            }
        }
        let int_or_zero = |key: &str| d.get(key).and_then(Value::as_int).unwrap_or(0);
        Ok(DocState {
            docs,
            embeddings,
            clusters,
            summaries,
            capsule: match d.get("capsule") {
                Some(v) => opt_str(v, "dataset capsule")?,
                None => None,
            },
            capsule_tokens: int_or_zero("capsule_tokens"),
            token_budget: int_or_zero("token_budget"),
            output: match d.get("output") {
                Some(v) => opt_str(v, "dataset output")?,
                None => None,
            },
        })
    }

    /// Keeps the documents for which `keep` is true, with their embeddings and clusters.
    pub fn retain(&mut self, keep: &[bool]) {
        if let Some((dim, data)) = &mut self.embeddings {
            let dim = *dim;
            let mut out = Vec::with_capacity(data.len());
            for (i, k) in keep.iter().enumerate() {
                if *k && let Some(row) = data.get(i * dim..(i + 1) * dim) {
                    out.extend_from_slice(row);
                }
            }
            *data = out;
        }
        if let Some(c) = &mut self.clusters {
            *c = c
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(x, _)| *x)
                .collect();
        }
        let mut i = 0;
        self.docs.retain(|_| {
            let k = keep.get(i).copied().unwrap_or(true);
            i += 1;
            k
        });
        // Document summaries refer to positions that changed.
        self.summaries.retain(|s| s.scope != "document");
    }

    /// Row `i` of the embeddings.
    pub fn embedding(&self, i: usize) -> Option<&[f32]> {
        self.embeddings
            .as_ref()
            .and_then(|(d, data)| data.get(i * d..(i + 1) * d))
    }

    /// What `HALT` returns.
    pub fn report(&self) -> Value {
        let mut d = Dict::with_capacity(8);
        d.insert("documents", Value::Int(self.docs.len() as i64));
        d.insert(
            "names",
            Value::list(self.docs.iter().map(|doc| Value::str(&doc.name)).collect()),
        );
        d.insert(
            "clusters",
            match &self.clusters {
                Some(c) => Value::Int(c.iter().copied().max().map_or(0, |m| m + 1)),
                None => Value::Int(0),
            },
        );
        d.insert("summaries", Value::Int(self.summaries.len() as i64));
        d.insert(
            "capsule",
            self.capsule.as_deref().map_or(Value::Null, Value::str),
        );
        d.insert("capsule_tokens", Value::Int(self.capsule_tokens));
        d.insert("token_budget", Value::Int(self.token_budget));
        d.insert(
            "output",
            self.output.as_deref().map_or(Value::Null, Value::str),
        );
        Value::dict(d)
    }
}
