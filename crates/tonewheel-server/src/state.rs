//! [`AppState`]: what every handler shares (presets, preview cache, sample library, token,
//! start time).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::catalogue::Catalogue;
use crate::error::ServerError;
use crate::library::Library;
use crate::previews::PreviewCache;

/// Shared, cheaply clonable state of the server.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    catalogue: Catalogue,
    previews: PreviewCache,
    data_dir: PathBuf,
    token: Option<String>,
    started: Instant,
    analyzers: Vec<(&'static str, u32)>,
    render_slots: Arc<tokio::sync::Semaphore>,
    render_slots_total: usize,
    library: Library,
}

impl AppState {
    /// Loads the presets (factory + `user_presets`) and prepares the data folder (previews
    /// kept under `preview_cache_bytes`); `library` is the opened sample catalogue. Nothing is
    /// rendered here: start-up stays fast, previews render on first request.
    pub fn load(
        data_dir: &Path,
        user_presets: Option<&Path>,
        token: Option<String>,
        preview_cache_bytes: u64,
        library: Library,
    ) -> Result<Self, ServerError> {
        let catalogue = Catalogue::load(user_presets)?;
        std::fs::create_dir_all(data_dir).map_err(|source| ServerError::Folder {
            path: data_dir.display().to_string(),
            source,
        })?;
        let registry = tonewheel_analysis::engine::Registry::defaults();
        let analyzers = registry
            .analyzers()
            .map(|a| (a.name(), a.version()))
            .collect();
        // One render per core: more would only queue inside the OS scheduler while holding
        // their audio buffers in memory; extra requests wait here instead.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let render_slots = Arc::new(tokio::sync::Semaphore::new(cores));
        Ok(Self {
            inner: Arc::new(Inner {
                catalogue,
                previews: PreviewCache::new(
                    data_dir.join("previews"),
                    render_slots.clone(),
                    preview_cache_bytes,
                ),
                render_slots,
                render_slots_total: cores,
                library,
                data_dir: data_dir.to_path_buf(),
                token,
                started: Instant::now(),
                analyzers,
            }),
        })
    }

    /// The presets.
    pub fn catalogue(&self) -> &Catalogue {
        &self.inner.catalogue
    }

    /// The preview cache.
    pub fn previews(&self) -> &PreviewCache {
        &self.inner.previews
    }

    /// The data folder (previews, temporary renders).
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// The bearer token every request must carry, if any.
    pub fn token(&self) -> Option<&str> {
        self.inner.token.as_deref()
    }

    /// Seconds since the state was loaded.
    pub fn uptime_s(&self) -> f64 {
        self.inner.started.elapsed().as_secs_f64()
    }

    /// Waits for a render slot (one per core); renders hold it while they run.
    pub async fn render_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.inner.render_slots.clone().acquire_owned().await.ok()
    }

    /// Render slots in all, and how many are free right now.
    pub fn render_slots(&self) -> (usize, usize) {
        (
            self.inner.render_slots_total,
            self.inner.render_slots.available_permits(),
        )
    }

    /// The sample library: store, roots, uploads and waveforms.
    pub fn library(&self) -> &Library {
        &self.inner.library
    }

    /// Names and versions of the analysis engine's analyzers.
    pub fn analyzers(&self) -> &[(&'static str, u32)] {
        &self.inner.analyzers
    }
}
