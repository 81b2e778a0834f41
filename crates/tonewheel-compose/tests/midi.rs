//! MIDI export read back with midly: tempo map, note times in ticks, GM drum keys.

use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};
use tonewheel_compose::midi::{export_midi, PPQ};
use tonewheel_compose::session::Session;

const SESSION: &str = r#"{
  "context": {"bpm": 174, "key": "F minor", "time_signature": [4, 4]},
  "arrangement": [{"name": "a", "bars": 1}, {"name": "b", "bars": 1, "bpm": 140}],
  "tracks": [
    {"id": "drums", "instrument": {"drums": {}}, "patterns": {"default": "bd*4, ~ sd ~ sd"}},
    {"id": "bass", "instrument": {"preset": "bass-reese"}, "patterns": {"a": "0 [~ 2]", "b": "eb3:0.5 ~"},
     "playing": {"octave": 2, "gate": 0.5, "swing": 0.6, "swing_steps": 4}}
  ]
}"#;

/// (absolute tick, channel, key, velocity or 0 for note-off).
type Note = (u64, u8, u8, u8);

/// The notes and the (tick, microseconds per quarter) tempo events.
fn read(bytes: &[u8]) -> (Vec<Note>, Vec<(u64, u32)>) {
    let smf = Smf::parse(bytes).unwrap();
    assert_eq!(smf.header.timing, Timing::Metrical(PPQ.into()));
    assert_eq!(smf.tracks.len(), 2);
    let mut notes = Vec::new();
    let mut tempos = Vec::new();
    for track in &smf.tracks {
        let mut t = 0u64;
        for e in track {
            t += u64::from(e.delta.as_int());
            match e.kind {
                TrackEventKind::Meta(MetaMessage::Tempo(us)) => tempos.push((t, us.as_int())),
                TrackEventKind::Midi {
                    channel,
                    message: MidiMessage::NoteOn { key, vel },
                } => notes.push((t, channel.as_int(), key.as_int(), vel.as_int())),
                TrackEventKind::Midi {
                    channel,
                    message: MidiMessage::NoteOff { key, .. },
                } => notes.push((t, channel.as_int(), key.as_int(), 0)),
                _ => {}
            }
        }
    }
    (notes, tempos)
}

#[test]
fn midi_files_read_back_with_tempo_map_and_exact_ticks() {
    let s = Session::from_json(SESSION).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = export_midi(&s, dir.path()).unwrap();
    assert_eq!(paths.len(), 2);
    let q = u64::from(PPQ);
    // Tempo map: 60e6 / 174 = 344 828 us per quarter, 60e6 / 140 = 428 571 at bar 1 (tick 4q).
    let (drums, tempos) = read(&std::fs::read(&paths[0]).unwrap());
    assert_eq!(tempos, vec![(0, 344_828), (4 * q, 428_571)]);
    // Kicks (GM 36) on every beat of both bars, snares (GM 38) on 2 and 4, channel 10.
    let ons = |key: u8| -> Vec<u64> {
        drums
            .iter()
            .filter(|n| n.2 == key && n.3 > 0)
            .map(|n| n.0)
            .collect()
    };
    assert_eq!(ons(36), (0..8).map(|b| b * q).collect::<Vec<_>>());
    assert_eq!(ons(38), vec![q, 3 * q, 5 * q, 7 * q]);
    assert!(drums.iter().all(|n| n.1 == 9));
    assert_eq!(
        drums.iter().filter(|n| n.3 == 0).count(),
        drums.iter().filter(|n| n.3 > 0).count()
    );
    // Bass: F2 at 0 (half a bar at gate 0.5 = 1 beat), Ab2 on the off-beat quarter swung from
    // 3q to 3q + 0.1 * 2 quarters; then Eb3 at velocity 64 in bar 2.
    let (bass, _) = read(&std::fs::read(&paths[1]).unwrap());
    let on: Vec<(u64, u8, u8)> = bass
        .iter()
        .filter(|n| n.3 > 0)
        .map(|n| (n.0, n.2, n.3))
        .collect();
    let swung = 3 * q + q / 5;
    assert_eq!(on, vec![(0, 41, 102), (swung, 44, 102), (4 * q, 51, 64)]);
    let off: Vec<(u64, u8)> = bass
        .iter()
        .filter(|n| n.3 == 0)
        .map(|n| (n.0, n.2))
        .collect();
    assert_eq!(off, vec![(q, 41), (swung + q / 2, 44), (5 * q, 51)]);
}
