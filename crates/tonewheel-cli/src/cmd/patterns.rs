//! `tonewheel patterns add|list|search|show|import|export`: the pattern library.

use std::path::{Path, PathBuf};

use serde_json::json;
use tonewheel_compose::library::{ExportFile, Library, LibraryError, NewPattern, PatternEntry};
use tonewheel_compose::midi_import::{clip_to_pattern, import_midi_file};

use crate::cli::{
    LibraryArg, PatternsAddArgs, PatternsCommand, PatternsExportArgs, PatternsImportArgs,
    PatternsListArgs, PatternsSearchArgs, PatternsShowArgs,
};
use crate::cmd::session::{finish, user_error, Failure};
use crate::outcome::Outcome;

/// Environment variable naming the default library folder.
const LIBRARY_ENV: &str = "TONEWHEEL_PATTERNS";
/// Library folder when neither `--library` nor the environment names one.
const DEFAULT_LIBRARY: &str = "tonewheel-data/patterns";
/// Largest export file read, bytes.
const MAX_EXPORT_BYTES: u64 = 64 << 20;

/// Runs a `patterns` verb.
pub fn run(command: &PatternsCommand) -> Outcome {
    match command {
        PatternsCommand::Add(a) => finish("patterns add", add(a)),
        PatternsCommand::List(a) => finish("patterns list", list(a)),
        PatternsCommand::Search(a) => finish("patterns search", search(a)),
        PatternsCommand::Show(a) => finish("patterns show", show(a)),
        PatternsCommand::Import(a) => finish("patterns import", import(a)),
        PatternsCommand::Export(a) => finish("patterns export", export(a)),
    }
}

fn library(arg: &LibraryArg) -> Library {
    let dir = arg.library.clone().unwrap_or_else(|| {
        std::env::var_os(LIBRARY_ENV)
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_LIBRARY), PathBuf::from)
    });
    Library::open(dir)
}

/// Library errors: I/O is ours (exit 2), everything else the input's (exit 1). A pattern
/// error also shows the text with a caret under the position.
fn lib_failure(e: LibraryError) -> Failure {
    match &e {
        LibraryError::Io { .. } => Failure::from(e),
        LibraryError::Pattern { text, source } => {
            let caret = " ".repeat(source.position);
            user_error(format!("{e}\n  {text}\n  {caret}^"))
        }
        _ => user_error(e.to_string()),
    }
}

fn human(e: &PatternEntry) -> String {
    format!(
        "{:<24} {:<7} {:>5} BPM  [{}]  {}",
        e.id,
        match e.kind {
            tonewheel_compose::library::PatternKind::Drums => "drums",
            tonewheel_compose::library::PatternKind::Melodic => "melodic",
        },
        e.bpm,
        e.tags.join(","),
        e.text
    )
}

fn entry_json(lib: &Library, e: &PatternEntry) -> serde_json::Value {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    v["preview"] = json!(lib.preview_path(&e.id).display().to_string());
    v
}

fn add(args: &PatternsAddArgs) -> Result<(), Failure> {
    let lib = library(&args.library);
    let entry = lib
        .add(&NewPattern {
            name: args.name.clone(),
            text: args.pattern.clone(),
            tags: args.tags.clone(),
            preset: args.preset.clone(),
            bpm: args.bpm,
            key: args.key.clone(),
        })
        .map_err(lib_failure)?;
    if args.json {
        crate::outcome::emit(&entry_json(&lib, &entry).to_string());
    } else {
        crate::outcome::emit(&format!(
            "added {} (preview {})",
            human(&entry),
            lib.preview_path(&entry.id).display()
        ));
    }
    Ok(())
}

fn list(args: &PatternsListArgs) -> Result<(), Failure> {
    let lib = library(&args.library);
    let entries = lib.list(args.tag.as_deref()).map_err(lib_failure)?;
    for e in &entries {
        if args.json {
            crate::outcome::emit(&entry_json(&lib, e).to_string());
        } else {
            crate::outcome::emit(&human(e));
        }
    }
    if !args.json && entries.is_empty() {
        eprintln!("no patterns in {}", lib.dir().display());
    }
    Ok(())
}

fn search(args: &PatternsSearchArgs) -> Result<(), Failure> {
    let lib = library(&args.library);
    let query = args.query.join(" ");
    let hits = lib.search(&query).map_err(lib_failure)?;
    for (score, e) in &hits {
        if args.json {
            let mut v = entry_json(&lib, e);
            v["score"] = json!(score);
            crate::outcome::emit(&v.to_string());
        } else {
            crate::outcome::emit(&format!("{score:>5.1}  {}", human(e)));
        }
    }
    if !args.json && hits.is_empty() {
        eprintln!("no pattern matches {query:?}");
    }
    Ok(())
}

fn show(args: &PatternsShowArgs) -> Result<(), Failure> {
    let lib = library(&args.library);
    let e = lib.get(&args.id).map_err(lib_failure)?;
    if args.json {
        crate::outcome::emit(&entry_json(&lib, &e).to_string());
    } else {
        crate::outcome::emit(&format!("id       {}", e.id));
        crate::outcome::emit(&format!("name     {}", e.name));
        crate::outcome::emit(&format!("pattern  {}", e.text));
        crate::outcome::emit(&format!("tags     {}", e.tags.join(", ")));
        crate::outcome::emit(&format!(
            "preview  {} ({} BPM, {}{})",
            lib.preview_path(&e.id).display(),
            e.bpm,
            e.key,
            e.preset
                .as_ref()
                .map_or(String::new(), |p| format!(", {p}"))
        ));
        crate::outcome::emit(&format!("created  {}", e.created));
    }
    Ok(())
}

fn is_midi(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "mid" | "midi" | "smf"))
}

fn import(args: &PatternsImportArgs) -> Result<(), Failure> {
    let lib = library(&args.library);
    let stored = if is_midi(&args.file) {
        let m = import_midi_file(&args.file, args.track).map_err(|e| {
            let io = matches!(
                e,
                tonewheel_compose::midi_import::MidiImportError::Io { .. }
            );
            let f = user_error(format!("{}: {e}", args.file.display()));
            if io && args.file.exists() {
                Failure {
                    outcome: Outcome::InternalError,
                    ..f
                }
            } else {
                f
            }
        })?;
        let text = clip_to_pattern(&m.track.clip, m.track.drums, args.grid)
            .map_err(|e| user_error(format!("{}: {e}", args.file.display())))?;
        let name = args
            .name
            .clone()
            .or(m.track.name.clone())
            .unwrap_or_else(|| {
                args.file
                    .file_stem()
                    .map_or("midi".into(), |s| s.to_string_lossy().into_owned())
            });
        vec![lib
            .add(&NewPattern {
                name,
                text,
                tags: args.tags.clone(),
                preset: args.preset.clone(),
                // Tempo events store whole microseconds per beat: 140 BPM reads back as
                // 140.00014, so keep two decimals.
                bpm: m
                    .bpm
                    .map(|b| ((b * 100.0).round() / 100.0).clamp(20.0, 300.0)),
                key: None,
            })
            .map_err(lib_failure)?]
    } else {
        use std::io::Read;
        let mut text = String::new();
        std::fs::File::open(&args.file)
            .and_then(|f| f.take(MAX_EXPORT_BYTES + 1).read_to_string(&mut text))
            .map_err(|e| user_error(format!("{}: {e}", args.file.display())))?;
        if text.len() as u64 > MAX_EXPORT_BYTES {
            return Err(user_error(format!(
                "{}: larger than {MAX_EXPORT_BYTES} bytes",
                args.file.display()
            )));
        }
        lib.import_json(&text, &args.file.display().to_string())
            .map_err(lib_failure)?
    };
    for e in &stored {
        if args.json {
            crate::outcome::emit(&entry_json(&lib, e).to_string());
        } else {
            crate::outcome::emit(&format!("imported {}", human(e)));
        }
    }
    Ok(())
}

fn export(args: &PatternsExportArgs) -> Result<(), Failure> {
    let lib = library(&args.library);
    let patterns = if args.all {
        lib.entries().map_err(lib_failure)?
    } else {
        args.ids
            .iter()
            .map(|id| lib.get(id))
            .collect::<Result<Vec<_>, _>>()
            .map_err(lib_failure)?
    };
    let count = patterns.len();
    let text = serde_json::to_string_pretty(&ExportFile { patterns })? + "\n";
    let dir = match args.output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    tmp.persist(&args.output).map_err(|e| e.error)?;
    crate::outcome::emit(&format!(
        "exported {count} pattern(s) to {}",
        args.output.display()
    ));
    Ok(())
}
