//! Model and tokenizer errors, verify-time host function checks, limits.

mod common;

use std::time::{Duration, Instant};

use common::{harness, minilm_dir, program, run_err};
use omex_mep::ErrorKind as MepErrorKind;
use omex_runtime::{ErrorKind, HostRegistry, VmOptions};
use serde_json::json;

fn minilm_options() -> VmOptions {
    VmOptions {
        search_paths: vec![minilm_dir()],
        ..Default::default()
    }
}

#[test]
fn unknown_host_function_is_rejected_at_verify_time() {
    let src = r#".mep 1.0
    SRC_CONSTANT out=s0 value=1
    EXTERN_CALL_FUNC func="mean_pol" inputs=[s0, s0] outputs=[s1]
"#;
    let module = omex_mep::text::assemble(src).expect("assembles").module;
    let errors = omex_runtime::verify(module, &HostRegistry::builtin()).expect_err("rejected");
    assert!(
        errors.iter().any(|e| matches!(
            &e.kind,
            MepErrorKind::UnknownHostFunction { name, suggestion } if name == "mean_pol" && suggestion.as_deref() == Some("mean_pool")
        )),
        "{errors:?}"
    );
    // Wrong arity is rejected too.
    let src = r#".mep 1.0
    SRC_CONSTANT out=s0 value=1
    EXTERN_CALL_FUNC func="l2_normalize" inputs=[s0, s0] outputs=[s1]
"#;
    let module = omex_mep::text::assemble(src).expect("assembles").module;
    let errors = omex_runtime::verify(module, &HostRegistry::builtin()).expect_err("rejected");
    assert!(
        errors.iter().any(|e| matches!(&e.kind, MepErrorKind::HostFunctionArity { name, .. } if name == "l2_normalize")),
        "{errors:?}"
    );
}

#[test]
fn unknown_model_format_lists_the_available_ones() {
    let e = run_err(
        r#".mep 1.0
.model m0 "model.tflite" format="tflite"
    RES_LOAD_MODEL model=m0 path="model.tflite"
"#,
    );
    assert_eq!(e.kind, ErrorKind::Model);
    assert!(
        e.message
            .contains("no model backend for execution format \"tflite\""),
        "{e}"
    );
    assert_eq!(e.help.as_deref(), Some("available formats: onnx"));
}

#[test]
fn missing_model_file_names_the_search_path() {
    let mut h = harness(
        r#".mep 1.0
.model m0 "missing/model.onnx" format="onnx"
    RES_LOAD_MODEL model=m0 path="missing/model.onnx"
"#,
        minilm_options(),
        "",
    );
    let e = h.vm.run().expect_err("missing");
    assert_eq!(e.kind, ErrorKind::Model);
    assert!(
        e.message
            .contains("model file `missing/model.onnx` not found; searched:"),
        "{e}"
    );
    assert!(e.message.contains("minilm-l6-int8"), "{e}");
    assert_eq!(e.site.as_ref().map(|s| s.mnemonic), Some("RES_LOAD_MODEL"));
}

#[test]
fn running_an_unloaded_model_is_an_error() {
    let mut h = harness(
        r#".mep 1.0
.model m0 "model.onnx" format="onnx"
    SRC_CONSTANT out=s0 value=false
    FLOW_BRANCH_IF cond=s0 offset=@run
    RES_LOAD_MODEL model=m0 path="model.onnx"
run:
    RES_UNLOAD res=model target=0
    SRC_CONSTANT out=s1 value=int[1]
    TENSOR_CREATE out=s2 dtype=i64 op=from_py params=[s1]
    MODEL_RUN_DYNAMIC model=m0 inputs=[s2] out_dict=s3
"#,
        minilm_options(),
        "",
    );
    let e = h.vm.run().expect_err("not loaded");
    assert_eq!(e.kind, ErrorKind::Model);
    assert!(e.message.contains("is not loaded"), "{e}");
}

const TOKENIZE: &str = r#".mep 1.0
.model m0 "model.onnx" format="onnx" inputs=["input_ids", "attention_mask", "token_type_ids"] outputs=["last_hidden_state"]
    SRC_CONSTANT out=s20 value=false
    RES_LOAD_EXTERN out=s1 repo="tokenizer.json" kind=tokenizer params=[s20]
    RES_LOAD_MODEL model=m0 path="model.onnx"
    SRC_CONSTANT out=s0 value="hello world"
    PREPROC_ENCODE proc=s1 input=s0 out=s2
    SRC_CONSTANT out=s3 value="input_ids"
    TENSOR_EXTRACT out=s4 tensor=s2 index=s3
    SRC_CONSTANT out=s3 value="attention_mask"
    TENSOR_EXTRACT out=s5 tensor=s2 index=s3
    SRC_CONSTANT out=s3 value="token_type_ids"
    TENSOR_EXTRACT out=s6 tensor=s2 index=s3
"#;

#[test]
fn wrong_shaped_model_input_is_an_error() {
    let src = format!(
        "{TOKENIZE}    SRC_CONSTANT out=s10 value=0\n    TENSOR_EXTRACT out=s11 tensor=s4 index=s10\n    MODEL_RUN_STATIC model=m0 inputs=[s11, s5, s6] outputs=[s7]\n"
    );
    let mut h = harness(&src, minilm_options(), "");
    let e = h.vm.run().expect_err("wrong shape");
    assert_eq!(e.kind, ErrorKind::Shape, "{e}");
    assert!(
        e.message
            .contains("input `input_ids` expects shape [?, ?], found [4]"),
        "{e}"
    );
    assert_eq!(
        e.site.as_ref().map(|s| s.mnemonic),
        Some("MODEL_RUN_STATIC")
    );

    // A float tensor with fractions cannot feed an int64 input.
    let src = format!(
        "{TOKENIZE}    SRC_CONSTANT out=s10 value=\"f32\"\n    TENSOR_MANIPULATE op=cast out=s11 input=s4 params=[s10]\n    SRC_CONSTANT out=s12 value=0.5\n    MATH_BINARY op=add out=s13 lhs=s11 rhs=s12\n    MODEL_RUN_STATIC model=m0 inputs=[s13, s5, s6] outputs=[s7]\n"
    );
    let mut h = harness(&src, minilm_options(), "");
    let e = h.vm.run().expect_err("wrong dtype");
    assert_eq!(e.kind, ErrorKind::Type, "{e}");
    assert!(
        e.message
            .contains("expects i64 elements, found f32 tensor [1, 4]"),
        "{e}"
    );

    // Whole numbers in an i32 tensor convert losslessly and run.
    let src = format!(
        "{TOKENIZE}    SRC_CONSTANT out=s10 value=\"i32\"\n    TENSOR_MANIPULATE op=cast out=s11 input=s4 params=[s10]\n    MODEL_RUN_STATIC model=m0 inputs=[s11, s5, s6] outputs=[s7]\n    TENSOR_INFO op=shape out=s8 input=s7\n    SINK_RETURN values=[s8] names=[\"shape\"]\n"
    );
    let mut h = harness(&src, minilm_options(), "");
    let out = h.vm.run().expect("runs");
    assert_eq!(out.to_json()["shape"], json!([1, 4, 384]));
}

#[test]
fn dynamic_run_names_missing_inputs() {
    let src = r#".mep 1.0
.model m0 "model.onnx" format="onnx"
    RES_LOAD_EXTERN out=s1 repo="tokenizer.json" kind=tokenizer params=[]
    RES_LOAD_MODEL model=m0 path="model.onnx"
    SRC_CONSTANT out=s0 value="hello"
    PREPROC_ENCODE proc=s1 input=s0 out=s2
    SRC_CONSTANT out=s3 value="input_ids"
    TENSOR_EXTRACT out=s4 tensor=s2 index=s3
    MODEL_RUN_DYNAMIC model=m0 inputs=[s4] out_dict=s5
"#;
    let mut h = harness(src, minilm_options(), "");
    let e = h.vm.run().expect_err("too few inputs");
    assert_eq!(e.kind, ErrorKind::Model);
    assert!(e.message.contains("takes 3 input(s), 1 given"), "{e}");
    assert!(
        e.help.as_deref().unwrap_or("").contains("attention_mask"),
        "{e}"
    );
}

#[test]
fn static_contract_names_must_exist_in_the_model() {
    let src = r#".mep 1.0
.model m0 "model.onnx" format="onnx" inputs=["input_ids"] outputs=["pooler_output"]
    RES_LOAD_MODEL model=m0 path="model.onnx"
"#;
    let mut h = harness(src, minilm_options(), "");
    let e = h.vm.run().expect_err("no such output");
    assert!(
        e.message.contains("has no output named `pooler_output`"),
        "{e}"
    );
    assert!(
        e.help
            .as_deref()
            .unwrap_or("")
            .contains("last_hidden_state"),
        "{e}"
    );
}

#[test]
fn strict_model_hashes_are_checked() {
    let size = std::fs::metadata(minilm_dir().join("model.onnx"))
        .expect("model")
        .len();
    let zeros = "0".repeat(64);
    for (size, expected) in [(size, "has sha256"), (1, "the model table says 1")] {
        let src = format!(
            ".mep 1.0\n.flags strict_model_hashes\n.model m0 \"model.onnx\" format=\"onnx\" sha256=\"{zeros}\" size={size}\n    RES_LOAD_MODEL model=m0 path=\"model.onnx\"\n"
        );
        let mut h = harness(&src, minilm_options(), "");
        let e = h.vm.run().expect_err("hash mismatch");
        assert_eq!(e.kind, ErrorKind::Model);
        assert!(e.message.contains(expected), "{e}");
    }
}

#[test]
fn tokenizer_encode_decode_and_ids() {
    let src = r#".mep 1.0
    RES_LOAD_EXTERN out=s1 repo="tokenizer.json" kind=tokenizer params=[]
    SRC_CONSTANT out=s20 value=false
    RES_LOAD_EXTERN out=s2 repo="tokenizer.json" kind=tokenizer params=[s20]
    PREPROC_GET_ID proc=s1 item="[SEP]" out=s3
    SRC_CONSTANT out=s4 value=str["The cat sits on the mat.", "Hi"]
    PREPROC_ENCODE proc=s1 input=s4 out=s5
    PREPROC_ENCODE proc=s2 input=s4 out=s6
    SRC_CONSTANT out=s7 value="input_ids"
    TENSOR_EXTRACT out=s8 tensor=s5 index=s7
    TENSOR_EXTRACT out=s9 tensor=s6 index=s7
    TENSOR_INFO op=shape out=s10 input=s8
    TENSOR_INFO op=shape out=s11 input=s9
    PREPROC_DECODE proc=s2 input=s9 out=s12
    SRC_CONSTANT out=s13 value=0
    TENSOR_EXTRACT out=s14 tensor=s9 index=s13
    PREPROC_DECODE proc=s2 input=s14 out=s15
    EXTERN_CALL_METHOD object=s2 method="vocab_size" inputs=[] outputs=[s16]
    SINK_RETURN values=[s3, s10, s11, s12, s15, s16, s9] names=["sep", "padded", "unpadded", "all", "first", "vocab", "ids"]
"#;
    let mut h = harness(src, minilm_options(), "");
    let out = h.vm.run().expect("runs");
    let j = out.to_json();
    assert_eq!(j["sep"], json!(102));
    assert_eq!(j["padded"], json!([2, 128]));
    assert_eq!(j["unpadded"], json!([2, 9]));
    assert_eq!(j["first"], json!("the cat sits on the mat."));
    assert_eq!(j["all"], json!("the cat sits on the mat. hi"));
    assert_eq!(j["vocab"], json!(30522));
    assert_eq!(
        j["ids"]["data"],
        json!([
            101, 1996, 4937, 7719, 2006, 1996, 13523, 1012, 102, 101, 7632, 102, 0, 0, 0, 0, 0, 0
        ])
    );

    let src = r#".mep 1.0
    RES_LOAD_EXTERN out=s1 repo="tokenizer.json" kind=tokenizer params=[]
    PREPROC_GET_ID proc=s1 item="<no such token>" out=s3
"#;
    let mut h = harness(src, minilm_options(), "");
    let e = h.vm.run().expect_err("unknown token");
    assert_eq!(e.kind, ErrorKind::Tokenizer);
    assert!(
        e.message.contains("has no token \"<no such token>\""),
        "{e}"
    );
}

#[test]
fn devices_and_precisions_are_checked() {
    let e = run_err(".mep 1.0\n    EXEC_CTL ctl=device value=\"cuda\"\n");
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(
        e.message.contains("device \"cuda\" is not available"),
        "{e}"
    );
    assert_eq!(e.help.as_deref(), Some("available devices: cpu"));
    let e = run_err(".mep 1.0\n    EXEC_CTL ctl=precision value=\"fp16\"\n");
    assert_eq!(e.kind, ErrorKind::Unsupported);
    let (r, _) = common::run(
        ".mep 1.0\n    EXEC_CTL ctl=device value=\"cpu\"\n    EXEC_CTL ctl=precision value=\"fp32\"\n    EXEC_CTL ctl=threads value=1\n",
    );
    r.expect("accepted");
}

const RUNAWAY: &str = r#".mep 1.0
    SRC_CONSTANT out=s0 value=2
    SRC_CONSTANT out=s1 value=2
    FLOW_LOOP_START counter=s0
      SYS_COPY out=s0 input=s1
    FLOW_LOOP_END
"#;

#[test]
fn runaway_loops_hit_the_step_limit() {
    let mut h = harness(
        RUNAWAY,
        VmOptions {
            max_steps: Some(10_000),
            ..Default::default()
        },
        "",
    );
    let e = h.vm.run().expect_err("stopped");
    assert_eq!(e.kind, ErrorKind::StepLimit);
    assert!(e.message.contains("10000 instructions"), "{e}");
    // A backward branch loops forever too.
    let src = r#".mep 1.0
    SRC_CONSTANT out=s0 value=true
top:
    SYS_COPY out=s1 input=s0
    FLOW_BRANCH_IF cond=s0 offset=@top
"#;
    let mut h = harness(
        src,
        VmOptions {
            max_steps: Some(500),
            ..Default::default()
        },
        "",
    );
    assert_eq!(h.vm.run().expect_err("stopped").kind, ErrorKind::StepLimit);
}

#[test]
fn runaway_loops_hit_the_timeout() {
    let mut h = harness(
        RUNAWAY,
        VmOptions {
            timeout: Some(Duration::from_millis(200)),
            ..Default::default()
        },
        "",
    );
    let start = Instant::now();
    let e = h.vm.run().expect_err("stopped");
    let elapsed = start.elapsed();
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert!(
        elapsed >= Duration::from_millis(200) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    assert!(e.site.is_some());
}

#[test]
fn custom_host_functions_and_registries() {
    let mut host = HostRegistry::empty();
    host.register("twice", (1, 1), (1, 1), "x -> 2x", |inputs, _| {
        omex_runtime::ops::math::binary(
            omex_mep::subtype::BinaryOp::Mul,
            &inputs[0],
            &omex_runtime::Value::Int(2),
        )
        .map(|v| vec![v])
    });
    let src = r#".mep 1.0
    SRC_CONSTANT out=s0 value=21
    EXTERN_CALL_FUNC func="twice" inputs=[s0] outputs=[s1]
    SINK_RETURN values=[s1]
"#;
    let module = omex_mep::text::assemble(src).expect("assembles").module;
    let prog = omex_runtime::verify(module.clone(), &host).expect("verifies");
    let host = std::sync::Arc::new(host);
    let mut vm = omex_runtime::Vm::new(prog, VmOptions::default()).with_host_functions(host);
    assert_eq!(vm.run().expect("runs").to_json(), json!({"0": 42}));
    // The built-in registry does not know it.
    assert!(omex_runtime::verify(module, &HostRegistry::builtin()).is_err());
    let _ = program(".mep 1.0\n    FLOW_HALT\n");
}

/// Runs a program that unloads its model after use twice in one VM, with the
/// model file deleted in between: only a VM that keeps models can.
fn run_twice_without_the_file(keep_models: bool) -> Result<(), omex_runtime::RuntimeError> {
    let dir = common::TempDir::new(if keep_models { "keep" } else { "reload" });
    for file in ["model.onnx", "tokenizer.json"] {
        std::fs::copy(minilm_dir().join(file), dir.path().join(file)).unwrap();
    }
    let src = format!(
        "{TOKENIZE}    MODEL_RUN_STATIC model=m0 inputs=[s4, s5, s6] outputs=[s7]\n    RES_UNLOAD res=model target=0\n    TENSOR_INFO op=shape out=s8 input=s7\n    SINK_RETURN values=[s8] names=[\"shape\"]\n"
    );
    let options = VmOptions {
        search_paths: vec![dir.path().to_path_buf()],
        keep_models,
        ..Default::default()
    };
    let mut h = harness(&src, options, "");
    let first = h.vm.run().expect("first run");
    assert_eq!(first.to_json()["shape"], json!([1, 4, 384]));
    std::fs::remove_file(dir.path().join("model.onnx")).unwrap();
    let second = h.vm.run()?;
    assert_eq!(second.to_json(), first.to_json());
    Ok(())
}

#[test]
fn keep_models_reuses_a_session_the_program_unloaded() {
    run_twice_without_the_file(true).expect("the parked session is reused");
    let e = run_twice_without_the_file(false).expect_err("the model is loaded again");
    assert_eq!(e.kind, ErrorKind::Model);
    assert!(
        e.message.contains("model file `model.onnx` not found"),
        "{e}"
    );
}

#[test]
fn a_kept_model_is_still_unloaded_for_the_program() {
    let mut h = harness(
        &format!(
            "{TOKENIZE}    RES_UNLOAD res=model target=0\n    MODEL_RUN_STATIC model=m0 inputs=[s4, s5, s6] outputs=[s7]\n"
        ),
        VmOptions {
            keep_models: true,
            ..minilm_options()
        },
        "",
    );
    let e = h.vm.run().expect_err("not loaded");
    assert!(e.message.contains("is not loaded"), "{e}");
}
