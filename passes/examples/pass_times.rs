//! CPU time of each pass on the synthetic 10k and 100k plans, runs of the
//! two sizes interleaved (the per-pass table in `docs/performance.md`).
//!
//! `cargo run --release -p omex-passes --example pass_times [ROUNDS]`

use std::time::Duration;

/// The allocator the `omexc` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use omex_mep::VerifyOptions;
use omex_passes::liveness::Liveness;
use omex_passes::synth::synthetic_module;
use omex_passes::{check, cleanup, emit, memory, normalize, slots, unload};

#[path = "../benches/support/thread_cpu.rs"]
mod thread_cpu;

const PASSES: [&str; 11] = [
    "normalize",
    "cleanup (copies, constants, dead code)",
    "sink model loads",
    "insert unloads",
    "liveness",
    "max live",
    "slot allocation",
    "emission",
    "MEP verify",
    "allocation checker",
    "memory plan",
];

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    Duration::from_nanos(thread_cpu::thread_cpu_ns())
}

/// One compile, timing each pass; the results are dropped after timing.
fn compile(module: &omex_ir::Module, times: &mut [Vec<Duration>]) {
    let mut module = module.clone();
    let mut t = thread_cpu();
    let mut lap = |i: usize| {
        let now = thread_cpu();
        times[i].push(now - t);
        t = now;
    };
    normalize::normalize_static_runs(&mut module);
    lap(0);
    cleanup::run(&mut module);
    lap(1);
    unload::sink_model_loads(&mut module);
    lap(2);
    unload::insert_unloads(&mut module);
    lap(3);
    let live = Liveness::compute(&module);
    lap(4);
    std::hint::black_box(live.max_live());
    lap(5);
    let asg = slots::allocate(&live).expect("allocates");
    lap(6);
    let emitted = emit::emit(&module, &live, &asg).expect("emits");
    lap(7);
    let program = omex_mep::verify(emitted.module, &VerifyOptions::default()).expect("verifies");
    lap(8);
    check::check(&program, &emitted.effects).expect("checks");
    lap(9);
    let plan = memory::plan(
        &module,
        &live,
        &program,
        &emitted.effects,
        &emitted.origin,
        &emitted.position,
    );
    lap(10);
    std::hint::black_box(plan);
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(6, |n| n.parse().expect("ROUNDS is a number"));
    let small = synthetic_module(10_000, 7);
    let large = synthetic_module(100_000, 7);
    let mut small_times = vec![Vec::new(); PASSES.len()];
    let mut large_times = vec![Vec::new(); PASSES.len()];
    // Warm up, then interleave 10 small compiles with one large.
    compile(&small, &mut vec![Vec::new(); PASSES.len()]);
    compile(&large, &mut vec![Vec::new(); PASSES.len()]);
    for _ in 0..rounds {
        for _ in 0..10 {
            compile(&small, &mut small_times);
        }
        compile(&large, &mut large_times);
    }
    println!("| pass | 10k | 100k | ratio |\n|---|---|---|---|");
    let (mut total_small, mut total_large) = (Duration::ZERO, Duration::ZERO);
    for (i, name) in PASSES.iter().enumerate() {
        let s = median(&mut small_times[i]);
        let l = median(&mut large_times[i]);
        total_small += s;
        total_large += l;
        let ratio = l.as_secs_f64() / s.as_secs_f64();
        println!("| {name} | {} | {} | {ratio:.1}× |", ms(s), ms(l));
    }
    let ratio = total_large.as_secs_f64() / total_small.as_secs_f64();
    println!(
        "| total (sum of medians) | {} | {} | {ratio:.1}× |",
        ms(total_small),
        ms(total_large)
    );
}
