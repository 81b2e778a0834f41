//! Catalogue routes: search with filters, sorting and paging (`GET /database/files`), one file
//! with everything stored about it, and the catalogue's statistics.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tonewheel_store::{FileDetail, FileQuery, FileRow, FileSort, FileStatus, KeyFilter, Range};
use utoipa::{IntoParams, ToSchema};

use super::body::query;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Rows of a page when `limit` is not given.
pub const DEFAULT_PAGE_LIMIT: u32 = 100;

/// Filters, order and page of `GET /database/files`. Every filter given must hold.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilesParams {
    /// Words that must each appear in the path, the display name or a tag (case-insensitive).
    pub query: Option<String>,
    /// A role tag (`kick`, `bass`, `pad`, ...; given at import from the file name).
    pub role: Option<String>,
    /// Key: `F minor`, `F#m`, `Bb major`, or a tonic alone.
    pub key: Option<String>,
    /// Tempo range in BPM, `LO-HI`, or one tempo (±0.5).
    pub bpm: Option<String>,
    /// Length range in seconds, `LO-HI`.
    pub duration: Option<String>,
    /// Tags the file must carry, comma-separated.
    pub tag: Option<String>,
    /// `ok` or `error`.
    pub status: Option<String>,
    /// `name` (default), `duration`, `bpm`, `key`, `lufs`, `created` or `path`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`; files without the sorted value come last either way.
    pub order: Option<String>,
    /// Rows per page, 1..=10000 (default 100).
    pub limit: Option<String>,
    /// Matching rows to skip (default 0).
    pub offset: Option<String>,
}

/// One page of matching files.
#[derive(Debug, Serialize, ToSchema)]
pub struct FilesPage {
    /// The page, in the requested order.
    #[schema(value_type = Vec<Object>)]
    pub files: Vec<FileRow>,
    /// Matching files before paging.
    pub total: u64,
    /// The page size used.
    pub limit: u32,
    /// The rows skipped.
    pub offset: u64,
}

/// 400 naming the query parameter, what it accepts and what it got.
fn bad_parameter(parameter: &'static str, expected: &str, found: &str) -> ApiError {
    ApiError::bad_request(
        "invalid_parameter",
        format!("{parameter}: expected {expected}, found {found:?}"),
    )
    .with_details(serde_json::json!({
        "parameter": parameter, "expected": expected, "found": found
    }))
}

/// A store parse error as a 400 naming `parameter` (the store names its own field, which
/// may differ from the parameter's spelling).
fn store_bad(parameter: &'static str, e: tonewheel_store::StoreError) -> ApiError {
    match e {
        tonewheel_store::StoreError::Invalid {
            expected, found, ..
        } => bad_parameter(parameter, expected, &found),
        other => ApiError::from(other),
    }
}

fn non_blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The store query of the parameters, or 400 naming the first bad one.
fn file_query(p: &FilesParams) -> Result<FileQuery, ApiError> {
    let mut tags: Vec<String> = non_blank(&p.tag)
        .map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    tags.extend(non_blank(&p.role).map(str::to_string));
    let status = match non_blank(&p.status) {
        None => None,
        Some("ok") => Some(FileStatus::Ok),
        Some("error") => Some(FileStatus::Error),
        Some(other) => return Err(bad_parameter("status", "ok or error", other)),
    };
    let descending = match non_blank(&p.order).map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            return Err(bad_parameter(
                "order",
                "asc or desc",
                p.order.as_deref().unwrap_or(""),
            ))
        }
    };
    let limit = match non_blank(&p.limit) {
        None => DEFAULT_PAGE_LIMIT,
        Some(t) => t
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=tonewheel_store::MAX_LIMIT).contains(n))
            .ok_or_else(|| bad_parameter("limit", "a whole number 1..=10000", t))?,
    };
    let offset = match non_blank(&p.offset) {
        None => 0,
        Some(t) => t
            .parse::<u64>()
            .ok()
            .filter(|n| i64::try_from(*n).is_ok())
            .ok_or_else(|| bad_parameter("offset", "a whole number from 0", t))?,
    };
    Ok(FileQuery {
        text: non_blank(&p.query).map(str::to_string),
        key: non_blank(&p.key)
            .map(KeyFilter::parse)
            .transpose()
            .map_err(|e| store_bad("key", e))?,
        bpm: non_blank(&p.bpm)
            .map(|b| Range::parse(b, "bpm"))
            .transpose()
            .map_err(|e| store_bad("bpm", e))?,
        duration_s: non_blank(&p.duration)
            .map(|d| Range::parse(d, "duration"))
            .transpose()
            .map_err(|e| store_bad("duration", e))?,
        tags,
        status,
        limit,
        offset,
        sort: match non_blank(&p.sort) {
            None => FileSort::Name,
            Some(s) => FileSort::parse(s).map_err(|e| store_bad("sort", e))?,
        },
        descending,
    })
}

/// The file id of a path segment, or 400.
pub(crate) fn file_id(id: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let text = id.map(|Path(t)| t).unwrap_or_default();
    text.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_id",
            format!("file id {text:?}: expected a positive whole number"),
        )
        .with_details(serde_json::json!({ "parameter": "id", "found": text }))
    })
}

/// 404 for a file id the catalogue does not hold.
pub(crate) fn file_not_found(id: i64) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "file_not_found",
        format!("no catalogued file with id {id}"),
    )
    .with_details(serde_json::json!({ "id": id }))
}

/// Catalogued files matching the filters, sorted and paged, with the total before paging.
#[utoipa::path(get, path = "/database/files", tag = "library", params(FilesParams),
    responses((status = 200, description = "One page of files", body = FilesPage),
              (status = 400, description = "A parameter is invalid (named in details.parameter)", body = ErrorBody)))]
pub async fn list_files(
    State(state): State<AppState>,
    params: Result<Query<FilesParams>, QueryRejection>,
) -> Result<Json<FilesPage>, ApiError> {
    let q = file_query(&query(params)?)?;
    let store = state.library().store();
    let total = store.count_files(&q).await?;
    let files = store.search_files(&q).await?;
    Ok(Json(FilesPage {
        files,
        total,
        limit: q.limit,
        offset: q.offset,
    }))
}

/// One file: its row, summary, regions and every analyzer result.
#[utoipa::path(get, path = "/database/files/{id}", tag = "library",
    params(("id" = i64, Path, description = "File id")),
    responses((status = 200, description = "The file (row fields, summary, regions)", body = Object),
              (status = 400, description = "The id is not a number", body = ErrorBody),
              (status = 404, description = "No such file", body = ErrorBody)))]
pub async fn get_file(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<FileDetail>, ApiError> {
    let id = file_id(id)?;
    state
        .library()
        .store()
        .get_file(id)
        .await?
        .map(Json)
        .ok_or_else(|| file_not_found(id))
}

/// Counts and totals over the catalogue, and its backend.
#[utoipa::path(get, path = "/database/stats", tag = "library",
    responses((status = 200, description = "files, ok, errors, total_duration_s, by_key, by_tempo, no_tempo, backend", body = Object)))]
pub async fn stats(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let store = state.library().store();
    let mut v =
        serde_json::to_value(store.stats().await?).map_err(|e| ApiError::internal("stats", &e))?;
    v["backend"] = store.backend().name().into();
    Ok(Json(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parameters as axum's query extractor builds them from `pairs`.
    fn params(pairs: &[(&str, &str)]) -> FilesParams {
        let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let uri: axum::http::Uri = format!("/database/files?{}", text.join("&"))
            .parse()
            .unwrap();
        Query::<FilesParams>::try_from_uri(&uri).unwrap().0
    }

    #[test]
    fn defaults_are_name_order_first_hundred() {
        let q = file_query(&FilesParams::default()).unwrap();
        assert_eq!(
            (q.sort, q.descending, q.limit, q.offset),
            (FileSort::Name, false, 100, 0)
        );
    }

    #[test]
    fn filters_parse_and_bad_ones_name_their_parameter() {
        let q = file_query(&params(&[
            ("bpm", "120-130"),
            ("duration", "0.5-2"),
            ("tag", "loop,dark"),
            ("role", "kick"),
            ("status", "ok"),
            ("sort", "bpm"),
            ("order", "desc"),
            ("limit", "5"),
            ("offset", "10"),
            ("key", "F%23m"),
        ]))
        .unwrap();
        assert_eq!(q.bpm.unwrap().min, 120.0);
        assert_eq!(q.tags, vec!["loop", "dark", "kick"]);
        assert_eq!(q.key.unwrap().tonic, "F#");
        assert_eq!(
            (q.sort, q.descending, q.limit, q.offset),
            (FileSort::Bpm, true, 5, 10)
        );
        for (name, value) in [
            ("bpm", "fast"),
            ("duration", "long"),
            ("key", "H"),
            ("status", "broken"),
            ("sort", "size"),
            ("order", "up"),
            ("limit", "0"),
            ("limit", "10001"),
            ("offset", "-1"),
        ] {
            let e = file_query(&params(&[(name, value)])).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
            assert_eq!(e.details["parameter"], name, "{name}={value}");
        }
    }
}
