//! Test signals and the engine's front end in miniature: mono 22 050 Hz, centred Hann STFT
//! 2048/512 through realfft, magnitudes pushed into the extractors.

use realfft::RealFftPlanner;
use tonewheel_analysis::mir::{ChromaExtractor, OnsetDetector};

pub const RATE_HZ: f32 = 22_050.0;
pub const FFT_SIZE: usize = 2048;
pub const HOP: usize = 512;
pub const FRAME_RATE_HZ: f32 = RATE_HZ / HOP as f32;

/// Seeded xorshift noise in -1..1, so tests are reproducible without extra dependencies.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

/// Magnitude spectra of `audio`, frame `i` centred at `i · HOP` (half a window of zeros in
/// front), until the frame centre passes the end.
pub fn stft(audio: &[f32]) -> Vec<Vec<f32>> {
    let mut planner = RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(FFT_SIZE);
    let window: Vec<f32> = (0..FFT_SIZE)
        .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / FFT_SIZE as f32).cos())
        .collect();
    let mut input = fft.make_input_vec();
    let mut output = fft.make_output_vec();
    let mut frames = Vec::new();
    let mut centre = 0usize;
    while centre < audio.len() {
        for (k, slot) in input.iter_mut().enumerate() {
            let index = (centre + k) as isize - (FFT_SIZE / 2) as isize;
            let sample = if index >= 0 {
                audio.get(index as usize).copied().unwrap_or(0.0)
            } else {
                0.0
            };
            *slot = sample * window[k];
        }
        fft.process(&mut input, &mut output).unwrap();
        frames.push(output.iter().map(|c| c.norm()).collect());
        centre += HOP;
    }
    frames
}

/// Onset envelope of `audio` through [`OnsetDetector`].
pub fn onset_envelope(audio: &[f32]) -> Vec<f32> {
    let mut detector = OnsetDetector::new(FFT_SIZE, RATE_HZ);
    stft(audio)
        .iter()
        .map(|frame| detector.push(frame))
        .collect()
}

/// Onset envelope and drum-body (low/mid region) envelope of `audio`.
pub fn onset_envelopes(audio: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let mut detector = OnsetDetector::new(FFT_SIZE, RATE_HZ);
    stft(audio)
        .iter()
        .map(|frame| (detector.push(frame), detector.low_strength()))
        .unzip()
}

/// Chroma frames, frame energies and the final tuning estimate of `audio`.
pub fn chroma_frames(audio: &[f32]) -> (Vec<[f32; 12]>, Vec<f32>, f32) {
    let mut extractor = ChromaExtractor::new(FFT_SIZE, RATE_HZ);
    let mut chroma = Vec::new();
    let mut energy = Vec::new();
    for frame in stft(audio) {
        chroma.push(extractor.push(&frame));
        energy.push(frame.iter().map(|m| m * m).sum::<f32>());
    }
    (chroma, energy, extractor.tuning_cents())
}

pub fn midi_to_hz(midi: f32) -> f32 {
    440.0 * 2f32.powf((midi - 69.0) / 12.0)
}

/// Adds a harmonic tone (partials k = 1..=partials with amplitude 1/k, below Nyquist) with
/// a 10 ms attack and a gentle decay, starting at `start_s` for `length_s`.
pub fn add_tone(
    audio: &mut [f32],
    start_s: f32,
    length_s: f32,
    f0_hz: f32,
    partials: usize,
    amplitude: f32,
) {
    let start = (start_s * RATE_HZ) as usize;
    let len = (length_s * RATE_HZ) as usize;
    for i in 0..len {
        let Some(slot) = audio.get_mut(start + i) else {
            break;
        };
        let t = i as f32 / RATE_HZ;
        let env = (t / 0.01).min(1.0) * (-t * 0.8).exp() * ((length_s - t) / 0.02).clamp(0.0, 1.0);
        let mut v = 0.0;
        for k in 1..=partials {
            let f = f0_hz * k as f32;
            if f >= RATE_HZ * 0.45 {
                break;
            }
            v += (std::f32::consts::TAU * f * t).sin() / k as f32;
        }
        *slot += amplitude * env * v;
    }
}

/// Adds a synthetic kick (pitch-swept sine, 150 → 50 Hz, 120 ms) at `at_s`.
pub fn add_kick(audio: &mut [f32], at_s: f64, amplitude: f32) {
    let start = (at_s * f64::from(RATE_HZ)).round() as usize;
    let len = (0.12 * RATE_HZ) as usize;
    let mut phase = 0.0f32;
    for i in 0..len {
        let Some(slot) = audio.get_mut(start + i) else {
            break;
        };
        let t = i as f32 / RATE_HZ;
        let f = 50.0 + 100.0 * (-t / 0.02).exp();
        phase += std::f32::consts::TAU * f / RATE_HZ;
        *slot += amplitude * (-t / 0.04).exp() * phase.sin();
    }
}

/// Adds a noise burst (hat: 30 ms, snare: 120 ms) at `at_s`.
pub fn add_noise_hit(
    audio: &mut [f32],
    at_s: f64,
    length_s: f32,
    amplitude: f32,
    noise: &mut Noise,
) {
    let start = (at_s * f64::from(RATE_HZ)).round() as usize;
    let len = (length_s * RATE_HZ) as usize;
    let mut previous = 0.0f32;
    for i in 0..len {
        let Some(slot) = audio.get_mut(start + i) else {
            break;
        };
        let t = i as f32 / RATE_HZ;
        let white = noise.next();
        // First difference: brighter, like a hat or snare.
        let bright = white - previous;
        previous = white;
        *slot += amplitude * (-t / (length_s / 4.0)).exp() * bright;
    }
}
