//! `tonewheel analyze`: runs the analysis engine over files and folders, several files in
//! parallel, printing one result per file in input order (JSON lines or a short table).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::CommandFactory;
use serde_json::{json, Value};
use tonewheel_analysis::analyzers::TempoAnalyzer;
use tonewheel_analysis::engine::{Engine, EngineError, ExtractOptions, Registry};

use crate::cli::AnalyzeArgs;
use crate::outcome::Outcome;

/// One file's printed result.
struct FileOutcome {
    json: Value,
    human: String,
    outcome: Outcome,
}

/// Runs `analyze`.
pub fn run(args: &AnalyzeArgs) -> Outcome {
    let registry = match build_registry(args) {
        Ok(r) => r,
        Err(message) => {
            // A usage error: clap prints it and exits 2.
            crate::cli::Cli::command()
                .error(clap::error::ErrorKind::InvalidValue, message)
                .exit();
        }
    };
    let mut engine = Engine::new(registry);
    engine.extract_options = ExtractOptions {
        overview_points: args.points as usize,
        samples_per_pixel: args.samples_per_pixel.map(|s| s as usize),
    };
    let files = crate::batch::collect_files(&args.paths);
    if files.is_empty() {
        eprintln!("tonewheel analyze: no audio files found");
        return Outcome::InputError;
    }
    let pool = match crate::batch::thread_pool(args.jobs) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("tonewheel analyze: {e}");
            return Outcome::InternalError;
        }
    };
    let progress = std::io::stderr().is_terminal();
    let total = files.len();
    let mut outcome = Outcome::Success;
    crate::batch::run_in_order(
        pool,
        &files,
        |i, path| {
            let peaks_path = args.peaks.as_ref().map(|p| peaks_path_for(p, i, total));
            analyse_one(&engine, path, peaks_path.as_deref())
        },
        |i, r: FileOutcome| {
            if progress {
                eprint!("\r\x1b[2K");
            }
            if args.json {
                crate::outcome::emit(&r.json.to_string());
            } else {
                crate::outcome::emit(&r.human);
            }
            outcome = outcome.worst(r.outcome);
            let done = i + 1;
            if progress && done < total {
                eprint!("[{done}/{total}] analysed");
                let _ = std::io::stderr().flush();
            }
        },
    );
    outcome
}

fn build_registry(args: &AnalyzeArgs) -> Result<Registry, String> {
    let defaults = Registry::defaults();
    let names: Vec<String> = match &args.analyzers {
        Some(list) => {
            let mut names: Vec<String> = list
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if args.peaks.is_some() && !names.iter().any(|n| n == "peaks") {
                names.push("peaks".into());
            }
            names
        }
        None => defaults
            .names()
            .into_iter()
            .filter(|n| *n != "peaks" || args.peaks.is_some())
            .map(str::to_string)
            .collect(),
    };
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut registry = defaults.select(&refs).map_err(|e| e.to_string())?;
    if let (Some((lo, hi)), true) = (args.tempo_range, refs.contains(&"tempo")) {
        registry.register(Box::new(TempoAnalyzer::with_range(lo, hi)));
    }
    Ok(registry)
}

/// `OUT.json` for one file; `OUT-<n>.json` (1-based, input order) for several.
fn peaks_path_for(base: &Path, index: usize, total: usize) -> PathBuf {
    if total == 1 {
        return base.to_path_buf();
    }
    let stem = base.file_stem().and_then(|s| s.to_str()).unwrap_or("peaks");
    let ext = base.extension().and_then(|s| s.to_str()).unwrap_or("json");
    base.with_file_name(format!("{stem}-{}.{ext}", index + 1))
}

/// Writes `value` to `path` atomically (temporary file in the same folder, then rename).
fn write_atomic(path: &Path, value: &Value) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer(std::io::BufWriter::new(&mut tmp), value)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn analyse_one(engine: &Engine, path: &Path, peaks_path: Option<&Path>) -> FileOutcome {
    let started = Instant::now();
    let file = path.display().to_string();
    match engine.analyze_file(path) {
        Ok(report) => {
            let mut v = report.to_json();
            let mut outcome = Outcome::Success;
            if let Some(obj) = v.as_object_mut() {
                let peaks = obj.remove("peaks");
                if let (Some(out), Some(p)) = (peaks_path, peaks.filter(|p| !p.is_null())) {
                    let summary = json!({
                        "file": out.display().to_string(),
                        "length": p["length"],
                        "samples_per_pixel": p["samples_per_pixel"],
                    });
                    if let Err(e) = write_atomic(out, &p) {
                        eprintln!("tonewheel analyze: writing {}: {e}", out.display());
                        outcome = Outcome::InternalError;
                    }
                    obj.insert("peaks".into(), summary);
                }
                let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
                let mut ordered = serde_json::Map::new();
                ordered.insert("file".into(), json!(file));
                ordered.insert(
                    "elapsed_ms".into(),
                    json!((elapsed_ms * 10.0).round() / 10.0),
                );
                ordered.append(obj);
                v = Value::Object(ordered);
            }
            for a in report.analyzers.iter().filter(|a| a.status != "ok") {
                eprintln!(
                    "tonewheel analyze: {file}: analyzer {} failed: {}",
                    a.name,
                    a.error.as_deref().unwrap_or("")
                );
            }
            let human = human_report(&v);
            FileOutcome {
                json: v,
                human,
                outcome,
            }
        }
        Err(e) => {
            eprintln!("tonewheel analyze: {file}: {e}");
            let (code, outcome) = engine_error_code(&e);
            let json = json!({
                "file": file,
                "error": {"code": code, "message": e.to_string()},
            });
            FileOutcome {
                human: format!("{file}  error: {e}"),
                json,
                outcome,
            }
        }
    }
}

/// A stable code for a file that could not be analysed, and the exit outcome it implies.
pub fn engine_error_code(e: &EngineError) -> (&'static str, Outcome) {
    let outcome = match e {
        EngineError::Audio(a) => Outcome::of_audio_error(a),
        EngineError::Unsupported(_) => Outcome::InputError,
        EngineError::Panicked(_) => Outcome::InternalError,
    };
    (tonewheel_store::engine_error_code(e), outcome)
}

fn num(v: &Value, digits: usize) -> String {
    v.as_f64()
        .map_or_else(|| "-".to_string(), |x| format!("{x:.digits$}"))
}

/// A short readable table for one file.
fn human_report(v: &Value) -> String {
    let mut lines = vec![format!(
        "{}  ({} s, {} Hz, {} ch, {} ms)",
        v["file"].as_str().unwrap_or(""),
        num(&v["duration_s"], 2),
        v["sample_rate"],
        v["channels"],
        num(&v["elapsed_ms"], 0)
    )];
    let l = &v["loudness"];
    if l.is_object() {
        lines.push(format!(
            "  loudness   {} LUFS  LRA {} LU  true peak {} dBTP  peak {} dBFS  RMS {} dBFS",
            num(&l["integrated_lufs"], 1),
            num(&l["range_lu"], 1),
            num(&l["true_peak_dbtp"], 1),
            num(&l["sample_peak_dbfs"], 1),
            num(&l["rms_dbfs"], 1)
        ));
    }
    let t = &v["tempo"];
    if t.is_object() {
        lines.push(format!(
            "  tempo      {} BPM (confidence {}, alternative {}, {}), {} beats",
            num(&t["bpm"], 1),
            num(&t["confidence"], 2),
            num(&t["alternative_bpm"], 1),
            t["meter"].as_str().unwrap_or("-"),
            t["beats_s"].as_array().map_or(0, Vec::len)
        ));
    }
    let k = &v["key"];
    if k.is_object() {
        lines.push(format!(
            "  key        {} {} (confidence {}{})",
            k["tonic"].as_str().unwrap_or("-"),
            k["mode"].as_str().unwrap_or(""),
            num(&k["confidence"], 2),
            if k["tonal"] == true { "" } else { ", atonal" }
        ));
    }
    let p = &v["pitch"];
    if p.is_object() {
        lines.push(format!(
            "  pitch      {} {} cents ({} Hz)",
            p["note_name"].as_str().unwrap_or("-"),
            num(&p["cents"], 0),
            num(&p["f0_hz"], 1)
        ));
    }
    let s = &v["spectral"];
    if s.is_object() {
        lines.push(format!(
            "  spectral   centroid {} Hz  flatness {}  low/mid/high {}/{}/{}",
            num(&s["centroid_hz"], 0),
            num(&s["flatness"], 2),
            num(&s["low_ratio"], 2),
            num(&s["mid_ratio"], 2),
            num(&s["high_ratio"], 2)
        ));
    }
    let st = &v["stereo"];
    if st.is_object() {
        lines.push(format!(
            "  stereo     width {}  correlation {}",
            num(&st["width"], 2),
            num(&st["correlation"], 2)
        ));
    }
    let regions = v["regions"].as_array().map_or(0, Vec::len);
    lines.push(format!(
        "  regions    {regions}{}",
        if v["silent"] == true { " (silent)" } else { "" }
    ));
    for a in v["analyzers"].as_array().into_iter().flatten() {
        if a["status"] != "ok" {
            lines.push(format!(
                "  FAILED     {}: {}",
                a["name"].as_str().unwrap_or(""),
                a["error"].as_str().unwrap_or("")
            ));
        }
    }
    lines.join("\n")
}
