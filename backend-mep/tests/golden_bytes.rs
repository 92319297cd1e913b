//! Golden bytes: every opcode of MEP v1.0, and a whole container file.
//!
//! The expected bytes are written out by hand from the parameter tables of
//! the ISA document (`[FLAG (1 byte)] [PARAMETERS]`; `key` = 1 byte,
//! `const_id` = 2 bytes little-endian, `count` = 1 byte followed by that many
//! keys, `type` = 1 byte, `offset` = 2 bytes little-endian signed, relative
//! to the next instruction) and from the container layout documented at the
//! top of `container.rs`. None of them is computed by calling the encoder.

use std::collections::{BTreeMap, BTreeSet};

use omex_mep::module::CustomSection;
use omex_mep::subtype::*;
use omex_mep::{
    AnyConst, ArgInfo, ConstId, Constant, CtlConst, DebugInfo, DecodeOptions, Instruction,
    Interface, ModelEntry, ModelId, Module, OPCODES, Offset, OperandKind, ReturnNames, Slot,
    SlotName, SourceLocation, StrConst, decode, encode,
};

fn s(n: u8) -> Slot {
    Slot(n)
}

fn slots(list: &[u8]) -> Vec<Slot> {
    list.iter().copied().map(Slot).collect()
}

fn str_c(id: u16) -> StrConst {
    StrConst(ConstId(id))
}

/// One instruction per opcode, with distinctive operand values (no two
/// neighbouring operands share a value where that can be avoided) and its
/// bytes as written by hand. Every subtype field uses a non-zero code.
fn golden() -> Vec<(Instruction, Vec<u8>)> {
    use Instruction::*;
    vec![
        // SRC_CMD_ARG out_key(1) arg_idx(1)
        (SrcCmdArg { out: s(7), arg: 3 }, vec![0x01, 0x07, 0x03]),
        // SRC_USER_PROMPT out_key(1) data_type(1) prompt_const_id(2): int = 1
        (
            SrcUserPrompt {
                out: s(7),
                data_type: PromptType::Int,
                prompt: str_c(0x0102),
            },
            vec![0x02, 0x07, 0x01, 0x02, 0x01],
        ),
        // SRC_FILE_CONTENT out_key(1) path_key(1) read_mode(1): binary = 1
        (
            SrcFileContent {
                out: s(9),
                path: s(4),
                mode: ReadMode::Binary,
            },
            vec![0x03, 0x09, 0x04, 0x01],
        ),
        // SRC_CONSTANT out_key(1) const_id(2)
        (
            SrcConstant {
                out: s(255),
                value: AnyConst(ConstId(0xBEEF)),
            },
            vec![0x04, 0xFF, 0xEF, 0xBE],
        ),
        // RES_LOAD_MODEL model_id(1) path_const_id(2)
        (
            ResLoadModel {
                model: ModelId(2),
                path: str_c(0x0304),
            },
            vec![0x10, 0x02, 0x04, 0x03],
        ),
        // RES_LOAD_DATAFILE out_key(1) file_type(1) path_const_id(2): txt_lines = 1
        (
            ResLoadDatafile {
                out: s(5),
                file_type: DataFileType::TxtLines,
                path: str_c(0x0010),
            },
            vec![0x11, 0x05, 0x01, 0x10, 0x00],
        ),
        // RES_LOAD_EXTERN out_key(1) repo_const_id(2) kind(1) count(1) params: host_object = 1
        (
            ResLoadExtern {
                out: s(6),
                repo: str_c(0x0201),
                kind: ExternKind::HostObject,
                params: slots(&[0x11, 0x12]),
            },
            vec![0x12, 0x06, 0x01, 0x02, 0x01, 0x02, 0x11, 0x12],
        ),
        // EXEC_CTL ctl_type(1) val_const_id(2): seed = 3
        (
            ExecCtl {
                ctl: CtlType::Seed,
                value: CtlConst(ConstId(0x0405)),
            },
            vec![0x18, 0x03, 0x05, 0x04],
        ),
        // RES_UNLOAD res_type(1) id_or_key(1): context = 1
        (
            ResUnload {
                res: ResType::Context,
                target: 42,
            },
            vec![0x1F, 0x01, 0x2A],
        ),
        // PREPROC_ENCODE proc_key(1) in_key(1) out_key(1)
        (
            PreprocEncode {
                proc: s(1),
                input: s(2),
                out: s(3),
            },
            vec![0x20, 0x01, 0x02, 0x03],
        ),
        // PREPROC_DECODE proc_key(1) in_key(1) out_key(1)
        (
            PreprocDecode {
                proc: s(4),
                input: s(5),
                out: s(6),
            },
            vec![0x21, 0x04, 0x05, 0x06],
        ),
        // PREPROC_GET_ID proc_key(1) item_const_id(2) out_key(1)
        (
            PreprocGetId {
                proc: s(1),
                item: str_c(0x0A0B),
                out: s(12),
            },
            vec![0x22, 0x01, 0x0B, 0x0A, 0x0C],
        ),
        // STRING_FORMAT out_key(1) format_const_id(2) count(1) in_key_1..N
        (
            StringFormat {
                out: s(8),
                format: str_c(0x0100),
                inputs: slots(&[0x21, 0x22, 0x23]),
            },
            vec![0x2A, 0x08, 0x00, 0x01, 0x03, 0x21, 0x22, 0x23],
        ),
        // TENSOR_CREATE out_key(1) dtype(1) creation_type(1) count(1) params:
        // i64 = 5, arange = 1
        (
            TensorCreate {
                out: s(10),
                dtype: DType::I64,
                op: CreateOp::Arange,
                params: slots(&[0x31, 0x32, 0x33]),
            },
            vec![0x30, 0x0A, 0x05, 0x01, 0x03, 0x31, 0x32, 0x33],
        ),
        // TENSOR_RANDOM out_key(1) dtype(1) dist_type(1) shape_key(1) seed_key(1):
        // bf16 = 3, uniform = 1
        (
            TensorRandom {
                out: s(11),
                dtype: DType::BF16,
                dist: RandomDist::Uniform,
                shape: s(12),
                seed: s(13),
            },
            vec![0x31, 0x0B, 0x03, 0x01, 0x0C, 0x0D],
        ),
        // TENSOR_MANIPULATE op_type(1) out_key(1) in_key(1) count(1) params: slice = 2
        (
            TensorManipulate {
                op: ManipOp::Slice,
                out: s(20),
                input: s(21),
                params: slots(&[22, 23, 24]),
            },
            vec![0x38, 0x02, 0x14, 0x15, 0x03, 0x16, 0x17, 0x18],
        ),
        // TENSOR_COMBINE op_type(1) out_key(1) count(1) in_keys count(1) params: stack = 1
        (
            TensorCombine {
                op: CombineOp::Stack,
                out: s(30),
                inputs: slots(&[31, 32]),
                params: slots(&[33]),
            },
            vec![0x39, 0x01, 0x1E, 0x02, 0x1F, 0x20, 0x01, 0x21],
        ),
        // TENSOR_INFO op_type(1) out_key(1) in_key(1): to_py = 2
        (
            TensorInfo {
                op: InfoOp::ToPy,
                out: s(1),
                input: s(2),
            },
            vec![0x3A, 0x02, 0x01, 0x02],
        ),
        // TENSOR_EXTRACT out_key(1) in_tensor_key(1) in_idx_key(1)
        (
            TensorExtract {
                out: s(3),
                tensor: s(4),
                index: s(5),
            },
            vec![0x3B, 0x03, 0x04, 0x05],
        ),
        // EXTERN_CALL_FUNC func_name_const_id(2) count_in(1) in.. count_out(1) out..
        (
            ExternCallFunc {
                func: str_c(0x0007),
                inputs: slots(&[0x41, 0x42]),
                outputs: slots(&[0x43]),
            },
            vec![0x50, 0x07, 0x00, 0x02, 0x41, 0x42, 0x01, 0x43],
        ),
        // EXTERN_CALL_METHOD obj_key(1) method_name_const_id(2) count_in(1) in.. count_out(1) out..
        (
            ExternCallMethod {
                object: s(9),
                method: str_c(0x0102),
                inputs: slots(&[0x51]),
                outputs: slots(&[0x52, 0x53]),
            },
            vec![0x51, 0x09, 0x02, 0x01, 0x01, 0x51, 0x02, 0x52, 0x53],
        ),
        // SYS_COPY out_key(1) in_key(1)
        (
            SysCopy {
                out: s(1),
                input: s(200),
            },
            vec![0x59, 0x01, 0xC8],
        ),
        // SYS_DEBUG_PRINT key(1) msg_const_id(2)
        (
            SysDebugPrint {
                key: s(3),
                message: str_c(0xFFFF),
            },
            vec![0x5F, 0x03, 0xFF, 0xFF],
        ),
        // MATH_UNARY op_type(1) out_key(1) in_key(1): reciprocal = 5
        (
            MathUnary {
                op: UnaryOp::Reciprocal,
                out: s(1),
                input: s(2),
            },
            vec![0x60, 0x05, 0x01, 0x02],
        ),
        // MATH_BINARY op_type(1) out_key(1) in_key1(1) in_key2(1): min = 6
        (
            MathBinary {
                op: BinaryOp::Min,
                out: s(1),
                lhs: s(2),
                rhs: s(3),
            },
            vec![0x61, 0x06, 0x01, 0x02, 0x03],
        ),
        // MATH_AGGREGATE op_type(1) out_key(1) in_key(1) count(1) params: mean = 3
        (
            MathAggregate {
                op: AggOp::Mean,
                out: s(4),
                input: s(5),
                params: slots(&[6, 7]),
            },
            vec![0x62, 0x03, 0x04, 0x05, 0x02, 0x06, 0x07],
        ),
        // LOGIC_COMPARE op_type(1) out_key(1) in_key1(1) in_key2(1): lt = 3
        (
            LogicCompare {
                op: CompareOp::Lt,
                out: s(1),
                lhs: s(2),
                rhs: s(3),
            },
            vec![0x68, 0x03, 0x01, 0x02, 0x03],
        ),
        // ANALYSIS_TOP_K in_key(1) k(1) out_indices_key(1) out_vals_key(1)
        (
            AnalysisTopK {
                input: s(1),
                k: 5,
                indices: s(2),
                values: s(3),
            },
            vec![0x70, 0x01, 0x05, 0x02, 0x03],
        ),
        // ANALYSIS_SAMPLE logits_key(1) temp_key(1) topk_key(1) out_key(1)
        (
            AnalysisSample {
                logits: s(1),
                temperature: s(2),
                top_k: s(3),
                out: s(4),
            },
            vec![0x71, 0x01, 0x02, 0x03, 0x04],
        ),
        // MODEL_RUN_STATIC model_id(1) count_in(1) in.. count_out(1) out..
        (
            ModelRunStatic {
                model: ModelId(1),
                inputs: slots(&[0x62, 0x63]),
                outputs: slots(&[0x64]),
            },
            vec![0x80, 0x01, 0x02, 0x62, 0x63, 0x01, 0x64],
        ),
        // MODEL_RUN_DYNAMIC model_id(1) count_in(1) in.. out_dict_key(1)
        (
            ModelRunDynamic {
                model: ModelId(3),
                inputs: slots(&[0x71]),
                out_dict: s(9),
            },
            vec![0x81, 0x03, 0x01, 0x71, 0x09],
        ),
        // FLOW_LOOP_START counter_key(1)
        (FlowLoopStart { counter: s(4) }, vec![0xA0, 0x04]),
        // FLOW_LOOP_END: no operands
        (FlowLoopEnd {}, vec![0xA1]),
        // FLOW_BRANCH_IF cond_key(1) jump_offset(2, signed): -3 = 0xFFFD
        (
            FlowBranchIf {
                cond: s(7),
                offset: Offset(-3),
            },
            vec![0xA8, 0x07, 0xFD, 0xFF],
        ),
        // FLOW_BREAK_LOOP_IF cond_key(1): nothing else
        (FlowBreakLoopIf { cond: s(8) }, vec![0xA9, 0x08]),
        // FLOW_HALT: no operands
        (FlowHalt {}, vec![0xAF]),
        // FORMAT_TEXT_TABLE out_key(1) dict_key(1) indices_key(1) vals_key(1)
        (
            FormatTextTable {
                out: s(1),
                labels: s(2),
                indices: s(3),
                values: s(4),
            },
            vec![0xE0, 0x01, 0x02, 0x03, 0x04],
        ),
        // FORMAT_TO_IMAGE out_key(1) in_key(1) range(1): byte = 2
        (
            FormatToImage {
                out: s(1),
                input: s(2),
                range: ImageRange::Byte,
            },
            vec![0xE1, 0x01, 0x02, 0x02],
        ),
        // FORMAT_TO_AUDIO out_key(1) in_key(1) rate_key(1)
        (
            FormatToAudio {
                out: s(1),
                input: s(2),
                rate: s(3),
            },
            vec![0xE2, 0x01, 0x02, 0x03],
        ),
        // SINK_CONSOLE in_key(1) stream_mode(1): stream = 1
        (
            SinkConsole {
                input: s(1),
                mode: StreamMode::Stream,
            },
            vec![0xF0, 0x01, 0x01],
        ),
        // SINK_FILE in_key(1) path_key(1) format(1): tensor_binary = 3
        (
            SinkFile {
                input: s(1),
                path: s(2),
                format: FileFormat::Tensor,
            },
            vec![0xF1, 0x01, 0x02, 0x03],
        ),
        // SINK_RETURN count(1) key_1..N
        (
            SinkReturn {
                values: slots(&[0xA1, 0xA2, 0xA3]),
            },
            vec![0xFE, 0x03, 0xA1, 0xA2, 0xA3],
        ),
    ]
}

/// The bytes of a module with empty constant pool and model table and the
/// given code, written by hand from the container layout: the code section
/// starts at file offset 16 (header) + 9 (constants) + 9 (models) + 5 = 39.
fn bare_file(code: &[u8]) -> Vec<u8> {
    let mut bytes = vec![
        0x89, b'M', b'E', b'P', 0x0D, 0x0A, 0x1A, 0x0A, // magic
        0x01, 0x00, // major 1
        0x00, 0x00, // minor 0
        0x00, 0x00, 0x00, 0x00, // flags
        0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // constants: count 0
        0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // models: count 0
        0x03, // code section id
    ];
    bytes.extend_from_slice(&(code.len() as u32).to_le_bytes());
    bytes.extend_from_slice(code);
    let crc = crc32fast::hash(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    bytes
}

fn module_with_code(code: Vec<Instruction>) -> Module {
    Module {
        code,
        ..Module::default()
    }
}

#[test]
fn golden_table_covers_every_opcode_once() {
    let table = golden();
    let covered: Vec<u8> = table.iter().map(|(i, _)| i.opcode() as u8).collect();
    let expected: Vec<u8> = OPCODES.iter().map(|spec| spec.code).collect();
    assert_eq!(
        covered, expected,
        "one golden instruction per opcode, in table order"
    );
    assert_eq!(table.len(), 42);
    for (instruction, bytes) in &table {
        assert_eq!(
            bytes[0],
            instruction.opcode() as u8,
            "{instruction:?}: the first byte is the FLAG"
        );
    }
}

#[test]
fn every_opcode_encodes_to_its_golden_bytes() {
    for (instruction, expected) in golden() {
        let mut out = Vec::new();
        instruction.encode(&mut out);
        assert_eq!(out, expected, "encoding {instruction:?}");
        assert_eq!(instruction.encoded_len(), expected.len(), "{instruction:?}");
        // The same bytes through the container encoder.
        let file = encode(&module_with_code(vec![instruction.clone()]));
        assert_eq!(
            file,
            bare_file(&expected),
            "container around {instruction:?}"
        );
    }
}

#[test]
fn every_opcode_decodes_from_its_golden_bytes() {
    for (instruction, bytes) in golden() {
        let (module, layout) = decode(&bare_file(&bytes), DecodeOptions::default())
            .unwrap_or_else(|e| panic!("{instruction:?}: {e:?}"));
        assert_eq!(layout.code_offset, 39);
        assert_eq!(module.code, vec![instruction.clone()]);
        assert_eq!(module, module_with_code(vec![instruction]));
    }
}

#[test]
fn all_golden_instructions_in_one_code_section() {
    let table = golden();
    let code: Vec<u8> = table.iter().flat_map(|(_, b)| b.clone()).collect();
    let instructions: Vec<Instruction> = table.into_iter().map(|(i, _)| i).collect();
    let module = module_with_code(instructions.clone());
    assert_eq!(module.code_bytes(), code);
    let file = bare_file(&code);
    assert_eq!(encode(&module), file);
    let (decoded, _) = decode(&file, DecodeOptions::default()).unwrap();
    assert_eq!(decoded.code, instructions);
    // Instruction offsets are the running sum of the hand-written lengths.
    let mut at = 0u32;
    let offsets = module.instruction_offsets();
    for (index, (_, bytes)) in golden().iter().enumerate() {
        assert_eq!(offsets[index], at);
        at += bytes.len() as u32;
    }
    assert_eq!(*offsets.last().unwrap(), at);
}

#[test]
fn branch_offset_is_little_endian_signed() {
    let cases: [(i16, [u8; 2]); 5] = [
        (0, [0x00, 0x00]),
        (0x0102, [0x02, 0x01]),
        (-1, [0xFF, 0xFF]),
        (i16::MAX, [0xFF, 0x7F]),
        (i16::MIN, [0x00, 0x80]),
    ];
    for (offset, le) in cases {
        let instruction = Instruction::FlowBranchIf {
            cond: s(0x33),
            offset: Offset(offset),
        };
        let expected = vec![0xA8, 0x33, le[0], le[1]];
        let mut out = Vec::new();
        instruction.encode(&mut out);
        assert_eq!(out, expected);
        let (module, _) = decode(&bare_file(&expected), DecodeOptions::default()).unwrap();
        assert_eq!(module.code, vec![instruction]);
    }
}

#[test]
fn every_subtype_table_is_covered_with_a_nonzero_code() {
    // Every table the opcode table refers to...
    let mut tables = BTreeSet::new();
    for spec in OPCODES {
        for operand in spec.operands {
            if let OperandKind::Subtype(table) = operand.kind {
                tables.insert(table.name);
            }
        }
    }
    assert_eq!(tables.len(), 19);
    // ...appears in the golden table with a non-zero code.
    let mut nonzero: BTreeMap<&str, u8> = BTreeMap::new();
    for (instruction, _) in golden() {
        let spec = instruction.opcode().spec();
        for (operand, op_spec) in instruction.operands().iter().zip(spec.operands) {
            if let (omex_mep::Operand::Subtype(code), OperandKind::Subtype(table)) =
                (operand, op_spec.kind)
            {
                assert_ne!(*code, 0, "{instruction:?}: use a non-zero code");
                nonzero.insert(table.name, *code);
            }
        }
    }
    let covered: BTreeSet<&str> = nonzero.keys().copied().collect();
    assert_eq!(covered, tables);
}

/// The subtype codes the issue fixes, written out by hand, through the bytes.
#[test]
fn subtype_codes_required_by_the_issue() {
    fn encoded(instruction: Instruction) -> Vec<u8> {
        let mut out = Vec::new();
        instruction.encode(&mut out);
        let (module, _) = decode(&bare_file(&out), DecodeOptions::default()).unwrap();
        assert_eq!(module.code, vec![instruction]);
        out
    }
    let unary = [
        (UnaryOp::Softmax, 0, "softmax"),
        (UnaryOp::Sqrt, 1, "sqrt"),
        (UnaryOp::Abs, 2, "abs"),
        (UnaryOp::Neg, 3, "neg"),
        (UnaryOp::Exp, 4, "exp"),
        (UnaryOp::Reciprocal, 5, "reciprocal"),
    ];
    for (op, code, name) in unary {
        assert_eq!(op.name(), name);
        let bytes = encoded(Instruction::MathUnary {
            op,
            out: s(1),
            input: s(2),
        });
        assert_eq!(bytes, vec![0x60, code, 0x01, 0x02]);
    }
    let binary = [
        (BinaryOp::Add, 0, "add"),
        (BinaryOp::Sub, 1, "sub"),
        (BinaryOp::Mul, 2, "mul"),
        (BinaryOp::Div, 3, "div"),
        (BinaryOp::Pow, 4, "pow"),
        (BinaryOp::Max, 5, "max"),
        (BinaryOp::Min, 6, "min"),
    ];
    for (op, code, name) in binary {
        assert_eq!(op.name(), name);
        let bytes = encoded(Instruction::MathBinary {
            op,
            out: s(1),
            lhs: s(2),
            rhs: s(3),
        });
        assert_eq!(bytes, vec![0x61, code, 0x01, 0x02, 0x03]);
    }
    assert_eq!(AggOp::Argmax.name(), "argmax");
    assert_eq!(
        encoded(Instruction::MathAggregate {
            op: AggOp::Argmax,
            out: s(1),
            input: s(2),
            params: vec![],
        }),
        vec![0x62, 0x00, 0x01, 0x02, 0x00]
    );
    let compare = [
        (CompareOp::Eq, 0, "eq"),
        (CompareOp::Neq, 1, "neq"),
        (CompareOp::Gt, 2, "gt"),
        (CompareOp::Lt, 3, "lt"),
    ];
    for (op, code, name) in compare {
        assert_eq!(op.name(), name);
        let bytes = encoded(Instruction::LogicCompare {
            op,
            out: s(1),
            lhs: s(2),
            rhs: s(3),
        });
        assert_eq!(bytes, vec![0x68, code, 0x01, 0x02, 0x03]);
    }
    let create = [
        (CreateOp::FromPy, 0, "from_py"),
        (CreateOp::Arange, 1, "arange"),
        (CreateOp::Ones, 2, "ones"),
        (CreateOp::Zeros, 3, "zeros"),
    ];
    let dtypes = [
        (DType::F32, 0, "f32"),
        (DType::F64, 1, "f64"),
        (DType::F16, 2, "f16"),
        (DType::BF16, 3, "bf16"),
        (DType::I32, 4, "i32"),
        (DType::I64, 5, "i64"),
        (DType::I16, 6, "i16"),
        (DType::I8, 7, "i8"),
        (DType::U8, 8, "u8"),
        (DType::Bool, 9, "bool"),
    ];
    for (op, op_code, op_name) in create {
        assert_eq!(op.name(), op_name);
        for (dtype, dtype_code, dtype_name) in dtypes {
            assert_eq!(dtype.name(), dtype_name);
            let bytes = encoded(Instruction::TensorCreate {
                out: s(0x10),
                dtype,
                op,
                params: slots(&[0x20]),
            });
            assert_eq!(bytes, vec![0x30, 0x10, dtype_code, op_code, 0x01, 0x20]);
        }
    }
    let info = [
        (InfoOp::Shape, 0, "shape"),
        (InfoOp::Dim, 1, "dim"),
        (InfoOp::ToPy, 2, "to_py"),
    ];
    for (op, code, name) in info {
        assert_eq!(op.name(), name);
        let bytes = encoded(Instruction::TensorInfo {
            op,
            out: s(1),
            input: s(2),
        });
        assert_eq!(bytes, vec![0x3A, code, 0x01, 0x02]);
    }
    assert_eq!(CombineOp::Concat.name(), "concat");
    assert_eq!(
        encoded(Instruction::TensorCombine {
            op: CombineOp::Concat,
            out: s(1),
            inputs: slots(&[2, 3]),
            params: vec![],
        }),
        vec![0x39, 0x00, 0x01, 0x02, 0x02, 0x03, 0x00]
    );
}

/// A small module that fills every section, and its file written out by hand.
fn full_module() -> Module {
    Module {
        minor_version: 0,
        flags: 1,
        constants: vec![Constant::Int(-2), Constant::Str("hi".into())],
        models: vec![ModelEntry {
            path: "m.onnx".into(),
            format: "onnx".into(),
            sha256: Some([0x11; 32]),
            size: Some(0x0102),
            inputs: vec!["x".into()],
            outputs: vec!["y".into()],
        }],
        code: vec![
            Instruction::SrcConstant {
                out: s(1),
                value: AnyConst(ConstId(1)),
            },
            Instruction::SinkReturn {
                values: slots(&[1]),
            },
        ],
        interface: Some(Interface {
            name: "p".into(),
            args: vec![ArgInfo {
                index: 0,
                name: "a".into(),
            }],
            returns: vec![ReturnNames {
                offset: 4,
                names: vec!["r".into()],
            }],
        }),
        debug: Some(DebugInfo {
            files: vec!["f".into()],
            locations: vec![SourceLocation {
                offset: 4,
                file: 0,
                start: 1,
                end: 2,
            }],
            slot_names: vec![SlotName {
                slot: 1,
                from: 4,
                to: 7,
                name: "v".into(),
            }],
        }),
        custom: vec![CustomSection {
            id: 0xC8,
            data: vec![0xAA, 0xBB],
        }],
    }
}

fn full_file() -> Vec<u8> {
    let mut f: Vec<u8> = Vec::new();
    // 0: header
    f.extend([0x89, 0x4D, 0x45, 0x50, 0x0D, 0x0A, 0x1A, 0x0A]); // magic "\x89MEP\r\n\x1a\n"
    f.extend([0x01, 0x00]); // major 1
    f.extend([0x00, 0x00]); // minor 0
    f.extend([0x01, 0x00, 0x00, 0x00]); // flags: strict model hashes
    assert_eq!(f.len(), 16);

    // 16: constant pool, 20-byte payload at 21
    f.extend([0x01, 0x14, 0x00, 0x00, 0x00]);
    f.extend([0x02, 0x00, 0x00, 0x00]); // 2 constants
    f.extend([0x02, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]); // tag 2 int: -2
    f.extend([0x04, 0x02, 0x00, 0x00, 0x00, b'h', b'i']); // tag 4 str: "hi"
    assert_eq!(f.len(), 41);

    // 41: model table, 81-byte payload at 46
    f.extend([0x02, 0x51, 0x00, 0x00, 0x00]);
    f.extend([0x01, 0x00, 0x00, 0x00]); // 1 model
    f.extend([0x06, 0x00, 0x00, 0x00]); // path length 6
    f.extend(*b"m.onnx");
    f.extend([0x04, 0x00, 0x00, 0x00]); // format length 4
    f.extend(*b"onnx");
    f.push(0x03); // flags: sha256 and size present
    f.extend([0x11; 32]); // sha256
    f.extend([0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]); // size 0x0102, u64 LE
    f.extend([0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, b'x']); // inputs ["x"]
    f.extend([0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, b'y']); // outputs ["y"]
    assert_eq!(f.len(), 127);

    // 127: code, 7 bytes at 132
    f.extend([0x03, 0x07, 0x00, 0x00, 0x00]);
    f.extend([0x04, 0x01, 0x01, 0x00]); // 0: SRC_CONSTANT out=s1 value=#1
    f.extend([0xFE, 0x01, 0x01]); // 4: SINK_RETURN values=[s1]
    assert_eq!(f.len(), 139);

    // 139: interface, 32-byte payload at 144
    f.extend([0x04, 0x20, 0x00, 0x00, 0x00]);
    f.extend([0x01, 0x00, 0x00, 0x00, b'p']); // name "p"
    f.extend([0x01, 0x00, 0x00, 0x00]); // 1 argument
    f.extend([0x00, 0x01, 0x00, 0x00, 0x00, b'a']); // index 0, name "a"
    f.extend([0x01, 0x00, 0x00, 0x00]); // 1 return
    f.extend([0x04, 0x00, 0x00, 0x00]); // at code offset 4
    f.extend([0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, b'r']); // names ["r"]
    assert_eq!(f.len(), 176);

    // 176: debug, 47-byte payload at 181
    f.extend([0x05, 0x2F, 0x00, 0x00, 0x00]);
    f.extend([0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, b'f']); // files ["f"]
    f.extend([0x01, 0x00, 0x00, 0x00]); // 1 location
    f.extend([0x04, 0x00, 0x00, 0x00]); // code offset 4
    f.extend([0x00, 0x00, 0x00, 0x00]); // file 0
    f.extend([0x01, 0x00, 0x00, 0x00]); // start 1
    f.extend([0x02, 0x00, 0x00, 0x00]); // end 2
    f.extend([0x01, 0x00, 0x00, 0x00]); // 1 slot name
    f.push(0x01); // s1
    f.extend([0x04, 0x00, 0x00, 0x00]); // from 4
    f.extend([0x07, 0x00, 0x00, 0x00]); // to 7
    f.extend([0x01, 0x00, 0x00, 0x00, b'v']); // name "v"
    assert_eq!(f.len(), 228);

    // 228: custom section 200, 2 bytes
    f.extend([0xC8, 0x02, 0x00, 0x00, 0x00, 0xAA, 0xBB]);
    assert_eq!(f.len(), 235);

    // 235: CRC-32 (IEEE) of bytes 0..235, computed independently of this
    // crate (Python's zlib.crc32) and written here as a literal.
    f.extend(0x175E_FB86_u32.to_le_bytes());
    f
}

#[test]
fn whole_container_golden_bytes() {
    let module = full_module();
    let file = full_file();
    assert_eq!(encode(&module), file);
    let (decoded, layout) = decode(&file, DecodeOptions::default()).unwrap();
    assert_eq!(decoded, module);
    assert_eq!(layout.code_offset, 132);
    assert_eq!(crc32fast::hash(&file[..235]).to_le_bytes(), file[235..]);
    let program = omex_mep::load(&file, &Default::default()).unwrap();
    assert_eq!(program.file_offset(1), 136);
}

#[test]
fn every_constant_type_golden_bytes() {
    let cases: Vec<(Constant, Vec<u8>)> = vec![
        (Constant::Null, vec![0x00]),
        (Constant::Bool(true), vec![0x01, 0x01]),
        (Constant::Bool(false), vec![0x01, 0x00]),
        (
            Constant::Int(0x0102_0304_0506_0708),
            vec![0x02, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01],
        ),
        // 1.5 = 0x3FF8_0000_0000_0000
        (
            Constant::Float(1.5),
            vec![0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F],
        ),
        // A NaN with a payload keeps its exact bits.
        (
            Constant::Float(f64::from_bits(0x7FF8_0000_0000_0001)),
            vec![0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x7F],
        ),
        (
            Constant::Str("é".into()),
            vec![0x04, 0x02, 0x00, 0x00, 0x00, 0xC3, 0xA9],
        ),
        (
            Constant::Bytes(vec![0x00, 0xFF]),
            vec![0x05, 0x02, 0x00, 0x00, 0x00, 0x00, 0xFF],
        ),
        (
            Constant::IntList(vec![-1, 2]),
            vec![
                0x06, 0x02, 0x00, 0x00, 0x00, // tag, count 2
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // -1
                0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 2
            ],
        ),
        // f32 1.0 = 0x3F80_0000, -2.0 = 0xC000_0000
        (
            Constant::FloatList(vec![1.0, -2.0]),
            vec![
                0x07, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0,
            ],
        ),
        (
            Constant::StrList(vec!["a".into(), "".into()]),
            vec![
                0x08, 0x02, 0x00, 0x00, 0x00, // tag, count 2
                0x01, 0x00, 0x00, 0x00, b'a', // "a"
                0x00, 0x00, 0x00, 0x00, // ""
            ],
        ),
    ];
    for (constant, expected) in cases {
        let mut out = Vec::new();
        constant.encode(&mut out);
        assert_eq!(out, expected, "{constant:?}");
        // Through a whole file: the pool holds this one constant.
        let module = Module {
            constants: vec![constant.clone()],
            ..Module::default()
        };
        let mut payload = vec![0x01, 0x00, 0x00, 0x00];
        payload.extend_from_slice(&expected);
        let mut file = vec![
            0x89, b'M', b'E', b'P', 0x0D, 0x0A, 0x1A, 0x0A, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x01,
        ];
        file.extend((payload.len() as u32).to_le_bytes());
        file.extend(&payload);
        file.extend([0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
        file.extend([0x03, 0x00, 0x00, 0x00, 0x00]);
        let crc = crc32fast::hash(&file);
        file.extend(crc.to_le_bytes());
        assert_eq!(encode(&module), file, "{constant:?}");
        let (decoded, _) = decode(&file, DecodeOptions::default()).unwrap();
        assert_eq!(decoded.constants, vec![constant]);
    }
}
