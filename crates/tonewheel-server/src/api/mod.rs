//! The HTTP routes. Every route is registered through `utoipa_axum::routes!`, so the router
//! and the OpenAPI document are built from the same handlers and cannot disagree.

mod analyze;
mod audio;
mod body;
mod files;
mod presets;
mod render;
mod resources;
mod studio;
mod system;
mod upload;
mod waveform;

pub(crate) use render::render_to_wav;

use std::sync::OnceLock;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest request body accepted (a preset is at most 1 MiB, and so is a render request).
pub const MAX_BODY_BYTES: usize = 1 << 20;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tonewheel",
        description = "Presets, previews, renders, the sample library and analysis plugins of the tonewheel engine."
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorObject))
)]
struct ApiDoc;

/// Every route with its OpenAPI description, not yet bound to a state.
pub(crate) fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(studio::index))
        .routes(routes!(studio::static_file))
        .routes(routes!(system::health))
        .routes(routes!(system::status))
        .routes(routes!(system::plugins))
        .routes(routes!(system::openapi_json))
        .routes(routes!(presets::list_presets))
        .routes(routes!(presets::get_preset))
        .routes(routes!(presets::preset_audio))
        .routes(routes!(render::render))
        .routes(routes!(analyze::analyze))
        // Uploads are far larger than the 1 MiB JSON limit; the handler streams them to disk
        // and enforces `--max-upload-mb` itself.
        .routes(routes!(upload::upload).layer(DefaultBodyLimit::disable()))
        .routes(routes!(files::list_files))
        .routes(routes!(files::get_file))
        .routes(routes!(files::stats))
        .routes(routes!(audio::audio))
        .routes(routes!(waveform::waveform))
        .routes(routes!(resources::resources))
}

/// The OpenAPI document of the server (built once).
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| api_router().split_for_parts().1)
}

pub(crate) async fn not_found() -> impl IntoResponse {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "route_not_found",
        "no such route (see /api/openapi.json)",
    )
}

pub(crate) async fn method_not_allowed() -> impl IntoResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept that method (see /api/openapi.json)",
    )
}
