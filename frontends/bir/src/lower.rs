//! Lowering a decoded BIR program to the shared IR.
//!
//! BIR is a straight-line pipeline over one piece of state, the current
//! dataset. Each instruction becomes a call of a runtime host function that
//! takes the state (and the instruction's operands as constants) and returns
//! the next state; `HALT` returns a summary of the final state as `result`.
//! The order of the instructions is checked here (a dataset before
//! `SET_FILTER`, embeddings before `CLUSTER`, ...), every operand is range
//! checked, and every file the program names is looked up, so that a
//! program that lowers can only fail at run time on its data.
//!
//! | instruction | host function |
//! |---|---|
//! | `LOAD_DATASET cid` | `doc_load(path [, state])` |
//! | `SET_FILTER mask` | `doc_filter(state, mask)` |
//! | `OCR_CONF thr` | `doc_ocr(state, thr, engine, lang)` |
//! | `EMBED_BATCH size` | `doc_embed(state, size, model, tokenizer)` |
//! | `CLUSTER algo_id, k` | `doc_cluster(state, algo_id, k)` |
//! | `SUMMARIZE scope_id, model_id, temp` | `doc_summarize(state, scope_id, model, tokenizer, generation, temp, max_new_tokens, seed)` |
//! | `COMPRESS strategy_id` | `doc_compress(state, strategy_id)` |
//! | `BUILD_CAPSULE token_budget` | `doc_capsule(state, token_budget, tokenizer)` |
//! | `WRITE_OUTPUT file_ref` | `doc_write(state, path)` |
//! | `HALT` | `doc_report(state)`, then return |

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use omex_diagnostics::Diagnostic;
use omex_ir::{Block, Module, Op, Type, Value};
use omex_mep::Constant;

use crate::config::{self, Setting};
use crate::container::Decoded;
use crate::error::BirError;
use crate::opcode::Opcode;
use crate::program::Instruction;

/// SET_FILTER bits: one per document kind.
pub const KIND_BITS: &[(u32, &str, &str)] = &[
    (0x01, "text", ".txt"),
    (0x02, "markdown", ".md, .markdown"),
    (
        0x04,
        "jsonl",
        ".jsonl (one document per line, its \"text\" field)",
    ),
    (0x08, "png", ".png (read by OCR)"),
    (0x10, "jpeg", ".jpg, .jpeg (read by OCR)"),
];
pub const ALL_KINDS: u32 = 0x1f;
const IMAGE_KINDS: u32 = 0x08 | 0x10;

/// The OCR threshold used when images reach a text step without `OCR_CONF`.
pub const DEFAULT_OCR_THRESHOLD: f32 = 0.6;

/// CLUSTER algorithms.
pub const ALGORITHMS: &[(i32, &str)] = &[(0, "k-means (deterministic maximin seeding)")];
/// COMPRESS strategies.
pub const STRATEGIES: &[(i32, &str)] = &[
    (0, "near-duplicate removal"),
    (1, "extractive sentence selection"),
    (2, "whitespace and markup normalisation"),
];
/// SUMMARIZE scopes.
pub const SCOPES: &[(i32, &str)] = &[
    (0, "each document"),
    (1, "each cluster"),
    (2, "the whole dataset"),
];

#[derive(Debug, Clone, Default)]
pub struct LowerOptions {
    /// The folder of the `.bir` file: relative paths start here.
    pub bir_dir: PathBuf,
    /// Searched after `bir_dir` for models and tokenizers.
    pub model_path: Vec<PathBuf>,
    /// `KEY=VALUE` settings from the command line (override the pool).
    pub config: Vec<String>,
    /// The module's name when the metadata gives none.
    pub name: String,
    /// The file name used in diagnostics.
    pub file_name: String,
}

struct Lowerer<'a> {
    decoded: &'a Decoded,
    options: &'a LowerOptions,
    module: Module,
    body: Block,
    errors: Vec<Diagnostic>,
    config: BTreeMap<String, Setting>,
    state: Option<Value>,
    /// Kinds that may still be in the dataset.
    kinds: u32,
    /// Images are still waiting for OCR.
    ocr_pending: bool,
    embedded: bool,
    clustered: bool,
    capsule: bool,
}

/// Lowers a decoded program; every problem found is reported.
pub fn lower(decoded: &Decoded, options: &LowerOptions) -> Result<Module, Vec<Diagnostic>> {
    let name = decoded
        .program
        .metadata
        .as_ref()
        .and_then(|m| m.iter().find(|(k, _)| k == "name").map(|(_, v)| v.clone()))
        .unwrap_or_else(|| options.name.clone());
    let mut module = Module::new(name);
    let body = module.create_block();
    module.body = Some(body);
    let mut l = Lowerer {
        decoded,
        options,
        module,
        body,
        errors: Vec::new(),
        config: BTreeMap::new(),
        state: None,
        kinds: ALL_KINDS,
        ocr_pending: false,
        embedded: false,
        clustered: false,
        capsule: false,
    };
    l.read_config();
    let code = &decoded.program.code;
    let mut halted = false;
    for (index, inst) in code.iter().enumerate() {
        if halted {
            l.error(
                l.at(
                    index,
                    0,
                    "E0458",
                    format!(
                        "instruction {index} ({}) comes after HALT and would never run",
                        inst.opcode.mnemonic()
                    ),
                )
                .with_help("remove it, or move HALT to the end"),
            );
            break;
        }
        if inst.mode != 0 {
            l.error(
                l.at(
                    index,
                    1,
                    "E0459",
                    format!(
                        "instruction {index} ({}) has mode flags 0x{:02x}; BIR 0.1 defines none",
                        inst.opcode.mnemonic(),
                        inst.mode
                    ),
                )
                .with_help("set the mode byte to 0x00"),
            );
            continue;
        }
        if inst.opcode == Opcode::Halt {
            halted = true;
        }
        l.instruction(index, inst);
    }
    if !halted {
        let end = code.len();
        let e = match end {
            0 => BirError::at(
                "E0458",
                &decoded.layout.instr.bytes,
                decoded.layout.instr.offsets.first().copied().unwrap_or(0),
                decoded.layout.instr.place,
                "the program has no instructions; it must end with HALT",
            ),
            _ => l.at(
                end - 1,
                0,
                "E0458",
                format!(
                    "the program ends with {} instead of HALT",
                    code[end - 1].opcode.mnemonic()
                ),
            ),
        };
        l.error(e.with_help("end the program with HALT (0xf0 0x00 0x00)"));
    }
    if !l.errors.is_empty() {
        return Err(l.errors);
    }
    Ok(l.module)
}

impl Lowerer<'_> {
    fn at(
        &self,
        index: usize,
        extra: usize,
        code: &'static str,
        message: impl Into<String>,
    ) -> BirError {
        self.decoded
            .layout
            .instr
            .error_at(code, index, extra, message)
    }

    /// An error about operand `operand` of instruction `index`.
    fn at_operand(
        &self,
        index: usize,
        operand: usize,
        code: &'static str,
        message: impl Into<String>,
    ) -> BirError {
        self.at(index, 3 + 4 * operand, code, message)
    }

    fn error(&mut self, e: BirError) {
        self.errors.push(e.to_diagnostic(&self.options.file_name));
    }

    fn read_config(&mut self) {
        let pool = &self.decoded.program.pool;
        for (i, entry) in pool.iter().enumerate() {
            let Some(rest) = entry.strip_prefix(config::POOL_PREFIX) else {
                continue;
            };
            match config::split(rest) {
                Some((k, v)) if config::is_known(k) => {
                    self.config.insert(
                        k.to_string(),
                        Setting {
                            value: v.to_string(),
                            from_pool: Some(i),
                        },
                    );
                }
                other => {
                    let e = self.decoded.layout.pool.error_at(
                        "E0460",
                        i,
                        0,
                        match other {
                            Some((k, _)) => {
                                format!("constant {i} sets unknown configuration key `{k}`")
                            }
                            None => {
                                format!("constant {i} `{entry}` is not a `config:KEY=VALUE` entry")
                            }
                        },
                    );
                    self.error(e.with_help(format!("known keys: {}", config::known_list())));
                }
            }
        }
        for entry in &self.options.config {
            match config::split(entry) {
                Some((k, v)) if config::is_known(k) => {
                    self.config.insert(
                        k.to_string(),
                        Setting {
                            value: v.to_string(),
                            from_pool: None,
                        },
                    );
                }
                Some((k, _)) => self.errors.push(
                    Diagnostic::error(
                        "E0460",
                        format!("--bir-set: unknown configuration key `{k}`"),
                    )
                    .with_help(format!("known keys: {}", config::known_list())),
                ),
                None => self.errors.push(
                    Diagnostic::error("E0460", format!("--bir-set `{entry}` is not KEY=VALUE"))
                        .with_help("e.g. --bir-set embed.model=models/embed/model.onnx"),
                ),
            }
        }
    }

    /// Where a setting came from, for messages.
    fn origin(setting: &Setting) -> String {
        match setting.from_pool {
            Some(i) => format!("constant {i}"),
            None => "--bir-set".into(),
        }
    }

    /// Looks a relative path up in the program's folder, then the model path.
    fn find(&self, written: &str, want_dir: bool) -> Result<PathBuf, Vec<PathBuf>> {
        let path = Path::new(written);
        let tried: Vec<PathBuf> = if path.is_absolute() {
            vec![path.to_path_buf()]
        } else {
            std::iter::once(&self.options.bir_dir)
                .chain(&self.options.model_path)
                .map(|d| d.join(path))
                .collect()
        };
        let ok = |p: &PathBuf| if want_dir { p.exists() } else { p.is_file() };
        match tried.iter().find(|p| ok(p)) {
            Some(p) => Ok(p.clone()),
            None => Err(tried),
        }
    }

    fn tried(paths: &[PathBuf]) -> String {
        paths
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A configured file, looked up; `default` applies when the key is unset.
    fn config_file(
        &mut self,
        index: usize,
        key: &str,
        default: Option<String>,
        needed_by: &str,
    ) -> Option<String> {
        let (written, origin) = match self.config.get(key) {
            Some(s) => (s.value.clone(), Self::origin(s)),
            None => match default {
                Some(d) => (d, "its default".to_string()),
                None => {
                    let e = self.at(
                        index,
                        0,
                        "E0460",
                        format!("{needed_by} needs `{key}`, which is not configured"),
                    );
                    self.error(e.with_help(format!(
                        "add a constant `config:{key}=PATH` to the program, or pass `--bir-set {key}=PATH`"
                    )));
                    return None;
                }
            },
        };
        // The path as written: the runtime looks it up in the same folders.
        match self.find(&written, false) {
            Ok(_) => Some(written),
            Err(tried) => {
                let e = self.at(index, 0, "E0461", format!(
                    "{needed_by}: `{key}` = `{written}` (from {origin}) is not a file; tried {}",
                    Self::tried(&tried)
                ));
                self.error(e.with_help("check the path, or add a folder with --model-path"));
                None
            }
        }
    }

    fn setting(&self, key: &str) -> Option<String> {
        self.config.get(key).map(|s| s.value.clone())
    }

    fn constant(&mut self, c: Constant) -> Value {
        let ty = match &c {
            Constant::Int(_) => Type::Int,
            Constant::Float(_) => Type::Float,
            Constant::Str(_) => Type::Str,
            Constant::Bool(_) => Type::Bool,
            _ => Type::Any,
        };
        let inst = self
            .module
            .append(self.body, Op::Const(c), Vec::new(), vec![ty], None);
        self.module.insts[inst].results[0]
    }

    fn call(&mut self, name: &str, args: Vec<Value>, result: Type) -> Value {
        let inst = self.module.append(
            self.body,
            Op::CallHost {
                name: name.to_string(),
            },
            args,
            vec![result],
            None,
        );
        self.module.insts[inst].results[0]
    }

    /// A state-to-state step with constant parameters.
    fn step(&mut self, name: &str, params: Vec<Constant>) {
        let Some(state) = self.state else { return };
        let mut args = vec![state];
        for p in params {
            args.push(self.constant(p));
        }
        let next = self.call(name, args, Type::Dict(None));
        self.module.name_value(next, "dataset");
        self.state = Some(next);
    }

    /// The state, or an error naming what must come first.
    fn need_dataset(&mut self, index: usize, inst: &Instruction) -> bool {
        if self.state.is_some() {
            return true;
        }
        let e = self.at(
            index,
            0,
            "E0450",
            format!(
                "{} at instruction {index} has no dataset to work on",
                inst.opcode.mnemonic()
            ),
        );
        self.error(e.with_help("load one first with LOAD_DATASET"));
        false
    }

    /// Runs OCR with the default threshold when images would otherwise reach
    /// a step that reads text.
    fn settle_ocr(&mut self, index: usize) {
        if self.ocr_pending && self.kinds & IMAGE_KINDS != 0 {
            self.ocr(index, DEFAULT_OCR_THRESHOLD);
        }
    }

    fn ocr(&mut self, _index: usize, threshold: f32) {
        let engine = self
            .setting("ocr.engine")
            .unwrap_or_else(|| "tesseract".into());
        let lang = self.setting("ocr.lang").unwrap_or_else(|| "eng".into());
        self.step(
            "doc_ocr",
            vec![
                Constant::Float(widen(threshold)),
                Constant::Str(engine),
                Constant::Str(lang),
            ],
        );
        self.ocr_pending = false;
    }

    fn positive(
        &mut self,
        index: usize,
        operand: usize,
        inst: &Instruction,
        what: &str,
    ) -> Option<i64> {
        let v = inst.int(operand);
        if v > 0 {
            return Some(v as i64);
        }
        let name = inst.opcode.operands()[operand].0;
        let e = self.at_operand(
            index,
            operand,
            "E0453",
            format!(
                "{} `{name}` is {v}; {what} must be at least 1",
                inst.opcode.mnemonic()
            ),
        );
        self.error(e);
        None
    }

    fn listed(table: &[(i32, &str)]) -> String {
        table
            .iter()
            .map(|(i, d)| format!("{i} = {d}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn instruction(&mut self, index: usize, inst: &Instruction) {
        let program = &self.decoded.program;
        match inst.opcode {
            Opcode::Nop => {}
            Opcode::Halt => match self.state {
                Some(state) => {
                    let report = self.call("doc_report", vec![state], Type::Dict(None));
                    self.module.append(
                        self.body,
                        Op::Return {
                            names: vec!["result".into()],
                        },
                        vec![report],
                        Vec::new(),
                        None,
                    );
                }
                None => {
                    self.module.append(
                        self.body,
                        Op::Return { names: Vec::new() },
                        Vec::new(),
                        Vec::new(),
                        None,
                    );
                }
            },
            Opcode::LoadDataset => {
                let written = program.string(inst.str_ref(0)).to_string();
                // As written: the runtime looks it up in the same folders.
                let path = match self.find(&written, true) {
                    Ok(_) => written.clone(),
                    Err(tried) => {
                        let e = self.at_operand(
                            index,
                            0,
                            "E0461",
                            format!(
                                "LOAD_DATASET: the dataset `{written}` does not exist; tried {}",
                                Self::tried(&tried)
                            ),
                        );
                        self.error(e.with_help("give a folder or a file of documents (.txt, .md, .jsonl, .png, .jpg), relative to the program's folder"));
                        // A stand-in, so that later steps are still checked.
                        if self.state.is_none() {
                            self.state = Some(self.constant(Constant::Null));
                        }
                        return;
                    }
                };
                let p = self.constant(Constant::Str(path));
                let mut args = vec![p];
                args.extend(self.state);
                let state = self.call("doc_load", args, Type::Dict(None));
                self.module.name_value(state, "dataset");
                self.state = Some(state);
                // New documents: kinds, OCR and embeddings start over.
                self.kinds = ALL_KINDS;
                self.ocr_pending = true;
                self.embedded = false;
                self.clustered = false;
                self.capsule = false;
            }
            Opcode::SetFilter => {
                if !self.need_dataset(index, inst) {
                    return;
                }
                let mask = inst.int(0);
                if mask as u32 & !ALL_KINDS != 0 || mask < 0 {
                    let e = self.at_operand(
                        index,
                        0,
                        "E0453",
                        format!(
                            "SET_FILTER mask 0x{:x} sets undefined bits 0x{:x}",
                            mask as u32,
                            mask as u32 & !ALL_KINDS
                        ),
                    );
                    self.error(e.with_help(format!(
                            "defined bits: {}",
                            KIND_BITS
                                .iter()
                                .map(|(b, n, _)| format!("0x{b:02x} {n}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )));
                    return;
                }
                self.kinds &= mask as u32;
                self.step("doc_filter", vec![Constant::Int(mask as i64)]);
            }
            Opcode::OcrConf => {
                if !self.need_dataset(index, inst) {
                    return;
                }
                let thr = inst.float(0);
                if !(0.0..=1.0).contains(&thr) {
                    let e = self.at_operand(
                        index,
                        0,
                        "E0453",
                        format!("OCR_CONF threshold {thr:?} is outside 0.0..=1.0"),
                    );
                    self.error(e.with_help("the threshold is a fraction of Tesseract's 0-100 word confidence, e.g. 0.6"));
                    return;
                }
                self.ocr(index, thr);
            }
            Opcode::EmbedBatch => {
                if !self.need_dataset(index, inst) {
                    return;
                }
                // Later steps may rely on embeddings even when this one has errors.
                self.embedded = true;
                let Some(size) = self.positive(index, 0, inst, "the batch size") else {
                    return;
                };
                let model = self.config_file(index, "embed.model", None, "EMBED_BATCH");
                let default_tok = self.setting("embed.model").map(|m| {
                    Path::new(&m)
                        .with_file_name("tokenizer.json")
                        .display()
                        .to_string()
                });
                let tokenizer = match model {
                    Some(_) => {
                        self.config_file(index, "embed.tokenizer", default_tok, "EMBED_BATCH")
                    }
                    None => None,
                };
                let (Some(model), Some(tokenizer)) = (model, tokenizer) else {
                    return;
                };
                self.settle_ocr(index);
                self.step(
                    "doc_embed",
                    vec![
                        Constant::Int(size),
                        Constant::Str(model),
                        Constant::Str(tokenizer),
                    ],
                );
            }
            Opcode::Cluster => {
                if !self.need_dataset(index, inst) {
                    return;
                }
                if !self.embedded {
                    let e = self.at(
                        index,
                        0,
                        "E0451",
                        "CLUSTER needs embeddings, but no EMBED_BATCH ran on the current dataset",
                    );
                    self.error(e.with_help("add EMBED_BATCH before CLUSTER"));
                    return;
                }
                self.clustered = true;
                let algo = inst.int(0);
                if !ALGORITHMS.iter().any(|(a, _)| *a == algo) {
                    let e = self.at_operand(
                        index,
                        0,
                        "E0454",
                        format!("CLUSTER: unknown algo_id {algo}"),
                    );
                    self.error(e.with_help(format!("algorithms: {}", Self::listed(ALGORITHMS))));
                    return;
                }
                let Some(k) = self.positive(index, 1, inst, "the number of clusters") else {
                    return;
                };
                self.step(
                    "doc_cluster",
                    vec![Constant::Int(algo as i64), Constant::Int(k)],
                );
            }
            Opcode::Summarize => {
                if !self.need_dataset(index, inst) {
                    return;
                }
                let scope = inst.int(0);
                if !SCOPES.iter().any(|(s, _)| *s == scope) {
                    let e = self.at_operand(
                        index,
                        0,
                        "E0456",
                        format!("SUMMARIZE: unknown scope_id {scope}"),
                    );
                    self.error(e.with_help(format!("scopes: {}", Self::listed(SCOPES))));
                    return;
                }
                if scope == 1 && !self.clustered {
                    let e = self.at_operand(index, 0, "E0452", "SUMMARIZE scope 1 (each cluster) needs clusters, but no CLUSTER ran on the current dataset");
                    self.error(e.with_help("add CLUSTER before SUMMARIZE, or use scope 0 (each document) or 2 (whole dataset)"));
                    return;
                }
                let temp = inst.float(2);
                if !temp.is_finite() || temp < 0.0 {
                    let e = self.at_operand(
                        index,
                        2,
                        "E0453",
                        format!("SUMMARIZE temperature {temp:?} must be a finite number >= 0"),
                    );
                    self.error(
                        e.with_help("0 decodes greedily; 0.7 is a common sampling temperature"),
                    );
                    return;
                }
                let model_id = program.string(inst.str_ref(1)).to_string();
                let Some((model, tokenizer, generation)) = self.resolve_lm(index, &model_id) else {
                    return;
                };
                let max_new = match self.setting("summarize.max_new_tokens") {
                    None => -1,
                    Some(v) => {
                        match v.parse::<i64>() {
                            Ok(n) if n > 0 => n,
                            _ => {
                                let e = self.at(index, 0, "E0460", format!("`summarize.max_new_tokens` = `{v}` is not a positive integer"));
                                self.error(e);
                                return;
                            }
                        }
                    }
                };
                let seed = match self.setting("summarize.seed") {
                    None => 0,
                    Some(v) => match v.parse::<i64>() {
                        Ok(n) => n,
                        Err(_) => {
                            let e = self.at(
                                index,
                                0,
                                "E0460",
                                format!("`summarize.seed` = `{v}` is not an integer"),
                            );
                            self.error(e);
                            return;
                        }
                    },
                };
                self.settle_ocr(index);
                self.step(
                    "doc_summarize",
                    vec![
                        Constant::Int(scope as i64),
                        Constant::Str(model),
                        Constant::Str(tokenizer),
                        Constant::Str(generation),
                        Constant::Float(widen(temp)),
                        Constant::Int(max_new),
                        Constant::Int(seed),
                    ],
                );
            }
            Opcode::Compress => {
                if !self.need_dataset(index, inst) {
                    return;
                }
                let strategy = inst.int(0);
                if !STRATEGIES.iter().any(|(s, _)| *s == strategy) {
                    let e = self.at_operand(
                        index,
                        0,
                        "E0455",
                        format!("COMPRESS: unknown strategy_id {strategy}"),
                    );
                    self.error(e.with_help(format!("strategies: {}", Self::listed(STRATEGIES))));
                    return;
                }
                self.settle_ocr(index);
                self.step("doc_compress", vec![Constant::Int(strategy as i64)]);
            }
            Opcode::BuildCapsule => {
                if !self.need_dataset(index, inst) {
                    return;
                }
                self.capsule = true;
                let Some(budget) = self.positive(index, 0, inst, "the token budget") else {
                    return;
                };
                let default = self
                    .config
                    .get("embed.tokenizer")
                    .map(|s| s.value.clone())
                    .or_else(|| {
                        self.config.get("embed.model").map(|s| {
                            Path::new(&s.value)
                                .with_file_name("tokenizer.json")
                                .display()
                                .to_string()
                        })
                    });
                let default = self.setting("capsule.tokenizer").or(default);
                let Some(tokenizer) = (match default {
                    Some(d) => {
                        self.config_file(index, "capsule.tokenizer", Some(d), "BUILD_CAPSULE")
                    }
                    None => self.config_file(index, "capsule.tokenizer", None, "BUILD_CAPSULE"),
                }) else {
                    return;
                };
                self.settle_ocr(index);
                self.step(
                    "doc_capsule",
                    vec![Constant::Int(budget), Constant::Str(tokenizer)],
                );
            }
            Opcode::WriteOutput => {
                if !self.need_dataset(index, inst) {
                    return;
                }
                if !self.capsule {
                    let e = self.at(index, 0, "E0457", "WRITE_OUTPUT has no capsule to write");
                    self.error(e.with_help("add BUILD_CAPSULE before WRITE_OUTPUT"));
                    return;
                }
                let written = program.string(inst.str_ref(0)).to_string();
                if written.trim().is_empty() {
                    let e =
                        self.at_operand(index, 0, "E0453", "WRITE_OUTPUT: the file name is empty");
                    self.error(e);
                    return;
                }
                // As written: the runtime writes relative paths into the
                // program's folder.
                self.step("doc_write", vec![Constant::Str(written)]);
            }
        }
    }

    /// `model_id`: a folder with `model.onnx`, `tokenizer.json` and an
    /// optional `generation.json`, or a `.onnx` file with those beside it.
    fn resolve_lm(&mut self, index: usize, model_id: &str) -> Option<(String, String, String)> {
        if model_id.starts_with("http://") || model_id.starts_with("https://") {
            let e = self.at_operand(index, 1, "E0462", format!(
                "SUMMARIZE model_id `{model_id}` is an HTTP endpoint; this omexc runs local ONNX models only"
            ));
            self.error(e.with_help("give the folder of a causal language model (model.onnx, tokenizer.json, generation.json)"));
            return None;
        }
        let found = match self.find(model_id, true) {
            Ok(p) => p,
            Err(tried) => {
                let e = self.at_operand(
                    index,
                    1,
                    "E0462",
                    format!(
                        "SUMMARIZE model_id `{model_id}` is not a model folder or file; tried {}",
                        Self::tried(&tried)
                    ),
                );
                self.error(e.with_help("give the folder of a causal language model (model.onnx, tokenizer.json, generation.json)"));
                return None;
            }
        };
        // Checked where they were found, emitted relative to `model_id` as
        // written: the runtime looks them up in the same folders.
        let (model, dir, written_model, written_dir) = if found.is_dir() {
            let written = PathBuf::from(model_id);
            (
                found.join("model.onnx"),
                found.clone(),
                written.join("model.onnx"),
                written,
            )
        } else {
            let dir = found.parent().map(Path::to_path_buf).unwrap_or_default();
            let written = Path::new(model_id);
            let written_dir = written.parent().map(Path::to_path_buf).unwrap_or_default();
            (found.clone(), dir, written.to_path_buf(), written_dir)
        };
        let tokenizer = dir.join("tokenizer.json");
        let generation = dir.join("generation.json");
        let missing: Vec<String> = [&model, &tokenizer]
            .iter()
            .filter(|p| !p.is_file())
            .map(|p| format!("`{}`", p.display()))
            .collect();
        if !missing.is_empty() {
            let e = self.at_operand(
                index,
                1,
                "E0462",
                format!(
                    "SUMMARIZE model_id `{model_id}`: missing {}",
                    missing.join(" and ")
                ),
            );
            self.error(e.with_help("a language model folder holds model.onnx and tokenizer.json (and optionally generation.json)"));
            return None;
        }
        let generation = if generation.is_file() {
            written_dir.join("generation.json").display().to_string()
        } else {
            String::new()
        };
        Some((
            written_model.display().to_string(),
            written_dir.join("tokenizer.json").display().to_string(),
            generation,
        ))
    }
}

/// An f32 operand as the f64 with the same shortest decimal form (0.6, not
/// 0.6000000238418579).
fn widen(x: f32) -> f64 {
    format!("{x}").parse().unwrap_or(x as f64)
}
