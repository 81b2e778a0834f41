//! `tonewheel analyze` end to end: JSON fields, bad files in a batch, folders, peaks, usage
//! errors and bounded memory on a 60-minute file.

use std::path::Path;

mod common;
use common::{json_lines, peak_rss_mb, tonewheel, write_repeated_wav, write_wav};

/// `seconds` of 120 BPM kicks (decaying 60 Hz bursts) under an A-minor triad, stereo.
fn music(seconds: f64, rate: u32) -> Vec<Vec<f32>> {
    let n = (seconds * f64::from(rate)) as usize;
    let beat = (0.5 * f64::from(rate)) as usize;
    let tone = |f: f64, i: usize| (std::f64::consts::TAU * f * i as f64 / f64::from(rate)).sin();
    let l: Vec<f32> = (0..n)
        .map(|i| {
            let t = (i % beat) as f64 / f64::from(rate);
            let kick = (-t * 30.0).exp() * tone(60.0, i);
            let chord = (tone(220.0, i) + tone(261.63, i) + tone(329.63, i)) / 3.0;
            (0.5 * kick + 0.2 * chord) as f32
        })
        .collect();
    let r = l.iter().map(|s| s * 0.9).collect();
    vec![l, r]
}

#[test]
fn json_has_every_documented_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loop.wav");
    write_wav(&path, 44_100, &music(6.0, 44_100));
    let out = tonewheel(&["analyze", "--json", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = &json_lines(&out)[0];
    for key in [
        "file",
        "duration_s",
        "sample_rate",
        "channels",
        "elapsed_ms",
        "pitch",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["sample_rate"], 44_100);
    assert_eq!(v["channels"], 2);
    assert!((v["duration_s"].as_f64().unwrap() - 6.0).abs() < 1e-6);
    for key in [
        "integrated_lufs",
        "range_lu",
        "true_peak_dbtp",
        "sample_peak_dbfs",
        "momentary_max_lufs",
        "short_term_max_lufs",
    ] {
        assert!(
            v["loudness"][key].is_number(),
            "loudness.{key}: {}",
            v["loudness"]
        );
    }
    assert!(v["tempo"]["beats_s"].is_array() && v["tempo"].get("bpm").is_some());
    assert!(v["tempo"].get("confidence").is_some());
    for key in ["tonic", "mode", "confidence", "candidates"] {
        assert!(v["key"].get(key).is_some(), "key.{key}: {}", v["key"]);
    }
    assert!(v["spectral"]["centroid_hz"].is_number());
    assert!(v["stereo"]["width"].is_number() && v["stereo"]["correlation"].is_number());
    // L and R differ only in gain: fully correlated, almost no side.
    assert!(v["stereo"]["correlation"].as_f64().unwrap() > 0.99);
    let regions = v["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 1);
    assert!(regions[0]["start_s"].is_number() && regions[0]["end_s"].is_number());
    let analyzers = v["analyzers"].as_array().unwrap();
    assert!(analyzers.len() >= 8);
    for a in analyzers {
        assert_eq!(a["status"], "ok", "{a}");
        assert!(a.get("error").is_some());
    }
    // The kicks are at 120 BPM; octave readings are allowed here (accuracy is the mir tests').
    let bpm = v["tempo"]["bpm"].as_f64().unwrap_or(0.0);
    assert!(
        [60.0, 120.0, 240.0]
            .iter()
            .any(|t| (bpm - t).abs() < 0.04 * t),
        "bpm {bpm}"
    );
    // Human output: a short table.
    let out = tonewheel(&["analyze", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("loudness") && text.contains("LUFS") && text.contains("BPM"));
}

/// The decoder fixtures of `tonewheel-audio` (scripts/make-fixtures.sh): the same 0.25 s
/// tone (0.5 sin 440 Hz + 0.25 sin 1250 Hz on the left or mono channel) in every format.
fn decoder_fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tonewheel-audio/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn every_container_is_analysed_wav_flac_mp3_ogg_and_m4a() {
    // MP4 (AAC, ALAC) states its channel count only in the first decoded packet.
    let files = [
        ("pcm_s16_stereo.wav", 2),
        ("tone_stereo.flac", 2),
        ("tone_mono.mp3", 1),
        ("tone_mono.ogg", 1),
        ("tone_aac_mono.m4a", 1),
        ("tone_alac_stereo.m4a", 2),
    ];
    let paths: Vec<String> = files.iter().map(|f| decoder_fixture(f.0)).collect();
    let mut args = vec!["analyze", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let out = tonewheel(&args);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), files.len());
    // The exact signal's sample peak: 0.5 + 0.25 at most, a little less where the sines
    // don't line up; lossy codecs move it by a fraction of a dB.
    let reference_peak_db = lines[0]["loudness"]["sample_peak_dbfs"].as_f64().unwrap();
    assert!(
        (-3.0..-2.0).contains(&reference_peak_db),
        "{reference_peak_db}"
    );
    for (v, (name, channels)) in lines.iter().zip(files) {
        assert!(v.get("error").is_none(), "{name}: {v}");
        assert_eq!(v["sample_rate"], 16_000, "{name}");
        assert_eq!(v["channels"], channels, "{name}");
        let duration = v["duration_s"].as_f64().unwrap();
        assert!((0.24..0.33).contains(&duration), "{name}: {duration}");
        for a in v["analyzers"].as_array().unwrap() {
            assert_ne!(a["status"], "failed", "{name}: {a}");
        }
        let peak_db = v["loudness"]["sample_peak_dbfs"].as_f64().unwrap();
        assert!(
            (peak_db - reference_peak_db).abs() < 1.0,
            "{name}: peak {peak_db} dBFS vs {reference_peak_db}"
        );
    }
}

#[test]
fn a_bad_file_among_good_ones_exits_1_and_the_others_are_analysed_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.wav");
    let bad = dir.path().join("bad.wav");
    write_wav(&good, 22_050, &music(1.0, 22_050));
    std::fs::write(&bad, b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk").unwrap();
    let missing = dir.path().join("missing.wav");
    let (g, b, m) = (
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        missing.to_str().unwrap(),
    );
    let out = tonewheel(&[
        "analyze",
        "--json",
        "--jobs",
        "2",
        "--analyzers",
        "loudness",
        g,
        b,
        g,
        m,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 4);
    assert!(lines[0]["loudness"]["integrated_lufs"].is_number());
    assert!(lines[1]["error"]["code"].is_string());
    assert_eq!(lines[1]["file"], b);
    assert!(lines[2]["loudness"]["integrated_lufs"].is_number());
    assert_eq!(lines[3]["error"]["code"], "not_found");
    // Only the asked analyzer ran.
    assert_eq!(lines[0]["analyzers"].as_array().unwrap().len(), 1);
    assert!(lines[0].get("tempo").is_none());
}

#[test]
fn folders_are_walked_recursively_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sub/deeper")).unwrap();
    let audio = music(0.5, 22_050);
    write_wav(&dir.path().join("b.wav"), 22_050, &audio);
    write_wav(&dir.path().join("sub/deeper/a.WAV"), 22_050, &audio);
    write_wav(&dir.path().join("sub/c.wav"), 22_050, &audio);
    std::fs::write(dir.path().join("notes.txt"), "not audio").unwrap();
    let out = tonewheel(&[
        "analyze",
        "--json",
        "--analyzers",
        "spectral",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<String> = json_lines(&out)
        .iter()
        .map(|v| v["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files[0].ends_with("b.wav"));
    assert!(files[1].ends_with("sub/c.wav"));
    assert!(files[2].ends_with("sub/deeper/a.WAV"));
}

#[test]
fn peaks_are_written_in_audiowaveform_layout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tone.wav");
    write_wav(&path, 44_100, &music(2.0, 44_100));
    let peaks = dir.path().join("peaks.json");
    let out = tonewheel(&[
        "analyze",
        "--json",
        "--analyzers",
        "loudness",
        "--peaks",
        peaks.to_str().unwrap(),
        "--points",
        "200",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = &json_lines(&out)[0];
    assert_eq!(v["peaks"]["file"], peaks.to_str().unwrap());
    let p: serde_json::Value = serde_json::from_slice(&std::fs::read(&peaks).unwrap()).unwrap();
    assert_eq!(p["version"], 2);
    assert_eq!(p["channels"], 2);
    assert_eq!(p["bits"], 16);
    assert_eq!(p["sample_rate"], 44_100);
    let length = p["length"].as_u64().unwrap();
    assert!((100..=200).contains(&length), "{length}");
    assert_eq!(p["data"].as_array().unwrap().len() as u64, length * 4);
    assert!(p["samples_per_pixel"].as_u64().unwrap() * length >= 88_200);
    assert!(p["zoom"]["length"].as_u64().unwrap() > length);
}

#[test]
fn peaks_at_a_requested_samples_per_pixel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tone.wav");
    // 2 s at 44.1 kHz = 88 200 frames; 256 samples per pixel → 345 pixels (the last partial).
    let audio = music(2.0, 44_100);
    write_wav(&path, 44_100, &audio);
    let peaks = dir.path().join("peaks.json");
    let out = tonewheel(&[
        "analyze",
        "--analyzers",
        "loudness",
        "--peaks",
        peaks.to_str().unwrap(),
        "--samples-per-pixel",
        "256",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p: serde_json::Value = serde_json::from_slice(&std::fs::read(&peaks).unwrap()).unwrap();
    let zoom = &p["zoom"];
    assert_eq!(zoom["samples_per_pixel"], 256);
    assert_eq!(zoom["length"], 345);
    // Pixel 10, left channel: min and max of frames 2560..2816 in 16-bit units.
    let (lo, hi) = audio[0][2560..2816]
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), s| (a.min(*s), b.max(*s)));
    let data = zoom["data"].as_array().unwrap();
    let at = |i: usize| data[i].as_i64().unwrap();
    // Layout: per pixel, per channel, min then max.
    let (got_lo, got_hi) = (at(10 * 4), at(10 * 4 + 1));
    assert!(
        (got_lo - (f64::from(lo) * 32767.0) as i64).abs() <= 2,
        "{got_lo} vs {lo}"
    );
    assert!(
        (got_hi - (f64::from(hi) * 32767.0) as i64).abs() <= 2,
        "{got_hi} vs {hi}"
    );
    // Without --peaks the option is a usage error.
    let out = tonewheel(&[
        "analyze",
        "--samples-per-pixel",
        "256",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_unknown_analyzer_is_a_usage_error_listing_the_valid_names() {
    let out = tonewheel(&["analyze", "--analyzers", "loudness,bogus", "x.wav"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bogus") && err.contains("loudness") && err.contains("tempo"),
        "{err}"
    );
}

/// Writes `seconds` (even) of 16-bit stereo 44.1 kHz music-like audio fast: one 2-second
/// pattern written repeatedly.
fn write_long_wav(path: &Path, seconds: u32) {
    let rate = 44_100;
    write_repeated_wav(path, rate, &music(2.0, rate), seconds / 2);
}

#[test]
fn a_60_minute_file_is_analysed_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hour.wav");
    write_long_wav(&path, 3600);
    let out = tonewheel(&["-v", "analyze", "--json", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v = &json_lines(&out)[0];
    assert!((v["duration_s"].as_f64().unwrap() - 3600.0).abs() < 1e-6);
    for a in v["analyzers"].as_array().unwrap() {
        assert_eq!(a["status"], "ok", "{a}");
    }
    let curve = v["dynamics"]["energy_curve_lufs"].as_array().unwrap();
    assert_eq!(curve.len(), 3600);
    let rss_mb = peak_rss_mb(&stderr);
    eprintln!(
        "60-minute stereo 44.1 kHz analysis: peak RSS {rss_mb:.1} MB, {} ms",
        v["elapsed_ms"]
    );
    assert!(rss_mb < 300.0, "peak RSS {rss_mb} MB");
}
