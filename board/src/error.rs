//! Board errors. Each has a stable code (`E05xx`, see `docs/errors-board.md`),
//! a message, and where useful a hint.

use std::fmt;

/// What went wrong, with the code that documents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// E0500: the board URL is malformed or names an unknown scheme.
    BadUrl,
    /// E0501: the database could not be opened or connected to.
    Connect,
    /// E0502: a statement failed.
    Database,
    /// E0503: the board was created by a newer omexc.
    SchemaTooNew,
    /// E0504: no module matches a hash, hash prefix or name.
    ModuleNotFound,
    /// E0505: a hash prefix or name matches several modules.
    AmbiguousModule,
    /// E0506: the file given to `board add` is not a valid MEP program.
    InvalidModule,
    /// E0507: no invocation has this id.
    InvocationNotFound,
    /// E0508: no reactor or scheduler has this id.
    TriggerNotFound,
    /// E0509: a cron expression does not parse.
    BadCron,
    /// E0510: a watched folder does not exist or is not a folder.
    BadFolder,
    /// E0511: a bad value for a worker or board option.
    BadOption,
    /// E0512: the board's stored data is inconsistent (a bug or a hand edit).
    Corrupt,
}

impl ErrorKind {
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::BadUrl => "E0500",
            ErrorKind::Connect => "E0501",
            ErrorKind::Database => "E0502",
            ErrorKind::SchemaTooNew => "E0503",
            ErrorKind::ModuleNotFound => "E0504",
            ErrorKind::AmbiguousModule => "E0505",
            ErrorKind::InvalidModule => "E0506",
            ErrorKind::InvocationNotFound => "E0507",
            ErrorKind::TriggerNotFound => "E0508",
            ErrorKind::BadCron => "E0509",
            ErrorKind::BadFolder => "E0510",
            ErrorKind::BadOption => "E0511",
            ErrorKind::Corrupt => "E0512",
        }
    }
}

/// A board error: kind, message and an optional hint for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub help: Option<String>,
    /// Set for failures that are worth retrying as a whole transaction
    /// (SQLite busy, PostgreSQL serialization failures and deadlocks).
    pub retryable: bool,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            help: None,
            retryable: false,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub(crate) fn database(message: impl Into<String>, retryable: bool) -> Self {
        Error {
            retryable,
            ..Error::new(ErrorKind::Database, message)
        }
    }

    pub(crate) fn corrupt(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Corrupt, message)
            .with_help("the board database was changed by something other than omexc")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
