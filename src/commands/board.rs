//! `omexc board ...`: the compute board's commands (see `docs/board.md`).

use std::path::Path;

use omex_board::clock::format_ms;
use omex_board::{Board, Invocation, ReactorTrigger, Status};
use omex_diagnostics::Diagnostic;

use super::Reported;
use super::run::summarize;
use crate::cli::{BoardCommand, ReactorCommand, ScheduleCommand};
use crate::report::Reporter;

/// The board URL: `--board`, else `$OMEX_BOARD`, else the default file.
pub fn board_url(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("OMEX_BOARD").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| omex_board::DEFAULT_BOARD.to_string())
}

/// Reports a board error as a diagnostic.
pub fn report(error: omex_board::Error, reporter: &mut Reporter) -> Reported {
    let mut diagnostic = Diagnostic::error(error.code(), error.message);
    if let Some(help) = error.help {
        diagnostic = diagnostic.with_help(help);
    }
    reporter.report(diagnostic);
    Reported
}

pub fn run(
    url: Option<String>,
    command: BoardCommand,
    reporter: &mut Reporter,
) -> Result<(), Reported> {
    let url = board_url(url);
    reporter.set_input(url.clone());
    let mut board = Board::open(&url).map_err(|e| report(e, reporter))?;
    execute(&mut board, command, reporter).map_err(|e| report(e, reporter))
}

fn execute(
    board: &mut Board,
    command: BoardCommand,
    reporter: &mut Reporter,
) -> Result<(), omex_board::Error> {
    match command {
        BoardCommand::Add { file, name } => {
            let Ok(bytes) = super::read_bytes(&file, reporter) else {
                return Ok(());
            };
            let name = name.unwrap_or_else(|| default_name(&file, &bytes));
            let (module, _new) = board.add_module(&bytes, &name)?;
            println!("{}", module.hash);
        }
        BoardCommand::Modules => {
            for module in board.modules()? {
                let models: Vec<String> = module
                    .models
                    .iter()
                    .map(|m| format!("{} ({})", m.path, m.format))
                    .collect();
                let models = if models.is_empty() {
                    "no models".to_string()
                } else {
                    models.join(", ")
                };
                println!(
                    "{} {} {} bytes, {models}",
                    module.hash, module.name, module.size
                );
            }
        }
        BoardCommand::Invoke {
            module,
            args,
            max_attempts,
        } => {
            let module = board.resolve_module(&module)?;
            let inputs: Vec<serde_json::Value> =
                args.into_iter().map(serde_json::Value::String).collect();
            let id = board.invoke(&module.hash, &inputs, max_attempts)?;
            println!("{id}");
        }
        BoardCommand::Status { id: Some(id) } => {
            let invocation = board.invocation(id)?;
            println!("{} {}", invocation.id, invocation.status);
        }
        BoardCommand::Status { id: None } => {
            for (status, n) in board.counts()? {
                println!("{status:<10} {n}");
            }
        }
        BoardCommand::List { status } => {
            let status = status.and_then(|s| s.parse::<Status>().ok());
            for line in board.list(status)? {
                println!(
                    "{} {} {} {} {}",
                    line.id,
                    line.status,
                    line.module_name,
                    &line.module_hash[..12.min(line.module_hash.len())],
                    format_ms(line.created_at)
                );
            }
        }
        BoardCommand::Show { id, json } => {
            let invocation = board.invocation(id)?;
            if json {
                println!("{}", invocation_json(&invocation));
            } else {
                print!("{}", invocation_text(&invocation));
            }
        }
        BoardCommand::Workers => {
            for worker in board.workers()? {
                let caps = &worker.capabilities;
                let modules = caps.modules.as_ref().map_or_else(
                    || "any".to_string(),
                    |m| {
                        m.iter()
                            .map(|h| &h[..12.min(h.len())])
                            .collect::<Vec<_>>()
                            .join(",")
                    },
                );
                println!(
                    "{} languages={} formats={} modules={modules} last-seen {}",
                    worker.id,
                    caps.languages.join(","),
                    caps.formats.join(","),
                    format_ms(worker.last_seen_at)
                );
            }
        }
        BoardCommand::Reactor(command) => reactor(board, command)?,
        BoardCommand::Schedule(command) => schedule(board, command)?,
        BoardCommand::Tick => {
            let reclaimed = board.reclaim_expired()?;
            let mut created = board.scan_folders()?;
            created.extend(board.tick_schedulers()?);
            println!(
                "{} invocations created, {} requeued, {} failed on expired leases",
                created.len(),
                reclaimed.requeued,
                reclaimed.failed
            );
        }
    }
    Ok(())
}

/// The program's own name from its interface section, else the file stem.
fn default_name(file: &Path, bytes: &[u8]) -> String {
    let from_interface = omex_mep::decode(bytes, omex_mep::DecodeOptions::default())
        .ok()
        .and_then(|(module, _)| module.interface.map(|i| i.name))
        .filter(|n| !n.is_empty());
    from_interface.unwrap_or_else(|| {
        file.file_stem()
            .map_or_else(|| "module".into(), |s| s.to_string_lossy().into_owned())
    })
}

fn reactor(board: &mut Board, command: ReactorCommand) -> Result<(), omex_board::Error> {
    match command {
        ReactorCommand::Add {
            on_complete,
            watch,
            invoke,
        } => {
            let target = board.resolve_module(&invoke)?;
            let id = match (on_complete, watch) {
                (Some(source), _) => {
                    let source = board.resolve_module(&source)?;
                    board.add_completion_reactor(&source.hash, &target.hash)?
                }
                (None, Some(folder)) => board.add_folder_reactor(&folder, &target.hash)?,
                // clap requires one of the two.
                (None, None) => return Ok(()),
            };
            println!("{id}");
        }
        ReactorCommand::List => {
            for reactor in board.reactors()? {
                let target = board.module(&reactor.target_module)?;
                let trigger = match &reactor.trigger {
                    ReactorTrigger::Completion { source_module } => {
                        let source = board.module(source_module)?;
                        format!("on-complete {}", source.name)
                    }
                    ReactorTrigger::Folder { folder } => format!("watch {}", folder.display()),
                };
                let state = if reactor.enabled {
                    "enabled"
                } else {
                    "disabled"
                };
                println!("{} {trigger} invoke {} {state}", reactor.id, target.name);
            }
        }
        ReactorCommand::Remove { id } => board.remove_reactor(id)?,
        ReactorCommand::Enable { id } => board.set_reactor_enabled(id, true)?,
        ReactorCommand::Disable { id } => board.set_reactor_enabled(id, false)?,
    }
    Ok(())
}

fn schedule(board: &mut Board, command: ScheduleCommand) -> Result<(), omex_board::Error> {
    match command {
        ScheduleCommand::Add { cron, module, args } => {
            let module = board.resolve_module(&module)?;
            let inputs: Vec<serde_json::Value> =
                args.into_iter().map(serde_json::Value::String).collect();
            let id = board.add_scheduler(&cron, &module.hash, &inputs)?;
            println!("{id}");
        }
        ScheduleCommand::List => {
            for scheduler in board.schedulers()? {
                let module = board.module(&scheduler.module_hash)?;
                let state = if scheduler.enabled {
                    "enabled"
                } else {
                    "disabled"
                };
                println!(
                    "{} \"{}\" invoke {} next {} {state}",
                    scheduler.id,
                    scheduler.cron,
                    module.name,
                    format_ms(scheduler.next_fire_at)
                );
            }
        }
        ScheduleCommand::Remove { id } => board.remove_scheduler(id)?,
    }
    Ok(())
}

fn invocation_text(inv: &Invocation) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "invocation {}", inv.id);
    let _ = writeln!(
        out,
        "module:       {} ({})",
        inv.module_name, inv.module_hash
    );
    let _ = writeln!(out, "status:       {}", inv.status);
    let _ = writeln!(
        out,
        "attempts:     {} of {}",
        inv.attempts, inv.max_attempts
    );
    if let Some(worker) = &inv.worker {
        let _ = writeln!(out, "worker:       {worker}");
    }
    if let Some(by) = &inv.triggered_by {
        let matched = inv.trigger_match.as_deref().unwrap_or("?");
        let _ = writeln!(out, "triggered by: {by} ({matched})");
    }
    let _ = writeln!(out, "created:      {}", format_ms(inv.created_at));
    if let Some(t) = inv.started_at {
        let _ = writeln!(out, "started:      {}", format_ms(t));
    }
    if let Some(t) = inv.completed_at {
        let took = inv
            .started_at
            .map(|s| format!(" ({} ms)", t - s))
            .unwrap_or_default();
        let _ = writeln!(out, "finished:     {}{took}", format_ms(t));
    }
    let _ = writeln!(out, "inputs:");
    if inv.inputs.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for (i, value) in inv.inputs.iter().enumerate() {
        let _ = writeln!(out, "  {i}: {value}");
    }
    if inv.status == Status::Completed {
        let _ = writeln!(out, "outputs:");
        if inv.outputs.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for (name, value) in &inv.outputs {
            let _ = writeln!(out, "  {name}: {}", summarize(value));
        }
    }
    if let Some(error) = &inv.error {
        let _ = writeln!(out, "error:        {error}");
    }
    if let Some(console) = &inv.console {
        let _ = writeln!(out, "console:");
        for line in console.lines() {
            let _ = writeln!(out, "  | {line}");
        }
    }
    out
}

fn invocation_json(inv: &Invocation) -> serde_json::Value {
    let outputs: serde_json::Map<String, serde_json::Value> = inv
        .outputs
        .iter()
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    serde_json::json!({
        "id": inv.id,
        "module": { "hash": inv.module_hash, "name": inv.module_name },
        "status": inv.status.as_str(),
        "attempts": inv.attempts,
        "max_attempts": inv.max_attempts,
        "worker": inv.worker,
        "triggered_by": inv.triggered_by,
        "trigger_match": inv.trigger_match,
        "created_at": format_ms(inv.created_at),
        "started_at": inv.started_at.map(format_ms),
        "completed_at": inv.completed_at.map(format_ms),
        "inputs": inv.inputs,
        "outputs": outputs,
        "error": inv.error,
        "console": inv.console,
    })
}
