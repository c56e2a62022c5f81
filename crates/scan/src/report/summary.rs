//! Compliance summaries of a report: each control's outcome once exceptions are counted, the
//! matrix by article, and a compliance score. Renderers (GitHub job summary, Markdown,
//! JUnit) share these so the numbers agree everywhere.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::{ControlVerdict, Report, Status, SuppressionKind};

/// A control's outcome, counting waivers, suppressions and the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Failing findings remain.
    Fail,
    /// It failed, but every finding is waived, suppressed or baselined.
    Waived,
    /// Evidence could not be judged.
    NotObservable,
    /// Passes.
    Pass,
    /// Does not apply.
    NotApplicable,
}

impl Outcome {
    /// The word shown in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Fail => "fail",
            Outcome::Waived => "waived",
            Outcome::NotObservable => "not observable",
            Outcome::Pass => "pass",
            Outcome::NotApplicable => "not applicable",
        }
    }
}

/// The outcome of one control in a report.
pub fn outcome(report: &Report, c: &ControlVerdict) -> Outcome {
    match c.status {
        Status::Pass => Outcome::Pass,
        Status::NotApplicable => Outcome::NotApplicable,
        Status::NotObservable => Outcome::NotObservable,
        Status::Fail => {
            let mut of_control = report.findings.iter().filter(|f| f.control == c.id);
            match of_control.clone().next() {
                // Out of scope of `--changed-since`: nothing of it is reported.
                None if report.changes.is_some() => Outcome::Pass,
                None => Outcome::Fail,
                Some(_) if of_control.any(|f| f.is_active()) => Outcome::Fail,
                Some(_) => Outcome::Waived,
            }
        }
    }
}

/// Findings that do not count for the exit code, by why: the summary line of every format
/// names them, so that nothing an exception hides goes unmentioned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Excepted {
    /// Covered by a `[[waiver]]` of the profile.
    pub waived: usize,
    /// Covered by an inline `// genai-gate: allow` comment.
    pub suppressed: usize,
    /// Recorded in the baseline (`check --baseline`).
    pub baselined: usize,
    /// Left out by `check --select` / `--ignore` where that is reported (pull-request mode, CI).
    pub ignored: usize,
}

impl Excepted {
    /// Counts a report's excepted findings.
    pub fn of(report: &Report) -> Excepted {
        let mut e = Excepted::default();
        for f in &report.findings {
            match f.suppression.as_ref().map(|s| s.kind) {
                Some(SuppressionKind::Waiver) => e.waived += 1,
                Some(SuppressionKind::Inline) => e.suppressed += 1,
                Some(SuppressionKind::CommandLine) => e.ignored += 1,
                None if f.baselined => e.baselined += 1,
                None => {}
            }
        }
        e
    }

    /// All of them.
    pub fn total(&self) -> usize {
        self.waived + self.suppressed + self.baselined + self.ignored
    }

    /// `2 waived, 1 suppressed`: the non-zero counts, or `None` when there are none.
    pub fn describe(&self) -> Option<String> {
        let parts: Vec<String> = [
            (self.waived, "waived"),
            (self.suppressed, "suppressed"),
            (self.baselined, "baselined"),
            (self.ignored, "ignored on the command line"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// What the scan saw and what it did not analyse, in a line:
/// `5 Rust files (1204 lines), 2 config files, 1 document; not analysed: 12 Python files`.
pub fn seen(report: &Report) -> String {
    let st = &report.stats;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let python = if st.python_files > 0 {
        format!(
            ", {} ({} lines)",
            plural(st.python_files, "Python file", "Python files"),
            st.python_lines
        )
    } else {
        String::new()
    };
    let mut line = format!(
        "{} ({} lines){python}, {}, {}",
        plural(st.rust_files, "Rust file", "Rust files"),
        st.rust_lines,
        plural(st.config_files, "config file", "config files"),
        plural(st.documents, "document", "documents"),
    );
    if !st.not_analysed.is_empty() {
        line.push_str("; not analysed: ");
        line.push_str(&crate::languages::describe(&st.not_analysed));
    }
    line
}

/// One row of the matrix by article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleRow {
    /// `Art. 4`, `CSL Art. 21`.
    pub article: String,
    /// Worst outcome of the controls citing it.
    pub outcome: Outcome,
    /// The controls citing it, with their outcomes.
    pub controls: Vec<(String, Outcome)>,
}

/// The article part of a citation: `Art. 4(1)` gives `Art. 4`, `CSL Art. 21` gives
/// `CSL Art. 21`, `Art. 9 ¶1` gives `Art. 9`.
pub fn article_of(citation: &str) -> String {
    let Some(at) = citation.find("Art.") else {
        return citation.trim().to_owned();
    };
    let head = &citation[..at + 4];
    let digits: String = citation[at + 4..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    format!("{head} {digits}")
}

/// The compliance matrix: one row per cited article, in citation order of first appearance
/// along the sorted controls.
pub fn matrix(report: &Report) -> Vec<ArticleRow> {
    let mut rows: Vec<ArticleRow> = Vec::new();
    for c in &report.controls {
        let o = outcome(report, c);
        let mut seen = Vec::new();
        for cite in &c.citations {
            let art = article_of(cite);
            if seen.contains(&art) {
                continue;
            }
            seen.push(art.clone());
            match rows.iter_mut().find(|r| r.article == art) {
                Some(r) => {
                    r.outcome = r.outcome.min(o);
                    r.controls.push((c.id.clone(), o));
                }
                None => rows.push(ArticleRow {
                    article: art,
                    outcome: o,
                    controls: vec![(c.id.clone(), o)],
                }),
            }
        }
    }
    rows.sort_by_key(|r| article_key(&r.article));
    rows
}

fn article_key(a: &str) -> (bool, String, u32) {
    let (head, num) = a.rsplit_once(' ').unwrap_or((a, ""));
    (
        head != "Art.",
        head.to_owned(),
        num.parse().unwrap_or(u32::MAX),
    )
}

/// Counts of control outcomes and the score: controls passing (or waived) out of those
/// judged (neither not-applicable nor not-observable), in percent, rounded down.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Score {
    /// Controls by outcome.
    pub counts: BTreeMap<String, usize>,
    /// 0–100; 100 when nothing was judged.
    pub percent: u32,
}

/// The compliance score of a report.
pub fn score(report: &Report) -> Score {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let (mut ok, mut judged) = (0usize, 0usize);
    for c in &report.controls {
        let o = outcome(report, c);
        *counts.entry(o.as_str().to_owned()).or_default() += 1;
        match o {
            Outcome::Pass | Outcome::Waived => {
                ok += 1;
                judged += 1;
            }
            Outcome::Fail => judged += 1,
            _ => {}
        }
    }
    let percent = (ok * 100).checked_div(judged).map_or(100, |p| p as u32);
    Score { counts, percent }
}
