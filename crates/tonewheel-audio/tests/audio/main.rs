//! Integration tests of tonewheel-audio, compiled as one test binary.

mod common;
mod formats;
mod hostile;
mod roundtrip;
mod streaming;
