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
//! The crates are those of [`super::crates`]: every manifest the walk found and every
//! workspace member wherever it lies, so a crate under `vendor/` is scanned when the workspace
//! compiles it as its own, and skipped when it is only vendored.
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

use super::crates::{crate_dirs, crate_roots};
use super::{CrateCache, FileKind, Skipped, WalkResult, source_file};

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

pub(super) enum Inside {
    /// The root-relative path of the regular file (links resolved inside the root).
    Yes(String),
    Missing,
    Outside,
}

/// Whether a root-relative path (possibly with `..`) names a file inside the root.
pub(super) fn inside(root: &Path, rel: &str) -> Inside {
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
pub(super) fn normalise(rel: &str) -> Option<String> {
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

pub(super) fn join(dir: &str, rest: &str) -> String {
    match (dir.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (_, true) => dir.to_owned(),
        _ => format!("{dir}/{rest}"),
    }
}
