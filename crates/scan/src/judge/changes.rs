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
//! - [`new_exceptions`] lists the inline suppressions and `provides` markers a change adds;
//!   the tamper check ([`crate::judge::tamper`]) names each, with every other weakening.

use std::collections::BTreeSet;

use crate::analysis::EndpointFiles;
use crate::judge::exceptions::{ALLOW_NO_REASON, ALLOW_UNUSED};
use crate::report::{ChangeSummary, Finding, NewException};

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
        new_exceptions: Vec::new(),
    }
}

/// A Rust file a change touched, as it was and as it is (`None`: absent).
#[derive(Debug, Clone, Copy)]
pub struct FileVersions<'a> {
    /// Path relative to the root.
    pub rel: &'a str,
    /// Its text at the base revision.
    pub base: Option<&'a str>,
    /// Its text now.
    pub head: Option<&'a str>,
}

/// The inline suppressions (with a reason: one without suppresses nothing) and `provides`
/// markers that a change adds: those whose comment line does not occur in the file as it
/// was (as many times), so moving one is not adding it.
///
/// ```
/// use genai_gate_scan::judge::changes::{FileVersions, new_exceptions};
/// let base = "fn a() {}\n";
/// let head = "// genai-gate: allow CN-GAI-4.1 -- upstream\nfn a() {}\n// genai-gate: provides moderation.output\nfn b() {}\n";
/// let new = new_exceptions(&[FileVersions { rel: "src/a.rs", base: Some(base), head: Some(head) }]);
/// assert_eq!(new.len(), 2);
/// assert_eq!(new[0].what, "suppression of `CN-GAI-4.1`");
/// assert_eq!(new[1].what, "marker `provides moderation.output`");
/// ```
pub fn new_exceptions(files: &[FileVersions]) -> Vec<NewException> {
    let mut out = Vec::new();
    for f in files {
        let Some(head) = f.head else { continue };
        let head_lines: Vec<&str> = head.lines().collect();
        let mut old: Vec<&str> = f
            .base
            .map(|b| b.lines().map(str::trim).collect())
            .unwrap_or_default();
        old.sort_unstable();
        let mut is_new = |line: u32| {
            let text = head_lines.get(line as usize - 1).map_or("", |l| l.trim());
            match old.binary_search(&text) {
                Ok(i) => {
                    old.remove(i);
                    false
                }
                Err(_) => true,
            }
        };
        let mut found: Vec<NewException> = Vec::new();
        for a in crate::frontend::rust::scan_allows(head) {
            if let Some(reason) = a.reason
                && is_new(a.line)
            {
                found.push(NewException {
                    file: f.rel.to_owned(),
                    line: a.line,
                    what: format!("suppression of `{}`", a.control),
                    reason: Some(reason),
                });
            }
        }
        for (line, caps) in crate::frontend::rust::provides_markers(head) {
            if is_new(line) {
                found.push(NewException {
                    file: f.rel.to_owned(),
                    line,
                    what: format!("marker `provides {}`", caps.join(", ")),
                    reason: None,
                });
            }
        }
        found.sort();
        out.extend(found);
    }
    out
}
