//! Harmonic analysis of an [`AverageSpectrum`]: fundamental(s) and an aliasing estimate for
//! pitched material.
//!
//! # Method
//! 1. Peaks: local maxima of the average spectrum within 60 dB of the strongest bin, below
//!    the guard band; the ten strongest, strongest first, seed the search.
//! 2. Candidates: a seed peak (refined by parabolic interpolation of the log power) divided by
//!    1..=8, kept when at least [`MIN_F0_BINS`] bins (141 Hz at 48 kHz). An
//!    `expected_pitch_hz` is also a candidate for the first series.
//! 3. Series: the bins within ±(3 bins + 3 % of the frequency) of each multiple `h·f0` (the
//!    Hann main lobe is ±2 bins; ±3 % = ±50 cents keeps detuned unison voices, chorus and
//!    vibrato on the series). A candidate is valid when the core of its fundamental (±1.5
//!    bins) holds at least [`MIN_FUNDAMENTAL_SHARE`] of its series' energy (a sub-harmonic's
//!    fundamental is empty). The winner is the *highest* valid candidate whose unclaimed
//!    energy is at least 95 % of the best one (a sub-harmonic explains the same partials and
//!    must not win). It is kept when its whole series holds at least [`MIN_SERIES_SHARE`] of
//!    the energy and it adds at least [`MIN_NEW_SHARE`] not yet claimed; its bins are then
//!    claimed. Up to [`MAX_SERIES`] series (chords).
//! 4. `inharmonic_ratio` = energy below the guard band not claimed by any series / total;
//!    `nyquist_ratio` = energy in the guard band (the Nyquist bin and the two below it) /
//!    total: a partial there is its own alias, band-limited synthesis stays below it, and a
//!    naive waveform whose period divides the sample rate (so that its aliases fold exactly
//!    onto its own harmonics) still puts energy there;
//!    `aliasing_ratio` = their sum, reported only when the material is pitched: the series
//!    explain at least [`MIN_EXPLAINED`] of the energy below the guard band.
//!
//! # Limits
//! - Resolution is one 23.4 Hz bin (2048-point frames at 48 kHz). Notes below
//!   [`MIN_F0_BINS`] bins are not judged (low notes alias least: a naive 110 Hz saw's partials
//!   near Nyquist are ~47 dB down), and aliases that land within a window of a harmonic are
//!   invisible: a naive 440 Hz saw at 48 kHz folds its aliases 40 Hz from its own harmonics
//!   and reads only ~-35 dB, a naive 2960 Hz saw reads ~-12 dB.
//! - Window leakage and note on/off transients put a floor of about -45 to -60 dB under
//!   band-limited sounds.
//! - Noise mixed into a tonal sound and partials of strongly inharmonic sounds (bells, FM
//!   clangs) count as inharmonic; a sound whose series explain less than [`MIN_EXPLAINED`]
//!   is treated as unpitched and not judged at all.

use serde::{Deserialize, Serialize};

use crate::spectrum::AverageSpectrum;

/// Lowest fundamental searched for, in FFT bins (141 Hz at 48 kHz, 129 Hz at 44.1 kHz).
/// Below it a series' windows cover every bin, so nothing could be judged inharmonic.
pub const MIN_F0_BINS: f64 = 6.0;
/// Fixed part of the half width, in bins, of the window around each harmonic that counts as
/// "on the series" (the Hann main lobe is ±2 bins, plus one bin of side-lobe leakage).
pub const HARMONIC_HALF_WIDTH_BINS: f64 = 3.0;
/// Relative part of the half width, added to the fixed part: ±3 % of `h·f0` (±50 cents), so
/// detuned unison voices, chorus and vibrato stay "on the series".
pub const HARMONIC_TOLERANCE: f64 = 0.03;
/// Most harmonic series searched for (a four-note chord).
pub const MAX_SERIES: usize = 4;
/// A series must hold at least this share of the energy (counting partials it shares with
/// series already found: a chord's notes share partials).
pub const MIN_SERIES_SHARE: f64 = 0.05;
/// ... and add at least this share not explained by earlier series.
pub const MIN_NEW_SHARE: f64 = 0.01;
/// Share of the energy (below the guard band) the series must explain for the sound to count
/// as pitched; below this the aliasing estimate is not reported.
pub const MIN_EXPLAINED: f64 = 0.7;
/// Bins at the top of the spectrum (the Nyquist bin and the two below it, a Hann main lobe)
/// whose energy counts as aliasing whatever its harmonicity.
pub const NYQUIST_GUARD_BINS: usize = 3;
/// Peaks searched as seeds for fundamental candidates.
const SEED_PEAKS: usize = 10;
/// Partials used to refine a fundamental.
const REFINE_PARTIALS: usize = 8;
/// Divisors applied to every seed peak.
const MAX_DIVISOR: usize = 8;
/// Peaks weaker than this (dB below the strongest bin) are not seeds.
const SEED_RANGE_DB: f64 = 60.0;
/// The core (±1.5 bins) of a candidate's fundamental must hold at least this share of its
/// series' energy (a sub-harmonic candidate has an empty fundamental).
pub const MIN_FUNDAMENTAL_SHARE: f64 = 0.05;
/// A candidate wins when it explains this share of the best candidate's energy.
const SUBHARMONIC_GUARD: f64 = 0.95;

/// What the harmonic analysis found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarmonicAnalysis {
    /// Fundamental of the strongest harmonic series in Hz, refined from its partials; `None`
    /// when no series at or above [`MIN_F0_BINS`] was found.
    pub fundamental_hz: Option<f64>,
    /// Fundamentals of every series found (chords give several), strongest first.
    pub series_hz: Vec<f64>,
    /// Share of the energy below the guard band explained by the series.
    pub explained_fraction: f64,
    /// Share of the total energy below the guard band and off every series.
    pub inharmonic_ratio: f64,
    /// Share of the total energy in the guard band ([`NYQUIST_GUARD_BINS`] bins at Nyquist).
    pub nyquist_ratio: f64,
    /// `inharmonic_ratio + nyquist_ratio` for pitched material, `None` otherwise.
    pub aliasing_ratio: Option<f64>,
}

impl HarmonicAnalysis {
    /// Nothing to analyse (silence).
    fn empty() -> Self {
        Self {
            fundamental_hz: None,
            series_hz: Vec::new(),
            explained_fraction: 0.0,
            inharmonic_ratio: 0.0,
            nyquist_ratio: 0.0,
            aliasing_ratio: None,
        }
    }
}

/// Runs the harmonic analysis described in the module documentation.
pub fn analyse_harmonics(
    spectrum: &AverageSpectrum,
    expected_pitch_hz: Option<f64>,
) -> HarmonicAnalysis {
    let power = &spectrum.power;
    let bins = power.len();
    let guard_bin = bins.saturating_sub(NYQUIST_GUARD_BINS).max(1);
    let below: f64 = power[1..guard_bin].iter().sum();
    let above: f64 = power[guard_bin..].iter().sum();
    let total = below + above;
    if total <= 0.0 || below <= 0.0 {
        return HarmonicAnalysis::empty();
    }
    let nyquist_ratio = above / total;

    let max = power[1..guard_bin].iter().copied().fold(0.0f64, f64::max);
    let floor = max * 10f64.powf(-SEED_RANGE_DB / 10.0);
    let mut peaks: Vec<(usize, f64)> = (2..guard_bin.saturating_sub(1))
        .filter(|&k| power[k] >= floor && power[k] > power[k - 1] && power[k] >= power[k + 1])
        .map(|k| (k, power[k]))
        .collect();
    peaks.sort_by(|a, b| b.1.total_cmp(&a.1));
    peaks.truncate(SEED_PEAKS);

    let expected_bins = expected_pitch_hz
        .filter(|e| e.is_finite() && *e > 0.0)
        .map(|e| e / spectrum.bin_hz);
    let mut claimed = vec![false; guard_bin];
    let no_claims = vec![false; guard_bin];
    let mut chosen: Vec<f64> = Vec::new();
    let mut series = Vec::new();
    let mut explained = 0.0f64;
    for &(peak_bin, _) in &peaks {
        if series.len() >= MAX_SERIES {
            break;
        }
        // Each peak, strongest first, seeds candidates: it is harmonic d of a fundamental
        // seed / d. Peaks already on a series still seed (a chord's notes share partials).
        let seed = refine_peak(power, peak_bin);
        let mut candidates: Vec<f64> = (1..=MAX_DIVISOR).map(|d| seed / d as f64).collect();
        if series.is_empty() {
            candidates.extend(expected_bins);
        }
        let scored: Vec<(f64, f64, f64)> = candidates
            .into_iter()
            .filter(|&c| c >= MIN_F0_BINS)
            .filter(|&c| {
                !chosen
                    .iter()
                    .any(|&f: &f64| (c / f - 1.0).abs() < HARMONIC_TOLERANCE)
            })
            .filter_map(|c| {
                let energy = series_energy(power, &claimed, c, guard_bin);
                let whole = series_energy(power, &no_claims, c, guard_bin);
                let fundamental = fundamental_core(power, c, guard_bin);
                (energy > 0.0 && fundamental >= MIN_FUNDAMENTAL_SHARE * whole)
                    .then_some((c, energy, whole))
            })
            .collect();
        let best = scored.iter().map(|s| s.1).fold(0.0f64, f64::max);
        let Some(&(winner, energy, whole)) = scored
            .iter()
            .filter(|s| s.1 >= SUBHARMONIC_GUARD * best)
            .max_by(|a, b| a.0.total_cmp(&b.0))
        else {
            continue;
        };
        if whole < MIN_SERIES_SHARE * below || energy < MIN_NEW_SHARE * below {
            continue;
        }
        claim(&mut claimed, winner, guard_bin);
        chosen.push(winner);
        explained += energy;
        series.push(refine_f0(power, winner, guard_bin) * spectrum.bin_hz);
    }

    let explained_fraction = (explained / below).clamp(0.0, 1.0);
    let inharmonic_ratio = ((below - explained) / total).max(0.0);
    let pitched = !series.is_empty() && explained_fraction >= MIN_EXPLAINED;
    HarmonicAnalysis {
        fundamental_hz: series.first().copied(),
        series_hz: series,
        explained_fraction,
        inharmonic_ratio,
        nyquist_ratio,
        aliasing_ratio: pitched.then_some(inharmonic_ratio + nyquist_ratio),
    }
}

/// Energy in the core of a candidate's fundamental: the bins within ±1.5 of `c` (the Hann
/// main lobe's centre), so a neighbouring note's or a partial's main lobe does not count.
fn fundamental_core(power: &[f64], c: f64, limit: usize) -> f64 {
    let lo = (c - 1.5).ceil().max(1.0) as usize;
    let hi = ((c + 1.5).floor() as usize).min(limit.saturating_sub(1));
    if lo > hi {
        return 0.0;
    }
    power[lo..=hi].iter().sum()
}

/// Half width in bins of the window around a harmonic centred at `c` bins.
fn half_width(c: f64) -> f64 {
    HARMONIC_HALF_WIDTH_BINS + HARMONIC_TOLERANCE * c
}

/// Bin range `lo..=hi` around harmonic centre `c` (in bins), clipped to `1..limit`.
fn window(c: f64, limit: usize) -> Option<(usize, usize)> {
    let w = half_width(c);
    let lo = (c - w).ceil().max(1.0) as usize;
    let hi = (c + w).floor() as usize;
    let hi = hi.min(limit.saturating_sub(1));
    (lo <= hi).then_some((lo, hi))
}

/// Calls `f(lo, hi)` for the bin windows of the series of `f0_bins` below `limit`; windows
/// that overlap (high harmonics with relative width) are trimmed so no bin is visited twice.
fn for_each_window(f0_bins: f64, limit: usize, mut f: impl FnMut(usize, usize)) {
    let mut next_free = 1usize;
    let mut h = 1.0;
    while h * f0_bins - half_width(h * f0_bins) < limit as f64 {
        if let Some((lo, hi)) = window(h * f0_bins, limit) {
            let lo = lo.max(next_free);
            if lo <= hi {
                f(lo, hi);
                next_free = hi + 1;
            }
        }
        h += 1.0;
    }
}

/// Energy of the unclaimed bins on the series of `f0_bins`.
fn series_energy(power: &[f64], claimed: &[bool], f0_bins: f64, limit: usize) -> f64 {
    let mut sum = 0.0;
    for_each_window(f0_bins, limit, |lo, hi| {
        for k in lo..=hi {
            if !claimed[k] {
                sum += power[k];
            }
        }
    });
    sum
}

fn claim(claimed: &mut [bool], f0_bins: f64, limit: usize) {
    for_each_window(f0_bins, limit, |lo, hi| {
        claimed[lo..=hi].iter_mut().for_each(|c| *c = true);
    });
}

/// Parabolic interpolation of the log power around bin `k`; returns the peak in bins.
fn refine_peak(power: &[f64], k: usize) -> f64 {
    if k == 0 || k + 1 >= power.len() {
        return k as f64;
    }
    let (a, b, c) = (
        power[k - 1].max(1e-300).ln(),
        power[k].max(1e-300).ln(),
        power[k + 1].max(1e-300).ln(),
    );
    let denom = a - 2.0 * b + c;
    if denom.abs() < 1e-12 {
        return k as f64;
    }
    k as f64 + (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
}

/// Least-squares fundamental from the interpolated peaks of partials 1..=[`REFINE_PARTIALS`]
/// of the series of `f0_bins`, each searched within ±2 bins of `h·f0`:
/// `f0 = Σ wₕ·h·fₕ / Σ wₕ·h²`, weights = partial power. Returns bins.
fn refine_f0(power: &[f64], f0_bins: f64, limit: usize) -> f64 {
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for h in 1..=REFINE_PARTIALS {
        let h = h as f64;
        let centre = h * f0_bins;
        let lo = (centre - 2.0).round().max(1.0) as usize;
        let hi = ((centre + 2.0).round() as usize).min(limit.saturating_sub(2));
        if lo > hi {
            break;
        }
        let k = (lo..=hi)
            .max_by(|&a, &b| power[a].total_cmp(&power[b]))
            .unwrap_or(lo);
        let w = power[k];
        if w > 0.0 && k > lo && k < hi {
            let f = refine_peak(power, k);
            num += w * h * f;
            den += w * h * h;
        }
    }
    if den > 0.0 {
        num / den
    } else {
        f0_bins
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 48_000;

    fn additive_saw(f0: f64, seconds: f64) -> Vec<f32> {
        let frames = (seconds * f64::from(RATE)) as usize;
        let nyq = f64::from(RATE) / 2.0;
        let harmonics: Vec<f64> = (1..)
            .map(|h| h as f64)
            .take_while(|h| h * f0 < nyq)
            .collect();
        (0..frames)
            .map(|i| {
                let t = i as f64 / f64::from(RATE);
                let v: f64 = harmonics
                    .iter()
                    .map(|h| (2.0 * std::f64::consts::PI * h * f0 * t).sin() / h)
                    .sum();
                (0.3 * v) as f32
            })
            .collect()
    }

    fn naive_saw(f0: f64, seconds: f64) -> Vec<f32> {
        let frames = (seconds * f64::from(RATE)) as usize;
        let mut phase = 0.0f64;
        (0..frames)
            .map(|_| {
                let v = 2.0 * phase - 1.0;
                phase = (phase + f0 / f64::from(RATE)).fract();
                (0.5 * v) as f32
            })
            .collect()
    }

    #[test]
    fn band_limited_saw_is_harmonic() {
        let s = additive_saw(440.0, 1.0);
        let a = analyse_harmonics(&AverageSpectrum::compute(&s, RATE), None);
        let f0 = a.fundamental_hz.unwrap();
        assert!((f0 - 440.0).abs() < 0.5, "{f0}");
        assert!(a.explained_fraction > 0.999, "{a:?}");
        assert!(a.aliasing_ratio.unwrap() < 1e-4, "{a:?}");
    }

    #[test]
    fn naive_saw_aliases() {
        // 2960 Hz (F#7): aliases fall between the harmonics.
        let s = naive_saw(2960.0, 1.0);
        let a = analyse_harmonics(&AverageSpectrum::compute(&s, RATE), None);
        assert!((a.fundamental_hz.unwrap() - 2960.0).abs() < 1.0, "{a:?}");
        assert!(a.aliasing_ratio.unwrap() > 0.03, "{a:?}");
        // 3000 Hz divides 48 kHz: aliases fold onto the harmonics, the Nyquist bin gives it away.
        let s = naive_saw(3000.0, 1.0);
        let a = analyse_harmonics(&AverageSpectrum::compute(&s, RATE), None);
        assert!(a.inharmonic_ratio < 1e-4, "{a:?}");
        assert!(a.nyquist_ratio > 0.01, "{a:?}");
        let s = additive_saw(3000.0, 1.0);
        let a = analyse_harmonics(&AverageSpectrum::compute(&s, RATE), None);
        assert!(a.aliasing_ratio.unwrap() < 1e-4, "{a:?}");
    }

    #[test]
    fn detuned_unison_and_expected_pitch() {
        let cents = |c: f64| 2f64.powf(c / 1200.0);
        let parts: Vec<Vec<f32>> = [-25.0, 0.0, 25.0]
            .iter()
            .map(|&c| additive_saw(440.0 * cents(c), 1.0))
            .collect();
        let s: Vec<f32> = (0..parts[0].len())
            .map(|i| parts.iter().map(|p| p[i]).sum::<f32>() / 3.0)
            .collect();
        let a = analyse_harmonics(&AverageSpectrum::compute(&s, RATE), Some(440.0));
        assert!((a.fundamental_hz.unwrap() - 440.0).abs() < 2.0, "{a:?}");
        assert!(a.aliasing_ratio.unwrap() < 1e-3, "{a:?}");
    }

    #[test]
    fn chord_of_three_saws_is_explained() {
        let notes = [261.63, 329.63, 392.0];
        let parts: Vec<Vec<f32>> = notes.iter().map(|&f| additive_saw(f, 1.0)).collect();
        let s: Vec<f32> = (0..parts[0].len())
            .map(|i| parts.iter().map(|p| p[i]).sum::<f32>() / 3.0)
            .collect();
        let a = analyse_harmonics(&AverageSpectrum::compute(&s, RATE), None);
        assert_eq!(a.series_hz.len(), 3, "{a:?}");
        assert!(a.explained_fraction > 0.99, "{a:?}");
        assert!(a.aliasing_ratio.unwrap() < 0.01, "{a:?}");
    }

    #[test]
    fn low_notes_and_silence_are_not_judged() {
        let s = additive_saw(55.0, 1.0);
        let a = analyse_harmonics(&AverageSpectrum::compute(&s, RATE), None);
        assert_eq!(a.aliasing_ratio, None, "{a:?}");
        let silent = vec![0.0f32; 4096];
        let a = analyse_harmonics(&AverageSpectrum::compute(&silent, RATE), None);
        assert_eq!(a, HarmonicAnalysis::empty());
    }
}
