//! Hand-assembled binaries: each opcode's bytes decode to the instruction
//! the table says, encode back to the same bytes, and print as text that
//! assembles back.

mod common;

use common::{container, pool};
use omex_frontend_bir::{
    Compression, DecodeOptions, Instruction, Opcode, Operand, Program, decode, encode, text,
};

/// (instruction bytes, opcode, operands), written out by hand.
fn cases() -> Vec<(Vec<u8>, Opcode, Vec<Operand>)> {
    use Operand::*;
    vec![
        (vec![0x00, 0x00, 0x00], Opcode::Nop, vec![]),
        (
            vec![0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00],
            Opcode::LoadDataset,
            vec![Str(0)],
        ),
        (
            vec![0x05, 0x00, 0x01, 0x1f, 0x00, 0x00, 0x00],
            Opcode::SetFilter,
            vec![Int(0x1f)],
        ),
        // 0.6f32 = 0x3f19999a
        (
            vec![0x12, 0x00, 0x01, 0x9a, 0x99, 0x19, 0x3f],
            Opcode::OcrConf,
            vec![Float(0.6)],
        ),
        (
            vec![0x30, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00],
            Opcode::EmbedBatch,
            vec![Int(4)],
        ),
        (
            vec![
                0x41, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
            ],
            Opcode::Cluster,
            vec![Int(0), Int(3)],
        ),
        // 0.5f32 = 0x3f000000
        (
            vec![
                0x55, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x3f,
            ],
            Opcode::Summarize,
            vec![Int(1), Str(1), Float(0.5)],
        ),
        (
            vec![0x70, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00],
            Opcode::Compress,
            vec![Int(1)],
        ),
        // 400 = 0x190
        (
            vec![0x90, 0x00, 0x01, 0x90, 0x01, 0x00, 0x00],
            Opcode::BuildCapsule,
            vec![Int(400)],
        ),
        (
            vec![0xa0, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00],
            Opcode::WriteOutput,
            vec![Str(2)],
        ),
        (vec![0xf0, 0x00, 0x00], Opcode::Halt, vec![]),
        // A negative integer: -1 = ff ff ff ff.
        (
            vec![0x70, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff],
            Opcode::Compress,
            vec![Int(-1)],
        ),
    ]
}

const POOL: &[&str] = &["corpus", "models/tiny-lm", "capsule.md"];

#[test]
fn every_opcode_has_a_golden_case() {
    for op in Opcode::ALL {
        assert!(
            cases().iter().any(|(_, o, _)| o == op),
            "no golden bytes for {op:?}"
        );
    }
}

#[test]
fn each_opcode_decodes_and_encodes_exactly() {
    for (bytes, opcode, operands) in cases() {
        let file = container(&[(1, 0, &pool(POOL)), (2, 0, &bytes)]);
        let decoded =
            decode(&file, DecodeOptions::default()).unwrap_or_else(|e| panic!("{opcode:?}: {e:?}"));
        let expected = Instruction {
            opcode,
            mode: 0,
            operands,
        };
        assert_eq!(decoded.program.code, vec![expected], "{opcode:?}");
        assert_eq!(decoded.program.pool, POOL);
        assert_eq!(
            encode(&decoded.program),
            file,
            "{opcode:?}: encode is not the golden file"
        );
        // The instruction starts right after the pool, in the file.
        assert_eq!(
            decoded.layout.instr.offsets,
            vec![8 + 32 + pool(POOL).len()]
        );
    }
}

#[test]
fn a_whole_program_golden_file() {
    // Header, two section headers, pool, code, CRC: every byte by hand.
    let mut file: Vec<u8> = vec![
        b'C', b'D', b'I', b'R', 0x00, 0x01, 0x02, 0x00, // magic, 0.1, 2 sections
        0x01, 0x00, 0x00, 0x00, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0x28, 0, 0,
        0, // CONST_POOL: 10 bytes at 40
        0x02, 0x00, 0x00, 0x00, 0x0d, 0, 0, 0, 0, 0, 0, 0, 0x32, 0, 0,
        0, // INSTR: 13 bytes at 50
        0x06, 0, 0, 0, b'c', b'o', b'r', b'p', b'u', b's', // "corpus"
        0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // LOAD_DATASET #0
        0x00, 0x00, 0x00, // NOP
        0xf0, 0x00, 0x00, // HALT
    ];
    let crc = crc32fast::hash(&file);
    file.extend_from_slice(&crc.to_le_bytes());
    let decoded = decode(&file, DecodeOptions::default()).unwrap();
    let expected = Program {
        pool: vec!["corpus".into()],
        code: vec![
            Instruction::new(Opcode::LoadDataset, vec![Operand::Str(0)]),
            Instruction::new(Opcode::Nop, vec![]),
            Instruction::new(Opcode::Halt, vec![]),
        ],
        ..Program::default()
    };
    assert_eq!(decoded.program, expected);
    assert_eq!(encode(&expected), file);
    insta::assert_snapshot!(text::disassemble(&expected), @r#"
    ; Jules BIR 0.1: 1 constant, 3 instructions
    .version 0.1
    .const "corpus"                       ; #0

    LOAD_DATASET #0                ; "corpus"
    NOP
    HALT
    "#);
}

#[test]
fn compressed_sections_and_metadata() {
    let source =
        ".zlib const instr meta\n.meta \"name\" \"z\"\n.const \"a\"\nLOAD_DATASET #0\nHALT\n";
    let program = text::assemble(source).unwrap();
    assert_eq!(
        program.compression,
        Compression {
            const_pool: true,
            instr: true,
            metadata: true
        }
    );
    let bytes = encode(&program);
    // Every section header has flag bit 0 set.
    for i in 0..3 {
        assert_eq!(bytes[8 + 16 * i + 1], 1);
    }
    let decoded = decode(&bytes, DecodeOptions::default()).unwrap();
    assert_eq!(decoded.program, program);
    assert_eq!(
        decoded.program.metadata,
        Some(vec![("name".into(), "z".into())])
    );
}

#[test]
fn text_binary_text_round_trip() {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/bir/digest.birasm"
    ))
    .unwrap();
    let program = text::assemble(&source).unwrap();
    let bytes = encode(&program);
    let decoded = decode(&bytes, DecodeOptions::default()).unwrap();
    assert_eq!(decoded.program, program);
    let printed = text::disassemble(&decoded.program);
    // The printed text is canonical: it assembles to the same program and bytes.
    let again = text::assemble(&printed).unwrap();
    assert_eq!(again, program);
    assert_eq!(encode(&again), bytes);
    assert_eq!(text::disassemble(&again), printed);
    // And the committed binary is this program.
    let committed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/bir/digest.bir"
    ))
    .unwrap();
    assert_eq!(
        committed, bytes,
        "examples/bir/digest.bir is stale: re-run `omexc bir asm`"
    );
}

#[test]
fn special_operands_round_trip() {
    let source = "OCR_CONF nan(0x7fc00001)\nOCR_CONF -inf\nOCR_CONF 1e-7\nSET_FILTER -2147483648\nEMBED_BATCH mode=0x80 0x7fffffff\nWRITE_OUTPUT \"tab\\there \\\"q\\\" \\u{7}\"\nHALT\n";
    let program = text::assemble(source).unwrap();
    assert_eq!(
        program.code[0].operands[0],
        Operand::Float(f32::from_bits(0x7fc00001))
    );
    assert_eq!(program.code[4].mode, 0x80);
    assert_eq!(program.pool, vec!["tab\there \"q\" \u{7}".to_string()]);
    let printed = text::disassemble(&program);
    assert_eq!(text::assemble(&printed).unwrap(), program, "{printed}");
    let decoded = decode(&encode(&program), DecodeOptions::default()).unwrap();
    assert_eq!(decoded.program, program);
}
