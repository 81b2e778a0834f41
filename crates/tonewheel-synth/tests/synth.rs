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

/// A note, a long silence and a second note through `preset`, with idle sleep on or off:
/// (left, right, most global stages asleep at once during the silence).
fn two_notes(preset: &Preset, sleep: bool) -> (Vec<f32>, Vec<f32>, usize) {
    use tonewheel_audio::MusicalContext;
    use tonewheel_synth::Synth;
    const RATE: usize = 48_000;
    let mut synth = Synth::new(preset, &MusicalContext::default(), RATE as f32).unwrap();
    synth.set_idle_sleep(sleep);
    let frames = 8 * RATE;
    let (mut l, mut r) = (vec![0.0f32; frames], vec![0.0f32; frames]);
    // Note-on at 0, off at 0.2 s, on again at 6 s (odd buffer size: blocks split unevenly).
    let edges = [
        (0, true),
        (RATE / 5, false),
        (6 * RATE, true),
        (6 * RATE + RATE / 5, false),
    ];
    let mut most_asleep = 0;
    let mut pos = 0;
    while pos < frames {
        let end = (pos + 1000).min(frames);
        for &(at, on) in edges.iter().filter(|(at, _)| (pos..end).contains(at)) {
            if on {
                synth.note_on(at - pos, 57, 110);
            } else {
                synth.note_off(at - pos, 57);
            }
        }
        synth.process(&mut l[pos..end], &mut r[pos..end]).unwrap();
        most_asleep = most_asleep.max(synth.sleeping_stages());
        pos = end;
    }
    (l, r, most_asleep)
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

#[test]
fn a_sleeping_reverb_and_delay_wake_as_if_they_had_never_slept() {
    // Short tails, so both settle within the 5.8 s of silence and sleep.
    let json = r#"{
      "name": "Sleep test", "role": "pluck", "seed": 3,
      "stages": [
        {"id": "osc", "type": "oscillator", "parameters": {"waveform": "saw"}},
        {"id": "aenv", "type": "adsr", "parameters": {"attack": {"value": 2, "unit": "ms"}, "decay": 0.1, "sustain": 0.5, "release": 0.1}},
        {"id": "amp", "type": "amp", "parameters": {"level": 0}},
        {"id": "eq", "type": "eq", "parameters": {"band": "peak", "freq": {"value": 2, "unit": "kHz"}, "gain": {"value": 6, "unit": "dB"}}},
        {"id": "echo", "type": "delay", "parameters": {"time": 0.25, "feedback": 0.4, "mix": 0.3}},
        {"id": "verb", "type": "reverb", "parameters": {"decay": 0.6, "mix": 0.3}},
        {"id": "out", "type": "output"}
      ],
      "connections": [
        {"from": "osc", "to": "amp"}, {"from": "amp", "to": "eq"}, {"from": "eq", "to": "echo"},
        {"from": "echo", "to": "verb"}, {"from": "verb", "to": "out"},
        {"from": "aenv", "to": "amp", "parameter": "level"}
      ]
    }"#;
    let preset = Preset::from_json(json, "sleep").unwrap();
    let (l_ref, r_ref, asleep_ref) = two_notes(&preset, false);
    let (l, r, asleep) = two_notes(&preset, true);
    assert_eq!(asleep_ref, 0);
    // eq, echo, verb and out all went to sleep during the silence.
    assert_eq!(asleep, 4, "stages asleep");
    // Sleeping drops what is left of a tail below the floor; the networks lose energy on
    // every pass, so the difference stays within a few floors (measured: see the report).
    let diff = max_difference(&l, &l_ref).max(max_difference(&r, &r_ref));
    assert!(
        diff < 4.0 * tonewheel_synth::SLEEP_FLOOR,
        "difference {diff:e}"
    );
    // The second note sounds: the woken stages pass it on.
    let second = &l[6 * 48_000..6 * 48_000 + 4800];
    assert!(second.iter().any(|x| x.abs() > 0.01));
}

#[test]
fn stateless_stages_and_a_flushed_eq_sleep_without_changing_a_sample() {
    let json = r#"{
      "name": "Exact sleep", "role": "bass", "seed": 3,
      "stages": [
        {"id": "osc", "type": "oscillator", "parameters": {"waveform": "square"}},
        {"id": "aenv", "type": "adsr", "parameters": {"attack": {"value": 2, "unit": "ms"}, "decay": 0.1, "sustain": 0.5, "release": 0.1}},
        {"id": "amp", "type": "amp", "parameters": {"level": 0}},
        {"id": "low", "type": "eq", "parameters": {"band": "low_shelf", "freq": 120, "gain": {"value": 4, "unit": "dB"}}},
        {"id": "cut", "type": "eq", "parameters": {"band": "highpass", "freq": 30}},
        {"id": "out", "type": "output", "parameters": {"gain": {"value": -3, "unit": "dB"}}}
      ],
      "connections": [
        {"from": "osc", "to": "amp"}, {"from": "amp", "to": "low"}, {"from": "low", "to": "cut"},
        {"from": "cut", "to": "out"},
        {"from": "aenv", "to": "amp", "parameter": "level"}
      ]
    }"#;
    let preset = Preset::from_json(json, "exact").unwrap();
    let (l_ref, r_ref, _) = two_notes(&preset, false);
    let (l, r, asleep) = two_notes(&preset, true);
    assert_eq!(asleep, 3, "low, cut and out asleep");
    assert!(
        l == l_ref && r == r_ref,
        "bit-identical with and without sleep"
    );
}
