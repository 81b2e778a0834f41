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
    /// Render one note of a preset (JSON file or factory id) to WAV.
    Render(RenderArgs),
    /// Analyse audio files or folders: loudness, timbre, stereo, tempo, key, pitch, regions.
    Analyze(AnalyzeArgs),
    /// List and validate presets.
    #[command(subcommand)]
    Presets(PresetsCommand),
    /// The catalogue: import analysed files, list, search and count them.
    #[command(subcommand)]
    Library(LibraryCommand),
    /// Build a session from a genre template and render it (session, mix, stems, MIDI).
    Generate(GenerateArgs),
    /// Change a session with PARAM=VALUE edits (tempo, key, levels, effect parameters...).
    Modify(ModifyArgs),
    /// Render sessions.
    #[command(subcommand)]
    Session(SessionCommand),
    /// Export a session as a WAV mix, WAV stems or MIDI files.
    Export(ExportArgs),
    /// The pattern library: add, list, search, show, import, export.
    #[command(subcommand)]
    Patterns(PatternsCommand),
    /// Serve the HTTP API (presets, previews, renders, the sample library, OpenAPI) until
    /// Ctrl-C or SIGTERM.
    Serve(ServeArgs),
}

/// `tonewheel serve [--addr 127.0.0.1:7878] [--data DIR] [--presets DIR] [--token T]
/// [--database-url URL] [--library DIR]... [--max-upload-mb N]`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; a non-loopback address requires a token.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub addr: std::net::SocketAddr,
    /// Data folder: cached previews and temporary renders.
    #[arg(long, default_value = "tonewheel-data")]
    pub data: PathBuf,
    /// Folder of user presets (*.json) served besides the factory library.
    #[arg(long)]
    pub presets: Option<PathBuf>,
    /// Bearer token every request must carry (default: the TONEWHEEL_TOKEN variable).
    #[arg(long)]
    pub token: Option<String>,
    /// Size limit of the preview cache in MiB (oldest previews are deleted past it).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub cache_mb: u64,
    /// PostgreSQL URL of the catalogue (postgres://user@host:5432/db); default: env
    /// TONEWHEEL_DATABASE_URL, else the SQLite file DATA/tonewheel.db.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// A folder POST /analyze may read files from (repeatable); without one it reads none.
    #[arg(long = "library", value_name = "DIR")]
    pub library: Vec<PathBuf>,
    /// Largest accepted upload in MB (10^6 bytes).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_upload_mb: u64,
}

/// `tonewheel generate GENRE BPM [--bars N] [--key K] [--seed S] [-o DIR] [--json]`
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Genre id or alias: gabber, hardcore, hardstyle, techno, house, trance, dnb
    /// (drum-and-bass), dubstep, hiphop (hip-hop), lofi (lo-fi).
    pub genre: String,
    /// Tempo in BPM (20..=300; checked by the verb so a bad tempo exits 1).
    pub bpm: f64,
    /// Length in bars, spread over the genre's sections.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub bars: u32,
    /// Key such as "F minor" (default: the genre's most typical key).
    #[arg(long)]
    pub key: Option<String>,
    /// Seed: the same arguments and seed give the same session and bit-identical audio.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output folder (default: ./GENRE-BPM).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Print one JSON object with what was written and measured.
    #[arg(long)]
    pub json: bool,
}

/// `tonewheel modify SESSION PARAM=VALUE... [--render] [--json]`
#[derive(Debug, Args)]
pub struct ModifyArgs {
    /// A session.json file, or a folder holding one.
    pub session: PathBuf,
    /// Edits: bpm=190, key="A minor", bass.volume=-3dB, bass.pan=-0.2, bass.mute=true,
    /// kick.saturation.drive=12dB, master.limiter.ceiling=-1dB, master.volume=-1dB,
    /// lead.clip=riff.mid, hats.pattern="hh*8". All are checked before anything is written.
    #[arg(required = true)]
    pub params: Vec<String>,
    /// Render the mix again after the edit (mix.wav beside the session).
    #[arg(long)]
    pub render: bool,
    /// Print one JSON object with the applied changes.
    #[arg(long)]
    pub json: bool,
}

/// `tonewheel session ...`
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Render a session's mix (and stems with --stems) at its own sample rate.
    Render(SessionRenderArgs),
}

/// `tonewheel session render SESSION [-o DIR] [--stems] [--json]`
#[derive(Debug, Args)]
pub struct SessionRenderArgs {
    /// A session.json file, or a folder holding one.
    pub session: PathBuf,
    /// Output folder (default: the session's folder).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Also write one WAV per track under stems/.
    #[arg(long)]
    pub stems: bool,
    /// Print one JSON object with what was written and measured.
    #[arg(long)]
    pub json: bool,
}

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The mix as one WAV file.
    Wav,
    /// One WAV file per track in a folder.
    Stems,
    /// One Standard MIDI File per track in a folder.
    Midi,
}

/// `tonewheel export SESSION --format wav|stems|midi [-o PATH] [--bit-depth 16|24] [--sample-rate HZ]`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A session.json file, or a folder holding one.
    pub session: PathBuf,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Output file (wav) or folder (stems, midi); default: export.wav, export-stems/ or midi/
    /// beside the session.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// PCM bit depth (TPDF-dithered).
    #[arg(long, default_value = "24", value_parser = ["16", "24"])]
    pub bit_depth: String,
    /// Sample rate in Hz (default: the session's; other rates are resampled with the
    /// high-quality sinc resampler).
    #[arg(long, value_parser = ["44100", "48000"])]
    pub sample_rate: Option<String>,
    /// Print one JSON object with the files written.
    #[arg(long)]
    pub json: bool,
}

/// The pattern library folder, shared by the `patterns` verbs.
#[derive(Debug, Args)]
pub struct LibraryArg {
    /// Library folder (default: $TONEWHEEL_PATTERNS, else ./tonewheel-data/patterns).
    #[arg(long, global = true)]
    pub library: Option<PathBuf>,
}

/// `tonewheel patterns ...`
#[derive(Debug, Subcommand)]
pub enum PatternsCommand {
    /// Add a pattern (validated, with an audio preview rendered beside it).
    Add(PatternsAddArgs),
    /// List patterns, optionally with one tag.
    List(PatternsListArgs),
    /// Search names, tags and pattern text; best matches first, typos tolerated.
    Search(PatternsSearchArgs),
    /// Show one pattern.
    Show(PatternsShowArgs),
    /// Import patterns from an export file (.json) or a MIDI track (.mid, quantised).
    Import(PatternsImportArgs),
    /// Export patterns to a JSON file.
    Export(PatternsExportArgs),
}

/// `tonewheel patterns add NAME PATTERN [--tags a,b] [--preset ID] [--bpm N] [--key K]`
#[derive(Debug, Args)]
pub struct PatternsAddArgs {
    /// Name (the id is made from it).
    pub name: String,
    /// Mini-notation, e.g. "bd*4, [~ hh]*4" or "c2 ~ eb2 [g2 f2]".
    pub pattern: String,
    /// Comma-separated tags.
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Factory preset for the preview of a melodic pattern.
    #[arg(long)]
    pub preset: Option<String>,
    /// Tempo of the preview.
    #[arg(long, value_parser = parse_bpm)]
    pub bpm: Option<f64>,
    /// Key that resolves scale degrees (default "C minor").
    #[arg(long)]
    pub key: Option<String>,
    /// Print the stored pattern as JSON.
    #[arg(long)]
    pub json: bool,
    /// The library folder.
    #[command(flatten)]
    pub library: LibraryArg,
}

/// `tonewheel patterns list [--tag T] [--json]`
#[derive(Debug, Args)]
pub struct PatternsListArgs {
    /// Only patterns with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// One JSON object per pattern, one per line.
    #[arg(long)]
    pub json: bool,
    /// The library folder.
    #[command(flatten)]
    pub library: LibraryArg,
}

/// `tonewheel patterns search QUERY... [--json]`
#[derive(Debug, Args)]
pub struct PatternsSearchArgs {
    /// Words to look for.
    #[arg(required = true)]
    pub query: Vec<String>,
    /// One JSON object per match (with its score), one per line.
    #[arg(long)]
    pub json: bool,
    /// The library folder.
    #[command(flatten)]
    pub library: LibraryArg,
}

/// `tonewheel patterns show ID [--json]`
#[derive(Debug, Args)]
pub struct PatternsShowArgs {
    /// Pattern id.
    pub id: String,
    /// Print the pattern as JSON.
    #[arg(long)]
    pub json: bool,
    /// The library folder.
    #[command(flatten)]
    pub library: LibraryArg,
}

/// `tonewheel patterns import FILE.json|FILE.mid [--track N] [--grid 16] [--name N] [--tags a,b]`
#[derive(Debug, Args)]
pub struct PatternsImportArgs {
    /// An export file (.json) or a Standard MIDI File (.mid, .midi).
    pub file: PathBuf,
    /// MIDI: track index in the file (default: the first with notes).
    #[arg(long)]
    pub track: Option<usize>,
    /// MIDI: quantising grid, steps per 4/4 bar (4, 8, 12, 16, 24, 32).
    #[arg(long, default_value_t = 16)]
    pub grid: u32,
    /// MIDI: pattern name (default: the track name, else the file name).
    #[arg(long)]
    pub name: Option<String>,
    /// MIDI: comma-separated tags.
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// MIDI: preview preset of a melodic track.
    #[arg(long)]
    pub preset: Option<String>,
    /// Print the stored patterns as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// The library folder.
    #[command(flatten)]
    pub library: LibraryArg,
}

/// `tonewheel patterns export ID...|--all -o FILE.json`
#[derive(Debug, Args)]
pub struct PatternsExportArgs {
    /// Pattern ids.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub ids: Vec<String>,
    /// Export every pattern.
    #[arg(long)]
    pub all: bool,
    /// Output file (written atomically).
    #[arg(short, long)]
    pub output: PathBuf,
    /// The library folder.
    #[command(flatten)]
    pub library: LibraryArg,
}

fn parse_bpm(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .map_err(|_| format!("expected a tempo in BPM, found {text}"))?;
    if (20.0..=300.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("expected 20..=300 BPM, found {text}"))
    }
}

/// `tonewheel library ...`
#[derive(Debug, Subcommand)]
pub enum LibraryCommand {
    /// Analyse files and folders into the catalogue (unchanged files are skipped).
    Import(LibraryImportArgs),
    /// List catalogued files.
    List(LibraryListArgs),
    /// Search catalogued files by words, key, tempo, role and tags.
    Search(LibrarySearchArgs),
    /// Show one catalogued file with its regions and every analyzer result.
    Show(LibraryShowArgs),
    /// Counts by status, total duration, files per key and per tempo range.
    Stats(LibraryStatsArgs),
}

/// Where the catalogue is (shared by every `library` verb).
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Data folder; the catalogue is DATA/tonewheel.db (SQLite) unless a database URL is given.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user@host:5432/db); default: env TONEWHEEL_DATABASE_URL, else
    /// the SQLite file in the data folder.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// `tonewheel library import DIR... [--jobs N] [--json]`
#[derive(Debug, Args)]
pub struct LibraryImportArgs {
    /// Audio files or folders (searched recursively, as `analyze` does).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Files analysed in parallel (default: the number of cores).
    #[arg(short, long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
    /// One JSON object per file, then one with the totals.
    #[arg(long)]
    pub json: bool,
    /// Catalogue location.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `tonewheel library list [--json]`
#[derive(Debug, Args)]
pub struct LibraryListArgs {
    /// At most this many files (default: all, up to 10000 per page).
    #[arg(long, default_value_t = 0)]
    pub limit: u32,
    /// Skip this many files (paging).
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// One JSON object per file.
    #[arg(long)]
    pub json: bool,
    /// Catalogue location.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `tonewheel library search [QUERY] [--role R] [--key K] [--bpm LO-HI] [--tag T]... [--json]`
#[derive(Debug, Args)]
pub struct LibrarySearchArgs {
    /// Words that must all appear in the path (file or folder names) or the tags.
    pub query: Option<String>,
    /// Role (kick, snare, clap, hat, perc, bass, pad, lead, pluck, keys, arp, fx): files tagged
    /// with it, from their file name or by a person.
    #[arg(long)]
    pub role: Option<String>,
    /// Key: "F minor", "F#m", "Bb major", or a tonic alone.
    #[arg(long)]
    pub key: Option<String>,
    /// Tempo range in BPM (120-130) or a tempo (128, ±0.5).
    #[arg(long)]
    pub bpm: Option<String>,
    /// Duration range in seconds (0-2).
    #[arg(long)]
    pub duration: Option<String>,
    /// A tag the file must carry (repeatable).
    #[arg(long)]
    pub tag: Vec<String>,
    /// Only files that failed to analyse (`error`) or succeeded (`ok`).
    #[arg(long, value_parser = ["ok", "error"])]
    pub status: Option<String>,
    /// At most this many files (default: up to 10000).
    #[arg(long, default_value_t = 0)]
    pub limit: u32,
    /// One JSON object per file.
    #[arg(long)]
    pub json: bool,
    /// Catalogue location.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `tonewheel library show ID [--json]`
#[derive(Debug, Args)]
pub struct LibraryShowArgs {
    /// File id (from `list` or `search`).
    pub id: i64,
    /// The whole record as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Catalogue location.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `tonewheel library stats [--json]`
#[derive(Debug, Args)]
pub struct LibraryStatsArgs {
    /// One JSON object.
    #[arg(long)]
    pub json: bool,
    /// Catalogue location.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `tonewheel presets ...`
#[derive(Debug, Subcommand)]
pub enum PresetsCommand {
    /// List the factory presets.
    List(PresetsListArgs),
    /// Validate preset files; exits 1 and lists every problem if any is invalid.
    Validate(PresetsValidateArgs),
    /// Write valid, role-consistent variations of the factory presets (for scale testing).
    Generate(PresetsGenerateArgs),
}

/// `tonewheel presets generate --count N --seed S -o DIR [--amount A]`
#[derive(Debug, Args)]
pub struct PresetsGenerateArgs {
    /// How many presets to write (cycling through the factory presets).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub count: u32,
    /// Seed: the same seed writes the same files.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output folder (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
    /// How far parameters move, 0..1.
    #[arg(long, default_value_t = 0.5)]
    pub amount: f64,
}

/// `tonewheel presets list [--role R] [--tag T] [--json]`
#[derive(Debug, Args)]
pub struct PresetsListArgs {
    /// Only presets of this role (pad, bass, lead, pluck, keys, arp, kick, snare, clap, hat, perc, fx).
    #[arg(long)]
    pub role: Option<String>,
    /// Only presets with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// One JSON object per preset, one per line.
    #[arg(long)]
    pub json: bool,
}

/// `tonewheel presets validate FILE...`
#[derive(Debug, Args)]
pub struct PresetsValidateArgs {
    /// Preset JSON files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// `tonewheel render PRESET [-o OUT.wav] [--duration S] [--note C3|--freq HZ] ...`
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Preset JSON file, or the id of a factory preset (see `tonewheel presets list`).
    pub preset: PathBuf,
    /// Output WAV file (written atomically).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Total length in seconds (default: the preset's note length plus a 2 s tail, at most 8 s).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<f64>,
    /// Note to play (C3, F#2, Bb4 or a MIDI number); default: the preset's preview note.
    #[arg(long, conflicts_with = "freq")]
    pub note: Option<String>,
    /// Frequency to play in Hz instead of a note.
    #[arg(long)]
    pub freq: Option<f64>,
    /// Velocity 1..127 (default: the preset's).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=127))]
    pub velocity: Option<u8>,
    /// Sample rate in Hz.
    #[arg(long, default_value_t = 48_000, value_parser = clap::value_parser!(u32).range(8000..=192_000))]
    pub sample_rate: u32,
    /// Output format: 16, 24 or 32f.
    #[arg(long, default_value = "24", value_parser = ["16", "24", "32f"])]
    pub bit_depth: String,
    /// Print one JSON object with the render's facts.
    #[arg(long)]
    pub json: bool,
}

fn parse_duration(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .parse()
        .map_err(|_| format!("expected seconds, found {text}"))?;
    if v > 0.0 && v <= 600.0 {
        Ok(v)
    } else {
        Err(format!("expected 0..600 s, found {text}"))
    }
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

/// `tonewheel analyze PATH... [--json] [--jobs N] [--analyzers a,b,..] [--peaks OUT.json] [--points N]`
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Audio files or folders (searched recursively for .wav .flac .mp3 .ogg .oga .m4a .mp4
    /// .aac files, in sorted order).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// One JSON object per file, one per line, in input order.
    #[arg(long)]
    pub json: bool,
    /// Files analysed in parallel (default: the number of cores).
    #[arg(short, long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
    /// Comma-separated analyzers to run (default: all but peaks, plus peaks with --peaks).
    #[arg(long, value_delimiter = ',')]
    pub analyzers: Option<Vec<String>>,
    /// Write waveform peaks (BBC audiowaveform JSON, overview plus `zoom`) to this file; with
    /// several input files, OUT-1.json, OUT-2.json, ... in input order.
    #[arg(long)]
    pub peaks: Option<PathBuf>,
    /// Points of the waveform overview.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(10..=1_000_000))]
    pub points: u32,
    /// Samples per pixel of the `zoom` waveform in the --peaks file (default: about 8000
    /// points per file); very long files at small values are capped at 2 000 000 pixels, and
    /// the file's `samples_per_pixel` says what was used.
    #[arg(long, requires = "peaks", value_parser = clap::value_parser!(u32).range(1..=100_000_000))]
    pub samples_per_pixel: Option<u32>,
    /// Expected tempo range MIN-MAX in BPM (e.g. 138-142): resolves the half/double-time
    /// ambiguity toward it, like a DJ program's BPM range setting.
    #[arg(long, value_name = "MIN-MAX", value_parser = parse_bpm_range)]
    pub tempo_range: Option<(f32, f32)>,
}

/// `MIN-MAX` with 20 ≤ MIN ≤ MAX ≤ 400.
fn parse_bpm_range(text: &str) -> Result<(f32, f32), String> {
    let (lo, hi) = text
        .split_once('-')
        .ok_or_else(|| format!("expected MIN-MAX in BPM, found {text:?}"))?;
    let parse = |v: &str| {
        v.trim()
            .parse::<f32>()
            .map_err(|_| format!("expected a number of BPM, found {v:?}"))
    };
    let (lo, hi) = (parse(lo)?, parse(hi)?);
    if !(20.0..=400.0).contains(&lo) || !(lo..=400.0).contains(&hi) {
        return Err(format!(
            "expected 20 <= MIN <= MAX <= 400 BPM, found {lo}-{hi}"
        ));
    }
    Ok((lo, hi))
}
