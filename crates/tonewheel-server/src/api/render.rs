//! `POST /api/render`: render one note of a posted preset (or a catalogue preset) and answer
//! the WAV, or the level facts and quality assessment as JSON when the client asks for it.

use std::path::Path;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tonewheel_analysis::{assess_quality_with, QualityReport};
use tonewheel_audio::{write_wav, BitDepth, Dither, MusicalContext, WavOptions};
use tonewheel_synth::{Normalisation, Preset, RenderRequest, RenderResult};
use utoipa::ToSchema;

use super::body::{json_body, parse_note};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Longest render of this route, seconds (one request must not hold a core for long).
pub const MAX_RENDER_S: f64 = 30.0;

/// A note as a name (`C3`) or a MIDI number.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum NoteValue {
    /// MIDI note number.
    Number(u8),
    /// Note name.
    Name(String),
}

/// What to render: exactly one of `preset` and `preset_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenderBody {
    /// A preset document (validated like a preset file).
    #[schema(value_type = Option<Object>)]
    pub preset: Option<serde_json::Value>,
    /// The id of a catalogue preset.
    pub preset_id: Option<String>,
    /// Tempo, key, metre, tuning for tempo-synced stages and the assessment.
    #[schema(value_type = Option<Object>)]
    pub context: Option<MusicalContext>,
    /// Note; the preset's preview note when absent.
    pub note: Option<NoteValue>,
    /// Length in seconds (at most 30); the preset's preview length when absent.
    pub duration: Option<f64>,
    /// Velocity 1..127; the preset's preview velocity when absent.
    pub velocity: Option<u8>,
}

/// Level facts and quality of a render (`Accept: application/json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RenderReport {
    /// Preset name.
    pub preset: String,
    /// Length, seconds.
    pub duration_s: f64,
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Engine time, milliseconds.
    pub render_ms: f64,
    /// Sample peak after the safety stage, dBFS.
    pub peak_dbfs: f64,
    /// True peak after the safety stage, dBTP (None for silence).
    pub true_peak_dbtp: Option<f64>,
    /// Integrated loudness after the safety stage, LUFS (None for silence).
    pub integrated_lufs: Option<f64>,
    /// How the safety stage set the level.
    #[schema(value_type = Object)]
    pub normalisation: Normalisation,
    /// The analysis engine's quality assessment.
    #[schema(value_type = Object)]
    pub quality: QualityReport,
}

/// Renders and writes `path` atomically (temporary file + rename).
pub(crate) fn render_to_wav(
    preset: &Preset,
    request: &RenderRequest,
    depth: BitDepth,
    path: &Path,
) -> Result<RenderResult, ApiError> {
    let result =
        tonewheel_synth::render(preset, request).map_err(|e| ApiError::from_synth(e, ""))?;
    write_wav(
        path,
        &result.audio,
        &WavOptions {
            bit_depth: depth,
            dither: Dither::Tpdf { seed: preset.seed },
        },
    )
    .map_err(|e| ApiError::internal("write wav", &e))?;
    Ok(result)
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|m| m.split(';').next().unwrap_or("").trim() == "application/json")
        })
}

fn report(preset: &Preset, request: &RenderRequest, result: &RenderResult) -> RenderReport {
    // The safety stage measured before its gain; the gain shifts loudness and true peak by
    // exactly that many dB, so nothing needs measuring again (as in `tonewheel render`).
    let norm = &result.normalisation;
    let lufs = norm.integrated_lufs_before.map(|l| l + norm.gain_db);
    let tp = norm.true_peak_dbtp_before + norm.gain_db;
    let quality = assess_quality_with(
        &result.audio,
        preset.role,
        &request.context,
        &crate::facts::quality_options(preset, request),
    );
    RenderReport {
        preset: preset.name.clone(),
        duration_s: result.audio.duration_s(),
        sample_rate: result.audio.sample_rate(),
        render_ms: result.engine_ms,
        peak_dbfs: f64::from(result.audio.peak_dbfs()).max(-200.0),
        true_peak_dbtp: tp.is_finite().then_some(tp),
        integrated_lufs: lufs,
        normalisation: result.normalisation.clone(),
        quality,
    }
}

fn build_request(body: &RenderBody, preset: &Preset) -> Result<RenderRequest, ApiError> {
    let mut request = RenderRequest::preview(preset);
    if let Some(context) = &body.context {
        request.context = context.clone();
    }
    match &body.note {
        Some(NoteValue::Number(n)) => request.note = f64::from(parse_note(&n.to_string())?),
        Some(NoteValue::Name(name)) => request.note = f64::from(parse_note(name)?),
        None => {}
    }
    if let Some(d) = body.duration {
        if !(d > 0.0 && d <= MAX_RENDER_S) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_render_request",
                format!("duration {d}: expected 0 < duration <= {MAX_RENDER_S} seconds"),
            )
            .with_details(serde_json::json!({
                "pointer": "/duration", "expected": format!("0..={MAX_RENDER_S}"), "found": d
            })));
        }
        request.duration_s = d;
        request.hold_s = request.hold_s.min(d);
    }
    if let Some(v) = body.velocity {
        request.velocity = v;
    }
    Ok(request)
}

/// Renders one note: WAV (24-bit) by default, the level and quality report as JSON with
/// `Accept: application/json`.
#[utoipa::path(post, path = "/api/render", tag = "render", request_body = RenderBody,
    responses((status = 200, description = "WAV audio, or the report with Accept: application/json",
               content((Vec<u8> = "audio/wav"), (RenderReport = "application/json"))),
              (status = 400, description = "Malformed JSON or invalid preset (with JSON pointer)", body = ErrorBody),
              (status = 404, description = "No such preset id", body = ErrorBody),
              (status = 413, description = "Body larger than 1 MiB", body = ErrorBody),
              (status = 415, description = "Content type is not JSON", body = ErrorBody),
              (status = 422, description = "Render request out of range or unstable", body = ErrorBody)))]
pub async fn render(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: RenderBody = json_body(&headers, body)?;
    let preset = match (&body.preset, &body.preset_id) {
        (Some(doc), None) => Preset::from_json(&doc.to_string(), "request")
            .map_err(|e| ApiError::from_synth(e, "/preset"))?,
        (None, Some(id)) => state
            .catalogue()
            .get(id)
            .ok_or_else(|| ApiError::preset_not_found(id))?
            .preset
            .clone(),
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_render_request",
                "give exactly one of \"preset\" and \"preset_id\"",
            ))
        }
    };
    let request = build_request(&body, &preset)?;
    let json = wants_json(&headers);
    let tmp_root = state.data_dir().join("tmp");
    let slot = state.render_slot().await;
    let response = tokio::task::spawn_blocking(move || -> Result<Response, ApiError> {
        let _slot = slot;
        if json {
            let result = tonewheel_synth::render(&preset, &request)
                .map_err(|e| ApiError::from_synth(e, ""))?;
            return Ok(Json(report(&preset, &request, &result)).into_response());
        }
        std::fs::create_dir_all(&tmp_root)?;
        // A private folder: the file disappears with it, whatever happens below.
        let dir = tempfile::tempdir_in(&tmp_root)?;
        let path = dir.path().join("render.wav");
        render_to_wav(&preset, &request, BitDepth::Int24, &path)?;
        let bytes = std::fs::read(&path)?;
        Ok(([(header::CONTENT_TYPE, "audio/wav")], bytes).into_response())
    })
    .await??;
    Ok(response)
}
