//! Background warming: after start the server renders every preset's default preview, one
//! at a time, so that clicks find them on disk, and measures the facts (descriptors and
//! quality) of presets that have none, so that search ranks them by what they measure.
//!
//! It never delays a client: a warm render starts only while no client render runs or
//! waits for a render slot ([`PreviewCache::idle`](crate::previews::PreviewCache::idle)),
//! and it takes no slot itself, so a click arriving meanwhile starts at once (sharing the
//! CPU with at most one warm render). A client asking for the very preview being warmed
//! waits for that render instead of starting a second one. Presets without facts are
//! warmed first. Previews are written only while the cache folder holds less than
//! [`WARM_CACHE_SHARE`] of its limit, so warming never evicts what clients asked for; past
//! it the warmer only measures (rendering in memory).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use crate::preset_library::{default_preview, ensure_facts, Measured};
use crate::previews::{folder_bytes, Priority};
use crate::state::AppState;

/// Share of the preview cache's size limit that warming may fill.
pub const WARM_CACHE_SHARE: f64 = 0.5;
/// How often the warmer looks again while clients are rendering.
pub const IDLE_POLL: Duration = Duration::from_millis(20);
/// The search index takes new facts in after this many (and when warming ends).
pub const REFRESH_EVERY: u64 = 16;

/// Counters of the warmer.
#[derive(Debug, Default)]
pub struct WarmCounters {
    running: AtomicBool,
    finished: AtomicBool,
    warmed: AtomicU64,
    measured: AtomicU64,
    failures: AtomicU64,
}

/// What the warmer has done, for `/status`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarmStats {
    /// True while it works.
    pub running: bool,
    /// True once every preset was visited.
    pub finished: bool,
    /// Default previews on disk that the warmer rendered or found there.
    pub warmed_previews: u64,
    /// Presets whose facts the warmer measured.
    pub measured: u64,
    /// Presets that failed to render (logged).
    pub failures: u64,
    /// Presets of the catalogue with known facts (descriptors and quality).
    pub described: usize,
    /// Presets in the catalogue.
    pub presets: usize,
}

impl WarmCounters {
    /// A snapshot for `/status`.
    pub fn stats(&self, described: usize, presets: usize) -> WarmStats {
        WarmStats {
            running: self.running.load(Ordering::Relaxed),
            finished: self.finished.load(Ordering::Relaxed),
            warmed_previews: self.warmed.load(Ordering::Relaxed),
            measured: self.measured.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            described,
            presets,
        }
    }
}

/// Warms every preset (see the module documentation). Runs until done; the server aborts it
/// at shutdown.
pub async fn run(state: AppState) {
    let counters = state.warm_counters();
    counters.running.store(true, Ordering::Relaxed);
    let catalogue = state.catalogue();
    let library = state.preset_library();
    // Presets without facts first: search waits for them, clicks only for their preview.
    let mut order: Vec<&str> = catalogue.entries().iter().map(|e| e.id.as_str()).collect();
    order.sort_by_key(|id| catalogue.get(id).and_then(|e| library.facts(e)).is_some());
    let dir = state.previews().dir().to_path_buf();
    let mut cache_bytes = tokio::task::spawn_blocking(move || folder_bytes(&dir))
        .await
        .unwrap_or(0);
    let budget = (state.previews().max_bytes() as f64 * WARM_CACHE_SHARE) as u64;
    for id in order {
        while !state.previews().idle() {
            tokio::time::sleep(IDLE_POLL).await;
        }
        let Some(entry) = catalogue.get(id) else {
            continue;
        };
        let (key, _) = default_preview(entry);
        let on_disk = state.previews().contains(&key);
        let has_facts = library.facts(entry).is_some();
        if on_disk && has_facts {
            counters.warmed.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let room = cache_bytes < budget;
        let outcome = if has_facts {
            if !room {
                continue;
            }
            warm_preview(&state, id, &key).await
        } else {
            ensure_facts(&state, id, Priority::Background, room && !on_disk)
                .await
                .map(|(_, how)| {
                    if how != Measured::Known {
                        counters.measured.fetch_add(1, Ordering::Relaxed);
                    }
                    how == Measured::WithPreview || on_disk
                })
        };
        match outcome {
            Ok(warmed) => {
                if warmed {
                    counters.warmed.fetch_add(1, Ordering::Relaxed);
                    cache_bytes +=
                        std::fs::metadata(state.previews().path_of(&key)).map_or(0, |m| m.len());
                }
            }
            Err(e) => {
                counters.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("warming {id}: {}", e.message);
            }
        }
        if library.pending() >= REFRESH_EVERY {
            library.refresh(catalogue);
        }
    }
    if library.pending() > 0 {
        library.refresh(catalogue);
    }
    // What warming measured goes to the catalogue's presets table too.
    sync_store(&state).await;
    counters.finished.store(true, Ordering::Relaxed);
    counters.running.store(false, Ordering::Relaxed);
}

/// Renders the default preview of a preset whose facts are known (background priority).
async fn warm_preview(state: &AppState, id: &str, key: &str) -> Result<bool, crate::ApiError> {
    let render_state = state.clone();
    let owned = id.to_string();
    state
        .previews()
        .get_or_render_as(key, Priority::Background, move |path| {
            let entry = render_state
                .catalogue()
                .get(&owned)
                .ok_or_else(|| crate::ApiError::preset_not_found(&owned))?;
            let (_, request) = default_preview(entry);
            crate::api::render_to_wav(
                &entry.preset,
                &request,
                tonewheel_audio::BitDepth::Int16,
                &path,
            )
            .map(|_| ())
        })
        .await?;
    Ok(true)
}

/// Writes the presets table of the catalogue from what the server knows; a database error is
/// logged, never fatal (search and previews work from memory).
pub async fn sync_store(state: &AppState) {
    let result = crate::sync::sync_presets(
        state.library().store(),
        state.catalogue(),
        state.preset_library(),
    )
    .await;
    match result {
        Ok(n) => tracing::debug!("presets table: {n} rows written"),
        Err(e) => tracing::warn!("presets table not updated: {e}"),
    }
}
