//! Section boundaries from per-second feature means of three contrasting sections.

use tonewheel_analysis::mir::section_boundaries;

use crate::support::{add_noise_hit, add_tone, midi_to_hz, stft, Noise, RATE_HZ};
use tonewheel_analysis::mir::ChromaExtractor;

const FEATURE_RATE_HZ: f32 = 2.0;

/// Chroma (normalised) and 8 log band energies, averaged over half-second blocks, as the
/// engine's 2 frames/s MFCC+chroma means.
fn features(audio: &[f32]) -> Vec<Vec<f32>> {
    let spectra = stft(audio);
    let mut chroma = ChromaExtractor::new(2048, RATE_HZ);
    let per_block = (RATE_HZ / 512.0 / FEATURE_RATE_HZ).round() as usize;
    let mut out = Vec::new();
    for block in spectra.chunks(per_block) {
        let mut sum = [0.0f32; 20];
        for frame in block {
            let c = chroma.push(frame);
            let total: f32 = c.iter().sum::<f32>().max(1e-9);
            for pc in 0..12 {
                sum[pc] += c[pc] / total;
            }
            // Octave bands from ~43 Hz.
            for band in 0..8 {
                let (lo, hi) = (4usize << band, (8usize << band).min(frame.len()));
                let energy: f32 = frame[lo..hi].iter().map(|m| m * m).sum();
                sum[12 + band] += (1e-6 + energy).ln();
            }
        }
        out.push(sum.iter().map(|v| v / block.len() as f32).collect());
    }
    out
}

#[test]
fn three_sections_give_two_boundaries() {
    let section_s = 12.0;
    let mut audio = vec![0.0f32; (3.0 * section_s * RATE_HZ) as usize];
    let mut noise = Noise::new(21);
    // A: a C major chord, mellow, repeated every second.
    for i in 0..12 {
        for midi in [60.0, 64.0, 67.0] {
            add_tone(&mut audio, i as f32, 1.0, midi_to_hz(midi), 3, 0.15);
        }
    }
    // B: a bright F# minor chord with many partials plus hats.
    for i in 0..12 {
        let t = section_s + i as f32;
        for midi in [66.0, 69.0, 73.0] {
            add_tone(&mut audio, t, 1.0, midi_to_hz(midi), 12, 0.15);
        }
        add_noise_hit(&mut audio, f64::from(t) + 0.5, 0.03, 0.2, &mut noise);
    }
    // C: a low bass line on A and E, no chords.
    for i in 0..24 {
        let t = 2.0 * section_s + i as f32 * 0.5;
        let midi = if i % 2 == 0 { 33.0 } else { 40.0 };
        add_tone(&mut audio, t, 0.5, midi_to_hz(midi), 6, 0.4);
    }
    let boundaries = section_boundaries(&features(&audio), FEATURE_RATE_HZ);
    eprintln!("novelty boundaries {boundaries:?} (truth 12, 24)");
    assert_eq!(boundaries.len(), 2, "{boundaries:?}");
    for (found, truth) in boundaries.iter().zip([section_s, 2.0 * section_s]) {
        assert!((found - f64::from(truth)).abs() <= 1.0, "{boundaries:?}");
    }
}

#[test]
fn steady_material_has_no_boundary() {
    let mut audio = vec![0.0f32; (20.0 * RATE_HZ) as usize];
    for i in 0..20 {
        for midi in [60.0, 64.0, 67.0] {
            add_tone(&mut audio, i as f32, 1.0, midi_to_hz(midi), 4, 0.15);
        }
    }
    let boundaries = section_boundaries(&features(&audio), FEATURE_RATE_HZ);
    assert!(boundaries.is_empty(), "{boundaries:?}");
}
