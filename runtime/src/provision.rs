//! Finding (and if needed installing) the ONNX Runtime shared library, and
//! initialising `ort` once per process.
//!
//! Search order for `libonnxruntime.so.1.31.1`:
//! 1. a path given through the API (`omexc run --ort-lib PATH`);
//! 2. `$OMEX_ORT_LIB`;
//! 3. `$ORT_DYLIB_PATH`;
//! 4. the `onnxruntime` package of `python3` (`.../onnxruntime/capi/`);
//! 5. the runtime's own install in the cache directory
//!    (`$OMEX_CACHE_DIR`, else `$XDG_CACHE_HOME/omexc`, else `~/.cache/omexc`,
//!    subfolder `onnxruntime-1.31.1/`).
//!
//! If none has it, the runtime installs the PyPI wheel `onnxruntime==1.31.1`
//! into that cache folder with `python3 -m venv` and pip (unless
//! `OMEX_NO_PROVISION=1`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::error::{ErrorKind, Result, RuntimeError};

/// The ONNX Runtime version `ort` 2.0.0-rc.15 is built for.
pub const ORT_VERSION: &str = "1.31.1";
/// The shared library file name.
pub const ORT_LIB_NAME: &str = "libonnxruntime.so.1.31.1";

/// Where the library was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrtSource {
    Explicit,
    EnvOmexOrtLib,
    EnvOrtDylibPath,
    Python,
    Cache,
    Provisioned,
}

/// The outcome of the search: the library and where it came from.
#[derive(Debug, Clone)]
pub struct OrtLibrary {
    pub path: PathBuf,
    pub source: OrtSource,
}

fn provision_error(message: impl Into<String>) -> RuntimeError {
    RuntimeError::new(ErrorKind::Provision, message).with_help(format!(
        "install it with `python3 -m pip install onnxruntime=={ORT_VERSION}`, \
         or set OMEX_ORT_LIB to the path of {ORT_LIB_NAME} (or pass --ort-lib PATH)"
    ))
}

/// A path given explicitly must name the library (or a folder holding it).
fn explicit(path: &Path, what: &str) -> Result<PathBuf> {
    let candidates = [
        path.to_path_buf(),
        path.join(ORT_LIB_NAME),
        path.join("capi").join(ORT_LIB_NAME),
    ];
    for c in candidates {
        if c.is_file() {
            return Ok(std::fs::canonicalize(&c).unwrap_or(c));
        }
    }
    Err(provision_error(format!(
        "{what} names `{}`, which is not the ONNX Runtime library ({ORT_LIB_NAME}) nor a folder holding it",
        path.display()
    )))
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The cache directory of the runtime.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = env_path("OMEX_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(dir) = env_path("XDG_CACHE_HOME") {
        return Some(dir.join("omexc"));
    }
    env_path("HOME").map(|home| home.join(".cache").join("omexc"))
}

/// The folder the runtime installs ONNX Runtime into.
pub fn provision_dir() -> Option<PathBuf> {
    cache_dir().map(|c| c.join(format!("onnxruntime-{ORT_VERSION}")))
}

/// The `capi` folder of the `onnxruntime` package of `python3`, found
/// without importing the package (which is slow).
fn python_capi() -> Option<PathBuf> {
    let script = "import importlib.util,os\n\
                  s=importlib.util.find_spec('onnxruntime')\n\
                  print(os.path.dirname(s.origin) if s and s.origin else '')";
    let out = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?;
    let dir = dir.trim();
    (!dir.is_empty()).then(|| Path::new(dir).join("capi"))
}

/// The library inside an install folder: a venv (`lib/python3.X/site-packages`)
/// or a `pip --target` folder (`site-packages`).
fn find_in_install(root: &Path) -> Option<PathBuf> {
    let direct = root
        .join("site-packages")
        .join("onnxruntime")
        .join("capi")
        .join(ORT_LIB_NAME);
    if direct.is_file() {
        return Some(direct);
    }
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(root.join(lib)) else {
            continue;
        };
        for entry in entries.flatten() {
            let candidate = entry
                .path()
                .join("site-packages")
                .join("onnxruntime")
                .join("capi")
                .join(ORT_LIB_NAME);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Finds the library without installing anything.
pub fn locate(explicit_path: Option<&Path>) -> Result<Option<OrtLibrary>> {
    if let Some(p) = explicit_path {
        return explicit(p, "the ONNX Runtime path given").map(|path| {
            Some(OrtLibrary {
                path,
                source: OrtSource::Explicit,
            })
        });
    }
    if let Some(p) = env_path("OMEX_ORT_LIB") {
        return explicit(&p, "OMEX_ORT_LIB").map(|path| {
            Some(OrtLibrary {
                path,
                source: OrtSource::EnvOmexOrtLib,
            })
        });
    }
    if let Some(p) = env_path("ORT_DYLIB_PATH") {
        return explicit(&p, "ORT_DYLIB_PATH").map(|path| {
            Some(OrtLibrary {
                path,
                source: OrtSource::EnvOrtDylibPath,
            })
        });
    }
    if let Some(capi) = python_capi() {
        let lib = capi.join(ORT_LIB_NAME);
        if lib.is_file() {
            return Ok(Some(OrtLibrary {
                path: lib,
                source: OrtSource::Python,
            }));
        }
    }
    if let Some(lib) = provision_dir().and_then(|d| find_in_install(&d)) {
        return Ok(Some(OrtLibrary {
            path: lib,
            source: OrtSource::Cache,
        }));
    }
    Ok(None)
}

/// Finds the library, installing it into the cache folder if it is nowhere.
pub fn locate_or_provision(explicit_path: Option<&Path>) -> Result<OrtLibrary> {
    if let Some(found) = locate(explicit_path)? {
        return Ok(found);
    }
    let no_provision = std::env::var("OMEX_NO_PROVISION").is_ok_and(|v| v == "1");
    let Some(dir) = provision_dir() else {
        return Err(provision_error(format!(
            "ONNX Runtime {ORT_VERSION} was not found, and there is no cache folder to install it into (set OMEX_CACHE_DIR or HOME)"
        )));
    };
    if no_provision {
        return Err(provision_error(format!(
            "ONNX Runtime {ORT_VERSION} was not found (searched OMEX_ORT_LIB, ORT_DYLIB_PATH, python3's onnxruntime package, {}) and OMEX_NO_PROVISION=1 forbids installing it",
            dir.display()
        )));
    }
    provision(&dir)?;
    match find_in_install(&dir) {
        Some(path) => Ok(OrtLibrary {
            path,
            source: OrtSource::Provisioned,
        }),
        None => Err(provision_error(format!(
            "installed onnxruntime=={ORT_VERSION} into {}, but {ORT_LIB_NAME} is not in it",
            dir.display()
        ))),
    }
}

/// Installs the wheel into `dir`: a venv if `python3 -m venv` works, else
/// `pip install --target`. Builds in a temporary sibling folder and renames
/// it into place, so concurrent processes never see half an install.
fn provision(dir: &Path) -> Result<()> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| {
        provision_error(format!(
            "cannot create the cache folder {}: {e}",
            parent.display()
        ))
    })?;
    eprintln!(
        "omexc: ONNX Runtime {ORT_VERSION} not found; installing it with pip into {} (one time, about a minute)",
        dir.display()
    );
    let tmp = parent.join(format!(
        "onnxruntime-{ORT_VERSION}.partial-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = install_into(&tmp);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if let Err(e) = std::fs::rename(&tmp, dir) {
        let _ = std::fs::remove_dir_all(&tmp);
        // Another process may have finished first.
        if find_in_install(dir).is_none() {
            return Err(provision_error(format!(
                "cannot move the install into {}: {e}",
                dir.display()
            )));
        }
    }
    Ok(())
}

fn install_into(tmp: &Path) -> Result<()> {
    let spec = format!("onnxruntime=={ORT_VERSION}");
    let venv = run_quiet(Command::new("python3").arg("-m").arg("venv").arg(tmp));
    let pip_result = if venv.is_ok() {
        run_quiet(
            Command::new(tmp.join("bin").join("python"))
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(["--no-deps", &spec]),
        )
    } else {
        // No venv module (Debian without python3-venv): install into a plain folder.
        let _ = std::fs::remove_dir_all(tmp);
        run_quiet(
            Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(["--no-deps", "--target"])
                .arg(tmp.join("site-packages"))
                .arg(&spec),
        )
    };
    pip_result
        .map_err(|detail| provision_error(format!("installing {spec} with pip failed:\n{detail}")))
}

/// Runs a command, returning its last lines of output on failure.
fn run_quiet(cmd: &mut Command) -> std::result::Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = text.lines().rev().take(8).collect();
    Err(tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
}

/// The process-wide ONNX Runtime environment.
static ENVIRONMENT: Mutex<Option<(ort::environment::Environment, PathBuf)>> = Mutex::new(None);

/// Initialises `ort` from the library (once per process) and returns the
/// environment. Later calls return the same environment, whatever path
/// they name.
pub fn ort_environment(explicit_path: Option<&Path>) -> Result<ort::environment::Environment> {
    let mut guard = ENVIRONMENT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((env, _)) = guard.as_ref() {
        return Ok(env.clone());
    }
    let lib = locate_or_provision(explicit_path)?;
    let builder = ort::init_from(&lib.path).map_err(|e| {
        provision_error(format!(
            "cannot load ONNX Runtime from {}: {e}",
            lib.path.display()
        ))
    })?;
    let env = builder
        .with_name("omexc")
        .with_telemetry(false)
        .build()
        .map_err(|e| {
            provision_error(format!(
                "cannot initialise ONNX Runtime from {}: {e}",
                lib.path.display()
            ))
        })?;
    *guard = Some((env.clone(), lib.path));
    Ok(env)
}

/// The library the process initialised ONNX Runtime from, if it did.
pub fn loaded_library() -> Option<PathBuf> {
    let guard = ENVIRONMENT.lock().unwrap_or_else(|e| e.into_inner());
    guard.as_ref().map(|(_, p)| p.clone())
}
