//! [`Stft`]: Hann-windowed real FFT of fixed-size frames, giving linear magnitude spectra.

use std::sync::Arc;

use realfft::{num_complex::Complex, RealFftPlanner, RealToComplex};

/// Analysis sample rate of every frame feature, in Hz.
pub const ANALYSIS_RATE_HZ: u32 = 22_050;
/// FFT (and window) size in samples at [`ANALYSIS_RATE_HZ`].
pub const FFT_SIZE: usize = 2048;
/// Hop between frames in samples at [`ANALYSIS_RATE_HZ`] (frame rate ≈ 43.07 Hz).
pub const HOP: usize = 512;
/// Number of magnitude bins per frame.
pub const BINS: usize = FFT_SIZE / 2 + 1;

/// Frame rate of the per-frame features in Hz.
pub fn frame_rate_hz() -> f32 {
    ANALYSIS_RATE_HZ as f32 / HOP as f32
}

/// A reusable forward transform with its window and scratch buffers.
pub struct Stft {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    input: Vec<f32>,
    output: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
}

impl std::fmt::Debug for Stft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft")
            .field("size", &self.window.len())
            .finish_non_exhaustive()
    }
}

impl Stft {
    /// A transform of `size` samples (periodic Hann window).
    pub fn new(size: usize) -> Self {
        let size = size.max(2);
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(size);
        let window = (0..size)
            .map(|i| {
                let x = std::f32::consts::TAU * i as f32 / size as f32;
                0.5 - 0.5 * x.cos()
            })
            .collect();
        let input = fft.make_input_vec();
        let output = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        Self {
            fft,
            window,
            input,
            output,
            scratch,
        }
    }

    /// Writes the linear magnitude spectrum (`size / 2 + 1` bins) of `frame` into `magnitude`.
    /// A frame shorter than the window is zero-padded; a longer one is truncated.
    pub fn magnitude(&mut self, frame: &[f32], magnitude: &mut Vec<f32>) {
        for (i, (dst, w)) in self.input.iter_mut().zip(&self.window).enumerate() {
            *dst = frame.get(i).copied().unwrap_or(0.0) * w;
        }
        magnitude.clear();
        // The lengths come from the plan itself, so the transform cannot fail; if it ever did,
        // a silent frame is the safe answer.
        if self
            .fft
            .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
            .is_err()
        {
            magnitude.resize(self.output.len(), 0.0);
            return;
        }
        // sqrt(re² + im²) rather than `norm` (libm's `hypot`, which guards against overflow
        // that FFT bins of audio in ±1 cannot reach) so the loop vectorises.
        magnitude.extend(
            self.output
                .iter()
                .map(|c| (c.re * c.re + c.im * c.im).sqrt()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_peaks_at_its_bin() {
        let mut stft = Stft::new(FFT_SIZE);
        let bin = 93.0;
        let f = bin * ANALYSIS_RATE_HZ as f32 / FFT_SIZE as f32;
        let x: Vec<f32> = (0..FFT_SIZE)
            .map(|i| (std::f32::consts::TAU * f * i as f32 / ANALYSIS_RATE_HZ as f32).sin())
            .collect();
        let mut mag = Vec::new();
        stft.magnitude(&x, &mut mag);
        assert_eq!(mag.len(), BINS);
        let (argmax, peak) =
            mag.iter()
                .enumerate()
                .fold((0, 0.0f32), |a, (i, &m)| if m > a.1 { (i, m) } else { a });
        assert_eq!(argmax, 93);
        // Hann coherent gain 0.5: amplitude 1 → N/4.
        assert!((peak - FFT_SIZE as f32 / 4.0).abs() < 1.0, "{peak}");
    }
}
