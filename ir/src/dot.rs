//! The dataflow graph as Graphviz DOT (`omexc build --emit dot`), built with
//! petgraph from the IR on demand.

use petgraph::dot::{Config, Dot};
use petgraph::graph::DiGraph;

use crate::entities::Inst;
use crate::module::Module;
use crate::op::Op;

/// Nodes: models and instructions; edges: values, labelled with their names.
pub fn dataflow_dot(module: &Module) -> String {
    let mut graph: DiGraph<String, String> = DiGraph::new();
    let mut node_of_inst = std::collections::HashMap::new();
    let mut node_of_model = std::collections::HashMap::new();
    for (model, decl) in module.models.iter() {
        node_of_model.insert(model, graph.add_node(format!("model {}", decl.path)));
    }
    let order: Vec<Inst> = module.walk();
    for &inst in &order {
        let d = &module.insts[inst];
        let label = match &d.op {
            Op::Const(c) => format!("const {c}"),
            Op::CallHost { name } => format!("call {name}"),
            Op::LoadModel(_) => "load_model".to_string(),
            op => op.name().to_string(),
        };
        node_of_inst.insert(inst, graph.add_node(label));
    }
    for &inst in &order {
        let d = &module.insts[inst];
        let to = node_of_inst[&inst];
        if let Op::LoadModel(model) = d.op {
            graph.add_edge(node_of_model[&model], to, String::new());
        }
        for &arg in &d.args {
            if let Some(&from) = module.def_inst(arg).and_then(|def| node_of_inst.get(&def)) {
                graph.add_edge(from, to, module.display_name(arg));
            }
        }
    }
    format!(
        "{:?}",
        Dot::with_config(&graph, &[Config::GraphContentOnly])
    )
    .lines()
    .fold(
        format!("digraph {:?} {{\n", module.name),
        |mut out, line| {
            out.push_str(line);
            out.push('\n');
            out
        },
    ) + "}\n"
}
