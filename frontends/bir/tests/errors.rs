//! Every malformed-input error of the decoder: each snapshot holds the input
//! bytes and the diagnostic as the command line prints it (byte offset and
//! hex excerpt). The assembler's errors follow, with their source.

mod common;

use common::{container, container_with, hex_dump, pool, reseal, seal, zlib};
use omex_diagnostics::SourceFiles;
use omex_frontend_bir::{DecodeOptions, decode, text};

fn report(bytes: &[u8]) -> String {
    let e = decode(bytes, DecodeOptions::default()).expect_err("the input is malformed");
    let d = e.to_diagnostic("case.bir");
    format!(
        "input ({} bytes):\n{}\n{}",
        bytes.len(),
        hex_dump(bytes),
        common::render_all(&[d], &SourceFiles::new())
    )
}

fn code(bytes: &[u8]) -> &'static str {
    decode(bytes, DecodeOptions::default()).unwrap_err().code
}

macro_rules! case {
    ($name:ident, $code:literal, $bytes:expr) => {
        #[test]
        fn $name() {
            let bytes: Vec<u8> = $bytes;
            assert_eq!(code(&bytes), $code);
            insta::assert_snapshot!(report(&bytes));
        }
    };
}

const HALT: &[u8] = &[0xf0, 0x00, 0x00];

fn good() -> Vec<u8> {
    container(&[
        (1, 0, &pool(&["corpus"])),
        (2, 0, &[0x01, 0x00, 0x01, 0, 0, 0, 0, 0xf0, 0, 0]),
    ])
}

// ---- the container (E0400–E0409)

case!(empty_file, "E0400", Vec::new());
case!(bad_magic, "E0401", {
    let mut b = good();
    b[3] = b'X';
    reseal(b)
});
case!(not_bir_at_all, "E0401", b"\x89PNG\r\n\x1a\n0000".to_vec());
case!(truncated_header, "E0400", b"CDIR\x00\x01\x00".to_vec());
case!(
    bad_major_version,
    "E0402",
    container_with(&[1, 0], &[(2, 0, HALT)])
);
case!(
    bad_minor_version,
    "E0402",
    container_with(&[0, 2], &[(2, 0, HALT)])
);
case!(crc_mismatch, "E0403", {
    let mut b = good();
    let at = b.len() - 6;
    b[at] ^= 0x01; // flips a bit of HALT's count byte, keeps the old CRC
    b
});
case!(
    truncated_section_table,
    "E0404",
    seal(b"CDIR\x00\x01\x02\x00\x02\x00\x00\x00\x03\x00\x00\x00".to_vec())
);
case!(unknown_section_type, "E0405", container(&[(7, 0, HALT)]));
case!(
    undefined_section_flags,
    "E0405",
    container(&[(2, 0x82, HALT)])
);
case!(reserved_section_field, "E0405", {
    let mut b = container(&[(2, 0, HALT)]);
    b[10] = 0x01;
    reseal(b)
});
case!(section_past_the_end, "E0406", {
    let mut b = container(&[(2, 0, HALT)]);
    b[12] = 0x40; // length 64
    reseal(b)
});
case!(section_inside_the_table, "E0406", {
    let mut b = container(&[(2, 0, HALT)]);
    b[20] = 0x04; // offset 4
    reseal(b)
});
case!(overlapping_sections, "E0406", {
    let mut b = container(&[(1, 0, &pool(&["a"])), (2, 0, HALT)]);
    b[36] = 40; // INSTR's offset = CONST_POOL's
    reseal(b)
});
case!(
    duplicate_section,
    "E0407",
    container(&[(2, 0, HALT), (2, 0, HALT)])
);
case!(
    missing_instr_section,
    "E0407",
    container(&[(1, 0, &pool(&["a"]))])
);
case!(
    bad_zlib_data,
    "E0408",
    container(&[(2, 1, &[0x78, 0x9c, 0xff, 0xff, 0x00])])
);
case!(
    truncated_constant,
    "E0409",
    container(&[(1, 0, &[0x05, 0, 0, 0, b'a', b'b']), (2, 0, HALT)])
);
case!(
    truncated_constant_length,
    "E0409",
    container(&[(1, 0, &[0x05, 0]), (2, 0, HALT)])
);
case!(
    constant_not_utf8,
    "E0409",
    container(&[(1, 0, &[0x03, 0, 0, 0, b'a', 0xff, b'b']), (2, 0, HALT)])
);

// ---- instructions (E0410–E0415)

case!(
    unknown_opcode,
    "E0410",
    container(&[(2, 0, &[0x00, 0x00, 0x00, 0x02, 0x00, 0x00])])
);
case!(
    reserved_bits_set,
    "E0411",
    container(&[(2, 0, &[0xf0, 0x00, 0x10])])
);
case!(
    operand_count_mismatch,
    "E0412",
    container(&[(2, 0, &[0x41, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00])])
);
case!(
    operands_on_halt,
    "E0412",
    container(&[(2, 0, &[0xf0, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00])])
);
case!(
    truncated_operand,
    "E0413",
    container(&[(
        2,
        0,
        &[0x41, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00]
    )])
);
case!(
    truncated_instruction_header,
    "E0413",
    container(&[(2, 0, &[0xf0, 0x00, 0x00, 0x30])])
);
case!(
    string_reference_out_of_range,
    "E0414",
    container(&[
        (1, 0, &pool(&["corpus"])),
        (2, 0, &[0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00])
    ])
);
case!(
    string_reference_without_pool,
    "E0414",
    container(&[(2, 0, &[0xa0, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00])])
);
case!(
    metadata_without_value,
    "E0415",
    container(&[(2, 0, HALT), (3, 0, &pool(&["name"]))])
);
case!(
    error_inside_a_compressed_section,
    "E0410",
    container(&[(2, 1, &zlib(&[0xf0, 0x00, 0x00, 0x99, 0x00, 0x00]))])
);

// ---- the assembler (E0430–E0437)

fn asm_report(source: &str) -> String {
    let errors = text::assemble(source).expect_err("the text has errors");
    let mut files = SourceFiles::new();
    let file = files.add("case.birasm", source);
    let diags: Vec<_> = errors.iter().map(|e| e.to_diagnostic(file)).collect();
    format!("source:\n{source}\n{}", common::render_all(&diags, &files))
}

macro_rules! asm_case {
    ($name:ident, $code:literal, $source:expr) => {
        #[test]
        fn $name() {
            let errors = text::assemble($source).unwrap_err();
            assert!(errors.iter().any(|e| e.code == $code), "{errors:?}");
            insta::assert_snapshot!(asm_report($source));
        }
    };
}

asm_case!(
    asm_unknown_mnemonic,
    "E0430",
    "LOAD_DATASE \"corpus\"\nhalt\nFROB 1\n"
);
asm_case!(asm_operand_count, "E0431", "CLUSTER 0\nHALT 1\n");
asm_case!(
    asm_bad_operand,
    "E0432",
    "SET_FILTER 1.5\nOCR_CONF high\nLOAD_DATASET 3\nEMBED_BATCH \"x\"\n"
);
asm_case!(
    asm_bad_string,
    "E0433",
    "WRITE_OUTPUT \"out.md\nWRITE_OUTPUT \"a\\qb\"\n"
);
asm_case!(
    asm_reference_out_of_range,
    "E0434",
    ".const \"a\"\nLOAD_DATASET #3\n"
);
asm_case!(
    asm_bad_directive,
    "E0435",
    ".version 1.0\n.const corpus\n.zlib code\n.frob\n"
);
asm_case!(asm_int_range, "E0436", "BUILD_CAPSULE 3000000000\n");
asm_case!(asm_bad_mode, "E0437", "NOP mode=0x100\n");
