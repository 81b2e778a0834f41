//! Stage nodes: each stage type wrapped around its `tonewheel-dsp` kernel, with the code that
//! applies (possibly modulated) parameter values and moves one block of audio.

use tonewheel_dsp::biquad::{Biquad, BiquadKind};
use tonewheel_dsp::bitcrush::Bitcrusher;
use tonewheel_dsp::chorus::Chorus;
use tonewheel_dsp::compressor::Compressor;
use tonewheel_dsp::delay::StereoDelay;
use tonewheel_dsp::diode_ladder::DiodeLadder;
use tonewheel_dsp::envelope::{Adsr, Ar};
use tonewheel_dsp::flanger::Flanger;
use tonewheel_dsp::fm::Fm6;
use tonewheel_dsp::ladder::Ladder;
use tonewheel_dsp::lfo::{Lfo, LfoShape};
use tonewheel_dsp::limiter::Limiter;
use tonewheel_dsp::math::{db_to_gain, equal_power_pan};
use tonewheel_dsp::noise::{PinkNoise, WhiteNoise};
use tonewheel_dsp::osc::{Oscillator, Waveform};
use tonewheel_dsp::phaser::Phaser;
use tonewheel_dsp::reverb::Reverb;
use tonewheel_dsp::saturation::{SatCurve, Saturator};
use tonewheel_dsp::supersaw::Supersaw;
use tonewheel_dsp::svf::{Svf, SvfMode};

use crate::spec::FM_PARAMS_PER_OP;

/// Frames per internal block: events land on exact frames by splitting blocks.
pub const BLOCK: usize = 64;
/// Filter coefficients are recomputed every this many frames when modulated.
pub const CONTROL_INTERVAL: usize = 16;

/// Level below which a decaying effect tail counts as finished: 2^-24 (-144.5 dBFS), half
/// the step of 24-bit audio, the finest format the engine writes. A reverb or delay whose
/// whole memory is below it is cleared and put to sleep until new input arrives; the tail
/// it would still have produced, and the difference that clearing makes when it wakes, stay
/// under this level (both networks lose energy on every pass).
pub const SLEEP_FLOOR: f32 = 1.0 / 16_777_216.0;

/// One parameter's value over the current block.
#[derive(Debug, Clone)]
pub struct ParamBlock {
    /// Unmodulated value (canonical units).
    pub base: f32,
    /// True when `buf` holds per-frame modulated values.
    pub modulated: bool,
    /// Per-frame values when modulated.
    pub buf: [f32; BLOCK],
}

impl ParamBlock {
    /// A constant parameter.
    pub fn new(base: f32) -> Self {
        Self {
            base,
            modulated: false,
            buf: [base; BLOCK],
        }
    }

    /// Value at frame `i` of the block.
    #[inline(always)]
    pub fn at(&self, i: usize) -> f32 {
        if self.modulated {
            self.buf[i]
        } else {
            self.base
        }
    }
}

/// Per-block facts a node may need.
pub struct BlockCtx<'a> {
    /// Frames in this block (<= BLOCK).
    pub n: usize,
    /// The voice's note frequency per frame (glide applied); empty for global nodes.
    pub note_hz: &'a [f32],
    /// The voice's MIDI note (for key tracking), 60 for global nodes.
    pub note: f32,
    /// True when `note_hz` holds one value for the whole block (no glide in progress), so
    /// oscillators can set their frequency once per block.
    pub note_steady: bool,
}

/// Noise flavours.
#[derive(Debug, Clone)]
pub enum NoiseKernel {
    /// Flat spectrum.
    White(WhiteNoise),
    /// -3 dB/octave.
    Pink(PinkNoise),
}

/// The pitch envelope: falls from 1 to 0 over `decay` seconds.
#[derive(Debug, Clone)]
pub struct PitchEnv {
    t_s: f32,
    dt_s: f32,
}

/// A stage's runtime state.
#[derive(Debug, Clone)]
pub enum Kernel {
    /// `oscillator`.
    Osc(Oscillator),
    /// `noise`.
    Noise(NoiseKernel),
    /// `supersaw`.
    Supersaw(Box<Supersaw>),
    /// `sub`.
    Sub(Oscillator),
    /// `fm`.
    Fm(Box<Fm6>),
    /// `adsr`.
    Adsr(Adsr),
    /// `ar`.
    Ar(Ar),
    /// `pitch_env`.
    PitchEnv(PitchEnv),
    /// `lfo`.
    Lfo(Lfo, f32, f32),
    /// `svf` (left, right).
    Svf(Box<[Svf; 2]>),
    /// `ladder`.
    Ladder(Box<[Ladder; 2]>),
    /// `diode_ladder`.
    Diode(Box<[DiodeLadder; 2]>),
    /// `amp`.
    Amp,
    /// `pan`.
    Pan,
    /// `width`.
    Width,
    /// `saturation`.
    Saturation(Box<[Saturator; 2]>),
    /// `bitcrush`.
    Bitcrush(Box<[Bitcrusher; 2]>),
    /// `chorus`.
    Chorus(Box<Chorus>),
    /// `flanger`.
    Flanger(Box<Flanger>),
    /// `phaser`.
    Phaser(Box<Phaser>),
    /// `delay`.
    Delay(Box<StereoDelay>),
    /// `reverb`.
    Reverb(Box<Reverb>),
    /// `compressor`.
    Compressor(Box<Compressor>),
    /// `eq`.
    Eq(Box<[Biquad; 2]>),
    /// `limiter`.
    Limiter(Box<Limiter>),
    /// `output`.
    Output,
}

fn waveform(index: f32) -> Waveform {
    match index as usize {
        0 => Waveform::Sine,
        1 => Waveform::Saw,
        2 => Waveform::Square,
        3 => Waveform::Pulse,
        _ => Waveform::Triangle,
    }
}

fn lfo_shape(index: f32) -> LfoShape {
    match index as usize {
        0 => LfoShape::Sine,
        1 => LfoShape::Triangle,
        2 => LfoShape::SawUp,
        3 => LfoShape::SawDown,
        4 => LfoShape::Square,
        _ => LfoShape::SampleAndHold,
    }
}

fn sat_curve(index: f32) -> SatCurve {
    match index as usize {
        0 => SatCurve::Tanh,
        1 => SatCurve::HardClip,
        2 => SatCurve::Foldback,
        _ => SatCurve::Asymmetric,
    }
}

fn biquad_kind(index: f32) -> BiquadKind {
    match index as usize {
        0 => BiquadKind::Peak,
        1 => BiquadKind::LowShelf,
        2 => BiquadKind::HighShelf,
        3 => BiquadKind::Highpass,
        4 => BiquadKind::Lowpass,
        5 => BiquadKind::Notch,
        _ => BiquadKind::Bandpass,
    }
}

/// Mixes stereo-or-mono input into a mono signal (average of L and R when stereo).
#[inline]
fn mono_of(n: usize, l: &[f32], r: &[f32], stereo: bool, out: &mut [f32]) {
    if stereo {
        for i in 0..n {
            out[i] = 0.5 * (l[i] + r[i]);
        }
    } else {
        out[..n].copy_from_slice(&l[..n]);
    }
}

impl Kernel {
    /// Builds the kernel for stage type `name` with its constant parameter values.
    pub fn new(name: &str, values: &[f32], sample_rate: f32, seed: u64) -> Kernel {
        let v = |i: usize| values.get(i).copied().unwrap_or(0.0);
        match name {
            "oscillator" => {
                let mut o = Oscillator::new(sample_rate);
                o.set_waveform(waveform(v(0)));
                Kernel::Osc(o)
            }
            "noise" => Kernel::Noise(if v(0) as usize == 0 {
                NoiseKernel::White(WhiteNoise::new(seed))
            } else {
                NoiseKernel::Pink(PinkNoise::new(seed))
            }),
            "supersaw" => {
                let mut s = Supersaw::new(sample_rate, seed);
                s.set_voices(v(0) as usize);
                Kernel::Supersaw(Box::new(s))
            }
            "sub" => {
                let mut o = Oscillator::new(sample_rate);
                o.set_waveform(match v(1) as usize {
                    0 => Waveform::Sine,
                    1 => Waveform::Square,
                    _ => Waveform::Triangle,
                });
                Kernel::Sub(o)
            }
            "fm" => {
                let mut f = Fm6::new(sample_rate);
                f.set_algorithm(v(0) as usize);
                Kernel::Fm(Box::new(f))
            }
            "adsr" => Kernel::Adsr(Adsr::new(sample_rate)),
            "ar" => Kernel::Ar(Ar::new(sample_rate)),
            "pitch_env" => Kernel::PitchEnv(PitchEnv {
                t_s: f32::MAX,
                dt_s: 1.0 / sample_rate,
            }),
            "lfo" => {
                let mut l = Lfo::new(sample_rate, seed);
                l.set_shape(lfo_shape(v(0)));
                Kernel::Lfo(l, 0.0, sample_rate)
            }
            "svf" => Kernel::Svf(Box::new([Svf::new(sample_rate), Svf::new(sample_rate)])),
            "ladder" => Kernel::Ladder(Box::new([
                Ladder::new(sample_rate),
                Ladder::new(sample_rate),
            ])),
            "diode_ladder" => Kernel::Diode(Box::new([
                DiodeLadder::new(sample_rate),
                DiodeLadder::new(sample_rate),
            ])),
            "amp" => Kernel::Amp,
            "pan" => Kernel::Pan,
            "width" => Kernel::Width,
            "saturation" => Kernel::Saturation(Box::new([
                Saturator::new(sample_rate),
                Saturator::new(sample_rate),
            ])),
            "bitcrush" => Kernel::Bitcrush(Box::new([
                Bitcrusher::new(sample_rate, seed),
                Bitcrusher::new(sample_rate, seed ^ 1),
            ])),
            "chorus" => Kernel::Chorus(Box::new(Chorus::new(sample_rate, seed))),
            "flanger" => Kernel::Flanger(Box::new(Flanger::new(sample_rate))),
            "phaser" => Kernel::Phaser(Box::new(Phaser::new(sample_rate))),
            "delay" => Kernel::Delay(Box::new(StereoDelay::new(sample_rate, 4.5))),
            "reverb" => Kernel::Reverb(Box::new(Reverb::new(sample_rate))),
            "compressor" => Kernel::Compressor(Box::new(Compressor::new(sample_rate))),
            "eq" => Kernel::Eq(Box::new([
                Biquad::new(sample_rate),
                Biquad::new(sample_rate),
            ])),
            "limiter" => Kernel::Limiter(Box::new(Limiter::new(sample_rate))),
            _ => Kernel::Output,
        }
    }

    /// Applies block-rate settings from the first frame's parameter values. Called once per
    /// block before `process`.
    pub fn apply_block_params(&mut self, p: &[ParamBlock]) {
        let v = |i: usize| p[i].at(0);
        match self {
            Kernel::Supersaw(s) => {
                s.set_detune(v(1));
                s.set_mix(v(2));
                s.set_stereo_width(v(3));
            }
            Kernel::Fm(f) => {
                f.set_feedback(v(1));
                // Fm6 numbers its operators 1..=6, as the DX7 does.
                for index in 0..6 {
                    let b = 3 + index * FM_PARAMS_PER_OP;
                    let op = index + 1;
                    f.set_op_ratio(op, v(b));
                    f.set_op_detune_cents(op, v(b + 1) * 100.0);
                    // "now": a modulated operator level must change the sounding note too.
                    f.set_op_level_now(op, v(b + 2));
                    f.set_op_attack_s(op, v(b + 3));
                    f.set_op_decay_s(op, v(b + 4));
                    f.set_op_sustain(op, v(b + 5));
                    f.set_op_release_s(op, v(b + 6));
                }
            }
            Kernel::Adsr(e) => {
                e.set_attack_s(v(0));
                e.set_decay_s(v(1));
                e.set_sustain(v(2));
                e.set_release_s(v(3));
                e.set_curve(v(4));
            }
            Kernel::Ar(e) => {
                e.set_attack_s(v(0));
                e.set_release_s(v(1));
                e.set_curve(v(2));
                e.set_one_shot(v(3) > 0.5);
            }
            Kernel::Lfo(l, _, _) => l.set_rate_hz(v(1)),
            Kernel::Saturation(s) => {
                for k in s.iter_mut() {
                    k.set_curve(sat_curve(v(0)));
                    k.set_drive_db(v(1));
                    k.set_mix(v(2));
                    k.set_output_gain_db(v(3));
                }
            }
            Kernel::Bitcrush(b) => {
                for k in b.iter_mut() {
                    k.set_bits(v(0));
                    k.set_downsample_hz(v(1));
                    k.set_mix(v(2));
                }
            }
            Kernel::Chorus(c) => {
                c.set_rate_hz(v(0));
                c.set_depth(v(1));
                c.set_mix(v(2));
                c.set_stereo_width(v(3));
            }
            Kernel::Flanger(f) => {
                f.set_rate_hz(v(0));
                f.set_depth(v(1));
                f.set_delay_ms(v(2) * 1000.0);
                f.set_feedback(v(3));
                f.set_mix(v(4));
            }
            Kernel::Phaser(ph) => {
                ph.set_rate_hz(v(0));
                ph.set_depth(v(1));
                ph.set_stages(v(2) as usize);
                ph.set_feedback(v(3));
                ph.set_mix(v(4));
            }
            Kernel::Delay(d) => {
                d.set_time_s(v(0), v(0));
                d.set_feedback(v(1));
                d.set_ping_pong(v(2) > 0.5);
                d.set_feedback_lowcut_hz(v(3));
                d.set_feedback_highcut_hz(v(4));
                d.set_mix(v(5));
            }
            Kernel::Reverb(r) => {
                r.set_size(v(0));
                r.set_decay_s(v(1));
                r.set_damping(v(2));
                r.set_predelay_s(v(3));
                r.set_mix(v(4));
                r.set_width(v(5));
            }
            Kernel::Compressor(c) => {
                c.set_threshold_db(v(0));
                c.set_ratio(v(1));
                c.set_knee_db(v(2));
                c.set_attack_s(v(3));
                c.set_release_s(v(4));
                c.set_makeup_db(v(5));
                c.set_mix(v(6));
            }
            Kernel::Eq(e) => {
                for k in e.iter_mut() {
                    k.set(biquad_kind(v(0)), v(1), v(2), v(3));
                }
            }
            Kernel::Limiter(l) => {
                l.set_ceiling_db(v(0));
                l.set_release_s(v(1));
            }
            _ => {}
        }
    }

    /// Note-on for voice kernels: retrigger envelopes and oscillator phases.
    pub fn note_on(&mut self, p: &[ParamBlock], freq_hz: f32, velocity: f32, retrigger: bool) {
        if matches!(self, Kernel::Fm(_) | Kernel::Adsr(_) | Kernel::Ar(_)) {
            // Envelope times must be in place before the gate opens.
            self.apply_block_params(p);
        }
        match self {
            Kernel::Osc(o) if retrigger => o.set_phase(p[6].base),
            Kernel::Sub(o) if retrigger => o.set_phase(0.0),
            Kernel::Fm(f) if retrigger => f.note_on(freq_hz, velocity),
            Kernel::Adsr(e) if retrigger => e.gate_on(),
            Kernel::Ar(e) if retrigger => e.trigger(),
            Kernel::PitchEnv(pe) if retrigger => pe.t_s = 0.0,
            Kernel::Lfo(l, fade, _) if retrigger => {
                if p[3].base > 0.5 {
                    l.set_phase(p[2].base);
                }
                *fade = 0.0;
            }
            _ => {}
        }
    }

    /// Note-off for voice kernels.
    pub fn note_off(&mut self) {
        match self {
            Kernel::Fm(f) => f.note_off(),
            Kernel::Adsr(e) => e.gate_off(),
            Kernel::Ar(e) => e.gate_off(),
            _ => {}
        }
    }

    /// For envelope-like kernels: still producing output? Others return None.
    pub fn envelope_active(&self) -> Option<bool> {
        match self {
            Kernel::Adsr(e) => Some(!e.is_idle()),
            Kernel::Ar(e) => Some(!e.is_idle()),
            Kernel::Fm(f) => Some(f.is_active()),
            _ => None,
        }
    }

    /// Resets all state (new voice).
    pub fn reset(&mut self) {
        match self {
            Kernel::Osc(o) | Kernel::Sub(o) => o.reset(),
            Kernel::Noise(NoiseKernel::White(n)) => n.reset(),
            Kernel::Noise(NoiseKernel::Pink(n)) => n.reset(),
            Kernel::Supersaw(s) => s.reset(),
            Kernel::Fm(f) => f.reset(),
            Kernel::Adsr(e) => e.reset(),
            Kernel::Ar(e) => e.reset(),
            Kernel::PitchEnv(pe) => pe.t_s = f32::MAX,
            Kernel::Lfo(l, fade, _) => {
                l.reset();
                *fade = 0.0;
            }
            Kernel::Svf(f) => f.iter_mut().for_each(Svf::reset),
            Kernel::Ladder(f) => f.iter_mut().for_each(Ladder::reset),
            Kernel::Diode(f) => f.iter_mut().for_each(DiodeLadder::reset),
            Kernel::Saturation(s) => s.iter_mut().for_each(Saturator::reset),
            Kernel::Bitcrush(b) => b.iter_mut().for_each(Bitcrusher::reset),
            Kernel::Chorus(c) => c.reset(),
            Kernel::Flanger(f) => f.reset(),
            Kernel::Phaser(ph) => ph.reset(),
            Kernel::Delay(d) => d.reset(),
            Kernel::Reverb(r) => r.reset(),
            Kernel::Compressor(c) => c.reset(),
            Kernel::Eq(e) => e.iter_mut().for_each(Biquad::reset),
            Kernel::Limiter(l) => l.reset(),
            Kernel::Amp | Kernel::Pan | Kernel::Width | Kernel::Output => {}
        }
    }

    /// Processes one block. `inp` holds the summed input (`stereo_in` says whether R is
    /// meaningful); the output goes to `out_l`/`out_r` (R only when the node is stereo).
    /// Returns whether the output is stereo.
    #[allow(clippy::too_many_arguments)] // (reason: one call site; bundling would only rename the same values)
    pub fn process(
        &mut self,
        ctx: &BlockCtx<'_>,
        p: &[ParamBlock],
        in_l: &[f32],
        in_r: &[f32],
        stereo_in: bool,
        out_l: &mut [f32],
        out_r: &mut [f32],
        scratch: &mut [f32],
    ) -> bool {
        let n = ctx.n;
        let note_hz = |i: usize| {
            if ctx.note_hz.is_empty() {
                261.626
            } else {
                ctx.note_hz[i]
            }
        };
        match self {
            Kernel::Osc(o) => {
                let fixed = p[5].base;
                let pitch_modulated = p[1].modulated || p[2].modulated;
                let constant_ratio = tonewheel_dsp::fastmath::exp2((p[1].base + p[2].base) / 12.0);
                let steady = !pitch_modulated && (fixed > 0.0 || ctx.note_steady);
                if p[4].modulated {
                    // Pulse-width modulation: the width changes every sample.
                    for i in 0..n {
                        let base = if fixed > 0.0 { fixed } else { note_hz(i) };
                        let ratio = if pitch_modulated {
                            tonewheel_dsp::fastmath::exp2((p[1].at(i) + p[2].at(i)) / 12.0)
                        } else {
                            constant_ratio
                        };
                        o.set_freq_hz(base * ratio);
                        o.set_pulse_width(p[4].buf[i]);
                        out_l[i] = o.tick();
                    }
                } else {
                    o.set_pulse_width(p[4].base);
                    if steady {
                        let base = if fixed > 0.0 { fixed } else { note_hz(0) };
                        o.set_freq_hz(base * constant_ratio);
                        o.process(&mut out_l[..n]);
                    } else {
                        for i in 0..n {
                            let base = if fixed > 0.0 { fixed } else { note_hz(i) };
                            let ratio = if pitch_modulated {
                                tonewheel_dsp::fastmath::exp2((p[1].at(i) + p[2].at(i)) / 12.0)
                            } else {
                                constant_ratio
                            };
                            scratch[i] = base * ratio;
                        }
                        o.process_fm(&mut out_l[..n], &scratch[..n]);
                    }
                }
                scale_by(&mut out_l[..n], &p[3]);
                false
            }
            Kernel::Sub(o) => {
                let ratio = tonewheel_dsp::fastmath::exp2(p[0].base);
                if ctx.note_steady {
                    o.set_freq_hz(note_hz(0) * ratio);
                    o.process(&mut out_l[..n]);
                } else {
                    for i in 0..n {
                        scratch[i] = note_hz(i) * ratio;
                    }
                    o.process_fm(&mut out_l[..n], &scratch[..n]);
                }
                scale_by(&mut out_l[..n], &p[2]);
                false
            }
            Kernel::Noise(k) => {
                match k {
                    NoiseKernel::White(w) => w.process(&mut out_l[..n]),
                    NoiseKernel::Pink(pk) => pk.process(&mut out_l[..n]),
                }
                scale_by(&mut out_l[..n], &p[1]);
                false
            }
            Kernel::Supersaw(s) => {
                let semis = p[4].at(0) + p[5].at(0);
                s.set_freq_hz(note_hz(0) * tonewheel_dsp::fastmath::exp2(semis / 12.0));
                s.process_stereo(&mut out_l[..n], &mut out_r[..n]);
                scale_by(&mut out_l[..n], &p[6]);
                scale_by(&mut out_r[..n], &p[6]);
                true
            }
            Kernel::Fm(f) => {
                f.set_freq_hz(note_hz(0));
                f.process(&mut out_l[..n]);
                scale_by(&mut out_l[..n], &p[2]);
                false
            }
            Kernel::Adsr(e) => {
                e.process(&mut out_l[..n]);
                false
            }
            Kernel::Ar(e) => {
                e.process(&mut out_l[..n]);
                false
            }
            Kernel::PitchEnv(pe) => {
                let decay = p[0].base.max(1e-4);
                let curve = p[1].base;
                // Blend of a linear fall and an exponential one reaching -60 dB at `decay`.
                let k = 6.907_755 / decay;
                let c = curve.clamp(0.0, 1.0);
                for v in out_l.iter_mut().take(n) {
                    let t = pe.t_s;
                    *v = if t >= decay {
                        0.0
                    } else {
                        let lin = 1.0 - t / decay;
                        let expo = tonewheel_dsp::fastmath::exp2(-k * t * std::f32::consts::LOG2_E);
                        (1.0 - c) * lin + c * expo
                    };
                    pe.t_s = if t < decay { t + pe.dt_s } else { t };
                }
                false
            }
            Kernel::Lfo(l, fade, sample_rate) => {
                l.process(&mut out_l[..n]);
                let delay = p[4].base;
                if delay > 0.0 {
                    let step = 1.0 / (delay * *sample_rate);
                    for v in out_l.iter_mut().take(n) {
                        *fade = (*fade + step).min(1.0);
                        *v *= *fade;
                    }
                }
                false
            }
            Kernel::Amp => {
                // gain(i) = dB(gain) * level: per-frame only for what is modulated.
                if p[0].modulated {
                    for i in 0..n {
                        scratch[i] = db_to_gain(p[0].buf[i]);
                    }
                } else {
                    scratch[..n].fill(db_to_gain(p[0].base));
                }
                scale_by(&mut scratch[..n], &p[1]);
                for i in 0..n {
                    out_l[i] = in_l[i] * scratch[i];
                }
                if stereo_in {
                    for i in 0..n {
                        out_r[i] = in_r[i] * scratch[i];
                    }
                }
                stereo_in
            }
            Kernel::Pan => {
                mono_of(n, in_l, in_r, stereo_in, scratch);
                if p[0].modulated {
                    for i in 0..n {
                        let (gl, gr) = equal_power_pan(p[0].buf[i]);
                        out_l[i] = scratch[i] * gl;
                        out_r[i] = scratch[i] * gr;
                    }
                } else {
                    let (gl, gr) = equal_power_pan(p[0].base);
                    for i in 0..n {
                        out_l[i] = scratch[i] * gl;
                        out_r[i] = scratch[i] * gr;
                    }
                }
                true
            }
            Kernel::Width => {
                for i in 0..n {
                    let (l, r) = if stereo_in {
                        (in_l[i], in_r[i])
                    } else {
                        (in_l[i], in_l[i])
                    };
                    let mid = 0.5 * (l + r);
                    let side = 0.5 * (l - r) * p[0].at(i);
                    out_l[i] = mid + side;
                    out_r[i] = mid - side;
                }
                true
            }
            _ => {
                // In-place kernels: the input becomes the output buffer, then is filtered.
                out_l[..n].copy_from_slice(&in_l[..n]);
                if stereo_in {
                    out_r[..n].copy_from_slice(&in_r[..n]);
                }
                self.process_in_place(ctx, p, stereo_in, out_l, out_r)
            }
        }
    }

    /// True for the kernels that transform their input in place (filters, shapers and
    /// effects): the engine can sum their inputs straight into the output buffers and call
    /// [`Kernel::process_in_place`], saving a copy per block.
    pub fn in_place(&self) -> bool {
        matches!(
            self,
            Kernel::Svf(_)
                | Kernel::Ladder(_)
                | Kernel::Diode(_)
                | Kernel::Saturation(_)
                | Kernel::Bitcrush(_)
                | Kernel::Eq(_)
                | Kernel::Chorus(_)
                | Kernel::Flanger(_)
                | Kernel::Phaser(_)
                | Kernel::Delay(_)
                | Kernel::Reverb(_)
                | Kernel::Compressor(_)
                | Kernel::Limiter(_)
                | Kernel::Output
        )
    }

    /// Whether a global stage whose input has gone silent may stop running: its state has
    /// decayed so far that silent input keeps its output silent, exactly (stateless stages,
    /// an EQ whose memory flushed to zero) or below [`SLEEP_FLOOR`] (the reverb's and the
    /// delay's tails, whose memory the engine then clears). `None` for the kernels that never
    /// sleep (sources, modulators and the rest). May scan the kernel's buffers: the engine
    /// asks only when the stage's output is already below the floor, and rarely.
    pub fn settled(&self) -> Option<bool> {
        match self {
            Kernel::Amp | Kernel::Pan | Kernel::Width | Kernel::Output => Some(true),
            Kernel::Eq(e) => Some(e.iter().all(Biquad::is_at_rest)),
            Kernel::Reverb(r) => Some(r.state_peak() < SLEEP_FLOOR),
            Kernel::Delay(d) => Some(d.state_peak() < SLEEP_FLOOR),
            _ => None,
        }
    }

    /// True for the kernels that read their audio input (processors); sources and
    /// modulators ignore it, so the engine need not clear it for them.
    pub fn reads_input(&self) -> bool {
        self.in_place() || matches!(self, Kernel::Amp | Kernel::Pan | Kernel::Width)
    }

    /// Processes one block of an [`in_place`](Self::in_place) kernel: `out_l` (and `out_r`
    /// when `stereo_in`) hold the input on entry and the output on return. Returns whether
    /// the output is stereo. Other kernels leave the buffers alone and return `stereo_in`.
    pub fn process_in_place(
        &mut self,
        ctx: &BlockCtx<'_>,
        p: &[ParamBlock],
        stereo_in: bool,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) -> bool {
        let n = ctx.n;
        match self {
            Kernel::Svf(f) => {
                let mode = match p[0].base as usize {
                    0 => SvfMode::Lowpass,
                    1 => SvfMode::Highpass,
                    2 => SvfMode::Bandpass,
                    _ => SvfMode::Notch,
                };
                let io = FilterIo {
                    n,
                    stereo_in,
                    note: ctx.note,
                    p,
                };
                io.run(f, 1, out_l, out_r, |filt| filt.set_mode(mode))
            }
            Kernel::Ladder(f) => {
                let io = FilterIo {
                    n,
                    stereo_in,
                    note: ctx.note,
                    p,
                };
                io.run(f, 0, out_l, out_r, |filt| filt.set_drive(p[3].base))
            }
            Kernel::Diode(f) => {
                let io = FilterIo {
                    n,
                    stereo_in,
                    note: ctx.note,
                    p,
                };
                io.run(f, 0, out_l, out_r, |_| {})
            }
            Kernel::Saturation(s) => per_channel(s, n, stereo_in, out_l, out_r, Saturator::process),
            Kernel::Bitcrush(b) => per_channel(b, n, stereo_in, out_l, out_r, Bitcrusher::process),
            Kernel::Eq(e) => per_channel(e, n, stereo_in, out_l, out_r, Biquad::process),
            Kernel::Chorus(_)
            | Kernel::Flanger(_)
            | Kernel::Phaser(_)
            | Kernel::Delay(_)
            | Kernel::Reverb(_)
            | Kernel::Compressor(_)
            | Kernel::Limiter(_)
            | Kernel::Output => {
                if !stereo_in {
                    out_r[..n].copy_from_slice(&out_l[..n]);
                }
                let (l, r) = (&mut out_l[..n], &mut out_r[..n]);
                match self {
                    Kernel::Chorus(c) => c.process_stereo(l, r),
                    Kernel::Flanger(f) => f.process_stereo(l, r),
                    Kernel::Phaser(ph) => ph.process_stereo(l, r),
                    Kernel::Delay(d) => d.process_stereo(l, r),
                    Kernel::Reverb(rv) => rv.process_stereo(l, r),
                    Kernel::Compressor(c) => c.process_stereo(l, r),
                    Kernel::Limiter(lim) => lim.process_stereo(l, r),
                    _ => {
                        if p[0].modulated {
                            for i in 0..n {
                                let gain = db_to_gain(p[0].buf[i]);
                                l[i] *= gain;
                                r[i] *= gain;
                            }
                        } else if p[0].base != 0.0 {
                            let gain = db_to_gain(p[0].base);
                            l.iter_mut().for_each(|x| *x *= gain);
                            r.iter_mut().for_each(|x| *x *= gain);
                        }
                    }
                }
                true
            }
            // Not in-place kernels: nothing to do here (see `in_place`).
            _ => stereo_in,
        }
    }
}

/// Multiplies `buf` by a parameter: per frame when modulated, else by its base value
/// (skipped when that is exactly 1, the usual level).
#[inline]
fn scale_by(buf: &mut [f32], p: &ParamBlock) {
    if p.modulated {
        for (x, g) in buf.iter_mut().zip(&p.buf) {
            *x *= g;
        }
    } else if p.base != 1.0 {
        let g = p.base;
        buf.iter_mut().for_each(|x| *x *= g);
    }
}

/// The resonant filters' common controls, so one routine drives all three per channel.
trait ResonantFilter {
    fn set_cutoff_hz(&mut self, cutoff_hz: f32);
    fn set_resonance(&mut self, resonance: f32);
    fn process(&mut self, buf: &mut [f32]);
}

macro_rules! resonant_filter {
    ($($t:ty),*) => {$(
        impl ResonantFilter for $t {
            fn set_cutoff_hz(&mut self, cutoff_hz: f32) {
                <$t>::set_cutoff_hz(self, cutoff_hz);
            }
            fn set_resonance(&mut self, resonance: f32) {
                <$t>::set_resonance(self, resonance);
            }
            fn process(&mut self, buf: &mut [f32]) {
                <$t>::process(self, buf);
            }
        }
    )*};
}
resonant_filter!(Svf, Ladder, DiodeLadder);

/// What a filter stage needs of the block to run its per-channel filters.
struct FilterIo<'a> {
    n: usize,
    stereo_in: bool,
    note: f32,
    p: &'a [ParamBlock],
}

impl FilterIo<'_> {
    /// Filters the output buffers in place, the left channel always and the right one when
    /// the input is stereo. Cutoff, resonance and key tracking are the parameters at
    /// `first`, `first + 1` and `first + 2`; `prepare` applies the type's own settings.
    /// When cutoff or resonance is modulated the block runs in CONTROL_INTERVAL slices, each
    /// with the values (cutoff key-tracked) at its first frame.
    fn run<F: ResonantFilter>(
        &self,
        filters: &mut [F; 2],
        first: usize,
        out_l: &mut [f32],
        out_r: &mut [f32],
        mut prepare: impl FnMut(&mut F),
    ) -> bool {
        let (cutoff, resonance, key_track) =
            (&self.p[first], &self.p[first + 1], &self.p[first + 2]);
        let track = tonewheel_dsp::fastmath::exp2(key_track.base * (self.note - 60.0) / 12.0);
        let n = self.n;
        let step = if cutoff.modulated || resonance.modulated {
            CONTROL_INTERVAL
        } else {
            n.max(1)
        };
        let chans = if self.stereo_in { 2 } else { 1 };
        for (c, filt) in filters.iter_mut().enumerate().take(chans) {
            prepare(filt);
            let buf: &mut [f32] = if c == 0 { &mut *out_l } else { &mut *out_r };
            let mut start = 0;
            while start < n {
                let end = (start + step).min(n);
                filt.set_cutoff_hz((cutoff.at(start) * track).clamp(20.0, 20_000.0));
                filt.set_resonance(resonance.at(start));
                filt.process(&mut buf[start..end]);
                start = end;
            }
        }
        self.stereo_in
    }
}

/// Runs a kernel that keeps one instance per channel on the output buffers in place: the
/// left one always, the right one when the input is stereo. Returns whether the output is
/// stereo.
fn per_channel<K>(
    kernels: &mut [K; 2],
    n: usize,
    stereo_in: bool,
    out_l: &mut [f32],
    out_r: &mut [f32],
    process: fn(&mut K, &mut [f32]),
) -> bool {
    process(&mut kernels[0], &mut out_l[..n]);
    if stereo_in {
        process(&mut kernels[1], &mut out_r[..n]);
    }
    stereo_in
}

/// True for the parameters a stage reads only every [`CONTROL_INTERVAL`] frames (at the
/// start of each slice of `FilterIo::run`): the engine converts modulation to values only
/// on those frames. Parameter indices as in `spec.rs`.
pub fn read_at_control_rate(stage: &str, param: usize) -> bool {
    match stage {
        "svf" => param == 1 || param == 2,
        "ladder" | "diode_ladder" => param == 0 || param == 1,
        _ => false,
    }
}
