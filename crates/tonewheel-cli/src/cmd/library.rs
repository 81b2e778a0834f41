//! `tonewheel library ...`: the catalogue verbs. `import` analyses files in parallel (the
//! `analyze` machinery) and stores each in one transaction; `list`, `search`, `show` and
//! `stats` read it back. The catalogue is a SQLite file in the data folder unless a
//! PostgreSQL URL is given (`--database-url` or `TONEWHEEL_DATABASE_URL`).

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use tonewheel_analysis::engine::Engine;
use tonewheel_store::{
    FileOutcome, FileQuery, FileRecord, FileRow, FileStatus, ImportOutcome, KeyFilter, Range,
    Store, StoreConfig, StoreError,
};

use crate::cli::{
    LibraryCommand, LibraryImportArgs, LibraryListArgs, LibrarySearchArgs, LibraryShowArgs,
    LibraryStatsArgs, StoreArgs,
};
use crate::outcome::Outcome;

/// Runs a `library` verb.
pub fn run(command: &LibraryCommand) -> Outcome {
    // One worker thread is plenty: the database work is one import or query at a time; the
    // analysis runs on its own thread pool.
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tonewheel library: cannot start the async runtime: {e}");
            return Outcome::InternalError;
        }
    };
    let store_args = match command {
        LibraryCommand::Import(a) => &a.store,
        LibraryCommand::List(a) => &a.store,
        LibraryCommand::Search(a) => &a.store,
        LibraryCommand::Show(a) => &a.store,
        LibraryCommand::Stats(a) => &a.store,
    };
    let store = match open(&rt, store_args) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let outcome = match command {
        LibraryCommand::Import(a) => import(&rt, &store, a),
        LibraryCommand::List(a) => list(&rt, &store, a),
        LibraryCommand::Search(a) => search(&rt, &store, a),
        LibraryCommand::Show(a) => show(&rt, &store, a),
        LibraryCommand::Stats(a) => stats(&rt, &store, a),
    };
    // Closing lets SQLite checkpoint its WAL into the main file.
    rt.block_on(store.close());
    outcome
}

fn open(rt: &tokio::runtime::Runtime, args: &StoreArgs) -> Result<Store, Outcome> {
    let config = StoreConfig::resolve(args.data.clone(), args.database_url.clone());
    rt.block_on(Store::open(&config)).map_err(|e| {
        eprintln!("tonewheel library: {e}");
        // A wrong URL, an unreachable server or an unwritable folder is the user's to fix.
        Outcome::InputError
    })
}

/// Prints a store error and maps it to an outcome: bad values are the user's, the rest ours.
fn store_failure(e: &StoreError) -> Outcome {
    eprintln!("tonewheel library: {e}");
    match e {
        StoreError::Invalid { .. } | StoreError::Read { .. } => Outcome::InputError,
        _ => Outcome::InternalError,
    }
}

/// What a worker found out about one file before the (sequential) database write.
enum Prepared {
    /// Same path and content hash as catalogued: nothing to do.
    Unchanged { path: String, id: i64 },
    /// A record to store (analysed, or failed to decode).
    Record(Box<FileRecord>),
    /// The bytes could not be read (nothing can be recorded without a content hash).
    Unreadable { path: String, message: String },
    /// The catalogue lookup failed.
    StoreFailed(StoreError),
}

/// Counts for the import summary; every file lands in exactly one.
#[derive(Default)]
struct ImportCounts {
    imported: u64,
    skipped: u64,
    replaced: u64,
    failed: u64,
}

fn import(rt: &tokio::runtime::Runtime, store: &Store, args: &LibraryImportArgs) -> Outcome {
    let files = crate::batch::collect_files(&args.paths);
    if files.is_empty() {
        eprintln!("tonewheel library import: no audio files found");
        return Outcome::InputError;
    }
    let pool = match crate::batch::thread_pool(args.jobs) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("tonewheel library import: {e}");
            return Outcome::InternalError;
        }
    };
    // The analyze verb's default set: every analyzer but the waveform (peaks are drawn on
    // demand, not catalogued); the server's imports use the same engine.
    let engine = match tonewheel_store::import_engine() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("tonewheel library import: {e}");
            return Outcome::InternalError;
        }
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(files.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:30} {pos}/{len} files  {elapsed} ({eta} left)")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let handle = rt.handle().clone();
    let mut counts = ImportCounts::default();
    let mut outcome = Outcome::Success;
    crate::batch::run_in_order(
        pool,
        &files,
        |_, path| prepare(&engine, store, &handle, path),
        |_, prepared| {
            let line = record_one(rt, store, prepared, &mut counts, &mut outcome);
            bar.inc(1);
            if args.json {
                bar.suspend(|| crate::outcome::emit(&line.to_string()));
            } else if line["action"] == "failed" || line["status"] == "error" {
                let message = line["error"]["message"].as_str().unwrap_or("");
                let file = line["file"].as_str().unwrap_or("");
                // Decoder messages already start with the path.
                let text = if !file.is_empty() && message.starts_with(file) {
                    format!("failed    {message}")
                } else {
                    format!("failed    {file}: {message}")
                };
                bar.suspend(|| crate::outcome::emit(&text));
            }
        },
    );
    bar.finish_and_clear();
    let total = counts.imported + counts.skipped + counts.replaced + counts.failed;
    if args.json {
        crate::outcome::emit(
            &json!({
                "summary": {
                    "files": total,
                    "imported": counts.imported,
                    "skipped": counts.skipped,
                    "replaced": counts.replaced,
                    "failed": counts.failed,
                    "backend": store.backend().name(),
                }
            })
            .to_string(),
        );
    } else {
        crate::outcome::emit(&format!(
            "{total} files: {} imported, {} skipped (unchanged), {} replaced, {} failed",
            counts.imported, counts.skipped, counts.replaced, counts.failed
        ));
    }
    outcome
}

/// Hash, catalogue lookup and (when new or changed) analysis of one file, on a worker thread.
fn prepare(
    engine: &Engine,
    store: &Store,
    handle: &tokio::runtime::Handle,
    path: &Path,
) -> Prepared {
    // Absolute paths, so the same file imported from two working folders is one entry.
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = absolute.display().to_string();
    let hash = match tonewheel_store::hash_file(&absolute) {
        Ok(h) => h,
        Err(e) => {
            return Prepared::Unreadable {
                path: shown,
                message: e.to_string(),
            }
        }
    };
    match handle.block_on(store.lookup_path(&shown)) {
        Ok(Some((id, stored))) if stored == hash => return Prepared::Unchanged { path: shown, id },
        Ok(_) => {}
        Err(e) => return Prepared::StoreFailed(e),
    }
    let (record, _failure) =
        tonewheel_store::analyze_to_record(engine, &absolute, shown, hash, None);
    Prepared::Record(Box::new(record))
}

/// Stores one prepared file, counts it, and returns its JSON line.
fn record_one(
    rt: &tokio::runtime::Runtime,
    store: &Store,
    prepared: Prepared,
    counts: &mut ImportCounts,
    outcome: &mut Outcome,
) -> Value {
    let record = match prepared {
        Prepared::Unchanged { path, id } => {
            counts.skipped += 1;
            return json!({"file": path, "action": "unchanged", "id": id});
        }
        Prepared::Unreadable { path, message } => {
            counts.failed += 1;
            *outcome = outcome.worst(Outcome::InputError);
            return json!({"file": path, "action": "failed",
                "error": {"code": "unreadable", "message": message}});
        }
        Prepared::StoreFailed(e) => {
            counts.failed += 1;
            *outcome = outcome.worst(store_failure(&e));
            return json!({"action": "failed", "error": {"code": "database", "message": e.to_string()}});
        }
        Prepared::Record(r) => r,
    };
    let result = rt.block_on(store.import_file(&record));
    let mut line = json!({"file": record.path});
    match result {
        Err(e) => {
            counts.failed += 1;
            *outcome = outcome.worst(store_failure(&e));
            line["action"] = json!("failed");
            line["error"] = json!({"code": "database", "message": e.to_string()});
        }
        Ok(done) => {
            line["id"] = json!(done.id());
            line["action"] = json!(match done {
                ImportOutcome::Inserted { .. } => "inserted",
                ImportOutcome::Replaced { .. } => "replaced",
                ImportOutcome::Unchanged { .. } => "unchanged",
            });
            match &record.outcome {
                FileOutcome::Error { code, message } => {
                    line["status"] = json!("error");
                    line["error"] = json!({"code": code, "message": message});
                    if matches!(done, ImportOutcome::Unchanged { .. }) {
                        counts.skipped += 1;
                    } else {
                        counts.failed += 1;
                        *outcome = outcome.worst(Outcome::InputError);
                    }
                }
                FileOutcome::Ok { .. } => {
                    line["status"] = json!("ok");
                    match done {
                        ImportOutcome::Inserted { .. } => counts.imported += 1,
                        ImportOutcome::Replaced { .. } => counts.replaced += 1,
                        ImportOutcome::Unchanged { .. } => counts.skipped += 1,
                    }
                }
            }
        }
    }
    line
}

fn list(rt: &tokio::runtime::Runtime, store: &Store, args: &LibraryListArgs) -> Outcome {
    match rt.block_on(store.list_files(args.limit, args.offset)) {
        Ok(rows) => print_rows(&rows, args.json),
        Err(e) => store_failure(&e),
    }
}

fn search(rt: &tokio::runtime::Runtime, store: &Store, args: &LibrarySearchArgs) -> Outcome {
    let query = match build_query(args) {
        Ok(q) => q,
        Err(e) => return store_failure(&e),
    };
    match rt.block_on(store.search_files(&query)) {
        Ok(rows) => print_rows(&rows, args.json),
        Err(e) => store_failure(&e),
    }
}

/// The store query for `search`'s flags (`--role R` is the tag R: role tags come from file
/// names at import, or from a person).
fn build_query(args: &LibrarySearchArgs) -> Result<FileQuery, StoreError> {
    let mut tags = args.tag.clone();
    tags.extend(args.role.clone());
    Ok(FileQuery {
        text: args.query.clone().filter(|q| !q.trim().is_empty()),
        key: args.key.as_deref().map(KeyFilter::parse).transpose()?,
        bpm: args
            .bpm
            .as_deref()
            .map(|b| Range::parse(b, "bpm"))
            .transpose()?,
        duration_s: args
            .duration
            .as_deref()
            .map(|d| Range::parse(d, "duration"))
            .transpose()?,
        tags,
        status: match args.status.as_deref() {
            Some("ok") => Some(FileStatus::Ok),
            Some("error") => Some(FileStatus::Error),
            _ => None,
        },
        limit: args.limit,
        offset: 0,
        ..FileQuery::default()
    })
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.digits$}"))
}

fn print_rows(rows: &[FileRow], json: bool) -> Outcome {
    if json {
        for r in rows {
            crate::outcome::emit(&serde_json::to_string(r).unwrap_or_default());
        }
        return Outcome::Success;
    }
    crate::outcome::emit(&format!(
        "{:>6}  {:<6} {:>7}  {:<9} {:>8}  {:<24}  path",
        "id", "status", "bpm", "key", "length", "tags"
    ));
    for r in rows {
        let key = match (&r.key_tonic, &r.key_scale) {
            (Some(t), Some(s)) => format!("{t} {s}"),
            (Some(t), None) => t.clone(),
            _ => "-".into(),
        };
        let tags: Vec<&str> = r.tags.iter().map(|t| t.tag.as_str()).collect();
        crate::outcome::emit(&format!(
            "{:>6}  {:<6} {:>7}  {:<9} {:>8}  {:<24}  {}{}",
            r.id,
            r.status.as_str(),
            opt(r.bpm, 1),
            key,
            r.duration_s
                .map_or_else(|| "-".to_string(), |d| format!("{d:.2}s")),
            tags.join(","),
            r.path,
            r.error_text
                .as_deref()
                .map(|e| format!("  ({e})"))
                .unwrap_or_default()
        ));
    }
    Outcome::Success
}

fn show(rt: &tokio::runtime::Runtime, store: &Store, args: &LibraryShowArgs) -> Outcome {
    match rt.block_on(store.get_file(args.id)) {
        Err(e) => store_failure(&e),
        Ok(None) => {
            eprintln!("tonewheel library show: no file with id {}", args.id);
            Outcome::InputError
        }
        Ok(Some(detail)) => {
            if args.json {
                crate::outcome::emit(&serde_json::to_string(&detail).unwrap_or_default());
            } else {
                print_rows(std::slice::from_ref(&detail.file), false);
                for r in &detail.regions {
                    let names: Vec<&str> = r.results.iter().map(|a| a.analyzer.as_str()).collect();
                    crate::outcome::emit(&format!(
                        "  region {} {:<5} {:>8.3}-{:<8.3}s  {}",
                        r.index,
                        r.kind.as_str(),
                        r.start_s,
                        r.end_s,
                        names.join(",")
                    ));
                }
            }
            Outcome::Success
        }
    }
}

fn stats(rt: &tokio::runtime::Runtime, store: &Store, args: &LibraryStatsArgs) -> Outcome {
    let s = match rt.block_on(store.stats()) {
        Ok(s) => s,
        Err(e) => return store_failure(&e),
    };
    if args.json {
        let mut v = serde_json::to_value(&s).unwrap_or_default();
        v["backend"] = json!(store.backend().name());
        crate::outcome::emit(&v.to_string());
        return Outcome::Success;
    }
    crate::outcome::emit(&format!(
        "files     {} ({} ok, {} error), {:.1} s of audio",
        s.files, s.ok, s.errors, s.total_duration_s
    ));
    let keys: Vec<String> = s
        .by_key
        .iter()
        .map(|k| format!("{} {}", k.key, k.files))
        .collect();
    crate::outcome::emit(&format!(
        "keys      {}",
        if keys.is_empty() {
            "-".to_string()
        } else {
            keys.join(", ")
        }
    ));
    let mut tempo: Vec<String> = s
        .by_tempo
        .iter()
        .map(|t| format!("{}-{} BPM {}", t.min_bpm, t.max_bpm, t.files))
        .collect();
    tempo.push(format!("no tempo {}", s.no_tempo));
    crate::outcome::emit(&format!("tempo     {}", tempo.join(", ")));
    Outcome::Success
}
