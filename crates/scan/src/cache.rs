//! The incremental cache: per-file facts of Rust sources, keyed by a hash of their content.
//!
//! A second run re-parses only the files whose content (or path, crate, module, test status)
//! changed; every other file's [`FileFacts`] are read back from
//! `<dir>/facts-v<FORMAT>-<tool version>-<build>/<key>.bin`, where `<build>` identifies the
//! executable (its size and modification time), so a rebuilt or upgraded binary never reads
//! facts an older frontend wrote; directories of other builds are removed.
//!
//! `<dir>` is never inside the scanned tree, where a change's author could commit a forged
//! entry or a link that makes the cache write and delete elsewhere: it is the user's cache
//! directory, one per repository ([`repository_dir`]), chosen by the caller. Nothing is
//! written through a link: the directories must be real ones, entries are created new and
//! renamed into place, and only real directories of other builds are removed.
//! Detector hits are always recomputed from the facts, so a changed catalogue, pack or
//! profile needs no invalidation.
//!
//! An entry is a magic number, an XXH3-64 checksum of the rest, and the facts in `postcard`
//! (a compact binary serde format: a warm run reads every entry, and parsing JSON dominated
//! it). Keys are XXH3-128 hashes of the file's content and of everything else its facts
//! depend on.
//!
//! The cache is never trusted: an entry whose checksum does not match, that does not decode,
//! or whose recorded key or path differs from the file asked for, is deleted and the file is
//! parsed again. Facts from a caught panic are not stored. A cache that cannot be created, or
//! whose directory is a link, is simply not used.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use serde::{Deserialize, Serialize};

use crate::facts::FileFacts;
use crate::frontend::rust::RustInput;

/// The cache directory of the repository at `root` under the user's cache home
/// (`$XDG_CACHE_HOME` or `~/.cache`, passed by the caller): `<home>/genai-gate/<hash of the
/// root's canonical path>`.
///
/// ```
/// use genai_gate_scan::cache::repository_dir;
/// let a = repository_dir(std::path::Path::new("/home/u/.cache"), std::path::Path::new("."));
/// assert!(a.starts_with("/home/u/.cache/genai-gate"));
/// ```
pub fn repository_dir(cache_home: &Path, root: &Path) -> PathBuf {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    let key = xxh3_64(root.as_os_str().as_encoded_bytes());
    cache_home.join("genai-gate").join(format!("{key:016x}"))
}

/// Whether `dir` is a real directory, not a link to one.
fn real_dir(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
}

/// Layout version of cache entries; bump when [`FileFacts`] changes shape.
const FORMAT: u32 = 21;

/// A fact cache rooted at one directory.
#[derive(Debug, Clone)]
pub struct FactCache {
    dir: PathBuf,
}

/// The running executable's size and modification time, hashed; `None` when unknown (then
/// no cache is used).
fn build_id() -> Option<String> {
    static ID: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let meta = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        let mut h = std::hash::DefaultHasher::new();
        (meta.len(), modified.as_nanos()).hash(&mut h);
        Some(format!("{:016x}", h.finish()))
    })
    .clone()
}

/// First bytes of every entry.
const MAGIC: &[u8; 4] = b"GGF\x02";

#[derive(Deserialize)]
struct Entry {
    key: String,
    facts: FileFacts,
}

#[derive(Serialize)]
struct EntryRef<'a> {
    key: &'a str,
    facts: &'a FileFacts,
}

/// Decodes an entry file: magic, checksum of the payload, then the payload.
fn decode(bytes: &[u8]) -> Option<Entry> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (sum, payload) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*sum) != xxh3_64(payload) {
        return None;
    }
    postcard::from_bytes(payload).ok()
}

impl FactCache {
    /// Opens (creating if needed) the cache under `dir`; `None` when it cannot be created.
    /// Neither `dir` nor the versioned directory in it may be a link.
    pub fn open(dir: &Path) -> Option<FactCache> {
        let name = format!(
            "facts-v{FORMAT}-{}-{}",
            env!("CARGO_PKG_VERSION"),
            build_id()?
        );
        std::fs::create_dir_all(dir).ok()?;
        if !real_dir(dir) {
            return None;
        }
        let versioned = dir.join(&name);
        if std::fs::symlink_metadata(&versioned).is_err() {
            std::fs::create_dir(&versioned).ok()?;
        }
        if !real_dir(&versioned) {
            return None;
        }
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let other = entry.file_name();
            let other = other.to_string_lossy();
            // A link is never followed, and never removed either.
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && other.starts_with("facts-") && other != name {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        Some(FactCache { dir: versioned })
    }

    /// The key of a Rust file: a 128-bit hash of everything its facts depend on.
    pub fn key(input: &RustInput) -> String {
        let mut h = Xxh3::new();
        let mut field = |bytes: &[u8]| {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(&FORMAT.to_le_bytes());
        field(input.rel_path.as_bytes());
        field(input.crate_name.as_bytes());
        field(input.module.as_bytes());
        field(&[u8::from(input.is_test_file)]);
        field(input.text.as_bytes());
        format!("{:032x}", h.digest128())
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.bin"))
    }

    /// The facts stored under `key` for `rel`, if a sound entry exists.
    pub fn get(&self, key: &str, rel: &str) -> Option<FileFacts> {
        let path = self.path(key);
        let bytes = std::fs::read(&path).ok()?;
        match decode(&bytes) {
            Some(e) if e.key == key && e.facts.path == rel => Some(e.facts),
            _ => {
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores facts under `key` (written to a temporary file, then renamed into place).
    pub fn put(&self, key: &str, facts: &FileFacts) {
        if facts
            .parse_error
            .as_ref()
            .is_some_and(|p| p.message.starts_with("internal error"))
        {
            return;
        }
        let Ok(payload) = postcard::to_stdvec(&EntryRef { key, facts }) else {
            return;
        };
        let mut bytes = Vec::with_capacity(payload.len() + 12);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        let tmp = self.dir.join(format!(
            "{key}.{}.{:?}.tmp",
            std::process::id(),
            std::thread::current().id()
        ));
        // Created new (never through an existing file or link), then renamed over the entry
        // (which replaces a link rather than writing through it).
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| std::io::Write::write_all(&mut f, &bytes));
        if written.is_err() || std::fs::rename(&tmp, self.path(key)).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::rust::extract;

    fn input(text: &str) -> RustInput<'_> {
        RustInput {
            rel_path: "src/lib.rs",
            text,
            crate_name: "svc",
            module: "svc",
            is_test_file: false,
        }
    }

    #[test]
    fn facts_round_trip_and_bad_entries_are_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FactCache::open(&dir.path().join("cache")).unwrap();
        let src = "fn chat(c: C) { c.chat().create(x); }";
        let key = FactCache::key(&input(src));
        assert_ne!(key, FactCache::key(&input("fn other() {}")));
        assert!(cache.get(&key, "src/lib.rs").is_none());
        let facts = extract(&input(src));
        cache.put(&key, &facts);
        assert_eq!(cache.get(&key, "src/lib.rs"), Some(facts.clone()));
        // Another path under the same key (never produced, but never trusted either).
        assert!(cache.get(&key, "src/other.rs").is_none());
        assert!(!cache.path(&key).exists(), "a mismatched entry is deleted");
        // A corrupt entry is discarded: truncated, one byte flipped, or not an entry at all.
        cache.put(&key, &facts);
        let good = std::fs::read(cache.path(&key)).unwrap();
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x20;
        for bad in [&good[..good.len() / 2], &flipped[..], b"{\"key\": \"trunc"] {
            std::fs::write(cache.path(&key), bad).unwrap();
            assert!(cache.get(&key, "src/lib.rs").is_none());
            assert!(!cache.path(&key).exists());
        }
        cache.put(&key, &facts);
        assert_eq!(cache.get(&key, "src/lib.rs"), Some(facts.clone()));
        // Directories of other builds are removed when the cache is opened; a link is neither
        // followed nor removed, and a cache directory that is a link is not used.
        let stale = dir.path().join("cache").join("facts-v0-old");
        std::fs::create_dir_all(&stale).unwrap();
        #[cfg(unix)]
        {
            let elsewhere = tempfile::tempdir().unwrap();
            std::fs::create_dir(elsewhere.path().join("keep")).unwrap();
            std::os::unix::fs::symlink(
                elsewhere.path().join("keep"),
                dir.path().join("cache").join("facts-v0-link"),
            )
            .unwrap();
            FactCache::open(&dir.path().join("cache")).unwrap();
            assert!(elsewhere.path().join("keep").is_dir());
            std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("linked")).unwrap();
            assert!(FactCache::open(&dir.path().join("linked")).is_none());
        }
        FactCache::open(&dir.path().join("cache")).unwrap();
        assert!(!stale.exists());
        assert!(!dir.path().join("cache").join(".gitignore").exists());
    }
}
