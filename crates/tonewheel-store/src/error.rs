//! [`StoreError`]: why a catalogue operation failed, with what it was doing and where.

use std::path::PathBuf;

use thiserror::Error;

/// A failure of the catalogue.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL names no backend we support.
    #[error("unsupported database URL {url:?}: expected sqlite://PATH or postgres://...")]
    UnsupportedUrl {
        /// The URL given (credentials removed).
        url: String,
    },
    /// The data folder could not be created.
    #[error("cannot create data folder {path}: {source}")]
    DataFolder {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Connecting to the database failed.
    #[error("cannot open database {url}: {source}")]
    Connect {
        /// The URL (credentials removed).
        url: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// Bringing the schema up to date failed.
    #[error("cannot migrate database {url}: {source}")]
    Migrate {
        /// The URL (credentials removed).
        url: String,
        /// The migrator's error.
        source: sqlx::migrate::MigrateError,
    },
    /// A query failed.
    #[error("database error while {action}: {source}")]
    Query {
        /// What was being done (`importing /a/b.wav`, `searching files`).
        action: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// A stored JSON column did not parse (a bug or a hand-edited database).
    #[error("corrupt JSON in {table}.{column} (row {row}): {source}")]
    CorruptJson {
        /// Table.
        table: &'static str,
        /// Column.
        column: &'static str,
        /// Row key.
        row: String,
        /// The parser's error with its line and column.
        source: serde_json::Error,
    },
    /// A file could not be read for hashing.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A value given to the store is out of its range.
    #[error("invalid {field}: expected {expected}, found {found}")]
    Invalid {
        /// Which field (`key`, `bpm range`, `preset source`).
        field: &'static str,
        /// What is accepted.
        expected: &'static str,
        /// What was given.
        found: String,
    },
}

impl StoreError {
    /// A query error with what was being done.
    pub(crate) fn query(action: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StoreError {
        let action = action.into();
        move |source| StoreError::Query { action, source }
    }
}

/// `url` with any password replaced by `***`, for messages.
pub(crate) fn redact_url(url: &str) -> String {
    // scheme://user:password@host... -> scheme://user:***@host...
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((auth, host)) = rest.split_once('@') {
            if let Some((user, _password)) = auth.split_once(':') {
                return format!("{scheme}://{user}:***@{host}");
            }
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://me:secret@db:5432/x"),
            "postgres://me:***@db:5432/x"
        );
        assert_eq!(
            redact_url("postgres://me@127.0.0.1/x"),
            "postgres://me@127.0.0.1/x"
        );
        assert_eq!(redact_url("sqlite://a.db"), "sqlite://a.db");
    }
}
