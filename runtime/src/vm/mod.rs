//! The virtual machine: runs a verified [`Program`] over a 256-slot context.

mod exec;
mod resources;

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use omex_mep::{Instruction, Program, Role, Slot};

use crate::error::{ErrorKind, ErrorSite, Result, RuntimeError, SourceSpan};
use crate::host::HostRegistry;
use crate::io::Console;
use crate::model::{LoadedModel, ModelBackends, SessionConfig};
use crate::outputs::Outputs;
use crate::rng::Rng;
use crate::sandbox::Sandbox;
use crate::tokenizer::TokenizerHandle;
use crate::value::Value;

/// How a VM runs a program.
#[derive(Debug, Clone)]
pub struct VmOptions {
    /// Folders model, tokenizer and data-file paths are resolved against, in
    /// order: the recipe's folder first, then each model path. Empty means
    /// the base directory.
    pub search_paths: Vec<PathBuf>,
    /// Folders `SRC_FILE_CONTENT` and `image_load` may read under.
    pub read_dirs: Vec<PathBuf>,
    /// Folders `SINK_FILE` may write under.
    pub write_dirs: Vec<PathBuf>,
    /// The folder relative runtime paths start from (default: the current directory).
    pub base_dir: Option<PathBuf>,
    /// Command-line arguments (`SRC_CMD_ARG`).
    pub args: Vec<String>,
    /// Stop after this many executed instructions.
    pub max_steps: Option<u64>,
    /// Stop after this much wall-clock time (checked between instructions).
    pub timeout: Option<Duration>,
    /// Print every executed instruction, its operands' types and its time to stderr.
    pub trace: bool,
    /// Show progress bars for long loops and model loads when stderr is a terminal.
    pub progress: bool,
    /// The ONNX Runtime library to use (see [`crate::provision`]).
    pub ort_lib: Option<PathBuf>,
    /// Keep a model's session when the program unloads it (`RES_UNLOAD`),
    /// and give it back to the next `RES_LOAD_MODEL` of the same path with
    /// the same settings. For a VM that runs a program request after
    /// request: the compiler unloads each model after its last use, which
    /// would otherwise reload it on every run. The memory is then not freed
    /// where the program unloads (the memory plan assumes it is).
    pub keep_models: bool,
}

impl Default for VmOptions {
    fn default() -> Self {
        VmOptions {
            search_paths: Vec::new(),
            read_dirs: Vec::new(),
            write_dirs: Vec::new(),
            base_dir: None,
            args: Vec::new(),
            max_steps: None,
            timeout: None,
            trace: false,
            progress: true,
            ort_lib: None,
            keep_models: false,
        }
    }
}

/// A model loaded for a model-table entry.
struct LoadedEntry {
    model: Box<dyn LoadedModel>,
    /// The path as the program names it (a reload of the same path with the
    /// same settings reuses the session without touching the file system).
    requested: String,
    config: SessionConfig,
    /// Model input/output indices of the table's static contract.
    static_inputs: Vec<usize>,
    static_outputs: Vec<usize>,
}

/// What to do after an instruction.
enum Flow {
    Next,
    Jump(usize),
    Stop(Outputs),
}

/// Runs one program. Models and tokenizers stay loaded between runs, so a
/// VM can run the same program many times (with different arguments)
/// without reloading them.
pub struct Vm {
    program: Arc<Program>,
    options: VmOptions,
    sandbox: Sandbox,
    search: Vec<PathBuf>,
    constants: Vec<Value>,
    host: Arc<HostRegistry>,
    backends: ModelBackends,
    models: Vec<Option<LoadedEntry>>,
    /// Sessions the program unloaded, kept with [`VmOptions::keep_models`].
    parked: Vec<Option<LoadedEntry>>,
    /// Loaded tokenizers by (path as the program names it, padding).
    tokenizers: Vec<(String, Option<bool>, Arc<TokenizerHandle>)>,
    slots: Vec<Option<Value>>,
    rng: Rng,
    config: SessionConfig,
    precision: String,
    console: Console,
    offset: u32,
    progress: Option<(usize, ProgressBar)>,
}

impl Vm {
    /// A VM for `program`, with the built-in host functions and the ONNX
    /// Runtime backend. The program should have been verified against
    /// [`HostRegistry::builtin`] (see [`crate::verify`]).
    pub fn new(program: Program, options: VmOptions) -> Vm {
        let sandbox = Sandbox::new(
            &options.read_dirs,
            &options.write_dirs,
            options.base_dir.as_deref(),
        );
        let search = if options.search_paths.is_empty() {
            vec![sandbox.base().to_path_buf()]
        } else {
            options
                .search_paths
                .iter()
                .map(|p| {
                    let abs = crate::sandbox::lexical_absolute(sandbox.base(), p);
                    std::fs::canonicalize(&abs).unwrap_or(abs)
                })
                .collect()
        };
        let module = program.module();
        let constants = module.constants.iter().map(Value::from_constant).collect();
        let models: Vec<_> = module.models.iter().map(|_| None).collect();
        let parked = module.models.iter().map(|_| None).collect();
        let backends = ModelBackends::with_onnx(options.ort_lib.clone());
        Vm {
            program: Arc::new(program),
            sandbox,
            search,
            constants,
            host: Arc::new(HostRegistry::builtin()),
            backends,
            models,
            parked,
            tokenizers: Vec::new(),
            slots: vec![None; 256],
            rng: Rng::new(0),
            config: SessionConfig::default(),
            precision: "default".into(),
            console: Console::default(),
            offset: 0,
            progress: None,
            options,
        }
    }

    /// Sends console output (`SINK_CONSOLE`, prompts) to `w`.
    pub fn with_stdout(mut self, w: impl Write + Send + 'static) -> Self {
        self.console.stdout = Box::new(w);
        self
    }

    /// Sends diagnostics (`SYS_DEBUG_PRINT`, trace) to `w`.
    pub fn with_stderr(mut self, w: impl Write + Send + 'static) -> Self {
        self.console.stderr = Box::new(w);
        self.console.stderr_terminal = false;
        self
    }

    /// Reads typed input (`SRC_USER_PROMPT`) from `r`.
    pub fn with_stdin(mut self, r: impl BufRead + Send + 'static) -> Self {
        self.console.stdin = Box::new(r);
        self
    }

    /// Uses these host functions instead of the built-in ones.
    pub fn with_host_functions(mut self, host: Arc<HostRegistry>) -> Self {
        self.host = host;
        self
    }

    /// Uses these model backends instead of the default (ONNX Runtime).
    pub fn with_model_backends(mut self, backends: ModelBackends) -> Self {
        self.backends = backends;
        self
    }

    /// Sets the command-line arguments for the next runs.
    pub fn set_args(&mut self, args: Vec<String>) {
        self.options.args = args;
    }

    pub fn options(&self) -> &VmOptions {
        &self.options
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Drops every loaded model and tokenizer.
    pub fn unload_all(&mut self) {
        self.models.iter_mut().for_each(|m| *m = None);
        self.parked.iter_mut().for_each(|m| *m = None);
        self.tokenizers.clear();
    }

    /// Runs the program from the start with an empty context.
    pub fn run(&mut self) -> Result<Outputs> {
        let program = self.program.clone();
        self.slots.iter_mut().for_each(|s| *s = None);
        self.rng = Rng::new(0);
        self.config = SessionConfig::default();
        self.precision = "default".into();
        let code = program.instructions();
        let deadline = self.options.timeout.map(|t| (Instant::now() + t, t));
        let max_steps = self.options.max_steps.unwrap_or(u64::MAX);
        let trace = self.options.trace;
        let mut steps: u64 = 0;
        let mut pc = 0usize;
        let result = loop {
            let Some(instruction) = code.get(pc) else {
                break Ok(Outputs::default());
            };
            steps += 1;
            if steps > max_steps {
                break Err(RuntimeError::new(
                    ErrorKind::StepLimit,
                    format!("the program executed {max_steps} instructions without finishing"),
                )
                .with_help("raise the instruction limit (--max-steps) if the program is meant to run this long")
                .at(self.site(&program, pc)));
            }
            if let Some((deadline, limit)) = deadline
                && Instant::now() > deadline
            {
                break Err(RuntimeError::new(
                    ErrorKind::Timeout,
                    format!("the program ran longer than {:.3} s", limit.as_secs_f64()),
                )
                .with_help(
                    "raise the time limit (--timeout) if the program is meant to run this long",
                )
                .at(self.site(&program, pc)));
            }
            self.offset = program.offset(pc);
            let flow = if trace {
                self.exec_traced(&program, pc, instruction)
            } else {
                self.exec(&program, pc, instruction)
            };
            match flow {
                Ok(Flow::Next) => pc += 1,
                Ok(Flow::Jump(target)) => pc = target,
                Ok(Flow::Stop(outputs)) => break Ok(outputs),
                Err(e) => break Err(e.at(self.site(&program, pc))),
            }
        };
        if let Some((_, bar)) = self.progress.take() {
            bar.finish_and_clear();
        }
        let _ = self.console.stdout.flush();
        result
    }

    /// The failing instruction, with its source location when recorded.
    fn site(&self, program: &Program, pc: usize) -> ErrorSite {
        let offset = program.offset(pc);
        let mnemonic = program
            .instructions()
            .get(pc)
            .map_or("?", |i| i.opcode().mnemonic());
        let source = program.module().debug.as_ref().and_then(|d| {
            let loc = d.location(offset)?;
            Some(SourceSpan {
                file: d.files.get(loc.file as usize)?.clone(),
                start: loc.start,
                end: loc.end,
            })
        });
        ErrorSite {
            index: pc,
            offset,
            mnemonic,
            source,
        }
    }

    /// The value in a slot; reading an empty slot is an error.
    fn get(&self, slot: Slot) -> Result<&Value> {
        match self.slots.get(slot.0 as usize) {
            Some(Some(v)) => Ok(v),
            _ => {
                let name = self
                    .program
                    .module()
                    .debug
                    .as_ref()
                    .and_then(|d| d.slot_name(slot.0, self.offset))
                    .map(|n| format!(" (`{n}`)"))
                    .unwrap_or_default();
                Err(RuntimeError::new(
                    ErrorKind::EmptySlot,
                    format!("slot {slot}{name} is read but holds no value"),
                ))
            }
        }
    }

    fn set(&mut self, slot: Slot, v: Value) {
        if let Some(s) = self.slots.get_mut(slot.0 as usize) {
            *s = Some(v);
        }
    }

    fn progress_enabled(&self) -> bool {
        self.options.progress && self.console.stderr_terminal && !self.options.trace
    }

    fn exec_traced(
        &mut self,
        program: &Program,
        pc: usize,
        instruction: &Instruction,
    ) -> Result<Flow> {
        let describe = |vm: &Vm, slot: Slot| -> String {
            match vm.slots.get(slot.0 as usize) {
                Some(Some(v)) => format!("{slot}={}", v.describe()),
                _ => format!("{slot}=empty"),
            }
        };
        let mut reads = Vec::new();
        instruction.for_each_slot(|slot, role| {
            if matches!(role, Role::Read | Role::Update) {
                reads.push(describe(self, slot));
            }
        });
        let start = Instant::now();
        let flow = self.exec(program, pc, instruction);
        let elapsed = start.elapsed();
        let mut writes = Vec::new();
        if flow.is_ok() {
            instruction.for_each_slot(|slot, role| {
                if matches!(role, Role::Write | Role::Update) {
                    writes.push(describe(self, slot));
                }
            });
        }
        let mut line = format!(
            "trace: [{pc:>4}] {:#06x} {:<20}",
            program.offset(pc),
            instruction.opcode().mnemonic()
        );
        if !reads.is_empty() {
            line.push_str(&format!(" in: {}", reads.join(", ")));
        }
        if !writes.is_empty() {
            line.push_str(&format!(" out: {}", writes.join(", ")));
        }
        if flow.is_err() {
            line.push_str(" FAILED");
        }
        line.push_str(&format!(" ({:.3} ms)", elapsed.as_secs_f64() * 1e3));
        let _ = writeln!(self.console.stderr, "{line}");
        flow
    }

    /// Starts a progress bar for a top-level loop of many iterations.
    fn loop_progress_start(&mut self, start: usize, count: i64) {
        if self.progress.is_some() || count < 100 || !self.progress_enabled() {
            return;
        }
        let bar = ProgressBar::new(count as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} iterations ({elapsed})")
        {
            bar.set_style(style);
        }
        self.progress = Some((start, bar));
    }

    /// Advances (or, when the loop ends, removes) the loop's progress bar.
    fn loop_progress_step(&mut self, start: usize, finished: bool) {
        if let Some((s, bar)) = &self.progress
            && *s == start
        {
            if finished {
                bar.finish_and_clear();
                self.progress = None;
            } else {
                bar.inc(1);
            }
        }
    }

    /// A spinner while something slow happens, when stderr is a terminal.
    fn spinner(&self, message: String) -> Option<ProgressBar> {
        if !self.progress_enabled() {
            return None;
        }
        let bar = ProgressBar::new_spinner();
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(100));
        Some(bar)
    }
}
