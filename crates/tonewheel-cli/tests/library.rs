//! `tonewheel library` end to end on a generated folder: a 120 BPM click track, an F-minor
//! pad, a kick one-shot and a corrupt file. Import counts, the corrupt file's recorded reason,
//! skipping on re-import, replacing on change, search by name / tempo / key / role, stats.
//! The catalogue is SQLite in a temporary data folder, and the same test runs again on a fresh
//! PostgreSQL schema when `TONEWHEEL_TEST_POSTGRES_URL` is set.

use std::path::Path;

mod common;
use common::{json_lines, write_wav};

const RATE: u32 = 22_050;

fn sine(f_hz: f64, i: usize) -> f64 {
    (std::f64::consts::TAU * f_hz * i as f64 / f64::from(RATE)).sin()
}

/// `seconds` of 120 BPM clicks: a 2 kHz burst decaying in ~10 ms on every beat, mono.
fn click_track(seconds: f64) -> Vec<Vec<f32>> {
    let beat = (0.5 * f64::from(RATE)) as usize;
    let n = (seconds * f64::from(RATE)) as usize;
    vec![(0..n)
        .map(|i| {
            let t = (i % beat) as f64 / f64::from(RATE);
            (0.8 * (-t * 400.0).exp() * sine(2000.0, i)) as f32
        })
        .collect()]
}

/// `seconds` of an F-minor triad (F3, Ab3, C4) with its octaves, stereo.
fn f_minor_pad(seconds: f64) -> Vec<Vec<f32>> {
    let n = (seconds * f64::from(RATE)) as usize;
    let notes_hz = [174.61, 207.65, 261.63, 349.23];
    let l: Vec<f32> = (0..n)
        .map(|i| (0.2 * notes_hz.iter().map(|f| sine(*f, i)).sum::<f64>()) as f32)
        .collect();
    vec![l.clone(), l]
}

/// A 0.4 s kick: a decaying 55 Hz sine.
fn kick() -> Vec<Vec<f32>> {
    let n = (0.4 * f64::from(RATE)) as usize;
    vec![(0..n)
        .map(|i| (0.9 * (-(i as f64) / f64::from(RATE) * 12.0).exp() * sine(55.0, i)) as f32)
        .collect()]
}

/// Where the catalogue under test is.
enum Catalogue<'a> {
    Sqlite(&'a Path),
    Postgres(&'a str),
}

fn library(args: &[&str], catalogue: &Catalogue<'_>) -> std::process::Output {
    let mut all: Vec<&str> = vec!["library"];
    all.extend_from_slice(args);
    match catalogue {
        Catalogue::Sqlite(data) => all.extend_from_slice(&["--data", data.to_str().unwrap()]),
        Catalogue::Postgres(url) => all.extend_from_slice(&["--database-url", url]),
    }
    // A developer's own TONEWHEEL_DATABASE_URL must not redirect the test.
    std::process::Command::new(env!("CARGO_BIN_EXE_tonewheel"))
        .args(&all)
        .env_remove("TONEWHEEL_LOG")
        .env_remove("TONEWHEEL_DATABASE_URL")
        .output()
        .expect("run tonewheel")
}

fn names(out: &std::process::Output) -> Vec<String> {
    json_lines(out)
        .iter()
        .map(|v| v["file_name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn import_search_reimport_and_stats_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_search_reimport_and_stats(dir.path(), &Catalogue::Sqlite(&data));
    assert!(data.join("tonewheel.db").is_file());
}

#[test]
fn import_search_reimport_and_stats_on_postgres() {
    let Some(base) = std::env::var("TONEWHEEL_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    sqlx::any::install_default_drivers();
    let admin = rt.block_on(sqlx::AnyPool::connect(&base)).unwrap();
    let schema = format!("tw_cli_test_{}", std::process::id());
    let sql = |text: String| {
        rt.block_on(sqlx::query(sqlx::AssertSqlSafe(text)).execute(&admin))
            .unwrap();
    };
    sql(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    sql(format!("CREATE SCHEMA {schema}"));
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let dir = tempfile::tempdir().unwrap();
    let result = std::panic::catch_unwind(|| {
        import_search_reimport_and_stats(dir.path(), &Catalogue::Postgres(&url));
    });
    sql(format!("DROP SCHEMA {schema} CASCADE"));
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn import_search_reimport_and_stats(dir: &Path, data: &Catalogue<'_>) {
    let samples = dir.join("samples");
    std::fs::create_dir_all(samples.join("loops")).unwrap();
    write_wav(
        &samples.join("loops/click 120.wav"),
        RATE,
        &click_track(8.0),
    );
    write_wav(&samples.join("warm pad.wav"), RATE, &f_minor_pad(4.0));
    write_wav(&samples.join("Kick 01.wav"), RATE, &kick());
    std::fs::write(
        samples.join("broken.wav"),
        b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk",
    )
    .unwrap();
    let folder = samples.to_str().unwrap();

    let out = library(&["import", "--json", "--jobs", "2", folder], data);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed file makes exit code 1"
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 5, "four files and the summary");
    let summary = &lines[4]["summary"];
    assert_eq!(summary["files"], 4);
    assert_eq!(summary["imported"], 3);
    assert_eq!(summary["failed"], 1);
    assert_eq!(summary["skipped"], 0);
    let backend = match data {
        Catalogue::Sqlite(_) => "sqlite",
        Catalogue::Postgres(_) => "postgres",
    };
    assert_eq!(summary["backend"], backend);
    // Sorted input order: Kick 01, broken, loops/click 120, warm pad.
    let broken = &lines[1];
    assert!(broken["file"].as_str().unwrap().ends_with("broken.wav"));
    assert_eq!(broken["action"], "inserted");
    assert_eq!(broken["status"], "error");
    assert!(broken["error"]["message"].as_str().unwrap().len() > 5);

    // The failure is in the catalogue with its reason.
    let out = library(&["search", "--status", "error", "--json"], data);
    assert!(out.status.success());
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["file_name"], "broken.wav");
    assert_eq!(rows[0]["error_text"], broken["error"]["message"]);

    // Re-import: everything unchanged, nothing analysed again.
    let out = library(&["import", "--json", folder], data);
    assert_eq!(out.status.code(), Some(0));
    let lines = json_lines(&out);
    assert_eq!(lines[4]["summary"]["skipped"], 4);
    assert_eq!(lines[4]["summary"]["imported"], 0);

    // Search by name words (folder names count), tempo, key and role.
    let out = library(&["search", "click", "--json"], data);
    assert_eq!(names(&out), ["click 120.wav"]);
    let out = library(&["search", "loops", "--json"], data);
    assert_eq!(names(&out), ["click 120.wav"]);
    let out = library(&["search", "--bpm", "115-125", "--json"], data);
    assert_eq!(names(&out), ["click 120.wav"]);
    let out = library(&["search", "--key", "F minor", "--json"], data);
    assert_eq!(names(&out), ["warm pad.wav"]);
    let out = library(&["search", "--role", "kick", "--json"], data);
    assert_eq!(names(&out), ["Kick 01.wav"]);
    let out = library(&["search", "--tag", "one-shot", "--json"], data);
    assert_eq!(names(&out), ["Kick 01.wav"]);
    let out = library(&["search", "--key", "H minor"], data);
    assert_eq!(out.status.code(), Some(1), "a bad key is a user error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("H minor"));

    // Stats: 4 files, 3 analysed, durations add up (8 + 4 + 0.4 s).
    let out = library(&["stats", "--json"], data);
    let stats = &json_lines(&out)[0];
    assert_eq!(
        (
            stats["files"].as_i64(),
            stats["ok"].as_i64(),
            stats["errors"].as_i64()
        ),
        (Some(4), Some(3), Some(1))
    );
    let total_s = stats["total_duration_s"].as_f64().unwrap();
    assert!((total_s - 12.4).abs() < 0.01, "total {total_s}");
    assert_eq!(stats["by_key"][0]["key"], "F minor");
    let tempo = stats["by_tempo"].as_array().unwrap();
    assert!(
        tempo.iter().any(|t| t["min_bpm"] == 120 && t["files"] == 1),
        "{tempo:?}"
    );

    // A changed file is replaced in place (same id).
    let list = json_lines(&library(&["list", "--json"], data));
    assert_eq!(list.len(), 4);
    let pad_id = list
        .iter()
        .find(|r| r["file_name"] == "warm pad.wav")
        .unwrap()["id"]
        .clone();
    write_wav(&samples.join("warm pad.wav"), RATE, &f_minor_pad(3.0));
    let lines = json_lines(&library(&["import", "--json", folder], data));
    assert_eq!(lines[4]["summary"]["replaced"], 1);
    assert_eq!(lines[4]["summary"]["skipped"], 3);
    assert_eq!(lines[3]["action"], "replaced");
    assert_eq!(lines[3]["id"], pad_id);

    // `show` returns the regions and every analyzer result.
    let out = library(&["show", &pad_id.to_string(), "--json"], data);
    let detail = &json_lines(&out)[0];
    assert!((detail["duration_s"].as_f64().unwrap() - 3.0).abs() < 0.01);
    let whole = &detail["regions"][0];
    assert_eq!(whole["kind"], "file");
    assert!(whole["results"].as_array().unwrap().len() >= 8);

    // Human output is a table.
    let out = library(&["list"], data);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().next().unwrap().contains("path") && text.contains("broken.wav"));
}
