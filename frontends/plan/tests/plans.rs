//! IR goldens: every plan in `tests/plans/` compiles without errors; its IR
//! is snapshotted, verified, and taken through the whole pass pipeline to a
//! verified MEP program.

mod common;

use std::path::Path;

use common::{compile, options, render_all};
use omex_diagnostics::Severity;

fn plans() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans");
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
            (name, std::fs::read_to_string(&p).unwrap_or_default())
        })
        .collect()
}

#[test]
fn there_are_plans() {
    assert!(plans().len() >= 6);
}

#[test]
fn plans_lower_verify_and_compile() {
    for (name, source) in plans() {
        let (module, diags, files) = compile(&format!("{name}.plan"), &source, &options());
        let rendered = render_all(&diags, &files);
        assert!(
            !diags.iter().any(|d| d.severity == Severity::Error),
            "{name}.plan has errors:\n{rendered}"
        );
        let module = module.expect("a module without errors");
        let ir = omex_ir::print(&module);
        if let Err(errors) = omex_ir::verify(&module) {
            panic!("{name}.plan: invalid IR: {errors:?}\n{ir}");
        }
        let pipeline = omex_passes::pipeline::Options {
            verify_ir: true,
            ..Default::default()
        };
        if let Err(errors) = omex_passes::pipeline::compile(module.clone(), &pipeline) {
            panic!("{name}.plan: the pipeline fails: {errors:#?}\n{ir}");
        }
        let snapshot = format!(
            "{rendered}{}{ir}",
            if rendered.is_empty() { "" } else { "\n" }
        );
        insta::with_settings!({ snapshot_suffix => name.clone(), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("ir", snapshot);
        });
    }
}

/// The MiniLM embedding recipe, instruction by instruction: tokenize, one
/// static run with all three inputs, mean pooling over the attention mask,
/// L2 normalisation, `embedding` returned; the model's signature, size and
/// hash come from the file found on the model path.
#[test]
fn minilm_embedding_lowering() {
    use omex_ir::Op;
    use omex_mep::Constant;

    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans/embed.plan"),
    )
    .unwrap();
    let (module, diags, files) = compile("embed.plan", &source, &options());
    assert!(diags.is_empty(), "{}", render_all(&diags, &files));
    let m = module.unwrap();
    let decl = &m.models.values().next().unwrap();
    assert_eq!(decl.path, "minilm-l6-int8/model.onnx");
    assert!(decl.size.is_some() && decl.sha256.is_some());
    let ops: Vec<&Op> = m.walk().into_iter().map(|i| &m.insts[i].op).collect();
    assert!(ops.iter().any(|op| matches!(op, Op::Encode)));
    let run = m
        .walk()
        .into_iter()
        .find(|&i| matches!(m.insts[i].op, Op::RunStatic { .. }))
        .unwrap();
    let Op::RunStatic { inputs, outputs } = &m.insts[run].op else {
        unreachable!()
    };
    assert_eq!(inputs, &["input_ids", "attention_mask", "token_type_ids"]);
    assert_eq!(outputs, &["last_hidden_state"]);
    let pool = m
        .walk()
        .into_iter()
        .find(|&i| matches!(&m.insts[i].op, Op::CallHost { name } if name == "mean_pool"))
        .unwrap();
    let [hidden, mask] = m.insts[pool].args[..] else {
        panic!("mean_pool takes two inputs")
    };
    assert_eq!(hidden, m.insts[run].results[0]);
    let mask_def = m.def_inst(mask).unwrap();
    assert!(matches!(m.insts[mask_def].op, Op::Extract));
    let key = m.def_inst(m.insts[mask_def].args[1]).unwrap();
    assert_eq!(
        m.insts[key].op,
        Op::Const(Constant::Str("attention_mask".into()))
    );
    let norm = m
        .walk()
        .into_iter()
        .find(|&i| matches!(&m.insts[i].op, Op::CallHost { name } if name == "l2_normalize"))
        .unwrap();
    assert_eq!(m.insts[norm].args[..], [m.insts[pool].results[0]]);
    let ret = *m.blocks[m.body.unwrap()].insts.last().unwrap();
    assert_eq!(
        m.insts[ret].op,
        Op::Return {
            names: vec!["embedding".into()]
        }
    );
    assert_eq!(m.insts[ret].args, m.insts[norm].results);
    assert_eq!(m.args.len(), 1);
    assert_eq!(m.args[0].name, "sentence");
    assert_eq!(m.files, ["embed.plan"]);
    assert!(m.walk().into_iter().all(|i| m.spans[i].is_some()));
}
