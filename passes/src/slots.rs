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

/// The ranges in order of start point (then of id).
fn by_start(live: &Liveness) -> Vec<RangeId> {
    // Sorting (start, id) pairs: no lookups while sorting. Value ranges come
    // sorted by start, then counters and scratch ranges in program order:
    // the stable sort merges such runs in linear time.
    let mut keyed: Vec<(u32, u32)> = (live.ranges.iter().enumerate())
        .map(|(r, range)| (range.start, r as u32))
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, r)| r as RangeId).collect()
}

pub fn allocate(live: &Liveness) -> Result<Assignment, TooManyLive> {
    let order = by_start(live);
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
    /// A slot that no range holds at `point`, for a temporary the emitter
    /// needs there. Scans every range; [`FreeSlots`] answers a sequence of
    /// such questions in one sweep.
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

/// Answers [`Assignment::free_at`] for points asked in non-decreasing order
/// (as the emitter walks the program) in one sweep over the ranges.
pub struct FreeSlots<'a> {
    live: &'a Liveness,
    asg: &'a Assignment,
    /// Ranges by start point.
    order: Vec<RangeId>,
    next: usize,
    /// Ranges started, by end point.
    active: BinaryHeap<Reverse<(u32, RangeId)>>,
    busy: [u32; SLOT_COUNT],
    last: u32,
}

impl<'a> FreeSlots<'a> {
    pub fn new(live: &'a Liveness, asg: &'a Assignment) -> Self {
        let order = by_start(live);
        FreeSlots {
            live,
            asg,
            order,
            next: 0,
            active: BinaryHeap::new(),
            busy: [0; SLOT_COUNT],
            last: 0,
        }
    }

    /// The same answer as [`Assignment::free_at`].
    pub fn free_at(&mut self, point: u32, also_avoid: &[u8]) -> Option<u8> {
        if point < self.last {
            return self.asg.free_at(self.live, point, also_avoid);
        }
        self.last = point;
        while let Some(&r) = self.order.get(self.next) {
            if self.live.ranges[r].start > point {
                break;
            }
            self.active.push(Reverse((self.live.ranges[r].end, r)));
            self.busy[self.asg.slot_of_range[r] as usize] += 1;
            self.next += 1;
        }
        while let Some(&Reverse((end, r))) = self.active.peek() {
            if end >= point {
                break;
            }
            self.active.pop();
            self.busy[self.asg.slot_of_range[r] as usize] -= 1;
        }
        (0..SLOT_COUNT)
            .find(|&s| self.busy[s] == 0 && !also_avoid.contains(&(s as u8)))
            .map(|s| s as u8)
    }
}
