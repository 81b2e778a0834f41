//! Synthetic accuracy and robustness tests of the MIR algorithms (`tonewheel_analysis::mir`),
//! fed exactly as the engine feeds them: mono 22 050 Hz, centred Hann STFT 2048/512.

#[path = "mir_suite/support.rs"]
mod support;

#[path = "mir_suite/tempo.rs"]
mod tempo;

#[path = "mir_suite/key.rs"]
mod key;

#[path = "mir_suite/pitch.rs"]
mod pitch;

#[path = "mir_suite/novelty.rs"]
mod novelty;

#[path = "mir_suite/hostile.rs"]
mod hostile;
