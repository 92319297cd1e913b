//! IR operations. Each mirrors a MEP instruction family, with SSA values
//! for operands; structured control flow (`Loop`, `If`) owns its regions.
//!
//! Operand conventions (`InstData::args`) are listed per variant.

use omex_mep::Constant;
use omex_mep::subtype::*;

use crate::entities::{Block, ModelRef};

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Command-line argument `index` (a string). Args: none.
    Arg { index: u8 },
    /// Ask the user on standard input. Args: none.
    Prompt { kind: PromptType, message: String },
    /// Read a file. Args: `[path]`.
    ReadFile { mode: ReadMode },
    /// A constant. Args: none.
    Const(Constant),

    /// Load a declared model; the result is the model handle. Args: none.
    LoadModel(ModelRef),
    /// Args: none.
    LoadDataFile { kind: DataFileType, path: String },
    /// A tokenizer or host object. Args: its parameters.
    LoadExtern { kind: ExternKind, repo: String },
    /// Set an execution property. Args: none.
    ExecCtl { ctl: CtlType, value: Constant },
    /// Free a model or a context value. Args: `[value]`.
    Unload,

    /// Args: `[tokenizer, input]`.
    Encode,
    /// Args: `[tokenizer, ids]`.
    Decode,
    /// Args: `[tokenizer]`.
    SpecialId { token: String },
    /// Args: one per `{}` placeholder.
    Format { template: String },

    /// Args: the creation parameters.
    TensorCreate { dtype: DType, op: CreateOp },
    /// Args: `[shape, seed]`.
    TensorRandom { dtype: DType, dist: RandomDist },
    /// Args: `[input, params...]`.
    Manipulate(ManipOp),
    /// Args: `inputs` tensors, then the parameters.
    Combine { op: CombineOp, inputs: u8 },
    /// Args: `[input]`.
    Info(InfoOp),
    /// Index into a tensor, list or dict. Args: `[container, index]`.
    Extract,

    /// Host function call. Args: its inputs; results: its outputs.
    CallHost { name: String },
    /// Method call on a host object. Args: `[object, inputs...]`.
    CallMethod { name: String },
    /// Args: `[value]`.
    Copy,
    /// Args: `[value]`.
    DebugPrint { message: String },

    /// Args: `[input]`.
    Unary(UnaryOp),
    /// Args: `[lhs, rhs]`.
    Binary(BinaryOp),
    /// Args: `[input, params...]`.
    Aggregate(AggOp),
    /// Args: `[lhs, rhs]`.
    Compare(CompareOp),
    /// Args: `[input]`; results: `[indices, values]`.
    TopK { k: u8 },
    /// Args: `[logits, temperature, top_k]`.
    Sample,

    /// Run with a static contract: pass `inputs` (by name, in order), fetch
    /// `outputs` (by name, in order). Args: `[model, inputs...]`.
    RunStatic {
        inputs: Vec<String>,
        outputs: Vec<String>,
    },
    /// Run and get a dict of every output. Args: `[model, inputs...]`.
    RunDynamic,

    /// Counted loop. Args: `[count, initial carried...]`; results: final
    /// carried values. The body's params are `[iteration index, carried...]`;
    /// it ends with `Yield` of the next carried values.
    Loop { body: Block },
    /// Args: `[cond]`; results: the values both regions yield.
    If {
        then_block: Block,
        else_block: Block,
    },
    /// Leave the innermost loop if `cond`. Args: `[cond, carried...]`: the
    /// loop's carried values at this point.
    BreakIf,
    /// End of a region. Args: the values it gives to its parent.
    Yield,
    /// Stop. Args: none.
    Halt,
    /// Stop and return values. Args: the values, named by `names`.
    Return { names: Vec<String> },

    /// Args: `[labels, indices, values]`.
    FormatTable,
    /// Args: `[tensor]`.
    ToImage(ImageRange),
    /// Args: `[tensor, rate]`.
    ToAudio,
    /// Args: `[value]`.
    Print(StreamMode),
    /// Args: `[value, path]`.
    WriteFile(FileFormat),
}

impl Op {
    /// The operation's name in the IR text form.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Arg { .. } => "arg",
            Op::Prompt { .. } => "prompt",
            Op::ReadFile { .. } => "read_file",
            Op::Const(_) => "const",
            Op::LoadModel(_) => "load_model",
            Op::LoadDataFile { .. } => "load_data",
            Op::LoadExtern { .. } => "load_extern",
            Op::ExecCtl { .. } => "exec_ctl",
            Op::Unload => "unload",
            Op::Encode => "encode",
            Op::Decode => "decode",
            Op::SpecialId { .. } => "special_id",
            Op::Format { .. } => "format",
            Op::TensorCreate { .. } => "tensor",
            Op::TensorRandom { .. } => "random",
            Op::Manipulate(_) => "manipulate",
            Op::Combine { .. } => "combine",
            Op::Info(_) => "info",
            Op::Extract => "extract",
            Op::CallHost { .. } => "call",
            Op::CallMethod { .. } => "call_method",
            Op::Copy => "copy",
            Op::DebugPrint { .. } => "debug_print",
            Op::Unary(_) => "unary",
            Op::Binary(_) => "binary",
            Op::Aggregate(_) => "aggregate",
            Op::Compare(_) => "compare",
            Op::TopK { .. } => "topk",
            Op::Sample => "sample",
            Op::RunStatic { .. } => "run",
            Op::RunDynamic => "run_dynamic",
            Op::Loop { .. } => "loop",
            Op::If { .. } => "if",
            Op::BreakIf => "break_if",
            Op::Yield => "yield",
            Op::Halt => "halt",
            Op::Return { .. } => "return",
            Op::FormatTable => "format_table",
            Op::ToImage(_) => "to_image",
            Op::ToAudio => "to_audio",
            Op::Print(_) => "print",
            Op::WriteFile(_) => "write_file",
        }
    }

    /// Whether the operation does something besides computing its results,
    /// so that dead-code elimination must keep it.
    pub fn has_side_effects(&self) -> bool {
        matches!(
            self,
            Op::Prompt { .. }
                | Op::ExecCtl { .. }
                | Op::Unload
                | Op::CallHost { .. }
                | Op::CallMethod { .. }
                | Op::DebugPrint { .. }
                | Op::Sample
                | Op::Loop { .. }
                | Op::If { .. }
                | Op::BreakIf
                | Op::Yield
                | Op::Halt
                | Op::Return { .. }
                | Op::Print(_)
                | Op::WriteFile(_)
        )
    }

    /// Whether the operation ends its block.
    pub fn is_terminator(&self) -> bool {
        matches!(self, Op::Yield | Op::Halt | Op::Return { .. })
    }

    /// The regions the operation owns.
    pub fn regions(&self) -> Vec<Block> {
        match self {
            Op::Loop { body } => vec![*body],
            Op::If {
                then_block,
                else_block,
            } => vec![*then_block, *else_block],
            _ => Vec::new(),
        }
    }
}
