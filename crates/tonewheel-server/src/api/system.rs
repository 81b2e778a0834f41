//! Service routes: health, status, analysis plugins, OpenAPI document.
//! (Machine resources are in `resources.rs`; the studio page is in `studio.rs`.)

use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::previews::CacheStats;
use crate::state::AppState;

/// `{"status":"ok"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` while the server answers.
    pub status: &'static str,
}

/// What the server is and how it is doing.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// Program version.
    pub version: &'static str,
    /// Seconds since start.
    pub uptime_s: f64,
    /// Presets loaded.
    pub presets: usize,
    /// Preview cache counters.
    pub cache: CacheStats,
    /// Background warming of default previews and descriptors.
    pub warm: crate::warm::WarmStats,
    /// The sample catalogue: backend and file counts.
    pub library: LibraryStatus,
}

/// The catalogue's part of `/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LibraryStatus {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Catalogued files (`null` when the database did not answer; the error is logged).
    pub files: Option<i64>,
    /// Of those, analysed.
    pub ok: Option<i64>,
    /// Of those, not decodable.
    pub errors: Option<i64>,
    /// Folders `POST /analyze` may read.
    pub library_roots: usize,
}

/// One analyzer of the analysis engine.
#[derive(Debug, Serialize, ToSchema)]
pub struct Plugin {
    /// Stable name.
    pub name: &'static str,
    /// Version of its output format.
    pub version: u32,
}

/// The analyzers available.
#[derive(Debug, Serialize, ToSchema)]
pub struct Plugins {
    /// Registered analyzers, in registry order.
    pub analyzers: Vec<Plugin>,
}

/// Liveness check.
#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, description = "The server is up", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Version, uptime, preset count, cache counters and the catalogue's backend and counts.
#[utoipa::path(get, path = "/status", tag = "system",
    responses((status = 200, description = "Server status", body = Status)))]
pub async fn status(State(state): State<AppState>) -> Json<Status> {
    let library = state.library();
    // A status page that fails with the database would hide everything else it says.
    let stats = match library.store().stats().await {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!("status: catalogue statistics: {e}");
            None
        }
    };
    Json(Status {
        version: env!("CARGO_PKG_VERSION"),
        uptime_s: state.uptime_s(),
        presets: state.catalogue().len(),
        cache: state.previews().stats(),
        library: LibraryStatus {
            backend: library.store().backend().name(),
            files: stats.as_ref().map(|s| s.files),
            ok: stats.as_ref().map(|s| s.ok),
            errors: stats.as_ref().map(|s| s.errors),
            library_roots: library.roots().folders().len(),
        },
        warm: state.warm_counters().stats(
            state.preset_library().described(state.catalogue()),
            state.catalogue().len(),
        ),
    })
}

/// The analysis engine's analyzers with their versions.
#[utoipa::path(get, path = "/plugins", tag = "system",
    responses((status = 200, description = "Analyzers", body = Plugins)))]
pub async fn plugins(State(state): State<AppState>) -> Json<Plugins> {
    Json(Plugins {
        analyzers: state
            .analyzers()
            .iter()
            .map(|&(name, version)| Plugin { name, version })
            .collect(),
    })
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "system",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> impl IntoResponse {
    Json(super::openapi())
}
