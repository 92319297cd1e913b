//! Invocations per second (claim + run + complete) of a trivial module, with
//! 1, 2 and 4 in-process workers, on SQLite and on PostgreSQL (a throwaway
//! local server, or `OMEX_TEST_POSTGRES_URL`; see `omex_board::testing`).
//!
//! `cargo bench -p omex-board --bench throughput`; figures in
//! docs/performance.md.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use omex_board::Board;
use omex_board::worker::{Worker, WorkerOptions};

/// Invocations drained per measured iteration.
const BATCH: u64 = 200;

const TRIVIAL: &str = r#"
.mep 1.0
.plan "greet"
.arg 0 "name"
    SRC_CMD_ARG out=s0 arg=0
    STRING_FORMAT out=s1 format="Hello, {}!" inputs=[s0]
    SINK_RETURN values=[s1] names=["greeting"]
"#;

/// Queues `BATCH` invocations, then times `workers` workers draining them.
fn drain(url: &str, hash: &str, workers: usize) -> Duration {
    let mut board = Board::open(url).unwrap();
    for i in 0..BATCH {
        board
            .invoke(hash, &[serde_json::json!(format!("n{i}"))], 3)
            .unwrap();
    }
    let start = Arc::new(Barrier::new(workers + 1));
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let (url, start) = (url.to_string(), start.clone());
            thread::spawn(move || {
                let mut options = WorkerOptions::new(format!("bench-{w}"));
                options.exit_when_idle = true;
                options.triggers = false;
                options.poll = Duration::from_millis(1);
                let mut worker = Worker::new(Board::open(&url).unwrap(), options).unwrap();
                start.wait();
                worker.run(&mut |_| {}).unwrap();
            })
        })
        .collect();
    start.wait();
    let began = Instant::now();
    handles.into_iter().for_each(|h| h.join().unwrap());
    began.elapsed()
}

fn throughput(c: &mut Criterion) {
    let module = omex_mep::text::assemble(TRIVIAL).unwrap().module;
    let bytes = omex_mep::encode(&module);
    let mut group = c.benchmark_group("board_throughput");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH));
    for backend in ["sqlite", "postgres"] {
        for workers in [1usize, 2, 4] {
            let url = match backend {
                "sqlite" => omex_board::testing::sqlite_url("bench"),
                _ => omex_board::testing::postgres_url("bench"),
            };
            let hash = Board::open(&url)
                .unwrap()
                .add_module(&bytes, "greet")
                .unwrap()
                .0
                .hash;
            group.bench_with_input(BenchmarkId::new(backend, workers), &workers, |b, &w| {
                b.iter_custom(|iterations| (0..iterations).map(|_| drain(&url, &hash, w)).sum());
            });
        }
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
