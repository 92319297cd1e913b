//! LOAD_DATASET and SET_FILTER: finding documents and keeping some kinds.

use std::path::{Path, PathBuf};

use super::state::{DocKind, DocState, Document};
use crate::error::{ErrorKind, Result, RuntimeError};
use crate::host::HostContext;

/// The most documents one dataset may hold.
pub const MAX_DOCUMENTS: usize = 100_000;

fn dataset_error(message: impl Into<String>) -> RuntimeError {
    RuntimeError::new(ErrorKind::Dataset, message)
}

/// Loads the documents of a folder (recursively, in path order, hidden files
/// and unknown extensions skipped) or of one file; appends them to `more`.
pub fn load(path: &str, more: Option<DocState>, ctx: &HostContext<'_>) -> Result<DocState> {
    let real = ctx.resolve(path, "dataset", ErrorKind::Dataset)?;
    let mut state = more.unwrap_or_default();
    let mut files = Vec::new();
    if real.is_dir() {
        walk(&real, &mut files)?;
    } else {
        files.push(real.clone());
    }
    let root = if real.is_dir() {
        real.clone()
    } else {
        real.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let first = state.docs.len();
    for file in files {
        let Some(kind) = file
            .extension()
            .and_then(|e| e.to_str())
            .and_then(DocKind::of_extension)
        else {
            if file == real {
                return Err(dataset_error(format!(
                    "`{path}` is not a document kind the pipeline reads"
                ))
                .with_help("give a folder, or a .txt, .md, .jsonl, .png, .jpg or .jpeg file"));
            }
            continue;
        };
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let file_str = file.display().to_string();
        // Each file is checked on its own: a symbolic link may point outside.
        let checked = ctx.check_read(&file_str)?;
        match kind {
            DocKind::Png | DocKind::Jpeg => state.docs.push(Document {
                name: shown,
                file: checked.display().to_string(),
                kind,
                text: String::new(),
                ocr_pending: true,
            }),
            DocKind::Text | DocKind::Markdown => {
                let text = read_text(&checked, &shown)?;
                state.docs.push(Document {
                    name: shown,
                    file: checked.display().to_string(),
                    kind,
                    text,
                    ocr_pending: false,
                });
            }
            DocKind::Jsonl => {
                let text = read_text(&checked, &shown)?;
                for (n, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
                        dataset_error(format!("{shown}, line {}: not JSON: {e}", n + 1))
                    })?;
                    let Some(text) = value.get("text").and_then(|t| t.as_str()) else {
                        return Err(dataset_error(format!(
                            "{shown}, line {}: expected an object with a string field \"text\"",
                            n + 1
                        ))
                        .with_help(
                            "each line of a .jsonl dataset is one document: {\"text\": \"...\"}",
                        ));
                    };
                    state.docs.push(Document {
                        name: format!("{shown}#{}", n + 1),
                        file: checked.display().to_string(),
                        kind,
                        text: text.to_string(),
                        ocr_pending: false,
                    });
                }
            }
        }
        if state.docs.len() > MAX_DOCUMENTS {
            return Err(dataset_error(format!(
                "`{path}` holds more than {MAX_DOCUMENTS} documents"
            )));
        }
    }
    if state.docs.len() > first || first == 0 {
        // New documents have no embeddings or clusters yet.
        state.embeddings = None;
        state.clusters = None;
        state.capsule = None;
    }
    Ok(state)
}

fn read_text(file: &Path, shown: &str) -> Result<String> {
    let bytes =
        std::fs::read(file).map_err(|e| RuntimeError::io(format!("cannot read `{shown}`: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        dataset_error(format!(
            "`{shown}` is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| RuntimeError::io(format!("cannot list `{}`: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
        if out.len() > MAX_DOCUMENTS {
            return Err(dataset_error(format!(
                "`{}` holds more than {MAX_DOCUMENTS} files",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// Keeps the documents whose kind bit is set in `mask`.
pub fn filter(state: &mut DocState, mask: i64) -> Result<()> {
    if !(0..=0x1f).contains(&mask) {
        return Err(RuntimeError::value(format!(
            "SET_FILTER mask 0x{mask:x} has undefined bits (defined: 0x1f)"
        )));
    }
    let keep: Vec<bool> = state
        .docs
        .iter()
        .map(|d| d.kind.bit() & mask != 0)
        .collect();
    state.retain(&keep);
    Ok(())
}
