//! Data instructions, control flow and formatting, run end to end.

mod common;

use common::{harness, run_err, run_ok};
use omex_runtime::{ErrorKind, Value, VmOptions};
use serde_json::json;

#[test]
fn arithmetic_on_scalars_and_tensors() {
    let (out, _) = run_ok(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=7
    SRC_CONSTANT out=s1 value=2
    MATH_BINARY op=div out=s2 lhs=s0 rhs=s1
    MATH_BINARY op=mod out=s3 lhs=s0 rhs=s1
    MATH_BINARY op=pow out=s4 lhs=s0 rhs=s1
    SRC_CONSTANT out=s5 value=f32[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    TENSOR_CREATE out=s6 dtype=f32 op=from_py params=[s5]
    SRC_CONSTANT out=s7 value=int[2, 3]
    TENSOR_MANIPULATE op=reshape out=s8 input=s6 params=[s7]
    SRC_CONSTANT out=s9 value=f32[10.0, 20.0, 30.0]
    TENSOR_CREATE out=s10 dtype=f32 op=from_py params=[s9]
    MATH_BINARY op=add out=s11 lhs=s8 rhs=s10
    SRC_CONSTANT out=s12 value=0.5
    MATH_BINARY op=mul out=s13 lhs=s11 rhs=s12
    SRC_CONSTANT out=s14 value=-1
    MATH_AGGREGATE op=sum out=s15 input=s8 params=[s14]
    MATH_AGGREGATE op=argmax out=s16 input=s8 params=[]
    MATH_AGGREGATE op=mean out=s17 input=s8 params=[]
    LOGIC_COMPARE op=gt out=s18 lhs=s8 rhs=s1
    MATH_UNARY op=neg out=s19 input=s0
    MATH_UNARY op=sqrt out=s20 input=s8
    SINK_RETURN values=[s2, s3, s4, s13, s15, s16, s17, s18, s19] names=["div", "mod", "pow", "scaled", "rowsum", "argmax", "mean", "gt", "neg"]
"#,
    );
    let j = out.to_json();
    assert_eq!(j["div"], json!(3.5));
    assert_eq!(j["mod"], json!(1));
    assert_eq!(j["pow"], json!(49));
    assert_eq!(
        j["scaled"],
        json!({"dtype": "float32", "shape": [2, 3], "data": [5.5, 11.0, 16.5, 7.0, 12.5, 18.0]})
    );
    assert_eq!(
        j["rowsum"],
        json!({"dtype": "float32", "shape": [2], "data": [6.0, 15.0]})
    );
    assert_eq!(j["argmax"], json!(5));
    assert_eq!(j["mean"], json!(3.5));
    assert_eq!(
        j["gt"],
        json!({"dtype": "bool", "shape": [2, 3], "data": [false, false, true, true, true, true]})
    );
    assert_eq!(j["neg"], json!(-7));
}

#[test]
fn tensor_creation_and_manipulation() {
    let (out, _) = run_ok(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=6
    TENSOR_CREATE out=s1 dtype=i64 op=arange params=[s0]
    SRC_CONSTANT out=s2 value=int[2, -1]
    TENSOR_MANIPULATE op=reshape out=s3 input=s1 params=[s2]
    TENSOR_MANIPULATE op=transpose out=s4 input=s3 params=[]
    SRC_CONSTANT out=s5 value=1
    SRC_CONSTANT out=s6 value=-2
    SRC_CONSTANT out=s7 value=null
    TENSOR_MANIPULATE op=slice out=s8 input=s3 params=[s5, s6, s7]
    SRC_CONSTANT out=s9 value=int[0, 0, 1, 1]
    SRC_CONSTANT out=s10 value=-1
    TENSOR_MANIPULATE op=pad out=s11 input=s3 params=[s9, s10]
    SRC_CONSTANT out=s12 value=0
    TENSOR_MANIPULATE op=expand_dims out=s13 input=s3 params=[s12]
    TENSOR_MANIPULATE op=squeeze out=s14 input=s13 params=[]
    SRC_CONSTANT out=s15 value="f32"
    TENSOR_MANIPULATE op=cast out=s16 input=s3 params=[s15]
    SRC_CONSTANT out=s17 value=int[2, 2, 3]
    TENSOR_MANIPULATE op=expand out=s18 input=s3 params=[s17]
    TENSOR_COMBINE op=concat out=s19 inputs=[s3, s3] params=[s5]
    TENSOR_COMBINE op=stack out=s20 inputs=[s3, s3] params=[]
    TENSOR_INFO op=shape out=s21 input=s20
    TENSOR_INFO op=dim out=s22 input=s20
    TENSOR_INFO op=numel out=s23 input=s20
    TENSOR_INFO op=to_py out=s24 input=s3
    TENSOR_INFO op=len out=s25 input=s3
    SRC_CONSTANT out=s26 value=int[2]
    SRC_CONSTANT out=s27 value=1.5
    TENSOR_CREATE out=s28 dtype=f64 op=full params=[s26, s27]
    TENSOR_CREATE out=s29 dtype=i32 op=zeros params=[s26]
    SINK_RETURN values=[s4, s8, s11, s14, s16, s18, s19, s21, s22, s23, s24, s25, s28, s29] names=["t", "slice", "pad", "squeezed", "cast", "expand", "concat", "shape", "dim", "numel", "to_py", "len", "full", "zeros"]
"#,
    );
    let j = out.to_json();
    assert_eq!(
        j["t"],
        json!({"dtype": "int64", "shape": [3, 2], "data": [0, 3, 1, 4, 2, 5]})
    );
    assert_eq!(
        j["slice"],
        json!({"dtype": "int64", "shape": [2, 2], "data": [1, 2, 4, 5]})
    );
    assert_eq!(
        j["pad"],
        json!({"dtype": "int64", "shape": [2, 5], "data": [-1, 0, 1, 2, -1, -1, 3, 4, 5, -1]})
    );
    assert_eq!(j["squeezed"]["shape"], json!([2, 3]));
    assert_eq!(j["cast"]["dtype"], json!("float32"));
    assert_eq!(j["expand"]["shape"], json!([2, 2, 3]));
    assert_eq!(j["concat"]["shape"], json!([2, 6]));
    assert_eq!(j["shape"], json!([2, 2, 3]));
    assert_eq!(j["dim"], json!(3));
    assert_eq!(j["numel"], json!(12));
    assert_eq!(j["to_py"], json!([[0, 1, 2], [3, 4, 5]]));
    assert_eq!(j["len"], json!(2));
    assert_eq!(
        j["full"],
        json!({"dtype": "float64", "shape": [2], "data": [1.5, 1.5]})
    );
    assert_eq!(
        j["zeros"],
        json!({"dtype": "int32", "shape": [2], "data": [0, 0]})
    );
}

#[test]
fn extract_indexes_dicts_lists_and_tensors() {
    let (out, _) = run_ok(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=str["a", "b", "c"]
    SRC_CONSTANT out=s1 value=-1
    TENSOR_EXTRACT out=s2 tensor=s0 index=s1
    SRC_CONSTANT out=s3 value=int[10, 20, 30, 40]
    TENSOR_CREATE out=s4 dtype=i64 op=from_py params=[s3]
    SRC_CONSTANT out=s5 value=int[2, 2]
    TENSOR_MANIPULATE op=reshape out=s6 input=s4 params=[s5]
    TENSOR_EXTRACT out=s7 tensor=s6 index=s1
    SRC_CONSTANT out=s8 value=int[1, 0]
    TENSOR_EXTRACT out=s9 tensor=s6 index=s8
    SINK_RETURN values=[s2, s7, s9] names=["last", "row", "elem"]
"#,
    );
    let j = out.to_json();
    assert_eq!(j["last"], json!("c"));
    assert_eq!(
        j["row"],
        json!({"dtype": "int64", "shape": [2], "data": [30, 40]})
    );
    assert_eq!(j["elem"], json!(30));
    // A missing dict key names the keys there are.
    let e = run_err(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value="x"
    SRC_CONSTANT out=s1 value=int[1]
    TENSOR_CREATE out=s2 dtype=i64 op=from_py params=[s1]
    SRC_CONSTANT out=s3 value=3
    TENSOR_EXTRACT out=s4 tensor=s2 index=s3
"#,
    );
    assert_eq!(e.kind, ErrorKind::Index);
    assert!(e.message.contains("index 3 is out of range"), "{e}");
}

#[test]
fn loops_with_break_nested_loops_and_skipped_loops() {
    let (out, _) = run_ok(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=10
    SRC_CONSTANT out=s1 value=0
    SRC_CONSTANT out=s2 value=1
    SRC_CONSTANT out=s3 value=4
    FLOW_LOOP_START counter=s0
      MATH_BINARY op=add out=s1 lhs=s1 rhs=s2
      LOGIC_COMPARE op=ge out=s4 lhs=s1 rhs=s3
      FLOW_BREAK_LOOP_IF cond=s4
    FLOW_LOOP_END
    SRC_CONSTANT out=s10 value=3
    SRC_CONSTANT out=s12 value=0
    FLOW_LOOP_START counter=s10
      SRC_CONSTANT out=s11 value=4
      FLOW_LOOP_START counter=s11
        MATH_BINARY op=add out=s12 lhs=s12 rhs=s2
      FLOW_LOOP_END
    FLOW_LOOP_END
    SRC_CONSTANT out=s20 value=0
    SRC_CONSTANT out=s21 value="untouched"
    FLOW_LOOP_START counter=s20
      SRC_CONSTANT out=s21 value="ran"
    FLOW_LOOP_END
    SINK_RETURN values=[s1, s0, s12, s21] names=["acc", "counter", "nested", "skipped"]
"#,
    );
    let j = out.to_json();
    assert_eq!(j["acc"], json!(4));
    assert_eq!(j["counter"], json!(7));
    assert_eq!(j["nested"], json!(12));
    assert_eq!(j["skipped"], json!("untouched"));
}

const BRANCH: &str = r#".mep 1.0
.arg 0 "n"
    SRC_CMD_ARG out=s0 arg=0
    SRC_CONSTANT out=s9 value=true
    SRC_CONSTANT out=s2 value="5"
    LOGIC_COMPARE op=gt out=s3 lhs=s0 rhs=s2
    FLOW_BRANCH_IF cond=s3 offset=@big
    SRC_CONSTANT out=s1 value="small"
    FLOW_BRANCH_IF cond=s9 offset=@end
big:
    SRC_CONSTANT out=s1 value="big"
end:
    SINK_RETURN values=[s1] names=["size"]
"#;

#[test]
fn branches_take_both_ways() {
    for (arg, want) in [("7", "big"), ("3", "small")] {
        let mut h = harness(
            BRANCH,
            VmOptions {
                args: vec![arg.into()],
                ..Default::default()
            },
            "",
        );
        let out = h.vm.run().expect("runs");
        assert_eq!(out.to_json()["size"], json!(want), "arg {arg}");
    }
    // A condition that is neither a bool nor a one-element tensor is a type error.
    let e = run_err(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value="yes"
    FLOW_BRANCH_IF cond=s0 offset=@l
l:
    FLOW_HALT
"#,
    );
    assert_eq!(e.kind, ErrorKind::Type);
    assert!(
        e.message
            .contains("expected a bool or a one-element tensor, found str"),
        "{e}"
    );
}

#[test]
fn string_formatting_and_console() {
    let (out, stdout) = run_ok(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value="cat"
    SRC_CONSTANT out=s1 value=3
    SRC_CONSTANT out=s2 value=0.25
    SRC_CONSTANT out=s3 value=int[1, 2]
    STRING_FORMAT out=s4 format="{} x{} at {} {{literal}} {}" inputs=[s0, s1, s2, s3]
    SINK_CONSOLE input=s4 mode=line
    SINK_CONSOLE input=s0 mode=stream
    SINK_CONSOLE input=s1 mode=stream
    SINK_RETURN values=[s4]
"#,
    );
    assert_eq!(out.to_json()["0"], json!("cat x3 at 0.25 {literal} [1, 2]"));
    assert_eq!(stdout, "cat x3 at 0.25 {literal} [1, 2]\ncat3");
}

#[test]
fn top_k_and_text_table() {
    let (out, stdout) = run_ok(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=f32[0.1, 2.0, 0.5, 2.0, -1.0]
    TENSOR_CREATE out=s1 dtype=f32 op=from_py params=[s0]
    ANALYSIS_TOP_K input=s1 k=3 indices=s2 values=s3
    SRC_CONSTANT out=s4 value=str["ant", "bee", "cat", "dromedary", "eel"]
    FORMAT_TEXT_TABLE out=s5 labels=s4 indices=s2 values=s3
    SINK_CONSOLE input=s5 mode=line
    SINK_RETURN values=[s2, s3] names=["indices", "values"]
"#,
    );
    let j = out.to_json();
    assert_eq!(
        j["indices"],
        json!({"dtype": "int64", "shape": [3], "data": [1, 3, 2]})
    );
    assert_eq!(
        j["values"],
        json!({"dtype": "float32", "shape": [3], "data": [2.0, 2.0, 0.5]})
    );
    assert_eq!(
        stdout,
        "bee        2.0000\ndromedary  2.0000\ncat        0.5000\n"
    );
}

const SAMPLING: &str = r#".mep 1.0
.arg 0 "unused"
    EXEC_CTL ctl=seed value=SEED
    SRC_CONSTANT out=s0 value=f32[1.0, 2.0, 3.0, 0.5, 2.5]
    TENSOR_CREATE out=s1 dtype=f32 op=from_py params=[s0]
    SRC_CONSTANT out=s2 value=1.0
    SRC_CONSTANT out=s3 value=0
    SRC_CONSTANT out=s4 value=int[]
    SRC_CONSTANT out=s5 value=30
    FLOW_LOOP_START counter=s5
      ANALYSIS_SAMPLE logits=s1 temperature=s2 top_k=s3 out=s6
      EXTERN_CALL_FUNC func="list_append" inputs=[s4, s6] outputs=[s4]
    FLOW_LOOP_END
    SRC_CONSTANT out=s7 value=0.0
    ANALYSIS_SAMPLE logits=s1 temperature=s7 top_k=s3 out=s8
    SRC_CONSTANT out=s9 value=2
    SRC_CONSTANT out=s10 value=int[]
    SRC_CONSTANT out=s5 value=30
    FLOW_LOOP_START counter=s5
      ANALYSIS_SAMPLE logits=s1 temperature=s2 top_k=s9 out=s6
      EXTERN_CALL_FUNC func="list_append" inputs=[s10, s6] outputs=[s10]
    FLOW_LOOP_END
    SINK_RETURN values=[s4, s8, s10] names=["draws", "greedy", "top2"]
"#;

#[test]
fn seeded_sampling_is_reproducible() {
    let draws = |seed: i64| {
        let (out, _) = run_ok(&SAMPLING.replace("SEED", &seed.to_string()));
        out.to_json()
    };
    let a = draws(42);
    let b = draws(42);
    let c = draws(43);
    assert_eq!(a, b, "the same seed gives the same draws");
    assert_ne!(a["draws"], c["draws"], "another seed gives other draws");
    assert_eq!(a["greedy"], json!(2));
    let top2 = a["top2"].as_array().expect("list");
    assert_eq!(top2.len(), 30);
    assert!(
        top2.iter().all(|v| v == &json!(2) || v == &json!(4)),
        "top-2 draws only 2 or 4: {top2:?}"
    );
    let distinct: std::collections::BTreeSet<String> = a["draws"]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert!(
        distinct.len() >= 3,
        "temperature 1 draws vary: {distinct:?}"
    );
    // The same VM run twice restarts from the seed.
    let mut h = harness(&SAMPLING.replace("SEED", "42"), VmOptions::default(), "");
    let first = h.vm.run().expect("runs").to_json();
    let second = h.vm.run().expect("runs").to_json();
    assert_eq!(first, second);
    assert_eq!(first, a);
}

#[test]
fn random_tensors_follow_their_seed() {
    let src = r#".mep 1.0
    SRC_CONSTANT out=s0 value=int[2, 3]
    SRC_CONSTANT out=s1 value=SEED
    TENSOR_RANDOM out=s2 dtype=f32 dist=gaussian shape=s0 seed=s1
    TENSOR_RANDOM out=s3 dtype=f64 dist=uniform shape=s0 seed=s1
    SINK_RETURN values=[s2, s3] names=["normal", "uniform"]
"#;
    let a = run_ok(&src.replace("SEED", "5")).0.to_json();
    let b = run_ok(&src.replace("SEED", "5")).0.to_json();
    let c = run_ok(&src.replace("SEED", "6")).0.to_json();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a["normal"]["shape"], json!([2, 3]));
    for x in a["uniform"]["data"].as_array().expect("data") {
        let x = x.as_f64().expect("number");
        assert!((0.0..1.0).contains(&x));
    }
}

#[test]
fn type_and_shape_errors_name_what_was_expected() {
    let e = run_err(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value="text"
    SRC_CONSTANT out=s1 value=1
    MATH_BINARY op=sub out=s2 lhs=s0 rhs=s1
"#,
    );
    assert_eq!(e.kind, ErrorKind::Type);
    assert!(e.message.contains("cannot apply to str and int"), "{e}");
    let site = e.site.as_ref().expect("site");
    assert_eq!(site.index, 2);
    assert_eq!(site.mnemonic, "MATH_BINARY");

    let e = run_err(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=f32[1.0, 2.0, 3.0]
    TENSOR_CREATE out=s1 dtype=f32 op=from_py params=[s0]
    SRC_CONSTANT out=s2 value=f32[1.0, 2.0]
    TENSOR_CREATE out=s3 dtype=f32 op=from_py params=[s2]
    MATH_BINARY op=add out=s4 lhs=s1 rhs=s3
"#,
    );
    assert_eq!(e.kind, ErrorKind::Shape);
    assert!(
        e.message.contains("shapes [3] and [2] do not broadcast"),
        "{e}"
    );

    let e = run_err(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=int[1, 2, 3]
    TENSOR_CREATE out=s1 dtype=f32 op=from_py params=[s0]
    SRC_CONSTANT out=s2 value=int[2, 2]
    TENSOR_MANIPULATE op=reshape out=s3 input=s1 params=[s2]
"#,
    );
    assert_eq!(e.kind, ErrorKind::Shape);
    assert!(
        e.message.contains("cannot reshape a tensor of shape [3]"),
        "{e}"
    );

    let e = run_err(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=1
    SYS_COPY out=s2 input=s1
"#,
    );
    assert_eq!(e.kind, ErrorKind::EmptySlot);
    assert!(e.message.contains("slot s1"), "{e}");
}

#[test]
fn errors_carry_the_source_location() {
    let e = run_err(
        r#".mep 1.0
.file 0 "recipes/embed.omex"
    SRC_CONSTANT out=s0 value=str["a"] @0:0..4
    SRC_CONSTANT out=s1 value=5 @0:5..9
    TENSOR_EXTRACT out=s2 tensor=s0 index=s1 @0:12..30
"#,
    );
    let site = e.site.as_ref().expect("site");
    assert_eq!(site.index, 2);
    assert_eq!(site.mnemonic, "TENSOR_EXTRACT");
    let src = site.source.as_ref().expect("source span");
    assert_eq!(src.file, "recipes/embed.omex");
    assert_eq!((src.start, src.end), (12, 30));
    let text = e.to_string();
    assert!(
        text.contains("TENSOR_EXTRACT") && text.contains("recipes/embed.omex"),
        "{text}"
    );
}

#[test]
fn debug_print_and_trace_go_to_stderr() {
    let mut h = harness(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=int[1, 2]
    TENSOR_CREATE out=s1 dtype=i64 op=from_py params=[s0]
    SYS_DEBUG_PRINT key=s1 message="ids"
    SINK_RETURN values=[s1]
"#,
        VmOptions {
            trace: true,
            ..Default::default()
        },
        "",
    );
    h.vm.run().expect("runs");
    let err = h.stderr.contents();
    assert!(
        err.contains("[debug] ids: i64 tensor [2] = [1, 2]"),
        "{err}"
    );
    assert!(
        err.contains("TENSOR_CREATE") && err.contains("out: s1=i64 tensor [2]"),
        "{err}"
    );
    assert!(err.contains("ms)"), "{err}");
    assert_eq!(err.matches("trace:").count(), 4, "{err}");
}

#[test]
fn outputs_use_interface_names_or_positions() {
    let (out, _) = run_ok(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=1
    SRC_CONSTANT out=s1 value="x"
    SINK_RETURN values=[s0, s1]
"#,
    );
    assert_eq!(out.to_json(), json!({"0": 1, "1": "x"}));
    let (out, _) = run_ok(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=1
    FLOW_HALT
    SINK_RETURN values=[s0]
"#,
    );
    assert!(out.is_empty());
    assert!(matches!(Value::Int(1).as_int(), Some(1)));
}

#[test]
fn spec_corner_cases() {
    let (out, _) = run_ok(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=int[0, 1, 2, 3, 4, 5]
    TENSOR_CREATE out=s1 dtype=i64 op=from_py params=[s0]
    SRC_CONSTANT out=s2 value=0
    SRC_CONSTANT out=s3 value=null
    SRC_CONSTANT out=s4 value=-2
    TENSOR_MANIPULATE op=slice out=s5 input=s1 params=[s2, s3, s3, s4]
    SRC_CONSTANT out=s6 value=int[7]
    TENSOR_CREATE out=s7 dtype=f32 op=from_py params=[s6]
    TENSOR_INFO op=to_py out=s8 input=s7
    SRC_CONSTANT out=s9 value=2.5
    MATH_UNARY op=softmax out=s10 input=s9
    MATH_UNARY op=round out=s11 input=s9
    SINK_RETURN values=[s5, s8, s10, s11] names=["reversed", "item", "softmax", "round"]
"#,
    );
    let j = out.to_json();
    assert_eq!(
        j["reversed"],
        json!({"dtype": "int64", "shape": [3], "data": [5, 3, 1]})
    );
    assert_eq!(j["item"], json!(7.0));
    assert_eq!(j["softmax"], json!(1.0));
    assert_eq!(j["round"], json!(2.0));
    let e = run_err(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=f32[1.0, 2.0]
    TENSOR_CREATE out=s1 dtype=f32 op=from_py params=[s0]
    ANALYSIS_TOP_K input=s1 k=3 indices=s2 values=s3
"#,
    );
    assert_eq!(e.kind, ErrorKind::Value);
    assert!(
        e.message
            .contains("k = 3 is larger than the last axis (2 values)"),
        "{e}"
    );
}

#[test]
fn list_nesting_is_bounded() {
    let e = run_err(
        r#".mep 1.0
    SRC_CONSTANT out=s0 value=int[]
    SRC_CONSTANT out=s1 value=int[]
    SRC_CONSTANT out=s2 value=1000
    FLOW_LOOP_START counter=s2
      EXTERN_CALL_FUNC func="list_append" inputs=[s1, s0] outputs=[s0]
    FLOW_LOOP_END
"#,
    );
    assert_eq!(e.kind, ErrorKind::Value);
    assert!(e.message.contains("nest more than 64 lists deep"), "{e}");
}
