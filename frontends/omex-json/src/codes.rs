//! The error codes of the OMEX JSON front end (E0200–E0299), one constant
//! each; docs/errors-omex.md has a page entry per code.

/// The text is not JSON.
pub const SYNTAX: &str = "E0200";
/// A value has the wrong JSON type.
pub const WRONG_TYPE: &str = "E0201";
/// A required key is missing.
pub const MISSING_KEY: &str = "E0202";
/// A key the format does not define (warning).
pub const UNKNOWN_KEY: &str = "E0203";
/// A number that is not a whole number in range.
pub const BAD_NUMBER: &str = "E0204";
/// `omex_version` is not a version this front end reads.
pub const VERSION: &str = "E0205";
/// The container has neither `task_flow` nor `execution_graph`.
pub const NOTHING_TO_RUN: &str = "E0206";
/// Two stages or nodes share an `id`.
pub const DUPLICATE_ID: &str = "E0207";
/// Two stages or nodes produce the same output name.
pub const DUPLICATE_OUTPUT: &str = "E0208";
/// An input names no earlier output and is not a file.
pub const UNKNOWN_VALUE: &str = "E0209";
/// An input is a value of the wrong kind (tokens where logits are needed...).
pub const WRONG_KIND: &str = "E0210";
/// A stage or node type the toolchain cannot lower.
pub const UNSUPPORTED_TYPE: &str = "E0211";
/// A non-local runner or execution mode.
pub const NOT_LOCAL: &str = "E0212";
/// A remote model reference forbidden by `storage_policy.allow_remote_fetch: false`.
pub const REMOTE_FORBIDDEN: &str = "E0213";
/// A remote model reference (omexc never fetches models).
pub const REMOTE_UNAVAILABLE: &str = "E0214";
/// A model file that is not found.
pub const MODEL_NOT_FOUND: &str = "E0215";
/// A model file that cannot be used (not ONNX, no token input or logits output).
pub const MODEL_UNUSABLE: &str = "E0216";
/// No tokenizer file found.
pub const TOKENIZER_NOT_FOUND: &str = "E0217";
/// A `token_window` whose stride or size is unusable.
pub const BAD_WINDOW: &str = "E0218";
/// A window larger than `max_sequence_tokens`.
pub const WINDOW_TOO_LARGE: &str = "E0219";
/// `depends_on` edges form a cycle.
pub const CYCLE: &str = "E0220";
/// `depends_on` names no node.
pub const MISSING_DEPENDENCY: &str = "E0221";
/// `entry_node` is missing or names no node.
pub const BAD_ENTRY: &str = "E0222";
/// `greedy_sample.logits` does not come from a forward pass.
pub const LOGITS_SOURCE: &str = "E0224";
/// A setting that is kept as metadata but not honoured (warning).
pub const NOT_HONOURED: &str = "E0225";
/// An input or output file where the stage cannot read or write one.
pub const FILE_NOT_ALLOWED: &str = "E0227";
/// A stage or node with the wrong number of inputs or outputs.
pub const ARITY: &str = "E0228";
/// A memory size that is zero or overflows.
pub const BAD_MEMORY: &str = "E0230";
/// A key written twice in one object.
pub const DUPLICATE_KEY: &str = "E0233";
/// A `model_path` / `model_reference` scheme that is not a local path.
pub const BAD_SCHEME: &str = "E0231";
