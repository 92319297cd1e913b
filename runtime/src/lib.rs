//! The MEP runtime: executes verified MEP programs.
//!
//! ```no_run
//! use omex_runtime::{HostRegistry, Vm, VmOptions};
//!
//! let bytes = std::fs::read("recipe.mep").unwrap();
//! let host = HostRegistry::builtin();
//! let program = omex_runtime::load(&bytes, &host).expect("a valid program");
//! let mut vm = Vm::new(program, VmOptions { args: vec!["hello".into()], ..Default::default() });
//! let outputs = vm.run().expect("it runs");
//! println!("{}", outputs.to_json());
//! ```
//!
//! - [`Vm`] runs a [`Program`](omex_mep::Program) over a context of 256
//!   slots holding [`Value`]s; [`Vm::run`] returns the [`Outputs`] of
//!   `SINK_RETURN` or a [`RuntimeError`] naming the instruction and its
//!   source location.
//! - [`model`]: model backends by execution format (ONNX Runtime for `onnx`);
//!   [`provision`] finds or installs ONNX Runtime.
//! - [`host`]: host functions for `EXTERN_CALL_FUNC` (the verifier rejects
//!   unknown names when given the registry).
//! - [`sandbox`]: the file access rules.
//!
//! `docs/runtime.md` describes the semantics of every instruction.

pub mod documents;
pub mod error;
pub mod host;
pub mod io;
pub mod model;
pub mod ops;
pub mod outputs;
pub mod provision;
pub mod rng;
pub mod sandbox;
pub mod tensor;
pub mod tokenizer;
pub mod value;
mod vm;

pub use error::{ErrorKind, ErrorSite, Result, RuntimeError, SourceSpan};
pub use host::{HostContext, HostObject, HostRegistry};
pub use io::SharedBuffer;
pub use model::{IoInfo, LoadedModel, ModelBackend, ModelBackends, SessionConfig};
pub use outputs::Outputs;
pub use tensor::{DType, Tensor};
pub use value::{Audio, Dict, Image, Value};
pub use vm::{Vm, VmOptions};

use omex_mep::{MepError, Module, Program, VerifyOptions};

/// Verifies a module against a host registry, so calls to unknown host
/// functions are rejected before anything runs.
pub fn verify(module: Module, host: &HostRegistry) -> std::result::Result<Program, Vec<MepError>> {
    omex_mep::verify(
        module,
        &VerifyOptions {
            host_functions: Some(host),
        },
    )
}

/// Decodes and verifies a `.mep` file against a host registry.
pub fn load(bytes: &[u8], host: &HostRegistry) -> std::result::Result<Program, Vec<MepError>> {
    omex_mep::load(
        bytes,
        &VerifyOptions {
            host_functions: Some(host),
        },
    )
}
