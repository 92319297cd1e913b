//! Negative tests: for every decoder and verifier rule, a minimal bad program
//! and the exact error code, message and byte offset it gives.
//!
//! Decoder inputs are written byte by byte; the offsets in the comments are
//! file offsets. Verifier inputs are modules built in memory, whose error
//! offsets are relative to the start of the code (except through
//! [`omex_mep::load`], which reports file offsets).

use omex_mep::subtype::*;
use omex_mep::{
    AnyConst, ConstId, Constant, CtlConst, DebugInfo, DecodeOptions, HostArity, HostFunctions,
    Instruction, Interface, MepError, ModelEntry, ModelId, Module, Offset, ReturnNames, Slot,
    SlotName, SourceLocation, StrConst, VerifyOptions, decode, load, verify,
};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const MAGIC: [u8; 8] = [0x89, b'M', b'E', b'P', 0x0D, 0x0A, 0x1A, 0x0A];

/// The 16-byte header.
fn header_v(major: u16, minor: u16, flags: u32) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend(major.to_le_bytes());
    out.extend(minor.to_le_bytes());
    out.extend(flags.to_le_bytes());
    out
}

fn header() -> Vec<u8> {
    header_v(1, 0, 0)
}

/// `id`, `u32` length, payload.
fn section(id: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![id];
    out.extend((payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// An empty constant pool or model table: a zero count. 9 bytes as a section.
fn empty(id: u8) -> Vec<u8> {
    section(id, &[0, 0, 0, 0])
}

/// Appends the CRC-32 of everything before it.
fn seal(mut body: Vec<u8>) -> Vec<u8> {
    let crc = crc32fast::hash(&body);
    body.extend(crc.to_le_bytes());
    body
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A file whose code section holds `code` at file offset 39.
fn code_file(code: &[u8]) -> Vec<u8> {
    seal(cat(&[&header(), &empty(1), &empty(2), &section(3, code)]))
}

fn decode_errors(bytes: &[u8]) -> Vec<MepError> {
    match decode(bytes, DecodeOptions::default()) {
        Ok((module, _)) => panic!("decoded without error: {module:?}"),
        Err(errors) => errors,
    }
}

fn verify_errors(module: Module) -> Vec<MepError> {
    verify_errors_with(module, &VerifyOptions::default())
}

fn verify_errors_with(module: Module, options: &VerifyOptions<'_>) -> Vec<MepError> {
    match verify(module, options) {
        Ok(program) => panic!("verified without error: {:?}", program.module()),
        Err(errors) => errors,
    }
}

/// Asserts a list of errors, each as (code, offset, full message).
#[track_caller]
fn check(errors: &[MepError], expected: &[(&str, usize, &str)]) {
    let got: Vec<(&str, usize, String)> = errors
        .iter()
        .map(|e| (e.code(), e.offset, e.kind.to_string()))
        .collect();
    let want: Vec<(&str, usize, String)> = expected
        .iter()
        .map(|(c, o, m)| (*c, *o, m.to_string()))
        .collect();
    assert_eq!(got, want);
}

fn s(n: u8) -> Slot {
    Slot(n)
}

fn str_c(id: u16) -> StrConst {
    StrConst(ConstId(id))
}

fn model(path: &str, inputs: &[&str], outputs: &[&str]) -> ModelEntry {
    ModelEntry {
        path: path.into(),
        format: "onnx".into(),
        sha256: None,
        size: None,
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
        outputs: outputs.iter().map(|s| s.to_string()).collect(),
    }
}

fn copy() -> Instruction {
    // 3 bytes.
    Instruction::SysCopy {
        out: s(1),
        input: s(2),
    }
}

fn with_code(code: Vec<Instruction>) -> Module {
    Module {
        code,
        ..Module::default()
    }
}

// ---------------------------------------------------------------------------
// Header and checksum
// ---------------------------------------------------------------------------

#[test]
fn bad_magic() {
    let mut bytes = code_file(&[]);
    bytes[3] = b'Q';
    check(
        &decode_errors(&bytes),
        &[("E0800", 0, "not a MEP file: the magic bytes are wrong")],
    );
    // Too short to hold the magic at all.
    check(
        &decode_errors(&MAGIC[..5]),
        &[("E0800", 0, "not a MEP file: the magic bytes are wrong")],
    );
    check(
        &decode_errors(&[]),
        &[("E0800", 0, "not a MEP file: the magic bytes are wrong")],
    );
    let error = &decode_errors(b"PK\x03\x04")[0];
    assert_eq!(
        error.to_string(),
        "not a MEP file: the magic bytes are wrong at byte offset 0 (0x0)"
    );
}

#[test]
fn truncated_header() {
    // The magic and a major version, nothing more: 10 bytes of the 20 a file
    // needs at least (16-byte header and 4-byte checksum).
    let bytes = cat(&[&MAGIC, &[0x01, 0x00]]);
    check(
        &decode_errors(&bytes),
        &[(
            "E0804",
            10,
            "truncated header and checksum: needs 20 byte(s), only 10 left",
        )],
    );
    // 19 bytes.
    let bytes = cat(&[&header(), &[0, 0, 0]]);
    check(
        &decode_errors(&bytes),
        &[(
            "E0804",
            19,
            "truncated header and checksum: needs 20 byte(s), only 19 left",
        )],
    );
}

#[test]
fn unsupported_version() {
    let bytes = seal(cat(&[
        &header_v(2, 3, 0),
        &empty(1),
        &empty(2),
        &section(3, &[]),
    ]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0801",
            8,
            "unsupported MEP container version 2.3 (this build reads 1.x)",
        )],
    );
    let bytes = seal(cat(&[
        &header_v(0, 9, 0),
        &empty(1),
        &empty(2),
        &section(3, &[]),
    ]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0801",
            8,
            "unsupported MEP container version 0.9 (this build reads 1.x)",
        )],
    );
    // A later minor version of 1.x is read.
    let bytes = seal(cat(&[
        &header_v(1, 7, 0),
        &empty(1),
        &empty(2),
        &section(3, &[]),
    ]));
    decode(&bytes, DecodeOptions::default()).unwrap();
}

#[test]
fn unknown_flags() {
    let bytes = seal(cat(&[
        &header_v(1, 0, 0x8000_0002),
        &empty(1),
        &empty(2),
        &section(3, &[]),
    ]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0802",
            12,
            "header flags 0x80000002 set bits that MEP 1.0 does not define",
        )],
    );
    // Bit 0 is defined.
    let bytes = seal(cat(&[
        &header_v(1, 0, 1),
        &empty(1),
        &empty(2),
        &section(3, &[]),
    ]));
    assert_eq!(decode(&bytes, DecodeOptions::default()).unwrap().0.flags, 1);
}

#[test]
fn checksum_mismatch() {
    // The header alone; its CRC-32 is 0x8250cda8 (computed with Python's
    // zlib.crc32), the file claims 0xdeadbeef.
    let bytes = cat(&[&header(), &0xDEAD_BEEF_u32.to_le_bytes()]);
    check(
        &decode_errors(&bytes),
        &[(
            "E0803",
            16,
            "checksum mismatch: the file says 0xdeadbeef, its bytes give 0x8250cda8 (the file is corrupted)",
        )],
    );
    // Any flipped byte of a valid file is caught.
    let good = code_file(&[0xAF]);
    for i in 0..good.len() - 4 {
        if i < 10 {
            continue; // the magic and the major version are checked first
        }
        let mut bad = good.clone();
        bad[i] ^= 0x40;
        let errors = decode_errors(&bad);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code(), "E0803", "byte {i}");
        assert_eq!(errors[0].offset, good.len() - 4);
    }
    // Ignoring the checksum lets decoding go on to the sections.
    let options = DecodeOptions {
        ignore_checksum: true,
    };
    let errors = decode(&bytes, options).unwrap_err();
    check(
        &errors,
        &[
            ("E0805", 16, "the required constant pool section is missing"),
            ("E0805", 16, "the required model table section is missing"),
            ("E0805", 16, "the required code section is missing"),
        ],
    );
}

// ---------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------

#[test]
fn truncated_section() {
    // 16: section id 1, then only 2 of the 4 length bytes.
    let bytes = seal(cat(&[&header(), &[0x01, 0x05, 0x00]]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0804",
            17,
            "truncated section: needs 4 byte(s), only 2 left",
        )],
    );
    // 16: section id 1, length 16, but only 2 payload bytes from 21.
    let bytes = seal(cat(&[&header(), &[0x01, 0x10, 0, 0, 0, 0, 0]]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0804",
            21,
            "truncated section: needs 16 byte(s), only 2 left",
        )],
    );
}

#[test]
fn truncated_constant() {
    // Pool payload at 21: count 1 (21..25), tag 2 = int at 25, then 3 of 8 bytes.
    let pool = section(1, &[1, 0, 0, 0, 0x02, 1, 2, 3]);
    let bytes = seal(cat(&[&header(), &pool, &empty(2), &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0804",
            26,
            "truncated int constant: needs 8 byte(s), only 3 left",
        )],
    );
    // A string of 10 bytes with 3 present: the length is at 26..30.
    let pool = section(1, &[1, 0, 0, 0, 0x04, 10, 0, 0, 0, b'a', b'b', b'c']);
    let bytes = seal(cat(&[&header(), &pool, &empty(2), &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0804",
            30,
            "truncated string constant: needs 10 byte(s), only 3 left",
        )],
    );
    // A count of 5 constants in a payload with 2 bytes left after it.
    let pool = section(1, &[5, 0, 0, 0, 0, 0]);
    let bytes = seal(cat(&[&header(), &pool, &empty(2), &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0804",
            21,
            "truncated constant pool: needs 5 byte(s), only 2 left",
        )],
    );
    // An int list claiming 2 elements with 8 bytes left: needs 16.
    let mut payload = vec![1, 0, 0, 0, 0x06, 2, 0, 0, 0];
    payload.extend([0; 8]);
    let bytes = seal(cat(&[
        &header(),
        &section(1, &payload),
        &empty(2),
        &section(3, &[]),
    ]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0804",
            26,
            "truncated int list constant: needs 16 byte(s), only 8 left",
        )],
    );
}

#[test]
fn truncated_model_interface_and_debug_entries() {
    // Model table payload at 30: count 1, path "" (34..38), format ""
    // (38..42), flags 0x01 (a sha256 follows) at 42, then 10 of its 32 bytes.
    let mut payload = vec![1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01];
    payload.extend([0xAB; 10]);
    let bytes = seal(cat(&[
        &header(),
        &empty(1),
        &section(2, &payload),
        &section(3, &[]),
    ]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0804",
            43,
            "truncated model sha256: needs 32 byte(s), only 10 left",
        )],
    );
    // Interface payload at 44: name "" (44..48), 2 arguments counted at 48
    // (each at least 5 bytes) but only 5 bytes left.
    let interface = section(4, &[0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0]);
    let bytes = seal(cat(&[
        &header(),
        &empty(1),
        &empty(2),
        &section(3, &[]),
        &interface,
    ]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0804",
            48,
            "truncated argument list: needs 10 byte(s), only 5 left",
        )],
    );
    // Debug payload at 44: no files (44..48), 1 source location counted at
    // 48 (16 bytes) but only 8 bytes left.
    let debug = section(5, &[0, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    let bytes = seal(cat(&[
        &header(),
        &empty(1),
        &empty(2),
        &section(3, &[]),
        &debug,
    ]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0804",
            48,
            "truncated source locations: needs 16 byte(s), only 8 left",
        )],
    );
}

#[test]
fn unknown_section_id() {
    // 25: id 6, after the constant pool.
    let bytes = seal(cat(&[&header(), &empty(1), &section(6, &[])]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0805",
            25,
            "unknown section id 6 (custom sections use ids 128-255)",
        )],
    );
    let bytes = seal(cat(&[&header(), &section(0, &[])]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0805",
            16,
            "unknown section id 0 (custom sections use ids 128-255)",
        )],
    );
    // Ids 128-255 are custom sections, kept verbatim.
    let bytes = seal(cat(&[
        &header(),
        &empty(1),
        &empty(2),
        &section(3, &[]),
        &section(127 + 1, &[9]),
    ]));
    let (module, _) = decode(&bytes, DecodeOptions::default()).unwrap();
    assert_eq!(module.custom.len(), 1);
    assert_eq!(module.custom[0].data, vec![9]);
}

#[test]
fn sections_out_of_order_or_duplicated() {
    // constants 16..25, code 25..30, models at 30.
    let bytes = seal(cat(&[&header(), &empty(1), &section(3, &[]), &empty(2)]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0805",
            30,
            "section 2 follows section 3: standard sections appear once, in increasing id order",
        )],
    );
    // A second constant pool at 25.
    let bytes = seal(cat(&[&header(), &empty(1), &empty(1)]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0805",
            25,
            "section 1 follows section 1: standard sections appear once, in increasing id order",
        )],
    );
}

#[test]
fn missing_sections() {
    // constants 16..25, code 25..30: no model table; reported at the end of
    // the sections, 30.
    let bytes = seal(cat(&[&header(), &empty(1), &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[("E0805", 30, "the required model table section is missing")],
    );
    let bytes = seal(header());
    check(
        &decode_errors(&bytes),
        &[
            ("E0805", 16, "the required constant pool section is missing"),
            ("E0805", 16, "the required model table section is missing"),
            ("E0805", 16, "the required code section is missing"),
        ],
    );
}

#[test]
fn trailing_bytes_in_a_section() {
    // The pool payload (21..27) holds a zero count and 2 more bytes at 25.
    let pool = section(1, &[0, 0, 0, 0, 0xAA, 0xBB]);
    let bytes = seal(cat(&[&header(), &pool, &empty(2), &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0805",
            25,
            "2 unexpected byte(s) at the end of the constant pool section",
        )],
    );
    // Model table at 25, payload from 30: zero count, 1 extra byte at 34.
    let models = section(2, &[0, 0, 0, 0, 0xCC]);
    let bytes = seal(cat(&[&header(), &empty(1), &models, &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0805",
            34,
            "1 unexpected byte(s) at the end of the model table section",
        )],
    );
    // Interface at 39 (after an empty code section 34..39), payload from 44:
    // name "" (4), no args (4), no returns (4), then 3 extra bytes at 56.
    let interface = section(4, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
    // Debug at 59: no files, locations, slot names (12 bytes from 64), 1 extra at 76.
    let debug = section(5, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    let bytes = seal(cat(&[
        &header(),
        &empty(1),
        &empty(2),
        &section(3, &[]),
        &interface,
        &debug,
    ]));
    check(
        &decode_errors(&bytes),
        &[
            (
                "E0805",
                56,
                "3 unexpected byte(s) at the end of the interface section",
            ),
            (
                "E0805",
                76,
                "1 unexpected byte(s) at the end of the debug section",
            ),
        ],
    );
}

#[test]
fn unknown_constant_tag() {
    // Tag 9 at 25.
    let pool = section(1, &[1, 0, 0, 0, 9]);
    let bytes = seal(cat(&[&header(), &pool, &empty(2), &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[("E0806", 25, "unknown constant type tag 9")],
    );
    // A bool whose value byte (26) is neither 0 nor 1.
    let pool = section(1, &[1, 0, 0, 0, 1, 2]);
    let bytes = seal(cat(&[&header(), &pool, &empty(2), &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0806",
            26,
            "invalid constant: a bool constant's value byte must be 0 or 1",
        )],
    );
}

#[test]
fn invalid_utf8() {
    // A string constant: tag at 25, its length at 26.
    let pool = section(1, &[1, 0, 0, 0, 4, 1, 0, 0, 0, 0xFF]);
    let bytes = seal(cat(&[&header(), &pool, &empty(2), &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[("E0806", 26, "string constant is not valid UTF-8")],
    );
    // A str list's second element (a lone continuation byte) at 35.
    let pool = section(
        1,
        &[
            1, 0, 0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, b'a', 1, 0, 0, 0, 0x80,
        ],
    );
    let bytes = seal(cat(&[&header(), &pool, &empty(2), &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[("E0806", 35, "str list constant is not valid UTF-8")],
    );
    // A model path: the model table payload starts at 30, the path length at 34.
    let models = section(2, &[1, 0, 0, 0, 1, 0, 0, 0, 0xC3]);
    let bytes = seal(cat(&[&header(), &empty(1), &models, &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[("E0806", 34, "model path is not valid UTF-8")],
    );
}

#[test]
fn too_many_models_or_constants() {
    // 257 models claimed, with 257 bytes behind the count so that the
    // "at least one byte each" bound does not catch it first.
    let mut payload = 257u32.to_le_bytes().to_vec();
    payload.extend(vec![0u8; 257]);
    let bytes = seal(cat(&[
        &header(),
        &empty(1),
        &section(2, &payload),
        &section(3, &[]),
    ]));
    check(
        &decode_errors(&bytes),
        &[("E0806", 30, "too many models: 257 (at most 256)")],
    );
    let mut payload = 65537u32.to_le_bytes().to_vec();
    payload.extend(vec![0u8; 65537]);
    let bytes = seal(cat(&[
        &header(),
        &section(1, &payload),
        &empty(2),
        &section(3, &[]),
    ]));
    check(
        &decode_errors(&bytes),
        &[("E0806", 21, "too many constants: 65537 (at most 65536)")],
    );
}

#[test]
fn invalid_model_entry() {
    // Model table payload at 30: count (30..34), path "" (34..38),
    // format "" (38..42), flags 0x04 at 42.
    let models = section(2, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04]);
    let bytes = seal(cat(&[&header(), &empty(1), &models, &section(3, &[])]));
    check(
        &decode_errors(&bytes),
        &[(
            "E0807",
            42,
            "invalid model table entry: flags 0x04 set undefined bits",
        )],
    );
}

// ---------------------------------------------------------------------------
// Code
// ---------------------------------------------------------------------------

#[test]
fn unknown_opcode() {
    check(
        &decode_errors(&code_file(&[0x00])),
        &[("E0808", 39, "unknown opcode 0x00")],
    );
    // After a FLOW_HALT (39), 0xFF at 40 stops decoding: the truncated
    // FLOW_LOOP_START after it is not looked at.
    check(
        &decode_errors(&code_file(&[0xAF, 0xFF, 0xA0])),
        &[("E0808", 40, "unknown opcode 0xff")],
    );
}

#[test]
fn truncated_instruction() {
    // FLOW_HALT at 39, then SRC_USER_PROMPT at 40 missing the high byte of
    // its const id.
    check(
        &decode_errors(&code_file(&[0xAF, 0x02, 0x07, 0x01, 0x02])),
        &[(
            "E0809",
            40,
            "truncated SRC_USER_PROMPT instruction: the code ends inside its operands",
        )],
    );
    // A SINK_RETURN whose count says 3 keys but only 1 follows.
    check(
        &decode_errors(&code_file(&[0xFE, 0x03, 0x01])),
        &[(
            "E0809",
            39,
            "truncated SINK_RETURN instruction: the code ends inside its operands",
        )],
    );
    // A FLOW_BRANCH_IF with one byte of its two-byte offset.
    check(
        &decode_errors(&code_file(&[0xA8, 0x01, 0x00])),
        &[(
            "E0809",
            39,
            "truncated FLOW_BRANCH_IF instruction: the code ends inside its operands",
        )],
    );
}

#[test]
fn undefined_subtype_and_decoding_goes_on() {
    let code = [
        0x60, 0xC8, 0x01, 0x02, // 39: MATH_UNARY op=200 (the code at 40)
        0xAF, // 43: FLOW_HALT
        0xF0, 0x01, 0x07, // 44: SINK_CONSOLE mode=7 (the code at 46)
        0x31, 0x01, 0x0A, 0x05, 0x02, 0x03, // 47: TENSOR_RANDOM dtype=10 dist=5
        0x00, // 53: unknown opcode: decoding stops here
        0x60, 0xC8, 0x01, 0x02, // never reached
    ];
    check(
        &decode_errors(&code_file(&code)),
        &[
            (
                "E0810",
                40,
                "MATH_UNARY: 200 is not a defined unary op (defined: 0=softmax, 1=sqrt, 2=abs, \
                 3=neg, 4=exp, 5=reciprocal, 6=log, 7=log_softmax, 8=sigmoid, 9=tanh, 10=relu, \
                 11=not, 12=floor, 13=ceil, 14=round)",
            ),
            (
                "E0810",
                46,
                "SINK_CONSOLE: 7 is not a defined stream mode (defined: 0=line, 1=stream)",
            ),
            // One error per instruction: the first bad field.
            (
                "E0810",
                49,
                "TENSOR_RANDOM: 10 is not a defined dtype (defined: 0=f32, 1=f64, 2=f16, 3=bf16, \
                 4=i32, 5=i64, 6=i16, 7=i8, 8=u8, 9=bool)",
            ),
            ("E0808", 53, "unknown opcode 0x00"),
        ],
    );
}

#[test]
fn code_errors_and_container_errors_together() {
    // Code at 39..43: an undefined EXEC_CTL type at 40. Then an interface
    // section at 43, payload from 48, with one trailing byte at 60.
    let interface = section(4, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xEE]);
    let bytes = seal(cat(&[
        &header(),
        &empty(1),
        &empty(2),
        &section(3, &[0x18, 0x09, 0x00, 0x00]),
        &interface,
    ]));
    check(
        &decode_errors(&bytes),
        &[
            (
                "E0810",
                40,
                "EXEC_CTL: 9 is not a defined control type (defined: 0=device, 1=precision, \
                 2=threads, 3=seed)",
            ),
            (
                "E0805",
                60,
                "1 unexpected byte(s) at the end of the interface section",
            ),
        ],
    );
}

// ---------------------------------------------------------------------------
// Verifier: operands
// ---------------------------------------------------------------------------

#[test]
fn const_id_out_of_range() {
    let module = Module {
        constants: vec![Constant::Int(1), Constant::Int(2)],
        code: vec![
            Instruction::SrcConstant {
                out: s(0),
                value: AnyConst(ConstId(1)),
            },
            // at 4
            Instruction::SrcConstant {
                out: s(0),
                value: AnyConst(ConstId(2)),
            },
        ],
        ..Module::default()
    };
    check(
        &verify_errors(module),
        &[(
            "E0811",
            4,
            "constant #2 does not exist (the pool has 2 constant(s))",
        )],
    );
    let module = with_code(vec![Instruction::SysDebugPrint {
        key: s(0),
        message: str_c(0xFFFF),
    }]);
    check(
        &verify_errors(module),
        &[(
            "E0811",
            0,
            "constant #65535 does not exist (the pool has 0 constant(s))",
        )],
    );
}

#[test]
fn const_type_mismatch() {
    // RES_LOAD_MODEL's path given an int.
    let module = Module {
        constants: vec![Constant::Int(7)],
        models: vec![model("a.onnx", &[], &[])],
        code: vec![
            copy(),
            Instruction::ResLoadModel {
                model: ModelId(0),
                path: str_c(0),
            },
        ],
        ..Module::default()
    };
    check(
        &verify_errors(module),
        &[(
            "E0812",
            3,
            "RES_LOAD_MODEL operand `path` needs a str constant, found an int",
        )],
    );
    // EXEC_CTL threads given a str; device given an int.
    let module = Module {
        constants: vec![Constant::Str("4".into()), Constant::Int(4)],
        code: vec![
            Instruction::ExecCtl {
                ctl: CtlType::Threads,
                value: CtlConst(ConstId(0)),
            },
            Instruction::ExecCtl {
                ctl: CtlType::Device,
                value: CtlConst(ConstId(1)),
            },
            // These two are right.
            Instruction::ExecCtl {
                ctl: CtlType::Seed,
                value: CtlConst(ConstId(1)),
            },
            Instruction::ExecCtl {
                ctl: CtlType::Precision,
                value: CtlConst(ConstId(0)),
            },
        ],
        ..Module::default()
    };
    check(
        &verify_errors(module),
        &[
            (
                "E0812",
                0,
                "EXEC_CTL operand `value` needs an int constant, found a str",
            ),
            (
                "E0812",
                4,
                "EXEC_CTL operand `value` needs a str constant, found an int",
            ),
        ],
    );
    // A string operand given a float list; SRC_CONSTANT takes anything.
    let module = Module {
        constants: vec![Constant::FloatList(vec![f32::NAN])],
        code: vec![
            Instruction::SrcConstant {
                out: s(0),
                value: AnyConst(ConstId(0)),
            },
            Instruction::SysDebugPrint {
                key: s(0),
                message: str_c(0),
            },
        ],
        ..Module::default()
    };
    check(
        &verify_errors(module),
        &[(
            "E0812",
            4,
            "SYS_DEBUG_PRINT operand `message` needs a str constant, found a float list",
        )],
    );
}

#[test]
fn model_id_out_of_range() {
    let module = Module {
        models: vec![model("a.onnx", &[], &[])],
        code: vec![
            copy(),
            Instruction::ResUnload {
                res: ResType::Model,
                target: 5,
            },
            // RES_UNLOAD context takes a slot, not a model.
            Instruction::ResUnload {
                res: ResType::Context,
                target: 5,
            },
        ],
        ..Module::default()
    };
    check(
        &verify_errors(module),
        &[(
            "E0813",
            3,
            "model m5 does not exist (the model table has 1 entry)",
        )],
    );
    // Out of range models are not also reported as never loaded.
    let module = with_code(vec![Instruction::ModelRunDynamic {
        model: ModelId(3),
        inputs: vec![],
        out_dict: s(1),
    }]);
    check(
        &verify_errors(module),
        &[(
            "E0813",
            0,
            "model m3 does not exist (the model table has 0 entries)",
        )],
    );
}

// ---------------------------------------------------------------------------
// Verifier: control flow
// ---------------------------------------------------------------------------

/// SYS_COPY (0..3), FLOW_BRANCH_IF (3..7), FLOW_HALT (7..8): 8 bytes.
fn branch_program(offset: i16) -> Module {
    with_code(vec![
        copy(),
        Instruction::FlowBranchIf {
            cond: s(0),
            offset: Offset(offset),
        },
        Instruction::FlowHalt {},
    ])
}

#[test]
fn branch_target_outside_code() {
    check(
        &verify_errors(branch_program(100)),
        &[("E0814", 3, "branch target 107 is outside the code (0..=8)")],
    );
    check(
        &verify_errors(branch_program(-8)),
        &[("E0814", 3, "branch target -1 is outside the code (0..=8)")],
    );
    check(
        &verify_errors(branch_program(2)),
        &[("E0814", 3, "branch target 9 is outside the code (0..=8)")],
    );
    // The end of the code, the next instruction, itself and the start are targets.
    for offset in [1, 0, -4, -7] {
        verify(branch_program(offset), &VerifyOptions::default()).unwrap();
    }
}

#[test]
fn branch_target_inside_an_instruction() {
    check(
        &verify_errors(branch_program(-6)),
        &[(
            "E0814",
            3,
            "branch target 1 is not the start of an instruction",
        )],
    );
    check(
        &verify_errors(branch_program(-2)),
        &[(
            "E0814",
            3,
            "branch target 5 is not the start of an instruction",
        )],
    );
}

#[test]
fn loop_end_without_start() {
    check(
        &verify_errors(with_code(vec![copy(), Instruction::FlowLoopEnd {}])),
        &[(
            "E0815",
            3,
            "FLOW_LOOP_END without a matching FLOW_LOOP_START",
        )],
    );
}

#[test]
fn loop_start_without_end() {
    let module = with_code(vec![
        Instruction::FlowLoopStart { counter: s(1) },
        Instruction::FlowLoopStart { counter: s(2) }, // at 2
        Instruction::FlowLoopEnd {},
    ]);
    check(
        &verify_errors(module),
        &[(
            "E0815",
            0,
            "FLOW_LOOP_START without a matching FLOW_LOOP_END",
        )],
    );
}

#[test]
fn break_outside_loop() {
    let module = with_code(vec![
        copy(),
        Instruction::FlowBreakLoopIf { cond: s(1) }, // at 3
        Instruction::FlowLoopStart { counter: s(1) },
        Instruction::FlowBreakLoopIf { cond: s(1) }, // inside: fine
        Instruction::FlowLoopEnd {},
        Instruction::FlowBreakLoopIf { cond: s(1) }, // at 10
    ]);
    check(
        &verify_errors(module),
        &[
            ("E0816", 3, "FLOW_BREAK_LOOP_IF outside any loop"),
            ("E0816", 10, "FLOW_BREAK_LOOP_IF outside any loop"),
        ],
    );
}

#[test]
fn branch_across_a_loop_boundary() {
    // Into a loop body: LOOP_START (0..2), SYS_COPY (2..5), LOOP_END (5..6),
    // BRANCH_IF (6..10) to 2, FLOW_HALT (10..11).
    let module = with_code(vec![
        Instruction::FlowLoopStart { counter: s(1) },
        copy(),
        Instruction::FlowLoopEnd {},
        Instruction::FlowBranchIf {
            cond: s(0),
            offset: Offset(-8),
        },
        Instruction::FlowHalt {},
    ]);
    check(
        &verify_errors(module),
        &[(
            "E0817",
            6,
            "branch to 2 enters or leaves a loop body (use FLOW_BREAK_LOOP_IF to leave a loop)",
        )],
    );
    // Out of a loop body: LOOP_START (0..2), BRANCH_IF (2..6) to 7 (after
    // LOOP_END at 6), FLOW_HALT (7..8).
    let out_of_loop = |offset| {
        with_code(vec![
            Instruction::FlowLoopStart { counter: s(1) },
            Instruction::FlowBranchIf {
                cond: s(0),
                offset: Offset(offset),
            },
            Instruction::FlowLoopEnd {},
            Instruction::FlowHalt {},
        ])
    };
    check(
        &verify_errors(out_of_loop(1)),
        &[(
            "E0817",
            2,
            "branch to 7 enters or leaves a loop body (use FLOW_BREAK_LOOP_IF to leave a loop)",
        )],
    );
    // To the end of the code from inside the loop leaves it too.
    check(
        &verify_errors(out_of_loop(2)),
        &[(
            "E0817",
            2,
            "branch to 8 enters or leaves a loop body (use FLOW_BREAK_LOOP_IF to leave a loop)",
        )],
    );
    // To the loop's own FLOW_LOOP_END, or to the first body instruction, is
    // inside the body: fine. To the FLOW_LOOP_START is outside it.
    verify(out_of_loop(0), &VerifyOptions::default()).unwrap();
    verify(out_of_loop(-4), &VerifyOptions::default()).unwrap();
    check(
        &verify_errors(out_of_loop(-6)),
        &[(
            "E0817",
            2,
            "branch to 0 enters or leaves a loop body (use FLOW_BREAK_LOOP_IF to leave a loop)",
        )],
    );
    // From before a loop to its FLOW_LOOP_START is at the same level.
    let module = with_code(vec![
        Instruction::FlowBranchIf {
            cond: s(0),
            offset: Offset(0),
        },
        Instruction::FlowLoopStart { counter: s(1) },
        Instruction::FlowLoopEnd {},
    ]);
    verify(module, &VerifyOptions::default()).unwrap();
    // Between two sibling loops: LOOP_START (0..2), BRANCH_IF (2..6) into
    // the second loop's body at 9, LOOP_END (6..7), LOOP_START (7..9),
    // SYS_COPY (9..12), LOOP_END (12..13).
    let module = with_code(vec![
        Instruction::FlowLoopStart { counter: s(1) },
        Instruction::FlowBranchIf {
            cond: s(0),
            offset: Offset(3),
        },
        Instruction::FlowLoopEnd {},
        Instruction::FlowLoopStart { counter: s(1) },
        copy(),
        Instruction::FlowLoopEnd {},
    ]);
    check(
        &verify_errors(module),
        &[(
            "E0817",
            2,
            "branch to 9 enters or leaves a loop body (use FLOW_BREAK_LOOP_IF to leave a loop)",
        )],
    );
}

// ---------------------------------------------------------------------------
// Verifier: instruction-specific rules
// ---------------------------------------------------------------------------

#[test]
fn param_count() {
    let module = with_code(vec![
        // 0: 5 bytes
        Instruction::TensorCreate {
            out: s(1),
            dtype: DType::F32,
            op: CreateOp::FromPy,
            params: vec![],
        },
        // 5: 6 bytes
        Instruction::TensorManipulate {
            op: ManipOp::Slice,
            out: s(1),
            input: s(2),
            params: vec![s(3)],
        },
        // 11: 9 bytes
        Instruction::TensorCombine {
            op: CombineOp::Concat,
            out: s(1),
            inputs: vec![s(2), s(3)],
            params: vec![s(4), s(5)],
        },
        // 20: 8 bytes
        Instruction::MathAggregate {
            op: AggOp::Argmax,
            out: s(1),
            input: s(2),
            params: vec![s(3), s(4), s(5)],
        },
        // 28
        Instruction::TensorCreate {
            out: s(1),
            dtype: DType::I64,
            op: CreateOp::Arange,
            params: vec![s(1), s(2), s(3), s(4)],
        },
        // The bounds themselves are fine.
        Instruction::TensorCreate {
            out: s(1),
            dtype: DType::I64,
            op: CreateOp::Arange,
            params: vec![s(1), s(2), s(3)],
        },
        Instruction::TensorManipulate {
            op: ManipOp::Squeeze,
            out: s(1),
            input: s(2),
            params: vec![],
        },
    ]);
    check(
        &verify_errors(module),
        &[
            (
                "E0818",
                0,
                "TENSOR_CREATE from_py takes 1 (value) parameter(s), found 0",
            ),
            (
                "E0818",
                5,
                "TENSOR_MANIPULATE slice takes 3 to 4 (axis, start, end [, step]) parameter(s), found 1",
            ),
            (
                "E0818",
                11,
                "TENSOR_COMBINE concat takes 0 to 1 ([axis]) parameter(s), found 2",
            ),
            (
                "E0818",
                20,
                "MATH_AGGREGATE argmax takes 0 to 2 ([axis [, keepdims]]) parameter(s), found 3",
            ),
            (
                "E0818",
                28,
                "TENSOR_CREATE arange takes 1 to 3 (end | start, end | start, end, step) parameter(s), found 4",
            ),
        ],
    );
}

fn format_program(format: &str, inputs: usize) -> Module {
    Module {
        constants: vec![Constant::Str(format.into())],
        code: vec![
            copy(),
            Instruction::StringFormat {
                out: s(0),
                format: str_c(0),
                inputs: (0..inputs as u8).map(Slot).collect(),
            },
        ],
        ..Module::default()
    }
}

#[test]
fn string_format_placeholders() {
    check(
        &verify_errors(format_program("{} and {}", 1)),
        &[(
            "E0819",
            3,
            "STRING_FORMAT: the format string has 2 `{}` placeholder(s) but 1 input(s)",
        )],
    );
    check(
        &verify_errors(format_program("{{}} is literal", 1)),
        &[(
            "E0819",
            3,
            "STRING_FORMAT: the format string has 0 `{}` placeholder(s) but 1 input(s)",
        )],
    );
    verify(format_program("{{{}}}: {}", 2), &VerifyOptions::default()).unwrap();
    verify(format_program("", 0), &VerifyOptions::default()).unwrap();
}

#[test]
fn string_format_bad_format_string() {
    check(
        &verify_errors(format_program("a {x} b", 1)),
        &[(
            "E0819",
            3,
            "STRING_FORMAT: bad format string: `{` must be followed by `}` (a placeholder) or `{` (a literal brace)",
        )],
    );
    check(
        &verify_errors(format_program("a } b", 0)),
        &[(
            "E0819",
            3,
            "STRING_FORMAT: bad format string: a lone `}` must be written `}}`",
        )],
    );
    check(
        &verify_errors(format_program("trailing {", 0)),
        &[(
            "E0819",
            3,
            "STRING_FORMAT: bad format string: `{` must be followed by `}` (a placeholder) or `{` (a literal brace)",
        )],
    );
}

#[test]
fn model_run_static_contract() {
    let module = Module {
        constants: vec![Constant::Str("a.onnx".into())],
        models: vec![model("a.onnx", &["ids", "mask"], &["logits"])],
        code: vec![
            Instruction::ResLoadModel {
                model: ModelId(0),
                path: str_c(0),
            },
            // at 4
            Instruction::ModelRunStatic {
                model: ModelId(0),
                inputs: vec![s(1)],
                outputs: vec![s(2), s(3)],
            },
            // right: at 11
            Instruction::ModelRunStatic {
                model: ModelId(0),
                inputs: vec![s(1), s(2)],
                outputs: vec![s(3)],
            },
            // at 18: inputs only
            Instruction::ModelRunStatic {
                model: ModelId(0),
                inputs: vec![],
                outputs: vec![s(3)],
            },
        ],
        ..Module::default()
    };
    check(
        &verify_errors(module),
        &[
            (
                "E0820",
                4,
                "MODEL_RUN_STATIC m0: the model table declares 2 inputs, the instruction has 1",
            ),
            (
                "E0820",
                4,
                "MODEL_RUN_STATIC m0: the model table declares 1 outputs, the instruction has 2",
            ),
            (
                "E0820",
                18,
                "MODEL_RUN_STATIC m0: the model table declares 2 inputs, the instruction has 0",
            ),
        ],
    );
}

#[test]
fn model_path_mismatch() {
    let module = Module {
        constants: vec![Constant::Str("b.onnx".into())],
        models: vec![model("a.onnx", &[], &[])],
        code: vec![
            copy(),
            Instruction::ResLoadModel {
                model: ModelId(0),
                path: str_c(0),
            },
        ],
        ..Module::default()
    };
    check(
        &verify_errors(module),
        &[(
            "E0821",
            3,
            "RES_LOAD_MODEL m0 loads \"b.onnx\" but the model table says \"a.onnx\"",
        )],
    );
}

#[test]
fn model_never_loaded() {
    let module = Module {
        constants: vec![Constant::Str("a.onnx".into())],
        models: vec![model("a.onnx", &["x"], &["y"]), model("b.onnx", &[], &[])],
        code: vec![
            // 0: m1 is never loaded
            Instruction::ModelRunDynamic {
                model: ModelId(1),
                inputs: vec![s(1)],
                out_dict: s(2),
            },
            // 5: m0 is loaded later on: that is enough
            Instruction::ModelRunStatic {
                model: ModelId(0),
                inputs: vec![s(1)],
                outputs: vec![s(2)],
            },
            // 11
            Instruction::ResLoadModel {
                model: ModelId(0),
                path: str_c(0),
            },
            // 15
            Instruction::ModelRunStatic {
                model: ModelId(1),
                inputs: vec![],
                outputs: vec![],
            },
        ],
        ..Module::default()
    };
    check(
        &verify_errors(module),
        &[
            (
                "E0821",
                0,
                "model m1 is used but no RES_LOAD_MODEL loads it",
            ),
            (
                "E0821",
                15,
                "model m1 is used but no RES_LOAD_MODEL loads it",
            ),
        ],
    );
}

struct Host;

impl HostFunctions for Host {
    fn arity(&self, name: &str) -> Option<HostArity> {
        match name {
            "tokenize" => Some(HostArity {
                inputs: (1, 1),
                outputs: (1, 2),
            }),
            "resize_image" => Some(HostArity {
                inputs: (2, 3),
                outputs: (1, 1),
            }),
            _ => None,
        }
    }

    fn names(&self) -> Vec<&str> {
        vec!["tokenize", "resize_image"]
    }
}

fn call(func: u16, inputs: &[u8], outputs: &[u8]) -> Instruction {
    Instruction::ExternCallFunc {
        func: str_c(func),
        inputs: inputs.iter().copied().map(Slot).collect(),
        outputs: outputs.iter().copied().map(Slot).collect(),
    }
}

#[test]
fn unknown_host_function() {
    let module = Module {
        constants: vec![
            Constant::Str("tokenise".into()),
            Constant::Str("frobnicate".into()),
            Constant::Str("tokenize".into()),
        ],
        code: vec![
            call(0, &[1], &[2]), // 0..7
            call(1, &[1], &[2]), // 7..14
            call(2, &[1], &[2]), // 14..21: known
        ],
        ..Module::default()
    };
    let options = VerifyOptions {
        host_functions: Some(&Host),
    };
    check(
        &verify_errors_with(module.clone(), &options),
        &[
            (
                "E0822",
                0,
                "unknown host function \"tokenise\" (did you mean \"tokenize\"?)",
            ),
            ("E0822", 7, "unknown host function \"frobnicate\""),
        ],
    );
    // Without a host function table, any name is accepted.
    verify(module, &VerifyOptions::default()).unwrap();
}

#[test]
fn host_function_arity() {
    let module = Module {
        constants: vec![
            Constant::Str("tokenize".into()),
            Constant::Str("resize_image".into()),
        ],
        code: vec![
            call(0, &[1, 2], &[]),        // 0..7
            call(1, &[1, 2, 3, 4], &[5]), // 7..17
            call(1, &[1, 2, 3], &[5]),    // 17..26: fine
            call(0, &[1], &[2, 3]),       // 26..33: fine
        ],
        ..Module::default()
    };
    let options = VerifyOptions {
        host_functions: Some(&Host),
    };
    check(
        &verify_errors_with(module, &options),
        &[
            (
                "E0822",
                0,
                "host function \"tokenize\" takes 1 inputs, found 2",
            ),
            (
                "E0822",
                0,
                "host function \"tokenize\" takes 1 to 2 outputs, found 0",
            ),
            (
                "E0822",
                7,
                "host function \"resize_image\" takes 2 to 3 inputs, found 4",
            ),
        ],
    );
}

/// SYS_COPY (0..3), SINK_RETURN [s1] (3..6).
fn returning(interface: Option<Interface>, debug: Option<DebugInfo>) -> Module {
    Module {
        code: vec![copy(), Instruction::SinkReturn { values: vec![s(1)] }],
        interface,
        debug,
        ..Module::default()
    }
}

fn names_at(offset: u32, names: &[&str]) -> ReturnNames {
    ReturnNames {
        offset,
        names: names.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn bad_interface() {
    let interface = |returns| {
        Some(Interface {
            name: "plan".into(),
            args: vec![],
            returns,
        })
    };
    check(
        &verify_errors(returning(interface(vec![names_at(0, &["x"])]), None)),
        &[(
            "E0823",
            0,
            "invalid interface section: return names refer to code offset 0, which is not a SINK_RETURN",
        )],
    );
    check(
        &verify_errors(returning(interface(vec![names_at(3, &["a", "b"])]), None)),
        &[(
            "E0823",
            3,
            "invalid interface section: the SINK_RETURN at code offset 3 returns 1 value(s) but 2 name(s) are given",
        )],
    );
    // Inside an instruction, at the end of the code, and past it (reported
    // at the end of the code).
    check(
        &verify_errors(returning(
            interface(vec![
                names_at(4, &["x"]),
                names_at(6, &["x"]),
                names_at(99, &["x"]),
            ]),
            None,
        )),
        &[
            (
                "E0823",
                4,
                "invalid interface section: return names refer to code offset 4, which is not a SINK_RETURN",
            ),
            (
                "E0823",
                6,
                "invalid interface section: return names refer to code offset 6, which is not a SINK_RETURN",
            ),
            (
                "E0823",
                6,
                "invalid interface section: return names refer to code offset 99, which is not a SINK_RETURN",
            ),
        ],
    );
    verify(
        returning(interface(vec![names_at(3, &["x"])]), None),
        &VerifyOptions::default(),
    )
    .unwrap();
}

fn location(offset: u32, file: u32, start: u32, end: u32) -> SourceLocation {
    SourceLocation {
        offset,
        file,
        start,
        end,
    }
}

#[test]
fn bad_debug_info() {
    let debug = |locations, slot_names| {
        Some(DebugInfo {
            files: vec!["plan.rcp".into()],
            locations,
            slot_names,
        })
    };
    check(
        &verify_errors(returning(
            None,
            debug(vec![location(3, 0, 0, 1), location(0, 0, 0, 1)], vec![]),
        )),
        &[(
            "E0824",
            0,
            "invalid debug section: source locations are not sorted by offset at code offset 0",
        )],
    );
    check(
        &verify_errors(returning(
            None,
            debug(
                vec![
                    location(1, 0, 0, 1),
                    location(3, 1, 0, 1),
                    location(6, 0, 0, 1),
                ],
                vec![],
            ),
        )),
        &[
            (
                "E0824",
                1,
                "invalid debug section: a source location names code offset 1, which is not an instruction",
            ),
            (
                "E0824",
                3,
                "invalid debug section: a source location names file 1 of 1",
            ),
            (
                "E0824",
                6,
                "invalid debug section: a source location names code offset 6, which is not an instruction",
            ),
        ],
    );
    check(
        &verify_errors(returning(None, debug(vec![location(0, 0, 9, 2)], vec![]))),
        &[(
            "E0824",
            0,
            "invalid debug section: a source span 9..2 ends before it starts",
        )],
    );
    let name = |from, to| SlotName {
        slot: 2,
        from,
        to,
        name: "x".into(),
    };
    check(
        &verify_errors(returning(
            None,
            debug(vec![], vec![name(4, 9), name(4, 2), name(7, 9), name(0, 6)]),
        )),
        &[
            (
                "E0824",
                4,
                "invalid debug section: the name \"x\" of slot s2 covers 4..9, outside the code (0..6)",
            ),
            (
                "E0824",
                4,
                "invalid debug section: the name \"x\" of slot s2 covers 4..2, outside the code (0..6)",
            ),
            (
                "E0824",
                6,
                "invalid debug section: the name \"x\" of slot s2 covers 7..9, outside the code (0..6)",
            ),
        ],
    );
    verify(
        returning(
            None,
            debug(
                vec![location(0, 0, 0, 0), location(3, 0, 1, 2)],
                vec![name(0, 6)],
            ),
        ),
        &VerifyOptions::default(),
    )
    .unwrap();
}

#[test]
fn slot_list_too_long() {
    // Only possible in memory: the count byte caps encoded lists at 255.
    let module = with_code(vec![
        copy(),
        Instruction::SinkReturn {
            values: vec![s(1); 256],
        },
    ]);
    check(
        &verify_errors(module),
        &[(
            "E0825",
            3,
            "operand `values` lists 256 slots; a count byte allows at most 255",
        )],
    );
    let module = with_code(vec![Instruction::SinkReturn {
        values: vec![s(1); 255],
    }]);
    verify(module, &VerifyOptions::default()).unwrap();
}

// ---------------------------------------------------------------------------
// Several errors at once; file offsets
// ---------------------------------------------------------------------------

#[test]
fn several_independent_errors_in_one_run() {
    let module = Module {
        minor_version: 0,
        constants: vec![Constant::Int(3), Constant::Str("{}".into())],
        models: vec![model("a.onnx", &["x"], &["y"])],
        code: vec![
            // 0..4: const out of range
            Instruction::SrcConstant {
                out: s(0),
                value: AnyConst(ConstId(9)),
            },
            // 4..6: break outside a loop
            Instruction::FlowBreakLoopIf { cond: s(0) },
            // 6..11: bad parameter count
            Instruction::TensorCreate {
                out: s(1),
                dtype: DType::F32,
                op: CreateOp::Ones,
                params: vec![],
            },
            // 11..16: a string operand given an int
            Instruction::PreprocGetId {
                proc: s(1),
                item: str_c(0),
                out: s(2),
            },
            // 16..21: a contract mismatch, and a model never loaded
            Instruction::ModelRunStatic {
                model: ModelId(0),
                inputs: vec![],
                outputs: vec![s(1)],
            },
            // 21..25: a branch into the middle of the FLOW_BREAK_LOOP_IF
            Instruction::FlowBranchIf {
                cond: s(0),
                offset: Offset(-20),
            },
            // 25..30: placeholder mismatch
            Instruction::StringFormat {
                out: s(1),
                format: str_c(1),
                inputs: vec![],
            },
            // 30..32: a loop never closed
            Instruction::FlowLoopStart { counter: s(4) },
            // 32..35
            Instruction::SinkReturn { values: vec![s(1)] },
        ],
        interface: Some(Interface {
            name: "p".into(),
            args: vec![],
            returns: vec![names_at(30, &["x"])],
        }),
        debug: Some(DebugInfo {
            files: vec![],
            locations: vec![location(6, 0, 0, 0)],
            slot_names: vec![],
        }),
        custom: vec![],
        flags: 0,
    };
    check(
        &verify_errors(module),
        &[
            (
                "E0811",
                0,
                "constant #9 does not exist (the pool has 2 constant(s))",
            ),
            ("E0816", 4, "FLOW_BREAK_LOOP_IF outside any loop"),
            (
                "E0818",
                6,
                "TENSOR_CREATE ones takes 1 (shape) parameter(s), found 0",
            ),
            (
                "E0812",
                11,
                "PREPROC_GET_ID operand `item` needs a str constant, found an int",
            ),
            (
                "E0820",
                16,
                "MODEL_RUN_STATIC m0: the model table declares 1 inputs, the instruction has 0",
            ),
            (
                "E0819",
                25,
                "STRING_FORMAT: the format string has 1 `{}` placeholder(s) but 0 input(s)",
            ),
            (
                "E0815",
                30,
                "FLOW_LOOP_START without a matching FLOW_LOOP_END",
            ),
            (
                "E0821",
                16,
                "model m0 is used but no RES_LOAD_MODEL loads it",
            ),
            (
                "E0814",
                21,
                "branch target 5 is not the start of an instruction",
            ),
            (
                "E0823",
                30,
                "invalid interface section: return names refer to code offset 30, which is not a SINK_RETURN",
            ),
            (
                "E0824",
                6,
                "invalid debug section: a source location names file 0 of 0",
            ),
        ],
    );
}

#[test]
fn load_reports_file_offsets() {
    // Code at 39: SYS_COPY (39..42), FLOW_BREAK_LOOP_IF (42..44),
    // SRC_CONSTANT #0 with an empty pool (44..48).
    let code = [0x59, 0x01, 0x02, 0xA9, 0x01, 0x04, 0x00, 0x00, 0x00];
    let errors = load(&code_file(&code), &VerifyOptions::default()).unwrap_err();
    check(
        &errors,
        &[
            ("E0816", 42, "FLOW_BREAK_LOOP_IF outside any loop"),
            (
                "E0811",
                44,
                "constant #0 does not exist (the pool has 0 constant(s))",
            ),
        ],
    );
    assert_eq!(
        errors[0].to_string(),
        "FLOW_BREAK_LOOP_IF outside any loop at byte offset 42 (0x2a)"
    );
    // Decoding errors come back from `load` as they are.
    let mut bad = code_file(&[0xAF]);
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let errors = load(&bad, &VerifyOptions::default()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code(), "E0803");
}
