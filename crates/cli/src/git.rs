//! The git side of `check`: which files git tracks, which files changed since a revision,
//! and the profile, packs, baseline and sources as a commit has them (read as blobs, never
//! through a link, size-capped). The library judges; this module only runs git.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use genai_gate_scan::Finding;
use genai_gate_scan::judge::baseline::Baseline;
use genai_gate_scan::judge::changes::{ChangedFiles, FileVersions, new_exceptions};
use genai_gate_scan::judge::exceptions::{GATE_RULES, TAMPER};
use genai_gate_scan::judge::tamper::{TamperInput, tamper};
use genai_gate_scan::report::NewException;

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
        let why = crate::render::neutral::line(String::from_utf8_lossy(&out.stderr).trim());
        if why.is_empty() {
            // `rev-parse --quiet` says nothing: name the exit code rather than end on a colon.
            bail!(
                "`git {}` failed with {} and no message",
                args.join(" "),
                out.status
                    .code()
                    .map_or("a signal".into(), |c| format!("exit code {c}"))
            );
        }
        bail!("`git {}` failed: {why}", args.join(" "));
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

/// One entry of `git ls-tree -z -l`: mode, type, object, size, path.
struct TreeEntry {
    mode: String,
    kind: String,
    object: String,
    size: Option<u64>,
    path: String,
}

/// `git ls-tree -z -l [-r] <rev> -- <rel>`, relative to `root`.
fn ls_tree(root: &Path, rev: &str, rel: &str, recursive: bool) -> anyhow::Result<Vec<TreeEntry>> {
    let mut args = vec!["ls-tree", "-z", "-l"];
    if recursive {
        args.push("-r");
    }
    let rel = if rel.is_empty() { "." } else { rel };
    args.extend([rev, "--", rel]);
    let out = git_bytes(root, &args)?;
    let mut entries = Vec::new();
    for rec in out.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let Ok(rec) = std::str::from_utf8(rec) else {
            continue;
        };
        let Some((meta, path)) = rec.split_once('\t') else {
            continue;
        };
        let mut f = meta.split_whitespace();
        let (Some(mode), Some(kind), Some(object), Some(size)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        entries.push(TreeEntry {
            mode: mode.to_owned(),
            kind: kind.to_owned(),
            object: object.to_owned(),
            size: size.parse().ok(),
            path: path.to_owned(),
        });
    }
    Ok(entries)
}

/// The text of a blob entry: a regular file (not a link) of at most
/// [`crate::sources::MAX_POLICY_FILE`] bytes, in UTF-8.
fn blob_text(root: &Path, rev: &str, e: &TreeEntry) -> anyhow::Result<String> {
    let shown = crate::render::neutral::line(&e.path);
    if e.mode == "120000" {
        bail!("`{rev}:{shown}` is a symbolic link: not followed");
    }
    if e.kind != "blob" {
        bail!("`{rev}:{shown}` is not a file");
    }
    let cap = crate::sources::MAX_POLICY_FILE;
    if e.size.is_none_or(|s| s > cap) {
        bail!("`{rev}:{shown}` is larger than {cap} bytes");
    }
    let bytes = git_bytes(root, &["cat-file", "blob", &e.object])?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("`{rev}:{shown}` is not valid UTF-8"))
}

/// A file's text at `rev` (`rel` relative to `root`), `None` when it did not exist there.
pub fn blob_at(root: &Path, rev: &str, rel: &str) -> anyhow::Result<Option<String>> {
    let entries = ls_tree(root, rev, rel, false)?;
    match entries.iter().find(|e| e.path == rel) {
        Some(e) => blob_text(root, rev, e).map(Some),
        None => Ok(None),
    }
}

/// A `load` entry at `rev`: the file `rel`, or every `*.toml` under the directory `rel`
/// (sorted), as (root-relative path, text). Links are errors; at most
/// [`crate::sources::MAX_LOAD_FILES`] files.
pub fn toml_blobs_at(root: &Path, rev: &str, rel: &str) -> anyhow::Result<Vec<(String, String)>> {
    let entries = ls_tree(root, rev, rel, true)?;
    if entries.is_empty() {
        bail!(
            "`load` entry `{}` does not exist at `{rev}`",
            crate::render::neutral::line(rel)
        );
    }
    let single = entries.len() == 1 && entries[0].path == rel;
    let mut out = Vec::new();
    for e in &entries {
        if !single && e.mode != "120000" && !e.path.ends_with(".toml") {
            continue;
        }
        out.push((e.path.clone(), blob_text(root, rev, e)?));
        if out.len() > crate::sources::MAX_LOAD_FILES {
            bail!(
                "`{rev}:{rel}` holds more than {} `.toml` files",
                crate::sources::MAX_LOAD_FILES
            );
        }
    }
    out.sort();
    Ok(out)
}

/// What the tamper check needs besides the change's policy.
pub struct TamperSources<'a> {
    /// The revision given to `--changed-since`.
    pub rev: &'a str,
    /// The profile's path relative to the root (where it is looked up at the base).
    pub profile_rel: &'a str,
    /// The profile is the repository's: compare the policies. (A `--profile` outside the root,
    /// and what it loads from there, is not the change's to weaken.)
    pub compare_policy: bool,
    /// The change's policy, or why it does not load.
    pub head: Result<&'a crate::effective::Loaded, String>,
    /// The baseline in use: its path relative to the root and its entries now.
    pub baseline: Option<(&'a str, &'a Baseline)>,
    /// Files changed since the base.
    pub changed: &'a [String],
}

/// Tamper findings: the change's effective policy, baseline and exceptions against the
/// base (the merge base of `rev` and HEAD), and the exceptions the change adds (also
/// returned, for the PR summary).
pub fn tamper_findings(
    root: &Path,
    inp: &TamperSources,
    globals: &crate::Globals,
) -> anyhow::Result<(Vec<Finding>, Vec<NewException>)> {
    let base_rev = base(root, inp.rev)?;
    let head = match &inp.head {
        Ok(h) => h,
        Err(why) => {
            let mut f = tamper_finding(
                inp.profile_rel,
                format!(
                    "the change's profile does not load, so the gate it sets cannot be checked: {why}"
                ),
            );
            f.line = Some(1);
            return Ok((vec![f], Vec::new()));
        }
    };
    let base_policy = if inp.compare_policy {
        Some(crate::effective::from_commit(
            root,
            &base_rev,
            inp.profile_rel,
            globals,
        ))
    } else {
        None
    };
    let base_policy = match base_policy.transpose() {
        Ok(b) => b,
        Err(e) => {
            return Ok((
                vec![tamper_finding(
                    inp.profile_rel,
                    format!(
                        "the profile at `{}` does not load, so the change to it cannot be checked: {}",
                        inp.rev,
                        crate::render::neutral::line(&format!("{e:#}"))
                    ),
                )],
                Vec::new(),
            ));
        }
    };
    let cap = crate::sources::MAX_POLICY_FILE;
    let texts: Vec<(String, Option<String>, Option<String>)> = inp
        .changed
        .iter()
        .filter(|f| f.ends_with(".rs"))
        .map(|f| {
            let old = blob_at(root, &base_rev, f).ok().flatten();
            let new = genai_gate_scan::read::in_root(root, f, cap)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            (f.clone(), old, new)
        })
        .collect();
    let versions: Vec<FileVersions> = texts
        .iter()
        .map(|(rel, old, new)| FileVersions {
            rel,
            base: old.as_deref(),
            head: new.as_deref(),
        })
        .collect();
    let exceptions = new_exceptions(&versions);
    let old_baseline = match inp.baseline {
        Some((rel, _)) => blob_at(root, &base_rev, rel)
            .ok()
            .flatten()
            .and_then(|t| Baseline::from_json(&t).ok()),
        None => None,
    };
    // A profile outside the repository: the policies are not the change's to compare.
    let base_policy = base_policy.as_ref().unwrap_or(head);
    let findings = tamper(&TamperInput {
        base: &base_policy.policy,
        head: &head.policy,
        base_loaded: &base_policy.loaded,
        head_loaded: &head.loaded,
        head_text: head.source.as_ref().map(|s| &*s.text),
        profile_file: inp.profile_rel,
        baseline: inp
            .baseline
            .map(|(rel, now)| (rel, old_baseline.as_ref(), now)),
        exceptions: &exceptions,
    });
    Ok((findings, exceptions))
}

fn tamper_finding(file: &str, message: String) -> Finding {
    let rule = GATE_RULES
        .iter()
        .find(|r| r.id == TAMPER)
        .expect("tamper rule");
    Finding {
        control: TAMPER.to_owned(),
        severity: rule.severity,
        message,
        file: Some(file.to_owned()),
        line: Some(1),
        offset: 0,
        endpoint: None,
        citations: Vec::new(),
        help: rule.help.to_owned(),
        labels: Vec::new(),
        suppression: None,
        fingerprint: String::new(),
        baselined: false,
    }
}
