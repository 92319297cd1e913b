//! The board end to end, in process: the same suite on SQLite and on a real
//! PostgreSQL server (see `omex_board::testing`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use omex_board::clock::{format_ms, parse_rfc3339};
use omex_board::testing::{postgres_url, sqlite_url};
use omex_board::worker::{Event, Worker, WorkerOptions};
use omex_board::{Board, Capabilities, ManualClock, Status};
use serde_json::json;

/// Greets its argument: the trivial module of these tests.
const GREET: &str = r#"
.mep 1.0
.plan "greet"
.arg 0 "name"
    SRC_CMD_ARG out=s0 arg=0
    STRING_FORMAT out=s1 format="Hello, {}!" inputs=[s0]
    SINK_RETURN values=[s1] names=["greeting"]
"#;

/// Takes a `greeting` (matched by name when chained after GREET).
const SHOUT: &str = r#"
.mep 1.0
.plan "shout"
.arg 0 "greeting"
    SRC_CMD_ARG out=s0 arg=0
    STRING_FORMAT out=s1 format="{} LOUDLY" inputs=[s0]
    SINK_CONSOLE input=s1 mode=line
    SINK_RETURN values=[s1] names=["loud"]
"#;

fn assemble(source: &str) -> Vec<u8> {
    let assembled = omex_mep::text::assemble(source).expect("test module assembles");
    omex_mep::encode(&assembled.module)
}

fn add(board: &mut Board, source: &str, name: &str) -> String {
    board.add_module(&assemble(source), name).unwrap().0.hash
}

fn options(id: &str) -> WorkerOptions {
    let mut options = WorkerOptions::new(id);
    options.poll = Duration::from_millis(10);
    options.exit_when_idle = true;
    options
}

/// Runs one worker until idle; returns the ids it completed.
fn drain(url: &str, id: &str) -> Vec<i64> {
    let board = Board::open(url).unwrap();
    let mut worker = Worker::new(board, options(id)).unwrap();
    let mut done = Vec::new();
    worker
        .run(&mut |event| {
            if let Event::Completed { id, .. } = event {
                done.push(*id);
            }
        })
        .unwrap();
    done
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(&omex_board::testing::sqlite_url(stringify!($name)));
            }
            #[test]
            fn postgres() {
                super::$name(&omex_board::testing::postgres_url(stringify!($name)));
            }
        }
    )*};
}

on_both!(
    modules_are_content_addressed,
    four_workers_complete_each_invocation_once,
    failed_invocation_links_no_outputs,
    expired_lease_is_retried_then_fails,
    restricted_worker_claims_only_its_modules,
    reactor_chains_on_completion,
    folder_reactor_fires_once_per_file,
    scheduler_fires_under_test_clock,
);

fn modules_are_content_addressed(url: &str) {
    let mut board = Board::open(url).unwrap();
    let bytes = assemble(GREET);
    let (first, new) = board.add_module(&bytes, "greet").unwrap();
    assert!(new);
    assert_eq!(first.hash, omex_board::module_hash(&bytes));
    assert_eq!(first.language, "mep");
    assert_eq!(first.args, vec!["name".to_string()]);
    let (again, new) = board.add_module(&bytes, "other-name").unwrap();
    assert!(!new, "the same bytes are the same module");
    assert_eq!(again.name, "greet", "modules are immutable");
    assert_eq!(board.resolve_module("greet").unwrap().hash, first.hash);
    assert_eq!(
        board.resolve_module(&first.hash[..8]).unwrap().hash,
        first.hash
    );
    assert_eq!(board.resolve_module("nope").unwrap_err().code(), "E0504");
    let bad = board.add_module(b"not mep", "x").unwrap_err();
    assert_eq!(bad.code(), "E0506");
    // A module's model table is recorded.
    let with_model = r#"
.mep 1.0
.model m0 "models/clf.onnx" format="onnx" sha256="00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" inputs=["x"] outputs=["y"]
    SRC_CONSTANT out=s0 value=1
    SINK_RETURN values=[s0]
"#;
    let (module, _) = board.add_module(&assemble(with_model), "clf").unwrap();
    assert_eq!(module.models.len(), 1);
    assert_eq!(module.models[0].path, "models/clf.onnx");
    assert_eq!(module.models[0].format, "onnx");
    assert_eq!(
        module.models[0].sha256.as_deref(),
        Some("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
    );
    // Reopening keeps everything (and does not migrate twice).
    drop(board);
    let mut board = Board::open(url).unwrap();
    assert_eq!(board.modules().unwrap().len(), 2);
}

/// 4 workers drain 2000 invocations (500 per worker on average): every one
/// is completed, by exactly one worker, on its first attempt.
fn four_workers_complete_each_invocation_once(url: &str) {
    const WORKERS: usize = 4;
    const INVOCATIONS: usize = 4 * 500;
    let mut board = Board::open(url).unwrap();
    let hash = add(&mut board, GREET, "greet");
    for i in 0..INVOCATIONS {
        board.invoke(&hash, &[json!(format!("n{i}"))], 3).unwrap();
    }
    let handles: Vec<_> = (0..WORKERS)
        .map(|w| {
            let url = url.to_string();
            thread::spawn(move || drain(&url, &format!("w{w}")))
        })
        .collect();
    let per_worker: Vec<Vec<i64>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let total: usize = per_worker.iter().map(Vec::len).sum();
    assert_eq!(total, INVOCATIONS, "completions reported by the workers");
    let distinct: HashSet<i64> = per_worker.iter().flatten().copied().collect();
    assert_eq!(distinct.len(), INVOCATIONS, "no invocation completed twice");
    let counts = board.counts().unwrap();
    assert_eq!(counts[2], (Status::Completed, INVOCATIONS as i64));
    assert!(
        counts
            .iter()
            .all(|(s, n)| *s == Status::Completed || *n == 0)
    );
    for line in board.list(Some(Status::Completed)).unwrap() {
        let inv = board.invocation(line.id).unwrap();
        assert_eq!(inv.attempts, 1, "invocation {} was claimed twice", inv.id);
        let name = inv.inputs[0].as_str().unwrap();
        assert_eq!(
            inv.outputs,
            vec![("greeting".into(), json!(format!("Hello, {name}!")))]
        );
    }
}

fn failed_invocation_links_no_outputs(url: &str) {
    let mut board = Board::open(url).unwrap();
    let greet = add(&mut board, GREET, "greet");
    let shout = add(&mut board, SHOUT, "shout");
    board.add_completion_reactor(&greet, &shout).unwrap();
    // No argument: SRC_CMD_ARG fails at run time.
    let id = board.invoke(&greet, &[], 3).unwrap();
    assert_eq!(drain(url, "w"), Vec::<i64>::new());
    let inv = board.invocation(id).unwrap();
    assert_eq!(inv.status, Status::Failed);
    assert!(inv.outputs.is_empty());
    let error = inv.error.unwrap();
    assert!(error.starts_with("E09"), "a runtime error code: {error}");
    assert!(inv.completed_at.is_some() && inv.started_at.is_some());
    assert_eq!(
        board.list(None).unwrap().len(),
        1,
        "a failure fires no reactor"
    );
}

fn expired_lease_is_retried_then_fails(url: &str) {
    let clock = Arc::new(ManualClock::new(
        parse_rfc3339("2026-11-22T10:00:00Z").unwrap(),
    ));
    let mut board = Board::open_with_clock(url, clock.clone()).unwrap();
    let hash = add(&mut board, GREET, "greet");
    let id = board.invoke(&hash, &[json!("x")], 2).unwrap();
    let caps = omex_board::worker::default_capabilities();
    let lease = Duration::from_secs(10);

    let first = board.claim("dead-1", &caps, lease).unwrap().unwrap();
    assert_eq!((first.id, first.attempt), (id, 1));
    assert!(
        board.claim("other", &caps, lease).unwrap().is_none(),
        "claimed once"
    );
    clock.advance(5_000);
    assert!(board.heartbeat(&first, "dead-1", lease).unwrap());
    clock.advance(9_000);
    assert_eq!(
        board.reclaim_expired().unwrap().requeued,
        0,
        "the heartbeat extended it"
    );
    clock.advance(2_000);
    let reclaimed = board.reclaim_expired().unwrap();
    assert_eq!((reclaimed.requeued, reclaimed.failed), (1, 0));
    assert_eq!(board.invocation(id).unwrap().status, Status::Pending);

    let second = board.claim("dead-2", &caps, lease).unwrap().unwrap();
    assert_eq!(second.attempt, 2);
    // The first worker comes back: its claim is fenced off.
    assert!(!board.complete(&first, "dead-1", &[], None).unwrap());
    assert!(!board.heartbeat(&first, "dead-1", lease).unwrap());
    clock.advance(11_000);
    let reclaimed = board.reclaim_expired().unwrap();
    assert_eq!((reclaimed.requeued, reclaimed.failed), (0, 1));
    let inv = board.invocation(id).unwrap();
    assert_eq!(inv.status, Status::Failed);
    assert_eq!(
        inv.error.as_deref(),
        Some("worker dead-2 stopped renewing its lease on attempt 2 of 2")
    );
    assert!(!board.complete(&second, "dead-2", &[], None).unwrap());
    assert!(board.invocation(id).unwrap().outputs.is_empty());
}

fn restricted_worker_claims_only_its_modules(url: &str) {
    let mut board = Board::open(url).unwrap();
    let greet = add(&mut board, GREET, "greet");
    let shout = add(&mut board, SHOUT, "shout");
    let with_model = r#"
.mep 1.0
.model m0 "m.tflite" format="tflite" inputs=[] outputs=[]
    SRC_CONSTANT out=s0 value=1
    SINK_RETURN values=[s0]
"#;
    let tflite = add(&mut board, with_model, "tflite");
    let a = board.invoke(&greet, &[json!("a")], 3).unwrap();
    let b = board.invoke(&shout, &[json!("b")], 3).unwrap();
    let c = board.invoke(&tflite, &[], 3).unwrap();
    let lease = Duration::from_secs(30);
    let only_shout = Capabilities {
        languages: vec!["mep".into()],
        formats: vec!["onnx".into()],
        modules: Some(vec![shout.clone()]),
    };
    let claim = board.claim("w", &only_shout, lease).unwrap().unwrap();
    assert_eq!(claim.id, b);
    assert!(board.claim("w", &only_shout, lease).unwrap().is_none());
    let other_language = Capabilities {
        languages: vec!["wasm".into()],
        formats: vec!["onnx".into()],
        modules: None,
    };
    assert!(board.claim("w", &other_language, lease).unwrap().is_none());
    let onnx = omex_board::worker::default_capabilities();
    assert_eq!(board.claim("w", &onnx, lease).unwrap().unwrap().id, a);
    assert!(
        board.claim("w", &onnx, lease).unwrap().is_none(),
        "no tflite backend"
    );
    let tflite_caps = Capabilities {
        formats: vec!["tflite".into()],
        ..onnx
    };
    assert_eq!(
        board.claim("w", &tflite_caps, lease).unwrap().unwrap().id,
        c
    );
}

fn reactor_chains_on_completion(url: &str) {
    let mut board = Board::open(url).unwrap();
    let greet = add(&mut board, GREET, "greet");
    let shout = add(&mut board, SHOUT, "shout");
    let reactor = board.add_completion_reactor(&greet, &shout).unwrap();
    let first = board.invoke(&greet, &[json!("Ada")], 3).unwrap();
    let done = drain(url, "w");
    assert_eq!(done.len(), 2, "the invocation and the one it triggered");
    let all = board.list(None).unwrap();
    assert_eq!(all.len(), 2);
    let chained = board.invocation(all[1].id).unwrap();
    assert_eq!(chained.module_hash, shout);
    assert_eq!(chained.status, Status::Completed);
    assert_eq!(
        chained.triggered_by.as_deref(),
        Some(&*format!("reactor {reactor}"))
    );
    assert_eq!(
        chained.trigger_match.as_deref(),
        Some(&*format!("invocation {first}"))
    );
    assert_eq!(chained.inputs, vec![json!("Hello, Ada!")]);
    assert_eq!(
        chained.outputs,
        vec![("loud".into(), json!("Hello, Ada! LOUDLY"))]
    );
    assert_eq!(chained.console.as_deref(), Some("Hello, Ada! LOUDLY\n"));
    // Each completion fires once: nothing more happens on another drain.
    assert!(drain(url, "w2").is_empty());
    assert_eq!(board.list(None).unwrap().len(), 2);
    // Disabled reactors do not fire.
    board.set_reactor_enabled(reactor, false).unwrap();
    board.invoke(&greet, &[json!("Bo")], 3).unwrap();
    assert_eq!(drain(url, "w3").len(), 1);
    assert_eq!(board.list(None).unwrap().len(), 3);
}

fn folder_reactor_fires_once_per_file(url: &str) {
    let dir = std::env::temp_dir().join(format!(
        "omex-watch-{}",
        url.rsplit(['/', '\\']).next().unwrap().replace('.', "_")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut board = Board::open(url).unwrap();
    let greet = add(&mut board, GREET, "greet");
    assert_eq!(
        board
            .add_folder_reactor(&dir.join("missing"), &greet)
            .unwrap_err()
            .code(),
        "E0510"
    );
    let reactor = board.add_folder_reactor(&dir, &greet).unwrap();
    assert!(board.scan_folders().unwrap().is_empty());
    for i in 0..20 {
        std::fs::write(dir.join(format!("doc{i:02}.txt")), "x").unwrap();
    }
    std::fs::write(dir.join(".partial.tmp"), "x").unwrap();
    // Three scanners race over the same 20 files: 20 invocations in all.
    let created = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let (url, created) = (url.to_string(), created.clone());
            thread::spawn(move || {
                let mut board = Board::open(&url).unwrap();
                let ids = board.scan_folders().unwrap();
                created.lock().unwrap().extend(ids);
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(created.lock().unwrap().len(), 20);
    assert!(
        board.scan_folders().unwrap().is_empty(),
        "each file fires once"
    );
    std::fs::write(dir.join("late.txt"), "x").unwrap();
    let late = board.scan_folders().unwrap();
    assert_eq!(late.len(), 1);
    let inv = board.invocation(late[0]).unwrap();
    let path = std::fs::canonicalize(&dir).unwrap().join("late.txt");
    assert_eq!(inv.inputs, vec![json!(path.to_string_lossy())]);
    assert_eq!(
        inv.triggered_by.as_deref(),
        Some(&*format!("reactor {reactor}"))
    );
    assert_eq!(
        inv.trigger_match.as_deref(),
        Some(&*format!("file {}", path.display()))
    );
    assert_eq!(drain(url, "w").len(), 21);
    let _ = std::fs::remove_dir_all(&dir);
}

fn scheduler_fires_under_test_clock(url: &str) {
    let clock = Arc::new(ManualClock::new(
        parse_rfc3339("2026-11-22T08:59:30Z").unwrap(),
    ));
    let mut board = Board::open_with_clock(url, clock.clone()).unwrap();
    let greet = add(&mut board, GREET, "greet");
    assert_eq!(
        board
            .add_scheduler("0 25 * * *", &greet, &[])
            .unwrap_err()
            .code(),
        "E0509"
    );
    let id = board
        .add_scheduler("0 9 * * *", &greet, &[json!("morning")])
        .unwrap();
    let next = |board: &mut Board| format_ms(board.schedulers().unwrap()[0].next_fire_at);
    assert_eq!(next(&mut board), "2026-11-22T09:00:00.000Z");
    assert!(board.tick_schedulers().unwrap().is_empty(), "not due yet");

    clock.set(parse_rfc3339("2026-11-22T09:00:00Z").unwrap());
    let fired = board.tick_schedulers().unwrap();
    assert_eq!(fired.len(), 1);
    assert!(
        board.tick_schedulers().unwrap().is_empty(),
        "a tick fires once"
    );
    let inv = board.invocation(fired[0]).unwrap();
    assert_eq!(
        inv.triggered_by.as_deref(),
        Some(&*format!("scheduler {id}"))
    );
    assert_eq!(
        inv.trigger_match.as_deref(),
        Some("tick 2026-11-22T09:00:00.000Z")
    );
    assert_eq!(inv.inputs, vec![json!("morning")]);
    assert_eq!(next(&mut board), "2026-11-23T09:00:00.000Z");

    // Nothing ticked for three days: the missed ticks fire once, coalesced.
    clock.set(parse_rfc3339("2026-11-25T10:30:00Z").unwrap());
    let fired = board.tick_schedulers().unwrap();
    assert_eq!(fired.len(), 1);
    let inv = board.invocation(fired[0]).unwrap();
    assert_eq!(
        inv.trigger_match.as_deref(),
        Some("tick 2026-11-23T09:00:00.000Z (2 later missed ticks coalesced)")
    );
    assert_eq!(next(&mut board), "2026-11-26T09:00:00.000Z");
    assert!(board.tick_schedulers().unwrap().is_empty());
    board.remove_scheduler(id).unwrap();
    assert_eq!(board.remove_scheduler(id).unwrap_err().code(), "E0508");
}

#[test]
fn unknown_scheme_and_missing_folder() {
    assert_eq!(Board::open("mysql://x/y").err().unwrap().code(), "E0500");
    let missing = format!(
        "sqlite://{}/no/such/dir/b.db",
        std::env::temp_dir().display()
    );
    assert_eq!(Board::open(&missing).err().unwrap().code(), "E0501");
    let _ = (sqlite_url("x"), postgres_url as fn(&str) -> String);
}

/// Classifies an all-zero image with the bundled image-classifier fixture;
/// the compiler-style `RES_UNLOAD` after the run drops the model.
const CLASSIFY: &str = r#"
.mep 1.0
.plan "classify"
.model m0 "model.onnx" format="onnx"
    RES_LOAD_MODEL model=m0 path="model.onnx"
    SRC_CONSTANT out=s0 value=int[1, 3, 32, 32]
    TENSOR_CREATE out=s1 dtype=f32 op=zeros params=[s0]
    MODEL_RUN_DYNAMIC model=m0 inputs=[s1] out_dict=s2
    RES_UNLOAD res=model target=0
    SINK_RETURN values=[s2] names=["outputs"]
"#;

/// A worker keeps one VM per module with `keep_models`: the second
/// invocation reuses the session, even with the model file gone.
#[test]
fn worker_keeps_models_loaded_between_invocations() {
    let url = sqlite_url("worker_keeps_models");
    let dir = std::env::temp_dir().join(format!("omex-board-keep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/models/image-classifier/model.onnx"
    );
    std::fs::copy(fixture, dir.join("model.onnx")).unwrap();
    let mut board = Board::open(&url).unwrap();
    let classify = add(&mut board, CLASSIFY, "classify");
    let first = board.invoke(&classify, &[], 1).unwrap();
    let second = board.invoke(&classify, &[], 1).unwrap();

    let mut options = options("keeper");
    options.sandbox.search_paths = vec![dir.clone()];
    let mut worker = Worker::new(Board::open(&url).unwrap(), options).unwrap();
    let mut completed = Vec::new();
    let model = dir.join("model.onnx");
    worker
        .run(&mut |event| {
            if let Event::Completed { id, .. } = event {
                completed.push(*id);
                // Gone before the second invocation is claimed.
                let _ = std::fs::remove_file(&model);
            }
        })
        .unwrap();
    assert_eq!(completed, vec![first, second]);
    let mut outputs = |id| board.invocation(id).unwrap().outputs;
    assert_eq!(outputs(first), outputs(second));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A board whose tables were changed behind its back: statements fail with
/// E0502 and the database's own message.
#[test]
fn a_failing_statement_is_a_database_error() {
    let url = sqlite_url("failing_statement");
    let mut board = Board::open(&url).unwrap();
    let greet = add(&mut board, GREET, "greet");
    board.invoke(&greet, &[json!("Ada")], 1).unwrap();
    let path = url.trim_start_matches("sqlite://");
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch("DROP TABLE invocation_inputs;")
        .unwrap();
    let error = board.invocation(1).expect_err("the table is gone");
    assert_eq!(error.code(), "E0502", "{error:?}");
    assert!(
        error.message.contains("no such table: invocation_inputs"),
        "{}",
        error.message
    );
}
