//! End-to-end latency of the MEP VM running the MiniLM embedding recipe
//! against hand-written Rust calling `tokenizers` and `ort` directly, at
//! batch 1, in one process, with the same ONNX Runtime session settings.
//!
//! CARGO_TARGET_DIR=target-bench cargo run --release -p omex-runtime --example bench_minilm -- \
//!     [--iterations N] [--rounds R] [--threads 1,2] [--padding both|on|off] \
//!     [--sentence TEXT] [--model-dir DIR] [--mep-padded FILE.mep] [--mep-unpadded FILE.mep] \
//!     [--encode-fast] [--block K] [--block-warmup W] [--overhead-iterations N] \
//!     [--python PYTHON [--python-script bench/minilm_python.py]] [--json]
//!
//! For every (threads, padding) configuration: one VM and one direct
//! pipeline (and the Python one with `--python`), each with its own session
//! (`with_intra_threads(threads)` on every side: the VM gets it from
//! `EXEC_CTL threads`, Python from `intra_op_num_threads`), warmed up, then
//! `rounds` x `iterations` timed calls, the sides interleaved in blocks of
//! `block` timed calls (default 10), each block preceded by `block_warmup`
//! untimed calls (default 2), in an order that changes every block so that
//! each side runs first, second, last, and after each other side, equally
//! often. With `--python PYTHON`, `bench/minilm_python.py --serve` runs as a
//! child process and is a third side (it times its own calls). (Several
//! sessions are alive at once; ONNX Runtime's worker threads spin for a
//! while after a run, so the first call after another side's run competes
//! with them for the 2 cores: with blocks of 1 and no warm-up call, both
//! sides measured 2-4x slower at 2 threads.) Reports
//! the median, p10 and p90 over all calls, the ratios VM / direct and
//! VM / Python of the medians, and their spread over the rounds (min..max of
//! the per-round median ratios). Before timing, the embeddings are compared
//! (and with the reference embedding of `reference.json` when it has the
//! sentence); a difference over 1e-4 aborts.
//!
//! The VM runs the program `omexc build examples/minilm-embed.plan` emits,
//! transcribed below with `EXEC_CTL threads` added and without the
//! compiler's `RES_UNLOAD` of the model (which makes every run reload it);
//! or, as emitted, the `.mep` files given with `--mep-padded` /
//! `--mep-unpadded`, run with `VmOptions::keep_models` (as a server would,
//! so that the compiler's `RES_UNLOAD` does not reload the model at every
//! run). "padded" keeps the tokenizer's configuration (pad to
//! 128); "unpadded" turns padding off on both sides.
//!
//! Then, for each padding, everything but the model: the VM with a stub
//! model backend (answers a constant `last_hidden_state`, copied once as the
//! real backend copies ONNX Runtime's output) against the direct path's
//! tokenization and pooling (and Python's, without `session.run`),
//! `--overhead-iterations` calls per round (default 2000; 0 skips it),
//! interleaved in blocks of 100. The difference is the
//! VM's own cost per embedding, without the model's noise.
//!
//! Compatibility: a bare number is the iteration count; `BENCH_THREADS=N` and
//! `BENCH_ENCODE_FAST=1` are read when the flags are absent.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use omex_runtime::{
    DType, HostRegistry, IoInfo, LoadedModel, ModelBackend, ModelBackends, SessionConfig, Tensor,
    Value, Vm, VmOptions,
};
use ort::session::Session;
use ort::value::TensorRef;

/// The program `omexc build examples/minilm-embed.plan --emit asm` prints
/// (same instructions, order and slots), with two changes: `EXEC_CTL threads`
/// first (the plan language has no thread setting), and without the
/// `RES_UNLOAD res=model target=0` the compiler puts after the model's last
/// use, which would drop the session at every run (pass the compiled file
/// with `--mep-padded` / `--mep-unpadded` to measure it as emitted). PADDING
/// is the tokenizer load: `params=[]` keeps the file's padding, `[false]`
/// turns it off (what `tokenizer(path, padding: false)` compiles to).
const RECIPE: &str = r#".mep 1.0
.plan "embed"
.arg 0 "sentence"
.model m0 "model.onnx" format="onnx" inputs=["input_ids", "attention_mask", "token_type_ids"] outputs=["last_hidden_state"]
    THREADS
    SRC_CMD_ARG out=s0 arg=0
    PADDING
    PREPROC_ENCODE proc=s1 input=s0 out=s0
    SRC_CONSTANT out=s1 value="input_ids"
    TENSOR_EXTRACT out=s1 tensor=s0 index=s1
    SRC_CONSTANT out=s2 value="attention_mask"
    TENSOR_EXTRACT out=s3 tensor=s0 index=s2
    SRC_CONSTANT out=s4 value="token_type_ids"
    TENSOR_EXTRACT out=s4 tensor=s0 index=s4
    RES_LOAD_MODEL model=m0 path="model.onnx"
    MODEL_RUN_STATIC model=m0 inputs=[s1, s3, s4] outputs=[s1]
    TENSOR_EXTRACT out=s0 tensor=s0 index=s2
    EXTERN_CALL_FUNC func="mean_pool" inputs=[s1, s0] outputs=[s0]
    EXTERN_CALL_FUNC func="l2_normalize" inputs=[s0] outputs=[s0]
    SRC_CONSTANT out=s1 value=0
    TENSOR_EXTRACT out=s0 tensor=s0 index=s1
    SINK_RETURN values=[s0] names=["embedding"]
"#;

const DEFAULT_SENTENCE: &str = "The cat sits on the mat.";

/// Tokenizer + ONNX Runtime + pooling written by hand.
struct Direct {
    tokenizer: tokenizers::Tokenizer,
    session: Session,
    /// `encode_fast` (no offsets, as the runtime does) instead of `encode`.
    fast: bool,
}

impl Direct {
    fn new(
        env: &ort::environment::Environment,
        dir: &Path,
        threads: usize,
        padding: bool,
        fast: bool,
    ) -> Direct {
        let mut tokenizer =
            tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).expect("tokenizer");
        if !padding {
            tokenizer.with_padding(None);
        }
        let session = Session::builder(env)
            .expect("builder")
            .with_intra_threads(threads)
            .expect("threads")
            .commit_from_file(dir.join("model.onnx"))
            .expect("session");
        Direct {
            tokenizer,
            session,
            fast,
        }
    }

    fn embed(&mut self, text: &str) -> Vec<f32> {
        let [ids, mask, types] = tokenize(&self.tokenizer, self.fast, text);
        let n = ids.len();
        let outputs = self
            .session
            .run(ort::inputs![
                "input_ids" => TensorRef::from_array_view(([1, n], &*ids)).expect("ids"),
                "attention_mask" => TensorRef::from_array_view(([1, n], &*mask)).expect("mask"),
                "token_type_ids" => TensorRef::from_array_view(([1, n], &*types)).expect("types"),
            ])
            .expect("run");
        let (shape, hidden) = outputs["last_hidden_state"]
            .try_extract_tensor::<f32>()
            .expect("extract");
        pool(hidden, shape[2] as usize, &mask)
    }
}

/// Token ids, attention mask and token type ids as i64 (`encode_fast`: no
/// offsets, as the runtime tokenizes; or `encode`).
fn tokenize(tokenizer: &tokenizers::Tokenizer, fast: bool, text: &str) -> [Vec<i64>; 3] {
    let enc = if fast {
        tokenizer.encode_fast(text, true).expect("encode")
    } else {
        tokenizer.encode(text, true).expect("encode")
    };
    let ids = enc.get_ids().iter().map(|&x| x as i64).collect();
    let mask = enc.get_attention_mask().iter().map(|&x| x as i64).collect();
    let types = enc.get_type_ids().iter().map(|&x| x as i64).collect();
    [ids, mask, types]
}

/// The direct path's tokenization and pooling, for the overhead measurement.
struct DirectNoModel {
    tokenizer: tokenizers::Tokenizer,
    fast: bool,
}

impl DirectNoModel {
    fn embed(&self, text: &str) -> Vec<f32> {
        let [ids, mask, types] = tokenize(&self.tokenizer, self.fast, text);
        std::hint::black_box((&ids, &types));
        // Pooled straight from the buffer, as `Direct::embed` pools from
        // ONNX Runtime's (the VM's stub backend copies it, as the real one does).
        pool(&STUB_HIDDEN[..mask.len() * HIDDEN], HIDDEN, &mask)
    }
}

/// Mask-weighted mean over tokens, straight from ONNX Runtime's buffer, then
/// L2 normalisation (sentence-transformers' pooling).
fn pool(hidden: &[f32], d: usize, mask: &[i64]) -> Vec<f32> {
    let mut pooled = vec![0f32; d];
    let mut count = 0f32;
    for (row, &m) in hidden.chunks_exact(d).zip(mask) {
        if m != 0 {
            let w = m as f32;
            count += w;
            for (p, x) in pooled.iter_mut().zip(row) {
                *p += x * w;
            }
        }
    }
    let count = count.max(1e-9);
    pooled.iter_mut().for_each(|p| *p /= count);
    let norm = pooled.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    pooled.iter_mut().for_each(|p| *p /= norm);
    pooled
}

/// A model backend for format `onnx` that does not run anything: it answers
/// `last_hidden_state` `[1, n, 384]` filled with a constant (copied once per
/// run, as the real backend copies ONNX Runtime's output), so timing the VM
/// with it measures everything but the model.
struct StubBackend;
struct StubModel {
    inputs: Vec<IoInfo>,
    outputs: Vec<IoInfo>,
}
const HIDDEN: usize = 384;

impl ModelBackend for StubBackend {
    fn format(&self) -> &str {
        "onnx"
    }
    fn load(&self, _: &Path, _: &SessionConfig) -> omex_runtime::Result<Box<dyn LoadedModel>> {
        let io = |name: &str, dtype, shape: Vec<i64>| IoInfo {
            name: name.into(),
            dtype: Some(dtype),
            type_name: format!("{dtype:?}"),
            shape,
        };
        Ok(Box::new(StubModel {
            inputs: vec![
                io("input_ids", DType::I64, vec![-1, -1]),
                io("attention_mask", DType::I64, vec![-1, -1]),
                io("token_type_ids", DType::I64, vec![-1, -1]),
            ],
            outputs: vec![io(
                "last_hidden_state",
                DType::F32,
                vec![-1, -1, HIDDEN as i64],
            )],
        }))
    }
}

impl LoadedModel for StubModel {
    fn inputs(&self) -> &[IoInfo] {
        &self.inputs
    }
    fn outputs(&self) -> &[IoInfo] {
        &self.outputs
    }
    fn run(
        &mut self,
        inputs: &[(usize, &Tensor)],
        _: &[usize],
    ) -> omex_runtime::Result<Vec<Tensor>> {
        let n = inputs[0].1.shape()[1];
        let data = STUB_HIDDEN[..n * HIDDEN].to_vec();
        Ok(vec![Tensor::from_vec(&[1, n, HIDDEN], data)?])
    }
}

static STUB_HIDDEN: std::sync::LazyLock<Vec<f32>> =
    std::sync::LazyLock::new(|| (0..512 * HIDDEN).map(|i| (i % 97) as f32 * 0.01).collect());

fn vm_embedding(vm: &mut Vm, text: &str) -> Vec<f32> {
    vm.set_args(vec![text.to_string()]);
    let out = vm.run().expect("vm run");
    match out.get("embedding") {
        Some(Value::Tensor(t @ Tensor::F32(_))) => t.to_f32().iter().copied().collect(),
        other => panic!("unexpected VM output {other:?}"),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    // nearest rank
    let k = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[k.clamp(1, sorted.len()) - 1]
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    s
}

fn median(v: &[f64]) -> f64 {
    let s = sorted(v);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "embedding lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// The reference embedding of `text` from `reference.json`, if listed.
fn reference(dir: &Path, text: &str) -> Option<Vec<f32>> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("reference.json")).ok()?).ok()?;
    let s = json["sentences"]
        .as_array()?
        .iter()
        .find(|s| s["text"] == text)?;
    Some(
        s["embedding"]
            .as_array()?
            .iter()
            .filter_map(|x| x.as_f64().map(|x| x as f32))
            .collect(),
    )
}

struct Args {
    iterations: usize,
    rounds: usize,
    threads: Vec<usize>,
    paddings: Vec<bool>,
    sentence: String,
    dir: PathBuf,
    mep_padded: Option<PathBuf>,
    mep_unpadded: Option<PathBuf>,
    fast: bool,
    block: usize,
    block_warmup: usize,
    overhead_iterations: usize,
    python: Option<PathBuf>,
    python_script: PathBuf,
    json: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        iterations: 200,
        rounds: 5,
        threads: std::env::var("BENCH_THREADS")
            .ok()
            .and_then(|t| t.parse().ok())
            .map_or(vec![1, 2], |t| vec![t]),
        paddings: vec![true, false],
        sentence: DEFAULT_SENTENCE.into(),
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models/minilm-l6-int8"),
        mep_padded: None,
        mep_unpadded: None,
        fast: std::env::var("BENCH_ENCODE_FAST").is_ok_and(|v| v == "1"),
        block: 10,
        block_warmup: 2,
        overhead_iterations: 2000,
        python: None,
        python_script: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bench/minilm_python.py"),
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().unwrap_or_else(|| panic!("{name} needs a value"));
        match arg.as_str() {
            "--iterations" => a.iterations = value("--iterations").parse().expect("a number"),
            "--rounds" => a.rounds = value("--rounds").parse().expect("a number"),
            "--block" => a.block = value("--block").parse().expect("a number"),
            "--overhead-iterations" => {
                a.overhead_iterations = value("--overhead-iterations").parse().expect("a number")
            }
            "--block-warmup" => a.block_warmup = value("--block-warmup").parse().expect("a number"),
            "--threads" => {
                a.threads = value("--threads")
                    .split(',')
                    .map(|t| t.trim().parse().expect("thread counts"))
                    .collect()
            }
            "--padding" => {
                a.paddings = match value("--padding").as_str() {
                    "both" => vec![true, false],
                    "on" => vec![true],
                    "off" => vec![false],
                    other => panic!("--padding both|on|off, not {other}"),
                }
            }
            "--sentence" => a.sentence = value("--sentence"),
            "--model-dir" => a.dir = PathBuf::from(value("--model-dir")),
            "--mep-padded" => a.mep_padded = Some(PathBuf::from(value("--mep-padded"))),
            "--mep-unpadded" => a.mep_unpadded = Some(PathBuf::from(value("--mep-unpadded"))),
            "--python" => a.python = Some(PathBuf::from(value("--python"))),
            "--python-script" => a.python_script = PathBuf::from(value("--python-script")),
            "--encode-fast" => a.fast = true,
            "--json" => a.json = true,
            n if n.parse::<usize>().is_ok() => a.iterations = n.parse().unwrap(),
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(a.iterations > 0 && a.rounds > 0 && a.block > 0);
    a
}

fn make_vm(args: &Args, threads: usize, padding: bool, use_mep: bool) -> (Vm, String) {
    let host = HostRegistry::builtin();
    let none = None;
    let mep = match (use_mep, padding) {
        (false, _) => &none,
        (true, true) => &args.mep_padded,
        (true, false) => &args.mep_unpadded,
    };
    let (program, source, search) = match mep {
        Some(path) => {
            let bytes = std::fs::read(path).expect("read .mep");
            let program = omex_runtime::load(&bytes, &host).expect("a valid .mep");
            // The compiled plan names `minilm-l6-int8/model.onnx`: search the
            // model folder's parent as well as the folder itself.
            let parent = args.dir.parent().map(Path::to_path_buf).unwrap_or_default();
            (
                program,
                path.display().to_string(),
                vec![args.dir.clone(), parent],
            )
        }
        None => {
            let text = RECIPE
                .replace("THREADS", &format!("EXEC_CTL ctl=threads value={threads}"))
                .replace(
                    "PADDING",
                    if padding {
                        "RES_LOAD_EXTERN out=s1 repo=\"tokenizer.json\" kind=tokenizer params=[]"
                    } else {
                        "SRC_CONSTANT out=s1 value=false\n    RES_LOAD_EXTERN out=s1 repo=\"tokenizer.json\" kind=tokenizer params=[s1]"
                    },
                );
            let assembled = omex_mep::text::assemble(&text).expect("assembles");
            let program = omex_runtime::verify(assembled.module, &host).expect("verifies");
            (
                program,
                "built-in program".to_string(),
                vec![args.dir.clone()],
            )
        }
    };
    let vm = Vm::new(
        program,
        VmOptions {
            search_paths: search,
            progress: false,
            // A server's setting: the compiled program unloads the model
            // after its last use; the VM keeps the session for the next run.
            keep_models: true,
            ..Default::default()
        },
    );
    (vm, source)
}

/// `bench/minilm_python.py --serve`: the Python pipeline in a child process,
/// timing its own calls (`time.perf_counter` around the same steps), on
/// request, so it can be interleaved with the two Rust sides.
struct PyServer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// The embedding it computed for the sentence.
    embedding: Vec<f32>,
    versions: String,
    /// Time tokenization and pooling only (`nomodel` requests).
    no_model: bool,
}

impl PyServer {
    fn start(args: &Args, python: &Path, threads: usize, padding: bool) -> PyServer {
        let mut child = Command::new(python)
            .arg(&args.python_script)
            .args(["--serve", "--threads", &threads.to_string()])
            .args(["--padding", if padding { "on" } else { "off" }])
            .arg("--sentence")
            .arg(&args.sentence)
            .arg("--model-dir")
            .arg(&args.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("python: ready line");
        let ready: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("python did not start ({e}): {line:?}"));
        let embedding = ready["embedding"]
            .as_array()
            .expect("embedding")
            .iter()
            .map(|x| x.as_f64().unwrap_or(f64::NAN) as f32)
            .collect();
        let versions = ready["versions"].as_str().unwrap_or("").to_string();
        PyServer {
            child,
            stdin,
            stdout,
            embedding,
            versions,
            no_model: false,
        }
    }

    /// `warmup` untimed calls, then `k` timed ones (ms).
    fn block(&mut self, warmup: usize, k: usize) -> Vec<f64> {
        let prefix = if self.no_model { "nomodel " } else { "" };
        writeln!(self.stdin, "{prefix}{k} {warmup}").expect("python: request");
        self.stdin.flush().expect("python: flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("python: answer");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("python answered {line:?}: {e}"))
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}

/// One of the pipelines being compared.
enum Side {
    Vm(Box<Vm>),
    Direct(Box<Direct>),
    DirectNoModel(Box<DirectNoModel>),
    Python(Box<PyServer>),
}

impl Side {
    fn name(&self) -> &'static str {
        match self {
            Side::Vm(_) => "omexc_vm",
            Side::Direct(_) | Side::DirectNoModel(_) => "rust_direct",
            Side::Python(_) => "python",
        }
    }

    /// `warmup` untimed calls, then `k` timed ones (ms).
    fn block(&mut self, text: &str, warmup: usize, k: usize) -> Vec<f64> {
        match self {
            Side::Python(py) => py.block(warmup, k),
            Side::Vm(vm) => {
                vm.set_args(vec![text.to_string()]);
                (0..warmup + k)
                    .map(|_| {
                        let t = Instant::now();
                        let out = vm.run().expect("vm run");
                        let e = t.elapsed().as_secs_f64() * 1e3;
                        std::hint::black_box(out);
                        e
                    })
                    .skip(warmup)
                    .collect()
            }
            Side::Direct(d) => (0..warmup + k)
                .map(|_| {
                    let t = Instant::now();
                    let out = d.embed(text);
                    let e = t.elapsed().as_secs_f64() * 1e3;
                    std::hint::black_box(out);
                    e
                })
                .skip(warmup)
                .collect(),
            Side::DirectNoModel(d) => (0..warmup + k)
                .map(|_| {
                    let t = Instant::now();
                    let out = d.embed(text);
                    let e = t.elapsed().as_secs_f64() * 1e3;
                    std::hint::black_box(out);
                    e
                })
                .skip(warmup)
                .collect(),
        }
    }
}

struct Row {
    threads: usize,
    padding: bool,
    /// Per side: every timed call (ms), and each round's median.
    names: Vec<&'static str>,
    unit: &'static str,
    times: Vec<Vec<f64>>,
    round_medians: Vec<Vec<f64>>,
}

/// The order of the sides in block group `g`. Two sides alternate; three go
/// through all six orders, arranged so that every side runs first, second
/// and third equally often and follows each other side equally often (the
/// side that ran just before can leave spinning threads or cold caches).
fn block_order(n: usize, g: usize) -> Vec<usize> {
    const THREE: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [2, 1, 0],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
    ];
    match n {
        2 if g % 2 == 1 => vec![1, 0],
        3 => THREE[g % 6].to_vec(),
        _ => (0..n).map(|j| (j + g) % n).collect(),
    }
}

/// Warms every side up, then `rounds` x `iterations` timed calls per side,
/// interleaved in blocks of `block` in the orders of [`block_order`] (to
/// cancel drift); each block starts with `block_warmup` untimed calls, so
/// the other sessions' idle (spinning) worker threads do not count against
/// this side.
fn measure(
    sides: &mut [Side],
    args: &Args,
    threads: usize,
    padding: bool,
    iterations: usize,
    block: usize,
) -> Row {
    for s in sides.iter_mut() {
        s.block(&args.sentence, 20, 0);
    }
    let n = sides.len();
    let mut row = Row {
        threads,
        padding,
        names: sides.iter().map(Side::name).collect(),
        unit: "ms",
        times: vec![Vec::new(); n],
        round_medians: vec![Vec::new(); n],
    };
    let mut block_no = 0;
    for _ in 0..args.rounds {
        let mut round: Vec<Vec<f64>> = vec![Vec::new(); n];
        let mut done = 0;
        while done < iterations {
            let k = block.min(iterations - done);
            for i in block_order(n, block_no) {
                let t = sides[i].block(&args.sentence, args.block_warmup, k);
                round[i].extend(t);
            }
            block_no += 1;
            done += k;
        }
        for (i, times) in round.iter().enumerate() {
            row.round_medians[i].push(median(times));
            row.times[i].extend(times);
        }
    }
    row
}

impl Row {
    /// VM / side `i`: the ratio of the overall medians, and the min..max of
    /// the per-round median ratios.
    fn ratio(&self, i: usize) -> (f64, f64, f64) {
        let r: Vec<f64> = self.round_medians[0]
            .iter()
            .zip(&self.round_medians[i])
            .map(|(v, o)| v / o)
            .collect();
        (
            median(&self.times[0]) / median(&self.times[i]),
            r.iter().cloned().fold(f64::INFINITY, f64::min),
            r.iter().cloned().fold(0.0, f64::max),
        )
    }
}

fn main() {
    let args = parse_args();
    let env = omex_runtime::provision::ort_environment(None).expect("ONNX Runtime");
    let reference = reference(&args.dir, &args.sentence);
    println!(
        "MiniLM int8, batch 1, sentence {:?}; {} rounds x {} iterations per configuration, sides interleaved in blocks of {} timed calls (after {} untimed); direct tokenization: {}",
        args.sentence,
        args.rounds,
        args.iterations,
        args.block,
        args.block_warmup,
        if args.fast { "encode_fast" } else { "encode" }
    );

    let mut rows = Vec::new();
    for &threads in &args.threads {
        for &padding in &args.paddings {
            let (mut vm, source) = make_vm(&args, threads, padding, true);
            if mep_given(&args, padding) {
                // A compiled .mep has its own thread setting: say so.
                println!("  (VM program from {source}: its EXEC_CTL, if any, sets the threads)");
            }
            let mut direct = Direct::new(&env, &args.dir, threads, padding, args.fast);
            let py = args
                .python
                .as_ref()
                .map(|p| PyServer::start(&args, p, threads, padding));

            // Same embedding on every side (and as the reference, if listed).
            let e_vm = vm_embedding(&mut vm, &args.sentence);
            let e_direct = direct.embed(&args.sentence);
            let diff = max_abs_diff(&e_vm, &e_direct);
            assert!(diff < 1e-4, "VM and direct embeddings differ by {diff}");
            let mut checks = format!("max |vm - direct| = {diff:.2e}");
            if let Some(py) = &py {
                let d = max_abs_diff(&e_vm, &py.embedding);
                assert!(d < 1e-4, "VM and Python embeddings differ by {d}");
                checks.push_str(&format!(", max |vm - python| = {d:.2e} ({})", py.versions));
            }
            if let Some(r) = &reference {
                checks.push_str(&format!(
                    ", max |vm - reference.json| = {:.2e}",
                    max_abs_diff(&e_vm, r)
                ));
            }
            println!(
                "threads={threads} padding={}: embedding dim {}, {checks}",
                if padding { "on" } else { "off" },
                e_vm.len(),
            );

            let mut sides = vec![Side::Vm(Box::new(vm)), Side::Direct(Box::new(direct))];
            if let Some(py) = py {
                sides.push(Side::Python(Box::new(py)));
            }
            let row = measure(
                &mut sides,
                &args,
                threads,
                padding,
                args.iterations,
                args.block,
            );
            print_row(&row);
            rows.push(row);
            // Drop every session (and its thread pool) before the next configuration.
            drop(sides);
        }
    }

    // Everything but the model: the VM with a stub backend against the direct
    // path's (and Python's) tokenization and pooling, interleaved in blocks of 100.
    let mut overhead = Vec::new();
    if args.overhead_iterations > 0 {
        println!(
            "everything but the model (stub model backend; {} rounds x {} iterations, interleaved in blocks of 100; times in us):",
            args.rounds, args.overhead_iterations
        );
        for &padding in &args.paddings {
            let (vm, _) = make_vm(&args, 1, padding, false);
            let mut backends = ModelBackends::empty();
            backends.register(std::sync::Arc::new(StubBackend));
            let vm = vm.with_model_backends(backends);
            let mut tokenizer = tokenizers::Tokenizer::from_file(args.dir.join("tokenizer.json"))
                .expect("tokenizer");
            if !padding {
                tokenizer.with_padding(None);
            }
            let direct = DirectNoModel {
                tokenizer,
                fast: args.fast,
            };
            let mut sides = vec![
                Side::Vm(Box::new(vm)),
                Side::DirectNoModel(Box::new(direct)),
            ];
            if let Some(p) = &args.python {
                let mut py = PyServer::start(&args, p, 1, padding);
                py.no_model = true;
                sides.push(Side::Python(Box::new(py)));
            }
            let mut row = measure(&mut sides, &args, 1, padding, args.overhead_iterations, 100);
            // ms -> us
            row.unit = "us";
            row.times
                .iter_mut()
                .chain(row.round_medians.iter_mut())
                .for_each(|v| v.iter_mut().for_each(|x| *x *= 1e3));
            println!("padding={}:", if padding { "on" } else { "off" });
            print_row(&row);
            overhead.push(row);
        }
    }

    if args.json {
        for r in &overhead {
            let vm = median(&r.times[0]);
            for (i, name) in r.names.iter().enumerate() {
                let rm = &r.round_medians[i];
                let extra: Vec<f64> = r.round_medians[0]
                    .iter()
                    .zip(rm)
                    .map(|(v, o)| v - o)
                    .collect();
                println!(
                    "{{\"bench\":\"minilm_no_model\",\"impl\":\"{name}\",\"padding\":{},\"n\":{},\"median_us\":{:.2},\"p90_us\":{:.2},\"vm_extra_us\":{:.2},\"vm_extra_round_min_us\":{:.2},\"vm_extra_round_max_us\":{:.2}}}",
                    r.padding,
                    r.times[i].len(),
                    median(&r.times[i]),
                    percentile(&sorted(&r.times[i]), 90.0),
                    vm - median(&r.times[i]),
                    extra.iter().cloned().fold(f64::INFINITY, f64::min),
                    extra.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
                );
            }
        }
        for r in &rows {
            for (i, name) in r.names.iter().enumerate() {
                let s = sorted(&r.times[i]);
                let rm = &r.round_medians[i];
                let (ratio, lo, hi) = r.ratio(i);
                println!(
                    "{{\"bench\":\"minilm\",\"compiled_mep\":{},\"impl\":\"{name}\",\"threads\":{},\"padding\":{},\"rounds\":{},\"n\":{},\"median_ms\":{:.4},\"p10_ms\":{:.4},\"p90_ms\":{:.4},\"round_median_min_ms\":{:.4},\"round_median_max_ms\":{:.4},\"vm_ratio\":{ratio:.4},\"vm_ratio_round_min\":{lo:.4},\"vm_ratio_round_max\":{hi:.4}}}",
                    mep_given(&args, r.padding),
                    r.threads,
                    r.padding,
                    rm.len(),
                    s.len(),
                    median(&s),
                    percentile(&s, 10.0),
                    percentile(&s, 90.0),
                    rm.iter().cloned().fold(f64::INFINITY, f64::min),
                    rm.iter().cloned().fold(0.0, f64::max),
                );
            }
        }
    }
}

fn mep_given(args: &Args, padding: bool) -> bool {
    if padding {
        args.mep_padded.is_some()
    } else {
        args.mep_unpadded.is_some()
    }
}

fn print_row(r: &Row) {
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    for (i, name) in r.names.iter().enumerate() {
        let s = sorted(&r.times[i]);
        let rm = &r.round_medians[i];
        println!(
            "  {name:<12} median {:8.3} {}  p10 {:8.3}  p90 {:8.3}  mean {:8.3}  (n={}; per-round medians {:.3}..{:.3})",
            median(&s),
            r.unit,
            percentile(&s, 10.0),
            percentile(&s, 90.0),
            mean(&s),
            s.len(),
            rm.iter().cloned().fold(f64::INFINITY, f64::min),
            rm.iter().cloned().fold(0.0, f64::max),
        );
    }
    for i in 1..r.names.len() {
        let (ratio, lo, hi) = r.ratio(i);
        println!(
            "  ratio vm/{}: {ratio:.4} (medians; per-round {lo:.4}..{hi:.4}), means {:.4}",
            r.names[i],
            mean(&r.times[0]) / mean(&r.times[i])
        );
    }
}
