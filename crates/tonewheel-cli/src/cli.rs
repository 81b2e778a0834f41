//! Command-line syntax: every verb and flag, with the help text `--help` prints.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// tonewheel: audition presets, analyse audio, compose and produce.
#[derive(Debug, Parser)]
#[command(name = "tonewheel", version, about, propagate_version = true)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// The verb to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show format, codec, rate, channels and length of audio files.
    Info(InfoArgs),
    /// Decode any supported audio file and write it as WAV.
    Convert(ConvertArgs),
}

/// `tonewheel info FILE... [--json] [--verify]`
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Audio files (WAV, FLAC, MP3, Ogg Vorbis, AAC/ALAC in MP4/M4A), probed by content.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// One JSON object per file, one per line.
    #[arg(long)]
    pub json: bool,
    /// Decode every file completely (streaming, bounded memory) to prove it is intact; reports
    /// the decoded frame count and sample peak.
    #[arg(long)]
    pub verify: bool,
}

/// Output bit depth for `convert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BitDepthArg {
    /// 16-bit PCM (TPDF-dithered).
    #[value(name = "16")]
    Int16,
    /// 24-bit PCM (TPDF-dithered).
    #[value(name = "24")]
    Int24,
    /// 32-bit float (lossless for our f32 pipeline).
    #[value(name = "32f")]
    Float32,
}

/// `tonewheel convert IN OUT [--sample-rate HZ] [--bit-depth 16|24|32f] [--channels 1|2]`
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input audio file (any supported format).
    pub input: PathBuf,
    /// Output WAV file (written atomically: it appears only when complete).
    pub output: PathBuf,
    /// Output sample rate in Hz (high-quality sinc resampling); default: keep the input's.
    #[arg(long, value_parser = clap::value_parser!(u32).range(8000..=384_000))]
    pub sample_rate: Option<u32>,
    /// Output sample format; default: the input's when it is 16/24-bit PCM or float, else 24.
    #[arg(long, value_enum)]
    pub bit_depth: Option<BitDepthArg>,
    /// Output channel count: 1 (mono downmix) or 2 (stereo); default: keep the input's.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=2))]
    pub channels: Option<u16>,
}
