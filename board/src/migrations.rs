//! The versioned schema. Migration `n` brings a board from version `n - 1`
//! to `n`; `schema_version` records which ones ran. Both backends run the
//! same DDL with three type words substituted:
//! `{id}` (auto-increment key), `{int}` (64-bit integer), `{blob}` (bytes).

use crate::backend::{Backend, Dialect, Param};
use crate::error::{Error, ErrorKind, Result};

/// Every migration, in order; index `i` is version `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: modules, invocations with their input/output edges, reactors,
    // schedulers and workers.
    r#"
CREATE TABLE modules (
    hash        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    language    TEXT NOT NULL,
    size        {int} NOT NULL,
    args        TEXT NOT NULL,
    bytes       {blob} NOT NULL,
    created_at  {int} NOT NULL
);
CREATE INDEX modules_by_name ON modules (name, created_at);
CREATE TABLE module_models (
    module_hash TEXT NOT NULL REFERENCES modules (hash),
    idx         {int} NOT NULL,
    path        TEXT NOT NULL,
    format      TEXT NOT NULL,
    sha256      TEXT,
    PRIMARY KEY (module_hash, idx)
);
CREATE TABLE invocations (
    id               {id},
    module_hash      TEXT NOT NULL REFERENCES modules (hash),
    status           TEXT NOT NULL
                     CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    created_at       {int} NOT NULL,
    started_at       {int},
    completed_at     {int},
    error            TEXT,
    attempts         {int} NOT NULL DEFAULT 0,
    max_attempts     {int} NOT NULL,
    worker           TEXT,
    lease_expires_at {int},
    triggered_by     TEXT,
    trigger_match    TEXT,
    console          TEXT
);
CREATE INDEX invocations_by_status ON invocations (status, id);
CREATE TABLE invocation_inputs (
    invocation_id {int} NOT NULL REFERENCES invocations (id),
    idx           {int} NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (invocation_id, idx)
);
CREATE TABLE invocation_outputs (
    invocation_id {int} NOT NULL REFERENCES invocations (id),
    idx           {int} NOT NULL,
    name          TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (invocation_id, idx)
);
CREATE TABLE reactors (
    id            {id},
    kind          TEXT NOT NULL CHECK (kind IN ('completion', 'folder')),
    source_module TEXT REFERENCES modules (hash),
    folder        TEXT,
    target_module TEXT NOT NULL REFERENCES modules (hash),
    enabled       {int} NOT NULL DEFAULT 1,
    created_at    {int} NOT NULL
);
CREATE TABLE reactor_fires (
    reactor_id    {int} NOT NULL REFERENCES reactors (id),
    match_key     TEXT NOT NULL,
    invocation_id {int} REFERENCES invocations (id),
    PRIMARY KEY (reactor_id, match_key)
);
CREATE TABLE schedulers (
    id           {id},
    cron         TEXT NOT NULL,
    module_hash  TEXT NOT NULL REFERENCES modules (hash),
    args         TEXT NOT NULL,
    enabled      {int} NOT NULL DEFAULT 1,
    next_fire_at {int} NOT NULL,
    created_at   {int} NOT NULL
);
CREATE TABLE workers (
    id           TEXT PRIMARY KEY,
    languages    TEXT NOT NULL,
    formats      TEXT NOT NULL,
    modules      TEXT,
    started_at   {int} NOT NULL,
    last_seen_at {int} NOT NULL
);
"#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

fn dialect_sql(sql: &str, dialect: Dialect) -> String {
    let (id, int, blob) = match dialect {
        Dialect::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER", "BLOB"),
        Dialect::Postgres => ("BIGSERIAL PRIMARY KEY", "BIGINT", "BYTEA"),
    };
    sql.replace("{id}", id)
        .replace("{int}", int)
        .replace("{blob}", blob)
}

/// Brings the board's schema up to [`SCHEMA_VERSION`], in one transaction.
pub fn migrate(db: &mut dyn Backend, now: i64) -> Result<()> {
    db.begin()?;
    let result = migrate_in_transaction(db, now);
    match result {
        Ok(()) => db.commit(),
        Err(e) => {
            let _ = db.rollback();
            Err(e)
        }
    }
}

fn migrate_in_transaction(db: &mut dyn Backend, now: i64) -> Result<()> {
    db.lock_for_migration()?;
    let int = dialect_sql("{int}", db.dialect());
    db.batch(&format!(
        "CREATE TABLE IF NOT EXISTS schema_version (version {int} PRIMARY KEY, applied_at {int} NOT NULL)"
    ))?;
    let rows = db.query("SELECT MAX(version) FROM schema_version", &[])?;
    let current = match rows.first() {
        Some(row) => row.opt_int(0)?.unwrap_or(0),
        None => 0,
    };
    if current > SCHEMA_VERSION {
        return Err(Error::new(
            ErrorKind::SchemaTooNew,
            format!(
                "the board has schema version {current}, but this omexc knows versions up to {SCHEMA_VERSION}"
            ),
        )
        .with_help("use a newer omexc with this board"));
    }
    for version in current + 1..=SCHEMA_VERSION {
        db.batch(&dialect_sql(
            MIGRATIONS[(version - 1) as usize],
            db.dialect(),
        ))?;
        db.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
            &[Param::Int(version), Param::Int(now)],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::sqlite::SqliteBackend;

    fn temp_db(name: &str) -> SqliteBackend {
        let url = crate::testing::sqlite_url(name);
        SqliteBackend::open(std::path::Path::new(url.trim_start_matches("sqlite://"))).unwrap()
    }

    #[test]
    fn migrates_once() {
        let mut db = temp_db("migrates_once");
        migrate(&mut db, 1).unwrap();
        migrate(&mut db, 2).unwrap();
        let rows = db
            .query("SELECT COUNT(*), MAX(version) FROM schema_version", &[])
            .unwrap();
        assert_eq!(rows[0].int(0).unwrap(), SCHEMA_VERSION);
        assert_eq!(rows[0].int(1).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn refuses_a_newer_schema() {
        let mut db = temp_db("newer_schema");
        migrate(&mut db, 1).unwrap();
        db.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES ($1, 0)",
            &[Param::Int(SCHEMA_VERSION + 1)],
        )
        .unwrap();
        let error = migrate(&mut db, 2).unwrap_err();
        assert_eq!(error.code(), "E0503");
        assert!(
            error
                .message
                .contains(&format!("schema version {}", SCHEMA_VERSION + 1))
        );
    }
}
