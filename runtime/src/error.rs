//! Runtime errors: what went wrong, and where in the program and the recipe.

use std::fmt;

/// The category of a runtime error. Each has a stable code (`E09xx`),
/// documented in `docs/runtime.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A value of the wrong type (`expected a tensor, found str`).
    Type,
    /// A tensor of the wrong shape, or shapes that do not broadcast.
    Shape,
    /// A value of the right type that is out of range or otherwise invalid.
    Value,
    /// A read of a slot that holds nothing.
    EmptySlot,
    /// An index or key that does not exist.
    Index,
    /// A missing command-line argument, or bad typed input.
    Input,
    /// A file could not be read or written.
    Io,
    /// A path outside the allowed directories.
    Sandbox,
    /// A model could not be found, loaded or run.
    Model,
    /// A tokenizer could not be loaded or used.
    Tokenizer,
    /// A host function or method failed or does not exist.
    Host,
    /// The instruction budget was used up.
    StepLimit,
    /// The wall-clock time limit passed.
    Timeout,
    /// ONNX Runtime could not be found or installed.
    Provision,
    /// A feature this runtime does not implement (a dtype, a device).
    Unsupported,
    /// The OCR engine is missing or failed (document pipelines).
    Ocr,
    /// A dataset document cannot be read as its kind (document pipelines).
    Dataset,
}

impl ErrorKind {
    /// The stable error code.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Type => "E0900",
            ErrorKind::Shape => "E0901",
            ErrorKind::Value => "E0902",
            ErrorKind::EmptySlot => "E0903",
            ErrorKind::Index => "E0904",
            ErrorKind::Input => "E0905",
            ErrorKind::Io => "E0906",
            ErrorKind::Sandbox => "E0907",
            ErrorKind::Model => "E0908",
            ErrorKind::Tokenizer => "E0909",
            ErrorKind::Host => "E0910",
            ErrorKind::StepLimit => "E0911",
            ErrorKind::Timeout => "E0912",
            ErrorKind::Provision => "E0913",
            ErrorKind::Unsupported => "E0914",
            ErrorKind::Ocr => "E0915",
            ErrorKind::Dataset => "E0916",
        }
    }

    /// A short name for messages: `type error`, `shape error`, ...
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Type => "type error",
            ErrorKind::Shape => "shape error",
            ErrorKind::Value => "invalid value",
            ErrorKind::EmptySlot => "empty slot",
            ErrorKind::Index => "index error",
            ErrorKind::Input => "input error",
            ErrorKind::Io => "I/O error",
            ErrorKind::Sandbox => "access denied",
            ErrorKind::Model => "model error",
            ErrorKind::Tokenizer => "tokenizer error",
            ErrorKind::Host => "host function error",
            ErrorKind::StepLimit => "instruction limit reached",
            ErrorKind::Timeout => "time limit reached",
            ErrorKind::Provision => "ONNX Runtime unavailable",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Ocr => "OCR error",
            ErrorKind::Dataset => "dataset error",
        }
    }
}

/// A byte range of a source file, from the program's debug section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpan {
    /// The file path as recorded by the compiler.
    pub file: String,
    /// Byte range `start..end` in that file.
    pub start: u32,
    pub end: u32,
}

/// The instruction that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorSite {
    /// Index of the instruction in the code.
    pub index: usize,
    /// Byte offset of the instruction in the code section.
    pub offset: u32,
    pub mnemonic: &'static str,
    /// Where the instruction came from, when the program has a debug section.
    pub source: Option<SourceSpan>,
}

/// A runtime error: a category, a message, an optional hint, and the
/// instruction it happened at (absent for errors before execution starts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeError {
    pub kind: ErrorKind,
    pub message: String,
    pub help: Option<String>,
    pub site: Option<Box<ErrorSite>>,
}

/// Results of the runtime.
pub type Result<T, E = RuntimeError> = std::result::Result<T, E>;

impl RuntimeError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        RuntimeError {
            kind,
            message: message.into(),
            help: None,
            site: None,
        }
    }

    /// Adds a hint on how to fix the problem.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Records the failing instruction, unless one is already recorded.
    pub fn at(mut self, site: ErrorSite) -> Self {
        if self.site.is_none() {
            self.site = Some(Box::new(site));
        }
        self
    }

    /// The stable code of the error's kind.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Type, message)
    }

    pub fn shape(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Shape, message)
    }

    pub fn value(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Value, message)
    }

    pub fn input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Input, message)
    }

    pub fn index(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Index, message)
    }

    pub fn io(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Io, message)
    }

    pub fn model(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Model, message)
    }

    pub fn host(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Host, message)
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }

    /// `expected X, found Y` for a named operand.
    pub fn expected(what: &str, expected: &str, found: &str) -> Self {
        Self::type_error(format!("{what}: expected {expected}, found {found}"))
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}]: {}",
            self.kind.label(),
            self.code(),
            self.message
        )?;
        if let Some(site) = &self.site {
            write!(
                f,
                "\n  at instruction {} ({}, code offset {:#06x})",
                site.index, site.mnemonic, site.offset
            )?;
            if let Some(source) = &site.source {
                write!(
                    f,
                    "\n  --> {} (bytes {}..{})",
                    source.file, source.start, source.end
                )?;
            }
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuntimeError {}
