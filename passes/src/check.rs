//! Re-checks a slot allocation by simulating the emitted MEP code.
//!
//! Independent of the liveness analysis: it only trusts the expectations
//! the emitter derived from the IR (instruction `i` reads range `r` from slot
//! `s`). It runs a dataflow over the MEP control-flow graph, where each slot
//! holds one known range, nothing yet, or a conflict; every read must find
//! exactly the range it expects on every path.

use std::fmt;

use omex_mep::subtype::ResType;
use omex_mep::{Instruction, Program};

use crate::cfg::Cfg;
use crate::emit::EffectTable;
use crate::liveness::RangeId;

/// What a slot holds: a range id, or [`CLOBBERED`] (nothing known, or
/// different ranges on different paths). Four bytes per slot, and only the
/// slots the program touches, so that a state per basic block stays small
/// on large programs.
type Content = u32;
const CLOBBERED: Content = u32::MAX;
/// Stands for range ids that do not fit (never a real range).
const TOO_LARGE: Content = u32::MAX - 1;

fn content(range: RangeId) -> Content {
    u32::try_from(range).map_or(TOO_LARGE, |r| r.min(TOO_LARGE))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// Index of the MEP instruction whose read is wrong.
    pub instruction: usize,
    pub slot: u8,
    pub expected: RangeId,
    pub found: Option<RangeId>,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "instruction {} reads range {} from slot s{}, which holds {}",
            self.instruction,
            self.expected,
            self.slot,
            match self.found {
                Some(r) => format!("range {r}"),
                None => "no single value on every path".to_string(),
            }
        )
    }
}

fn holds(content: Content) -> Option<RangeId> {
    (content < TOO_LARGE).then_some(content as RangeId)
}

type State = Vec<Content>;

/// Applies instruction `i` to `state`; with `errors`, checks its reads.
fn step(
    program: &Program,
    effects: &EffectTable,
    i: usize,
    state: &mut State,
    mut errors: Option<&mut Vec<CheckError>>,
) {
    let Some(fx) = effects.get(i) else {
        return;
    };
    let report = |slot: u8, expected: RangeId, found: Content, errors: &mut Vec<CheckError>| {
        // One error per instruction and slot (this instruction's come last).
        let mut own = errors.iter().rev().take_while(|e| e.instruction == i);
        if !own.any(|e| e.slot == slot) {
            errors.push(CheckError {
                instruction: i,
                slot,
                expected,
                found: holds(found),
            });
        }
    };
    for &(slot, from, to) in fx.renames {
        if state[slot as usize] == content(from) {
            state[slot as usize] = content(to);
        } else if let Some(errors) = errors.as_deref_mut() {
            report(slot, from, state[slot as usize], errors);
        }
    }
    if let Some(errors) = errors {
        for &(slot, expected) in fx.reads {
            let found = state[slot as usize];
            if found != content(expected) {
                report(slot, expected, found, errors);
            }
        }
    }
    if let Instruction::ResUnload {
        res: ResType::Context,
        target,
    } = &program.instructions()[i]
    {
        state[*target as usize] = CLOBBERED;
    }
    for &(slot, range) in fx.writes {
        state[slot as usize] = content(range);
    }
}

pub fn check(program: &Program, effects: &EffectTable) -> Result<(), Vec<CheckError>> {
    if program.instructions().is_empty() {
        return Ok(());
    }
    let cfg = Cfg::new(program);
    // Slots beyond the highest one the program touches are never read.
    let mut width = 0;
    for fx in effects.iter() {
        let slots = fx.reads.iter().chain(fx.writes).map(|&(s, _)| s);
        let renamed = fx.renames.iter().map(|&(s, _, _)| s);
        for slot in slots.chain(renamed) {
            width = width.max(slot as usize + 1);
        }
    }
    for instruction in program.instructions() {
        if let Instruction::ResUnload {
            res: ResType::Context,
            target,
        } = instruction
        {
            width = width.max(*target as usize + 1);
        }
    }
    let entry: State = vec![CLOBBERED; width];
    let solution = cfg.solve(
        entry,
        |i, state| step(program, effects, i, state, None),
        |existing, incoming| {
            let mut changed = false;
            for (slot, &other) in existing.iter_mut().zip(incoming.iter()) {
                if *slot != other && *slot != CLOBBERED {
                    *slot = CLOBBERED;
                    changed = true;
                }
            }
            changed
        },
    );
    // At the fixpoint, every reachable block once more, checking the reads.
    let mut errors = Vec::new();
    cfg.replay(&solution, |b, state| {
        for i in cfg.range(b) {
            step(program, effects, i, state, Some(&mut errors));
        }
    });
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
