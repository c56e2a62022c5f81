//! GitHub Actions: workflow-command annotations, the job summary (`$GITHUB_STEP_SUMMARY`)
//! and step outputs (`$GITHUB_OUTPUT`).

use std::fmt::Write as _;

use genai_gate_policy::Severity;
use genai_gate_scan::report::SuppressionKind;
use genai_gate_scan::report::summary::{Outcome, outcome, score};
use genai_gate_scan::{Finding, Report};

use super::neutral::line;

/// Escapes the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`) of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command. `file` and `title` may hold scanned text and are neutralised (see
/// [`super::neutral`]); the caller neutralises the parts of `message`, whose own line breaks
/// are escaped here.
fn command(kind: &str, file: Option<&str>, at: Option<u32>, title: &str, message: &str) -> String {
    let mut props = Vec::new();
    if let Some(file) = file {
        props.push(format!("file={}", escape_property(&line(file))));
        if let Some(l) = at {
            props.push(format!("line={l}"));
            props.push(format!("endLine={l}"));
        }
    }
    props.push(format!("title={}", escape_property(&line(title))));
    format!("::{kind} {}::{}\n", props.join(","), escape_data(message))
}

fn annotation(f: &Finding) -> String {
    let mut kind = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut title = f.control.clone();
    let mut message = line(&f.message);
    if let Some(s) = &f.suppression {
        kind = "notice";
        let what = match s.kind {
            SuppressionKind::Waiver => "waived",
            SuppressionKind::Inline => "suppressed",
            SuppressionKind::CommandLine => "ignored on the command line",
        };
        title.push_str(&format!(" ({what})"));
        let _ = write!(message, "\n{what}: {}", line(&s.reason));
        if let (Some(owner), Some(expires)) = (&s.owner, &s.expires) {
            let _ = write!(
                message,
                " (owner {}, expires {})",
                line(owner),
                line(expires)
            );
        }
    } else {
        let _ = write!(message, "\nhelp: {}", line(&f.help));
    }
    if !f.citations.is_empty() {
        let _ = write!(message, "\ncited: {}", line(&f.citations.join("; ")));
    }
    command(kind, f.file.as_deref(), f.line, &title, &message)
}

/// Annotations for every finding (baselined ones are left out; the summary counts them) and
/// every scan problem.
pub fn annotations(report: &Report) -> String {
    let mut out = String::new();
    if report.profile.default {
        out.push_str(&command(
            "notice",
            None,
            None,
            "genai-gate: default profile",
            super::DEFAULT_PROFILE_NOTICE,
        ));
    }
    for f in report.findings.iter().filter(|f| !f.baselined) {
        out.push_str(&annotation(f));
    }
    for d in &report.diagnostics {
        out.push_str(&command(
            "warning",
            Some(d.file.as_str()).filter(|f| !f.is_empty()),
            d.line,
            &format!("genai-gate: {}", d.kind),
            &line(&d.message),
        ));
    }
    out
}

/// The job summary: the Markdown report.
pub fn summary(report: &Report) -> String {
    super::markdown::render(report)
}

/// Step outputs: `findings`, `failed-controls`, `compliance-score`, `files`.
pub fn outputs(report: &Report, written: &[String]) -> String {
    let active = report.findings.iter().filter(|f| f.is_active()).count();
    let failed: Vec<&str> = report
        .controls
        .iter()
        .filter(|c| outcome(report, c) == Outcome::Fail)
        .map(|c| c.id.as_str())
        .collect();
    let clean = |s: &str| s.replace(['\n', '\r'], " ");
    format!(
        "findings={active}\nfailed-controls={}\ncompliance-score={}\nfiles={}\n",
        clean(&line(&failed.join(","))),
        score(report).percent,
        clean(&written.join(","))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_escaping_handles_newlines_commas_colons_and_percent() {
        let line = command(
            "error",
            Some("src/a,b:c.rs"),
            Some(3),
            "CN-GAI-4.1: x, y",
            "50% done\nnext: line, too\r",
        );
        assert_eq!(
            line,
            "::error file=src/a%2Cb%3Ac.rs,line=3,endLine=3,title=CN-GAI-4.1%3A x%2C y::50%25 done%0Anext: line, too%0D\n"
        );
    }
}
