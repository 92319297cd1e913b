//! Goldens for every recipe in the repository's `examples/`: the IR after
//! each pass and the final disassembly are snapshots; the slots used equal
//! the most values live at once; models are unloaded after their last use
//! and never inside a loop that still runs them.

mod common;

use std::path::PathBuf;

use common::{compile, crate_dir, models_dir, render_all, stable};
use omex_frontend_plan::Options;
use omex_ir::{Module, Op};
use omex_passes::pipeline::{self, Stage};

fn examples_dir() -> PathBuf {
    crate_dir().join("../../examples")
}

fn examples() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(examples_dir())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "plan"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Every model load has an unload after the model's last use in the same
/// block, and no unload sits inside a loop (a model used in a loop is kept
/// until the loop ends).
fn check_unloads(name: &str, module: &Module) {
    for inst in module.walk() {
        let Op::LoadModel(_) = module.insts[inst].op else {
            continue;
        };
        let Some(model) = module.result(inst) else {
            continue;
        };
        let block = module.insts[inst].block;
        let insts = &module.blocks[block].insts;
        let unload = insts.iter().position(|&i| {
            matches!(module.insts[i].op, Op::Unload) && module.insts[i].args[..] == [model]
        });
        let last_use = insts
            .iter()
            .rposition(|&i| uses(module, i, model) && !matches!(module.insts[i].op, Op::Unload));
        match (unload, last_use) {
            (Some(u), Some(l)) => assert_eq!(
                u,
                l + 1,
                "{name}: the unload of {model} is not right after its last use"
            ),
            (None, Some(l)) => assert!(
                module.insts[insts[l]].op.is_terminator(),
                "{name}: {model} is never unloaded"
            ),
            _ => {}
        }
        let load_at = insts.iter().position(|&i| i == inst).unwrap();
        let first_use = insts.iter().position(|&i| uses(module, i, model));
        assert_eq!(
            first_use,
            Some(load_at + 1),
            "{name}: the load of {model} is not just before its first use"
        );
    }
    for inst in module.walk() {
        if matches!(module.insts[inst].op, Op::Unload)
            && matches!(module.ty(module.insts[inst].args[0]), omex_ir::Type::Model)
        {
            assert!(
                module.enclosing_loop(module.insts[inst].block).is_none(),
                "{name}: a model is unloaded inside a loop"
            );
        }
    }
}

fn uses(module: &Module, inst: omex_ir::Inst, value: omex_ir::Value) -> bool {
    let d = &module.insts[inst];
    d.args.contains(&value)
        || d.op.regions().into_iter().any(|r| {
            module.blocks[r]
                .insts
                .iter()
                .any(|&i| uses(module, i, value))
        })
}

#[test]
fn every_example_compiles_to_goldens() {
    let all = examples();
    assert!(
        all.len() >= 8,
        "expected the bundled examples, found {}",
        all.len()
    );
    for (name, source) in all {
        let options = Options {
            plan_dir: examples_dir(),
            model_path: vec![models_dir()],
            plan: None,
        };
        let (module, diags, files) = compile(&format!("{name}.plan"), &source, &options);
        let rendered = render_all(&diags, &files);
        let module = module.unwrap_or_else(|| panic!("{name}.plan does not compile:\n{rendered}"));
        let options = pipeline::Options {
            verify_ir: true,
            keep_ir: Stage::ALL.to_vec(),
            ..Default::default()
        };
        let compiled =
            pipeline::compile(module, &options).unwrap_or_else(|e| panic!("{name}: {e:#?}"));
        assert_eq!(
            compiled.assignment.slots_used, compiled.max_live,
            "{name}: slots used differ from the most values live at once"
        );
        check_unloads(&name, &compiled.module);
        let mut golden = String::new();
        for (stage, ir) in &compiled.ir {
            golden.push_str(&format!("==== IR after {}\n{ir}\n", stage.name()));
        }
        golden.push_str("==== MEP\n");
        golden.push_str(&omex_mep::text::disassemble(compiled.program.module()));
        insta::assert_snapshot!(format!("example_{name}"), stable(&golden));
    }
}
