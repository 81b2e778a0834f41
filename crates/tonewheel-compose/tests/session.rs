//! Sessions: JSON format and schema, deterministic parallel render, save/load round trip,
//! sidechain routing, solo/mute, automation, validation errors with JSON pointers.

use std::path::PathBuf;

use tonewheel_compose::session::{load, render, save, RenderedSession, Session, SessionError};

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

#[test]
fn session_schema_is_current() {
    // Regenerate with TONEWHEEL_UPDATE_DOCS=1 cargo test -p tonewheel-compose --test session
    let path = repo_file("schemas/session.schema.json");
    let generated = Session::json_schema();
    if std::env::var_os("TONEWHEEL_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == generated, "schemas/session.schema.json is out of date: run TONEWHEEL_UPDATE_DOCS=1 cargo test -p tonewheel-compose --test session");
}

/// Two bars at 174 BPM: kick, sidechained bass with automation and an LFO, hats sent to a
/// reverb return, a limiter on the master.
const SESSION: &str = r#"{
  "metadata": {"title": "test", "genre": "dnb"},
  "context": {"bpm": 174, "key": "F minor", "time_signature": [4, 4], "seed": 11, "tail_s": 0.25},
  "arrangement": [{"name": "intro", "bars": 1}, {"name": "drop", "bars": 1, "bpm": 172}],
  "tracks": [
    {"id": "kick", "instrument": {"drums": {"bd": "kick-909-classic"}}, "patterns": {"default": "bd*4"}},
    {"id": "bass", "instrument": {"preset": "bass-reese"},
     "patterns": {"intro": "0 ~ 0 ~", "drop": "0 [~ 3] 0 -2"},
     "playing": {"octave": 2, "gate": 0.8},
     "fx": [{"id": "duck", "type": "compressor", "parameters": {"threshold": -40, "ratio": 20, "attack": 0.002, "release": 0.08}},
            {"id": "lp", "type": "svf", "parameters": {"cutoff": 2000}}],
     "sidechain": {"source": "kick", "stage": "duck"},
     "channel": {"volume_db": -3},
     "automation": [{"target": "fx.lp.cutoff", "points": [{"bar": 0, "value": 300}, {"bar": 2, "value": 5000}], "curve": "exponential"}],
     "lfos": [{"target": "pan", "period_bars": 0.5, "depth": 0.3}]},
    {"id": "hats", "instrument": {"drums": {}}, "patterns": {"default": "[~ hh]*4, ~ ~ ~ oh"},
     "channel": {"volume_db": -6, "pan": 0.2, "sends": [{"bus": "verb", "level_db": -10}]}}
  ],
  "returns": [{"id": "verb", "fx": [{"id": "rv", "type": "reverb", "parameters": {"mix": 1}}]}],
  "master": {"fx": [{"id": "lim", "type": "limiter", "parameters": {"ceiling": -1}}]}
}"#;

fn session() -> Session {
    Session::from_json(SESSION).unwrap()
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn assert_identical(a: &RenderedSession, b: &RenderedSession) {
    assert!(same_bits(&a.mix_left, &b.mix_left) && same_bits(&a.mix_right, &b.mix_right));
    for ((ia, la, ra), (ib, lb, rb)) in a.stems.iter().zip(&b.stems) {
        assert_eq!(ia, ib);
        assert!(same_bits(la, lb) && same_bits(ra, rb), "stem {ia}");
    }
}

#[test]
fn render_is_deterministic_and_thread_count_independent() {
    let s = session();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| render(&s))
        .unwrap();
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| render(&s))
        .unwrap();
    assert_identical(&one, &two);
    assert_identical(&one, &render(&s).unwrap());
    // Length: one bar at 174 + one at 172 + 0.25 s tail, at 48 kHz.
    let bars = 4.0 * 60.0 / 174.0 + 4.0 * 60.0 / 172.0;
    let expected = (bars * 48_000.0_f64).round() as usize + 12_000;
    assert!((one.mix_left.len() as i64 - expected as i64).abs() <= 1);
    // Every stem sounds, and the master limiter holds its -1 dBFS ceiling.
    for (id, l, _) in &one.stems {
        assert!(
            l.iter().map(|x| x.abs()).fold(0.0, f32::max) > 1e-3,
            "{id} is silent"
        );
    }
    let peak = one
        .mix_left
        .iter()
        .chain(&one.mix_right)
        .map(|x| x.abs())
        .fold(0.0, f32::max);
    assert!(peak <= 10f32.powf(-1.0 / 20.0) * 1.01, "peak {peak}");
}

#[test]
fn save_load_render_reproduces_the_audio_bit_for_bit() {
    let s = session();
    let first = render(&s).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let written = save(&s, &first, dir.path()).unwrap();
    assert_eq!(written.len(), 5);
    assert!(dir.path().join("stems/bass.wav").is_file() && dir.path().join("mix.wav").is_file());
    // The JSON refers to nothing machine-specific; reloading gives the same session text.
    let text = std::fs::read_to_string(dir.path().join("session.json")).unwrap();
    assert!(!text.contains(&dir.path().display().to_string()));
    let loaded = load(dir.path()).unwrap();
    assert_eq!(loaded.to_json(), s.to_json());
    let again = render(&loaded).unwrap();
    assert_identical(&first, &again);
    // The float WAVs hold the render exactly.
    let mix = tonewheel_audio::read_all(dir.path().join("mix.wav")).unwrap();
    assert!(
        same_bits(mix.channel(0), &again.mix_left) && same_bits(mix.channel(1), &again.mix_right)
    );
    let bass = tonewheel_audio::read_all(dir.path().join("stems/bass.wav")).unwrap();
    assert!(same_bits(bass.channel(0), &again.stems[1].1));
}

fn rms_db(x: &[f32]) -> f32 {
    let p = x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32;
    10.0 * p.max(1e-20).log10()
}

#[test]
fn sidechain_ducks_the_bass_after_each_kick() {
    let with = render(&session()).unwrap();
    let mut s = session();
    // The same bass without the ducking compressor.
    s.tracks[1].sidechain = None;
    s.tracks[1].fx.remove(0);
    let without = render(&s).unwrap();
    // First kick at frame 0: 5..40 ms after it the keyed bass is at least 12 dB quieter than
    // the same bass without the compressor (measured: about 30 dB).
    let (a, b) = (240, 1920);
    let ducked = rms_db(&with.stems[1].1[a..b]);
    let open = rms_db(&without.stems[1].1[a..b]);
    assert!(open - ducked > 12.0, "ducked {ducked} dB vs {open} dB");
    // Other stems are untouched by the routing.
    assert!(same_bits(&with.stems[0].1, &without.stems[0].1));
}

#[test]
fn solo_and_mute() {
    let mut s = session();
    s.tracks[0].channel.solo = true;
    let r = render(&s).unwrap();
    assert!(r.stems[1].1.iter().chain(&r.stems[2].1).all(|&x| x == 0.0));
    assert!(r.stems[0].1.iter().any(|&x| x != 0.0));
    s.tracks[0].channel.solo = false;
    s.tracks[0].channel.mute = true;
    let r = render(&s).unwrap();
    assert!(r.stems[0].1.iter().all(|&x| x == 0.0));
}

#[test]
fn volume_automation_follows_its_lane() {
    // A sustained pad with its fader automated from 0 dB to -24 dB over the second bar.
    let json = r#"{
      "context": {"bpm": 120, "key": "C major", "time_signature": [4, 4], "tail_s": 0},
      "arrangement": [{"name": "a", "bars": 2}],
      "tracks": [{"id": "pad", "instrument": {"preset": "pad-sine-stack"}, "patterns": {"default": "c4"},
        "playing": {"gate": 1.0},
        "automation": [{"target": "volume", "points": [{"bar": 1, "value": 0}, {"bar": 2, "value": -24}]}]}]
    }"#;
    let mut s = Session::from_json(json).unwrap();
    let auto = render(&s).unwrap();
    s.tracks[0].automation.clear();
    let flat = render(&s).unwrap();
    let bar = 96_000; // 2 s at 120 BPM
    let win = |x: &[f32], at: usize| rms_db(&x[at - 2400..at + 2400]);
    // Bar 1.5: the lane is at -12 dB; bar 0.5: untouched.
    let mid = win(&auto.stems[0].1, bar + bar / 2) - win(&flat.stems[0].1, bar + bar / 2);
    assert!((mid + 12.0).abs() < 0.5, "{mid} dB at bar 1.5");
    let early = win(&auto.stems[0].1, bar / 2) - win(&flat.stems[0].1, bar / 2);
    assert!(early.abs() < 0.01, "{early} dB at bar 0.5");
}

#[test]
fn invalid_sessions_name_the_json_pointer() {
    let pointer = |edit: &dyn Fn(&mut serde_json::Value)| -> String {
        let mut v: serde_json::Value = serde_json::from_str(SESSION).unwrap();
        edit(&mut v);
        let s = match Session::from_json(&v.to_string()) {
            Err(SessionError::Json { pointer, .. }) => return pointer,
            Err(e) => panic!("{e}"),
            Ok(s) => s,
        };
        match render(&s) {
            Err(SessionError::Invalid { pointer, .. }) => pointer,
            other => panic!("{:?}", other.map(|_| ())),
        }
    };
    assert_eq!(
        pointer(&|v| v["tracks"][0]["volume"] = 1.into()),
        "/tracks/0/volume"
    );
    assert_eq!(
        pointer(&|v| v["context"]["bpm"] = "fast".into()),
        "/context/bpm"
    );
    assert_eq!(
        pointer(&|v| v["context"]["key"] = "H major".into()),
        "/context/key"
    );
    assert_eq!(
        pointer(&|v| v["tracks"][0]["patterns"]["default"] = "bd [".into()),
        "/tracks/0/patterns/default"
    );
    assert_eq!(
        pointer(&|v| v["tracks"][1]["patterns"]["chorus"] = "0".into()),
        "/tracks/1/patterns/chorus"
    );
    assert_eq!(
        pointer(&|v| v["tracks"][1]["sidechain"]["source"] = "nobody".into()),
        "/tracks/1/sidechain/source"
    );
    assert_eq!(
        pointer(&|v| v["tracks"][1]["sidechain"]["stage"] = "lp".into()),
        "/tracks/1/sidechain/stage"
    );
    assert_eq!(
        pointer(&|v| v["tracks"][1]["automation"][0]["target"] = "fx.lp.nope".into()),
        "/tracks/1/automation/0/target"
    );
    assert_eq!(
        pointer(&|v| v["tracks"][0]["instrument"] = serde_json::json!({"preset": "nope"})),
        "/tracks/0/instrument/preset"
    );
    assert_eq!(
        pointer(&|v| v["tracks"][2]["channel"]["sends"][0]["bus"] = "hall".into()),
        "/tracks/2/channel/sends/0/bus"
    );
    assert_eq!(
        pointer(&|v| v["tracks"][2]["id"] = "kick".into()),
        "/tracks/2/id"
    );
    assert_eq!(
        pointer(&|v| v["tracks"][2]["id"] = "../x".into()),
        "/tracks/2/id"
    );
    assert_eq!(
        pointer(&|v| v["arrangement"][0]["bpm"] = 900.into()),
        "/arrangement"
    );
}
