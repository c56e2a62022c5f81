//! Markdown: the compliance matrix by article, findings, endpoints and waivers — for a
//! pull-request comment and the GitHub job summary.

use std::fmt::Write as _;

use genai_gate_scan::Report;
use genai_gate_scan::report::SuppressionKind;
use genai_gate_scan::report::summary::{Outcome, matrix, score};

/// Capabilities shown as endpoint columns, with the order they must have.
const COLUMNS: [(&str, &str, Option<&str>); 5] = [
    ("input moderation", "moderation.input", Some("before")),
    ("output moderation", "moderation.output", Some("after")),
    ("stop", "generation.stop", Some("after")),
    ("user check", "user.check", Some("before")),
    ("audit", "audit.record", None),
];

/// Scanned text as Markdown text (no markup, no HTML, no line break, pipes escaped for
/// table cells); see [`super::neutral::markdown`].
fn cell(s: &str) -> String {
    super::neutral::markdown(s)
}

/// Scanned text as an inline code span; see [`super::neutral::code_span`].
fn code(s: &str) -> String {
    super::neutral::code_span(s)
}

fn badge(o: Outcome) -> &'static str {
    match o {
        Outcome::Fail => "❌ fail",
        Outcome::Waived => "⚠️ waived",
        Outcome::NotObservable => "❔ not observable",
        Outcome::Pass => "✅ pass",
        Outcome::NotApplicable => "➖ not applicable",
    }
}

fn place(file: Option<&str>, line: Option<u32>) -> String {
    match (file, line) {
        (Some(f), Some(l)) => code(&format!("{f}:{l}")),
        (Some(f), None) => code(f),
        _ => "repository".to_owned(),
    }
}

/// The report as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let active: Vec<_> = report.findings.iter().filter(|f| f.is_active()).collect();
    let sc = score(report);
    let excepted = match genai_gate_scan::report::summary::Excepted::of(report).describe() {
        Some(e) => format!(" ({e} not counted)"),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "## genai-gate: {} {}{excepted} · compliance score {}%\n",
        active.len(),
        if active.len() == 1 {
            "finding"
        } else {
            "findings"
        },
        sc.percent
    );
    let packs: Vec<String> = report
        .packs
        .iter()
        .map(|p| format!("{} {}", code(&p.id), cell(&p.version)))
        .collect();
    let _ = writeln!(
        out,
        "Service **{}** · packs {} · {}\n",
        cell(&report.profile.service.name),
        packs.join(", "),
        cell(&report.applicable.reason)
    );
    if report.profile.default {
        let _ = writeln!(out, "> **Note:** {}\n", super::DEFAULT_PROFILE_NOTICE);
    }
    if let Some(ch) = &report.changes {
        let _ = writeln!(
            out,
            "Changes since {}: {} file(s) changed; {} finding(s) outside the change not shown. Repository-level controls are judged on the whole tree.\n",
            code(&ch.since),
            ch.changed_files,
            ch.out_of_scope
        );
        if !ch.new_exceptions.is_empty() {
            let _ = writeln!(
                out,
                "### Suppressions and markers this change adds\n\nFor a reviewer: each hides a finding or claims a capability without the scanner seeing it.\n\n| Where | What | Reason |\n|---|---|---|"
            );
            for x in &ch.new_exceptions {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    place(Some(&x.file), Some(x.line)),
                    super::neutral::markdown_message(&x.what),
                    x.reason.as_deref().map_or_else(String::new, cell)
                );
            }
            out.push('\n');
        }
    }
    let _ = writeln!(out, "### Compliance by article\n");
    let _ = writeln!(out, "| Article | Status | Controls |\n|---|---|---|");
    for row in matrix(report) {
        let controls: Vec<String> = row
            .controls
            .iter()
            .map(|(id, o)| format!("{} ({})", cell(id), o.as_str()))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&row.article),
            badge(row.outcome),
            controls.join(", ")
        );
    }
    out.push('\n');
    if !active.is_empty() {
        let _ = writeln!(out, "### Findings\n");
        let _ = writeln!(
            out,
            "| Severity | Control | Where | Finding |\n|---|---|---|---|"
        );
        for f in &active {
            let what = match &f.endpoint {
                Some(e) => format!("{} {} · ", cell(&e.method), code(&e.route)),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {what}{} |",
                f.severity,
                cell(&f.control),
                place(f.file.as_deref(), f.line),
                super::neutral::markdown_message(&f.message)
            );
        }
        out.push('\n');
    }
    let excepted: Vec<_> = report
        .findings
        .iter()
        .filter_map(|f| f.suppression.as_ref().map(|s| (f, s)))
        .collect();
    if !excepted.is_empty() {
        let _ = writeln!(out, "### Waived and suppressed\n");
        let _ = writeln!(out, "| Control | Where | How | Reason |\n|---|---|---|---|");
        for (f, s) in excepted {
            let how = match (&s.owner, &s.expires) {
                (Some(o), Some(e)) => format!("waiver ({}, until {})", cell(o), cell(e)),
                _ if s.kind == SuppressionKind::CommandLine => "command line".to_owned(),
                _ => "inline".to_owned(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {how} | {} |",
                cell(&f.control),
                place(f.file.as_deref(), f.line),
                cell(&s.reason)
            );
        }
        out.push('\n');
    }
    if !report.waivers.is_empty() {
        let _ = writeln!(out, "### Waivers\n");
        let _ = writeln!(
            out,
            "| Control | Paths | Owner | Expires | Status | Findings | Reason |\n|---|---|---|---|---|---|---|"
        );
        for w in &report.waivers {
            let paths = if w.paths.is_empty() {
                "everywhere".to_owned()
            } else {
                w.paths
                    .iter()
                    .map(|p| code(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                out,
                "| {} | {paths} | {} | {} | {} | {} | {} |",
                cell(&w.control),
                cell(&w.owner),
                cell(&w.expires),
                w.status,
                w.matched,
                cell(&w.reason)
            );
        }
        out.push('\n');
    }
    if let Some(b) = &report.baseline {
        let _ = writeln!(
            out,
            "Baseline: {} known finding(s) hidden; {} baseline entr{} fixed.\n",
            b.hidden,
            b.fixed.len(),
            if b.fixed.len() == 1 { "y" } else { "ies" }
        );
        for e in &b.fixed {
            let _ = writeln!(
                out,
                "- fixed: {} {}",
                cell(&e.control),
                super::neutral::markdown_message(&e.message)
            );
        }
        if !b.fixed.is_empty() {
            out.push('\n');
        }
    }
    if !report.endpoints.is_empty() {
        let _ = writeln!(out, "### Endpoints\n");
        let mut header = "| Method | Route | Generates |".to_owned();
        let mut rule = "|---|---|---|".to_owned();
        for (name, _, _) in COLUMNS {
            let _ = write!(header, " {name} |");
            rule.push_str("---|");
        }
        let _ = writeln!(out, "{header} Handler |\n{rule}---|");
        for e in &report.endpoints {
            let mark = |cap: &str, order: Option<&str>| {
                if !e.observable {
                    "?"
                } else if !e.generates {
                    "·"
                } else if e.capabilities.get(cap).is_some_and(|v| {
                    v.iter()
                        .any(|ev| order.is_none() || ev.order.as_deref() == order)
                }) {
                    "✅"
                } else {
                    "❌"
                }
            };
            let mut row = format!(
                "| {} | {} | {} |",
                cell(&e.method),
                code(&e.route),
                if !e.observable {
                    "?"
                } else if e.generates {
                    "yes"
                } else {
                    "no"
                }
            );
            for (_, cap, order) in COLUMNS {
                let _ = write!(row, " {} |", mark(cap, order));
            }
            let _ = writeln!(row, " {} |", code(&e.handler));
            out.push_str(&row);
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "Scanned: {}.\n",
        cell(&genai_gate_scan::report::summary::seen(report))
    );
    let counts: Vec<String> = sc.counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let _ = writeln!(
        out,
        "{} controls: {}. Score = controls passing or waived out of those judged.",
        report.controls.len(),
        counts.join(", ")
    );
    out
}
