//! Reductions and math over sample slices written so the compiler vectorises them: partial
//! results in [`LANES`] independent accumulators (a float sum in one accumulator is a serial
//! chain the optimiser may not reorder), combined at the end; a branch-free logarithm.

/// Independent accumulators per reduction (two SSE or one AVX register of `f32`).
const LANES: usize = 8;

/// Σ x of `x`.
pub fn sum(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, s) in acc.iter_mut().zip(c) {
            *a += s;
        }
    }
    acc.iter().sum::<f32>() + rest.iter().sum::<f32>()
}

/// Σ a·b over the common length of `a` and `b`.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let rest: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + rest
}

/// Natural logarithm of a positive normal `x`, within 1e-6 absolute of `f32::ln`: the exponent
/// from the bits, and `ln m = 2·atanh((m−1)/(m+1))` to the 7th power for the mantissa folded into
/// [√½, √2) (truncation error under 3e-8). No branches or library calls, so a loop of it
/// vectorises; libm's `logf` was 5 % of the analysis time.
pub fn ln_positive(x: f32) -> f32 {
    let bits = x.to_bits();
    let mut exponent = ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let fold = m > std::f32::consts::SQRT_2;
    m = if fold { m * 0.5 } else { m };
    exponent += i32::from(fold);
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let series = t * (2.0 + t2 * (2.0 / 3.0 + t2 * (2.0 / 5.0 + t2 * (2.0 / 7.0))));
    exponent as f32 * std::f32::consts::LN_2 + series
}

/// Σ x² of `x`.
pub fn sum_of_squares(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, s) in acc.iter_mut().zip(c) {
            *a += s * s;
        }
    }
    acc.iter().sum::<f32>() + rest.iter().map(|s| s * s).sum::<f32>()
}

/// (smallest, largest) sample of `x`; (+∞, −∞) for an empty slice.
pub fn min_max(x: &[f32]) -> (f32, f32) {
    let mut lo = [f32::INFINITY; LANES];
    let mut hi = [f32::NEG_INFINITY; LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..LANES {
            lo[i] = lo[i].min(c[i]);
            hi[i] = hi[i].max(c[i]);
        }
    }
    let lo = rest.iter().chain(&lo).fold(f32::INFINITY, |m, s| m.min(*s));
    let hi = rest
        .iter()
        .chain(&hi)
        .fold(f32::NEG_INFINITY, |m, s| m.max(*s));
    (lo, hi)
}

/// Largest |x| of `x` (0 for an empty slice).
pub fn abs_max(x: &[f32]) -> f32 {
    let (lo, hi) = min_max(x);
    hi.max(-lo).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_matches_the_library() {
        let mut x = 1e-10f32;
        while x < 1e6 {
            let err = (ln_positive(x) - x.ln()).abs();
            assert!(err < 1e-6 * x.ln().abs().max(1.0), "ln({x}): {err}");
            x *= 1.013;
        }
        assert_eq!(ln_positive(1.0), 0.0);
    }

    #[test]
    fn sum_and_dot_match_the_plain_loops() {
        for n in [0, 3, 8, 29, 1025] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let s: f64 = a.iter().map(|v| f64::from(*v)).sum();
            let d: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum();
            assert!((f64::from(sum(&a)) - s).abs() < 1e-4);
            assert!((f64::from(dot(&a, &b)) - d).abs() < 1e-4);
        }
    }

    #[test]
    fn reductions_match_the_plain_loops() {
        for n in [0, 1, 7, 8, 9, 100, 1001] {
            let x: Vec<f32> = (0..n)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
                .collect();
            let plain: f64 = x.iter().map(|s| f64::from(*s) * f64::from(*s)).sum();
            assert!((f64::from(sum_of_squares(&x)) - plain).abs() <= 1e-5 * plain.max(1.0));
            let (lo, hi) = min_max(&x);
            if n > 0 {
                assert_eq!(lo, x.iter().copied().fold(f32::INFINITY, f32::min));
                assert_eq!(hi, x.iter().copied().fold(f32::NEG_INFINITY, f32::max));
            }
            assert_eq!(abs_max(&x), x.iter().fold(0.0f32, |m, s| m.max(s.abs())));
        }
    }
}
