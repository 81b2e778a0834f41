//! The values that go into the catalogue and come out of it. Everything serialises to JSON
//! (the CLI's `--json` and the server's bodies use these directly).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whether a file was analysed or failed to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Analysed; regions, results and a summary are stored.
    Ok,
    /// Could not be analysed; `error_code` and `error_text` say why.
    Error,
}

impl FileStatus {
    /// `ok` or `error`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Ok => "ok",
            FileStatus::Error => "error",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<FileStatus> {
        match text {
            "ok" => Some(FileStatus::Ok),
            "error" => Some(FileStatus::Error),
            _ => None,
        }
    }
}

/// Who set a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagSource {
    /// A person; kept when the file is re-analysed.
    User,
    /// The analysis; replaced when the file is re-analysed.
    Auto,
}

impl TagSource {
    /// `user` or `auto`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TagSource::User => "user",
            TagSource::Auto => "auto",
        }
    }

    pub(crate) fn parse(text: &str) -> TagSource {
        if text == "user" {
            TagSource::User
        } else {
            TagSource::Auto
        }
    }
}

/// One tag on a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// The tag text (lower case).
    pub tag: String,
    /// Who set it.
    pub source: TagSource,
}

/// What part of a file a region is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionKind {
    /// The whole file: file-level analyzer results hang off this region.
    File,
    /// A sounding region found by silence splitting.
    Sound,
}

impl RegionKind {
    /// `file` or `sound`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionKind::File => "file",
            RegionKind::Sound => "sound",
        }
    }

    pub(crate) fn parse(text: &str) -> RegionKind {
        if text == "file" {
            RegionKind::File
        } else {
            RegionKind::Sound
        }
    }
}

/// One analyzer's result on one region (or the whole file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzerResult {
    /// Analyzer name (`loudness`, `tempo`, ...).
    pub analyzer: String,
    /// Analyzer version, so results of an older algorithm can be found and redone.
    pub version: i64,
    /// The failure message when the analyzer failed on this span; `None` when it succeeded.
    pub error: Option<String>,
    /// The result (`null` when failed).
    pub result: Value,
}

/// A region to store, with its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionRecord {
    /// Position in the file: 0 for the whole-file region, then 1, 2, ... in time order.
    pub index: i64,
    /// Whole file or a sounding region.
    pub kind: RegionKind,
    /// Start in seconds.
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
    /// Results of each analyzer on this region.
    pub results: Vec<AnalyzerResult>,
}

/// The file-level facts kept in typed columns for filtering, plus the full summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Tempo in BPM, when the file has one.
    pub bpm: Option<f64>,
    /// Key tonic with sharps (`C`, `C#`, ... `B`), when tonal.
    pub key_tonic: Option<String>,
    /// `major` or `minor`, when tonal.
    pub key_scale: Option<String>,
    /// Integrated loudness in LUFS.
    pub integrated_lufs: Option<f64>,
    /// Length in seconds.
    pub duration_s: Option<f64>,
    /// Everything else worth showing in a list (peak, centroid, width, ...), as JSON.
    pub json: Value,
}

/// The result of analysing one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum FileOutcome {
    /// Analysed.
    Ok {
        /// The whole-file region and the sounding regions, with results.
        regions: Vec<RegionRecord>,
        /// Typed summary.
        summary: Summary,
        /// Tags the analysis gives the file (replaced on re-import; user tags are kept).
        auto_tags: Vec<String>,
    },
    /// Not analysable.
    Error {
        /// A stable code (`corrupt`, `unsupported_format`, ...).
        code: String,
        /// The reason, with the position when the decoder knows it.
        message: String,
    },
}

/// One file to import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    /// The file's path (the CLI stores absolute paths); unique in the catalogue.
    pub path: String,
    /// The name to show and search by (an upload keeps the client's file name here, while
    /// its path is the server's own); `None` means the last component of `path`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Hex digest of the file's bytes ([`crate::hash_file`]).
    pub content_hash: String,
    /// Container format (`wav`, `flac`, ...), when known.
    pub format: Option<String>,
    /// Length in seconds, when known.
    pub duration_s: Option<f64>,
    /// Sample rate in Hz, when known.
    pub sample_rate: Option<i64>,
    /// Channel count, when known.
    pub channels: Option<i64>,
    /// Analysis or failure.
    pub outcome: FileOutcome,
}

/// What [`crate::Store::import_file`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum ImportOutcome {
    /// A new file.
    Inserted {
        /// Its id.
        id: i64,
    },
    /// Already catalogued with the same content: nothing written.
    Unchanged {
        /// Its id.
        id: i64,
    },
    /// Catalogued with other content: its old results were replaced (same id).
    Replaced {
        /// Its id.
        id: i64,
    },
}

impl ImportOutcome {
    /// The file's id.
    pub fn id(self) -> i64 {
        match self {
            ImportOutcome::Inserted { id }
            | ImportOutcome::Unchanged { id }
            | ImportOutcome::Replaced { id } => id,
        }
    }
}

/// A catalogued file as lists and searches return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRow {
    /// Id.
    pub id: i64,
    /// Path.
    pub path: String,
    /// The display name: the last component of the path, or the name given at import
    /// (an upload's client file name).
    pub file_name: String,
    /// Hex digest of the bytes.
    pub content_hash: String,
    /// Container format.
    pub format: Option<String>,
    /// Length in seconds.
    pub duration_s: Option<f64>,
    /// Sample rate in Hz.
    pub sample_rate: Option<i64>,
    /// Channels.
    pub channels: Option<i64>,
    /// ok or error.
    pub status: FileStatus,
    /// Error code when status is error.
    pub error_code: Option<String>,
    /// Error message when status is error.
    pub error_text: Option<String>,
    /// Tempo in BPM.
    pub bpm: Option<f64>,
    /// Key tonic.
    pub key_tonic: Option<String>,
    /// Key scale (major/minor).
    pub key_scale: Option<String>,
    /// Integrated loudness in LUFS.
    pub integrated_lufs: Option<f64>,
    /// Tags, user and auto, sorted.
    pub tags: Vec<Tag>,
    /// First import, Unix milliseconds.
    pub created_at_ms: i64,
    /// Last change, Unix milliseconds.
    pub updated_at_ms: i64,
}

/// A stored region with its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRegion {
    /// Region id.
    pub id: i64,
    /// Position (0 = whole file).
    pub index: i64,
    /// Whole file or sounding region.
    pub kind: RegionKind,
    /// Start in seconds.
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
    /// Results by analyzer, sorted by name.
    pub results: Vec<AnalyzerResult>,
}

/// One file with everything stored about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileDetail {
    /// The file row.
    #[serde(flatten)]
    pub file: FileRow,
    /// The summary JSON (`null` for failed files).
    pub summary: Value,
    /// Regions in index order.
    pub regions: Vec<StoredRegion>,
}
