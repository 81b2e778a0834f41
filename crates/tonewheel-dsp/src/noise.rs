//! Seeded white and pink noise sources.
//!
//! Both draw from [`Rng32`], so the same seed always gives the bit-identical stream (renders
//! are reproducible) and different voices get independent noise by using different seeds.
//! Neither needs the sample rate: white noise is flat by construction and the pink filter's
//! -3 dB/octave slope holds from about 10 Hz (20 Hz at 96 kHz) up to Nyquist.

use crate::rng::Rng32;

/// Uniform white noise in `[-1, 1)`: flat spectrum, RMS `1/sqrt(3) = 0.577`, peak 1.
///
/// Uniform rather than Gaussian because it costs one RNG step per sample and never exceeds
/// full scale; after any filtering the distribution becomes Gaussian-like anyway.
#[derive(Debug, Clone)]
pub struct WhiteNoise {
    seed: u64,
    rng: Rng32,
}

impl WhiteNoise {
    /// Creates a white noise source; the seed fully determines the stream.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            rng: Rng32::new(seed),
        }
    }

    /// Restarts the stream from its seed (the next samples repeat the fresh instance's).
    pub fn reset(&mut self) {
        self.rng = Rng32::new(self.seed);
    }

    /// Next sample, uniform in `[-1, 1)`.
    #[inline]
    pub fn tick(&mut self) -> f32 {
        self.rng.next_bipolar()
    }

    /// Fills `out` with consecutive samples (identical to calling [`Self::tick`] per sample).
    pub fn process(&mut self, out: &mut [f32]) {
        for o in out.iter_mut() {
            *o = self.rng.next_bipolar();
        }
    }
}

/// Pole radii of Paul Kellet's "refined" pink filter (music-dsp mailing list, 1999): six
/// one-pole lowpasses whose staggered corners approximate a 1/f power slope within
/// +-0.05 dB above ~9 Hz (at 44.1 kHz; the corners scale with sample rate, staying far below
/// the audio band up to 96 kHz).
const PINK_POLES: [f32; 6] = [0.99886, 0.99332, 0.96900, 0.86650, 0.55000, -0.7616];
/// Input gains of the six sections (same source).
const PINK_GAINS: [f32; 6] = [
    0.055_517_9,
    0.075_075_9,
    0.153_852,
    0.310_485_6,
    0.532_952_2,
    -0.016_898,
];
/// Direct white path of the refined filter.
const PINK_DIRECT: f32 = 0.5362;
/// One-sample-delayed white path of the refined filter.
const PINK_DELAYED: f32 = 0.115_926;
/// Output scale: the raw filter driven by uniform noise has RMS 1.762 (computed from the
/// section covariances); this brings it to 0.25 so Gaussian-like peaks (4 sigma) stay near 1.
const PINK_OUTPUT_GAIN: f32 = 0.25 / 1.762_378;

/// Pink (1/f, -3 dB/octave) noise from Paul Kellet's refined filter applied to uniform white
/// noise. RMS 0.25; peaks rarely exceed 1 (about 4 sigma).
#[derive(Debug, Clone)]
pub struct PinkNoise {
    white: WhiteNoise,
    state: [f32; 6],
    prev_white: f32,
}

impl PinkNoise {
    /// Creates a pink noise source; the seed fully determines the stream.
    pub fn new(seed: u64) -> Self {
        Self {
            white: WhiteNoise::new(seed),
            state: [0.0; 6],
            prev_white: 0.0,
        }
    }

    /// Clears the filter and restarts the white stream from its seed.
    pub fn reset(&mut self) {
        self.white.reset();
        self.state = [0.0; 6];
        self.prev_white = 0.0;
    }

    /// Next sample.
    #[inline]
    pub fn tick(&mut self) -> f32 {
        let w = self.white.tick();
        let mut sum = PINK_DIRECT * w + PINK_DELAYED * self.prev_white;
        // The driving noise never stops, so the states cannot decay into denormals.
        for ((s, &p), &g) in self.state.iter_mut().zip(&PINK_POLES).zip(&PINK_GAINS) {
            *s = p * *s + g * w;
            sum += *s;
        }
        self.prev_white = w;
        sum * PINK_OUTPUT_GAIN
    }

    /// Fills `out` with consecutive samples (identical to calling [`Self::tick`] per sample).
    pub fn process(&mut self, out: &mut [f32]) {
        for o in out.iter_mut() {
            *o = self.tick();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use realfft::RealFftPlanner;

    const SR: f64 = 48_000.0;

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    /// Welch power spectral density (Hann window, 50% overlap), one value per bin.
    fn welch_psd(x: &[f32], seg: usize) -> Vec<f64> {
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(seg);
        let window: Vec<f64> = (0..seg)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / seg as f64).cos())
            .collect();
        let mut psd = vec![0.0; seg / 2 + 1];
        let mut buf = fft.make_input_vec();
        let mut spec = fft.make_output_vec();
        let mut count = 0;
        let mut start = 0;
        while start + seg <= x.len() {
            for ((b, &v), &w) in buf.iter_mut().zip(&x[start..start + seg]).zip(&window) {
                *b = v as f64 * w;
            }
            fft.process(&mut buf, &mut spec).unwrap();
            for (p, c) in psd.iter_mut().zip(&spec) {
                *p += c.norm_sqr();
            }
            count += 1;
            start += seg / 2;
        }
        psd.iter().map(|p| p / count as f64).collect()
    }

    /// Mean PSD (dB) over the octave band centred on `centre_hz`.
    fn octave_band_db(psd: &[f64], seg: usize, centre_hz: f64) -> f64 {
        let bin_hz = SR / seg as f64;
        let lo = (centre_hz / 2f64.sqrt() / bin_hz).ceil() as usize;
        let hi = (centre_hz * 2f64.sqrt() / bin_hz).floor() as usize;
        let band = &psd[lo..=hi];
        10.0 * (band.iter().sum::<f64>() / band.len() as f64).log10()
    }

    #[test]
    fn white_noise_is_uniform_flat_and_seeded() {
        let mut a = WhiteNoise::new(42);
        let mut x = vec![0.0; 4 * 48_000];
        a.process(&mut x);
        // Uniform on [-1, 1): RMS 1/sqrt(3) = 0.5774.
        let r = rms(&x);
        assert!((r - 0.57735).abs() < 0.003, "rms {r}");
        assert!(x.iter().all(|v| (-1.0..1.0).contains(v)));
        let seg = 8192;
        let psd = welch_psd(&x, seg);
        let tilt = octave_band_db(&psd, seg, 10_000.0) - octave_band_db(&psd, seg, 100.0);
        assert!(tilt.abs() < 0.5, "white tilt {tilt} dB");

        let mut b = WhiteNoise::new(42);
        let mut c = WhiteNoise::new(43);
        let mut differ = 0;
        for &v in &x[..1000] {
            assert_eq!(b.tick().to_bits(), v.to_bits());
            differ += usize::from(c.tick() != v);
        }
        assert!(differ > 990);
        b.reset();
        assert_eq!(b.tick().to_bits(), x[0].to_bits());
    }

    #[test]
    fn pink_noise_falls_3db_per_octave() {
        let mut p = PinkNoise::new(7);
        let mut x = vec![0.0; 8 * 48_000];
        p.process(&mut x);
        let seg = 8192;
        let psd = welch_psd(&x, seg);
        let l100 = octave_band_db(&psd, seg, 100.0);
        let l1k = octave_band_db(&psd, seg, 1_000.0);
        let l10k = octave_band_db(&psd, seg, 10_000.0);
        // 1/f power: -10 dB per decade = -3.01 dB per octave; 100 Hz -> 10 kHz is 6.64 octaves.
        let slope = (l10k - l100) / (10_000f64 / 100.0).log2();
        eprintln!(
            "pink: 100 Hz->1 kHz {:.2} dB, 100 Hz->10 kHz {:.2} dB, slope {slope:.3} dB/oct",
            l1k - l100,
            l10k - l100
        );
        assert!(
            (l10k - l100 + 20.0).abs() < 1.0,
            "10 kHz vs 100 Hz: {}",
            l10k - l100
        );
        assert!(
            (l1k - l100 + 10.0).abs() < 1.0,
            "1 kHz vs 100 Hz: {}",
            l1k - l100
        );
        assert!((slope + 3.01).abs() < 0.15, "slope {slope} dB/oct");
        let r = rms(&x);
        assert!((r - 0.25).abs() < 0.01, "pink rms {r}");
        let mean = x.iter().map(|&v| v as f64).sum::<f64>() / x.len() as f64;
        assert!(mean.abs() < 0.02, "pink mean {mean}");
    }

    #[test]
    fn pink_noise_is_deterministic_and_resettable() {
        let mut a = PinkNoise::new(99);
        let mut block = vec![0.0; 5000];
        a.process(&mut block);
        let mut b = PinkNoise::new(99);
        for &v in &block {
            assert_eq!(b.tick().to_bits(), v.to_bits());
        }
        let mut c = PinkNoise::new(100);
        assert!(block[..100].iter().filter(|&&v| c.tick() == v).count() < 5);
        a.reset();
        for &v in &block[..1000] {
            assert_eq!(a.tick().to_bits(), v.to_bits());
        }
        assert!(block.iter().all(|v| v.is_finite() && v.abs() < 2.0));
    }
}
