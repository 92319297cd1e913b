//! Static-run normalisation: every static run of a model fetches the same
//! outputs (the union over its call sites, in first-seen order), since a MEP
//! model-table entry has one I/O contract. Outputs a call site did not ask
//! for become extra, unused results.

use std::collections::HashMap;

use cranelift_entity::SecondaryMap;
use omex_ir::{Inst, ModelRef, Module, Op, Type, Value, ValueData, ValueDef};

/// The outputs of a model's static runs so far.
#[derive(Clone)]
struct Contract {
    union: Vec<String>,
    /// Every run so far fetched exactly `union`: none needs rewriting.
    uniform: bool,
}

pub fn normalize_static_runs(module: &mut Module) {
    if module.models.is_empty() {
        return;
    }
    let mut contracts: SecondaryMap<ModelRef, Option<Contract>> = SecondaryMap::new();
    let mut runs: Vec<(Inst, ModelRef)> = Vec::new();
    for inst in module.walk() {
        let Op::RunStatic { outputs, .. } = &module.insts[inst].op else {
            continue;
        };
        let Some(model) = model_of(module, module.insts[inst].args[0]) else {
            continue;
        };
        runs.push((inst, model));
        match &mut contracts[model] {
            slot @ None => {
                *slot = Some(Contract {
                    union: outputs.clone(),
                    uniform: true,
                });
            }
            Some(c) if c.uniform && c.union == *outputs => {}
            Some(c) => {
                c.uniform = false;
                for o in outputs {
                    if !c.union.contains(o) {
                        c.union.push(o.clone());
                    }
                }
            }
        }
    }
    let union = |model: ModelRef| contracts[model].as_ref().map_or(&[][..], |c| &c.union[..]);
    for (inst, model) in runs {
        if contracts[model].as_ref().is_some_and(|c| c.uniform) {
            continue;
        }
        let Op::RunStatic { outputs, .. } = &module.insts[inst].op else {
            continue;
        };
        if outputs[..] == *union(model) {
            continue;
        }
        let wanted = union(model).to_vec();
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
        module.insts[inst].results = results.into();
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
