//! The real server on an ephemeral loopback port, exercised over HTTP: every route, every
//! error status, the preview cache on disk, ETag revalidation and the bearer token.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use tonewheel_server::{ServeConfig, Server, ServerError};

const SINE: &str = r#"{"name": "Test Sine", "role": "lead", "tags": ["test", "zz-unit-test"],
 "description": "A plain sine for tests.",
 "stages": [
  {"id": "osc", "type": "oscillator", "parameters": {"waveform": "sine"}},
  {"id": "env", "type": "adsr"},
  {"id": "amp", "type": "amp", "parameters": {"level": 0}},
  {"id": "out", "type": "output"}],
 "connections": [{"from": "osc", "to": "amp"}, {"from": "amp", "to": "out"},
                 {"from": "env", "to": "amp", "parameter": "level"}]}"#;

struct TestServer {
    base: String,
    data: tempfile::TempDir,
    client: Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), ServerError>>>,
}

impl TestServer {
    async fn start(token: Option<&str>, presets_dir: Option<PathBuf>) -> TestServer {
        Self::start_with(ServeConfig {
            presets_dir,
            token: token.map(String::from),
            // Background warming would render previews these tests count.
            warm_previews: false,
            ..ServeConfig::default()
        })
        .await
    }

    /// `config` on an ephemeral loopback port with a fresh data folder.
    async fn start_with(config: ServeConfig) -> TestServer {
        let data = tempfile::tempdir().unwrap();
        let config = ServeConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            data_dir: data.path().to_path_buf(),
            ..config
        };
        let server = Server::bind(&config).await.unwrap();
        let addr = server.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        TestServer {
            base: format!("http://{addr}"),
            data,
            client: Client::new(),
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let r = self.get(path).await;
        let status = r.status();
        (status, r.json().await.unwrap())
    }

    async fn post_json(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/render"))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn status(&self) -> Value {
        self.get_json("/status").await.1
    }

    /// Graceful shutdown must end the serve task without error.
    async fn stop(mut self) {
        let _ = self.shutdown.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
    }
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

fn first_factory_id() -> String {
    tonewheel_synth::factory_ids().next().unwrap().to_string()
}

fn wav_spec(bytes: &[u8]) -> (hound::WavSpec, u32) {
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
    (reader.spec(), reader.duration())
}

#[tokio::test]
async fn health_status_plugins_and_home_page() {
    let s = TestServer::start(None, None).await;
    assert_eq!(
        s.get_json("/health").await,
        (StatusCode::OK, json!({"status": "ok"}))
    );

    let status = s.status().await;
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        status["presets"].as_u64().unwrap() as usize,
        tonewheel_synth::factory_ids().count()
    );
    assert!(status["uptime_s"].as_f64().unwrap() >= 0.0);
    assert_eq!(status["cache"]["renders"], 0);

    let (code, plugins) = s.get_json("/plugins").await;
    assert_eq!(code, StatusCode::OK);
    let names: Vec<&str> = plugins["analyzers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        tonewheel_analysis::engine::Registry::defaults().names()
    );
    assert!(plugins["analyzers"][0]["version"].as_u64().unwrap() >= 1);

    let home = s.get("/").await;
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(home.text().await.unwrap().contains("/api/openapi.json"));

    let (code, body) = s.get_json("/no/such/route").await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "route_not_found");
    s.stop().await;
}

/// The routes the server is meant to have; the document must list exactly these, and each
/// must be served (answering something other than the router's 404/405).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/"),
    ("get", "/static/{file}"),
    ("get", "/health"),
    ("get", "/status"),
    ("get", "/plugins"),
    ("get", "/api/openapi.json"),
    ("get", "/api/presets"),
    ("get", "/api/presets/{id}"),
    ("get", "/api/presets/{id}/audio"),
    ("post", "/api/render"),
];

/// The sample-library routes: documented like the others, exercised with catalogued files in
/// `library_api.rs` (their ids are file ids, which this server has none of).
const LIBRARY_ROUTES: &[(&str, &str)] = &[
    ("post", "/analyze"),
    ("post", "/api/analyze/upload"),
    ("get", "/database/files"),
    ("get", "/database/files/{id}"),
    ("get", "/database/stats"),
    ("get", "/api/audio/{file_id}"),
    ("get", "/api/waveform/{file_id}"),
    ("get", "/api/system/resources"),
];

#[tokio::test]
async fn openapi_document_matches_the_routes() {
    let s = TestServer::start(None, None).await;
    let (code, doc) = s.get_json("/api/openapi.json").await;
    assert_eq!(code, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .chain(LIBRARY_ROUTES)
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);
    // The in-process document is the served one.
    assert_eq!(
        serde_json::to_value(tonewheel_server::openapi()).unwrap(),
        doc
    );

    let id = first_factory_id();
    for (method, path) in ROUTES {
        let url = s.url(&path.replace("{id}", &id).replace("{file}", "app.js"));
        let request = match *method {
            "get" => s.client.get(&url).query(&[("duration", "0.5")]),
            _ => s
                .client
                .post(&url)
                .json(&json!({"preset_id": id, "duration": 0.5})),
        };
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{method} {path}");
    }
    // Library routes are served (whatever they answer without files, it is not the
    // router's own 404/405).
    for (method, path) in LIBRARY_ROUTES {
        let url = s.url(&path.replace("{id}", "1").replace("{file_id}", "1"));
        let r = match *method {
            "get" => s.client.get(&url),
            _ => s.client.post(&url),
        }
        .send()
        .await
        .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert!(
            !matches!(error_code(&body), "route_not_found" | "method_not_allowed"),
            "{method} {path}: {status} {body}"
        );
    }
    let r = s.client.delete(s.url("/api/presets")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    s.stop().await;
}

#[tokio::test]
async fn preset_list_search_paging_and_detail() {
    let s = TestServer::start(None, None).await;
    let (code, all) = s.get_json("/api/presets").await;
    assert_eq!(code, StatusCode::OK);
    let count = tonewheel_synth::factory_ids().count();
    assert_eq!(all["total"].as_u64().unwrap() as usize, count);
    let presets = all["presets"].as_array().unwrap();
    assert_eq!(presets.len(), count);
    for key in ["id", "name", "role", "tags", "description"] {
        assert!(presets[0].get(key).is_some(), "summary lacks {key}");
    }

    let (_, page) = s.get_json("/api/presets?limit=2&offset=1").await;
    assert_eq!(page["total"].as_u64().unwrap() as usize, count);
    assert_eq!(page["presets"].as_array().unwrap(), &presets[1..3].to_vec());

    let (_, kicks) = s.get_json("/api/presets?role=kick").await;
    let kicks = kicks["presets"].as_array().unwrap();
    assert!(!kicks.is_empty());
    assert!(kicks.iter().all(|p| p["role"] == "kick"));

    let (_, found) = s.get_json("/api/presets?query=KICK").await;
    let found = found["presets"].as_array().unwrap();
    assert!(!found.is_empty());
    assert!(found.len() < count, "a query must filter");

    let (code, body) = s.get_json("/api/presets?role=banjo").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["details"]["parameter"], "role");

    let (code, body) = s.get_json("/api/presets?limit=many").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_query");

    let id = first_factory_id();
    let (code, detail) = s.get_json(&format!("/api/presets/{id}")).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(detail["summary"]["id"], id.as_str());
    let original: Value =
        serde_json::from_str(tonewheel_synth::factory_json(&id).unwrap()).unwrap();
    assert_eq!(detail["preset"], original);
    assert_eq!(detail["content_hash"].as_str().unwrap().len(), 16);

    let (code, body) = s.get_json("/api/presets/no-such-preset").await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "preset_not_found");
    assert_eq!(body["error"]["details"]["id"], "no-such-preset");
    let (code, body) = s.get_json("/api/presets/no-such-preset/audio").await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "preset_not_found");
    s.stop().await;
}

fn preview_files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir.join("previews")) {
        Ok(items) => items.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn audio_preview_is_cached_on_disk_with_etag() {
    let s = TestServer::start(None, None).await;
    let id = first_factory_id();
    let path = format!("/api/presets/{id}/audio?note=A3&duration=0.5");
    let first = s.get(&path).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["content-type"], "audio/wav");
    assert_eq!(first.headers()["cache-control"], "public, max-age=3600");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let first = first.bytes().await.unwrap();
    let (spec, frames) = wav_spec(&first);
    assert_eq!(spec.sample_rate, 48_000);
    assert_eq!(spec.channels, 2);
    assert_eq!(spec.bits_per_sample, 16);
    assert_eq!(frames, 24_000, "0.5 s at 48 kHz");

    // The file on disk is named by the ETag's key (A3 = MIDI 57, 500 ms) and holds the bytes.
    let files = preview_files(s.data.path());
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(format!("\"{}\"", name.trim_end_matches(".wav")), etag);
    assert!(name.ends_with("-57-500.wav"), "{name}");
    assert_eq!(std::fs::read(&files[0]).unwrap(), first.to_vec());

    let second = s.get(&path).await;
    assert_eq!(second.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(second.bytes().await.unwrap(), first);
    let cache = &s.status().await["cache"];
    assert_eq!(
        (cache["renders"].as_u64(), cache["hits"].as_u64()),
        (Some(1), Some(1))
    );

    let revalidated = s
        .client
        .get(s.url(&path))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(revalidated.headers()["etag"].to_str().unwrap(), etag);
    assert!(revalidated.bytes().await.unwrap().is_empty());
    let weak = s
        .client
        .get(s.url(&path))
        .header("If-None-Match", format!("\"other\", W/{etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), StatusCode::NOT_MODIFIED);
    let other = s
        .client
        .get(s.url(&path))
        .header("If-None-Match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);

    let (code, body) = s
        .get_json(&format!("/api/presets/{id}/audio?note=H9"))
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_note");
    let (code, body) = s
        .get_json(&format!("/api/presets/{id}/audio?duration=600"))
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_duration");
    let (code, body) = s
        .get_json(&format!("/api/presets/{id}/audio?duration=NaN"))
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    s.stop().await;
}

#[tokio::test]
async fn preview_cache_stays_under_its_size_limit() {
    // 100 kB holds one 0.5 s stereo 16-bit preview (96 044 bytes) but not two.
    let s = TestServer::start_with(ServeConfig {
        preview_cache_bytes: 100_000,
        warm_previews: false,
        ..ServeConfig::default()
    })
    .await;
    let id = first_factory_id();
    for note in ["60", "62", "60"] {
        let r = s
            .get(&format!("/api/presets/{id}/audio?note={note}&duration=0.5"))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.bytes().await.unwrap().len(), 96_044);
        let files = preview_files(s.data.path());
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0]
            .to_string_lossy()
            .ends_with(&format!("-{note}-500.wav")));
    }
    let cache = &s.status().await["cache"];
    assert_eq!(
        (cache["renders"].as_u64(), cache["evictions"].as_u64()),
        (Some(3), Some(2))
    );
    s.stop().await;
}

#[tokio::test]
async fn concurrent_requests_for_one_preview_render_once() {
    let s = TestServer::start(None, None).await;
    let id = first_factory_id();
    let url = s.url(&format!("/api/presets/{id}/audio?note=60&duration=0.4"));
    let requests = (0..8).map(|_| {
        let client = s.client.clone();
        let url = url.clone();
        tokio::spawn(async move { client.get(url).send().await.unwrap().bytes().await.unwrap() })
    });
    let mut bodies = Vec::new();
    for r in requests {
        bodies.push(r.await.unwrap());
    }
    assert!(bodies.iter().all(|b| b == &bodies[0]));
    let cache = &s.status().await["cache"];
    assert_eq!(cache["renders"], 1);
    assert_eq!(cache["hits"], 7);
    assert_eq!(cache["in_flight"], 0);
    assert_eq!(preview_files(s.data.path()).len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn render_returns_wav_or_quality_json() {
    let s = TestServer::start(None, None).await;
    let by_id = s
        .post_json(&json!({"preset_id": first_factory_id(), "duration": 0.5}))
        .await;
    assert_eq!(by_id.status(), StatusCode::OK);
    assert_eq!(by_id.headers()["content-type"], "audio/wav");
    let (spec, frames) = wav_spec(&by_id.bytes().await.unwrap());
    assert_eq!(
        (spec.bits_per_sample, spec.channels, frames),
        (24, 2, 24_000)
    );

    let preset: Value = serde_json::from_str(SINE).unwrap();
    let inline = s
        .post_json(
            &json!({"preset": preset, "note": "A4", "duration": 0.5, "velocity": 100,
                           "context": {"tempo_bpm": 90.0}}),
        )
        .await;
    assert_eq!(inline.status(), StatusCode::OK);
    let (_, frames) = wav_spec(&inline.bytes().await.unwrap());
    assert_eq!(frames, 24_000);

    let report: Value = s
        .client
        .post(s.url("/api/render"))
        .header("Accept", "application/json")
        .json(&json!({"preset": preset, "note": 69, "duration": 0.5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["preset"], "Test Sine");
    assert!((report["duration_s"].as_f64().unwrap() - 0.5).abs() < 1e-9);
    // The safety stage: -18 LUFS target, true peak at most -6 dBTP (whichever binds first);
    // 0.05 dB covers the rounding of the gain.
    let lufs = report["integrated_lufs"].as_f64().unwrap();
    let tp = report["true_peak_dbtp"].as_f64().unwrap();
    assert!(lufs <= -17.95 && tp <= -5.95, "lufs {lufs}, tp {tp}");
    assert!(
        (lufs + 18.0).abs() < 0.05 || (tp + 6.0).abs() < 0.05,
        "lufs {lufs}, tp {tp}"
    );
    assert!(report["quality"]["overall_score"].as_f64().is_some());
    s.stop().await;
}

#[tokio::test]
async fn render_errors_have_status_code_and_position() {
    let s = TestServer::start(None, None).await;
    let send_raw = |body: &'static str, content_type: &'static str| {
        s.client
            .post(s.url("/api/render"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    let r = send_raw("{\"preset_id\": \n  ", "application/json")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(error_code(&body), "malformed_json");
    assert_eq!(body["error"]["details"]["line"], 2);
    assert_eq!(body["error"]["details"]["column"], 2);

    let r = send_raw("{\"preset_id\": 5}", "application/json")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["details"]["pointer"], "/preset_id");

    let r = send_raw("{\"preset_id\": \"x\"}", "text/plain")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        error_code(&r.json().await.unwrap()),
        "unsupported_media_type"
    );

    let mut bad: Value = serde_json::from_str(SINE).unwrap();
    bad["stages"][0]["parameters"]["waveform"] = json!("banjo");
    bad["role"] = json!("drummer");
    let r = s.post_json(&json!({"preset": bad})).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(error_code(&body), "invalid_preset");
    let pointers: Vec<&str> = body["error"]["details"]["issues"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["pointer"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        pointers.contains(&"/preset/role")
            || body["error"]["details"]["pointer"]
                .as_str()
                .is_some_and(|p| p.starts_with("/preset/")),
        "{body}"
    );

    let r = s.post_json(&json!({"preset_id": "no-such"})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let r = s.post_json(&json!({})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .post_json(&json!({"preset_id": first_factory_id(), "duration": 1000.0}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["details"]["pointer"],
        "/duration"
    );

    // 2 MiB of JSON: refused before it is parsed.
    let huge = format!("{{\"preset_id\": \"{}\"}}", "x".repeat(2 << 20));
    let r = s
        .client
        .post(s.url("/api/render"))
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&r.json().await.unwrap()), "body_too_large");

    // The server still answers after all that.
    assert_eq!(s.get("/health").await.status(), StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn token_is_required_when_configured() {
    let s = TestServer::start(Some("s3cret-token"), None).await;
    let r = s.get("/health").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert_eq!(error_code(&r.json().await.unwrap()), "unauthorized");
    let wrong = s
        .client
        .get(s.url("/api/presets"))
        .bearer_auth("s3cret-tokeX")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = s
        .client
        .get(s.url("/api/presets"))
        .bearer_auth("s3cret-token")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    s.stop().await;

    let data = tempfile::tempdir().unwrap();
    let open = ServeConfig {
        addr: "0.0.0.0:0".parse().unwrap(),
        data_dir: data.path().to_path_buf(),
        presets_dir: None,
        token: None,
        ..ServeConfig::default()
    };
    assert!(matches!(
        Server::bind(&open).await,
        Err(ServerError::TokenRequired { .. })
    ));
}

#[tokio::test]
async fn user_presets_are_served_and_invalid_ones_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("my-sine.json"), SINE).unwrap();
    let s = TestServer::start(None, Some(dir.path().to_path_buf())).await;
    let (code, detail) = s.get_json("/api/presets/my-sine").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(detail["summary"]["source"], "user");
    let (_, found) = s.get_json("/api/presets?tag=ZZ-Unit-Test").await;
    let ids: Vec<&str> = found["presets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["my-sine"]);
    s.stop().await;

    // A user file named like a factory preset would make its id ambiguous.
    let factory_id = first_factory_id();
    let clash = dir.path().join(format!("{factory_id}.json"));
    std::fs::write(&clash, SINE).unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.path().to_path_buf(),
        presets_dir: Some(dir.path().to_path_buf()),
        token: None,
        ..ServeConfig::default()
    };
    match Server::bind(&config).await {
        Err(ServerError::DuplicateId { id, .. }) => assert_eq!(id, factory_id),
        other => panic!("expected a duplicate id error, got {other:?}"),
    }
    std::fs::remove_file(&clash).unwrap();

    std::fs::write(
        dir.path().join("broken.json"),
        r#"{"name": "x", "role": 3}"#,
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.path().to_path_buf(),
        presets_dir: Some(dir.path().to_path_buf()),
        token: None,
        ..ServeConfig::default()
    };
    match Server::bind(&config).await {
        Err(ServerError::Preset { source }) => {
            let text = source.to_string();
            assert!(
                text.contains("broken.json") && text.contains("/role"),
                "{text}"
            );
        }
        other => panic!("expected a preset error, got {other:?}"),
    }
}

#[tokio::test]
async fn semantic_search_scores_and_detail_quality_and_descriptors() {
    let s = TestServer::start(None, None).await;
    let (code, found) = s.get_json("/api/presets?query=warm%20pads&limit=5").await;
    assert_eq!(code, StatusCode::OK);
    let presets = found["presets"].as_array().unwrap();
    assert_eq!(presets.len(), 5);
    assert_eq!(found["reading"]["roles"], json!(["pad"]));
    let mut last = f64::INFINITY;
    for p in presets {
        assert_eq!(p["role"], "pad");
        let score = p["score"].as_f64().unwrap();
        assert!(score <= last && (0.0..=1.0).contains(&score), "{found}");
        last = score;
        assert!(p["descriptor_score"].as_f64().unwrap() > 0.5, "{p}");
        assert!(p["descriptors"]["warmth"].as_f64().is_some());
    }
    let (_, typo) = s.get_json("/api/presets?query=wram").await;
    assert_eq!(typo["reading"]["corrections"][0]["read_as"], "warm");

    // Factory presets carry their committed quality and descriptors; nothing is rendered.
    let (code, detail) = s.get_json("/api/presets/pad-warm-analog").await;
    assert_eq!(code, StatusCode::OK);
    let q = &detail["quality"];
    for key in [
        "overall_score",
        "semantic_match",
        "mix_readiness",
        "perceptual_quality",
        "stability",
    ] {
        let v = q[key].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v), "{key} {v}");
    }
    assert!(q["violations"].is_array() && q["warnings"].is_array());
    assert!(detail["descriptors"]["centroid_hz"].as_f64().unwrap() > 0.0);
    assert_eq!(s.status().await["cache"]["renders"], 0);
    s.stop().await;
}

#[tokio::test]
async fn user_presets_are_measured_on_demand_and_cached() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("my-sine.json"), SINE).unwrap();
    let s = TestServer::start(None, Some(dir.path().to_path_buf())).await;
    let (_, listed) = s.get_json("/api/presets?tag=zz-unit-test").await;
    assert!(listed["presets"][0].get("descriptors").is_none());
    let (code, detail) = s.get_json("/api/presets/my-sine").await;
    assert_eq!(code, StatusCode::OK);
    // A plain sine: pitched, not noisy, mono.
    let d = &detail["descriptors"];
    assert!(d["pitchedness"].as_f64().unwrap() > 0.9, "{d}");
    assert!(d["noisiness"].as_f64().unwrap() < 0.01, "{d}");
    assert_eq!(d["width"].as_f64().unwrap(), 0.0);
    assert!(detail["quality"]["overall_score"].as_f64().is_some());
    // Rendered once, into the preview cache, and kept on disk for the next start.
    assert_eq!(s.status().await["cache"]["renders"], 1);
    let cached: Vec<_> = std::fs::read_dir(s.data.path().join("descriptors"))
        .unwrap()
        .collect();
    assert_eq!(cached.len(), 1);
    let (_, listed) = s.get_json("/api/presets?tag=zz-unit-test").await;
    assert!(listed["presets"][0]["descriptors"]["centroid_hz"]
        .as_f64()
        .is_some());
    let (_, again) = s.get_json("/api/presets/my-sine").await;
    assert_eq!(again["descriptors"], detail["descriptors"]);
    assert_eq!(s.status().await["cache"]["renders"], 1);
    s.stop().await;
}

#[tokio::test]
async fn background_warming_measures_unmeasured_presets_and_counts_in_status() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("my-sine.json"), SINE).unwrap();
    // 200 kB of cache: warming may fill half, so it writes one preview and then only
    // measures (every factory preset is measured already, so it stops there).
    let s = TestServer::start_with(ServeConfig {
        presets_dir: Some(dir.path().to_path_buf()),
        preview_cache_bytes: 200_000,
        warm_previews: true,
        ..ServeConfig::default()
    })
    .await;
    let mut warm = Value::Null;
    for _ in 0..600 {
        warm = s.status().await["warm"].clone();
        if warm["finished"] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(warm["finished"], true, "{warm}");
    assert_eq!(warm["measured"], 1, "{warm}");
    assert_eq!(warm["failures"], 0, "{warm}");
    assert_eq!(warm["described"], warm["presets"], "{warm}");
    assert!(warm["warmed_previews"].as_u64().unwrap() >= 1, "{warm}");
    let (_, found) = s.get_json("/api/presets?query=test%20sine").await;
    let first = &found["presets"][0];
    assert_eq!(first["id"], "my-sine");
    assert!(
        first["descriptors"]["pitch_hz"].as_f64().is_some(),
        "{first}"
    );
    s.stop().await;
}

/// The studio's embedded files: the page at `/`, scripts under `/static/`, each with its
/// content type and an ETag that revalidates to 304; an unknown name is a JSON 404.
#[tokio::test]
async fn studio_page_and_static_files() {
    let s = TestServer::start(None, None).await;
    let home = s.get("/").await;
    assert_eq!(home.status(), StatusCode::OK);
    let csp = home.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(home.headers()["cache-control"], "no-cache");
    let html = home.text().await.unwrap();
    assert!(html.contains(r#"<script type="module" src="/static/app.js">"#));

    let app = s.get("/static/app.js").await;
    assert_eq!(app.status(), StatusCode::OK);
    assert_eq!(
        app.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(app.headers()["x-content-type-options"], "nosniff");
    let etag = app.headers()["etag"].to_str().unwrap().to_string();
    let body = app.text().await.unwrap();
    assert!(body.contains("import "), "app.js is an ES module");
    let again = s
        .client
        .get(s.url("/static/app.js"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let css = s.get("/static/studio.css").await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");

    // (`%2e%2e` would be normalised to `..` by the client before it is sent.)
    for name in ["nope.js", "..%2FCargo.toml", "APP.JS", "app.js.map"] {
        let (code, body) = s.get_json(&format!("/static/{name}")).await;
        assert_eq!(code, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(error_code(&body), "asset_not_found", "{name}");
    }
    s.stop().await;
}
