//! `tonewheel info`: what each file holds, one line or one JSON object per file.

use std::path::Path;

use serde::Serialize;
use tonewheel_audio::{probe_info, AudioBuffer, AudioError, AudioStream};

use crate::cli::InfoArgs;
use crate::cmd::audio_error_code;
use crate::outcome::Outcome;

/// Chunk size for `--verify` walks: 64k frames keeps memory small and calls few.
const VERIFY_CHUNK_FRAMES: usize = 65_536;

/// One file's report.
#[derive(Debug, Serialize)]
struct InfoRecord {
    path: String,
    format: &'static str,
    codec: String,
    sample_rate: u32,
    channels: u32,
    frames: u64,
    duration_s: f64,
    bits_per_sample: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified_peak_dbfs: Option<f32>,
}

/// The JSON line printed for a file that failed.
#[derive(Debug, Serialize)]
struct ErrorRecord<'a> {
    path: String,
    error: ErrorBody<'a>,
}

#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: String,
}

/// Runs `info` over every file; a bad file is reported and the others still run.
pub fn run(args: &InfoArgs) -> Outcome {
    let mut outcome = Outcome::Success;
    for path in &args.files {
        match describe(path, args.verify) {
            Ok(record) => {
                if args.json {
                    crate::outcome::emit(&serde_json::to_string(&record).unwrap_or_default());
                } else {
                    crate::outcome::emit(&human_line(&record));
                }
            }
            Err(e) => {
                eprintln!("tonewheel info: {e}");
                if args.json {
                    let rec = ErrorRecord {
                        path: path.display().to_string(),
                        error: ErrorBody {
                            code: audio_error_code(&e),
                            message: e.to_string(),
                        },
                    };
                    crate::outcome::emit(&serde_json::to_string(&rec).unwrap_or_default());
                }
                outcome = outcome.worst(Outcome::of_audio_error(&e));
            }
        }
    }
    outcome
}

fn describe(path: &Path, verify: bool) -> Result<InfoRecord, AudioError> {
    let (info, peak) = if verify {
        let mut stream = AudioStream::open(path, VERIFY_CHUNK_FRAMES)?;
        let mut chunk = AudioBuffer::silent(stream.info().sample_rate, 1, 0);
        let mut peak = 0.0f32;
        while stream.read_chunk(&mut chunk)? > 0 {
            peak = peak.max(chunk.peak());
        }
        let mut info = stream.info().clone();
        info.frames = Some(stream.frames_read());
        let peak_dbfs = if peak > 0.0 {
            20.0 * peak.log10()
        } else {
            f32::NEG_INFINITY
        };
        (info, Some(peak_dbfs))
    } else {
        (probe_info(path)?, None)
    };
    let frames = info.frames.unwrap_or(0);
    Ok(InfoRecord {
        path: path.display().to_string(),
        format: info.format.name(),
        codec: info.codec.clone(),
        sample_rate: info.sample_rate,
        channels: info.channels,
        frames,
        duration_s: frames as f64 / f64::from(info.sample_rate),
        bits_per_sample: info.bits_per_sample,
        // JSON has no -inf; silence is reported as a very low level.
        verified_peak_dbfs: peak.map(|p| p.max(-200.0)),
    })
}

fn human_line(r: &InfoRecord) -> String {
    let bits = r
        .bits_per_sample
        .map_or_else(|| "-".to_string(), |b| format!("{b}-bit"));
    let mut line = format!(
        "{}  {} {} {} Hz {} ch {} frames {:.3} s {}",
        r.path, r.format, r.codec, r.sample_rate, r.channels, r.frames, r.duration_s, bits
    );
    if let Some(p) = r.verified_peak_dbfs {
        line.push_str(&format!("  verified, peak {p:.1} dBFS"));
    }
    line
}
