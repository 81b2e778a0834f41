//! Batch machinery shared by `analyze` and `library import`: finding the audio files under
//! the given paths, and running per-file work in parallel while handing results back in input
//! order (so output is deterministic whatever the thread timing).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rayon::prelude::*;

/// Extensions picked up when walking a folder (files named explicitly are always taken).
pub const AUDIO_EXTENSIONS: [&str; 8] = ["wav", "flac", "mp3", "ogg", "oga", "m4a", "mp4", "aac"];
/// Folder depth beyond which a walk stops (guards against link cycles).
const MAX_DEPTH: usize = 64;

/// Files named explicitly, plus audio files found under folders (sorted per folder).
pub fn collect_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, 0, &mut found);
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, depth + 1, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
}

/// A pool of `jobs` threads (default: the number of cores).
pub fn thread_pool(jobs: Option<u16>) -> Result<rayon::ThreadPool, String> {
    let jobs = jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| format!("cannot start {jobs} threads: {e}"))
}

/// Runs `work(index, file)` for every file on `pool`, and calls `on_result(index, result)` on
/// the calling thread for each, in input order, as soon as all earlier results are in.
pub fn run_in_order<T, W, R>(pool: rayon::ThreadPool, files: &[PathBuf], work: W, mut on_result: R)
where
    T: Send,
    W: Fn(usize, &Path) -> T + Sync,
    R: FnMut(usize, T),
{
    let (tx, rx) = mpsc::channel::<(usize, T)>();
    std::thread::scope(|scope| {
        let work = &work;
        scope.spawn(move || {
            pool.install(|| {
                files
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (i, path)| {
                        // The receiver only goes away when the caller stops taking results.
                        let _ = tx.send((i, work(i, path)));
                    });
            });
        });
        let mut pending: BTreeMap<usize, T> = BTreeMap::new();
        let mut next = 0;
        for (i, r) in rx {
            pending.insert(i, r);
            while let Some(r) = pending.remove(&next) {
                on_result(next, r);
                next += 1;
            }
        }
    });
}
