//! Basic blocks of a verified MEP program and a forward dataflow solver over
//! them, shared by the allocation checker and the memory plan.
//!
//! States are kept per basic block (not per instruction), so memory grows
//! with the number of branch targets, and the worklist visits blocks in code
//! order, which for structured code converges in a few passes per loop.

use std::collections::BTreeSet;
use std::ops::Range;

use omex_mep::{Instruction, Program};

/// Instructions that may run after instruction `index` (at most two).
pub fn successors(program: &Program, index: usize) -> impl Iterator<Item = usize> {
    let n = program.instructions().len();
    let next = index + 1;
    let pair = match &program.instructions()[index] {
        Instruction::FlowHalt {} | Instruction::SinkReturn { .. } => [None, None],
        Instruction::FlowLoopStart { .. }
        | Instruction::FlowLoopEnd {}
        | Instruction::FlowBranchIf { .. }
        | Instruction::FlowBreakLoopIf { .. } => [Some(next), Some(program.jump_target(index))],
        _ => [Some(next), None],
    };
    pair.into_iter().flatten().filter(move |&s| s < n)
}

#[derive(Debug, Clone)]
pub struct Cfg {
    /// First instruction of each block, ascending; `starts[len]` is the code length.
    starts: Vec<usize>,
    /// Successor blocks of each block (`NONE`: no successor there).
    succs: Vec<[u32; 2]>,
    /// Blocks entered only by falling through from the block before them:
    /// their state is that block's exit state, so none is stored for them.
    inline: Vec<bool>,
}

const NONE: u32 = u32::MAX;

/// The entry states of the blocks at the fixpoint ([`Cfg::solve`]): stored
/// only for blocks with a join or a jump into them; see [`Cfg::replay`].
pub struct Solution<S> {
    states: Vec<Option<S>>,
}

impl Cfg {
    pub fn new(program: &Program) -> Cfg {
        let n = program.instructions().len();
        let mut leader = vec![false; n + 1];
        leader[0] = true;
        leader[n] = true;
        for i in 0..n {
            let mut succ = successors(program, i);
            if (succ.next(), succ.next()) != (Some(i + 1), None) {
                leader[i + 1] = true;
                for s in successors(program, i) {
                    leader[s] = true;
                }
            }
        }
        let starts: Vec<usize> = (0..=n).filter(|&i| leader[i]).collect();
        let block_of = |i: usize| match starts.binary_search(&i) {
            Ok(b) => b,
            Err(next) => next - 1,
        };
        let blocks = starts.len() - 1;
        let mut preds = vec![0u32; blocks];
        let mut fallthrough = vec![false; blocks];
        let succs: Vec<[u32; 2]> = (0..blocks)
            .map(|b| {
                let mut pair = [NONE; 2];
                for (k, s) in successors(program, starts[b + 1] - 1).enumerate() {
                    let target = block_of(s);
                    pair[k] = target as u32;
                    preds[target] += 1;
                    if target == b + 1 && s == starts[b + 1] {
                        fallthrough[target] = true;
                    }
                }
                pair
            })
            .collect();
        let inline = (0..blocks)
            .map(|b| b > 0 && preds[b] == 1 && fallthrough[b])
            .collect();
        Cfg {
            starts,
            succs,
            inline,
        }
    }

    /// The blocks that may run after block `b`.
    pub fn succs(&self, b: usize) -> impl Iterator<Item = usize> + '_ {
        self.succs[b]
            .iter()
            .filter(|&&s| s != NONE)
            .map(|&s| s as usize)
    }

    /// Number of blocks.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The instructions of block `b`.
    pub fn range(&self, b: usize) -> Range<usize> {
        self.starts[b]..self.starts[b + 1]
    }

    /// The block holding instruction `index`.
    pub fn block_of(&self, index: usize) -> usize {
        match self.starts.binary_search(&index) {
            Ok(b) => b,
            Err(next) => next - 1,
        }
    }

    /// The fixpoint of `transfer` (applied to each instruction in turn) and
    /// `join` (which merges the second state into the first and says
    /// whether it changed), from `entry` at the first instruction.
    pub fn solve<S: Clone>(
        &self,
        entry: S,
        mut transfer: impl FnMut(usize, &mut S),
        mut join: impl FnMut(&mut S, &S) -> bool,
    ) -> Solution<S> {
        let mut states: Vec<Option<S>> = vec![None; self.len()];
        if self.is_empty() {
            return Solution { states };
        }
        let mut state = entry.clone();
        states[0] = Some(entry);
        let mut work: BTreeSet<usize> = BTreeSet::from([0]);
        while let Some(first) = work.pop_first() {
            // Reuses the allocation of the previous block's state.
            match &states[first] {
                Some(entry) => state.clone_from(entry),
                None => continue,
            }
            let mut b = first;
            loop {
                for i in self.range(b) {
                    transfer(i, &mut state);
                }
                let mut fall = None;
                for s in self.succs(b) {
                    if self.inline[s] {
                        fall = Some(s);
                        continue;
                    }
                    let changed = match &mut states[s] {
                        None => {
                            states[s] = Some(state.clone());
                            true
                        }
                        Some(existing) => join(existing, &state),
                    };
                    if changed {
                        work.insert(s);
                    }
                }
                // A block only this one enters runs on with the same state.
                match fall {
                    Some(s) => b = s,
                    None => break,
                }
            }
        }
        Solution { states }
    }

    /// Visits every reachable block in code order with its entry state at
    /// the fixpoint; `visit` runs the block, leaving its exit state (which
    /// a block entered only from it starts with).
    pub fn replay<S: Clone>(&self, solution: &Solution<S>, mut visit: impl FnMut(usize, &mut S)) {
        let mut state: Option<S> = None;
        let mut reached = false;
        for b in 0..self.len() {
            if self.inline[b] {
                if !reached {
                    continue;
                }
            } else {
                match (&solution.states[b], &mut state) {
                    (Some(entry), Some(s)) => s.clone_from(entry),
                    (Some(entry), None) => state = Some(entry.clone()),
                    (None, _) => {
                        reached = false;
                        continue;
                    }
                }
            }
            reached = true;
            if let Some(s) = &mut state {
                visit(b, s);
            }
        }
    }

    /// The entry state of block `b` at the fixpoint, if it is reachable.
    pub fn entry_state<S: Clone>(
        &self,
        solution: &Solution<S>,
        b: usize,
        mut transfer: impl FnMut(usize, &mut S),
    ) -> Option<S> {
        // Back to the nearest block with a stored state, then forwards.
        let mut first = b;
        while self.inline[first] {
            first -= 1;
        }
        let mut state = solution.states[first].clone()?;
        for i in self.starts[first]..self.starts[b] {
            transfer(i, &mut state);
        }
        Some(state)
    }
}
