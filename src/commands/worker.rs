//! `omexc worker`: a worker runtime for a compute board.

use std::path::PathBuf;
use std::time::Duration;

use omex_board::worker::{
    Event, SandboxOptions, Worker, WorkerOptions, default_capabilities, default_worker_id,
};
use omex_board::{Board, ErrorKind};

use super::Reported;
use super::board::{board_url, report};
use crate::cli::WorkerArgs;
use crate::report::Reporter;

/// Parses `30s`, `500ms`, `2m`, `1.5s` or a bare number of seconds.
pub fn parse_duration(option: &str, text: &str) -> Result<Duration, omex_board::Error> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    match number.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(Duration::from_secs_f64(v * scale)),
        _ => Err(omex_board::Error::new(
            ErrorKind::BadOption,
            format!(
                "{option} must be a positive duration like `30s`, `500ms` or `2m`, not `{text}`"
            ),
        )),
    }
}

pub fn run(args: WorkerArgs, reporter: &mut Reporter) -> Result<(), Reported> {
    let url = board_url(args.board.clone());
    reporter.set_input(url.clone());
    let options = options(&args).map_err(|e| report(e, reporter))?;
    let mut board = Board::open(&url).map_err(|e| report(e, reporter))?;
    let mut options = options;
    if !args.modules.is_empty() {
        let mut hashes = Vec::new();
        for spec in &args.modules {
            let module = board
                .resolve_module(spec)
                .map_err(|e| report(e, reporter))?;
            hashes.push(module.hash);
        }
        options.capabilities.modules = Some(hashes);
    }
    let id = options.id.clone();
    let mut worker = Worker::new(board, options).map_err(|e| report(e, reporter))?;
    eprintln!("worker {id}: started on {}", redacted(&url));
    let stats = worker
        .run(&mut |event| eprintln!("worker {id}: {}", describe(event)))
        .map_err(|e| report(e, reporter))?;
    eprintln!(
        "worker {id}: stopped ({} completed, {} failed, {} lost)",
        stats.completed, stats.failed, stats.lost
    );
    Ok(())
}

fn redacted(url: &str) -> String {
    omex_board::backend::postgres::redact(url)
}

fn options(args: &WorkerArgs) -> Result<WorkerOptions, omex_board::Error> {
    let mut options = WorkerOptions::new(args.id.clone().unwrap_or_else(default_worker_id));
    options.lease = parse_duration("--lease", &args.lease)?;
    options.heartbeat = parse_duration("--heartbeat", &args.heartbeat)?;
    options.poll = parse_duration("--poll", &args.poll)?;
    options.exit_when_idle = args.exit_when_idle;
    options.max_invocations = args.max_invocations;
    options.triggers = !args.no_triggers;
    let mut capabilities = default_capabilities();
    if !args.languages.is_empty() {
        capabilities.languages = args.languages.clone();
    }
    if !args.formats.is_empty() {
        capabilities.formats = args
            .formats
            .iter()
            .map(|f| f.to_ascii_lowercase())
            .collect();
    }
    options.capabilities = capabilities;
    let timeout = match args.timeout {
        Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => {
            return Err(omex_board::Error::new(
                ErrorKind::BadOption,
                format!("--timeout must be a positive number of seconds, not {s}"),
            ));
        }
        None => None,
    };
    options.sandbox = SandboxOptions {
        // Like `omexc run`, models resolve against the current folder by default.
        search_paths: if args.model_path.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.model_path.clone()
        },
        read_dirs: args.allow_read.clone(),
        write_dirs: args.allow_write.clone(),
        max_steps: args.max_steps,
        timeout,
        ort_lib: args.ort_lib.clone(),
    };
    Ok(options)
}

fn describe(event: &Event) -> String {
    match event {
        Event::Claimed {
            id,
            module,
            attempt,
        } => format!("claimed invocation {id} ({module}, attempt {attempt})"),
        Event::Completed { id, elapsed } => {
            format!("completed invocation {id} in {} ms", elapsed.as_millis())
        }
        Event::Failed { id, error } => format!("invocation {id} failed: {error}"),
        Event::LostClaim { id } => format!(
            "lost the claim on invocation {id} (its lease expired); the result was discarded"
        ),
        Event::Reclaimed(r) => format!(
            "reclaimed expired leases: {} requeued, {} failed",
            r.requeued, r.failed
        ),
        Event::Triggered { ids } => {
            let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
            format!("triggers created invocations {}", ids.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("x", "30s").unwrap(), Duration::from_secs(30));
        assert_eq!(
            parse_duration("x", "250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(parse_duration("x", "2m").unwrap(), Duration::from_secs(120));
        assert_eq!(
            parse_duration("x", "1.5").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_duration("x", "0s").unwrap_err().code(), "E0511");
        assert_eq!(parse_duration("x", "soon").unwrap_err().code(), "E0511");
    }
}
