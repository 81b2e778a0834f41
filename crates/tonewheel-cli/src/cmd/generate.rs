//! `tonewheel generate`: a session from a genre template, rendered to a folder with the
//! session, the mix, one stem per track and one MIDI file per track.

use std::path::PathBuf;

use serde_json::json;
use tonewheel_compose::knowledge::Knowledge;

use crate::cli::GenerateArgs;
use crate::cmd::session::{
    finish, levels, levels_text, render_timed, round2, stereo, user_error, Failure,
};
use crate::outcome::Outcome;

/// Runs `generate`.
pub fn run(args: &GenerateArgs) -> Outcome {
    finish("generate", run_inner(args))
}

/// `./techno-128`, `./hiphop-92.5`.
fn default_dir(genre: &str, bpm: f64) -> PathBuf {
    PathBuf::from(format!("{genre}-{bpm}"))
}

fn run_inner(args: &GenerateArgs) -> Result<(), Failure> {
    if !(20.0..=300.0).contains(&args.bpm) {
        return Err(user_error(format!("BPM {}: expected 20..=300", args.bpm)));
    }
    let knowledge = Knowledge::load().map_err(|e| Failure {
        outcome: Outcome::InternalError,
        error: anyhow::anyhow!("embedded knowledge: {e}"),
    })?;
    let session = tonewheel_compose::generate::generate(
        &knowledge,
        &args.genre,
        Some(args.bpm),
        args.bars,
        args.key.as_deref(),
        args.seed,
    )
    .map_err(|e| user_error(e.to_string()))?;
    let genre = session.metadata.genre.clone().unwrap_or_default();
    let dir = args
        .output
        .clone()
        .unwrap_or_else(|| default_dir(&genre, args.bpm));
    let r = render_timed(&session)?;
    let mut written = tonewheel_compose::session::save(&session, &r.rendered, &dir)?;
    written.extend(tonewheel_compose::midi::export_midi(
        &session,
        &dir.join("midi"),
    )?);
    let rendered = &r.rendered;
    let mix = stereo(
        rendered.sample_rate,
        &rendered.mix_left,
        &rendered.mix_right,
    )?;
    let level = levels(&mix);
    let tracks: Vec<serde_json::Value> = session
        .tracks
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "instrument": t.instrument,
                "volume_db": t.channel.volume_db,
            })
        })
        .collect();
    let report = json!({
        "genre": genre,
        "bpm": session.context.bpm,
        "key": session.context.key,
        "bars": session.arrangement.iter().map(|s| s.bars).sum::<u32>(),
        "sections": session.arrangement.iter().map(|s| json!({"name": s.name, "bars": s.bars})).collect::<Vec<_>>(),
        "seed": session.context.seed,
        "sample_rate": rendered.sample_rate,
        "duration_s": round2(mix.duration_s()),
        "render_ms": round2(r.render_ms),
        "tracks": tracks,
        "levels": level,
        "output": dir.display().to_string(),
        "written": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    });
    if args.json {
        crate::outcome::emit(&report.to_string());
        return Ok(());
    }
    crate::outcome::emit(&format!("{} -> {}", session.metadata.title, dir.display()));
    crate::outcome::emit(&format!(
        "  {:.1} s at {} Hz, {} bars ({}), rendered in {:.0} ms, {}",
        mix.duration_s(),
        rendered.sample_rate,
        report["bars"],
        session
            .arrangement
            .iter()
            .map(|s| format!("{} {}", s.name, s.bars))
            .collect::<Vec<_>>()
            .join(", "),
        r.render_ms,
        levels_text(&level)
    ));
    crate::outcome::emit(&format!(
        "  {:<10} {:<28} {:>9}",
        "track", "instrument", "volume"
    ));
    for t in &session.tracks {
        let instrument = match &t.instrument {
            tonewheel_compose::session::InstrumentSpec::Preset(p) => p.clone(),
            tonewheel_compose::session::InstrumentSpec::Drums(kit) => {
                let mut presets: Vec<&str> = kit.values().map(String::as_str).collect();
                presets.dedup();
                format!("drums: {}", presets.join(", "))
            }
        };
        crate::outcome::emit(&format!(
            "  {:<10} {:<28} {:>6.1} dB",
            t.id, instrument, t.channel.volume_db
        ));
    }
    Ok(())
}
