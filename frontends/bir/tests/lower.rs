//! Lowering: the IR of the example program, that it goes through the
//! passes, and every lowering error (snapshots with offsets and excerpts).

mod common;

use std::path::PathBuf;

use omex_diagnostics::SourceFiles;
use omex_frontend_bir::{DecodeOptions, LowerOptions, decode, encode, lower, text};

/// The example folder, as a relative path so snapshots do not depend on the checkout.
fn example_dir() -> PathBuf {
    PathBuf::from("../../examples/bir")
}

fn options() -> LowerOptions {
    LowerOptions {
        bir_dir: example_dir(),
        model_path: Vec::new(),
        config: Vec::new(),
        name: "case".into(),
        file_name: "case.bir".into(),
    }
}

fn lower_text(source: &str, options: &LowerOptions) -> Result<omex_ir::Module, String> {
    let program = text::assemble(source).unwrap_or_else(|e| panic!("{e:?}"));
    let bytes = encode(&program);
    let decoded = decode(&bytes, DecodeOptions::default()).unwrap();
    lower(&decoded, options).map_err(|d| common::render_all(&d, &SourceFiles::new()))
}

#[test]
fn the_example_lowers_and_compiles() {
    let source = std::fs::read_to_string(example_dir().join("digest.birasm")).unwrap();
    let module = lower_text(&source, &options()).unwrap_or_else(|e| panic!("{e}"));
    omex_ir::verify(&module).unwrap();
    insta::assert_snapshot!(omex_ir::print(&module));
    let passes = omex_passes::pipeline::Options {
        verify_ir: true,
        ..Default::default()
    };
    let compiled =
        omex_passes::pipeline::compile(module, &passes).unwrap_or_else(|e| panic!("{e:?}"));
    let asm = omex_mep::text::disassemble(compiled.program.module());
    for f in [
        "doc_load",
        "doc_filter",
        "doc_ocr",
        "doc_compress",
        "doc_embed",
        "doc_cluster",
        "doc_summarize",
        "doc_capsule",
        "doc_write",
        "doc_report",
    ] {
        assert!(asm.contains(f), "{f} missing from\n{asm}");
    }
}

#[test]
fn images_get_ocr_before_text_steps_unless_filtered_out() {
    let calls = |source: &str| -> Vec<String> {
        let m = lower_text(source, &options()).unwrap_or_else(|e| panic!("{e}"));
        m.walk()
            .iter()
            .filter_map(|&i| match &m.insts[i].op {
                omex_ir::Op::CallHost { name } => Some(name.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        calls("LOAD_DATASET \"corpus\"\nCOMPRESS 2\nHALT\n"),
        ["doc_load", "doc_ocr", "doc_compress", "doc_report"]
    );
    assert_eq!(
        calls("LOAD_DATASET \"corpus\"\nSET_FILTER 0x3\nCOMPRESS 2\nHALT\n"),
        ["doc_load", "doc_filter", "doc_compress", "doc_report"]
    );
    assert_eq!(
        calls("LOAD_DATASET \"corpus\"\nOCR_CONF 0.2\nCOMPRESS 2\nCOMPRESS 0\nHALT\n"),
        [
            "doc_load",
            "doc_ocr",
            "doc_compress",
            "doc_compress",
            "doc_report"
        ]
    );
    assert_eq!(calls("NOP\nHALT\n"), Vec::<String>::new());
}

#[test]
fn flags_override_the_pool() {
    let source = ".const \"config:embed.model=nope/model.onnx\"\nLOAD_DATASET \"corpus\"\nEMBED_BATCH 2\nHALT\n";
    assert!(
        lower_text(source, &options())
            .unwrap_err()
            .contains("E0461")
    );
    let mut o = options();
    o.config = vec!["embed.model=../models/embed/model.onnx".into()];
    lower_text(source, &o).unwrap();
}

fn report(source: &str) -> String {
    let err = lower_text(source, &options()).expect_err("the program has errors");
    format!("source:\n{source}\n{err}")
}

macro_rules! case {
    ($name:ident, $code:literal, $source:expr) => {
        #[test]
        fn $name() {
            let r = report($source);
            assert!(r.contains(concat!("[", $code, "]")), "{r}");
            insta::assert_snapshot!(r);
        }
    };
}

case!(no_dataset, "E0450", "SET_FILTER 1\nEMBED_BATCH 4\nHALT\n");
case!(
    cluster_before_embed,
    "E0451",
    "LOAD_DATASET \"corpus\"\nCLUSTER 0, 2\nHALT\n"
);
case!(
    cluster_summary_without_clusters,
    "E0452",
    "LOAD_DATASET \"corpus\"\nSUMMARIZE 1, \"../models/tiny-lm\", 0.0\nHALT\n"
);
case!(
    bad_operand_values,
    "E0453",
    ".const \"config:embed.model=../models/embed/model.onnx\"\nLOAD_DATASET \"corpus\"\nSET_FILTER 0x20\nOCR_CONF 1.5\nEMBED_BATCH 0\nCLUSTER 0, -1\nSUMMARIZE 0, \"../models/tiny-lm\", -0.5\nBUILD_CAPSULE 0\nHALT\n"
);
case!(
    unknown_algorithm,
    "E0454",
    ".const \"config:embed.model=../models/embed/model.onnx\"\nLOAD_DATASET \"corpus\"\nEMBED_BATCH 4\nCLUSTER 3, 2\nHALT\n"
);
case!(
    unknown_strategy,
    "E0455",
    "LOAD_DATASET \"corpus\"\nCOMPRESS 9\nHALT\n"
);
case!(
    unknown_scope,
    "E0456",
    "LOAD_DATASET \"corpus\"\nSUMMARIZE 5, \"../models/tiny-lm\", 0.0\nHALT\n"
);
case!(
    write_without_capsule,
    "E0457",
    "LOAD_DATASET \"corpus\"\nWRITE_OUTPUT \"out.md\"\nHALT\n"
);
case!(missing_halt, "E0458", "LOAD_DATASET \"corpus\"\n");
case!(code_after_halt, "E0458", "HALT\nNOP\n");
case!(mode_flags, "E0459", "NOP mode=0x01\nHALT\n");
case!(
    configuration,
    "E0460",
    ".const \"config:embed.modle=x.onnx\"\n.const \"config:nonsense\"\nLOAD_DATASET \"corpus\"\nEMBED_BATCH 4\nHALT\n"
);
case!(
    missing_files,
    "E0461",
    ".const \"config:embed.model=../models/embed/model.onnx\"\n.const \"config:embed.tokenizer=tok.json\"\nLOAD_DATASET \"no-such-folder\"\nLOAD_DATASET \"corpus\"\nEMBED_BATCH 2\nHALT\n"
);
case!(
    bad_model_id,
    "E0462",
    "LOAD_DATASET \"corpus\"\nSUMMARIZE 2, \"http://localhost:1234/v1\", 0.0\nSUMMARIZE 2, \"corpus\", 0.0\nSUMMARIZE 2, \"no-model\", 0.0\nHALT\n"
);
