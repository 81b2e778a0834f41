//! Circular delay buffer shared by the chorus, flanger, echo and reverb kernels.
//!
//! The buffer length is rounded up to a power of two so that wrapping is a single AND with a
//! mask instead of a modulo or a branch; every effect reads several taps per sample, so this is
//! the cheapest possible addressing.
//!
//! # Delay convention
//! `read(0)` returns the sample passed to the most recent [`DelayLine::write`], `read(1)` the one
//! before it, and so on. Hence *write-then-read* of `d` gives a delay of exactly `d` samples, and
//! *read-then-write* (needed whenever the written value depends on the read, i.e. feedback)
//! gives `d + 1`: feedback kernels read `delay - 1` to get a loop of `delay` samples.

/// A fixed-capacity circular delay line with integer, linear and cubic (Hermite) taps.
///
/// All memory is allocated by [`DelayLine::new`]; `write`/`read*` never allocate or panic.
/// Delays beyond the constructed maximum are clamped to that maximum. For tight block loops,
/// [`DelayLine::view`] gives the same operations on a borrowed view whose position lives in a
/// register.
#[derive(Debug, Clone)]
pub struct DelayLine {
    buf: Vec<f32>,
    /// Index of the most recently written sample.
    write_pos: usize,
    max_delay: usize,
    /// `max_delay` as f32 (precomputed: usize -> f32 is a multi-instruction conversion).
    max_f: f32,
}

impl DelayLine {
    /// Allocates a line able to delay by up to `max_delay_samples` (all taps, including the
    /// extra neighbours the cubic read needs at the maximum).
    pub fn new(max_delay_samples: usize) -> Self {
        // +3: the cubic tap at the maximum delay touches `max + 2`, and that slot must not alias
        // the sample that was just written.
        // Capped so every fractional index fits an i32 exactly (2^24 samples = 5.8 min at
        // 48 kHz; longer lines are not a use case for a kernel library).
        let max_delay_samples = max_delay_samples.min(1 << 24);
        let len = (max_delay_samples + 3).next_power_of_two();
        Self {
            buf: vec![0.0; len],
            write_pos: 0,
            max_delay: max_delay_samples,
            max_f: max_delay_samples as f32,
        }
    }

    /// The largest delay (in samples) that reads honour; larger requests are clamped to it.
    /// (The constructor caps it at 2^24 samples.)
    pub fn max_delay(&self) -> usize {
        self.max_delay
    }

    /// Zeroes the contents (keeps the capacity), e.g. when a voice or effect is reset.
    pub fn clear(&mut self) {
        self.buf.iter_mut().for_each(|s| *s = 0.0);
        self.write_pos = 0;
    }

    /// Largest magnitude among the last `frames` written samples (the whole line at most):
    /// what an effect built on the line checks before it may sleep. Reads only.
    pub fn peak_recent(&self, frames: usize) -> f32 {
        let len = self.buf.len();
        let frames = frames.min(len);
        // The `frames` slots ending at `write_pos`, in at most two contiguous runs.
        let end = self.write_pos + 1;
        let (a, b) = if frames <= end {
            (&self.buf[end - frames..end], &self.buf[..0])
        } else {
            (&self.buf[..end], &self.buf[len - (frames - end)..])
        };
        crate::math::peak_abs(a).max(crate::math::peak_abs(b))
    }

    /// Pushes one sample; it becomes `read(0)`.
    #[inline]
    pub fn write(&mut self, x: f32) {
        self.view().write(x);
    }

    /// Sample `delay_samples` writes ago (`0` = the last written), clamped to [`Self::max_delay`].
    #[inline]
    pub fn read(&self, delay_samples: usize) -> f32 {
        read_impl(&self.buf, self.write_pos, self.max_delay, delay_samples)
    }

    /// Fractional delay by linear interpolation; `delay` is clamped to `0..=max_delay`.
    ///
    /// Cheapest fractional tap: right for modulated chorus/flanger taps, where its slight
    /// high-frequency loss (worst, -3 dB at Nyquist for half-sample delays) is inaudible.
    #[inline]
    pub fn read_frac(&self, delay: f32) -> f32 {
        read_frac_impl(&self.buf, self.write_pos, self.max_f, delay)
    }

    /// Fractional delay by 4-point, 3rd-order Hermite (Catmull-Rom) interpolation; `delay` is
    /// clamped to `1..=max_delay` (the newer neighbour must already exist).
    ///
    /// Flatter magnitude and lower modulation noise than [`Self::read_frac`] for twice the cost.
    #[inline]
    pub fn read_cubic(&self, delay: f32) -> f32 {
        read_cubic_impl(&self.buf, self.write_pos, self.max_f, delay)
    }

    /// Borrows the line for a block loop. The view has exactly the same `write`/`read*`
    /// semantics and results, but keeps its position in a local, so the compiler does not have
    /// to reload it after every store into the buffer. The position is written back on drop.
    #[inline]
    pub fn view(&mut self) -> DelayLineView<'_> {
        DelayLineView {
            pos: self.write_pos,
            max_delay: self.max_delay,
            max_f: self.max_f,
            buf: &mut self.buf,
            pos_home: &mut self.write_pos,
        }
    }
}

/// A borrowed [`DelayLine`] for tight loops; see [`DelayLine::view`].
#[derive(Debug)]
pub struct DelayLineView<'a> {
    buf: &'a mut [f32],
    pos: usize,
    max_delay: usize,
    max_f: f32,
    pos_home: &'a mut usize,
}

impl DelayLineView<'_> {
    /// Same as [`DelayLine::write`].
    #[inline]
    pub fn write(&mut self, x: f32) {
        // The length is a power of two, so `len - 1` is the wrap mask.
        let mask = self.buf.len().wrapping_sub(1);
        self.pos = (self.pos + 1) & mask;
        if let Some(slot) = self.buf.get_mut(self.pos) {
            *slot = x;
        }
    }

    /// Same as [`DelayLine::read`].
    #[inline]
    pub fn read(&self, delay_samples: usize) -> f32 {
        read_impl(self.buf, self.pos, self.max_delay, delay_samples)
    }

    /// What [`read_frac`](Self::read_frac)`(delay)` will return after `ahead` more writes,
    /// provided those writes do not reach the two slots it reads (`delay >= ahead`): lets a
    /// block loop do all its reads before its writes. `delay` must already lie in
    /// `0..=max_delay` (it is not clamped again; out-of-range values read wrapped slots).
    #[inline]
    pub fn read_frac_ahead(&self, ahead: usize, delay: f32) -> f32 {
        let i = delay as i32;
        self.read_split_ahead(ahead, i as usize, delay - i as f32)
    }

    /// [`read_frac_ahead`](Self::read_frac_ahead) with the delay already split into its
    /// whole samples `whole` and fraction `frac` (so a block loop can split all its delays
    /// in one vectorised pass).
    #[inline]
    pub fn read_split_ahead(&self, ahead: usize, whole: usize, frac: f32) -> f32 {
        let pos = self.pos.wrapping_add(ahead);
        let a = at(self.buf, pos, whole);
        let b = at(self.buf, pos, whole + 1);
        a + frac * (b - a)
    }

    /// Same as [`DelayLine::read_frac`].
    #[inline]
    pub fn read_frac(&self, delay: f32) -> f32 {
        read_frac_impl(self.buf, self.pos, self.max_f, delay)
    }

    /// Same as [`DelayLine::read_cubic`].
    #[inline]
    pub fn read_cubic(&self, delay: f32) -> f32 {
        read_cubic_impl(self.buf, self.pos, self.max_f, delay)
    }
}

impl Drop for DelayLineView<'_> {
    fn drop(&mut self) {
        *self.pos_home = self.pos;
    }
}

/// Unclamped tap; masking with `len - 1` keeps the index in bounds whatever `delay` is.
#[inline(always)]
fn at(buf: &[f32], pos: usize, delay: usize) -> f32 {
    let idx = pos.wrapping_sub(delay) & buf.len().wrapping_sub(1);
    buf.get(idx).copied().unwrap_or(0.0)
}

#[inline(always)]
fn read_impl(buf: &[f32], pos: usize, max_delay: usize, delay: usize) -> f32 {
    at(buf, pos, delay.min(max_delay))
}

#[inline(always)]
fn read_frac_impl(buf: &[f32], pos: usize, max_f: f32, delay: f32) -> f32 {
    // `max` first so NaN maps to 0 instead of propagating into the index.
    let d = delay.max(0.0).min(max_f);
    // `d` is in 0..=2^24, so the i32 conversion is an exact floor and much cheaper than
    // f32 -> usize (which needs the 64-bit unsigned fix-up sequence).
    let i = d as i32;
    let frac = d - i as f32;
    let i = i as usize;
    let a = at(buf, pos, i);
    let b = at(buf, pos, i + 1);
    a + frac * (b - a)
}

#[inline(always)]
fn read_cubic_impl(buf: &[f32], pos: usize, max_f: f32, delay: f32) -> f32 {
    let d = delay.max(1.0).min(max_f.max(1.0));
    let i = d as i32;
    let f = d - i as f32;
    let i = i as usize;
    let xm1 = at(buf, pos, i - 1);
    let x0 = at(buf, pos, i);
    let x1 = at(buf, pos, i + 1);
    let x2 = at(buf, pos, i + 2);
    // Hermite spline with Catmull-Rom tangents (slopes from the outer neighbours).
    let c1 = 0.5 * (x1 - xm1);
    let c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
    let c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
    ((c3 * f + c2) * f + c1) * f + x0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn integer_delay_is_exact() {
        let mut dl = DelayLine::new(100);
        let input: Vec<f32> = (0..500)
            .map(|i| ((i * 7919) % 1000) as f32 / 997.0)
            .collect();
        for (n, &x) in input.iter().enumerate() {
            dl.write(x);
            for d in [0usize, 1, 37, 100] {
                let expected = if n >= d { input[n - d] } else { 0.0 };
                assert_eq!(dl.read(d).to_bits(), expected.to_bits(), "n={n} d={d}");
            }
            // Fractional and cubic taps at integer positions must agree exactly too.
            if n >= 40 {
                assert_eq!(dl.read_frac(37.0), input[n - 37]);
                assert_eq!(dl.read_cubic(37.0), input[n - 37]);
            }
        }
    }

    /// Phase delay (in samples, within +-half a period) and amplitude of `y` against the sine
    /// `sin(w n)`, by a single-bin DFT over an integer number of periods.
    fn phase_delay(y: &[f32], w: f64) -> (f64, f64) {
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for (n, &v) in y.iter().enumerate() {
            re += v as f64 * (w * n as f64).cos();
            im += v as f64 * (w * n as f64).sin();
        }
        let amp = 2.0 * (re * re + im * im).sqrt() / y.len() as f64;
        // sin(w n - w D) correlates to im = N/2 cos(wD), re = -N/2 sin(wD).
        ((-re).atan2(im) / w, amp)
    }

    #[test]
    fn fractional_delay_of_sine_has_right_phase() {
        // 1 kHz at 48 kHz: 48 samples per period. Analysis starts at n = 96 (a whole number of
        // periods, after the line has filled) and spans 20 periods.
        let w = 2.0 * PI * 1000.0 / 48_000.0;
        let delay = 10.3f32;
        let mut lin = Vec::new();
        let mut cub = Vec::new();
        let mut dl = DelayLine::new(64);
        for n in 0..(96 + 960) {
            dl.write((w * n as f64).sin() as f32);
            if n >= 96 {
                lin.push(dl.read_frac(delay));
                cub.push(dl.read_cubic(delay));
            }
        }
        let (d_lin, a_lin) = phase_delay(&lin, w);
        let (d_cub, a_cub) = phase_delay(&cub, w);
        // Linear interpolation is exactly linear-phase only at fractions 0 and 0.5; at 0.3 and
        // w = 0.13 rad its phase error is ~1e-3 samples. Cubic is far closer.
        assert!((d_lin - 10.3).abs() < 5e-3, "linear phase delay {d_lin}");
        assert!((d_cub - 10.3).abs() < 1e-3, "cubic phase delay {d_cub}");
        // Amplitude: linear droop is f(1-f)(1-cos w) = 0.21 * 0.0085 = 1.8e-3.
        assert!((a_lin - 1.0).abs() < 3e-3, "linear amp {a_lin}");
        assert!((a_cub - 1.0).abs() < 2e-4, "cubic amp {a_cub}");
        eprintln!(
            "phase delay lin {d_lin:.5} cubic {d_cub:.5}; amp lin {a_lin:.6} cubic {a_cub:.6}"
        );
    }

    #[test]
    fn reads_beyond_max_are_clamped() {
        let mut dl = DelayLine::new(10);
        for i in 0..50 {
            dl.write(i as f32);
        }
        // Last written 49, so delay 10 is 39 and anything further is clamped to it.
        assert_eq!(dl.read(10), 39.0);
        assert_eq!(dl.read(usize::MAX), 39.0);
        assert_eq!(dl.read_frac(1e9), 39.0);
        assert_eq!(dl.read_frac(f32::INFINITY), 39.0);
        assert_eq!(dl.read_frac(-5.0), 49.0);
        assert_eq!(dl.read_frac(f32::NAN), 49.0);
        assert_eq!(dl.read_cubic(1e9), 39.0);
        assert_eq!(dl.read_cubic(0.0), 48.0);
        assert!(dl.read_cubic(f32::NAN).is_finite());
        // A zero-capacity line still works.
        let mut tiny = DelayLine::new(0);
        tiny.write(3.0);
        assert_eq!(tiny.read(5), 3.0);
        assert!(tiny.read_cubic(2.0).is_finite());
    }

    #[test]
    fn view_matches_line_and_writes_position_back() {
        let mut a = DelayLine::new(20);
        let mut b = DelayLine::new(20);
        for i in 0..30 {
            a.write(i as f32);
            b.view().write(i as f32);
        }
        {
            let mut v = b.view();
            for i in 30..60 {
                a.write(i as f32 * 0.25);
                v.write(i as f32 * 0.25);
                for d in [0.0f32, 1.5, 7.25, 19.9, 25.0] {
                    assert_eq!(a.read_frac(d).to_bits(), v.read_frac(d).to_bits());
                    assert_eq!(a.read_cubic(d).to_bits(), v.read_cubic(d).to_bits());
                    assert_eq!(a.read(d as usize), v.read(d as usize));
                }
            }
        }
        for d in 0..21 {
            assert_eq!(a.read(d), b.read(d));
        }
    }

    #[test]
    fn clear_resets_to_fresh() {
        let mut a = DelayLine::new(33);
        for i in 0..100 {
            a.write(i as f32);
        }
        a.clear();
        let mut b = DelayLine::new(33);
        for i in 0..40 {
            a.write(i as f32 * 0.5);
            b.write(i as f32 * 0.5);
            for d in 0..34 {
                assert_eq!(a.read(d).to_bits(), b.read(d).to_bits());
            }
        }
    }
}
