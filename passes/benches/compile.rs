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

/// The allocator the `omexc` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// CPU time of the calling thread, in nanoseconds.
#[cfg(target_os = "linux")]
fn thread_cpu_ns() -> u64 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    unsafe extern "C" {
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }
    let mut time = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec for the call.
    let ok = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) } == 0;
    assert!(ok, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    time.tv_sec as u64 * 1_000_000_000 + time.tv_nsec as u64
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_ns() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
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
