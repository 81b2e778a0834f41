//! Sample-accurate scheduling and rendering: onsets at 60/174/300 BPM, long sessions without
//! drift, tempo changes, swing, degrees, drum kits.

use tonewheel_audio::MusicalContext;
use tonewheel_compose::drumkit::DrumKit;
use tonewheel_compose::pattern::{parse_pattern, Fraction};
use tonewheel_compose::sequencer::{
    schedule, Groove, NoteTarget, ScheduleOptions, TempoSection, Timeline,
};
use tonewheel_compose::theory::KeyContext;
use tonewheel_compose::track::Instrument;
use tonewheel_compose::SequenceError;
use tonewheel_synth::{Preset, Synth};

const SR: u32 = 48_000;

/// Exact frame of `num/den` bars at an integer tempo in 4/4, rounded half up, in integers:
/// frames = bars * 4 beats * 60 s * SR / bpm.
fn reference_frame(num: u128, den: u128, bpm: u128) -> u64 {
    let n = num * 4 * 60 * u128::from(SR);
    let d = den * bpm;
    ((2 * n + d) / (2 * d)) as u64
}

fn opts() -> ScheduleOptions {
    ScheduleOptions::new(KeyContext::parse("C major").unwrap())
}

#[test]
fn scheduled_onsets_are_exact_at_60_174_300_bpm() {
    let p = parse_pattern("hh*16").unwrap();
    for bpm in [60u128, 174, 300] {
        let tl = Timeline::constant(bpm as f64, 4, (4, 4), SR).unwrap();
        let notes = schedule(&p, &tl, 0..4, &opts()).unwrap();
        assert_eq!(notes.len(), 64);
        for (k, n) in notes.iter().enumerate() {
            assert_eq!(
                n.on_frame,
                reference_frame(k as u128, 16, bpm),
                "{bpm} BPM step {k}"
            );
        }
    }
}

#[test]
fn no_drift_across_long_sessions() {
    // Bar 99 999 at 174 BPM: one exact multiplication, not 99 999 accumulated bar lengths.
    let tl = Timeline::constant(174.0, 100_000, (4, 4), SR).unwrap();
    let bar = 99_999u128;
    assert_eq!(
        tl.frame_at(Fraction::int(bar as i64)).unwrap(),
        reference_frame(bar, 1, 174)
    );
    let p = parse_pattern("bd sd").unwrap();
    let notes = schedule(&p, &tl, 99_998..99_999, &opts()).unwrap();
    assert_eq!(notes[1].on_frame, reference_frame(2 * 99_998 + 1, 2, 174));
}

#[test]
fn tempo_changes_between_sections() {
    let sections = [
        TempoSection {
            bars: 2,
            bpm: 120.0,
        },
        TempoSection {
            bars: 2,
            bpm: 174.0,
        },
        TempoSection { bars: 1, bpm: 60.0 },
    ];
    let tl = Timeline::new(&sections, (4, 4), SR).unwrap();
    let two_bars_120 = 2 * 4 * SR as u64 / 2; // 8 beats at 2 beats/s = 4 s
    assert_eq!(tl.frame_at(Fraction::int(2)).unwrap(), two_bars_120);
    // Bar 3 = 4 s + one bar at 174 BPM; bar 3.5 adds half a bar more, from the exact start.
    let bar174 = Fraction::new(4 * 60 * i64::from(SR), 174).unwrap();
    let at = |x: Fraction| {
        (Fraction::int(two_bars_120 as i64)
            .checked_add(x)
            .unwrap()
            .to_f64())
        .round() as u64
    };
    assert_eq!(tl.frame_at(Fraction::int(3)).unwrap(), at(bar174));
    assert_eq!(
        tl.frame_at(Fraction::new(7, 2).unwrap()).unwrap(),
        at(bar174.checked_mul(Fraction::new(3, 2).unwrap()).unwrap())
    );
    assert_eq!(tl.bpm_at(Fraction::new(9, 2).unwrap()), 60.0);
    // Total: 4 s + 2 bars at 174 + 4 s.
    let total = tl.total_frames().unwrap();
    assert_eq!(
        total,
        at(bar174.checked_mul(Fraction::int(2)).unwrap()) + 4 * u64::from(SR)
    );
}

#[test]
fn swing_delays_only_off_beat_steps() {
    let p = parse_pattern("hh*8").unwrap();
    let tl = Timeline::constant(120.0, 1, (4, 4), SR).unwrap();
    let mut o = opts();
    o.groove = Groove {
        swing: 0.6,
        steps_per_bar: 8,
    };
    let notes = schedule(&p, &tl, 0..1, &o).unwrap();
    let eighth = u64::from(SR) / 4; // 120 BPM: an eighth note is 0.25 s
    for (k, n) in notes.iter().enumerate() {
        // Off-beats move from 50 % to 60 % of their pair of eighths: 0.2 eighth = 0.05 s.
        let expected = k as u64 * eighth + if k % 2 == 1 { u64::from(SR) / 20 } else { 0 };
        assert_eq!(n.on_frame, expected, "step {k}");
    }
    o.groove.swing = 0.9;
    assert!(matches!(
        schedule(&p, &tl, 0..1, &o),
        Err(SequenceError::Option { what: "swing", .. })
    ));
}

#[test]
fn degrees_velocities_and_lengths() {
    let p = parse_pattern("0 2 4:0.5 -1").unwrap();
    let tl = Timeline::constant(120.0, 1, (4, 4), SR).unwrap();
    let mut o = ScheduleOptions::new(KeyContext::parse("F minor").unwrap());
    o.gate = 0.5;
    let notes = schedule(&p, &tl, 0..1, &o).unwrap();
    let pitches: Vec<NoteTarget> = notes.iter().map(|n| n.target.clone()).collect();
    // F3 Ab3 C4 Eb3
    assert_eq!(
        pitches,
        vec![
            NoteTarget::Pitch(53),
            NoteTarget::Pitch(56),
            NoteTarget::Pitch(60),
            NoteTarget::Pitch(51)
        ]
    );
    assert_eq!(notes[2].velocity, 64); // 0.5 * 127 rounded
    assert_eq!(notes[0].velocity, 102); // default 0.8
                                        // A quarter note (0.5 s) at gate 0.5 lasts 0.25 s.
    assert_eq!(notes[1].off_frame - notes[1].on_frame, u64::from(SR) / 4);
    assert!(Timeline::constant(301.0, 1, (4, 4), SR).is_err());
    assert!(Timeline::constant(120.0, 1, (4, 3), SR).is_err());
    assert!(Timeline::constant(120.0, 0, (4, 4), SR).is_err());
}

/// A noise burst with an instant attack: its first non-zero sample marks the onset.
fn click() -> Preset {
    let json = r#"{"name": "Click", "role": "perc", "voice": {"voices": 4, "mode": "poly"}, "stages": [
      {"id": "nz", "type": "noise", "parameters": {"level": 0.8}},
      {"id": "env", "type": "ar", "parameters": {"attack": 0, "release": 0.005}},
      {"id": "amp", "type": "amp", "parameters": {"level": 0}},
      {"id": "out", "type": "output"}],
     "connections": [{"from": "nz", "to": "amp"}, {"from": "amp", "to": "out"},
                     {"from": "env", "to": "amp", "parameter": "level"}]}"#;
    Preset::from_json(json, "click").unwrap()
}

/// Frames where the signal rises above -60 dBFS after at least 2 ms of silence.
fn onsets(x: &[f32]) -> Vec<usize> {
    let quiet = 96;
    let mut out = Vec::new();
    let mut silent_run = quiet;
    for (i, &s) in x.iter().enumerate() {
        if s.abs() > 1e-3 {
            if silent_run >= quiet {
                out.push(i);
            }
            silent_run = 0;
        } else {
            silent_run += 1;
        }
    }
    out
}

#[test]
fn rendered_onsets_land_on_the_scheduled_frames() {
    // The synth's own latency (if any) is measured with one note at frame 0 and must be the
    // same for every note: then every onset lands exactly on its scheduled frame + latency.
    let ctx = MusicalContext::default();
    let mut reference = Synth::new(&click(), &ctx, SR as f32).unwrap();
    let (mut l, mut r) = (vec![0.0f32; 512], vec![0.0f32; 512]);
    reference.note_on(0, 60, 100);
    reference.process(&mut l, &mut r).unwrap();
    let latency = onsets(&l)[0];
    assert!(latency <= 1, "click latency {latency}");
    for bpm in [60.0, 174.0, 300.0] {
        let bars = if bpm < 100.0 { 1 } else { 2 };
        let tl = Timeline::constant(bpm, bars, (4, 4), SR).unwrap();
        let p = parse_pattern("c4 [c4 c4] ~ c4(3,8,1)").unwrap();
        let mut o = opts();
        o.gate = 0.1;
        let notes = schedule(&p, &tl, 0..i64::from(bars), &o).unwrap();
        let frames = tl.total_frames().unwrap() as usize;
        let mut inst = Instrument::Synth(Box::new(Synth::new(&click(), &ctx, SR as f32).unwrap()));
        let (mut l, mut r) = (vec![0.0f32; frames], vec![0.0f32; frames]);
        inst.render(&notes, &mut l, &mut r).unwrap();
        let want: Vec<usize> = notes
            .iter()
            .map(|n| n.on_frame as usize + latency)
            .collect();
        assert_eq!(onsets(&l), want, "{bpm} BPM");
    }
}

#[test]
fn drum_kit_plays_each_symbol_on_its_pad() {
    let ctx = MusicalContext::default();
    let tl = Timeline::constant(120.0, 1, (4, 4), SR).unwrap();
    let p = parse_pattern("bd ~ sd ~").unwrap();
    let notes = schedule(&p, &tl, 0..1, &opts()).unwrap();
    let kit = DrumKit::from_factory(&["bd", "sd"], &[], &ctx, SR as f32).unwrap();
    let mut inst = Instrument::Drums(kit);
    let n = tl.total_frames().unwrap() as usize;
    let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
    inst.render(&notes, &mut l, &mut r).unwrap();
    // Silence before each hit's frame... and energy within 10 ms after it.
    let energy = |a: usize, b: usize| l[a..b].iter().map(|x| x * x).sum::<f32>();
    let half = n / 2;
    assert!(energy(0, 480) > 1e-3);
    assert!(energy(half - 480, half) < energy(half, half + 480));
    assert!(energy(half, half + 480) > 1e-3);
    // Unknown symbols are errors, not silence.
    let kit = DrumKit::from_factory(&["bd"], &[], &ctx, SR as f32).unwrap();
    let err = Instrument::Drums(kit)
        .render(&notes, &mut l, &mut r)
        .unwrap_err();
    assert!(matches!(err, SequenceError::UnknownDrum { ref symbol } if symbol == "sd"));
    assert!(DrumKit::from_factory(&["zz"], &[], &ctx, SR as f32).is_err());
    // A melodic synth refuses drum symbols and names the pattern position.
    let synth = Synth::new(&click(), &ctx, SR as f32).unwrap();
    let err = Instrument::Synth(Box::new(synth))
        .render(&notes, &mut l, &mut r)
        .unwrap_err();
    assert!(matches!(
        err,
        SequenceError::UnexpectedSound { position: 0, .. }
    ));
}
