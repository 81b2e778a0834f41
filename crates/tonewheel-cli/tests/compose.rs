//! End-to-end tests of the composition verbs: generate, modify, session render, export and
//! the pattern library, with their error paths and exit codes.

use std::path::{Path, PathBuf};

use midly::num::{u15, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use tonewheel_compose::session::Session;

mod common;
use common::{json_lines, tonewheel};

fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn fails_with(out: &std::process::Output, code: i32, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in: {stderr}");
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// A short techno session in `dir` (2 bars keep the render well under a second).
fn generated(dir: &Path) -> PathBuf {
    let out = tonewheel(&[
        "generate",
        "techno",
        "130",
        "--bars",
        "2",
        "--seed",
        "3",
        "-o",
        &s(dir),
        "--json",
    ]);
    ok(&out);
    dir.join("session.json")
}

fn load(path: &Path) -> Session {
    Session::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A one-track SMF at 480 ticks per beat: (start tick, length ticks, key, velocity).
fn midi_file(path: &Path, notes: &[(u32, u32, u8, u8)], channel: u8) {
    let mut timed: Vec<(u32, bool, u8, u8)> = Vec::new();
    for &(start, len, key, vel) in notes {
        timed.push((start, true, key, vel));
        timed.push((start + len, false, key, 0));
    }
    // Offs before ons at the same tick.
    timed.sort_by_key(|e| (e.0, e.1));
    let mut events = vec![TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::TrackName(b"riff")),
    }];
    let mut last = 0;
    for (t, on, key, vel) in timed {
        let message = if on {
            MidiMessage::NoteOn {
                key: u7::new(key),
                vel: u7::new(vel),
            }
        } else {
            MidiMessage::NoteOff {
                key: u7::new(key),
                vel: u7::new(0),
            }
        };
        events.push(TrackEvent {
            delta: u28::new(t - last),
            kind: TrackEventKind::Midi {
                channel: u4::new(channel),
                message,
            },
        });
        last = t;
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
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// (tick of every note-on, key) of a MIDI file's note track, sorted.
fn note_ons(path: &Path) -> Vec<(u64, u8)> {
    let bytes = std::fs::read(path).unwrap();
    let smf = Smf::parse(&bytes).unwrap();
    let mut out = Vec::new();
    for track in &smf.tracks {
        let mut tick = 0u64;
        for e in track {
            tick += u64::from(e.delta.as_int());
            if let TrackEventKind::Midi {
                message: MidiMessage::NoteOn { key, vel },
                ..
            } = e.kind
            {
                if vel.as_int() > 0 {
                    out.push((tick, key.as_int()));
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// Genre, typical tempo and the genre's tempo range (knowledge/genres/*.json).
const GENRES: [(&str, f64, &str); 10] = [
    ("gabber", 180.0, "160-200"),
    ("hardcore", 170.0, "160-190"),
    ("hardstyle", 150.0, "145-160"),
    ("techno", 130.0, "120-150"),
    ("house", 124.0, "118-130"),
    ("trance", 138.0, "128-150"),
    ("dnb", 174.0, "160-180"),
    ("dubstep", 140.0, "138-142"),
    ("hiphop", 90.0, "80-100"),
    ("lofi", 80.0, "70-90"),
];

/// Every genre, 8 bars, through the analysis engine: the tempo it hears is the one asked for
/// (±2 BPM: the estimator's resolution at these lengths is well under 1 BPM, so 2 BPM leaves
/// room for swing and sparse parts without admitting a wrong tempo), the mix never exceeds
/// 0 dBTP (the master limiter's ceiling is -1 dBFS sample peak) and it is not silent.
/// The analysis is told the genre's tempo range (`--tempo-range`, as a QA step knows what was
/// asked for): half-time dubstep drums pulse at 70 BPM and only the genre says 140. The range
/// picks the octave; the ±2 BPM is still the estimate's own.
#[test]
fn every_genre_renders_at_its_tempo_without_clipping() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (genre, bpm, range) in GENRES {
        let out_dir = dir.path().join(genre);
        let out = tonewheel(&[
            "generate",
            genre,
            &bpm.to_string(),
            "--bars",
            "8",
            "-o",
            &s(&out_dir),
            "--json",
        ]);
        ok(&out);
        let report = &json_lines(&out)[0];
        assert_eq!(report["genre"], genre);
        let out = tonewheel(&[
            "analyze",
            "--json",
            "--analyzers",
            "tempo,loudness",
            "--tempo-range",
            range,
            &s(&out_dir.join("mix.wav")),
        ]);
        ok(&out);
        let a = &json_lines(&out)[0];
        let heard = a["tempo"]["bpm"].as_f64().unwrap_or(f64::NAN);
        let true_peak = a["loudness"]["true_peak_dbtp"].as_f64().unwrap();
        let lufs = a["loudness"]["integrated_lufs"]
            .as_f64()
            .unwrap_or(f64::NEG_INFINITY);
        assert!(true_peak <= 0.0, "{genre}: true peak {true_peak} dBTP");
        assert!(lufs > -30.0, "{genre}: {lufs} LUFS is near silence");
        // The generator's report measures the same mix.
        let reported = report["levels"]["true_peak_dbtp"].as_f64().unwrap();
        assert!(
            (reported - true_peak).abs() < 0.2,
            "{genre}: {reported} vs {true_peak}"
        );
        if (heard - bpm).abs() > 2.0 {
            failures.push(format!(
                "{genre}: asked {bpm} BPM, heard {heard:.1} (alternative {})",
                a["tempo"]["alternative_bpm"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "tempo off by more than 2 BPM: {failures:#?}"
    );
}

#[test]
fn generate_writes_session_mix_stems_and_midi_and_accepts_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("dnb");
    let out = tonewheel(&[
        "generate",
        "drum-and-bass",
        "172",
        "--bars",
        "2",
        "--key",
        "G minor",
        "--seed",
        "5",
        "-o",
        &s(&out_dir),
        "--json",
    ]);
    ok(&out);
    let v = &json_lines(&out)[0];
    assert_eq!(v["genre"], "dnb");
    assert_eq!(v["bpm"], 172.0);
    assert_eq!(v["key"], "G minor");
    assert_eq!(v["bars"], 2);
    // 2 bars of 4/4 at 172 BPM plus the 1 s tail.
    let expected_s = 2.0 * 4.0 * 60.0 / 172.0 + 1.0;
    assert!((v["duration_s"].as_f64().unwrap() - expected_s).abs() < 0.01);
    let session = load(&out_dir.join("session.json"));
    assert_eq!(session.context.bpm, 172.0);
    let written: Vec<String> = v["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(written.len(), 2 + 2 * session.tracks.len());
    for t in &session.tracks {
        assert!(out_dir.join(format!("stems/{}.wav", t.id)).is_file());
        assert!(out_dir.join(format!("midi/{}.mid", t.id)).is_file());
    }
    for p in &written {
        assert!(Path::new(p).is_file(), "{p}");
    }
    // Human output: a title line, a facts line, a header and one line per track.
    let out = tonewheel(&[
        "generate",
        "lo-fi",
        "80",
        "--bars",
        "1",
        "-o",
        &s(&dir.path().join("lofi")),
    ]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    let tracks = load(&dir.path().join("lofi/session.json")).tracks.len();
    assert_eq!(text.lines().count(), 3 + tracks, "{text}");
}

#[test]
fn generate_rejects_unknown_genres_and_bad_tempos() {
    let dir = tempfile::tempdir().unwrap();
    let o = s(&dir.path().join("x"));
    fails_with(
        &tonewheel(&["generate", "polka", "120", "-o", &o]),
        1,
        &["unknown genre \"polka\"", "techno", "lofi"],
    );
    fails_with(
        &tonewheel(&["generate", "techno", "500", "-o", &o]),
        1,
        &["BPM 500", "20..=300"],
    );
    fails_with(
        &tonewheel(&["generate", "techno", "130", "--key", "H major", "-o", &o]),
        1,
        &["key"],
    );
    assert!(!dir.path().join("x").exists(), "nothing written on failure");
}

#[test]
fn modify_applies_edits_with_units_and_rerenders() {
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path());
    let out = tonewheel(&[
        "modify",
        &s(dir.path()),
        "bpm=140",
        "key=\"A minor\"",
        "bass.volume=-3dB",
        "bass.pan=-0.2",
        "pad.mute=true",
        "kick.saturation.drive=9dB",
        "master.limiter.ceiling=-2dB",
        "master.volume=-1dB",
        "hat.pattern=hh*8",
        "--render",
        "--json",
    ]);
    ok(&out);
    let v = &json_lines(&out)[0];
    assert_eq!(v["changes"].as_array().unwrap().len(), 9);
    assert_eq!(v["changes"][5]["added_stage"], true);
    let session = load(&path);
    assert_eq!(session.context.bpm, 140.0);
    assert_eq!(session.context.key, "A minor");
    let t = |id: &str| session.tracks.iter().find(|t| t.id == id).unwrap();
    assert_eq!(t("bass").channel.volume_db, -3.0);
    assert_eq!(t("bass").channel.pan, -0.2);
    assert!(t("pad").channel.mute);
    assert_eq!(t("kick").fx.last().unwrap().kind, "saturation");
    assert_eq!(t("hat").patterns.len(), 1);
    assert_eq!(session.master.volume_db, -1.0);
    // The re-rendered mix: 2 bars at the new 140 BPM plus 1 s, limited to -2 dBFS then
    // turned down 1 dB (sample peak at most -3 dBFS; 0.05 dB for float rounding).
    let expected_s = 2.0 * 4.0 * 60.0 / 140.0 + 1.0;
    let out = tonewheel(&["info", "--json", &s(&dir.path().join("mix.wav"))]);
    let info = &json_lines(&out)[0];
    assert!((info["duration_s"].as_f64().unwrap() - expected_s).abs() < 1e-3);
    assert!(v["levels"]["peak_dbfs"].as_f64().unwrap() <= -2.95, "{v}");
}

#[test]
fn modify_errors_name_the_param_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path());
    let before = std::fs::read(&path).unwrap();
    let session = s(&path);
    let cases: [(&str, &[&str]); 7] = [
        (
            "nope.volume=1",
            &["nope.volume", "unknown track \"nope\"", "kick"],
        ),
        ("bass.wobble=1", &["unknown parameter \"wobble\""]),
        (
            "bass.duck.colour=1",
            &["unknown parameter \"colour\"", "threshold"],
        ),
        (
            "bass.fuzz.drive=1",
            &["unknown stage \"fuzz\"", "duck (compressor)"],
        ),
        (
            "master.limiter.ceiling=3dB",
            &["master.limiter.ceiling=3dB", "-24..=0 dB"],
        ),
        ("bass.pan=2", &["bass.pan=2", "-1..=1"]),
        ("bpm=fast", &["bpm=fast", "20..=300 BPM"]),
    ];
    for (edit, needles) in cases {
        // A valid edit first: nothing is written unless every edit is valid.
        fails_with(
            &tonewheel(&["modify", &session, "bpm=150", edit]),
            1,
            needles,
        );
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    fails_with(
        &tonewheel(&["modify", &session, "bpm"]),
        1,
        &["PARAM=VALUE"],
    );
    fails_with(
        &tonewheel(&["modify", &s(&dir.path().join("missing")), "bpm=120"]),
        1,
        &["no such session"],
    );
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"context": {"bpm": "fast"}}"#).unwrap();
    fails_with(
        &tonewheel(&["modify", &s(&bad), "bpm=120"]),
        1,
        &["/context/bpm"],
    );
}

#[test]
fn session_render_and_export_write_what_was_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = generated(&dir.path().join("song"));
    let session = load(&path);
    let r1 = dir.path().join("r1");
    let out = tonewheel(&["session", "render", &s(&path), "-o", &s(&r1), "--json"]);
    ok(&out);
    assert!(r1.join("mix.wav").is_file());
    assert!(!r1.join("stems").exists(), "stems only with --stems");
    let out = tonewheel(&["session", "render", &s(&path), "-o", &s(&r1), "--stems"]);
    ok(&out);
    for t in &session.tracks {
        assert!(r1.join(format!("stems/{}.wav", t.id)).is_file());
    }
    // WAV at 16-bit/44.1 kHz: resampled from the session's 48 kHz, same duration.
    let wav = dir.path().join("out/mix.wav");
    let out = tonewheel(&[
        "export",
        &s(&path),
        "--format",
        "wav",
        "--bit-depth",
        "16",
        "--sample-rate",
        "44100",
        "-o",
        &s(&wav),
        "--json",
    ]);
    ok(&out);
    let info = &json_lines(&tonewheel(&["info", "--json", &s(&wav)]))[0];
    assert_eq!(info["sample_rate"], 44_100);
    assert_eq!(info["bits_per_sample"], 16);
    let expected_s = 2.0 * 4.0 * 60.0 / 130.0 + 1.0;
    assert!((info["duration_s"].as_f64().unwrap() - expected_s).abs() < 1e-3);
    let stems = dir.path().join("stems24");
    ok(&tonewheel(&[
        "export",
        &s(&path),
        "--format",
        "stems",
        "-o",
        &s(&stems),
    ]));
    let info = &json_lines(&tonewheel(&["info", "--json", &s(&stems.join("kick.wav"))]))[0];
    assert_eq!(
        (
            info["sample_rate"].as_u64(),
            info["bits_per_sample"].as_u64()
        ),
        (Some(48_000), Some(24))
    );
    // MIDI read back: per track, the note-ons are the session's notes at 960 ticks per beat.
    let midi = dir.path().join("midi");
    ok(&tonewheel(&[
        "export",
        &s(&path),
        "--format",
        "midi",
        "-o",
        &s(&midi),
    ]));
    for notes in session.notes().unwrap() {
        let mut expected: Vec<(u64, u8)> = notes
            .events
            .iter()
            .map(|e| {
                let beats = e.on_bar.to_f64() * notes.beats_per_bar.to_f64();
                let key = match &e.target {
                    tonewheel_compose::sequencer::NoteTarget::Pitch(n) => *n,
                    tonewheel_compose::sequencer::NoteTarget::Drum(d) => {
                        tonewheel_compose::midi::GM_DRUM_KEYS
                            .iter()
                            .find(|(s, _)| s == d)
                            .unwrap()
                            .1
                    }
                };
                ((beats * 960.0).round() as u64, key)
            })
            .collect();
        expected.sort_unstable();
        let got = note_ons(&midi.join(format!("{}.mid", notes.id)));
        assert!(!got.is_empty() || expected.is_empty());
        assert_eq!(got, expected, "track {}", notes.id);
    }
    // Bad requests.
    fails_with(
        &tonewheel(&["export", &s(&dir.path().join("nothing")), "--format", "wav"]),
        1,
        &["no such session"],
    );
}

#[test]
fn midi_clips_drive_tracks_exactly_and_hostile_midi_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = generated(&dir.path().join("song"));
    let riff = dir.path().join("riff.mid");
    // Beats 0, 1.5 and 3 (480 ticks per beat), an off-grid onset at 1.5 + 1/480 beat.
    midi_file(
        &riff,
        &[
            (0, 240, 45, 100),
            (720, 240, 48, 90),
            (721, 100, 52, 80),
            (1440, 480, 43, 110),
        ],
        0,
    );
    ok(&tonewheel(&[
        "modify",
        &s(&path),
        &format!("bass.clip={}", s(&riff)),
    ]));
    let session = load(&path);
    let clip = session
        .tracks
        .iter()
        .find(|t| t.id == "bass")
        .unwrap()
        .clip
        .clone()
        .unwrap();
    assert_eq!(clip.notes.len(), 4);
    assert_eq!(clip.notes[2].start_beats, 721.0 / 480.0);
    assert_eq!(clip.notes[3].length_beats, 1.0);
    // The clip's notes reach MIDI export exactly (960 ticks per beat: the off-grid onset
    // at 721/480 beat is tick 1442), beside the pattern's notes.
    let midi = dir.path().join("midi");
    ok(&tonewheel(&[
        "export",
        &s(&path),
        "--format",
        "midi",
        "-o",
        &s(&midi),
    ]));
    let ons = note_ons(&midi.join("bass.mid"));
    for expected in [(0, 45), (1440, 48), (1442, 52), (2880, 43)] {
        assert!(ons.contains(&expected), "{expected:?} not in {ons:?}");
    }
    ok(&tonewheel(&["session", "render", &s(&path)]));

    let before = std::fs::read(&path).unwrap();
    let garbage = dir.path().join("garbage.mid");
    std::fs::write(
        &garbage,
        b"MThd\0\0\0\x06\0\0\0\x01\x01\xE0MTrk\xFF\xFF\xFF\xFF\x90",
    )
    .unwrap();
    let truncated = dir.path().join("truncated.mid");
    std::fs::write(&truncated, b"MThd\0\0\0\x06\0").unwrap();
    let huge_delta = dir.path().join("huge.mid");
    midi_file(&huge_delta, &[(0x0FFF_FFF0, 1, 60, 100)], 0);
    let not_midi = dir.path().join("text.mid");
    std::fs::write(&not_midi, "hello").unwrap();
    for (file, needle) in [
        (&garbage, "no track of the file has notes"),
        (&truncated, "not a valid MIDI file"),
        (&huge_delta, "length in beats"),
        (&not_midi, "not a valid MIDI file"),
    ] {
        fails_with(
            &tonewheel(&["modify", &s(&path), &format!("bass.clip={}", s(file))]),
            1,
            &["bass.clip", needle],
        );
        let lib = dir.path().join("lib");
        fails_with(
            &tonewheel(&["patterns", "import", &s(file), "--library", &s(&lib)]),
            1,
            &[needle],
        );
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // Drum keys a kit does not know are refused on a drum track.
    fails_with(
        &tonewheel(&["modify", &s(&path), &format!("kick.clip={}", s(&riff))]),
        1,
        &["General MIDI drum key"],
    );
}

#[test]
fn pattern_library_add_list_search_show_export_import() {
    let dir = tempfile::tempdir().unwrap();
    let lib = s(&dir.path().join("lib"));
    let add = |args: &[&str]| {
        let mut a = vec!["patterns", "add"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["--library", &lib, "--json"]);
        tonewheel(&a)
    };
    let out = add(&[
        "Four on the floor",
        "bd*4, [~ hh]*4",
        "--tags",
        "techno,house",
        "--bpm",
        "128",
    ]);
    ok(&out);
    let four = &json_lines(&out)[0];
    assert_eq!(four["id"], "four-on-the-floor");
    assert_eq!(four["kind"], "drums");
    // Preview: 2 bars at 128 BPM plus the 0.5 s tail.
    let preview = four["preview"].as_str().unwrap();
    let info = &json_lines(&tonewheel(&["info", "--json", preview]))[0];
    let expected_s = 2.0 * 4.0 * 60.0 / 128.0 + 0.5;
    assert!((info["duration_s"].as_f64().unwrap() - expected_s).abs() < 1e-3);
    ok(&add(&[
        "Acid line",
        "c2 c3 eb2 [g2 f2]",
        "--tags",
        "acid",
        "--preset",
        "bass-acid-303",
    ]));
    ok(&add(&[
        "Dark arp", "0 2 4 7", "--key", "F minor", "--tags", "trance",
    ]));

    fails_with(
        &add(&["Broken", "c2 c3 eb2 [g2 f2"]),
        1,
        &["at character 16", "expected ']'", "^"],
    );
    fails_with(&add(&["Mixed", "bd c3"]), 1, &["not both"]);
    fails_with(
        &add(&["Unknown preset", "c3", "--preset", "nope"]),
        1,
        &["preset"],
    );

    let list = json_lines(&tonewheel(&[
        "patterns",
        "list",
        "--json",
        "--library",
        &lib,
    ]));
    assert_eq!(list.len(), 3);
    let tagged = json_lines(&tonewheel(&[
        "patterns",
        "list",
        "--tag",
        "acid",
        "--json",
        "--library",
        &lib,
    ]));
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0]["id"], "acid-line");
    // A typo ("tecno") still finds the techno pattern; the best match comes first.
    let hits = json_lines(&tonewheel(&[
        "patterns",
        "search",
        "tecno",
        "--json",
        "--library",
        &lib,
    ]));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["id"], "four-on-the-floor");
    let hits = json_lines(&tonewheel(&[
        "patterns",
        "search",
        "arp",
        "--json",
        "--library",
        &lib,
    ]));
    assert_eq!(hits[0]["id"], "dark-arp");
    let show = json_lines(&tonewheel(&[
        "patterns",
        "show",
        "acid-line",
        "--json",
        "--library",
        &lib,
    ]));
    assert_eq!(show[0]["preset"], "bass-acid-303");
    fails_with(
        &tonewheel(&["patterns", "show", "nope", "--library", &lib]),
        1,
        &["no pattern \"nope\""],
    );

    let export = dir.path().join("export.json");
    ok(&tonewheel(&[
        "patterns",
        "export",
        "--all",
        "-o",
        &s(&export),
        "--library",
        &lib,
    ]));
    let other = s(&dir.path().join("other"));
    let out = tonewheel(&[
        "patterns",
        "import",
        &s(&export),
        "--json",
        "--library",
        &other,
    ]);
    ok(&out);
    assert_eq!(json_lines(&out).len(), 3);
    std::fs::write(&export, r#"{"patterns": [{"id": "x"}]}"#).unwrap();
    fails_with(
        &tonewheel(&["patterns", "import", &s(&export), "--library", &other]),
        1,
        &["/patterns/0"],
    );

    // A MIDI track becomes a quantised pattern: eighth notes c3 (one beat), rest, e3.
    let riff = dir.path().join("riff.mid");
    midi_file(&riff, &[(0, 480, 48, 100), (960, 240, 52, 100)], 0);
    let out = tonewheel(&[
        "patterns",
        "import",
        &s(&riff),
        "--grid",
        "8",
        "--json",
        "--library",
        &other,
    ]);
    ok(&out);
    let p = &json_lines(&out)[0];
    assert_eq!(p["name"], "riff");
    assert_eq!(p["text"], "c3 _ ~ ~ e3 ~ ~ ~");
}

#[test]
fn library_defaults_to_the_environment_folder() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("env-lib");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tonewheel"))
        .args(["patterns", "add", "Hats", "hh*8"])
        .env("TONEWHEEL_PATTERNS", &lib)
        .output()
        .unwrap();
    ok(&out);
    assert!(lib.join("hats.json").is_file());
    assert!(lib.join("hats.wav").is_file());
}
