//! Exceptions that stay honest: profile waivers and inline suppressions.
//!
//! A finding covered by an inline suppression (`// genai-gate: allow CN-GAI-14.2 -- why`) or
//! by an unexpired `[[waiver]]` stays in the report with a [`Suppression`] and no longer
//! counts for the exit code. The exceptions themselves are judged too, with findings of the
//! gate's own rules ([`GATE_RULES`]): an expired waiver is an error, a waiver that matches
//! nothing a warning, a suppression without a reason an error (and suppresses nothing), an
//! unused suppression a warning. Severity levels from the profile are applied earlier, by
//! [`genai_gate_policy::resolve`].

use std::collections::HashMap;

use genai_gate_policy::{Severity, Waiver};
use globset::{Glob, GlobSet, GlobSetBuilder};

use genai_gate_policy::suggest::did_you_mean;

use crate::facts::{Allow, MarkerProblem};
use crate::report::{Finding, Label, Suppression, SuppressionKind, WaiverState};

/// A waiver whose expiry date has passed.
pub const WAIVER_EXPIRED: &str = "GATE-WAIVER-EXPIRED";
/// A waiver that covers no finding.
pub const WAIVER_UNUSED: &str = "GATE-WAIVER-UNUSED";
/// An inline suppression without a reason.
pub const ALLOW_NO_REASON: &str = "GATE-ALLOW-NO-REASON";
/// An inline suppression that covers no finding.
pub const ALLOW_UNUSED: &str = "GATE-ALLOW-UNUSED";
/// A change that weakens the gate (see [`crate::judge::changes`]).
pub const TAMPER: &str = "GATE-TAMPER";
/// A `// genai-gate:` comment that does not parse, or names an unknown control.
pub const MARKER: &str = "GATE-MARKER";
/// Findings hidden by `check --select` / `--ignore` in pull-request mode or CI.
pub const CLI_IGNORE: &str = "GATE-CLI-IGNORE";

/// One of the gate's own rules, which judge exceptions and profile changes rather than the
/// service.
#[derive(Debug, Clone, Copy)]
pub struct GateRule {
    /// Rule id.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Severity.
    pub severity: Severity,
    /// What to do.
    pub help: &'static str,
}

/// The gate's own rules.
pub const GATE_RULES: &[GateRule] = &[
    GateRule {
        id: WAIVER_EXPIRED,
        title: "Waivers must not outlive their expiry date",
        severity: Severity::Error,
        help: "fix the findings the waiver covered, or renew it with a new `expires` date and a reason",
    },
    GateRule {
        id: WAIVER_UNUSED,
        title: "Waivers must cover a finding",
        severity: Severity::Warning,
        help: "remove the waiver: its control passes, or its paths match no finding",
    },
    GateRule {
        id: ALLOW_NO_REASON,
        title: "Inline suppressions must give a reason",
        severity: Severity::Error,
        help: "write the reason after `--`: `// genai-gate: allow CN-GAI-14.2 -- <reason>`",
    },
    GateRule {
        id: ALLOW_UNUSED,
        title: "Inline suppressions must cover a finding",
        severity: Severity::Warning,
        help: "remove the comment, or put it on or directly above the item the finding points at",
    },
    GateRule {
        id: MARKER,
        title: "Marker comments must parse",
        severity: Severity::Warning,
        help: "write `// genai-gate: provides CAPABILITY` above the function that provides it, or `// genai-gate: allow CONTROL -- reason` on or above the finding's line",
    },
    GateRule {
        id: CLI_IGNORE,
        title: "Command-line selections must not hide findings in CI",
        severity: Severity::Error,
        help: "drop `--select` / `--ignore` from the CI command; record exceptions as `[[waiver]]`s in genai-gate.toml, where a reviewer sees them",
    },
    GateRule {
        id: TAMPER,
        title: "Changes must not weaken the gate unseen",
        severity: Severity::Error,
        help: "have a reviewer confirm the change; the finding goes away once the change is merged",
    },
];

/// Whether a control id is one of the gate's own rules.
pub fn is_gate_rule(id: &str) -> bool {
    GATE_RULES.iter().any(|r| r.id == id)
}

/// A suppression comment found in a file.
#[derive(Debug, Clone)]
pub struct FileAllow {
    /// Relative path of the file.
    pub file: String,
    /// The comment.
    pub allow: Allow,
}

fn gate_finding(rule: &str, message: String, file: &str, line: u32) -> Finding {
    let r = GATE_RULES
        .iter()
        .find(|r| r.id == rule)
        .expect("a gate rule");
    Finding {
        control: rule.to_owned(),
        severity: r.severity,
        message,
        file: Some(file.to_owned()),
        line: Some(line),
        offset: 0,
        endpoint: None,
        citations: Vec::new(),
        help: r.help.to_owned(),
        labels: Vec::new(),
        suppression: None,
        fingerprint: String::new(),
        baselined: false,
    }
}

fn allow_covers(fa: &FileAllow, f: &Finding) -> bool {
    if f.control != fa.allow.control || f.file.as_deref() != Some(fa.file.as_str()) {
        return false;
    }
    let hit = |line: u32| line == fa.allow.line || line == fa.allow.target;
    f.line.is_some_and(hit) || f.labels.iter().any(|l| l.file == fa.file && hit(l.line))
}

/// A waiver's state during [`apply`].
struct WaiverUse<'a> {
    waiver: &'a Waiver,
    expired: bool,
    matched: usize,
}

/// Every waiver's paths in one compiled set, so a finding is matched against all of them
/// at once (40,000 waivers checked one by one took a minute).
struct WaiverSet {
    /// All path globs; `owner[i]` is the waiver of glob `i`.
    globs: GlobSet,
    owner: Vec<usize>,
    /// Waivers by control, in profile order, with whether they cover every path.
    by_control: HashMap<String, Vec<(usize, bool)>>,
}

impl WaiverSet {
    fn new(waivers: &[Waiver]) -> WaiverSet {
        let mut builder = GlobSetBuilder::new();
        let mut owner = Vec::new();
        let mut by_control: HashMap<String, Vec<(usize, bool)>> = HashMap::new();
        for (i, w) in waivers.iter().enumerate() {
            let mut any = false;
            for p in &w.paths {
                // A glob that does not compile covers nothing (the profile loader reports it).
                if let Ok(g) = Glob::new(p) {
                    builder.add(g);
                    owner.push(i);
                    any = true;
                }
            }
            let everywhere = w.paths.is_empty();
            if any || everywhere {
                by_control
                    .entry(w.control.clone())
                    .or_default()
                    .push((i, everywhere));
            }
        }
        WaiverSet {
            globs: builder.build().unwrap_or_else(|_| GlobSet::empty()),
            owner,
            by_control,
        }
    }

    /// The waivers that cover `f`, in profile order.
    fn covering(&self, f: &Finding) -> Vec<usize> {
        let Some(candidates) = self.by_control.get(&f.control) else {
            return Vec::new();
        };
        let matched: Vec<usize> = match f.file.as_deref() {
            Some(file) => {
                let mut m: Vec<usize> = self
                    .globs
                    .matches(file)
                    .into_iter()
                    .map(|g| self.owner[g])
                    .collect();
                m.sort_unstable();
                m.dedup();
                m
            }
            None => Vec::new(),
        };
        candidates
            .iter()
            .filter(|(i, everywhere)| *everywhere || matched.binary_search(i).is_ok())
            .map(|(i, _)| *i)
            .collect()
    }
}

/// [`MARKER`] findings for `genai-gate:` comments that do not parse: (file, problem).
pub fn marker_findings(problems: &[(String, MarkerProblem)]) -> Vec<Finding> {
    problems
        .iter()
        .map(|(file, p)| gate_finding(MARKER, p.message.clone(), file, p.line))
        .collect()
}

/// What is wrong with the control an inline suppression names, if anything: not a control
/// of the packs (with a "did you mean"), or one of the gate's own rules.
fn unknown_control(control: &str, controls: &[&str]) -> Option<String> {
    if controls.contains(&control) {
        return None;
    }
    if is_gate_rule(control) {
        return Some(format!(
            "`{control}` is one of the gate's own rules, which cannot be suppressed"
        ));
    }
    Some(match did_you_mean(control, controls.iter().copied()) {
        Some(s) => format!("suppression names unknown control `{control}`: did you mean `{s}`?"),
        None => format!(
            "suppression names unknown control `{control}` (`genai-gate policy show` lists the controls)"
        ),
    })
}

/// Applies inline suppressions and waivers to `findings` and appends the gate's findings
/// about the exceptions themselves. `profile_file` is the profile's path relative to the
/// root (where waiver findings point); `today` is `YYYY-MM-DD`; `controls` are the ids of
/// the packs' controls (a suppression of another id is a [`MARKER`] finding with a "did you
/// mean"). Returns the state of every waiver, in profile order.
pub fn apply(
    findings: &mut Vec<Finding>,
    waivers: &[Waiver],
    allows: &[FileAllow],
    today: &str,
    profile_file: &str,
    controls: &[&str],
) -> Vec<WaiverState> {
    let mut used = vec![false; allows.len()];
    let set = WaiverSet::new(waivers);
    let mut compiled: Vec<WaiverUse> = waivers
        .iter()
        .map(|w| WaiverUse {
            waiver: w,
            expired: w.expires.as_str() < today,
            matched: 0,
        })
        .collect();
    for f in findings.iter_mut() {
        if is_gate_rule(&f.control) {
            continue;
        }
        let inline = allows
            .iter()
            .enumerate()
            .find(|(_, a)| a.allow.reason.is_some() && allow_covers(a, f));
        if let Some((i, a)) = inline {
            used[i] = true;
            f.suppression = Some(Suppression {
                kind: SuppressionKind::Inline,
                reason: a.allow.reason.clone().unwrap_or_default(),
                owner: None,
                expires: None,
                file: a.file.clone(),
                line: a.allow.line,
            });
            continue;
        }
        let covering = set.covering(f);
        if let Some(&i) = covering.iter().find(|i| !compiled[**i].expired) {
            let cw = &mut compiled[i];
            cw.matched += 1;
            let w = cw.waiver;
            f.suppression = Some(Suppression {
                kind: SuppressionKind::Waiver,
                reason: w.reason.clone(),
                owner: Some(w.owner.clone()),
                expires: Some(w.expires.clone()),
                file: profile_file.to_owned(),
                line: w.location.line as u32,
            });
        } else if let Some(&i) = covering.first() {
            compiled[i].matched += 1;
        }
    }
    let mut extra = Vec::new();
    for (a, used) in allows.iter().zip(used) {
        if let Some(message) = unknown_control(&a.allow.control, controls) {
            extra.push(gate_finding(MARKER, message, &a.file, a.allow.line));
            continue;
        }
        match &a.allow.reason {
            None => {
                let mut f = gate_finding(
                    ALLOW_NO_REASON,
                    format!(
                        "suppression of `{}` gives no reason, so it suppresses nothing",
                        a.allow.control
                    ),
                    &a.file,
                    a.allow.line,
                );
                // The fix names the control written, not a fixed example.
                f.help = format!(
                    "write the reason after `--`: `// genai-gate: allow {} -- <reason>`",
                    a.allow.control
                );
                extra.push(f);
            }
            Some(_) if !used => extra.push(gate_finding(
                ALLOW_UNUSED,
                format!(
                    "suppression of `{}` covers no finding of that control here",
                    a.allow.control
                ),
                &a.file,
                a.allow.line,
            )),
            Some(_) => {}
        }
    }
    let mut states = Vec::new();
    for cw in &compiled {
        let w = cw.waiver;
        let line = w.location.line as u32;
        let status = if cw.expired {
            let mut f = gate_finding(
                WAIVER_EXPIRED,
                format!(
                    "waiver of `{}` (owner: {}) expired on {}",
                    w.control, w.owner, w.expires
                ),
                profile_file,
                line,
            );
            if cw.matched > 0 {
                f.message.push_str(&format!(
                    "; {} finding(s) it covered fail again",
                    cw.matched
                ));
            }
            f.labels.push(Label {
                file: profile_file.to_owned(),
                line,
                message: format!("reason: {}", w.reason),
            });
            extra.push(f);
            "expired"
        } else if cw.matched == 0 {
            extra.push(gate_finding(
                WAIVER_UNUSED,
                format!("waiver of `{}` covers no finding", w.control),
                profile_file,
                line,
            ));
            "unused"
        } else {
            "active"
        };
        states.push(WaiverState {
            control: w.control.clone(),
            paths: w.paths.clone(),
            reason: w.reason.clone(),
            owner: w.owner.clone(),
            expires: w.expires.clone(),
            status: status.to_owned(),
            matched: cw.matched,
            file: profile_file.to_owned(),
            line,
        });
    }
    findings.extend(extra);
    states
}
