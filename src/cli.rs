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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a recipe for errors without building it.
    ///
    /// Names, arguments, types, shapes and model inputs/outputs (read from the
    /// ONNX files when they are found) are all checked.
    Check {
        /// The recipe (`.plan`, `.mepasm` or `.mep`).
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
        /// The recipe (`.plan` or `.mepasm`).
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
        /// The recipe (`.plan`, `.mepasm` or `.mep`).
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
        /// The recipe (`.plan`).
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
}
