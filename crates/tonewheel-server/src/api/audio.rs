//! `GET /api/audio/{file_id}`: a catalogued file's bytes, found by id (never by a client
//! path), streamed from disk in chunks with its audio content type, an `ETag`, and HTTP Range
//! support so players can seek.

use std::io::SeekFrom;

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tonewheel_store::FileRow;

use super::files::{file_id, file_not_found};
use crate::error::{ApiError, ErrorBody};
use crate::range::{answer, RangeAnswer};
use crate::state::AppState;

/// Bytes read from disk per body chunk.
const CHUNK_BYTES: u64 = 64 * 1024;

/// The MIME type of a catalogued container format.
pub fn content_type_of(format: Option<&str>) -> &'static str {
    match format {
        Some("wav") => "audio/wav",
        Some("flac") => "audio/flac",
        Some("mp3") => "audio/mpeg",
        Some("ogg") => "audio/ogg",
        Some("mp4") => "audio/mp4",
        _ => "application/octet-stream",
    }
}

/// A catalogued file opened for reading, with its length and validator.
pub(crate) struct OpenedFile {
    /// The catalogue row.
    pub row: FileRow,
    /// The open file.
    pub file: tokio::fs::File,
    /// Its length now, bytes.
    pub len: u64,
    /// Its modification time, when the platform keeps one.
    pub modified: Option<std::time::SystemTime>,
}

/// 404 for a catalogued file whose path no longer holds a file.
pub(crate) fn file_missing(row: &FileRow) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "file_missing",
        format!(
            "file {} is catalogued but no longer on disk (moved or deleted)",
            row.id
        ),
    )
    .with_details(serde_json::json!({ "id": row.id }))
}

/// Opens catalogued file `id`: 404 `file_not_found` for an unknown id, 404 `file_missing`
/// when its path no longer holds a regular file.
pub(crate) async fn open_catalogued(state: &AppState, id: i64) -> Result<OpenedFile, ApiError> {
    let row = state
        .library()
        .store()
        .get_file_row(id)
        .await?
        .ok_or_else(|| file_not_found(id))?;
    let file = match tokio::fs::File::open(&row.path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(file_missing(&row)),
        Err(e) => return Err(ApiError::internal("opening a catalogued file", &e)),
    };
    let meta = file.metadata().await?;
    if !meta.is_file() {
        return Err(file_missing(&row));
    }
    Ok(OpenedFile {
        len: meta.len(),
        modified: meta.modified().ok(),
        row,
        file,
    })
}

/// The validator of a file's current bytes: the catalogued hash plus the length and
/// modification time now, so an edit on disk after cataloguing changes it too.
fn etag_of(opened: &OpenedFile) -> String {
    let hash = &opened.row.content_hash;
    let modified_ns = opened
        .modified
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!(
        "\"{}-{:x}-{modified_ns:x}\"",
        &hash[..hash.len().min(16)],
        opened.len
    )
}

/// True when an `If-None-Match` list holds `etag` or `*` (weak comparison, RFC 9110 13.1.2).
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
        })
}

/// A body of `len` bytes of `file` from where it is positioned, read in chunks as the client
/// takes them (memory per request is one chunk, whatever the file size).
pub(crate) fn file_body(file: tokio::fs::File, len: u64) -> Body {
    let stream = futures_util::stream::try_unfold((file, len), |(mut file, left)| async move {
        if left == 0 {
            return Ok::<_, std::io::Error>(None);
        }
        let mut buf = vec![0u8; left.min(CHUNK_BYTES) as usize];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            // The file shrank since its length was read: end the body short (the client
            // sees fewer bytes than Content-Length promised) rather than pad it.
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "file shrank while being served",
            ));
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), (file, left - n as u64))))
    });
    Body::from_stream(stream)
}

fn header_value(text: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(text).map_err(|e| ApiError::internal("header", &e))
}

/// The catalogued file's bytes (by id), whole or one byte range.
#[utoipa::path(get, path = "/api/audio/{file_id}", tag = "library",
    params(("file_id" = i64, Path, description = "File id"),
           ("Range" = Option<String>, Header, description = "One byte range: bytes=a-b, bytes=a- or bytes=-n")),
    responses((status = 200, description = "The whole file", content_type = "audio/*"),
              (status = 206, description = "The requested range, with Content-Range", content_type = "audio/*"),
              (status = 304, description = "Not modified (ETag matched)"),
              (status = 400, description = "The id is not a number", body = ErrorBody),
              (status = 404, description = "No such file (file_not_found), or no longer on disk (file_missing)", body = ErrorBody),
              (status = 416, description = "The range starts past the end", body = ErrorBody)))]
pub async fn audio(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = file_id(id)?;
    let mut opened = open_catalogued(&state, id).await?;
    let etag = etag_of(&opened);
    let mut common = HeaderMap::new();
    common.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    common.insert(header::ETAG, header_value(&etag)?);
    if none_match(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let range_header = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    // If-Range with another validator: the client's partial copy is stale, send it all.
    let stale_copy = headers
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() != etag);
    let len = opened.len;
    let range = if stale_copy {
        RangeAnswer::Whole
    } else {
        answer(range_header, len)
    };
    common.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type_of(opened.row.format.as_deref())),
    );
    match range {
        RangeAnswer::Whole => {
            common.insert(header::CONTENT_LENGTH, header_value(&len.to_string())?);
            Ok((StatusCode::OK, common, file_body(opened.file, len)).into_response())
        }
        RangeAnswer::Part { start, end } => {
            opened.file.seek(SeekFrom::Start(start)).await?;
            let part = end - start + 1;
            common.insert(header::CONTENT_LENGTH, header_value(&part.to_string())?);
            common.insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes {start}-{end}/{len}"))?,
            );
            Ok((
                StatusCode::PARTIAL_CONTENT,
                common,
                file_body(opened.file, part),
            )
                .into_response())
        }
        RangeAnswer::Unsatisfiable => {
            let mut response = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!("the range {range_header:?} lies outside the file's {len} bytes"),
            )
            .with_details(serde_json::json!({ "length_bytes": len }))
            .into_response();
            response.headers_mut().insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes */{len}"))?,
            );
            response
                .headers_mut()
                .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            Ok(response)
        }
    }
}
