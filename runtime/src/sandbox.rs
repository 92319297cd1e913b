//! File access rules: a program reads and writes only under the directories
//! its caller allows.
//!
//! A path is made absolute (relative paths are relative to the base
//! directory), then resolved: `..` components and symbolic links are
//! followed to the real file, which must lie under an allowed directory.
//! A file that does not exist is judged by its lexical path, so a missing
//! file outside the allowed directories is refused, not reported missing.

use std::path::{Component, Path, PathBuf};

use crate::error::{ErrorKind, Result, RuntimeError};

/// The directories a program may read and write, and the base for relative paths.
#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    read: Vec<PathBuf>,
    write: Vec<PathBuf>,
    base: PathBuf,
}

/// Makes a path absolute against `base` and removes `.` and `..` without
/// touching the file system.
pub fn lexical_absolute(base: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn canonical_dir(base: &Path, dir: &Path) -> PathBuf {
    let abs = lexical_absolute(base, dir);
    std::fs::canonicalize(&abs).unwrap_or(abs)
}

fn list(dirs: &[PathBuf]) -> String {
    if dirs.is_empty() {
        "(none)".into()
    } else {
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Sandbox {
    /// `base` is the directory relative paths start from (the current
    /// directory when `None`).
    pub fn new(read: &[PathBuf], write: &[PathBuf], base: Option<&Path>) -> Sandbox {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let base = base.map_or(cwd.clone(), |b| canonical_dir(&cwd, b));
        Sandbox {
            read: read.iter().map(|d| canonical_dir(&base, d)).collect(),
            write: write.iter().map(|d| canonical_dir(&base, d)).collect(),
            base,
        }
    }

    pub fn read_dirs(&self) -> &[PathBuf] {
        &self.read
    }

    pub fn write_dirs(&self) -> &[PathBuf] {
        &self.write
    }

    pub fn base(&self) -> &Path {
        &self.base
    }

    fn inside(dirs: &[PathBuf], p: &Path) -> bool {
        dirs.iter().any(|d| p.starts_with(d))
    }

    fn denied(&self, path: &str, resolved: &Path, how: &str, dirs: &[PathBuf]) -> RuntimeError {
        let gerund = if how == "read" { "reading" } else { "writing" };
        let via = if resolved.as_os_str().is_empty() {
            String::new()
        } else {
            format!(" (it resolves to {})", resolved.display())
        };
        RuntimeError::new(
            ErrorKind::Sandbox,
            format!(
                "cannot {how} `{path}`{via}: it is outside the directories allowed for {gerund}: {}",
                list(dirs)
            ),
        )
        .with_help(format!("allow its directory for {gerund}, or use a path inside one of them"))
    }

    /// Resolves a resource path (a model, tokenizer or data file the program
    /// names) against the search path: the first folder that has it wins.
    /// The real file must lie under a search folder or an allowed read folder.
    pub fn resolve_resource(
        &self,
        search: &[PathBuf],
        path: &str,
        what: &str,
        kind: ErrorKind,
    ) -> Result<PathBuf> {
        let p = Path::new(path);
        let candidates: Vec<PathBuf> = if p.is_absolute() {
            vec![p.to_path_buf()]
        } else {
            search.iter().map(|d| d.join(p)).collect()
        };
        for c in candidates {
            if !c.exists() {
                continue;
            }
            let real = std::fs::canonicalize(&c).map_err(|e| {
                RuntimeError::new(kind, format!("cannot open {what} `{path}`: {e}"))
            })?;
            if !(Self::inside(search, &real) || Self::inside(&self.read, &real)) {
                let dirs: Vec<PathBuf> = search.iter().chain(&self.read).cloned().collect();
                return Err(RuntimeError::new(
                    ErrorKind::Sandbox,
                    format!(
                        "cannot read {what} `{path}` (it resolves to {}): it is outside the model search path and the allowed directories: {}",
                        real.display(),
                        list(&dirs)
                    ),
                ));
            }
            return Ok(real);
        }
        Err(RuntimeError::new(
            kind,
            format!("{what} file `{path}` not found; searched: {}", list(search)),
        )
        .with_help(
            "put it next to the recipe, or add its folder to the model search path (--model-path)",
        ))
    }

    /// Checks a path for reading; returns the real path of the file.
    pub fn check_read(&self, path: &str) -> Result<PathBuf> {
        self.check_read_in(path, &[])
    }

    /// Like [`check_read`](Self::check_read), also allowing `extra` directories.
    pub fn check_read_in(&self, path: &str, extra: &[PathBuf]) -> Result<PathBuf> {
        let lexical = lexical_absolute(&self.base, Path::new(path));
        let ok = |p: &Path| Self::inside(&self.read, p) || Self::inside(extra, p);
        let all: Vec<PathBuf> = self.read.iter().chain(extra).cloned().collect();
        match std::fs::canonicalize(&lexical) {
            Ok(real) if ok(&real) => Ok(real),
            Ok(real) => Err(self.denied(path, &real, "read", &all)),
            Err(e) if ok(&lexical) => Err(RuntimeError::io(format!("cannot read `{path}`: {e}"))),
            Err(_) => Err(self.denied(path, Path::new(""), "read", &all)),
        }
    }

    /// Checks a path for writing; returns the path to write. The parent
    /// directory must exist; an existing symbolic link is judged by its target.
    pub fn check_write(&self, path: &str) -> Result<PathBuf> {
        let lexical = lexical_absolute(&self.base, Path::new(path));
        let name = lexical
            .file_name()
            .ok_or_else(|| RuntimeError::io(format!("cannot write `{path}`: it names no file")))?;
        let parent = lexical.parent().unwrap_or(Path::new("/"));
        let real_parent = match std::fs::canonicalize(parent) {
            Ok(p) => p,
            Err(e) if Self::inside(&self.write, parent) => {
                return Err(RuntimeError::io(format!(
                    "cannot write `{path}`: directory {} does not exist ({e})",
                    parent.display()
                )));
            }
            Err(_) => return Err(self.denied(path, Path::new(""), "write", &self.write)),
        };
        let target = real_parent.join(name);
        let is_link = std::fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink());
        let real = if is_link {
            std::fs::canonicalize(&target).map_err(|_| {
                self.denied(path, &target, "write", &self.write)
                    .with_help("it is a symbolic link whose target does not exist")
            })?
        } else {
            target
        };
        if Self::inside(&self.write, &real) {
            Ok(real)
        } else {
            Err(self.denied(path, &real, "write", &self.write))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical() {
        let p = lexical_absolute(Path::new("/a/b"), Path::new("../c/./d"));
        assert_eq!(p, PathBuf::from("/a/c/d"));
    }
}
