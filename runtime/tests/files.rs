//! Typed input, file sinks decoded back, data files and the sandbox.

mod common;

use common::{TempDir, harness};
use omex_runtime::{ErrorKind, Tensor, Value, VmOptions};
use serde_json::json;

fn sandboxed(dir: &TempDir) -> VmOptions {
    VmOptions {
        read_dirs: vec![dir.path().to_path_buf()],
        write_dirs: vec![dir.path().to_path_buf()],
        base_dir: Some(dir.path().to_path_buf()),
        search_paths: vec![dir.path().to_path_buf()],
        ..Default::default()
    }
}

const PROMPT: &str = r#".mep 1.0
    SRC_USER_PROMPT out=s0 data_type=int prompt="How many? "
    SRC_USER_PROMPT out=s1 data_type=float prompt="Scale? "
    SRC_USER_PROMPT out=s2 data_type=str prompt="Name? "
    SINK_RETURN values=[s0, s1, s2] names=["n", "scale", "name"]
"#;

#[test]
fn prompts_read_typed_input() {
    let mut h = harness(PROMPT, VmOptions::default(), "7\n0.5\r\n Ada Lovelace \n");
    let out = h.vm.run().expect("runs");
    assert_eq!(
        out.to_json(),
        json!({"n": 7, "scale": 0.5, "name": " Ada Lovelace "})
    );
    assert_eq!(h.stdout.contents(), "How many? Scale? Name? ");

    let mut h = harness(PROMPT, VmOptions::default(), "seven\n");
    let e = h.vm.run().expect_err("not an int");
    assert_eq!(e.kind, ErrorKind::Input);
    assert!(
        e.message.contains("expects an integer, got \"seven\""),
        "{e}"
    );

    let mut h = harness(PROMPT, VmOptions::default(), "");
    let e = h.vm.run().expect_err("no input");
    assert_eq!(e.kind, ErrorKind::Input);
    assert!(e.message.contains("end of input"), "{e}");
}

#[test]
fn command_line_arguments() {
    let src = r#".mep 1.0
.arg 0 "first"
.arg 1 "second"
    SRC_CMD_ARG out=s0 arg=0
    SRC_CMD_ARG out=s1 arg=1
    SINK_RETURN values=[s0, s1]
"#;
    let mut h = harness(
        src,
        VmOptions {
            args: vec!["a".into()],
            ..Default::default()
        },
        "",
    );
    let e = h.vm.run().expect_err("missing argument");
    assert_eq!(e.kind, ErrorKind::Input);
    assert!(
        e.message
            .contains("missing command-line argument 1 `second`"),
        "{e}"
    );
    h.vm.set_args(vec!["a".into(), "b".into()]);
    assert_eq!(
        h.vm.run().expect("runs").to_json(),
        json!({"0": "a", "1": "b"})
    );
}

#[test]
fn png_wav_npy_and_text_files_decode_back() {
    let dir = TempDir::new("sinks");
    let src = r#".mep 1.0
    SRC_CONSTANT out=s0 value=int[3, 4, 5]
    SRC_CONSTANT out=s1 value=11
    TENSOR_RANDOM out=s2 dtype=f32 dist=uniform shape=s0 seed=s1
    FORMAT_TO_IMAGE out=s3 input=s2 range=unit
    SRC_CONSTANT out=s4 value="image.png"
    SINK_FILE input=s3 path=s4 format=png
    SRC_CONSTANT out=s5 value=f32[0.0, 0.5, -0.5, 1.0, -1.0, 2.0]
    TENSOR_CREATE out=s6 dtype=f32 op=from_py params=[s5]
    SRC_CONSTANT out=s7 value=16000
    FORMAT_TO_AUDIO out=s8 input=s6 rate=s7
    SRC_CONSTANT out=s9 value="sound.wav"
    SINK_FILE input=s8 path=s9 format=wav
    SRC_CONSTANT out=s10 value="tensor.npy"
    SINK_FILE input=s2 path=s10 format=tensor
    SRC_CONSTANT out=s11 value="hello\nworld"
    SRC_CONSTANT out=s12 value="note.txt"
    SINK_FILE input=s11 path=s12 format=txt
    SRC_FILE_CONTENT out=s13 path=s12 mode=text
    SRC_FILE_CONTENT out=s14 path=s9 mode=binary
    TENSOR_INFO op=len out=s15 input=s14
    SINK_RETURN values=[s2, s13, s15, s3] names=["pixels", "text", "wav_bytes", "image"]
"#;
    let mut h = harness(src, sandboxed(&dir), "");
    let out = h.vm.run().expect("runs");

    // PNG: 4x5 RGB, each channel the tensor's plane mapped by round(x * 255).
    let Some(Value::Tensor(Tensor::F32(pixels))) = out.get("pixels") else {
        panic!("pixels")
    };
    let img = image::open(dir.path().join("image.png"))
        .expect("decodes")
        .to_rgb8();
    assert_eq!((img.width(), img.height()), (5, 4));
    for y in 0..4 {
        for x in 0..5 {
            let p = img.get_pixel(x as u32, y as u32);
            for c in 0..3 {
                let want = (pixels[[c, y, x]] * 255.0).round() as u8;
                assert_eq!(p[c], want, "pixel ({x}, {y}) channel {c}");
            }
        }
    }

    // WAV: 16-bit mono at 16 kHz, samples clamped to [-1, 1].
    let mut reader = hound::WavReader::open(dir.path().join("sound.wav")).expect("decodes");
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, 16000, 16)
    );
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    assert_eq!(samples, vec![0, 16384, -16384, 32767, -32767, 32767]);

    // .npy: the same tensor back.
    let bytes = std::fs::read(dir.path().join("tensor.npy")).expect("npy written");
    assert!(bytes.starts_with(b"\x93NUMPY\x01\x00"));
    let header = String::from_utf8_lossy(&bytes[10..80]).to_string();
    assert!(
        header.contains("'descr': '<f4'") && header.contains("'shape': (3, 4, 5)"),
        "{header}"
    );
    let back = omex_runtime::ops::npy::decode(&bytes).expect("decodes");
    assert_eq!(back.to_string(), Tensor::F32(pixels.clone()).to_string());

    let j = out.to_json();
    assert_eq!(j["image"]["dtype"], json!("uint8"));
    assert_eq!(j["image"]["shape"], json!([4, 5, 3]));
    assert_eq!(j["text"], json!("hello\nworld"));
    assert_eq!(j["wav_bytes"], json!(44 + 2 * 6));
}

#[test]
fn data_files_load_json_and_lines() {
    let dir = TempDir::new("data");
    std::fs::write(dir.path().join("labels.txt"), "cat\ndog\nbird\n").expect("write");
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"name": "x", "k": 3, "scale": 0.5, "list": [1, 2]}"#,
    )
    .expect("write");
    let src = r#".mep 1.0
    RES_LOAD_DATAFILE out=s0 file_type=txt_lines path="labels.txt"
    RES_LOAD_DATAFILE out=s1 file_type=json path="config.json"
    SRC_CONSTANT out=s2 value="k"
    TENSOR_EXTRACT out=s3 tensor=s1 index=s2
    STRING_FORMAT out=s4 format="{}" inputs=[s1]
    SINK_RETURN values=[s0, s1, s3, s4] names=["labels", "config", "k", "shown"]
"#;
    let mut h = harness(src, sandboxed(&dir), "");
    let out = h.vm.run().expect("runs");
    let j = out.to_json();
    assert_eq!(j["labels"], json!(["cat", "dog", "bird"]));
    assert_eq!(
        j["config"],
        json!({"k": 3, "name": "x", "scale": 0.5, "list": [1, 2]})
    );
    assert_eq!(j["k"], json!(3));
    // Dicts keep the file's key order.
    assert_eq!(
        j["shown"],
        json!(r#"{"name": "x", "k": 3, "scale": 0.5, "list": [1, 2]}"#)
    );
}

fn sandbox_error(dir: &TempDir, src: &str) -> omex_runtime::RuntimeError {
    let mut h = harness(src, sandboxed(dir), "");
    h.vm.run().expect_err("must be refused")
}

#[test]
fn sandbox_refuses_escapes() {
    let dir = TempDir::new("sandbox");
    let outside = TempDir::new("outside");
    std::fs::write(outside.path().join("secret.txt"), "secret").expect("write");

    let write = |path: &str| {
        format!(
            ".mep 1.0\n    SRC_CONSTANT out=s0 value=\"data\"\n    SRC_CONSTANT out=s1 value={path:?}\n    SINK_FILE input=s0 path=s1 format=txt\n"
        )
    };
    let read = |path: &str| {
        format!(
            ".mep 1.0\n    SRC_CONSTANT out=s1 value={path:?}\n    SRC_FILE_CONTENT out=s0 path=s1 mode=text\n"
        )
    };

    // `..` out of the allowed folder, for writing and reading.
    let escape = format!(
        "../{}/escape.txt",
        outside
            .path()
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("x")
    );
    let e = sandbox_error(&dir, &write(&escape));
    assert_eq!(e.kind, ErrorKind::Sandbox, "{e}");
    assert!(
        e.message
            .contains("outside the directories allowed for writing"),
        "{e}"
    );
    assert!(
        e.message.contains(&dir.path().display().to_string()),
        "names the allowed dirs: {e}"
    );
    assert!(!outside.path().join("escape.txt").exists());
    let e = sandbox_error(&dir, &read("../../../../../../etc/passwd"));
    assert_eq!(e.kind, ErrorKind::Sandbox, "{e}");

    // Absolute paths outside.
    let secret = outside.path().join("secret.txt").display().to_string();
    let e = sandbox_error(&dir, &read(&secret));
    assert_eq!(e.kind, ErrorKind::Sandbox, "{e}");
    assert!(e.message.contains(&secret), "names the path: {e}");
    let e = sandbox_error(
        &dir,
        &write(&outside.path().join("abs.txt").display().to_string()),
    );
    assert_eq!(e.kind, ErrorKind::Sandbox, "{e}");

    // Symbolic links pointing outside: a linked folder and a linked file.
    std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).expect("symlink");
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("file-link.txt"),
    )
    .expect("symlink");
    let e = sandbox_error(&dir, &read("link/secret.txt"));
    assert_eq!(e.kind, ErrorKind::Sandbox, "{e}");
    assert!(e.message.contains("resolves to"), "{e}");
    let e = sandbox_error(&dir, &write("link/new.txt"));
    assert_eq!(e.kind, ErrorKind::Sandbox, "{e}");
    let e = sandbox_error(&dir, &write("file-link.txt"));
    assert_eq!(e.kind, ErrorKind::Sandbox, "{e}");
    assert_eq!(
        std::fs::read_to_string(outside.path().join("secret.txt")).expect("read"),
        "secret"
    );

    // Inside is fine, `..` that stays inside too.
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let mut h = harness(&write("sub/../ok.txt"), sandboxed(&dir), "");
    h.vm.run().expect("allowed");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ok.txt")).expect("read"),
        "data"
    );

    // No allowed folders at all: everything is refused.
    let mut h = harness(&write("x.txt"), VmOptions::default(), "");
    let e = h.vm.run().expect_err("refused");
    assert_eq!(e.kind, ErrorKind::Sandbox, "{e}");
    assert!(e.message.contains("(none)"), "{e}");
}
