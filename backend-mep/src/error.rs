//! Errors of the MEP decoder and verifier: each has a stable code, a message
//! and the byte offset where it was found.

use std::fmt;

/// Where an error was found: a byte offset into the `.mep` file. For a
/// program that was built in memory rather than read from a file, offsets in
/// the code are relative to the start of the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MepError {
    pub offset: usize,
    pub kind: ErrorKind,
}

impl MepError {
    pub fn new(offset: usize, kind: ErrorKind) -> Self {
        Self { offset, kind }
    }

    /// The stable error code (`E08xx`), documented in `docs/mep-errors.md` (indexed in `docs/errors.md`).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl fmt::Display for MepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte offset {} (0x{:x})",
            self.kind, self.offset, self.offset
        )
    }
}

impl std::error::Error for MepError {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    BadMagic,
    UnsupportedVersion {
        major: u16,
        minor: u16,
    },
    UnknownFlags {
        flags: u32,
    },
    ChecksumMismatch {
        stored: u32,
        computed: u32,
    },
    Truncated {
        what: &'static str,
        needed: usize,
        available: usize,
    },
    UnknownSection {
        id: u8,
    },
    SectionOrder {
        id: u8,
        previous: u8,
    },
    MissingSection {
        name: &'static str,
    },
    SectionTrailingBytes {
        name: &'static str,
        extra: usize,
    },
    UnknownConstantTag {
        tag: u8,
    },
    BadConstantValue {
        reason: &'static str,
    },
    StrictModelWithoutHash {
        model: u8,
    },
    InvalidUtf8 {
        what: &'static str,
    },
    TooMany {
        what: &'static str,
        count: usize,
        max: usize,
    },
    InvalidModelEntry {
        reason: String,
    },
    UnknownOpcode {
        byte: u8,
    },
    TruncatedInstruction {
        mnemonic: &'static str,
    },
    UndefinedSubtype {
        mnemonic: &'static str,
        table: &'static str,
        code: u8,
        known: String,
    },
    ConstOutOfRange {
        id: u16,
        len: usize,
    },
    ConstTypeMismatch {
        mnemonic: &'static str,
        operand: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    ModelOutOfRange {
        id: u8,
        len: usize,
    },
    BranchTargetNotInstruction {
        target: i64,
    },
    BranchTargetOutsideCode {
        target: i64,
        code_len: usize,
    },
    LoopEndWithoutStart,
    LoopStartWithoutEnd,
    BreakOutsideLoop,
    BranchAcrossLoop {
        target: i64,
    },
    ParamCount {
        mnemonic: &'static str,
        op: &'static str,
        expected: String,
        found: usize,
    },
    FormatPlaceholders {
        placeholders: usize,
        inputs: usize,
    },
    BadFormatString {
        reason: &'static str,
    },
    ModelContract {
        model: u8,
        what: &'static str,
        declared: usize,
        found: usize,
    },
    ModelPathMismatch {
        model: u8,
        table: String,
        operand: String,
    },
    ModelNeverLoaded {
        model: u8,
    },
    UnknownHostFunction {
        name: String,
        suggestion: Option<String>,
    },
    HostFunctionArity {
        name: String,
        what: &'static str,
        expected: String,
        found: usize,
    },
    BadInterface {
        reason: String,
    },
    BadDebugInfo {
        reason: String,
    },
    ListTooLong {
        operand: &'static str,
        len: usize,
    },
}

impl ErrorKind {
    pub fn code(&self) -> &'static str {
        use ErrorKind::*;
        match self {
            BadMagic => "E0800",
            UnsupportedVersion { .. } => "E0801",
            UnknownFlags { .. } => "E0802",
            ChecksumMismatch { .. } => "E0803",
            Truncated { .. } => "E0804",
            UnknownSection { .. } | SectionOrder { .. } | MissingSection { .. } => "E0805",
            SectionTrailingBytes { .. } => "E0805",
            UnknownConstantTag { .. }
            | BadConstantValue { .. }
            | InvalidUtf8 { .. }
            | TooMany { .. } => "E0806",
            InvalidModelEntry { .. } | StrictModelWithoutHash { .. } => "E0807",
            UnknownOpcode { .. } => "E0808",
            TruncatedInstruction { .. } => "E0809",
            UndefinedSubtype { .. } => "E0810",
            ConstOutOfRange { .. } => "E0811",
            ConstTypeMismatch { .. } => "E0812",
            ModelOutOfRange { .. } => "E0813",
            BranchTargetNotInstruction { .. } | BranchTargetOutsideCode { .. } => "E0814",
            LoopEndWithoutStart | LoopStartWithoutEnd => "E0815",
            BreakOutsideLoop => "E0816",
            BranchAcrossLoop { .. } => "E0817",
            ParamCount { .. } => "E0818",
            FormatPlaceholders { .. } | BadFormatString { .. } => "E0819",
            ModelContract { .. } => "E0820",
            ModelPathMismatch { .. } | ModelNeverLoaded { .. } => "E0821",
            UnknownHostFunction { .. } | HostFunctionArity { .. } => "E0822",
            BadInterface { .. } => "E0823",
            BadDebugInfo { .. } => "E0824",
            ListTooLong { .. } => "E0825",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            BadMagic => write!(f, "not a MEP file: the magic bytes are wrong"),
            UnsupportedVersion { major, minor } => write!(
                f,
                "unsupported MEP container version {major}.{minor} (this build reads 1.x)"
            ),
            UnknownFlags { flags } => {
                write!(
                    f,
                    "header flags 0x{flags:08x} set bits that MEP 1.0 does not define"
                )
            }
            ChecksumMismatch { stored, computed } => write!(
                f,
                "checksum mismatch: the file says 0x{stored:08x}, its bytes give 0x{computed:08x} (the file is corrupted)"
            ),
            Truncated {
                what,
                needed,
                available,
            } => write!(
                f,
                "truncated {what}: needs {needed} byte(s), only {available} left"
            ),
            UnknownSection { id } => write!(
                f,
                "unknown section id {id} (custom sections use ids 128-255)"
            ),
            SectionOrder { id, previous } if *previous >= 128 => write!(
                f,
                "section {id} follows a custom section: custom sections come after the standard ones"
            ),
            SectionOrder { id, previous } => write!(
                f,
                "section {id} follows section {previous}: standard sections appear once, in increasing id order"
            ),
            MissingSection { name } => write!(f, "the required {name} section is missing"),
            SectionTrailingBytes { name, extra } => {
                write!(
                    f,
                    "{extra} unexpected byte(s) at the end of the {name} section"
                )
            }
            UnknownConstantTag { tag } => write!(f, "unknown constant type tag {tag}"),
            BadConstantValue { reason } => write!(f, "invalid constant: {reason}"),
            StrictModelWithoutHash { model } => write!(
                f,
                "the header asks for strict model hashes, but model m{model} has no sha256 and size to check"
            ),
            InvalidUtf8 { what } => write!(f, "{what} is not valid UTF-8"),
            TooMany { what, count, max } => write!(f, "too many {what}: {count} (at most {max})"),
            InvalidModelEntry { reason } => write!(f, "invalid model table entry: {reason}"),
            UnknownOpcode { byte } => write!(f, "unknown opcode 0x{byte:02x}"),
            TruncatedInstruction { mnemonic } => {
                write!(
                    f,
                    "truncated {mnemonic} instruction: the code ends inside its operands"
                )
            }
            UndefinedSubtype {
                mnemonic,
                table,
                code,
                known,
            } => write!(
                f,
                "{mnemonic}: {code} is not a defined {table} (defined: {known})"
            ),
            ConstOutOfRange { id, len } => write!(
                f,
                "constant #{id} does not exist (the pool has {len} constant(s))"
            ),
            ConstTypeMismatch {
                mnemonic,
                operand,
                expected,
                found,
            } => write!(
                f,
                "{mnemonic} operand `{operand}` needs {} {expected} constant, found {} {found}",
                article(expected),
                article(found)
            ),
            ModelOutOfRange { id, len } => write!(
                f,
                "model m{id} does not exist (the model table has {len} entr{})",
                if *len == 1 { "y" } else { "ies" }
            ),
            BranchTargetNotInstruction { target } => write!(
                f,
                "branch target {target} is not the start of an instruction"
            ),
            BranchTargetOutsideCode { target, code_len } => write!(
                f,
                "branch target {target} is outside the code (0..={code_len})"
            ),
            LoopEndWithoutStart => write!(f, "FLOW_LOOP_END without a matching FLOW_LOOP_START"),
            LoopStartWithoutEnd => write!(f, "FLOW_LOOP_START without a matching FLOW_LOOP_END"),
            BreakOutsideLoop => write!(f, "FLOW_BREAK_LOOP_IF outside any loop"),
            BranchAcrossLoop { target } => write!(
                f,
                "branch to {target} enters or leaves a loop body (use FLOW_BREAK_LOOP_IF to leave a loop)"
            ),
            ParamCount {
                mnemonic,
                op,
                expected,
                found,
            } => write!(
                f,
                "{mnemonic} {op} takes {expected} parameter(s), found {found}"
            ),
            FormatPlaceholders {
                placeholders,
                inputs,
            } => write!(
                f,
                "STRING_FORMAT: the format string has {placeholders} `{{}}` placeholder(s) but {inputs} input(s)"
            ),
            BadFormatString { reason } => write!(f, "STRING_FORMAT: bad format string: {reason}"),
            ModelContract {
                model,
                what,
                declared,
                found,
            } => write!(
                f,
                "MODEL_RUN_STATIC m{model}: the model table declares {declared} {what}, the instruction has {found}"
            ),
            ModelPathMismatch {
                model,
                table,
                operand,
            } => write!(
                f,
                "RES_LOAD_MODEL m{model} loads \"{operand}\" but the model table says \"{table}\""
            ),
            ModelNeverLoaded { model } => {
                write!(f, "model m{model} is used but no RES_LOAD_MODEL loads it")
            }
            UnknownHostFunction { name, suggestion } => {
                write!(f, "unknown host function \"{name}\"")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean \"{s}\"?)")?;
                }
                Ok(())
            }
            HostFunctionArity {
                name,
                what,
                expected,
                found,
            } => write!(
                f,
                "host function \"{name}\" takes {expected} {what}, found {found}"
            ),
            BadInterface { reason } => write!(f, "invalid interface section: {reason}"),
            BadDebugInfo { reason } => write!(f, "invalid debug section: {reason}"),
            ListTooLong { operand, len } => write!(
                f,
                "operand `{operand}` lists {len} slots; a count byte allows at most 255"
            ),
        }
    }
}

/// "a" or "an" before a type name.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
