//! [`Role`]: what a sound is for in a track. Shared vocabulary of presets, quality
//! assessment, search and arrangement, so it lives in the bottom crate.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The musical role of a sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sustained, usually slow-attack harmonic bed.
    Pad,
    /// Low-register line; most energy below ~300 Hz.
    Bass,
    /// Melodic foreground voice.
    Lead,
    /// Short plucked tone with fast decay.
    Pluck,
    /// Piano, organ, electric piano and other keyboard tones.
    Keys,
    /// Sequenced/arpeggiated tone, short notes.
    Arp,
    /// Kick drum.
    Kick,
    /// Snare drum.
    Snare,
    /// Hand clap.
    Clap,
    /// Hi-hat or cymbal.
    Hat,
    /// Other percussion (toms, rims, shakers, cowbells).
    Perc,
    /// Effects: risers, impacts, sweeps, noises.
    Fx,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 12] = [
        Role::Pad,
        Role::Bass,
        Role::Lead,
        Role::Pluck,
        Role::Keys,
        Role::Arp,
        Role::Kick,
        Role::Snare,
        Role::Clap,
        Role::Hat,
        Role::Perc,
        Role::Fx,
    ];

    /// Lower-case name as used in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Role::Pad => "pad",
            Role::Bass => "bass",
            Role::Lead => "lead",
            Role::Pluck => "pluck",
            Role::Keys => "keys",
            Role::Arp => "arp",
            Role::Kick => "kick",
            Role::Snare => "snare",
            Role::Clap => "clap",
            Role::Hat => "hat",
            Role::Perc => "perc",
            Role::Fx => "fx",
        }
    }

    /// True for drum/percussion roles (one-shot sounds whose pitch is secondary).
    pub fn is_percussive(self) -> bool {
        matches!(
            self,
            Role::Kick | Role::Snare | Role::Clap | Role::Hat | Role::Perc
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for a role name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role \"{found}\": expected one of pad, bass, lead, pluck, keys, arp, kick, snare, clap, hat, perc, fx")]
pub struct UnknownRole {
    /// The name that was given.
    pub found: String,
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.name() == lower)
            .ok_or(UnknownRole {
                found: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.name().parse::<Role>().unwrap(), r);
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.name())
            );
        }
        assert!("drum".parse::<Role>().is_err());
    }
}
