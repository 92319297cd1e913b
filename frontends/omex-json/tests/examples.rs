//! The committed examples compile without errors, through the whole pass
//! pipeline; their IR and warnings are snapshots.

mod common;

use common::{compile, options, redact, render_all, root};

fn compile_example(name: &str) -> String {
    let path = root().join("examples/omex").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let (module, diags, files) = compile(name, &text, &options());
    let rendered = render_all(&diags, &files);
    let module = module.unwrap_or_else(|| panic!("{name} does not compile:\n{rendered}"));
    omex_ir::verify(&module).unwrap();
    let ir = redact(&omex_ir::print(&module));
    let compiled = omex_passes::pipeline::compile(
        module,
        &omex_passes::pipeline::Options {
            verify_ir: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|d| panic!("{name}: the passes fail: {}", render_all(&d, &files)));
    format!(
        "==== diagnostics\n{rendered}\n==== IR\n{ir}\n==== peak {} bytes, {} slots\n",
        compiled.memory.peak, compiled.assignment.slots_used
    )
}

#[test]
fn local_code_assist() {
    insta::assert_snapshot!(compile_example("local-code-assist.omex.json"));
}

#[test]
fn auth_system_analysis() {
    insta::assert_snapshot!(compile_example("auth-system-analysis.omex.json"));
}
