//! `tonewheel render`: render one note of a preset to WAV, with level facts.

use anyhow::Context;
use serde::Serialize;
use tonewheel_analysis::{assess_quality_with, QualityOptions, QualityReport};
use tonewheel_audio::{write_wav, BitDepth, Dither, WavOptions};
use tonewheel_synth::{parse_note_name, render, Preset, RenderRequest, SynthError};

use crate::cli::RenderArgs;
use crate::outcome::Outcome;

#[derive(Debug, Serialize)]
struct RenderReport {
    preset: String,
    duration_s: f64,
    sample_rate: u32,
    render_ms: f64,
    peak_dbfs: f64,
    true_peak_dbtp: Option<f64>,
    integrated_lufs: Option<f64>,
    normalisation: tonewheel_synth::Normalisation,
    quality: QualityReport,
    output: Option<String>,
}

/// Runs `render`.
pub fn run(args: &RenderArgs) -> Outcome {
    match run_inner(args) {
        Ok(()) => Outcome::Success,
        Err(e) => {
            eprintln!("tonewheel render: {e:#}");
            if let Some(SynthError::Io { source, .. }) = e.downcast_ref::<SynthError>() {
                if source.kind() == std::io::ErrorKind::NotFound {
                    Outcome::InputError
                } else {
                    Outcome::InternalError
                }
            } else if let Some(audio) = e.downcast_ref::<tonewheel_audio::AudioError>() {
                Outcome::of_audio_error(audio)
            } else {
                // Invalid presets, unstable renders and bad arguments are the input's fault.
                Outcome::InputError
            }
        }
    }
}

/// A path that exists is a file; otherwise the argument names a factory preset.
pub fn load_preset(arg: &std::path::Path) -> anyhow::Result<Preset> {
    if arg.exists() {
        return Ok(Preset::from_file(arg)?);
    }
    let id = arg.to_string_lossy();
    match tonewheel_synth::factory_preset(&id) {
        Some(p) => Ok(p?),
        None => anyhow::bail!(
            "{id}: no such file, and no factory preset with that id (see `tonewheel presets list`)"
        ),
    }
}

fn run_inner(args: &RenderArgs) -> anyhow::Result<()> {
    let preset = load_preset(&args.preset)?;
    let mut request = RenderRequest::preview(&preset);
    request.sample_rate = args.sample_rate;
    if let Some(d) = args.duration {
        request.duration_s = d;
        request.hold_s = request.hold_s.min(d);
    }
    if let Some(note) = &args.note {
        let midi = parse_note_name(note)
            .or_else(|| note.parse::<u8>().ok().filter(|&n| n <= 127))
            .with_context(|| {
                format!("--note {note}: expected a note name like C3 or a MIDI number")
            })?;
        request.note = f64::from(midi);
    }
    if let Some(hz) = args.freq {
        anyhow::ensure!(
            (8.0..=12_500.0).contains(&hz),
            "--freq {hz}: expected 8..12500 Hz"
        );
        request.note = 69.0 + 12.0 * (hz / request.context.a4_hz).log2();
    }
    if let Some(v) = args.velocity {
        request.velocity = v;
    }
    let result = render(&preset, &request)?;
    let depth = match args.bit_depth.as_str() {
        "16" => BitDepth::Int16,
        "24" => BitDepth::Int24,
        _ => BitDepth::Float32,
    };
    if let Some(out) = &args.output {
        write_wav(
            out,
            &result.audio,
            &WavOptions {
                bit_depth: depth,
                dither: Dither::Tpdf { seed: preset.seed },
            },
        )?;
    }
    // The safety stage measured the render before its gain; a gain shifts loudness and true
    // peak by exactly that many dB, so there is nothing to measure again.
    let norm = &result.normalisation;
    let lufs = norm.integrated_lufs_before.map(|l| l + norm.gain_db);
    let tp = norm.true_peak_dbtp_before + norm.gain_db;
    let quality = assess_quality_with(
        &result.audio,
        preset.role,
        &request.context,
        &QualityOptions {
            note_off_s: Some(request.hold_s),
            expected_pitch_hz: (!preset.role.is_percussive())
                .then(|| request.context.a4_hz * 2f64.powf((request.note - 69.0) / 12.0)),
        },
    );
    let report = RenderReport {
        preset: preset.name.clone(),
        duration_s: result.audio.duration_s(),
        sample_rate: result.audio.sample_rate(),
        render_ms: result.engine_ms,
        peak_dbfs: f64::from(result.audio.peak_dbfs()).max(-200.0),
        true_peak_dbtp: tp.is_finite().then_some(tp),
        integrated_lufs: lufs,
        normalisation: result.normalisation,
        quality,
        output: args.output.as_ref().map(|p| p.display().to_string()),
    };
    let accepted = report.quality.accepted();
    for v in &report.quality.violations {
        eprintln!(
            "tonewheel render: {}: quality violation {}: {}",
            args.preset.display(),
            v.code,
            v.message
        );
    }
    if args.json {
        crate::outcome::emit(&serde_json::to_string(&report)?);
    } else {
        crate::outcome::emit(&format!(
            "{}: {:.2} s at {} Hz, rendered in {:.2} ms, peak {:.1} dBFS, {} LUFS, true peak {} dBTP, quality {:.2}{}{}",
            report.preset,
            report.duration_s,
            report.sample_rate,
            report.render_ms,
            report.peak_dbfs,
            lufs.map_or("-inf".into(), |l| format!("{l:.1}")),
            report.true_peak_dbtp.map_or("-inf".into(), |t| format!("{t:.1}")),
            report.quality.overall_score,
            if report.quality.accepted() { "" } else { " (REJECTED)" },
            report.output.as_ref().map_or(String::new(), |o| format!(" -> {o}")),
        ));
    }
    anyhow::ensure!(
        accepted,
        "{}: rejected by the quality gate (overall score below 0.5)",
        args.preset.display()
    );
    Ok(())
}
