//! Module -> text.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::constant::write_quoted;
use crate::module::Module;
use crate::opcode::Instruction;
use crate::operand::{Operand, OperandKind};

/// Prints `module` as `.mepasm` text. Works on unverified modules too:
/// out-of-range constants print as `#id`, branch offsets that land nowhere
/// print as raw numbers.
pub fn disassemble(module: &Module) -> String {
    let mut out = String::new();
    let offsets = module.instruction_offsets();
    let labels = branch_labels(module, &offsets);

    out.push_str(".mep 1.0\n");
    if module.flags & crate::module::FLAG_STRICT_MODEL_HASHES != 0 {
        out.push_str(".flags strict_model_hashes\n");
    }
    if let Some(interface) = &module.interface {
        out.push_str(".plan ");
        quoted(&mut out, &interface.name);
        out.push('\n');
        for arg in &interface.args {
            let _ = write!(out, ".arg {} ", arg.index);
            quoted(&mut out, &arg.name);
            out.push('\n');
        }
    }
    for (id, model) in module.models.iter().enumerate() {
        let _ = write!(out, ".model m{id} ");
        quoted(&mut out, &model.path);
        out.push_str(" format=");
        quoted(&mut out, &model.format);
        if let Some(sha) = &model.sha256 {
            out.push_str(" sha256=\"");
            sha.iter().for_each(|b| {
                let _ = write!(out, "{b:02x}");
            });
            out.push('"');
        }
        if let Some(size) = model.size {
            let _ = write!(out, " size={size}");
        }
        out.push_str(" inputs=");
        string_list(&mut out, &model.inputs);
        out.push_str(" outputs=");
        string_list(&mut out, &model.outputs);
        out.push('\n');
    }
    if let Some(debug) = &module.debug {
        for (id, file) in debug.files.iter().enumerate() {
            let _ = write!(out, ".file {id} ");
            quoted(&mut out, file);
            out.push('\n');
        }
        for name in &debug.slot_names {
            let _ = write!(out, ".slot_name s{} {} {} ", name.slot, name.from, name.to);
            quoted(&mut out, &name.name);
            out.push('\n');
        }
    }
    for custom in &module.custom {
        let _ = write!(out, ".custom {} bytes\"", custom.id);
        custom.data.iter().for_each(|b| {
            let _ = write!(out, "{b:02x}");
        });
        out.push_str("\"\n");
    }
    out.push('\n');

    let mut depth = 0usize;
    for (index, instruction) in module.code.iter().enumerate() {
        let offset = offsets[index];
        if let Some(label) = labels.get(&offset) {
            let _ = writeln!(out, "{label}:");
        }
        if matches!(instruction, Instruction::FlowLoopEnd {}) {
            depth = depth.saturating_sub(1);
        }
        let indent = 4 + 2 * depth;
        let mut line = format!("{:indent$}{}", "", instruction.opcode().mnemonic());
        write_operands(&mut line, module, instruction, offsets[index + 1], &labels);
        if let Instruction::SinkReturn { .. } = instruction
            && let Some(names) = module.return_names(offset)
        {
            line.push_str(" names=");
            string_list(&mut line, names);
        }
        if let Some(loc) = module.debug.as_ref().and_then(|d| d.location(offset)) {
            let _ = write!(line, " @{}:{}..{}", loc.file, loc.start, loc.end);
        }
        let _ = writeln!(out, "{line:<56} ; {offset:04x}");
        if matches!(instruction, Instruction::FlowLoopStart { .. }) {
            depth += 1;
        }
    }
    if let Some(label) = labels.get(offsets.last().unwrap_or(&0)) {
        let _ = writeln!(out, "{label}:");
    }
    out
}

fn write_operands(
    line: &mut String,
    module: &Module,
    instruction: &Instruction,
    next_offset: u32,
    labels: &BTreeMap<u32, String>,
) {
    let spec = instruction.opcode().spec();
    for (operand, op_spec) in instruction.operands().iter().zip(spec.operands) {
        let _ = write!(line, " {}=", op_spec.name);
        match (operand, op_spec.kind) {
            (Operand::Slot(s), _) => {
                let _ = write!(line, "{s}");
            }
            (Operand::Model(m), _) => {
                let _ = write!(line, "{m}");
            }
            (Operand::Imm8(v), _) => {
                let _ = write!(line, "{v}");
            }
            (Operand::Subtype(code), OperandKind::Subtype(table)) => match table.name_of(*code) {
                Some(name) => line.push_str(name),
                None => {
                    let _ = write!(line, "{code}");
                }
            },
            (Operand::Subtype(code), _) => {
                let _ = write!(line, "{code}");
            }
            (Operand::Slots(list), _) => {
                line.push('[');
                for (i, s) in list.iter().enumerate() {
                    if i > 0 {
                        line.push_str(", ");
                    }
                    let _ = write!(line, "{s}");
                }
                line.push(']');
            }
            (Operand::Const(id), _) => match module.constants.get(id.0 as usize) {
                Some(constant) => {
                    let _ = write!(line, "{constant}");
                }
                None => {
                    let _ = write!(line, "{id}");
                }
            },
            (Operand::Offset(o), _) => {
                let target = next_offset as i64 + o.0 as i64;
                match u32::try_from(target).ok().and_then(|t| labels.get(&t)) {
                    Some(label) => {
                        let _ = write!(line, "@{label}");
                    }
                    None => {
                        let _ = write!(line, "{:+}", o.0);
                    }
                }
            }
        }
    }
}

/// `L0`, `L1`, ... for every branch target that is an instruction boundary,
/// numbered in code order.
fn branch_labels(module: &Module, offsets: &[u32]) -> BTreeMap<u32, String> {
    let mut targets: Vec<u32> = Vec::new();
    for (index, instruction) in module.code.iter().enumerate() {
        if let Instruction::FlowBranchIf { offset, .. } = instruction {
            let target = offsets[index + 1] as i64 + offset.0 as i64;
            if let Ok(t) = u32::try_from(target)
                && offsets.binary_search(&t).is_ok()
            {
                targets.push(t);
            }
        }
    }
    targets.sort_unstable();
    targets.dedup();
    targets
        .into_iter()
        .enumerate()
        .map(|(i, t)| (t, format!("L{i}")))
        .collect()
}

fn quoted(out: &mut String, s: &str) {
    let _ = write_quoted(out, s);
}

fn string_list(out: &mut String, list: &[String]) {
    out.push('[');
    for (i, s) in list.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        quoted(out, s);
    }
    out.push(']');
}
