//! The tonewheel HTTP server: the preset catalogue, cached audio previews, one-note renders
//! with quality reports, the sample library (analyse by path or upload, search, detail,
//! audio with HTTP Range, waveforms, statistics), system resources, the analysis engine's
//! plugin list and the OpenAPI document.
//!
//! It owns routing, request validation, the preview and waveform caches and the uploads
//! folder; it must never trust a request (every failure is a JSON error with position and
//! reason, never a panic), never serve a file named by a client (catalogued files are served
//! by id; `POST /analyze` reads only inside the configured library roots), never write
//! outside its data folder, and never answer a non-loopback client without the bearer token.
//! Rendering and analysis run on the blocking pool, one per core.
//!
//! ```no_run
//! # async fn run() -> Result<(), tonewheel_server::ServerError> {
//! let config = tonewheel_server::ServeConfig::default();
//! tonewheel_server::serve(config).await
//! # }
//! ```

mod api;
mod auth;
pub mod catalogue;
mod error;
pub mod library;
pub mod previews;
pub mod range;
pub mod roots;
pub mod search;
mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;

pub use api::{openapi, MAX_BODY_BYTES};
pub use error::{ApiError, ErrorBody, ErrorObject, ServerError};
pub use library::{Library, DEFAULT_MAX_UPLOAD_BYTES};
pub use state::AppState;

/// Default listening address: loopback only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Data folder (previews, temporary renders).
    pub data_dir: PathBuf,
    /// Folder of user presets (`*.json`), besides the factory ones.
    pub presets_dir: Option<PathBuf>,
    /// Bearer token; required to bind a non-loopback address.
    pub token: Option<String>,
    /// Size limit of the preview cache folder, bytes.
    pub preview_cache_bytes: u64,
    /// Catalogue database URL (`postgres://...`); `None` is the SQLite file
    /// `DATA/tonewheel.db`, the one the `library` verbs use. (The CLI reads
    /// `TONEWHEEL_DATABASE_URL`; this crate reads no environment.)
    pub database_url: Option<String>,
    /// Folders `POST /analyze` may read files from; none means it reads no path at all.
    pub library_roots: Vec<PathBuf>,
    /// Largest accepted upload, bytes.
    pub max_upload_bytes: u64,
}

/// Default size limit of the preview cache: 1 GiB, a few thousand previews.
pub const DEFAULT_PREVIEW_CACHE_BYTES: u64 = 1 << 30;

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 7878)),
            data_dir: PathBuf::from("tonewheel-data"),
            presets_dir: None,
            token: None,
            preview_cache_bytes: DEFAULT_PREVIEW_CACHE_BYTES,
            database_url: None,
            library_roots: Vec::new(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
        }
    }
}

/// The application: every route, the JSON 404/405 answers, the body limit, the token check
/// and, as a last resort, a layer turning a panic into a 500 JSON error.
pub fn router(state: AppState) -> axum::Router {
    let (routes, _) = api::api_router().split_for_parts();
    routes
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

/// A handler that panicked answers a plain 500 JSON error; the panic message is logged, never
/// sent (it may name internals).
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    ApiError::internal("handler panicked", &message).into_response()
}

/// A bound, not yet running server (so callers, tests among them, learn the real port
/// before serving).
#[derive(Debug)]
pub struct Server {
    listener: tokio::net::TcpListener,
    state: AppState,
}

fn valid_token(token: &str) -> bool {
    (1..=256).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic())
}

impl Server {
    /// Checks the configuration, loads the presets and binds the address.
    pub async fn bind(config: &ServeConfig) -> Result<Self, ServerError> {
        if let Some(t) = &config.token {
            if !valid_token(t) {
                return Err(ServerError::InvalidToken);
            }
        }
        if !config.addr.ip().is_loopback() && config.token.is_none() {
            return Err(ServerError::TokenRequired { addr: config.addr });
        }
        let library = Library::open(
            &config.data_dir,
            config.database_url.clone(),
            &config.library_roots,
            config.max_upload_bytes,
        )
        .await?;
        let state = AppState::load(
            &config.data_dir,
            config.presets_dir.as_deref(),
            config.token.clone(),
            config.preview_cache_bytes,
            library,
        )?;
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServerError::Bind {
                addr: config.addr,
                source,
            })?;
        Ok(Self { listener, state })
    }

    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> Result<SocketAddr, ServerError> {
        self.listener
            .local_addr()
            .map_err(|source| ServerError::Serve { source })
    }

    /// Serves until `shutdown` completes, then finishes the requests in progress, waits for
    /// imports whose client hung up (each commits or rolls back its one transaction; see
    /// [`Library`]) and closes the catalogue.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let served = axum::serve(self.listener, router(self.state.clone()))
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|source| ServerError::Serve { source });
        self.state.library().drain().await;
        served
    }
}

/// Binds and serves until SIGINT or SIGTERM.
pub async fn serve(config: ServeConfig) -> Result<(), ServerError> {
    let server = Server::bind(&config).await?;
    tracing::info!("listening on http://{}", server.local_addr()?);
    server.run(shutdown_signal()).await
}

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_a_500_json_error_without_the_message() {
        let response = panic_response(Box::new("secret path /x/y"));
        assert_eq!(
            response.status(),
            axum::http::StatusCode::INTERNAL_SERVER_ERROR
        );
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"]["code"], "internal_error");
        assert!(!String::from_utf8_lossy(&body).contains("secret"));
    }
}
