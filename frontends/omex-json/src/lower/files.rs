//! Names that are files, model references, and where model files are found.
//!
//! A model reference is a path, optionally prefixed `local://`. Remote
//! references (`zsei://`, `http(s)://`, any other `scheme://`) are never
//! fetched. A relative path is looked for in the container's folder, then in
//! `storage_policy.local_cache_dir` (relative to the container), then in each
//! model path entry. The IR records the path relative to the container's
//! folder (or to the model path entry it was found in): the runtime searches
//! the same folders.

use std::path::{Component, Path, PathBuf};

use omex_diagnostics::Diagnostic;

use crate::codes;
use crate::model::Str;

/// Whether a stage input or output names a file rather than a value:
/// it has a `/` or an extension (`user_input.txt`).
pub fn is_file_name(name: &str) -> bool {
    name.contains('/')
        || Path::new(name)
            .extension()
            .is_some_and(|e| !e.is_empty() && !name.starts_with('.'))
}

/// `a/./b/../c` -> `a/c`, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if out.as_os_str().is_empty() || out.ends_with("..") {
                    out.push("..");
                } else {
                    out.pop();
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The path a program uses for a file the container names (relative to its folder).
pub fn data_path(container_dir: &Path, name: &str) -> String {
    let p = Path::new(name);
    if p.is_absolute() {
        return name.to_string();
    }
    normalize(&container_dir.join(p)).display().to_string()
}

/// A model reference split into its local path, or why it is not local.
pub enum Reference {
    Local(String),
    Remote { scheme: String },
}

pub fn classify(reference: &str) -> Reference {
    if let Some(rest) = reference.strip_prefix("local://") {
        return Reference::Local(rest.to_string());
    }
    match reference.split_once("://") {
        Some((scheme, _)) if !scheme.is_empty() && !scheme.contains('/') => Reference::Remote {
            scheme: scheme.to_string(),
        },
        _ => Reference::Local(reference.to_string()),
    }
}

pub struct Search<'a> {
    pub container_dir: &'a Path,
    pub cache_dir: Option<&'a str>,
    pub model_path: &'a [PathBuf],
    /// `storage_policy.allow_remote_fetch` as written (its span for messages).
    pub allow_remote: Option<(bool, omex_diagnostics::Span)>,
}

/// A model or tokenizer file found: the path the IR records and the real file.
pub struct Found {
    pub written: String,
    pub file: PathBuf,
}

impl Search<'_> {
    /// The folders a relative `path` is looked for in, with the prefix the IR
    /// path gets for each (relative to the container folder or a model path).
    fn places(&self, path: &str) -> Vec<(PathBuf, String)> {
        let p = Path::new(path);
        if p.is_absolute() {
            return vec![(p.to_path_buf(), path.to_string())];
        }
        let mut out = vec![(self.container_dir.join(p), path.to_string())];
        if let Some(cache) = self.cache_dir {
            let written = normalize(&Path::new(cache).join(p)).display().to_string();
            out.push((self.container_dir.join(&written), written));
        }
        for dir in self.model_path {
            out.push((dir.join(p), path.to_string()));
        }
        out
    }

    /// Finds the file `path` names; `None` with every place tried.
    pub fn find(&self, path: &str) -> Result<Found, Vec<PathBuf>> {
        let places = self.places(path);
        match places.iter().find(|(file, _)| file.is_file()) {
            Some((file, written)) => Ok(Found {
                written: written.clone(),
                file: file.clone(),
            }),
            None => Err(places.into_iter().map(|(f, _)| f).collect()),
        }
    }

    /// Resolves a model reference to a local file, reporting remote
    /// references and missing files.
    pub fn model(&self, reference: &Str, diags: &mut Vec<Diagnostic>) -> Option<Found> {
        let path = match classify(&reference.value) {
            Reference::Local(path) => path,
            Reference::Remote { scheme } => {
                diags.push(remote(reference, &scheme, self.allow_remote));
                return None;
            }
        };
        if path.is_empty() {
            diags.push(
                Diagnostic::error(codes::BAD_SCHEME, "the model reference names no file")
                    .with_primary(reference.span, "empty path")
                    .with_help("write the model file's path, e.g. \"local://models/model.onnx\""),
            );
            return None;
        }
        match self.find(&path) {
            Ok(found) => Some(found),
            Err(tried) => {
                let mut d = Diagnostic::error(
                    codes::MODEL_NOT_FOUND,
                    format!("model file `{path}` not found"),
                )
                .with_primary(reference.span, "no such file")
                .with_help(
                    "fix the path, set `storage_policy.local_cache_dir`, or pass --model-path DIR",
                );
                for t in tried {
                    d = d.with_note(format!("looked for {}", t.display()));
                }
                diags.push(d);
                None
            }
        }
    }
}

fn remote(
    reference: &Str,
    scheme: &str,
    allow_remote: Option<(bool, omex_diagnostics::Span)>,
) -> Diagnostic {
    match allow_remote {
        Some((false, policy)) => Diagnostic::error(
            codes::REMOTE_FORBIDDEN,
            format!(
                "remote model reference `{}` is forbidden by the storage policy",
                reference.value
            ),
        )
        .with_primary(reference.span, format!("a `{scheme}://` reference"))
        .with_secondary(policy, "remote fetches are turned off here")
        .with_help("download the model and reference the local file (`local://path/model.onnx`)"),
        _ => Diagnostic::error(
            codes::REMOTE_UNAVAILABLE,
            format!(
                "remote model reference `{}`: omexc never fetches models",
                reference.value
            ),
        )
        .with_primary(reference.span, format!("a `{scheme}://` reference"))
        .with_note("execution is local-first: every model must be a local file at compile time")
        .with_help("download the model and reference the local file (`local://path/model.onnx`)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_references() {
        assert!(is_file_name("user_input.txt"));
        assert!(is_file_name("./src"));
        assert!(!is_file_name("input_tokens"));
        assert!(!is_file_name(".hidden"));
        assert_eq!(normalize(Path::new("./a/../b/c")), PathBuf::from("b/c"));
        assert_eq!(normalize(Path::new("../m/x")), PathBuf::from("../m/x"));
        assert_eq!(data_path(Path::new("."), "in.txt"), "in.txt");
        assert_eq!(data_path(Path::new("ex/omex"), "in.txt"), "ex/omex/in.txt");
        assert!(matches!(classify("local://m/x.onnx"), Reference::Local(p) if p == "m/x.onnx"));
        assert!(matches!(classify("m/x.onnx"), Reference::Local(_)));
        assert!(
            matches!(classify("zsei://models/slm?q8"), Reference::Remote { scheme } if scheme == "zsei")
        );
        assert!(matches!(classify("https://x/y"), Reference::Remote { .. }));
    }
}
