//! COMPRESS strategies.
//!
//! - 0, near-duplicate removal: a document whose word 3-shingles overlap an
//!   earlier kept document's by Jaccard similarity >= 0.8 is dropped (exact
//!   duplicates included; texts under three words compare as word sets).
//! - 1, extractive sentence selection: each document keeps its best half of
//!   sentences (at least one), in their original order; a sentence scores
//!   the mean TF-IDF weight of its words over the dataset.
//! - 2, whitespace and markup normalisation: Markdown markers (headings,
//!   emphasis, code ticks, quotes, list bullets) removed, runs of spaces
//!   collapsed, blank lines dropped.

use std::collections::{BTreeMap, BTreeSet};

use super::state::DocState;
use crate::error::{Result, RuntimeError};

pub const DUPLICATE_JACCARD: f64 = 0.8;

pub fn compress(state: &mut DocState, strategy: i64) -> Result<()> {
    match strategy {
        0 => dedupe(state),
        1 => {
            let sentences: Vec<Vec<String>> =
                state.docs.iter().map(|d| sentences(&d.text)).collect();
            let picked = select(&sentences);
            for (doc, text) in state.docs.iter_mut().zip(picked) {
                doc.text = text;
            }
        }
        2 => state
            .docs
            .iter_mut()
            .for_each(|d| d.text = normalise(&d.text)),
        other => {
            return Err(RuntimeError::value(format!(
                "unknown COMPRESS strategy_id {other} (0 near-duplicates, 1 extractive, 2 normalise)"
            )));
        }
    }
    Ok(())
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn shingles(text: &str) -> BTreeSet<String> {
    let w = words(text);
    if w.len() < 3 {
        return w.into_iter().collect();
    }
    w.windows(3).map(|s| s.join(" ")).collect()
}

fn dedupe(state: &mut DocState) {
    let sets: Vec<BTreeSet<String>> = state.docs.iter().map(|d| shingles(&d.text)).collect();
    let mut keep = vec![true; sets.len()];
    for i in 0..sets.len() {
        keep[i] = !(0..i).any(|j| keep[j] && similarity(&sets[i], &sets[j]) >= DUPLICATE_JACCARD);
    }
    state.retain(&keep);
}

/// Jaccard similarity |A ∩ B| / |A ∪ B|.
fn similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    inter as f64 / union as f64
}

/// Sentences: split after `.`, `!` or `?` followed by whitespace, and at line breaks.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (k, &(i, c)) in chars.iter().enumerate() {
            let next_space = chars.get(k + 1).is_none_or(|(_, n)| n.is_whitespace());
            if matches!(c, '.' | '!' | '?') && next_space {
                let s = line[start..i + c.len_utf8()].trim();
                if !s.is_empty() {
                    out.push(s.to_string());
                }
                start = i + c.len_utf8();
            }
        }
        let s = line[start..].trim();
        if !s.is_empty() {
            out.push(s.to_string());
        }
    }
    out
}

/// The best half of each document's sentences, joined with spaces.
fn select(docs: &[Vec<String>]) -> Vec<String> {
    let mut df: BTreeMap<String, usize> = BTreeMap::new();
    for doc in docs {
        let set: BTreeSet<String> = doc.iter().flat_map(|s| words(s)).collect();
        for w in set {
            *df.entry(w).or_default() += 1;
        }
    }
    let n = docs.len() as f64;
    docs.iter()
        .map(|doc| {
            let mut tf: BTreeMap<String, usize> = BTreeMap::new();
            for s in doc {
                for w in words(s) {
                    *tf.entry(w).or_default() += 1;
                }
            }
            let weight = |w: &str| {
                let idf = ((n + 1.0) / (df.get(w).copied().unwrap_or(0) as f64 + 1.0)).ln() + 1.0;
                tf.get(w).copied().unwrap_or(0) as f64 * idf
            };
            let mut scored: Vec<(usize, f64)> = doc
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let w = words(s);
                    let score = if w.is_empty() {
                        0.0
                    } else {
                        w.iter().map(|x| weight(x)).sum::<f64>() / w.len() as f64
                    };
                    (i, score)
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let keep = doc.len().div_ceil(2);
            let mut chosen: Vec<usize> = scored.iter().take(keep).map(|(i, _)| *i).collect();
            chosen.sort_unstable();
            chosen
                .iter()
                .map(|&i| doc[i].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Markdown markers removed, spaces collapsed, blank lines dropped.
pub fn normalise(text: &str) -> String {
    text.lines()
        .map(|line| {
            let t = line.trim_start();
            let t = t
                .trim_start_matches('#')
                .trim_start_matches('>')
                .trim_start();
            let t = t
                .strip_prefix("- ")
                .or_else(|| t.strip_prefix("* "))
                .or_else(|| t.strip_prefix("+ "))
                .unwrap_or(t);
            let t: String = t
                .chars()
                .filter(|c| !matches!(c, '*' | '_' | '`'))
                .collect();
            t.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::state::{DocKind, Document};

    fn doc(text: &str) -> Document {
        Document {
            name: "d".into(),
            file: "d".into(),
            kind: DocKind::Text,
            text: text.into(),
            ocr_pending: false,
        }
    }

    #[test]
    fn strategies() {
        let mut s = DocState {
            docs: vec![
                doc("The cat sat on the mat today."),
                doc("The cat sat on the mat today!"),
                doc("Rockets need fuel to reach orbit."),
            ],
            ..Default::default()
        };
        compress(&mut s, 0).unwrap();
        assert_eq!(s.docs.len(), 2);
        assert_eq!(s.docs[1].text, "Rockets need fuel to reach orbit.");

        assert_eq!(
            sentences("One. Two!\nThree? 3.5 stays"),
            ["One.", "Two!", "Three?", "3.5 stays"]
        );
        let mut s = DocState {
            docs: vec![
                doc("Orbit orbit orbit rockets. The a. Fuel burns in rockets."),
                doc("The a."),
            ],
            ..Default::default()
        };
        compress(&mut s, 1).unwrap();
        assert_eq!(
            s.docs[0].text,
            "Orbit orbit orbit rockets. Fuel burns in rockets."
        );

        assert_eq!(
            normalise("# Title\n\n- **bold**   item\n> quote `x`"),
            "Title\nbold item\nquote x"
        );
        assert!(compress(&mut s, 7).is_err());
    }
}
