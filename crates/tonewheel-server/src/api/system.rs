//! Service routes: health, status, analysis plugins, OpenAPI document.

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

/// Version, uptime, preset count and cache counters.
#[utoipa::path(get, path = "/status", tag = "system",
    responses((status = 200, description = "Server status", body = Status)))]
pub async fn status(State(state): State<AppState>) -> Json<Status> {
    Json(Status {
        version: env!("CARGO_PKG_VERSION"),
        uptime_s: state.uptime_s(),
        presets: state.catalogue().len(),
        cache: state.previews().stats(),
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
