//! [`LibraryRoots`]: the folders `POST /analyze` may read, and the check that a requested
//! path really lies inside one of them.
//!
//! A path is first resolved lexically (`.` and `..` folded without touching the disk), so a
//! request for a file outside every root is refused before the server even looks at it (its
//! answer does not tell whether such a file exists). The survivors are then canonicalised
//! (symbolic links followed) and checked again, which refuses a link inside a root that
//! points out of it.

use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

/// Why a requested path was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathRefused {
    /// The server has no library roots, so it reads no client-named path at all.
    NoRoots,
    /// The path is empty or holds a NUL byte.
    Invalid,
    /// The path resolves outside every root (by `..` or by a symbolic link).
    Outside,
    /// The path lies inside a root but nothing is there.
    NotFound,
    /// The path names a folder or another non-file.
    NotAFile,
    /// The file system refused to say (permissions, I/O); the reason is logged.
    Unreadable(String),
}

/// The canonical library folders.
#[derive(Debug, Clone, Default)]
pub struct LibraryRoots {
    roots: Vec<PathBuf>,
}

impl LibraryRoots {
    /// Canonicalises every folder; a missing one, or one that is not a folder, is an error
    /// naming it (start-up fails rather than serving a library that is not there).
    pub fn new(folders: &[PathBuf]) -> Result<Self, (PathBuf, std::io::Error)> {
        let mut roots = Vec::with_capacity(folders.len());
        for folder in folders {
            let canonical = std::fs::canonicalize(folder).map_err(|e| (folder.clone(), e))?;
            if !canonical.is_dir() {
                return Err((
                    folder.clone(),
                    std::io::Error::new(ErrorKind::NotADirectory, "not a folder"),
                ));
            }
            roots.push(canonical);
        }
        Ok(Self { roots })
    }

    /// The canonical roots, in the order given.
    pub fn folders(&self) -> &[PathBuf] {
        &self.roots
    }

    /// True when `path` (canonical or lexically normal) is one of the roots or inside one.
    pub fn contains(&self, path: &Path) -> bool {
        self.roots.iter().any(|r| path.starts_with(r))
    }

    /// The canonical path of the regular file `requested` names inside a root. An absolute
    /// path is taken as it is; a relative one is tried against each root in order (the first
    /// root holding it wins).
    pub fn resolve(&self, requested: &str) -> Result<PathBuf, PathRefused> {
        if self.roots.is_empty() {
            return Err(PathRefused::NoRoots);
        }
        if requested.is_empty() || requested.contains('\0') {
            return Err(PathRefused::Invalid);
        }
        let asked = Path::new(requested);
        let candidates: Vec<PathBuf> = if asked.is_absolute() {
            vec![asked.to_path_buf()]
        } else {
            self.roots.iter().map(|r| r.join(asked)).collect()
        };
        let mut missing = false;
        for candidate in candidates {
            if !self.contains(&lexically_normal(&candidate)) {
                continue;
            }
            match std::fs::canonicalize(&candidate) {
                Ok(real) if !self.contains(&real) => return Err(PathRefused::Outside),
                Ok(real) if real.is_file() => return Ok(real),
                Ok(_) => return Err(PathRefused::NotAFile),
                Err(e) if e.kind() == ErrorKind::NotFound => missing = true,
                Err(e) => return Err(PathRefused::Unreadable(e.to_string())),
            }
        }
        Err(if missing {
            PathRefused::NotFound
        } else {
            PathRefused::Outside
        })
    }
}

/// `path` with `.` removed and each `..` taking away the component before it (never going
/// above the root), without reading the disk.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, LibraryRoots) {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("lib");
        std::fs::create_dir_all(lib.join("drums")).unwrap();
        std::fs::write(lib.join("drums/kick.wav"), b"x").unwrap();
        std::fs::write(dir.path().join("secret.wav"), b"x").unwrap();
        let roots = LibraryRoots::new(&[lib]).unwrap();
        (dir, roots)
    }

    #[test]
    fn files_inside_resolve_absolute_or_relative() {
        let (dir, roots) = setup();
        let kick = std::fs::canonicalize(dir.path().join("lib/drums/kick.wav")).unwrap();
        assert_eq!(roots.resolve(kick.to_str().unwrap()), Ok(kick.clone()));
        assert_eq!(roots.resolve("drums/kick.wav"), Ok(kick.clone()));
        // A detour that stays inside is fine.
        assert_eq!(roots.resolve("drums/../drums/./kick.wav"), Ok(kick));
    }

    #[test]
    fn escapes_missing_files_and_folders_are_refused() {
        let (dir, roots) = setup();
        assert_eq!(roots.resolve("../secret.wav"), Err(PathRefused::Outside));
        let outside = dir.path().join("secret.wav");
        assert_eq!(
            roots.resolve(outside.to_str().unwrap()),
            Err(PathRefused::Outside)
        );
        // An outside path that does not exist is refused the same way: the answer says
        // nothing about what lies outside.
        assert_eq!(
            roots.resolve("/no/such/file.wav"),
            Err(PathRefused::Outside)
        );
        assert_eq!(roots.resolve("drums/snare.wav"), Err(PathRefused::NotFound));
        assert_eq!(roots.resolve("drums"), Err(PathRefused::NotAFile));
        assert_eq!(roots.resolve(""), Err(PathRefused::Invalid));
        assert_eq!(roots.resolve("a\0b"), Err(PathRefused::Invalid));
        let none = LibraryRoots::default();
        assert_eq!(none.resolve("drums/kick.wav"), Err(PathRefused::NoRoots));
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_out_of_the_root_is_refused() {
        let (dir, roots) = setup();
        let link = dir.path().join("lib/drums/escape.wav");
        std::os::unix::fs::symlink(dir.path().join("secret.wav"), &link).unwrap();
        assert_eq!(roots.resolve("drums/escape.wav"), Err(PathRefused::Outside));
    }

    #[test]
    fn a_missing_root_stops_start_up() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let (path, _) = LibraryRoots::new(std::slice::from_ref(&missing)).unwrap_err();
        assert_eq!(path, missing);
    }

    #[test]
    fn lexical_normalisation_folds_dots() {
        assert_eq!(
            lexically_normal(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(lexically_normal(Path::new("/../x")), PathBuf::from("/x"));
    }
}
