//! The board's records: modules, invocations, what a worker can run.

use std::fmt;
use std::str::FromStr;

/// Where an invocation is in its life. `pending -> running -> completed |
/// failed`; a running invocation whose lease expires goes back to `pending`
/// (or to `failed` after its last attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Pending,
    Running,
    Completed,
    Failed,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Pending,
        Status::Running,
        Status::Completed,
        Status::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Completed => "completed",
            Status::Failed => "failed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Status {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(())
    }
}

/// A model file a module references, from its MEP model table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRef {
    pub path: String,
    /// The execution format (`onnx`): a worker must have a backend for it.
    pub format: String,
    /// Lowercase hex, when the model table records it.
    pub sha256: Option<String>,
}

/// A stored module (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    /// sha256 of the `.mep` bytes, lowercase hex.
    pub hash: String,
    pub name: String,
    /// Always `mep` for modules added by this version.
    pub language: String,
    pub size: i64,
    /// The program's argument names by index (`""` where unnamed).
    pub args: Vec<String>,
    pub models: Vec<ModelRef>,
    pub created_at: i64,
}

/// One invocation with everything linked to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub id: i64,
    pub module_hash: String,
    pub module_name: String,
    pub status: Status,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub error: Option<String>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub worker: Option<String>,
    /// `reactor N` or `scheduler N` when a trigger created it.
    pub triggered_by: Option<String>,
    /// What the trigger matched: `invocation N`, `file PATH`, `tick TIME`.
    pub trigger_match: Option<String>,
    pub inputs: Vec<serde_json::Value>,
    /// Output name and value (the runtime's JSON form), in return order.
    pub outputs: Vec<(String, serde_json::Value)>,
    /// What the program printed (`SINK_CONSOLE`), when it printed anything.
    pub console: Option<String>,
}

/// One line of `board list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationSummary {
    pub id: i64,
    pub status: Status,
    pub module_name: String,
    pub module_hash: String,
    pub created_at: i64,
}

/// What a worker can run: it claims only invocations whose module's
/// language it speaks, whose models all have a format it can execute, and,
/// when `modules` is set, whose module is one of those.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    pub languages: Vec<String>,
    pub formats: Vec<String>,
    pub modules: Option<Vec<String>>,
}

/// An invocation a worker has claimed: the fencing token is `(id, attempt)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub id: i64,
    pub module_hash: String,
    /// 1 for the first run, 2 after one reclaim, ...
    pub attempt: i64,
    pub inputs: Vec<serde_json::Value>,
}

/// The result of [`crate::Board::reclaim_expired`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reclaimed {
    /// Put back to `pending` for another attempt.
    pub requeued: u64,
    /// Marked `failed`: their last attempt's lease expired.
    pub failed: u64,
}

/// A registered worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerInfo {
    pub id: String,
    pub capabilities: Capabilities,
    pub started_at: i64,
    pub last_seen_at: i64,
}
