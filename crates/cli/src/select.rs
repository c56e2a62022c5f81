//! `check --select` / `--ignore`: which controls to look at, for local exploration.
//!
//! A selector is a control id (`CN-GAI-4.1`) or an id prefix ending at a dot or dash
//! (`CN-GAI-14` selects `CN-GAI-14.1` … `CN-GAI-14.10`). `--select` keeps only the controls it
//! names, `--ignore` drops them; the gate's own rules (`GATE-*`) and fail-closed findings
//! (`scan/*`) are never affected.
//!
//! Locally the left-out controls and their findings disappear from the report. Where the gate
//! decides a merge — pull-request mode (`--changed-since`) or CI (`CI` or `GITHUB_ACTIONS`
//! set) — a command-line selection could weaken it unseen, so there the left-out findings stay
//! in the report, excepted like a waiver (`suppression.kind = "command-line"`), and a
//! [`CLI_IGNORE`] error says what the command line hid.

use genai_gate_policy::suggest::did_you_mean;
use genai_gate_scan::judge::exceptions::{CLI_IGNORE, GATE_RULES, is_gate_rule};
use genai_gate_scan::report::{Suppression, SuppressionKind};
use genai_gate_scan::{Finding, Report};

use crate::diagnostics::LoadFailure;

/// `--select` and `--ignore` as given.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Controls to keep (empty: all).
    pub select: Vec<String>,
    /// Controls to drop.
    pub ignore: Vec<String>,
}

/// Whether `selector` names control `id`.
fn matches(selector: &str, id: &str) -> bool {
    id == selector
        || id
            .strip_prefix(selector)
            .is_some_and(|rest| rest.starts_with(['.', '-']) || selector.ends_with(['.', '-']))
}

/// Whether the gate's own findings: never selected away.
fn protected(control: &str) -> bool {
    is_gate_rule(control) || control.starts_with("scan/")
}

impl Selection {
    /// True when neither flag was given.
    pub fn is_empty(&self) -> bool {
        self.select.is_empty() && self.ignore.is_empty()
    }

    /// Whether a control is left out.
    fn leaves_out(&self, id: &str) -> bool {
        !protected(id)
            && ((!self.select.is_empty() && !self.select.iter().any(|s| matches(s, id)))
                || self.ignore.iter().any(|s| matches(s, id)))
    }

    /// The flags as a user would retype them.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.select.is_empty() {
            parts.push(format!("--select {}", self.select.join(",")));
        }
        if !self.ignore.is_empty() {
            parts.push(format!("--ignore {}", self.ignore.join(",")));
        }
        parts.join(" ")
    }

    /// Every selector must name a control of the report; a typo is a usage error with a
    /// suggestion, never a silent no-op.
    fn validate(&self, report: &Report) -> anyhow::Result<()> {
        let ids: Vec<&str> = report.controls.iter().map(|c| c.id.as_str()).collect();
        for s in self.select.iter().chain(&self.ignore) {
            if GATE_RULES.iter().any(|r| matches(s, r.id)) || s.starts_with("scan/") {
                return Err(LoadFailure::message(
                    format!(
                        "`{s}` is one of the gate's own rules, which cannot be selected or ignored"
                    ),
                    Some("waive or fix what it reports instead".into()),
                )
                .into());
            }
            if !ids.iter().any(|id| matches(s, id)) {
                let help = match did_you_mean(s, ids.iter().copied()) {
                    Some(m) => format!(
                        "did you mean `{m}`? the controls judged are listed by `genai-gate check`"
                    ),
                    None => {
                        "the controls judged are listed at the end of `genai-gate check`".into()
                    }
                };
                return Err(LoadFailure::message(
                    format!("`{s}` names no control of the effective policy"),
                    Some(help),
                )
                .into());
            }
        }
        Ok(())
    }

    /// Applies the selection to a report. With `enforce` (pull-request mode or CI) the
    /// left-out findings are kept as excepted and a [`CLI_IGNORE`] finding reports them;
    /// otherwise they and their controls are removed. Returns a note for people.
    pub fn apply(&self, report: &mut Report, enforce: bool) -> anyhow::Result<Option<String>> {
        if self.is_empty() {
            return Ok(None);
        }
        self.validate(report)?;
        let flags = self.describe();
        if !enforce {
            let before = report.findings.iter().filter(|f| f.is_active()).count();
            report.findings.retain(|f| !self.leaves_out(&f.control));
            let hidden = before - report.findings.iter().filter(|f| f.is_active()).count();
            let controls = report.controls.len();
            report.controls.retain(|c| !self.leaves_out(&c.id));
            return Ok(Some(format!(
                "{flags}: {} of {controls} controls judged; {hidden} finding(s) of the others not shown",
                report.controls.len()
            )));
        }
        let mut hidden = Vec::new();
        for f in report
            .findings
            .iter_mut()
            .filter(|f| f.is_active() && self.leaves_out(&f.control))
        {
            f.suppression = Some(Suppression {
                kind: SuppressionKind::CommandLine,
                reason: format!("`{flags}`"),
                owner: None,
                expires: None,
                file: String::new(),
                line: 0,
            });
            if !hidden.contains(&f.control) {
                hidden.push(f.control.clone());
            }
        }
        if hidden.is_empty() {
            return Ok(Some(format!("{flags}: hides no finding")));
        }
        hidden.sort();
        let n = report
            .findings
            .iter()
            .filter(|f| {
                f.suppression
                    .as_ref()
                    .is_some_and(|s| s.kind == SuppressionKind::CommandLine)
            })
            .count();
        let rule = GATE_RULES
            .iter()
            .find(|r| r.id == CLI_IGNORE)
            .expect("a gate rule");
        report.findings.push(Finding {
            control: CLI_IGNORE.to_owned(),
            severity: rule.severity,
            message: format!(
                "`{flags}` hides {n} finding(s) of {} in CI or pull-request mode",
                hidden.join(", ")
            ),
            file: None,
            line: None,
            offset: 0,
            endpoint: None,
            citations: Vec::new(),
            help: rule.help.to_owned(),
            labels: Vec::new(),
            suppression: None,
            fingerprint: String::new(),
            baselined: false,
        });
        genai_gate_scan::report::fingerprint::assign(&mut report.findings);
        report.sort();
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_ids_and_prefixes_at_a_boundary() {
        assert!(matches("CN-GAI-4.1", "CN-GAI-4.1"));
        assert!(matches("CN-GAI-14", "CN-GAI-14.10"));
        assert!(matches("CN-GAI-", "CN-GAI-4.1"));
        assert!(!matches("CN-GAI-1", "CN-GAI-14.1"));
        assert!(!matches("CN-GAI-4.1", "CN-GAI-4.10"));
    }

    #[test]
    fn the_gate_rules_are_never_left_out() {
        let s = Selection {
            select: vec!["CN-GAI-4.1".into()],
            ignore: Vec::new(),
        };
        assert!(!s.leaves_out("GATE-TAMPER"));
        assert!(!s.leaves_out("scan/unparsable"));
        assert!(s.leaves_out("CN-GAI-4.2"));
        assert!(!s.leaves_out("CN-GAI-4.1"));
    }
}
