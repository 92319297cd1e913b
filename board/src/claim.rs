//! The worker protocol: claim, heartbeat, complete or fail, and reclaiming
//! the invocations of workers that stopped heartbeating.
//!
//! A claim sets `status = 'running'`, the worker's id, a lease deadline and
//! `attempts = attempts + 1` in one statement. `(id, worker, attempts)` is
//! the fencing token: a worker whose lease expired (and whose invocation
//! another worker has since claimed) cannot complete or fail it any more.

use std::time::Duration;

use crate::backend::{Backend, Dialect, Param};
use crate::board::{Board, parse_json};
use crate::error::{Error, Result};
use crate::model::{Capabilities, Claim, Reclaimed, WorkerInfo};
use crate::triggers;

/// The `WHERE` condition selecting invocations `caps` can run; parameters
/// are numbered from `first`.
fn claimable(caps: &Capabilities, first: usize, params: &mut Vec<Param>) -> String {
    let mut next = first;
    let mut list = |values: &[String], params: &mut Vec<Param>| -> String {
        let mut placeholders = Vec::new();
        for v in values {
            placeholders.push(format!("${next}"));
            params.push(Param::from(v));
            next += 1;
        }
        placeholders.join(", ")
    };
    let mut condition = String::new();
    if caps.languages.is_empty() {
        condition.push_str("1 = 0");
    } else {
        let languages = list(&caps.languages, params);
        condition.push_str(&format!("m.language IN ({languages})"));
    }
    if caps.formats.is_empty() {
        condition.push_str(
            " AND NOT EXISTS (SELECT 1 FROM module_models mm WHERE mm.module_hash = i.module_hash)",
        );
    } else {
        let formats = list(&caps.formats, params);
        condition.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM module_models mm \
               WHERE mm.module_hash = i.module_hash AND mm.format NOT IN ({formats}))"
        ));
    }
    if let Some(modules) = &caps.modules {
        if modules.is_empty() {
            condition.push_str(" AND 1 = 0");
        } else {
            let modules = list(modules, params);
            condition.push_str(&format!(" AND i.module_hash IN ({modules})"));
        }
    }
    condition
}

impl Board {
    /// Records a worker and what it can run (`workers` table).
    pub fn register_worker(&mut self, id: &str, caps: &Capabilities) -> Result<()> {
        let now = self.now();
        let languages = caps.languages.join(",");
        let formats = caps.formats.join(",");
        let modules = caps.modules.as_ref().map(|m| m.join(","));
        self.write(|db| {
            db.execute("DELETE FROM workers WHERE id = $1", &[Param::from(id)])?;
            db.execute(
                "INSERT INTO workers (id, languages, formats, modules, started_at, last_seen_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
                &[
                    Param::from(id),
                    Param::from(&languages),
                    Param::from(&formats),
                    Param::from(modules.clone()),
                    Param::Int(now),
                ],
            )?;
            Ok(())
        })
    }

    /// The registered workers, by id: what each advertised and when it was
    /// last seen (its heartbeat).
    pub fn workers(&mut self) -> Result<Vec<WorkerInfo>> {
        let rows = self.db.query(
            "SELECT id, languages, formats, modules, started_at, last_seen_at FROM workers ORDER BY id",
            &[],
        )?;
        let split = |text: String| -> Vec<String> {
            text.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        rows.iter()
            .map(|r| {
                Ok(WorkerInfo {
                    id: r.text(0)?,
                    capabilities: Capabilities {
                        languages: split(r.text(1)?),
                        formats: split(r.text(2)?),
                        modules: r.opt_text(3)?.map(split),
                    },
                    started_at: r.int(4)?,
                    last_seen_at: r.int(5)?,
                })
            })
            .collect()
    }

    /// Atomically claims the oldest pending invocation `caps` can run.
    pub fn claim(
        &mut self,
        worker: &str,
        caps: &Capabilities,
        lease: Duration,
    ) -> Result<Option<Claim>> {
        let now = self.now();
        let mut params = vec![
            Param::from(worker),
            Param::Int(now),
            Param::Int(now + lease.as_millis() as i64),
        ];
        let condition = claimable(caps, 4, &mut params);
        // PostgreSQL: concurrent claimers skip each other's locked rows
        // instead of queueing on them. SQLite: `BEGIN IMMEDIATE` already
        // makes the whole transaction exclusive among writers.
        let locking = match self.db.dialect() {
            Dialect::Postgres => " FOR UPDATE OF i SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let sql = format!(
            "UPDATE invocations SET status = 'running', worker = $1, started_at = $2, \
                    lease_expires_at = $3, attempts = attempts + 1 \
             WHERE status = 'pending' AND id = ( \
                SELECT i.id FROM invocations i JOIN modules m ON m.hash = i.module_hash \
                WHERE i.status = 'pending' AND {condition} \
                ORDER BY i.id LIMIT 1{locking}) \
             RETURNING id, module_hash, attempts"
        );
        let claim = |db: &mut dyn Backend| -> Result<Option<Claim>> {
            let rows = db.query(&sql, &params)?;
            let Some(row) = rows.first() else {
                return Ok(None);
            };
            let id = row.int(0)?;
            // Inputs never change once linked: reading them after the claim
            // statement committed is as good as inside it.
            let inputs = db
                .query(
                    "SELECT value FROM invocation_inputs WHERE invocation_id = $1 ORDER BY idx",
                    &[Param::Int(id)],
                )?
                .iter()
                .map(|r| parse_json(&r.text(0)?))
                .collect::<Result<Vec<_>>>()?;
            Ok(Some(Claim {
                id,
                module_hash: row.text(1)?,
                attempt: row.int(2)?,
                inputs,
            }))
        };
        match self.db.dialect() {
            // One statement is atomic on its own; no `BEGIN`/`COMMIT` round trips.
            Dialect::Postgres => self.autocommit(claim),
            Dialect::Sqlite => self.write(claim),
        }
    }

    /// Whether anything `caps` could run is pending or running (a running
    /// invocation may come back when its lease expires).
    pub fn has_work(&mut self, caps: &Capabilities) -> Result<bool> {
        let mut params = Vec::new();
        let condition = claimable(caps, 1, &mut params);
        let rows = self.db.query(
            &format!(
                "SELECT COUNT(*) FROM invocations i JOIN modules m ON m.hash = i.module_hash \
                 WHERE i.status IN ('pending', 'running') AND {condition}"
            ),
            &params,
        )?;
        Ok(rows.first().map(|r| r.int(0)).transpose()?.unwrap_or(0) > 0)
    }

    /// Extends the lease of a claim; false when the worker no longer holds it.
    pub fn heartbeat(&mut self, claim: &Claim, worker: &str, lease: Duration) -> Result<bool> {
        let now = self.now();
        self.write(|db| {
            db.execute(
                "UPDATE workers SET last_seen_at = $1 WHERE id = $2",
                &[Param::Int(now), Param::from(worker)],
            )?;
            let n = db.execute(
                "UPDATE invocations SET lease_expires_at = $1 \
                 WHERE id = $2 AND status = 'running' AND worker = $3 AND attempts = $4",
                &[
                    Param::Int(now + lease.as_millis() as i64),
                    Param::Int(claim.id),
                    Param::from(worker),
                    Param::Int(claim.attempt),
                ],
            )?;
            Ok(n == 1)
        })
    }

    /// Records a worker as alive (between invocations).
    pub fn touch_worker(&mut self, worker: &str) -> Result<()> {
        let now = self.now();
        self.write(|db| {
            db.execute(
                "UPDATE workers SET last_seen_at = $1 WHERE id = $2",
                &[Param::Int(now), Param::from(worker)],
            )
            .map(|_| ())
        })
    }

    /// Marks a claim completed, links its outputs and fires the completion
    /// reactors of its module, all in one transaction. Returns false (and
    /// changes nothing) when the worker no longer holds the claim.
    pub fn complete(
        &mut self,
        claim: &Claim,
        worker: &str,
        outputs: &[(String, serde_json::Value)],
        console: Option<&str>,
    ) -> Result<bool> {
        let now = self.now();
        self.write(|db| {
            if !finish(db, claim, worker, "completed", None, console, now)? {
                return Ok(false);
            }
            for (i, (name, value)) in outputs.iter().enumerate() {
                db.execute(
                    "INSERT INTO invocation_outputs (invocation_id, idx, name, value) \
                     VALUES ($1, $2, $3, $4)",
                    &[
                        Param::Int(claim.id),
                        Param::Int(i as i64),
                        Param::from(name),
                        Param::Text(value.to_string()),
                    ],
                )?;
            }
            triggers::fire_completion(db, claim, outputs, now)?;
            Ok(true)
        })
    }

    /// Marks a claim failed with its error; no outputs are linked. Returns
    /// false when the worker no longer holds the claim.
    pub fn fail(
        &mut self,
        claim: &Claim,
        worker: &str,
        error: &str,
        console: Option<&str>,
    ) -> Result<bool> {
        let now = self.now();
        self.write(|db| finish(db, claim, worker, "failed", Some(error), console, now))
    }

    /// Puts back the running invocations whose lease has expired: to
    /// `pending` while attempts remain, else to `failed`.
    pub fn reclaim_expired(&mut self) -> Result<Reclaimed> {
        let now = self.now();
        self.write(|db| {
            let failed = db.execute(
                "UPDATE invocations SET status = 'failed', completed_at = $1, \
                    lease_expires_at = NULL, \
                    error = 'worker ' || worker || ' stopped renewing its lease on attempt ' \
                            || CAST(attempts AS TEXT) || ' of ' || CAST(max_attempts AS TEXT) \
                 WHERE status = 'running' AND lease_expires_at < $1 AND attempts >= max_attempts",
                &[Param::Int(now)],
            )?;
            let requeued = db.execute(
                "UPDATE invocations SET status = 'pending', worker = NULL, lease_expires_at = NULL \
                 WHERE status = 'running' AND lease_expires_at < $1 AND attempts < max_attempts",
                &[Param::Int(now)],
            )?;
            Ok(Reclaimed { requeued, failed })
        })
    }
}

/// Moves a held claim to a final status.
fn finish(
    db: &mut dyn Backend,
    claim: &Claim,
    worker: &str,
    status: &str,
    error: Option<&str>,
    console: Option<&str>,
    now: i64,
) -> Result<bool> {
    let n = db.execute(
        "UPDATE invocations SET status = $1, completed_at = $2, error = $3, console = $4, \
                lease_expires_at = NULL \
         WHERE id = $5 AND status = 'running' AND worker = $6 AND attempts = $7",
        &[
            Param::from(status),
            Param::Int(now),
            Param::from(error),
            Param::from(console),
            Param::Int(claim.id),
            Param::from(worker),
            Param::Int(claim.attempt),
        ],
    )?;
    match n {
        0 => Ok(false),
        1 => Ok(true),
        n => Err(Error::corrupt(format!(
            "{n} invocations have id {}",
            claim.id
        ))),
    }
}
