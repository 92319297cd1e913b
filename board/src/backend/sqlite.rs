//! The embedded backend: one SQLite file in WAL mode.

use std::path::Path;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, ToSql};

use super::{Backend, Cell, Dialect, Param, Row, sqlite_placeholders};
use crate::error::{Error, ErrorKind, Result};

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub struct SqliteBackend {
    conn: Connection,
}

impl SqliteBackend {
    /// Opens (creating if needed) the board file at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
            && !dir.is_dir()
        {
            return Err(Error::new(
                ErrorKind::Connect,
                format!(
                    "cannot open board `{}`: the folder `{}` does not exist",
                    path.display(),
                    dir.display()
                ),
            ));
        }
        let conn = Connection::open(path).map_err(|e| {
            Error::new(
                ErrorKind::Connect,
                format!("cannot open board `{}`: {e}", path.display()),
            )
        })?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_error)?;
        // WAL lets readers run beside the one writer; NORMAL sync is durable
        // across process crashes (a worker killed mid-run), which is what a
        // board needs; the last commits may be lost only on power loss.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| {
                Error::new(
                    ErrorKind::Connect,
                    format!("cannot open board `{}`: {e}", path.display()),
                )
            })?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::new(
                ErrorKind::Connect,
                format!(
                    "cannot open board `{}`: SQLite refused WAL mode (journal mode is `{mode}`)",
                    path.display()
                ),
            ));
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(sqlite_error)?;
        Ok(SqliteBackend { conn })
    }
}

fn sqlite_error(e: rusqlite::Error) -> Error {
    let busy = matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    );
    Error::database(format!("SQLite: {e}"), busy)
}

impl ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value};
        Ok(match self {
            Param::Null => ToSqlOutput::Owned(Value::Null),
            Param::Int(v) => ToSqlOutput::Owned(Value::Integer(*v)),
            Param::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Param::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        })
    }
}

fn cell(value: ValueRef<'_>) -> Cell {
    match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(v) => Cell::Int(v),
        // The schema stores no floats; keep the value rather than fail.
        ValueRef::Real(v) => Cell::Text(v.to_string()),
        ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
    }
}

impl Backend for SqliteBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(sqlite_error)
    }

    fn begin(&mut self) -> Result<()> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(sqlite_error)
    }

    fn begin_read(&mut self) -> Result<()> {
        // In WAL mode a deferred transaction reads one snapshot.
        self.conn.execute_batch("BEGIN").map_err(sqlite_error)
    }

    fn commit(&mut self) -> Result<()> {
        self.conn.execute_batch("COMMIT").map_err(sqlite_error)
    }

    fn rollback(&mut self) -> Result<()> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.conn.execute_batch("ROLLBACK").map_err(sqlite_error)
    }

    fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64> {
        let mut statement = self
            .conn
            .prepare_cached(&sqlite_placeholders(sql))
            .map_err(sqlite_error)?;
        let n = statement
            .execute(rusqlite::params_from_iter(params))
            .map_err(sqlite_error)?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
        let mut statement = self
            .conn
            .prepare_cached(&sqlite_placeholders(sql))
            .map_err(sqlite_error)?;
        let columns = statement.column_count();
        let mut rows = statement
            .query(rusqlite::params_from_iter(params))
            .map_err(sqlite_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sqlite_error)? {
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                cells.push(cell(row.get_ref(i).map_err(sqlite_error)?));
            }
            out.push(Row(cells));
        }
        Ok(out)
    }

    fn lock_for_migration(&mut self) -> Result<()> {
        // `BEGIN IMMEDIATE` already holds the only write lock.
        Ok(())
    }
}
