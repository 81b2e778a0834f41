//! A file media source that remembers how far it has been read, so decode errors can name a
//! byte offset.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Wraps a `File` and publishes its read position through a shared counter.
pub(crate) struct TrackedFile {
    file: File,
    len: u64,
    pos: Arc<AtomicU64>,
    /// Little-endian u32 header fields to present with a different value: (offset, bytes).
    /// Used to give "unknown length" WAV files their real sizes without copying them.
    patches: Vec<(u64, [u8; 4])>,
}

impl TrackedFile {
    /// Wraps `file` of known length; the returned counter follows the read position.
    pub(crate) fn new(
        file: File,
        len: u64,
        patches: Vec<(u64, [u8; 4])>,
    ) -> (Self, Arc<AtomicU64>) {
        let pos = Arc::new(AtomicU64::new(0));
        (
            Self {
                file,
                len,
                pos: Arc::clone(&pos),
                patches,
            },
            pos,
        )
    }
}

impl Read for TrackedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let start = self.pos.load(Ordering::Relaxed);
        let n = self.file.read(buf)?;
        for (at, bytes) in &self.patches {
            for (k, &b) in bytes.iter().enumerate() {
                let abs = at + k as u64;
                if abs >= start && abs < start + n as u64 {
                    buf[(abs - start) as usize] = b;
                }
            }
        }
        self.pos.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Seek for TrackedFile {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let p = self.file.seek(to)?;
        self.pos.store(p, Ordering::Relaxed);
        Ok(p)
    }
}

impl symphonia::core::io::MediaSource for TrackedFile {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}
