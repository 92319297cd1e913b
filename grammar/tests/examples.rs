//! Every example plan parses without a diagnostic; its syntax tree is
//! snapshotted; and pretty-printing it gives source that parses back to the
//! same tree.

use std::path::Path;

use omex_diagnostics::{FileId, SourceFiles, render};
use omex_plan_syntax::ast::{DumpOptions, dump};
use omex_plan_syntax::{parse, pretty};

fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "plan"));
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            (name, text)
        })
        .collect()
}

#[test]
fn there_are_examples() {
    assert!(examples().len() >= 7);
}

#[test]
fn examples_parse_cleanly() {
    for (name, text) in examples() {
        let mut files = SourceFiles::new();
        let id = files.add(format!("{name}.plan"), text.clone());
        let (_, diags) = parse(id, &text);
        assert!(
            diags.is_empty(),
            "{name}.plan:\n{}",
            render::plain_all(&diags, &files)
        );
    }
}

#[test]
fn example_trees() {
    for (name, text) in examples() {
        let (tree, _) = parse(FileId(0), &text);
        let dumped = dump(&tree, DumpOptions { spans: true });
        insta::with_settings!({ snapshot_suffix => name.clone(), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("tree", dumped);
        });
    }
}

#[test]
fn examples_round_trip_through_the_pretty_printer() {
    for (name, text) in examples() {
        let (tree, _) = parse(FileId(0), &text);
        let printed = pretty::print(&tree);
        let (reparsed, diags) = parse(FileId(0), &printed);
        assert!(
            diags.is_empty(),
            "{name}: printed source has errors:\n{printed}"
        );
        let no_spans = DumpOptions { spans: false };
        assert_eq!(
            dump(&tree, no_spans),
            dump(&reparsed, no_spans),
            "{name}:\n{printed}"
        );
        // Printing is idempotent.
        assert_eq!(pretty::print(&reparsed), printed, "{name}");
    }
}
