//! Reactors: invoke a module when a pattern matches.
//!
//! - A *completion* reactor (`on X invoke Y`) fires inside the transaction
//!   that completes an invocation of X, so each completion fires it exactly
//!   once; Y's inputs are X's outputs (see [`chain_inputs`]).
//! - A *folder* reactor (`watch DIR invoke Y`) fires when a file appears in
//!   DIR; whoever scans the folder (a worker, `omexc board tick`) creates the
//!   invocation with the file's absolute path as its one input.
//!
//! Every firing inserts `(reactor, match)` into `reactor_fires`, whose
//! primary key makes a match fire at most once even when several workers
//! scan at the same time. The new invocation records `triggered_by`
//! (`reactor N`) and `trigger_match` (`invocation N`, `file PATH`).

use std::path::{Path, PathBuf};

use crate::backend::{Backend, Param};
use crate::board::{Board, DEFAULT_MAX_ATTEMPTS, create_invocation};
use crate::error::{Error, ErrorKind, Result};
use crate::model::Claim;

/// What makes a reactor fire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReactorTrigger {
    /// An invocation of this module completed.
    Completion { source_module: String },
    /// A file appeared in this folder (absolute).
    Folder { folder: PathBuf },
}

/// A stored reactor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reactor {
    pub id: i64,
    pub trigger: ReactorTrigger,
    pub target_module: String,
    pub enabled: bool,
    pub created_at: i64,
}

/// The inputs of a chained invocation, from the outputs of the one that
/// completed. When the target names its arguments and every name is among
/// the outputs, arguments are matched by name; otherwise the outputs are
/// passed in return order.
pub fn chain_inputs(
    target_args: &[String],
    outputs: &[(String, serde_json::Value)],
) -> Vec<serde_json::Value> {
    let by_name = !target_args.is_empty()
        && target_args
            .iter()
            .all(|a| !a.is_empty() && outputs.iter().any(|(n, _)| n == a));
    if by_name {
        target_args
            .iter()
            .filter_map(|a| outputs.iter().find(|(n, _)| n == a).map(|(_, v)| v.clone()))
            .collect()
    } else {
        outputs.iter().map(|(_, v)| v.clone()).collect()
    }
}

/// Fires the completion reactors of the module `claim` ran (inside the
/// completing transaction).
pub(crate) fn fire_completion(
    db: &mut dyn Backend,
    claim: &Claim,
    outputs: &[(String, serde_json::Value)],
    now: i64,
) -> Result<()> {
    let reactors = db.query(
        "SELECT r.id, r.target_module, m.args FROM reactors r \
         JOIN modules m ON m.hash = r.target_module \
         WHERE r.kind = 'completion' AND r.enabled = 1 AND r.source_module = $1 ORDER BY r.id",
        &[Param::from(&claim.module_hash)],
    )?;
    for reactor in reactors {
        let reactor_id = reactor.int(0)?;
        let target = reactor.text(1)?;
        let args: Vec<String> = serde_json::from_str(&reactor.text(2)?)
            .map_err(|e| Error::corrupt(format!("module {target}: bad argument list: {e}")))?;
        let inputs = chain_inputs(&args, outputs);
        let key = format!("invocation {}", claim.id);
        fire(db, reactor_id, &target, &inputs, &key, now)?;
    }
    Ok(())
}

/// Creates the invocation of one match unless the match already fired.
/// Returns the new invocation's id.
fn fire(
    db: &mut dyn Backend,
    reactor_id: i64,
    target: &str,
    inputs: &[serde_json::Value],
    key: &str,
    now: i64,
) -> Result<Option<i64>> {
    // The match is claimed first: the primary key lets one transaction
    // through; a concurrent scanner's insert waits for it, then does nothing.
    let n = db.execute(
        "INSERT INTO reactor_fires (reactor_id, match_key) VALUES ($1, $2) \
         ON CONFLICT (reactor_id, match_key) DO NOTHING",
        &[Param::Int(reactor_id), Param::from(key)],
    )?;
    if n == 0 {
        return Ok(None);
    }
    let triggered_by = format!("reactor {reactor_id}");
    let id = create_invocation(
        db,
        target,
        inputs,
        DEFAULT_MAX_ATTEMPTS,
        now,
        Some(&triggered_by),
        Some(key),
    )?;
    db.execute(
        "UPDATE reactor_fires SET invocation_id = $1 WHERE reactor_id = $2 AND match_key = $3",
        &[Param::Int(id), Param::Int(reactor_id), Param::from(key)],
    )?;
    Ok(Some(id))
}

impl Board {
    /// Adds `on completion of SOURCE invoke TARGET`.
    pub fn add_completion_reactor(&mut self, source: &str, target: &str) -> Result<i64> {
        let now = self.now();
        self.write(|db| {
            let rows = db.query(
                "INSERT INTO reactors (kind, source_module, target_module, enabled, created_at) \
                 VALUES ('completion', $1, $2, 1, $3) RETURNING id",
                &[Param::from(source), Param::from(target), Param::Int(now)],
            )?;
            rows.first()
                .ok_or_else(|| Error::corrupt("INSERT ... RETURNING gave no row"))?
                .int(0)
        })
    }

    /// Adds `when a file appears in FOLDER invoke TARGET`. Files already in
    /// the folder count as appearing at the next scan.
    pub fn add_folder_reactor(&mut self, folder: &Path, target: &str) -> Result<i64> {
        let folder = std::fs::canonicalize(folder)
            .ok()
            .filter(|f| f.is_dir())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::BadFolder,
                    format!(
                        "cannot watch `{}`: not an existing folder",
                        folder.display()
                    ),
                )
            })?;
        let folder = folder.to_string_lossy().into_owned();
        let now = self.now();
        self.write(|db| {
            let rows = db.query(
                "INSERT INTO reactors (kind, folder, target_module, enabled, created_at) \
                 VALUES ('folder', $1, $2, 1, $3) RETURNING id",
                &[Param::from(&folder), Param::from(target), Param::Int(now)],
            )?;
            rows.first()
                .ok_or_else(|| Error::corrupt("INSERT ... RETURNING gave no row"))?
                .int(0)
        })
    }

    /// Every reactor, by id.
    pub fn reactors(&mut self) -> Result<Vec<Reactor>> {
        let rows = self.db.query(
            "SELECT id, kind, source_module, folder, target_module, enabled, created_at \
             FROM reactors ORDER BY id",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                let trigger = match r.text(1)?.as_str() {
                    "completion" => ReactorTrigger::Completion {
                        source_module: r.text(2)?,
                    },
                    "folder" => ReactorTrigger::Folder {
                        folder: PathBuf::from(r.text(3)?),
                    },
                    other => return Err(Error::corrupt(format!("unknown reactor kind `{other}`"))),
                };
                Ok(Reactor {
                    id: r.int(0)?,
                    trigger,
                    target_module: r.text(4)?,
                    enabled: r.int(5)? != 0,
                    created_at: r.int(6)?,
                })
            })
            .collect()
    }

    /// Enables or disables a reactor.
    pub fn set_reactor_enabled(&mut self, id: i64, enabled: bool) -> Result<()> {
        let n = self.write(|db| {
            db.execute(
                "UPDATE reactors SET enabled = $1 WHERE id = $2",
                &[Param::Int(enabled.into()), Param::Int(id)],
            )
        })?;
        if n == 0 {
            return Err(no_reactor(id));
        }
        Ok(())
    }

    /// Scans every enabled folder reactor's folder once and fires for each
    /// file that has not fired yet. Hidden files (`.name`) are skipped, so a
    /// producer can write `.name.tmp` and rename it when complete. Returns
    /// the new invocations.
    pub fn scan_folders(&mut self) -> Result<Vec<i64>> {
        let reactors = self.db.query(
            "SELECT id, folder, target_module FROM reactors \
             WHERE kind = 'folder' AND enabled = 1 ORDER BY id",
            &[],
        )?;
        let mut created = Vec::new();
        for reactor in reactors {
            let reactor_id = reactor.int(0)?;
            let folder = PathBuf::from(reactor.text(1)?);
            let target = reactor.text(2)?;
            // A folder that went away fires nothing until it comes back.
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.path())
                .collect();
            files.sort();
            let fired: std::collections::HashSet<String> = self
                .db
                .query(
                    "SELECT match_key FROM reactor_fires WHERE reactor_id = $1",
                    &[Param::Int(reactor_id)],
                )?
                .iter()
                .map(|r| r.text(0))
                .collect::<Result<_>>()?;
            for file in files {
                let path = file.to_string_lossy().into_owned();
                let key = format!("file {path}");
                if fired.contains(&key) {
                    continue;
                }
                let now = self.now();
                let inputs = [serde_json::Value::String(path)];
                if let Some(id) =
                    self.write(|db| fire(db, reactor_id, &target, &inputs, &key, now))?
                {
                    created.push(id);
                }
            }
        }
        Ok(created)
    }

    /// Deletes a reactor (its firing history goes with it; the invocations
    /// it created stay).
    pub fn remove_reactor(&mut self, id: i64) -> Result<()> {
        let n = self.write(|db| {
            db.execute(
                "DELETE FROM reactor_fires WHERE reactor_id = $1",
                &[Param::Int(id)],
            )?;
            db.execute("DELETE FROM reactors WHERE id = $1", &[Param::Int(id)])
        })?;
        if n == 0 {
            return Err(no_reactor(id));
        }
        Ok(())
    }
}

fn no_reactor(id: i64) -> Error {
    Error::new(
        ErrorKind::TriggerNotFound,
        format!("no reactor has id {id}"),
    )
    .with_help("`omexc board reactor list` shows the reactors")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn outs() -> Vec<(String, serde_json::Value)> {
        vec![("greeting".into(), json!("hi")), ("n".into(), json!(3))]
    }

    #[test]
    fn chains_by_name_when_all_names_match() {
        let args = vec!["n".to_string(), "greeting".to_string()];
        assert_eq!(chain_inputs(&args, &outs()), vec![json!(3), json!("hi")]);
    }

    #[test]
    fn chains_in_order_otherwise() {
        let args = vec!["text".to_string()];
        assert_eq!(chain_inputs(&args, &outs()), vec![json!("hi"), json!(3)]);
        assert_eq!(chain_inputs(&[], &outs()), vec![json!("hi"), json!(3)]);
    }
}
