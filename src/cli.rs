//! Command-line definitions (clap). Each command's behaviour lives in `commands/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Compiler toolchain for model execution recipes: compiles them to MEP
/// bytecode, checks, inspects and runs them.
///
/// Exit codes: 0 success, 1 errors in the input, 2 usage errors.
#[derive(Debug, Parser)]
#[command(
    name = "omexc",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// How diagnostics are printed: `human` (rustc-like, on stderr) or `json`
    /// (one LSP-shaped object per line, on stderr).
    #[arg(long, global = true, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,

    /// When to colour human-readable diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

/// Options shared by the commands that compile a recipe.
#[derive(Debug, Clone, clap::Args)]
pub struct CompileArgs {
    /// A folder to search for the models, tokenizers and data files a recipe
    /// names by relative path, after the recipe's own folder. Repeatable; the
    /// `OMEX_MODEL_PATH` variable (`:`-separated) adds more after these.
    #[arg(long = "model-path", value_name = "DIR")]
    pub model_path: Vec<PathBuf>,
    /// The plan to compile when the file defines several (default: the first).
    #[arg(long, value_name = "NAME")]
    pub plan: Option<String>,
    /// The memory budget: a recipe whose estimated peak (model weights plus
    /// live values) exceeds it is an error. Units: B, KB/MB/GB (1000^n),
    /// KiB/MiB/GiB or K/M/G (1024^n), e.g. `2GiB`, `512MB`.
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// A setting for BIR programs (`embed.model`, `embed.tokenizer`,
    /// `capsule.tokenizer`, `ocr.engine`, `ocr.lang`, ...), overriding a
    /// `config:KEY=VALUE` constant of the program. Repeatable.
    #[arg(long = "bir-set", value_name = "KEY=VALUE")]
    pub bir_config: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a recipe for errors without building it.
    ///
    /// Names, arguments, types, shapes and model inputs/outputs (read from the
    /// ONNX files when they are found) are all checked.
    Check {
        /// The recipe: a `.plan`, an `.omex.json` container, an Axon package (a
        /// folder with `manifest.yaml`, or the manifest), a `.bir` program, `.mepasm` or `.mep`.
        file: PathBuf,
        #[command(flatten)]
        compile: CompileArgs,
    },
    /// Validate a source (an `.omex.json` container, ...) without building it.
    ///
    /// Runs the front end's checks only: the format and its structure, names,
    /// dependencies, policies and the models it references. Nothing is
    /// compiled or written.
    Validate {
        /// The source (`.omex.json`, `.plan`, ...).
        file: PathBuf,
        #[command(flatten)]
        compile: CompileArgs,
    },
    /// Compile a recipe to MEP bytecode.
    ///
    /// `--emit` selects what to produce (comma-separated or repeated):
    /// `mep` (the default: the bytecode, written to `-o`), `asm` (the
    /// disassembly, on stdout), `ir` (the IR after the last pass, on stdout),
    /// `ir=after-STAGE` (the IR after one pass: input, normalize, cleanup,
    /// unloads, slots), `dot` (the dataflow graph as Graphviz DOT, on stdout).
    Build {
        /// The recipe: a `.plan`, an `.omex.json` container, an Axon package (a
        /// folder with `manifest.yaml`, or the manifest), a `.bir` program or `.mepasm`.
        file: PathBuf,
        /// Where to write the bytecode (default: the input with extension `.mep`).
        #[arg(short, long, value_name = "OUT.mep")]
        output: Option<PathBuf>,
        /// What to produce.
        #[arg(long, value_delimiter = ',', value_name = "KIND")]
        emit: Vec<String>,
        #[command(flatten)]
        compile: CompileArgs,
    },
    /// Run a recipe: a `.mep` program, or a source compiled on the fly.
    ///
    /// Arguments after `--` are the recipe's command-line arguments.
    /// File access is limited to the recipe's folder, the working directory
    /// and the model path, plus `--allow-read` / `--allow-write` folders.
    Run {
        /// The recipe: a `.plan`, an `.omex.json` container, an Axon package (a
        /// folder with `manifest.yaml`, or the manifest), a `.bir` program, `.mepasm` or `.mep`.
        target: PathBuf,
        /// The recipe's arguments (`arg(0)`, `arg(1)`, ...).
        #[arg(last = true, value_name = "ARG")]
        args: Vec<String>,
        /// How to print the returned values: `text`, or `json` (one object on stdout).
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        output: OutputFormat,
        /// Also allow reading files under this folder. Repeatable.
        #[arg(long = "allow-read", value_name = "DIR")]
        allow_read: Vec<PathBuf>,
        /// Also allow writing files under this folder. Repeatable.
        #[arg(long = "allow-write", value_name = "DIR")]
        allow_write: Vec<PathBuf>,
        /// Stop after this many executed instructions.
        #[arg(long, value_name = "N")]
        max_steps: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<f64>,
        /// Print every executed instruction with its operand types and time.
        #[arg(long)]
        trace: bool,
        /// The ONNX Runtime library (`libonnxruntime.so`) to use; also `OMEX_ORT_LIB`.
        #[arg(long, value_name = "PATH")]
        ort_lib: Option<PathBuf>,
        #[command(flatten)]
        compile: CompileArgs,
    },
    /// Show a plan's estimated memory over time, instruction by instruction.
    ///
    /// Prints a table (instruction, what it does, source line, bytes live after
    /// it) with the peak and the budget; `--svg` also writes a chart.
    Profile {
        /// The recipe: a `.plan`, an `.omex.json` container, an Axon package (a
        /// folder with `manifest.yaml`, or the manifest) or a `.bir` program.
        file: PathBuf,
        /// Also write the timeline as an SVG chart here.
        #[arg(long, value_name = "OUT.svg")]
        svg: Option<PathBuf>,
        #[command(flatten)]
        compile: CompileArgs,
    },
    /// Print a `.mep` file as `.mepasm` text.
    ///
    /// A file that decodes but fails verification is still printed; the
    /// verification problems are reported as warnings.
    Disasm {
        /// The `.mep` file.
        file: PathBuf,
        /// Write the text here instead of standard output.
        #[arg(short, long, value_name = "OUT.mepasm")]
        output: Option<PathBuf>,
    },
    /// Check that a `.mep` file is valid MEP 1.0 bytecode.
    ///
    /// Reports every problem found, with its byte offset.
    Verify {
        /// The `.mep` file.
        file: PathBuf,
    },
    /// The compute board: store `.mep` modules, request invocations, follow them.
    ///
    /// Every board command takes `--board URL`: `sqlite://PATH` (one file,
    /// created on first use) or `postgres://USER@HOST:PORT/DATABASE`. The
    /// default is `$OMEX_BOARD`, else `sqlite://omex-board.db` in the current
    /// folder. Workers (`omexc worker`) run the invocations.
    Board {
        /// The board's URL.
        #[arg(long, global = true, value_name = "URL")]
        board: Option<String>,
        #[command(subcommand)]
        command: BoardCommand,
    },
    /// Run a worker: claim invocations from a board, run them, report results.
    ///
    /// Runs until killed (or, with `--exit-when-idle`, until nothing it can
    /// run is pending or running). Also fires the board's folder reactors and
    /// schedulers unless `--no-triggers`.
    Worker(WorkerArgs),
    /// Assemble `.mepasm` text into a `.mep` file.
    ///
    /// The result is verified before it is written.
    Asm {
        /// The `.mepasm` file.
        file: PathBuf,
        /// Where to write the bytecode (default: the input with extension `.mep`).
        #[arg(short, long, value_name = "OUT.mep")]
        output: Option<PathBuf>,
    },
    /// Jules BIR document pipelines: assemble and disassemble `.bir` files.
    ///
    /// `omexc run FILE.bir` runs one; `docs/bir.md` describes the format.
    #[command(subcommand)]
    Bir(BirCommand),
}

/// `omexc bir ...`
#[derive(Debug, Subcommand)]
pub enum BirCommand {
    /// Assemble `.birasm` text into a `.bir` file.
    Asm {
        /// The `.birasm` file.
        file: PathBuf,
        /// Where to write the program (default: the input with extension `.bir`).
        #[arg(short, long, value_name = "OUT.bir")]
        output: Option<PathBuf>,
    },
    /// Print a `.bir` file as `.birasm` text (one instruction per line).
    Disasm {
        /// The `.bir` file.
        file: PathBuf,
        /// Write the text here instead of standard output.
        #[arg(short, long, value_name = "OUT.birasm")]
        output: Option<PathBuf>,
    },
}

/// `omexc board ...`
#[derive(Debug, Subcommand)]
pub enum BoardCommand {
    /// Store a `.mep` program; prints its hash (sha256 of the bytes).
    Add {
        /// The `.mep` file (verified before it is stored).
        file: PathBuf,
        /// The module's name (default: the program's name, else the file name).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// List the stored modules, one per line: hash, name, size, models.
    Modules,
    /// Request a run of a module; prints the new invocation's id.
    Invoke {
        /// A module: its hash, a unique hash prefix (4+ digits) or its name.
        module: String,
        /// The program's arguments (`arg(0)`, `arg(1)`, ...).
        #[arg(last = true, value_name = "ARG")]
        args: Vec<String>,
        /// Runs tried before the invocation fails when workers die under it.
        #[arg(long, value_name = "N", default_value_t = 3)]
        max_attempts: i64,
    },
    /// Print an invocation's status, or the number of invocations per status.
    Status {
        /// The invocation's id.
        id: Option<i64>,
    },
    /// List invocations, one per line: id, status, module name, hash prefix, created.
    List {
        /// Only invocations in this status.
        #[arg(long, value_name = "STATUS", value_parser = ["pending", "running", "completed", "failed"])]
        status: Option<String>,
    },
    /// Show an invocation: module, status, timings, inputs, outputs, error.
    Show {
        id: i64,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Manage reactors: invoke a module when another completes or a file appears.
    #[command(subcommand)]
    Reactor(ReactorCommand),
    /// Manage schedulers: invoke a module on a cron schedule.
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// Fire due triggers and reclaim expired leases once (what workers do as they poll).
    Tick,
    /// List the workers that registered: id, what they run, when last seen.
    Workers,
}

/// `omexc board reactor ...`
#[derive(Debug, Subcommand)]
pub enum ReactorCommand {
    /// Add a reactor; prints its id.
    #[command(group(clap::ArgGroup::new("trigger").required(true).args(["on_complete", "watch"])))]
    Add {
        /// Fire when an invocation of this module completes; its outputs become the inputs.
        #[arg(long, value_name = "MODULE")]
        on_complete: Option<String>,
        /// Fire when a file appears in this folder; its absolute path is the input.
        #[arg(long, value_name = "DIR")]
        watch: Option<PathBuf>,
        /// The module to invoke.
        #[arg(long, value_name = "MODULE")]
        invoke: String,
    },
    /// List reactors, one per line.
    List,
    /// Delete a reactor.
    Remove { id: i64 },
    /// Enable a reactor.
    Enable { id: i64 },
    /// Disable a reactor (it fires nothing until enabled).
    Disable { id: i64 },
}

/// `omexc board schedule ...`
#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Add a scheduler; prints its id.
    Add {
        /// A cron expression in UTC: `minute hour day month weekday`, e.g. `0 9 * * *`.
        cron: String,
        /// The module to invoke.
        module: String,
        /// The arguments of each invocation.
        #[arg(last = true, value_name = "ARG")]
        args: Vec<String>,
    },
    /// List schedulers, one per line, with their next tick.
    List,
    /// Delete a scheduler.
    Remove { id: i64 },
}

/// `omexc worker ...`
#[derive(Debug, Clone, clap::Args)]
pub struct WorkerArgs {
    /// The board's URL (see `omexc board --help`).
    #[arg(long, value_name = "URL")]
    pub board: Option<String>,
    /// This worker's id, recorded on the invocations it runs (default: HOST-PID).
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// How long a claim stays valid without a heartbeat (`30s`, `500ms`, `2m`).
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub lease: String,
    /// How often the lease is renewed; shorter than `--lease`.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub heartbeat: String,
    /// How long to wait when there is nothing to claim.
    #[arg(long, value_name = "DURATION", default_value = "500ms")]
    pub poll: String,
    /// Only run invocations of this module (hash, prefix or name). Repeatable.
    #[arg(long = "module", value_name = "MODULE")]
    pub modules: Vec<String>,
    /// Module languages to claim (default: `mep`). Repeatable.
    #[arg(long = "language", value_name = "LANG")]
    pub languages: Vec<String>,
    /// Model execution formats to claim (default: the runtime's, `onnx`). Repeatable.
    #[arg(long = "format", value_name = "FORMAT")]
    pub formats: Vec<String>,
    /// Exit when nothing this worker can run is pending or running.
    #[arg(long)]
    pub exit_when_idle: bool,
    /// Exit after this many invocations.
    #[arg(long, value_name = "N")]
    pub max_invocations: Option<u64>,
    /// Do not scan watched folders or fire schedulers.
    #[arg(long)]
    pub no_triggers: bool,
    /// A folder to resolve model and tokenizer paths against (and to let
    /// programs read). Repeatable; default: the current folder.
    #[arg(long = "model-path", value_name = "DIR")]
    pub model_path: Vec<PathBuf>,
    /// Let programs read under this folder. Repeatable.
    #[arg(long = "allow-read", value_name = "DIR")]
    pub allow_read: Vec<PathBuf>,
    /// Let programs write under this folder. Repeatable.
    #[arg(long = "allow-write", value_name = "DIR")]
    pub allow_write: Vec<PathBuf>,
    /// Stop a program after this many executed instructions.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// Stop a program after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// The ONNX Runtime library to use; also `OMEX_ORT_LIB`.
    #[arg(long, value_name = "PATH")]
    pub ort_lib: Option<PathBuf>,
}
