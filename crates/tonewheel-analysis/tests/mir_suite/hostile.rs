//! Hostile input: empty, NaN, infinite, one sample, one frame. Nothing panics; the answers
//! are empty or `None`.

use tonewheel_analysis::mir::{
    estimate_key, estimate_pitch, estimate_tempo, pick_onsets, section_boundaries, track_beats,
    ChromaExtractor, OnsetDetector,
};

use crate::support::{FFT_SIZE, FRAME_RATE_HZ, RATE_HZ};

#[test]
fn empty_inputs_give_nothing() {
    assert!(pick_onsets(&[], FRAME_RATE_HZ).is_empty());
    assert!(estimate_tempo(&[], FRAME_RATE_HZ).is_none());
    assert!(track_beats(&[], FRAME_RATE_HZ, 120.0).is_empty());
    assert!(estimate_key(&[], &[]).is_none());
    assert!(estimate_pitch(&[], RATE_HZ).is_none());
    assert!(section_boundaries(&[], 2.0).is_empty());
    assert!(section_boundaries(&[vec![], vec![]], 2.0).is_empty());
    let mut onset = OnsetDetector::new(FFT_SIZE, RATE_HZ);
    assert_eq!(onset.push(&[]), 0.0);
    let mut chroma = ChromaExtractor::new(FFT_SIZE, RATE_HZ);
    assert_eq!(chroma.push(&[]), [0.0; 12]);
}

#[test]
fn nan_and_infinity_read_as_silence() {
    let spectrum = vec![f32::NAN; FFT_SIZE / 2 + 1];
    let infinite = vec![f32::INFINITY; FFT_SIZE / 2 + 1];
    let mut onset = OnsetDetector::new(FFT_SIZE, RATE_HZ);
    assert_eq!(onset.push(&spectrum), 0.0);
    assert_eq!(onset.push(&infinite), 0.0);
    let mut chroma = ChromaExtractor::new(FFT_SIZE, RATE_HZ);
    assert_eq!(chroma.push(&spectrum), [0.0; 12]);
    assert_eq!(chroma.push(&infinite), [0.0; 12]);
    assert_eq!(chroma.tuning_cents(), 0.0);

    let envelope = vec![f32::NAN; 1000];
    assert!(pick_onsets(&envelope, FRAME_RATE_HZ).is_empty());
    assert!(estimate_tempo(&envelope, FRAME_RATE_HZ).is_none());
    assert!(track_beats(&envelope, FRAME_RATE_HZ, 120.0).is_empty());
    assert!(estimate_tempo(&vec![1.0; 1000], f32::NAN).is_none());
    assert!(track_beats(&vec![1.0; 1000], FRAME_RATE_HZ, f32::INFINITY).is_empty());
    assert!(track_beats(&vec![1.0; 1000], FRAME_RATE_HZ, 0.0).is_empty());
    assert!(estimate_key(&[[f32::NAN; 12]; 4], &[f32::NAN; 4]).is_none());
    assert!(estimate_pitch(&vec![f32::NAN; 30_000], RATE_HZ).is_none());
    assert!(estimate_pitch(&vec![f32::INFINITY; 30_000], RATE_HZ).is_none());
    assert!(section_boundaries(&vec![vec![f32::NAN; 20]; 100], 2.0).is_empty());
}

#[test]
fn one_sample_and_one_frame_give_nothing() {
    assert!(estimate_pitch(&[0.5], RATE_HZ).is_none());
    assert!(estimate_pitch(&[0.5; 100], 0.0).is_none());
    assert!(pick_onsets(&[1.0], FRAME_RATE_HZ).is_empty());
    assert!(estimate_tempo(&[1.0], FRAME_RATE_HZ).is_none());
    assert!(track_beats(&[1.0], FRAME_RATE_HZ, 120.0).is_empty());
    assert!(section_boundaries(&[vec![1.0, 2.0]], 2.0).is_empty());
    let key = estimate_key(&[[1.0; 12]], &[1.0]).expect("one flat frame");
    assert!(!key.tonal, "{key:?}");
    // Degenerate constructors do not panic and give silence.
    assert_eq!(OnsetDetector::new(0, RATE_HZ).push(&[1.0; 10]), 0.0);
    assert_eq!(
        ChromaExtractor::new(2, f32::NAN).push(&[1.0; 10]),
        [0.0; 12]
    );
}

#[test]
fn ragged_and_long_inputs_are_bounded() {
    // Rows of different lengths are padded with zeros.
    let ragged = vec![
        vec![1.0, 2.0, 3.0],
        vec![1.0],
        vec![],
        vec![3.0, f32::NAN, 1.0, 5.0],
    ];
    let _ = section_boundaries(&ragged, 2.0);
    // A 60-minute file at 2 frames/s: 7200 frames of 25 dimensions, steady with a little
    // jitter. The band keeps this at O(N·K); no change means no boundary.
    let mut noise = crate::support::Noise::new(1);
    let steady: Vec<Vec<f32>> = (0..7200)
        .map(|_| (0..25).map(|d| d as f32 + 0.01 * noise.next()).collect())
        .collect();
    let boundaries = section_boundaries(&steady, 2.0);
    assert!(
        boundaries.is_empty(),
        "{} boundaries in steady material",
        boundaries.len()
    );
    // A 60-minute onset envelope (155 000 frames) of constant strength: no periodicity.
    let flat = vec![0.5f32; 155_000];
    assert!(estimate_tempo(&flat, FRAME_RATE_HZ).is_none());
    assert!(pick_onsets(&flat, FRAME_RATE_HZ).is_empty());
}

#[test]
fn absurd_rates_and_sizes_give_nothing() {
    assert!(estimate_pitch(&[0.5; 4096], f32::MAX).is_none());
    assert!(estimate_pitch(&[0.5; 4096], 1e7).is_none());
    assert_eq!(
        OnsetDetector::new(usize::MAX, RATE_HZ).push(&[1.0; 10]),
        0.0
    );
    assert_eq!(
        ChromaExtractor::new(usize::MAX, RATE_HZ).push(&[1.0; 10]),
        [0.0; 12]
    );
    assert!(estimate_tempo(&[1.0; 1000], f32::MAX).is_none());
    assert!(track_beats(&[1.0; 1000], f32::MAX, 120.0).is_empty());
    assert!(track_beats(&[1.0; 1000], FRAME_RATE_HZ, f32::MIN_POSITIVE).is_empty());
    assert!(section_boundaries(&[vec![1.0], vec![2.0], vec![1.0]], f32::MAX).is_empty());
}
