//! The compute board: the control plane of the MEW compute pattern for MEP
//! programs.
//!
//! The board stores *modules* (`.mep` programs, content-addressed by the
//! sha256 of their bytes) and *invocations* (requests to run a module with
//! inputs). It never runs code: *workers* ([`worker::Worker`], `omexc
//! worker`) claim pending invocations atomically, run them in the runtime's
//! sandbox and report outputs or errors. *Reactors* and *schedulers* create
//! invocations when a module completes, when a file appears in a folder, or
//! on a cron schedule.
//!
//! Storage is a [`backend::Backend`]: SQLite (one file, WAL) or PostgreSQL,
//! with the same schema ([`migrations`]). `docs/board.md` describes the
//! design: schema, state machine, leases, reactors, scheduler policy.
//!
//! ```no_run
//! use omex_board::Board;
//!
//! let mut board = Board::open("sqlite://board.db")?;
//! let bytes = std::fs::read("echo.mep").unwrap();
//! let (module, _new) = board.add_module(&bytes, "echo")?;
//! let id = board.invoke(&module.hash, &["world".into()], 3)?;
//! println!("invocation {id}");
//! # Ok::<(), omex_board::Error>(())
//! ```

pub mod backend;
mod board;
mod claim;
pub mod clock;
pub mod error;
pub mod migrations;
pub mod model;
pub mod schedule;
pub mod testing;
pub mod triggers;
pub mod url;
pub mod worker;

pub use board::{Board, DEFAULT_MAX_ATTEMPTS, hex, module_hash};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, ErrorKind, Result};
pub use model::{
    Capabilities, Claim, Invocation, InvocationSummary, ModelRef, ModuleInfo, Reclaimed, Status,
    WorkerInfo,
};
pub use schedule::Scheduler;
pub use triggers::{Reactor, ReactorTrigger};
pub use url::{BoardUrl, DEFAULT_BOARD};
