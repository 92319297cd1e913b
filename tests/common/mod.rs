//! Helpers shared by the command-line tests (`tests/cli_*.rs`): running the
//! `omexc` binary and reading what it printed.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root (where the examples are).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `omexc ARGS` in `dir`, uncoloured, without the user's default board.
pub fn command_in(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_omexc"));
    command
        .args(["--color", "never"])
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("OMEX_BOARD");
    command
}

pub fn omexc_in(dir: &Path, args: &[&str]) -> Output {
    command_in(dir, args).output().expect("omexc runs")
}

/// `omexc ARGS` in the workspace root.
pub fn omexc(args: &[&str]) -> Output {
    omexc_in(root(), args)
}

/// Standard output of a run that must succeed.
pub fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The last line of a successful run's standard output, as JSON
/// (`--output json` prints one object there).
pub fn json(output: &Output) -> serde_json::Value {
    let stdout = ok(output);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A folder under the test target's scratch space (kept if it exists).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An empty folder under the test target's scratch space.
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The elements of a tensor in the runtime's JSON form.
pub fn floats(value: &serde_json::Value) -> Vec<f64> {
    value["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}
