//! Behaviour of the synthesis engine across modules: validation errors, rendering,
//! determinism and the safety stage.

use tonewheel_synth::{render, Preset, RenderRequest, SynthError};

const PLUCK: &str = r#"{
  "name": "Test Pluck", "role": "pluck", "seed": 7,
  "voice": {"voices": 4, "mode": "poly", "velocity_sensitivity": 0.5},
  "preview": {"note": "A3", "duration": 0.5, "velocity": 100},
  "stages": [
    {"id": "osc", "type": "oscillator", "parameters": {"waveform": "saw"}},
    {"id": "fenv", "type": "adsr", "parameters": {"attack": {"value": 1, "unit": "ms"}, "decay": 0.2, "sustain": 0.0, "release": 0.1}},
    {"id": "aenv", "type": "adsr", "parameters": {"attack": {"value": 2, "unit": "ms"}, "decay": 0.4, "sustain": 0.0, "release": 0.2}},
    {"id": "filt", "type": "svf", "parameters": {"cutoff": {"value": 600, "unit": "Hz"}, "resonance": 0.3}},
    {"id": "amp", "type": "amp", "parameters": {"level": 0}},
    {"id": "verb", "type": "reverb", "parameters": {"mix": {"value": 20, "unit": "%"}, "decay": 1.2}},
    {"id": "out", "type": "output"}
  ],
  "connections": [
    {"from": "osc", "to": "filt"}, {"from": "filt", "to": "amp"}, {"from": "amp", "to": "verb"},
    {"from": "verb", "to": "out"},
    {"from": "fenv", "to": "filt", "parameter": "cutoff", "depth": {"value": 36, "unit": "semitones"}},
    {"from": "aenv", "to": "amp", "parameter": "level"}
  ]
}"#;

fn issues(json: &str) -> Vec<String> {
    match Preset::from_json(json, "t") {
        Err(SynthError::Invalid { issues, .. }) => issues.iter().map(ToString::to_string).collect(),
        Err(other) => vec![other.to_string()],
        Ok(_) => vec![],
    }
}

#[test]
fn renders_a_pluck_deterministically_at_the_preview_level() {
    let preset = Preset::from_json(PLUCK, "pluck").unwrap();
    let req = RenderRequest::preview(&preset);
    let a = render(&preset, &req).unwrap();
    let b = render(&preset, &req).unwrap();
    assert_eq!(a.audio, b.audio, "bit-identical renders");
    assert_eq!(
        a.audio.frames(),
        (req.duration_s * 48_000.0).round() as usize
    );
    // Whichever of -18 LUFS / -6 dBTP is quieter wins.
    let n = &a.normalisation;
    assert!(
        n.limited_by == "loudness" || n.limited_by == "true_peak",
        "{n:?}"
    );
    assert!(
        a.audio.peak_dbfs() <= -6.0 + 0.01,
        "peak {}",
        a.audio.peak_dbfs()
    );
    // The note decays: the last 100 ms are far quieter than the peak.
    let tail = a
        .audio
        .slice_frames(a.audio.frames() - 4800, a.audio.frames());
    assert!(
        tail.peak() < a.audio.peak() * 0.05,
        "tail {} vs peak {}",
        tail.peak(),
        a.audio.peak()
    );
}

#[test]
fn validation_names_the_place_expected_and_found() {
    let bad_cutoff = PLUCK.replace(r#"{"value": 600, "unit": "Hz"}"#, "-5");
    assert_eq!(
        issues(&bad_cutoff),
        vec!["/stages/3/parameters/cutoff: expected 20..20000 Hz, found -5"]
    );
    let unknown = PLUCK.replace(r#""type": "svf""#, r#""type": "moog""#);
    assert!(
        issues(&unknown)[0].starts_with("/stages/3/type: expected a stage type"),
        "{:?}",
        issues(&unknown)
    );
    let dangling = PLUCK.replace(
        r#"{"from": "verb", "to": "out"}"#,
        r#"{"from": "verb", "to": "nowhere"}"#,
    );
    assert!(
        issues(&dangling)
            .iter()
            .any(|i| i
                .starts_with("/connections/3/to: expected the id of a stage, found \"nowhere\"")),
        "{:?}",
        issues(&dangling)
    );
    let duplicate = PLUCK.replace(r#""id": "aenv""#, r#""id": "fenv""#);
    assert!(
        issues(&duplicate)
            .iter()
            .any(|i| i.starts_with("/stages/2/id: expected a unique id")),
        "{:?}",
        issues(&duplicate)
    );
    let cycle = PLUCK.replace(
        r#"{"from": "verb", "to": "out"}"#,
        r#"{"from": "verb", "to": "out"}, {"from": "amp", "to": "filt"}"#,
    );
    assert!(
        issues(&cycle)
            .iter()
            .any(|i| i.contains("no cycle unless it passes through a delay")),
        "{:?}",
        issues(&cycle)
    );
    let ms_range = PLUCK.replace(r#""decay": 1.2"#, r#""decay": {"value": 50, "unit": "ms"}"#);
    assert_eq!(
        issues(&ms_range),
        vec!["/stages/5/parameters/decay: expected 0.1..30 s, found 50 ms"]
    );
    let syntax = Preset::from_json(
        r#"{"name": "x", "role": "pad", "stages": [{"id": 3}]}"#,
        "t",
    )
    .unwrap_err();
    assert!(syntax.to_string().contains("/stages/0/id"), "{syntax}");
}

#[test]
fn fm_operator_parameters_reach_their_own_operator() {
    // Algorithm 32: six carriers. Only operator 1 sounds, so the output must be a sine at
    // the note; with the parameters shifted by one operator it would be silent.
    let json = r#"{"name": "FM one op", "role": "keys", "preview": {"note": "A4", "duration": 0.5},
      "stages": [{"id": "fm", "type": "fm", "parameters": {"algorithm": 32, "op1_level": 1,
        "op2_level": 0, "op3_level": 0, "op4_level": 0, "op5_level": 0, "op6_level": 0, "op1_ratio": 2}},
        {"id": "out", "type": "output"}],
      "connections": [{"from": "fm", "to": "out"}]}"#;
    let preset = Preset::from_json(json, "fm").unwrap();
    let mut req = RenderRequest::preview(&preset);
    req.normalise = false;
    let out = render(&preset, &req).unwrap();
    let x = &out.audio.channel(0)[4800..9600];
    assert!(out.audio.peak() > 0.05, "silent: peak {}", out.audio.peak());
    // op1_ratio 2 on A4: zero crossings of an 880 Hz sine over 0.1 s = 176 (±2).
    let crossings = x
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    assert!(
        (174..=178).contains(&crossings),
        "{crossings} zero crossings"
    );
}
