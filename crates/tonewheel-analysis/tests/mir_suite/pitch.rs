//! Pitch of sines and harmonic tones from 40 Hz to 2 kHz.

use tonewheel_analysis::mir::estimate_pitch;

use crate::support::{midi_to_hz, Noise, RATE_HZ};

/// The brief's accuracy for synthetic tones (the corpus target is ±50 cents).
const CENTS_TOLERANCE: f32 = 5.0;

fn tone(f0_hz: f32, partials: usize, length_s: f32) -> Vec<f32> {
    (0..(length_s * RATE_HZ) as usize)
        .map(|i| {
            let t = i as f32 / RATE_HZ;
            let env = (t / 0.005).min(1.0) * (-t * 1.5).exp();
            (1..=partials)
                .filter(|&k| f0_hz * k as f32 <= RATE_HZ * 0.45)
                .map(|k| (std::f32::consts::TAU * f0_hz * k as f32 * t).sin() / k as f32)
                .sum::<f32>()
                * 0.4
                * env
        })
        .collect()
}

/// Checks one tone and returns its cents error.
fn check(midi: f32, detune_cents: f32, partials: usize) -> f32 {
    let f0 = midi_to_hz(midi + detune_cents / 100.0);
    let estimate = estimate_pitch(&tone(f0, partials, 1.0), RATE_HZ)
        .unwrap_or_else(|| panic!("{f0} Hz unvoiced"));
    assert_eq!(estimate.midi_note, midi as u8, "{f0} Hz: {estimate:?}");
    assert!(
        (estimate.cents - detune_cents).abs() <= CENTS_TOLERANCE,
        "{f0} Hz ({detune_cents} cents): {estimate:?}"
    );
    assert!(
        estimate.confidence > 0.5 && estimate.voiced_fraction > 0.5,
        "{f0} Hz: {estimate:?}"
    );
    (estimate.cents - detune_cents).abs()
}

#[test]
fn sines_from_40_hz_to_2_khz() {
    // E1 (41.2 Hz) .. B6 (1976 Hz) in fifths-and-a-bit steps, in tune and ±20 cents.
    let mut worst = 0.0f32;
    for midi in (28..=95).step_by(5) {
        for detune in [0.0, 20.0, -20.0] {
            worst = worst.max(check(midi as f32, detune, 1));
        }
    }
    eprintln!("sines: worst error {worst:.2} cents");
}

#[test]
fn harmonic_tones_from_40_hz_to_2_khz() {
    let mut worst = 0.0f32;
    for midi in (28..=95).step_by(7) {
        for detune in [0.0, 20.0, -20.0] {
            worst = worst.max(check(midi as f32, detune, 10));
        }
    }
    eprintln!("harmonic tones: worst error {worst:.2} cents");
}

#[test]
fn note_names_follow_midi_numbering() {
    let estimate = estimate_pitch(&tone(440.0, 4, 0.5), RATE_HZ).unwrap();
    assert_eq!(
        (estimate.note_name.as_str(), estimate.midi_note),
        ("A4", 69)
    );
    let estimate = estimate_pitch(&tone(midi_to_hz(49.0), 4, 0.5), RATE_HZ).unwrap();
    assert_eq!(estimate.note_name, "C#3");
    assert!(
        (estimate.f0_hz - midi_to_hz(49.0)).abs() < 0.5,
        "{estimate:?}"
    );
}

#[test]
fn silence_and_noise_have_no_pitch() {
    assert!(estimate_pitch(&vec![0.0; 22_050], RATE_HZ).is_none());
    let mut noise = Noise::new(9);
    let audio: Vec<f32> = (0..22_050).map(|_| 0.5 * noise.next()).collect();
    let estimate = estimate_pitch(&audio, RATE_HZ);
    assert!(estimate.is_none(), "{estimate:?}");
}

#[test]
fn plucked_one_shot_with_a_noisy_attack() {
    // A pluck: 15 ms of noise, then a bright decaying tone whose upper partials fade faster,
    // 0.6 s in all; the noise must not move the note.
    let mut noise = Noise::new(4);
    for (midi, detune) in [(40.0f32, 12.0f32), (57.0, -18.0), (76.0, 7.0)] {
        let f0 = midi_to_hz(midi + detune / 100.0);
        let audio: Vec<f32> = (0..(0.6 * RATE_HZ) as usize)
            .map(|i| {
                let t = i as f32 / RATE_HZ;
                let burst = if t < 0.015 { 0.5 * noise.next() } else { 0.0 };
                let tone: f32 = (1..=12)
                    .filter(|&k| f0 * k as f32 <= RATE_HZ * 0.45)
                    .map(|k| {
                        (std::f32::consts::TAU * f0 * k as f32 * t).sin()
                            * (-t * (3.0 + k as f32)).exp()
                            / k as f32
                    })
                    .sum();
                burst + 0.5 * tone
            })
            .collect();
        let estimate = estimate_pitch(&audio, RATE_HZ).unwrap();
        assert_eq!(estimate.midi_note, midi as u8, "{estimate:?}");
        assert!(
            (estimate.cents - detune).abs() <= CENTS_TOLERANCE,
            "{detune}: {estimate:?}"
        );
    }
}
