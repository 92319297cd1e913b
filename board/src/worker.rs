//! A worker runtime: claims invocations from a board, runs them on the MEP
//! runtime, reports the outputs or the error.
//!
//! The loop: fire due triggers (folder reactors, schedulers), claim the
//! oldest pending invocation it can run, fetch the module by hash, check the
//! bytes against the hash, verify them (`omex_runtime::load`, once per hash),
//! run the program in the runtime's sandbox with the invocation's inputs as
//! its arguments, and complete or fail the claim. A heartbeat thread with its
//! own connection renews the lease of the running invocation; when nothing
//! can be claimed, the worker puts back the invocations of workers whose
//! leases expired.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use omex_mep::Program;
use omex_runtime::{HostRegistry, ModelBackends, SharedBuffer, Vm, VmOptions};

use crate::board::{Board, module_hash};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Capabilities, Claim, Reclaimed};

/// Console output kept per invocation (the end is cut beyond this).
const MAX_CONSOLE: usize = 64 * 1024;

/// What a worker's programs may touch, as for `omexc run`.
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// Folders model and tokenizer paths are resolved against.
    pub search_paths: Vec<PathBuf>,
    /// Folders programs may read under (the search paths are added).
    pub read_dirs: Vec<PathBuf>,
    /// Folders programs may write under.
    pub write_dirs: Vec<PathBuf>,
    pub max_steps: Option<u64>,
    pub timeout: Option<Duration>,
    pub ort_lib: Option<PathBuf>,
}

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Unique among live workers; recorded on the invocations it runs.
    pub id: String,
    pub capabilities: Capabilities,
    /// How long a claim stays valid without a heartbeat.
    pub lease: Duration,
    /// How often the lease is renewed (must be shorter than the lease).
    pub heartbeat: Duration,
    /// How long to wait when there is nothing to claim.
    pub poll: Duration,
    /// Stop when nothing this worker can run is pending or running.
    pub exit_when_idle: bool,
    /// Scan watched folders and tick schedulers.
    pub triggers: bool,
    /// Stop after this many invocations.
    pub max_invocations: Option<u64>,
    pub sandbox: SandboxOptions,
}

impl WorkerOptions {
    /// Defaults: language `mep`, the runtime's model formats, 30 s lease,
    /// 10 s heartbeat, 500 ms poll.
    pub fn new(id: impl Into<String>) -> Self {
        WorkerOptions {
            id: id.into(),
            capabilities: default_capabilities(),
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            poll: Duration::from_millis(500),
            exit_when_idle: false,
            triggers: true,
            max_invocations: None,
            sandbox: SandboxOptions::default(),
        }
    }
}

/// Everything this build can run: MEP programs, models of every format the
/// runtime has a backend for.
pub fn default_capabilities() -> Capabilities {
    let backends = ModelBackends::with_onnx(None);
    Capabilities {
        languages: vec!["mep".into()],
        formats: backends.formats().iter().map(|f| f.to_string()).collect(),
        modules: None,
    }
}

/// A default worker id: `HOST-PID`.
pub fn default_worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".into());
    format!("{host}-{}", std::process::id())
}

/// What a worker did, for its log.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Claimed {
        id: i64,
        module: String,
        attempt: i64,
    },
    Completed {
        id: i64,
        elapsed: Duration,
    },
    Failed {
        id: i64,
        error: String,
    },
    /// The claim was taken away (lease expired) before the result arrived;
    /// the result was discarded.
    LostClaim {
        id: i64,
    },
    Reclaimed(Reclaimed),
    Triggered {
        ids: Vec<i64>,
    },
}

/// Counts over a worker's run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub completed: u64,
    pub failed: u64,
    pub lost: u64,
}

pub struct Worker {
    board: Board,
    options: WorkerOptions,
    host: HostRegistry,
    /// Verified programs and module names by hash (modules are immutable).
    programs: HashMap<String, (Arc<Program>, String)>,
    /// A VM per module, with the buffer its console writes to: models stay
    /// loaded from one invocation to the next (`VmOptions::keep_models`).
    vms: HashMap<String, (Vm, SharedBuffer)>,
    stop: Arc<AtomicBool>,
}

/// The outputs of a run, or the error text recorded on the invocation.
type RunResult = std::result::Result<Vec<(String, serde_json::Value)>, String>;

/// The most modules a worker keeps a VM (and its models) for; past it,
/// every cached VM is dropped.
const MAX_CACHED_VMS: usize = 8;

fn bad_option(message: String) -> Error {
    Error::new(ErrorKind::BadOption, message)
}

impl Worker {
    /// A worker on `board`; checks the options and registers the worker.
    pub fn new(mut board: Board, options: WorkerOptions) -> Result<Worker> {
        if options.lease.is_zero() || options.heartbeat.is_zero() {
            return Err(bad_option(
                "--lease and --heartbeat must be positive".into(),
            ));
        }
        if options.heartbeat >= options.lease {
            return Err(bad_option(format!(
                "--heartbeat ({} ms) must be shorter than --lease ({} ms)",
                options.heartbeat.as_millis(),
                options.lease.as_millis()
            ))
            .with_help("a lease expires unless it is renewed in time; a heartbeat of a third of the lease is usual"));
        }
        if let Some(modules) = &options.capabilities.modules {
            for hash in modules {
                board.module(hash)?;
            }
        }
        board.register_worker(&options.id, &options.capabilities)?;
        Ok(Worker {
            board,
            options,
            host: HostRegistry::builtin(),
            programs: HashMap::new(),
            vms: HashMap::new(),
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Set it to make [`Worker::run`] return after the current invocation.
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    pub fn board(&mut self) -> &mut Board {
        &mut self.board
    }

    /// Runs until stopped, idle (with `exit_when_idle`) or `max_invocations`.
    pub fn run(&mut self, on_event: &mut dyn FnMut(&Event)) -> Result<Stats> {
        let current: Arc<Mutex<Option<Claim>>> = Arc::new(Mutex::new(None));
        let (stop_heartbeat, heartbeat) = self.start_heartbeat(current.clone())?;
        let result = self.run_loop(&current, on_event);
        drop(stop_heartbeat);
        let _ = heartbeat.join();
        result
    }

    fn start_heartbeat(
        &self,
        current: Arc<Mutex<Option<Claim>>>,
    ) -> Result<(mpsc::Sender<()>, thread::JoinHandle<()>)> {
        let mut board = self.board.reopen()?;
        let (tx, rx) = mpsc::channel::<()>();
        let id = self.options.id.clone();
        let (interval, lease) = (self.options.heartbeat, self.options.lease);
        let handle = thread::spawn(move || {
            loop {
                match rx.recv_timeout(interval) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
                let claim = current.lock().unwrap_or_else(|e| e.into_inner()).clone();
                // A failed renewal is retried at the next beat; if the lease
                // runs out meanwhile, completion reports the lost claim.
                let _ = match claim {
                    Some(claim) => board.heartbeat(&claim, &id, lease).map(|_| ()),
                    None => board.touch_worker(&id),
                };
            }
        });
        Ok((tx, handle))
    }

    fn run_loop(
        &mut self,
        current: &Mutex<Option<Claim>>,
        on_event: &mut dyn FnMut(&Event),
    ) -> Result<Stats> {
        let mut stats = Stats::default();
        let mut last_triggers: Option<Instant> = None;
        let mut last_reclaim = Instant::now();
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Ok(stats);
            }
            if self
                .options
                .max_invocations
                .is_some_and(|max| stats.completed + stats.failed + stats.lost >= max)
            {
                return Ok(stats);
            }
            if self.options.triggers
                && last_triggers.is_none_or(|t| t.elapsed() >= self.options.poll)
            {
                last_triggers = Some(Instant::now());
                let mut ids = self.board.scan_folders()?;
                ids.extend(self.board.tick_schedulers()?);
                if !ids.is_empty() {
                    on_event(&Event::Triggered { ids });
                }
            }
            if last_reclaim.elapsed() >= self.options.heartbeat {
                last_reclaim = Instant::now();
                self.reclaim(on_event)?;
            }
            let claim = self.board.claim(
                &self.options.id,
                &self.options.capabilities,
                self.options.lease,
            )?;
            let Some(claim) = claim else {
                last_reclaim = Instant::now();
                if self.reclaim(on_event)?.requeued > 0 {
                    continue;
                }
                if self.options.exit_when_idle
                    && !self.board.has_work(&self.options.capabilities)?
                {
                    return Ok(stats);
                }
                thread::sleep(self.options.poll);
                continue;
            };
            *current.lock().unwrap_or_else(|e| e.into_inner()) = Some(claim.clone());
            let outcome = self.run_claim(&claim, on_event);
            *current.lock().unwrap_or_else(|e| e.into_inner()) = None;
            match outcome? {
                Some(true) => stats.completed += 1,
                Some(false) => stats.failed += 1,
                None => stats.lost += 1,
            }
        }
    }

    fn reclaim(&mut self, on_event: &mut dyn FnMut(&Event)) -> Result<Reclaimed> {
        let reclaimed = self.board.reclaim_expired()?;
        if reclaimed != Reclaimed::default() {
            on_event(&Event::Reclaimed(reclaimed));
        }
        Ok(reclaimed)
    }

    /// Runs one claim and reports it: `Some(true)` completed, `Some(false)`
    /// failed, `None` the claim was lost meanwhile.
    fn run_claim(
        &mut self,
        claim: &Claim,
        on_event: &mut dyn FnMut(&Event),
    ) -> Result<Option<bool>> {
        let started = Instant::now();
        let program = self.program(&claim.module_hash);
        on_event(&Event::Claimed {
            id: claim.id,
            module: program
                .as_ref()
                .map_or_else(|_| claim.module_hash.clone(), |(_, name)| name.clone()),
            attempt: claim.attempt,
        });
        let (result, console) = match program {
            Ok((program, _)) => self.execute(&program, claim),
            Err(error) => (Err(error), None),
        };
        let id = &self.options.id;
        let (held, ok) = match &result {
            Ok(outputs) => (
                self.board
                    .complete(claim, id, outputs, console.as_deref())?,
                true,
            ),
            Err(error) => (
                self.board.fail(claim, id, error, console.as_deref())?,
                false,
            ),
        };
        if !held {
            on_event(&Event::LostClaim { id: claim.id });
            return Ok(None);
        }
        match result {
            Ok(_) => on_event(&Event::Completed {
                id: claim.id,
                elapsed: started.elapsed(),
            }),
            Err(error) => on_event(&Event::Failed {
                id: claim.id,
                error,
            }),
        }
        Ok(Some(ok))
    }

    /// Runs the claimed module's verified program in the module's VM; the
    /// error is the text recorded on a failed invocation. Also returns what
    /// the program printed.
    fn execute(&mut self, program: &Program, claim: &Claim) -> (RunResult, Option<String>) {
        let args: Vec<String> = claim
            .inputs
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        if !self.vms.contains_key(&claim.module_hash) && self.vms.len() >= MAX_CACHED_VMS {
            self.vms.clear();
        }
        let sandbox = &self.options.sandbox;
        let (vm, console) = self
            .vms
            .entry(claim.module_hash.clone())
            .or_insert_with(|| new_vm(sandbox, program));
        console.clear();
        vm.set_args(args);
        let result = match vm.run() {
            Ok(outputs) => Ok(outputs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_json()))
                .collect()),
            Err(e) => {
                let mut text = format!("{} {}: {}", e.kind.code(), e.kind.label(), e.message);
                if let Some(site) = &e.site {
                    text.push_str(&format!(
                        " (at instruction {}, {})",
                        site.index, site.mnemonic
                    ));
                }
                Err(text)
            }
        };
        (result, console_text(console))
    }

    /// The verified program of a module and its name, from the cache or
    /// the board.
    fn program(&mut self, hash: &str) -> std::result::Result<(Arc<Program>, String), String> {
        if let Some(cached) = self.programs.get(hash) {
            return Ok(cached.clone());
        }
        let fetch_error = |e: Error| format!("cannot fetch module {hash}: {e}");
        let name = self.board.module(hash).map_err(fetch_error)?.name;
        let bytes = self.board.module_bytes(hash).map_err(fetch_error)?;
        let actual = module_hash(&bytes);
        if actual != hash {
            return Err(format!(
                "module {hash} is corrupt: its stored bytes hash to {actual}"
            ));
        }
        let program = omex_runtime::load(&bytes, &self.host).map_err(|errors| {
            let list: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {e}", e.code()))
                .collect();
            format!("module {hash} failed verification: {}", list.join("; "))
        })?;
        let cached = (Arc::new(program), name);
        self.programs.insert(hash.to_string(), cached.clone());
        Ok(cached)
    }
}

/// A VM for `program` in the worker's sandbox, with its console captured.
fn new_vm(sandbox: &SandboxOptions, program: &Program) -> (Vm, SharedBuffer) {
    let mut read_dirs = sandbox.search_paths.clone();
    read_dirs.extend(sandbox.read_dirs.iter().cloned());
    let options = VmOptions {
        search_paths: sandbox.search_paths.clone(),
        read_dirs,
        write_dirs: sandbox.write_dirs.clone(),
        base_dir: None,
        args: Vec::new(),
        max_steps: sandbox.max_steps,
        timeout: sandbox.timeout,
        trace: false,
        progress: false,
        ort_lib: sandbox.ort_lib.clone(),
        keep_models: true,
    };
    let console = SharedBuffer::new();
    let vm = Vm::new(program.clone(), options)
        .with_stdout(console.clone())
        .with_stderr(console.clone())
        .with_stdin(std::io::empty());
    (vm, console)
}

fn console_text(buffer: &SharedBuffer) -> Option<String> {
    let mut text = buffer.contents();
    if text.is_empty() {
        return None;
    }
    if text.len() > MAX_CONSOLE {
        let mut cut = MAX_CONSOLE;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n[console output cut at 64 KiB]\n");
    }
    Some(text)
}
