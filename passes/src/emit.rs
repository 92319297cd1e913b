//! The MEP emitter: IR + slot assignment -> MEP module.
//!
//! Alongside the code it records, for every emitted instruction, which live
//! range each slot operand is expected to hold ([`Effects`]), so that
//! [`check`](crate::check) can re-verify the allocation by simulation.

use std::collections::HashMap;
use std::fmt;

use omex_ir::{Block, Inst, ModelRef, Module, Op, Value};
use omex_mep::builder::{BuildError, Builder};
use omex_mep::subtype::{BinaryOp, ResType, UnaryOp};
use omex_mep::{
    AnyConst, ArgInfo, Constant, CtlConst, Instruction, Interface, ModelEntry, ModelId,
    ReturnNames, Slot, StrConst,
};

use crate::liveness::{Liveness, RangeId, ScratchUse, break_needs_copies, else_needs_code};
use crate::slots::{Assignment, FreeSlots};

/// What one MEP instruction reads and writes, in terms of live ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    pub reads: Vec<(u8, RangeId)>,
    pub writes: Vec<(u8, RangeId)>,
    /// Applied before the reads: the slot holds the first range and from now
    /// on holds the second (a copy elided because both got the same slot).
    pub renames: Vec<(u8, RangeId, RangeId)>,
}

/// The [`Effects`] of one instruction, borrowed from an [`EffectTable`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EffectsRef<'a> {
    pub reads: &'a [(u8, RangeId)],
    pub writes: &'a [(u8, RangeId)],
    pub renames: &'a [(u8, RangeId, RangeId)],
}

/// The effects of every instruction of a program, in three flat lists (no
/// allocation per instruction: this table grows with the program).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectTable {
    reads: Vec<(u8, RangeId)>,
    writes: Vec<(u8, RangeId)>,
    renames: Vec<(u8, RangeId, RangeId)>,
    /// Where instruction `i`'s entries start in each list; `len + 1` entries.
    starts: Vec<[u32; 3]>,
}

impl Default for EffectTable {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl EffectTable {
    pub fn with_capacity(instructions: usize) -> Self {
        let mut starts = Vec::with_capacity(instructions + 1);
        starts.push([0; 3]);
        EffectTable {
            reads: Vec::with_capacity(instructions * 3 / 2),
            writes: Vec::with_capacity(instructions),
            renames: Vec::new(),
            starts,
        }
    }

    /// Appends the effects of the next instruction.
    pub fn push(&mut self, effects: &Effects) {
        self.push_parts(
            effects.reads.iter().copied(),
            effects.writes.iter().copied(),
            &effects.renames,
        );
    }

    /// Appends the effects of the next instruction, given in parts.
    pub fn push_parts(
        &mut self,
        reads: impl IntoIterator<Item = (u8, RangeId)>,
        writes: impl IntoIterator<Item = (u8, RangeId)>,
        renames: &[(u8, RangeId, RangeId)],
    ) {
        self.reads.extend(reads);
        self.writes.extend(writes);
        self.renames.extend_from_slice(renames);
        self.starts.push([
            self.reads.len() as u32,
            self.writes.len() as u32,
            self.renames.len() as u32,
        ]);
    }

    /// Number of instructions.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<EffectsRef<'_>> {
        let [r0, w0, n0] = *self.starts.get(i)?;
        let [r1, w1, n1] = *self.starts.get(i + 1)?;
        Some(EffectsRef {
            reads: &self.reads[r0 as usize..r1 as usize],
            writes: &self.writes[w0 as usize..w1 as usize],
            renames: &self.renames[n0 as usize..n1 as usize],
        })
    }

    /// The effects of instruction `i` (none past the end).
    pub fn at(&self, i: usize) -> EffectsRef<'_> {
        self.get(i).unwrap_or_default()
    }

    pub fn iter(&self) -> impl Iterator<Item = EffectsRef<'_>> {
        (0..self.len()).map(|i| self.at(i))
    }
}

#[derive(Debug)]
pub struct Emitted {
    pub module: omex_mep::Module,
    /// Parallel to `module.code`.
    pub effects: EffectTable,
    /// The IR instruction each MEP instruction comes from.
    pub origin: Vec<Option<Inst>>,
    /// The layout position ([`Layout`](crate::layout::Layout)) each MEP
    /// instruction belongs to: its IR instruction's, or for the copies and
    /// `FLOW_LOOP_END` closing a loop, the loop's end. Non-decreasing.
    pub position: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmitError {
    Build(BuildError),
    /// A model handle that does not come straight from `load_model`.
    IndirectModel(Value),
    /// No slot is free for a compiler temporary at this instruction.
    NoFreeSlot(Inst),
    /// Two static runs of one model pass different inputs.
    InconsistentContract(Inst),
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::Build(e) => write!(f, "{e}"),
            EmitError::IndirectModel(v) => {
                write!(f, "model handle {v} must come directly from a model load")
            }
            EmitError::NoFreeSlot(i) => write!(f, "no context slot is free for a temporary at {i}"),
            EmitError::InconsistentContract(i) => {
                write!(
                    f,
                    "{i}: every static run of a model must pass the same inputs"
                )
            }
        }
    }
}

impl From<BuildError> for EmitError {
    fn from(e: BuildError) -> Self {
        EmitError::Build(e)
    }
}

struct Move {
    src: u8,
    dst: u8,
    src_range: RangeId,
    dst_range: RangeId,
}

struct Emitter<'a> {
    module: &'a Module,
    live: &'a Liveness,
    asg: &'a Assignment,
    b: Builder,
    effects: EffectTable,
    origin: Vec<Option<Inst>>,
    position: Vec<u32>,
    /// The layout position of the code being emitted.
    at: u32,
    free: Option<FreeSlots<'a>>,
    model_ids: HashMap<ModelRef, ModelId>,
    returns: Vec<(usize, Vec<String>)>,
    current: Option<Inst>,
    renames: Vec<(u8, RangeId, RangeId)>,
}

pub fn emit(module: &Module, live: &Liveness, asg: &Assignment) -> Result<Emitted, EmitError> {
    let mut e = Emitter {
        module,
        live,
        asg,
        // About one MEP instruction per IR instruction, plus copies; reserving
        // (not touching) memory avoids copying these as they grow.
        b: Builder::with_capacity(2 * module.insts.len()),
        effects: EffectTable::with_capacity(2 * module.insts.len()),
        origin: Vec::with_capacity(2 * module.insts.len()),
        position: Vec::with_capacity(2 * module.insts.len()),
        at: 0,
        free: None,
        model_ids: HashMap::new(),
        returns: Vec::new(),
        current: None,
        renames: Vec::new(),
    };
    e.model_table()?;
    e.b.set_debug_files(module.files.clone());
    if let Some(body) = module.body {
        e.block(body)?;
    }
    let Emitter {
        b,
        effects,
        origin,
        position,
        returns,
        ..
    } = e;
    let mut mep = b.finish()?;
    let offsets = mep.instruction_offsets();
    mep.interface = Some(Interface {
        name: module.name.clone(),
        args: module
            .args
            .iter()
            .map(|a| ArgInfo {
                index: a.index,
                name: a.name.clone(),
            })
            .collect(),
        returns: returns
            .into_iter()
            .map(|(index, names)| ReturnNames {
                offset: offsets[index],
                names,
            })
            .collect(),
    });
    if mep
        .debug
        .as_ref()
        .is_some_and(|d| d.files.is_empty() && d.locations.is_empty() && d.slot_names.is_empty())
    {
        mep.debug = None;
    }
    Ok(Emitted {
        module: mep,
        effects,
        origin,
        position,
    })
}

impl Emitter<'_> {
    fn model_table(&mut self) -> Result<(), EmitError> {
        // The static contract of each model: the inputs of its static runs and
        // the union of the outputs they fetch (see `normalize_static_runs`).
        let mut contracts: HashMap<ModelRef, (Vec<String>, Vec<String>)> = HashMap::new();
        for inst in self.module.walk() {
            if let Op::RunStatic { inputs, outputs } = &self.module.insts[inst].op {
                let model = self.model_of(self.module.insts[inst].args[0])?;
                let entry = contracts
                    .entry(model)
                    .or_insert_with(|| (inputs.clone(), outputs.clone()));
                if &entry.0 != inputs {
                    return Err(EmitError::InconsistentContract(inst));
                }
                for o in outputs {
                    if !entry.1.contains(o) {
                        entry.1.push(o.clone());
                    }
                }
            }
        }
        for (model, decl) in self.module.models.iter() {
            let (inputs, outputs) = contracts.remove(&model).unwrap_or_default();
            let id = self.b.add_model(ModelEntry {
                path: decl.path.clone(),
                format: decl.format.clone(),
                sha256: decl.sha256,
                size: decl.size,
                inputs,
                outputs,
            })?;
            self.model_ids.insert(model, id);
        }
        Ok(())
    }

    fn model_of(&self, value: Value) -> Result<ModelRef, EmitError> {
        match self
            .module
            .def_inst(value)
            .map(|i| &self.module.insts[i].op)
        {
            Some(Op::LoadModel(m)) => Ok(*m),
            _ => Err(EmitError::IndirectModel(value)),
        }
    }

    fn model_id(&self, value: Value) -> Result<ModelId, EmitError> {
        let model = self.model_of(value)?;
        Ok(self.model_ids[&model])
    }

    fn range(&self, v: Value) -> RangeId {
        // Every value that reaches the emitter as an operand needs a slot.
        self.live.range_of(v).unwrap_or(usize::MAX)
    }

    fn slot(&self, v: Value) -> Slot {
        match self.live.range_of(v) {
            Some(r) => Slot(self.asg.slot_of_range[r]),
            None => Slot(0),
        }
    }

    fn slots(&self, vs: &[Value]) -> Vec<Slot> {
        vs.iter().map(|v| self.slot(*v)).collect()
    }

    fn read(&self, vs: &[Value]) -> Vec<(u8, RangeId)> {
        vs.iter()
            .map(|v| (self.slot(*v).0, self.range(*v)))
            .collect()
    }

    fn push(&mut self, instruction: Instruction, mut effects: Effects) -> usize {
        effects.renames.append(&mut self.renames);
        self.effects.push(&effects);
        self.push_code(instruction)
    }

    /// An instruction that reads `args` and writes `results` (those of them
    /// in slots: model handles live in the model table).
    fn push_simple(&mut self, instruction: Instruction, args: &[Value], results: &[Value]) {
        let (live, asg) = (self.live, self.asg);
        let access = move |v: &Value| live.range_of(*v).map(|r| (asg.slot_of_range[r], r));
        let (reads, writes) = (
            args.iter().filter_map(access),
            results.iter().filter_map(access),
        );
        self.effects.push_parts(reads, writes, &self.renames);
        self.renames.clear();
        self.push_code(instruction);
    }

    /// Appends an instruction whose effects were just recorded.
    fn push_code(&mut self, instruction: Instruction) -> usize {
        let index = self.b.push(instruction);
        self.origin.push(self.current);
        self.position.push(self.at);
        if let Some(span) = self.current.and_then(|i| self.module.spans[i]) {
            self.b.locate(index, span.file.0, span.start, span.end);
        }
        index
    }

    fn constant(&mut self, c: Constant) -> Result<omex_mep::ConstId, EmitError> {
        Ok(self.b.constant(c)?)
    }

    fn str_const(&mut self, s: &str) -> Result<StrConst, EmitError> {
        Ok(StrConst(self.constant(Constant::Str(s.to_string()))?))
    }

    fn block(&mut self, block: Block) -> Result<(), EmitError> {
        for &inst in &self.module.blocks[block].insts {
            self.current = Some(inst);
            self.at = self.live.layout.pos[inst];
            self.inst(inst)?;
        }
        Ok(())
    }

    fn scratch(&self, inst: Inst, what: ScratchUse) -> Option<(u8, RangeId)> {
        self.live
            .scratch
            .get(&(inst, what))
            .map(|&r| (self.asg.slot_of_range[r], r))
    }

    fn inst(&mut self, inst: Inst) -> Result<(), EmitError> {
        // The module outlives the emitter's borrows: no need to clone operands.
        let module = self.module;
        let d = &module.insts[inst];
        let (args, results) = (&d.args[..], &d.results[..]);
        let out = results.first().map(|r| self.slot(*r)).unwrap_or(Slot(0));
        let simple = |e: &Self| Effects {
            reads: e.read(args),
            writes: e.read(results),
            ..Effects::default()
        };
        let instruction = match &d.op {
            Op::Arg { index } => Instruction::SrcCmdArg { out, arg: *index },
            Op::Prompt { kind, message } => {
                let prompt = self.str_const(message)?;
                Instruction::SrcUserPrompt {
                    out,
                    data_type: *kind,
                    prompt,
                }
            }
            Op::ReadFile { mode } => Instruction::SrcFileContent {
                out,
                path: self.slot(args[0]),
                mode: *mode,
            },
            Op::Const(c) => Instruction::SrcConstant {
                out,
                value: AnyConst(self.constant(c.clone())?),
            },
            Op::LoadModel(m) => {
                let model = self.model_ids[m];
                let path = self.str_const(&self.module.models[*m].path)?;
                Instruction::ResLoadModel { model, path }
            }
            Op::LoadDataFile { kind, path } => Instruction::ResLoadDatafile {
                out,
                file_type: *kind,
                path: self.str_const(path)?,
            },
            Op::LoadExtern { kind, repo } => Instruction::ResLoadExtern {
                out,
                repo: self.str_const(repo)?,
                kind: *kind,
                params: self.slots(args),
            },
            Op::ExecCtl { ctl, value } => Instruction::ExecCtl {
                ctl: *ctl,
                value: CtlConst(self.constant(value.clone())?),
            },
            Op::Unload => {
                if matches!(self.module.ty(args[0]), omex_ir::Type::Model) {
                    let id = self.model_id(args[0])?;
                    Instruction::ResUnload {
                        res: ResType::Model,
                        target: id.0,
                    }
                } else {
                    Instruction::ResUnload {
                        res: ResType::Context,
                        target: self.slot(args[0]).0,
                    }
                }
            }
            Op::Encode => Instruction::PreprocEncode {
                proc: self.slot(args[0]),
                input: self.slot(args[1]),
                out,
            },
            Op::Decode => Instruction::PreprocDecode {
                proc: self.slot(args[0]),
                input: self.slot(args[1]),
                out,
            },
            Op::SpecialId { token } => Instruction::PreprocGetId {
                proc: self.slot(args[0]),
                item: self.str_const(token)?,
                out,
            },
            Op::Format { template } => Instruction::StringFormat {
                out,
                format: self.str_const(template)?,
                inputs: self.slots(args),
            },
            Op::TensorCreate { dtype, op } => Instruction::TensorCreate {
                out,
                dtype: *dtype,
                op: *op,
                params: self.slots(args),
            },
            Op::TensorRandom { dtype, dist } => Instruction::TensorRandom {
                out,
                dtype: *dtype,
                dist: *dist,
                shape: self.slot(args[0]),
                seed: self.slot(args[1]),
            },
            Op::Manipulate(op) => Instruction::TensorManipulate {
                op: *op,
                out,
                input: self.slot(args[0]),
                params: self.slots(&args[1..]),
            },
            Op::Combine { op, inputs } => {
                let n = (*inputs as usize).min(args.len());
                Instruction::TensorCombine {
                    op: *op,
                    out,
                    inputs: self.slots(&args[..n]),
                    params: self.slots(&args[n..]),
                }
            }
            Op::Info(op) => Instruction::TensorInfo {
                op: *op,
                out,
                input: self.slot(args[0]),
            },
            Op::Extract => Instruction::TensorExtract {
                out,
                tensor: self.slot(args[0]),
                index: self.slot(args[1]),
            },
            Op::CallHost { name } => Instruction::ExternCallFunc {
                func: self.str_const(name)?,
                inputs: self.slots(args),
                outputs: self.slots(results),
            },
            Op::CallMethod { name } => Instruction::ExternCallMethod {
                object: self.slot(args[0]),
                method: self.str_const(name)?,
                inputs: self.slots(&args[1..]),
                outputs: self.slots(results),
            },
            Op::Copy => Instruction::SysCopy {
                out,
                input: self.slot(args[0]),
            },
            Op::DebugPrint { message } => Instruction::SysDebugPrint {
                key: self.slot(args[0]),
                message: self.str_const(message)?,
            },
            Op::Unary(op) => Instruction::MathUnary {
                op: *op,
                out,
                input: self.slot(args[0]),
            },
            Op::Binary(op) => Instruction::MathBinary {
                op: *op,
                out,
                lhs: self.slot(args[0]),
                rhs: self.slot(args[1]),
            },
            Op::Aggregate(op) => Instruction::MathAggregate {
                op: *op,
                out,
                input: self.slot(args[0]),
                params: self.slots(&args[1..]),
            },
            Op::Compare(op) => Instruction::LogicCompare {
                op: *op,
                out,
                lhs: self.slot(args[0]),
                rhs: self.slot(args[1]),
            },
            Op::TopK { k } => Instruction::AnalysisTopK {
                input: self.slot(args[0]),
                k: *k,
                indices: self.slot(results[0]),
                values: self.slot(results[1]),
            },
            Op::Sample => Instruction::AnalysisSample {
                logits: self.slot(args[0]),
                temperature: self.slot(args[1]),
                top_k: self.slot(args[2]),
                out,
            },
            Op::RunStatic { .. } => Instruction::ModelRunStatic {
                model: self.model_id(args[0])?,
                inputs: self.slots(&args[1..]),
                outputs: self.slots(results),
            },
            Op::RunDynamic => Instruction::ModelRunDynamic {
                model: self.model_id(args[0])?,
                inputs: self.slots(&args[1..]),
                out_dict: out,
            },
            Op::FormatTable => Instruction::FormatTextTable {
                out,
                labels: self.slot(args[0]),
                indices: self.slot(args[1]),
                values: self.slot(args[2]),
            },
            Op::ToImage(range) => Instruction::FormatToImage {
                out,
                input: self.slot(args[0]),
                range: *range,
            },
            Op::ToAudio => Instruction::FormatToAudio {
                out,
                input: self.slot(args[0]),
                rate: self.slot(args[1]),
            },
            Op::Print(mode) => Instruction::SinkConsole {
                input: self.slot(args[0]),
                mode: *mode,
            },
            Op::WriteFile(format) => Instruction::SinkFile {
                input: self.slot(args[0]),
                path: self.slot(args[1]),
                format: *format,
            },
            Op::Halt => Instruction::FlowHalt {},
            Op::Return { names } => {
                let index = self.push(
                    Instruction::SinkReturn {
                        values: self.slots(args),
                    },
                    simple(self),
                );
                self.returns.push((index, names.clone()));
                return Ok(());
            }
            Op::Loop { body } => return self.emit_loop(inst, *body),
            Op::If {
                then_block,
                else_block,
            } => return self.emit_if(inst, *then_block, *else_block),
            Op::BreakIf => return self.emit_break(inst),
            // A region's yield: the parent emits the copies.
            Op::Yield => return Ok(()),
        };
        self.push_simple(instruction, args, results);
        Ok(())
    }

    /// Copies `moves` as if all at once; breaks cycles through a free slot.
    fn parallel_copy(&mut self, moves: Vec<Move>, at: Inst, point: u32) -> Result<(), EmitError> {
        let (mut pending, elided): (Vec<Move>, Vec<Move>) =
            moves.into_iter().partition(|m| m.src != m.dst);
        while !pending.is_empty() {
            let ready =
                (0..pending.len()).find(|&i| !pending.iter().any(|m| m.src == pending[i].dst));
            match ready {
                Some(i) => {
                    let m = pending.remove(i);
                    self.push(
                        Instruction::SysCopy {
                            out: Slot(m.dst),
                            input: Slot(m.src),
                        },
                        Effects {
                            reads: vec![(m.src, m.src_range)],
                            writes: vec![(m.dst, m.dst_range)],
                            ..Effects::default()
                        },
                    );
                }
                None => {
                    let involved: Vec<u8> = pending.iter().flat_map(|m| [m.src, m.dst]).collect();
                    let (live, asg) = (self.live, self.asg);
                    let temp = self
                        .free
                        .get_or_insert_with(|| FreeSlots::new(live, asg))
                        .free_at(point, &involved)
                        .ok_or(EmitError::NoFreeSlot(at))?;
                    let m = &mut pending[0];
                    self.push(
                        Instruction::SysCopy {
                            out: Slot(temp),
                            input: Slot(m.src),
                        },
                        Effects {
                            reads: vec![(m.src, m.src_range)],
                            writes: vec![(temp, m.src_range)],
                            ..Effects::default()
                        },
                    );
                    m.src = temp;
                }
            }
        }
        // Moves to the same slot emit nothing; the slot changes owner once
        // every copy of this group has read its source.
        self.renames.extend(
            elided
                .iter()
                .filter(|m| m.src_range != m.dst_range)
                .map(|m| (m.dst, m.src_range, m.dst_range)),
        );
        Ok(())
    }

    fn yield_of(&self, block: Block) -> Option<Inst> {
        self.module.blocks[block]
            .insts
            .last()
            .copied()
            .filter(|&i| matches!(self.module.insts[i].op, Op::Yield))
    }

    fn moves_into(&self, sources: &[Value], targets: &[Value]) -> Vec<Move> {
        sources
            .iter()
            .zip(targets)
            .filter(|(s, _)| self.live.range_of(**s).is_some())
            .map(|(s, t)| Move {
                src: self.slot(*s).0,
                dst: self.slot(*t).0,
                src_range: self.range(*s),
                dst_range: self.range(*t),
            })
            .collect()
    }

    fn emit_loop(&mut self, inst: Inst, body: Block) -> Result<(), EmitError> {
        let d = &self.module.insts[inst];
        let (count, inits, results) = (d.args[0], d.args[1..].to_vec(), d.results.clone());
        let counter_range = self.live.counters[&inst];
        let counter = self.asg.slot_of_range[counter_range];
        let layout = &self.live.layout;
        let entry_point = layout.def_point(inst);
        let mut moves = self.moves_into(&inits, &results);
        moves.push(Move {
            src: self.slot(count).0,
            dst: counter,
            src_range: self.range(count),
            dst_range: counter_range,
        });
        self.parallel_copy(moves, inst, entry_point)?;
        let rw = Effects {
            reads: vec![(counter, counter_range)],
            writes: vec![(counter, counter_range)],
            ..Effects::default()
        };
        self.push(
            Instruction::FlowLoopStart {
                counter: Slot(counter),
            },
            rw.clone(),
        );
        let index = self.module.blocks[body].params[0];
        if self.live.is_used(index) {
            self.push(
                Instruction::MathBinary {
                    op: BinaryOp::Sub,
                    out: self.slot(index),
                    lhs: self.slot(count),
                    rhs: Slot(counter),
                },
                Effects {
                    reads: vec![
                        (self.slot(count).0, self.range(count)),
                        (counter, counter_range),
                    ],
                    writes: vec![(self.slot(index).0, self.range(index))],
                    ..Effects::default()
                },
            );
        }
        self.block(body)?;
        self.current = Some(inst);
        self.at = self.live.layout.end[inst];
        if let Some(y) = self.yield_of(body) {
            let yields = self.module.insts[y].args.clone();
            let point = self.live.layout.def_point(y);
            let moves = self.moves_into(&yields, &results);
            self.parallel_copy(moves, y, point)?;
        }
        self.push(Instruction::FlowLoopEnd {}, rw);
        Ok(())
    }

    fn emit_break(&mut self, inst: Inst) -> Result<(), EmitError> {
        let d = &self.module.insts[inst];
        let cond = d.args[0];
        let Some(lp) = self.module.enclosing_loop(d.block) else {
            return Ok(());
        };
        let carried = self.module.insts[lp].results.clone();
        let values = d.args[1..].to_vec();
        let cond_read = (self.slot(cond).0, self.range(cond));
        if !break_needs_copies(self.module, self.live, inst) {
            self.push(
                Instruction::FlowBreakLoopIf {
                    cond: self.slot(cond),
                },
                Effects {
                    reads: vec![cond_read],
                    writes: vec![],
                    ..Effects::default()
                },
            );
            return Ok(());
        }
        let (scratch, scratch_range) = self
            .scratch(inst, ScratchUse::BreakCond)
            .ok_or(EmitError::NoFreeSlot(inst))?;
        self.emit_not(cond_read, (scratch, scratch_range));
        let skip = self.b.new_label();
        self.emit_branch((scratch, scratch_range), skip);
        let moves = self.moves_into(&values, &carried);
        self.parallel_copy(moves, inst, self.live.layout.def_point(inst))?;
        // The condition's slot may have been reused; here it is known to be true.
        self.emit_true((scratch, scratch_range))?;
        self.push(
            Instruction::FlowBreakLoopIf {
                cond: Slot(scratch),
            },
            Effects {
                reads: vec![(scratch, scratch_range)],
                writes: vec![],
                ..Effects::default()
            },
        );
        self.b.bind(skip);
        Ok(())
    }

    fn emit_if(
        &mut self,
        inst: Inst,
        then_block: Block,
        else_block: Block,
    ) -> Result<(), EmitError> {
        let d = &self.module.insts[inst];
        let cond = d.args[0];
        let results = d.results.clone();
        let (scratch, scratch_range) = self
            .scratch(inst, ScratchUse::IfCond)
            .ok_or(EmitError::NoFreeSlot(inst))?;
        self.emit_not(
            (self.slot(cond).0, self.range(cond)),
            (scratch, scratch_range),
        );
        let else_label = self.b.new_label();
        let end_label = self.b.new_label();
        self.emit_branch((scratch, scratch_range), else_label);
        self.region_with_yield(then_block, &results)?;
        let has_else = else_needs_code(self.module, self.live, inst, else_block);
        if has_else {
            // MEP has no unconditional jump: branch on a `true` over the else region.
            self.current = Some(inst);
            let jump = self
                .scratch(inst, ScratchUse::IfJump)
                .ok_or(EmitError::NoFreeSlot(inst))?;
            self.emit_true(jump)?;
            self.emit_branch(jump, end_label);
        }
        self.b.bind(else_label);
        if has_else {
            self.region_with_yield(else_block, &results)?;
        }
        self.b.bind(end_label);
        Ok(())
    }

    /// `MATH_UNARY not`: `out = not input`.
    fn emit_not(&mut self, input: (u8, RangeId), out: (u8, RangeId)) {
        self.push(
            Instruction::MathUnary {
                op: UnaryOp::Not,
                out: Slot(out.0),
                input: Slot(input.0),
            },
            Effects {
                reads: vec![input],
                writes: vec![out],
                ..Effects::default()
            },
        );
    }

    /// `SRC_CONSTANT true` into a scratch slot.
    fn emit_true(&mut self, out: (u8, RangeId)) -> Result<(), EmitError> {
        let t = self.constant(Constant::Bool(true))?;
        self.push(
            Instruction::SrcConstant {
                out: Slot(out.0),
                value: AnyConst(t),
            },
            Effects {
                reads: vec![],
                writes: vec![out],
                ..Effects::default()
            },
        );
        Ok(())
    }

    /// `FLOW_BRANCH_IF cond` to `label` (resolved when the builder finishes).
    fn emit_branch(&mut self, cond: (u8, RangeId), label: omex_mep::builder::Label) {
        let index = self.push(
            Instruction::FlowBranchIf {
                cond: Slot(cond.0),
                offset: omex_mep::Offset(0),
            },
            Effects {
                reads: vec![cond],
                writes: vec![],
                ..Effects::default()
            },
        );
        self.b.branch_to(index, label);
    }

    fn region_with_yield(&mut self, block: Block, results: &[Value]) -> Result<(), EmitError> {
        self.block(block)?;
        if let Some(y) = self.yield_of(block) {
            self.current = Some(y);
            let yields = self.module.insts[y].args.clone();
            let moves = self.moves_into(&yields, results);
            self.parallel_copy(moves, y, self.live.layout.def_point(y))?;
        }
        Ok(())
    }
}
