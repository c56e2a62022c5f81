//! The effective policy of a repository, resolved from the working tree or from a commit.
//!
//! `check` resolves it from the tree (the profile at the root or `--profile`, and what its
//! `[policy] load` names, within the bounds of [`crate::sources`]); with `--profile-from REV`
//! from that commit, so that a pull request cannot rewrite its own gate (the Action's default
//! on `pull_request` events). In pull-request mode the tamper check resolves both sides:
//! the base commit and the change.

use std::path::{Path, PathBuf};

use genai_gate_policy::{EffectivePolicy, PolicySet, Profile, SourceFile, load_profile, resolve};

use crate::diagnostics::LoadFailure;
use crate::{Globals, add_file};

/// A resolved policy and where it came from.
pub struct Loaded {
    /// The effective policy.
    pub policy: EffectivePolicy,
    /// Every pack and catalogue loaded (embedded, `--policy`, `[policy] load`).
    pub set: PolicySet,
    /// The profile's text, when there is a profile.
    pub source: Option<SourceFile>,
    /// The profile's path relative to the scanned root, when it is inside it.
    pub profile_rel: Option<String>,
    /// Ids of the packs and catalogues `[policy] load` brought in.
    pub loaded: Vec<String>,
}

/// Ids of every pack and catalogue in a set.
fn ids(set: &PolicySet) -> Vec<String> {
    set.packs
        .iter()
        .map(|p| p.meta.id.clone())
        .chain(set.catalogues.iter().map(|c| c.id.clone()))
        .collect()
}

/// Resolves `profile` against the embedded packs, `--policy` files and `extra` (the files its
/// `load` names), every problem reported with its source.
fn resolve_with(
    globals: &Globals,
    profile: Option<(Profile, SourceFile)>,
    extra: Vec<SourceFile>,
    profile_rel: Option<String>,
) -> anyhow::Result<Loaded> {
    let mut set = globals.policy_set()?;
    let before = ids(&set);
    let mut diagnostics = Vec::new();
    for source in extra {
        if let Err(e) = add_file(&mut set, source, false) {
            diagnostics.extend(e.diagnostics);
        }
    }
    if let Err(e) = set.check() {
        diagnostics.extend(e.diagnostics);
    }
    if !diagnostics.is_empty() {
        return Err(LoadFailure::new(diagnostics, set.sources.clone()).into());
    }
    let loaded = ids(&set)
        .into_iter()
        .filter(|i| !before.contains(i))
        .collect();
    let (profile, source, is_default) = match profile {
        Some((p, s)) => (p, Some(s), false),
        None => (Profile::default_profile(), None, true),
    };
    let policy = resolve(&set, profile, is_default, source.as_ref())
        .map_err(|e| LoadFailure::new(e.diagnostics, source.iter().cloned().collect()))?;
    Ok(Loaded {
        policy,
        set,
        source,
        profile_rel,
        loaded,
    })
}

/// The policy of the working tree: `explicit` (`--profile`), else `root/genai-gate.toml` when
/// it exists, else the embedded default.
pub fn from_tree(
    root: &Path,
    explicit: Option<&Path>,
    globals: &Globals,
) -> anyhow::Result<Loaded> {
    let path: Option<PathBuf> = match explicit {
        Some(p) => Some(p.to_owned()),
        None => crate::sources::default_profile(root)?,
    };
    let Some(path) = path else {
        return resolve_with(globals, None, Vec::new(), None);
    };
    let source = crate::read_source(&path)?;
    let profile =
        load_profile(&source).map_err(|e| LoadFailure::new(e.diagnostics, vec![source.clone()]))?;
    let confine = crate::sources::confinement(&path, root);
    let extra = crate::sources::load_entries(&path, &profile.load, &confine)?;
    let rel = path
        .strip_prefix(root)
        .ok()
        .map(|p| p.to_string_lossy().replace('\\', "/"));
    resolve_with(globals, Some((profile, source)), extra, rel)
}

/// The policy as commit `rev` has it: the profile at `profile_rel` (relative to the root;
/// the embedded default when the commit has none) and what its `load` names, read from git
/// within the same bounds (inside the root, no links, capped).
pub fn from_commit(
    root: &Path,
    rev: &str,
    profile_rel: &str,
    globals: &Globals,
) -> anyhow::Result<Loaded> {
    let Some(text) = crate::git::blob_at(root, rev, profile_rel)? else {
        return resolve_with(globals, None, Vec::new(), None);
    };
    let source = SourceFile::new(format!("{rev}:{profile_rel}"), text);
    let profile =
        load_profile(&source).map_err(|e| LoadFailure::new(e.diagnostics, vec![source.clone()]))?;
    let dir = profile_rel.rsplit_once('/').map_or("", |(d, _)| d);
    let mut extra = Vec::new();
    for entry in &profile.load {
        let joined = if dir.is_empty() {
            entry.clone()
        } else {
            format!("{dir}/{entry}")
        };
        let Some(rel) = genai_gate_scan::read::normalise_rel(&joined) else {
            anyhow::bail!(
                "`{rev}:{profile_rel}`: `load` entry `{}` is outside the scanned root: not read",
                crate::render::neutral::line(entry)
            );
        };
        for (file, text) in crate::git::toml_blobs_at(root, rev, &rel)? {
            extra.push(SourceFile::new(file, text));
        }
    }
    resolve_with(
        globals,
        Some((profile, source)),
        extra,
        Some(profile_rel.to_owned()),
    )
}
