//! The example packages compile: their IR (a golden), through the whole
//! pass pipeline, with the declared memory budget.

mod common;

use std::path::Path;

use omex_diagnostics::Severity;

fn compile_example(name: &str) -> omex_frontend_axon::Output {
    let dir = common::examples_dir().join(name);
    let text = std::fs::read_to_string(dir.join("manifest.yaml")).unwrap();
    let (out, diags, _) = common::compile(&dir, "manifest.yaml", &text, false);
    assert!(
        diags.iter().all(|d| d.severity != Severity::Error),
        "{diags:#?}"
    );
    assert!(diags.is_empty(), "the example has diagnostics: {diags:#?}");
    out.unwrap()
}

fn through_the_pipeline(module: &omex_ir::Module) {
    omex_ir::verify(module).unwrap();
    let options = omex_passes::pipeline::Options {
        verify_ir: true,
        ..Default::default()
    };
    if let Err(errors) = omex_passes::pipeline::compile(module.clone(), &options) {
        panic!("{errors:#?}\n{}", omex_ir::print(module));
    }
}

#[test]
fn sentiment_package() {
    let out = compile_example("sentiment");
    assert_eq!(out.memory_limit, Some(64 << 20));
    assert_eq!(out.module.memory_budget, Some(64 << 20));
    through_the_pipeline(&out.module);
    insta::assert_snapshot!(omex_ir::print(&out.module));
}

#[test]
fn image_classifier_package() {
    let out = compile_example("image-classifier");
    assert_eq!(out.memory_limit, Some(16 << 20));
    through_the_pipeline(&out.module);
    insta::assert_snapshot!(omex_ir::print(&out.module));
}

/// Without `spec.io`, the I/O comes from the ONNX file and the tokenizer
/// inputs are inferred by name.
#[test]
fn io_read_from_the_model() {
    let dir = common::package("no-io", &[]);
    let text = "apiVersion: axon.mlos.io/v1\nkind: Model\nmetadata:\n  name: no-io\n  version: 0.1.0\nspec:\n  format:\n    execution_format: onnx\n    files:\n      - path: model.onnx\n      - path: tokenizer.json\n";
    let (out, diags, _) = common::compile(&dir, "manifest.yaml", text, false);
    let out = out.unwrap_or_else(|| panic!("{diags:#?}"));
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].severity, Severity::Note);
    let model = out.module.models.values().next().unwrap();
    let names: Vec<&str> = model
        .inputs
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["input_ids", "attention_mask"]);
    let outputs: Vec<&str> = model
        .outputs
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(outputs, ["logits"]);
    through_the_pipeline(&out.module);
}

#[test]
fn every_code_is_documented() {
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/errors-axon.md"),
    )
    .unwrap();
    for (code, _) in omex_frontend_axon::codes::CODES {
        assert!(
            docs.contains(&format!("## {code}")),
            "{code} is not in docs/errors-axon.md"
        );
    }
}
