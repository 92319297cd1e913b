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

use crate::emit::Effects;
use crate::liveness::RangeId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Holds(RangeId),
    Clobbered,
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
    match content {
        Content::Holds(r) => Some(r),
        Content::Clobbered => None,
    }
}

fn successors(program: &Program, index: usize) -> Vec<usize> {
    let n = program.instructions().len();
    let next = index + 1;
    let mut out = match &program.instructions()[index] {
        Instruction::FlowHalt {} | Instruction::SinkReturn { .. } => vec![],
        Instruction::FlowLoopStart { .. }
        | Instruction::FlowLoopEnd {}
        | Instruction::FlowBranchIf { .. }
        | Instruction::FlowBreakLoopIf { .. } => vec![next, program.jump_target(index)],
        _ => vec![next],
    };
    out.retain(|&s| s < n);
    out
}

pub fn check(program: &Program, effects: &[Effects]) -> Result<(), Vec<CheckError>> {
    let n = program.instructions().len();
    let mut entry: Vec<Option<Vec<Content>>> = vec![None; n];
    if n == 0 {
        return Ok(());
    }
    entry[0] = Some(vec![Content::Clobbered; 256]);
    let mut work = vec![0usize];
    let mut errors = Vec::new();
    let mut reported = std::collections::HashSet::new();
    while let Some(i) = work.pop() {
        let Some(mut state) = entry[i].clone() else {
            continue;
        };
        let fx = effects.get(i).cloned().unwrap_or_default();
        for &(slot, from, to) in &fx.renames {
            if state[slot as usize] == Content::Holds(from) {
                state[slot as usize] = Content::Holds(to);
            } else if reported.insert((i, slot)) {
                errors.push(CheckError {
                    instruction: i,
                    slot,
                    expected: from,
                    found: holds(state[slot as usize]),
                });
            }
        }
        for &(slot, expected) in &fx.reads {
            let found = state[slot as usize];
            if found != Content::Holds(expected) && reported.insert((i, slot)) {
                errors.push(CheckError {
                    instruction: i,
                    slot,
                    expected,
                    found: holds(found),
                });
            }
        }
        if let Instruction::ResUnload {
            res: ResType::Context,
            target,
        } = &program.instructions()[i]
        {
            state[*target as usize] = Content::Clobbered;
        }
        for &(slot, range) in &fx.writes {
            state[slot as usize] = Content::Holds(range);
        }
        for s in successors(program, i) {
            let changed = match &mut entry[s] {
                None => {
                    entry[s] = Some(state.clone());
                    true
                }
                Some(existing) => {
                    let mut changed = false;
                    for (slot, incoming) in existing.iter_mut().zip(&state) {
                        let joined = match (*slot, *incoming) {
                            (a, b) if a == b => a,
                            _ => Content::Clobbered,
                        };
                        if joined != *slot {
                            *slot = joined;
                            changed = true;
                        }
                    }
                    changed
                }
            };
            if changed {
                work.push(s);
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
