//! End-to-end tests of the `tonewheel` binary: verbs, output formats and exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};

mod common;
use common::{json_lines, peak_rss_mb, tonewheel, write_repeated_wav};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tonewheel-audio/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn info_json_reports_every_field_for_every_format() {
    let files = [
        ("pcm_s16_stereo.wav", "wav", "pcm_s16le", 2, Some(16)),
        ("float64_mono.wav", "wav", "pcm_f64le", 1, Some(64)),
        ("tone_stereo.flac", "flac", "flac", 2, Some(16)),
        ("tone_mono.mp3", "mp3", "mp3", 1, None),
        ("tone_mono.ogg", "ogg", "vorbis", 1, None),
        ("tone_aac_mono.m4a", "mp4", "aac", 1, None),
        ("tone_alac_stereo.m4a", "mp4", "alac", 2, Some(24)),
    ];
    let paths: Vec<String> = files.iter().map(|f| fixture(f.0)).collect();
    let mut args = vec!["info", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let out = tonewheel(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), files.len());
    for (v, (name, format, codec, channels, bits)) in lines.iter().zip(files) {
        assert!(v["path"].as_str().unwrap().ends_with(name));
        assert_eq!(v["format"], format, "{name}");
        assert_eq!(v["codec"], codec, "{name}");
        assert_eq!(v["sample_rate"], 16_000, "{name}");
        assert_eq!(v["channels"], channels, "{name}");
        assert_eq!(v["bits_per_sample"], serde_json::json!(bits), "{name}");
        let frames = v["frames"].as_u64().unwrap();
        let duration = v["duration_s"].as_f64().unwrap();
        assert!((duration - frames as f64 / 16_000.0).abs() < 1e-9);
        assert!((0.25..0.33).contains(&duration), "{name}: {duration}");
    }
}

#[test]
fn info_human_output_is_one_line_per_file() {
    let out = tonewheel(&[
        "info",
        &fixture("tone_stereo.flac"),
        &fixture("pcm_u8_mono.wav"),
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].contains("flac")
            && lines[0].contains("16000 Hz")
            && lines[0].contains("4000 frames")
    );
    assert!(lines[1].contains("pcm_u8") && lines[1].contains("8-bit"));
}

#[test]
fn a_bad_file_among_good_ones_is_reported_and_exit_code_is_1() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("readme.wav");
    std::fs::write(&text, "not audio at all, just words\n").unwrap();
    let missing = dir.path().join("missing.flac");
    let out = tonewheel(&[
        "info",
        "--json",
        &fixture("tone_stereo.flac"),
        text.to_str().unwrap(),
        missing.to_str().unwrap(),
        dir.path().to_str().unwrap(),
        &fixture("tone_mono.mp3"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 5, "one object per file, failed ones included");
    assert_eq!(lines[0]["format"], "flac");
    assert_eq!(lines[1]["error"]["code"], "unsupported_format");
    assert_eq!(lines[2]["error"]["code"], "not_found");
    assert_eq!(lines[3]["error"]["code"], "not_a_file");
    assert_eq!(lines[4]["format"], "mp3");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("readme.wav") && stderr.contains("missing.flac"),
        "{stderr}"
    );
}

#[test]
fn hostile_files_exit_1_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.wav", vec![], "empty"),
        (
            "random.wav",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
            "unsupported_format",
        ),
        (
            "cut.flac",
            std::fs::read(fixture("tone_stereo.flac")).unwrap()[..3000].to_vec(),
            "",
        ),
    ];
    for (name, bytes, code) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let out = tonewheel(&["info", "--json", "--verify", p.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let v = &json_lines(&out)[0];
        if !code.is_empty() {
            assert_eq!(v["error"]["code"], code, "{name}");
        } else {
            let c = v["error"]["code"].as_str().unwrap();
            assert!(c == "truncated" || c == "corrupt", "{name}: {c}");
        }
        assert!(String::from_utf8_lossy(&out.stderr).contains(name));
    }
}

fn read_wav_header(path: &Path) -> (u16, u32, u16) {
    let b = std::fs::read(path).unwrap();
    let channels = u16::from_le_bytes([b[22], b[23]]);
    let rate = u32::from_le_bytes([b[24], b[25], b[26], b[27]]);
    let bits = u16::from_le_bytes([b[34], b[35]]);
    (channels, rate, bits)
}

#[test]
fn convert_resamples_remixes_and_requantises() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out.wav");
    let out = tonewheel(&[
        "convert",
        &fixture("tone_mono.ogg"),
        out_path.to_str().unwrap(),
        "--sample-rate",
        "48000",
        "--bit-depth",
        "24",
        "--channels",
        "2",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(read_wav_header(&out_path), (2, 48_000, 24));
    let info = json_lines(&tonewheel(&["info", "--json", out_path.to_str().unwrap()]))[0].clone();
    // The Ogg file decodes to 4096 frames at 16 kHz: x3 at 48 kHz.
    assert_eq!(info["frames"], 4096 * 3);

    let mono16 = dir.path().join("mono16.wav");
    let out = tonewheel(&[
        "convert",
        &fixture("pcm_s16_stereo.wav"),
        mono16.to_str().unwrap(),
        "--channels",
        "1",
        "--bit-depth",
        "16",
    ]);
    assert!(out.status.success());
    assert_eq!(read_wav_header(&mono16), (1, 16_000, 16));

    // Defaults keep the input's rate, channels and a float input's format.
    let same = dir.path().join("same.wav");
    assert!(tonewheel(&[
        "convert",
        &fixture("float32_mono.wav"),
        same.to_str().unwrap()
    ])
    .status
    .success());
    assert_eq!(read_wav_header(&same).0, 1);
    let v = &json_lines(&tonewheel(&["info", "--json", same.to_str().unwrap()]))[0];
    assert_eq!(v["codec"], "pcm_f32le");
    assert_eq!(v["frames"], 4000);
}

#[test]
fn convert_of_a_bad_input_leaves_no_output_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.mp3");
    let mut f = std::fs::File::create(&bad).unwrap();
    f.write_all(b"ID3\x04\x00\x00\x00\x00\x00\x00").unwrap();
    drop(f);
    let out_path = dir.path().join("never.wav");
    let out = tonewheel(&["convert", bad.to_str().unwrap(), out_path.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out_path.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only the input remains");
    // clap rejects bad flag values with its own usage error (exit 2 is clap's convention).
    let out = tonewheel(&[
        "convert",
        &fixture("tone_mono.mp3"),
        out_path.to_str().unwrap(),
        "--bit-depth",
        "12",
    ]);
    assert!(!out.status.success());
    assert!(!out_path.exists());
}

/// Writes a 16-bit stereo WAV of `seconds` of a quiet 440/660 Hz tone pair, fast: one second
/// of audio is built once and written repeatedly.
fn write_long_wav(path: &Path, seconds: u32, rate: u32) {
    let tone = |hz: f64| -> Vec<f32> {
        (0..rate)
            .map(|i| {
                (0.25 * (2.0 * std::f64::consts::PI * hz * f64::from(i) / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    };
    write_repeated_wav(path, rate, &[tone(440.0), tone(660.0)], seconds);
}

#[test]
fn a_60_minute_file_is_walked_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hour.wav");
    write_long_wav(&path, 3600, 44_100);
    let out = tonewheel(&["-v", "info", "--json", "--verify", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v = &json_lines(&out)[0];
    assert_eq!(v["frames"], 3600u64 * 44_100);
    let peak_dbfs = v["verified_peak_dbfs"].as_f64().unwrap();
    assert!((peak_dbfs - (-12.04)).abs() < 0.05, "peak {peak_dbfs}");
    // The binary logs its own peak resident memory (VmHWM) with -v.
    let rss_mb = peak_rss_mb(&stderr);
    eprintln!("60-minute stereo 44.1 kHz walk: peak RSS {rss_mb:.1} MB");
    assert!(rss_mb < 64.0, "peak RSS {rss_mb} MB");
}

#[test]
fn presets_generate_writes_valid_reproducible_variations() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        let out = tonewheel(&[
            "presets",
            "generate",
            "--count",
            "250",
            "--seed",
            "5",
            "-o",
            d.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut names: Vec<_> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names.len(), 250);
    for n in &names {
        assert_eq!(
            std::fs::read(a.join(n)).unwrap(),
            std::fs::read(b.join(n)).unwrap(),
            "{n:?} differs"
        );
    }
    let files: Vec<String> = names
        .iter()
        .map(|n| a.join(n).display().to_string())
        .collect();
    let mut args = vec!["presets", "validate"];
    args.extend(files.iter().map(String::as_str));
    let out = tonewheel(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Roles are kept: every variation's role matches its source preset's file-name prefix.
    for n in &names {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(a.join(n)).unwrap()).unwrap();
        let prefix = n.to_str().unwrap().split('-').next().unwrap();
        assert_eq!(v["role"], prefix, "{n:?}");
    }
}

#[test]
fn render_reports_levels_and_quality_for_a_factory_preset() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("kick.wav");
    let out = tonewheel(&[
        "render",
        "kick-909-classic",
        "-o",
        wav.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = &json_lines(&out)[0];
    assert_eq!(v["sample_rate"], 48_000);
    // The safety stage: -18 LUFS or -6 dBTP, whichever is quieter.
    let tp = v["true_peak_dbtp"].as_f64().unwrap();
    let lufs = v["integrated_lufs"].as_f64().unwrap();
    assert!(tp <= -6.0 + 0.05, "true peak {tp}");
    assert!(lufs <= -18.0 + 0.05, "loudness {lufs}");
    assert!(
        (tp - -6.0).abs() < 0.05 || (lufs - -18.0).abs() < 0.05,
        "neither target reached: {tp} dBTP, {lufs} LUFS"
    );
    assert!(v["quality"]["overall_score"].as_f64().unwrap() >= 0.75);
    assert_eq!(read_wav_header(&wav), (2, 48_000, 24));
    // Unknown ids and invalid files exit 1 with a reason.
    let out = tonewheel(&["render", "no-such-preset"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no factory preset"));
}

#[test]
fn serve_refuses_a_public_address_without_a_token() {
    let data = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tonewheel"))
        .args(["serve", "--addr", "0.0.0.0:0", "--data"])
        .arg(data.path())
        .env_remove("TONEWHEEL_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("requires a token"));
}

#[test]
fn serve_refuses_a_missing_library_folder_and_a_bad_database_url() {
    let data = tempfile::tempdir().unwrap();
    let missing = data.path().join("no-such-samples");
    let run = |extra: &[&std::ffi::OsStr]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tonewheel"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data.path())
            .args(extra)
            .env_remove("TONEWHEEL_TOKEN")
            .env_remove("TONEWHEEL_DATABASE_URL")
            .output()
            .unwrap()
    };
    let out = run(&["--library".as_ref(), missing.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-samples"), "{stderr}");
    let out = run(&["--database-url".as_ref(), "mysql://x@localhost/db".as_ref()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unsupported database URL"), "{stderr}");
}

/// The verb serves on an ephemeral port, answers /health, and exits 0 on SIGTERM.
#[cfg(unix)]
#[test]
fn serve_answers_health_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    let data = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tonewheel"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .env_remove("TONEWHEEL_TOKEN")
        .env_remove("TONEWHEEL_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with(r#"{"status":"ok"}"#), "{response}");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
