//! `omexc`: compile model execution recipes to MEP bytecode, inspect and run them.

mod cli;
mod commands;
mod driver;
mod frontends;
mod mep_diagnostics;
mod report;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc, as rustc uses jemalloc: the passes allocate many small vectors.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let mut reporter = report::Reporter::new(cli.message_format, cli.color);
    let outcome = commands::run(cli.command, &mut reporter);
    reporter.flush();
    match outcome {
        commands::Outcome::Success => ExitCode::SUCCESS,
        commands::Outcome::InputErrors => ExitCode::from(1),
    }
}
