//! Helpers shared by the runtime's integration tests.
#![allow(dead_code)]

use std::io::Cursor;
use std::path::PathBuf;

use omex_mep::Program;
use omex_runtime::{HostRegistry, Outputs, RuntimeError, SharedBuffer, Vm, VmOptions};

/// The shared MiniLM model folder.
pub fn minilm_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models/minilm-l6-int8")
}

/// Assembles and verifies `.mepasm` text against the built-in host functions.
pub fn program(src: &str) -> Program {
    let assembled =
        omex_mep::text::assemble(src).unwrap_or_else(|e| panic!("assembly failed: {e:#?}"));
    omex_runtime::verify(assembled.module, &HostRegistry::builtin())
        .unwrap_or_else(|e| panic!("verification failed: {e:#?}"))
}

/// A VM with captured stdout/stderr and the given stdin.
pub struct Harness {
    pub vm: Vm,
    pub stdout: SharedBuffer,
    pub stderr: SharedBuffer,
}

pub fn harness(src: &str, options: VmOptions, stdin: &str) -> Harness {
    let stdout = SharedBuffer::new();
    let stderr = SharedBuffer::new();
    let vm = Vm::new(program(src), options)
        .with_stdout(stdout.clone())
        .with_stderr(stderr.clone())
        .with_stdin(Cursor::new(stdin.as_bytes().to_vec()));
    Harness { vm, stdout, stderr }
}

/// Runs a program with default options and no input.
pub fn run(src: &str) -> (Result<Outputs, RuntimeError>, String) {
    let mut h = harness(src, VmOptions::default(), "");
    let r = h.vm.run();
    (r, h.stdout.contents())
}

/// Runs a program that must succeed.
pub fn run_ok(src: &str) -> (Outputs, String) {
    let (r, out) = run(src);
    match r {
        Ok(o) => (o, out),
        Err(e) => panic!("run failed: {e}"),
    }
}

/// Runs a program that must fail.
pub fn run_err(src: &str) -> RuntimeError {
    match run(src).0 {
        Ok(o) => panic!("expected an error, got {}", o.to_json()),
        Err(e) => e,
    }
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "omex-runtime-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(std::fs::canonicalize(&dir).expect("canonical temp dir"))
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
