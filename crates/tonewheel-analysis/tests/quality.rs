//! Quality gate scenarios from the issue, on audio generated here (no files).

use std::f64::consts::PI;

use tonewheel_analysis::{
    assess_quality, assess_quality_with, measure_loudness, QualityOptions, QualityReport,
    REJECT_BELOW,
};
use tonewheel_audio::{AudioBuffer, MusicalContext, Role};

const RATE: u32 = 48_000;

fn frames(seconds: f64) -> usize {
    (seconds * f64::from(RATE)).round() as usize
}

fn time(i: usize) -> f64 {
    i as f64 / f64::from(RATE)
}

/// Stereo buffer with the same signal on both channels.
fn stereo(mono: Vec<f32>) -> AudioBuffer {
    AudioBuffer::from_channels(RATE, vec![mono.clone(), mono]).unwrap()
}

/// Upstream preview normalisation: -18 LUFS integrated or true peak -6 dBTP, whichever is
/// quieter.
fn normalise(mut audio: AudioBuffer) -> AudioBuffer {
    let l = measure_loudness(&audio);
    let to_lufs = -18.0 - l.integrated_lufs.expect("audible");
    let to_peak = -6.0 - l.true_peak_dbtp;
    audio.apply_gain_db(to_lufs.min(to_peak) as f32);
    audio
}

/// Deterministic white noise in -1..1 (xorshift64).
fn noise(n: usize, mut state: u64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// RBJ cookbook high-pass biquad (Q = 1/√2), applied in place.
fn highpass(x: &mut [f64], cutoff_hz: f64) {
    let w0 = 2.0 * PI * cutoff_hz / f64::from(RATE);
    let alpha = w0.sin() / (2.0 * std::f64::consts::FRAC_1_SQRT_2);
    let cos = w0.cos();
    let a0 = 1.0 + alpha;
    let (b0, b1, b2) = (
        (1.0 + cos) / 2.0 / a0,
        -(1.0 + cos) / a0,
        (1.0 + cos) / 2.0 / a0,
    );
    let (a1, a2) = (-2.0 * cos / a0, (1.0 - alpha) / a0);
    let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
    for s in x.iter_mut() {
        let y = b0 * *s + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
        x2 = x1;
        x1 = *s;
        y2 = y1;
        y1 = y;
        *s = y;
    }
}

/// 55 Hz sine bass: 5 ms linear attack, held to 1.5 s, 100 ms linear release, 2 s long.
fn sine_bass() -> AudioBuffer {
    let s = (0..frames(2.0))
        .map(|i| {
            let t = time(i);
            let env = if t < 0.005 {
                t / 0.005
            } else if t < 1.5 {
                1.0
            } else {
                (1.0 - (t - 1.5) / 0.1).max(0.0)
            };
            (0.5 * env * (2.0 * PI * 55.0 * t).sin()) as f32
        })
        .collect();
    normalise(stereo(s))
}

/// White noise high-passed at 6 kHz (two 12 dB/oct stages), 0.5 ms attack, 30 ms decay
/// time constant, 0.5 s long.
fn hat() -> AudioBuffer {
    let mut n = noise(frames(0.5), 0x9E37_79B9_7F4A_7C15);
    highpass(&mut n, 6_000.0);
    highpass(&mut n, 6_000.0);
    let s = n
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let t = time(i);
            let env = (t / 0.0005).min(1.0) * (-t / 0.03).exp();
            (x * env) as f32
        })
        .collect();
    normalise(stereo(s))
}

/// Kick: sine whose pitch falls from 150 Hz to 50 Hz (30 ms time constant), 1 ms attack,
/// 150 ms amplitude decay, 1 s long.
fn kick() -> AudioBuffer {
    let mut phase = 0.0f64;
    let s = (0..frames(1.0))
        .map(|i| {
            let t = time(i);
            let freq = 50.0 + 100.0 * (-t / 0.03).exp();
            let env = (t / 0.001).min(1.0) * (-t / 0.15).exp();
            let v = env * (2.0 * PI * phase).sin();
            phase = (phase + freq / f64::from(RATE)).fract();
            v as f32
        })
        .collect();
    normalise(stereo(s))
}

/// C major triad (C4 E4 G4) of warm band-limited tones (16 harmonics, 1/h² amplitudes):
/// 500 ms linear attack, held to 3 s, 1 s exponential release, 4.5 s long.
fn pad() -> (AudioBuffer, f64) {
    let notes = [261.63, 329.63, 392.0];
    let note_off = 3.0;
    let s = (0..frames(4.5))
        .map(|i| {
            let t = time(i);
            let env = if t < note_off {
                (t / 0.5).min(1.0)
            } else {
                (-(t - note_off) / 0.12).exp()
            };
            let v: f64 = notes
                .iter()
                .map(|&f| {
                    (1..=16)
                        .map(|h| {
                            let h = f64::from(h);
                            (2.0 * PI * h * f * t).sin() / (h * h)
                        })
                        .sum::<f64>()
                })
                .sum();
            (0.2 * env * v) as f32
        })
        .collect();
    (normalise(stereo(s)), note_off)
}

/// Sawtooth at `f0`: naive (phase ramp) or additive with every harmonic below Nyquist.
/// 10 ms fades, 1 s long.
fn saw(f0: f64, band_limited: bool) -> AudioBuffer {
    let n = frames(1.0);
    let nyquist = f64::from(RATE) / 2.0;
    let harmonics: Vec<f64> = (1..)
        .map(f64::from)
        .take_while(|h| h * f0 < nyquist)
        .collect();
    let mut phase = 0.0f64;
    let s = (0..n)
        .map(|i| {
            let t = time(i);
            let v = if band_limited {
                harmonics
                    .iter()
                    .map(|h| -(2.0 * PI * h * f0 * t).sin() / (PI * h) * 2.0)
                    .sum::<f64>()
            } else {
                2.0 * phase - 1.0
            };
            phase = (phase + f0 / f64::from(RATE)).fract();
            let fade = (t / 0.01).min(1.0).min((1.0 - t) / 0.01).max(0.0);
            (0.5 * fade * v) as f32
        })
        .collect();
    normalise(stereo(s))
}

fn ctx() -> MusicalContext {
    MusicalContext::default()
}

fn assess(audio: &AudioBuffer, role: Role) -> QualityReport {
    assess_quality(audio, role, &ctx())
}

fn term(report: &QualityReport, name: &str) -> (Option<f64>, f32) {
    let m = &report.measurements;
    m.semantic_terms
        .iter()
        .chain(&m.mix_terms)
        .chain(&m.perceptual_terms)
        .chain(&m.stability_terms)
        .find(|t| t.name == name)
        .map(|t| (t.value, t.score))
        .unwrap_or_else(|| panic!("no term {name}"))
}

#[test]
fn sine_bass_is_a_bass_not_a_hat() {
    let audio = sine_bass();
    let bass = assess(&audio, Role::Bass);
    let hat = assess(&audio, Role::Hat);
    assert!(bass.semantic_match > 0.8, "bass {bass:#?}");
    assert!(hat.semantic_match < 0.3, "hat {}", hat.semantic_match);
    assert!(bass.accepted(), "{bass:#?}");
    // A bass offered as a hat is rejected on its semantic match alone.
    assert!(
        !hat.accepted() && hat.violations.is_empty(),
        "{}",
        hat.overall_score
    );
    assert!(bass.violations.is_empty());
    // Normalised to -18 LUFS, all of its energy below 300 Hz.
    let l = &bass.measurements.loudness;
    assert!((l.integrated_lufs.unwrap() + 18.0).abs() < 0.2, "{l:?}");
    assert!(bass.measurements.spectral.low_fraction > 0.99);
    let attack = bass.measurements.temporal.attack_s.unwrap();
    assert!(attack < 0.02, "attack {attack}");
    assert!(bass.mix_readiness > 0.9, "{}", bass.mix_readiness);
}

#[test]
fn high_passed_noise_is_a_hat_not_a_bass() {
    let audio = hat();
    let hat = assess(&audio, Role::Hat);
    let bass = assess(&audio, Role::Bass);
    assert!(hat.semantic_match > 0.8, "{hat:#?}");
    assert!(bass.semantic_match < 0.3, "bass {}", bass.semantic_match);
    assert!(hat.accepted(), "{hat:#?}");
    assert!(hat.measurements.spectral.high_fraction > 0.9);
    assert!(hat.measurements.spectral.centroid_hz > 8_000.0);
    // Not judged for aliasing: a hat is not a tonal role.
    assert!(hat
        .measurements
        .perceptual_terms
        .iter()
        .all(|t| t.name != "aliasing_db"));
}

#[test]
fn pitch_dropping_sine_is_a_kick() {
    let audio = kick();
    let kick = assess(&audio, Role::Kick);
    assert!(kick.semantic_match > 0.8, "{kick:#?}");
    assert!(kick.accepted(), "{kick:#?}");
    let t = &kick.measurements.temporal;
    assert!(t.attack_s.unwrap() <= 0.005, "{t:?}");
    assert!(t.sustain_db.unwrap() < -20.0, "{t:?}");
    // The same sound is a poor pad (no slow attack, no sustain).
    let pad = assess(&audio, Role::Pad);
    assert!(pad.semantic_match < 0.5, "pad {}", pad.semantic_match);
    assert!(
        !pad.accepted(),
        "kick accepted as a pad: {}",
        pad.overall_score
    );
}

#[test]
fn slow_chord_is_a_pad_not_a_pluck() {
    let (audio, note_off) = pad();
    let options = QualityOptions {
        note_off_s: Some(note_off),
        expected_pitch_hz: None,
    };
    let pad = assess_quality_with(&audio, Role::Pad, &ctx(), &options);
    let pluck = assess_quality_with(&audio, Role::Pluck, &ctx(), &options);
    assert!(pad.semantic_match > 0.8, "{pad:#?}");
    assert!(pad.accepted(), "{pad:#?}");
    assert!(
        pluck.semantic_match < pad.semantic_match - 0.4,
        "pluck {}",
        pluck.semantic_match
    );
    let attack = pad.measurements.temporal.attack_s.unwrap();
    assert!((0.3..=0.5).contains(&attack), "attack {attack}");
    // Three notes found, nothing inharmonic.
    let h = &pad.measurements.harmonic;
    assert_eq!(h.series_hz.len(), 3, "{h:?}");
    let (aliasing_db, score) = term(&pad, "aliasing_db");
    assert!(
        aliasing_db.unwrap() < -40.0 && score == 1.0,
        "{aliasing_db:?}"
    );
    // The release is judged and fast.
    let r = pad.measurements.temporal.release.as_ref().unwrap();
    assert!(r.drop_db > 40.0, "{r:?}");
}

#[test]
fn nan_is_rejected_with_zero_stability() {
    let mut channels = sine_bass().into_channels();
    channels[1][12_345] = f32::NAN;
    let audio = AudioBuffer::from_channels(RATE, channels).unwrap();
    let r = assess(&audio, Role::Bass);
    assert_eq!(r.stability, 0.0);
    assert!(r.has_violation("non_finite"), "{:?}", r.violations);
    assert!(!r.accepted());
    assert!(r.overall_score < REJECT_BELOW);
    assert_eq!(r.measurements.signal.non_finite_samples, 1);
    // The rest is still measured (NaN counted as 0): it is still a bass.
    assert!(r.semantic_match > 0.8);
}

#[test]
fn clipped_sine_is_a_violation() {
    let s = (0..frames(1.0))
        .map(|i| (2.0 * (2.0 * PI * 440.0 * time(i)).sin()).clamp(-1.0, 1.0) as f32)
        .collect();
    let r = assess(&stereo(s), Role::Lead);
    assert!(
        r.measurements.loudness.true_peak_dbtp > 0.0,
        "{:?}",
        r.measurements.loudness
    );
    assert!(r.has_violation("clipping"), "{:?}", r.violations);
    assert!(r.measurements.signal.clipped_fraction > 0.5);
    assert!(!r.accepted());
    assert!(r.overall_score <= 0.45);
}

#[test]
fn dc_offset_is_a_violation() {
    let channels: Vec<Vec<f32>> = sine_bass()
        .into_channels()
        .into_iter()
        .map(|c| c.into_iter().map(|s| s + 0.1).collect())
        .collect();
    let r = assess(
        &AudioBuffer::from_channels(RATE, channels).unwrap(),
        Role::Bass,
    );
    assert!(r.has_violation("dc_offset"), "{:?}", r.violations);
    assert!((r.measurements.signal.max_abs_dc - 0.1).abs() < 1e-3);
    let (_, dc_score) = term(&r, "dc_offset_dbfs");
    assert_eq!(dc_score, 0.0);
    assert!(!r.accepted());
}

#[test]
fn naive_saw_aliases_more_than_band_limited() {
    let naive = assess(&saw(3_000.0, false), Role::Lead);
    let clean = assess(&saw(3_000.0, true), Role::Lead);
    let (naive_db, naive_score) = term(&naive, "aliasing_db");
    let (clean_db, clean_score) = term(&clean, "aliasing_db");
    assert!(naive_db.unwrap() > -20.0, "naive {naive_db:?}");
    assert!(clean_db.unwrap() < -45.0, "clean {clean_db:?}");
    assert!(naive_score < 0.3 && clean_score == 1.0);
    assert!(
        naive.perceptual_quality < clean.perceptual_quality - 0.2,
        "naive {} clean {}",
        naive.perceptual_quality,
        clean.perceptual_quality
    );
    assert!(naive.overall_score < clean.overall_score);
}

#[test]
fn sustained_sound_after_note_off_never_decays() {
    let s = (0..frames(2.0))
        .map(|i| (0.25 * (2.0 * PI * 220.0 * time(i)).sin()) as f32)
        .collect();
    let audio = normalise(stereo(s));
    let options = QualityOptions {
        note_off_s: Some(1.0),
        expected_pitch_hz: Some(220.0),
    };
    for role in [Role::Pluck, Role::Kick] {
        let r = assess_quality_with(&audio, role, &ctx(), &options);
        assert!(r.has_violation("no_decay"), "{role}: {:?}", r.violations);
        assert!(!r.accepted());
        assert!(r.stability < 0.1, "{role}: {}", r.stability);
    }
    // A pluck that does die away passes the same check.
    let s = (0..frames(2.0))
        .map(|i| {
            let t = time(i);
            (0.5 * (t / 0.002).min(1.0) * (-t / 0.15).exp() * (2.0 * PI * 220.0 * t).sin()) as f32
        })
        .collect();
    let pluck = assess_quality_with(&normalise(stereo(s)), Role::Pluck, &ctx(), &options);
    assert!(!pluck.has_violation("no_decay"), "{:?}", pluck.violations);
    assert!(pluck.stability > 0.9, "{}", pluck.stability);
}

#[test]
fn silence_is_rejected() {
    let r = assess(&AudioBuffer::silent(RATE, 2, frames(1.0)), Role::Pad);
    assert!(r.has_violation("silent"), "{:?}", r.violations);
    assert!(!r.accepted());
    assert_eq!(r.semantic_match, 0.0);
    assert!(r.overall_score < REJECT_BELOW);
}

#[test]
fn growing_feedback_is_runaway() {
    // A tone growing 30 dB per second that only reaches -6 dBFS at the very end.
    let s = (0..frames(2.0))
        .map(|i| {
            let t = time(i);
            (0.5 * 10f64.powf(1.5 * (t - 2.0)) * (2.0 * PI * 330.0 * t).sin()) as f32
        })
        .collect();
    let r = assess(&stereo(s), Role::Lead);
    assert!(r.has_violation("runaway"), "{:?}", r.violations);
    assert!(r.measurements.temporal.late_rise_db > 25.0);
    assert_eq!(r.stability, 0.0);
    assert!(!r.accepted());
    // The same growth left to run past full scale, to +40 dBFS.
    let s = (0..frames(2.0))
        .map(|i| {
            let t = time(i);
            (1e-4 * 10f64.powf(3.0 * t) * (2.0 * PI * 330.0 * t).sin()) as f32
        })
        .collect();
    let r = assess(&stereo(s), Role::Lead);
    assert!(
        r.has_violation("runaway") && r.has_violation("clipping"),
        "{:?}",
        r.violations
    );
    let (_, level) = term(&r, "sample_peak_dbfs");
    assert_eq!(level, 0.0);
    // A riser is allowed to grow to the end.
    let s = (0..frames(2.0))
        .map(|i| {
            let t = time(i);
            (0.5 * 10f64.powf(1.5 * (t - 2.0)) * (2.0 * PI * 330.0 * t).sin()) as f32
        })
        .collect();
    assert!(!assess(&stereo(s), Role::Fx).has_violation("runaway"));
}

#[test]
fn reports_are_deterministic_and_serialise() {
    let audio = kick();
    let a = assess(&audio, Role::Kick);
    let b = assess(&audio, Role::Kick);
    assert_eq!(a, b);
    let json = serde_json::to_string(&a).unwrap();
    let back: QualityReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.overall_score, a.overall_score);
    assert_eq!(back.violations, a.violations);
    // serde_json's default float parser may differ in the last bit.
    for (x, y) in back
        .measurements
        .semantic_terms
        .iter()
        .zip(&a.measurements.semantic_terms)
    {
        assert_eq!((&x.name, x.score), (&y.name, y.score));
        let (vx, vy) = (x.value.unwrap(), y.value.unwrap());
        assert!((vx - vy).abs() <= 1e-12 * vy.abs().max(1.0), "{vx} {vy}");
    }
    assert!(json.contains("\"overall_score\""));
}

#[test]
fn degenerate_buffers_do_not_panic() {
    for n in [0usize, 1, 7, 2_047, 2_049] {
        let audio = AudioBuffer::from_channels(RATE, vec![vec![0.3; n]]).unwrap();
        let r = assess_quality_with(
            &audio,
            Role::Fx,
            &ctx(),
            &QualityOptions {
                note_off_s: Some(0.01),
                expected_pitch_hz: Some(-1.0),
            },
        );
        assert!(r.overall_score.is_finite());
        assert!(
            !r.accepted(),
            "{n} frames of DC accepted: {:?}",
            r.violations
        );
    }
    // No channels, a zero sample rate: assessed as silence.
    for audio in [
        AudioBuffer::silent(RATE, 0, 100),
        AudioBuffer::silent(0, 2, 100),
    ] {
        let r = assess(&audio, Role::Pad);
        assert!(r.has_violation("silent"), "{:?}", r.violations);
    }
    // A low sample rate and many channels.
    let audio = AudioBuffer::from_channels(8_000, vec![vec![0.1; 4_000]; 3]).unwrap();
    assert!(assess(&audio, Role::Perc).overall_score.is_finite());
}

#[test]
fn a_quiet_echo_after_silence_is_not_runaway_but_a_loud_swell_is() {
    let options = QualityOptions {
        note_off_s: Some(0.6),
        expected_pitch_hz: Some(330.0),
    };
    // A pluck gone silent by the note-off, then a delay echo 54 dB down at the end.
    let tone = |t: f64, amp: f64, start: f64| {
        let u = t - start;
        if u < 0.0 {
            0.0
        } else {
            amp * (u / 0.002).min(1.0) * (-u / 0.05).exp() * (2.0 * PI * 330.0 * t).sin()
        }
    };
    let echo: Vec<f32> = (0..frames(1.5))
        .map(|i| (tone(time(i), 0.5, 0.0) + tone(time(i), 0.001, 1.35)) as f32)
        .collect();
    let r = assess_quality_with(&normalise(stereo(echo)), Role::Pluck, &ctx(), &options);
    assert!(!r.has_violation("runaway"), "{:?}", r.violations);
    // The same shape with the late event only 6 dB down is a level that came back: runaway.
    let swell: Vec<f32> = (0..frames(1.5))
        .map(|i| {
            let t = time(i);
            let late = if t > 1.2 {
                0.25 * ((t - 1.2) / 0.3) * (2.0 * PI * 330.0 * t).sin()
            } else {
                0.0
            };
            (tone(t, 0.5, 0.0) + late) as f32
        })
        .collect();
    let r = assess_quality_with(&normalise(stereo(swell)), Role::Pluck, &ctx(), &options);
    assert!(r.has_violation("runaway"), "{:?}", r.violations);
}
