//! `omexc board` and `omexc worker` end to end: a transcript snapshot of the
//! commands' output and error messages (SQLite), and a worker process killed
//! with SIGKILL mid-run whose invocation another worker completes (SQLite and
//! PostgreSQL).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use omex_board::{Board, Status};

mod common;
use common::*;

fn omexc_command(args: &[&str]) -> Command {
    command_in(root(), args)
}

fn assemble(source: &str, out: &Path) {
    let output = omexc(&["asm", source, "-o", out.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Replaces what changes between runs: timestamps, durations, the temp folder.
fn redact(text: &str, dir: &Path) -> String {
    let text = text.replace(&dir.display().to_string(), "[tmp]");
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let mut words: Vec<String> = Vec::new();
        for word in line.split(' ') {
            let trimmed = word.trim_end_matches(['\n', ',']);
            let rest = &word[trimmed.len()..];
            if is_timestamp(trimmed) {
                words.push(format!("[time]{rest}"));
            } else if line.starts_with("finished:")
                && word.starts_with('(')
                && trimmed.len() > 1
                && trimmed[1..].chars().all(|c| c.is_ascii_digit())
            {
                words.push(format!("([n]{rest}"));
            } else {
                words.push(word.to_string());
            }
        }
        out.push_str(&words.join(" "));
    }
    out
}

/// `2026-11-22T09:00:00.000Z`, possibly quoted.
fn is_timestamp(word: &str) -> bool {
    let w = word.trim_matches('"');
    w.len() == 24 && w.as_bytes()[4] == b'-' && w.as_bytes()[10] == b'T' && w.ends_with('Z')
}

/// Runs each command against the board and records a transcript.
struct Transcript {
    board: String,
    dir: PathBuf,
    text: String,
}

impl Transcript {
    fn run(&mut self, args: &[&str]) -> String {
        let mut full = vec!["board", "--board", &self.board];
        full.extend_from_slice(args);
        let output = omexc(&full);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let shown: Vec<String> = args
            .iter()
            .map(|a| {
                if a.contains(' ') {
                    format!("\"{a}\"")
                } else {
                    a.to_string()
                }
            })
            .collect();
        let command = redact(&shown.join(" "), &self.dir);
        self.text.push_str(&format!("$ omexc board {command}\n"));
        self.text.push_str(&redact(&stdout, &self.dir));
        if !stderr.is_empty() {
            self.text.push_str("---- stderr ----\n");
            self.text.push_str(&redact(&stderr, &self.dir));
        }
        self.text.push_str(&format!(
            "[exit {}]\n\n",
            output.status.code().unwrap_or(-1)
        ));
        stdout
    }
}

#[test]
fn board_commands_transcript() {
    let dir = fresh_dir("board-transcript");
    let echo = dir.join("echo.mep");
    let shout = dir.join("shout.mep");
    assemble("examples/mep/echo.mepasm", &echo);
    assemble("tests/cli/board/shout.mepasm", &shout);
    std::fs::write(dir.join("broken.mep"), b"MEP? no").unwrap();
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let board = format!("sqlite://{}", dir.join("board.db").display());
    let mut t = Transcript {
        board: board.clone(),
        dir: dir.clone(),
        text: String::new(),
    };
    let echo = echo.to_str().unwrap();
    let shout = shout.to_str().unwrap();
    t.run(&["add", echo]);
    t.run(&["add", echo, "--name", "ignored"]);
    t.run(&["add", shout]);
    t.run(&["add", dir.join("broken.mep").to_str().unwrap()]);
    t.run(&["modules"]);
    t.run(&[
        "reactor",
        "add",
        "--on-complete",
        "echo",
        "--invoke",
        "shout",
    ]);
    t.run(&["invoke", "echo", "--", "world"]);
    t.run(&["invoke", "shout", "--max-attempts", "1", "--", "hi"]);
    t.run(&["status"]);
    t.run(&["status", "1"]);
    t.run(&["list"]);

    let worker = omexc(&[
        "worker",
        "--board",
        &board,
        "--id",
        "test-worker",
        "--poll",
        "50ms",
        "--exit-when-idle",
    ]);
    assert!(
        worker.status.success(),
        "{}",
        String::from_utf8_lossy(&worker.stderr)
    );
    let log = String::from_utf8_lossy(&worker.stderr);
    assert!(
        log.contains("claimed invocation 1 (echo, attempt 1)"),
        "{log}"
    );
    assert!(
        log.contains("stopped (3 completed, 0 failed, 0 lost)"),
        "{log}"
    );

    t.run(&["list", "--status", "completed"]);
    t.run(&["workers"]);
    t.run(&["show", "1"]);
    t.run(&["show", "3"]);
    t.run(&[
        "reactor",
        "add",
        "--watch",
        inbox.to_str().unwrap(),
        "--invoke",
        "shout",
    ]);
    t.run(&["reactor", "list"]);
    t.run(&["reactor", "disable", "1"]);
    t.run(&["schedule", "add", "0 9 * * *", "echo", "--", "morning"]);
    t.run(&["schedule", "list"]);
    std::fs::write(inbox.join("letter.txt"), "dear board").unwrap();
    t.run(&["tick"]);
    t.run(&["tick"]);
    t.run(&["show", "4"]);
    t.run(&["list", "--status", "pending"]);

    // Errors.
    t.run(&["invoke", "nope"]);
    t.run(&["show", "99"]);
    t.run(&["status", "99"]);
    t.run(&["list", "--status", "done"]);
    t.run(&["schedule", "add", "every morning", "echo"]);
    t.run(&["schedule", "remove", "7"]);
    t.run(&["reactor", "remove", "7"]);
    t.run(&[
        "reactor",
        "add",
        "--watch",
        "/no/such/folder",
        "--invoke",
        "echo",
    ]);
    t.run(&["reactor", "add", "--invoke", "echo"]);
    t.run(&["invoke", "echo", "--max-attempts", "0"]);
    let mut text = t.text;
    for (args, label) in [
        (
            vec!["board", "--board", "mysql://db/x", "list"],
            "board --board mysql://db/x list",
        ),
        (
            vec!["board", "--board", "sqlite:///no/such/folder/b.db", "list"],
            "board --board sqlite:///no/such/folder/b.db list",
        ),
        (
            vec![
                "worker",
                "--board",
                &board,
                "--lease",
                "10s",
                "--heartbeat",
                "30s",
            ],
            "worker --lease 10s --heartbeat 30s",
        ),
        (
            vec!["worker", "--board", &board, "--lease", "soon"],
            "worker --lease soon",
        ),
        (
            vec!["worker", "--board", &board, "--module", "nope"],
            "worker --module nope",
        ),
    ] {
        let output = omexc(&args);
        text.push_str(&format!("$ omexc {label}\n"));
        text.push_str(&redact(&String::from_utf8_lossy(&output.stdout), &dir));
        text.push_str("---- stderr ----\n");
        text.push_str(&redact(&String::from_utf8_lossy(&output.stderr), &dir));
        text.push_str(&format!(
            "[exit {}]\n\n",
            output.status.code().unwrap_or(-1)
        ));
    }
    insta::assert_snapshot!("board_transcript", text);
}

/// Waits for `f` to hold, up to `limit`.
fn wait_for(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn_worker(board: &str, id: &str, extra: &[&str]) -> Child {
    let mut args = vec![
        "worker",
        "--board",
        board,
        "--id",
        id,
        "--lease",
        "1s",
        "--heartbeat",
        "200ms",
        "--poll",
        "50ms",
    ];
    args.extend_from_slice(extra);
    omexc_command(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("omexc worker starts")
}

/// A worker killed with SIGKILL while running an invocation: its lease
/// expires, another worker reclaims the invocation and completes it.
fn killed_worker_is_replaced(board: &str, dir: &Path) {
    let slow = dir.join("slow.mep");
    assemble("tests/cli/board/slow.mepasm", &slow);
    let added = omexc(&["board", "--board", board, "add", slow.to_str().unwrap()]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let invoked = omexc(&["board", "--board", board, "invoke", "slow"]);
    assert_eq!(String::from_utf8_lossy(&invoked.stdout).trim(), "1");

    let mut view = Board::open(board).unwrap();
    let mut victim = spawn_worker(board, "victim", &[]);
    wait_for(Duration::from_secs(60), "the victim to claim", || {
        view.invocation(1).unwrap().status == Status::Running
    });
    assert_eq!(
        view.invocation(1).unwrap().worker.as_deref(),
        Some("victim")
    );
    victim.kill().unwrap(); // SIGKILL
    victim.wait().unwrap();
    assert_eq!(
        view.invocation(1).unwrap().status,
        Status::Running,
        "killed mid-run"
    );

    let rescuer = spawn_worker(board, "rescuer", &["--exit-when-idle"]);
    let output = rescuer.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("reclaimed expired leases: 1 requeued, 0 failed"),
        "{log}"
    );
    let inv = view.invocation(1).unwrap();
    assert_eq!(inv.status, Status::Completed, "{log}");
    assert_eq!(inv.worker.as_deref(), Some("rescuer"));
    assert_eq!(inv.attempts, 2);
    assert_eq!(
        inv.outputs,
        vec![("result".into(), serde_json::json!("done"))]
    );
}

#[test]
fn killed_worker_is_replaced_sqlite() {
    let dir = fresh_dir("board-kill-sqlite");
    let board = format!("sqlite://{}", dir.join("board.db").display());
    killed_worker_is_replaced(&board, &dir);
}

#[test]
fn killed_worker_is_replaced_postgres() {
    let dir = fresh_dir("board-kill-postgres");
    let board = omex_board::testing::postgres_url("kill");
    killed_worker_is_replaced(&board, &dir);
}

/// A folder reactor feeding worker processes: the program reads each new
/// file, inside the sandbox the worker grants.
#[test]
fn folder_reactor_feeds_worker_processes() {
    let dir = fresh_dir("board-documents");
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let read = dir.join("read.mep");
    assemble("tests/cli/board/read.mepasm", &read);
    let board = format!("sqlite://{}", dir.join("board.db").display());
    let run = |args: &[&str]| {
        let mut full = vec!["board", "--board", &board];
        full.extend_from_slice(args);
        let output = omexc(&full);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(&["add", read.to_str().unwrap()]);
    run(&[
        "reactor",
        "add",
        "--watch",
        inbox.to_str().unwrap(),
        "--invoke",
        "read",
    ]);
    // A model path of its own, so that the default (the current folder,
    // which may hold the target folder and with it `inbox`) grants nothing.
    let models = dir.join("models");
    std::fs::create_dir_all(&models).unwrap();
    let models = models.to_str().unwrap().to_string();
    let worker = |extra: &[&str]| {
        let mut args = vec![
            "worker",
            "--board",
            &board,
            "--poll",
            "20ms",
            "--exit-when-idle",
            "--model-path",
            &models,
        ];
        args.extend_from_slice(extra);
        let output = omexc(&args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };

    // Without read access to the folder the program fails; the failure is
    // recorded and no outputs are linked.
    std::fs::write(inbox.join("a.txt"), "alpha").unwrap();
    worker(&[]);
    let mut view = Board::open(&board).unwrap();
    let first = view.invocation(1).unwrap();
    assert_eq!(first.status, Status::Failed);
    assert!(first.outputs.is_empty());
    let error = first.error.unwrap();
    assert!(error.contains("a.txt"), "{error}");

    // With it, the next file is read. The first file does not fire again.
    std::fs::write(inbox.join("b.txt"), "beta").unwrap();
    worker(&["--allow-read", inbox.to_str().unwrap()]);
    let second = view.invocation(2).unwrap();
    assert_eq!(second.status, Status::Completed, "{:?}", second.error);
    assert_eq!(
        second.outputs,
        vec![("summary".into(), serde_json::json!("read: beta"))]
    );
    assert_eq!(second.triggered_by.as_deref(), Some("reactor 1"));
    assert_eq!(view.list(None).unwrap().len(), 2);
}
