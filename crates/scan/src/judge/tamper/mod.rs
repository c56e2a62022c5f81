//! The tamper check: every change that weakens the gate, named in a finding of its own.
//!
//! In pull-request mode the caller resolves the **effective** policy twice — as the base
//! commit has it and as the change has it (profile, packs, overlays, catalogues, the profile's
//! detectors, levels and waivers) — and passes both, with the baseline file as it was and as
//! it is, and the exceptions the change adds. [`tamper`] compares them:
//!
//! - the service and its scope (`profile.rs`): non-public, out of the PRC, a sector, a
//!   modality or an attribute dropped, strict mode off, files excluded or the scan narrowed,
//!   the size cap lowered, packs or pack files removed;
//! - waivers (`profile.rs`): a waiver is a weakening unless a waiver of the base already
//!   covered each of its paths until at least its expiry — so one added, widened, or
//!   extended (also by deleting a sibling that expired later) is named;
//! - the rules (`rules.rs`): the base pack replaced, the packs no longer applying, a control
//!   removed, made inactive, lowered (by `[levels]` or an overlay), judged once for the
//!   repository instead of per endpoint, or no longer requiring something it required (a
//!   replaced requirement, a looser threshold, a document rule asking less); a detector added
//!   or widened (a new pattern, another capability); a trap removed;
//! - baseline entries the change adds, and new inline suppressions and `provides` markers
//!   (see [`crate::judge::changes::new_exceptions`]).
//!
//! Tightening is never reported. The library never runs git: the caller reads the base.

mod profile;
mod rules;

use genai_gate_policy::EffectivePolicy;

use crate::judge::baseline::Baseline;
use crate::judge::exceptions::{GATE_RULES, TAMPER};
use crate::report::{Finding, NewException};

/// What the tamper check compares.
#[derive(Debug, Clone, Copy)]
pub struct TamperInput<'a> {
    /// The effective policy at the base commit.
    pub base: &'a EffectivePolicy,
    /// The effective policy the change makes.
    pub head: &'a EffectivePolicy,
    /// Ids of the packs and catalogues the base loaded from files (`[policy] load`).
    pub base_loaded: &'a [String],
    /// The same for the change.
    pub head_loaded: &'a [String],
    /// The change's profile text, to point findings at lines.
    pub head_text: Option<&'a str>,
    /// The profile's path relative to the root, where findings point.
    pub profile_file: &'a str,
    /// The baseline file (relative path) as it was (`None`: absent) and as it is.
    pub baseline: Option<(&'a str, Option<&'a Baseline>, &'a Baseline)>,
    /// Inline suppressions and markers the change adds.
    pub exceptions: &'a [NewException],
}

/// A weakening: what changed, and where (file and line; the profile when `None`).
pub(crate) struct Weakening {
    pub(crate) message: String,
    pub(crate) at: Option<(String, u32)>,
    pub(crate) line: u32,
}

impl Weakening {
    pub(crate) fn at_line(message: String, line: u32) -> Weakening {
        Weakening {
            message,
            at: None,
            line,
        }
    }
}

/// The 1-based line of the first `key =`, `[key]` or `[[key]]` in `text`, else 1.
pub(crate) fn line_of_key(text: Option<&str>, key: &str) -> u32 {
    let Some(text) = text else { return 1 };
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            let bare = t.trim_start_matches('"');
            bare.strip_prefix(key)
                .is_some_and(|r| r.trim_start_matches('"').trim_start().starts_with('='))
                || t.starts_with(&format!("[{key}]"))
                || t.starts_with(&format!("[[{key}]]"))
        })
        .map_or(1, |i| i as u32 + 1)
}

/// Every weakening from `inp.base` to `inp.head`, as error findings of [`TAMPER`].
pub fn tamper(inp: &TamperInput) -> Vec<Finding> {
    let mut out = profile::compare(inp);
    out.extend(rules::compare(inp));
    if let Some((file, base, head)) = inp.baseline {
        let known: std::collections::BTreeSet<&str> = base
            .iter()
            .flat_map(|b| &b.findings)
            .map(|e| e.fingerprint.as_str())
            .collect();
        for e in head
            .findings
            .iter()
            .filter(|e| !known.contains(e.fingerprint.as_str()))
        {
            let place = e
                .file
                .as_deref()
                .map_or(String::new(), |f| format!(" at `{f}`"));
            out.push(Weakening {
                message: format!(
                    "baseline entry for `{}`{place} added: {}",
                    e.control, e.message
                ),
                at: Some((file.to_owned(), 1)),
                line: 1,
            });
        }
    }
    for x in inp.exceptions {
        let message = match &x.reason {
            Some(r) => format!("{} added in `{}` (reason: {r})", x.what, x.file),
            None => format!("{} added in `{}`", x.what, x.file),
        };
        out.push(Weakening {
            message,
            at: Some((x.file.clone(), x.line)),
            line: x.line,
        });
    }
    let rule = GATE_RULES
        .iter()
        .find(|r| r.id == TAMPER)
        .expect("tamper rule");
    out.into_iter()
        .map(|w| {
            let (file, line) =
                w.at.unwrap_or_else(|| (inp.profile_file.to_owned(), w.line));
            Finding {
                control: TAMPER.to_owned(),
                severity: rule.severity,
                message: w.message,
                file: Some(file),
                line: Some(line),
                offset: 0,
                endpoint: None,
                citations: Vec::new(),
                help: rule.help.to_owned(),
                labels: Vec::new(),
                suppression: None,
                fingerprint: String::new(),
                baselined: false,
            }
        })
        .collect()
}
