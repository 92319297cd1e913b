//! The fuzz target's logic, as a library function: `cargo test` runs it on a
//! deterministic corpus (see `tests/fuzz.rs`), a fuzzer can call it on any
//! text.

use omex_diagnostics::{FileId, Severity, SourceFiles, render};

use crate::{Options, compile_manifest};

/// Compiles arbitrary manifest text in `package_dir`, rendering every
/// diagnostic. Panics only on a bug: a label outside the text or between
/// bytes of a character, a module returned together with an error (or none
/// without one), or a module the IR verifier rejects.
pub fn check_manifest(text: &str, package_dir: &std::path::Path) {
    let file = FileId(0);
    let mut files = SourceFiles::new();
    files.add("manifest.yaml", text.to_string());
    let options = Options {
        package_dir: package_dir.to_path_buf(),
        formats: vec!["onnx".into()],
    };
    let (output, diags) = compile_manifest(file, text, &files, &options);
    for d in &diags {
        let _ = render::plain(d, &files);
        for label in &d.labels {
            let range = label.span.range();
            assert!(
                range.end <= text.len()
                    && range.start <= range.end
                    && text.is_char_boundary(range.start)
                    && text.is_char_boundary(range.end),
                "label outside the text: {d:?}\n{text}"
            );
        }
    }
    let errors = diags.iter().any(|d| d.severity == Severity::Error);
    assert_eq!(
        output.is_some(),
        !errors,
        "a module is returned exactly when there is no error: {diags:?}\n{text}"
    );
    if let Some(output) = output
        && let Err(errors) = omex_ir::verify(&output.module)
    {
        panic!(
            "the IR of a manifest without errors does not verify: {errors:?}\n{text}\n{}",
            omex_ir::print(&output.module)
        );
    }
}

/// Deterministic variations of a text: prefixes, single-line deletions and
/// duplications, and byte-level edits at spread-out positions (kept UTF-8).
pub fn mutations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for i in 0..lines.len() {
        out.push(lines[..i].join("\n"));
        let mut without = lines.clone();
        without.remove(i);
        out.push(without.join("\n"));
        let mut twice = lines.clone();
        twice.insert(i, lines[i]);
        out.push(twice.join("\n"));
    }
    let inserts = [
        ":", "-", " ", "\n", "\t", "'", "\"", "[", "]", "{", "}", "&a", "*a", "!!str ", "#", "..",
        "-1", "é", "0",
    ];
    let bytes = text.as_bytes();
    let step = (bytes.len() / 97).max(1);
    let mut k = 0usize;
    for pos in (0..bytes.len()).step_by(step) {
        if !text.is_char_boundary(pos) {
            continue;
        }
        let ins = inserts[k % inserts.len()];
        k += 1;
        out.push(format!("{}{}{}", &text[..pos], ins, &text[pos..]));
        let end = (pos + 1..=text.len())
            .find(|e| text.is_char_boundary(*e))
            .unwrap_or(text.len());
        out.push(format!("{}{}", &text[..pos], &text[end..]));
    }
    out
}
