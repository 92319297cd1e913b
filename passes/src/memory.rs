//! Memory planning: how many bytes the runtime holds at each point of the
//! program, the peak, and the check against a budget (error E0701).
//!
//! Estimates:
//! - a model holds its file size (`ModelDecl::size`) from its
//!   `RES_LOAD_MODEL` to its model `RES_UNLOAD` (or the end);
//! - a tensor holds `dtype size x shape` ([`value_bytes`]), symbolic
//!   dimensions counted at their declared maximum ([`Module::dim_bounds`]);
//!   ints and floats 8 bytes, bools 1, dicts with known fields the sum of
//!   their fields. Anything else (strings, lists, tokenizers, tensors with an
//!   unbounded dimension, models not found at compile time) is *unknown*:
//!   counted separately, never as 0.
//!
//! The plan is computed on the final program, not on the IR's liveness: the
//! MEP runtime frees a context value only when its slot is overwritten or
//! unloaded (a dead slot keeps its value), so a value leaves memory when the
//! slot assignment says it does. A dataflow over the emitted code tracks what
//! each slot may hold; `SYS_COPY` shares a buffer (the runtime's values are
//! reference counted), so a buffer in two slots counts once. While an
//! instruction runs, its inputs and its new outputs are both held, so the
//! peak counts the slot's old value and the new one together.
//!
//! The result is a timeline with one row per IR instruction in program order
//! (and one per end of a loop or if); a loop body appears once, its rows
//! giving the most held over all iterations. Memory that ONNX Runtime
//! allocates inside a model run (activations) is not counted.

use std::fmt::Write;

use omex_diagnostics::Diagnostic;
use omex_ir::{Block, Dim, Inst, ModelRef, Module, Op, Type, Value};
use omex_mep::subtype::ResType;
use omex_mep::{Instruction, Program};

use crate::cfg::Cfg;
use crate::emit::EffectTable;
use crate::liveness::{Liveness, RangeKind};

/// Bytes of a value of type `ty`, when its dtype and every dimension (or its
/// declared bound) are known.
pub fn value_bytes(module: &Module, ty: &Type) -> Option<u64> {
    match ty {
        Type::Tensor(t) => {
            let dtype = t.dtype?;
            let mut n = dtype.size() as u64;
            for dim in t.shape.as_ref()? {
                let d = match dim {
                    Dim::Fixed(d) => *d,
                    Dim::Sym(name) => *module.dim_bounds.get(name)?,
                };
                n = n.checked_mul(d)?;
            }
            Some(n)
        }
        Type::Int | Type::Float => Some(8),
        Type::Bool => Some(1),
        Type::Dict(Some(fields)) => fields
            .iter()
            .try_fold(0u64, |sum, (_, t)| sum.checked_add(value_bytes(module, t)?)),
        _ => None,
    }
}

/// Why [`value_bytes`] does not know the size of a `ty`.
pub fn unknown_reason(module: &Module, ty: &Type) -> String {
    match ty {
        Type::Tensor(t) => {
            if t.dtype.is_none() {
                return "its element type is unknown".into();
            }
            let Some(shape) = &t.shape else {
                return "its shape is unknown".into();
            };
            let unbounded: Vec<String> = shape
                .iter()
                .filter_map(|d| match d {
                    Dim::Sym(s) if !module.dim_bounds.contains_key(s) => Some(format!("`{s}`")),
                    _ => None,
                })
                .collect();
            match unbounded.len() {
                0 => "its size overflows".into(),
                1 => format!("{} has no declared bound", unbounded[0]),
                _ => format!("{} have no declared bound", unbounded.join(", ")),
            }
        }
        Type::Dict(Some(fields)) => fields
            .iter()
            .find(|(_, t)| value_bytes(module, t).is_none())
            .map_or_else(
                || "its size overflows".into(),
                |(name, t)| format!("its field `{name}`: {}", unknown_reason(module, t)),
            ),
        ty => format!("the size of a {ty} is known only at run time"),
    }
}

/// `f32 [1, 128, 384] with seq <= 128`: a type with its bounds filled in.
pub fn describe_type(module: &Module, ty: &Type) -> String {
    let Type::Tensor(t) = ty else {
        return ty.to_string();
    };
    let mut out = t
        .dtype
        .map_or_else(|| "tensor".to_string(), |d| d.to_string());
    let Some(shape) = &t.shape else {
        out.push_str(" [?]");
        return out;
    };
    let mut bounds = Vec::new();
    let dims: Vec<String> = shape
        .iter()
        .map(|d| match d {
            Dim::Fixed(n) => n.to_string(),
            Dim::Sym(s) => match module.dim_bounds.get(s) {
                Some(b) => {
                    let bound = format!("{s} <= {b}");
                    if !bounds.contains(&bound) {
                        bounds.push(bound);
                    }
                    b.to_string()
                }
                None => s.clone(),
            },
        })
        .collect();
    let _ = write!(out, " [{}]", dims.join(", "));
    if !bounds.is_empty() {
        let _ = write!(out, " with {}", bounds.join(", "));
    }
    out
}

/// `1.5 MiB`: bytes in binary units, one decimal.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut unit = 0;
    let mut scaled = bytes as f64;
    while scaled >= 1024.0 && unit + 1 < UNITS.len() {
        scaled /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{scaled:.1} {}", UNITS[unit])
    }
}

/// Parses a size such as `2GiB`, `512MB`, `1.5G` or `1048576` into bytes.
///
/// Units (case-insensitive, optionally after a space): `B`; `KB`, `MB`,
/// `GB`, `TB` are powers of 1000; `KiB`, `MiB`, `GiB`, `TiB` and the short
/// `K`, `M`, `G`, `T` are powers of 1024. No unit means bytes. A fraction is
/// allowed and rounded down to whole bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let s = text.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = (&s[..split], s[split..].trim());
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(format!(
            "`{text}` is not a size; write a number with an optional unit, such as 2GiB or 512MB"
        ));
    }
    if fraction.contains('.') {
        return Err(format!("`{text}` is not a number"));
    }
    let multiplier: u128 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000u128.pow(2),
        "gb" => 1000u128.pow(3),
        "tb" => 1000u128.pow(4),
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}`; use B, KB, MB, GB, TB (powers of 1000), \
                 KiB, MiB, GiB, TiB or K, M, G, T (powers of 1024)"
            ));
        }
    };
    let too_large = || format!("`{text}` is too large");
    let digits = |d: &str| -> Result<u128, String> {
        if d.len() > 30 {
            return Err(too_large());
        }
        Ok(if d.is_empty() {
            0
        } else {
            d.parse::<u128>().map_err(|_| too_large())?
        })
    };
    let whole = digits(whole)?
        .checked_mul(multiplier)
        .ok_or_else(too_large)?;
    let fraction = if fraction.is_empty() {
        0
    } else {
        let scale = 10u128
            .checked_pow(fraction.len() as u32)
            .ok_or_else(too_large)?;
        digits(fraction)?
            .checked_mul(multiplier)
            .ok_or_else(too_large)?
            / scale
    };
    u64::try_from(whole + fraction).map_err(|_| too_large())
}

/// Where the budget comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetSource {
    /// `--memory-limit` ([`Options::memory_limit`](crate::pipeline::Options)).
    Limit,
    /// The input format declared it ([`Module::memory_budget`]).
    Declared,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub bytes: u64,
    pub source: BudgetSource,
}

impl Budget {
    /// The smaller of a limit and a declared budget.
    pub fn choose(limit: Option<u64>, declared: Option<u64>) -> Option<Budget> {
        let limit = limit.map(|bytes| Budget {
            bytes,
            source: BudgetSource::Limit,
        });
        let declared = declared.map(|bytes| Budget {
            bytes,
            source: BudgetSource::Declared,
        });
        match (limit, declared) {
            (Some(l), Some(d)) => Some(if d.bytes < l.bytes { d } else { l }),
            (l, d) => l.or(d),
        }
    }

    fn describe(&self) -> String {
        match self.source {
            BudgetSource::Limit => format!("{} (--memory-limit)", format_bytes(self.bytes)),
            BudgetSource::Declared => {
                format!("{} (declared by the input)", format_bytes(self.bytes))
            }
        }
    }
}

/// What holds memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    Value(Value),
    Model(ModelRef),
    /// A loop counter or a compiler temporary.
    Temporary,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub held: Held,
    /// `None`: unknown size.
    pub bytes: Option<u64>,
    /// Held on every path here; `false` when only on some (a slot that may
    /// hold one of several values, or a model that may be loaded).
    pub certain: bool,
    /// Being produced by the instruction at the peak.
    pub produced: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// The instruction itself (for a loop: its entry; for an if: the branch).
    Inst,
    /// The end of a loop (`FLOW_LOOP_END`) or an if.
    End,
}

/// One row of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub inst: Inst,
    pub kind: RowKind,
    /// Loops and ifs around the instruction.
    pub depth: u32,
    /// Loops around the instruction (its rows repeat at run time).
    pub loops: u32,
    /// Most bytes held while it runs (inputs and new outputs together).
    pub bytes: u64,
    /// Bytes held after it.
    pub after: u64,
    /// Values of unknown size held (not in `bytes`) at that moment.
    pub unknown: u32,
}

#[derive(Debug, Clone)]
pub struct MemoryPlan {
    pub rows: Vec<Row>,
    /// Most bytes held at any moment (the largest `Row::bytes`).
    pub peak: u64,
    /// The row of the peak (`None` for an empty program).
    pub peak_row: Option<usize>,
    /// Values of unknown size held at the peak (not in `peak`).
    pub peak_unknown: u32,
    /// What is held at the peak, largest first.
    pub holders: Vec<Holder>,
    /// Set by the pipeline from the options and the module.
    pub budget: Option<Budget>,
}

impl MemoryPlan {
    pub fn over_budget(&self) -> bool {
        self.budget.is_some_and(|b| self.peak > b.bytes)
    }
}

// Slot contents in the dataflow: EMPTY, a buffer code (id + 1: the value one
// write of one instruction produced, shared by the copies of it), or MIXED
// (different buffers on different paths, or an older copy of a buffer whose
// instruction has run again): then the low bits name the largest candidate
// (0: none of known size) and UNKNOWN says a candidate has an unknown size.
const EMPTY: u32 = 0;
const MIXED: u32 = 1 << 31;
const UNKNOWN: u32 = 1 << 30;
const CODE: u32 = UNKNOWN - 1;

/// An instruction, as far as the memory plan is concerned.
#[derive(Debug, Clone, Copy)]
enum MemOp {
    Other,
    /// `SYS_COPY`: the output slot shares the input's buffer.
    Copy {
        out: u8,
        input: u8,
    },
    /// Empties a state entry (a slot, or a model at `width + id`).
    Unload(u16),
    /// Loads the model at state entry `width + id`.
    Load(u16),
}

// Model states.
const UNLOADED: u32 = 0;
const LOADED: u32 = 1;
const MAYBE_LOADED: u32 = 2;

/// `Planner::bytes` of a buffer of unknown size.
const UNKNOWN_SIZE: u64 = u64::MAX;

struct Planner<'a> {
    module: &'a Module,
    program: &'a Program,
    effects: &'a EffectTable,
    live: &'a Liveness,
    origin: &'a [Option<Inst>],
    /// The size of each buffer ([`UNKNOWN_SIZE`]), by code - 1; `base[j]`:
    /// code - 1 of the first write of instruction `j`.
    bytes: Vec<u64>,
    base: Vec<u32>,
    /// Slots some `SYS_COPY` reads: only a buffer written to one of them can
    /// ever be in two slots.
    copy_source: [bool; 256],
    /// What each instruction does to the state, and the buffers it makes:
    /// `made[made_at[j]..made_at[j + 1]]`, as `(slot, code)`.
    ops: Vec<MemOp>,
    made: Vec<(u8, u32)>,
    made_at: Vec<u32>,
    /// Slots `0..width` are tracked; model `m` is at `width + m`.
    width: usize,
    model_bytes: Vec<Option<u64>>,
    /// Slots holding each buffer code, while a block is replayed.
    count: Vec<u32>,
}

/// Bytes held (known) and values of unknown size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Measure {
    bytes: u64,
    unknown: u32,
}

impl Measure {
    fn add(&mut self, bytes: Option<u64>) {
        match bytes {
            Some(b) => self.bytes = self.bytes.saturating_add(b),
            None => self.unknown += 1,
        }
    }
}

/// The memory timeline of a compiled program. `effects`, `origin` and
/// `position` are the emitter's ([`Emitted`](crate::emit::Emitted)).
pub fn plan(
    module: &Module,
    live: &Liveness,
    program: &Program,
    effects: &EffectTable,
    origin: &[Option<Inst>],
    position: &[u32],
) -> MemoryPlan {
    let mut planner = Planner::new(module, live, program, effects, origin);
    planner.run(live, position)
}

impl<'a> Planner<'a> {
    fn new(
        module: &'a Module,
        live: &'a Liveness,
        program: &'a Program,
        effects: &'a EffectTable,
        origin: &'a [Option<Inst>],
    ) -> Self {
        let writes = effects.iter().map(|fx| fx.writes.len()).sum();
        let mut bytes = Vec::with_capacity(writes);
        let mut base = Vec::with_capacity(effects.len());
        let mut width = 0;
        let instructions = program.instructions();
        for (j, fx) in effects.iter().enumerate() {
            base.push(bytes.len() as u32);
            // A copy makes no buffer of its own.
            let copy = matches!(instructions.get(j), Some(Instruction::SysCopy { .. }));
            for &(slot, range) in fx.writes {
                width = width.max(slot as usize + 1);
                let size = match written(module, live, origin, j, range) {
                    _ if copy => Some(0),
                    Held::Value(v) => value_bytes(module, module.ty(v)),
                    Held::Temporary => temporary_bytes(live, range),
                    Held::Model(_) => None,
                };
                bytes.push(size.unwrap_or(UNKNOWN_SIZE));
            }
        }
        let mut copy_source = [false; 256];
        for instruction in program.instructions() {
            if let Instruction::SysCopy { out, input } = instruction {
                width = width.max(out.0.max(input.0) as usize + 1);
                copy_source[input.0 as usize] = true;
            }
            if let Instruction::ResUnload {
                res: ResType::Context,
                target,
            } = instruction
            {
                width = width.max(*target as usize + 1);
            }
        }
        let mut ops = Vec::with_capacity(instructions.len());
        let mut made = Vec::with_capacity(bytes.len());
        let mut made_at = Vec::with_capacity(instructions.len() + 1);
        for (j, instruction) in instructions.iter().enumerate() {
            made_at.push(made.len() as u32);
            let op = match instruction {
                Instruction::SysCopy { out, input } => MemOp::Copy {
                    out: out.0,
                    input: input.0,
                },
                Instruction::ResUnload {
                    res: ResType::Context,
                    target,
                } => MemOp::Unload(u16::from(*target)),
                Instruction::ResUnload {
                    res: ResType::Model,
                    target,
                } => MemOp::Unload((width + *target as usize) as u16),
                Instruction::ResLoadModel { model, .. } => {
                    MemOp::Load((width + model.0 as usize) as u16)
                }
                _ => MemOp::Other,
            };
            if !matches!(op, MemOp::Copy { .. }) {
                let first = base.get(j).copied().unwrap_or(0);
                for (k, &(slot, _)) in effects.at(j).writes.iter().enumerate() {
                    made.push((slot, first + k as u32 + 1));
                }
            }
            ops.push(op);
        }
        made_at.push(made.len() as u32);
        let model_bytes = module.models.values().map(|d| d.size).collect();
        let count = vec![0; bytes.len() + 1];
        Planner {
            module,
            program,
            effects,
            live,
            origin,
            bytes,
            base,
            copy_source,
            ops,
            made,
            made_at,
            width,
            model_bytes,
            count,
        }
    }

    fn bytes_of(&self, code: u32) -> Option<u64> {
        let bytes = self.bytes[(code - 1) as usize];
        (bytes != UNKNOWN_SIZE).then_some(bytes)
    }

    /// The largest candidate of a content (0: none of known size) and
    /// whether a candidate has an unknown size.
    fn candidates(&self, c: u32) -> (u32, bool) {
        if c & MIXED != 0 {
            (c & CODE, c & UNKNOWN != 0)
        } else if c == EMPTY {
            (0, false)
        } else if self.bytes_of(c).is_some() {
            (c, false)
        } else {
            (0, true)
        }
    }

    fn join_slot(&self, a: u32, b: u32) -> u32 {
        if a == b || b == EMPTY {
            return a;
        }
        if a == EMPTY {
            return b;
        }
        let (ca, ua) = self.candidates(a);
        let (cb, ub) = self.candidates(b);
        let size = |c: u32| if c == 0 { None } else { self.bytes_of(c) };
        let best = match (size(ca), size(cb)) {
            // On a tie the later write: in a loop, this iteration's value.
            (Some(x), Some(y)) if y > x || (y == x && cb > ca) => cb,
            (None, Some(_)) => cb,
            _ => ca,
        };
        MIXED | if ua || ub { UNKNOWN } else { 0 } | best
    }

    fn join(&self, existing: &mut [u32], incoming: &[u32]) -> bool {
        let mut changed = false;
        for (i, (e, &n)) in existing.iter_mut().zip(incoming).enumerate() {
            if *e == n {
                continue;
            }
            let joined = if i < self.width {
                self.join_slot(*e, n)
            } else if *e == n {
                *e
            } else {
                MAYBE_LOADED
            };
            if joined != *e {
                *e = joined;
                changed = true;
            }
        }
        changed
    }

    /// New buffers instruction `j` produces: `(slot, code)`.
    fn produced(&self, j: usize) -> &[(u8, u32)] {
        &self.made[self.made_at[j] as usize..self.made_at[j + 1] as usize]
    }

    fn transfer(&self, j: usize, state: &mut [u32]) {
        self.transfer_with(j, state, |_, _, _| {});
    }

    /// Applies instruction `j` to `state`, telling `changed(entry, old, new)`.
    fn transfer_with(&self, j: usize, state: &mut [u32], mut changed: impl FnMut(usize, u32, u32)) {
        let mut set = |state: &mut [u32], at: usize, new: u32| {
            if let Some(s) = state.get_mut(at)
                && *s != new
            {
                changed(at, *s, new);
                *s = new;
            }
        };
        match self.ops[j] {
            MemOp::Unload(at) => set(state, at as usize, EMPTY),
            MemOp::Load(at) => set(state, at as usize, LOADED),
            MemOp::Copy { out, input } => {
                let held = state[input as usize];
                set(state, out as usize, held);
            }
            MemOp::Other => {}
        }
        for &(slot, code) in self.produced(j) {
            let slot = slot as usize;
            // Copies of this instruction's previous result are older buffers now.
            let copied = if self.copy_source[slot] {
                self.width
            } else {
                0
            };
            for s in 0..copied {
                if state[s] == code && s != slot {
                    let older = MIXED
                        | if self.bytes_of(code).is_none() {
                            UNKNOWN
                        } else {
                            code
                        };
                    set(state, s, older);
                }
            }
            set(state, slot, code);
        }
    }

    /// Adds (`sign` 1) or removes (-1) the contribution of entry `at` of a
    /// state holding `c` to `held`; pure buffers count once however many
    /// slots share them (`self.count`).
    fn tally(&mut self, held: &mut Measure, at: usize, c: u32, sign: i8) {
        let change = |bytes: Option<u64>, held: &mut Measure| match (bytes, sign > 0) {
            (Some(b), true) => held.bytes += b,
            (Some(b), false) => held.bytes -= b,
            (None, true) => held.unknown += 1,
            (None, false) => held.unknown -= 1,
        };
        if at >= self.width {
            if c != UNLOADED {
                change(self.model_bytes[at - self.width], held);
            }
            return;
        }
        if c == EMPTY {
            return;
        }
        if c & MIXED != 0 {
            let best = c & CODE;
            if best != 0 {
                change(self.bytes_of(best), held);
            }
            if c & UNKNOWN != 0 {
                change(None, held);
            }
            return;
        }
        let count = &mut self.count[c as usize];
        if sign > 0 {
            *count += 1;
            if *count == 1 {
                change(self.bytes_of(c), held);
            }
        } else {
            *count -= 1;
            if *count == 0 {
                change(self.bytes_of(c), held);
            }
        }
    }

    /// What instruction `j` adds while it runs: its new buffers, and a model
    /// it loads.
    fn transient(&self, j: usize, before: &[u32]) -> Measure {
        let mut m = Measure::default();
        for &(_, code) in self.produced(j) {
            m.add(self.bytes_of(code));
        }
        if let MemOp::Load(at) = self.ops[j]
            && before.get(at as usize) == Some(&UNLOADED)
        {
            m.add(self.model_bytes[at as usize - self.width]);
        }
        m
    }

    fn run(&mut self, live: &Liveness, position: &[u32]) -> MemoryPlan {
        let n = self.program.instructions().len();
        let rows = timeline_rows(self.module, live);
        let mut plan = MemoryPlan {
            rows,
            peak: 0,
            peak_row: None,
            peak_unknown: 0,
            holders: Vec::new(),
            budget: None,
        };
        if n == 0 {
            return plan;
        }
        let cfg = Cfg::new(self.program);
        let entry = vec![EMPTY; self.width + self.model_bytes.len()];
        let solution = {
            let this = &*self;
            cfg.solve(
                entry,
                |j, state: &mut Vec<u32>| this.transfer(j, state),
                |existing, incoming| this.join(existing, incoming),
            )
        };

        // Replay each reachable block from its entry state, in code order:
        // what is held before, while and after each instruction runs, the
        // held bytes kept up to date slot change by slot change. Rows are
        // filled as their instructions go by (positions never decrease).
        let mut peak: Option<(usize, Measure, bool)> = None;
        let mut rows = RowFiller::default();
        let mut changes = Vec::new();
        cfg.replay(&solution, |b, state: &mut Vec<u32>| {
            let mut held = Measure::default();
            for (at, &c) in state.iter().enumerate() {
                self.tally(&mut held, at, c, 1);
            }
            for j in cfg.range(b) {
                let before = held;
                let extra = self.transient(j, state);
                let during = Measure {
                    bytes: held.bytes.saturating_add(extra.bytes),
                    unknown: held.unknown + extra.unknown,
                };
                changes.clear();
                self.transfer_with(j, state, |at, old, new| changes.push((at, old, new)));
                for &(at, old, new) in &changes {
                    self.tally(&mut held, at, old, -1);
                    self.tally(&mut held, at, new, 1);
                }
                // Only when an older copy of a buffer turns into a slot of
                // its own (counted apart) can more be held after than during.
                let after_more = held.bytes > during.bytes;
                let during = if after_more { held } else { during };
                if peak.is_none_or(|(_, p, _)| during.bytes > p.bytes) {
                    peak = Some((j, during, after_more));
                }
                let at = position.get(j).copied().unwrap_or(u32::MAX) as usize;
                rows.instruction(&mut plan.rows, at, before, during, held);
            }
            for &c in state[..self.width].iter() {
                if c != EMPTY && c & MIXED == 0 {
                    self.count[c as usize] = 0;
                }
            }
        });
        rows.finish(&mut plan.rows);

        if let Some((j, m, after)) = peak {
            plan.peak = m.bytes;
            plan.peak_unknown = m.unknown;
            plan.peak_row = position
                .get(j)
                .map(|&p| p as usize)
                .filter(|&p| p < plan.rows.len());
            let b = cfg.block_of(j);
            let this = &*self;
            if let Some(mut state) = cfg.entry_state(&solution, b, |k, s| this.transfer(k, s)) {
                for k in cfg.range(b).start..j {
                    self.transfer(k, &mut state);
                }
                plan.holders = if after {
                    self.transfer(j, &mut state);
                    self.holders(None, &state)
                } else {
                    self.holders(Some(j), &state)
                };
            }
        }
        plan
    }

    /// The value a buffer holds.
    fn held(&self, code: u32) -> Held {
        let id = code - 1;
        // The instruction whose write made it: the last with base <= id.
        let j = self.base.partition_point(|&b| b <= id) - 1;
        let k = (id - self.base[j]) as usize;
        match self.effects.at(j).writes.get(k) {
            Some(&(_, range)) => written(self.module, self.live, self.origin, j, range),
            None => Held::Temporary,
        }
    }

    /// What is held while instruction `j` runs, from the state before it
    /// (or, without `j`, what `state` holds).
    fn holders(&self, j: Option<usize>, state: &[u32]) -> Vec<Holder> {
        let mut out: Vec<Holder> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let buffer = |code: u32, certain: bool, produced: bool| Holder {
            held: self.held(code),
            bytes: self.bytes_of(code),
            certain,
            produced,
        };
        for &c in &state[..self.width] {
            if c == EMPTY {
                continue;
            }
            if c & MIXED != 0 {
                let best = c & CODE;
                if best != 0 {
                    out.push(buffer(best, false, false));
                }
                if c & UNKNOWN != 0 {
                    out.push(Holder {
                        held: Held::Temporary,
                        bytes: None,
                        certain: false,
                        produced: false,
                    });
                }
            } else if seen.insert(c) {
                out.push(buffer(c, true, false));
            }
        }
        if let Some(j) = j {
            for &(_, code) in self.produced(j) {
                out.push(buffer(code, true, true));
            }
        }
        for (k, &s) in state[self.width..].iter().enumerate() {
            let loads = j.is_some_and(
                |j| matches!(self.ops[j], MemOp::Load(at) if at as usize == self.width + k),
            );
            if s != UNLOADED || loads {
                out.push(Holder {
                    held: Held::Model(ModelRef::from_u32(k as u32)),
                    bytes: self.model_bytes[k],
                    certain: s == LOADED || loads,
                    produced: loads && s == UNLOADED,
                });
            }
        }
        // Largest first, unknown sizes last; then models, then by value.
        let key = |h: &Holder| {
            let what = match h.held {
                Held::Model(m) => (0, m.as_u32()),
                Held::Value(v) => (1, v.as_u32()),
                Held::Temporary => (2, 0),
            };
            (
                std::cmp::Reverse(h.bytes.map_or(0, |b| b + 1)),
                what,
                h.produced,
            )
        };
        out.sort_by_key(key);
        out
    }
}

/// What instruction `j` writes into live range `range`: the result of its
/// IR instruction in that range (or the range's value), or a temporary.
fn written(
    module: &Module,
    live: &Liveness,
    origin: &[Option<Inst>],
    j: usize,
    range: usize,
) -> Held {
    if range >= live.ranges.len() {
        return Held::Temporary;
    }
    let values = live.values(range);
    if values.is_empty() {
        return Held::Temporary;
    }
    if let [only] = values[..] {
        return Held::Value(only);
    }
    let own = origin.get(j).copied().flatten().and_then(|inst| {
        module.insts[inst]
            .results
            .iter()
            .copied()
            .find(|&v| live.range_of(v) == Some(range))
    });
    own.or_else(|| values.first().copied())
        .map_or(Held::Temporary, Held::Value)
}

/// A loop counter (an int) or a condition (a bool).
fn temporary_bytes(live: &Liveness, range: usize) -> Option<u64> {
    match live.ranges.get(range).map(|r| &r.kind) {
        Some(RangeKind::Counter(_)) => Some(8),
        _ => Some(1),
    }
}

/// Fills the rows of the timeline from the instructions in code order.
#[derive(Default)]
struct RowFiller {
    /// The first row not filled yet.
    next: usize,
    /// Most held while the instructions of row `next` run, and after the last.
    most: Option<Measure>,
    after: Measure,
}

impl RowFiller {
    /// An instruction of row `at`, holding `before`, `during` and `after`.
    fn instruction(
        &mut self,
        rows: &mut [Row],
        at: usize,
        before: Measure,
        during: Measure,
        after: Measure,
    ) {
        // Rows passed without code of their own hold what this one finds.
        while self.next < at.min(rows.len()) {
            self.fill(rows, before);
        }
        if self.next == at && at < rows.len() {
            if self.most.is_none_or(|m| during.bytes > m.bytes) {
                self.most = Some(during);
            }
            self.after = after;
        }
    }

    fn fill(&mut self, rows: &mut [Row], next: Measure) {
        let row = &mut rows[self.next];
        let (most, after) = match self.most.take() {
            Some(most) => (most, self.after),
            None => (next, next),
        };
        row.bytes = most.bytes;
        row.unknown = most.unknown;
        row.after = after.bytes;
        self.after = after;
        self.next += 1;
    }

    /// Rows after the last instruction hold what it left.
    fn finish(&mut self, rows: &mut [Row]) {
        let last = self.after;
        while self.next < rows.len() {
            self.fill(rows, last);
        }
    }
}

/// One row per layout position: each instruction, and each end of a region
/// owner, numbered as [`Layout`](crate::layout::Layout) numbers them.
fn timeline_rows(module: &Module, live: &Liveness) -> Vec<Row> {
    fn visit(module: &Module, block: Block, depth: u32, loops: u32, rows: &mut Vec<Row>) {
        for &inst in &module.blocks[block].insts {
            let row = |kind| Row {
                inst,
                kind,
                depth,
                loops,
                bytes: 0,
                after: 0,
                unknown: 0,
            };
            rows.push(row(RowKind::Inst));
            let op = &module.insts[inst].op;
            let inner = loops + u32::from(matches!(op, Op::Loop { .. }));
            let mut owner = false;
            for region in crate::layout::regions(op) {
                visit(module, region, depth + 1, inner, rows);
                owner = true;
            }
            if owner {
                rows.push(row(RowKind::End));
            }
        }
    }
    let mut rows = Vec::with_capacity(live.layout.order.len() + live.layout.order.len() / 4);
    if let Some(body) = module.body {
        visit(module, body, 0, 0, &mut rows);
    }
    rows
}

/// The name and description of what a holder holds, for messages.
pub fn describe_holder(module: &Module, holder: &Holder) -> (String, String) {
    match holder.held {
        Held::Value(v) => {
            let ty = module.ty(v);
            let detail = match holder.bytes {
                Some(_) => describe_type(module, ty),
                None => unknown_reason(module, ty),
            };
            (format!("`{}`", module.display_name(v)), detail)
        }
        Held::Model(m) => {
            let detail = match holder.bytes {
                Some(_) => "its file size".to_string(),
                None => "the model file was not found at compile time".to_string(),
            };
            (format!("model `{}`", module.models[m].path), detail)
        }
        Held::Temporary => (
            "a compiler temporary".to_string(),
            match holder.bytes {
                Some(_) => "a loop counter or condition".to_string(),
                None => "a slot that may hold a value of unknown size".to_string(),
            },
        ),
    }
}

/// Error E0701 when the peak is over the budget.
pub fn over_budget_error(module: &Module, plan: &MemoryPlan) -> Option<Diagnostic> {
    let budget = plan.budget.filter(|b| plan.peak > b.bytes)?;
    let mut d = Diagnostic::error(
        "E0701",
        format!(
            "this plan needs {} of memory at its peak, over the budget of {}",
            format_bytes(plan.peak),
            format_bytes(budget.bytes)
        ),
    );
    let peak_inst = plan.peak_row.map(|r| &plan.rows[r]);
    if let Some(span) = peak_inst.and_then(|r| module.spans[r.inst]) {
        d = d.with_primary(
            span,
            format!("{} are held while this runs", format_bytes(plan.peak)),
        );
    }
    let (mut models, mut values, mut temporaries) = (0u64, 0u64, 0u64);
    let mut unlabelled = (0usize, 0u64);
    for h in &plan.holders {
        let bytes = h.bytes.unwrap_or(0);
        match h.held {
            Held::Model(_) => models += bytes,
            Held::Value(_) => values += bytes,
            Held::Temporary => temporaries += bytes,
        }
        let span = match h.held {
            Held::Value(v) => module.value_span(v),
            Held::Model(m) => module.models[m].span,
            Held::Temporary => None,
        };
        let (name, detail) = describe_holder(module, h);
        let message = match (h.bytes, h.produced, h.certain) {
            (None, _, _) => format!("{name} is not counted: {detail}"),
            (Some(b), true, _) => {
                format!("{name} is being produced: {} ({detail})", format_bytes(b))
            }
            (Some(b), false, true) => format!("{name} holds {} ({detail})", format_bytes(b)),
            (Some(b), false, false) => {
                format!(
                    "an earlier {name} may still hold {} ({detail})",
                    format_bytes(b)
                )
            }
        };
        match span {
            Some(span) if d.labels.len() < 12 && !matches!(h.held, Held::Temporary) => {
                d = d.with_secondary(span, message);
            }
            _ if h.bytes.is_some() && !matches!(h.held, Held::Temporary) => {
                unlabelled.0 += 1;
                unlabelled.1 += bytes;
            }
            _ => {}
        }
    }
    let mut total = format!(
        "at the peak: {} in all (models {}, values {}",
        format_bytes(plan.peak),
        format_bytes(models),
        format_bytes(values)
    );
    if temporaries > 0 {
        let _ = write!(total, ", temporaries {}", format_bytes(temporaries));
    }
    total.push(')');
    if plan.peak_unknown > 0 {
        let _ = write!(
            total,
            ", plus {} value(s) of unknown size, not counted",
            plan.peak_unknown
        );
    }
    let _ = write!(total, "; the budget is {}", budget.describe());
    d = d.with_note(total);
    if unlabelled.0 > 0 {
        d = d.with_note(format!(
            "{} more held value(s) without a source location hold {}",
            unlabelled.0,
            format_bytes(unlabelled.1)
        ));
    }
    let mut help = String::from("unload models and large values right after their last use");
    if !module.dim_bounds.is_empty() {
        let dims: Vec<String> = module.dim_bounds.keys().map(|k| format!("`{k}`")).collect();
        let _ = write!(help, ", bound {} lower", dims.join(", "));
    }
    help.push_str(", or raise the budget (--memory-limit)");
    Some(d.with_help(help))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Options, compile};
    use crate::test_plans::{MIB, two_models};
    use omex_diagnostics::{LabelStyle, render};

    fn options(limit: Option<u64>) -> Options {
        Options {
            verify_ir: true,
            memory_limit: limit,
            ..Options::default()
        }
    }

    /// The pipeline up to the memory plan, with or without unload insertion.
    fn plan_of(mut module: Module, unloads: bool) -> MemoryPlan {
        crate::normalize::normalize_static_runs(&mut module);
        crate::cleanup::propagate_copies(&mut module);
        crate::cleanup::dedup_constants(&mut module);
        crate::cleanup::eliminate_dead_code(&mut module);
        crate::unload::sink_model_loads(&mut module);
        if unloads {
            crate::unload::insert_unloads(&mut module);
        }
        omex_ir::verify(&module).unwrap();
        let live = Liveness::compute(&module);
        let asg = crate::slots::allocate(&live).unwrap();
        let e = crate::emit::emit(&module, &live, &asg).unwrap();
        let program = omex_mep::verify(e.module, &Default::default()).unwrap();
        crate::check::check(&program, &e.effects).unwrap();
        plan(&module, &live, &program, &e.effects, &e.origin, &e.position)
    }

    fn holds(plan: &MemoryPlan, held: Held) -> bool {
        plan.holders.iter().any(|h| h.held == held)
    }

    #[test]
    fn models_used_one_after_the_other_peak_at_the_larger() {
        let (module, _) = two_models();
        let compiled = compile(module, &options(None)).unwrap();
        let plan = &compiled.memory;
        // The decoder (80 MiB) and a few 2 MiB tensors, not both models.
        assert!(plan.peak >= 80 * MIB, "{}", format_bytes(plan.peak));
        assert!(plan.peak < 90 * MIB, "{}", format_bytes(plan.peak));
        let encoder = ModelRef::from_u32(0);
        let decoder = ModelRef::from_u32(1);
        assert!(holds(plan, Held::Model(decoder)));
        assert!(!holds(plan, Held::Model(encoder)));
        // The `IntList` shape constant is typed `any`: counted as unknown
        // until `ids` takes its slot.
        assert_eq!(plan.peak_unknown, 0);
        assert_eq!(plan.budget, None);
        assert!(!plan.over_budget());
        // Every row holds at most the peak; the first row holds only the constant.
        assert!(
            plan.rows
                .iter()
                .all(|r| r.bytes <= plan.peak && r.after <= r.bytes)
        );
        assert_eq!(plan.rows.iter().filter(|r| r.bytes == plan.peak).count(), 1);
        assert_eq!(plan.rows[0].bytes, 0);
        assert_eq!(plan.rows[0].unknown, 1);
    }

    #[test]
    fn unload_insertion_lowers_the_peak_to_the_larger_model() {
        let (module, _) = two_models();
        let without = plan_of(module.clone(), false);
        let with = plan_of(module, true);
        // Without unloads both models stay loaded to the end.
        assert!(without.peak >= 130 * MIB, "{}", format_bytes(without.peak));
        assert!(holds(&without, Held::Model(ModelRef::from_u32(0))));
        assert!(with.peak < 90 * MIB, "{}", format_bytes(with.peak));
        assert!(with.peak + 40 * MIB < without.peak);
    }

    #[test]
    fn over_budget_is_error_e0701_with_what_is_held() {
        let (module, files) = two_models();
        let errors = compile(module, &options(Some(64 * MIB))).err().unwrap();
        assert_eq!(errors.len(), 1);
        let d = &errors[0];
        assert_eq!(d.code, "E0701");
        assert!(
            d.message.starts_with("this plan needs 8")
                && d.message.ends_with("over the budget of 64.0 MiB"),
            "{}",
            d.message
        );
        let primary: Vec<&str> = d
            .labels
            .iter()
            .filter(|l| l.style == LabelStyle::Primary)
            .map(|l| &files.text(l.span.file)[l.span.range()])
            .collect();
        // The peak: `relu` writes the new `h` while the old one is still held.
        assert_eq!(primary, ["h = relu(logits)"]);
        let secondary: Vec<&str> = d
            .labels
            .iter()
            .filter(|l| l.style == LabelStyle::Secondary)
            .map(|l| l.message.as_str())
            .collect();
        assert!(secondary.contains(&"model `decoder.onnx` holds 80.0 MiB (its file size)"));
        assert!(
            secondary
                .contains(&"`h` is being produced: 2.0 MiB (f32 [1, 128, 4096] with seq <= 128)")
        );
        assert!(secondary.contains(&"`logits` holds 2.0 MiB (f32 [1, 128, 4096] with seq <= 128)"));
        assert!(secondary.contains(&"`hidden` holds 2.0 MiB (f32 [1, 128, 4096] with seq <= 128)"));
        assert!(
            secondary
                .iter()
                .any(|m| m.starts_with("`h` ") && m.contains("2.0 MiB (f32 [1, 128, 4096]")),
            "{secondary:#?}"
        );
        assert!(!secondary.iter().any(|m| m.contains("encoder.onnx")));
        assert!(d.notes[0].contains("the budget is 64.0 MiB (--memory-limit)"));
        let help = &d.help.as_ref().unwrap().message;
        assert!(help.contains("unload") && help.contains("`seq`"), "{help}");
        insta::assert_snapshot!(render::plain(d, &files));
    }

    #[test]
    fn the_declared_budget_applies_and_the_smaller_wins() {
        let (mut module, _) = two_models();
        module.memory_budget = Some(70 * MIB);
        let errors = compile(module.clone(), &options(Some(1 << 40)))
            .err()
            .unwrap();
        assert!(errors[0].notes[0].contains("70.0 MiB (declared by the input)"));
        // A limit above the peak but a smaller declared budget: still over.
        module.memory_budget = Some(200 * MIB);
        let compiled = compile(module.clone(), &options(None)).unwrap();
        assert_eq!(
            compiled.memory.budget.unwrap().source,
            BudgetSource::Declared
        );
        // Profiling shows the timeline even over budget.
        let profile = Options {
            ignore_memory_budget: true,
            ..options(Some(MIB))
        };
        let compiled = compile(module, &profile).unwrap();
        assert!(compiled.memory.over_budget());
        assert_eq!(compiled.memory.budget.unwrap().bytes, MIB);
    }

    #[test]
    fn synthetic_plans_get_a_memory_plan() {
        let module = crate::synth::synthetic_module(2000, 5);
        let compiled = compile(module, &options(None)).unwrap();
        let plan = &compiled.memory;
        // Both models are loaded for the whole plan; tensors on top.
        assert!(plan.peak >= 130 * MIB, "{}", format_bytes(plan.peak));
        assert_eq!(plan.rows.len() as u32 - 1, {
            let l = &compiled.liveness.layout;
            l.order
                .iter()
                .map(|&i| l.end[i].max(l.pos[i]))
                .max()
                .unwrap()
        });
    }

    #[test]
    fn sizes_parse_in_every_documented_unit() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("2 GiB"), Ok(2 << 30));
        assert_eq!(parse_size("512MB"), Ok(512_000_000));
        assert_eq!(parse_size("1.5G"), Ok(3 << 29));
        assert_eq!(parse_size("1.5g"), Ok(3 << 29));
        assert_eq!(parse_size("10K"), Ok(10 << 10));
        assert_eq!(parse_size("10kb"), Ok(10_000));
        assert_eq!(parse_size("3KiB"), Ok(3072));
        assert_eq!(parse_size("7B"), Ok(7));
        assert_eq!(parse_size("1TB"), Ok(1_000_000_000_000));
        assert_eq!(parse_size("0.5"), Ok(0));
        assert_eq!(parse_size(".5K"), Ok(512));
        assert!(parse_size("").is_err());
        assert!(parse_size("GiB").is_err());
        assert!(parse_size("-1G").is_err());
        assert!(parse_size("1.2.3M").is_err());
        assert!(parse_size("2XB").unwrap_err().contains("unknown unit `XB`"));
        assert!(parse_size("99999999999999999999G").is_err());
        assert!(parse_size("16777216T").is_err());
    }

    #[test]
    fn bytes_print_in_binary_units() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(3 << 29), "1.5 GiB");
    }

    #[test]
    fn budgets_take_the_smaller() {
        let b = Budget::choose(Some(100), Some(50)).unwrap();
        assert_eq!((b.bytes, b.source), (50, BudgetSource::Declared));
        let b = Budget::choose(Some(10), Some(50)).unwrap();
        assert_eq!((b.bytes, b.source), (10, BudgetSource::Limit));
        assert_eq!(Budget::choose(None, None), None);
    }

    #[test]
    fn types_describe_with_their_bounds() {
        let mut m = Module::new("t");
        m.dim_bounds.insert("seq".into(), 128);
        let t = Type::tensor(
            omex_ir::DType::F32,
            vec![Dim::Fixed(1), Dim::Sym("seq".into()), Dim::Fixed(384)],
        );
        assert_eq!(describe_type(&m, &t), "f32 [1, 128, 384] with seq <= 128");
        assert_eq!(value_bytes(&m, &t), Some(4 * 128 * 384));
        let u = Type::tensor(omex_ir::DType::F32, vec![Dim::Sym("batch".into())]);
        assert_eq!(value_bytes(&m, &u), None);
        assert_eq!(unknown_reason(&m, &u), "`batch` has no declared bound");
        assert_eq!(
            unknown_reason(&m, &Type::Str),
            "the size of a str is known only at run time"
        );
        let dict = Type::Dict(Some(vec![("a".into(), t), ("b".into(), Type::Int)]));
        assert_eq!(value_bytes(&m, &dict), Some(4 * 128 * 384 + 8));
    }
}
