//! The stable text form of the IR (`omexc build --emit ir`).
//!
//! ```text
//! plan embed(arg0 "sentence") {
//!   model0 = "minilm/model.onnx" onnx
//!   v0: str = arg 0                                  ; sentence
//!   v1: model = load_model model0
//!   v2, v3 = loop v4, v5 {
//!   ^blk1(v6: int, v7: int):
//!     ...
//!     yield v8
//!   }
//!   return v3 as "embedding"
//! }
//! ```

use std::fmt::Write;

use crate::entities::{Block, Inst};
use crate::module::Module;
use crate::op::Op;

/// Prints the module. Spans are not printed (they would make goldens brittle).
pub fn print(module: &Module) -> String {
    let mut out = String::new();
    let _ = write!(out, "plan {}(", module.name);
    for (i, arg) in module.args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "arg{} {:?}", arg.index, arg.name);
    }
    out.push_str(") {\n");
    for (model, decl) in module.models.iter() {
        let _ = write!(out, "  {model} = {:?} {}", decl.path, decl.format);
        if let Some(inputs) = &decl.inputs {
            let ports: Vec<String> = inputs
                .iter()
                .map(|p| format!("{}: {}", p.name, crate::Type::Tensor(p.ty.clone())))
                .collect();
            let _ = write!(out, " inputs({})", ports.join(", "));
        }
        if let Some(outputs) = &decl.outputs {
            let ports: Vec<String> = outputs
                .iter()
                .map(|p| format!("{}: {}", p.name, crate::Type::Tensor(p.ty.clone())))
                .collect();
            let _ = write!(out, " outputs({})", ports.join(", "));
        }
        if let Some(size) = decl.size {
            let _ = write!(out, " size({size})");
        }
        out.push('\n');
    }
    for (name, bound) in &module.dim_bounds {
        let _ = writeln!(out, "  dim {name} <= {bound}");
    }
    if let Some(budget) = module.memory_budget {
        let _ = writeln!(out, "  memory_budget {budget}");
    }
    if let Some(body) = module.body {
        print_block(module, body, 1, &mut out);
    }
    out.push_str("}\n");
    out
}

fn print_block(module: &Module, block: Block, depth: usize, out: &mut String) {
    for &inst in &module.blocks[block].insts {
        print_inst(module, inst, depth, out);
    }
}

fn print_inst(module: &Module, inst: Inst, depth: usize, out: &mut String) {
    let d = &module.insts[inst];
    let indent = "  ".repeat(depth);
    let mut line = indent.clone();
    if !d.results.is_empty() {
        let results: Vec<String> = d
            .results
            .iter()
            .map(|r| format!("{r}: {}", module.ty(*r)))
            .collect();
        let _ = write!(line, "{} = ", results.join(", "));
    }
    line.push_str(d.op.name());
    let attrs = attributes(&d.op);
    if !attrs.is_empty() {
        let _ = write!(line, " {attrs}");
    }
    let args: Vec<String> = d.args.iter().map(|a| a.to_string()).collect();
    if !args.is_empty() {
        let _ = write!(line, " {}", args.join(", "));
    }
    if let Op::Return { names } = &d.op {
        let named: Vec<String> = d
            .args
            .iter()
            .zip(names)
            .map(|(a, n)| format!("{a} as {n:?}"))
            .collect();
        line = format!("{indent}return {}", named.join(", "));
    }
    let names: Vec<String> = d
        .results
        .iter()
        .filter_map(|r| module.names[*r].clone())
        .collect();
    let regions = d.op.regions();
    if regions.is_empty() {
        if !names.is_empty() {
            let _ = write!(
                line,
                "{:width$}; {}",
                "",
                names.join(", "),
                width = 56usize.saturating_sub(line.len()).max(1)
            );
        }
        out.push_str(&line);
        out.push('\n');
        return;
    }
    line.push_str(" {");
    out.push_str(&line);
    out.push('\n');
    for (i, region) in regions.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out, "{indent}}} else {{");
        }
        let params: Vec<String> = module.blocks[*region]
            .params
            .iter()
            .map(|p| format!("{p}: {}", module.ty(*p)))
            .collect();
        let _ = writeln!(out, "{indent}^{region}({}):", params.join(", "));
        print_block(module, *region, depth + 1, out);
    }
    let _ = writeln!(out, "{indent}}}");
}

fn attributes(op: &Op) -> String {
    match op {
        Op::Arg { index } => index.to_string(),
        Op::Prompt { kind, message } => format!("{kind} {message:?}"),
        Op::ReadFile { mode } => mode.to_string(),
        Op::Const(c) => c.to_string(),
        Op::LoadModel(m) => m.to_string(),
        Op::LoadDataFile { kind, path } => format!("{kind} {path:?}"),
        Op::LoadExtern { kind, repo } => format!("{kind} {repo:?}"),
        Op::ExecCtl { ctl, value } => format!("{ctl} {value}"),
        Op::SpecialId { token } => format!("{token:?}"),
        Op::Format { template } => format!("{template:?}"),
        Op::TensorCreate { dtype, op } => format!("{op} {dtype}"),
        Op::TensorRandom { dtype, dist } => format!("{dist} {dtype}"),
        Op::Manipulate(op) => op.to_string(),
        Op::Combine { op, inputs } => format!("{op} inputs={inputs}"),
        Op::Info(op) => op.to_string(),
        Op::CallHost { name } | Op::CallMethod { name } => format!("{name:?}"),
        Op::DebugPrint { message } => format!("{message:?}"),
        Op::Unary(op) => op.to_string(),
        Op::Binary(op) => op.to_string(),
        Op::Aggregate(op) => op.to_string(),
        Op::Compare(op) => op.to_string(),
        Op::TopK { k } => format!("k={k}"),
        Op::RunStatic { inputs, outputs } => format!("inputs={inputs:?} outputs={outputs:?}"),
        Op::ToImage(range) => range.to_string(),
        Op::Print(mode) => mode.to_string(),
        Op::WriteFile(format) => format.to_string(),
        _ => String::new(),
    }
}
