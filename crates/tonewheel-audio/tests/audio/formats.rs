//! Every promised input format decodes to the right shape and content.

use tonewheel_audio::{probe_info, read_all, ContainerFormat};

use crate::common::*;

struct Case {
    file: &'static str,
    format: ContainerFormat,
    codec: &'static str,
    channels: usize,
    bits: Option<u32>,
    /// Largest allowed sample error for lossless formats (the format's quantisation step,
    /// half an LSB of rounding, plus a little for the fixture's 64-bit source).
    lossless_tolerance: Option<f32>,
}

const CASES: &[Case] = &[
    Case {
        file: "pcm_u8_mono.wav",
        format: ContainerFormat::Wav,
        codec: "pcm_u8",
        channels: 1,
        bits: Some(8),
        lossless_tolerance: Some(1.0 / 128.0),
    },
    Case {
        file: "pcm_s16_stereo.wav",
        format: ContainerFormat::Wav,
        codec: "pcm_s16le",
        channels: 2,
        bits: Some(16),
        lossless_tolerance: Some(1.0 / 32768.0),
    },
    Case {
        file: "pcm_s24_mono.wav",
        format: ContainerFormat::Wav,
        codec: "pcm_s24le",
        channels: 1,
        bits: Some(24),
        lossless_tolerance: Some(1.0 / 8_388_608.0),
    },
    Case {
        file: "pcm_s32_mono.wav",
        format: ContainerFormat::Wav,
        codec: "pcm_s32le",
        channels: 1,
        bits: Some(32),
        lossless_tolerance: Some(1e-7),
    },
    Case {
        file: "float32_mono.wav",
        format: ContainerFormat::Wav,
        codec: "pcm_f32le",
        channels: 1,
        bits: Some(32),
        lossless_tolerance: Some(1e-7),
    },
    Case {
        file: "float64_mono.wav",
        format: ContainerFormat::Wav,
        codec: "pcm_f64le",
        channels: 1,
        bits: Some(64),
        lossless_tolerance: Some(1e-7),
    },
    Case {
        file: "extensible_s24_stereo.wav",
        format: ContainerFormat::Wav,
        codec: "pcm_s24le",
        channels: 2,
        bits: Some(24),
        lossless_tolerance: Some(1.0 / 8_388_608.0),
    },
    Case {
        file: "tone_stereo.flac",
        format: ContainerFormat::Flac,
        codec: "flac",
        channels: 2,
        bits: Some(16),
        lossless_tolerance: Some(1.0 / 32768.0),
    },
    // ffmpeg encodes ALAC from a float source at 24 bits.
    Case {
        file: "tone_alac_stereo.m4a",
        format: ContainerFormat::Mp4,
        codec: "alac",
        channels: 2,
        bits: Some(24),
        lossless_tolerance: Some(1.0 / 8_388_608.0),
    },
    Case {
        file: "tone_mono.mp3",
        format: ContainerFormat::Mp3,
        codec: "mp3",
        channels: 1,
        bits: None,
        lossless_tolerance: None,
    },
    Case {
        file: "tone_mono.ogg",
        format: ContainerFormat::Ogg,
        codec: "vorbis",
        channels: 1,
        bits: None,
        lossless_tolerance: None,
    },
    Case {
        file: "tone_aac_mono.m4a",
        format: ContainerFormat::Mp4,
        codec: "aac",
        channels: 1,
        bits: None,
        lossless_tolerance: None,
    },
];

#[test]
fn every_format_probes_with_the_right_facts() {
    for case in CASES {
        let info = probe_info(fixture(case.file)).unwrap_or_else(|e| panic!("{}: {e}", case.file));
        assert_eq!(info.format, case.format, "{}", case.file);
        assert_eq!(info.codec, case.codec, "{}", case.file);
        assert_eq!(info.sample_rate, FIXTURE_RATE, "{}", case.file);
        assert_eq!(info.channels as usize, case.channels, "{}", case.file);
        assert_eq!(info.bits_per_sample, case.bits, "{}", case.file);
        let frames = info.frames.expect("frames known or counted");
        if case.lossless_tolerance.is_some() {
            assert_eq!(frames as usize, FIXTURE_FRAMES, "{}", case.file);
        } else {
            // Lossy encoders may pad to whole codec frames (1152 for MP3, 1024 for AAC).
            let diff = (frames as i64 - FIXTURE_FRAMES as i64).abs();
            assert!(diff <= 2048, "{}: {frames} frames", case.file);
        }
    }
}

#[test]
fn lossless_formats_decode_to_the_source_within_their_quantisation_step() {
    for case in CASES.iter().filter(|c| c.lossless_tolerance.is_some()) {
        let audio = read_all(fixture(case.file)).unwrap_or_else(|e| panic!("{}: {e}", case.file));
        assert_eq!(audio.frames(), FIXTURE_FRAMES, "{}", case.file);
        assert_eq!(audio.channel_count(), case.channels);
        let tol = case.lossless_tolerance.unwrap_or(0.0);
        for ch in 0..case.channels {
            let err = max_abs_diff(audio.channel(ch), &fixture_signal(ch));
            // Rounding to the format's grid: at most one quantisation step (ffmpeg rounds,
            // 8-bit is unsigned with an offset of 128, so allow the full step).
            assert!(
                err <= tol * 1.01,
                "{} ch{ch}: max error {err} > {tol}",
                case.file
            );
        }
    }
}

#[test]
fn lossy_formats_correlate_with_the_source() {
    for case in CASES.iter().filter(|c| c.lossless_tolerance.is_none()) {
        let audio = read_all(fixture(case.file)).unwrap_or_else(|e| panic!("{}: {e}", case.file));
        let (corr, lag) = best_correlation(audio.channel(0), &fixture_signal(0), 3000);
        assert!(
            corr > 0.99,
            "{}: correlation {corr:.4} at lag {lag}",
            case.file
        );
    }
}

#[test]
fn probing_ignores_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let disguised = dir.path().join("really-a-flac.mp3");
    std::fs::copy(fixture("tone_stereo.flac"), &disguised).unwrap();
    let info = probe_info(&disguised).unwrap();
    assert_eq!(info.format, ContainerFormat::Flac);
    assert_eq!(read_all(&disguised).unwrap().frames(), FIXTURE_FRAMES);
}
