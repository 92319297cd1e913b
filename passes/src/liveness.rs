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

/// `Liveness::range_of` of a value without a range.
const NO_RANGE: u32 = u32::MAX;

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
    /// The values sharing the range: `members[first..first + len]` of
    /// [`Liveness`] (see [`Liveness::values`]).
    Values {
        first: u32,
        len: u32,
    },
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
    /// The values of every value range, range after range (one allocation
    /// for all of them).
    members: Vec<Value>,
    /// The range of each value, [`NO_RANGE`] for none (four bytes a value:
    /// the emitter looks this up for every operand).
    range_of: SecondaryMap<Value, u32>,
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
        let r = self.range_of[value];
        (r != NO_RANGE).then_some(r as RangeId)
    }

    /// The values a range holds (none for counters and scratch ranges).
    pub fn values(&self, range: RangeId) -> &[Value] {
        match self.ranges[range].kind {
            RangeKind::Values { first, len } => {
                &self.members[first as usize..(first + len) as usize]
            }
            _ => &[],
        }
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
        let mut start: SecondaryMap<Value, u32> = crate::side_table(values);
        let mut end: SecondaryMap<Value, u32> = crate::side_table(values);
        // One pass over the program: definitions and uses (a value is
        // defined before it is used), the values defined (results, then
        // region parameters), and the loops, ifs and breaks for later.
        let mut reachable: Vec<Value> = Vec::with_capacity(values);
        let mut structured: Vec<Inst> = Vec::new();
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
            let d = &module.insts[inst];
            let def = layout.def_point(inst);
            for &result in &d.results {
                start[result] = def;
                end[result] = def;
                reachable.push(result);
            }
            for region in crate::layout::regions(&d.op) {
                for &param in &module.blocks[region].params {
                    start[param] = def;
                    end[param] = def;
                    reachable.push(param);
                }
            }
            if matches!(d.op, Op::Loop { .. } | Op::If { .. } | Op::BreakIf) {
                structured.push(inst);
            }
            if let Op::Loop { body } = d.op {
                let index = module.blocks[body].params[0];
                if used[index] {
                    let count = d.args[0];
                    end[count] = end[count].max(layout.end_point(inst));
                }
            }
            // Loop and if results are written at the end of their regions
            // (yield) and at breaks: their slot is taken until the owner ends.
            if matches!(d.op, Op::Loop { .. } | Op::If { .. }) {
                for &result in &d.results {
                    end[result] = end[result].max(layout.end_point(inst));
                }
            }
        }

        let mut groups = Groups::new(module);
        for &inst in &structured {
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
            ranges: Vec::new(),
            range_of: {
                let mut map = SecondaryMap::with_default(NO_RANGE);
                map.resize(values);
                map
            },
            members: Vec::new(),
            counters: HashMap::new(),
            scratch: HashMap::new(),
            used,
        };
        // One range per group of values, in order of (first definition,
        // root); members in the order they are defined. Groups are numbered
        // as first seen, then ranked by sorting packed keys (16 bytes per
        // group), then the members are placed by counting sort.
        let mut group_of: SecondaryMap<Value, u32> = SecondaryMap::with_default(NO_RANGE);
        group_of.resize(values);
        let mut group_keys: Vec<u64> = Vec::with_capacity(values);
        let mut member_group: Vec<(Value, u32)> = Vec::with_capacity(reachable.len());
        for value in reachable {
            if needs_slot(module, value) {
                let root = groups.find(value);
                if group_of[root] == NO_RANGE {
                    group_of[root] = group_keys.len() as u32;
                    group_keys.push((u64::from(start[value]) << 32) | root.as_u32() as u64);
                }
                let group = group_of[root];
                let key = &mut group_keys[group as usize];
                let first = (*key >> 32).min(u64::from(start[value]));
                *key = (first << 32) | (*key & u64::from(u32::MAX));
                member_group.push((value, group));
            }
        }
        let mut order: Vec<(u64, u32)> = (group_keys.iter().enumerate())
            .map(|(i, &key)| (key, i as u32))
            .collect();
        order.sort_unstable();
        let mut rank = vec![0u32; group_keys.len()];
        for (r, &(_, group)) in order.iter().enumerate() {
            rank[group as usize] = r as u32;
        }
        let mut offset = vec![0u32; group_keys.len() + 1];
        for &(_, group) in &member_group {
            offset[rank[group as usize] as usize + 1] += 1;
        }
        for r in 0..group_keys.len() {
            offset[r + 1] += offset[r];
        }
        live.ranges
            .reserve(group_keys.len() + group_keys.len() / 8 + 16);
        for r in 0..group_keys.len() {
            live.ranges.push(LiveRange {
                kind: RangeKind::Values {
                    first: offset[r],
                    len: offset[r + 1] - offset[r],
                },
                start: u32::MAX,
                end: 0,
                hint: None,
            });
        }
        live.members = vec![Value::from_u32(0); member_group.len()];
        let mut next = offset;
        for (value, group) in member_group {
            let r = rank[group as usize] as usize;
            live.members[next[r] as usize] = value;
            next[r] += 1;
            live.range_of[value] = r as u32;
            let range = &mut live.ranges[r];
            range.start = range.start.min(start[value]);
            range.end = range.end.max(end[value]);
        }

        // Loop counters, scratch ranges and hints.
        for inst in structured {
            let d = &module.insts[inst];
            let def = live.layout.def_point(inst);
            let at_loop = live.layout.use_point(inst);
            match &d.op {
                Op::Loop { .. } => {
                    let count = d.args[0];
                    let hint = live
                        .range_of(count)
                        .filter(|&r| live.ranges[r].end == at_loop);
                    let end_point = live.layout.end_point(inst);
                    let id = live.push(RangeKind::Counter(inst), def, end_point, hint);
                    live.counters.insert(inst, id);
                    for (k, &init) in d.args[1..].iter().enumerate() {
                        if let (Some(carried), Some(init_range)) =
                            (live.range_of(d.results[k]), live.range_of(init))
                            && live.ranges[init_range].end == at_loop
                            && live.ranges[carried].hint.is_none()
                        {
                            live.ranges[carried].hint = Some(init_range);
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
                    if else_needs_code(module, &live, inst, *else_block)
                        && let Some(&then_yield) = module.blocks[*then_block].insts.last()
                    {
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
                Op::BreakIf if break_needs_copies(module, &live, inst) => {
                    // Live from the read of the operands: the copies still read them.
                    let id = live.push(
                        RangeKind::Scratch(inst, ScratchUse::BreakCond),
                        at_loop,
                        def,
                        None,
                    );
                    live.scratch.insert((inst, ScratchUse::BreakCond), id);
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
        self.range_of[a] != NO_RANGE && self.range_of[a] == self.range_of[b]
    }
}

/// The values read by any instruction of the arena (as the emitter sees it).
fn used_values(module: &Module) -> SecondaryMap<Value, bool> {
    let mut used = crate::side_table(module.values.len());
    for d in module.insts.values() {
        for &arg in &d.args {
            used[arg] = true;
        }
    }
    used
}

fn yield_args(module: &Module, block: Block) -> &[Value] {
    match module.blocks[block].insts.last() {
        Some(&last) if matches!(module.insts[last].op, Op::Yield) => &module.insts[last].args,
        _ => &[],
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
            parent: crate::side_table(module.values.len()),
            size: crate::side_table(module.values.len()),
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
