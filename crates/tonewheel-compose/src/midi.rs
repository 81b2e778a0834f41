//! MIDI export: one Standard MIDI File per track, with the session's tempo map.
//!
//! Each file is format 1 with two tracks: a conductor track (name, time signature, one tempo
//! event per section start) and the notes. Times come from the sequencer's exact bar
//! positions (swing included) at 960 ticks per quarter note, so they are exact for every
//! subdivision down to 1/64 triplets. Drum symbols map to the General MIDI Level 1
//! percussion key map on channel 10 (index 9).

use std::path::{Path, PathBuf};

use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

use crate::pattern::Fraction;
use crate::sequencer::{NoteEvent, NoteTarget};
use crate::session::{SessionError, TrackNotes};

/// Ticks per quarter note.
pub const PPQ: u16 = 960;
/// Channel index of General MIDI drums (channel 10).
pub const GM_DRUM_CHANNEL: u8 = 9;

/// General MIDI Level 1 percussion keys for the drum symbols.
pub const GM_DRUM_KEYS: [(&str, u8); 15] = [
    ("bd", 36),
    ("sd", 38),
    ("hh", 42),
    ("oh", 46),
    ("cp", 39),
    ("rim", 37),
    ("tom", 47),
    ("lt", 45),
    ("mt", 47),
    ("ht", 50),
    ("cy", 49),
    ("cr", 49),
    ("rd", 51),
    ("cb", 56),
    ("sh", 70),
];

fn gm_key(symbol: &str) -> Option<u8> {
    GM_DRUM_KEYS
        .iter()
        .find(|(s, _)| *s == symbol)
        .map(|(_, k)| *k)
}

fn ticks(bar: Fraction, beats_per_bar: Fraction) -> Option<u64> {
    let t = bar
        .checked_mul(beats_per_bar)?
        .checked_mul(Fraction::int(i64::from(PPQ)))?;
    u64::try_from(t.checked_add(Fraction::new(1, 2)?)?.floor()).ok()
}

fn to_track<'a>(events: Vec<(u64, TrackEventKind<'a>)>) -> Option<Vec<TrackEvent<'a>>> {
    let mut out = Vec::with_capacity(events.len() + 1);
    let mut last = 0u64;
    for (t, kind) in events {
        let delta = u32::try_from(t.checked_sub(last)?)
            .ok()
            .filter(|d| *d <= u28::max_value().as_int())?;
        out.push(TrackEvent {
            delta: u28::new(delta),
            kind,
        });
        last = t;
    }
    out.push(TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    Some(out)
}

/// The bytes of one track's MIDI file.
pub fn track_midi(notes: &TrackNotes) -> Result<Vec<u8>, SessionError> {
    let bad = |reason: &str| SessionError::Invalid {
        pointer: format!("/tracks/{}", notes.index),
        reason: format!("MIDI export: {reason}"),
    };
    let (num, den) = notes.time_signature;
    let name = TrackEventKind::Meta(MetaMessage::TrackName(notes.id.as_bytes()));
    let mut conductor = vec![
        (0, name),
        (
            0,
            // Denominator as a power of two; 24 clocks per click, 8 32nds per quarter (SMF 1.0).
            TrackEventKind::Meta(MetaMessage::TimeSignature(
                num,
                den.trailing_zeros() as u8,
                24,
                8,
            )),
        ),
    ];
    for &(bar, bpm) in &notes.tempo_changes {
        let tick =
            ticks(Fraction::int(bar), notes.beats_per_bar).ok_or_else(|| bad("time overflow"))?;
        let micros = (60_000_000.0 / bpm).round() as u32;
        conductor.push((
            tick,
            TrackEventKind::Meta(MetaMessage::Tempo(u24::new(micros))),
        ));
    }
    let mut timed: Vec<(u64, u8, TrackEventKind<'_>)> =
        Vec::with_capacity(notes.events.len() * 2 + 1);
    timed.push((0, 0, name));
    for e in &notes.events {
        let (channel, key) =
            note_key(e).ok_or_else(|| bad("a drum symbol without a General MIDI key"))?;
        let on = ticks(e.on_bar, notes.beats_per_bar).ok_or_else(|| bad("time overflow"))?;
        let off = ticks(e.off_bar, notes.beats_per_bar)
            .ok_or_else(|| bad("time overflow"))?
            .max(on + 1);
        let ch = u4::new(channel);
        let key = u7::new(key);
        // Offs (order 1) sort before ons (order 2) at the same tick so repeated notes retrigger.
        timed.push((
            on,
            2,
            TrackEventKind::Midi {
                channel: ch,
                message: MidiMessage::NoteOn {
                    key,
                    vel: u7::new(e.velocity.min(127)),
                },
            },
        ));
        timed.push((
            off,
            1,
            TrackEventKind::Midi {
                channel: ch,
                message: MidiMessage::NoteOff {
                    key,
                    vel: u7::new(64),
                },
            },
        ));
    }
    timed.sort_by_key(|(t, order, _)| (*t, *order));
    let mut smf = Smf::new(Header::new(
        Format::Parallel,
        Timing::Metrical(u15::new(PPQ)),
    ));
    smf.tracks
        .push(to_track(conductor).ok_or_else(|| bad("a gap too long for a MIDI delta time"))?);
    smf.tracks.push(
        to_track(timed.into_iter().map(|(t, _, k)| (t, k)).collect())
            .ok_or_else(|| bad("a gap too long for a MIDI delta time"))?,
    );
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes).map_err(|e| bad(&e.to_string()))?;
    Ok(bytes)
}

fn note_key(e: &NoteEvent) -> Option<(u8, u8)> {
    match &e.target {
        NoteTarget::Pitch(n) => Some((0, *n)),
        NoteTarget::Drum(s) => gm_key(s).map(|k| (GM_DRUM_CHANNEL, k)),
    }
}

/// Writes `dir/<track id>.mid` for every track; returns the paths.
pub fn export_midi(
    session: &crate::session::Session,
    dir: &Path,
) -> Result<Vec<PathBuf>, SessionError> {
    std::fs::create_dir_all(dir).map_err(|e| SessionError::Io {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut written = Vec::new();
    for notes in session.notes()? {
        let bytes = track_midi(&notes)?;
        let path = dir.join(format!("{}.mid", notes.id));
        let tmp = dir.join(format!(".{}.mid.tmp", notes.id));
        std::fs::write(&tmp, &bytes).map_err(|e| SessionError::Io {
            path: tmp.display().to_string(),
            reason: e.to_string(),
        })?;
        std::fs::rename(&tmp, &path).map_err(|e| SessionError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        written.push(path);
    }
    Ok(written)
}
