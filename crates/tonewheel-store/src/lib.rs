//! The tonewheel catalogue: analysed audio files (path, content hash, facts, status), their
//! regions and per-analyzer results, a typed summary for filters (tempo, key, loudness,
//! duration), tags, and presets, in an embedded SQLite file by default or in PostgreSQL.
//!
//! Both backends run **the same migrations and the same queries** through sqlx's `Any`
//! driver: SQL is kept portable (numbered `$N` placeholders, which SQLite also accepts;
//! `BIGINT`, `DOUBLE PRECISION` and `TEXT` columns; JSON stored as text), and the only dialect
//! difference, the auto-increment key, is one token in the migration file. The test suite runs
//! against SQLite always and against PostgreSQL when `TONEWHEEL_TEST_POSTGRES_URL` is set.
//!
//! [`Store`] is a cloneable handle on a connection pool; every method is async (tokio). One
//! file's writes happen in one transaction, so a failed or interrupted import leaves nothing
//! half-written; re-importing unchanged content is skipped, changed content replaces the old
//! results.
//!
//! It must never: print, panic on stored data (a corrupt JSON column is a typed error naming
//! table, column and row), build SQL from user text (user values are always bound parameters),
//! or put a password into an error message.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use tonewheel_store::{FileOutcome, FileQuery, FileRecord, Store, StoreConfig};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = Store::open(&StoreConfig::resolve(Some(dir.path().to_path_buf()), None)).await.unwrap();
//! let record = FileRecord {
//!     path: "/samples/broken.wav".into(),
//!     display_name: None,
//!     content_hash: tonewheel_store::hash_bytes(b"not audio"),
//!     format: None, duration_s: None, sample_rate: None, channels: None,
//!     outcome: FileOutcome::Error { code: "corrupt".into(), message: "no RIFF header".into() },
//! };
//! let first = store.import_file(&record).await.unwrap();
//! assert!(matches!(first, tonewheel_store::ImportOutcome::Inserted { .. }));
//! let again = store.import_file(&record).await.unwrap();
//! assert!(matches!(again, tonewheel_store::ImportOutcome::Unchanged { .. }));
//! let found = store.search_files(&FileQuery { text: Some("broken".into()), ..Default::default() }).await.unwrap();
//! assert_eq!(found[0].error_code.as_deref(), Some("corrupt"));
//! store.close().await;
//! # });
//! ```

mod error;
mod files;
mod hash;
mod ingest;
mod migrate;
mod presets;
mod records;
mod report;
mod search;
mod store;

pub use error::StoreError;
pub use hash::{hash_bytes, hash_file, ContentHasher};
pub use ingest::{analyze_to_record, engine_error_code, import_engine, import_registry};
pub use migrate::migration_sql;
pub use presets::{PresetQuery, PresetRecord, PresetSource};
pub use records::{
    AnalyzerResult, FileDetail, FileOutcome, FileRecord, FileRow, FileStatus, ImportOutcome,
    RegionKind, RegionRecord, StoredRegion, Summary, Tag, TagSource,
};
pub use report::{outcome_from_report, role_tags_from_name};
pub use search::{
    FileQuery, FileSort, KeyCount, KeyFilter, LibraryStats, Range, TempoCount, MAX_LIMIT,
};
pub use store::{Backend, Store, StoreConfig, DATABASE_FILE, DATABASE_URL_ENV, DEFAULT_DATA_DIR};
