//! What the report reads besides the scan: the commit of the checkout (git, in the CLI), the
//! cited lines of the scanned files for snippets, and links built from `--link-template`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::highlight::{self, Lang, Token};

/// Lines shown around a cited line.
const CONTEXT: u32 = 2;
/// Files larger than this are not read for snippets (the scan skips them too).
const MAX_FILE: u64 = 2 * 1024 * 1024;

/// The git checkout the scanned folder is in, when it is one.
#[derive(Debug, Clone, Default)]
pub struct Checkout {
    /// `git rev-parse HEAD`.
    pub commit: String,
    /// The scanned folder inside the repository (`services/chat/`, or empty at the root).
    pub prefix: String,
    /// Tracked files of the folder differ from the commit.
    pub dirty: bool,
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

impl Checkout {
    /// The checkout of `root`, or `None` when it is not in a git work tree (or git is missing).
    pub fn of(root: &Path) -> Option<Checkout> {
        let commit = git(root, &["rev-parse", "--verify", "--quiet", "HEAD"])?;
        if commit.len() < 40 || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let prefix = git(root, &["rev-parse", "--show-prefix"]).unwrap_or_default();
        let dirty = git(
            root,
            &["status", "--porcelain", "--untracked-files=no", "--", "."],
        )
        .is_some_and(|s| !s.is_empty());
        Some(Checkout {
            commit,
            prefix,
            dirty,
        })
    }
}

/// Checks a `--link-template`: `{path}` is required, `{commit}` and `{line}` optional, and
/// the scheme, if any, is http, https or file.
pub fn check_link_template(t: &str) -> Result<String, String> {
    if !t.contains("{path}") {
        return Err(format!(
            "`{t}` has no `{{path}}`; e.g. https://github.com/ORG/REPO/blob/{{commit}}/{{path}}#L{{line}}"
        ));
    }
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .ok_or_else(|| format!("`{t}` has an unclosed `{{`"))?;
        let name = &rest[open + 1..close];
        if !matches!(name, "commit" | "path" | "line") {
            return Err(format!(
                "`{t}` names `{{{name}}}`; the placeholders are {{commit}}, {{path}} and {{line}}"
            ));
        }
        rest = &rest[close + 1..];
    }
    if let Some((scheme, _)) = t.split_once(':') {
        let is_scheme = !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if is_scheme
            && !matches!(
                scheme.to_ascii_lowercase().as_str(),
                "http" | "https" | "file"
            )
        {
            return Err(format!("`{t}` is not an http, https or file link"));
        }
    }
    Ok(t.to_owned())
}

/// Percent-encodes a path for a URL, keeping `/` and the characters safe in a path.
fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A line of a snippet.
#[derive(Debug, Clone)]
pub struct SnippetLine {
    /// 1-based line number.
    pub number: u32,
    /// The cited line.
    pub cited: bool,
    /// Its highlighted text.
    pub tokens: Vec<Token>,
}

/// The scanned files, read once each for snippets.
pub struct Sources {
    root: PathBuf,
    canonical_root: Option<PathBuf>,
    files: RefCell<HashMap<String, Option<Vec<String>>>>,
    link_template: Option<String>,
    checkout: Option<Checkout>,
}

impl Sources {
    /// Reads files under `root`; links from `link_template` (with the checkout's commit).
    pub fn new(root: &Path, link_template: Option<String>, checkout: Option<Checkout>) -> Sources {
        Sources {
            root: root.to_owned(),
            canonical_root: root.canonicalize().ok(),
            files: RefCell::new(HashMap::new()),
            link_template,
            checkout,
        }
    }

    /// The link to `file` at `line`, when a template was given (and, if it names `{commit}`,
    /// the folder is a git checkout). Only relative paths inside the scanned folder get one.
    pub fn link(&self, file: &str, line: Option<u32>) -> Option<String> {
        let t = self.link_template.as_ref()?;
        if !is_inside(file) {
            return None;
        }
        let prefix = self.checkout.as_ref().map_or("", |c| c.prefix.as_str());
        let mut url = t.replace("{path}", &encode_path(&format!("{prefix}{file}")));
        if url.contains("{commit}") {
            url = url.replace("{commit}", &self.checkout.as_ref()?.commit);
        }
        Some(url.replace("{line}", &line.unwrap_or(1).to_string()))
    }

    fn lines(&self, file: &str) -> Option<Vec<String>> {
        if let Some(cached) = self.files.borrow().get(file) {
            return cached.clone();
        }
        let read = || -> Option<Vec<String>> {
            if !is_inside(file) {
                return None;
            }
            let path = self.root.join(file);
            let meta = std::fs::symlink_metadata(&path).ok()?;
            if !meta.is_file() || meta.len() > MAX_FILE {
                return None;
            }
            // Never read outside the scanned folder, whatever the path's links say.
            let real = path.canonicalize().ok()?;
            if !real.starts_with(self.canonical_root.as_ref()?) {
                return None;
            }
            let bytes = std::fs::read(&real).ok()?;
            Some(
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .map(|l| l.trim_end_matches('\r').replace('\t', "    "))
                    .collect(),
            )
        };
        let lines = read();
        self.files
            .borrow_mut()
            .insert(file.to_owned(), lines.clone());
        lines
    }

    /// The cited line of `file` with a few lines around it, highlighted.
    pub fn snippet(&self, file: &str, line: u32) -> Vec<SnippetLine> {
        let Some(lines) = self.lines(file) else {
            return Vec::new();
        };
        if line == 0 || line as usize > lines.len() {
            return Vec::new();
        }
        let lang = Lang::of(file);
        let first = line.saturating_sub(CONTEXT).max(1);
        let last = (line + CONTEXT).min(lines.len() as u32);
        (first..=last)
            .map(|n| SnippetLine {
                number: n,
                cited: n == line,
                tokens: highlight::line(&lines[n as usize - 1], lang),
            })
            .collect()
    }
}

/// A relative path with no `..`: inside the scanned folder.
fn is_inside(file: &str) -> bool {
    let p = Path::new(file);
    !file.is_empty()
        && !file.starts_with('<')
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_templates_are_checked_and_paths_encoded() {
        assert!(check_link_template("https://x/blob/{commit}/{path}#L{line}").is_ok());
        assert!(check_link_template("https://x/{commit}").is_err());
        assert!(check_link_template("https://x/{path}#{col}").is_err());
        assert!(check_link_template("javascript:alert(1)//{path}").is_err());
        let s = Sources::new(
            Path::new("."),
            Some("https://x/blob/{commit}/{path}#L{line}".into()),
            Some(Checkout {
                commit: "a".repeat(40),
                prefix: "svc/".into(),
                dirty: false,
            }),
        );
        assert_eq!(
            s.link("src/a b\"<.rs", Some(3)).unwrap(),
            format!(
                "https://x/blob/{}/svc/src/a%20b%22%3C.rs#L3",
                "a".repeat(40)
            )
        );
        assert_eq!(s.link("../etc/passwd", Some(1)), None);
        assert_eq!(s.link("<embedded>/policies/x.toml", Some(1)), None);
        let no_git = Sources::new(
            Path::new("."),
            Some("https://x/{commit}/{path}".into()),
            None,
        );
        assert_eq!(no_git.link("src/a.rs", None), None);
    }
}
