//! Task-flow stages and execution-graph nodes as one list of steps in run
//! order: graph nodes first (topologically sorted by `depends_on` with
//! petgraph), then the task flow's stages as written.

use std::collections::HashMap;

use omex_diagnostics::{Diagnostic, Span, suggest};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::codes;
use crate::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOp {
    ModelLoad,
    Tokenize,
    ForwardPass,
    GreedySample,
    Decode,
    /// Argmax at every position of the logits, decoded.
    MergeDecode,
}

/// Where a forward pass gets its model.
#[derive(Debug, Clone)]
pub enum ModelSource {
    /// A `model_load` output, by name.
    Value(Str),
    /// A file the step loads itself.
    Reference(Str),
    /// The input of kind model, if any (graph nodes).
    FromInputs,
}

#[derive(Debug, Clone)]
pub struct Step<'c> {
    pub id: &'c Str,
    pub op: StepOp,
    /// `stage` or `node`, for messages.
    pub noun: &'static str,
    pub span: Span,
    pub type_span: Span,
    pub inputs: Vec<Str>,
    pub outputs: Vec<Str>,
    pub model: Option<ModelSource>,
    pub token_window: Option<&'c TokenWindow>,
    pub tokenizer: Option<&'c Str>,
    pub max_tokens: Option<Spanned<u64>>,
    pub eos_token: Option<&'c Str>,
}

/// The steps of `c` in run order; `None` after a reported error.
pub fn order<'c>(c: &'c Container, diags: &mut Vec<Diagnostic>) -> Option<Vec<Step<'c>>> {
    let before = errors(diags);
    let mut steps = Vec::new();
    if let Some(graph) = &c.execution_graph {
        graph_steps(graph, diags, &mut steps);
    }
    if let Some(flow) = &c.task_flow {
        steps.extend(flow.value.iter().map(stage_step));
    }
    let mut ids: HashMap<&str, Span> = HashMap::new();
    for s in &steps {
        if let Some(first) = ids.insert(&s.id.value, s.id.span) {
            diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_ID,
                    format!("two steps have the id `{}`", s.id.value),
                )
                .with_primary(s.id.span, "second use")
                .with_secondary(first, "first use")
                .with_help("give every stage and node its own id"),
            );
        }
    }
    (errors(diags) == before).then_some(steps)
}

fn errors(diags: &[Diagnostic]) -> usize {
    diags
        .iter()
        .filter(|d| d.severity == omex_diagnostics::Severity::Error)
        .count()
}

fn stage_step(stage: &Stage) -> Step<'_> {
    let mut step = Step {
        id: &stage.id,
        op: StepOp::ModelLoad,
        noun: "stage",
        span: stage.span,
        type_span: stage.type_span,
        inputs: Vec::new(),
        outputs: Vec::new(),
        model: None,
        token_window: None,
        tokenizer: None,
        max_tokens: None,
        eos_token: None,
    };
    match &stage.kind {
        StageKind::ModelLoad {
            model_path, output, ..
        } => {
            step.model = Some(ModelSource::Reference(model_path.clone()));
            step.outputs = vec![output.clone()];
        }
        StageKind::Tokenize {
            input,
            output,
            tokenizer,
        } => {
            step.op = StepOp::Tokenize;
            step.inputs = vec![input.clone()];
            step.outputs = vec![output.clone()];
            step.tokenizer = tokenizer.as_ref();
        }
        StageKind::ForwardPass {
            model,
            input,
            token_window,
            output,
        } => {
            step.op = StepOp::ForwardPass;
            step.model = Some(ModelSource::Value(model.clone()));
            step.inputs = vec![input.clone()];
            step.outputs = vec![output.clone()];
            step.token_window = token_window.as_ref();
        }
        StageKind::GreedySample {
            logits,
            max_tokens,
            eos_token,
            output,
        } => {
            step.op = StepOp::GreedySample;
            step.inputs = vec![logits.clone()];
            step.outputs = vec![output.clone()];
            step.max_tokens = Some(max_tokens.clone());
            step.eos_token = eos_token.as_ref();
        }
        StageKind::Decode {
            input,
            output,
            tokenizer,
        } => {
            step.op = StepOp::Decode;
            step.inputs = vec![input.clone()];
            step.outputs = vec![output.clone()];
            step.tokenizer = tokenizer.as_ref();
        }
    }
    step
}

fn graph_steps<'c>(
    graph: &'c ExecutionGraph,
    diags: &mut Vec<Diagnostic>,
    out: &mut Vec<Step<'c>>,
) {
    let nodes = &graph.nodes.value;
    let mut g: DiGraph<usize, Span> = DiGraph::new();
    let index: Vec<NodeIndex> = (0..nodes.len()).map(|i| g.add_node(i)).collect();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        by_id.entry(n.id.value.as_str()).or_insert(i);
    }
    let ids: Vec<&str> = nodes.iter().map(|n| n.id.value.as_str()).collect();
    let mut ok = true;
    for (i, n) in nodes.iter().enumerate() {
        for dep in n.depends_on.iter().flat_map(|d| &d.value) {
            match by_id.get(dep.value.as_str()) {
                Some(&j) => {
                    g.add_edge(index[j], index[i], dep.span);
                }
                None => {
                    ok = false;
                    let d = Diagnostic::error(
                        codes::MISSING_DEPENDENCY,
                        format!(
                            "node `{}` depends on `{}`, which is not a node of the graph",
                            n.id.value, dep.value
                        ),
                    )
                    .with_primary(dep.span, "no such node");
                    diags.push(match suggest::closest(&dep.value, ids.iter().copied()) {
                        Some(near) => d.with_suggestion(
                            format!("did you mean `{near}`?"),
                            dep.span,
                            format!("\"{near}\""),
                        ),
                        None => d.with_help(format!("the nodes are: {}", quoted(&ids))),
                    });
                }
            }
        }
    }
    match &graph.entry_node {
        None => {
            ok = false;
            diags.push(
                Diagnostic::error(codes::BAD_ENTRY, "the execution graph has no `entry_node`")
                    .with_primary(
                        Span::new(
                            graph.span.file,
                            graph.span.range().start..graph.span.range().start + 1,
                        ),
                        "`entry_node` is required here",
                    )
                    .with_help(format!(
                        "add \"entry_node\": \"{}\"",
                        nodes.first().map_or("node_1", |n| n.id.value.as_str())
                    )),
            );
        }
        Some(entry) => match by_id.get(entry.value.as_str()) {
            None => {
                ok = false;
                let d = Diagnostic::error(
                    codes::BAD_ENTRY,
                    format!("entry node `{}` is not a node of the graph", entry.value),
                )
                .with_primary(entry.span, "no such node");
                diags.push(match suggest::closest(&entry.value, ids.iter().copied()) {
                    Some(near) => d.with_suggestion(
                        format!("did you mean `{near}`?"),
                        entry.span,
                        format!("\"{near}\""),
                    ),
                    None => d.with_help(format!("the nodes are: {}", quoted(&ids))),
                });
            }
            Some(&i) => {
                if let Some(deps) = nodes[i].depends_on.as_ref().filter(|d| !d.value.is_empty()) {
                    ok = false;
                    diags.push(
                        Diagnostic::error(
                            codes::BAD_ENTRY,
                            format!("entry node `{}` depends on other nodes", entry.value),
                        )
                        .with_primary(deps.span, "the entry node cannot wait for these")
                        .with_secondary(entry.span, "named the entry node here")
                        .with_help("make a node without `depends_on` the entry node"),
                    );
                }
            }
        },
    }
    // Cycles: every strongly connected component of more than one node, or a self-loop.
    for scc in petgraph::algo::tarjan_scc(&g) {
        let looped = scc.len() > 1 || g.contains_edge(scc[0], scc[0]);
        if !looped {
            continue;
        }
        ok = false;
        let mut members: Vec<usize> = scc.iter().map(|&x| g[x]).collect();
        members.sort_unstable();
        let names: Vec<&str> = members.iter().map(|&m| ids[m]).collect();
        let mut d = Diagnostic::error(
            codes::CYCLE,
            format!(
                "the nodes {} depend on each other in a cycle",
                quoted(&names)
            ),
        );
        let mut edges: Vec<(usize, usize, Span)> = g
            .edge_indices()
            .filter_map(|e| {
                let (a, b) = g.edge_endpoints(e)?;
                (scc.contains(&a) && scc.contains(&b)).then(|| (g[a], g[b], g[e]))
            })
            .collect();
        edges.sort_by_key(|&(a, b, _)| (b, a));
        for (k, (a, b, span)) in edges.into_iter().enumerate() {
            let text = format!("`{}` waits for `{}`", ids[b], ids[a]);
            d = if k == 0 {
                d.with_primary(span, text)
            } else {
                d.with_secondary(span, text)
            };
        }
        diags.push(d.with_help("remove one of these `depends_on` entries"));
    }
    if !ok {
        return;
    }
    let Ok(sorted) = petgraph::algo::toposort(&g, None) else {
        return;
    };
    for ix in sorted {
        let i = g[ix];
        out.push(node_step(&nodes[i], nodes, &by_id, diags));
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn node_step<'c>(
    n: &'c Node,
    nodes: &'c [Node],
    by_id: &HashMap<&str, usize>,
    diags: &mut Vec<Diagnostic>,
) -> Step<'c> {
    let op = match n.ty.value {
        NodeType::ModelLoad => StepOp::ModelLoad,
        NodeType::Tokenize | NodeType::TokenChunkParse => StepOp::Tokenize,
        NodeType::ForwardPass | NodeType::InferenceSlices => StepOp::ForwardPass,
        NodeType::GreedySample => StepOp::GreedySample,
        NodeType::Decode => StepOp::Decode,
        NodeType::OutputMergeAndDecode => StepOp::MergeDecode,
    };
    // Without `input`, a node reads the outputs of the nodes it depends on.
    let inputs = match &n.input {
        Some(list) => list.value.clone(),
        None => n
            .depends_on
            .iter()
            .flat_map(|d| &d.value)
            .filter_map(|dep| by_id.get(dep.value.as_str()).map(|&j| (dep, &nodes[j])))
            .flat_map(|(dep, m)| {
                node_outputs(m)
                    .into_iter()
                    .map(|o| Spanned::new(o.value, dep.span))
            })
            .collect(),
    };
    let model = match (&n.model_reference, op) {
        (Some(r), _) => Some(ModelSource::Reference(r.clone())),
        (None, StepOp::ModelLoad) => {
            diags.push(
                Diagnostic::error(
                    codes::MISSING_KEY,
                    format!("node `{}` has no `model_reference`", n.id.value),
                )
                .with_primary(n.ty.span, "`model_reference` is required here")
                .with_help("add \"model_reference\": \"local://models/model.onnx\""),
            );
            None
        }
        (None, StepOp::ForwardPass) => Some(ModelSource::FromInputs),
        (None, _) => None,
    };
    if op == StepOp::GreedySample && n.max_tokens.is_none() {
        diags.push(
            Diagnostic::error(
                codes::MISSING_KEY,
                format!("node `{}` has no `max_tokens`", n.id.value),
            )
            .with_primary(n.ty.span, "`max_tokens` is required here")
            .with_help("add \"max_tokens\": 256"),
        );
    }
    if let Some(g) = &n.guidance {
        diags.push(
            Diagnostic::warning(
                codes::NOT_HONOURED,
                format!(
                    "node `{}`: ZSEI guidance is not available in omexc",
                    n.id.value
                ),
            )
            .with_primary(g.span, "kept as metadata, not used")
            .with_help("the node is compiled as written; remove `guidance` to silence this"),
        );
    }
    Step {
        id: &n.id,
        op,
        noun: "node",
        span: n.span,
        type_span: n.ty.span,
        inputs,
        outputs: node_outputs(n),
        model,
        token_window: n.token_window.as_ref(),
        tokenizer: n.tokenizer.as_ref(),
        max_tokens: n.max_tokens.clone(),
        eos_token: n.eos_token.as_ref(),
    }
}

/// A node's outputs; a node without `output` produces one value named by its id.
fn node_outputs(n: &Node) -> Vec<Str> {
    match &n.output {
        Some(list) => list.value.clone(),
        None => vec![n.id.clone()],
    }
}
