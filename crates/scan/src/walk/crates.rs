//! The crates a workspace builds, and their root files.
//!
//! The crates are those whose manifest the walk found, plus the members of every
//! `[workspace]` — its `members` globs, minus `exclude`, and the path dependencies of members
//! inside the workspace directory (Cargo makes those members too) — wherever they lie, also
//! under a directory the walk skips. A crate vendored for source replacement, which no
//! workspace lists, is not one of them. Manifests are read capped; member globs are expanded
//! without following links.

use std::collections::BTreeSet;
use std::path::Path;

use super::WalkResult;
use super::modules::{Inside, inside, join, normalise};

/// The largest manifest read.
const MAX_MANIFEST: u64 = 1 << 20;

/// How deep a `**` in a workspace member glob descends.
const MAX_GLOB_DEPTH: usize = 8;

/// A manifest as a TOML table, if it can be read.
fn manifest(root: &Path, dir: &str) -> Option<toml::Table> {
    let text = crate::read::capped_text(&root.join(join(dir, "Cargo.toml")), MAX_MANIFEST).ok()?;
    text.parse().ok()
}

/// The directories of the crates the workspace builds: every manifest with a package the walk
/// found, and every member of a workspace wherever it lies.
pub(super) fn crate_dirs(root: &Path, result: &WalkResult) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in &result.files {
        let Some(dir) = f.rel.strip_suffix("Cargo.toml") else {
            continue;
        };
        if !(dir.is_empty() || dir.ends_with('/')) {
            continue;
        }
        let dir = dir.trim_end_matches('/');
        let Some(table) = manifest(root, dir) else {
            continue;
        };
        if table.contains_key("package") {
            out.insert(dir.to_owned());
        }
        if let Some(toml::Value::Table(ws)) = table.get("workspace") {
            out.extend(members(root, dir, ws, &table));
        }
    }
    out
}

/// A workspace's members: its `members` globs and the path dependencies of members inside
/// its directory, minus `exclude`.
fn members(root: &Path, ws_dir: &str, ws: &toml::Table, own: &toml::Table) -> BTreeSet<String> {
    let strings = |key: &str| -> Vec<String> {
        match ws.get(key) {
            Some(toml::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let excluded: Vec<String> = strings("exclude")
        .iter()
        .filter_map(|e| normalise(&join(ws_dir, e)))
        .collect();
    let is_excluded = |d: &str| {
        excluded
            .iter()
            .any(|e| d == e || d.starts_with(&format!("{e}/")))
    };
    let mut out = BTreeSet::new();
    let mut work: Vec<(String, toml::Table)> = Vec::new();
    if own.contains_key("package") {
        work.push((ws_dir.to_owned(), own.clone()));
    }
    for pattern in strings("members") {
        for dir in expand(root, ws_dir, &pattern) {
            if !is_excluded(&dir)
                && out.insert(dir.clone())
                && let Some(t) = manifest(root, &dir)
            {
                work.push((dir, t));
            }
        }
    }
    while let Some((dir, table)) = work.pop() {
        for dep in path_dependencies(&table) {
            let Some(d) = normalise(&join(&dir, &dep)) else {
                continue;
            };
            let in_ws = ws_dir.is_empty() || d == ws_dir || d.starts_with(&format!("{ws_dir}/"));
            if in_ws
                && !is_excluded(&d)
                && !out.contains(&d)
                && let Some(t) = manifest(root, &d)
                && t.contains_key("package")
            {
                out.insert(d.clone());
                work.push((d, t));
            }
        }
    }
    out
}

/// The `path` of every dependency of a manifest (all dependency tables, target-specific too).
fn path_dependencies(table: &toml::Table) -> Vec<String> {
    let mut tables: Vec<&toml::Table> = Vec::new();
    let kinds = ["dependencies", "dev-dependencies", "build-dependencies"];
    for k in kinds {
        if let Some(toml::Value::Table(t)) = table.get(k) {
            tables.push(t);
        }
    }
    if let Some(toml::Value::Table(targets)) = table.get("target") {
        for t in targets.values().filter_map(toml::Value::as_table) {
            for k in kinds {
                if let Some(toml::Value::Table(d)) = t.get(k) {
                    tables.push(d);
                }
            }
        }
    }
    tables
        .iter()
        .flat_map(|t| t.values())
        .filter_map(|v| v.get("path").and_then(toml::Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// The directories matching a member glob (relative to the workspace) that hold a manifest.
fn expand(root: &Path, ws_dir: &str, pattern: &str) -> Vec<String> {
    let Some(pattern) = normalise(&join(ws_dir, pattern)) else {
        return Vec::new();
    };
    let mut dirs = vec![String::new()];
    for seg in pattern.split('/') {
        let mut next = Vec::new();
        for d in &dirs {
            if seg == "**" {
                descend(root, d, MAX_GLOB_DEPTH, &mut next);
            } else if seg.contains(['*', '?', '[']) {
                let Ok(glob) = globset::Glob::new(seg) else {
                    continue;
                };
                let m = glob.compile_matcher();
                next.extend(
                    subdirs(root, d)
                        .into_iter()
                        .filter(|s| m.is_match(s.rsplit('/').next().unwrap_or(s))),
                );
            } else {
                next.push(join(d, seg));
            }
        }
        dirs = next;
    }
    dirs.retain(|d| {
        std::fs::symlink_metadata(root.join(join(d, "Cargo.toml"))).is_ok_and(|m| m.is_file())
    });
    dirs
}

/// Real (not linked) subdirectories of `dir`, root-relative, sorted.
fn subdirs(root: &Path, dir: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root.join(dir))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(|n| join(dir, n)))
        .collect();
    out.sort();
    out
}

fn descend(root: &Path, dir: &str, depth: usize, out: &mut Vec<String>) {
    out.push(dir.to_owned());
    if depth == 0 {
        return;
    }
    for s in subdirs(root, dir) {
        descend(root, &s, depth - 1, out);
    }
}

/// The root files of the crate in `dir`: `[lib] path`, `[[bin]] path`s and `build` if set,
/// else the conventional `src/lib.rs`, `src/main.rs`, `src/bin/*.rs`, `src/bin/*/main.rs`
/// and `build.rs`.
pub(super) fn crate_roots(root: &Path, dir: &str) -> Vec<String> {
    let table = manifest(root, dir).unwrap_or_default();
    let mut out: Vec<String> = vec![
        join(dir, "src/lib.rs"),
        join(dir, "src/main.rs"),
        join(dir, "build.rs"),
    ];
    let bin = join(dir, "src/bin");
    for entry in std::fs::read_dir(root.join(&bin))
        .into_iter()
        .flatten()
        .flatten()
    {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if name.ends_with(".rs") {
            out.push(join(&bin, &name));
        } else if entry.file_type().is_ok_and(|t| t.is_dir()) {
            out.push(join(&bin, &format!("{name}/main.rs")));
        }
    }
    let path_of = |v: &toml::Value| {
        v.get("path")
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    if let Some(lib) = table.get("lib").and_then(path_of) {
        out.push(join(dir, &lib));
    }
    if let Some(toml::Value::Array(bins)) = table.get("bin") {
        out.extend(bins.iter().filter_map(path_of).map(|p| join(dir, &p)));
    }
    if let Some(toml::Value::Table(p)) = table.get("package")
        && let Some(b) = p.get("build").and_then(toml::Value::as_str)
    {
        out.push(join(dir, b));
    }
    out.into_iter()
        .filter_map(|r| match inside(root, &r) {
            Inside::Yes(f) => Some(f),
            _ => None,
        })
        .collect()
}
