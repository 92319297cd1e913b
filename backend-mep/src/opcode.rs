//! The MEP v1.0 opcode table: the single definition of every instruction.
//!
//! Each row gives the opcode byte, the Rust variant, the ISA mnemonic, a
//! one-line summary and the operands in byte order, each with its field type
//! (which fixes the layout, see [`OperandKind`]) and, for slots, whether the
//! instruction reads or writes it. The instruction enum, the opcode enum, the
//! encoder, the decoder, the verifier, the disassembler, the assembler and the
//! operand tables in `docs/mep-format.md` are all driven by this table.

use crate::operand::*;
use crate::subtype::*;

/// What an instruction does with a slot operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Not a slot (constant, model, immediate, subtype, offset).
    None,
    Read,
    Write,
    /// Read, then written (the loop counter).
    Update,
}

/// One operand of an opcode, as the table declares it.
#[derive(Debug)]
pub struct OperandSpec {
    pub name: &'static str,
    pub kind: OperandKind,
    pub role: Role,
}

/// One row of the opcode table.
#[derive(Debug)]
pub struct OpcodeSpec {
    pub opcode: Opcode,
    pub code: u8,
    pub mnemonic: &'static str,
    pub summary: &'static str,
    pub operands: &'static [OperandSpec],
}

macro_rules! role {
    () => {
        Role::None
    };
    (read) => {
        Role::Read
    };
    (write) => {
        Role::Write
    };
    (update) => {
        Role::Update
    };
}

macro_rules! instructions {
    ($(
        $code:literal $variant:ident $mnemonic:literal $summary:literal
            { $($field:ident : $ty:ty $(=> $role:ident)?),* $(,)? }
    )*) => {
        /// An opcode byte with a meaning in MEP v1.0.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Opcode {
            $(#[doc = $summary] $variant = $code,)*
        }

        /// Every opcode, in byte order.
        pub const OPCODES: &[OpcodeSpec] = &[$(
            OpcodeSpec {
                opcode: Opcode::$variant,
                code: $code,
                mnemonic: $mnemonic,
                summary: $summary,
                operands: &[$(OperandSpec {
                    name: stringify!($field),
                    kind: <$ty as Field>::KIND,
                    role: role!($($role)?),
                }),*],
            },
        )*];

        impl Opcode {
            pub fn from_byte(byte: u8) -> Option<Opcode> {
                match byte {
                    $($code => Some(Opcode::$variant),)*
                    _ => None,
                }
            }

            pub fn from_mnemonic(text: &str) -> Option<Opcode> {
                match text {
                    $($mnemonic => Some(Opcode::$variant),)*
                    _ => None,
                }
            }

            pub fn spec(self) -> &'static OpcodeSpec {
                &OPCODES[SPEC_INDEX[self as usize] as usize]
            }

            pub fn mnemonic(self) -> &'static str {
                self.spec().mnemonic
            }
        }

        /// A decoded MEP instruction; fields are the operands in byte order.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Instruction {
            $(#[doc = $summary] $variant { $($field: $ty),* },)*
        }

        impl Instruction {
            pub fn opcode(&self) -> Opcode {
                match self {
                    $(Instruction::$variant { .. } => Opcode::$variant,)*
                }
            }

            /// The operand values in byte order (the table's order).
            pub fn operands(&self) -> Vec<Operand> {
                match self {
                    $(Instruction::$variant { $($field),* } => vec![$($field.to_operand()),*],)*
                }
            }

            /// Encoded size in bytes, opcode included (allocates nothing).
            pub fn encoded_len(&self) -> usize {
                match self {
                    $(Instruction::$variant { $($field),* } => 1 $(+ Field::encoded_len($field))*,)*
                }
            }

            /// Appends the instruction's bytes.
            pub fn encode(&self, out: &mut Vec<u8>) {
                out.push(self.opcode() as u8);
                match self {
                    $(Instruction::$variant { $($field),* } => { $(Field::write($field, out);)* })*
                }
            }

            /// The slot operands in byte order with their roles (without the
            /// context target of `RES_UNLOAD`: see [`Instruction::for_each_slot`]).
            fn for_each_slot_operand(&self, f: &mut impl FnMut(Slot, Role)) {
                match self {
                    $(Instruction::$variant { $($field),* } => {
                        $(for &slot in Field::slots($field) { f(slot, role!($($role)?)); })*
                    })*
                }
            }

            /// Builds an instruction from operand values in table order; `None`
            /// when the count or a kind does not match, or a subtype code is undefined.
            pub fn from_operands(opcode: Opcode, operands: &[Operand]) -> Option<Instruction> {
                match opcode {
                    $(Opcode::$variant => {
                        let mut values = operands.iter();
                        let instruction = Instruction::$variant {
                            $($field: <$ty as Field>::from_operand(values.next()?)?,)*
                        };
                        values.next().is_none().then_some(instruction)
                    })*
                }
            }
        }
    };
}

/// Opcode byte -> row of [`OPCODES`] (`u8::MAX` where undefined).
const SPEC_INDEX: [u8; 256] = {
    let mut index = [u8::MAX; 256];
    let mut row = 0;
    while row < OPCODES.len() {
        index[OPCODES[row].code as usize] = row as u8;
        row += 1;
    }
    index
};

instructions! {
    // 0x00-0x0F: data sources and parameters
    0x01 SrcCmdArg "SRC_CMD_ARG" "Get a command-line argument (a string)."
        { out: Slot => write, arg: u8 }
    0x02 SrcUserPrompt "SRC_USER_PROMPT" "Prompt the user for a typed value on standard input."
        { out: Slot => write, data_type: PromptType, prompt: StrConst }
    0x03 SrcFileContent "SRC_FILE_CONTENT" "Read a file whose path is in a slot."
        { out: Slot => write, path: Slot => read, mode: ReadMode }
    0x04 SrcConstant "SRC_CONSTANT" "Load a constant-pool value into a slot."
        { out: Slot => write, value: AnyConst }

    // 0x10-0x1F: resources and environment
    0x10 ResLoadModel "RES_LOAD_MODEL" "Load a model from the model table."
        { model: ModelId, path: StrConst }
    0x11 ResLoadDatafile "RES_LOAD_DATAFILE" "Load a data file (JSON, or text lines)."
        { out: Slot => write, file_type: DataFileType, path: StrConst }
    0x12 ResLoadExtern "RES_LOAD_EXTERN" "Load an external component (a tokenizer, a host object)."
        { out: Slot => write, repo: StrConst, kind: ExternKind, params: Vec<Slot> => read }
    0x18 ExecCtl "EXEC_CTL" "Set an execution property (device, precision, threads, seed)."
        { ctl: CtlType, value: CtlConst }
    0x1F ResUnload "RES_UNLOAD" "Free a model, or clear a context slot."
        { res: ResType, target: u8 }

    // 0x20-0x2F: preprocessing
    0x20 PreprocEncode "PREPROC_ENCODE" "Apply an encoder (a tokenizer) to data."
        { proc: Slot => read, input: Slot => read, out: Slot => write }
    0x21 PreprocDecode "PREPROC_DECODE" "Apply a decoder (a tokenizer) to ids."
        { proc: Slot => read, input: Slot => read, out: Slot => write }
    0x22 PreprocGetId "PREPROC_GET_ID" "Get a special token id from a preprocessor."
        { proc: Slot => read, item: StrConst, out: Slot => write }
    0x2A StringFormat "STRING_FORMAT" "Format a string: each `{}` takes the next input."
        { out: Slot => write, format: StrConst, inputs: Vec<Slot> => read }

    // 0x30-0x4F: tensors
    0x30 TensorCreate "TENSOR_CREATE" "Create a tensor (from a value, arange, ones, zeros, full)."
        { out: Slot => write, dtype: DType, op: CreateOp, params: Vec<Slot> => read }
    0x31 TensorRandom "TENSOR_RANDOM" "Create a random tensor from a shape and a seed."
        { out: Slot => write, dtype: DType, dist: RandomDist, shape: Slot => read, seed: Slot => read }
    0x38 TensorManipulate "TENSOR_MANIPULATE" "Reshape, pad, slice, expand, squeeze, transpose or cast."
        { op: ManipOp, out: Slot => write, input: Slot => read, params: Vec<Slot> => read }
    0x39 TensorCombine "TENSOR_COMBINE" "Concatenate or stack tensors."
        { op: CombineOp, out: Slot => write, inputs: Vec<Slot> => read, params: Vec<Slot> => read }
    0x3A TensorInfo "TENSOR_INFO" "Get a tensor's shape, rank, scalar value, size or length."
        { op: InfoOp, out: Slot => write, input: Slot => read }
    0x3B TensorExtract "TENSOR_EXTRACT" "Extract an element or sub-tensor by index."
        { out: Slot => write, tensor: Slot => read, index: Slot => read }

    // 0x50-0x5F: system and external calls
    0x50 ExternCallFunc "EXTERN_CALL_FUNC" "Call a host function by name."
        { func: StrConst, inputs: Vec<Slot> => read, outputs: Vec<Slot> => write }
    0x51 ExternCallMethod "EXTERN_CALL_METHOD" "Call a method of a host object."
        { object: Slot => read, method: StrConst, inputs: Vec<Slot> => read, outputs: Vec<Slot> => write }
    0x59 SysCopy "SYS_COPY" "Copy a value to another slot."
        { out: Slot => write, input: Slot => read }
    0x5F SysDebugPrint "SYS_DEBUG_PRINT" "Print a value with a message, for debugging."
        { key: Slot => read, message: StrConst }

    // 0x60-0x7F: post-processing and logic
    0x60 MathUnary "MATH_UNARY" "Element-wise or last-axis unary math."
        { op: UnaryOp, out: Slot => write, input: Slot => read }
    0x61 MathBinary "MATH_BINARY" "Element-wise binary math with broadcasting."
        { op: BinaryOp, out: Slot => write, lhs: Slot => read, rhs: Slot => read }
    0x62 MathAggregate "MATH_AGGREGATE" "Reduce a tensor (argmax, argmin, sum, mean, max, min)."
        { op: AggOp, out: Slot => write, input: Slot => read, params: Vec<Slot> => read }
    0x68 LogicCompare "LOGIC_COMPARE" "Compare two values; the result is a bool."
        { op: CompareOp, out: Slot => write, lhs: Slot => read, rhs: Slot => read }
    0x70 AnalysisTopK "ANALYSIS_TOP_K" "The k largest values of the last axis and their indices."
        { input: Slot => read, k: u8, indices: Slot => write, values: Slot => write }
    0x71 AnalysisSample "ANALYSIS_SAMPLE" "Sample a token id from logits (temperature, top-k)."
        { logits: Slot => read, temperature: Slot => read, top_k: Slot => read, out: Slot => write }

    // 0x80-0x8F: model execution
    0x80 ModelRunStatic "MODEL_RUN_STATIC" "Run a model with the I/O contract in its model-table entry."
        { model: ModelId, inputs: Vec<Slot> => read, outputs: Vec<Slot> => write }
    0x81 ModelRunDynamic "MODEL_RUN_DYNAMIC" "Run a model; the result is a dict of every output."
        { model: ModelId, inputs: Vec<Slot> => read, out_dict: Slot => write }

    // 0xA0-0xAF: flow control
    0xA0 FlowLoopStart "FLOW_LOOP_START" "Start a loop that runs while the counter is above zero."
        { counter: Slot => update }
    0xA1 FlowLoopEnd "FLOW_LOOP_END" "End a loop body: decrement the counter, jump back if above zero."
        { }
    0xA8 FlowBranchIf "FLOW_BRANCH_IF" "Jump by `offset` bytes if the condition is true."
        { cond: Slot => read, offset: Offset }
    0xA9 FlowBreakLoopIf "FLOW_BREAK_LOOP_IF" "Leave the innermost loop if the condition is true."
        { cond: Slot => read }
    0xAF FlowHalt "FLOW_HALT" "Stop execution."
        { }

    // 0xE0-0xFF: formatting and sinks
    0xE0 FormatTextTable "FORMAT_TEXT_TABLE" "Format top-k results as a text table with labels."
        { out: Slot => write, labels: Slot => read, indices: Slot => read, values: Slot => read }
    0xE1 FormatToImage "FORMAT_TO_IMAGE" "Convert a tensor into an 8-bit image."
        { out: Slot => write, input: Slot => read, range: ImageRange }
    0xE2 FormatToAudio "FORMAT_TO_AUDIO" "Convert a tensor into audio at a sample rate."
        { out: Slot => write, input: Slot => read, rate: Slot => read }
    0xF0 SinkConsole "SINK_CONSOLE" "Print to standard output, as a line or streamed."
        { input: Slot => read, mode: StreamMode }
    0xF1 SinkFile "SINK_FILE" "Write a value to a file as text, PNG, WAV or a tensor (.npy)."
        { input: Slot => read, path: Slot => read, format: FileFormat }
    0xFE SinkReturn "SINK_RETURN" "Stop and return values from the context."
        { values: Vec<Slot> => read }
}

impl Instruction {
    /// Encoded size in bytes, opcode included.
    /// Calls `f` for every slot operand with what the instruction does with it.
    pub fn for_each_slot(&self, mut f: impl FnMut(Slot, Role)) {
        self.for_each_slot_operand(&mut f);
        if let Instruction::ResUnload {
            res: ResType::Context,
            target,
        } = self
        {
            f(Slot(*target), Role::Write);
        }
    }

    /// Whether control never falls through to the next instruction.
    pub fn is_terminator(&self) -> bool {
        matches!(
            self,
            Instruction::FlowHalt {} | Instruction::SinkReturn { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_byte_order_and_complete() {
        let codes: Vec<u8> = OPCODES.iter().map(|s| s.code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            codes, sorted,
            "the table must be sorted by opcode, without duplicates"
        );
        let expected: Vec<u8> = [
            0x01, 0x02, 0x03, 0x04, 0x10, 0x11, 0x12, 0x18, 0x1F, 0x20, 0x21, 0x22, 0x2A, 0x30,
            0x31, 0x38, 0x39, 0x3A, 0x3B, 0x50, 0x51, 0x59, 0x5F, 0x60, 0x61, 0x62, 0x68, 0x70,
            0x71, 0x80, 0x81, 0xA0, 0xA1, 0xA8, 0xA9, 0xAF, 0xE0, 0xE1, 0xE2, 0xF0, 0xF1, 0xFE,
        ]
        .to_vec();
        assert_eq!(codes, expected);
    }

    #[test]
    fn spec_lookup_matches_opcode() {
        for spec in OPCODES {
            assert_eq!(spec.opcode.spec().code, spec.code);
            assert_eq!(Opcode::from_byte(spec.code), Some(spec.opcode));
            assert_eq!(Opcode::from_mnemonic(spec.mnemonic), Some(spec.opcode));
            assert_eq!(spec.opcode as u8, spec.code);
        }
    }
}
