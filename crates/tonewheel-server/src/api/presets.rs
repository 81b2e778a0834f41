//! Preset routes: search and list, one preset, and its cached audio preview.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tonewheel_audio::BitDepth;
use tonewheel_synth::RenderRequest;
use utoipa::{IntoParams, ToSchema};

use super::body::{parse_note, query};
use super::render::render_to_wav;
use crate::catalogue::{PresetEntry, PresetSource};
use crate::error::{ApiError, ErrorBody};
use crate::facts::{PresetFacts, QualitySummary};
use crate::preset_library::{ensure_facts, preview_key};
use crate::previews::Priority;
use crate::search::{SearchQuery, SearchResult};
use crate::state::AppState;

/// Shortest preview, seconds (shorter is not worth a file).
pub const MIN_PREVIEW_S: f64 = 0.05;
/// Longest preview, seconds: previews are for auditioning, and each key is a file on disk.
pub const MAX_PREVIEW_S: f64 = 30.0;
/// Browsers may reuse a preview for an hour; the ETag revalidates it after that.
const PREVIEW_CACHE_CONTROL: &str = "public, max-age=3600";

/// Search and paging parameters of `GET /api/presets`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Words ranked by semantic search: text (name, tags, description; stems, synonyms,
    /// typos) combined with measured descriptors; role words (`pad`, `basses`) filter.
    pub query: Option<String>,
    /// Role (`bass`, `pad`, `kick`, ...).
    pub role: Option<String>,
    /// One tag, matched whole.
    pub tag: Option<String>,
    /// At most this many presets (all when absent).
    pub limit: Option<usize>,
    /// Skip this many matches first.
    pub offset: Option<usize>,
}

/// The searchable facts of a preset.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetSummary {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Musical role.
    pub role: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Description.
    pub description: String,
    /// Factory or user.
    pub source: PresetSource,
}

/// One search result: the summary, the scores (with a query) and the descriptors (when
/// measured).
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetHit {
    /// Searchable facts.
    #[serde(flatten)]
    pub summary: PresetSummary,
    /// Final score 0..1 (with a query).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// Text part of the score, 0..1 (with a query).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_score: Option<f32>,
    /// Descriptor part of the score, 0..1 (when the query has descriptor words and the
    /// preset is measured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub descriptor_score: Option<f32>,
    /// Acoustic descriptors of the default preview, when measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub descriptors: Option<tonewheel_analysis::Descriptors>,
}

/// A typo correction made while reading the query.
#[derive(Debug, Serialize, ToSchema)]
pub struct Correction {
    /// As typed.
    pub typed: String,
    /// Read as (several words joined by `|`).
    pub read_as: String,
}

/// How the query was read.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueryReading {
    /// Roles named by role words (they filter unless `role` is given).
    pub roles: Vec<String>,
    /// Typo corrections.
    pub corrections: Vec<Correction>,
    /// Words that matched nothing.
    pub ignored: Vec<String>,
}

/// One page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetList {
    /// Matches before paging.
    pub total: usize,
    /// This page, best first.
    pub presets: Vec<PresetHit>,
    /// How the query was read (with a query).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<QueryReading>,
}

/// A preset with its summary and preview facts.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetDetail {
    /// Searchable facts.
    pub summary: PresetSummary,
    /// Hash naming its cached previews.
    pub content_hash: String,
    /// Default preview note (MIDI).
    pub preview_note: u8,
    /// Default preview length, seconds.
    pub preview_duration_s: f64,
    /// Number of DSP stages.
    pub stage_count: usize,
    /// The preset JSON as written.
    #[schema(value_type = Object)]
    pub preset: serde_json::Value,
    /// The quality gate's verdict on the default preview (null if it could not render).
    pub quality: Option<QualitySummary>,
    /// Acoustic descriptors of the default preview (null if it could not render).
    #[schema(value_type = Option<Object>)]
    pub descriptors: Option<tonewheel_analysis::Descriptors>,
}

/// Parameters of the audio preview.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AudioParams {
    /// Note name (`C3`) or MIDI number; the preset's preview note when absent.
    pub note: Option<String>,
    /// Length in seconds (0.05..=30); the preset's preview length when absent.
    pub duration: Option<f64>,
}

fn summary(e: &PresetEntry) -> PresetSummary {
    PresetSummary {
        id: e.id.clone(),
        name: e.preset.name.clone(),
        role: e.preset.role.name().to_string(),
        tags: e.preset.tags.clone(),
        description: e.preset.description.clone(),
        source: e.source,
    }
}

/// Presets matching the query and filters, best first.
#[utoipa::path(get, path = "/api/presets", tag = "presets", params(ListParams),
    responses((status = 200, description = "Matching presets", body = PresetList),
              (status = 400, description = "Invalid parameter", body = ErrorBody)))]
pub async fn list_presets(
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<PresetList>, ApiError> {
    let p = query(params)?;
    if let Some(role) = p.role.as_deref().filter(|r| !r.is_empty()) {
        if role.parse::<tonewheel_audio::Role>().is_err() {
            let roles: Vec<&str> = tonewheel_audio::Role::ALL
                .iter()
                .map(|r| r.name())
                .collect();
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("role \"{role}\": expected one of {}", roles.join(", ")),
            )
            .with_details(
                serde_json::json!({ "parameter": "role", "expected": roles, "found": role }),
            ));
        }
    }
    let has_query = p.query.as_deref().is_some_and(|q| !q.trim().is_empty());
    let result = state.preset_library().search(&SearchQuery {
        query: p.query,
        role: p.role,
        tag: p.tag,
    });
    let total = result.hits.len();
    let catalogue = state.catalogue();
    let presets = result
        .hits
        .iter()
        .skip(p.offset.unwrap_or(0))
        .take(p.limit.unwrap_or(usize::MAX))
        .filter_map(|h| {
            let e = catalogue.entries().get(h.doc)?;
            let facts = state.preset_library().facts(e);
            let scored = result.ranked;
            Some(PresetHit {
                summary: summary(e),
                score: scored.then_some(h.score),
                text_score: scored.then_some(h.text_score),
                descriptor_score: h.descriptor_score,
                descriptors: facts.map(|f| f.descriptors.clone()),
            })
        })
        .collect();
    Ok(Json(PresetList {
        total,
        presets,
        reading: has_query.then(|| reading(&result)),
    }))
}

fn reading(result: &SearchResult) -> QueryReading {
    QueryReading {
        roles: result.roles.iter().map(|r| r.name().to_string()).collect(),
        corrections: result
            .corrections
            .iter()
            .map(|(typed, read_as)| Correction {
                typed: typed.clone(),
                read_as: read_as.clone(),
            })
            .collect(),
        ignored: result.ignored.clone(),
    }
}

/// One preset: its JSON, summary, quality and descriptors (measured from the default
/// preview: built in for factory presets, rendered on first request for the others).
#[utoipa::path(get, path = "/api/presets/{id}", tag = "presets",
    params(("id" = String, Path, description = "Preset id")),
    responses((status = 200, description = "The preset", body = PresetDetail),
              (status = 404, description = "No such preset", body = ErrorBody)))]
pub async fn get_preset(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PresetDetail>, ApiError> {
    let e = state
        .catalogue()
        .get(&id)
        .ok_or_else(|| ApiError::preset_not_found(&id))?;
    let facts: Option<std::sync::Arc<PresetFacts>> =
        match ensure_facts(&state, &id, Priority::Client, true).await {
            Ok((facts, how)) => {
                if how != crate::preset_library::Measured::Known {
                    state.preset_library().refresh(state.catalogue());
                }
                Some(facts)
            }
            Err(err) => {
                // The preset itself is still worth showing: its JSON is fine, only the
                // render failed (an unstable stage, say); the facts stay null.
                tracing::warn!("measuring {id}: {}", err.message);
                None
            }
        };
    Ok(Json(PresetDetail {
        summary: summary(e),
        content_hash: e.content_hash.clone(),
        preview_note: e.preset.preview_note,
        preview_duration_s: e.preset.preview_duration_s,
        stage_count: e.preset.stages.len(),
        preset: e.json.clone(),
        quality: facts.as_ref().map(|f| f.quality.clone()),
        descriptors: facts.as_ref().map(|f| f.descriptors.clone()),
    }))
}

/// One note of the preset as a 16-bit WAV, rendered on first request and then served from
/// the disk cache; `ETag` + `If-None-Match` give 304.
#[utoipa::path(get, path = "/api/presets/{id}/audio", tag = "presets",
    params(("id" = String, Path, description = "Preset id"), AudioParams),
    responses((status = 200, description = "WAV audio", content_type = "audio/wav"),
              (status = 304, description = "Not modified (ETag matched)"),
              (status = 400, description = "Invalid note or duration", body = ErrorBody),
              (status = 404, description = "No such preset", body = ErrorBody),
              (status = 422, description = "The preset cannot render", body = ErrorBody)))]
pub async fn preset_audio(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Result<Query<AudioParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = query(params)?;
    let entry = state
        .catalogue()
        .get(&id)
        .ok_or_else(|| ApiError::preset_not_found(&id))?;
    let note = match &p.note {
        Some(text) => parse_note(text)?,
        None => entry.preset.preview_note,
    };
    let mut request = RenderRequest::preview(&entry.preset);
    if let Some(d) = p.duration {
        if !(MIN_PREVIEW_S..=MAX_PREVIEW_S).contains(&d) {
            return Err(ApiError::bad_request(
                "invalid_duration",
                format!("duration {d}: expected {MIN_PREVIEW_S}..={MAX_PREVIEW_S} seconds"),
            )
            .with_details(serde_json::json!({
                "expected": format!("{MIN_PREVIEW_S}..={MAX_PREVIEW_S}"), "found": d
            })));
        }
        request.duration_s = d;
    }
    // Whole milliseconds name the file, so the render uses exactly what the name says.
    let duration_ms = (request.duration_s * 1000.0).round() as u64;
    request.duration_s = duration_ms as f64 / 1000.0;
    request.hold_s = request.hold_s.min(request.duration_s);
    request.note = f64::from(note);

    let key = preview_key(entry, note, duration_ms);
    let etag = format!("\"{key}\"");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            // Weak comparison (RFC 9110 §13.1.2): a `W/` prefix does not change the match.
            v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
        });
    if matches {
        // Renders are deterministic: the same key always has the same bytes.
        return Ok(with_cache_headers(
            StatusCode::NOT_MODIFIED.into_response(),
            &etag,
        ));
    }
    let render_state = state.clone();
    let (bytes, _) = state
        .previews()
        .get_or_render(&key, move |path| {
            let entry = render_state
                .catalogue()
                .get(&id)
                .ok_or_else(|| ApiError::preset_not_found(&id))?;
            render_to_wav(&entry.preset, &request, BitDepth::Int16, &path).map(|_| ())
        })
        .await?;
    let mut response = ([(header::CONTENT_TYPE, "audio/wav")], bytes).into_response();
    response = with_cache_headers(response, &etag);
    Ok(response)
}

fn with_cache_headers(mut response: Response, etag: &str) -> Response {
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PREVIEW_CACHE_CONTROL),
    );
    response
}
