//! Shared helpers: build a package folder from the example sentiment package
//! plus a manifest text, compile it, render the diagnostics with stable paths.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use omex_diagnostics::{Diagnostic, FileId, Severity, SourceFiles, render};
use omex_frontend_axon::{Options, Output, compile_hf_config, compile_manifest};

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn examples_dir() -> PathBuf {
    crate_dir().join("../../examples/packages")
}

/// A fresh package folder named `name` holding the example sentiment
/// package's files (without its manifest), then `extra` files.
pub fn package(name: &str, extra: &[(&str, &[u8])]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("axon-packages")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["model.onnx", "tokenizer.json", "labels.txt"] {
        std::fs::copy(examples_dir().join("sentiment").join(f), dir.join(f)).unwrap();
    }
    for (path, bytes) in extra {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

pub fn options(dir: &Path) -> Options {
    Options {
        package_dir: dir.to_path_buf(),
        formats: vec!["onnx".into()],
    }
}

pub fn compile(
    dir: &Path,
    name: &str,
    text: &str,
    hf: bool,
) -> (Option<Output>, Vec<Diagnostic>, SourceFiles) {
    let mut files = SourceFiles::new();
    let id = files.add(name, text.to_string());
    assert_eq!(id, FileId(0));
    let compile = if hf {
        compile_hf_config
    } else {
        compile_manifest
    };
    let (out, diags) = compile(id, text, &files, &options(dir));
    (out, diags, files)
}

pub fn numbered(source: &str) -> String {
    let mut out = String::new();
    for (i, line) in source.lines().enumerate() {
        out.push_str(&format!("{:>3} | {line}\n", i + 1));
    }
    out
}

/// The source and every diagnostic, as the command line shows them.
pub fn report(dir: &Path, name: &str, text: &str, hf: bool) -> String {
    let (out, diags, files) = compile(dir, name, text, hf);
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    assert_eq!(out.is_some(), errors == 0, "{diags:#?}");
    let mut s = String::from("source:\n");
    s.push_str(&numbered(text));
    s.push_str(&format!(
        "\n{} diagnostic(s), {} error(s){}:\n",
        diags.len(),
        errors,
        if out.is_some() {
            ", module produced"
        } else {
            ""
        }
    ));
    for d in &diags {
        s.push_str(&render::plain(d, &files));
    }
    s.replace(&dir.display().to_string(), "<package>")
}
