//! Live ranges over structured control flow.
//!
//! Every value that lives in the execution context (all but model handles,
//! which live in the model table) belongs to one live range `[start, end]`
//! of points (see [`Layout`]). Rules:
//! - a value is live from its def point to its last use point;
//! - a value used inside a loop but defined before it stays live until the
//!   loop's end (it is read again on the next iteration);
//! - a loop's carried value k is one range: body parameter k, loop result k,
//!   and (when that does not interfere) the value yielded for it, so it keeps
//!   one slot across iterations;
//! - an `If`'s result k is one range with the values its regions yield (when
//!   they are defined inside the regions);
//! - each loop has a counter range (`FLOW_LOOP_END` decrements the slot);
//! - scratch ranges hold compiler temporaries for `if` and conditional breaks.

use std::collections::HashMap;

use cranelift_entity::SecondaryMap;
use omex_ir::{Block, Inst, Module, Op, Type, Value};

use crate::layout::Layout;

pub type RangeId = usize;

/// What a compiler temporary is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScratchUse {
    /// `not cond` before the branch to the else region.
    IfCond,
    /// The `true` that jumps over the else region.
    IfJump,
    /// `not cond` before the copies of a conditional break.
    BreakCond,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeKind {
    Values(Vec<Value>),
    Counter(Inst),
    Scratch(Inst, ScratchUse),
}

#[derive(Debug, Clone)]
pub struct LiveRange {
    pub kind: RangeKind,
    pub start: u32,
    pub end: u32,
    /// A range whose slot this one would like to reuse (avoids a copy).
    pub hint: Option<RangeId>,
}

#[derive(Debug, Clone)]
pub struct Liveness {
    pub layout: Layout,
    pub ranges: Vec<LiveRange>,
    range_of: SecondaryMap<Value, Option<RangeId>>,
    pub counters: HashMap<Inst, RangeId>,
    pub scratch: HashMap<(Inst, ScratchUse), RangeId>,
    /// Values that some instruction of the module's arena reads.
    used: SecondaryMap<Value, bool>,
}

/// Whether a value needs a context slot (model handles do not).
pub fn needs_slot(module: &Module, value: Value) -> bool {
    !matches!(module.ty(value), Type::Model)
}

impl Liveness {
    pub fn range_of(&self, value: Value) -> Option<RangeId> {
        self.range_of[value]
    }

    /// Whether any instruction reads `value` (a loop's iteration index is
    /// computed only when read).
    pub fn is_used(&self, value: Value) -> bool {
        self.used[value]
    }

    /// The values live at `point` (for "too many live values" errors).
    pub fn live_at(&self, point: u32) -> Vec<RangeId> {
        (0..self.ranges.len())
            .filter(|&r| self.ranges[r].start <= point && point <= self.ranges[r].end)
            .collect()
    }

    /// The most ranges live at any one point (a sweep over the points).
    pub fn max_live(&self) -> usize {
        let Some(last) = self.ranges.iter().map(|r| r.end.max(r.start)).max() else {
            return 0;
        };
        let mut delta = vec![0i32; last as usize + 2];
        for r in &self.ranges {
            delta[r.start as usize] += 1;
            delta[r.end as usize + 1] -= 1;
        }
        let (mut live, mut max) = (0i32, 0i32);
        for d in delta {
            live += d;
            max = max.max(live);
        }
        max as usize
    }

    pub fn compute(module: &Module) -> Liveness {
        let layout = Layout::compute(module);
        let used = used_values(module);
        let values = module.values.len();
        let mut start: SecondaryMap<Value, u32> = SecondaryMap::with_capacity(values);
        let mut end: SecondaryMap<Value, u32> = SecondaryMap::with_capacity(values);

        for (value, data) in module.values.iter() {
            let def = match data.def {
                omex_ir::ValueDef::Result(inst, _) => layout.def_point(inst),
                omex_ir::ValueDef::Param(block, _) => match module.blocks[block].parent {
                    Some(owner) => layout.def_point(owner),
                    None => 0,
                },
            };
            start[value] = def;
            end[value] = def;
        }
        for &inst in &layout.order {
            let point = layout.use_point(inst);
            for &arg in &module.insts[inst].args {
                end[arg] = end[arg].max(point);
                // Loops around the use, innermost first, that the value is
                // defined before: it is read again on their next iteration.
                let mut block = module.insts[inst].block;
                while let Some(owner) = module.blocks[block].parent {
                    if matches!(module.insts[owner].op, Op::Loop { .. }) {
                        if start[arg] < layout.use_point(owner) {
                            end[arg] = end[arg].max(layout.end_point(owner));
                        } else {
                            break;
                        }
                    }
                    block = module.insts[owner].block;
                }
            }
            if let Op::Loop { body } = module.insts[inst].op {
                let index = module.blocks[body].params[0];
                if used[index] {
                    let count = module.insts[inst].args[0];
                    end[count] = end[count].max(layout.end_point(inst));
                }
            }
        }

        let mut groups = Groups::new(module);
        for &inst in &layout.order {
            match &module.insts[inst].op {
                Op::Loop { body } => {
                    let d = &module.insts[inst];
                    let params = &module.blocks[*body].params;
                    let yields = yield_args(module, *body);
                    for (k, &result) in d.results.iter().enumerate() {
                        let param = params[k + 1];
                        groups.union(param, result);
                        if let Some(&y) = yields.get(k) {
                            let inside = start[y] > layout.use_point(inst)
                                && start[y] < layout.end_point(inst);
                            if inside
                                && !groups.is_grouped(y)
                                && end[param] < start[y]
                                && needs_slot(module, y)
                            {
                                groups.union(param, y);
                            }
                        }
                    }
                }
                Op::If {
                    then_block,
                    else_block,
                } => {
                    let d = &module.insts[inst];
                    let then_yields = yield_args(module, *then_block);
                    let else_yields = yield_args(module, *else_block);
                    for (k, &result) in d.results.iter().enumerate() {
                        for y in [then_yields.get(k), else_yields.get(k)]
                            .into_iter()
                            .flatten()
                        {
                            let inside = start[*y] > layout.use_point(inst)
                                && start[*y] < layout.end_point(inst);
                            if inside && !groups.is_grouped(*y) && needs_slot(module, *y) {
                                groups.union(result, *y);
                            }
                        }
                    }
                }
                _ => {}
            }
        }

        let mut live = Liveness {
            layout,
            ranges: Vec::with_capacity(values + module.insts.len() / 4),
            range_of: SecondaryMap::with_capacity(values),
            counters: HashMap::new(),
            scratch: HashMap::new(),
            used,
        };
        // One range per group of values, in order of first definition.
        let mut group_of: SecondaryMap<Value, Option<u32>> = SecondaryMap::with_capacity(values);
        let mut roots: Vec<(Value, Vec<Value>)> = Vec::new();
        for value in reachable_values(module, &live.layout) {
            if needs_slot(module, value) {
                let root = groups.find(value);
                let group = *group_of[root].get_or_insert_with(|| {
                    roots.push((root, Vec::new()));
                    (roots.len() - 1) as u32
                });
                roots[group as usize].1.push(value);
            }
        }
        let mut roots: Vec<(u32, Value, Vec<Value>)> = roots
            .into_iter()
            .map(|(root, vs)| (vs.iter().map(|v| start[*v]).min().unwrap_or(0), root, vs))
            .collect();
        roots.sort_unstable_by_key(|(first, root, _)| (*first, *root));
        for (_, _, values) in roots {
            let s = values.iter().map(|v| start[*v]).min().unwrap_or(0);
            let mut e = values.iter().map(|v| end[*v]).max().unwrap_or(s);
            // Loop and if results are written at the end of their regions
            // (yield) and at breaks: their slot is taken until the owner ends.
            for &v in &values {
                if let Some(owner) = module.def_inst(v) {
                    if matches!(module.insts[owner].op, Op::Loop { .. } | Op::If { .. }) {
                        e = e.max(live.layout.end_point(owner));
                    }
                }
            }
            let id = live.ranges.len();
            for &v in &values {
                live.range_of[v] = Some(id);
            }
            live.ranges.push(LiveRange {
                kind: RangeKind::Values(values),
                start: s,
                end: e,
                hint: None,
            });
        }

        // Loop counters, scratch ranges and hints.
        for i in 0..live.layout.order.len() {
            let inst = live.layout.order[i];
            let d = &module.insts[inst];
            let def = live.layout.def_point(inst);
            let at_loop = live.layout.use_point(inst);
            match &d.op {
                Op::Loop { .. } => {
                    let count = d.args[0];
                    let hint = live.range_of[count].filter(|&r| live.ranges[r].end == at_loop);
                    let end_point = live.layout.end_point(inst);
                    let id = live.push(RangeKind::Counter(inst), def, end_point, hint);
                    live.counters.insert(inst, id);
                    for (k, &init) in d.args[1..].iter().enumerate() {
                        if let (Some(carried), Some(init_range)) =
                            (live.range_of[d.results[k]], live.range_of[init])
                        {
                            if live.ranges[init_range].end == at_loop
                                && live.ranges[carried].hint.is_none()
                            {
                                live.ranges[carried].hint = Some(init_range);
                            }
                        }
                    }
                }
                Op::If {
                    then_block,
                    else_block,
                } => {
                    let id =
                        live.push(RangeKind::Scratch(inst, ScratchUse::IfCond), def, def, None);
                    live.scratch.insert((inst, ScratchUse::IfCond), id);
                    if else_needs_code(module, &live, inst, *else_block) {
                        if let Some(&then_yield) = module.blocks[*then_block].insts.last() {
                            let point = live.layout.def_point(then_yield);
                            let id = live.push(
                                RangeKind::Scratch(inst, ScratchUse::IfJump),
                                point,
                                point,
                                None,
                            );
                            live.scratch.insert((inst, ScratchUse::IfJump), id);
                        }
                    }
                }
                Op::BreakIf => {
                    if break_needs_copies(module, &live, inst) {
                        // Live from the read of the operands: the copies still read them.
                        let id = live.push(
                            RangeKind::Scratch(inst, ScratchUse::BreakCond),
                            at_loop,
                            def,
                            None,
                        );
                        live.scratch.insert((inst, ScratchUse::BreakCond), id);
                    }
                }
                _ => {}
            }
        }
        live
    }

    fn push(&mut self, kind: RangeKind, start: u32, end: u32, hint: Option<RangeId>) -> RangeId {
        self.ranges.push(LiveRange {
            kind,
            start,
            end,
            hint,
        });
        self.ranges.len() - 1
    }

    /// Whether two values share a range (and so a slot, whatever the allocation).
    pub fn same_range(&self, a: Value, b: Value) -> bool {
        self.range_of[a].is_some() && self.range_of[a] == self.range_of[b]
    }
}

/// Values defined by instructions of the program or parameters of its blocks
/// (passes may leave values of removed instructions in the arena).
fn reachable_values(module: &Module, layout: &Layout) -> Vec<Value> {
    let mut values = Vec::with_capacity(module.values.len());
    for &inst in &layout.order {
        values.extend(module.insts[inst].results.iter().copied());
        for region in module.insts[inst].op.regions() {
            values.extend(module.blocks[region].params.iter().copied());
        }
    }
    values
}

/// The values read by any instruction of the arena (as the emitter sees it).
fn used_values(module: &Module) -> SecondaryMap<Value, bool> {
    let mut used = SecondaryMap::with_capacity(module.values.len());
    for d in module.insts.values() {
        for &arg in &d.args {
            used[arg] = true;
        }
    }
    used
}

fn yield_args(module: &Module, block: Block) -> Vec<Value> {
    match module.blocks[block].insts.last() {
        Some(&last) if matches!(module.insts[last].op, Op::Yield) => {
            module.insts[last].args.clone()
        }
        _ => Vec::new(),
    }
}

/// Whether the else region emits any instruction (code or copies).
pub fn else_needs_code(module: &Module, live: &Liveness, if_inst: Inst, else_block: Block) -> bool {
    let insts = &module.blocks[else_block].insts;
    // Anything but a lone `yield` (another instruction, or `halt`/`return`).
    let only_yield = match insts.as_slice() {
        [] => true,
        [last] => matches!(module.insts[*last].op, Op::Yield),
        _ => false,
    };
    if !only_yield {
        return true;
    }
    let results = &module.insts[if_inst].results;
    yield_args(module, else_block)
        .iter()
        .zip(results)
        .any(|(y, r)| !live.same_range(*y, *r))
}

/// Whether a `BreakIf` must copy values into the carried slots before leaving.
pub fn break_needs_copies(module: &Module, live: &Liveness, break_inst: Inst) -> bool {
    let Some(lp) = module.enclosing_loop(module.insts[break_inst].block) else {
        return false;
    };
    let results = &module.insts[lp].results;
    module.insts[break_inst].args[1..]
        .iter()
        .zip(results)
        .any(|(b, r)| !live.same_range(*b, *r))
}

/// Union-find over values.
struct Groups {
    parent: SecondaryMap<Value, Option<Value>>,
    size: SecondaryMap<Value, u32>,
}

impl Groups {
    fn new(module: &Module) -> Self {
        Self {
            parent: SecondaryMap::with_capacity(module.values.len()),
            size: SecondaryMap::with_capacity(module.values.len()),
        }
    }

    fn find(&mut self, v: Value) -> Value {
        let mut root = v;
        while let Some(p) = self.parent[root] {
            root = p;
        }
        let mut cur = v;
        while let Some(p) = self.parent[cur] {
            self.parent[cur] = Some(root);
            cur = p;
        }
        root
    }

    fn union(&mut self, a: Value, b: Value) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[rb] = Some(ra);
            self.size[ra] = self.size[ra].max(1) + self.size[rb].max(1);
        }
    }

    fn is_grouped(&mut self, v: Value) -> bool {
        let root = self.find(v);
        root != v || self.size[v] > 1
    }
}
