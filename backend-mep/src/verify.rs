//! The verifier: the only way to turn a [`Module`] into an executable
//! [`Program`]. It checks every rule of `docs/mep-format.md` ("Validity"),
//! collects every problem with its byte offset, and never panics.

use std::collections::HashSet;

use crate::constant::Constant;
use crate::container::{self, DecodeOptions, FileLayout};
use crate::error::{ErrorKind, MepError};
use crate::module::Module;
use crate::opcode::Instruction;
use crate::operand::{ConstUse, Operand, OperandKind};
use crate::subtype::{CtlType, ParamArity, ResType};

/// The number of inputs and outputs a host function accepts (inclusive ranges).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostArity {
    pub inputs: (u8, u8),
    pub outputs: (u8, u8),
}

/// The host functions a runtime provides (`EXTERN_CALL_FUNC`). When given to
/// the verifier, a call to any other name is rejected before anything runs.
pub trait HostFunctions {
    fn arity(&self, name: &str) -> Option<HostArity>;
    fn names(&self) -> Vec<&str>;
}

#[derive(Clone, Copy, Default)]
pub struct VerifyOptions<'a> {
    pub host_functions: Option<&'a dyn HostFunctions>,
}

/// A verified program: every operand is in range, every jump lands on an
/// instruction of the same loop body, loops are balanced. Jump targets are
/// resolved to instruction indices once, here.
#[derive(Debug, Clone)]
pub struct Program {
    module: Module,
    layout: FileLayout,
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Program {
    pub fn module(&self) -> &Module {
        &self.module
    }

    pub fn into_module(self) -> Module {
        self.module
    }

    pub fn instructions(&self) -> &[Instruction] {
        &self.module.code
    }

    /// Code byte offset of instruction `index` (`index == len` gives the code length).
    pub fn offset(&self, index: usize) -> u32 {
        self.offsets.get(index).copied().unwrap_or(0)
    }

    /// File offset of instruction `index`, for messages about a program read from a file.
    pub fn file_offset(&self, index: usize) -> usize {
        self.layout.code_offset + self.offset(index) as usize
    }

    /// The resolved jump of instruction `index`, as an instruction index:
    /// - `FLOW_LOOP_START`: the instruction after the matching `FLOW_LOOP_END`;
    /// - `FLOW_LOOP_END`: the first instruction of the loop body;
    /// - `FLOW_BREAK_LOOP_IF`: the instruction after the enclosing loop's end;
    /// - `FLOW_BRANCH_IF`: the branch target (the instruction count for the end).
    ///
    /// Other instructions give their own index plus one.
    pub fn jump_target(&self, index: usize) -> usize {
        self.targets.get(index).map_or(index + 1, |&t| t as usize)
    }
}

/// Decodes and verifies a `.mep` file.
pub fn load(bytes: &[u8], options: &VerifyOptions<'_>) -> Result<Program, Vec<MepError>> {
    let (module, layout) = container::decode(bytes, DecodeOptions::default())?;
    verify_with_layout(module, layout, options)
}

/// Verifies a module built in memory; offsets in errors are relative to the code.
pub fn verify(module: Module, options: &VerifyOptions<'_>) -> Result<Program, Vec<MepError>> {
    verify_with_layout(module, FileLayout::default(), options)
}

pub fn verify_with_layout(
    module: Module,
    layout: FileLayout,
    options: &VerifyOptions<'_>,
) -> Result<Program, Vec<MepError>> {
    let mut v = Verifier {
        module: &module,
        base: layout.code_offset,
        offsets: module.instruction_offsets(),
        errors: Vec::new(),
        options,
    };
    let targets = v.check();
    let offsets = std::mem::take(&mut v.offsets);
    let errors = v.errors;
    if errors.is_empty() {
        Ok(Program {
            module,
            layout,
            offsets,
            targets,
        })
    } else {
        Err(errors)
    }
}

struct Verifier<'m, 'o> {
    module: &'m Module,
    base: usize,
    offsets: Vec<u32>,
    errors: Vec<MepError>,
    options: &'o VerifyOptions<'o>,
}

impl Verifier<'_, '_> {
    fn error(&mut self, index: usize, kind: ErrorKind) {
        let offset = self.base + self.offsets.get(index).copied().unwrap_or(0) as usize;
        self.errors.push(MepError::new(offset, kind));
    }

    fn check(&mut self) -> Vec<u32> {
        let code = &self.module.code;
        let n = code.len();
        let mut targets: Vec<u32> = (1..=n as u32).collect();
        // The loop (index of its FLOW_LOOP_START) each instruction belongs to.
        let mut region: Vec<Option<usize>> = vec![None; n + 1];
        let mut open: Vec<usize> = Vec::new();
        let mut breaks: Vec<(usize, usize)> = Vec::new();
        let mut loaded = HashSet::new();

        for (i, instruction) in code.iter().enumerate() {
            region[i] = open.last().copied();
            self.check_operands(i, instruction);
            match instruction {
                Instruction::FlowLoopStart { .. } => open.push(i),
                Instruction::FlowLoopEnd {} => match open.pop() {
                    Some(start) => {
                        targets[start] = (i + 1) as u32;
                        targets[i] = (start + 1) as u32;
                        breaks.retain(|&(b, s)| {
                            if s == start {
                                targets[b] = (i + 1) as u32;
                                false
                            } else {
                                true
                            }
                        });
                    }
                    None => self.error(i, ErrorKind::LoopEndWithoutStart),
                },
                Instruction::FlowBreakLoopIf { .. } => match open.last() {
                    Some(&start) => breaks.push((i, start)),
                    None => self.error(i, ErrorKind::BreakOutsideLoop),
                },
                Instruction::ResLoadModel { model, .. } => {
                    loaded.insert(model.0);
                }
                _ => {}
            }
        }
        for start in open {
            self.error(start, ErrorKind::LoopStartWithoutEnd);
        }

        for (i, instruction) in code.iter().enumerate() {
            match instruction {
                Instruction::FlowBranchIf { offset, .. } => {
                    if let Some(t) = self.check_branch(i, offset.0, &region) {
                        targets[i] = t as u32;
                    }
                }
                Instruction::ModelRunStatic { model, .. }
                | Instruction::ModelRunDynamic { model, .. }
                    if (model.0 as usize) < self.module.models.len()
                        && !loaded.contains(&model.0) =>
                {
                    self.error(i, ErrorKind::ModelNeverLoaded { model: model.0 })
                }
                _ => {}
            }
        }
        self.check_interface();
        self.check_strict_hashes();
        self.check_debug();
        targets
    }

    fn check_branch(&mut self, i: usize, relative: i16, region: &[Option<usize>]) -> Option<usize> {
        let code_len = *self.offsets.last().unwrap_or(&0) as usize;
        let next = self.offsets[i + 1] as i64;
        let target = next + relative as i64;
        if target < 0 || target > code_len as i64 {
            self.error(i, ErrorKind::BranchTargetOutsideCode { target, code_len });
            return None;
        }
        let Ok(t) = self.offsets.binary_search(&(target as u32)) else {
            self.error(i, ErrorKind::BranchTargetNotInstruction { target });
            return None;
        };
        if region[t] != region[i] {
            self.error(i, ErrorKind::BranchAcrossLoop { target });
            return None;
        }
        Some(t)
    }

    fn check_operands(&mut self, i: usize, instruction: &Instruction) {
        let spec = instruction.opcode().spec();
        let operands = instruction.operands();
        for (operand, op_spec) in operands.iter().zip(spec.operands) {
            match (operand, op_spec.kind) {
                (Operand::Const(id), OperandKind::Const(usage)) => {
                    let Some(constant) = self.module.constants.get(id.0 as usize) else {
                        let len = self.module.constants.len();
                        self.error(i, ErrorKind::ConstOutOfRange { id: id.0, len });
                        continue;
                    };
                    let expected = match (usage, instruction) {
                        (ConstUse::Any, _) => None,
                        (ConstUse::Str, _) => Some("str"),
                        (ConstUse::ByControl, Instruction::ExecCtl { ctl, .. }) => match ctl {
                            CtlType::Device | CtlType::Precision => Some("str"),
                            CtlType::Threads | CtlType::Seed => Some("int"),
                        },
                        (ConstUse::ByControl, _) => None,
                    };
                    if let Some(expected) = expected
                        && constant.type_name() != expected
                    {
                        let found = constant.type_name();
                        self.error(
                            i,
                            ErrorKind::ConstTypeMismatch {
                                mnemonic: spec.mnemonic,
                                operand: op_spec.name,
                                expected,
                                found,
                            },
                        );
                    }
                }
                (Operand::Model(id), _) => self.check_model(i, id.0),
                (Operand::Slots(list), _) if list.len() > 255 => {
                    let len = list.len();
                    self.error(
                        i,
                        ErrorKind::ListTooLong {
                            operand: op_spec.name,
                            len,
                        },
                    );
                }
                _ => {}
            }
        }
        self.check_instruction(i, instruction);
    }

    fn check_model(&mut self, i: usize, id: u8) {
        let len = self.module.models.len();
        if id as usize >= len {
            self.error(i, ErrorKind::ModelOutOfRange { id, len });
        }
    }

    fn check_params<T: ParamArity + Copy>(
        &mut self,
        i: usize,
        mnemonic: &'static str,
        op: T,
        op_name: &'static str,
        found: usize,
    ) {
        let (min, max) = op.param_arity();
        if found < min as usize || found > max as usize {
            let expected = if min == max {
                format!("{min} ({})", op.param_names())
            } else {
                format!("{min} to {max} ({})", op.param_names())
            };
            self.error(
                i,
                ErrorKind::ParamCount {
                    mnemonic,
                    op: op_name,
                    expected,
                    found,
                },
            );
        }
    }

    fn check_instruction(&mut self, i: usize, instruction: &Instruction) {
        let module = self.module;
        match instruction {
            Instruction::TensorCreate { op, params, .. } => {
                self.check_params(i, "TENSOR_CREATE", *op, op.name(), params.len())
            }
            Instruction::TensorManipulate { op, params, .. } => {
                self.check_params(i, "TENSOR_MANIPULATE", *op, op.name(), params.len())
            }
            Instruction::ResLoadExtern { kind, params, .. } => {
                self.check_params(i, "RES_LOAD_EXTERN", *kind, kind.name(), params.len())
            }
            Instruction::TensorCombine { op, params, .. } => {
                self.check_params(i, "TENSOR_COMBINE", *op, op.name(), params.len())
            }
            Instruction::MathAggregate { op, params, .. } => {
                self.check_params(i, "MATH_AGGREGATE", *op, op.name(), params.len())
            }
            Instruction::StringFormat { format, inputs, .. } => {
                if let Some(Constant::Str(text)) = module.constants.get(format.0.0 as usize) {
                    match count_placeholders(text) {
                        Ok(placeholders) if placeholders != inputs.len() => self.error(
                            i,
                            ErrorKind::FormatPlaceholders {
                                placeholders,
                                inputs: inputs.len(),
                            },
                        ),
                        Ok(_) => {}
                        Err(reason) => self.error(i, ErrorKind::BadFormatString { reason }),
                    }
                }
            }
            Instruction::ModelRunStatic {
                model,
                inputs,
                outputs,
            } => {
                if let Some(entry) = module.models.get(model.0 as usize) {
                    for (what, declared, found) in [
                        ("inputs", entry.inputs.len(), inputs.len()),
                        ("outputs", entry.outputs.len(), outputs.len()),
                    ] {
                        if declared != found {
                            self.error(
                                i,
                                ErrorKind::ModelContract {
                                    model: model.0,
                                    what,
                                    declared,
                                    found,
                                },
                            );
                        }
                    }
                }
            }
            Instruction::ResLoadModel { model, path } => {
                if let (Some(entry), Some(Constant::Str(operand))) = (
                    module.models.get(model.0 as usize),
                    module.constants.get(path.0.0 as usize),
                ) && &entry.path != operand
                {
                    self.error(
                        i,
                        ErrorKind::ModelPathMismatch {
                            model: model.0,
                            table: entry.path.clone(),
                            operand: operand.clone(),
                        },
                    );
                }
            }
            Instruction::ResUnload {
                res: ResType::Model,
                target,
            } => self.check_model(i, *target),
            Instruction::ExternCallFunc {
                func,
                inputs,
                outputs,
            } => {
                let (Some(host), Some(Constant::Str(name))) = (
                    self.options.host_functions,
                    module.constants.get(func.0.0 as usize),
                ) else {
                    return;
                };
                match host.arity(name) {
                    None => {
                        let names = host.names();
                        let suggestion = closest_name(name, &names);
                        self.error(
                            i,
                            ErrorKind::UnknownHostFunction {
                                name: name.clone(),
                                suggestion,
                            },
                        );
                    }
                    Some(arity) => {
                        for (what, (min, max), found) in [
                            ("inputs", arity.inputs, inputs.len()),
                            ("outputs", arity.outputs, outputs.len()),
                        ] {
                            if found < min as usize || found > max as usize {
                                let expected = if min == max {
                                    format!("{min}")
                                } else {
                                    format!("{min} to {max}")
                                };
                                self.error(
                                    i,
                                    ErrorKind::HostFunctionArity {
                                        name: name.clone(),
                                        what,
                                        expected,
                                        found,
                                    },
                                );
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn check_strict_hashes(&mut self) {
        if self.module.flags & crate::module::FLAG_STRICT_MODEL_HASHES == 0 {
            return;
        }
        for (id, model) in self.module.models.iter().enumerate() {
            if model.sha256.is_none() || model.size.is_none() {
                let model = id as u8;
                self.errors.push(MepError::new(
                    self.base,
                    ErrorKind::StrictModelWithoutHash { model },
                ));
            }
        }
    }

    fn check_interface(&mut self) {
        let Some(interface) = &self.module.interface else {
            return;
        };
        let code_len = *self.offsets.last().unwrap_or(&0);
        let mut indices = HashSet::new();
        for arg in &interface.args {
            if !indices.insert(arg.index) {
                let reason = format!("argument {} is named twice", arg.index);
                self.errors
                    .push(MepError::new(self.base, ErrorKind::BadInterface { reason }));
            }
        }
        let mut offsets = HashSet::new();
        for ret in &interface.returns {
            if !offsets.insert(ret.offset) {
                let reason = format!(
                    "the SINK_RETURN at code offset {} is named twice",
                    ret.offset
                );
                self.errors
                    .push(MepError::new(self.base, ErrorKind::BadInterface { reason }));
            }
        }
        for ret in &interface.returns {
            let index = self
                .offsets
                .binary_search(&ret.offset)
                .ok()
                .filter(|&i| i < self.module.code.len());
            let reason = match index.map(|i| &self.module.code[i]) {
                Some(Instruction::SinkReturn { values }) if values.len() == ret.names.len() => {
                    continue;
                }
                Some(Instruction::SinkReturn { values }) => format!(
                    "the SINK_RETURN at code offset {} returns {} value(s) but {} name(s) are given",
                    ret.offset,
                    values.len(),
                    ret.names.len()
                ),
                _ => format!(
                    "return names refer to code offset {}, which is not a SINK_RETURN",
                    ret.offset
                ),
            };
            let at = self.base + ret.offset.min(code_len) as usize;
            self.errors
                .push(MepError::new(at, ErrorKind::BadInterface { reason }));
        }
    }

    fn check_debug(&mut self) {
        let Some(debug) = &self.module.debug else {
            return;
        };
        let code_len = *self.offsets.last().unwrap_or(&0);
        let mut previous: Option<u32> = None;
        for loc in &debug.locations {
            let reason = if previous.is_some_and(|p| loc.offset <= p) {
                Some(format!(
                    "source locations are not sorted by offset at code offset {}",
                    loc.offset
                ))
            } else if self.offsets.binary_search(&loc.offset).is_err() || loc.offset >= code_len {
                Some(format!(
                    "a source location names code offset {}, which is not an instruction",
                    loc.offset
                ))
            } else if loc.file as usize >= debug.files.len() {
                Some(format!(
                    "a source location names file {} of {}",
                    loc.file,
                    debug.files.len()
                ))
            } else if loc.start > loc.end {
                Some(format!(
                    "a source span {}..{} ends before it starts",
                    loc.start, loc.end
                ))
            } else {
                None
            };
            previous = Some(loc.offset);
            if let Some(reason) = reason {
                let at = self.base + loc.offset.min(code_len) as usize;
                self.errors
                    .push(MepError::new(at, ErrorKind::BadDebugInfo { reason }));
            }
        }
        for name in &debug.slot_names {
            if name.from > name.to || name.to > code_len {
                let reason = format!(
                    "the name \"{}\" of slot s{} covers {}..{}, outside the code (0..{code_len})",
                    name.name, name.slot, name.from, name.to
                );
                let at = self.base + name.from.min(code_len) as usize;
                self.errors
                    .push(MepError::new(at, ErrorKind::BadDebugInfo { reason }));
            }
        }
    }
}

/// Counts `{}` placeholders; `{{` and `}}` are literal braces.
pub fn count_placeholders(format: &str) -> Result<usize, &'static str> {
    let mut count = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '{' if chars.peek() == Some(&'}') => {
                chars.next();
                count += 1;
            }
            '{' => {
                return Err("`{` must be followed by `}` (a placeholder) or `{` (a literal brace)");
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
            }
            '}' => return Err("a lone `}` must be written `}}`"),
            _ => {}
        }
    }
    Ok(count)
}

fn closest_name(name: &str, names: &[&str]) -> Option<String> {
    names
        .iter()
        .map(|n| (strsim::damerau_levenshtein(name, n), *n))
        .filter(|(d, _)| *d <= (name.len() / 3).max(1))
        .min()
        .map(|(_, n)| n.to_string())
}
