//! [`Board`]: the control plane. Stores modules and invocations and moves
//! invocations through their states; it never runs code (workers do).

use std::sync::Arc;

use omex_runtime::HostRegistry;
use sha2::{Digest, Sha256};

use crate::backend::postgres::PostgresBackend;
use crate::backend::sqlite::SqliteBackend;
use crate::backend::{Backend, Param, Row};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, ErrorKind, Result};
use crate::migrations;
use crate::model::{Invocation, InvocationSummary, ModelRef, ModuleInfo, Status};
use crate::url::BoardUrl;

/// How many times a transaction that hit a transient conflict is retried.
const RETRIES: usize = 20;

/// Attempts an invocation gets unless `invoke` says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 3;

/// An open board: one database connection and a clock.
pub struct Board {
    pub(crate) db: Box<dyn Backend>,
    pub(crate) clock: Arc<dyn Clock>,
    url: String,
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of `bytes`, lowercase hex: a module's identity.
pub fn module_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

impl Board {
    /// Opens the board at `url` with the system clock, creating or
    /// migrating its schema.
    pub fn open(url: &str) -> Result<Board> {
        Board::open_with_clock(url, Arc::new(SystemClock))
    }

    pub fn open_with_clock(url: &str, clock: Arc<dyn Clock>) -> Result<Board> {
        let mut db: Box<dyn Backend> = match BoardUrl::parse(url)? {
            BoardUrl::Sqlite(path) => Box::new(SqliteBackend::open(&path)?),
            BoardUrl::Postgres(url) => Box::new(PostgresBackend::connect(&url)?),
        };
        migrations::migrate(db.as_mut(), clock.now_ms())?;
        Ok(Board {
            db,
            clock,
            url: url.to_string(),
        })
    }

    /// A second connection to the same board (for a heartbeat thread).
    pub fn reopen(&self) -> Result<Board> {
        Board::open_with_clock(&self.url, self.clock.clone())
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Runs `f` in a write transaction, retrying the whole transaction when
    /// the database reports a transient conflict.
    pub(crate) fn write<T>(
        &mut self,
        mut f: impl FnMut(&mut dyn Backend) -> Result<T>,
    ) -> Result<T> {
        let mut tries = 0;
        loop {
            let result = self.db.begin().and_then(|()| f(self.db.as_mut()));
            let result = match result {
                Ok(value) => self.db.commit().map(|()| value),
                Err(e) => Err(e),
            };
            match result {
                Ok(value) => return Ok(value),
                Err(e) => {
                    let _ = self.db.rollback();
                    tries += 1;
                    if !e.retryable || tries > RETRIES {
                        return Err(e);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(5 * tries as u64));
                }
            }
        }
    }

    /// Runs `f`'s statements each in its own transaction, retrying `f` on a
    /// transient conflict (only for work whose single writing statement is
    /// its first).
    pub(crate) fn autocommit<T>(
        &mut self,
        mut f: impl FnMut(&mut dyn Backend) -> Result<T>,
    ) -> Result<T> {
        let mut tries = 0;
        loop {
            match f(self.db.as_mut()) {
                Err(e) if e.retryable && tries < RETRIES => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(5 * tries as u64));
                }
                result => return result,
            }
        }
    }

    /// Runs `f` in a read-only transaction: several queries see one snapshot.
    pub(crate) fn read<T>(&mut self, f: impl FnOnce(&mut Board) -> Result<T>) -> Result<T> {
        self.db.begin_read()?;
        let result = f(self);
        let end = self.db.commit();
        let value = result?;
        end?;
        Ok(value)
    }

    // ---- modules -------------------------------------------------------

    /// Stores a `.mep` program under the sha256 of its bytes. The program is
    /// decoded and verified first; the same bytes give the same module (the
    /// first name stays). Returns the module and whether it is new.
    pub fn add_module(&mut self, bytes: &[u8], name: &str) -> Result<(ModuleInfo, bool)> {
        let host = HostRegistry::builtin();
        let program = omex_runtime::load(bytes, &host).map_err(|errors| {
            let first = errors.first().map_or_else(
                || "unknown error".to_string(),
                |e| format!("{}: {e}", e.code()),
            );
            let more = match errors.len() {
                0 | 1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            Error::new(
                ErrorKind::InvalidModule,
                format!("not a valid MEP program: {first}{more}"),
            )
            .with_help("`omexc verify FILE.mep` lists every problem")
        })?;
        let module = program.module();
        let mut args: Vec<String> = Vec::new();
        if let Some(interface) = &module.interface {
            for arg in &interface.args {
                let i = arg.index as usize;
                if args.len() <= i {
                    args.resize(i + 1, String::new());
                }
                args[i] = arg.name.clone();
            }
        }
        let models: Vec<ModelRef> = module
            .models
            .iter()
            .map(|m| ModelRef {
                path: m.path.clone(),
                format: m.format.to_ascii_lowercase(),
                sha256: m.sha256.map(|h| hex(&h)),
            })
            .collect();
        let info = ModuleInfo {
            hash: module_hash(bytes),
            name: name.to_string(),
            language: "mep".into(),
            size: bytes.len() as i64,
            args,
            models,
            created_at: self.now(),
        };
        let args_json = serde_json::to_string(&info.args).unwrap_or_else(|_| "[]".into());
        let inserted = self.write(|db| {
            let n = db.execute(
                "INSERT INTO modules (hash, name, language, size, args, bytes, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING",
                &[
                    Param::from(&info.hash),
                    Param::from(&info.name),
                    Param::from(&info.language),
                    Param::Int(info.size),
                    Param::from(&args_json),
                    Param::Bytes(bytes.to_vec()),
                    Param::Int(info.created_at),
                ],
            )?;
            if n == 0 {
                return Ok(false);
            }
            for (i, model) in info.models.iter().enumerate() {
                db.execute(
                    "INSERT INTO module_models (module_hash, idx, path, format, sha256) \
                     VALUES ($1, $2, $3, $4, $5)",
                    &[
                        Param::from(&info.hash),
                        Param::Int(i as i64),
                        Param::from(&model.path),
                        Param::from(&model.format),
                        Param::from(model.sha256.clone()),
                    ],
                )?;
            }
            Ok(true)
        })?;
        if inserted {
            Ok((info, true))
        } else {
            Ok((self.module(&info.hash)?, false))
        }
    }

    /// The module with exactly this hash.
    pub fn module(&mut self, hash: &str) -> Result<ModuleInfo> {
        let rows = self.db.query(
            "SELECT hash, name, language, size, args, created_at FROM modules WHERE hash = $1",
            &[Param::from(hash)],
        )?;
        let row = rows.first().ok_or_else(|| {
            Error::new(
                ErrorKind::ModuleNotFound,
                format!("no module has hash {hash}"),
            )
        })?;
        self.module_from_row(row)
    }

    fn module_from_row(&mut self, row: &Row) -> Result<ModuleInfo> {
        let hash = row.text(0)?;
        let args: Vec<String> = serde_json::from_str(&row.text(4)?)
            .map_err(|e| Error::corrupt(format!("module {hash}: bad argument list: {e}")))?;
        let models = self
            .db
            .query(
                "SELECT path, format, sha256 FROM module_models WHERE module_hash = $1 ORDER BY idx",
                &[Param::from(&hash)],
            )?
            .iter()
            .map(|r| {
                Ok(ModelRef {
                    path: r.text(0)?,
                    format: r.text(1)?,
                    sha256: r.opt_text(2)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ModuleInfo {
            hash,
            name: row.text(1)?,
            language: row.text(2)?,
            size: row.int(3)?,
            args,
            models,
            created_at: row.int(5)?,
        })
    }

    /// Finds a module by full hash, by name (the most recently added module
    /// of that name), or by a unique hash prefix of at least 4 digits.
    pub fn resolve_module(&mut self, spec: &str) -> Result<ModuleInfo> {
        let is_hex = !spec.is_empty() && spec.bytes().all(|b| b.is_ascii_hexdigit());
        if is_hex && spec.len() == 64 {
            return self.module(&spec.to_ascii_lowercase());
        }
        let by_name = self.db.query(
            "SELECT hash FROM modules WHERE name = $1 ORDER BY created_at DESC, hash LIMIT 1",
            &[Param::from(spec)],
        )?;
        if let Some(row) = by_name.first() {
            return self.module(&row.text(0)?);
        }
        if is_hex && spec.len() >= 4 {
            let prefix = format!("{}%", spec.to_ascii_lowercase());
            let rows = self.db.query(
                "SELECT hash, name FROM modules WHERE hash LIKE $1 ORDER BY hash LIMIT 6",
                &[Param::from(prefix)],
            )?;
            match rows.len() {
                0 => {}
                1 => return self.module(&rows[0].text(0)?),
                _ => {
                    let names = rows
                        .iter()
                        .take(5)
                        .map(|r| Ok(format!("{} ({})", r.text(0)?, r.text(1)?)))
                        .collect::<Result<Vec<_>>>()?;
                    return Err(Error::new(
                        ErrorKind::AmbiguousModule,
                        format!("hash prefix `{spec}` matches several modules"),
                    )
                    .with_help(format!(
                        "give more digits; candidates: {}",
                        names.join(", ")
                    )));
                }
            }
        }
        Err(Error::new(
            ErrorKind::ModuleNotFound,
            format!("no module is named or hashed `{spec}`"),
        )
        .with_help("`omexc board modules` lists the modules; `omexc board add FILE.mep` adds one"))
    }

    /// The stored bytes of a module.
    pub fn module_bytes(&mut self, hash: &str) -> Result<Vec<u8>> {
        let rows = self.db.query(
            "SELECT bytes FROM modules WHERE hash = $1",
            &[Param::from(hash)],
        )?;
        match rows.first() {
            Some(row) => row.bytes(0),
            None => Err(Error::new(
                ErrorKind::ModuleNotFound,
                format!("no module has hash {hash}"),
            )),
        }
    }

    /// Every module, oldest first.
    pub fn modules(&mut self) -> Result<Vec<ModuleInfo>> {
        let rows = self.db.query(
            "SELECT hash, name, language, size, args, created_at FROM modules ORDER BY created_at, hash",
            &[],
        )?;
        rows.iter().map(|row| self.module_from_row(row)).collect()
    }

    // ---- invocations ---------------------------------------------------

    /// Creates a pending invocation of `module_hash` with its inputs linked.
    pub fn invoke(
        &mut self,
        module_hash: &str,
        inputs: &[serde_json::Value],
        max_attempts: i64,
    ) -> Result<i64> {
        if max_attempts < 1 {
            return Err(Error::new(
                ErrorKind::BadOption,
                format!("--max-attempts must be at least 1, not {max_attempts}"),
            ));
        }
        let now = self.now();
        self.write(|db| create_invocation(db, module_hash, inputs, max_attempts, now, None, None))
    }

    /// One invocation with its inputs, outputs and timings.
    pub fn invocation(&mut self, id: i64) -> Result<Invocation> {
        self.read(|board| board.invocation_in_snapshot(id))
    }

    fn invocation_in_snapshot(&mut self, id: i64) -> Result<Invocation> {
        let rows = self.db.query(
            "SELECT i.id, i.module_hash, m.name, i.status, i.created_at, i.started_at, \
                    i.completed_at, i.error, i.attempts, i.max_attempts, i.worker, \
                    i.triggered_by, i.trigger_match, i.console \
             FROM invocations i JOIN modules m ON m.hash = i.module_hash WHERE i.id = $1",
            &[Param::Int(id)],
        )?;
        let row = rows.first().ok_or_else(|| {
            Error::new(
                ErrorKind::InvocationNotFound,
                format!("no invocation has id {id}"),
            )
            .with_help("`omexc board list` shows the invocations")
        })?;
        let inputs = self
            .db
            .query(
                "SELECT value FROM invocation_inputs WHERE invocation_id = $1 ORDER BY idx",
                &[Param::Int(id)],
            )?
            .iter()
            .map(|r| parse_json(&r.text(0)?))
            .collect::<Result<Vec<_>>>()?;
        let outputs = self
            .db
            .query(
                "SELECT name, value FROM invocation_outputs WHERE invocation_id = $1 ORDER BY idx",
                &[Param::Int(id)],
            )?
            .iter()
            .map(|r| Ok((r.text(0)?, parse_json(&r.text(1)?)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Invocation {
            id: row.int(0)?,
            module_hash: row.text(1)?,
            module_name: row.text(2)?,
            status: parse_status(&row.text(3)?)?,
            created_at: row.int(4)?,
            started_at: row.opt_int(5)?,
            completed_at: row.opt_int(6)?,
            error: row.opt_text(7)?,
            attempts: row.int(8)?,
            max_attempts: row.int(9)?,
            worker: row.opt_text(10)?,
            triggered_by: row.opt_text(11)?,
            trigger_match: row.opt_text(12)?,
            inputs,
            outputs,
            console: row.opt_text(13)?,
        })
    }

    /// Invocations, oldest first, optionally only those in one status.
    pub fn list(&mut self, status: Option<Status>) -> Result<Vec<InvocationSummary>> {
        let base = "SELECT i.id, i.status, m.name, i.module_hash, i.created_at \
                    FROM invocations i JOIN modules m ON m.hash = i.module_hash";
        let rows = match status {
            Some(status) => self.db.query(
                &format!("{base} WHERE i.status = $1 ORDER BY i.id"),
                &[Param::from(status.as_str())],
            )?,
            None => self.db.query(&format!("{base} ORDER BY i.id"), &[])?,
        };
        rows.iter()
            .map(|r| {
                Ok(InvocationSummary {
                    id: r.int(0)?,
                    status: parse_status(&r.text(1)?)?,
                    module_name: r.text(2)?,
                    module_hash: r.text(3)?,
                    created_at: r.int(4)?,
                })
            })
            .collect()
    }

    /// How many invocations are in each status (every status, zeros included).
    pub fn counts(&mut self) -> Result<Vec<(Status, i64)>> {
        let rows = self.db.query(
            "SELECT status, COUNT(*) FROM invocations GROUP BY status",
            &[],
        )?;
        let mut counts: Vec<(Status, i64)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
        for row in rows {
            let status = parse_status(&row.text(0)?)?;
            let n = row.int(1)?;
            if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == status) {
                slot.1 = n;
            }
        }
        Ok(counts)
    }
}

pub(crate) fn parse_status(text: &str) -> Result<Status> {
    text.parse()
        .map_err(|()| Error::corrupt(format!("unknown invocation status `{text}`")))
}

pub(crate) fn parse_json(text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| Error::corrupt(format!("stored value is not JSON: {e}")))
}

/// Inserts a pending invocation and its inputs, inside the caller's transaction.
pub(crate) fn create_invocation(
    db: &mut dyn Backend,
    module_hash: &str,
    inputs: &[serde_json::Value],
    max_attempts: i64,
    now: i64,
    triggered_by: Option<&str>,
    trigger_match: Option<&str>,
) -> Result<i64> {
    let rows = db.query(
        "INSERT INTO invocations (module_hash, status, created_at, attempts, max_attempts, \
                                  triggered_by, trigger_match) \
         VALUES ($1, 'pending', $2, 0, $3, $4, $5) RETURNING id",
        &[
            Param::from(module_hash),
            Param::Int(now),
            Param::Int(max_attempts),
            Param::from(triggered_by),
            Param::from(trigger_match),
        ],
    )?;
    let id = rows
        .first()
        .ok_or_else(|| Error::corrupt("INSERT ... RETURNING gave no row"))?
        .int(0)?;
    for (i, value) in inputs.iter().enumerate() {
        db.execute(
            "INSERT INTO invocation_inputs (invocation_id, idx, value) VALUES ($1, $2, $3)",
            &[
                Param::Int(id),
                Param::Int(i as i64),
                Param::Text(value.to_string()),
            ],
        )?;
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str =
        ".mep 1.0\n    SRC_CONSTANT out=s0 value=\"{}\"\n    SINK_RETURN values=[s0]\n";

    fn tiny(i: usize) -> Vec<u8> {
        let source = TINY.replace("{}", &i.to_string());
        omex_mep::encode(&omex_mep::text::assemble(&source).unwrap().module)
    }

    #[test]
    fn ambiguous_prefix() {
        let mut board = Board::open(&crate::testing::sqlite_url("ambiguous")).unwrap();
        // Add modules until two share their first 4 hex digits (birthday
        // bound: a few hundred).
        let mut seen = std::collections::HashMap::new();
        let prefix = (0..20_000)
            .find_map(|i| {
                let (module, _) = board.add_module(&tiny(i), &format!("m{i}")).unwrap();
                let prefix = module.hash[..4].to_string();
                seen.insert(prefix.clone(), ()).map(|()| prefix)
            })
            .unwrap();
        let error = board.resolve_module(&prefix).unwrap_err();
        assert_eq!(error.code(), "E0505");
        assert!(
            error
                .help
                .unwrap()
                .starts_with("give more digits; candidates: ")
        );
    }

    #[test]
    fn corrupt_rows_are_reported() {
        let mut board = Board::open(&crate::testing::sqlite_url("corrupt")).unwrap();
        let (module, _) = board.add_module(&tiny(0), "m").unwrap();
        let id = board.invoke(&module.hash, &[], 1).unwrap();
        board
            .db
            .execute(
                "INSERT INTO invocation_inputs (invocation_id, idx, value) VALUES ($1, 0, 'not json')",
                &[Param::Int(id)],
            )
            .unwrap();
        assert_eq!(board.invocation(id).unwrap_err().code(), "E0512");
    }
}
