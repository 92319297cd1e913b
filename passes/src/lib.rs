//! omexc's middle and back end: passes over the IR and the MEP emitter.
//!
//! The pipeline ([`pipeline::compile`]) runs, in order: static-run
//! normalisation, cleanups, unload insertion, liveness and slot allocation,
//! emission, the allocation checker, and the memory plan (checked against
//! the budget, error E0701; [`profile`] renders it). The IR verifier runs
//! between passes when asked (always in tests).

pub mod cfg;
pub mod check;
pub mod cleanup;
pub mod emit;
pub mod fuzz;
pub mod layout;
pub mod liveness;
pub mod memory;
pub mod normalize;
pub mod pipeline;
pub mod profile;
pub mod slots;
pub mod synth;
#[cfg(test)]
mod test_plans;
pub mod unload;

/// A side table with an entry for each of the first `n` entities, filled
/// at once (sequential writes) rather than grown entry by entry.
pub(crate) fn side_table<K: cranelift_entity::EntityRef, V: Clone + Default>(
    n: usize,
) -> cranelift_entity::SecondaryMap<K, V> {
    let mut map = cranelift_entity::SecondaryMap::with_capacity(n);
    map.resize(n);
    map
}
