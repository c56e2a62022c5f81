//! Pull-request mode: findings limited to what a change touches, and the tamper check.
//!
//! The library never runs git: the caller passes the files changed since a revision and
//! the profile and local packs as they were at that revision.
//!
//! - [`limit_to_changes`] keeps the findings in changed files and those of endpoints whose
//!   flow passes through a changed file (the handler, its callees, the route registration).
//!   Repository-level controls stay judged on the whole tree: their findings are always
//!   kept, so a change can neither pass because the evidence is elsewhere nor fail because
//!   of it.
//! - [`tamper`] compares the profile and local packs with their state at the revision and
//!   reports every change that weakens the gate as a [`TAMPER`] finding naming it.

use std::collections::BTreeSet;

use genai_gate_policy::{Pack, Profile};

use crate::analysis::EndpointFiles;
use crate::judge::exceptions::{ALLOW_NO_REASON, ALLOW_UNUSED, GATE_RULES, TAMPER};
use crate::report::{ChangeSummary, Finding};

/// The files changed since a revision, for [`crate::ScanOptions::changes`].
#[derive(Debug, Clone, Default)]
pub struct ChangedFiles {
    /// The revision, as given (for the report).
    pub since: String,
    /// Paths relative to the scanned root, `/`-separated.
    pub files: Vec<String>,
}

/// Keeps the findings a change is responsible for; returns what was done.
pub fn limit_to_changes(
    findings: &mut Vec<Finding>,
    changed: &[String],
    endpoint_files: &EndpointFiles,
    since: &str,
) -> ChangeSummary {
    let changed_set: BTreeSet<&str> = changed.iter().map(String::as_str).collect();
    let touched = |file: Option<&String>| file.is_some_and(|f| changed_set.contains(f.as_str()));
    let before = findings.len();
    findings.retain(|f| {
        if let Some(e) = &f.endpoint {
            touched(f.file.as_ref())
                || endpoint_files
                    .get(&(e.method.clone(), e.route.clone()))
                    .is_some_and(|files| files.iter().any(|x| changed_set.contains(x.as_str())))
        } else if f.control == ALLOW_NO_REASON || f.control == ALLOW_UNUSED {
            touched(f.file.as_ref())
        } else {
            // Repository-level controls, waivers and tamper findings: judged on the whole tree.
            true
        }
    });
    ChangeSummary {
        since: since.to_owned(),
        changed_files: changed.len(),
        out_of_scope: before - findings.len(),
    }
}

/// The profile or a pack file as it was and as it is.
#[derive(Debug, Clone, Copy)]
pub struct TamperInput<'a> {
    /// The profile at the revision (`None`: there was none, so nothing to weaken).
    pub old_profile: Option<&'a Profile>,
    /// The profile now.
    pub new_profile: &'a Profile,
    /// The profile's text now, to point findings at lines.
    pub new_text: Option<&'a str>,
    /// The profile's path relative to the root.
    pub profile_file: &'a str,
    /// Local packs (from `[policy] load`) at the revision.
    pub old_packs: &'a [Pack],
    /// Local packs now.
    pub new_packs: &'a [Pack],
}

/// The 1-based line of the first `key =` or `[key]` in `text`, else 1.
fn line_of_key(text: Option<&str>, key: &str) -> u32 {
    let Some(text) = text else { return 1 };
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='))
                || t.starts_with(&format!("[{key}]"))
                || t.starts_with(&format!("[[{key}]]"))
        })
        .map_or(1, |i| i as u32 + 1)
}

/// Every change from the old state to the new one that weakens the gate, as findings.
pub fn tamper(inp: &TamperInput) -> Vec<Finding> {
    let mut out: Vec<(String, u32)> = Vec::new();
    let new = inp.new_profile;
    let at = |key: &str| line_of_key(inp.new_text, key);
    if let Some(old) = inp.old_profile {
        let (o, n) = (&old.service, &new.service);
        if o.public && !n.public {
            out.push((
                "service made non-public: `public` changed from true to false".into(),
                at("public"),
            ));
        }
        if old.in_prc() && !new.in_prc() {
            out.push((
                format!(
                    "service moved out of the PRC: `regions` changed from {:?} to {:?}",
                    o.regions, n.regions
                ),
                at("regions"),
            ));
        }
        for s in o.sectors.iter().filter(|s| !n.sectors.contains(s)) {
            out.push((
                format!("sector `{s}` dropped from `sectors`"),
                at("sectors"),
            ));
        }
        for m in o.modalities.iter().filter(|m| !n.modalities.contains(m)) {
            out.push((
                format!("modality `{m}` dropped from `modalities`"),
                at("modalities"),
            ));
        }
        if old.strict && !new.strict {
            out.push(("`strict` changed from true to false".into(), at("strict")));
        }
        for (key, was, now) in [
            ("public-opinion", o.public_opinion, n.public_opinion),
            ("serves-minors", o.serves_minors, n.serves_minors),
            ("trains-models", o.trains_models, n.trains_models),
        ] {
            if was && !now {
                out.push((format!("`{key}` changed from true to false"), at(key)));
            }
        }
        for l in &old.levels {
            match new.levels.iter().find(|x| x.control == l.control) {
                Some(x) if x.severity < l.severity => out.push((
                    format!(
                        "control `{}` lowered from {} to {} in `[levels]`",
                        l.control, l.severity, x.severity
                    ),
                    x.location.line as u32,
                )),
                None => out.push((
                    format!(
                        "control `{}` lowered: `[levels]` no longer sets it to {}",
                        l.control, l.severity
                    ),
                    at("levels"),
                )),
                _ => {}
            }
        }
        for w in &new.waivers {
            let line = w.location.line as u32;
            let olds: Vec<_> = old
                .waivers
                .iter()
                .filter(|x| x.control == w.control)
                .collect();
            if olds.is_empty() {
                out.push((
                    format!(
                        "waiver of `{}` added (owner {}, expires {})",
                        w.control, w.owner, w.expires
                    ),
                    line,
                ));
                continue;
            }
            let latest = olds.iter().map(|x| x.expires.as_str()).max().unwrap_or("");
            if w.expires.as_str() > latest {
                out.push((
                    format!(
                        "waiver of `{}` extended from {latest} to {}",
                        w.control, w.expires
                    ),
                    line,
                ));
            }
            let widened = olds.iter().all(|x| {
                !x.paths.is_empty()
                    && (w.paths.is_empty() || w.paths.iter().any(|p| !x.paths.contains(p)))
            });
            if widened {
                let paths = if w.paths.is_empty() {
                    "every path".to_owned()
                } else {
                    w.paths.join(", ")
                };
                out.push((
                    format!("waiver of `{}` widened to {paths}", w.control),
                    line,
                ));
            }
        }
        for p in old.packs.iter().filter(|p| !new.packs.contains(p)) {
            out.push((
                format!("pack `{p}` removed from `[policy] packs`"),
                at("packs"),
            ));
        }
        for p in old.load.iter().filter(|p| !new.load.contains(p)) {
            out.push((
                format!("pack file `{p}` removed from `[policy] load`"),
                at("load"),
            ));
        }
        for g in new
            .files
            .exclude
            .iter()
            .filter(|g| !old.files.exclude.contains(g))
        {
            out.push((format!("`{g}` excluded from the scan"), at("exclude")));
        }
        for g in new
            .files
            .include
            .iter()
            .filter(|g| !old.files.include.contains(g))
        {
            out.push((format!("scan narrowed to include `{g}`"), at("include")));
        }
        for d in new
            .detectors
            .iter()
            .filter(|d| !old.detectors.iter().any(|x| x.id == d.id))
        {
            out.push((
                format!("detector `{}` added: it can evidence capabilities", d.id),
                at("detector"),
            ));
        }
    }
    for op in inp.old_packs {
        let Some(np) = inp.new_packs.iter().find(|p| p.meta.id == op.meta.id) else {
            out.push((format!("local pack `{}` removed", op.meta.id), at("load")));
            continue;
        };
        for oc in &op.controls {
            match np.control(&oc.id) {
                None => out.push((
                    format!("control `{}` removed from pack `{}`", oc.id, op.meta.id),
                    1,
                )),
                Some(nc) if nc.severity < oc.severity => out.push((
                    format!(
                        "control `{}` lowered from {} to {} in pack `{}`",
                        oc.id, oc.severity, nc.severity, op.meta.id
                    ),
                    1,
                )),
                Some(nc) if nc.requirements.len() < oc.requirements.len() => out.push((
                    format!(
                        "control `{}` in pack `{}` requires less ({} requirement(s), was {})",
                        oc.id,
                        op.meta.id,
                        nc.requirements.len(),
                        oc.requirements.len()
                    ),
                    1,
                )),
                _ => {}
            }
        }
    }
    let rule = GATE_RULES
        .iter()
        .find(|r| r.id == TAMPER)
        .expect("tamper rule");
    out.into_iter()
        .map(|(message, line)| Finding {
            control: TAMPER.to_owned(),
            severity: rule.severity,
            message,
            file: Some(inp.profile_file.to_owned()),
            line: Some(line),
            offset: 0,
            endpoint: None,
            citations: Vec::new(),
            help: rule.help.to_owned(),
            labels: Vec::new(),
            suppression: None,
            fingerprint: String::new(),
            baselined: false,
        })
        .collect()
}
