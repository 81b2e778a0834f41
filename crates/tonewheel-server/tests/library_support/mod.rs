//! Harness of `library_api.rs`: the real server on an ephemeral loopback port over each
//! catalogue backend (SQLite always, PostgreSQL when `TONEWHEEL_TEST_POSTGRES_URL` is set),
//! an HTTP client for it, and generated test audio.

use std::future::Future;
use std::path::{Path, PathBuf};

use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::Executor;
use tonewheel_server::{ServeConfig, Server, ServerError};

/// Sample rate of the generated test audio, Hz.
pub const RATE: u32 = 22_050;

/// Runs `body` with `None` (SQLite in the server's data folder), then with the URL of a fresh
/// PostgreSQL schema when `TONEWHEEL_TEST_POSTGRES_URL` is set; the schema is dropped
/// afterwards, even when the body fails.
pub async fn on_every_backend<F, Fut>(body: F)
where
    F: Fn(Option<String>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let sqlite = tokio::spawn(body(None)).await;
    if let Err(e) = sqlite {
        std::panic::resume_unwind(e.into_panic());
    }
    let Some(base) = std::env::var("TONEWHEEL_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        return;
    };
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&base).await.unwrap();
    let schema = format!(
        "tw_api_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let postgres = tokio::spawn(body(Some(url))).await;
    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .await
        .unwrap();
    admin.close().await;
    if let Err(e) = postgres {
        std::panic::resume_unwind(e.into_panic());
    }
}

pub struct TestServer {
    pub base: String,
    pub data: tempfile::TempDir,
    pub client: Client,
    pub shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub task: Option<tokio::task::JoinHandle<Result<(), ServerError>>>,
}

impl TestServer {
    /// A server on an ephemeral loopback port with a fresh data folder, the catalogue at
    /// `database_url` (SQLite in the data folder when `None`), `roots` as library folders.
    pub async fn start(database_url: Option<String>, roots: &[&Path], max_upload: u64) -> Self {
        let data = tempfile::tempdir().unwrap();
        let config = ServeConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            data_dir: data.path().to_path_buf(),
            database_url,
            library_roots: roots.iter().map(|r| r.to_path_buf()).collect(),
            max_upload_bytes: max_upload,
            ..ServeConfig::default()
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

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let r = self.get(path).await;
        (r.status(), r.json().await.unwrap())
    }

    pub async fn analyze(&self, file_path: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url("/analyze"))
            .json(&json!({ "file_path": file_path }))
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap())
    }

    pub async fn upload_form(&self, form: Form) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url("/api/analyze/upload"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap())
    }

    pub async fn upload(
        &self,
        name: &str,
        bytes: Vec<u8>,
        tags: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
        if let Some(t) = tags {
            form = form.text("tags", t.to_string());
        }
        self.upload_form(form).await
    }

    /// `total` of an unfiltered listing.
    pub async fn file_count(&self) -> u64 {
        self.get_json("/database/files").await.1["total"]
            .as_u64()
            .unwrap()
    }

    pub fn uploads(&self) -> PathBuf {
        self.data.path().join("uploads")
    }

    /// Graceful shutdown must end the serve task without error.
    pub async fn stop(mut self) {
        let _ = self.shutdown.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
    }
}

pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

pub fn sine(f_hz: f64, i: usize) -> f32 {
    (std::f64::consts::TAU * f_hz * i as f64 / f64::from(RATE)).sin() as f32
}

/// A 16-bit WAV of planar `channels` at [`RATE`].
pub fn wav(channels: &[Vec<f32>]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for i in 0..channels[0].len() {
        for ch in channels {
            w.write_sample((ch[i].clamp(-1.0, 1.0) * 32767.0).round() as i16)
                .unwrap();
        }
    }
    w.finalize().unwrap();
    out.into_inner()
}

/// `seconds` of a `freq_hz` sine at `amplitude`, mono.
pub fn tone(freq_hz: f64, seconds: f64, amplitude: f32) -> Vec<Vec<f32>> {
    let n = (seconds * f64::from(RATE)) as usize;
    vec![(0..n).map(|i| amplitude * sine(freq_hz, i)).collect()]
}

/// A decaying 55 Hz sine of 0.4 s (`gain` scales it).
pub fn kick(gain: f32) -> Vec<Vec<f32>> {
    let n = (0.4 * f64::from(RATE)) as usize;
    vec![(0..n)
        .map(|i| gain * (-(i as f64) / f64::from(RATE) * 12.0).exp() as f32 * sine(55.0, i))
        .collect()]
}

/// `seconds` of clicks at `bpm`: a 2 kHz burst decaying in ~10 ms on every beat.
pub fn clicks(bpm: f64, seconds: f64) -> Vec<Vec<f32>> {
    let beat = (60.0 / bpm * f64::from(RATE)) as usize;
    let n = (seconds * f64::from(RATE)) as usize;
    vec![(0..n)
        .map(|i| {
            let t = (i % beat) as f64 / f64::from(RATE);
            0.8 * (-t * 400.0).exp() as f32 * sine(2000.0, i)
        })
        .collect()]
}

/// A folder `lib/` (the library root) beside `outside.wav`, which must stay unreachable.
pub fn library_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("lib");
    std::fs::create_dir_all(lib.join("drums")).unwrap();
    std::fs::write(dir.path().join("outside.wav"), wav(&kick(0.5))).unwrap();
    (dir, lib)
}

pub fn names(files: &Value) -> Vec<String> {
    files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_name"].as_str().unwrap().to_string())
        .collect()
}

pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|items| {
            items
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A file of the audio crate's test fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tonewheel-audio/tests/fixtures")
        .join(name)
}

/// Starts `POST /analyze {"file_path": name}` in a task and returns it once the analysis holds
/// a render slot (it is then surely in flight).
pub async fn analysis_in_flight(
    s: &TestServer,
    name: &str,
    busy_slots: u64,
) -> tokio::task::JoinHandle<(StatusCode, Value)> {
    let client = s.client.clone();
    let url = s.url("/analyze");
    let body = json!({ "file_path": name });
    let request = tokio::spawn(async move {
        let r = client.post(url).json(&body).send().await.unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (_, r) = s.get_json("/api/system/resources").await;
        let busy =
            r["render_slots_total"].as_u64().unwrap() - r["render_slots_free"].as_u64().unwrap();
        if busy > busy_slots {
            return request;
        }
        assert!(
            !request.is_finished(),
            "{name}: the import ended before the shutdown"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "{name}: the import never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}
