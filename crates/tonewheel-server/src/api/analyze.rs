//! `POST /analyze`: analyse a file inside a library root and catalogue it; and the import
//! steps it shares with the upload route (analysis on the blocking pool under a render slot,
//! the store write, the answer).

use std::future::Future;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use tonewheel_analysis::engine::EngineError;
use tonewheel_store::{FileDetail, FileRecord, ImportOutcome};
use utoipa::ToSchema;

use super::body::json_body;
use crate::error::{ApiError, ErrorBody};
use crate::roots::PathRefused;
use crate::state::AppState;

/// The file to analyse.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeBody {
    /// Absolute path inside a library root, or a path relative to one (the first root
    /// holding it wins).
    pub file_path: String,
}

/// A catalogued file and what the import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportAnswer {
    /// The file with its summary, regions and every analyzer result.
    #[schema(value_type = Object)]
    pub file: FileDetail,
    /// `inserted` (new), `unchanged` (same content already catalogued: nothing analysed) or
    /// `replaced` (new content at a catalogued path: same id, user tags kept).
    pub action: &'static str,
}

/// The stable name of an import outcome.
pub(crate) fn action_name(outcome: ImportOutcome) -> &'static str {
    match outcome {
        ImportOutcome::Inserted { .. } => "inserted",
        ImportOutcome::Unchanged { .. } => "unchanged",
        ImportOutcome::Replaced { .. } => "replaced",
    }
}

/// Runs `work` as an import: in a task of its own holding the library's write guard, so
/// neither a client hanging up nor a server shutdown cuts it short (see [`crate::Library`]).
pub(crate) async fn detached<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, ApiError>> + Send + 'static,
{
    let guard = state.library().write_guard().await;
    tokio::spawn(async move {
        let _guard = guard;
        work.await
    })
    .await?
}

/// Decodes and analyses `read_from` with the import engine, on the blocking pool under a
/// render slot (analysis is CPU work like a render, and shares the same one-per-core limit).
pub(crate) async fn analyse(
    state: &AppState,
    read_from: PathBuf,
    stored_path: String,
    content_hash: String,
    display_name: Option<String>,
) -> Result<(FileRecord, Option<EngineError>), ApiError> {
    let engine = state.library().engine();
    let slot = state.render_slot().await;
    let done = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        tonewheel_store::analyze_to_record(
            &engine,
            &read_from,
            stored_path,
            content_hash,
            display_name,
        )
    })
    .await?;
    Ok(done)
}

/// The content hash of `path`, read on the blocking pool.
pub(crate) async fn hash_on_pool(path: PathBuf) -> Result<String, ApiError> {
    let hashed = tokio::task::spawn_blocking(move || tonewheel_store::hash_file(&path)).await?;
    hashed.map_err(|e| match &e {
        tonewheel_store::StoreError::Read { source, .. }
            if source.kind() == std::io::ErrorKind::PermissionDenied =>
        {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "permission_denied",
                "the server may not read this file",
            )
        }
        _ => ApiError::from(e),
    })
}

/// The id and stored content hash of `path` when it is catalogued with exactly `hash`.
pub(crate) async fn unchanged_id(
    state: &AppState,
    path: &str,
    hash: &str,
) -> Result<Option<i64>, ApiError> {
    Ok(state
        .library()
        .store()
        .lookup_path(path)
        .await?
        .filter(|(_, stored)| stored == hash)
        .map(|(id, _)| id))
}

/// Adds `tags` as user tags to file `id`, then reads the file back for the answer.
pub(crate) async fn finish(
    state: &AppState,
    outcome: ImportOutcome,
    tags: &[String],
) -> Result<ImportAnswer, ApiError> {
    let store = state.library().store();
    for tag in tags {
        store.add_tag(outcome.id(), tag).await?;
    }
    let file = store.get_file(outcome.id()).await?.ok_or_else(|| {
        ApiError::internal(
            "import",
            &format!("file {} vanished after its import", outcome.id()),
        )
    })?;
    Ok(ImportAnswer {
        file,
        action: action_name(outcome),
    })
}

/// 422 for a file the decoder refused, with its reason (`message` already says where).
pub(crate) fn undecodable(error: &EngineError, message: String) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "undecodable",
        message.clone(),
    )
    .with_details(serde_json::json!({
        "reason_code": tonewheel_store::engine_error_code(error),
        "reason": message,
    }))
}

fn refused(requested: &str, why: PathRefused) -> ApiError {
    let details = serde_json::json!({ "file_path": requested });
    match why {
        PathRefused::NoRoots => ApiError::new(
            StatusCode::FORBIDDEN,
            "outside_library",
            "this server has no library folders (start it with --library DIR), so it reads no \
             path; upload the file to /api/analyze/upload instead",
        ),
        PathRefused::Outside => ApiError::new(
            StatusCode::FORBIDDEN,
            "outside_library",
            format!("{requested:?} is not inside a library folder"),
        ),
        PathRefused::Invalid => ApiError::bad_request(
            "invalid_path",
            "file_path must be a non-empty path without NUL bytes",
        ),
        PathRefused::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "path_not_found",
            format!("no file at {requested:?} in the library"),
        ),
        PathRefused::NotAFile => ApiError::bad_request(
            "not_a_file",
            format!("{requested:?} is a folder, not a file"),
        ),
        PathRefused::Unreadable(reason) => {
            tracing::warn!("cannot resolve {requested:?}: {reason}");
            ApiError::new(
                StatusCode::FORBIDDEN,
                "permission_denied",
                format!("the server may not read {requested:?}"),
            )
        }
    }
    .with_details(details)
}

/// Analyses a file inside a library root and catalogues it (one transaction). A file already
/// catalogued with the same content is not analysed again. A file the decoder refuses is
/// still recorded (status `error`, with the reason), as `library import` does, and answered
/// 422.
#[utoipa::path(post, path = "/analyze", tag = "library", request_body = AnalyzeBody,
    responses((status = 200, description = "Catalogued", body = ImportAnswer),
              (status = 400, description = "Malformed body, or the path is a folder", body = ErrorBody),
              (status = 403, description = "Outside every library root, or no roots configured", body = ErrorBody),
              (status = 404, description = "No such file inside the roots", body = ErrorBody),
              (status = 415, description = "Content type is not JSON", body = ErrorBody),
              (status = 422, description = "Not decodable audio (recorded with status error)", body = ErrorBody)))]
pub async fn analyze(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportAnswer>, ApiError> {
    let body: AnalyzeBody = json_body(&headers, body)?;
    let path = state
        .library()
        .roots()
        .resolve(&body.file_path)
        .map_err(|why| refused(&body.file_path, why))?;
    let task_state = state.clone();
    detached(&state, async move {
        let state = task_state;
        let stored = path.display().to_string();
        let hash = hash_on_pool(path.clone()).await?;
        if let Some(id) = unchanged_id(&state, &stored, &hash).await? {
            let answer = finish(&state, ImportOutcome::Unchanged { id }, &[]).await?;
            let row = &answer.file.file;
            if row.status == tonewheel_store::FileStatus::Error {
                // Same bytes that failed before: the same 422, without decoding again.
                let message = row.error_text.clone().unwrap_or_default();
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "undecodable",
                    message.clone(),
                )
                .with_details(serde_json::json!({
                    "reason_code": row.error_code, "reason": message,
                    "file_id": id, "action": "unchanged",
                })));
            }
            return Ok(answer);
        }
        let (record, failure) = analyse(&state, path.clone(), stored, hash, None).await?;
        let outcome = state.library().store().import_file(&record).await?;
        if let Some(error) = failure {
            let message = error.to_string();
            let mut answer = undecodable(&error, message);
            answer.details["file_id"] = outcome.id().into();
            answer.details["action"] = action_name(outcome).into();
            return Err(answer);
        }
        finish(&state, outcome, &[]).await
    })
    .await
    .map(Json)
}

/// A path shown in messages in place of `temporary` (an upload's temporary file, whose name
/// means nothing to the client).
pub(crate) fn with_name_for(message: &str, temporary: &Path, name: &str) -> String {
    message.replace(&temporary.display().to_string(), name)
}
