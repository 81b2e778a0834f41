//! [`Extractor`]: the single pass. Native-rate chunks go in; the BS.1770 meter, level blocks
//! and waveform pixels consume them at the native rate, and a streaming resampler feeds the
//! analysis-rate STFT whose frames are reduced to per-frame features on the spot.

use tonewheel_audio::{AudioBuffer, AudioStream, ResampleQuality, StreamResampler};

use super::cache::{
    FeatureCache, FileFacts, FrameFeatures, LevelBlocks, LoudnessReadings, StereoFrame,
    LEVEL_BLOCK_S, LOUDNESS_HOP_S, PITCH_AUDIO_S,
};
use super::error::EngineError;
use super::features::{Feature, FeatureSet};
use super::lanes::{abs_max, sum_of_squares};
use super::meter::LoudnessMeter;
use super::peaks::{PeakAccumulator, OVERVIEW_POINTS};
use super::reduce::SpectralReducer;
use super::stft::{Stft, ANALYSIS_RATE_HZ, FFT_SIZE, HOP};
use crate::mir::{ChromaExtractor, OnsetDetector};

/// Widest layout metered channel by channel; wider files are metered as their mono mix.
const MAX_METER_CHANNELS: usize = 64;

/// Options of one extraction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtractOptions {
    /// Overview resolution of the waveform peaks in points.
    pub overview_points: usize,
    /// Samples per pixel of the zoom waveform, when one is asked for (else about
    /// [`super::ZOOM_POINTS`] points per file).
    pub samples_per_pixel: Option<usize>,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        Self {
            overview_points: OVERVIEW_POINTS,
            samples_per_pixel: None,
        }
    }
}

/// Native-rate level blocks in progress.
#[derive(Debug)]
struct BlockState {
    frames_per_block: usize,
    in_block: usize,
    power: f64,
    peak: f32,
}

/// The push-style single pass over one file's audio.
pub struct Extractor {
    needs: FeatureSet,
    options: ExtractOptions,
    facts: FileFacts,
    levels: LevelBlocks,
    block: BlockState,
    meter: Option<LoudnessMeter>,
    meter_mono: bool,
    meter_mix: Vec<f32>,
    peaks: Option<PeakAccumulator>,
    clean: Vec<Vec<f32>>,
    resampler: Option<StreamResampler>,
    res_in: Vec<Vec<f32>>,
    res_out: Vec<Vec<f32>>,
    stereo: bool,
    mono_buf: Vec<f32>,
    side_buf: Vec<f32>,
    stft: Stft,
    magnitude: Vec<f32>,
    side_magnitude: Vec<f32>,
    reducer: SpectralReducer,
    onset: Option<OnsetDetector>,
    chroma: Option<ChromaExtractor>,
    frames: FrameFeatures,
    stft_frames: usize,
    pitch_audio: Vec<f32>,
    pitch_capacity: usize,
}

impl std::fmt::Debug for Extractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extractor")
            .field("needs", &self.needs)
            .field("facts", &self.facts)
            .finish_non_exhaustive()
    }
}

impl Extractor {
    /// A pass over audio of `sample_rate` Hz and `channels` channels; `frames_hint` is the
    /// length when the header states it (for the waveform resolution).
    pub fn new(
        sample_rate: u32,
        channels: usize,
        frames_hint: Option<u64>,
        needs: FeatureSet,
        options: ExtractOptions,
    ) -> Result<Self, EngineError> {
        if sample_rate == 0 || channels == 0 {
            return Err(EngineError::Unsupported(format!(
                "{sample_rate} Hz, {channels} channels"
            )));
        }
        let (meter, meter_mono) = if needs.contains(Feature::Loudness) {
            let mono = channels > MAX_METER_CHANNELS;
            let meter_channels = if mono { 1 } else { channels };
            (Some(LoudnessMeter::new(sample_rate, meter_channels)), mono)
        } else {
            (None, false)
        };
        let stereo = needs.contains(Feature::Stereo) && channels >= 2;
        let resampler = if needs.needs_resampling() {
            Some(StreamResampler::new(
                sample_rate,
                ANALYSIS_RATE_HZ,
                if stereo { 2 } else { 1 },
                ResampleQuality::Fast,
            )?)
        } else {
            None
        };
        let res_channels = if stereo { 2 } else { 1 };
        let centre_pad = vec![0.0; FFT_SIZE / 2];
        Ok(Self {
            needs,
            options,
            facts: FileFacts {
                sample_rate,
                channels,
                frames: 0,
                duration_s: 0.0,
                non_finite_samples: 0,
            },
            levels: LevelBlocks {
                channel_peak: vec![0.0; channels],
                channel_sum_sq: vec![0.0; channels],
                ..LevelBlocks::default()
            },
            block: BlockState {
                frames_per_block: ((f64::from(sample_rate) * LEVEL_BLOCK_S).round() as usize)
                    .max(1),
                in_block: 0,
                power: 0.0,
                peak: 0.0,
            },
            meter,
            meter_mono,
            meter_mix: Vec::new(),
            peaks: needs
                .contains(Feature::Peaks)
                .then(|| match options.samples_per_pixel {
                    Some(spp) => {
                        PeakAccumulator::with_samples_per_pixel(sample_rate, channels, spp)
                    }
                    None => PeakAccumulator::new(sample_rate, channels, frames_hint),
                }),
            clean: vec![Vec::new(); channels],
            resampler,
            res_in: vec![Vec::new(); res_channels],
            res_out: vec![Vec::new(); res_channels],
            stereo,
            mono_buf: centre_pad.clone(),
            side_buf: if stereo { centre_pad } else { Vec::new() },
            stft: Stft::new(FFT_SIZE),
            magnitude: Vec::new(),
            side_magnitude: Vec::new(),
            reducer: SpectralReducer::new(),
            onset: needs
                .contains(Feature::Onset)
                .then(|| OnsetDetector::new(FFT_SIZE, ANALYSIS_RATE_HZ as f32)),
            chroma: needs
                .contains(Feature::Chroma)
                .then(|| ChromaExtractor::new(FFT_SIZE, ANALYSIS_RATE_HZ as f32)),
            frames: FrameFeatures::default(),
            stft_frames: 0,
            pitch_audio: Vec::new(),
            pitch_capacity: if needs.contains(Feature::PitchAudio) {
                (PITCH_AUDIO_S * f64::from(ANALYSIS_RATE_HZ)) as usize
            } else {
                0
            },
        })
    }

    /// Feeds planar native-rate frames (one slice per channel, equal lengths; extra or
    /// missing channels are ignored / read as silence).
    pub fn push(&mut self, planes: &[&[f32]]) -> Result<(), EngineError> {
        let n = planes.first().map_or(0, |p| p.len());
        if n == 0 {
            return Ok(());
        }
        // Sanitise once: NaN/Inf are analysed as 0 and counted. Finite input (the usual case)
        // is a plain copy; the check is a branch-free count.
        for (ch, dst) in self.clean.iter_mut().enumerate() {
            dst.clear();
            match planes.get(ch) {
                Some(src) => {
                    let src = &src[..n.min(src.len())];
                    dst.extend_from_slice(src);
                    let bad = src.iter().filter(|s| !s.is_finite()).count();
                    if bad > 0 {
                        self.facts.non_finite_samples += bad as u64;
                        for s in dst.iter_mut().filter(|s| !s.is_finite()) {
                            *s = 0.0;
                        }
                    }
                }
                None => dst.resize(n, 0.0),
            }
            dst.resize(n, 0.0);
        }
        let clean = std::mem::take(&mut self.clean);
        let result = self.consume(&clean, n);
        self.clean = clean;
        result
    }

    fn consume(&mut self, clean: &[Vec<f32>], n: usize) -> Result<(), EngineError> {
        self.facts.frames += n as u64;
        self.levels_push(clean, n);
        if let Some(p) = self.peaks.as_mut() {
            let planes: Vec<&[f32]> = clean.iter().map(Vec::as_slice).collect();
            p.push(&planes);
        }
        self.meter_push(clean, n);
        if self.resampler.is_some() {
            self.analysis_push(clean, n)?;
        }
        Ok(())
    }

    fn levels_push(&mut self, clean: &[Vec<f32>], n: usize) {
        let channels = clean.len();
        let mut start = 0;
        while start < n {
            let b = &mut self.block;
            let take = (b.frames_per_block - b.in_block).min(n - start);
            // Within one block (≤ 10 ms) an f32 sum of squares loses nothing that matters and
            // vectorises; blocks accumulate in f64.
            for (ch, plane) in clean.iter().enumerate() {
                let seg = &plane[start..start + take];
                let peak = abs_max(seg);
                let sum = sum_of_squares(seg);
                b.power += f64::from(sum);
                b.peak = b.peak.max(peak);
                self.levels.channel_peak[ch] = self.levels.channel_peak[ch].max(peak);
                self.levels.channel_sum_sq[ch] += f64::from(sum);
            }
            b.in_block += take;
            start += take;
            if b.in_block == b.frames_per_block {
                self.levels
                    .power
                    .push((b.power / (b.frames_per_block * channels) as f64) as f32);
                self.levels.peak.push(b.peak);
                b.in_block = 0;
                b.power = 0.0;
                b.peak = 0.0;
            }
        }
    }

    fn meter_push(&mut self, clean: &[Vec<f32>], n: usize) {
        let Some(meter) = self.meter.as_mut() else {
            return;
        };
        if self.meter_mono {
            let scale = 1.0 / clean.len() as f32;
            self.meter_mix.clear();
            self.meter_mix.resize(n, 0.0);
            for plane in clean {
                for (m, s) in self.meter_mix.iter_mut().zip(plane) {
                    *m += s * scale;
                }
            }
            meter.push(&[&self.meter_mix]);
        } else {
            let planes: Vec<&[f32]> = clean.iter().map(|p| &p[..n]).collect();
            meter.push(&planes);
        }
    }

    fn analysis_push(&mut self, clean: &[Vec<f32>], n: usize) -> Result<(), EngineError> {
        let channels = clean.len() as f32;
        let mono = &mut self.res_in[0];
        mono.clear();
        // Plane by plane (the same additions in the same order as frame by frame) so the
        // loops vectorise.
        mono.extend_from_slice(&clean[0][..n]);
        for plane in &clean[1..] {
            for (m, s) in mono.iter_mut().zip(plane) {
                *m += s;
            }
        }
        for m in mono.iter_mut() {
            *m /= channels;
        }
        if self.stereo {
            let side = &mut self.res_in[1];
            side.clear();
            side.extend(
                clean[0][..n]
                    .iter()
                    .zip(&clean[1][..n])
                    .map(|(l, r)| 0.5 * (l - r)),
            );
        }
        for o in &mut self.res_out {
            o.clear();
        }
        if let Some(r) = self.resampler.as_mut() {
            let inputs: Vec<&[f32]> = self.res_in.iter().map(Vec::as_slice).collect();
            r.process(&inputs, &mut self.res_out)?;
        }
        self.take_resampled();
        Ok(())
    }

    /// Moves resampled output into the analysis buffers and runs every complete frame.
    fn take_resampled(&mut self) {
        let out = std::mem::take(&mut self.res_out);
        if self.pitch_audio.len() < self.pitch_capacity {
            let room = self.pitch_capacity - self.pitch_audio.len();
            self.pitch_audio.extend(out[0].iter().take(room).copied());
        }
        if self.needs.needs_stft() {
            self.mono_buf.extend_from_slice(&out[0]);
            if self.stereo {
                self.side_buf.extend_from_slice(&out[1]);
            }
            self.run_frames();
        }
        self.res_out = out;
    }

    fn run_frames(&mut self) {
        let mut pos = 0;
        while self.mono_buf.len() - pos >= FFT_SIZE {
            self.frame_at(pos);
            pos += HOP;
        }
        if pos > 0 {
            self.mono_buf.drain(..pos);
            if self.stereo {
                self.side_buf.drain(..pos.min(self.side_buf.len()));
            }
        }
    }

    fn frame_at(&mut self, pos: usize) {
        self.stft_frames += 1;
        let frame = &self.mono_buf[pos..pos + FFT_SIZE];
        let energy: f32 = frame.iter().map(|s| s * s).sum();
        let crossings = frame
            .windows(2)
            .filter(|w| (w[0] >= 0.0) != (w[1] >= 0.0))
            .count();
        self.frames.rms.push((energy / FFT_SIZE as f32).sqrt());
        self.frames.zcr.push(crossings as f32 / FFT_SIZE as f32);
        self.stft.magnitude(frame, &mut self.magnitude);
        if self.needs.contains(Feature::Spectrum) {
            let f = self.reducer.reduce(&self.magnitude);
            let fr = &mut self.frames;
            fr.centroid_hz.push(f.centroid_hz);
            fr.rolloff_hz.push(f.rolloff_hz);
            fr.bandwidth_hz.push(f.bandwidth_hz);
            fr.flatness.push(f.flatness);
            fr.flux.push(f.flux);
            fr.mfcc.push(f.mfcc);
            fr.contrast.push(f.contrast);
            fr.octave_power.push(f.octave_power);
            fr.low_mid_high_power.push(f.low_mid_high_power);
        }
        if let Some(o) = self.onset.as_mut() {
            self.frames.onset.push(o.push(&self.magnitude));
            self.frames.onset_low.push(o.low_strength());
        }
        if let Some(c) = self.chroma.as_mut() {
            self.frames.chroma.push(c.push(&self.magnitude));
        }
        if self.stereo && self.side_buf.len() >= pos + FFT_SIZE {
            let side = &self.side_buf[pos..pos + FFT_SIZE];
            // Time-domain sums over the hop centred in the window: every sample counts once.
            let (a, b) = (FFT_SIZE / 2 - HOP / 2, FFT_SIZE / 2 + HOP / 2);
            let mut st = StereoFrame::default();
            for (m, s) in self.mono_buf[pos + a..pos + b].iter().zip(&side[a..b]) {
                let (l, r) = (m + s, m - s);
                st.lr += l * r;
                st.ll += l * l;
                st.rr += r * r;
            }
            self.stft.magnitude(side, &mut self.side_magnitude);
            let bins = *self.reducer.low_mid_high_bins();
            st.mid_band_power = SpectralReducer::band_powers(&self.magnitude, &bins);
            st.side_band_power = SpectralReducer::band_powers(&self.side_magnitude, &bins);
            self.frames.stereo.push(st);
        }
    }

    /// Flushes every stage and returns the cache.
    pub fn finish(mut self) -> Result<FeatureCache, EngineError> {
        // A partial last level block still counts (a short one-shot must have a level).
        if self.block.in_block > 0 {
            let b = &self.block;
            let channels = self.facts.channels.max(1);
            self.levels
                .power
                .push((b.power / (b.in_block * channels) as f64) as f32);
            self.levels.peak.push(b.peak);
        }
        if let Some(r) = self.resampler.as_mut() {
            for o in &mut self.res_out {
                o.clear();
            }
            r.finish(&mut self.res_out)?;
            self.take_resampled();
            if self.needs.needs_stft() {
                // Centre padding at the end as at the start: with N analysis samples there are
                // floor(N / hop) + 1 frames, frame i centred on sample i·hop.
                self.mono_buf.extend(std::iter::repeat_n(0.0, FFT_SIZE / 2));
                if self.stereo {
                    self.side_buf.extend(std::iter::repeat_n(0.0, FFT_SIZE / 2));
                }
                self.run_frames();
            }
        }
        let loudness = self.meter.take().map(|m| {
            let r = m.finish();
            LoudnessReadings {
                integrated_lufs: r.integrated_lufs,
                range_lu: r.range_lu,
                true_peak: r.true_peak,
                momentary_lufs: r.momentary_lufs,
                short_term_lufs: r.short_term_lufs,
            }
        });
        self.facts.duration_s = self.facts.frames as f64 / f64::from(self.facts.sample_rate);
        let tuning_cents = self.chroma.as_ref().map(ChromaExtractor::tuning_cents);
        let overview = self.options.overview_points;
        Ok(FeatureCache {
            facts: self.facts,
            computed: self.needs,
            levels: self.levels,
            loudness,
            peaks: self.peaks.map(|p| p.finish(overview)),
            frames: self.frames,
            stft_frames: self.stft_frames,
            tuning_cents,
            pitch_audio: self.pitch_audio,
        })
    }
}

/// Decodes `path` once, streaming, and extracts `needs`.
pub fn extract_file(
    path: &std::path::Path,
    needs: FeatureSet,
    options: ExtractOptions,
) -> Result<FeatureCache, EngineError> {
    let info = tonewheel_audio::probe_info(path)?;
    // 100 ms chunks line up with the meter's polling; at least 1024 frames keeps calls few.
    let chunk = ((f64::from(info.sample_rate) * LOUDNESS_HOP_S) as usize).max(1024);
    let mut stream = AudioStream::open(path, chunk)?;
    let mut buf = AudioBuffer::silent(info.sample_rate.max(1), info.channels.max(1) as usize, 0);
    // Some containers (MP4 with AAC or ALAC) state the channel count only in the first
    // decoded packet, so the layout is read after the first chunk, not from the header.
    let mut frames = stream.read_chunk(&mut buf)?;
    let info = stream.info().clone();
    let channels = if info.channels > 0 {
        info.channels as usize
    } else if frames > 0 {
        buf.channel_count()
    } else {
        0
    };
    let mut ex = Extractor::new(info.sample_rate, channels, info.frames, needs, options)?;
    while frames > 0 {
        let planes: Vec<&[f32]> = buf.channels().iter().map(Vec::as_slice).collect();
        ex.push(&planes)?;
        frames = stream.read_chunk(&mut buf)?;
    }
    ex.finish()
}

/// Extracts `needs` from an in-memory buffer (fed in 100 ms chunks, as from a file).
pub fn extract_buffer(
    audio: &AudioBuffer,
    needs: FeatureSet,
    options: ExtractOptions,
) -> Result<FeatureCache, EngineError> {
    let mut ex = Extractor::new(
        audio.sample_rate(),
        audio.channel_count(),
        Some(audio.frames() as u64),
        needs,
        options,
    )?;
    let chunk = ((f64::from(audio.sample_rate()) * LOUDNESS_HOP_S) as usize).max(1);
    let mut start = 0;
    while start < audio.frames() {
        let end = (start + chunk).min(audio.frames());
        let planes: Vec<&[f32]> = audio.channels().iter().map(|c| &c[start..end]).collect();
        ex.push(&planes)?;
        start = end;
    }
    ex.finish()
}
