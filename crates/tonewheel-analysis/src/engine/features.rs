//! [`Feature`] and [`FeatureSet`]: what an analyzer asks the engine to compute.
//!
//! The engine computes only the union of what the selected analyzers need, so
//! `--analyzers loudness` decodes and meters the file but never resamples it or runs an STFT.

use serde::Serialize;

/// One family of features the engine can compute in its single decoding pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// BS.1770 meter at the native rate: integrated, range, momentary and short-term curves,
    /// true peak (the costliest native-rate feature).
    Loudness,
    /// Waveform min/max/RMS pixels at the native rate.
    Peaks,
    /// Mono STFT at the analysis rate with per-frame spectral reductions (centroid, MFCC, ...).
    Spectrum,
    /// Mid/side spectra and L/R correlation terms at the analysis rate.
    Stereo,
    /// Onset-strength envelope (from the mono STFT).
    Onset,
    /// Per-frame chroma and the tuning estimate (from the mono STFT).
    Chroma,
    /// The first seconds of mono audio at the analysis rate, for pitch estimation.
    PitchAudio,
}

impl Feature {
    /// Every feature, in a fixed order.
    pub const ALL: [Feature; 7] = [
        Feature::Loudness,
        Feature::Peaks,
        Feature::Spectrum,
        Feature::Stereo,
        Feature::Onset,
        Feature::Chroma,
        Feature::PitchAudio,
    ];

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of [`Feature`]s (a small bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeatureSet(u16);

impl FeatureSet {
    /// The empty set (block levels for regions are always computed and are not a feature).
    pub const EMPTY: FeatureSet = FeatureSet(0);

    /// A set of the given features.
    pub fn of(features: &[Feature]) -> FeatureSet {
        features.iter().fold(FeatureSet::EMPTY, |s, f| s.with(*f))
    }

    /// This set plus `feature`.
    #[must_use]
    pub const fn with(self, feature: Feature) -> FeatureSet {
        FeatureSet(self.0 | feature.bit())
    }

    /// The union of two sets.
    #[must_use]
    pub const fn union(self, other: FeatureSet) -> FeatureSet {
        FeatureSet(self.0 | other.0)
    }

    /// Whether `feature` is in the set.
    pub const fn contains(self, feature: Feature) -> bool {
        self.0 & feature.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether any feature needs the analysis-rate STFT.
    pub const fn needs_stft(self) -> bool {
        self.contains(Feature::Spectrum)
            || self.contains(Feature::Stereo)
            || self.contains(Feature::Onset)
            || self.contains(Feature::Chroma)
    }

    /// Whether any feature needs the resampled analysis-rate signal.
    pub const fn needs_resampling(self) -> bool {
        self.needs_stft() || self.contains(Feature::PitchAudio)
    }

    /// The features in the set, in [`Feature::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Feature> {
        Feature::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl Serialize for FeatureSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let s = FeatureSet::of(&[Feature::Loudness, Feature::Chroma]);
        assert!(s.contains(Feature::Loudness) && s.contains(Feature::Chroma));
        assert!(!s.contains(Feature::Peaks));
        assert!(s.needs_stft());
        assert!(!FeatureSet::of(&[Feature::Loudness, Feature::Peaks]).needs_resampling());
        assert_eq!(s.iter().count(), 2);
    }
}
