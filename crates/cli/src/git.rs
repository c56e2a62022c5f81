//! The git side of `check --changed-since REV`: which files changed, and the profile and
//! local packs as they were. The library judges; this module only runs git.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use genai_gate_policy::{Pack, Profile, SourceFile, load_pack, load_profile};
use genai_gate_scan::Finding;
use genai_gate_scan::judge::changes::{ChangedFiles, TamperInput, tamper};

/// Runs git in `root`; its raw stdout on success.
///
/// The repository's own configuration is trusted (a pull request cannot write `.git/`), but
/// nothing that could run a program or reach the network is wanted from a read-only query:
/// no fsmonitor hook, no external diff or text conversion, no pager, no protocol.
fn git_bytes(root: &Path, args: &[&str]) -> anyhow::Result<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "-c",
            "core.fsmonitor=false",
            "-c",
            "protocol.allow=never",
            "--no-pager",
        ])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_EXTERNAL_DIFF")
        .output()
        .context("cannot run git (is it installed?)")?;
    if !out.status.success() {
        bail!(
            "`git {}` failed: {}",
            args.join(" "),
            crate::render::neutral::line(String::from_utf8_lossy(&out.stderr).trim())
        );
    }
    Ok(out.stdout)
}

/// Runs git in `root`; stdout as text on success.
fn git(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    git_bytes(root, args).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// NUL-separated names (`-z` output), exactly as git stores them. Names that are not UTF-8
/// cannot name a scanned file (the walker skips them) and are left out.
fn split_z(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty())
        .filter_map(|n| std::str::from_utf8(n).ok().map(str::to_owned))
        .collect()
}

/// The files git tracks under `root`, relative to it (`git ls-files -z`), when `root` is in a
/// git work tree; `None` otherwise (no git, not a repository, git failed).
pub fn tracked_files(root: &Path) -> Option<Vec<String>> {
    let inside = git(root, &["rev-parse", "--is-inside-work-tree"]).ok()?;
    if inside.trim() != "true" {
        return None;
    }
    git_bytes(root, &["ls-files", "-z", "--cached"])
        .ok()
        .map(|b| split_z(&b))
}

/// The commit a change is compared against: the merge base of REV and HEAD.
fn base(root: &Path, rev: &str) -> anyhow::Result<String> {
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .with_context(|| {
        format!(
            "`{rev}` is not a revision of the repository at `{}`",
            root.display()
        )
    })?;
    Ok(git(root, &["merge-base", rev, "HEAD"])?.trim().to_owned())
}

/// Files changed since the merge base of `rev` and HEAD — committed, staged, unstaged and
/// untracked — relative to `root`, sorted.
pub fn changed_files(root: &Path, rev: &str) -> anyhow::Result<ChangedFiles> {
    let base = base(root, rev)?;
    // `-z`: names verbatim, never quoted or escaped (non-ASCII, tabs, quotes, newlines).
    let diff = git_bytes(
        root,
        &[
            "diff",
            "-z",
            "--name-only",
            "--no-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--relative",
            &base,
        ],
    )?;
    let untracked = git_bytes(root, &["ls-files", "-z", "--others", "--exclude-standard"])?;
    let mut files: Vec<String> = split_z(&diff);
    files.extend(split_z(&untracked));
    files.sort();
    files.dedup();
    Ok(ChangedFiles {
        since: rev.to_owned(),
        files,
    })
}

/// A file's text at a commit, `None` when it did not exist there.
fn show(root: &Path, commit: &str, rel: &str) -> Option<String> {
    git(root, &["show", &format!("{commit}:./{rel}")]).ok()
}

/// `*.toml` files under `rel` (a file or directory) at a commit.
fn toml_files_at(root: &Path, commit: &str, rel: &str) -> Vec<String> {
    git(root, &["ls-tree", "-r", "--name-only", commit, "--", rel])
        .map(|s| {
            s.lines()
                .filter(|l| l.ends_with(".toml"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn packs_at(root: &Path, commit: Option<&str>, profile_dir: &str, load: &[String]) -> Vec<Pack> {
    let mut out = Vec::new();
    for l in load {
        let rel = if profile_dir.is_empty() {
            l.clone()
        } else {
            format!("{profile_dir}/{l}")
        };
        let files: Vec<(String, Option<String>)> = match commit {
            Some(c) => toml_files_at(root, c, &rel)
                .into_iter()
                .map(|f| {
                    let text = show(root, c, &f);
                    (f, text)
                })
                .collect(),
            None => crate::toml_files(&root.join(&rel))
                .unwrap_or_default()
                .into_iter()
                .map(|p| {
                    let text = std::fs::read_to_string(&p).ok();
                    (p.display().to_string(), text)
                })
                .collect(),
        };
        for (name, text) in files {
            if let Some(text) = text
                && let Ok(p) = load_pack(&SourceFile::new(name, text), false)
            {
                out.push(p);
            }
        }
    }
    out
}

/// Tamper findings: the profile and local packs now against the merge base of `rev`.
/// A profile outside the scanned root is not compared.
pub fn tamper_findings(
    root: &Path,
    rev: &str,
    profile: &Profile,
    profile_text: Option<&str>,
    profile_file: Option<&str>,
) -> anyhow::Result<Vec<Finding>> {
    let base = base(root, rev)?;
    let rel = profile_file.unwrap_or(genai_gate_policy::PROFILE_FILE);
    if profile_file.is_none() && profile_text.is_some() {
        return Ok(Vec::new());
    }
    let old: Option<Profile> =
        show(root, &base, rel).and_then(|text| load_profile(&SourceFile::new(rel, text)).ok());
    let dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let old_packs = old
        .as_ref()
        .map(|o| packs_at(root, Some(&base), dir, &o.load))
        .unwrap_or_default();
    let new_packs = packs_at(root, None, dir, &profile.load);
    Ok(tamper(&TamperInput {
        old_profile: old.as_ref(),
        new_profile: profile,
        new_text: profile_text,
        profile_file: rel,
        old_packs: &old_packs,
        new_packs: &new_packs,
    }))
}
