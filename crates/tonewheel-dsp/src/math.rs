//! Small numeric helpers shared by every kernel: unit conversions and denormal flushing.

/// Smallest magnitude kept in feedback paths; anything below is flushed to zero so that
/// decaying filters and reverbs never fall into denormal numbers (100x slower on x86).
pub const DENORMAL_FLOOR: f32 = 1.0e-20;

/// Flushes values below [`DENORMAL_FLOOR`] in magnitude to exactly zero.
#[inline(always)]
pub fn flush_denormal(x: f32) -> f32 {
    if x.abs() < DENORMAL_FLOOR {
        0.0
    } else {
        x
    }
}

/// Largest magnitude in `x` (0 for an empty slice; NaN counts as larger than any number).
/// An integer maximum over the magnitude bits: it vectorises, unlike a float fold, and the
/// order of positive floats is the order of their bit patterns.
#[inline]
pub fn peak_abs(x: &[f32]) -> f32 {
    f32::from_bits(x.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7fff_ffff)))
}

/// Converts decibels to a linear amplitude gain (`-6.02 dB -> 0.5`).
#[inline]
pub fn db_to_gain(gain_db: f32) -> f32 {
    10.0_f32.powf(gain_db / 20.0)
}

/// Converts a linear amplitude gain to decibels; gains at or below zero map to `-inf`.
#[inline]
pub fn gain_to_db(gain: f32) -> f32 {
    if gain <= 0.0 {
        f32::NEG_INFINITY
    } else {
        20.0 * gain.log10()
    }
}

/// Converts a (fractional) MIDI note number to Hz with the given tuning of A4 (MIDI 69).
#[inline]
pub fn midi_to_hz(note: f32, a4_hz: f32) -> f32 {
    a4_hz * ((note - 69.0) / 12.0).exp2()
}

/// Converts a frequency in Hz to a fractional MIDI note number with the given A4 tuning.
#[inline]
pub fn hz_to_midi(freq_hz: f32, a4_hz: f32) -> f32 {
    69.0 + 12.0 * (freq_hz / a4_hz).log2()
}

/// Frequency ratio of a pitch offset in semitones (`12 -> 2.0`).
#[inline]
pub fn semitones_to_ratio(semitones: f32) -> f32 {
    (semitones / 12.0).exp2()
}

/// One-pole smoothing coefficient that reaches ~63% of a step in `time_s` at `sample_rate`.
///
/// Used as `y += coeff * (target - y)`. A non-positive time returns 1.0 (no smoothing).
#[inline]
pub fn one_pole_coeff(time_s: f32, sample_rate: f32) -> f32 {
    if time_s <= 0.0 || sample_rate <= 0.0 {
        1.0
    } else {
        1.0 - (-1.0 / (time_s * sample_rate)).exp()
    }
}

/// Equal-power pan law: returns `(left_gain, right_gain)` for `pan` in -1 (left) ..= 1 (right).
///
/// At centre each side gets `cos(pi/4) = 0.7071` (-3 dB), so a mono source panned anywhere keeps
/// constant power.
#[inline]
pub fn equal_power_pan(pan: f32) -> (f32, f32) {
    let p = pan.clamp(-1.0, 1.0);
    let angle = (p + 1.0) * std::f32::consts::FRAC_PI_4;
    (angle.cos(), angle.sin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip() {
        assert!((midi_to_hz(60.0, 440.0) - 261.6256).abs() < 1e-3);
        assert!((hz_to_midi(261.6256, 440.0) - 60.0).abs() < 1e-4);
        assert!((gain_to_db(db_to_gain(-12.5)) + 12.5).abs() < 1e-4);
        assert!((semitones_to_ratio(12.0) - 2.0).abs() < 1e-6);
        assert_eq!(gain_to_db(0.0), f32::NEG_INFINITY);
    }

    #[test]
    fn pan_is_equal_power() {
        for i in 0..=20 {
            let pan = -1.0 + i as f32 * 0.1;
            let (l, r) = equal_power_pan(pan);
            assert!((l * l + r * r - 1.0).abs() < 1e-5, "pan {pan}");
        }
        let (l, r) = equal_power_pan(-1.0);
        assert!(l > 0.9999 && r < 1e-6);
    }

    #[test]
    fn flushes_denormals() {
        assert_eq!(flush_denormal(1e-30), 0.0);
        assert_eq!(flush_denormal(0.25), 0.25);
    }
}
