//! `omexc check FILE`

use std::path::Path;

use super::Reported;
use crate::cli::CompileArgs;
use crate::driver::{self, CompileOptions};
use crate::report::Reporter;

pub fn run(path: &Path, args: &CompileArgs, reporter: &mut Reporter) -> Result<(), Reported> {
    reporter.set_input(path.display().to_string());
    let options = CompileOptions::from_args(args, reporter)?;
    driver::compile(path, &options, reporter)?;
    eprintln!("{}: no errors", path.display());
    Ok(())
}
