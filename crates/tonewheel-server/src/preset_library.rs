//! The preset library service: the search index over the catalogue, the measured facts
//! (descriptors and quality) of every preset, and how missing facts are measured, on demand
//! for a client or in the background by the warmer.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tonewheel_audio::BitDepth;

use crate::api::render_to_wav;
use crate::catalogue::{Catalogue, PresetEntry};
use crate::error::{ApiError, ServerError};
use crate::facts::{default_request, facts_of, FactoryFacts, FactsStore, PresetFacts};
use crate::previews::Priority;
use crate::search::lexicon::Lexicon;
use crate::search::{SearchDoc, SearchIndex, SearchQuery, SearchResult};
use crate::state::AppState;

/// The searchable text of a catalogue preset.
pub fn search_doc(entry: &PresetEntry) -> SearchDoc {
    SearchDoc {
        id: entry.id.clone(),
        name: entry.preset.name.clone(),
        role: entry.preset.role,
        tags: entry.preset.tags.clone(),
        description: entry.preset.description.clone(),
    }
}

/// Search index and facts of the catalogue.
#[derive(Debug)]
pub struct PresetLibrary {
    facts: FactsStore,
    index: RwLock<SearchIndex>,
    /// Facts recorded since the index last took them in.
    pending: AtomicU64,
}

impl PresetLibrary {
    /// Loads the lexicon, the factory facts and the disk cache `<data>/descriptors`, and
    /// indexes the catalogue.
    pub fn load(catalogue: &Catalogue, data_dir: &Path) -> Result<PresetLibrary, ServerError> {
        let lexicon = Lexicon::builtin().map_err(|source| ServerError::Lexicon { source })?;
        let docs: Vec<SearchDoc> = catalogue.entries().iter().map(search_doc).collect();
        let index = SearchIndex::build(&docs, Arc::new(lexicon));
        let facts = FactsStore::load(
            data_dir.join("descriptors"),
            catalogue,
            &FactoryFacts::builtin(),
        );
        let library = PresetLibrary {
            facts,
            index: RwLock::new(index),
            pending: AtomicU64::new(0),
        };
        library.refresh(catalogue);
        Ok(library)
    }

    /// The facts of `entry`, when measured.
    pub fn facts(&self, entry: &PresetEntry) -> Option<Arc<PresetFacts>> {
        self.facts.get(&entry.content_hash)
    }

    /// Presets of the catalogue with facts.
    pub fn described(&self, catalogue: &Catalogue) -> usize {
        catalogue
            .entries()
            .iter()
            .filter(|e| self.facts.get(&e.content_hash).is_some())
            .count()
    }

    /// Ranks the catalogue (a snapshot of the index: searches never wait for a refresh).
    pub fn search(&self, q: &SearchQuery) -> SearchResult {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner()).clone();
        index.rank(q)
    }

    /// Keeps newly measured facts (memory and disk); the index takes them in at the next
    /// [`PresetLibrary::refresh`].
    pub fn record(&self, entry: &PresetEntry, facts: PresetFacts) -> Arc<PresetFacts> {
        let facts = self.facts.insert(&entry.content_hash, facts);
        self.pending.fetch_add(1, Ordering::Relaxed);
        facts
    }

    /// Facts recorded since the last refresh.
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Rebuilds the index's descriptor percentiles and quality order from the facts.
    pub fn refresh(&self, catalogue: &Catalogue) {
        self.pending.store(0, Ordering::Relaxed);
        let facts: Vec<Option<Arc<PresetFacts>>> =
            catalogue.entries().iter().map(|e| self.facts(e)).collect();
        let descriptors: Vec<_> = facts
            .iter()
            .map(|f| f.as_ref().map(|f| &f.descriptors))
            .collect();
        let quality: Vec<_> = facts
            .iter()
            .map(|f| f.as_ref().map(|f| f.quality.overall_score))
            .collect();
        let current = self.index.read().unwrap_or_else(|p| p.into_inner()).clone();
        let next = current.with_measurements(&descriptors, &quality);
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = next;
    }
}

/// The preview cache key of `entry` at `note` for `duration_ms` (hex, digits and '-': it
/// names a file and can never leave the cache folder).
pub(crate) fn preview_key(entry: &PresetEntry, note: u8, duration_ms: u64) -> String {
    format!("{}-{note}-{duration_ms}", entry.content_hash)
}

/// The default preview's cache key and request of `entry`.
pub(crate) fn default_preview(entry: &PresetEntry) -> (String, tonewheel_synth::RenderRequest) {
    let request = default_request(&entry.preset);
    let duration_ms = (request.duration_s * 1000.0).round() as u64;
    (
        preview_key(entry, entry.preset.preview_note, duration_ms),
        request,
    )
}

/// How facts were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measured {
    /// Already known.
    Known,
    /// Measured while rendering the default preview into the cache.
    WithPreview,
    /// Measured from a render kept only in memory.
    Render,
}

/// Makes sure `id` has facts: known, or measured from its default preview (rendered into the
/// preview cache when `keep_preview`, else in memory only). Client measurements take a
/// render slot; background ones never do.
pub(crate) async fn ensure_facts(
    state: &AppState,
    id: &str,
    priority: Priority,
    keep_preview: bool,
) -> Result<(Arc<PresetFacts>, Measured), ApiError> {
    let entry = state
        .catalogue()
        .get(id)
        .ok_or_else(|| ApiError::preset_not_found(id))?;
    if let Some(f) = state.preset_library().facts(entry) {
        return Ok((f, Measured::Known));
    }
    let (key, request) = default_preview(entry);
    if keep_preview && !state.previews().contains(&key) {
        let render_state = state.clone();
        let owned = id.to_string();
        let render_request = request.clone();
        state
            .previews()
            .get_or_render_as(&key, priority, move |path| {
                let entry = render_state
                    .catalogue()
                    .get(&owned)
                    .ok_or_else(|| ApiError::preset_not_found(&owned))?;
                let result = render_to_wav(&entry.preset, &render_request, BitDepth::Int16, &path)?;
                let facts = facts_of(&entry.preset, &render_request, &result);
                render_state.preset_library().record(entry, facts);
                Ok::<(), ApiError>(())
            })
            .await?;
        if let Some(f) = state.preset_library().facts(entry) {
            return Ok((f, Measured::WithPreview));
        }
    }
    let slot = match priority {
        Priority::Client => state.render_slot().await,
        Priority::Background => None,
    };
    let render_state = state.clone();
    let owned = id.to_string();
    let facts = tokio::task::spawn_blocking(move || -> Result<Arc<PresetFacts>, ApiError> {
        let _slot = slot;
        let entry = render_state
            .catalogue()
            .get(&owned)
            .ok_or_else(|| ApiError::preset_not_found(&owned))?;
        let result = tonewheel_synth::render(&entry.preset, &request)
            .map_err(|e| ApiError::from_synth(e, ""))?;
        let facts = facts_of(&entry.preset, &request, &result);
        Ok(render_state.preset_library().record(entry, facts))
    })
    .await??;
    Ok((facts, Measured::Render))
}
