//! The incremental cache: per-file facts of Rust sources, keyed by a hash of their content.
//!
//! A second run re-parses only the files whose content (or path, crate, module, test status)
//! changed; every other file's [`FileFacts`] are read back from
//! `.genai-gate-cache/facts-v<FORMAT>-<tool version>-<build>/<key>.bin`, where `<build>`
//! identifies the executable (its size and modification time), so a rebuilt or upgraded
//! binary never reads facts an older frontend wrote; directories of other builds are removed.
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
//! parsed again. Facts from a
//! caught panic are not stored. The directory holds a `.gitignore` of `*`, so it is ignored by
//! git without touching the repository's own ignore files. A cache that cannot be created
//! (read-only checkout) is simply not used.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use serde::{Deserialize, Serialize};

use crate::facts::FileFacts;
use crate::frontend::rust::RustInput;

/// The cache directory's name at the scanned root.
pub const CACHE_DIR: &str = ".genai-gate-cache";

/// Layout version of cache entries; bump when [`FileFacts`] changes shape.
const FORMAT: u32 = 7;

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
    pub fn open(dir: &Path) -> Option<FactCache> {
        let name = format!(
            "facts-v{FORMAT}-{}-{}",
            env!("CARGO_PKG_VERSION"),
            build_id()?
        );
        let versioned = dir.join(&name);
        std::fs::create_dir_all(&versioned).ok()?;
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let other = entry.file_name();
            let other = other.to_string_lossy();
            if other.starts_with("facts-") && other != name {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(&ignore, "# Written by genai-gate: the fact cache.\n*\n").ok()?;
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
        if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, self.path(key)).is_err() {
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
        let cache = FactCache::open(&dir.path().join(CACHE_DIR)).unwrap();
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
        assert!(
            std::fs::read_to_string(dir.path().join(CACHE_DIR).join(".gitignore"))
                .unwrap()
                .contains('*')
        );
        // Directories of other builds are removed when the cache is opened.
        let stale = dir.path().join(CACHE_DIR).join("facts-v0-old");
        std::fs::create_dir_all(&stale).unwrap();
        FactCache::open(&dir.path().join(CACHE_DIR)).unwrap();
        assert!(!stale.exists());
    }
}
