//! Models, tokenizers and the loops around them: the sliding-window forward
//! pass and greedy generation.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use omex_diagnostics::{Diagnostic, Span};
use omex_ir::{DType, Dim, ModelDecl, Op, Type, Value};
use omex_mep::subtype::{BinaryOp, CompareOp, CreateOp, ExternKind, ManipOp};

use super::build::{self, SEQ};
use super::{Forward, Lowerer};
use crate::codes;
use crate::lower::steps::Step;
use crate::model::{Spanned, Str};

/// A loaded model and how to call it.
pub struct ModelInfo {
    pub value: Value,
    /// The model file (for the tokenizer and generation.json beside it).
    pub file: PathBuf,
    /// The IR path of the model's folder (for files beside it).
    pub dir_written: String,
    /// The token ids input.
    pub input: String,
    /// Other inputs, filled from the ids' shape.
    pub extra: Vec<(String, CreateOp)>,
    pub output: String,
    pub vocab: Dim,
}

/// `eos_token` of a `generation.json` beside the model, if there is one.
pub fn generation_eos(model_file: &Path) -> Option<String> {
    let path = model_file.parent()?.join("generation.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("eos_token")?.as_str().map(str::to_string)
}

impl Lowerer<'_, '_> {
    pub(super) fn load_model(&mut self, reference: &Str) -> Option<Rc<ModelInfo>> {
        let found = self.search.model(reference, self.diags)?;
        if let Some(info) = self.models.get(&found.written) {
            return Some(info.clone());
        }
        let unusable =
            |why: String| {
                Diagnostic::error(
                codes::MODEL_UNUSABLE,
                format!("model `{}` cannot be run as a language model", found.written),
            )
            .with_primary(reference.span, why)
            .with_help(
                "omexc runs ONNX causal language models: input `input_ids` (int64 [batch, seq]), \
                 output `logits` ([batch, seq, vocab])",
            )
            };
        let sig = match omex_onnx::read_signature(&found.file) {
            Ok(sig) => sig,
            Err(e) => {
                self.diags.push(unusable(e.to_string()));
                return None;
            }
        };
        let is_ids = |p: &&omex_ir::ModelPort| {
            p.name == "input_ids"
                || (p.ty.dtype == Some(DType::I64)
                    && !matches!(p.name.as_str(), "attention_mask" | "token_type_ids"))
        };
        let Some(input) = sig.inputs.iter().find(is_ids).map(|p| p.name.clone()) else {
            self.diags
                .push(unusable("it has no token ids input".into()));
            return None;
        };
        let mut extra = Vec::new();
        for p in &sig.inputs {
            match p.name.as_str() {
                n if n == input => {}
                "attention_mask" => extra.push((p.name.clone(), CreateOp::Ones)),
                "token_type_ids" => extra.push((p.name.clone(), CreateOp::Zeros)),
                other => {
                    self.diags.push(unusable(format!(
                        "it needs an input `{other}` omexc cannot fill"
                    )));
                    return None;
                }
            }
        }
        let out = sig
            .outputs
            .iter()
            .find(|p| p.name == "logits")
            .or(sig.outputs.first());
        let Some((output, vocab)) = out.and_then(|p| match p.ty.shape.as_deref() {
            Some([_, _, v]) => Some((p.name.clone(), v.clone())),
            _ => None,
        }) else {
            self.diags.push(unusable(
                "it has no logits output of shape [batch, seq, vocab]".into(),
            ));
            return None;
        };
        let decl = ModelDecl {
            path: found.written.clone(),
            format: "onnx".into(),
            inputs: Some(sig.inputs.clone()),
            outputs: Some(sig.outputs.clone()),
            size: Some(sig.size),
            sha256: Some(sig.sha256),
            span: Some(reference.span),
        };
        let handle = self.b.module.models.push(decl);
        let value = self.b.emit(
            Op::LoadModel(handle),
            Vec::new(),
            Type::Model,
            reference.span,
        );
        let dir_written = Path::new(&found.written)
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let info = Rc::new(ModelInfo {
            value,
            file: found.file,
            dir_written,
            input,
            extra,
            output,
            vocab,
        });
        self.models.insert(found.written, info.clone());
        Some(info)
    }

    /// The tokenizer of a step: its `tokenizer` key, else `tokenizer.json`
    /// beside `model` or beside the container's first model.
    pub(super) fn tokenizer(&mut self, s: &Step, model: Option<&ModelInfo>) -> Option<Value> {
        let (written, span) = match s.tokenizer {
            Some(t) => match self.search.find(&t.value) {
                Ok(found) => (found.written, t.span),
                Err(tried) => {
                    let mut d = Diagnostic::error(
                        codes::TOKENIZER_NOT_FOUND,
                        format!("tokenizer file `{}` not found", t.value),
                    )
                    .with_primary(t.span, "no such file")
                    .with_help("fix the path (relative to the container's folder)");
                    for p in tried {
                        d = d.with_note(format!("looked for {}", p.display()));
                    }
                    self.diags.push(d);
                    return None;
                }
            },
            None => {
                let beside = match model {
                    Some(m) => Some((m.file.clone(), m.dir_written.clone())),
                    None => self.default_model.clone(),
                };
                let candidate = beside.and_then(|(file, dir)| {
                    let real = file.parent()?.join("tokenizer.json");
                    real.is_file().then(|| {
                        if dir.is_empty() {
                            "tokenizer.json".to_string()
                        } else {
                            format!("{dir}/tokenizer.json")
                        }
                    })
                });
                match candidate {
                    Some(w) => (w, s.type_span),
                    None => {
                        self.diags.push(
                            Diagnostic::error(
                                codes::TOKENIZER_NOT_FOUND,
                                format!("{} `{}` has no tokenizer", s.noun, s.id.value),
                            )
                            .with_primary(s.type_span, "needs a tokenizer")
                            .with_note(
                                "without a `tokenizer` key, the `tokenizer.json` beside the \
                                 container's first model is used, and there is none",
                            )
                            .with_help("add \"tokenizer\": \"path/to/tokenizer.json\""),
                        );
                        return None;
                    }
                }
            }
        };
        if let Some(&v) = self.tokenizers.get(&written) {
            return Some(v);
        }
        let v = self.b.emit(
            Op::LoadExtern {
                kind: ExternKind::Tokenizer,
                repo: written.clone(),
            },
            Vec::new(),
            Type::Tokenizer,
            span,
        );
        self.tokenizers.insert(written, v);
        Some(v)
    }

    /// `encode(tok, text).input_ids`, cut to `max_sequence_tokens`.
    pub(super) fn encode(&mut self, tok: Value, text: Value, span: Span) -> Value {
        let ids_ty = build::ids_type();
        let enc_ty = Type::Dict(Some(vec![
            ("input_ids".into(), ids_ty.clone()),
            ("attention_mask".into(), ids_ty.clone()),
        ]));
        let enc = self.b.emit(Op::Encode, vec![tok, text], enc_ty, span);
        let key = self.b.str("input_ids", span);
        let ids = self
            .b
            .emit(Op::Extract, vec![enc, key], ids_ty.clone(), span);
        match self.max_seq {
            Some(max) => {
                let zero = self.b.int(0, span);
                let end = self.b.int(max.min(i64::MAX as u64) as i64, span);
                self.b.slice(ids, 1, zero, end, ids_ty, span)
            }
            None => ids,
        }
    }

    /// One model run on `ids` `[1, n]`: the logits `[1, n, vocab]`.
    pub(super) fn run_model(&mut self, m: &ModelInfo, ids: Value, span: Span) -> Value {
        let mut args = vec![m.value, ids];
        let mut inputs = vec![m.input.clone()];
        if !m.extra.is_empty() {
            let shape = self.b.emit(
                Op::Info(omex_mep::subtype::InfoOp::Shape),
                vec![ids],
                Type::List(Box::new(Type::Int)),
                span,
            );
            for (name, op) in &m.extra {
                let v = self.b.emit(
                    Op::TensorCreate {
                        dtype: DType::I64,
                        op: *op,
                    },
                    vec![shape],
                    build::ids_type(),
                    span,
                );
                args.push(v);
                inputs.push(name.clone());
            }
        }
        self.b.emit(
            Op::RunStatic {
                inputs,
                outputs: vec![m.output.clone()],
            },
            args,
            build::logits_type(&m.vocab),
            span,
        )
    }

    /// The forward pass over windows of `size` tokens, `stride` apart: the
    /// first window's logits, then for each further window the logits of the
    /// positions it adds, concatenated along the sequence.
    pub(super) fn sliding(
        &mut self,
        m: &Rc<ModelInfo>,
        ids: Value,
        size: u64,
        stride: u64,
        span: Span,
    ) -> Value {
        let (w, st) = (size as i64, stride as i64);
        let ids_ty = build::ids_type();
        let logits_ty = build::logits_type(&m.vocab);
        let n = self.b.dim(ids, 1, span);
        let n = self.b.named(n, "tokens");
        let zero = self.b.int(0, span);
        let w_v = self.b.int(w, span);
        let first = self.b.slice(ids, 1, zero, w_v, ids_ty.clone(), span);
        let first = self.run_model(m, first, span);
        // Further windows: at most max(n - w, 0) (one per stride >= 1); the
        // loop leaves once the previous window reached the end
        // (i * stride + w >= n), which makes ceil(max(n - w, 0) / stride).
        let over = self.b.binary(BinaryOp::Sub, n, w_v, span);
        let count = self.b.binary(BinaryOp::Max, over, zero, span);
        let count = self.b.named(count, "windows");
        let lp = self.b.begin_loop(count, &[first], span);
        let (i, merged) = (lp.index, lp.params[0]);
        let st_v = self.b.int(st, span);
        let prev_start = self.b.binary(BinaryOp::Mul, i, st_v, span);
        let w_v = self.b.int(w, span);
        let prev_end = self.b.binary(BinaryOp::Add, prev_start, w_v, span);
        let done = self.b.compare(CompareOp::Ge, prev_end, n, span);
        self.b.emit0(Op::BreakIf, vec![done, merged], span);
        let start = self.b.binary(BinaryOp::Add, prev_start, st_v, span);
        let w_v = self.b.int(w, span);
        let end = self.b.binary(BinaryOp::Add, start, w_v, span);
        let window = self.b.slice(ids, 1, start, end, ids_ty, span);
        let out = self.run_model(m, window, span);
        // The positions this window adds: from min(n - start, w - stride) on.
        let left = self.b.binary(BinaryOp::Sub, n, start, span);
        let overlap = self.b.int(w - st, span);
        let skip = self.b.binary(BinaryOp::Min, left, overlap, span);
        let to_end = self.b.int(i64::MAX, span);
        let fresh = self.b.slice(out, 1, skip, to_end, logits_ty.clone(), span);
        let next = self.b.concat(merged, fresh, 1, logits_ty, span);
        let next = self.b.named(next, "merged");
        self.b.end_loop(lp, vec![next], span)[0]
    }

    /// Greedy generation after a forward pass: up to `max_tokens` times, take
    /// the most likely next token, stop at `eos` (or at
    /// `max_sequence_tokens`), append it and, unless it was the last, run the
    /// model again on the last window. The result is the generated ids `[1, k]`.
    pub(super) fn generate(
        &mut self,
        f: &Forward,
        logits: Value,
        max_tokens: &Spanned<u64>,
        eos: Option<Value>,
        span: Span,
    ) -> Value {
        let ids_ty = build::ids_type();
        let vocab_ty = Type::tensor(DType::F32, vec![f.model.vocab.clone()]);
        let row_ty = Type::tensor(
            DType::F32,
            vec![Dim::Sym(SEQ.into()), f.model.vocab.clone()],
        );
        let prompt_len = self.b.dim(f.tokens, 1, span);
        let prompt_len = self.b.named(prompt_len, "prompt_tokens");
        let row = self.b.index(logits, 0, row_ty.clone(), span);
        let last = self.b.index(row, -1, vocab_ty.clone(), span);
        let count = self.b.int(
            max_tokens.value.min(i64::MAX as u64) as i64,
            max_tokens.span,
        );
        let lp = self.b.begin_loop(count, &[f.tokens, last], span);
        let (ids, last) = (lp.params[0], lp.params[1]);
        self.b.named(ids, "ids");
        let next = self
            .b
            .argmax(last, None, Type::tensor(DType::I64, Vec::new()), span);
        let next = self.b.named(next, "next");
        if let Some(eos) = eos {
            let stop = self.b.compare(CompareOp::Eq, next, eos, span);
            self.b.emit0(Op::BreakIf, vec![stop, ids, last], span);
        }
        if let Some(max) = self.max_seq {
            let len = self.b.dim(ids, 1, span);
            let max = self.b.int(max.min(i64::MAX as u64) as i64, span);
            let full = self.b.compare(CompareOp::Ge, len, max, span);
            self.b.emit0(Op::BreakIf, vec![full, ids, last], span);
        }
        let shape = self.b.int_list(&[1, 1], span);
        let next = self.b.emit(
            Op::Manipulate(ManipOp::Reshape),
            vec![next, shape],
            Type::tensor(DType::I64, vec![Dim::Fixed(1), Dim::Fixed(1)]),
            span,
        );
        let grown = self.b.concat(ids, next, 1, ids_ty.clone(), span);
        let grown = self.b.named(grown, "ids");
        // After the last token no model run is needed: leave with it.
        let final_index = self.b.int(
            max_tokens.value.min(i64::MAX as u64) as i64 - 1,
            max_tokens.span,
        );
        let was_final = self.b.compare(CompareOp::Ge, lp.index, final_index, span);
        self.b
            .emit0(Op::BreakIf, vec![was_final, grown, last], span);
        let context = match f.window {
            Some((w, _)) => {
                let from = self.b.int(-(w.min(i64::MAX as u64) as i64), span);
                let to_end = self.b.int(i64::MAX, span);
                self.b.slice(grown, 1, from, to_end, ids_ty.clone(), span)
            }
            None => grown,
        };
        let out = self.run_model(&f.model, context, span);
        let row = self.b.index(out, 0, row_ty, span);
        let last2 = self.b.index(row, -1, vocab_ty, span);
        let results = self.b.end_loop(lp, vec![grown, last2], span);
        let to_end = self.b.int(i64::MAX, span);
        self.b
            .slice(results[0], 1, prompt_len, to_end, ids_ty, span)
    }
}
