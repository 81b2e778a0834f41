//! `tonewheel session render` and `tonewheel export`, plus what every session verb shares:
//! finding and loading a session, rendering it with timing and level facts, writing WAVs and
//! classifying failures into exit codes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{json, Value};
use tonewheel_audio::{resample, AudioBuffer, BitDepth, Dither, ResampleQuality, WavOptions};
use tonewheel_compose::session::{
    render as render_session, RenderedSession, Session, SessionError,
};

use crate::cli::{ExportArgs, ExportFormat, SessionRenderArgs};
use crate::outcome::Outcome;

/// Largest session file read, bytes (a session with 64 tracks of long clips is a few MB).
const MAX_SESSION_BYTES: u64 = 64 << 20;

/// A failed verb: what to print and which exit code it means.
pub struct Failure {
    /// Exit code class.
    pub outcome: Outcome,
    /// The message chain.
    pub error: anyhow::Error,
}

/// Input's fault unless the error is an I/O failure of ours (writing files, the system).
impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Failure {
        let error: anyhow::Error = e.into();
        let internal = error.chain().any(|c| {
            c.is::<std::io::Error>()
                || matches!(
                    c.downcast_ref::<SessionError>(),
                    Some(SessionError::Io { .. })
                )
                || matches!(
                    c.downcast_ref::<tonewheel_compose::library::LibraryError>(),
                    Some(tonewheel_compose::library::LibraryError::Io { .. })
                )
                || c.downcast_ref::<tonewheel_audio::AudioError>()
                    .is_some_and(|a| !a.is_input_error())
        });
        Failure {
            outcome: if internal {
                Outcome::InternalError
            } else {
                Outcome::InputError
            },
            error,
        }
    }
}

/// A user error with this message.
pub fn user_error(message: String) -> Failure {
    Failure {
        outcome: Outcome::InputError,
        error: anyhow::anyhow!(message),
    }
}

/// Prints the failure for `verb` and returns its outcome.
pub fn finish(verb: &str, result: Result<(), Failure>) -> Outcome {
    match result {
        Ok(()) => Outcome::Success,
        Err(f) => {
            eprintln!("tonewheel {verb}: {:#}", f.error);
            f.outcome
        }
    }
}

/// `SESSION` as given: a session.json file or a folder holding one.
pub fn session_file(arg: &Path) -> PathBuf {
    if arg.is_dir() {
        arg.join("session.json")
    } else {
        arg.to_path_buf()
    }
}

/// Reads and parses a session (size-checked; a missing file is the user's error).
pub fn load_session(arg: &Path) -> Result<(Session, PathBuf), Failure> {
    use std::io::Read;
    let path = session_file(arg);
    if !path.is_file() {
        return Err(user_error(format!(
            "{}: no such session file (give a session.json or a folder holding one)",
            path.display()
        )));
    }
    let mut text = String::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(MAX_SESSION_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| user_error(format!("{}: {e}", path.display())))?;
    if text.len() as u64 > MAX_SESSION_BYTES {
        return Err(user_error(format!(
            "{}: larger than {MAX_SESSION_BYTES} bytes",
            path.display()
        )));
    }
    let session =
        Session::from_json(&text).map_err(|e| user_error(format!("{}: {e}", path.display())))?;
    Ok((session, path))
}

/// Writes `session.json` atomically.
pub fn save_session(session: &Session, path: &Path) -> Result<(), Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, session.to_json().as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A render with the facts reports print.
pub struct Render {
    /// Stems and mix.
    pub rendered: RenderedSession,
    /// Wall time of the render, ms.
    pub render_ms: f64,
}

/// Renders (validation errors are the input's fault).
pub fn render_timed(session: &Session) -> Result<Render, Failure> {
    let started = Instant::now();
    let rendered = render_session(session).map_err(|e| user_error(e.to_string()))?;
    Ok(Render {
        rendered,
        render_ms: started.elapsed().as_secs_f64() * 1e3,
    })
}

/// Stereo planes as an audio buffer.
pub fn stereo(sample_rate: u32, l: &[f32], r: &[f32]) -> Result<AudioBuffer, Failure> {
    Ok(AudioBuffer::from_channels(
        sample_rate,
        vec![l.to_vec(), r.to_vec()],
    )?)
}

/// Writes a WAV (atomically, via the audio crate).
pub fn write(path: &Path, audio: &AudioBuffer, depth: BitDepth, seed: u64) -> Result<(), Failure> {
    let dither = if depth == BitDepth::Float32 {
        Dither::None
    } else {
        Dither::Tpdf { seed }
    };
    tonewheel_audio::write_wav(
        path,
        audio,
        &WavOptions {
            bit_depth: depth,
            dither,
        },
    )?;
    Ok(())
}

/// Level facts of a mix: sample peak, true peak, integrated loudness — measured by the analysis
/// engine's meter, so they are the numbers `tonewheel analyze` prints for the same file.
pub fn levels(audio: &AudioBuffer) -> Value {
    use tonewheel_analysis::amplitude_to_db;
    use tonewheel_analysis::engine::{extract_buffer, ExtractOptions, Feature, FeatureSet};
    let cache = extract_buffer(
        audio,
        FeatureSet::of(&[Feature::Loudness]),
        ExtractOptions::default(),
    );
    let Ok(cache) = cache else {
        return json!({"peak_dbfs": null, "true_peak_dbtp": null, "integrated_lufs": null});
    };
    let sample_peak = cache
        .levels
        .channel_peak
        .iter()
        .fold(0.0f32, |m, p| m.max(*p));
    let (integrated, true_peak) = cache.loudness.as_ref().map_or((None, 0.0), |l| {
        (
            l.integrated_lufs,
            l.true_peak.iter().fold(0.0f64, |m, p| m.max(*p)),
        )
    });
    json!({
        "peak_dbfs": round2(amplitude_to_db(f64::from(sample_peak))),
        "true_peak_dbtp": round2(amplitude_to_db(true_peak.max(f64::from(sample_peak)))),
        "integrated_lufs": integrated.map(round2),
    })
}

/// Two decimals, for reports.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Human one-liner of the level facts.
pub fn levels_text(v: &Value) -> String {
    let num = |x: &Value| x.as_f64().map_or("-inf".to_owned(), |v| format!("{v:.1}"));
    format!(
        "peak {} dBFS, true peak {} dBTP, {} LUFS",
        num(&v["peak_dbfs"]),
        num(&v["true_peak_dbtp"]),
        num(&v["integrated_lufs"])
    )
}

/// Runs `session render`.
pub fn render(args: &SessionRenderArgs) -> Outcome {
    finish("session render", render_inner(args))
}

fn render_inner(args: &SessionRenderArgs) -> Result<(), Failure> {
    let (session, path) = load_session(&args.session)?;
    let dir = match &args.output {
        Some(d) => d.clone(),
        None => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    };
    let r = render_timed(&session)?;
    std::fs::create_dir_all(&dir)?;
    let mut written = Vec::new();
    let rendered = &r.rendered;
    let mix = stereo(
        rendered.sample_rate,
        &rendered.mix_left,
        &rendered.mix_right,
    )?;
    // 32-bit float: bit-exact with the render, so nothing is lost before mastering.
    let mix_path = dir.join("mix.wav");
    write(&mix_path, &mix, BitDepth::Float32, 0)?;
    written.push(mix_path);
    if args.stems {
        let stems = dir.join("stems");
        std::fs::create_dir_all(&stems)?;
        for (id, l, rr) in &rendered.stems {
            let p = stems.join(format!("{id}.wav"));
            write(
                &p,
                &stereo(rendered.sample_rate, l, rr)?,
                BitDepth::Float32,
                0,
            )?;
            written.push(p);
        }
    }
    let report = json!({
        "session": path.display().to_string(),
        "written": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "duration_s": round2(mix.duration_s()),
        "sample_rate": rendered.sample_rate,
        "render_ms": round2(r.render_ms),
        "levels": levels(&mix),
    });
    if args.json {
        crate::outcome::emit(&report.to_string());
    } else {
        crate::outcome::emit(&format!(
            "{}: {:.2} s at {} Hz in {:.0} ms, {}",
            path.display(),
            mix.duration_s(),
            rendered.sample_rate,
            r.render_ms,
            levels_text(&report["levels"])
        ));
        for p in &written {
            crate::outcome::emit(&format!("  {}", p.display()));
        }
    }
    Ok(())
}

/// Runs `export`.
pub fn export(args: &ExportArgs) -> Outcome {
    finish("export", export_inner(args))
}

fn export_inner(args: &ExportArgs) -> Result<(), Failure> {
    let (session, path) = load_session(&args.session)?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let depth = if args.bit_depth == "16" {
        BitDepth::Int16
    } else {
        BitDepth::Int24
    };
    let rate: Option<u32> = args.sample_rate.as_deref().and_then(|r| r.parse().ok());
    let mut written = Vec::new();
    let mut facts = json!({});
    match args.format {
        ExportFormat::Midi => {
            let dir = args.output.clone().unwrap_or_else(|| base.join("midi"));
            written =
                tonewheel_compose::midi::export_midi(&session, &dir).map_err(|e| match e {
                    SessionError::Io { .. } => Failure::from(e),
                    other => user_error(other.to_string()),
                })?;
        }
        ExportFormat::Wav | ExportFormat::Stems => {
            let r = render_timed(&session)?;
            let rendered = &r.rendered;
            let out_rate = rate.unwrap_or(rendered.sample_rate);
            let convert = |l: &[f32], rr: &[f32]| -> Result<AudioBuffer, Failure> {
                let a = stereo(rendered.sample_rate, l, rr)?;
                if out_rate == rendered.sample_rate {
                    Ok(a)
                } else {
                    Ok(resample(&a, out_rate, ResampleQuality::High)?)
                }
            };
            let seed = session.context.seed;
            if args.format == ExportFormat::Wav {
                let out = args
                    .output
                    .clone()
                    .unwrap_or_else(|| base.join("export.wav"));
                if let Some(d) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(d)?;
                }
                let mix = convert(&rendered.mix_left, &rendered.mix_right)?;
                write(&out, &mix, depth, seed)?;
                facts = json!({
                    "duration_s": round2(mix.duration_s()),
                    "levels": levels(&mix),
                });
                written.push(out);
            } else {
                let dir = args
                    .output
                    .clone()
                    .unwrap_or_else(|| base.join("export-stems"));
                std::fs::create_dir_all(&dir)?;
                for (i, (id, l, rr)) in rendered.stems.iter().enumerate() {
                    let p = dir.join(format!("{id}.wav"));
                    write(&p, &convert(l, rr)?, depth, seed.wrapping_add(i as u64))?;
                    written.push(p);
                }
            }
            facts["render_ms"] = json!(round2(r.render_ms));
            facts["sample_rate"] = json!(out_rate);
            facts["bit_depth"] = json!(if depth == BitDepth::Int16 { 16 } else { 24 });
        }
    }
    let mut report = json!({
        "session": path.display().to_string(),
        "format": format!("{:?}", args.format).to_lowercase(),
        "written": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    });
    if let (Some(r), Some(f)) = (report.as_object_mut(), facts.as_object()) {
        r.extend(f.clone());
    }
    if args.json {
        crate::outcome::emit(&report.to_string());
    } else {
        for p in &written {
            crate::outcome::emit(&p.display().to_string());
        }
    }
    Ok(())
}
