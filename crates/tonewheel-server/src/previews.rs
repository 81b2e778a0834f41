//! Preview WAVs rendered on first request and kept on disk under
//! `<data>/previews/<content-hash>-<note>-<duration_ms>.wav`. Files are written atomically
//! (temporary file + rename); concurrent requests for the same key wait on one per-key lock,
//! so a preview is rendered once however many clients ask for it at the same time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use utoipa::ToSchema;

/// Counters of the preview cache, for `/status`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct CacheStats {
    /// Requests answered from a file already on disk.
    pub hits: u64,
    /// Previews rendered and written.
    pub renders: u64,
    /// Renders that failed.
    pub failures: u64,
    /// Keys being rendered right now.
    pub in_flight: u64,
    /// Files deleted to keep the folder under its size limit.
    pub evictions: u64,
}

/// Who a render is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// A client is waiting: the render takes one of the render slots (one per core).
    Client,
    /// Background warming: no slot, so a client never queues behind it; the warmer starts
    /// such renders only while no client render runs or waits ([`PreviewCache::idle`]).
    Background,
}

/// The disk cache of previews.
#[derive(Debug)]
pub struct PreviewCache {
    dir: PathBuf,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    render_slots: Arc<tokio::sync::Semaphore>,
    slot_count: usize,
    max_bytes: u64,
    evictions: Arc<AtomicU64>,
    hits: AtomicU64,
    renders: AtomicU64,
    failures: AtomicU64,
}

/// How a preview was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// Read from disk.
    Hit,
    /// Rendered by this request.
    Rendered,
}

impl PreviewCache {
    /// A cache in `dir` (created on first write) whose renders take a slot of
    /// `render_slots` each (shared with other render work, so renders never outnumber cores).
    /// The folder is kept under `max_bytes` by deleting the least recently written previews
    /// after each render (a client choosing many notes and durations cannot fill the disk).
    pub fn new(dir: PathBuf, render_slots: Arc<tokio::sync::Semaphore>, max_bytes: u64) -> Self {
        Self {
            dir,
            locks: Mutex::new(HashMap::new()),
            slot_count: render_slots.available_permits(),
            render_slots,
            max_bytes,
            evictions: Arc::new(AtomicU64::new(0)),
            hits: AtomicU64::new(0),
            renders: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        }
    }

    /// The folder of the files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `key` (keys are built by the server from hex, digits and '-', never from
    /// client text, so they cannot leave the folder).
    pub fn path_of(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.wav"))
    }

    /// The size limit of the folder, bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// True while no client render (preview or `POST /api/render`) runs or waits for a slot.
    pub fn idle(&self) -> bool {
        self.render_slots.available_permits() >= self.slot_count
    }

    /// True when `key`'s file is on disk.
    pub fn contains(&self, key: &str) -> bool {
        self.path_of(key).is_file()
    }

    /// Current counters.
    pub fn stats(&self) -> CacheStats {
        let in_flight = self.locks.lock().map(|m| m.len() as u64).unwrap_or(0);
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            renders: self.renders.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            in_flight,
            evictions: self.evictions.load(Ordering::Relaxed),
        }
    }

    /// The bytes of `key`'s file, rendering it with `render` (run on the blocking pool, given
    /// the final path to write atomically) when it is not on disk yet.
    pub async fn get_or_render<F, E>(&self, key: &str, render: F) -> Result<(Vec<u8>, Served), E>
    where
        F: FnOnce(PathBuf) -> Result<(), E> + Send + 'static,
        E: From<std::io::Error> + From<tokio::task::JoinError> + Send + 'static,
    {
        self.get_or_render_as(key, Priority::Client, render).await
    }

    /// [`PreviewCache::get_or_render`] for a client or for the background warmer.
    pub async fn get_or_render_as<F, E>(
        &self,
        key: &str,
        priority: Priority,
        render: F,
    ) -> Result<(Vec<u8>, Served), E>
    where
        F: FnOnce(PathBuf) -> Result<(), E> + Send + 'static,
        E: From<std::io::Error> + From<tokio::task::JoinError> + Send + 'static,
    {
        let path = self.path_of(key);
        if let Ok(bytes) = tokio::fs::read(&path).await {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok((bytes, Served::Hit));
        }
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            locks.entry(key.to_string()).or_default().clone()
        };
        let _guard = lock.lock().await;
        // Another request may have rendered it while this one waited.
        if let Ok(bytes) = tokio::fs::read(&path).await {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok((bytes, Served::Hit));
        }
        let outcome = self.render_locked(&path, priority, render).await;
        // The file exists (or the render failed) before the key leaves the map, so a newcomer
        // either finds the file or takes a fresh lock and tries again.
        self.locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
        outcome.map(|bytes| (bytes, Served::Rendered))
    }

    async fn render_locked<F, E>(
        &self,
        path: &Path,
        priority: Priority,
        render: F,
    ) -> Result<Vec<u8>, E>
    where
        F: FnOnce(PathBuf) -> Result<(), E> + Send + 'static,
        E: From<std::io::Error> + From<tokio::task::JoinError> + Send + 'static,
    {
        let result = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            let target = path.to_path_buf();
            let _slot = match priority {
                Priority::Client => Some(
                    self.render_slots
                        .acquire()
                        .await
                        .map_err(|e| std::io::Error::other(e.to_string()))?,
                ),
                Priority::Background => None,
            };
            let (dir, max_bytes, evictions) =
                (self.dir.clone(), self.max_bytes, self.evictions.clone());
            tokio::task::spawn_blocking(move || {
                render(target.clone())?;
                let removed = evict_oldest(&dir, max_bytes, &target);
                evictions.fetch_add(removed, Ordering::Relaxed);
                Ok::<(), E>(())
            })
            .await??;
            Ok(tokio::fs::read(path).await?)
        }
        .await;
        match &result {
            Ok(_) => self.renders.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.failures.fetch_add(1, Ordering::Relaxed),
        };
        result
    }
}

/// Deletes the oldest `*.wav` files of `dir` (never `keep`) until the folder holds at most
/// `max_bytes`; returns how many were deleted. Failures to list or delete are logged and
/// leave the files: the cache is an optimisation, a full one must not fail the request.
/// Total size of the `*.wav` files of `dir`, bytes (0 when it cannot be listed).
pub fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |items| {
        items
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "wav"))
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    })
}

fn evict_oldest(dir: &Path, max_bytes: u64, keep: &Path) -> u64 {
    let Ok(items) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = items
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "wav"))
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            let written = meta.modified().ok()?;
            Some((written, meta.len(), e.path()))
        })
        .collect();
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    if total <= max_bytes {
        return 0;
    }
    files.sort();
    let mut removed = 0;
    for (_, len, path) in files {
        if total <= max_bytes {
            break;
        }
        if path == keep {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => {
                total = total.saturating_sub(len);
                removed += 1;
            }
            Err(e) => tracing::warn!("cannot evict {}: {e}", path.display()),
        }
    }
    removed
}
