//! Static-run normalisation: every static run of a model fetches the same
//! outputs (the union over its call sites, in first-seen order), since a MEP
//! model-table entry has one I/O contract. Outputs a call site did not ask
//! for become extra, unused results.

use std::collections::HashMap;

use omex_ir::{ModelRef, Module, Op, Type, Value, ValueData, ValueDef};

pub fn normalize_static_runs(module: &mut Module) {
    let mut union: HashMap<ModelRef, Vec<String>> = HashMap::new();
    let runs: Vec<_> = module
        .walk()
        .into_iter()
        .filter(|&i| matches!(module.insts[i].op, Op::RunStatic { .. }))
        .collect();
    for &inst in &runs {
        let Some(model) = model_of(module, module.insts[inst].args[0]) else {
            continue;
        };
        if let Op::RunStatic { outputs, .. } = &module.insts[inst].op {
            let entry = union.entry(model).or_default();
            for o in outputs {
                if !entry.contains(o) {
                    entry.push(o.clone());
                }
            }
        }
    }
    for inst in runs {
        let Some(model) = model_of(module, module.insts[inst].args[0]) else {
            continue;
        };
        let wanted = union[&model].clone();
        let Op::RunStatic { outputs, .. } = &module.insts[inst].op else {
            continue;
        };
        if *outputs == wanted {
            continue;
        }
        let old: HashMap<String, Value> = outputs
            .iter()
            .cloned()
            .zip(module.insts[inst].results.iter().copied())
            .collect();
        let mut results = Vec::with_capacity(wanted.len());
        for (index, name) in wanted.iter().enumerate() {
            let value = match old.get(name) {
                Some(&v) => {
                    module.values[v].def = ValueDef::Result(inst, index as u16);
                    v
                }
                None => module.values.push(ValueData {
                    ty: output_type(module, model, name),
                    def: ValueDef::Result(inst, index as u16),
                }),
            };
            results.push(value);
        }
        module.insts[inst].results = results;
        if let Op::RunStatic { outputs, .. } = &mut module.insts[inst].op {
            *outputs = wanted;
        }
    }
}

fn model_of(module: &Module, value: Value) -> Option<ModelRef> {
    match module.def_inst(value).map(|i| &module.insts[i].op) {
        Some(Op::LoadModel(m)) => Some(*m),
        _ => None,
    }
}

fn output_type(module: &Module, model: ModelRef, name: &str) -> Type {
    module.models[model]
        .outputs
        .as_ref()
        .and_then(|ports| ports.iter().find(|p| p.name == name))
        .map_or(Type::Any, |p| Type::Tensor(p.ty.clone()))
}
