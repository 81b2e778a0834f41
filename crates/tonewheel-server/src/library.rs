//! [`Library`]: the server's side of the sample catalogue. It owns the store (SQLite file in
//! the data folder, or PostgreSQL), the library roots `POST /analyze` may read, the uploads
//! and waveform folders, the import engine, and the guard that graceful shutdown waits on.
//!
//! **Shutdown and in-flight imports.** Every import runs in a task of its own (spawned, so a
//! client that hangs up does not cancel it half-way) holding a read half of
//! [`Library::write_guard`]. When the server stops, axum first finishes the requests in
//! progress; [`Library::drain`] then takes the write half, which waits for any import still
//! running (its client gone), so each one commits or rolls back its single transaction before
//! the store is closed. Nothing is ever left half-written: a file's rows are one transaction.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tonewheel_analysis::engine::Engine;
use tonewheel_store::{Store, StoreConfig};

use crate::error::ServerError;
use crate::roots::LibraryRoots;

/// Default size limit of one upload: 200 MB (about 20 minutes of 24-bit 48 kHz stereo).
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 200_000_000;

/// The catalogue side of the server's state.
#[derive(Debug)]
pub struct Library {
    store: Store,
    roots: LibraryRoots,
    uploads_dir: PathBuf,
    waveforms_dir: PathBuf,
    max_upload_bytes: u64,
    engine: Arc<Engine>,
    writes: Arc<tokio::sync::RwLock<()>>,
}

impl Library {
    /// Opens the store (`database_url`, else `DATA/tonewheel.db`), checks the library roots and
    /// prepares `DATA/uploads/` and `DATA/waveforms/`. Upload temporary files a killed server
    /// left behind are deleted here.
    pub async fn open(
        data_dir: &Path,
        database_url: Option<String>,
        library_roots: &[PathBuf],
        max_upload_bytes: u64,
    ) -> Result<Self, ServerError> {
        let folder_error = |path: &Path| {
            let path = path.display().to_string();
            move |source| ServerError::Folder { path, source }
        };
        std::fs::create_dir_all(data_dir).map_err(folder_error(data_dir))?;
        // Stored upload paths are absolute, like the paths `library import` stores.
        let data_dir = std::fs::canonicalize(data_dir).map_err(folder_error(data_dir))?;
        let roots =
            LibraryRoots::new(library_roots).map_err(|(path, source)| ServerError::Folder {
                path: path.display().to_string(),
                source,
            })?;
        let uploads_dir = data_dir.join("uploads");
        let waveforms_dir = data_dir.join("waveforms");
        for dir in [&uploads_dir, &waveforms_dir] {
            std::fs::create_dir_all(dir).map_err(folder_error(dir))?;
        }
        remove_stale_temporaries(&uploads_dir);
        let store = Store::open(&StoreConfig {
            data_dir: data_dir.clone(),
            database_url,
        })
        .await
        .map_err(|source| ServerError::Store { source })?;
        let engine =
            tonewheel_store::import_engine().map_err(|source| ServerError::Analyzers { source })?;
        Ok(Self {
            store,
            roots,
            uploads_dir,
            waveforms_dir,
            max_upload_bytes,
            engine: Arc::new(engine),
            writes: Arc::new(tokio::sync::RwLock::new(())),
        })
    }

    /// The catalogue.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The folders `POST /analyze` may read.
    pub fn roots(&self) -> &LibraryRoots {
        &self.roots
    }

    /// `DATA/uploads/` (absolute).
    pub fn uploads_dir(&self) -> &Path {
        &self.uploads_dir
    }

    /// `DATA/waveforms/` (absolute).
    pub fn waveforms_dir(&self) -> &Path {
        &self.waveforms_dir
    }

    /// Largest accepted upload, bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_bytes
    }

    /// The engine imports analyse with (the same analyzers as `library import`).
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.clone()
    }

    /// Held by every import while it runs (see the module comment).
    pub async fn write_guard(&self) -> tokio::sync::OwnedRwLockReadGuard<()> {
        self.writes.clone().read_owned().await
    }

    /// Waits until no import is running, then closes the store (SQLite checkpoints its WAL).
    pub async fn drain(&self) {
        let _all = self.writes.write().await;
        self.store.close().await;
    }
}

/// Deletes `.tmp*` files in the uploads folder: uploads in progress when a previous server
/// was killed. Failures are logged; they only cost disk space.
fn remove_stale_temporaries(uploads_dir: &Path) {
    let Ok(items) = std::fs::read_dir(uploads_dir) else {
        return;
    };
    for item in items.flatten() {
        let is_temp = item.file_name().to_string_lossy().starts_with(".tmp");
        if is_temp && item.file_type().is_ok_and(|t| t.is_file()) {
            if let Err(e) = std::fs::remove_file(item.path()) {
                tracing::warn!("cannot remove stale upload {}: {e}", item.path().display());
            }
        }
    }
}
