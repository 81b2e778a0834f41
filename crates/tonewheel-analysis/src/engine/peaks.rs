//! [`PeakAccumulator`] and [`WaveformPeaks`]: min/max/RMS pixels of the waveform at the native
//! rate, in bounded memory whether or not the length is known in advance, and their
//! BBC audiowaveform JSON layout.
//!
//! Pixels are accumulated at a fine resolution; when more than [`MAX_FINE_PIXELS`] pile up,
//! neighbouring pairs are merged (doubling samples per pixel), so memory stays bounded for any
//! length. At the end the fine pixels are grouped down to the overview and zoom resolutions.

use serde::Serialize;

use super::lanes::{min_max, sum_of_squares};

/// Default overview resolution (points per file).
pub const OVERVIEW_POINTS: usize = 1000;
/// Zoom resolution (points per file).
pub const ZOOM_POINTS: usize = 8000;
/// Fine pixels kept while accumulating before pairs are merged.
pub const MAX_FINE_PIXELS: usize = 2 * ZOOM_POINTS;
/// Samples per fine pixel when the length is unknown.
const UNKNOWN_LENGTH_SPP: usize = 64;
/// Most pixels per channel kept at a requested samples-per-pixel (24 bytes each: about 50 MB
/// per channel); a longer file gets the smallest power-of-two multiple that fits, and the
/// result's `samples_per_pixel` says which.
pub const MAX_EXACT_PIXELS: usize = 2_000_000;

/// One pixel of one channel.
#[derive(Debug, Clone, Copy)]
struct Pixel {
    min: f32,
    max: f32,
    sum_sq: f64,
    count: u64,
}

impl Pixel {
    const EMPTY: Pixel = Pixel {
        min: f32::INFINITY,
        max: f32::NEG_INFINITY,
        sum_sq: 0.0,
        count: 0,
    };

    fn merge(self, o: Pixel) -> Pixel {
        Pixel {
            min: self.min.min(o.min),
            max: self.max.max(o.max),
            sum_sq: self.sum_sq + o.sum_sq,
            count: self.count + o.count,
        }
    }
}

/// Streams samples into fine pixels.
#[derive(Debug, Clone)]
pub struct PeakAccumulator {
    sample_rate: u32,
    samples_per_pixel: usize,
    /// Completed pixels, each `channels` entries.
    pixels: Vec<Pixel>,
    current: Vec<Pixel>,
    in_current: usize,
    channels: usize,
    /// Requested samples per pixel (the zoom is then the fine pixels themselves).
    exact: bool,
}

impl PeakAccumulator {
    /// An accumulator for `channels` channels; `frames` is the length when known.
    pub fn new(sample_rate: u32, channels: usize, frames: Option<u64>) -> Self {
        let channels = channels.max(1);
        let spp = frames.map_or(UNKNOWN_LENGTH_SPP, |f| {
            (f as usize).div_ceil(ZOOM_POINTS).max(1)
        });
        Self {
            sample_rate,
            samples_per_pixel: spp,
            pixels: Vec::with_capacity(MAX_FINE_PIXELS * channels),
            current: vec![Pixel::EMPTY; channels],
            in_current: 0,
            channels,
            exact: false,
        }
    }

    /// An accumulator whose zoom waveform has exactly `samples_per_pixel` (at least 1), as
    /// audiowaveform's `--pixels-per-second`/`-z` options give, up to [`MAX_EXACT_PIXELS`]
    /// pixels per channel.
    pub fn with_samples_per_pixel(
        sample_rate: u32,
        channels: usize,
        samples_per_pixel: usize,
    ) -> Self {
        let mut acc = Self::new(sample_rate, channels, None);
        acc.samples_per_pixel = samples_per_pixel.max(1);
        acc.pixels = Vec::new();
        acc.exact = true;
        acc
    }

    /// Adds planar frames (one slice per channel, equal lengths).
    pub fn push(&mut self, planes: &[&[f32]]) {
        let n = planes.first().map_or(0, |p| p.len());
        let mut i = 0;
        while i < n {
            let take = (self.samples_per_pixel - self.in_current).min(n - i);
            for (cur, plane) in self.current.iter_mut().zip(planes) {
                let seg = &plane[i..i + take];
                let (lo, hi) = min_max(seg);
                cur.min = cur.min.min(lo);
                cur.max = cur.max.max(hi);
                cur.sum_sq += f64::from(sum_of_squares(seg));
                cur.count += take as u64;
            }
            self.in_current += take;
            i += take;
            if self.in_current == self.samples_per_pixel {
                self.flush_current();
            }
        }
    }

    fn flush_current(&mut self) {
        self.pixels.extend_from_slice(&self.current);
        self.current.fill(Pixel::EMPTY);
        self.in_current = 0;
        let limit = if self.exact {
            MAX_EXACT_PIXELS
        } else {
            MAX_FINE_PIXELS
        };
        if self.pixels.len() >= limit * self.channels {
            let c = self.channels;
            let count = self.pixels.len() / c;
            let mut merged = Vec::with_capacity(self.pixels.capacity());
            for p in (0..count).step_by(2) {
                for ch in 0..c {
                    let a = self.pixels[p * c + ch];
                    let b = if p + 1 < count {
                        self.pixels[(p + 1) * c + ch]
                    } else {
                        Pixel::EMPTY
                    };
                    merged.push(a.merge(b));
                }
            }
            self.pixels = merged;
            self.samples_per_pixel *= 2;
        }
    }

    /// Finishes: the overview at about `overview_points` and the zoom at about [`ZOOM_POINTS`]
    /// (or at the requested samples per pixel).
    pub fn finish(mut self, overview_points: usize) -> WaveformPeaks {
        if self.in_current > 0 {
            let cur = std::mem::replace(&mut self.current, vec![Pixel::EMPTY; self.channels]);
            self.pixels.extend_from_slice(&cur);
            self.in_current = 0;
        }
        let zoom = if self.exact {
            self.group(usize::MAX)
        } else {
            self.group(ZOOM_POINTS)
        };
        let overview = self.group(overview_points.max(1));
        WaveformPeaks { overview, zoom }
    }

    fn group(&self, points: usize) -> Waveform {
        let c = self.channels;
        let fine = self.pixels.len() / c;
        let g = fine.div_ceil(points).max(1);
        let mut min = Vec::new();
        let mut max = Vec::new();
        let mut rms = Vec::new();
        for start in (0..fine).step_by(g) {
            for ch in 0..c {
                let p = (start..(start + g).min(fine))
                    .map(|i| self.pixels[i * c + ch])
                    .fold(Pixel::EMPTY, Pixel::merge);
                let (lo, hi) = if p.count == 0 {
                    (0.0, 0.0)
                } else {
                    (p.min, p.max)
                };
                min.push(lo.clamp(-1.0, 1.0));
                max.push(hi.clamp(-1.0, 1.0));
                rms.push((p.sum_sq / p.count.max(1) as f64).sqrt() as f32);
            }
        }
        Waveform {
            sample_rate: self.sample_rate,
            channels: c,
            samples_per_pixel: self.samples_per_pixel * g,
            min,
            max,
            rms,
        }
    }
}

/// One resolution of the waveform: per pixel, per channel min, max and RMS (−1..1 floats).
#[derive(Debug, Clone)]
pub struct Waveform {
    /// Native sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: usize,
    /// Native frames per pixel.
    pub samples_per_pixel: usize,
    /// Minimum per pixel and channel (interleaved by channel).
    pub min: Vec<f32>,
    /// Maximum per pixel and channel.
    pub max: Vec<f32>,
    /// RMS per pixel and channel.
    pub rms: Vec<f32>,
}

/// The overview and zoom resolutions of one file.
#[derive(Debug, Clone)]
pub struct WaveformPeaks {
    /// About [`OVERVIEW_POINTS`] (or the requested count) pixels.
    pub overview: Waveform,
    /// About [`ZOOM_POINTS`] pixels.
    pub zoom: Waveform,
}

/// BBC audiowaveform JSON (version 2) of one resolution, plus an `rms` array.
#[derive(Debug, Clone, Serialize)]
pub struct AudiowaveformJson {
    /// Format version (2: has `channels`).
    pub version: u32,
    /// Channel count.
    pub channels: usize,
    /// Native sample rate in Hz.
    pub sample_rate: u32,
    /// Native frames per pixel.
    pub samples_per_pixel: usize,
    /// Bits per value: 16 (values −32768..32767) or 8 (−128..127).
    pub bits: u32,
    /// Pixel count.
    pub length: usize,
    /// min, max per channel per pixel, interleaved: `[p0c0min, p0c0max, p0c1min, ...]`.
    pub data: Vec<i32>,
    /// RMS per channel per pixel at the same scale (an extension; players ignore it).
    pub rms: Vec<i32>,
}

impl Waveform {
    /// Pixel count.
    pub fn length(&self) -> usize {
        self.min.len() / self.channels.max(1)
    }

    /// The BBC audiowaveform layout at `bits` 8 or 16 (anything else is treated as 16).
    pub fn to_audiowaveform(&self, bits: u32) -> AudiowaveformJson {
        let bits = if bits == 8 { 8 } else { 16 };
        let full = if bits == 8 { 127.0 } else { 32767.0 };
        let q = |v: f32| (v * full).round() as i32;
        let mut data = Vec::with_capacity(self.min.len() * 2);
        for (lo, hi) in self.min.iter().zip(&self.max) {
            data.push(q(*lo));
            data.push(q(*hi));
        }
        AudiowaveformJson {
            version: 2,
            channels: self.channels,
            sample_rate: self.sample_rate,
            samples_per_pixel: self.samples_per_pixel,
            bits,
            length: self.length(),
            data,
            rms: self.rms.iter().map(|v| q(*v)).collect(),
        }
    }
}
