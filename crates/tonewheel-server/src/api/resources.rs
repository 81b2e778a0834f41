//! `GET /api/system/resources`: what the machine and the server use (cores, memory, the data
//! folder's size, free render slots). Memory figures come from `/proc` on Linux and are `null`
//! where the platform does not say.

use std::path::Path;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// Folder depth beyond which sizes are not summed (guards against pathological trees; the
/// data folder is two levels deep).
const MAX_DEPTH: usize = 16;

/// Machine and server resources.
#[derive(Debug, Serialize, ToSchema)]
pub struct Resources {
    /// Cores the server may use.
    pub cpu_cores: usize,
    /// Physical memory, bytes.
    pub memory_total_bytes: Option<u64>,
    /// Memory available for new work without swapping (Linux `MemAvailable`), bytes.
    pub memory_available_bytes: Option<u64>,
    /// Resident memory of this process, bytes.
    pub process_rss_bytes: Option<u64>,
    /// Everything in the data folder (catalogue file, uploads, caches), bytes.
    pub data_dir_bytes: u64,
    /// Kept uploads (`DATA/uploads`), bytes.
    pub uploads_bytes: u64,
    /// Cached previews (`DATA/previews`), bytes.
    pub preview_cache_bytes: u64,
    /// Renders and analyses that may run at once (one per core).
    pub render_slots_total: usize,
    /// Of those, free right now.
    pub render_slots_free: usize,
    /// Seconds since start.
    pub uptime_s: f64,
}

/// A `Key:   1234 kB` line's value of `/proc` text, in bytes.
fn kib_field(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .map(|kib| kib.saturating_mul(1024))
}

/// (total, available, this process's resident set), each when known.
fn memory() -> (Option<u64>, Option<u64>, Option<u64>) {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    (
        kib_field(&meminfo, "MemTotal"),
        kib_field(&meminfo, "MemAvailable"),
        kib_field(&status, "VmRSS"),
    )
}

/// Bytes of the regular files under `dir` (symbolic links not followed; unreadable entries
/// skipped); 0 for a folder that does not exist.
pub fn folder_bytes(dir: &Path) -> u64 {
    fn walk(dir: &Path, depth: usize) -> u64 {
        if depth > MAX_DEPTH {
            return 0;
        }
        let Ok(items) = std::fs::read_dir(dir) else {
            return 0;
        };
        items
            .flatten()
            .map(|item| match item.file_type() {
                Ok(t) if t.is_dir() => walk(&item.path(), depth + 1),
                Ok(t) if t.is_file() => item.metadata().map_or(0, |m| m.len()),
                _ => 0,
            })
            .sum()
    }
    walk(dir, 0)
}

/// Cores, memory, data folder sizes and render slots.
#[utoipa::path(get, path = "/api/system/resources", tag = "system",
    responses((status = 200, description = "Resources (null where the platform does not say)", body = Resources)))]
pub async fn resources(State(state): State<AppState>) -> Result<Json<Resources>, ApiError> {
    let data_dir = state.data_dir().to_path_buf();
    let uploads = state.library().uploads_dir().to_path_buf();
    let previews = state.previews().dir().to_path_buf();
    // Walking folders and reading /proc is file I/O: off the async workers.
    let (sizes, mem) = tokio::task::spawn_blocking(move || {
        (
            (
                folder_bytes(&data_dir),
                folder_bytes(&uploads),
                folder_bytes(&previews),
            ),
            memory(),
        )
    })
    .await?;
    let (total, free) = state.render_slots();
    Ok(Json(Resources {
        cpu_cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        memory_total_bytes: mem.0,
        memory_available_bytes: mem.1,
        process_rss_bytes: mem.2,
        data_dir_bytes: sizes.0,
        uploads_bytes: sizes.1,
        preview_cache_bytes: sizes.2,
        render_slots_total: total,
        render_slots_free: free,
        uptime_s: state.uptime_s(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_fields_are_read_in_bytes() {
        let meminfo = "MemTotal:       16318504 kB\nMemFree:  1 kB\nMemAvailable:   8000000 kB\n";
        assert_eq!(kib_field(meminfo, "MemTotal"), Some(16_318_504 * 1024));
        assert_eq!(kib_field(meminfo, "MemAvailable"), Some(8_000_000 * 1024));
        assert_eq!(kib_field(meminfo, "Mem"), None);
        assert_eq!(kib_field("VmRSS:\t  5120 kB\n", "VmRSS"), Some(5120 * 1024));
        assert_eq!(kib_field("", "VmRSS"), None);
    }

    #[test]
    fn folder_sizes_sum_nested_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("x"), vec![0u8; 100]).unwrap();
        std::fs::write(dir.path().join("a/b/y"), vec![0u8; 23]).unwrap();
        assert_eq!(folder_bytes(dir.path()), 123);
        assert_eq!(folder_bytes(&dir.path().join("missing")), 0);
    }
}
