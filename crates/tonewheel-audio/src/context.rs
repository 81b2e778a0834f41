//! [`MusicalContext`]: tempo, key, scale and metre a sound or analysis is judged in.

use serde::{Deserialize, Serialize};

/// The musical frame a render or an assessment runs in (seed 000 §3.1 "context").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MusicalContext {
    /// Tempo in beats (quarter notes) per minute; tempo-synced stages derive times from it.
    pub tempo_bpm: f64,
    /// Tonic pitch class, 0 = C, 1 = C#, ... 11 = B.
    pub key: u8,
    /// Scale name (`major`, `minor`, `dorian`, ...).
    pub scale: String,
    /// Time signature as (beats per bar, beat unit).
    pub time_signature: (u8, u8),
    /// Tuning of A4 in Hz.
    pub a4_hz: f64,
}

impl Default for MusicalContext {
    /// 120 BPM, C major, 4/4, A4 = 440 Hz: the conventional default of DAWs.
    fn default() -> Self {
        Self {
            tempo_bpm: 120.0,
            key: 0,
            scale: "major".into(),
            time_signature: (4, 4),
            a4_hz: 440.0,
        }
    }
}
