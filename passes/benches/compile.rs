//! Compile time of generated plans of 1k, 10k and 100k IR instructions
//! through the whole pipeline (`pipeline::compile`: normalisation, cleanups,
//! unloads, liveness, slot allocation, emission, MEP verification, the
//! allocation checker and the memory plan). Growth must stay near-linear;
//! the figures are recorded in `docs/performance.md`.
//!
//! `cargo bench -p omex-passes --bench compile`
//!
//! Two groups: `compile` measures wall-clock time; `compile-cpu` measures
//! the CPU time of the compiling thread, which other processes on a busy
//! machine do not inflate (on Linux; elsewhere it is wall-clock time too).

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use omex_passes::pipeline::{Options, compile};
use omex_passes::synth::synthetic_module;
use thread_cpu::thread_cpu_ns;

/// The allocator the `omexc` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/thread_cpu.rs"]
mod thread_cpu;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

fn compile_time<M: Measurement>(c: &mut Criterion<M>, group: &str) {
    let mut group = c.benchmark_group(group);
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for size in SIZES {
        let module = synthetic_module(size, 7);
        if let Err(errors) = compile(module.clone(), &Options::default()) {
            panic!("the synthetic plan of {size} instructions does not compile: {errors:#?}");
        }
        group.throughput(Throughput::Elements(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &module, |b, module| {
            b.iter_batched(
                || module.clone(),
                // Criterion drops the result outside the measurement.
                |module| compile(black_box(module), &Options::default()),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn wall(c: &mut Criterion) {
    compile_time(c, "compile");
}

fn cpu(c: &mut Criterion<ThreadCpu>) {
    compile_time(c, "compile-cpu");
}

/// Criterion measurement of the thread's CPU time, shown like wall time.
struct ThreadCpu(WallTime);

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }

    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }

    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }

    fn zero(&self) -> u64 {
        0
    }

    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        // Nanoseconds, as for wall time.
        self.0.formatter()
    }
}

criterion_group!(wall_clock, wall);
criterion_group! {
    name = cpu_time;
    config = Criterion::default().with_measurement(ThreadCpu(WallTime));
    targets = cpu
}
criterion_main!(wall_clock, cpu_time);
