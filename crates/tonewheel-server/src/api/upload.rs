//! `POST /api/analyze/upload`: a multipart upload (the audio in field `file`, optional
//! comma-separated `tags`) streamed to a temporary file in `DATA/uploads/` while it is hashed,
//! never held in memory; analysed there; kept as `DATA/uploads/<hash prefix>-<safe name>`
//! only when it decodes, and catalogued. A failed upload leaves no file and no row: the
//! temporary file deletes itself when dropped, whatever the exit path.

use std::path::{Path, PathBuf};

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::io::AsyncWriteExt;
use tonewheel_store::{ContentHasher, ImportOutcome};

use super::analyze::{
    analyse, detached, finish, unchanged_id, undecodable, with_name_for, ImportAnswer,
};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Longest safe file name kept in the stored name (the hash prefix comes on top).
pub const MAX_SAFE_NAME_CHARS: usize = 80;
/// Hex digits of the content hash that prefix a stored upload (64 bits: distinct contents
/// with the same client name never meet).
const HASH_PREFIX_CHARS: usize = 16;
/// Most bytes of a text field (`tags`, or a field this route ignores).
const MAX_TEXT_FIELD_BYTES: usize = 4096;
/// Most fields in one upload (the file, tags, and whatever a browser form adds).
const MAX_FIELDS: usize = 16;
/// Most user tags in one upload.
const MAX_TAGS: usize = 32;
/// Room for the multipart framing (boundaries, part headers, the small fields) on top of the
/// file itself when a declared `Content-Length` is judged before reading the body.
const MULTIPART_OVERHEAD_BYTES: u64 = (MAX_FIELDS * MAX_TEXT_FIELD_BYTES) as u64;

/// How long a refused upload's remaining body is read and discarded before the answer: a
/// client still sending when the server answers and closes sees a reset instead of the 413
/// (HTTP/1 has no other way to stop a body already on its way).
const DRAIN_MAX_S: u64 = 5;

/// Reads and discards the rest of a multipart body (the field being read, then every other),
/// for at most [`DRAIN_MAX_S`] seconds.
async fn drain(multipart: &mut Multipart) {
    let rest = async {
        while let Ok(Some(mut field)) = multipart.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(DRAIN_MAX_S), rest).await;
}

/// `name` reduced to `[A-Za-z0-9._-]`: every run of other characters becomes one `_`,
/// leading dots go (no hidden files, no `..`), and the stem is cut so the whole stays within
/// [`MAX_SAFE_NAME_CHARS`] with a short extension kept. Never empty (`upload`).
pub fn safe_file_name(name: &str) -> String {
    let mut reduced = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            reduced.push(c);
        } else if !reduced.ends_with('_') {
            reduced.push('_');
        }
    }
    let reduced = reduced.trim_start_matches('.');
    let (stem, ext) = match reduced.rsplit_once('.') {
        Some((s, e)) if !e.is_empty() && e.len() <= 8 && !s.is_empty() => (s, e),
        _ => (reduced, ""),
    };
    let room = MAX_SAFE_NAME_CHARS - if ext.is_empty() { 0 } else { ext.len() + 1 };
    // Every character is ASCII now, so byte lengths are character counts.
    let stem = &stem[..stem.len().min(room)];
    let out = if ext.is_empty() {
        stem.to_string()
    } else {
        format!("{stem}.{ext}")
    };
    if out.chars().all(|c| matches!(c, '_' | '.' | '-')) {
        "upload".to_string()
    } else {
        out
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("the upload exceeds {limit} bytes"),
    )
    .with_details(serde_json::json!({ "limit_bytes": limit }))
}

fn bad_multipart(e: MultipartError) -> ApiError {
    ApiError::bad_request(
        "malformed_multipart",
        format!("the multipart body is malformed: {}", e.body_text()),
    )
}

/// An uploaded file on disk, not yet kept: deleted when dropped.
struct Received {
    temp: tempfile::NamedTempFile,
    hash: String,
    client_name: Option<String>,
}

/// Streams the `file` field into a temporary file in `dir`, hashing as it goes; 413 (the
/// partial file deleted) once more than `limit` bytes arrive.
async fn receive_file(mut field: Field<'_>, dir: &Path, limit: u64) -> Result<Received, ApiError> {
    let client_name = field.file_name().map(str::to_string);
    let temp = tempfile::Builder::new().prefix(".tmp").tempfile_in(dir)?;
    let mut out = tokio::fs::File::from_std(temp.as_file().try_clone()?);
    let mut hasher = ContentHasher::new();
    while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
        if hasher.len_bytes() + chunk.len() as u64 > limit {
            return Err(too_large(limit));
        }
        hasher.update(&chunk);
        out.write_all(&chunk).await?;
    }
    out.flush().await?;
    Ok(Received {
        temp,
        hash: hasher.finish(),
        client_name,
    })
}

/// A small text field, at most [`MAX_TEXT_FIELD_BYTES`] (else 400 naming it).
async fn read_text(mut field: Field<'_>) -> Result<String, ApiError> {
    let name = field.name().unwrap_or("").to_string();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
        if bytes.len() + chunk.len() > MAX_TEXT_FIELD_BYTES {
            return Err(ApiError::bad_request(
                "field_too_large",
                format!("field {name:?} exceeds {MAX_TEXT_FIELD_BYTES} bytes"),
            )
            .with_details(serde_json::json!({ "field": name })));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|e| {
        ApiError::bad_request(
            "invalid_field",
            format!(
                "field {name:?} is not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ),
        )
        .with_details(serde_json::json!({ "field": name }))
    })
}

/// The user tags of a `tags` field: comma-separated, blanks dropped.
fn parse_tags(text: &str) -> Result<Vec<String>, ApiError> {
    let tags: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    if tags.len() > MAX_TAGS {
        return Err(ApiError::bad_request(
            "too_many_tags",
            format!("at most {MAX_TAGS} tags per upload, found {}", tags.len()),
        )
        .with_details(serde_json::json!({ "field": "tags", "limit": MAX_TAGS })));
    }
    Ok(tags)
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// Uploads, analyses and catalogues one audio file (multipart: field `file`, optional text
/// field `tags`). 201 when catalogued anew; 200 when the same content under the same name was
/// already there.
#[utoipa::path(post, path = "/api/analyze/upload", tag = "library",
    request_body(content_type = "multipart/form-data",
                 description = "Field `file`: the audio (its file name is the display name); optional field `tags`: comma-separated user tags"),
    responses((status = 201, description = "Catalogued", body = ImportAnswer),
              (status = 200, description = "Already catalogued (same content and name)", body = ImportAnswer),
              (status = 400, description = "No `file` field, malformed multipart, bad tags", body = ErrorBody),
              (status = 413, description = "Larger than the upload limit (--max-upload-mb)", body = ErrorBody),
              (status = 415, description = "Not multipart/form-data", body = ErrorBody),
              (status = 422, description = "Not decodable audio (nothing kept)", body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    if !is_multipart(&headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected Content-Type: multipart/form-data with the audio in field \"file\"",
        ));
    }
    let limit = state.library().max_upload_bytes();
    let mut multipart =
        multipart.map_err(|e| ApiError::bad_request("malformed_multipart", e.body_text()))?;
    // Judged before the first byte is read: a client that sent `Expect: 100-continue`
    // (curl does for large bodies) gets the 413 without uploading anything.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.saturating_add(MULTIPART_OVERHEAD_BYTES)) {
        let waits_to_send = headers
            .get(header::EXPECT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"));
        if !waits_to_send {
            drain(&mut multipart).await;
        }
        return Err(too_large(limit));
    }
    let uploads = state.library().uploads_dir().to_path_buf();
    let (received, tags) = match read_fields(&mut multipart, &uploads, limit).await {
        Ok(f) => f,
        Err(e) => {
            // Refused part-way (too large, a duplicate field...): let the client finish
            // sending so it can read the answer.
            drain(&mut multipart).await;
            return Err(e);
        }
    };
    let task_state = state.clone();
    let (status, answer) = detached(&state, async move {
        keep(&task_state, received, uploads, tags).await
    })
    .await?;
    Ok((status, Json(answer)).into_response())
}

/// The fields of an upload: the received file and the user tags.
async fn read_fields(
    multipart: &mut Multipart,
    uploads: &Path,
    limit: u64,
) -> Result<(Received, Vec<String>), ApiError> {
    let mut received: Option<Received> = None;
    let mut tags = Vec::new();
    let mut fields = 0;
    while let Some(field) = multipart.next_field().await.map_err(bad_multipart)? {
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(ApiError::bad_request(
                "too_many_fields",
                format!("at most {MAX_FIELDS} multipart fields"),
            ));
        }
        match field.name() {
            Some("file") if received.is_some() => {
                return Err(ApiError::bad_request(
                    "duplicate_file_field",
                    "send one file per upload (one field named \"file\")",
                ))
            }
            Some("file") => received = Some(receive_file(field, uploads, limit).await?),
            Some("tags") => tags = parse_tags(&read_text(field).await?)?,
            // Other fields a form may carry are read (bounded) and ignored.
            _ => {
                read_text(field).await?;
            }
        }
    }
    let received = received.ok_or_else(|| {
        ApiError::bad_request(
            "missing_file_field",
            "the upload has no field named \"file\" holding the audio",
        )
    })?;
    Ok((received, tags))
}

/// Analyses a received upload and, when it decodes, keeps and catalogues it.
async fn keep(
    state: &AppState,
    received: Received,
    uploads: PathBuf,
    tags: Vec<String>,
) -> Result<(StatusCode, ImportAnswer), ApiError> {
    let safe = safe_file_name(received.client_name.as_deref().unwrap_or(""));
    let kept = uploads.join(format!("{}-{safe}", &received.hash[..HASH_PREFIX_CHARS]));
    let stored = kept.display().to_string();
    if let Some(id) = unchanged_id(state, &stored, &received.hash).await? {
        let answer = finish(state, ImportOutcome::Unchanged { id }, &tags).await?;
        return Ok((StatusCode::OK, answer));
    }
    let shown = received.client_name.clone().unwrap_or_else(|| safe.clone());
    let (record, failure) = analyse(
        state,
        received.temp.path().to_path_buf(),
        stored,
        received.hash.clone(),
        received.client_name.clone(),
    )
    .await?;
    if let Some(error) = failure {
        let message = with_name_for(&error.to_string(), received.temp.path(), &shown);
        return Err(undecodable(&error, message));
    }
    // Kept only now that it decodes. An existing file of that name has the same hash prefix
    // and client name: the same upload, kept by an earlier request whose import failed.
    let created = match received.temp.persist_noclobber(&kept) {
        Ok(_) => true,
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => false,
        Err(e) => return Err(ApiError::from(e.error)),
    };
    let outcome = match state.library().store().import_file(&record).await {
        Ok(o) => o,
        Err(e) => {
            if created {
                let _ = tokio::fs::remove_file(&kept).await;
            }
            return Err(e.into());
        }
    };
    let answer = finish(state, outcome, &tags).await?;
    let status = match outcome {
        ImportOutcome::Inserted { .. } => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    Ok((status, answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_names_are_reduced_to_safe_characters() {
        assert_eq!(safe_file_name("Kick 01.wav"), "Kick_01.wav");
        assert_eq!(safe_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_file_name(".hidden.wav"), "hidden.wav");
        assert_eq!(safe_file_name("Кик — бочка.flac"), "_.flac");
        assert_eq!(safe_file_name(""), "upload");
        assert_eq!(safe_file_name("..."), "upload");
        assert_eq!(
            safe_file_name("C:\\Samples\\snare.wav"),
            "C_Samples_snare.wav"
        );
        let long = format!("{}.wav", "a".repeat(300));
        let safe = safe_file_name(&long);
        assert_eq!(safe.len(), MAX_SAFE_NAME_CHARS);
        assert!(safe.ends_with(".wav"));
        for name in ["a/b", "a\\b", "a\0b", "../x", "x\ny"] {
            let safe = safe_file_name(name);
            assert!(
                safe.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
                "{safe}"
            );
            assert!(!safe.starts_with('.'), "{safe}");
        }
    }

    #[test]
    fn tags_are_comma_separated_and_bounded() {
        assert_eq!(
            parse_tags(" dark, loop ,,Kick ").unwrap(),
            vec!["dark", "loop", "Kick"]
        );
        assert!(parse_tags("").unwrap().is_empty());
        let many = vec!["t"; MAX_TAGS + 1].join(",");
        assert_eq!(parse_tags(&many).unwrap_err().code, "too_many_tags");
    }
}
