//! Helpers shared by the CLI test files: running the binary, reading its JSON lines, writing
//! 16-bit WAVs (including long ones written fast by repeating a block) and reading the peak
//! memory the binary logs with `-v`.
// Each test file compiles this module on its own and uses a subset of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

/// Runs the `tonewheel` binary built for these tests (log filter from the environment removed).
pub fn tonewheel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tonewheel"))
        .args(args)
        .env_remove("TONEWHEEL_LOG")
        .output()
        .expect("run tonewheel")
}

/// Every stdout line parsed as one JSON object.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// The 44-byte header of a 16-bit PCM WAV with `data_bytes` of samples.
pub fn pcm16_header(rate: u32, channels: u16, data_bytes: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(44);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_bytes).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    h.extend_from_slice(&(channels * 2).to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_bytes.to_le_bytes());
    h
}

/// Planar channels as interleaved 16-bit little-endian samples.
pub fn pcm16_interleaved(channels: &[Vec<f32>]) -> Vec<u8> {
    let n = channels[0].len();
    let mut b = Vec::with_capacity(n * channels.len() * 2);
    for i in 0..n {
        for c in channels {
            b.extend_from_slice(&((c[i].clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes());
        }
    }
    b
}

/// Writes a 16-bit PCM WAV from planar channels.
pub fn write_wav(path: &Path, rate: u32, channels: &[Vec<f32>]) {
    let data = pcm16_interleaved(channels);
    let mut b = pcm16_header(rate, channels.len() as u16, data.len() as u32);
    b.extend_from_slice(&data);
    std::fs::write(path, b).expect("write wav");
}

/// Writes a 16-bit PCM WAV of `block` (planar channels) repeated `repeats` times: long files
/// (an hour) in seconds, without holding them in memory.
pub fn write_repeated_wav(path: &Path, rate: u32, block: &[Vec<f32>], repeats: u32) {
    let data = pcm16_interleaved(block);
    let data_bytes = u32::try_from(data.len() as u64 * u64::from(repeats)).expect("fits a WAV");
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    f.write_all(&pcm16_header(rate, block.len() as u16, data_bytes))
        .unwrap();
    for _ in 0..repeats {
        f.write_all(&data).unwrap();
    }
    f.flush().unwrap();
}

/// The peak resident memory (MB) the binary logs with `-v` (`peak_rss_mb=`, from VmHWM).
pub fn peak_rss_mb(stderr: &str) -> f64 {
    stderr
        .split("peak_rss_mb=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no peak_rss_mb in: {stderr}"))
}
