//! End-to-end recipes over the example fixture models in `examples/models/`:
//! classification, generation loops, encoder-decoder, image and audio output.

mod common;

use std::path::PathBuf;

use common::{TempDir, harness};
use omex_runtime::{Tensor, Value, VmOptions};
use serde_json::json;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn options(model: &str, args: &[&str], out: Option<&TempDir>) -> VmOptions {
    VmOptions {
        search_paths: vec![examples().join("models").join(model)],
        read_dirs: vec![examples()],
        write_dirs: out
            .map(|d| vec![d.path().to_path_buf()])
            .unwrap_or_default(),
        base_dir: Some(out.map_or_else(examples, |d| d.path().to_path_buf())),
        args: args.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

const SENTIMENT: &str = r#".mep 1.0
.plan "sentiment"
.arg 0 "text"
.model m0 "model.onnx" format="onnx"
    SRC_CMD_ARG out=s0 arg=0
    RES_LOAD_EXTERN out=s1 repo="tokenizer.json" kind=tokenizer params=[]
    RES_LOAD_MODEL model=m0 path="model.onnx"
    RES_LOAD_DATAFILE out=s2 file_type=txt_lines path="labels.txt"
    PREPROC_ENCODE proc=s1 input=s0 out=s3
    MODEL_RUN_DYNAMIC model=m0 inputs=[s3] out_dict=s4
    SRC_CONSTANT out=s5 value="logits"
    TENSOR_EXTRACT out=s6 tensor=s4 index=s5
    MATH_UNARY op=softmax out=s7 input=s6
    ANALYSIS_TOP_K input=s7 k=2 indices=s8 values=s9
    FORMAT_TEXT_TABLE out=s10 labels=s2 indices=s8 values=s9
    SINK_CONSOLE input=s10 mode=line
    SRC_CONSTANT out=s11 value=0
    TENSOR_EXTRACT out=s12 tensor=s8 index=s11
    TENSOR_EXTRACT out=s13 tensor=s2 index=s12
    MATH_AGGREGATE op=sum out=s14 input=s7 params=[]
    SINK_RETURN values=[s13, s14] names=["label", "total"]
"#;

#[test]
fn sentiment_classifier() {
    let mut labels = Vec::new();
    for text in ["a wonderful , great film", "a terrible , boring film"] {
        let mut h = harness(SENTIMENT, options("sentiment", &[text], None), "");
        let out = h.vm.run().unwrap_or_else(|e| panic!("{e}"));
        let j = out.to_json();
        assert!((j["total"].as_f64().expect("sum") - 1.0).abs() < 1e-5);
        let table = h.stdout.contents();
        assert_eq!(table.lines().count(), 2, "{table}");
        println!("{text:?} -> {}\n{table}", j["label"]);
        labels.push(j["label"].as_str().expect("label").to_string());
    }
    assert!(labels.iter().all(|l| l == "positive" || l == "negative"));
}

const TINY_LM: &str = r#".mep 1.0
.plan "generate"
.arg 0 "prompt"
.model m0 "model.onnx" format="onnx" inputs=["input_ids"] outputs=["logits"]
    SRC_CMD_ARG out=s0 arg=0
    RES_LOAD_EXTERN out=s1 repo="tokenizer.json" kind=tokenizer params=[]
    RES_LOAD_MODEL model=m0 path="model.onnx"
    PREPROC_ENCODE proc=s1 input=s0 out=s2
    SRC_CONSTANT out=s3 value="input_ids"
    TENSOR_EXTRACT out=s4 tensor=s2 index=s3
    PREPROC_GET_ID proc=s1 item="<|endoftext|>" out=s5
    SRC_CONSTANT out=s6 value=16
    SRC_CONSTANT out=s7 value=0.0
    SRC_CONSTANT out=s8 value=0
    SRC_CONSTANT out=s9 value=int[1, 1]
    SRC_CONSTANT out=s10 value=1
    SRC_CONSTANT out=s16 value=int[]
    FLOW_LOOP_START counter=s6
      MODEL_RUN_STATIC model=m0 inputs=[s4] outputs=[s11]
      ANALYSIS_SAMPLE logits=s11 temperature=s7 top_k=s8 out=s12
      LOGIC_COMPARE op=eq out=s13 lhs=s12 rhs=s5
      FLOW_BREAK_LOOP_IF cond=s13
      PREPROC_DECODE proc=s1 input=s12 out=s14
      SINK_CONSOLE input=s14 mode=stream
      EXTERN_CALL_FUNC func="list_append" inputs=[s16, s12] outputs=[s16]
      TENSOR_CREATE out=s17 dtype=i64 op=from_py params=[s12]
      TENSOR_MANIPULATE op=reshape out=s18 input=s17 params=[s9]
      TENSOR_COMBINE op=concat out=s4 inputs=[s4, s18] params=[s10]
    FLOW_LOOP_END
    PREPROC_DECODE proc=s1 input=s16 out=s19
    SINK_RETURN values=[s19, s16, s4] names=["text", "ids", "all_ids"]
"#;

#[test]
fn tiny_lm_generates_greedily_until_eos() {
    let mut h = harness(TINY_LM, options("tiny-lm", &["the cat"], None), "");
    let out = h.vm.run().unwrap_or_else(|e| panic!("{e}"));
    let j = out.to_json();
    let ids = j["ids"].as_array().expect("ids");
    assert!(!ids.is_empty() && ids.len() <= 16, "{j}");
    assert!(
        ids.iter().all(|i| i != &json!(0)),
        "no eos among generated ids"
    );
    let n = j["all_ids"]["shape"][1].as_u64().expect("len") as usize;
    assert_eq!(n, 2 + ids.len());
    assert_eq!(j["text"], json!("sat on the mat ."));
    assert_eq!(h.stdout.contents(), "satonthemat.");
    // Greedy decoding is deterministic.
    let again = h.vm.run().expect("runs").to_json();
    assert_eq!(again, j);
}

const TRANSLATE: &str = r#".mep 1.0
.plan "translate"
.arg 0 "text"
.model m0 "encoder.onnx" format="onnx" inputs=["input_ids", "attention_mask"] outputs=["last_hidden_state"]
.model m1 "decoder.onnx" format="onnx" inputs=["input_ids", "encoder_hidden_states", "encoder_attention_mask"] outputs=["logits"]
    SRC_CMD_ARG out=s0 arg=0
    RES_LOAD_EXTERN out=s1 repo="tokenizer.json" kind=tokenizer params=[]
    RES_LOAD_MODEL model=m0 path="encoder.onnx"
    RES_LOAD_MODEL model=m1 path="decoder.onnx"
    PREPROC_ENCODE proc=s1 input=s0 out=s2
    SRC_CONSTANT out=s20 value="input_ids"
    TENSOR_EXTRACT out=s3 tensor=s2 index=s20
    SRC_CONSTANT out=s20 value="attention_mask"
    TENSOR_EXTRACT out=s4 tensor=s2 index=s20
    MODEL_RUN_STATIC model=m0 inputs=[s3, s4] outputs=[s5]
    PREPROC_GET_ID proc=s1 item="<pad>" out=s21
    SRC_CONSTANT out=s9 value=int[1, 1]
    TENSOR_CREATE out=s22 dtype=i64 op=from_py params=[s21]
    TENSOR_MANIPULATE op=reshape out=s6 input=s22 params=[s9]
    PREPROC_GET_ID proc=s1 item="</s>" out=s7
    SRC_CONSTANT out=s8 value=32
    SRC_CONSTANT out=s10 value=1
    SRC_CONSTANT out=s11 value=0.0
    SRC_CONSTANT out=s12 value=0
    FLOW_LOOP_START counter=s8
      MODEL_RUN_STATIC model=m1 inputs=[s6, s5, s4] outputs=[s13]
      ANALYSIS_SAMPLE logits=s13 temperature=s11 top_k=s12 out=s14
      LOGIC_COMPARE op=eq out=s15 lhs=s14 rhs=s7
      FLOW_BREAK_LOOP_IF cond=s15
      TENSOR_CREATE out=s16 dtype=i64 op=from_py params=[s14]
      TENSOR_MANIPULATE op=reshape out=s17 input=s16 params=[s9]
      TENSOR_COMBINE op=concat out=s6 inputs=[s6, s17] params=[s10]
    FLOW_LOOP_END
    PREPROC_DECODE proc=s1 input=s6 out=s18
    SINK_RETURN values=[s18, s6] names=["translation", "ids"]
"#;

#[test]
fn encoder_decoder_translation() {
    let mut h = harness(
        TRANSLATE,
        options("translate", &["the cat sleeps ."], None),
        "",
    );
    let out = h.vm.run().unwrap_or_else(|e| panic!("{e}"));
    let j = out.to_json();
    let len = j["ids"]["shape"][1].as_u64().expect("len");
    assert!((1..=33).contains(&len), "{j}");
    assert_eq!(j["translation"], json!("die katze schläft ."));
}

const TTS: &str = r#".mep 1.0
.plan "speak"
.arg 0 "text"
.arg 1 "out"
.model m0 "model.onnx" format="onnx" inputs=["input_ids"] outputs=["waveform"]
    SRC_CMD_ARG out=s0 arg=0
    SRC_CMD_ARG out=s1 arg=1
    RES_LOAD_EXTERN out=s2 repo="tokenizer.json" kind=tokenizer params=[]
    RES_LOAD_MODEL model=m0 path="model.onnx"
    RES_LOAD_DATAFILE out=s3 file_type=json path="config.json"
    SRC_CONSTANT out=s4 value="sample_rate"
    TENSOR_EXTRACT out=s5 tensor=s3 index=s4
    PREPROC_ENCODE proc=s2 input=s0 out=s6
    SRC_CONSTANT out=s4 value="input_ids"
    TENSOR_EXTRACT out=s7 tensor=s6 index=s4
    MODEL_RUN_STATIC model=m0 inputs=[s7] outputs=[s8]
    FORMAT_TO_AUDIO out=s9 input=s8 rate=s5
    SINK_FILE input=s9 path=s1 format=wav
    TENSOR_INFO op=numel out=s10 input=s8
    TENSOR_INFO op=numel out=s11 input=s7
    SINK_RETURN values=[s10, s11] names=["samples", "tokens"]
"#;

#[test]
fn text_to_speech_writes_a_wav() {
    let dir = TempDir::new("tts");
    let mut h = harness(TTS, options("tts", &["abc", "speech.wav"], Some(&dir)), "");
    let out = h.vm.run().unwrap_or_else(|e| panic!("{e}"));
    let j = out.to_json();
    let samples = j["samples"].as_u64().expect("samples");
    assert_eq!(samples, 1600 * j["tokens"].as_u64().expect("tokens"));
    let mut reader = hound::WavReader::open(dir.path().join("speech.wav")).expect("wav");
    assert_eq!(reader.spec().sample_rate, 16000);
    assert_eq!(reader.spec().channels, 1);
    let decoded: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    assert_eq!(decoded.len() as u64, samples);
    assert!(decoded.iter().any(|s| s.unsigned_abs() > 1000), "audible");
}

const CLASSIFY: &str = r#".mep 1.0
.plan "classify"
.arg 0 "image"
.model m0 "model.onnx" format="onnx" inputs=["pixel_values"] outputs=["logits"]
    SRC_CMD_ARG out=s0 arg=0
    RES_LOAD_DATAFILE out=s1 file_type=json path="preprocess.json"
    RES_LOAD_DATAFILE out=s2 file_type=txt_lines path="labels.txt"
    RES_LOAD_MODEL model=m0 path="model.onnx"
    EXTERN_CALL_FUNC func="image_load" inputs=[s0] outputs=[s3]
    SRC_CONSTANT out=s4 value=32
    EXTERN_CALL_FUNC func="image_resize" inputs=[s3, s4, s4] outputs=[s5]
    SRC_CONSTANT out=s6 value="image_mean"
    TENSOR_EXTRACT out=s7 tensor=s1 index=s6
    SRC_CONSTANT out=s6 value="image_std"
    TENSOR_EXTRACT out=s8 tensor=s1 index=s6
    EXTERN_CALL_FUNC func="image_normalize" inputs=[s5, s7, s8] outputs=[s9]
    MODEL_RUN_STATIC model=m0 inputs=[s9] outputs=[s10]
    MATH_UNARY op=softmax out=s11 input=s10
    MATH_AGGREGATE op=argmax out=s12 input=s11 params=[]
    TENSOR_EXTRACT out=s13 tensor=s2 index=s12
    SINK_RETURN values=[s13, s11] names=["label", "probs"]
"#;

#[test]
fn image_classifier_labels_colours() {
    for colour in ["red", "green", "blue"] {
        let path = format!("images/{colour}.png");
        let mut h = harness(CLASSIFY, options("image-classifier", &[&path], None), "");
        let out = h.vm.run().unwrap_or_else(|e| panic!("{e}"));
        let j = out.to_json();
        println!("{colour}: {} {}", j["label"], j["probs"]["data"]);
        assert_eq!(j["label"], json!(colour));
    }
}

const DENOISE: &str = r#".mep 1.0
.plan "denoise"
.arg 0 "out"
.model m0 "denoiser.onnx" format="onnx" inputs=["latents", "t"] outputs=["noise"]
.model m1 "decoder.onnx" format="onnx" inputs=["latents"] outputs=["image"]
    SRC_CMD_ARG out=s30 arg=0
    RES_LOAD_DATAFILE out=s0 file_type=json path="scheduler.json"
    RES_LOAD_MODEL model=m0 path="denoiser.onnx"
    RES_LOAD_MODEL model=m1 path="decoder.onnx"
    SRC_CONSTANT out=s20 value="latent_shape"
    TENSOR_EXTRACT out=s1 tensor=s0 index=s20
    SRC_CONSTANT out=s20 value="timesteps"
    TENSOR_EXTRACT out=s2 tensor=s0 index=s20
    SRC_CONSTANT out=s20 value="step_scale"
    TENSOR_EXTRACT out=s3 tensor=s0 index=s20
    SRC_CONSTANT out=s20 value="steps"
    TENSOR_EXTRACT out=s4 tensor=s0 index=s20
    SRC_CONSTANT out=s5 value=0
    TENSOR_RANDOM out=s6 dtype=f32 dist=gaussian shape=s1 seed=s5
    SRC_CONSTANT out=s7 value=0
    SRC_CONSTANT out=s8 value=1
    SRC_CONSTANT out=s12 value=0
    FLOW_LOOP_START counter=s4
      TENSOR_EXTRACT out=s9 tensor=s2 index=s7
      TENSOR_CREATE out=s10 dtype=f32 op=from_py params=[s9]
      TENSOR_MANIPULATE op=expand_dims out=s11 input=s10 params=[s12]
      MODEL_RUN_STATIC model=m0 inputs=[s6, s11] outputs=[s13]
      MATH_BINARY op=mul out=s14 lhs=s13 rhs=s3
      MATH_BINARY op=sub out=s6 lhs=s6 rhs=s14
      MATH_BINARY op=add out=s7 lhs=s7 rhs=s8
    FLOW_LOOP_END
    MODEL_RUN_STATIC model=m1 inputs=[s6] outputs=[s15]
    FORMAT_TO_IMAGE out=s16 input=s15 range=signed
    SINK_FILE input=s16 path=s30 format=png
    SINK_RETURN values=[s7, s16] names=["steps", "image"]
"#;

#[test]
fn denoising_loop_writes_a_png() {
    let dir = TempDir::new("denoise");
    let mut h = harness(DENOISE, options("denoise", &["out.png"], Some(&dir)), "");
    let out = h.vm.run().unwrap_or_else(|e| panic!("{e}"));
    let j = out.to_json();
    assert_eq!(j["steps"], json!(10));
    assert_eq!(j["image"]["shape"], json!([32, 32, 3]));
    let img = image::open(dir.path().join("out.png"))
        .expect("png")
        .to_rgb8();
    assert_eq!((img.width(), img.height()), (32, 32));
    let Some(Value::Tensor(Tensor::U8(pixels))) = out.get("image") else {
        panic!("image tensor")
    };
    assert_eq!(img.get_pixel(5, 7)[1], pixels[[7, 5, 1]]);
}
