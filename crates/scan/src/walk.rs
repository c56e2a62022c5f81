//! Which files of a repository are scanned.
//!
//! [`walk`] lists the files under a root with ripgrep's `ignore` walker and the profile's
//! [`FileSelection`]:
//!
//! - `.gitignore`, `.ignore` and `.git/info/exclude` inside the root are honoured even when
//!   the root is not a git repository. Ignore files *above* the root and the user's global
//!   gitignore are not read, so the result depends on the root's contents only. A file git
//!   tracks is never skipped by an ignore file, and ignore files are read capped, never
//!   through a link (see [`walk_with`] and `ignores.rs`).
//! - Hidden files and directories are skipped, except `.env`, `.env.*` and `.settings.*.toml`.
//! - Directories named `target`, `node_modules`, `vendor`, `third_party` and `.git` are never
//!   entered by the walk — but every file the module tree of a crate the workspace builds
//!   reaches is added, wherever it is (`modules.rs`).
//! - Symbolic links are never followed; each one is reported in [`WalkResult::skipped`].
//! - Include and exclude globs match the root-relative, `/`-separated path (`*` stays within
//!   one path segment, `**` crosses segments). An empty include list includes everything; an
//!   exclude glob that matches a directory prunes it. Globs that do not compile are ignored
//!   (the profile loader reports them), so an include list of only invalid globs selects
//!   nothing.
//! - Files larger than [`FileSelection::max_file_size`] (default [`DEFAULT_MAX_FILE_SIZE`])
//!   are skipped with a note. Files of other kinds than [`FileKind`] are left out silently.
//!
//! The walk is serial and its result is sorted by relative path. Whether a file is valid
//! UTF-8 is for the caller to find out when it reads it.

use std::path::{Component, Path, PathBuf};

use genai_gate_policy::profile::FileSelection;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::packages::{Package, Packages};
mod crates;
mod ignores;
mod mod_lexer;
mod modules;

pub use ignores::MAX_IGNORE_FILE;

/// The size cap applied when the profile sets none: 2 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

/// Directory names that are never entered.
const ALWAYS_SKIPPED_DIRS: [&str; 5] = ["target", "node_modules", "vendor", "third_party", ".git"];

/// Directory names (relative to a crate, or to the root outside crates) holding test code:
/// tests, benchmarks, examples and test fixtures (`fixtures/`: mock servers, sample projects).
pub(crate) const TEST_DIRS: [&str; 4] = ["tests", "benches", "examples", "fixtures"];

/// What a scanned file contains, decided by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// `.rs`.
    Rust,
    /// `.py`, `.pyi`.
    Python,
    /// `.toml`.
    Toml,
    /// `.yaml`, `.yml`.
    Yaml,
    /// `.json`.
    Json,
    /// `.env`, `.env.<suffix>` (e.g. `.env.example`), `*.env`.
    Env,
    /// `.md`, `.markdown`.
    Markdown,
    /// `.txt`, `.rst`, `.adoc`.
    Text,
}

impl FileKind {
    /// The kind of a file by its name, or `None` for files that are not scanned.
    ///
    /// ```
    /// use genai_gate_scan::walk::FileKind;
    /// assert_eq!(FileKind::of("docker-compose.yml"), Some(FileKind::Yaml));
    /// assert_eq!(FileKind::of(".env.example"), Some(FileKind::Env));
    /// assert_eq!(FileKind::of("logo.png"), None);
    /// assert_eq!(FileKind::of("pnpm-lock.yaml"), None); // a lock file is never configuration
    /// ```
    pub fn of(file_name: &str) -> Option<FileKind> {
        if file_name == ".env" || (file_name.starts_with(".env.") && !file_name[5..].contains('.'))
        {
            return Some(FileKind::Env);
        }
        if is_lock_file(file_name) {
            return None;
        }
        let ext = file_name
            .rsplit_once('.')
            .map(|(stem, ext)| (stem, ext.to_ascii_lowercase()));
        match ext {
            Some(("", _)) => None,
            Some((_, ext)) => match ext.as_str() {
                "rs" => Some(FileKind::Rust),
                "py" | "pyi" => Some(FileKind::Python),
                "toml" => Some(FileKind::Toml),
                "yaml" | "yml" => Some(FileKind::Yaml),
                "json" => Some(FileKind::Json),
                "env" => Some(FileKind::Env),
                "md" | "markdown" => Some(FileKind::Markdown),
                "txt" | "rst" | "adoc" => Some(FileKind::Text),
                _ => None,
            },
            None => None,
        }
    }
}

/// Lock files of package managers (`pnpm-lock.yaml`, `package-lock.json`,
/// `npm-shrinkwrap.json`, `*-lock.json`): generated, often megabytes, never configuration.
fn is_lock_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "npm-shrinkwrap.json"
        || [
            "-lock.yaml",
            "-lock.yml",
            "-lock.json",
            ".lock.json",
            ".lock.yaml",
        ]
        .iter()
        .any(|suffix| lower.ends_with(suffix))
}

/// One file selected for scanning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the root, `/`-separated.
    pub rel: String,
    /// Path as found on disk (the root joined with the relative path).
    pub abs: PathBuf,
    /// What the file contains.
    pub kind: FileKind,
    /// For Rust files: the `[package] name` of the nearest `Cargo.toml` at or above the
    /// file's directory within the root, with `-` replaced by `_`. A `Cargo.toml` that does not
    /// parse counts as a crate named after its directory; one without `[package]` (a virtual
    /// workspace manifest) is passed over. `None` outside any crate.
    pub crate_name: Option<String>,
    /// For Python files: the dotted module path with `::` between segments, from the file's
    /// location ([`python_module`]). For Rust files in a crate: the module path. `src/lib.rs`, `src/main.rs` and
    /// `src/bin/x.rs` are the crate root (`<crate>`); `src/api/chat.rs` is
    /// `<crate>::api::chat`; `src/api/mod.rs` is `<crate>::api`; files under `src/bin/x/` are
    /// modules of that binary (`src/bin/x/util.rs` is `<crate>::util`). Files outside `src/`
    /// get the crate name plus their path segments (`tests/chat.rs` is `<crate>::tests::chat`,
    /// `build.rs` is `<crate>::build`). `-` in segments becomes `_`.
    pub module: Option<String>,
    /// Whether the file lies under a `tests/`, `benches/` or `examples/` directory of its crate
    /// (or of the root, outside crates).
    pub is_test_file: bool,
    /// For Rust files in a crate: the package, an index into [`WalkResult::packages`].
    pub package: Option<u32>,
}

/// A file or link that was found but not selected, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    /// Path relative to the root, `/`-separated (empty when the walker could not tell).
    pub rel: String,
    /// Why: `larger than N bytes`, `symbolic link`, `unreadable: <io error>`,
    /// `path is not valid UTF-8`.
    pub reason: String,
}

/// What [`walk`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkResult {
    /// Selected files, sorted by relative path.
    pub files: Vec<SourceFile>,
    /// Skipped entries, sorted by relative path.
    pub skipped: Vec<Skipped>,
    /// The Cargo packages the selected Rust files belong to (see [`crate::packages`]).
    pub packages: Vec<Package>,
    /// Source files of languages that are not analysed (see [`crate::languages`]), sorted by
    /// relative path: counted and looked at, never parsed.
    pub other_sources: Vec<OtherSource>,
}

/// A source file in a language the scanner does not analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherSource {
    /// Path relative to the root, `/`-separated.
    pub rel: String,
    /// Path as found on disk.
    pub abs: PathBuf,
    /// The language's name (see [`crate::languages::LANGUAGES`]).
    pub language: &'static str,
}

/// Lists the files under `root` selected by `files`. See the [module docs](self) for the rules.
///
/// ```
/// use genai_gate_policy::profile::FileSelection;
/// use genai_gate_scan::walk::{walk, FileKind};
///
/// let dir = std::env::temp_dir().join(format!("genai-gate-walk-doc-{}", std::process::id()));
/// std::fs::create_dir_all(dir.join("src/api"))?;
/// std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"chat-svc\"\n")?;
/// std::fs::write(dir.join("src/api/mod.rs"), "")?;
/// std::fs::write(dir.join("logo.png"), [0u8; 4])?;
///
/// let result = walk(&dir, &FileSelection::default());
/// let rels: Vec<_> = result.files.iter().map(|f| f.rel.as_str()).collect();
/// assert_eq!(rels, ["Cargo.toml", "src/api/mod.rs"]);
/// assert_eq!(result.files[1].kind, FileKind::Rust);
/// assert_eq!(result.files[1].module.as_deref(), Some("chat_svc::api"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn walk(root: &Path, files: &FileSelection) -> WalkResult {
    walk_with(root, files, None)
}

/// [`walk`] in a git repository: `tracked` lists the files git tracks, relative to `root`
/// (`git ls-files -z`); none of them is skipped because of an ignore file. The library never
/// runs git; the caller does.
pub fn walk_with(root: &Path, files: &FileSelection, tracked: Option<&[String]>) -> WalkResult {
    let include = compile_globs(&files.include);
    let exclude = compile_globs(&files.exclude);
    let max_size = files.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);

    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .hidden(false)
        // Ignore files are read by `ignores::Rules`: capped, never through a link, and never
        // hiding a tracked file.
        .ignore(false)
        .git_ignore(false)
        .git_exclude(false)
        .git_global(false)
        .parents(false)
        .require_git(false)
        .follow_links(false);
    let filter_root = root.to_path_buf();
    let filter_exclude = exclude.clone();
    let rules = std::sync::Arc::new(ignores::Rules::new(root, tracked));
    let filter_rules = std::sync::Arc::clone(&rules);
    builder.filter_entry(move |entry| {
        let keep = keep_entry(&filter_root, &filter_exclude, entry)
            && !rel_path(&filter_root, entry.path()).is_some_and(|rel| {
                filter_rules.ignored(&rel, entry.file_type().is_some_and(|t| t.is_dir()))
            });
        if !keep {
            filter_rules.not_walked(entry.path());
        }
        keep
    });

    let mut result = WalkResult::default();
    let mut crates = Packages::default();
    for item in builder.build() {
        let entry = match item {
            Ok(entry) => entry,
            Err(err) => {
                let rel = error_path(&err)
                    .and_then(|p| rel_path(root, p))
                    .unwrap_or_default();
                result.skipped.push(Skipped {
                    rel,
                    reason: format!("unreadable: {}", innermost(&err)),
                });
                continue;
            }
        };
        let is_symlink = entry.path_is_symlink();
        let is_file = entry.file_type().is_some_and(|t| t.is_file());
        if !is_symlink && !is_file {
            continue;
        }
        let Some(mut rel) = rel_path(root, entry.path()) else {
            result.skipped.push(Skipped {
                rel: entry.path().to_string_lossy().into_owned(),
                reason: "path is not valid UTF-8".into(),
            });
            continue;
        };
        if rel.is_empty() {
            // The root itself is a file.
            rel = entry.file_name().to_string_lossy().into_owned();
        }
        if exclude.is_match(&rel) {
            continue;
        }
        if is_symlink {
            result.skipped.push(Skipped {
                rel,
                reason: "symbolic link".into(),
            });
            continue;
        }
        if !files.include.is_empty() && !include.is_match(&rel) {
            continue;
        }
        let file_name = rel.rsplit('/').next().unwrap_or(&rel);
        let Some(kind) = FileKind::of(file_name) else {
            if let Some(lang) = crate::languages::language_of(file_name).filter(|l| !l.analysed) {
                result.other_sources.push(OtherSource {
                    rel,
                    abs: entry.path().to_path_buf(),
                    language: lang.name,
                });
            }
            continue;
        };
        match entry.metadata() {
            Ok(meta) if meta.len() > max_size => {
                result.skipped.push(Skipped {
                    rel,
                    reason: format!("larger than {max_size} bytes"),
                });
                continue;
            }
            Ok(_) => {}
            Err(err) => {
                result.skipped.push(Skipped {
                    rel,
                    reason: format!("unreadable: {}", innermost(&err)),
                });
                continue;
            }
        }
        result.files.push(source_file(
            root,
            rel,
            entry.path().to_path_buf(),
            kind,
            &mut crates,
        ));
    }
    // Code the compiler builds is scanned whatever the ignore rules say.
    let unwalked = rules.unwalked();
    modules::add_compiled(
        root,
        &mut result,
        files,
        &include,
        &exclude,
        &unwalked,
        &mut crates,
    );
    result.skipped.extend(rules.problems());
    result.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    result.packages = crates.into_vec();
    result.skipped.sort();
    result.skipped.dedup();
    result.other_sources.sort_by(|a, b| a.rel.cmp(&b.rel));
    result
}

/// The walker's entry filter: hidden names, always-skipped directories, excluded directories.
fn keep_entry(root: &Path, exclude: &GlobSet, entry: &ignore::DirEntry) -> bool {
    if entry.depth() == 0 {
        return true;
    }
    let name = entry.file_name().to_string_lossy();
    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
    if is_dir && ALWAYS_SKIPPED_DIRS.contains(&name.as_ref()) {
        return false;
    }
    if name.starts_with('.') && (is_dir || !hidden_but_wanted(&name)) {
        return false;
    }
    if is_dir
        && let Some(rel) = rel_path(root, entry.path())
        && exclude.is_match(&rel)
    {
        return false;
    }
    true
}

/// Hidden files that hold configuration worth scanning.
fn hidden_but_wanted(name: &str) -> bool {
    name == ".env"
        || name.starts_with(".env.")
        || (name.starts_with(".settings.") && name.ends_with(".toml"))
}

/// Compiles the globs that compile; `*` does not cross `/`.
fn compile_globs(globs: &[String]) -> GlobSet {
    let mut set = GlobSetBuilder::new();
    for g in globs {
        if let Ok(glob) = GlobBuilder::new(g).literal_separator(true).build() {
            set.add(glob);
        }
    }
    set.build().unwrap_or_else(|_| GlobSet::empty())
}

/// `path` relative to `root`, `/`-separated; `None` when not valid UTF-8 or not under root.
fn rel_path(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str()?),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// The path an `ignore` error is about, if it says.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

/// The innermost message of an `ignore` error, without the path it wraps.
fn innermost(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            innermost(err)
        }
        other => other.to_string(),
    }
}

/// Builds a [`SourceFile`], computing crate and module for Rust files.
fn source_file(
    root: &Path,
    rel: String,
    abs: PathBuf,
    kind: FileKind,
    crates: &mut Packages,
) -> SourceFile {
    let parts: Vec<&str> = rel.split('/').collect();
    let dirs = &parts[..parts.len().saturating_sub(1)];
    let owner = crates.owner(root, dirs);
    let in_crate = owner
        .as_ref()
        .map_or(&parts[..], |(depth, _)| &parts[*depth..]);
    let mut is_test_file = in_crate[..in_crate.len().saturating_sub(1)]
        .iter()
        .any(|d| TEST_DIRS.contains(d));
    let (crate_name, module, package) = match (kind, owner) {
        (FileKind::Python, _) => {
            is_test_file = is_test_file || python_test_file(&parts);
            (None, Some(python_module(&parts)), None)
        }
        (FileKind::Rust, Some((_, id))) => {
            let name = crates.get(id).name.clone();
            let module = module_path(&name, in_crate);
            (Some(name), Some(module), Some(id))
        }
        _ => (None, None, None),
    };
    SourceFile {
        rel,
        abs,
        kind,
        crate_name,
        module,
        is_test_file,
        package,
    }
}

/// The module path of a Python file from its root-relative path segments, `::`-joined:
/// `app/api/chat.py` is `app::api::chat`, a package's `__init__.py` is the package
/// (`app/api/__init__.py` is `app::api`), and a `src/` layout starts below `src`
/// (`src/app/main.py` is `app::main`). A module at the root that is a package's
/// `__init__.py` is `__init__`. Characters that cannot be in a Python name become `_`.
///
/// ```
/// use genai_gate_scan::walk::python_module;
/// assert_eq!(python_module(&["app", "api", "chat.py"]), "app::api::chat");
/// assert_eq!(python_module(&["app", "api", "__init__.py"]), "app::api");
/// assert_eq!(python_module(&["backend", "src", "svc", "main.py"]), "svc::main");
/// assert_eq!(python_module(&["openai-api", "server.py"]), "openai_api::server");
/// ```
pub fn python_module(parts: &[&str]) -> String {
    let mut segs: Vec<&str> = parts.to_vec();
    if let Some(last) = segs.last_mut() {
        *last = last
            .strip_suffix(".pyi")
            .or_else(|| last.strip_suffix(".py"))
            .unwrap_or(last);
    }
    let dirs = segs.len().saturating_sub(1);
    if let Some(at) = segs[..dirs].iter().position(|s| *s == "src") {
        segs.drain(..=at);
    }
    if segs.len() > 1 && segs.last() == Some(&"__init__") {
        segs.pop();
    }
    let clean: Vec<String> = segs
        .iter()
        .map(|s| {
            s.chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        })
        .collect();
    clean.join("::")
}

/// Test code by a Python file's name or folder: `test_*.py`, `*_test.py`, `conftest.py`,
/// a `test/` folder (the walk's test folders are checked by the caller).
fn python_test_file(parts: &[&str]) -> bool {
    let name = parts.last().copied().unwrap_or_default();
    let stem = name.strip_suffix(".py").unwrap_or(name);
    stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem == "conftest"
        || parts[..parts.len().saturating_sub(1)].contains(&"test")
}

/// The module path of a Rust file, given its path segments relative to its crate directory.
fn module_path(crate_name: &str, segs: &[&str]) -> String {
    let mut segs: Vec<&str> = segs.to_vec();
    if let Some(last) = segs.last_mut() {
        *last = last.strip_suffix(".rs").unwrap_or(last);
    }
    let rest: &[&str] = match segs.as_slice() {
        ["src", "lib" | "main"] => &[],
        ["src", "bin", _] => &[],
        ["src", "bin", _, "main"] => &[],
        ["src", "bin", _, rest @ ..] => rest,
        ["src", rest @ ..] => rest,
        other => other,
    };
    let mut rest = rest.to_vec();
    if rest.last() == Some(&"mod") {
        rest.pop();
    }
    let mut module = crate_name.to_owned();
    for seg in rest {
        module.push_str("::");
        module.push_str(&seg.replace('-', "_"));
    }
    module
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn rels(result: &WalkResult) -> Vec<&str> {
        result.files.iter().map(|f| f.rel.as_str()).collect()
    }

    fn file<'a>(result: &'a WalkResult, rel: &str) -> &'a SourceFile {
        result
            .files
            .iter()
            .find(|f| f.rel == rel)
            .unwrap_or_else(|| panic!("{rel} not walked: {:?}", rels(result)))
    }

    #[test]
    fn honours_gitignore_without_git_and_skips_hidden_and_build_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, ".gitignore", "generated/\n*.log.md\n");
        write(root, ".ignore", "scratch.txt\n");
        write(root, "generated/out.rs", "");
        write(root, "notes.log.md", "");
        write(root, "scratch.txt", "");
        write(root, "target/debug/build.rs", "");
        write(root, "node_modules/x/index.json", "{}");
        write(root, "vendor/lib.rs", "");
        write(root, "third_party/a.toml", "");
        write(root, ".github/workflows/ci.yml", "");
        write(root, ".hidden.toml", "");
        write(root, ".env", "A=1");
        write(root, ".env.example", "A=1");
        write(root, ".settings.prod.toml", "");
        write(root, "deploy/prod.env", "A=1");
        write(root, "README.md", "# x");
        write(root, "docs/guide.adoc", "");
        write(root, "image.png", "");
        write(root, "config.yml", "");
        let result = walk(root, &FileSelection::default());
        assert_eq!(
            rels(&result),
            [
                ".env",
                ".env.example",
                ".settings.prod.toml",
                "README.md",
                "config.yml",
                "deploy/prod.env",
                "docs/guide.adoc"
            ]
        );
        assert_eq!(file(&result, ".env.example").kind, FileKind::Env);
        assert_eq!(file(&result, "deploy/prod.env").kind, FileKind::Env);
        assert_eq!(file(&result, "docs/guide.adoc").kind, FileKind::Text);
        assert!(result.skipped.is_empty(), "{:?}", result.skipped);
    }

    #[test]
    fn include_and_exclude_globs_match_the_relative_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "src/main.rs", "");
        write(root, "src/gen/big.rs", "");
        write(root, "legacy/old.rs", "");
        write(root, "config/app.yaml", "");
        write(root, "app.yaml", "");
        let sel = FileSelection {
            include: vec![
                "src/**".into(),
                "config/*.yaml".into(),
                "legacy/**".into(),
                "[bad".into(),
            ],
            exclude: vec!["src/gen/**".into(), "legacy".into()],
            max_file_size: None,
        };
        let result = walk(root, &sel);
        assert_eq!(rels(&result), ["config/app.yaml", "src/main.rs"]);

        // `*` stays within a segment; an include list of only invalid globs selects nothing.
        let sel = FileSelection {
            include: vec!["*.yaml".into()],
            ..FileSelection::default()
        };
        assert_eq!(rels(&walk(root, &sel)), ["app.yaml"]);
        let sel = FileSelection {
            include: vec!["[bad".into()],
            ..FileSelection::default()
        };
        assert!(walk(root, &sel).files.is_empty());
    }

    #[test]
    fn files_over_the_size_cap_are_skipped_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "small.json", "{}");
        write(root, "big.json", &"x".repeat(101));
        write(root, "exact.json", &"x".repeat(100));
        let sel = FileSelection {
            max_file_size: Some(100),
            ..FileSelection::default()
        };
        let result = walk(root, &sel);
        assert_eq!(rels(&result), ["exact.json", "small.json"]);
        assert_eq!(
            result.skipped,
            [Skipped {
                rel: "big.json".into(),
                reason: "larger than 100 bytes".into()
            }]
        );
    }

    #[test]
    fn default_size_cap_is_two_mebibytes() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "huge.txt", &"x".repeat(2 * 1024 * 1024 + 1));
        let result = walk(dir.path(), &FileSelection::default());
        assert!(result.files.is_empty());
        assert_eq!(result.skipped[0].reason, "larger than 2097152 bytes");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_reported_and_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.rs", "");
        let root = dir.path();
        write(root, "src/lib.rs", "");
        std::os::unix::fs::symlink(root, root.join("src/loop")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("out")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.rs"), root.join("src/secret.rs"))
            .unwrap();
        let result = walk(root, &FileSelection::default());
        assert_eq!(rels(&result), ["src/lib.rs"]);
        let skipped: Vec<_> = result
            .skipped
            .iter()
            .map(|s| (s.rel.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                ("out", "symbolic link"),
                ("src/loop", "symbolic link"),
                ("src/secret.rs", "symbolic link")
            ]
        );
    }

    #[test]
    fn crate_and_module_of_rust_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\n",
        );
        write(
            root,
            "crates/chat-api/Cargo.toml",
            "[package]\nname = \"chat-api\"\nversion = \"0.1.0\"\n",
        );
        for rel in [
            "src/lib.rs",
            "src/main.rs",
            "src/api/chat.rs",
            "src/api/mod.rs",
            "src/bin/worker.rs",
            "src/bin/admin-cli/main.rs",
            "src/bin/admin-cli/util.rs",
            "tests/chat-flow.rs",
            "tests/common/mod.rs",
            "benches/gen.rs",
            "examples/demo.rs",
            "build.rs",
        ] {
            write(root, &format!("crates/chat-api/{rel}"), "");
        }
        write(root, "crates/broken/Cargo.toml", "[package\nname = ");
        write(root, "crates/broken/src/lib.rs", "");
        write(root, "tools/gen.rs", "");
        write(root, "tests/e2e.yaml", "");
        let result = walk(root, &FileSelection::default());
        let m = |rel: &str| {
            let f = file(&result, rel);
            (
                f.crate_name.clone().unwrap_or_default(),
                f.module.clone().unwrap_or_default(),
                f.is_test_file,
            )
        };
        let c = "crates/chat-api/";
        let expect = [
            ("src/lib.rs", "chat_api", false),
            ("src/main.rs", "chat_api", false),
            ("src/api/chat.rs", "chat_api::api::chat", false),
            ("src/api/mod.rs", "chat_api::api", false),
            ("src/bin/worker.rs", "chat_api", false),
            ("src/bin/admin-cli/main.rs", "chat_api", false),
            ("src/bin/admin-cli/util.rs", "chat_api::util", false),
            ("tests/chat-flow.rs", "chat_api::tests::chat_flow", true),
            ("tests/common/mod.rs", "chat_api::tests::common", true),
            ("benches/gen.rs", "chat_api::benches::gen", true),
            ("examples/demo.rs", "chat_api::examples::demo", true),
            ("build.rs", "chat_api::build", false),
        ];
        for (rel, module, test) in expect {
            assert_eq!(
                m(&format!("{c}{rel}")),
                ("chat_api".to_owned(), module.to_owned(), test),
                "{rel}"
            );
        }
        assert_eq!(
            m("crates/broken/src/lib.rs"),
            ("broken".into(), "broken".into(), false)
        );
        // The root manifest is a virtual workspace: no crate owns `tools/`.
        assert_eq!(m("tools/gen.rs"), (String::new(), String::new(), false));
        assert!(file(&result, "tests/e2e.yaml").is_test_file);
        assert_eq!(file(&result, "crates/chat-api/Cargo.toml").crate_name, None);
    }

    #[test]
    fn result_is_sorted_and_repeatable() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["b.rs", "a/z.rs", "a.rs", "A.md", "a/b/c.toml", "a-b.json"] {
            write(root, name, "");
        }
        let first = walk(root, &FileSelection::default());
        assert_eq!(
            rels(&first),
            ["A.md", "a-b.json", "a.rs", "a/b/c.toml", "a/z.rs", "b.rs"]
        );
        assert_eq!(first, walk(root, &FileSelection::default()));
    }

    #[test]
    fn a_missing_root_is_reported_not_panicked_on() {
        let dir = tempfile::tempdir().unwrap();
        let result = walk(&dir.path().join("nope"), &FileSelection::default());
        assert!(result.files.is_empty());
        assert_eq!(result.skipped.len(), 1);
        assert!(
            result.skipped[0].reason.starts_with("unreadable: "),
            "{:?}",
            result.skipped
        );
    }

    #[test]
    fn kinds_by_name() {
        assert_eq!(FileKind::of("a.RS"), Some(FileKind::Rust));
        assert_eq!(FileKind::of("values.yaml"), Some(FileKind::Yaml));
        assert_eq!(FileKind::of("notes.markdown"), Some(FileKind::Markdown));
        assert_eq!(FileKind::of(".env.production"), Some(FileKind::Env));
        assert_eq!(FileKind::of(".env.d.json"), Some(FileKind::Json));
        assert_eq!(FileKind::of("Makefile"), None);
        assert_eq!(FileKind::of(".rs"), None);
    }
}
