//! Fast approximations of transcendental functions for per-sample use inside voices.
//!
//! The render budget (8 s of a whole preset in a few milliseconds) leaves a few nanoseconds per
//! sample per stage, so `sin`, `exp2`, `tan` and `tanh` from `std` (20-40 ns each) are too slow
//! on hot paths. Each approximation here states its error bound, and a test checks that bound
//! against `std` over the documented input range.

use std::f32::consts::PI;

/// `floor` for |x| < 2^31 without a libm call: on baseline x86-64, `f32::floor` compiles to a
/// call into software `floorf`, which also forces register spills in the hot loops around it.
#[inline(always)]
fn floor_fast(x: f32) -> f32 {
    let t = x as i32 as f32;
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// Sine of a normalised phase (`phase` in cycles, |phase| < 2^31; one period per 1.0).
///
/// Range-reduces to [-0.5, 0.5) cycles and evaluates an odd polynomial fitted on that range
/// (minimax-style coefficients for sin(2*pi*x)). Max absolute error < 2e-6 over all phases.
#[inline(always)]
pub fn sin_cycles(phase: f32) -> f32 {
    // Reduce to x in [-0.5, 0.5).
    sin_half_cycle(phase - floor_fast(phase + 0.5))
}

/// [`sin_cycles`] for a phase already in `0..1` (an oscillator's): the reduction is one
/// select instead of a float-to-int round trip, so a loop over phases vectorises. Same
/// accuracy as `sin_cycles` on that range (the two may differ by one rounding right at the
/// half cycle); outside it the result is a sine of a wrong phase.
#[inline(always)]
pub fn sin_cycles_unit(phase: f32) -> f32 {
    sin_half_cycle(if phase >= 0.5 { phase - 1.0 } else { phase })
}

/// Sine of `x` cycles for `x` in `-0.5..0.5`.
#[inline(always)]
fn sin_half_cycle(x: f32) -> f32 {
    // Fold to [-0.25, 0.25] using sin(pi - a) = sin(a): in cycles, x -> 0.5 - x.
    let x = if x > 0.25 {
        0.5 - x
    } else if x < -0.25 {
        -0.5 - x
    } else {
        x
    };
    // Taylor/minimax series of sin(2*pi*x) for |x| <= 0.25 (|2*pi*x| <= pi/2), degree 11.
    let t = 2.0 * PI * x;
    let t2 = t * t;
    t * (1.0
        + t2 * (-1.666_666_7e-1
            + t2 * (8.333_333e-3
                + t2 * (-1.984_127e-4 + t2 * (2.755_731_4e-6 + t2 * (-2.505_21e-8))))))
}

/// `2^x` for `x` in roughly [-126, 126]; relative error < 3e-7.
///
/// Splits `x` into integer and fractional parts: the integer part goes straight into the
/// float's exponent bits, the fraction through a degree-6 polynomial of 2^f on [-0.5, 0.5).
#[inline(always)]
pub fn exp2(x: f32) -> f32 {
    let x = x.clamp(-126.0, 126.0);
    // Round to nearest so the fraction lies in [-0.5, 0.5), where the series converges fastest.
    let xi = floor_fast(x + 0.5);
    let f = x - xi;
    // Taylor coefficients of 2^f = e^(f ln2); truncation error < 2e-8 on [-0.5, 0.5).
    let p = 1.0
        + f * (std::f32::consts::LN_2
            + f * (0.240_226_5
                + f * (0.055_504_11
                    + f * (0.009_618_129 + f * (0.001_333_355_8 + f * 0.000_154_035_3)))));
    let bits = ((xi as i32 + 127) as u32) << 23;
    f32::from_bits(bits) * p
}

/// `tan(pi * f / sample_rate)`-style prewarp helper: `tan(x)` for `x` in [0, 1.5].
///
/// Used by zero-delay-feedback filters for `g = tan(pi * fc / fs)`. Computed as sin/cos from
/// [`sin_cycles`], which keeps relative error < 1e-5 up to x = 1.5 (fc = 0.477 fs).
#[inline(always)]
pub fn tan(x: f32) -> f32 {
    let cycles = x * (0.5 / PI);
    sin_cycles(cycles) / sin_cycles(cycles + 0.25)
}

/// Hyperbolic tangent, saturating exactly to +-1 beyond |x| = 9; absolute error < 2e-6.
///
/// Computed as `(e^{2x} - 1) / (e^{2x} + 1)` with the fast [`exp2`].
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let x = x.clamp(-9.0, 9.0);
    let e = exp2(x * (2.0 * std::f32::consts::LOG2_E));
    (e - 1.0) / (e + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_cycles_unit_matches_std() {
        let mut max_err = 0.0f32;
        for i in 0..100_000 {
            let phase = i as f32 / 100_000.0;
            let err = (sin_cycles_unit(phase) - (2.0 * PI * phase).sin()).abs();
            max_err = max_err.max(err);
        }
        assert!(max_err < 2e-6, "max error {max_err}");
    }

    #[test]
    fn sin_cycles_matches_std() {
        let mut max_err = 0.0f32;
        for i in -40_000..40_000 {
            let phase = i as f32 / 10_000.0;
            let err = (sin_cycles(phase) - (2.0 * PI * phase).sin()).abs();
            max_err = max_err.max(err);
        }
        assert!(max_err < 2e-6, "max error {max_err}");
    }

    #[test]
    fn exp2_matches_std() {
        let mut max_rel = 0.0f32;
        for i in -2000..2000 {
            let x = i as f32 / 100.0;
            let rel = (exp2(x) - x.exp2()).abs() / x.exp2();
            max_rel = max_rel.max(rel);
        }
        assert!(max_rel < 3e-7, "max relative error {max_rel}");
    }

    #[test]
    fn tan_matches_std_up_to_nyquist_region() {
        let mut max_rel = 0.0f32;
        for i in 1..1500 {
            let x = i as f32 / 1000.0;
            let rel = (tan(x) - x.tan()).abs() / x.tan();
            max_rel = max_rel.max(rel);
        }
        assert!(max_rel < 1e-5, "max relative error {max_rel}");
    }

    #[test]
    fn tanh_matches_std() {
        let mut max_err = 0.0f32;
        for i in -2000..2000 {
            let x = i as f32 / 100.0;
            max_err = max_err.max((tanh(x) - x.tanh()).abs());
        }
        assert!(max_err < 2e-6, "max error {max_err}");
    }
}
