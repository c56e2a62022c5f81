//! Ignore files, read by genai-gate itself: capped in size, never through a link, and never
//! hiding a file git tracks.
//!
//! `.ignore` and `.gitignore` in every directory inside the root and the root's
//! `.git/info/exclude` are honoured with git's semantics (ripgrep's `ignore` matchers: a
//! deeper file wins over a shallower one, `.ignore` over `.gitignore`, `!` re-includes, and a
//! file under an ignored directory stays ignored). Two rules keep a change's author from
//! hiding code with them:
//!
//! - in a git repository a file git tracks is never skipped because of an ignore file (a
//!   committed `.ignore` naming the handler, a `.gitignore`d file added with `git add -f`),
//!   and a directory holding tracked files is entered;
//! - an ignore file larger than [`MAX_IGNORE_FILE`] bytes, or one that is a link, is not
//!   read: its rules do not apply (more is scanned, never less) and it is reported in
//!   [`WalkResult::skipped`](super::WalkResult::skipped).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::Skipped;

/// The largest ignore file read: git's own rarely exceed a few KiB, and a matcher costs many
/// times the file's size in memory.
pub const MAX_IGNORE_FILE: u64 = 256 * 1024;

/// Ignore file names per directory, highest precedence first.
const NAMES: [&str; 2] = [".ignore", ".gitignore"];

/// The ignore rules of one walk.
pub(super) struct Rules {
    root: PathBuf,
    /// Files git tracks (root-relative); `None` outside a git repository.
    tracked: Option<HashSet<String>>,
    /// Every directory holding a tracked file, at any depth (`""` is the root).
    tracked_dirs: HashSet<String>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// A directory's own matchers, highest precedence first.
    matchers: HashMap<String, Arc<Vec<Gitignore>>>,
    /// Whether a directory is ignored (by itself or through a parent).
    dir_ignored: HashMap<String, bool>,
    /// Ignore files not read.
    problems: Vec<Skipped>,
    /// Entries the walk did not enter or select (ignored, hidden, vendored, excluded).
    unwalked: Vec<PathBuf>,
}

impl Rules {
    /// Rules for a walk of `root`; `tracked` lists the files git tracks, relative to it.
    pub(super) fn new(root: &Path, tracked: Option<&[String]>) -> Rules {
        let tracked: Option<HashSet<String>> = tracked.map(|t| t.iter().cloned().collect());
        let mut tracked_dirs = HashSet::new();
        for f in tracked.iter().flatten() {
            let mut dir = f.as_str();
            while let Some((parent, _)) = dir.rsplit_once('/') {
                if !tracked_dirs.insert(parent.to_owned()) {
                    break;
                }
                dir = parent;
            }
        }
        Rules {
            root: root.to_owned(),
            tracked,
            tracked_dirs,
            state: Mutex::new(State::default()),
        }
    }

    /// Whether the entry `rel` (root-relative) is skipped by the ignore rules.
    pub(super) fn ignored(&self, rel: &str, is_dir: bool) -> bool {
        if rel.is_empty() {
            return false;
        }
        if self.tracked.as_ref().is_some_and(|t| t.contains(rel)) {
            return false;
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if is_dir {
            return self.dir_ignored(&mut state, rel) && !self.tracked_dirs.contains(rel);
        }
        let parent = rel.rsplit_once('/').map_or("", |(p, _)| p);
        self.dir_ignored(&mut state, parent) || self.matched(&mut state, rel, false)
    }

    /// Records an entry the walk leaves out, for [`Rules::unwalked`].
    pub(super) fn not_walked(&self, path: &Path) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.unwalked.push(path.to_owned());
    }

    /// The entries the walk left out, root-relative, sorted: where the module tree may reach
    /// files the walk did not select.
    pub(super) fn unwalked(&self) -> Vec<String> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<String> = state
            .unwalked
            .iter()
            .filter_map(|p| p.strip_prefix(&self.root).ok())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect();
        out.sort();
        out
    }

    /// Ignore files that were not read, for the walk's `skipped` list.
    pub(super) fn problems(&self) -> Vec<Skipped> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.problems.clone()
    }

    fn dir_ignored(&self, state: &mut State, dir: &str) -> bool {
        if dir.is_empty() {
            return false;
        }
        if let Some(known) = state.dir_ignored.get(dir) {
            return *known;
        }
        let parent = dir.rsplit_once('/').map_or("", |(p, _)| p);
        let ignored = self.dir_ignored(state, parent) || self.matched(state, dir, true);
        state.dir_ignored.insert(dir.to_owned(), ignored);
        ignored
    }

    /// The rules of the directories above `rel`, deepest first, then `.git/info/exclude`.
    fn matched(&self, state: &mut State, rel: &str, is_dir: bool) -> bool {
        let path = self.root.join(rel);
        let mut dir = rel.rsplit_once('/').map_or("", |(p, _)| p);
        loop {
            for m in self.matchers(state, dir).iter() {
                match m.matched(&path, is_dir) {
                    Match::Ignore(_) => return true,
                    Match::Whitelist(_) => return false,
                    Match::None => {}
                }
            }
            if dir.is_empty() {
                break;
            }
            dir = dir.rsplit_once('/').map_or("", |(p, _)| p);
        }
        false
    }

    fn matchers(&self, state: &mut State, dir: &str) -> Arc<Vec<Gitignore>> {
        if let Some(m) = state.matchers.get(dir) {
            return Arc::clone(m);
        }
        let abs = self.root.join(dir);
        let mut files: Vec<(String, PathBuf)> =
            NAMES.iter().map(|n| (join(dir, n), abs.join(n))).collect();
        if dir.is_empty() && abs.join(".git").is_dir() {
            files.push((".git/info/exclude".into(), abs.join(".git/info/exclude")));
        }
        let mut out = Vec::new();
        for (rel, path) in files {
            if let Some(m) = self.load(state, &rel, &path, &abs) {
                out.push(m);
            }
        }
        let out = Arc::new(out);
        state.matchers.insert(dir.to_owned(), Arc::clone(&out));
        out
    }

    /// One ignore file as a matcher; `None` when absent, and when it is not read (with a
    /// problem saying why).
    fn load(&self, state: &mut State, rel: &str, path: &Path, dir: &Path) -> Option<Gitignore> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        let mut problem = |reason: String| {
            state.problems.push(Skipped {
                rel: rel.to_owned(),
                reason: format!("{reason}: its ignore rules are not applied"),
            });
            None
        };
        if meta.file_type().is_symlink() {
            return problem("symbolic link".into());
        }
        let text = match crate::read::capped_text(path, MAX_IGNORE_FILE) {
            Ok(t) => t,
            Err(e) => return problem(e.to_string()),
        };
        let mut b = GitignoreBuilder::new(dir);
        for line in text.lines() {
            // A line that is not a valid glob is skipped, as git does.
            let _ = b.add_line(None, line);
        }
        b.build().ok()
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}
