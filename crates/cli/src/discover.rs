//! Where a command finds the repository and its profile: the same rule for every command, as
//! ruff and cargo find their configuration.
//!
//! - The profile is the first `genai-gate.toml` found from the starting folder upward, up to
//!   and including the repository root (the nearest folder holding `.git`, `.hg` or `.jj`).
//!   Outside a repository only the starting folder is looked at, so that a stray profile in a
//!   parent folder (a home or temporary folder) never applies.
//! - `check` (and `baseline write`) with no path check the enclosing repository: the folder of
//!   the profile found from the current folder, else the repository root, else the current
//!   folder. With a folder, that folder is checked; with a file, the enclosing repository is
//!   checked and only that file's findings are reported.
//!
//! Paths stay relative when they were given relative (`..` for parents), so that messages
//! name files the way the user would type them.

use std::path::{Component, Path, PathBuf};

use genai_gate_policy::PROFILE_FILE;

/// Marks of a repository root.
const REPOSITORY_MARKS: [&str; 3] = [".git", ".hg", ".jj"];

/// The parent of a possibly relative path, staying relative: `a/b` → `a`, `a` → `.`,
/// `.` → `..`, `..` → `../..`.
fn up(dir: &Path) -> PathBuf {
    let last = dir.components().next_back();
    match last {
        None | Some(Component::CurDir) => PathBuf::from(".."),
        Some(Component::ParentDir) => dir.join(".."),
        Some(Component::RootDir | Component::Prefix(_)) => dir.to_owned(),
        Some(Component::Normal(_)) => match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        },
    }
}

/// `dir/name`, without a leading `./`.
fn join(dir: &Path, name: &str) -> PathBuf {
    if dir == Path::new(".") {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

fn is_repository_root(dir: &Path) -> bool {
    REPOSITORY_MARKS.iter().any(|m| dir.join(m).exists())
}

/// The folders from `start` up to the repository root (inclusive), or `start` alone outside
/// a repository.
fn ancestors(start: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(mut physical) = start.canonicalize() else {
        return vec![start.to_owned()];
    };
    let mut dir = start.to_owned();
    loop {
        out.push(dir.clone());
        if is_repository_root(&physical) {
            return out;
        }
        match physical.parent() {
            Some(p) => {
                physical = p.to_owned();
                dir = up(&dir);
            }
            // No repository above: only the starting folder counts.
            None => return vec![start.to_owned()],
        }
    }
}

/// The repository root at or above `start`, when `start` is inside a repository.
pub fn repository_root(start: &Path) -> Option<PathBuf> {
    let all = ancestors(start);
    let last = all.last()?;
    is_repository_root(last).then(|| last.clone())
}

/// The profile that applies to `start`: the first `genai-gate.toml` from `start` up to the
/// repository root.
pub fn find_profile(start: &Path) -> Option<PathBuf> {
    ancestors(start)
        .into_iter()
        .map(|d| join(&d, PROFILE_FILE))
        .find(|p| p.is_file())
}

/// What `check` and `baseline write` scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The folder scanned.
    pub root: PathBuf,
    /// The profile found for it (before `--profile`, which wins).
    pub profile: Option<PathBuf>,
    /// With a file as the path: that file, relative to `root` and `/`-separated; only its
    /// findings are reported.
    pub only_file: Option<String>,
}

/// Decides what to scan for a `PATH` argument (or none).
pub fn target(path: Option<&Path>) -> anyhow::Result<Target> {
    let mut target = target_unchecked(path)?;
    target.profile = target
        .profile
        .map(crate::sources::discovered_profile)
        .transpose()?;
    Ok(target)
}

fn target_unchecked(path: Option<&Path>) -> anyhow::Result<Target> {
    let Some(path) = path else {
        let cwd = Path::new(".");
        let profile = find_profile(cwd);
        let root = match &profile {
            Some(p) => p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_owned),
            None => repository_root(cwd).unwrap_or_else(|| PathBuf::from(".")),
        };
        return Ok(Target {
            root,
            profile,
            only_file: None,
        });
    };
    if !path.exists() {
        anyhow::bail!("`{}` does not exist", path.display());
    }
    if path.is_dir() {
        return Ok(Target {
            root: path.to_owned(),
            profile: find_profile(path),
            only_file: None,
        });
    }
    // A single file: the enclosing repository, reporting that file's findings.
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let profile = find_profile(&dir);
    let root = match &profile {
        Some(p) => p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_owned),
        None => repository_root(&dir).unwrap_or_else(|| dir.clone()),
    };
    let abs_root = root.canonicalize()?;
    let abs_file = path.canonicalize()?;
    let rel = abs_file
        .strip_prefix(&abs_root)
        .map_err(|_| {
            anyhow::anyhow!(
                "`{}` is not inside the repository at `{}`",
                path.display(),
                root.display()
            )
        })?
        .to_string_lossy()
        .replace('\\', "/");
    Ok(Target {
        root,
        profile,
        only_file: Some(rel),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_stays_relative() {
        assert_eq!(up(Path::new("a/b")), Path::new("a"));
        assert_eq!(up(Path::new("a")), Path::new("."));
        assert_eq!(up(Path::new(".")), Path::new(".."));
        assert_eq!(up(Path::new("..")), Path::new("../.."));
        assert_eq!(up(Path::new("/")), Path::new("/"));
    }

    #[test]
    fn profiles_are_found_up_to_the_repository_root_only() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let deep = repo.join("services/chat/src");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir(repo.join(".git")).unwrap();
        // Above the repository: never read.
        std::fs::write(dir.path().join(PROFILE_FILE), "").unwrap();
        assert_eq!(find_profile(&deep), None);
        assert_eq!(repository_root(&deep), Some(repo.clone()));
        std::fs::write(repo.join(PROFILE_FILE), "").unwrap();
        assert_eq!(find_profile(&deep), Some(repo.join(PROFILE_FILE)));
        std::fs::write(repo.join("services/chat").join(PROFILE_FILE), "").unwrap();
        assert_eq!(
            find_profile(&deep),
            Some(repo.join("services/chat").join(PROFILE_FILE))
        );
        // Outside a repository, only the folder itself.
        let loose = dir.path().join("loose/sub");
        std::fs::create_dir_all(&loose).unwrap();
        std::fs::write(dir.path().join("loose").join(PROFILE_FILE), "").unwrap();
        assert_eq!(find_profile(&loose), None);
    }
}
