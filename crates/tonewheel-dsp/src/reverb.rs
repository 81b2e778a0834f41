//! Stereo algorithmic reverb: an 8-line feedback delay network (FDN).
//!
//! Signal flow: mono sum of the input -> predelay -> 4 series Schroeder allpass diffusers ->
//! 8 delay lines of mutually prime length -> per-line absorbent one-pole lowpass -> 8x8
//! Hadamard feedback matrix -> back into the lines. Two orthogonal rows of the Hadamard output
//! are the left and right wet signals, so a mono input gives a decorrelated stereo tail.
//!
//! References (algorithms only; no code was copied):
//! - J.-M. Jot and A. Chaigne, "Digital delay networks for designing artificial reverberators",
//!   AES 90th Convention, 1991: FDN structure, per-line gains `g_i = 10^(-3 len_i / (T60 fs))`,
//!   and absorbent filters that make the decay time frequency dependent.
//! - J. O. Smith, "Physical Audio Signal Processing", 2010, "Feedback Delay Networks": the
//!   lossless (orthogonal) feedback matrix, here a Hadamard matrix applied with butterflies.
//! - M. R. Schroeder, "Natural sounding artificial reverberation", JAES 1962: allpass diffusers.
//! - J. Dattorro, "Effect Design Part 1: Reverberator and Other Filters", JAES 1997: input
//!   diffuser lengths and gains (rescaled from his 29.761 kHz to the running sample rate).
//!
//! No pitch modulation is applied: it would cost fractional reads on every line and make the
//! decay measurement noisier; the prime lengths and full Hadamard mixing keep ringing low.

use crate::fastmath::{exp2, sin_cycles};

/// Number of FDN delay lines (the Hadamard butterflies below are written for exactly 8).
const LINES: usize = 8;

/// Line lengths in milliseconds at `size = 1`; roughly geometric (ratio ~1.13) so that the
/// echo patterns of different lines do not line up. Rounded to distinct primes at runtime.
const LINE_MS: [f32; LINES] = [31.3, 35.9, 40.7, 46.3, 52.1, 59.3, 67.1, 75.7];

/// Size 0 scales the line lengths to this fraction of `LINE_MS` (a small room, 8-19 ms).
const MIN_SIZE_SCALE: f32 = 0.25;

/// Dattorro's input diffuser lengths (ms, from 142/107/379/277 samples at 29.761 kHz) and gains.
const DIFFUSER_MS: [f32; 4] = [4.771, 3.595, 12.735, 9.307];
const DIFFUSER_GAIN: [f32; 4] = [0.75, 0.75, 0.625, 0.625];

/// Frames processed per inner block. Every delay the feedback loop sees must be at least the
/// block length, so a block's reads never depend on its own writes (checked via `max_chunk`).
const BLOCK: usize = 64;

/// The damping filters' state is flushed whenever the write position crosses a multiple of
/// this; tying it to the position (not the block) keeps any block split bit-identical.
const FLUSH_PERIOD: usize = 64;

/// Longest predelay in seconds; the predelay buffer is allocated for it.
const MAX_PREDELAY_S: f32 = 0.2;

/// 1/sqrt(8): normalises the Hadamard butterflies to an orthogonal (lossless) matrix.
const HADAMARD_NORM: f32 = 0.353_553_38;

/// log2(10): turns the RT60 exponent (powers of ten) into a power of two for `fastmath::exp2`.
const LOG2_10: f32 = std::f32::consts::LOG2_10;

/// Scales the two wet taps. Each tap is already 1/sqrt(8) of a sum of 8 lines; this extra
/// factor puts a 1 s tail of white noise roughly 6 dB below the dry signal.
const WET_GAIN: f32 = 0.6;

/// Feedback state below -160 dBFS is set to exact zero. This is far under any converter's
/// noise floor (24-bit LSB is -144 dBFS) yet ends a full-scale tail in exact silence within
/// about 3x the decay time, so downstream stages can detect silence; it also prevents denormals
/// (a superset of `math::flush_denormal`, whose floor is much lower).
const TAIL_FLOOR: f32 = 1.0e-8;

#[inline(always)]
fn flush_tail(x: f32) -> f32 {
    if x.abs() < TAIL_FLOOR {
        0.0
    } else {
        x
    }
}

fn is_prime(n: usize) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

/// Smallest prime `>= n` not already in `used`: distinct primes are pairwise coprime, which
/// keeps the lines' echo patterns from coinciding (Schroeder 1962; Jot 1991).
fn distinct_prime_at_least(n: usize, used: &[usize]) -> usize {
    let mut p = n.max(2);
    while !is_prime(p) || used.contains(&p) {
        p += 1;
    }
    p
}

/// `x` clamped to `lo..=hi`; NaN and infinities fall back to `default`.
fn finite_clamp(x: f32, lo: f32, hi: f32, default: f32) -> f32 {
    if x.is_finite() {
        x.clamp(lo, hi)
    } else {
        default
    }
}

/// Copies `out.len()` samples of the power-of-two ring `buf`, starting at logical position
/// `start`. Callers keep `out.len() <= BLOCK < buf.len()`, so at most one wrap occurs.
#[inline(always)]
fn ring_read(buf: &[f32], start: usize, out: &mut [f32]) {
    let i0 = start & (buf.len() - 1);
    let first = out.len().min(buf.len() - i0);
    let (head, tail) = out.split_at_mut(first);
    head.copy_from_slice(&buf[i0..i0 + first]);
    tail.copy_from_slice(&buf[..tail.len()]);
}

/// Writes `src` into the power-of-two ring `buf` from logical position `start` (see `ring_read`).
#[inline(always)]
fn ring_write(buf: &mut [f32], start: usize, src: &[f32]) {
    let i0 = start & (buf.len() - 1);
    let first = src.len().min(buf.len() - i0);
    let (head, tail) = src.split_at(first);
    buf[i0..i0 + first].copy_from_slice(head);
    buf[..tail.len()].copy_from_slice(tail);
}

/// Fills `scratch.len()` ring slots from logical position `start` with `fill`, in place.
///
/// Blocks never straddle a multiple of `BLOCK` in position and every ring length is a
/// power-of-two multiple of `BLOCK`, so the slots are always contiguous; the wrapping
/// fallback through `scratch` only exists so that a broken invariant cannot panic.
#[inline(always)]
fn ring_fill(buf: &mut [f32], start: usize, scratch: &mut [f32], fill: impl Fn(&mut [f32])) {
    let i0 = start & (buf.len() - 1);
    if let Some(dst) = buf.get_mut(i0..i0 + scratch.len()) {
        fill(dst);
    } else {
        fill(scratch);
        ring_write(buf, start, scratch);
    }
}

/// 8-point Walsh-Hadamard transform (Sylvester order): three butterfly stages, adds/subs
/// only. The 1/sqrt(8) normalisation is folded into the per-line gains.
#[inline(always)]
fn hadamard8(x: [f32; LINES]) -> [f32; LINES] {
    let (a0, a1) = (x[0] + x[1], x[0] - x[1]);
    let (a2, a3) = (x[2] + x[3], x[2] - x[3]);
    let (a4, a5) = (x[4] + x[5], x[4] - x[5]);
    let (a6, a7) = (x[6] + x[7], x[6] - x[7]);
    let (b0, b2) = (a0 + a2, a0 - a2);
    let (b1, b3) = (a1 + a3, a1 - a3);
    let (b4, b6) = (a4 + a6, a4 - a6);
    let (b5, b7) = (a5 + a7, a5 - a7);
    [
        b0 + b4,
        b1 + b5,
        b2 + b6,
        b3 + b7,
        b0 - b4,
        b1 - b5,
        b2 - b6,
        b3 - b7,
    ]
}

/// [`hadamard8`] of every frame `t < n`, where line `i` of frame `t` is `s[i][t]`. Looping
/// over time with the lines in separate arrays lets the compiler vectorise along time.
#[inline(always)]
fn hadamard8_block(s: &mut [[f32; BLOCK]; LINES], n: usize) {
    for t in 0..n.min(BLOCK) {
        let y = hadamard8([
            s[0][t], s[1][t], s[2][t], s[3][t], s[4][t], s[5][t], s[6][t], s[7][t],
        ]);
        for (si, yi) in s.iter_mut().zip(y) {
            si[t] = yi;
        }
    }
}

/// Stereo FDN reverb (see the module docs for the structure and references).
///
/// Parameters and defaults: `size` 0..1 (0.5), `decay_s` 0.1..30 (2.0), `damping` 0..1 (0.3),
/// `predelay_s` 0..0.2 (0.0), `mix` 0..1 (0.3, equal-power), `width` 0..1 (1.0).
/// Out-of-range values are clamped.
#[derive(Debug, Clone)]
pub struct Reverb {
    sample_rate: f32,
    size: f32,
    decay_s: f32,
    damping: f32,
    predelay_s: f32,
    mix: f32,
    width: f32,

    /// Shared write counter for every buffer (each buffer masks it with its own size).
    pos: usize,

    predelay: Vec<f32>,
    predelay_samples: usize,

    diffusers: [Vec<f32>; 4],
    diffuser_lens: [usize; 4],

    /// All 8 lines in one allocation, `line_stride` (a power of two) samples each.
    lines: Vec<f32>,
    line_stride: usize,
    line_lens: [usize; LINES],
    /// Input coefficient of each line's lowpass: `g_i (1 - b_i) / sqrt(8)`.
    line_in: [f32; LINES],
    /// Pole of each line's lowpass, `b_i` (0 = no damping).
    line_pole: [f32; LINES],
    /// Lowpass outputs (the only recursive state besides the buffers).
    line_state: [f32; LINES],
    /// Largest block the feedback loop allows: min(BLOCK, shortest line, shortest diffuser).
    max_chunk: usize,

    /// Per-block scratch (kept here so ticks do not re-zero 2 KB of stack each call).
    scratch_lines: [[f32; BLOCK]; LINES],
    scratch_u: [f32; BLOCK],
    scratch_w: [f32; BLOCK],

    dry_gain: f32,
    wet_gain: f32,
}

impl Reverb {
    /// Creates a reverb, allocating every buffer for the largest size and predelay.
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = finite_clamp(sample_rate, 8_000.0, 384_000.0, 48_000.0);
        let ms = sample_rate * 1.0e-3;

        // Max line length at size 1, plus headroom for the prime search (gaps are < 100 here).
        let longest = (LINE_MS[LINES - 1] * ms).ceil() as usize + 128;
        let line_stride = (longest + 1).next_power_of_two();

        // A whole block is written before its delayed copy is read, hence the extra BLOCK.
        let pre_len =
            ((MAX_PREDELAY_S * sample_rate).ceil() as usize + BLOCK + 1).next_power_of_two();

        let mut used = [0usize; 4];
        let mut diffuser_lens = [0usize; 4];
        for (k, len) in diffuser_lens.iter_mut().enumerate() {
            *len = distinct_prime_at_least((DIFFUSER_MS[k] * ms).round() as usize, &used);
            used[k] = *len;
        }
        // At least 2 blocks, so every buffer length is a multiple of BLOCK (see `ring_block`).
        let diffusers =
            diffuser_lens.map(|len| vec![0.0; (len + 1).next_power_of_two().max(2 * BLOCK)]);

        let mut reverb = Self {
            sample_rate,
            size: 0.5,
            decay_s: 2.0,
            damping: 0.3,
            predelay_s: 0.0,
            mix: 0.3,
            width: 1.0,
            pos: 0,
            predelay: vec![0.0; pre_len],
            predelay_samples: 0,
            diffusers,
            diffuser_lens,
            lines: vec![0.0; line_stride * LINES],
            line_stride,
            line_lens: [1; LINES],
            line_in: [0.0; LINES],
            line_pole: [0.0; LINES],
            line_state: [0.0; LINES],
            max_chunk: 1,
            scratch_lines: [[0.0; BLOCK]; LINES],
            scratch_u: [0.0; BLOCK],
            scratch_w: [0.0; BLOCK],
            dry_gain: 1.0,
            wet_gain: 0.0,
        };
        reverb.set_size(0.5);
        reverb.set_mix(0.3);
        reverb
    }

    /// Clears all audio state (buffers, filters) back to just-constructed; keeps settings.
    pub fn reset(&mut self) {
        self.pos = 0;
        self.predelay.fill(0.0);
        for d in &mut self.diffusers {
            d.fill(0.0);
        }
        self.lines.fill(0.0);
        self.line_state = [0.0; LINES];
    }

    /// Largest magnitude anywhere in the reverb's memory (predelay, diffusers, lines and
    /// damping filters). The network loses energy on every pass, so with silent input the
    /// tail stays below this level; a host may [`reset`](Self::reset) the reverb and stop
    /// calling it once this is below its floor. Costs one pass over the buffers (about
    /// 50 000 samples at 48 kHz): call it rarely, when the output is already quiet.
    pub fn state_peak(&self) -> f32 {
        use crate::math::peak_abs;
        let lp = self.line_state.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        self.diffusers.iter().map(|d| peak_abs(d)).fold(
            lp.max(peak_abs(&self.predelay)).max(peak_abs(&self.lines)),
            f32::max,
        )
    }

    /// Room size 0..1: scales the line lengths from 25% (small room) to 100% (hall).
    ///
    /// Not for per-sample modulation: it searches primes (tens of microseconds) and moving the
    /// taps while a tail rings is audible as a click. Call at preset load or on user edits.
    pub fn set_size(&mut self, size: f32) {
        let size = finite_clamp(size, 0.0, 1.0, 0.5);
        self.size = size;
        let scale = MIN_SIZE_SCALE + (1.0 - MIN_SIZE_SCALE) * size;
        let ms = self.sample_rate * 1.0e-3;
        let mut used = [0usize; LINES];
        for i in 0..LINES {
            let target = (LINE_MS[i] * scale * ms).round() as usize;
            // The min() only matters if the prime search ran past the allocation (it cannot for
            // the constants above); it keeps every read inside the line.
            let len = distinct_prime_at_least(target, &used[..i]).min(self.line_stride - 1);
            self.line_lens[i] = len;
            used[i] = len;
        }
        let shortest_line = self.line_lens.iter().copied().min().unwrap_or(1);
        let shortest_diffuser = self.diffuser_lens.iter().copied().min().unwrap_or(1);
        self.max_chunk = BLOCK.min(shortest_line).min(shortest_diffuser).max(1);
        self.update_gains();
    }

    /// Reverb time RT60 in seconds (0.1..30) at low frequencies: the tail falls by 60 dB in
    /// this time. Cheap (16 fast `exp2`), fine to modulate at control rate.
    pub fn set_decay_s(&mut self, decay_s: f32) {
        self.decay_s = finite_clamp(decay_s, 0.1, 30.0, 2.0);
        self.update_gains();
    }

    /// High-frequency damping 0..1: the RT60 at Nyquist is `decay_s / (1 + 9 * damping)`,
    /// so 0 keeps the decay flat and 1 makes the top octave die 10x faster (a dark hall).
    /// Same cost as [`Self::set_decay_s`].
    pub fn set_damping(&mut self, damping: f32) {
        self.damping = finite_clamp(damping, 0.0, 1.0, 0.0);
        self.update_gains();
    }

    /// Predelay 0..0.2 s before the diffusers (rounded to whole samples). Cheap.
    pub fn set_predelay_s(&mut self, predelay_s: f32) {
        let p = finite_clamp(predelay_s, 0.0, MAX_PREDELAY_S, 0.0);
        self.predelay_s = p;
        let max = self.predelay.len() - BLOCK - 1;
        self.predelay_samples = ((p * self.sample_rate).round() as usize).min(max);
    }

    /// Dry/wet 0..1 with an equal-power law: dry `cos(mix*pi/2)`, wet `sin(mix*pi/2)`.
    /// 0 is exactly the dry signal, 1 exactly the wet signal. Cheap.
    pub fn set_mix(&mut self, mix: f32) {
        let m = finite_clamp(mix, 0.0, 1.0, 0.0);
        self.mix = m;
        // sin_cycles is accurate to 2e-6; pin the ends so mix 0 is bit-transparent.
        if m <= 0.0 {
            self.dry_gain = 1.0;
            self.wet_gain = 0.0;
        } else if m >= 1.0 {
            self.dry_gain = 0.0;
            self.wet_gain = 1.0;
        } else {
            self.dry_gain = sin_cycles(0.25 + 0.25 * m);
            self.wet_gain = sin_cycles(0.25 * m);
        }
    }

    /// Stereo width 0..1 of the wet signal (mid/side): 0 = mono tail, 1 = fully decorrelated.
    pub fn set_width(&mut self, width: f32) {
        self.width = finite_clamp(width, 0.0, 1.0, 1.0);
    }

    /// Recomputes per-line loop gains and absorbent filters from size, decay and damping.
    fn update_gains(&mut self) {
        // Jot (1991): a line of `len` samples needs gain g = 10^(-3 len / (T60 fs)) per pass.
        // The damping lowpass H(z) = g (1 - b) / (1 - b z^-1) keeps gain g at DC and has
        // g (1 - b) / (1 + b) = g * r at Nyquist; choosing r = g^k makes the Nyquist RT60
        // exactly T60 / (1 + k), with k = 9 * damping.
        let k = 9.0 * self.damping;
        let per_sample_log2 = -3.0 * LOG2_10 / (self.decay_s * self.sample_rate);
        for i in 0..LINES {
            let log2_g = per_sample_log2 * self.line_lens[i] as f32;
            let g = exp2(log2_g);
            let r = exp2(log2_g * k);
            let b = (1.0 - r) / (1.0 + r);
            self.line_pole[i] = b;
            self.line_in[i] = g * (1.0 - b) * HADAMARD_NORM;
        }
    }

    /// Processes one stereo frame and returns the mixed output.
    ///
    /// Same arithmetic as [`Self::process_stereo`] (bit-identical) but about 5x slower per
    /// frame, since the block method vectorises across time; prefer it in render loops.
    #[inline]
    pub fn tick_stereo(&mut self, left: f32, right: f32) -> (f32, f32) {
        let pos = self.pos;
        self.pos = pos.wrapping_add(1);

        let pm = self.predelay.len() - 1;
        self.predelay[pos & pm] = (left + right) * 0.5;
        let mut u = self.predelay[pos.wrapping_sub(self.predelay_samples) & pm];
        for ((buf, &len), &g) in self
            .diffusers
            .iter_mut()
            .zip(self.diffuser_lens.iter())
            .zip(&DIFFUSER_GAIN)
        {
            let mask = buf.len() - 1;
            let d = buf[pos.wrapping_sub(len) & mask];
            let v = flush_tail(u + g * d);
            u = d - g * v;
            buf[pos & mask] = v;
        }

        let stride = self.line_stride;
        let mask = stride - 1;
        let mut y = [0.0f32; LINES];
        for (i, yi) in y.iter_mut().enumerate() {
            let s = self.lines[i * stride + (pos.wrapping_sub(self.line_lens[i]) & mask)];
            let lp = self.line_in[i] * s + self.line_pole[i] * self.line_state[i];
            self.line_state[i] = lp;
            *yi = lp;
        }
        if self.pos.is_multiple_of(FLUSH_PERIOD) {
            for v in &mut self.line_state {
                *v = flush_tail(*v);
            }
        }
        let y = hadamard8(y);
        for (i, yi) in y.iter().enumerate() {
            self.lines[i * stride + (pos & mask)] = flush_tail(yi + u);
        }

        let (a, b) = (y[1] * WET_GAIN, y[2] * WET_GAIN);
        let mid = 0.5 * (a + b);
        let side = 0.5 * (a - b) * self.width;
        (
            self.dry_gain * left + self.wet_gain * (mid + side),
            self.dry_gain * right + self.wet_gain * (mid - side),
        )
    }

    /// Processes two channel buffers in place (if their lengths differ, only the common prefix
    /// is processed). Identical, bit for bit, to calling [`Self::tick_stereo`] per frame.
    pub fn process_stereo(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let mut done = 0;
        while done < n {
            // Chunks never straddle a flush point, so the result cannot depend on the split.
            let to_flush = FLUSH_PERIOD - (self.pos % FLUSH_PERIOD);
            let len = (n - done).min(self.max_chunk).min(to_flush);
            let end = done + len;
            self.process_chunk(&mut left[done..end], &mut right[done..end]);
            done = end;
        }
    }

    /// Processes up to `max_chunk` frames that do not cross a flush point.
    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len()).min(self.max_chunk);
        let (left, right) = (&mut left[..n], &mut right[..n]);
        let pos = self.pos;
        let Self {
            predelay,
            predelay_samples,
            diffusers,
            diffuser_lens,
            lines,
            line_stride,
            line_lens,
            line_in,
            line_pole,
            line_state,
            scratch_lines: s,
            scratch_u,
            scratch_w,
            ..
        } = self;
        let u = &mut scratch_u[..n];
        let w = &mut scratch_w[..n];

        // Predelay on the mono sum (a mono send, as in most plate/hall designs). Writing the
        // block first makes a predelay of 0 read what was just written.
        ring_fill(predelay, pos, w, |dst| {
            for ((x, l), r) in dst.iter_mut().zip(left.iter()).zip(right.iter()) {
                *x = (l + r) * 0.5;
            }
        });
        ring_read(predelay, pos.wrapping_sub(*predelay_samples), u);

        // Schroeder allpasses: v[n] = u + g v[n-M]; y = v[n-M] - g v[n]. M >= block length,
        // so the delayed block can be fetched in one go and the loop vectorises.
        for ((buf, &len), &g) in diffusers
            .iter_mut()
            .zip(diffuser_lens.iter())
            .zip(&DIFFUSER_GAIN)
        {
            // `w` holds v[n-M] on entry and v[n] on exit.
            ring_read(buf, pos.wrapping_sub(len), w);
            for (x, d) in u.iter_mut().zip(w.iter_mut()) {
                let v = flush_tail(*x + g * *d);
                *x = *d - g * v;
                *d = v;
            }
            ring_write(buf, pos, w);
        }

        // Every line is at least a block long, so the whole block's line outputs are known.
        let stride = *line_stride;
        for ((line, si), &len) in lines
            .chunks_exact(stride)
            .zip(s.iter_mut())
            .zip(line_lens.iter())
        {
            ring_read(line, pos.wrapping_sub(len), &mut si[..n]);
        }
        // Damping lowpass: 8 independent recursions interleaved so they overlap in the CPU.
        let mut lp = *line_state;
        for t in 0..n.min(BLOCK) {
            for (((x, si), &c), &p) in lp
                .iter_mut()
                .zip(s.iter_mut())
                .zip(line_in.iter())
                .zip(line_pole.iter())
            {
                *x = c * si[t] + p * *x;
                si[t] = *x;
            }
        }
        if pos.wrapping_add(n).is_multiple_of(FLUSH_PERIOD) {
            for v in &mut lp {
                *v = flush_tail(*v);
            }
        }
        *line_state = lp;
        hadamard8_block(s, n);
        for (line, si) in lines.chunks_exact_mut(stride).zip(s.iter()) {
            ring_fill(line, pos, w, |dst| {
                for ((x, h), inp) in dst.iter_mut().zip(si).zip(u.iter()) {
                    *x = flush_tail(h + inp);
                }
            });
        }

        // Rows 1 and 2 of the Hadamard output: orthogonal sign patterns over the lines.
        let (dry, wet, width) = (self.dry_gain, self.wet_gain, self.width);
        let [_, wet_l, wet_r, ..] = &self.scratch_lines;
        for (((l, r), &a), &b) in left.iter_mut().zip(right.iter_mut()).zip(wet_l).zip(wet_r) {
            let (a, b) = (a * WET_GAIN, b * WET_GAIN);
            let mid = 0.5 * (a + b);
            let side = 0.5 * (a - b) * width;
            *l = dry * *l + wet * (mid + side);
            *r = dry * *r + wet * (mid - side);
        }
        self.pos = pos.wrapping_add(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng32;
    use realfft::RealFftPlanner;

    const FS: f32 = 48_000.0;

    /// Wet-only impulse response (left, right) of `len` samples.
    fn impulse_response(rev: &mut Reverb, len: usize) -> (Vec<f32>, Vec<f32>) {
        let mut l = vec![0.0; len];
        let mut r = vec![0.0; len];
        l[0] = 1.0;
        r[0] = 1.0;
        rev.process_stereo(&mut l, &mut r);
        (l, r)
    }

    /// RT60 from Schroeder backward integration, line fit between -5 and -35 dB
    /// (ISO 3382 "T30" method), extrapolated to 60 dB.
    fn rt60_from_ir(ir: &[f32], fs: f32) -> f32 {
        let mut edc = vec![0.0f64; ir.len()];
        let mut acc = 0.0f64;
        for i in (0..ir.len()).rev() {
            acc += (ir[i] as f64).powi(2);
            edc[i] = acc;
        }
        let total = edc[0];
        let (mut sx, mut sy, mut sxx, mut sxy, mut n) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (i, &e) in edc.iter().enumerate() {
            let db = 10.0 * (e / total).log10();
            if (-35.0..=-5.0).contains(&db) {
                let t = i as f64 / fs as f64;
                sx += t;
                sy += db;
                sxx += t * t;
                sxy += t * db;
                n += 1.0;
            }
        }
        let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        (-60.0 / slope) as f32
    }

    fn wet_only(decay_s: f32, damping: f32) -> Reverb {
        let mut rev = Reverb::new(FS);
        rev.set_mix(1.0);
        rev.set_decay_s(decay_s);
        rev.set_damping(damping);
        rev
    }

    #[test]
    fn measured_rt60_matches_decay_setting() {
        for &decay in &[0.5f32, 2.0] {
            let mut rev = wet_only(decay, 0.0);
            let (l, r) = impulse_response(&mut rev, (FS * decay * 1.5) as usize);
            for ir in [&l, &r] {
                let rt = rt60_from_ir(ir, FS);
                let err = (rt - decay).abs() / decay;
                assert!(err < 0.15, "decay {decay}: measured RT60 {rt} s");
            }
        }
    }

    /// Energy (dB) of `ir[start..start+n]` in the band `lo_hz..hi_hz` via a Hann-windowed FFT.
    fn band_db(ir: &[f32], start: usize, n: usize, lo_hz: f32, hi_hz: f32) -> f64 {
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(n);
        let mut buf: Vec<f32> = (0..n)
            .map(|i| {
                let w = 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / n as f32).cos();
                ir[start + i] * w
            })
            .collect();
        let mut spec = fft.make_output_vec();
        fft.process(&mut buf, &mut spec).unwrap();
        let bin_hz = FS / n as f32;
        let e: f64 = spec
            .iter()
            .enumerate()
            .filter(|(k, _)| (lo_hz..hi_hz).contains(&(*k as f32 * bin_hz)))
            .map(|(_, c)| c.norm_sqr() as f64)
            .sum();
        10.0 * e.log10()
    }

    #[test]
    fn damping_shortens_high_frequency_decay() {
        let n = 4096;
        let (t1, t2) = (4800, 4800 + 24_000); // 0.1 s and 0.6 s into the tail
        let drop = |damping: f32| {
            let mut rev = wet_only(2.0, damping);
            let (l, _) = impulse_response(&mut rev, t2 + n);
            let lo = band_db(&l, t1, n, 50.0, 1000.0) - band_db(&l, t2, n, 50.0, 1000.0);
            let hi = band_db(&l, t1, n, 5000.0, 20_000.0) - band_db(&l, t2, n, 5000.0, 20_000.0);
            (lo, hi)
        };
        // Undamped: both bands fall at 60 dB / 2 s -> 15 dB over 0.5 s (allow spectral noise).
        let (lo0, hi0) = drop(0.0);
        assert!(
            (lo0 - 15.0).abs() < 4.0 && (hi0 - 15.0).abs() < 4.0,
            "{lo0} {hi0}"
        );
        // Damping 1: the low band keeps ~15 dB; the >5 kHz band must fall at least twice as fast.
        let (lo1, hi1) = drop(1.0);
        assert!((lo1 - 15.0).abs() < 5.0, "low band drop {lo1} dB");
        assert!(hi1 > 2.0 * lo1, "high band drop {hi1} dB vs low {lo1} dB");
    }

    #[test]
    fn mix_zero_is_transparent() {
        let mut rev = Reverb::new(FS);
        rev.set_mix(0.0);
        rev.set_decay_s(30.0);
        let mut rng = Rng32::new(3);
        for _ in 0..10_000 {
            let (l, r) = (rng.next_bipolar(), rng.next_bipolar());
            assert_eq!(rev.tick_stereo(l, r), (l, r));
        }
    }

    #[test]
    fn mono_input_gives_decorrelated_stereo_tail() {
        let mut rev = wet_only(2.0, 0.3);
        let mut rng = Rng32::new(11);
        let (mut slr, mut sll, mut srr) = (0.0f64, 0.0f64, 0.0f64);
        for i in 0..48_000 {
            let x = if i < 24_000 { rng.next_bipolar() } else { 0.0 };
            let (l, r) = rev.tick_stereo(x, x);
            slr += (l * r) as f64;
            sll += (l * l) as f64;
            srr += (r * r) as f64;
        }
        let corr = slr / (sll * srr).sqrt();
        assert!(corr.abs() < 0.5, "L/R correlation {corr}");
        // Width 0 must collapse the wet signal to mono.
        rev.reset();
        rev.set_width(0.0);
        for i in 0..2000 {
            let x = if i == 0 { 1.0 } else { 0.0 };
            let (l, r) = rev.tick_stereo(x, x);
            assert_eq!(l, r);
        }
    }

    #[test]
    fn tail_decays_to_exact_silence_within_three_decay_times() {
        let decay = 0.5;
        let mut rev = wet_only(decay, 0.0);
        rev.set_size(1.0);
        rev.set_predelay_s(0.2);
        let mut rng = Rng32::new(5);
        // Full-scale noise long enough to charge the whole network.
        for _ in 0..24_000 {
            let (l, r) = rev.tick_stereo(rng.next_bipolar(), rng.next_bipolar());
            assert!(l.is_finite() && r.is_finite());
        }
        let silent_after = ((3.0 * decay + 0.2) * FS) as usize;
        let mut last_nonzero = 0;
        for i in 0..silent_after + 4800 {
            let (l, r) = rev.tick_stereo(0.0, 0.0);
            if l != 0.0 || r != 0.0 {
                last_nonzero = i;
            }
        }
        assert!(
            last_nonzero < silent_after,
            "last non-zero output at {last_nonzero}"
        );
        assert!(rev.lines.iter().all(|&x| x == 0.0));
        assert!(rev.line_state.iter().all(|&x| x == 0.0));
        assert!(rev.diffusers.iter().all(|d| d.iter().all(|&x| x == 0.0)));
    }

    #[test]
    fn extreme_settings_stay_finite_and_bounded() {
        let mut rev = Reverb::new(FS);
        rev.set_size(1.0);
        rev.set_decay_s(30.0);
        rev.set_damping(0.0);
        rev.set_mix(1.0);
        let mut rng = Rng32::new(9);
        let mut peak = 0.0f32;
        for _ in 0..96_000 {
            let (l, r) = rev.tick_stereo(rng.next_bipolar(), rng.next_bipolar());
            assert!(l.is_finite() && r.is_finite());
            peak = peak.max(l.abs()).max(r.abs());
        }
        // Lossy orthogonal feedback cannot grow; a 2 s charge of a 30 s tail stays moderate.
        assert!(peak < 20.0, "peak {peak}");
        for (size, decay, damp) in [(0.0, 0.1, 1.0), (1.0, 0.1, 1.0), (0.0, 30.0, 1.0)] {
            let mut rev = wet_only(decay, damp);
            rev.set_size(size);
            for _ in 0..20_000 {
                let (l, r) = rev.tick_stereo(rng.next_bipolar(), rng.next_bipolar());
                assert!(l.is_finite() && r.is_finite() && l.abs() < 20.0);
            }
        }
        // NaN/inf settings are sanitised rather than poisoning the state.
        rev.set_decay_s(f32::NAN);
        rev.set_size(f32::INFINITY);
        rev.set_damping(f32::NAN);
        assert!(rev.tick_stereo(0.5, 0.5).0.is_finite());
    }

    #[test]
    fn reset_block_and_determinism_are_bit_exact() {
        let configure = |rev: &mut Reverb| {
            rev.set_size(0.7);
            rev.set_decay_s(1.3);
            rev.set_damping(0.4);
            rev.set_predelay_s(0.013);
            rev.set_mix(0.6);
            rev.set_width(0.8);
        };
        let mut rng = Rng32::new(21);
        let input: Vec<(f32, f32)> = (0..20_000)
            .map(|_| (rng.next_bipolar(), rng.next_bipolar()))
            .collect();

        let mut fresh = Reverb::new(FS);
        configure(&mut fresh);
        let expected: Vec<(f32, f32)> = input
            .iter()
            .map(|&(l, r)| fresh.tick_stereo(l, r))
            .collect();

        let mut used = Reverb::new(FS);
        configure(&mut used);
        for &(l, r) in &input[..5000] {
            used.tick_stereo(l * 3.0, r);
        }
        used.reset();
        let mut l: Vec<f32> = input.iter().map(|p| p.0).collect();
        let mut r: Vec<f32> = input.iter().map(|p| p.1).collect();
        // Uneven blocks, to catch any per-block state.
        let mut start = 0;
        for block in [1usize, 7, 64, 1000, 18_928] {
            used.process_stereo(&mut l[start..start + block], &mut r[start..start + block]);
            start += block;
        }
        for (i, &(el, er)) in expected.iter().enumerate() {
            assert_eq!(l[i].to_bits(), el.to_bits(), "left {i}");
            assert_eq!(r[i].to_bits(), er.to_bits(), "right {i}");
        }
    }

    #[test]
    fn line_lengths_are_distinct_primes_and_scale_with_size() {
        let mut rev = Reverb::new(FS);
        rev.set_size(0.0);
        let small = rev.line_lens;
        rev.set_size(1.0);
        let large = rev.line_lens;
        for lens in [small, large] {
            let distinct = lens.iter().enumerate().all(|(i, a)| !lens[..i].contains(a));
            assert!(distinct && lens.iter().all(|&a| is_prime(a)), "{lens:?}");
        }
        // Size 1 is 4x size 0 (25% -> 100%), up to prime rounding.
        let ratio = large[7] as f32 / small[7] as f32;
        assert!((ratio - 4.0).abs() < 0.05, "ratio {ratio}");
        assert!((large[7] as f32 - 0.0757 * FS).abs() < 40.0);
    }
}
