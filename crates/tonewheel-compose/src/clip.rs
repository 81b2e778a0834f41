//! Clips: exact notes (start and length in beats) that drive a track instead of, or beside,
//! its patterns. They come from imported MIDI files and are stored in `session.json` itself,
//! so a session stays self-contained.
//!
//! Times are quarter-note beats from the start of the arrangement. They are placed on a grid
//! of [`CLIP_TICKS_PER_BEAT`] ticks per beat (a multiple of every common MIDI resolution's
//! divisions: 96, 192, 480, 960 all divide 3840 or are finer than a 1/3840 beat, 0.16 ms at
//! 100 BPM), so what the sequencer plays is exact rational time, like a pattern's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::midi::GM_DRUM_KEYS;
use crate::pattern::Fraction;
use crate::sequencer::{NoteEvent, NoteTarget, Timeline};

/// Grid of clip times, ticks per quarter-note beat.
pub const CLIP_TICKS_PER_BEAT: i64 = 3840;
/// Most notes in one clip (a dense hour of piano is ~50 000 notes).
pub const MAX_CLIP_NOTES: usize = 100_000;
/// Latest clip time in beats (30 minutes at 300 BPM, the session's longest render).
pub const MAX_CLIP_BEATS: f64 = 9000.0;

/// One note of a clip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClipNote {
    /// Onset in quarter-note beats from the start of the arrangement.
    pub start_beats: f64,
    /// Length in quarter-note beats (> 0).
    pub length_beats: f64,
    /// MIDI note 0..=127 (on drum tracks, a General MIDI percussion key).
    pub note: u8,
    /// MIDI velocity 1..=127.
    pub velocity: u8,
}

/// Notes that play on a track in addition to its patterns.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Clip {
    /// Where the notes came from (a MIDI file name and track), for people reading the session.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The notes, in any order.
    pub notes: Vec<ClipNote>,
}

/// The drum symbol of a General MIDI percussion key (first symbol listed for the key).
pub fn gm_symbol(key: u8) -> Option<&'static str> {
    GM_DRUM_KEYS
        .iter()
        .find(|(_, k)| *k == key)
        .map(|(s, _)| *s)
}

fn beats_fraction(beats: f64) -> Option<Fraction> {
    Fraction::new(
        (beats * CLIP_TICKS_PER_BEAT as f64).round() as i64,
        CLIP_TICKS_PER_BEAT,
    )
}

impl Clip {
    /// Checks every note; the error is (index of the note, reason).
    pub fn check(&self, drums: bool) -> Result<(), (Option<usize>, String)> {
        if self.notes.len() > MAX_CLIP_NOTES {
            return Err((
                None,
                format!("at most {MAX_CLIP_NOTES} notes, found {}", self.notes.len()),
            ));
        }
        for (i, n) in self.notes.iter().enumerate() {
            if !(n.start_beats.is_finite() && (0.0..=MAX_CLIP_BEATS).contains(&n.start_beats)) {
                return Err((Some(i), format!("start_beats in 0..={MAX_CLIP_BEATS}")));
            }
            if !(n.length_beats.is_finite()
                && n.length_beats > 0.0
                && n.length_beats <= MAX_CLIP_BEATS)
            {
                return Err((Some(i), format!("length_beats in (0, {MAX_CLIP_BEATS}]")));
            }
            if n.note > 127 {
                return Err((Some(i), "note in 0..=127".into()));
            }
            if !(1..=127).contains(&n.velocity) {
                return Err((Some(i), "velocity in 1..=127".into()));
            }
            if drums && gm_symbol(n.note).is_none() {
                return Err((
                    Some(i),
                    format!(
                        "a General MIDI drum key the kit knows ({}), found {}",
                        GM_DRUM_KEYS
                            .iter()
                            .map(|(s, k)| format!("{k}={s}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        n.note
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Drum symbols the clip plays (for building the kit).
    pub fn drum_symbols(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.notes.iter().filter_map(|n| gm_symbol(n.note))
    }

    /// The clip's notes as sequencer events on `timeline`, transposed by `transpose` semitones
    /// (pitched tracks only). Notes starting at or after `end_bar` are dropped (they would
    /// start after the arrangement ends). Call [`Clip::check`] first.
    pub fn events(
        &self,
        timeline: &Timeline,
        end_bar: i64,
        drums: bool,
        transpose: i32,
    ) -> Option<Vec<NoteEvent>> {
        let bpb = timeline.beats_per_bar();
        let end = Fraction::int(end_bar);
        let mut out = Vec::with_capacity(self.notes.len());
        for n in &self.notes {
            let on_bar = beats_fraction(n.start_beats)?.checked_div(bpb)?;
            if on_bar >= end {
                continue;
            }
            let length = beats_fraction(n.length_beats)?
                .checked_div(bpb)?
                .max(Fraction::new(1, CLIP_TICKS_PER_BEAT)?);
            let off_bar = on_bar.checked_add(length)?;
            let target = if drums {
                NoteTarget::Drum(gm_symbol(n.note)?.to_owned())
            } else {
                let midi = i32::from(n.note) + transpose;
                NoteTarget::Pitch(u8::try_from(midi).ok().filter(|m| *m <= 127)?)
            };
            let on_frame = timeline.frame_at(on_bar).ok()?;
            let off_frame = timeline.frame_at(off_bar).ok()?.max(on_frame + 1);
            out.push(NoteEvent {
                on_frame,
                off_frame,
                target,
                velocity: n.velocity,
                position: 0,
                on_bar,
                off_bar,
            });
        }
        out.sort_by_key(|e| (e.on_frame, e.off_frame));
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sequencer::TempoSection;

    fn note(start: f64, len: f64, key: u8) -> ClipNote {
        ClipNote {
            start_beats: start,
            length_beats: len,
            note: key,
            velocity: 100,
        }
    }

    #[test]
    fn events_are_exact_and_dropped_past_the_end() {
        let timeline = Timeline::new(
            &[TempoSection {
                bars: 2,
                bpm: 120.0,
            }],
            (4, 4),
            48_000,
        )
        .unwrap();
        let clip = Clip {
            source: String::new(),
            notes: vec![note(1.5, 0.5, 60), note(8.0, 1.0, 62), note(0.0, 1.0, 64)],
        };
        clip.check(false).unwrap();
        let ev = clip.events(&timeline, 2, false, 2).unwrap();
        assert_eq!(ev.len(), 2, "the note at beat 8 starts after 2 bars of 4/4");
        // 120 BPM: a beat is 24 000 frames at 48 kHz.
        assert_eq!(ev[0].on_frame, 0);
        assert_eq!(ev[1].on_frame, 36_000);
        assert_eq!(ev[1].off_frame, 48_000);
        assert_eq!(ev[1].target, NoteTarget::Pitch(62));
        assert_eq!(ev[1].on_bar, Fraction::new(3, 8).unwrap());
    }

    #[test]
    fn a_clip_alone_drives_a_drum_track_at_its_exact_frame() {
        // 120 BPM: beat 1 is frame 24 000 at 48 kHz. The pattern is silent, so every sound
        // comes from the clip's kick (GM key 36).
        let json = r#"{
          "context": {"bpm": 120, "key": "C minor", "time_signature": [4, 4], "tail_s": 0.25},
          "arrangement": [{"name": "a", "bars": 1}],
          "tracks": [{"id": "kick", "instrument": {"drums": {}}, "patterns": {"default": "~"},
                      "clip": {"notes": [{"start_beats": 1, "length_beats": 0.5, "note": 36, "velocity": 120}]}}]
        }"#;
        let session = crate::session::Session::from_json(json).unwrap();
        let r = crate::session::render(&session).unwrap();
        let first = r.mix_left.iter().position(|x| x.abs() > 1e-4).unwrap();
        assert!(
            (24_000..24_048).contains(&first),
            "first sound at frame {first}"
        );
        let notes = session.notes().unwrap();
        assert_eq!(notes[0].events.len(), 1);
        assert_eq!(notes[0].events[0].on_frame, 24_000);
        // A key the kit has no symbol for is refused with the note's pointer.
        let bad = json.replace("\"note\": 36", "\"note\": 20");
        let e = crate::session::Session::from_json(&bad)
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("/tracks/0/clip/notes/0"), "{e}");
    }

    #[test]
    fn check_names_the_bad_note() {
        let mut clip = Clip {
            source: String::new(),
            notes: vec![note(0.0, 1.0, 36), note(-1.0, 1.0, 36)],
        };
        assert_eq!(clip.check(false).unwrap_err().0, Some(1));
        clip.notes[1] = note(0.0, 0.0, 36);
        assert!(clip.check(false).unwrap_err().1.contains("length_beats"));
        clip.notes[1] = note(0.0, 1.0, 20);
        assert!(clip.check(true).unwrap_err().1.contains("drum key"));
        assert!(clip.check(false).is_ok());
    }
}
