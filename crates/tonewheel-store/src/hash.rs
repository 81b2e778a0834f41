//! Content hashes: SHA-256 of a file's bytes, read in fixed-size chunks (bounded memory for
//! any file size). SHA-256 because `sha2` is maintained, pure Rust, and already built for the
//! PostgreSQL driver's authentication.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::StoreError;

/// Read size per chunk.
const CHUNK_BYTES: usize = 1 << 16;

/// An incremental content hash: feed the bytes as they arrive (an upload streamed to disk),
/// then [`ContentHasher::finish`] gives the same digest [`hash_file`] computes for the file.
#[derive(Debug, Clone, Default)]
pub struct ContentHasher {
    inner: Sha256,
    bytes: u64,
}

impl ContentHasher {
    /// A hasher that has seen no bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.inner.update(bytes);
        self.bytes += bytes.len() as u64;
    }

    /// How many bytes were added so far.
    pub fn len_bytes(&self) -> u64 {
        self.bytes
    }

    /// The lower-case hex SHA-256 digest of everything added.
    pub fn finish(self) -> String {
        hex(&self.inner.finalize())
    }
}

/// The lower-case hex SHA-256 digest of the bytes of the file at `path`.
pub fn hash_file(path: &Path) -> Result<String, StoreError> {
    let read_error = |source| StoreError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    let mut hasher = ContentHasher::new();
    let mut buf = vec![0u8; CHUNK_BYTES];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(e)),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finish())
}

/// The lower-case hex SHA-256 digest of `bytes`.
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_the_published_test_vectors() {
        // FIPS 180-2 appendix B.1 ("abc") and the empty message.
        assert_eq!(
            hash_bytes(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hash_bytes(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn a_file_hashes_like_its_bytes_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        let bytes: Vec<u8> = (0..(CHUNK_BYTES * 2 + 7))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(hash_file(&path).unwrap(), hash_bytes(&bytes));
        // Fed in uneven pieces, the incremental hasher agrees.
        let mut h = ContentHasher::new();
        for piece in bytes.chunks(1000) {
            h.update(piece);
        }
        assert_eq!(h.len_bytes(), bytes.len() as u64);
        assert_eq!(h.finish(), hash_bytes(&bytes));
        assert!(matches!(
            hash_file(&dir.path().join("missing")),
            Err(StoreError::Read { .. })
        ));
    }
}
