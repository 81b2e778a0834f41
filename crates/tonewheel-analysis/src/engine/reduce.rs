//! [`SpectralReducer`]: turns one magnitude spectrum into a handful of numbers (centroid,
//! rolloff, bandwidth, flatness, flux, MFCC, contrast, octave-band energies), so the engine
//! keeps per-frame features and never the spectrogram.

use super::lanes::{dot, ln_positive, sum};
use super::stft::{ANALYSIS_RATE_HZ, BINS, FFT_SIZE};

/// MFCC coefficients per frame.
pub const MFCC_COUNT: usize = 13;
/// Mel bands under the MFCC (HTK-style mel scale, 0 Hz .. Nyquist).
pub const MEL_BANDS: usize = 40;
/// Spectral-contrast sub-band edges in Hz (6 octave-ish bands plus the band above 6.4 kHz,
/// as in Jiang et al. 2002 and librosa's default), giving 7 contrast values.
pub const CONTRAST_EDGES_HZ: [f32; 8] = [0.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0, 11025.0];
/// Contrast values per frame.
pub const CONTRAST_BANDS: usize = 7;
/// Fraction of a sub-band's bins averaged for its peak and its valley.
pub const CONTRAST_QUANTILE: f32 = 0.02;
/// Octave-band centre frequencies in Hz for the tonal balance (IEC 61260 nominal centres up
/// to the analysis Nyquist).
pub const OCTAVE_CENTERS_HZ: [f32; 9] = [
    31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0,
];
/// Octave bands per frame.
pub const OCTAVE_BANDS: usize = OCTAVE_CENTERS_HZ.len();
/// Spectral rolloff: the frequency below which this fraction of the magnitude lies.
pub const ROLLOFF_FRACTION: f32 = 0.85;
/// Upper edge of the "low" band of the low/mid/high ratios and of the stereo bands, in Hz.
pub const LOW_MID_HZ: f32 = 250.0;
/// Upper edge of the "mid" band, in Hz.
pub const MID_HIGH_HZ: f32 = 4000.0;
/// Upper edge of the flatness measurement in Hz: the analysis resampler's anti-alias filter
/// empties the last tenth below Nyquist, which would read as "tonal" for white noise.
pub const FLATNESS_MAX_HZ: f32 = 9_500.0;
/// Power floor that keeps logarithms finite (≈ -100 dB re a full-scale bin).
const POWER_FLOOR: f32 = 1e-10;

/// The reduced spectral features of one frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpectralFrame {
    /// Magnitude-weighted mean frequency in Hz.
    pub centroid_hz: f32,
    /// Frequency below which [`ROLLOFF_FRACTION`] of the magnitude lies, in Hz.
    pub rolloff_hz: f32,
    /// Magnitude-weighted standard deviation of frequency around the centroid, in Hz.
    pub bandwidth_hz: f32,
    /// Wiener entropy: geometric over arithmetic mean of the power spectrum (0 tonal .. 1 white).
    pub flatness: f32,
    /// Mean half-wave-rectified rise of log-magnitude since the previous frame.
    pub flux: f32,
    /// Mel-frequency cepstral coefficients (DCT-II of log-mel power in dB).
    pub mfcc: [f32; MFCC_COUNT],
    /// Peak-minus-valley level in dB per contrast sub-band.
    pub contrast: [f32; CONTRAST_BANDS],
    /// Power per octave band (sum of bin powers, linear, scaled so a full-scale sine ≈ 1).
    pub octave_power: [f32; OCTAVE_BANDS],
    /// Power below [`LOW_MID_HZ`], between it and [`MID_HIGH_HZ`], and above (linear).
    pub low_mid_high_power: [f32; 3],
}

/// Precomputed tables (mel filterbank, DCT, band bin ranges) and the previous frame for flux.
#[derive(Debug, Clone)]
pub struct SpectralReducer {
    mel: Vec<(usize, Vec<f32>)>,
    dct: Vec<[f32; MEL_BANDS]>,
    contrast_bins: Vec<(usize, usize)>,
    octave_bins: Vec<(usize, usize)>,
    lmh_bins: [(usize, usize); 3],
    previous_log: Vec<f32>,
    scratch: Vec<f32>,
    power: Vec<f32>,
    /// Centre frequency of every bin, Hz.
    freq_hz: Vec<f32>,
}

/// Frequency of FFT bin `k` in Hz.
pub fn bin_hz(k: usize) -> f32 {
    k as f32 * ANALYSIS_RATE_HZ as f32 / FFT_SIZE as f32
}

/// The first bin at or above `hz`, clamped to the spectrum.
pub fn hz_bin(hz: f32) -> usize {
    ((hz * FFT_SIZE as f32 / ANALYSIS_RATE_HZ as f32)
        .ceil()
        .max(0.0) as usize)
        .min(BINS)
}

fn hz_to_mel(hz: f32) -> f32 {
    2595.0 * (1.0 + hz / 700.0).log10()
}

fn mel_to_hz(mel: f32) -> f32 {
    700.0 * (10f32.powf(mel / 2595.0) - 1.0)
}

impl Default for SpectralReducer {
    fn default() -> Self {
        Self::new()
    }
}

impl SpectralReducer {
    /// Tables for [`FFT_SIZE`] at [`ANALYSIS_RATE_HZ`].
    pub fn new() -> Self {
        let nyquist = ANALYSIS_RATE_HZ as f32 / 2.0;
        let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(nyquist));
        let edges: Vec<f32> = (0..MEL_BANDS + 2)
            .map(|i| mel_to_hz(lo + (hi - lo) * i as f32 / (MEL_BANDS + 1) as f32))
            .collect();
        let mel = (0..MEL_BANDS)
            .map(|b| {
                let (left, centre, right) = (edges[b], edges[b + 1], edges[b + 2]);
                let start = hz_bin(left);
                let end = hz_bin(right).max(start + 1).min(BINS);
                let weights = (start..end)
                    .map(|k| {
                        let f = bin_hz(k);
                        let w = if f <= centre {
                            (f - left) / (centre - left).max(1e-6)
                        } else {
                            (right - f) / (right - centre).max(1e-6)
                        };
                        // Slaney area normalisation keeps wide high bands from dominating.
                        w.max(0.0) * 2.0 / (right - left).max(1e-6)
                    })
                    .collect();
                (start, weights)
            })
            .collect();
        let dct = (0..MFCC_COUNT)
            .map(|c| {
                let scale = if c == 0 {
                    (1.0 / MEL_BANDS as f32).sqrt()
                } else {
                    (2.0 / MEL_BANDS as f32).sqrt()
                };
                let mut row = [0.0; MEL_BANDS];
                for (m, r) in row.iter_mut().enumerate() {
                    *r = scale
                        * (std::f32::consts::PI * c as f32 * (m as f32 + 0.5) / MEL_BANDS as f32)
                            .cos();
                }
                row
            })
            .collect();
        let range = |a: f32, b: f32| (hz_bin(a), hz_bin(b).max(hz_bin(a) + 1).min(BINS));
        let contrast_bins = CONTRAST_EDGES_HZ
            .windows(2)
            .map(|w| range(w[0], w[1]))
            .collect();
        let octave_bins = OCTAVE_CENTERS_HZ
            .iter()
            .map(|c| range(c / std::f32::consts::SQRT_2, c * std::f32::consts::SQRT_2))
            .collect();
        let lmh_bins = [
            range(0.0, LOW_MID_HZ),
            range(LOW_MID_HZ, MID_HIGH_HZ),
            range(MID_HIGH_HZ, nyquist + 1.0),
        ];
        Self {
            mel,
            dct,
            contrast_bins,
            octave_bins,
            lmh_bins,
            previous_log: Vec::new(),
            scratch: Vec::new(),
            power: Vec::with_capacity(BINS),
            freq_hz: (0..BINS).map(bin_hz).collect(),
        }
    }

    /// Sums of bin powers per band of `bins` (scaled like [`SpectralFrame::octave_power`]).
    pub fn band_powers<const N: usize>(magnitude: &[f32], bins: &[(usize, usize); N]) -> [f32; N] {
        let scale = power_scale();
        let mut out = [0.0; N];
        for (o, &(a, b)) in out.iter_mut().zip(bins) {
            *o = magnitude
                .get(a..b.min(magnitude.len()))
                .map_or(0.0, |s| s.iter().map(|m| m * m).sum::<f32>())
                * scale;
        }
        out
    }

    /// The low/mid/high bin ranges (for the stereo bands).
    pub fn low_mid_high_bins(&self) -> &[(usize, usize); 3] {
        &self.lmh_bins
    }

    /// Reduces one magnitude spectrum of [`BINS`] bins.
    pub fn reduce(&mut self, magnitude: &[f32]) -> SpectralFrame {
        let mut out = SpectralFrame::default();
        let n = magnitude.len().min(BINS);
        let magnitude = &magnitude[..n];
        if n == 0 {
            return out;
        }
        self.power.clear();
        self.power.extend(magnitude.iter().map(|m| m * m));
        let total_mag = sum(magnitude);
        if total_mag > 0.0 {
            let centroid = dot(&self.freq_hz, magnitude) / total_mag;
            self.scratch.clear();
            self.scratch.extend(
                self.freq_hz[..n]
                    .iter()
                    .map(|f| (f - centroid) * (f - centroid)),
            );
            let spread = dot(&self.scratch, magnitude) / total_mag;
            let target = ROLLOFF_FRACTION * total_mag;
            let mut acc = 0.0;
            let mut rolloff = bin_hz(n - 1);
            for (k, m) in magnitude.iter().enumerate() {
                acc += m;
                if acc >= target {
                    rolloff = bin_hz(k);
                    break;
                }
            }
            out.centroid_hz = centroid;
            out.bandwidth_hz = spread.sqrt();
            out.rolloff_hz = rolloff;
        }
        // Flatness over bins 1..FLATNESS_MAX_HZ (DC carries no spectral shape).
        let body = &self.power[1.min(n)..hz_bin(FLATNESS_MAX_HZ).clamp(1.min(n), n)];
        if !body.is_empty() {
            let mean = sum(body) / body.len() as f32;
            self.scratch.clear();
            self.scratch
                .extend(body.iter().map(|p| ln_positive(p + POWER_FLOOR)));
            let log_mean = sum(&self.scratch) / body.len() as f32;
            out.flatness = if mean > POWER_FLOOR {
                (log_mean.exp() / (mean + POWER_FLOOR)).clamp(0.0, 1.0)
            } else {
                0.0
            };
        }
        // Flux on log-compressed magnitude, so loud and quiet music rate alike.
        self.scratch.clear();
        self.scratch
            .extend(magnitude.iter().map(|m| ln_positive(1.0 + m)));
        if self.previous_log.len() == self.scratch.len() {
            let mut rise = [0.0f32; 8];
            for (a, b) in self.scratch.chunks(8).zip(self.previous_log.chunks(8)) {
                for i in 0..a.len() {
                    rise[i] += (a[i] - b[i]).max(0.0);
                }
            }
            out.flux = rise.iter().sum::<f32>() / n as f32;
        }
        std::mem::swap(&mut self.previous_log, &mut self.scratch);
        // MFCC.
        let scale = power_scale();
        let mut mel_db = [0.0f32; MEL_BANDS];
        for (d, (start, w)) in mel_db.iter_mut().zip(&self.mel) {
            let e = dot(w, self.power.get(*start..).unwrap_or(&[]));
            *d = 10.0 * (e * scale * 1000.0 + POWER_FLOOR).log10();
        }
        for (c, row) in out.mfcc.iter_mut().zip(&self.dct) {
            *c = row.iter().zip(&mel_db).map(|(a, b)| a * b).sum();
        }
        // Contrast: mean of the top and bottom quantiles of each sub-band's power.
        for (c, &(a, b)) in out.contrast.iter_mut().zip(&self.contrast_bins) {
            let b = b.min(n);
            if a >= b {
                continue;
            }
            let band = &self.power[a..b];
            let len = band.len();
            let k = ((len as f32 * CONTRAST_QUANTILE).round() as usize).clamp(1, len);
            let (peak, valley) = extreme_means(band, k, &mut self.scratch);
            *c = 10.0 * ((peak + POWER_FLOOR) / (valley + POWER_FLOOR)).log10();
        }
        for (o, &(a, b)) in out.octave_power.iter_mut().zip(&self.octave_bins) {
            *o = self.power.get(a..b.min(n)).map_or(0.0, sum) * scale;
        }
        for (o, &(a, b)) in out.low_mid_high_power.iter_mut().zip(&self.lmh_bins) {
            *o = self.power.get(a..b.min(n)).map_or(0.0, sum) * scale;
        }
        out
    }
}

/// Most values a contrast quantile keeps on the fast path (2 % of the widest band is 9).
const EXTREMES_MAX: usize = 16;

/// (mean of the `k` largest, mean of the `k` smallest) values of `band` (`1 ≤ k ≤ len`).
/// Small `k` keeps two short sorted lists in one pass (most values are rejected by one
/// comparison); a large `k` (never at the 2 % quantile of these bands) sorts a copy in
/// `scratch`.
fn extreme_means(band: &[f32], k: usize, scratch: &mut Vec<f32>) -> (f32, f32) {
    let len = band.len();
    if k > EXTREMES_MAX {
        scratch.clear();
        scratch.extend_from_slice(band);
        scratch.sort_unstable_by(f32::total_cmp);
        let mean_of = |s: &[f32]| s.iter().sum::<f32>() / s.len() as f32;
        return (mean_of(&scratch[len - k..]), mean_of(&scratch[..k]));
    }
    // top: descending, bottom: ascending; both hold the first k values seen, then only
    // values that beat their last entry.
    let mut top = [f32::NEG_INFINITY; EXTREMES_MAX];
    let mut bottom = [f32::INFINITY; EXTREMES_MAX];
    for &v in band {
        if v > top[k - 1] {
            let mut i = k - 1;
            while i > 0 && top[i - 1] < v {
                top[i] = top[i - 1];
                i -= 1;
            }
            top[i] = v;
        }
        if v < bottom[k - 1] {
            let mut i = k - 1;
            while i > 0 && bottom[i - 1] > v {
                bottom[i] = bottom[i - 1];
                i -= 1;
            }
            bottom[i] = v;
        }
    }
    let peak = top[..k].iter().sum::<f32>() / k as f32;
    let valley = bottom[..k].iter().sum::<f32>() / k as f32;
    (peak, valley)
}

/// Scale from a sum of Hann-windowed bin powers to the mean square of the signal: a sine of
/// amplitude A has mean square A²/2 and its bins sum to A²·N·Σw²/4 ⇒ divide by N·Σw²/2
/// (Σw² = 3N/8 for Hann) ⇒ factor 16 / (3 N²).
pub fn power_scale() -> f32 {
    16.0 / (3.0 * (FFT_SIZE * FFT_SIZE) as f32)
}

#[cfg(test)]
mod tests {
    use super::super::stft::Stft;
    use super::*;

    fn spectrum(f: impl Fn(usize) -> f32) -> Vec<f32> {
        let x: Vec<f32> = (0..FFT_SIZE).map(f).collect();
        let mut mag = Vec::new();
        Stft::new(FFT_SIZE).magnitude(&x, &mut mag);
        mag
    }

    #[test]
    fn extreme_means_agree_with_sorting() {
        let mut scratch = Vec::new();
        for len in [1usize, 2, 5, 40, 431] {
            let band: Vec<f32> = (0..len)
                .map(|i| ((i * 7919) % 1009) as f32 * 0.01)
                .collect();
            let mut sorted = band.clone();
            sorted.sort_by(f32::total_cmp);
            for k in [1, 2, 9, 16, 17, 30] {
                if k > len {
                    continue;
                }
                let (peak, valley) = extreme_means(&band, k, &mut scratch);
                let want_peak = sorted[len - k..].iter().sum::<f32>() / k as f32;
                let want_valley = sorted[..k].iter().sum::<f32>() / k as f32;
                assert!(
                    (peak - want_peak).abs() < 1e-4,
                    "{len} {k}: {peak} vs {want_peak}"
                );
                assert!((valley - want_valley).abs() < 1e-4, "{len} {k}");
            }
        }
    }

    #[test]
    fn sine_power_is_its_mean_square() {
        let mag = spectrum(|i| 0.5 * (std::f32::consts::TAU * 1000.0 * i as f32 / 22050.0).sin());
        let f = SpectralReducer::new().reduce(&mag);
        let total: f32 = f.low_mid_high_power.iter().sum();
        assert!((total - 0.125).abs() < 0.01, "{total}");
        assert!((f.centroid_hz - 1000.0).abs() < 30.0, "{}", f.centroid_hz);
    }
}
