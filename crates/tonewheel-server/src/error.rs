//! Errors: [`ApiError`] is what a client sees (`{"error":{"code","message","details"}}` with
//! the matching status); [`ServerError`] is what stops the server from starting or running.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An error answered to a client: a status, a stable machine code, a human message and
/// structured details (JSON pointer, line, column, expected/found...).
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable snake_case code (`preset_not_found`, `malformed_json`, ...).
    pub code: &'static str,
    /// One sentence for people.
    pub message: String,
    /// Structured facts for programs; `null` when there are none.
    pub details: serde_json::Value,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorObject,
}

/// The `error` object of [`ErrorBody`].
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorObject {
    /// Stable snake_case code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Structured details (pointer, position, expected/found), or null.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl ApiError {
    /// An error with the given status, code and message and no details.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: serde_json::Value::Null,
        }
    }

    /// Adds structured details.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 for an unknown preset id.
    pub fn preset_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "preset_not_found",
            format!("no preset with id \"{id}\""),
        )
        .with_details(serde_json::json!({ "id": id }))
    }

    /// 500: the details are logged, never sent (they may name files or internals).
    pub fn internal(context: &str, cause: &dyn std::fmt::Display) -> Self {
        tracing::error!("internal error: {context}: {cause}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the server failed to complete the request",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorObject {
                code: self.code.to_string(),
                message: self.message,
                details: self.details,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A non-loopback address was asked for without a token.
    #[error(
        "{addr}: binding a non-loopback address requires a token (--token or TONEWHEEL_TOKEN)"
    )]
    TokenRequired {
        /// The address asked for.
        addr: std::net::SocketAddr,
    },
    /// The token is empty or not printable ASCII (it must fit an HTTP header).
    #[error("invalid token: expected 1..=256 printable ASCII characters without spaces")]
    InvalidToken,
    /// Binding the listening socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A folder (data or presets) could not be created or read.
    #[error("{path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A user preset file is invalid.
    #[error("user preset: {source}")]
    Preset {
        /// The synth's error, with the file name and JSON pointer.
        #[source]
        source: tonewheel_synth::SynthError,
    },
    /// Two presets share an id (a user file named like a factory preset, say).
    #[error("{path}: preset id \"{id}\" is already used by another preset")]
    DuplicateId {
        /// The id.
        id: String,
        /// The file that repeated it.
        path: String,
    },
    /// The catalogue could not be opened (bad URL, unreachable server, failed migration).
    #[error("catalogue: {source}")]
    Store {
        /// The store's error (credentials removed from URLs).
        #[source]
        source: tonewheel_store::StoreError,
    },
    /// The import analyzers could not be set up (a bug: their names are fixed).
    #[error("analysis engine: {source}")]
    Analyzers {
        /// The registry's error.
        #[source]
        source: tonewheel_analysis::engine::UnknownAnalyzer,
    },
    /// The server failed while running.
    #[error("server error: {source}")]
    Serve {
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        ApiError::internal("i/o", &e)
    }
}

impl From<tonewheel_store::StoreError> for ApiError {
    /// Values the store refuses are the client's (400 naming the field); everything else is
    /// a 500 whose details stay in the log.
    fn from(e: tonewheel_store::StoreError) -> Self {
        match e {
            tonewheel_store::StoreError::Invalid {
                field,
                expected,
                found,
            } => ApiError::bad_request(
                "invalid_parameter",
                format!("{field}: expected {expected}, found {found:?}"),
            )
            .with_details(
                serde_json::json!({ "parameter": field, "expected": expected, "found": found }),
            ),
            other => ApiError::internal("catalogue", &other),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal("render task", &e)
    }
}

impl ApiError {
    /// The client-facing form of a synth error: invalid presets are 400 with every issue's
    /// JSON pointer (prefixed by `pointer_prefix`, where the preset sits in the request),
    /// out-of-range requests and unstable renders are 422, I/O is 500.
    pub fn from_synth(e: tonewheel_synth::SynthError, pointer_prefix: &str) -> Self {
        use tonewheel_synth::SynthError as S;
        match e {
            S::Syntax {
                pointer,
                line,
                column,
                reason,
                ..
            } => {
                let pointer = format!("{pointer_prefix}{pointer}");
                ApiError::bad_request(
                    "invalid_preset",
                    format!("invalid preset JSON at {pointer:?}: {reason}"),
                )
                .with_details(serde_json::json!({
                    "pointer": pointer, "line": line, "column": column, "reason": reason
                }))
            }
            S::Invalid { issues, .. } => {
                let issues: Vec<serde_json::Value> = issues
                    .iter()
                    .map(|i| {
                        serde_json::json!({
                            "pointer": format!("{pointer_prefix}{}", i.pointer),
                            "expected": i.expected,
                            "found": i.found,
                        })
                    })
                    .collect();
                let first = issues
                    .first()
                    .and_then(|i| i["pointer"].as_str())
                    .unwrap_or("")
                    .to_string();
                ApiError::bad_request(
                    "invalid_preset",
                    format!(
                        "the preset has {} problem(s), first at {first:?}",
                        issues.len()
                    ),
                )
                .with_details(serde_json::json!({ "pointer": first, "issues": issues }))
            }
            S::InvalidRequest {
                what,
                expected,
                found,
            } => ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_render_request",
                format!("{what}: expected {expected}, found {found}"),
            )
            .with_details(
                serde_json::json!({ "what": what, "expected": expected, "found": found }),
            ),
            S::Unstable { stage_id } => ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "render_unstable",
                format!("stage \"{stage_id}\" produced a non-finite sample"),
            )
            .with_details(serde_json::json!({ "stage_id": stage_id })),
            other => ApiError::internal("synth", &other),
        }
    }
}
