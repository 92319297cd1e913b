//! The storage trait: a SQL connection that runs the board's statements.
//!
//! The board's logic ([`crate::Board`]) is written once against this trait;
//! the two backends differ only in how they connect, how they bind values,
//! which transaction starts a write, and the claim query's locking clause.
//! Statements use PostgreSQL's `$1` placeholders; the SQLite backend
//! rewrites them to `?1`.

pub mod postgres;
pub mod sqlite;

use crate::error::{Error, Result};

/// Which SQL dialect a backend speaks, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A value bound to a statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_string())
    }
}

impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}

impl From<&String> for Param {
    fn from(v: &String) -> Self {
        Param::Text(v.clone())
    }
}

impl From<Option<i64>> for Param {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Param::Null, Param::Int)
    }
}

impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Self {
        v.map_or(Param::Null, Param::Text)
    }
}

impl From<Option<&str>> for Param {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Param::Null, |s| Param::Text(s.to_string()))
    }
}

/// A value read from a result column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> Result<&Cell> {
        self.0
            .get(i)
            .ok_or_else(|| Error::corrupt(format!("result row has no column {i}")))
    }

    pub fn int(&self, i: usize) -> Result<i64> {
        match self.cell(i)? {
            Cell::Int(v) => Ok(*v),
            other => Err(Error::corrupt(format!(
                "column {i}: expected an integer, found {other:?}"
            ))),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    pub fn text(&self, i: usize) -> Result<String> {
        match self.cell(i)? {
            Cell::Text(v) => Ok(v.clone()),
            other => Err(Error::corrupt(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    pub fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        match self.cell(i)? {
            Cell::Bytes(v) => Ok(v.clone()),
            other => Err(Error::corrupt(format!(
                "column {i}: expected bytes, found {other:?}"
            ))),
        }
    }
}

/// A connection to a board database. One per thread: a connection is used
/// by one worker loop, one heartbeat thread or one command.
pub trait Backend: Send {
    fn dialect(&self) -> Dialect;

    /// Runs several `;`-separated statements without parameters (DDL).
    fn batch(&mut self, sql: &str) -> Result<()>;

    /// Starts a write transaction. SQLite takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a transaction never fails half-way on an
    /// upgrade from reader to writer.
    fn begin(&mut self) -> Result<()>;

    /// Starts a read-only transaction that sees one consistent snapshot.
    fn begin_read(&mut self) -> Result<()>;

    fn commit(&mut self) -> Result<()>;

    fn rollback(&mut self) -> Result<()>;

    /// Runs one statement; returns the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64>;

    /// Runs one statement and returns its rows.
    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>>;

    /// Serialises concurrent migrations of the same database, inside the
    /// transaction that migrates.
    fn lock_for_migration(&mut self) -> Result<()>;
}

/// Rewrites `$N` placeholders to SQLite's `?N` (string literals in board
/// statements never contain `$`).
pub(crate) fn sqlite_placeholders(sql: &str) -> String {
    sql.replace('$', "?")
}
