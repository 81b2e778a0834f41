//! The web studio: its static files (under `web/` in this crate) are embedded in the binary at
//! compile time and served from a fixed table, `/` for the page and `/static/{file}` for the
//! scripts and styles. Names are looked up in the table only: no request ever reaches the
//! file system.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorBody};

/// One embedded file of the studio.
#[derive(Debug)]
pub struct Asset {
    /// File name, as requested under `/static/`.
    pub name: &'static str,
    /// `Content-Type` it is served with.
    pub content_type: &'static str,
    /// Its bytes, as built into the binary.
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../web/", $name)),
        }
    };
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// Every file of `web/` (a unit test checks that the folder and this table agree).
pub const ASSETS: &[Asset] = &[
    asset!("index.html", HTML),
    asset!("studio.css", CSS),
    asset!("icon.svg", SVG),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("audio.js", JS),
    asset!("lru.js", JS),
    asset!("wav.js", JS),
    asset!("dom.js", JS),
    asset!("presets.js", JS),
    asset!("preset-detail.js", JS),
    asset!("library.js", JS),
    asset!("file-view.js", JS),
    asset!("waveform.js", JS),
    asset!("analysis-view.js", JS),
    asset!("upload.js", JS),
];

/// The files are not fingerprinted, so browsers must revalidate on every load (a 304 on
/// loopback costs well under a millisecond) and a new binary's files are seen at once.
const CACHE_CONTROL: &str = "no-cache";

/// Scripts, styles and media only from this server; `blob:` for decoded previews. Preset
/// names and file names come from users, so the page never needs inline script.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Strong ETags of the assets, in table order, computed on first use.
fn etags() -> &'static [String] {
    static ETAGS: OnceLock<Vec<String>> = OnceLock::new();
    ETAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let digest = Sha256::digest(a.bytes);
                let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
                format!("\"{hex}\"")
            })
            .collect()
    })
}

/// The asset called `name`, with its ETag.
pub fn find(name: &str) -> Option<(&'static Asset, &'static str)> {
    let i = ASSETS.iter().position(|a| a.name == name)?;
    Some((&ASSETS[i], etags()[i].as_str()))
}

fn serve(asset: &Asset, etag: &str, headers: &HeaderMap) -> Response {
    let revalidated = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
        });
    let mut response = if revalidated {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.bytes).into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if asset.content_type == HTML {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    response
}

/// The web studio (presets, library, upload), a single page; it links the API description.
#[utoipa::path(get, path = "/", tag = "studio",
    responses((status = 200, description = "The studio page", content_type = "text/html"),
              (status = 304, description = "Not modified (ETag matched)")))]
pub async fn index(headers: HeaderMap) -> Response {
    match find("index.html") {
        Some((asset, etag)) => serve(asset, etag, &headers),
        None => {
            ApiError::internal("studio", &"index.html missing from the asset table").into_response()
        }
    }
}

/// One of the studio's embedded scripts, styles or icons, by file name.
#[utoipa::path(get, path = "/static/{file}", tag = "studio",
    params(("file" = String, Path, description = "File name, e.g. `app.js`")),
    responses((status = 200, description = "The file (JavaScript, CSS or SVG)"),
              (status = 304, description = "Not modified (ETag matched)"),
              (status = 404, description = "No such file", body = ErrorBody)))]
pub async fn static_file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    match find(&file) {
        Some((asset, etag)) => serve(asset, etag, &headers),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            "asset_not_found",
            format!("no studio file named \"{file}\""),
        )
        .with_details(serde_json::json!({ "file": file }))
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_table_lists_exactly_the_files_of_the_web_folder() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let listed: BTreeSet<String> = ASSETS.iter().map(|a| a.name.to_string()).collect();
        assert_eq!(listed.len(), ASSETS.len(), "a name is listed twice");
        assert_eq!(on_disk, listed);
    }

    #[test]
    fn content_types_follow_the_extensions() {
        for a in ASSETS {
            let expected = match a.name.rsplit('.').next() {
                Some("html") => HTML,
                Some("js") => JS,
                Some("css") => CSS,
                Some("svg") => SVG,
                other => panic!("{}: no content type for {other:?}", a.name),
            };
            assert_eq!(a.content_type, expected, "{}", a.name);
            assert!(!a.bytes.is_empty(), "{} is empty", a.name);
        }
    }

    #[test]
    fn etags_differ_between_files_and_are_quoted() {
        let tags: BTreeSet<&String> = etags().iter().collect();
        assert_eq!(tags.len(), ASSETS.len());
        assert!(etags()
            .iter()
            .all(|t| t.len() == 18 && t.starts_with('"') && t.ends_with('"')));
    }

    #[test]
    fn a_matching_if_none_match_gives_304_and_another_gives_the_bytes() {
        let (asset, etag) = find("app.js").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(etag).unwrap());
        assert_eq!(
            serve(asset, etag, &headers).status(),
            StatusCode::NOT_MODIFIED
        );
        let weak = format!("\"x\", W/{etag}");
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&weak).unwrap());
        assert_eq!(
            serve(asset, etag, &headers).status(),
            StatusCode::NOT_MODIFIED
        );
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        let r = serve(asset, etag, &headers);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_TYPE], JS);
        assert_eq!(r.headers()[header::CACHE_CONTROL], CACHE_CONTROL);
    }

    #[test]
    fn names_outside_the_table_are_not_found() {
        for name in ["../Cargo.toml", "", "APP.JS", "web/app.js", "%2e%2e"] {
            assert!(find(name).is_none(), "{name}");
        }
    }
}
