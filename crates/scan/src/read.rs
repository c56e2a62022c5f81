//! Reading files that a repository names: size-capped before reading, regular files only,
//! and — for [`in_root`] — inside the scanned root after every link is resolved.
//!
//! Everything genai-gate reads because the scanned tree says so (a profile, the packs it
//! loads, a manifest, an ignore file, a snippet of a file a finding points at) goes through
//! here, so that a path like `/proc/self/environ`, `../../etc/passwd`, `/dev/zero`, a 1 GB
//! sparse file or a link out of the root is refused with a reason before a byte is read.
//!
//! ```
//! use genai_gate_scan::read::{capped, in_root, ReadError};
//! let dir = std::env::temp_dir().join(format!("genai-gate-read-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! std::fs::write(dir.join("a.toml"), "x = 1\n").unwrap();
//! assert_eq!(capped(&dir.join("a.toml"), 100).unwrap(), b"x = 1\n");
//! assert!(matches!(capped(&dir.join("a.toml"), 3), Err(ReadError::TooLarge { .. })));
//! assert!(matches!(in_root(&dir, "../etc/passwd", 100), Err(ReadError::Outside)));
//! assert!(matches!(capped(&dir, 100), Err(ReadError::NotAFile)));
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Larger than the cap (checked before reading, and again while reading).
    #[error("larger than {cap} bytes")]
    TooLarge {
        /// The cap.
        cap: u64,
    },
    /// A directory, device, FIFO or socket.
    #[error("not a regular file")]
    NotAFile,
    /// Resolves (after following links) to a place outside the root.
    #[error("outside the scanned root (after following links)")]
    Outside,
    /// The file system refused.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Reads a regular file of at most `cap` bytes. The kind and size are checked before the
/// file is opened (opening a FIFO would block), again on the open file, and the read stops
/// after `cap + 1` bytes whatever the metadata said (a file that grows, a special file that
/// lies about its size).
pub fn capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > cap {
        return Err(ReadError::TooLarge { cap });
    }
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > cap {
        return Err(ReadError::TooLarge { cap });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge { cap });
    }
    Ok(bytes)
}

/// [`capped`] as UTF-8 text (an invalid byte is an I/O error of kind `InvalidData`).
pub fn capped_text(path: &Path, cap: u64) -> Result<String, ReadError> {
    String::from_utf8(capped(path, cap)?).map_err(|e| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
        ))
    })
}

/// Where `path` resolves, if it resolves inside `root` (both with every link followed).
pub fn resolve_in_root(root: &Path, path: &Path) -> Result<PathBuf, ReadError> {
    let root = root.canonicalize()?;
    let full = path.canonicalize()?;
    if full.starts_with(&root) {
        Ok(full)
    } else {
        Err(ReadError::Outside)
    }
}

/// Reads `rel` (relative to `root`) if it resolves inside the root and is a regular file of
/// at most `cap` bytes.
pub fn in_root(root: &Path, rel: &str, cap: u64) -> Result<Vec<u8>, ReadError> {
    let joined = root.join(rel);
    if Path::new(rel).is_absolute() || rel.split(['/', '\\']).any(|s| s == "..") {
        return Err(ReadError::Outside);
    }
    capped(&resolve_in_root(root, &joined)?, cap)
}

/// `a/b/../c` as `a/c`, `/`-separated; `None` for an absolute path (or one with a drive or
/// scheme) and for one that climbs above the root. The walker resolves module paths and
/// crate members with it, the CLI the `load` entries of a profile read from a commit.
///
/// ```
/// use genai_gate_scan::read::normalise_rel;
/// assert_eq!(normalise_rel("src/./api/../chat.rs").as_deref(), Some("src/chat.rs"));
/// assert_eq!(normalise_rel("../etc/passwd"), None);
/// assert_eq!(normalise_rel("/etc/passwd"), None);
/// ```
pub fn normalise_rel(rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.starts_with('\\') || rel.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in rel.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}
