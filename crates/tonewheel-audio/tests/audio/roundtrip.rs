//! Generated signals written as 16/24/32f WAV and read back.

use tonewheel_audio::{read_all, write_wav, AudioBuffer, BitDepth, Dither, WavOptions};

use crate::common::*;

fn test_signal(rate: u32, frames: usize) -> AudioBuffer {
    // Left: a 997 Hz sine at -6 dBFS; right: seeded uniform noise at -12 dBFS.
    let left: Vec<f32> = (0..frames)
        .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 997.0 * i as f32 / rate as f32).sin())
        .collect();
    let mut state = 0x1234_5678u32;
    let right: Vec<f32> = (0..frames)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state as f32 / u32::MAX as f32 * 2.0 - 1.0) * 0.25
        })
        .collect();
    AudioBuffer::from_channels(rate, vec![left, right]).unwrap()
}

#[test]
fn float32_round_trip_is_bit_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f32.wav");
    let src = test_signal(48_000, 48_000);
    write_wav(
        &path,
        &src,
        &WavOptions {
            bit_depth: BitDepth::Float32,
            dither: Dither::None,
        },
    )
    .unwrap();
    let back = read_all(&path).unwrap();
    assert_eq!(back.sample_rate(), 48_000);
    for ch in 0..2 {
        let same = src
            .channel(ch)
            .iter()
            .zip(back.channel(ch))
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "channel {ch} differs");
    }
}

#[test]
fn integer_round_trips_stay_within_the_quantisation_step() {
    let dir = tempfile::tempdir().unwrap();
    let src = test_signal(44_100, 22_050);
    for (depth, bits) in [(BitDepth::Int16, 16), (BitDepth::Int24, 24)] {
        let step = 1.0 / (1u32 << (bits - 1)) as f32;
        // Undithered: rounding error at most half a step.
        let path = dir.path().join(format!("plain{bits}.wav"));
        write_wav(
            &path,
            &src,
            &WavOptions {
                bit_depth: depth,
                dither: Dither::None,
            },
        )
        .unwrap();
        let back = read_all(&path).unwrap();
        assert_eq!(back.frames(), src.frames());
        for ch in 0..2 {
            let err = max_abs_diff(src.channel(ch), back.channel(ch));
            assert!(
                err <= 0.5 * step * 1.001,
                "{bits}-bit ch{ch}: {err} > half step {}",
                0.5 * step
            );
        }
        // TPDF-dithered: rounding plus +-1 step of triangular noise.
        let path = dir.path().join(format!("tpdf{bits}.wav"));
        write_wav(
            &path,
            &src,
            &WavOptions {
                bit_depth: depth,
                dither: Dither::Tpdf { seed: 9 },
            },
        )
        .unwrap();
        let back = read_all(&path).unwrap();
        for ch in 0..2 {
            let err = max_abs_diff(src.channel(ch), back.channel(ch));
            assert!(
                err <= 1.5 * step * 1.001,
                "{bits}-bit dithered ch{ch}: {err}"
            );
        }
    }
}

#[test]
fn dithered_writes_are_deterministic_by_seed() {
    let dir = tempfile::tempdir().unwrap();
    let src = test_signal(48_000, 4800);
    let write = |name: &str, seed: u64| {
        let p = dir.path().join(name);
        write_wav(
            &p,
            &src,
            &WavOptions {
                bit_depth: BitDepth::Int16,
                dither: Dither::Tpdf { seed },
            },
        )
        .unwrap();
        std::fs::read(p).unwrap()
    };
    assert_eq!(write("a.wav", 1), write("b.wav", 1));
    assert_ne!(write("c.wav", 1), write("d.wav", 2));
}

#[test]
fn writes_are_atomic_and_leave_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.wav");
    std::fs::write(&path, b"previous content").unwrap();
    // A NaN sample is refused: the old file must survive untouched and nothing else appear.
    let mut bad = test_signal(48_000, 100);
    bad.channel_mut(0)[50] = f32::NAN;
    assert!(write_wav(&path, &bad, &WavOptions::default()).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"previous content");
    let good = test_signal(48_000, 100);
    write_wav(&path, &good, &WavOptions::default()).unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "stray files: {names:?}");
    assert_eq!(read_all(&path).unwrap().frames(), 100);
}
