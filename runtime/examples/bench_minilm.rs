//! Compares the VM running the MiniLM embedding recipe with hand-written
//! Rust calling tokenizers and ort directly, at batch 1.
//!
//! cargo run --release -p omex-runtime --example bench_minilm -- [ITERATIONS] [MODEL_DIR]

use std::path::PathBuf;
use std::time::Instant;

use ndarray::{Array2, Axis};
use omex_runtime::{HostRegistry, Vm, VmOptions};
use ort::session::Session;
use ort::value::TensorRef;

const RECIPE: &str = r#".mep 1.0
.plan "embed"
.arg 0 "text"
.model m0 "model.onnx" format="onnx" inputs=["input_ids", "attention_mask", "token_type_ids"] outputs=["last_hidden_state"]
    THREADS
    SRC_CMD_ARG out=s0 arg=0
    SRC_CONSTANT out=s20 value=false
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
    SINK_RETURN values=[s11] names=["embedding"]
"#;

const SENTENCES: [&str; 4] = [
    "The cat sits on the mat.",
    "A kitten is resting on a rug.",
    "Quarterly revenue grew by twelve percent.",
    "Rust compilers report errors with spans.",
];

struct Direct {
    tokenizer: tokenizers::Tokenizer,
    session: Session,
    /// `encode_fast` (no offsets, as the runtime does) instead of `encode`.
    fast: bool,
}

impl Direct {
    fn embed(&mut self, text: &str) -> Vec<f32> {
        let enc = if self.fast {
            self.tokenizer.encode_fast(text, true).expect("encode")
        } else {
            self.tokenizer.encode(text, true).expect("encode")
        };
        let n = enc.len();
        let ids: Vec<i64> = enc.get_ids().iter().map(|&x| x as i64).collect();
        let mask: Vec<i64> = enc.get_attention_mask().iter().map(|&x| x as i64).collect();
        let types: Vec<i64> = enc.get_type_ids().iter().map(|&x| x as i64).collect();
        let outputs = self
            .session
            .run(ort::inputs![
                "input_ids" => TensorRef::from_array_view(([1, n], &*ids)).expect("ids"),
                "attention_mask" => TensorRef::from_array_view(([1, n], &*mask)).expect("mask"),
                "token_type_ids" => TensorRef::from_array_view(([1, n], &*types)).expect("types"),
            ])
            .expect("run");
        let (shape, hidden) = outputs["last_hidden_state"]
            .try_extract_tensor::<f32>()
            .expect("extract");
        let d = shape[2] as usize;
        let h = Array2::from_shape_vec((n, d), hidden.to_vec()).expect("shape");
        let m: Vec<f32> = mask.iter().map(|&x| x as f32).collect();
        let mut pooled = vec![0f32; d];
        for (row, w) in h.axis_iter(Axis(0)).zip(&m) {
            for (p, x) in pooled.iter_mut().zip(row) {
                *p += x * w;
            }
        }
        let count: f32 = m.iter().sum::<f32>().max(1e-9);
        pooled.iter_mut().for_each(|p| *p /= count);
        let norm = pooled.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        pooled.iter_mut().for_each(|p| *p /= norm);
        pooled
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let dir = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models/minilm-l6-int8")
    });

    // BENCH_THREADS=N sets the intra-op threads of both sides (default: ONNX Runtime's).
    let threads: Option<usize> = std::env::var("BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok());
    let env = omex_runtime::provision::ort_environment(None).expect("ONNX Runtime");
    let mut tokenizer =
        tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).expect("tokenizer");
    tokenizer.with_padding(None);
    let mut builder = Session::builder(&env).expect("builder");
    if let Some(n) = threads {
        builder = builder.with_intra_threads(n).expect("threads");
    }
    let session = builder
        .commit_from_file(dir.join("model.onnx"))
        .expect("session");
    let fast = std::env::var("BENCH_ENCODE_FAST").is_ok_and(|v| v == "1");
    let mut direct = Direct {
        tokenizer,
        session,
        fast,
    };
    println!(
        "direct tokenization: {}",
        if fast { "encode_fast" } else { "encode" }
    );

    let recipe = RECIPE.replace(
        "THREADS",
        &threads.map_or(String::new(), |n| format!("EXEC_CTL ctl=threads value={n}")),
    );
    let assembled = omex_mep::text::assemble(&recipe).expect("assembles");
    let program =
        omex_runtime::verify(assembled.module, &HostRegistry::builtin()).expect("verifies");
    let mut vm = Vm::new(
        program,
        VmOptions {
            search_paths: vec![dir.clone()],
            ..Default::default()
        },
    );

    // Warm up both (the VM loads its model on the first run).
    for s in SENTENCES {
        vm.set_args(vec![s.to_string()]);
        vm.run().expect("vm run");
        direct.embed(s);
    }

    let mut vm_times = Vec::with_capacity(iterations);
    let mut direct_times = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let s = SENTENCES[i % SENTENCES.len()];
        // Alternate the order to cancel drift.
        let run_vm = |vm: &mut Vm| {
            vm.set_args(vec![s.to_string()]);
            let t = Instant::now();
            let out = vm.run().expect("vm run");
            let e = t.elapsed().as_secs_f64() * 1e3;
            std::hint::black_box(out);
            e
        };
        let run_direct = |direct: &mut Direct| {
            let t = Instant::now();
            let out = direct.embed(s);
            let e = t.elapsed().as_secs_f64() * 1e3;
            std::hint::black_box(out);
            e
        };
        if i % 2 == 0 {
            vm_times.push(run_vm(&mut vm));
            direct_times.push(run_direct(&mut direct));
        } else {
            direct_times.push(run_direct(&mut direct));
            vm_times.push(run_vm(&mut vm));
        }
    }
    let total_vm: f64 = vm_times.iter().sum();
    let total_direct: f64 = direct_times.iter().sum();
    let (mv, md) = (median(&mut vm_times), median(&mut direct_times));
    println!("iterations: {iterations}");
    println!(
        "vm:     median {mv:.3} ms, mean {:.3} ms",
        total_vm / iterations as f64
    );
    println!(
        "direct: median {md:.3} ms, mean {:.3} ms",
        total_direct / iterations as f64
    );
    println!("ratio (median): {:.4}", mv / md);
    println!("ratio (mean):   {:.4}", total_vm / total_direct);
}
