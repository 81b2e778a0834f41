//! `GET /api/waveform/{file_id}`: the waveform of a catalogued file in BBC audiowaveform JSON
//! (version 2, 16-bit: the ~1000-pixel overview at top level, an `rms` array, and a `zoom`
//! object of about 8000 pixels or of exactly `samples_per_pixel`), from the analysis engine's
//! peaks analyzer, as `tonewheel analyze --peaks` writes it.
//!
//! Results are cached as `DATA/waveforms/<content-hash>[-<spp>].json`. A cached file is used
//! while it is newer than the audio; the peaks of a file whose bytes no longer match the
//! catalogued hash are served but not cached (they belong to no catalogued content).

use std::path::PathBuf;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tonewheel_analysis::engine::{Engine, ExtractOptions, Registry, OVERVIEW_POINTS};
use utoipa::IntoParams;

use super::analyze::{hash_on_pool, undecodable};
use super::audio::{file_body, file_missing, open_catalogued};
use super::body::query;
use super::files::file_id;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Finest zoom: 32 samples per pixel (below that a pixel is barely a peak; and a long file
/// would need millions of pixels).
pub const MIN_SAMPLES_PER_PIXEL: u64 = 32;
/// Coarsest zoom: 2^20 samples per pixel (about 22 s per pixel at 48 kHz).
pub const MAX_SAMPLES_PER_PIXEL: u64 = 1 << 20;

/// Zoom resolution of `GET /api/waveform/{file_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaveformParams {
    /// Samples per pixel of `zoom` (32..=1048576); about 8000 pixels per file when absent.
    pub samples_per_pixel: Option<String>,
}

fn samples_per_pixel(p: &WaveformParams) -> Result<Option<u64>, ApiError> {
    let Some(text) = p.samples_per_pixel.as_deref().map(str::trim) else {
        return Ok(None);
    };
    text.parse::<u64>()
        .ok()
        .filter(|n| (MIN_SAMPLES_PER_PIXEL..=MAX_SAMPLES_PER_PIXEL).contains(n))
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_parameter",
                format!(
                    "samples_per_pixel: expected a whole number \
                     {MIN_SAMPLES_PER_PIXEL}..={MAX_SAMPLES_PER_PIXEL}, found {text:?}"
                ),
            )
            .with_details(serde_json::json!({
                "parameter": "samples_per_pixel",
                "expected": format!("{MIN_SAMPLES_PER_PIXEL}..={MAX_SAMPLES_PER_PIXEL}"),
                "found": text,
            }))
        })
}

/// The cache file of a content hash at a zoom; `None` for a hash that is not lower-case hex
/// (a hand-edited catalogue must not pick a path).
fn cache_path(state: &AppState, hash: &str, spp: Option<u64>) -> Option<PathBuf> {
    if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let name = match spp {
        Some(n) => format!("{hash}-{n}.json"),
        None => format!("{hash}.json"),
    };
    Some(state.library().waveforms_dir().join(name))
}

fn json_response(body: axum::body::Body, len: Option<u64>) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(Ok(v)) = len.map(|n| HeaderValue::from_str(&n.to_string())) {
        headers.insert(header::CONTENT_LENGTH, v);
    }
    response
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename).
fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The waveform of a catalogued file (BBC audiowaveform JSON, version 2).
#[utoipa::path(get, path = "/api/waveform/{file_id}", tag = "library",
    params(("file_id" = i64, Path, description = "File id"), WaveformParams),
    responses((status = 200, description = "audiowaveform JSON: version, channels, sample_rate, samples_per_pixel, bits, length, data, rms, zoom", body = Object),
              (status = 400, description = "Bad id or samples_per_pixel", body = ErrorBody),
              (status = 404, description = "No such file, or no longer on disk", body = ErrorBody),
              (status = 422, description = "The file does not decode", body = ErrorBody)))]
pub async fn waveform(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<WaveformParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = file_id(id)?;
    let spp = samples_per_pixel(&query(params)?)?;
    let opened = open_catalogued(&state, id).await?;
    let cached = cache_path(&state, &opened.row.content_hash, spp);
    if let Some(path) = &cached {
        if let Ok(meta) = tokio::fs::metadata(path).await {
            let fresh = match (meta.modified(), opened.modified) {
                (Ok(cache_time), Some(audio_time)) => cache_time >= audio_time,
                _ => false,
            };
            if fresh {
                if let Ok(file) = tokio::fs::File::open(path).await {
                    return Ok(json_response(file_body(file, meta.len()), Some(meta.len())));
                }
            }
        }
    }
    let row = opened.row;
    let source = PathBuf::from(&row.path);
    drop(opened.file);
    let current_hash = hash_on_pool(source.clone()).await?;
    let slot = state.render_slot().await;
    let shown = row.file_name.clone();
    let read_from = source.clone();
    let computed = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let registry = Registry::defaults()
            .select(&["peaks"])
            .map_err(|e| ApiError::internal("peaks analyzer", &e))?;
        let mut engine = Engine::new(registry);
        engine.extract_options = ExtractOptions {
            overview_points: OVERVIEW_POINTS,
            samples_per_pixel: spp.map(|n| n as usize),
        };
        let report = engine.analyze_file(&read_from).map_err(|e| {
            let message = e.to_string();
            undecodable(&e, message)
        })?;
        let failed = report
            .analyzers
            .iter()
            .find(|a| a.name == "peaks" && a.status != "ok");
        if let Some(a) = failed {
            return Err(ApiError::internal(
                "peaks analyzer",
                &a.error.clone().unwrap_or_default(),
            ));
        }
        let peaks = report
            .results
            .iter()
            .find(|(name, _)| *name == "peaks")
            .map(|(_, v)| v)
            .ok_or_else(|| ApiError::internal("peaks analyzer", &"no result"))?;
        serde_json::to_vec(peaks).map_err(|e| ApiError::internal("peaks JSON", &e))
    })
    .await?;
    let bytes = match computed {
        Ok(b) => axum::body::Bytes::from(b),
        // The file vanished between opening and decoding.
        Err(e) if e.code == "undecodable" && !source.exists() => return Err(file_missing(&row)),
        Err(e) => {
            tracing::info!("waveform of {shown}: {}", e.message);
            return Err(e);
        }
    };
    if current_hash == row.content_hash {
        if let Some(path) = cached {
            // A cache that cannot be written costs a recomputation next time, nothing more.
            // (Cloning `Bytes` shares the buffer.)
            let bytes = bytes.clone();
            let written = tokio::task::spawn_blocking(move || write_atomic(&path, &bytes)).await?;
            if let Err(e) = written {
                tracing::warn!("cannot cache the waveform of file {}: {e}", row.id);
            }
        }
    }
    let len = bytes.len() as u64;
    Ok(json_response(axum::body::Body::from(bytes), Some(len)))
}
