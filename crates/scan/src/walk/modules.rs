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

use std::collections::VecDeque;
use std::path::Path;

use genai_gate_policy::profile::FileSelection;
use globset::GlobSet;

use super::crates::{crate_dirs, crate_roots};
use super::{FileKind, Skipped, WalkResult, source_file};
use crate::packages::Packages;

/// Adds the files the compiler builds that the walk did not select. `include`/`exclude` are
/// the profile's compiled globs; `unwalked` the entries the walk left out (sorted,
/// root-relative), with the links it skipped.
///
/// Only a file that could lead out of what the walk selected is read: one with a `#[path]`
/// or `include!`, or one whose modules' directory holds something the walk left out. Every
/// other declaration of it can only name a file the walk selected, whose own modules lie
/// below that same directory.
pub(super) fn add_compiled(
    root: &Path,
    result: &mut WalkResult,
    files: &FileSelection,
    include: &GlobSet,
    exclude: &GlobSet,
    unwalked: &[String],
    crates: &mut Packages,
) {
    let mut unwalked: Vec<&str> = unwalked.iter().map(String::as_str).collect();
    unwalked.extend(result.skipped.iter().map(|s| s.rel.as_str()));
    let mut unwalked: Vec<String> = unwalked.into_iter().map(str::to_owned).collect();
    unwalked.sort();
    // Whether the walk left out `dir` itself or anything under it ("" is the root).
    let leaves_out = |dir: &str| -> bool {
        if dir.is_empty() {
            return !unwalked.is_empty();
        }
        let i = unwalked.partition_point(|u| u.as_str() < dir);
        unwalked[i..]
            .iter()
            .take_while(|u| u.starts_with(dir))
            .any(|u| u.len() == dir.len() || u.as_bytes()[dir.len()] == b'/')
    };
    let max_size = files.max_file_size.unwrap_or(super::DEFAULT_MAX_FILE_SIZE);
    let walked: Walked = result
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
    let mut seen: rustc_hash::FxHashSet<String> = Default::default();
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
        let was_walked = walked.contains_key(&r.rel);
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
        if was_walked && !r.via_path && !leaves_out(&child_dir(&r.rel, r.module.is_none())) {
            // A walked file with nothing left out below: a `#[path]` or an `include!` is all
            // that could lead elsewhere, and a cheap look for them decides whether to read on.
            // (A file the walk did not select lies in what it left out, and is always read.)
            let Ok(bytes) = crate::read::capped(&abs, max_size) else {
                continue;
            };
            if !may_leave(&bytes) {
                continue;
            }
        }
        let Ok(text) = crate::read::capped_text(&abs, max_size) else {
            continue;
        };
        let module = module.unwrap_or_else(|| "crate".to_owned());
        let from = From {
            rel: &r.rel,
            is_root: r.module.is_none(),
            via_path: r.via_path,
            module: &module,
        };
        for next in reached_from(root, &from, &text, &walked, result) {
            queue.push_back(next);
        }
    }
    result.files.extend(added);
    result.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    result.files.dedup_by(|a, b| a.rel == b.rel);
}

/// The directory a file's `mod x;` declarations name files in (a crate root's and a
/// `mod.rs`'s own directory, else one named after the file).
fn child_dir(rel: &str, is_root: bool) -> String {
    let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    if is_root || name == "mod.rs" {
        parent.to_owned()
    } else {
        join(parent, name.strip_suffix(".rs").unwrap_or(name))
    }
}

/// Whether a source may hold a `#[path]` (or `cfg_attr(…, path = …)`) or an `include!`:
/// `include!`, or `path` after `[`, `(` or `,` and before `=`, anywhere (comments included;
/// it only makes the lexer run).
fn may_leave(b: &[u8]) -> bool {
    if memchr::memmem::find(b, b"include!").is_some() {
        return true;
    }
    memchr::memmem::find_iter(b, b"path").any(|i| {
        let after = b[i + 4..].iter().find(|c| !c.is_ascii_whitespace());
        let before = b[..i].iter().rev().find(|c| !c.is_ascii_whitespace());
        after == Some(&b'=') && matches!(before, Some(b'[' | b'(' | b','))
    })
}

/// Walked files by root-relative path (index into the walk's files).
type Walked = rustc_hash::FxHashMap<String, usize>;

/// The file whose declarations are followed.
struct From<'a> {
    rel: &'a str,
    /// A crate root (`lib.rs`, `main.rs`, a binary, a build script).
    is_root: bool,
    /// Reached through `#[path]`.
    via_path: bool,
    /// Its module path.
    module: &'a str,
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
    from: &From,
    text: &str,
    walked: &Walked,
    result: &mut WalkResult,
) -> Vec<Reached> {
    let (rel, via_path, module) = (from.rel, from.via_path, from.module);
    let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let stem = name.strip_suffix(".rs").unwrap_or(name);
    // Where this file's child modules live: beside it for a crate root, a `mod.rs` or a
    // `#[path]` file; in a directory of its own name otherwise. Both are tried for a
    // `#[path]` file.
    let mod_rs = name == "mod.rs" || from.is_root || via_path;
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
            // A file the walk selected is there (no need to ask the file system).
            let found = match normalise(&candidate) {
                Some(n) if walked.contains_key(&n) => Inside::Yes(n),
                _ => inside(root, &candidate),
            };
            match found {
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

pub(super) use crate::read::normalise_rel as normalise;

pub(super) fn join(dir: &str, rest: &str) -> String {
    // An absolute path stays one (and `normalise` refuses it).
    if rest.starts_with('/') || rest.starts_with('\\') || rest.contains(':') {
        return rest.to_owned();
    }
    match (dir.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (_, true) => dir.to_owned(),
        _ => format!("{dir}/{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use genai_gate_policy::profile::FileSelection;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn rels(root: &Path) -> Vec<String> {
        super::super::walk(root, &FileSelection::default())
            .files
            .into_iter()
            .map(|f| f.rel)
            .collect()
    }

    /// `mod vendor;` names `src/vendor.rs`, which the walk selects; its own modules lie in
    /// `src/vendor/`, which the walk skips (as in r-efi): they are followed all the same.
    #[test]
    fn modules_below_a_walked_file_in_a_skipped_directory_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "Cargo.toml", "[package]\nname = \"svc\"\n");
        write(root, "src/lib.rs", "pub mod vendor;\n");
        write(root, "src/vendor.rs", "pub mod intel;\n");
        write(root, "src/vendor/intel.rs", "pub mod deep;\n");
        write(root, "src/vendor/intel/deep.rs", "fn f() {}\n");
        write(root, "src/vendor/unused.rs", "fn g() {}\n");
        assert_eq!(
            rels(root),
            [
                "Cargo.toml",
                "src/lib.rs",
                "src/vendor.rs",
                "src/vendor/intel.rs",
                "src/vendor/intel/deep.rs"
            ]
        );
    }

    /// A module path out of the root is reported, never read; a link out of it too.
    #[test]
    fn module_paths_out_of_the_root_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        write(&root, "Cargo.toml", "[package]\nname = \"svc\"\n");
        write(
            &root,
            "src/lib.rs",
            "#[path = \"../../outside.rs\"]\nmod outside;\n#[path = \"/etc/hostname.rs\"]\nmod abs;\n",
        );
        write(dir.path(), "outside.rs", "fn secret() {}\n");
        let result = super::super::walk(&root, &FileSelection::default());
        assert!(result.files.iter().all(|f| !f.rel.contains("outside")));
        let reasons: Vec<&str> = result.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons
                .iter()
                .filter(|r| r.contains("outside the scanned root"))
                .count(),
            2,
            "{reasons:?}"
        );
    }
}
