//! Document pipelines: the host functions the Jules BIR front end lowers to
//! (`docs/bir.md`), one file per concern.
//!
//! The pipeline's state is a dict value passed from call to call (see
//! [`state::DocState`]): the documents, their embeddings and clusters, the
//! summaries, and the capsule. Each `doc_*` function takes the state first
//! and returns the next state.

pub mod capsule;
pub mod cluster;
pub mod compress;
pub mod embed;
pub mod load;
pub mod ocr;
pub mod state;
pub mod summarize;

use crate::host::HostRegistry;
use crate::value::{Value, want_f64, want_int, want_str};

pub use state::{DocKind, DocState, Document, Summary};

/// Adds the `doc_*` functions to a registry.
pub fn register(r: &mut HostRegistry) {
    r.register("doc_load", (1, 2), (1, 1), "path [, dataset] -> dataset: the documents of a folder or file (.txt, .md, .jsonl, .png, .jpg), appended to the dataset if given", |i, ctx| {
        let more = i.get(1).map(DocState::from_value).transpose()?;
        load::load(want_str(&i[0], "doc_load path")?, more, ctx).map(|s| vec![s.to_value()])
    });
    r.register("doc_filter", (2, 2), (1, 1), "dataset, mask -> the documents whose kind bit is set (0x01 text, 0x02 markdown, 0x04 jsonl, 0x08 png, 0x10 jpeg)", |i, _| {
        let mut s = DocState::from_value(&i[0])?;
        load::filter(&mut s, want_int(&i[1], "doc_filter mask")?)?;
        Ok(vec![s.to_value()])
    });
    r.register("doc_ocr", (4, 4), (1, 1), "dataset, threshold, engine, lang -> images read with Tesseract, words below threshold (0..1 of its confidence) dropped", |i, ctx| {
        let mut s = DocState::from_value(&i[0])?;
        let thr = want_f64(&i[1], "doc_ocr threshold")?;
        ocr::ocr_all(&mut s, thr, want_str(&i[2], "doc_ocr engine")?, want_str(&i[3], "doc_ocr lang")?, ctx.sandbox)?;
        Ok(vec![s.to_value()])
    });
    r.register("doc_embed", (4, 4), (1, 1), "dataset, batch size, model path, tokenizer path -> every document embedded (L2-normalised)", |i, ctx| {
        let mut s = DocState::from_value(&i[0])?;
        let batch = want_int(&i[1], "doc_embed batch size")?;
        embed::embed_all(&mut s, batch, want_str(&i[2], "doc_embed model")?, want_str(&i[3], "doc_embed tokenizer")?, ctx)?;
        Ok(vec![s.to_value()])
    });
    r.register(
        "doc_cluster",
        (3, 3),
        (1, 1),
        "dataset, algo_id, k -> documents assigned to clusters (algo 0: k-means, maximin seeding)",
        |i, _| {
            let mut s = DocState::from_value(&i[0])?;
            cluster::cluster(
                &mut s,
                want_int(&i[1], "doc_cluster algo_id")?,
                want_int(&i[2], "doc_cluster k")?,
            )?;
            Ok(vec![s.to_value()])
        },
    );
    r.register("doc_summarize", (8, 8), (1, 1), "dataset, scope, model, tokenizer, generation.json, temperature, max_new_tokens, seed -> summaries by a local causal LM", |i, ctx| {
        let mut s = DocState::from_value(&i[0])?;
        let options = summarize::Options {
            scope: want_int(&i[1], "doc_summarize scope")?,
            model: want_str(&i[2], "doc_summarize model")?.to_string(),
            tokenizer: want_str(&i[3], "doc_summarize tokenizer")?.to_string(),
            generation: want_str(&i[4], "doc_summarize generation")?.to_string(),
            temperature: want_f64(&i[5], "doc_summarize temperature")?,
            max_new_tokens: want_int(&i[6], "doc_summarize max_new_tokens")?,
            seed: want_int(&i[7], "doc_summarize seed")?,
        };
        summarize::summarize(&mut s, &options, ctx)?;
        Ok(vec![s.to_value()])
    });
    r.register("doc_compress", (2, 2), (1, 1), "dataset, strategy -> 0 near-duplicates removed, 1 extractive sentence selection, 2 whitespace and markup normalised", |i, _| {
        let mut s = DocState::from_value(&i[0])?;
        compress::compress(&mut s, want_int(&i[1], "doc_compress strategy")?)?;
        Ok(vec![s.to_value()])
    });
    r.register(
        "doc_capsule",
        (3, 3),
        (1, 1),
        "dataset, token budget, tokenizer path -> the capsule text, at most budget tokens",
        |i, ctx| {
            let mut s = DocState::from_value(&i[0])?;
            capsule::build(
                &mut s,
                want_int(&i[1], "doc_capsule budget")?,
                want_str(&i[2], "doc_capsule tokenizer")?,
                ctx,
            )?;
            Ok(vec![s.to_value()])
        },
    );
    r.register(
        "doc_write",
        (2, 2),
        (1, 1),
        "dataset, path -> the capsule written to path",
        |i, ctx| {
            let mut s = DocState::from_value(&i[0])?;
            capsule::write(&mut s, want_str(&i[1], "doc_write path")?, ctx)?;
            Ok(vec![s.to_value()])
        },
    );
    r.register("doc_report", (1, 1), (1, 1), "dataset -> a summary dict: documents, clusters, summaries, capsule, capsule_tokens, token_budget, output", |i, _| {
        Ok(vec![DocState::from_value(&i[0])?.report()])
    });
}

/// Reads an optional value: `Null` is `None`.
fn opt(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !matches!(v, Value::Null))
}
