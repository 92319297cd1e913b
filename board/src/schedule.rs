//! Schedulers: invoke a module on a cron schedule.
//!
//! Expressions are standard 5-field cron (`minute hour day month weekday`,
//! e.g. `0 9 * * *`), or 6 fields with seconds first, evaluated in UTC by the
//! `croner` crate. Each scheduler stores the time of its next tick. A
//! [`Board::tick_schedulers`] call (workers make one every poll; so does
//! `omexc board tick`) fires every scheduler whose next tick is due.
//!
//! **Missed ticks are coalesced**: when several ticks passed while nothing
//! ticked (no worker was running), the scheduler fires once, for the
//! earliest missed tick, records how many were skipped, and its next tick is
//! the first one after now. Nothing is replayed tick by tick. Firing uses a
//! compare-and-set on the stored next tick, so two workers ticking at once
//! fire a tick once.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use croner::Cron;

use crate::backend::Param;
use crate::board::{Board, DEFAULT_MAX_ATTEMPTS, create_invocation};
use crate::clock::format_ms;
use crate::error::{Error, ErrorKind, Result};

/// Missed ticks counted at most (for the `trigger_match` note).
const MAX_COUNTED: usize = 10_000;

/// A stored scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduler {
    pub id: i64,
    pub cron: String,
    pub module_hash: String,
    pub inputs: Vec<serde_json::Value>,
    pub enabled: bool,
    pub next_fire_at: i64,
}

/// A parsed cron expression.
pub struct Schedule(Cron);

impl Schedule {
    pub fn parse(expression: &str) -> Result<Schedule> {
        Cron::from_str(expression).map(Schedule).map_err(|e| {
            Error::new(
                ErrorKind::BadCron,
                format!("invalid cron expression `{expression}`: {e}"),
            )
            .with_help("write 5 fields, `minute hour day-of-month month day-of-week` (UTC), e.g. `0 9 * * *` for 09:00 every day")
        })
    }

    /// The first tick strictly after `ms`.
    pub fn next_after(&self, ms: i64) -> Option<i64> {
        let at = DateTime::<Utc>::from_timestamp_millis(ms)?;
        self.0
            .find_next_occurrence(&at, false)
            .ok()
            .map(|t| t.timestamp_millis())
    }
}

impl Board {
    /// Adds a scheduler; its first tick is the first one after now.
    pub fn add_scheduler(
        &mut self,
        expression: &str,
        module_hash: &str,
        inputs: &[serde_json::Value],
    ) -> Result<i64> {
        let schedule = Schedule::parse(expression)?;
        let now = self.now();
        let next = schedule.next_after(now).ok_or_else(|| {
            Error::new(
                ErrorKind::BadCron,
                format!(
                    "cron expression `{expression}` never fires after {}",
                    format_ms(now)
                ),
            )
        })?;
        let inputs_json = serde_json::Value::Array(inputs.to_vec()).to_string();
        self.write(|db| {
            let rows = db.query(
                "INSERT INTO schedulers (cron, module_hash, args, enabled, next_fire_at, created_at) \
                 VALUES ($1, $2, $3, 1, $4, $5) RETURNING id",
                &[
                    Param::from(expression),
                    Param::from(module_hash),
                    Param::from(&inputs_json),
                    Param::Int(next),
                    Param::Int(now),
                ],
            )?;
            rows.first()
                .ok_or_else(|| Error::corrupt("INSERT ... RETURNING gave no row"))?
                .int(0)
        })
    }

    /// Every scheduler, by id.
    pub fn schedulers(&mut self) -> Result<Vec<Scheduler>> {
        let rows = self.db.query(
            "SELECT id, cron, module_hash, args, enabled, next_fire_at FROM schedulers ORDER BY id",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                let inputs = match crate::board::parse_json(&r.text(3)?)? {
                    serde_json::Value::Array(values) => values,
                    _ => return Err(Error::corrupt("scheduler inputs are not a JSON array")),
                };
                Ok(Scheduler {
                    id: r.int(0)?,
                    cron: r.text(1)?,
                    module_hash: r.text(2)?,
                    inputs,
                    enabled: r.int(4)? != 0,
                    next_fire_at: r.int(5)?,
                })
            })
            .collect()
    }

    pub fn remove_scheduler(&mut self, id: i64) -> Result<()> {
        let n =
            self.write(|db| db.execute("DELETE FROM schedulers WHERE id = $1", &[Param::Int(id)]))?;
        if n == 0 {
            return Err(Error::new(
                ErrorKind::TriggerNotFound,
                format!("no scheduler has id {id}"),
            )
            .with_help("`omexc board schedule list` shows the schedulers"));
        }
        Ok(())
    }

    /// Fires every enabled scheduler whose next tick is due (see the module
    /// documentation for missed ticks). Returns the new invocations.
    pub fn tick_schedulers(&mut self) -> Result<Vec<i64>> {
        let now = self.now();
        let due: Vec<Scheduler> = self
            .schedulers()?
            .into_iter()
            .filter(|s| s.enabled && s.next_fire_at <= now)
            .collect();
        let mut created = Vec::new();
        for scheduler in due {
            let schedule = Schedule::parse(&scheduler.cron)?;
            // Ticks in (next_fire_at, now] beyond the first are coalesced.
            let mut missed = 0usize;
            let mut t = scheduler.next_fire_at;
            while let Some(n) = schedule.next_after(t) {
                if n > now || missed >= MAX_COUNTED {
                    break;
                }
                missed += 1;
                t = n;
            }
            // A schedule with no further tick stays due-never.
            let next = schedule.next_after(now).unwrap_or(i64::MAX);
            let mut key = format!("tick {}", format_ms(scheduler.next_fire_at));
            if missed > 0 {
                key.push_str(&format!(" ({missed} later missed ticks coalesced)"));
            }
            let triggered_by = format!("scheduler {}", scheduler.id);
            let fired = self.write(|db| {
                let n = db.execute(
                    "UPDATE schedulers SET next_fire_at = $1 WHERE id = $2 AND next_fire_at = $3",
                    &[
                        Param::Int(next),
                        Param::Int(scheduler.id),
                        Param::Int(scheduler.next_fire_at),
                    ],
                )?;
                if n == 0 {
                    return Ok(None); // another ticker fired it
                }
                create_invocation(
                    db,
                    &scheduler.module_hash,
                    &scheduler.inputs,
                    DEFAULT_MAX_ATTEMPTS,
                    now,
                    Some(&triggered_by),
                    Some(&key),
                )
                .map(Some)
            })?;
            created.extend(fired);
        }
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_rfc3339;

    #[test]
    fn five_field_daily() {
        let s = Schedule::parse("0 9 * * *").unwrap();
        let t = parse_rfc3339("2026-11-22T08:59:00Z").unwrap();
        assert_eq!(
            format_ms(s.next_after(t).unwrap()),
            "2026-11-22T09:00:00.000Z"
        );
        let at_nine = parse_rfc3339("2026-11-22T09:00:00Z").unwrap();
        assert_eq!(
            format_ms(s.next_after(at_nine).unwrap()),
            "2026-11-23T09:00:00.000Z"
        );
    }

    #[test]
    fn bad_expression() {
        let e = Schedule::parse("every day").err().unwrap();
        assert_eq!(e.code(), "E0509");
    }
}
