//! [`Store`]: the cloneable handle on the catalogue database, and how it is opened: an
//! embedded SQLite file in the data folder by default, PostgreSQL when a URL says so.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::{Any, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Transaction};

use crate::error::{redact_url, StoreError};
use crate::migrate::migrator;

/// Data folder used when none is given.
pub const DEFAULT_DATA_DIR: &str = "tonewheel-data";
/// The SQLite file inside the data folder.
pub const DATABASE_FILE: &str = "tonewheel.db";
/// Environment variable naming a PostgreSQL URL (the `--database-url` flag wins over it).
pub const DATABASE_URL_ENV: &str = "TONEWHEEL_DATABASE_URL";

/// SQLite allows one writer at a time; a few connections let reads run beside it (WAL).
const SQLITE_MAX_CONNECTIONS: u32 = 4;
/// PostgreSQL pool size for one process (the server and import workers share it).
const POSTGRES_MAX_CONNECTIONS: u32 = 8;
/// How long to wait for a free pooled connection before failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// The backend a URL names, if supported.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Where the catalogue lives: a data folder (for the SQLite file) and an optional database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// The data folder; the SQLite file is `DATA/tonewheel.db`.
    pub data_dir: PathBuf,
    /// A database URL (`postgres://…` or `sqlite://PATH`) used instead of the SQLite file.
    pub database_url: Option<String>,
}

impl StoreConfig {
    /// The configuration from command-line values: `database_url` if given, else the
    /// `TONEWHEEL_DATABASE_URL` environment variable if set and not empty, else the SQLite file in
    /// `data_dir` (default `./tonewheel-data`).
    pub fn resolve(data_dir: Option<PathBuf>, database_url: Option<String>) -> StoreConfig {
        let database_url = database_url.or_else(|| {
            std::env::var(DATABASE_URL_ENV)
                .ok()
                .filter(|u| !u.trim().is_empty())
        });
        StoreConfig {
            data_dir: data_dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            database_url,
        }
    }

    /// A short description for messages: the SQLite file or the redacted URL.
    pub fn describe(&self) -> String {
        match &self.database_url {
            Some(url) => redact_url(url),
            None => self.data_dir.join(DATABASE_FILE).display().to_string(),
        }
    }
}

/// A handle on the catalogue. Cheap to clone (a pooled connection set shared by all clones);
/// every method is async and can be called from many tasks at once.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens the catalogue `config` names, creating and migrating it on first use.
    pub async fn open(config: &StoreConfig) -> Result<Store, StoreError> {
        match &config.database_url {
            Some(url) => Store::connect(url).await,
            None => {
                std::fs::create_dir_all(&config.data_dir).map_err(|source| {
                    StoreError::DataFolder {
                        path: config.data_dir.clone(),
                        source,
                    }
                })?;
                Store::open_sqlite_file(&config.data_dir.join(DATABASE_FILE)).await
            }
        }
    }

    /// Opens (creating if missing) a SQLite catalogue file, in WAL mode, and migrates it.
    pub async fn open_sqlite_file(path: &Path) -> Result<Store, StoreError> {
        // Built through the SQLite options so any path (spaces, '?', '#') is encoded right.
        let url = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .to_url_lossy()
            .to_string();
        Store::connect(&url).await
    }

    /// Connects to `url` (`sqlite://PATH?mode=rwc` or `postgres://…`) and migrates the schema.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url).ok_or_else(|| StoreError::UnsupportedUrl {
            url: redact_url(url),
        })?;
        let max = match backend {
            Backend::Sqlite => SQLITE_MAX_CONNECTIONS,
            Backend::Postgres => POSTGRES_MAX_CONNECTIONS,
        };
        let connect_error = |source| StoreError::Connect {
            url: redact_url(url),
            source,
        };
        // One direct connection first: a pool retries until its acquire timeout and then
        // reports only "timed out", hiding "connection refused" or "password authentication
        // failed", which is what the user needs to see.
        let probe = AnyConnection::connect(url).await.map_err(connect_error)?;
        probe.close().await.map_err(connect_error)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await
            .map_err(connect_error)?;
        if backend == Backend::Sqlite {
            // WAL lets readers run while an import writes, and survives a crash mid-write;
            // it is a property of the file, so setting it once per open is enough.
            // A file system without WAL support (some network mounts) answers with the mode
            // it kept: slower, still correct, so the answer is not checked here
            // (`journal_mode()` reports it).
            sqlx::query_scalar::<Any, String>("PRAGMA journal_mode = WAL")
                .fetch_one(&pool)
                .await
                .map_err(connect_error)?;
        }
        migrator(backend)
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                url: redact_url(url),
                source,
            })?;
        Ok(Store { pool, backend })
    }

    /// The database engine behind this handle.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite journal mode (`wal` for catalogue files); `None` on PostgreSQL.
    pub async fn journal_mode(&self) -> Result<Option<String>, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let mode = sqlx::query_scalar::<Any, String>("PRAGMA journal_mode")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::query("reading the journal mode"))?;
        Ok(Some(mode))
    }

    /// Waits for every pooled connection to close (call before the process exits so SQLite
    /// checkpoints its WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later cannot
    /// wait for another writer and fails with "database is locked" instead; taking the lock up
    /// front makes concurrent writers queue (up to the busy timeout).
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }
}
