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
pub enum ColorChoice {
    /// Colour when stderr is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
