//! BUILD_CAPSULE and WRITE_OUTPUT: the final text within a token budget.
//!
//! The capsule is Markdown: a dataset summary (if SUMMARIZE scope 2 ran),
//! then each cluster (or the whole dataset, when not clustered) with its
//! summary and its documents (`### name`, the document's summary if any,
//! then its text). Pieces are added in that order while the whole text,
//! counted with the tokenizer (special tokens included, no padding or
//! truncation), stays within the budget; the first piece that does not fit
//! is cut to the most words that fit (ending with ` …`) and assembly stops.

use std::path::Path;

use super::embed::load_tokenizer;
use super::state::DocState;
use crate::error::{ErrorKind, Result, RuntimeError};
use crate::host::HostContext;

/// Tokens of `text` with the tokenizer.
pub fn count(t: &tokenizers::Tokenizer, text: &str) -> Result<usize> {
    t.encode_fast(text, true)
        .map(|e| e.get_ids().len())
        .map_err(|e| RuntimeError::new(ErrorKind::Tokenizer, format!("cannot count tokens: {e}")))
}

/// The capsule's pieces, in order.
pub fn pieces(state: &DocState) -> Vec<String> {
    let mut out = Vec::new();
    let summary = |scope: &str, index: i64| {
        state
            .summaries
            .iter()
            .find(|s| s.scope == scope && s.index == index && !s.text.is_empty())
            .map(|s| s.text.clone())
    };
    if let Some(s) = summary("dataset", -1) {
        out.push(format!("## Summary\n\n{s}\n\n"));
    }
    let groups: Vec<(Option<i64>, Vec<usize>)> = match &state.clusters {
        Some(c) => {
            let k = c.iter().copied().max().map_or(0, |m| m + 1);
            (0..k)
                .map(|g| (Some(g), (0..c.len()).filter(|&i| c[i] == g).collect()))
                .collect()
        }
        None => vec![(None, (0..state.docs.len()).collect())],
    };
    for (group, members) in groups {
        if let Some(g) = group {
            let mut head = format!(
                "## Cluster {} ({} document{})\n\n",
                g + 1,
                members.len(),
                if members.len() == 1 { "" } else { "s" }
            );
            if let Some(s) = summary("cluster", g) {
                head.push_str(&format!("Summary: {s}\n\n"));
            }
            out.push(head);
        }
        for i in members {
            let doc = &state.docs[i];
            let mut piece = format!("### {}\n\n", doc.name);
            if let Some(s) = summary("document", i as i64) {
                piece.push_str(&format!("Summary: {s}\n\n"));
            }
            let text = doc.text.trim();
            if !text.is_empty() {
                piece.push_str(text);
                piece.push_str("\n\n");
            }
            out.push(piece);
        }
    }
    out
}

pub fn build(
    state: &mut DocState,
    budget: i64,
    tokenizer: &str,
    ctx: &HostContext<'_>,
) -> Result<()> {
    if budget < 1 {
        return Err(RuntimeError::value(format!(
            "token budget {budget} must be at least 1"
        )));
    }
    if let Some(doc) = state.docs.iter().find(|d| d.ocr_pending) {
        return Err(RuntimeError::value(format!(
            "`{}` has not been read by OCR yet",
            doc.name
        )));
    }
    let budget_u = budget as usize;
    let tok = load_tokenizer(tokenizer, false, ctx)?;
    let mut text = String::from("# Context capsule\n\n");
    if count(&tok, &text)? > budget_u {
        text.clear();
    }
    for piece in pieces(state) {
        let candidate = format!("{text}{piece}");
        if count(&tok, candidate.trim_end())? <= budget_u {
            text = candidate;
            continue;
        }
        // The most words of the piece that fit.
        let words: Vec<&str> = piece.split_inclusive(char::is_whitespace).collect();
        let fits = |n: usize| -> Result<bool> {
            let cut: String = words[..n].concat();
            Ok(count(&tok, format!("{text}{} …", cut.trim_end()).trim_end())? <= budget_u)
        };
        let (mut lo, mut hi) = (0, words.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if fits(mid)? {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if lo > 0 {
            text = format!("{text}{} …", words[..lo].concat().trim_end());
        }
        break;
    }
    let text = text.trim_end().to_string();
    let tokens = count(&tok, &text)?;
    if tokens > budget_u {
        // Only possible when even an empty text costs more than the budget.
        return Err(RuntimeError::value(format!(
            "the tokenizer counts {tokens} tokens for the smallest capsule; the budget is {budget}"
        )));
    }
    state.capsule_tokens = tokens as i64;
    state.token_budget = budget;
    state.capsule = Some(text);
    Ok(())
}

/// Writes the capsule; a relative `path` is relative to the program's folder
/// (the first folder of the search path).
pub fn write(state: &mut DocState, path: &str, ctx: &HostContext<'_>) -> Result<()> {
    let Some(capsule) = &state.capsule else {
        return Err(RuntimeError::value(
            "WRITE_OUTPUT has no capsule: run BUILD_CAPSULE first",
        ));
    };
    let target = match ctx.search.first() {
        Some(dir) if Path::new(path).is_relative() => dir.join(path).display().to_string(),
        _ => path.to_string(),
    };
    let real = ctx.sandbox.check_write(&target)?;
    let mut bytes = capsule.clone().into_bytes();
    bytes.push(b'\n');
    std::fs::write(&real, bytes)
        .map_err(|e| RuntimeError::io(format!("cannot write `{path}`: {e}")))?;
    state.output = Some(path.to_string());
    Ok(())
}
