//! Slot allocation: live ranges -> the 256 MEP context slots.
//!
//! Live ranges over structured control flow form an interval graph, so a
//! linear scan in order of range start that always takes a free slot uses
//! exactly as many slots as the most ranges live at one point: the optimum.
//! Hints (reuse the slot of the range a loop copies from) only ever pick a
//! slot already in use, so they never raise the count.
//!
//! The allocator returns data ([`Assignment`]); it does not change the IR.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use crate::liveness::{Liveness, RangeId};

pub const SLOT_COUNT: usize = 256;

#[derive(Debug, Clone)]
pub struct Assignment {
    pub slot_of_range: Vec<u8>,
    /// Distinct slots used.
    pub slots_used: usize,
}

/// More than 256 ranges are live at `point`.
#[derive(Debug, Clone)]
pub struct TooManyLive {
    pub point: u32,
    pub live: Vec<RangeId>,
}

pub fn allocate(live: &Liveness) -> Result<Assignment, TooManyLive> {
    let mut order: Vec<RangeId> = (0..live.ranges.len()).collect();
    order.sort_by_key(|&r| (live.ranges[r].start, r));
    let mut slot_of_range = vec![0u8; live.ranges.len()];
    let mut assigned = vec![false; live.ranges.len()];
    let mut free: BTreeSet<u8> = (0..=255u8).collect();
    let mut active: BinaryHeap<Reverse<(u32, RangeId)>> = BinaryHeap::new();
    let mut used = [false; SLOT_COUNT];

    for r in order {
        let range = &live.ranges[r];
        while let Some(&Reverse((end, done))) = active.peek() {
            if end >= range.start {
                break;
            }
            active.pop();
            free.insert(slot_of_range[done]);
        }
        let hinted = range
            .hint
            .filter(|&h| assigned[h])
            .map(|h| slot_of_range[h])
            .filter(|s| free.contains(s));
        let Some(slot) = hinted.or_else(|| free.first().copied()) else {
            let mut live_now: Vec<RangeId> = active.iter().map(|Reverse((_, id))| *id).collect();
            live_now.push(r);
            live_now.sort_unstable();
            return Err(TooManyLive {
                point: range.start,
                live: live_now,
            });
        };
        free.remove(&slot);
        slot_of_range[r] = slot;
        assigned[r] = true;
        used[slot as usize] = true;
        active.push(Reverse((range.end, r)));
    }
    Ok(Assignment {
        slot_of_range,
        slots_used: used.iter().filter(|u| **u).count(),
    })
}

impl Assignment {
    /// A slot that no range holds at `point`, for a temporary the emitter needs there.
    pub fn free_at(&self, live: &Liveness, point: u32, also_avoid: &[u8]) -> Option<u8> {
        let mut busy = [false; SLOT_COUNT];
        for (r, range) in live.ranges.iter().enumerate() {
            if range.start <= point && point <= range.end {
                busy[self.slot_of_range[r] as usize] = true;
            }
        }
        for s in also_avoid {
            busy[*s as usize] = true;
        }
        (0..SLOT_COUNT).find(|&s| !busy[s]).map(|s| s as u8)
    }
}
