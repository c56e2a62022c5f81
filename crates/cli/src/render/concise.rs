//! The short forms: `--format concise` (one line per finding, `file:line: CONTROL message`,
//! as compilers and ruff print them) and `--statistics` (how many findings each control has).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use genai_gate_policy::Severity;
use genai_gate_scan::Report;
use serde::Serialize;

use crate::table::{Style, Table};

/// Scanned text on one line: control characters (line breaks, escapes) become `?`, and a line
/// never starts with `::`, which CI runners read as a workflow command.
fn one_line(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.starts_with("::") {
        format!("./{s}")
    } else {
        s
    }
}

/// One line per finding that counts: `src/routes.rs:43: CN-GAI-4.2 message`. Findings
/// without a place (repository-level duties) read `(repository): …`.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in report.findings.iter().filter(|f| f.is_active()) {
        let place = match (&f.file, f.line) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            (Some(file), None) => file.clone(),
            _ => "(repository)".to_owned(),
        };
        let endpoint = match &f.endpoint {
            Some(e) => format!(" ({} {})", e.method, e.route),
            None => String::new(),
        };
        out.push_str(&one_line(&format!(
            "{place}: {} {}{endpoint}",
            f.control, f.message
        )));
        out.push('\n');
    }
    out
}

/// The findings of one control, for `--statistics`.
#[derive(Debug, Default, Serialize)]
struct ControlCount {
    control: String,
    title: String,
    severity: Option<Severity>,
    /// Findings that count for the exit code.
    findings: usize,
    /// Findings waived, suppressed, baselined or ignored on the command line.
    not_counted: usize,
}

fn counts(report: &Report) -> Vec<ControlCount> {
    let mut by: BTreeMap<&str, ControlCount> = BTreeMap::new();
    for f in &report.findings {
        let c = by.entry(&f.control).or_insert_with(|| ControlCount {
            control: f.control.clone(),
            title: report
                .controls
                .iter()
                .find(|c| c.id == f.control)
                .map(|c| c.title.clone())
                .or_else(|| {
                    genai_gate_scan::judge::exceptions::GATE_RULES
                        .iter()
                        .find(|r| r.id == f.control)
                        .map(|r| r.title.to_owned())
                })
                .unwrap_or_default(),
            severity: Some(f.severity),
            ..ControlCount::default()
        });
        if f.is_active() {
            c.findings += 1;
        } else {
            c.not_counted += 1;
        }
    }
    let mut rows: Vec<ControlCount> = by.into_values().collect();
    rows.sort_by(|a, b| {
        (b.findings, b.not_counted)
            .cmp(&(a.findings, a.not_counted))
            .then_with(|| a.control.cmp(&b.control))
    });
    rows
}

/// `--statistics`: a table of findings per control, most first (JSON with `json`).
pub fn statistics(report: &Report, json: bool, style: Style) -> anyhow::Result<String> {
    let rows = counts(report);
    if json {
        let mut s = serde_json::to_string_pretty(&rows)?;
        s.push('\n');
        return Ok(s);
    }
    if rows.is_empty() {
        return Ok("no findings\n".to_owned());
    }
    let mut t = Table::new(&["findings", "not counted", "control", "severity", "title"]);
    for r in &rows {
        t.row(vec![
            r.findings.to_string(),
            r.not_counted.to_string(),
            r.control.clone(),
            r.severity.map(|s| style.severity(s)).unwrap_or_default(),
            r.title.clone(),
        ]);
    }
    let mut out = t.render(0, style);
    let total: usize = rows.iter().map(|r| r.findings).sum();
    let excepted: usize = rows.iter().map(|r| r.not_counted).sum();
    let _ = writeln!(
        out,
        "\n{total} finding(s) in {} control(s); {excepted} not counted",
        rows.len()
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanned_text_stays_on_one_line_and_never_starts_a_workflow_command() {
        assert_eq!(one_line("a\nb\r\x1b[31m"), "a?b??[31m");
        assert_eq!(one_line("::error::x.rs:1: m"), "./::error::x.rs:1: m");
    }
}
