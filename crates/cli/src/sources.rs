//! Reading the profile and the packs and catalogues it loads, within bounds.
//!
//! A profile in the scanned tree is written by the author of the change, and so is every
//! path in its `[policy] load`. Before a byte is read:
//!
//! - a path must resolve, after following links, inside its *confinement*: the scanned root
//!   for a profile inside it (the default `genai-gate.toml` always is), else the profile's
//!   own directory (`--profile` outside the root is the user's choice, its loads are not);
//! - it must be a regular file (no `/dev/zero`, FIFO or directory read as a file) of at most
//!   [`MAX_POLICY_FILE`] bytes;
//! - a directory load lists its `*.toml` files without following any link (a link in it is
//!   an error), at most [`MAX_LOAD_DEPTH`] levels deep and [`MAX_LOAD_FILES`] files.
//!
//! Only files that passed these checks are ever quoted in an error snippet. Files named on the
//! command line (`--profile`, `--policy`) are read with the same size and kind checks.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use genai_gate_policy::SourceFile;
use genai_gate_scan::read::{ReadError, capped};

use crate::render::neutral::line;

/// The largest profile, pack or catalogue read.
pub const MAX_POLICY_FILE: u64 = 8 << 20;
/// The most files a directory load (or `--policy DIR`) may hold.
pub const MAX_LOAD_FILES: usize = 1_000;
/// How deep a directory load is listed.
pub const MAX_LOAD_DEPTH: usize = 16;

/// Reads a policy file (profile, pack, catalogue) named `name`: regular, capped, UTF-8.
pub fn read(path: &Path, name: String) -> anyhow::Result<SourceFile> {
    let shown = line(&path.display().to_string());
    let bytes = capped(path, MAX_POLICY_FILE).map_err(|e| match e {
        ReadError::TooLarge { cap } => anyhow::anyhow!("`{shown}` is larger than {cap} bytes"),
        ReadError::NotAFile => anyhow::anyhow!("`{shown}` is not a regular file"),
        other => anyhow::anyhow!("cannot read `{shown}`: {other}"),
    })?;
    let text =
        String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("`{shown}` is not valid UTF-8"))?;
    Ok(SourceFile::new(name, text))
}

/// Where `path` resolves (every link followed), which must be inside `confine`.
fn resolve(path: &Path, confine: &Path, what: &str) -> anyhow::Result<PathBuf> {
    let shown = line(&path.display().to_string());
    let confine = confine
        .canonicalize()
        .with_context(|| format!("cannot resolve `{}`", confine.display()))?;
    let full = path
        .canonicalize()
        .with_context(|| format!("{what} `{shown}` does not exist"))?;
    if !full.starts_with(&confine) {
        bail!(
            "{what} `{shown}` is outside the scanned root `{}` (after following links): not read",
            line(&confine.display().to_string())
        );
    }
    Ok(full)
}

/// The profile file `root/genai-gate.toml`, if there is one: it must resolve inside the root.
pub fn default_profile(root: &Path) -> anyhow::Result<Option<PathBuf>> {
    let path = root.join(genai_gate_policy::PROFILE_FILE);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    resolve(&path, root, "the profile")?;
    Ok(Some(path))
}

/// A profile found by looking upward from a folder ([`crate::discover`]): it must resolve
/// inside its own directory (a `genai-gate.toml` that links elsewhere is refused, as the
/// default profile of the scanned root is).
pub fn discovered_profile(path: PathBuf) -> anyhow::Result<PathBuf> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    resolve(&path, &dir, "the profile")?;
    Ok(path)
}

/// The directory a profile's loads are confined to: the scanned root when the profile is
/// inside it, else the profile's own directory.
pub fn confinement(profile: &Path, root: &Path) -> PathBuf {
    let dir = profile
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let inside = match (profile.canonicalize(), root.canonicalize()) {
        (Ok(p), Ok(r)) => p.starts_with(r),
        _ => false,
    };
    if inside {
        root.to_owned()
    } else {
        dir.to_owned()
    }
}

/// The files a profile's `load` entries name (relative to the profile's directory), each a
/// [`SourceFile`] named by the path as joined. Every rule of the [module docs](self) applies.
pub fn load_entries(
    profile: &Path,
    entries: &[String],
    confine: &Path,
) -> anyhow::Result<Vec<SourceFile>> {
    let dir = profile
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for entry in entries {
        let joined = dir.join(entry);
        let full = resolve(&joined, confine, "`load` entry")?;
        if full.is_dir() {
            for file in toml_files_in(&joined)? {
                resolve(&file, confine, "`load` entry")?;
                out.push(read(&file, file.display().to_string())?);
            }
        } else {
            out.push(read(&joined, joined.display().to_string())?);
        }
    }
    Ok(out)
}

/// A file, or every `*.toml` under a directory (sorted), never through a link: a link inside
/// the directory is an error.
pub fn toml_files_in(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("`{}` does not exist", line(&path.display().to_string())))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![(path.to_owned(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read directory `{}`", dir.display()))?;
        for entry in entries {
            let entry = entry?;
            let p = entry.path();
            let kind = entry.file_type()?;
            let shown = line(&p.display().to_string());
            if kind.is_symlink() {
                bail!("`{shown}` is a symbolic link: links in a policy directory are not followed");
            } else if kind.is_dir() {
                if depth + 1 > MAX_LOAD_DEPTH {
                    bail!("`{shown}` is more than {MAX_LOAD_DEPTH} directories deep");
                }
                stack.push((p, depth + 1));
            } else if p.extension().is_some_and(|e| e == "toml") {
                out.push(p);
                if out.len() > MAX_LOAD_FILES {
                    bail!(
                        "`{}` holds more than {MAX_LOAD_FILES} `.toml` files",
                        line(&path.display().to_string())
                    );
                }
            }
        }
    }
    out.sort();
    Ok(out)
}
