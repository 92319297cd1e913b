//! Test support: throwaway boards on SQLite and on a real PostgreSQL server.
//!
//! [`postgres_url`] gives each test a fresh database. The server is
//! `OMEX_TEST_POSTGRES_URL` when set (its user must be allowed to create
//! databases); otherwise one private server per test process is started
//! from the machine's PostgreSQL binaries (`initdb`, `postgres`: on `PATH`,
//! or Debian's `/usr/lib/postgresql/*/bin`) in a temporary folder on
//! 127.0.0.1 with a free port. PostgreSQL refuses to run as root, so as root
//! the server runs as the `postgres` user. A watchdog shell stops the server
//! and deletes its folder when the test process exits. When no server can be
//! started, [`postgres_url`] panics saying what to install: PostgreSQL tests
//! never skip silently.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What to tell a developer who has no PostgreSQL.
pub const INSTALL_HINT: &str = "the PostgreSQL tests need a PostgreSQL server: install Debian's \
     `postgresql` package (`apt-get install postgresql`; `.ci/run` does this), or set \
     OMEX_TEST_POSTGRES_URL=postgres://USER:PASSWORD@HOST:PORT/DATABASE to a server where USER \
     may create databases";

static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(name: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(30)
        .collect();
    format!(
        "{clean}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

static PRUNED: OnceLock<()> = OnceLock::new();

/// A fresh SQLite board URL in the system's temporary folder. Files older
/// than an hour there (from earlier test runs) are removed first.
pub fn sqlite_url(name: &str) -> String {
    let dir = std::env::temp_dir().join("omex-board-tests");
    let _ = std::fs::create_dir_all(&dir);
    PRUNED.get_or_init(|| prune(&dir, Duration::from_secs(3600)));
    format!(
        "sqlite://{}",
        dir.join(format!("{}.db", unique(name))).display()
    )
}

fn prune(dir: &Path, age: Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|elapsed| elapsed > age);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A fresh, empty PostgreSQL database for one test; panics with
/// [`INSTALL_HINT`] when no server is available.
pub fn postgres_url(name: &str) -> String {
    let admin = match SERVER.get_or_init(server) {
        Ok(url) => url.clone(),
        Err(why) => panic!("{why}\n{INSTALL_HINT}"),
    };
    let database = format!("omex_{}", unique(name));
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap_or_else(|e| {
        panic!("cannot connect to the test server {admin}: {e}\n{INSTALL_HINT}")
    });
    client
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .unwrap_or_else(|e| panic!("cannot create a test database on {admin}: {e}"));
    with_database(&admin, &database)
}

/// `url` with its database name replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{base}/{database}{query}")
}

fn server() -> Result<String, String> {
    if let Ok(url) = std::env::var("OMEX_TEST_POSTGRES_URL")
        && !url.is_empty()
    {
        return Ok(url);
    }
    start_server()
}

/// The folder holding `initdb` and `postgres`.
fn bin_dir() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("postgres").is_file() {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A command run as the server's user.
fn as_server_user(root: bool, program: &Path) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn start_server() -> Result<String, String> {
    let bin = bin_dir().ok_or("no PostgreSQL binaries (`initdb`, `postgres`) were found")?;
    let root = is_root();
    let dir = std::env::temp_dir().join(format!("omex-pg-{}", unique("server")));
    let data = dir.join("data");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if root {
        let status = Command::new("chown")
            .args(["-R", "postgres:"])
            .arg(&dir)
            .status()
            .map_err(|e| format!("chown: {e}"))?;
        if !status.success() {
            return Err(
                "cannot hand the server folder to the `postgres` user (is there one?)".into(),
            );
        }
    }
    let init = as_server_user(root, &bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run initdb: {e}"))?;
    if !init.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr).trim()
        ));
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    // The watchdog: runs the server, stops it and removes its folder once
    // this test process is gone.
    let script = format!(
        "\"{postgres}\" -D \"{data}\" -p {port} -k \"{dir}\" -c listen_addresses=127.0.0.1 \
           -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
           -c max_connections=200 >\"{dir}/server.log\" 2>&1 &\n\
         pg=$!\n\
         while [ -d /proc/{parent} ] && kill -0 $pg 2>/dev/null; do sleep 0.5; done\n\
         kill -INT $pg 2>/dev/null; wait $pg\n\
         rm -rf \"{dir}\"\n",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
        parent = std::process::id(),
    );
    as_server_user(root, Path::new("sh"))
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start postgres: {e}"))?;
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match postgres::Client::connect(&url, postgres::NoTls) {
            Ok(_) => return Ok(url),
            Err(e) if Instant::now() > deadline => {
                let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
                return Err(format!("the test server did not start: {e}\n{log}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database() {
        assert_eq!(
            with_database("postgres://u@h:1/postgres", "t1"),
            "postgres://u@h:1/t1"
        );
        assert_eq!(
            with_database("postgres://u@h:1", "t1"),
            "postgres://u@h:1/t1"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}
