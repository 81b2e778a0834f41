//! Real-time-safe DSP kernels: the sample-level building blocks of tonewheel's synthesis engine.
//!
//! This crate owns oscillators (band-limited with PolyBLEP), noise, supersaw, a 6-operator FM
//! block, envelopes, LFOs, zero-delay-feedback filters, saturation with antiderivative
//! anti-aliasing, and the effects (delay, chorus, flanger, phaser, reverb, compressor, EQ,
//! limiter) that presets are built from.
//!
//! # Rules every kernel follows
//! - **Allocate only in constructors / `prepare`.** `process*` / `tick*` methods never allocate,
//!   lock, do I/O or panic; delay lines are sized for their documented maximum up front.
//! - **Deterministic.** Randomness comes from [`rng::Rng32`], seeded by the caller.
//! - **Denormal-safe.** Feedback paths flush tiny values with [`math::flush_denormal`].
//! - **Units in names.** `cutoff_hz`, `attack_s`, `gain_db`, `pan` (-1..1).
//!
//! # Example
//! ```
//! use tonewheel_dsp::math::{db_to_gain, midi_to_hz};
//! assert!((midi_to_hz(69.0, 440.0) - 440.0).abs() < 1e-4);
//! assert!((db_to_gain(-6.0206) - 0.5).abs() < 1e-4);
//! ```

pub mod fastmath;
pub mod math;
pub mod rng;

// Oscillators and sources.
pub mod fm;
pub mod noise;
pub mod osc;
pub mod polyblep;
pub mod supersaw;

// Control sources.
pub mod envelope;
pub mod lfo;

// Filters.
pub mod biquad;
pub mod dc_block;
pub mod diode_ladder;
pub mod ladder;
pub mod svf;

// Effects.
pub mod bitcrush;
pub mod chorus;
pub mod compressor;
pub mod delay;
pub mod delay_line;
pub mod flanger;
pub mod limiter;
pub mod phaser;
pub mod reverb;
pub mod saturation;
