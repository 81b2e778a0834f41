//! Reading request input without trusting it: content type, size, JSON syntax and shape are
//! checked, and every failure becomes an [`ApiError`] with the position and the reason.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::Query;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The JSON body as `T`: 415 unless the content type is JSON, 413 past the body limit, 400
/// with line, column and JSON pointer when the text is not JSON or does not fit `T`.
pub fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/json" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected Content-Type: application/json",
        )
        .with_details(serde_json::json!({ "found": content_type })));
    }
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the request body exceeds {} bytes", super::MAX_BODY_BYTES),
            )
            .with_details(serde_json::json!({ "limit_bytes": super::MAX_BODY_BYTES }))
        } else {
            ApiError::bad_request("unreadable_body", rejection.body_text())
        }
    })?;
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(malformed)?;
    de.end().map_err(|e| {
        ApiError::bad_request("malformed_json", format!("invalid JSON body: {e}")).with_details(
            serde_json::json!({ "pointer": "", "line": e.line(), "column": e.column() }),
        )
    })?;
    Ok(value)
}

fn malformed(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let pointer = pointer_of(&e.path().to_string());
    let inner = e.into_inner();
    let code = if inner.is_data() {
        "invalid_request"
    } else {
        "malformed_json"
    };
    ApiError::bad_request(code, format!("invalid JSON body at {pointer:?}: {inner}")).with_details(
        serde_json::json!({ "pointer": pointer, "line": inner.line(), "column": inner.column() }),
    )
}

/// `serde_path_to_error`'s dotted path (`preset.stages[2].id`) as a JSON pointer
/// (`/preset/stages/2/id`); `.` (the root) becomes the empty pointer.
pub fn pointer_of(path: &str) -> String {
    if path == "." || path.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for part in path.split('.') {
        for piece in part.split('[') {
            let piece = piece.trim_end_matches(']');
            if !piece.is_empty() {
                out.push('/');
                out.push_str(&piece.replace('~', "~0").replace('/', "~1"));
            }
        }
    }
    out
}

/// The query string as `T`, or 400 naming the parameter problem.
pub fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(v)| v)
        .map_err(|rejection| ApiError::bad_request("invalid_query", rejection.body_text()))
}

/// A note given as a name (`C3`, `F#2`) or a MIDI number 0..=127.
pub fn parse_note(text: &str) -> Result<u8, ApiError> {
    tonewheel_synth::parse_note_name(text)
        .or_else(|| text.parse::<u8>().ok().filter(|&n| n <= 127))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_note",
                format!("note \"{text}\": expected a note name like C3 or a MIDI number 0..127"),
            )
            .with_details(serde_json::json!({ "expected": "C3 or 0..127", "found": text }))
        })
}

#[cfg(test)]
mod tests {
    use super::pointer_of;

    #[test]
    fn dotted_paths_become_json_pointers() {
        assert_eq!(pointer_of("."), "");
        assert_eq!(pointer_of("preset.stages[2].id"), "/preset/stages/2/id");
        assert_eq!(pointer_of("a/b"), "/a~1b");
    }
}
