//! Files the compiler builds, whatever the ignore rules say.
//!
//! The walk skips ignored, hidden and vendored directories; the compiler does not care. From
//! the root of every crate the workspace builds, this follows the module tree — `mod x;`
//! (to `x.rs` or `x/mod.rs`, inside inline modules too), `#[path = "…"]` and
//! `#[cfg_attr(…, path = "…")]` with the reference's rules, and `include!("….rs")` — and adds
//! every file it reaches that the walk did not select: a handler in `src/vendor/` reached by
//! `mod vendor;`, a `#[path = "../.impl/evil.rs"]` module in a hidden folder, a module under a
//! git-ignored directory.
//!
//! The crates are those whose manifest the walk found, plus the members of every
//! `[workspace]` (its `members` globs, minus `exclude`, and the path dependencies of members
//! inside the workspace directory), wherever they are: a crate under `vendor/` is scanned
//! when the workspace compiles it as its own, and skipped when it is only vendored.
//!
//! Module declarations are found by a lexer (comments and literals skipped), so a file that
//! does not parse still leads to its modules. Reached files keep the profile's include and
//! exclude globs and the size cap (a file over it is reported as skipped, which blinds the
//! gate); a module path that leaves the root, or a link out of it, is reported too and never
//! read. A file reached only through `#[path]` takes the module path it is declared under.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use genai_gate_policy::profile::FileSelection;
use globset::GlobSet;

use super::{CrateCache, FileKind, Skipped, WalkResult, source_file};

/// The largest manifest read.
const MAX_MANIFEST: u64 = 1 << 20;

/// How deep a `**` in a workspace member glob descends.
const MAX_GLOB_DEPTH: usize = 8;

/// Adds the files the compiler builds that the walk did not select. `include`/`exclude` are
/// the profile's compiled globs.
pub(super) fn add_compiled(
    root: &Path,
    result: &mut WalkResult,
    files: &FileSelection,
    include: &GlobSet,
    exclude: &GlobSet,
    crates: &mut CrateCache,
) {
    let max_size = files.max_file_size.unwrap_or(super::DEFAULT_MAX_FILE_SIZE);
    let walked: BTreeMap<String, usize> = result
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.rel.clone(), i))
        .collect();
    let mut queue: VecDeque<Reached> = VecDeque::new();
    for dir in crate_dirs(root, result) {
        for rootfile in crate_roots(root, &dir) {
            queue.push_back(Reached {
                rel: rootfile,
                module: None,
                via_path: false,
            });
        }
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut added: Vec<super::SourceFile> = Vec::new();
    while let Some(r) = queue.pop_front() {
        if !seen.insert(r.rel.clone()) {
            continue;
        }
        let excluded =
            exclude.is_match(&r.rel) || (!files.include.is_empty() && !include.is_match(&r.rel));
        if excluded {
            continue;
        }
        let abs = root.join(&r.rel);
        // The module path this file is declared under; for a walked file its location gives
        // the same unless `#[path]` moved it.
        let module = match walked.get(&r.rel) {
            Some(&i) => {
                if r.via_path
                    && let Some(m) = &r.module
                {
                    result.files[i].module = Some(m.clone());
                }
                result.files[i].module.clone()
            }
            None => {
                let meta = match std::fs::metadata(&abs) {
                    Ok(m) if m.is_file() => m,
                    _ => continue,
                };
                if meta.len() > max_size {
                    result.skipped.push(Skipped {
                        rel: r.rel.clone(),
                        reason: format!("larger than {max_size} bytes"),
                    });
                    continue;
                }
                let mut f = source_file(root, r.rel.clone(), abs.clone(), FileKind::Rust, crates);
                if let Some(m) = &r.module
                    && (r.via_path || f.module.is_none())
                {
                    f.module = Some(m.clone());
                }
                let module = f.module.clone();
                added.push(f);
                module
            }
        };
        let Ok(text) = crate::read::capped_text(&abs, max_size) else {
            continue;
        };
        let module = module.unwrap_or_else(|| "crate".to_owned());
        for next in reached_from(root, &r.rel, r.via_path, &module, &text, result) {
            queue.push_back(next);
        }
    }
    result.files.extend(added);
    result.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    result.files.dedup_by(|a, b| a.rel == b.rel);
}

/// A file reached through the module tree.
struct Reached {
    /// Root-relative path.
    rel: String,
    /// The module path it is declared under (`None` for a crate root).
    module: Option<String>,
    /// Reached through a `#[path]` attribute (its location says nothing of its module).
    via_path: bool,
}

/// The files `rel`'s declarations reach (that exist inside the root). Declarations that
/// leave the root are reported in `result.skipped`.
fn reached_from(
    root: &Path,
    rel: &str,
    via_path: bool,
    module: &str,
    text: &str,
    result: &mut WalkResult,
) -> Vec<Reached> {
    let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let stem = name.strip_suffix(".rs").unwrap_or(name);
    // Where this file's child modules live: beside it for a crate root, a `mod.rs` or a
    // `#[path]` file; in a directory of its own name otherwise. Both are tried for a
    // `#[path]` file.
    let mod_rs = matches!(name, "mod.rs" | "lib.rs" | "main.rs" | "build.rs")
        || rel.contains("/bin/")
        || via_path;
    let mut dirs = vec![if mod_rs {
        parent.to_owned()
    } else {
        join(parent, stem)
    }];
    if via_path && name != "mod.rs" {
        dirs.push(join(parent, stem));
    }
    let mut out = Vec::new();
    for decl in super::mod_lexer::declarations(text) {
        let inline = decl.inline.join("/");
        let mut module_path = module.to_owned();
        for m in &decl.inline {
            module_path.push_str("::");
            module_path.push_str(m);
        }
        let mut candidates: Vec<(String, bool)> = Vec::new();
        match &decl.kind {
            super::mod_lexer::Kind::Include(path) => {
                if path.ends_with(".rs") {
                    candidates.push((join(parent, path), true));
                }
            }
            super::mod_lexer::Kind::Mod(name) => {
                module_path.push_str("::");
                module_path.push_str(name);
                let attr_base = if decl.inline.is_empty() {
                    parent.to_owned()
                } else {
                    join(&dirs[0], &inline)
                };
                for p in &decl.paths {
                    candidates.push((join(&attr_base, p), true));
                }
                if decl.paths.is_empty() || decl.conditional_path {
                    for d in &dirs {
                        let base = join(&join(d, &inline), name);
                        candidates.push((format!("{base}.rs"), false));
                        candidates.push((format!("{base}/mod.rs"), false));
                    }
                }
            }
        }
        for (candidate, by_path) in candidates {
            match inside(root, &candidate) {
                Inside::Yes(file) => out.push(Reached {
                    rel: file,
                    module: Some(module_path.clone()),
                    via_path: by_path,
                }),
                Inside::Missing => {}
                Inside::Outside => result.skipped.push(Skipped {
                    rel: rel.to_owned(),
                    reason: format!(
                        "declares module file `{candidate}`, which is outside the scanned root: not read"
                    ),
                }),
            }
        }
    }
    out
}

enum Inside {
    /// The root-relative path of the regular file (links resolved inside the root).
    Yes(String),
    Missing,
    Outside,
}

/// Whether a root-relative path (possibly with `..`) names a file inside the root.
fn inside(root: &Path, rel: &str) -> Inside {
    let Some(norm) = normalise(rel) else {
        return Inside::Outside;
    };
    let abs = root.join(&norm);
    match std::fs::symlink_metadata(&abs) {
        Err(_) => Inside::Missing,
        Ok(m) if m.file_type().is_symlink() => match crate::read::resolve_in_root(root, &abs) {
            Ok(target) => {
                let Ok(canon_root) = root.canonicalize() else {
                    return Inside::Outside;
                };
                match target
                    .strip_prefix(&canon_root)
                    .ok()
                    .and_then(|p| p.to_str())
                {
                    Some(t) if target.is_file() => Inside::Yes(t.replace('\\', "/")),
                    Some(_) => Inside::Missing,
                    None => Inside::Outside,
                }
            }
            Err(crate::read::ReadError::Outside) => Inside::Outside,
            Err(_) => Inside::Missing,
        },
        Ok(m) if m.is_file() => Inside::Yes(norm),
        Ok(_) => Inside::Missing,
    }
}

/// `a/b/../c` as `a/c`; `None` when it climbs above the root or is absolute.
fn normalise(rel: &str) -> Option<String> {
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

fn join(dir: &str, rest: &str) -> String {
    match (dir.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (_, true) => dir.to_owned(),
        _ => format!("{dir}/{rest}"),
    }
}

/// A manifest as a TOML table, if it can be read.
fn manifest(root: &Path, dir: &str) -> Option<toml::Table> {
    let text = crate::read::capped_text(&root.join(join(dir, "Cargo.toml")), MAX_MANIFEST).ok()?;
    text.parse().ok()
}

/// The directories of the crates the workspace builds: every manifest with a package the walk
/// found, and every member of a workspace wherever it lies.
fn crate_dirs(root: &Path, result: &WalkResult) -> BTreeSet<String> {
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
fn crate_roots(root: &Path, dir: &str) -> Vec<String> {
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
