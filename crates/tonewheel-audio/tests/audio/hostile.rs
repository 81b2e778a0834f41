//! Hostile inputs give typed errors, never panics, and never allocate from header claims.

use std::path::Path;

use tonewheel_audio::{probe_info, read_all, AudioError, AudioStream};

use crate::common::fixture;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Runs all three entry points on a file and returns the read-all error.
fn all_fail(path: &Path) -> AudioError {
    let probe = probe_info(path);
    let stream = AudioStream::open(path, 4096).and_then(|mut s| {
        let mut chunk = tonewheel_audio::AudioBuffer::silent(8000, 1, 0);
        while s.read_chunk(&mut chunk)? > 0 {}
        Ok(())
    });
    let read = read_all(path);
    assert!(
        probe.is_err() || stream.is_err(),
        "{}: neither probe nor stream failed",
        path.display()
    );
    assert!(stream.is_err(), "{}: streaming succeeded", path.display());
    read.expect_err("read_all must fail")
}

/// A minimal PCM WAV header: 16-bit, with the given channels, rate and data size.
fn wav_header(channels: u16, rate: u32, data_bytes: u32) -> Vec<u8> {
    let block_align = channels.wrapping_mul(2);
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&36u32.wrapping_add(data_bytes).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&rate.wrapping_mul(u32::from(block_align)).to_le_bytes());
    h.extend_from_slice(&block_align.to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_bytes.to_le_bytes());
    h
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = all_fail(&write(dir.path(), "empty.wav", b""));
    assert!(matches!(e, AudioError::Empty { .. }), "{e}");
}

#[test]
fn random_bytes_named_wav() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0xDEAD_BEEFu32;
    let bytes: Vec<u8> = (0..65_536)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect();
    let e = all_fail(&write(dir.path(), "noise.wav", &bytes));
    assert!(matches!(e, AudioError::UnsupportedFormat { .. }), "{e}");
}

#[test]
fn text_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = all_fail(&write(
        dir.path(),
        "notes.flac",
        b"Remember to bounce the stems at 24-bit.\n",
    ));
    assert!(
        matches!(e, AudioError::UnsupportedFormat { ref reason, .. } if reason.contains("text")),
        "{e}"
    );
}

#[test]
fn directory_and_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        read_all(dir.path()),
        Err(AudioError::NotAFile { .. })
    ));
    assert!(matches!(
        probe_info(dir.path()),
        Err(AudioError::NotAFile { .. })
    ));
    let missing = dir.path().join("nope.wav");
    let e = read_all(&missing).unwrap_err();
    assert!(matches!(e, AudioError::NotFound { .. }), "{e}");
    assert!(e.to_string().contains("nope.wav"));
}

#[test]
fn truncated_wav_flac_and_mp3() {
    let dir = tempfile::tempdir().unwrap();
    for (name, keep) in [
        ("pcm_s16_stereo.wav", 0.5),
        ("tone_stereo.flac", 0.5),
        ("tone_mono.mp3", 0.5),
    ] {
        let full = std::fs::read(fixture(name)).unwrap();
        let cut = &full[..(full.len() as f64 * keep) as usize];
        let path = write(dir.path(), &format!("cut-{name}"), cut);
        let e = read_all(&path)
            .err()
            .unwrap_or_else(|| panic!("{name}: cut file decoded without error"));
        match &e {
            AudioError::Truncated { offset, .. } => assert_eq!(*offset, cut.len() as u64, "{name}"),
            AudioError::Corrupt { .. } => {}
            other => panic!("{name}: unexpected error {other}"),
        }
        assert!(e.to_string().contains(&format!("cut-{name}")), "{e}");
    }
    // A WAV cut inside its header.
    let full = std::fs::read(fixture("pcm_s16_stereo.wav")).unwrap();
    let path = write(dir.path(), "header-only.wav", &full[..30]);
    let e = read_all(&path).unwrap_err();
    assert!(
        matches!(e, AudioError::Truncated { .. } | AudioError::Corrupt { .. }),
        "{e}"
    );
}

#[test]
fn absurd_wav_headers_are_rejected_before_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = wav_header(2, 44_100, 400);
    body.extend(std::iter::repeat_n(0u8, 400));

    // 65 535 channels (the most a WAV header can state).
    let mut h = body.clone();
    h[22..24].copy_from_slice(&u16::MAX.to_le_bytes());
    let e = all_fail(&write(dir.path(), "channels.wav", &h));
    assert!(
        matches!(
            e,
            AudioError::LimitExceeded {
                what: "channel count",
                found: 65_535,
                ..
            }
        ),
        "{e}"
    );

    // A 4 GHz sample rate.
    let mut h = body.clone();
    h[24..28].copy_from_slice(&4_000_000_000u32.to_le_bytes());
    let e = all_fail(&write(dir.path(), "rate.wav", &h));
    assert!(
        matches!(
            e,
            AudioError::LimitExceeded {
                what: "sample rate (Hz)",
                ..
            }
        ),
        "{e}"
    );

    // A data chunk claiming 4 GB in a 444-byte file.
    let mut h = body.clone();
    h[40..44].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let e = all_fail(&write(dir.path(), "size.wav", &h));
    assert!(
        matches!(e, AudioError::Truncated { offset: 444, .. }),
        "{e}"
    );

    // Zero channels.
    let mut h = body.clone();
    h[22..24].copy_from_slice(&0u16.to_le_bytes());
    let e = all_fail(&write(dir.path(), "zero.wav", &h));
    assert!(matches!(e, AudioError::Corrupt { .. }), "{e}");

    // A LIST chunk claiming 3 GB before the data.
    let mut h = wav_header(2, 44_100, 400);
    let data_at = h.len() - 8;
    let mut list = b"LIST".to_vec();
    list.extend_from_slice(&3_000_000_000u32.to_le_bytes());
    h.splice(data_at..data_at, list);
    let e = all_fail(&write(dir.path(), "list.wav", &h));
    assert!(matches!(e, AudioError::Truncated { .. }), "{e}");
}

#[test]
fn streaming_unknown_length_wav_reads_to_the_end() {
    // Streaming encoders write 0xFFFFFFFF as the data size; the data runs to the end.
    let dir = tempfile::tempdir().unwrap();
    let mut h = wav_header(1, 8000, u32::MAX);
    h.extend(std::iter::repeat_n(0u8, 1600));
    let path = write(dir.path(), "streamed.wav", &h);
    let audio = read_all(&path).unwrap();
    assert_eq!(audio.frames(), 800);
}
