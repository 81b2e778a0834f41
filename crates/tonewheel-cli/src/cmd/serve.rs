//! `tonewheel serve`: the HTTP API on a loopback address (or any address, with a token), with
//! the sample catalogue the `library` verbs use.

use tonewheel_server::{ServeConfig, Server, ServerError};

use crate::cli::ServeArgs;
use crate::outcome::Outcome;

/// Runs `serve` until SIGINT/SIGTERM.
pub fn run(args: &ServeArgs) -> Outcome {
    let token = args.token.clone().or_else(|| {
        std::env::var("TONEWHEEL_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
    });
    // The same catalogue the `library` verbs open: the flag, else the environment, else the
    // SQLite file in the data folder.
    let database_url =
        tonewheel_store::StoreConfig::resolve(Some(args.data.clone()), args.database_url.clone())
            .database_url;
    let config = ServeConfig {
        addr: args.addr,
        data_dir: args.data.clone(),
        presets_dir: args.presets.clone(),
        token,
        preview_cache_bytes: args.cache_mb.saturating_mul(1 << 20),
        database_url,
        library_roots: args.library.clone(),
        max_upload_bytes: args.max_upload_mb.saturating_mul(1_000_000),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tonewheel serve: cannot start the async runtime: {e}");
            return Outcome::InternalError;
        }
    };
    let result = runtime.block_on(async {
        let server = Server::bind(&config).await?;
        let addr = server.local_addr()?;
        crate::outcome::emit(&format!(
            "tonewheel serve: listening on http://{addr} (API description at /api/openapi.json)"
        ));
        server.run(tonewheel_server::shutdown_signal()).await
    });
    match result {
        Ok(()) => Outcome::Success,
        Err(e) => {
            eprintln!("tonewheel serve: {e}");
            outcome_of(&e)
        }
    }
}

/// Bad flags, presets and folders are the user's to fix (1); the rest is ours (2).
fn outcome_of(e: &ServerError) -> Outcome {
    use std::io::ErrorKind;
    match e {
        ServerError::TokenRequired { .. }
        | ServerError::InvalidToken
        | ServerError::Preset { .. }
        | ServerError::DuplicateId { .. } => Outcome::InputError,
        // A wrong URL, an unreachable server or an unwritable folder is the user's to fix,
        // as for the `library` verbs.
        ServerError::Store { source } => match source {
            tonewheel_store::StoreError::Migrate { .. }
            | tonewheel_store::StoreError::Query { .. } => Outcome::InternalError,
            _ => Outcome::InputError,
        },
        ServerError::Bind { source, .. }
            if matches!(
                source.kind(),
                ErrorKind::AddrInUse | ErrorKind::PermissionDenied | ErrorKind::AddrNotAvailable
            ) =>
        {
            Outcome::InputError
        }
        ServerError::Folder { source, .. }
            if matches!(
                source.kind(),
                ErrorKind::NotFound | ErrorKind::NotADirectory | ErrorKind::PermissionDenied
            ) =>
        {
            Outcome::InputError
        }
        _ => Outcome::InternalError,
    }
}
