//! Board URLs: `sqlite://PATH` or `postgres://...` (also `postgresql://`).

use std::path::PathBuf;

use crate::error::{Error, ErrorKind, Result};

/// The board used when no `--board` is given and `OMEX_BOARD` is unset: a
/// SQLite file in the current directory.
pub const DEFAULT_BOARD: &str = "sqlite://omex-board.db";

/// Where a board lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardUrl {
    /// A SQLite file (created on first use).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, passed to the client as written.
    Postgres(String),
}

impl BoardUrl {
    pub fn parse(url: &str) -> Result<Self> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(Error::new(
                    ErrorKind::BadUrl,
                    format!("board URL `{url}` names no file"),
                )
                .with_help("write `sqlite://PATH`, e.g. `sqlite://board.db` or `sqlite:///var/lib/omex/board.db`"));
            }
            return Ok(BoardUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(BoardUrl::Postgres(url.to_string()));
        }
        let scheme = url.split_once("://").map(|(s, _)| s);
        let message = match scheme {
            Some(scheme) => format!("unsupported board URL scheme `{scheme}` in `{url}`"),
            None => format!("`{url}` is not a board URL"),
        };
        Err(Error::new(ErrorKind::BadUrl, message)
            .with_help("a board URL is `sqlite://PATH` or `postgres://USER@HOST:PORT/DATABASE`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_schemes() {
        assert_eq!(
            BoardUrl::parse("sqlite://a/b.db").unwrap(),
            BoardUrl::Sqlite("a/b.db".into())
        );
        assert_eq!(
            BoardUrl::parse("sqlite:///abs/b.db").unwrap(),
            BoardUrl::Sqlite("/abs/b.db".into())
        );
        assert!(matches!(
            BoardUrl::parse("postgresql://u@h/db").unwrap(),
            BoardUrl::Postgres(_)
        ));
    }

    #[test]
    fn rejects_others() {
        assert_eq!(BoardUrl::parse("mysql://x").unwrap_err().code(), "E0500");
        assert_eq!(BoardUrl::parse("board.db").unwrap_err().code(), "E0500");
        assert_eq!(BoardUrl::parse("sqlite://").unwrap_err().code(), "E0500");
    }
}
