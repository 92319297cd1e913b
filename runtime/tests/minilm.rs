//! The real MiniLM int8 embedding pipeline against the reference embeddings
//! (needs ONNX Runtime: found or provisioned as `docs/runtime.md` says).

mod common;

use std::time::Instant;

use omex_runtime::{Tensor, Value, Vm, VmOptions};

const STATIC: &str = r#".mep 1.0
.plan "embed"
.arg 0 "text"
.model m0 "model.onnx" format="onnx" inputs=["input_ids", "attention_mask", "token_type_ids"] outputs=["last_hidden_state"]

    SRC_CMD_ARG out=s0 arg=0
    SRC_CONSTANT out=s20 value=PADDING
    RES_LOAD_EXTERN out=s1 repo="tokenizer.json" kind=tokenizer params=[s20]
    RES_LOAD_MODEL model=m0 path="model.onnx"
    PREPROC_ENCODE proc=s1 input=s0 out=s2
    SRC_CONSTANT out=s3 value="input_ids"
    TENSOR_EXTRACT out=s4 tensor=s2 index=s3
    SRC_CONSTANT out=s3 value="attention_mask"
    TENSOR_EXTRACT out=s5 tensor=s2 index=s3
    SRC_CONSTANT out=s3 value="token_type_ids"
    TENSOR_EXTRACT out=s6 tensor=s2 index=s3
    MODEL_RUN_STATIC model=m0 inputs=[s4, s5, s6] outputs=[s7]
    EXTERN_CALL_FUNC func="mean_pool" inputs=[s7, s5] outputs=[s8]
    EXTERN_CALL_FUNC func="l2_normalize" inputs=[s8] outputs=[s9]
    SRC_CONSTANT out=s10 value=0
    TENSOR_EXTRACT out=s11 tensor=s9 index=s10
    SINK_RETURN values=[s11, s4] names=["embedding", "input_ids"]
"#;

const DYNAMIC: &str = r#".mep 1.0
.plan "embed"
.arg 0 "text"
.model m0 "model.onnx" format="onnx"

    SRC_CMD_ARG out=s0 arg=0
    SRC_CONSTANT out=s20 value=PADDING
    RES_LOAD_EXTERN out=s1 repo="tokenizer.json" kind=tokenizer params=[s20]
    RES_LOAD_MODEL model=m0 path="model.onnx"
    PREPROC_ENCODE proc=s1 input=s0 out=s2
    MODEL_RUN_DYNAMIC model=m0 inputs=[s2] out_dict=s7
    SRC_CONSTANT out=s3 value="last_hidden_state"
    TENSOR_EXTRACT out=s8 tensor=s7 index=s3
    SRC_CONSTANT out=s3 value="attention_mask"
    TENSOR_EXTRACT out=s5 tensor=s2 index=s3
    EXTERN_CALL_FUNC func="mean_pool" inputs=[s8, s5] outputs=[s9]
    EXTERN_CALL_FUNC func="l2_normalize" inputs=[s9] outputs=[s10]
    SRC_CONSTANT out=s11 value=0
    TENSOR_EXTRACT out=s12 tensor=s10 index=s11
    SINK_RETURN values=[s12] names=["embedding"]
"#;

struct Reference {
    text: String,
    ids: Vec<i64>,
    embedding: Vec<f64>,
}

fn references() -> Vec<Reference> {
    let text = std::fs::read_to_string(common::minilm_dir().join("reference.json"))
        .expect("reference.json");
    let j: serde_json::Value = serde_json::from_str(&text).expect("json");
    j["sentences"]
        .as_array()
        .expect("sentences")
        .iter()
        .map(|s| Reference {
            text: s["text"].as_str().expect("text").to_string(),
            ids: s["input_ids"]
                .as_array()
                .expect("ids")
                .iter()
                .map(|v| v.as_i64().expect("id"))
                .collect(),
            embedding: s["embedding"]
                .as_array()
                .expect("emb")
                .iter()
                .map(|v| v.as_f64().expect("f"))
                .collect(),
        })
        .collect()
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (na * nb)
}

fn embedding(v: &Value) -> Vec<f64> {
    let Value::Tensor(Tensor::F32(a)) = v else {
        panic!("embedding is {}", v.describe())
    };
    assert_eq!(a.shape(), &[384]);
    a.iter().map(|x| *x as f64).collect()
}

fn vm(src: &str, padding: bool) -> Vm {
    let src = src.replace("PADDING", if padding { "true" } else { "false" });
    let options = VmOptions {
        search_paths: vec![common::minilm_dir()],
        ..Default::default()
    };
    Vm::new(common::program(&src), options)
}

fn check_all(vm: &mut Vm, label: &str, check_ids: bool) {
    for r in references() {
        vm.set_args(vec![r.text.clone()]);
        let start = Instant::now();
        let out = vm.run().unwrap_or_else(|e| panic!("{label}: {e}"));
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let got = embedding(out.get("embedding").expect("embedding output"));
        let cos = cosine(&got, &r.embedding);
        println!("{label}: cosine {cos:.7} ({ms:.2} ms) for {:?}", r.text);
        assert!(cos >= 0.9999, "{label}: cosine {cos} for {:?}", r.text);
        if check_ids {
            let Some(Value::Tensor(ids)) = out.get("input_ids") else {
                panic!("no ids")
            };
            let ids: Vec<i64> = ids.to_i64().iter().copied().collect();
            assert_eq!(ids, r.ids, "{label}: token ids of {:?}", r.text);
        }
    }
}

#[test]
fn minilm_embeddings_match_the_reference() {
    // Static contract, padding disabled: exact token ids too.
    let mut unpadded = vm(STATIC, false);
    check_all(&mut unpadded, "static/unpadded", true);
    // As the tokenizer is configured (padded to 128).
    let mut padded = vm(STATIC, true);
    check_all(&mut padded, "static/padded", false);
    // Dynamic run with the encoding dict.
    let mut dynamic = vm(DYNAMIC, false);
    check_all(&mut dynamic, "dynamic/unpadded", false);
}
