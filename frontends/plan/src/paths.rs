//! Where the files a plan names (models, tokenizers) are looked for.
//!
//! A relative path is tried against the plan's folder first, then against
//! each model path entry in order; the first existing file wins. An absolute
//! path is used as it is. The IR keeps the path as written: the runtime
//! resolves it again with the same rules, so resolution here only checks
//! that the file exists and reads model signatures.

use std::path::{Path, PathBuf};

use crate::Options;

/// The outcome of a search: the file found, or every place tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    At(PathBuf),
    Missing(Vec<PathBuf>),
}

/// The places `written` is looked for, in order.
pub fn candidates(written: &str, options: &Options) -> Vec<PathBuf> {
    let path = Path::new(written);
    if path.is_absolute() {
        return vec![path.to_path_buf()];
    }
    std::iter::once(&options.plan_dir)
        .chain(&options.model_path)
        .map(|dir| dir.join(path))
        .collect()
}

/// Looks for the file `written` (as the recipe wrote it).
pub fn resolve(written: &str, options: &Options) -> Found {
    let tried = candidates(written, options);
    match tried.iter().find(|p| p.is_file()) {
        Some(found) => Found::At(found.clone()),
        None => Found::Missing(tried),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_dir_first_then_model_path_in_order() {
        let options = Options {
            plan_dir: "plans".into(),
            model_path: vec!["/a".into(), "b".into()],
            plan: None,
        };
        assert_eq!(
            candidates("m/model.onnx", &options),
            [
                PathBuf::from("plans/m/model.onnx"),
                PathBuf::from("/a/m/model.onnx"),
                PathBuf::from("b/m/model.onnx")
            ]
        );
        assert_eq!(
            candidates("/x/y.onnx", &options),
            [PathBuf::from("/x/y.onnx")]
        );
        let manifest = env!("CARGO_MANIFEST_DIR");
        let options = Options {
            plan_dir: "/nonexistent".into(),
            model_path: vec![manifest.into()],
            plan: None,
        };
        assert_eq!(
            resolve("Cargo.toml", &options),
            Found::At(Path::new(manifest).join("Cargo.toml"))
        );
        assert!(matches!(resolve("nope.onnx", &options), Found::Missing(v) if v.len() == 2));
    }
}
