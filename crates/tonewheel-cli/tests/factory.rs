//! The factory library: every preset validates, renders deterministically through the
//! safety stage, has no quality violations and scores at least 0.75 overall; every role is
//! represented by at least 8 presets.

use std::collections::BTreeMap;

use tonewheel_analysis::{assess_quality_with, QualityOptions};
use tonewheel_audio::Role;
use tonewheel_synth::{factory_ids, factory_preset, factory_presets, render, RenderRequest};

/// Issue floor for factory presets (seed 000 §1.3: quality score > 0.75 for all presets).
const FACTORY_FLOOR: f32 = 0.75;

#[derive(Debug)]
struct Outcome {
    id: &'static str,
    role: Role,
    score: f32,
    problems: Vec<String>,
}

fn check(id: &'static str, preset: tonewheel_synth::Result<tonewheel_synth::Preset>) -> Outcome {
    let preset = match preset {
        Ok(p) => p,
        Err(e) => {
            return Outcome {
                id,
                role: Role::Fx,
                score: 0.0,
                problems: vec![e.to_string()],
            }
        }
    };
    let request = RenderRequest::preview(&preset);
    let mut problems = Vec::new();
    let rendered = match render(&preset, &request) {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                id,
                role: preset.role,
                score: 0.0,
                problems: vec![e.to_string()],
            }
        }
    };
    let options = QualityOptions {
        note_off_s: Some(request.hold_s),
        expected_pitch_hz: (!preset.role.is_percussive())
            .then(|| request.context.a4_hz * 2f64.powf((request.note - 69.0) / 12.0)),
    };
    let q = assess_quality_with(&rendered.audio, preset.role, &request.context, &options);
    for v in &q.violations {
        problems.push(format!("violation {}: {}", v.code, v.message));
    }
    if q.overall_score < FACTORY_FLOOR {
        problems.push(format!(
            "overall {:.3} < {FACTORY_FLOOR} (semantic {:.2}, mix {:.2}, perceptual {:.2}, stability {:.2})",
            q.overall_score, q.semantic_match, q.mix_readiness, q.perceptual_quality, q.stability
        ));
    }
    if preset.name.trim().is_empty()
        || preset.description.trim().is_empty()
        || preset.tags.is_empty()
    {
        problems.push("needs a name, a description and tags".into());
    }
    Outcome {
        id,
        role: preset.role,
        score: q.overall_score,
        problems,
    }
}

#[test]
fn every_factory_preset_renders_cleanly_and_passes_the_quality_floor() {
    let all: Vec<&'static str> = factory_ids().collect();
    assert!(!all.is_empty(), "no factory presets embedded");
    // Two workers: the suite runs on two cores.
    let half = all.len().div_ceil(2);
    let mut outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = all
            .chunks(half)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|&id| check(id, factory_preset(id).expect("listed id exists")))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
    outcomes.sort_by(|a, b| a.id.cmp(b.id));
    let failures: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.problems.is_empty())
        .map(|o| format!("{}: {}", o.id, o.problems.join("; ")))
        .collect();
    let mut scores: Vec<f32> = outcomes.iter().map(|o| o.score).collect();
    scores.sort_by(f32::total_cmp);
    eprintln!(
        "{} factory presets, overall score min {:.3} median {:.3}",
        outcomes.len(),
        scores[0],
        scores[scores.len() / 2]
    );
    assert!(
        failures.is_empty(),
        "{} failing presets:\n{}",
        failures.len(),
        failures.join("\n")
    );

    let mut per_role: BTreeMap<Role, usize> = BTreeMap::new();
    for o in &outcomes {
        *per_role.entry(o.role).or_default() += 1;
    }
    for role in Role::ALL {
        let n = per_role.get(&role).copied().unwrap_or(0);
        assert!(n >= 8, "role {role}: {n} presets, at least 8 required");
    }
}

#[test]
fn factory_renders_are_bit_identical_across_runs() {
    for (id, preset) in factory_presets().step_by(17) {
        let preset = preset.unwrap_or_else(|e| panic!("{id}: {e}"));
        let req = RenderRequest::preview(&preset);
        let a = render(&preset, &req).unwrap();
        let b = render(&preset, &req).unwrap();
        assert!(a.audio == b.audio, "{id}: two renders differ");
    }
}

#[test]
fn factory_names_are_unique() {
    let mut names: Vec<String> = factory_presets()
        .map(|(id, p)| p.unwrap_or_else(|e| panic!("{id}: {e}")).name)
        .collect();
    names.sort();
    let dupes: Vec<_> = names
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0].clone())
        .collect();
    assert!(dupes.is_empty(), "duplicate names: {dupes:?}");
}
