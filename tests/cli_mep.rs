//! The MEP commands end to end: `omexc asm`, `verify`, `disasm`.
//! Each error case is a snapshot of the input and the rendered diagnostics.

use std::path::{Path, PathBuf};

mod common;
use common::*;

#[test]
fn asm_error_snapshots() {
    let out_dir = temp_dir("asm-errors");
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/asm-errors"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "mepasm"))
            .collect();
    cases.sort();
    assert!(
        cases.len() >= 14,
        "expected the asm error corpus, found {}",
        cases.len()
    );
    for case in cases {
        let name = case.file_stem().unwrap().to_str().unwrap().to_string();
        let relative = format!("tests/cli/asm-errors/{name}.mepasm");
        let out = out_dir.join(format!("{name}.mep"));
        let output = omexc(&["asm", &relative, "-o", out.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1), "{name}: exit code");
        assert!(!out.exists(), "{name}: no output file is written on error");
        let source = std::fs::read_to_string(&case).unwrap();
        insta::assert_snapshot!(
            format!("asm_{name}"),
            format!("{source}\n---- stderr ----\n{}", stderr(&output))
        );
    }
}

fn assemble_echo(dir: &Path) -> PathBuf {
    let mep = dir.join("echo.mep");
    let output = omexc(&[
        "asm",
        "examples/mep/echo.mepasm",
        "-o",
        mep.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    mep
}

#[test]
fn asm_verify_disasm_round_trip() {
    let dir = temp_dir("round-trip");
    let mep = assemble_echo(&dir);
    let verified = omexc(&["verify", mep.to_str().unwrap()]);
    assert!(verified.status.success());
    assert!(String::from_utf8_lossy(&verified.stdout).contains("valid MEP 1.0 (7 instructions"));

    let listing = omexc(&["disasm", mep.to_str().unwrap()]);
    assert!(listing.status.success());
    let text = String::from_utf8(listing.stdout).unwrap();
    insta::assert_snapshot!("disasm_echo", text);

    // The listing assembles to the same bytes.
    let again_src = dir.join("again.mepasm");
    std::fs::write(&again_src, &text).unwrap();
    let again = dir.join("again.mep");
    assert!(
        omexc(&[
            "asm",
            again_src.to_str().unwrap(),
            "-o",
            again.to_str().unwrap()
        ])
        .status
        .success()
    );
    assert_eq!(std::fs::read(&mep).unwrap(), std::fs::read(&again).unwrap());
}

/// Corrupts a valid file in one way and snapshots what `verify` says.
fn corrupted_case(name: &str, corrupt: impl FnOnce(&mut Vec<u8>)) {
    let dir = temp_dir("corrupted");
    let mut bytes = std::fs::read(assemble_echo(&dir)).unwrap();
    corrupt(&mut bytes);
    let path = dir.join(format!("{name}.mep"));
    std::fs::write(&path, &bytes).unwrap();
    let output = omexc(&["verify", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{name}");
    let text = stderr(&output).replace(dir.to_str().unwrap(), "$DIR");
    insta::assert_snapshot!(format!("verify_{name}"), text);
}

fn fix_checksum(bytes: &mut [u8]) {
    let n = bytes.len() - 4;
    let crc = crc32(&bytes[..n]);
    bytes[n..].copy_from_slice(&crc.to_le_bytes());
}

/// Plain bitwise CRC-32 (IEEE), independent of the implementation under test.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn verify_refuses_a_flipped_byte() {
    corrupted_case("checksum", |b| b[30] ^= 0x40);
}

#[test]
fn verify_refuses_bad_magic() {
    corrupted_case("magic", |b| b[1] = b'X');
}

#[test]
fn verify_refuses_a_truncated_file() {
    corrupted_case("truncated", |b| {
        b.truncate(40);
        b.extend_from_slice(&[0; 4]);
        fix_checksum(b);
    });
}

#[test]
fn verify_reports_unknown_opcode_with_offset() {
    corrupted_case("unknown_opcode", |b| {
        // The code section's first instruction (SRC_CMD_ARG) gets opcode 0x0F.
        let code = find_code(b);
        b[code] = 0x0F;
        fix_checksum(b);
    });
}

#[test]
fn verify_reports_undefined_subtypes() {
    corrupted_case("undefined_subtype", |b| {
        let code = find_code(b);
        // SINK_CONSOLE input=s1 mode=line at code offset 0x0f: mode byte at +2.
        assert_eq!(b[code + 0x0f], 0xF0);
        b[code + 0x11] = 9;
        fix_checksum(b);
    });
}

/// File offset of the code section payload.
fn find_code(bytes: &[u8]) -> usize {
    let mut at = 16;
    loop {
        let id = bytes[at];
        let len = u32::from_le_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
        if id == 3 {
            return at + 5;
        }
        at += 5 + len;
    }
}

#[test]
fn missing_file_is_an_input_error() {
    let output = omexc(&["verify", "no/such/file.mep"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error[E0950]: cannot read `no/such/file.mep`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let output = omexc(&["asm"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("<FILE>"));
    let output = omexc(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn json_diagnostics_are_lsp_shaped() {
    let out = temp_dir("json").join("x.mep");
    let output = omexc(&[
        "--message-format",
        "json",
        "asm",
        "tests/cli/asm-errors/unknown-subtype.mepasm",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON object per diagnostic: {text}");
    let value: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(value["code"], "E0857");
    assert_eq!(value["severity"], 1);
    assert_eq!(value["source"], "omexc");
    assert_eq!(value["file"], "tests/cli/asm-errors/unknown-subtype.mepasm");
    assert_eq!(value["range"]["start"]["line"], 2);
    assert_eq!(value["range"]["start"]["character"], 18);
    assert_eq!(value["range"]["end"]["character"], 24);
    assert_eq!(value["help"]["message"], "did you mean `softmax`?");
}

#[test]
fn disasm_of_an_unverifiable_file_warns() {
    let dir = temp_dir("disasm-warn");
    let src = dir.join("bad.mepasm");
    // Assembles (syntax is fine) but `asm` refuses to write it; build the bytes by hand instead.
    let module = omex_like_unbalanced_loop();
    std::fs::write(&src, "").unwrap();
    let path = dir.join("bad.mep");
    std::fs::write(&path, module).unwrap();
    let output = omexc(&["disasm", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("FLOW_LOOP_START counter=s0"));
    assert!(
        stderr(&output).contains("warning[E0815]"),
        "{}",
        stderr(&output)
    );
}

/// A container holding `FLOW_LOOP_START counter=s0` and nothing else.
fn omex_like_unbalanced_loop() -> Vec<u8> {
    let mut b = vec![
        0x89, b'M', b'E', b'P', 0x0D, 0x0A, 0x1A, 0x0A, 1, 0, 0, 0, 0, 0, 0, 0,
    ];
    b.extend_from_slice(&[1, 4, 0, 0, 0, 0, 0, 0, 0]); // constants: count 0
    b.extend_from_slice(&[2, 4, 0, 0, 0, 0, 0, 0, 0]); // models: count 0
    b.extend_from_slice(&[3, 2, 0, 0, 0, 0xA0, 0x00]); // code
    b.extend_from_slice(&[0; 4]);
    fix_checksum(&mut b);
    b
}

#[test]
fn run_mepasm_prints_and_returns_json() {
    let output = omexc(&[
        "run",
        "examples/mep/echo.mepasm",
        "--output",
        "json",
        "--",
        "World",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "Hello, World!",
            "Hello, World!",
            "Hello, World!",
            r#"{"greeting":"Hello, World!"}"#
        ]
    );
}

#[test]
fn run_reports_a_missing_argument_by_name() {
    let output = omexc(&["run", "examples/mep/echo.mepasm"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("run_missing_argument", stderr(&output));
}

#[test]
fn run_stops_a_runaway_loop() {
    let dir = temp_dir("runaway");
    let src = dir.join("spin.mepasm");
    std::fs::write(
        &src,
        ".mep 1.0\n    SRC_CONSTANT out=s0 value=1000000000\n    FLOW_LOOP_START counter=s0\n    FLOW_LOOP_END\n    FLOW_HALT\n",
    )
    .unwrap();
    let output = omexc(&["run", src.to_str().unwrap(), "--max-steps", "1000"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error[E0911]"),
        "{}",
        stderr(&output)
    );
    let output = omexc(&["run", src.to_str().unwrap(), "--timeout", "0.2"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error[E0912]"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn run_refuses_writes_outside_the_sandbox() {
    let dir = temp_dir("sandbox");
    let src = dir.join("escape.mepasm");
    std::fs::write(
        &src,
        ".mep 1.0\n    SRC_CONSTANT out=s0 value=\"x\"\n    SRC_CONSTANT out=s1 value=\"../../../../../../tmp/omexc-escape.txt\"\n    SINK_FILE input=s0 path=s1 format=txt\n    FLOW_HALT\n",
    )
    .unwrap();
    let output = omexc(&["run", src.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error[E0907]"),
        "{}",
        stderr(&output)
    );
    assert!(!Path::new("/tmp/omexc-escape.txt").exists());
}

#[test]
fn run_refuses_a_corrupted_program() {
    let dir = temp_dir("run-corrupt");
    let mep = assemble_echo(&dir);
    let mut bytes = std::fs::read(&mep).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&mep, &bytes).unwrap();
    let output = omexc(&["run", mep.to_str().unwrap(), "--", "x"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error[E0803]: checksum mismatch"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unknown_kind_of_input_lists_the_accepted_ones() {
    let output = omexc(&["check", "Cargo.toml"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("error[E0953]: `Cargo.toml` is not an input omexc knows"),
        "{text}"
    );
    for accepted in [
        ".plan",
        ".omex.json",
        "manifest.yaml",
        ".bir",
        ".mepasm",
        ".mep",
    ] {
        assert!(text.contains(accepted), "help names {accepted}: {text}");
    }
}

#[test]
fn ir_views_of_an_input_without_ir_are_refused() {
    let out = temp_dir("no-ir").join("echo.mep");
    let out = out.to_str().unwrap();
    for (args, what) in [
        (
            vec![
                "build",
                "examples/mep/echo.mepasm",
                "-o",
                out,
                "--emit",
                "ir",
            ],
            "are compiled through the IR",
        ),
        (
            vec![
                "build",
                "examples/mep/echo.mepasm",
                "-o",
                out,
                "--emit",
                "dot",
            ],
            "have a dataflow graph",
        ),
        (
            vec!["profile", "examples/mep/echo.mepasm"],
            "have a memory profile",
        ),
    ] {
        let output = omexc(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let text = stderr(&output);
        assert!(
            text.contains("error[E0955]: `examples/mep/echo.mepasm` has no IR: only sources"),
            "{text}"
        );
        assert!(text.contains(what), "{args:?}: {text}");
    }
}

/// The command line's own errors: which input, which message.
#[test]
fn command_line_errors() {
    let dir = temp_dir("cli-errors");
    let latin1 = dir.join("latin1.plan");
    std::fs::write(&latin1, b"plan p() { print(\"caf\xe9\") }\n").unwrap();
    let missing_dir = dir.join("no/such/folder/out.mep");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["check", latin1.to_str().unwrap()],
            "is not UTF-8 text (invalid byte at offset 21)",
        ),
        (
            vec![
                "asm",
                "examples/mep/echo.mepasm",
                "-o",
                missing_dir.to_str().unwrap(),
            ],
            "error[E0951]: cannot write",
        ),
        (
            vec!["build", "examples/sentiment.plan", "--emit", "llvm"],
            "error[E0954]: unknown --emit kind `llvm`",
        ),
        (
            vec![
                "run",
                "examples/mep/echo.mepasm",
                "--timeout",
                "0",
                "--",
                "x",
            ],
            "error[E0956]: --timeout must be a positive number of seconds, not 0",
        ),
        (
            vec!["check", "examples/sentiment.plan", "--memory-limit", "lots"],
            "error[E0957]: bad --memory-limit `lots`",
        ),
    ];
    for (args, message) in cases {
        let output = omexc(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let text = stderr(&output);
        assert!(text.contains(message), "{args:?}: {text}");
    }
}
