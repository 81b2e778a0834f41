//! The two comparison chains written for `fundsp` 0.23 with its idiomatic building blocks:
//! its wavetable saw, `moog` ladder, `envelope` (control rate, 2 ms), `shape(Tanh)`, its
//! 32-line FDN `reverb_stereo` and `limiter_stereo`, processed in 64-frame blocks.
//! Shared by the criterion bench and the `fundsp_chains` example (by `#[path]`), because
//! fundsp is a dev-dependency only.

use fundsp::prelude::*;
use tonewheel_bench::params::*;
use tonewheel_bench::{CHAIN_HOLD_S, RATE_HZ, RENDER_S, RICH_NOTE, SIMPLE_NOTE};

/// Linear-segment ADSR value at time `t_s` for a note released at `hold_s` (fundsp side).
fn adsr_at(t_s: f32, adsr: [f32; 4], hold_s: f32) -> f32 {
    let [a, d, s, r] = adsr;
    let held = |t: f32| {
        if t < a {
            t / a
        } else if t < a + d {
            1.0 - (1.0 - s) * (t - a) / d
        } else {
            s
        }
    };
    if t_s < hold_s {
        held(t_s)
    } else {
        held(hold_s) * (1.0 - (t_s - hold_s) / r).max(0.0)
    }
}

fn midi_hz(note: u8) -> f32 {
    440.0 * 2f32.powf((f32::from(note) - 69.0) / 12.0)
}

/// Renders `unit` (no inputs, two outputs) for the benchmark length in 64-frame blocks.
pub fn run_fundsp(unit: &mut dyn AudioUnit) -> (Vec<f32>, Vec<f32>) {
    let frames = (RENDER_S * f64::from(RATE_HZ)) as usize;
    let mut left = Vec::with_capacity(frames);
    let mut right = Vec::with_capacity(frames);
    let input = BufferVec::new(0);
    let mut output = BufferArray::<U2>::new();
    let mut done = 0;
    while done < frames {
        let n = Ord::min(frames - done, MAX_BUFFER_SIZE);
        unit.process(n, &input.buffer_ref(), &mut output.buffer_mut());
        left.extend_from_slice(&output.channel_f32(0)[..n]);
        right.extend_from_slice(&output.channel_f32(1)[..n]);
        done += n;
    }
    (left, right)
}

pub fn fundsp_simple() -> Box<dyn AudioUnit> {
    let hold = CHAIN_HOLD_S as f32;
    let cutoff = envelope(move |t: f32| {
        SIMPLE_CUTOFF_HZ * 2f32.powf(SIMPLE_ENV_SEMITONES * adsr_at(t, FILTER_ADSR, hold) / 12.0)
    });
    let amp = envelope(move |t: f32| adsr_at(t, AMP_ADSR, hold));
    let mut unit = Box::new(
        (((sine_hz::<f32>(midi_hz(SIMPLE_NOTE)) | cutoff) >> moog_q::<f32>(RESONANCE)) * amp)
            >> pan(PAN),
    );
    unit.set_sample_rate(f64::from(RATE_HZ));
    unit.allocate();
    unit
}

pub fn fundsp_rich() -> Box<dyn AudioUnit> {
    let hold = CHAIN_HOLD_S as f32;
    let f = midi_hz(RICH_NOTE);
    // Szabo's detune offsets for 7 saws at the same detune amount as the tonewheel chain.
    let d = 0.35 * 0.1;
    let ratio = |k: f32| 1.0 + k * d / 3.0;
    let saws = saw_hz(f * ratio(-3.0))
        + saw_hz(f * ratio(-2.0))
        + saw_hz(f * ratio(-1.0))
        + saw_hz(f)
        + saw_hz(f * ratio(1.0))
        + saw_hz(f * ratio(2.0))
        + saw_hz(f * ratio(3.0));
    let amp = envelope(move |t: f32| adsr_at(t, AMP_ADSR, hold));
    let drive = 10f32.powf(DRIVE_DB / 20.0);
    let mut unit = Box::new(
        ((((saws * 0.15) >> moog_hz::<f32>(RICH_CUTOFF_HZ, RESONANCE)) * amp)
            >> shape(Tanh(drive)))
            >> split::<U2>()
            >> ((multipass::<U2>() * (1.0 - REVERB_MIX))
                & (reverb_stereo(10.0, f64::from(REVERB_DECAY_S), 0.5) * REVERB_MIX))
            >> limiter_stereo(0.005, LIMITER[1]),
    );
    unit.set_sample_rate(f64::from(RATE_HZ));
    unit.allocate();
    unit
}
