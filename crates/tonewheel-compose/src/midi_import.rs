//! MIDI import: a track of a Standard MIDI File as exact clip notes, or quantised to a grid
//! as a mini-notation pattern (note names, rests `~`, elongation `_`, one bar per cycle).
//!
//! MIDI files are hostile input: the file size is capped before parsing ([`MAX_MIDI_BYTES`];
//! `midly` then allocates at most in proportion to it), note counts and times are bounded
//! ([`MAX_CLIP_NOTES`], [`MAX_CLIP_BEATS`]) and every failure is a typed [`MidiImportError`].

use std::path::Path;

use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};
use thiserror::Error;

use crate::clip::{gm_symbol, Clip, ClipNote, MAX_CLIP_BEATS, MAX_CLIP_NOTES};
use crate::midi::GM_DRUM_CHANNEL;
use crate::theory::midi_to_name;

/// Largest MIDI file read, bytes (a dense orchestral file is well under 1 MB).
pub const MAX_MIDI_BYTES: u64 = 16 << 20;
/// Most bars a quantised pattern may span.
pub const MAX_PATTERN_BARS: usize = 64;
/// Grids accepted for quantising, steps per 4/4 bar.
pub const GRIDS: [u32; 6] = [4, 8, 12, 16, 24, 32];

/// Why a MIDI file could not be imported.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum MidiImportError {
    /// The file could not be read.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        reason: String,
    },
    /// The file is larger than [`MAX_MIDI_BYTES`].
    #[error("MIDI file of {bytes} bytes; at most {limit} accepted")]
    TooLarge {
        /// Size found.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The bytes are not a valid Standard MIDI File.
    #[error("not a valid MIDI file: {reason}")]
    Malformed {
        /// The parser's message.
        reason: String,
    },
    /// SMPTE time code files have no beats to place notes on.
    #[error("SMPTE time code timing is not supported; only metrical (ticks per beat) files")]
    Timecode,
    /// The requested track does not exist or has no notes.
    #[error("track {track}: {reason}")]
    Track {
        /// Track index asked for.
        track: usize,
        /// What is wrong.
        reason: String,
    },
    /// A limit on notes or time was exceeded.
    #[error("track {track}: {what}: at most {limit}, found {found}")]
    Limit {
        /// Track index.
        track: usize,
        /// Which limit.
        what: &'static str,
        /// The limit.
        limit: String,
        /// What the file has.
        found: String,
    },
    /// A quantising option is out of range.
    #[error("{what}: expected {expected}, found {found}")]
    Option {
        /// Which option.
        what: &'static str,
        /// What is accepted.
        expected: String,
        /// What was given.
        found: String,
    },
}

/// One track of an imported file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedTrack {
    /// Index in the file.
    pub index: usize,
    /// Track name meta event, if any.
    pub name: Option<String>,
    /// The notes, sorted by onset.
    pub clip: Clip,
    /// True when every note is on the General MIDI drum channel (10).
    pub drums: bool,
}

/// What an import found.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedMidi {
    /// Ticks per quarter note of the file.
    pub ticks_per_beat: u16,
    /// First tempo event in BPM, if any.
    pub bpm: Option<f64>,
    /// The chosen track.
    pub track: ImportedTrack,
}

/// Reads `path` (size checked first) and imports one track (see [`import_midi_bytes`]).
pub fn import_midi_file(
    path: &Path,
    track: Option<usize>,
) -> Result<ImportedMidi, MidiImportError> {
    use std::io::Read;
    let io = |e: std::io::Error| MidiImportError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    // Read one byte past the limit to tell "at the limit" from "over it" without trusting
    // the metadata's length.
    file.take(MAX_MIDI_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    import_midi_bytes(&bytes, track)
}

/// Imports track `track` of a Standard MIDI File (default: the first track with notes).
/// Notes on every channel of that track are kept; a note-on without its note-off ends at the
/// track's end; overlapping notes of the same key are closed in order.
pub fn import_midi_bytes(
    bytes: &[u8],
    track: Option<usize>,
) -> Result<ImportedMidi, MidiImportError> {
    if bytes.len() as u64 > MAX_MIDI_BYTES {
        return Err(MidiImportError::TooLarge {
            bytes: bytes.len() as u64,
            limit: MAX_MIDI_BYTES,
        });
    }
    let smf = Smf::parse(bytes).map_err(|e| MidiImportError::Malformed {
        reason: e.to_string(),
    })?;
    let ppq = match smf.header.timing {
        Timing::Metrical(t) if t.as_int() > 0 => t.as_int(),
        Timing::Metrical(_) => {
            return Err(MidiImportError::Malformed {
                reason: "zero ticks per beat".into(),
            })
        }
        Timing::Timecode(..) => return Err(MidiImportError::Timecode),
    };
    let bpm = smf.tracks.iter().flatten().find_map(|e| match e.kind {
        TrackEventKind::Meta(MetaMessage::Tempo(us)) if us.as_int() > 0 => {
            Some(60_000_000.0 / f64::from(us.as_int()))
        }
        _ => None,
    });
    let has_notes = |events: &[midly::TrackEvent<'_>]| {
        events.iter().any(|e| {
            matches!(
                e.kind,
                TrackEventKind::Midi {
                    message: MidiMessage::NoteOn { vel, .. },
                    ..
                } if vel.as_int() > 0
            )
        })
    };
    let index = match track {
        Some(i) => {
            if i >= smf.tracks.len() {
                return Err(MidiImportError::Track {
                    track: i,
                    reason: format!("the file has {} tracks (0-based)", smf.tracks.len()),
                });
            }
            i
        }
        None => smf
            .tracks
            .iter()
            .position(|t| has_notes(t))
            .ok_or(MidiImportError::Track {
                track: 0,
                reason: "no track of the file has notes".into(),
            })?,
    };
    let imported = read_track(&smf.tracks[index], index, ppq)?;
    if imported.clip.notes.is_empty() {
        return Err(MidiImportError::Track {
            track: index,
            reason: "no notes".into(),
        });
    }
    Ok(ImportedMidi {
        ticks_per_beat: ppq,
        bpm,
        track: imported,
    })
}

fn read_track(
    events: &[midly::TrackEvent<'_>],
    index: usize,
    ppq: u16,
) -> Result<ImportedTrack, MidiImportError> {
    let limit_ticks = (MAX_CLIP_BEATS * f64::from(ppq)) as u64;
    let too_long = |tick: u64| MidiImportError::Limit {
        track: index,
        what: "length in beats",
        limit: MAX_CLIP_BEATS.to_string(),
        found: format!("{:.0}", tick as f64 / f64::from(ppq)),
    };
    let mut tick = 0u64;
    let mut name = None;
    // Sounding notes per (channel, key): onset tick and velocity, oldest first.
    let mut open: Vec<(u8, u8, u64, u8)> = Vec::new();
    let mut notes: Vec<(u64, u64, u8, u8, u8)> = Vec::new();
    let close = |open: &mut Vec<(u8, u8, u64, u8)>,
                 notes: &mut Vec<(u64, u64, u8, u8, u8)>,
                 ch: u8,
                 key: u8,
                 at: u64| {
        if let Some(k) = open.iter().position(|o| o.0 == ch && o.1 == key) {
            let (_, _, on, vel) = open.remove(k);
            notes.push((on, at, ch, key, vel));
        }
    };
    for e in events {
        tick = tick.saturating_add(u64::from(e.delta.as_int()));
        if tick > limit_ticks {
            return Err(too_long(tick));
        }
        match e.kind {
            TrackEventKind::Meta(MetaMessage::TrackName(n)) if name.is_none() => {
                name = Some(String::from_utf8_lossy(n).chars().take(128).collect());
            }
            TrackEventKind::Midi { channel, message } => {
                let ch = channel.as_int();
                match message {
                    MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                        if notes.len() + open.len() >= MAX_CLIP_NOTES {
                            return Err(MidiImportError::Limit {
                                track: index,
                                what: "notes",
                                limit: MAX_CLIP_NOTES.to_string(),
                                found: format!("more than {MAX_CLIP_NOTES}"),
                            });
                        }
                        open.push((ch, key.as_int(), tick, vel.as_int()));
                    }
                    MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                        close(&mut open, &mut notes, ch, key.as_int(), tick);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    for (ch, key, on, vel) in std::mem::take(&mut open) {
        notes.push((on, tick, ch, key, vel));
    }
    notes.sort_by_key(|n| (n.0, n.3));
    let drums = !notes.is_empty()
        && notes
            .iter()
            .all(|n| n.2 == GM_DRUM_CHANNEL && gm_symbol(n.3).is_some());
    let beats = |t: u64| t as f64 / f64::from(ppq);
    let clip = Clip {
        source: String::new(),
        notes: notes
            .iter()
            .map(|&(on, off, _, key, vel)| ClipNote {
                start_beats: beats(on),
                // A note-off at its own onset still sounds for one tick.
                length_beats: beats(off.saturating_sub(on).max(1)),
                note: key,
                velocity: vel,
            })
            .collect(),
    };
    Ok(ImportedTrack {
        index,
        name,
        clip,
        drums,
    })
}

/// Quantises a clip to `steps_per_bar` steps of a 4/4 bar and writes it as mini-notation:
/// one bar is a sequence of steps (`c3 _ ~ e3`), several bars alternate one per cycle
/// (`<[..] [..]>`). Notes starting on the same step form a chord (`[c3, e3]`); a note
/// holds until the next onset, its quantised end or the end of its bar. Drum clips use the
/// kit's symbols (`bd`, `sd`...).
pub fn clip_to_pattern(
    clip: &Clip,
    drums: bool,
    steps_per_bar: u32,
) -> Result<String, MidiImportError> {
    if !GRIDS.contains(&steps_per_bar) {
        return Err(MidiImportError::Option {
            what: "grid",
            expected: format!("one of {GRIDS:?} steps per bar"),
            found: steps_per_bar.to_string(),
        });
    }
    let steps = steps_per_bar as usize;
    let steps_per_beat = f64::from(steps_per_bar) / 4.0;
    let q = |beats: f64| (beats * steps_per_beat).round().max(0.0) as usize;
    let last_end = clip
        .notes
        .iter()
        .map(|n| q(n.start_beats + n.length_beats).max(q(n.start_beats) + 1))
        .max()
        .unwrap_or(0);
    let bars = last_end.div_ceil(steps).max(1);
    if bars > MAX_PATTERN_BARS {
        return Err(MidiImportError::Option {
            what: "pattern length",
            expected: format!("at most {MAX_PATTERN_BARS} bars (import it as a clip instead)"),
            found: format!("{bars} bars"),
        });
    }
    // Per step: the notes starting there and the step where they end.
    let mut onsets: Vec<Vec<u8>> = vec![Vec::new(); bars * steps];
    let mut ends: Vec<usize> = vec![0; bars * steps];
    for n in &clip.notes {
        let s = q(n.start_beats);
        if s >= onsets.len() {
            continue;
        }
        if !onsets[s].contains(&n.note) {
            onsets[s].push(n.note);
        }
        ends[s] = ends[s].max(q(n.start_beats + n.length_beats).max(s + 1));
    }
    let name = |key: u8| -> String {
        if drums {
            gm_symbol(key).map_or_else(|| "~".to_owned(), str::to_owned)
        } else {
            midi_to_name(key, false).to_ascii_lowercase()
        }
    };
    let mut bar_texts = Vec::with_capacity(bars);
    for b in 0..bars {
        let mut tokens: Vec<String> = Vec::with_capacity(steps);
        let mut held_until = 0usize;
        for s in b * steps..(b + 1) * steps {
            if !onsets[s].is_empty() {
                let mut keys = onsets[s].clone();
                keys.sort_unstable();
                let names: Vec<String> = keys.into_iter().map(name).collect();
                tokens.push(if names.len() == 1 {
                    names[0].clone()
                } else {
                    format!("[{}]", names.join(", "))
                });
                // Drums are one-shots: no elongation.
                held_until = if drums { s + 1 } else { ends[s] };
            } else if s < held_until {
                tokens.push("_".into());
            } else {
                tokens.push("~".into());
            }
        }
        bar_texts.push(if tokens.iter().all(|t| t == "~") {
            "~".to_owned()
        } else {
            tokens.join(" ")
        });
    }
    Ok(if bars == 1 {
        bar_texts.remove(0)
    } else {
        format!(
            "<{}>",
            bar_texts
                .iter()
                .map(|t| format!("[{t}]"))
                .collect::<Vec<_>>()
                .join(" ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use midly::num::{u15, u28, u4, u7};
    use midly::{Format, Header, TrackEvent};

    fn smf_bytes(notes: &[(u32, u8, u8, u32)], channel: u8) -> Vec<u8> {
        // (delta, key, vel, length) as sequential on/off pairs.
        let mut events = Vec::new();
        for &(delta, key, vel, len) in notes {
            events.push(TrackEvent {
                delta: u28::new(delta),
                kind: TrackEventKind::Midi {
                    channel: u4::new(channel),
                    message: MidiMessage::NoteOn {
                        key: u7::new(key),
                        vel: u7::new(vel),
                    },
                },
            });
            events.push(TrackEvent {
                delta: u28::new(len),
                kind: TrackEventKind::Midi {
                    channel: u4::new(channel),
                    message: MidiMessage::NoteOff {
                        key: u7::new(key),
                        vel: u7::new(0),
                    },
                },
            });
        }
        events.push(TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
        });
        let mut smf = Smf::new(Header::new(
            Format::SingleTrack,
            Timing::Metrical(u15::new(480)),
        ));
        smf.tracks.push(events);
        let mut out = Vec::new();
        smf.write_std(&mut out).unwrap();
        out
    }

    #[test]
    fn melody_becomes_notes_and_a_pattern() {
        // c3 for a beat, rest a beat, e3 for two beats (480 ticks per beat).
        let bytes = smf_bytes(&[(0, 48, 100, 480), (480, 52, 90, 960)], 0);
        let m = import_midi_bytes(&bytes, None).unwrap();
        assert_eq!(m.ticks_per_beat, 480);
        let n = &m.track.clip.notes;
        assert_eq!(n.len(), 2);
        assert_eq!(
            (n[1].start_beats, n[1].length_beats, n[1].note),
            (2.0, 2.0, 52)
        );
        assert!(!m.track.drums);
        let p = clip_to_pattern(&m.track.clip, false, 8).unwrap();
        assert_eq!(p, "c3 _ ~ ~ e3 _ _ _");
        crate::pattern::parse_pattern(&p).unwrap();
    }

    #[test]
    fn chords_hold_and_parse_back_to_the_same_onsets() {
        let note = |start: f64, len: f64, key: u8| ClipNote {
            start_beats: start,
            length_beats: len,
            note: key,
            velocity: 100,
        };
        // A two-beat C minor triad, then g3 slightly late (quantised to beat 3).
        let clip = Clip {
            source: String::new(),
            notes: vec![
                note(0.0, 2.0, 48),
                note(0.0, 2.0, 51),
                note(0.0, 2.0, 55),
                note(3.04, 1.0, 55),
            ],
        };
        let p = clip_to_pattern(&clip, false, 4).unwrap();
        assert_eq!(p, "[c3, d#3, g3] _ ~ g3");
        let events = crate::pattern::parse_pattern(&p)
            .unwrap()
            .query_cycle(0)
            .unwrap();
        let onsets: Vec<(f64, f64)> = events
            .iter()
            .map(|e| (e.begin.to_f64(), e.end.to_f64()))
            .collect();
        assert_eq!(
            onsets,
            vec![(0.0, 0.5), (0.0, 0.5), (0.0, 0.5), (0.75, 1.0)]
        );
        assert!(matches!(
            clip_to_pattern(&clip, false, 7),
            Err(MidiImportError::Option { what: "grid", .. })
        ));
    }

    #[test]
    fn drums_and_several_bars() {
        let bytes = smf_bytes(&[(0, 36, 100, 10), (2870, 38, 100, 10)], 9);
        let m = import_midi_bytes(&bytes, None).unwrap();
        assert!(m.track.drums);
        let p = clip_to_pattern(&m.track.clip, true, 4).unwrap();
        assert_eq!(p, "<[bd ~ ~ ~] [~ ~ sd ~]>");
        crate::pattern::parse_pattern(&p).unwrap();
    }

    #[test]
    fn hostile_files_are_typed_errors() {
        assert!(matches!(
            import_midi_bytes(b"MThd\0\0\0\x06\0", None),
            Err(MidiImportError::Malformed { .. })
        ));
        assert!(matches!(
            import_midi_bytes(b"not midi at all", None),
            Err(MidiImportError::Malformed { .. })
        ));
        // A delta time of 2^28 - 1 ticks: far past the longest clip.
        let bytes = smf_bytes(&[(0x0FFF_FFFF, 60, 100, 1)], 0);
        assert!(matches!(
            import_midi_bytes(&bytes, None),
            Err(MidiImportError::Limit {
                what: "length in beats",
                ..
            })
        ));
        let bytes = smf_bytes(&[(0, 60, 100, 1)], 0);
        assert!(matches!(
            import_midi_bytes(&bytes, Some(3)),
            Err(MidiImportError::Track { track: 3, .. })
        ));
        // midly is lenient with a track cut short (end-of-track and the note-off missing):
        // the open note is closed at the last event read.
        let truncated = &bytes[..bytes.len() - 6];
        let n = import_midi_bytes(truncated, None).unwrap().track.clip.notes;
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].length_beats, 1.0 / 480.0);
        // Running status with no status byte before it: data bytes only.
        let mut garbage = b"MThd\0\0\0\x06\0\0\0\x01\x01\xE0MTrk\0\0\0\x07".to_vec();
        garbage.extend_from_slice(&[0x00, 0x40, 0x40, 0x00, 0xFF, 0x2F, 0x00]);
        assert!(import_midi_bytes(&garbage, None).is_err());
    }

    #[test]
    fn absurd_note_counts_stop_at_the_limit() {
        let notes: Vec<(u32, u8, u8, u32)> =
            (0..MAX_CLIP_NOTES + 1).map(|_| (0, 60, 100, 0)).collect();
        let bytes = smf_bytes(&notes, 0);
        assert!(matches!(
            import_midi_bytes(&bytes, None),
            Err(MidiImportError::Limit { what: "notes", .. })
        ));
    }
}
