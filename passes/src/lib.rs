//! omexc's middle and back end: passes over the IR and the MEP emitter.
//!
//! The pipeline ([`pipeline::compile`]) runs, in order: static-run
//! normalisation, cleanups, unload insertion, liveness and slot allocation,
//! emission, and the allocation checker. The IR verifier runs between passes
//! when asked (always in tests).

pub mod check;
pub mod cleanup;
pub mod emit;
pub mod fuzz;
pub mod layout;
pub mod liveness;
pub mod memory;
pub mod normalize;
pub mod pipeline;
pub mod slots;
pub mod unload;
