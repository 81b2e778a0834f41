//! `tonewheel modify`: PARAM=VALUE edits to a session, all checked before the session is
//! written back (atomically); `--render` renders the mix again.

use std::path::Path;

use serde_json::json;
use tonewheel_audio::BitDepth;
use tonewheel_compose::modify::apply;

use crate::cli::ModifyArgs;
use crate::cmd::session::{
    finish, levels, levels_text, load_session, render_timed, round2, save_session, stereo,
    user_error, write, Failure,
};
use crate::outcome::Outcome;

/// Runs `modify`.
pub fn run(args: &ModifyArgs) -> Outcome {
    finish("modify", run_inner(args))
}

fn run_inner(args: &ModifyArgs) -> Result<(), Failure> {
    let (mut session, path) = load_session(&args.session)?;
    let mut changes = Vec::new();
    for p in &args.params {
        changes.push(apply(&mut session, p).map_err(|e| user_error(e.to_string()))?);
    }
    // The edits may be individually valid but together break a rule the render checks
    // (a sidechain stage, a pattern's section): refuse before writing.
    session
        .validate()
        .map_err(|e| user_error(format!("after the edits: {e}")))?;
    save_session(&session, &path)?;
    let mut report = json!({
        "session": path.display().to_string(),
        "changes": changes.iter().map(|c| json!({
            "param": c.param,
            "value": c.value,
            "added_stage": c.added_stage,
        })).collect::<Vec<_>>(),
    });
    if args.render {
        let r = render_timed(&session)?;
        let rendered = &r.rendered;
        let mix = stereo(
            rendered.sample_rate,
            &rendered.mix_left,
            &rendered.mix_right,
        )?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mix_path = dir.join("mix.wav");
        write(&mix_path, &mix, BitDepth::Float32, 0)?;
        report["mix"] = json!(mix_path.display().to_string());
        report["render_ms"] = json!(round2(r.render_ms));
        report["levels"] = levels(&mix);
    }
    if args.json {
        crate::outcome::emit(&report.to_string());
        return Ok(());
    }
    for c in &changes {
        crate::outcome::emit(&format!(
            "{} = {}{}",
            c.param,
            c.value,
            if c.added_stage { " (stage added)" } else { "" }
        ));
    }
    crate::outcome::emit(&format!("wrote {}", path.display()));
    if args.render {
        crate::outcome::emit(&format!(
            "rendered {} in {:.0} ms, {}",
            report["mix"].as_str().unwrap_or(""),
            report["render_ms"].as_f64().unwrap_or(0.0),
            levels_text(&report["levels"])
        ));
    }
    Ok(())
}
