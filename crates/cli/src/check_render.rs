//! Human rendering of a check report: findings with snippets (miette), the endpoint table
//! and the control summary. Everything goes to one string, printed on stderr by the caller.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use genai_gate_policy::{PolicySet, Severity};
use genai_gate_scan::judge::exceptions::is_gate_rule;
use genai_gate_scan::report::summary::{Excepted, Outcome, outcome};
use genai_gate_scan::{Finding, Report};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

use crate::render::neutral::{block, line, log_lines};
use crate::table::{Style, Table};

/// Largest file read back to show a snippet.
const MAX_SNIPPET_FILE: u64 = 8 << 20;

/// Width of rendered findings; fixed so output does not depend on the terminal.
const WIDTH: usize = 100;

/// Capabilities shown as columns of the endpoint table, with their headers.
const COLUMNS: [(&str, &str, Option<&str>); 5] = [
    ("in", "moderation.input", Some("before")),
    ("out", "moderation.output", Some("after")),
    ("stop", "generation.stop", Some("after")),
    ("user", "user.check", Some("before")),
    ("audit", "audit.record", None),
];

/// Byte range of a 1-based line (without its newline), trimmed of leading white space.
fn line_span(text: &str, line: u32) -> Option<(usize, usize)> {
    let mut start = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let body = l.trim_end_matches(['\n', '\r']);
            let lead = body.len() - body.trim_start().len();
            return Some((start + lead, body.trim().len().max(1)));
        }
        start += l.len();
    }
    None
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Note => miette::Severity::Advice,
    }
}

/// The text of a file a finding points at, for its snippet: read only if it is a regular file
/// inside the root of a sane size, and neutralised (see [`crate::render::neutral`]).
fn snippet_source(root: &Path, file: &str) -> Option<String> {
    let bytes = genai_gate_scan::read::in_root(root, file, MAX_SNIPPET_FILE).ok()?;
    String::from_utf8(bytes).ok().map(|t| block(&t))
}

fn finding(handler: &GraphicalReportHandler, root: &Path, f: &Finding, out: &mut String) {
    let mut help = line(&f.help);
    if !f.citations.is_empty() {
        let _ = write!(help, "\ncited: {}", line(&f.citations.join("; ")));
    }
    let text = f.file.as_ref().and_then(|file| snippet_source(root, file));
    let mut labels = Vec::new();
    let mut elsewhere = Vec::new();
    if let (Some(file), Some(at), Some(text)) = (&f.file, f.line, &text) {
        if let Some(span) = line_span(text, at) {
            let what = match &f.endpoint {
                Some(e) => format!("handler of {} {}", line(&e.method), line(&e.route)),
                None => "here".to_owned(),
            };
            labels.push(LabeledSpan::new_primary_with_span(Some(what), span));
        }
        for l in &f.labels {
            match (&l.file == file).then(|| line_span(text, l.line)).flatten() {
                Some(span) if l.line != at => {
                    labels.push(LabeledSpan::new_with_span(Some(line(&l.message)), span))
                }
                _ => elsewhere.push(l),
            }
        }
    } else {
        elsewhere.extend(&f.labels);
    }
    for l in elsewhere {
        let _ = write!(help, "\n{}: {}:{}", line(&l.message), line(&l.file), l.line);
    }
    let title = match (&f.file, f.line) {
        (Some(file), Some(n)) if text.is_none() => {
            format!("{} ({}:{n})", line(&f.message), line(file))
        }
        _ => line(&f.message),
    };
    let diag = MietteDiagnostic::new(title)
        .with_code(line(&f.control))
        .with_severity(miette_severity(f.severity))
        .with_help(help)
        .with_labels(labels);
    let report = match (&f.file, text) {
        (Some(file), Some(text)) => {
            miette::Report::new(diag).with_source_code(NamedSource::new(line(file), text))
        }
        _ => miette::Report::new(diag),
    };
    if handler.render_report(out, report.as_ref()).is_err() {
        let _ = writeln!(out, "{}: {}", line(&f.control), line(&f.message));
    }
    out.push('\n');
}

fn mark(style: Style, e: &genai_gate_scan::Endpoint, cap: &str, order: Option<&str>) -> String {
    if !e.observable {
        return "?".into();
    }
    if !e.generates {
        return style.dim("·");
    }
    let found = e.capabilities.get(cap).is_some_and(|v| {
        v.iter()
            .any(|ev| order.is_none() || ev.order.as_deref() == order)
    });
    if found { "✓".into() } else { "✗".into() }
}

/// Waived, suppressed and baselined findings (one line each), expiring waivers, the
/// baseline and pull-request notes.
fn excepted(report: &Report, style: Style, out: &mut String) {
    let mut any = false;
    for f in &report.findings {
        let Some(s) = &f.suppression else { continue };
        any = true;
        let place = match (&f.file, f.line) {
            (Some(file), Some(l)) => format!("{}:{l}", line(file)),
            _ => "repository".to_owned(),
        };
        let how = match (&s.owner, &s.expires) {
            (Some(o), Some(e)) => format!("waived by {} until {}", line(o), line(e)),
            _ if s.file.is_empty() => "ignored on the command line".to_owned(),
            _ => format!("suppressed at {}:{}", line(&s.file), s.line),
        };
        let _ = writeln!(
            out,
            "{}: {} {place}: {} ({how}: {})",
            style.dim("excepted"),
            line(&f.control),
            line(&f.message),
            line(&s.reason)
        );
    }
    if let Some(b) = &report.baseline {
        any = true;
        let _ = writeln!(
            out,
            "{}: {} known finding(s) hidden by the baseline; {} baseline entr{} fixed",
            style.bold("baseline"),
            b.hidden,
            b.fixed.len(),
            if b.fixed.len() == 1 { "y" } else { "ies" }
        );
        for e in &b.fixed {
            let _ = writeln!(out, "  fixed: {} {}", line(&e.control), line(&e.message));
        }
    }
    if let Some(c) = &report.changes {
        any = true;
        let _ = writeln!(
            out,
            "{}: {} file(s) changed since {}; {} finding(s) outside the change not shown (repository-level controls are judged on the whole tree)",
            style.bold("changes"),
            c.changed_files,
            line(&c.since),
            c.out_of_scope
        );
        for x in &c.new_exceptions {
            let reason = x
                .reason
                .as_deref()
                .map_or_else(String::new, |r| format!(" (reason: {})", line(r)));
            let _ = writeln!(
                out,
                "  new in this change: {}:{} {}{reason}",
                line(&x.file),
                x.line,
                line(&x.what)
            );
        }
    }
    if any {
        out.push('\n');
    }
}

/// What was not seen. In fail-closed mode each file is an error finding already; otherwise
/// a warning says that the gate passes only because it runs open here.
fn not_analysed(report: &Report, style: Style, out: &mut String) {
    if report.not_analysed.is_empty() {
        return;
    }
    let closed = report
        .findings
        .iter()
        .any(|f| f.control == genai_gate_scan::judge::fail_closed::NOT_ANALYSED);
    let n = report.not_analysed.len();
    let _ = writeln!(
        out,
        "{}: {n} file{} that could decide the gate {} not fully analysed{}:",
        style.severity(Severity::Warning),
        if n == 1 { "" } else { "s" },
        if n == 1 { "was" } else { "were" },
        if closed {
            ""
        } else {
            "; controls they could affect are not observable, and the gate would fail here \
             in CI or with --fail-closed"
        }
    );
    for a in &report.not_analysed {
        let _ = writeln!(
            out,
            "  {} ({}): may hold {}",
            line(&a.file),
            line(&a.reason),
            line(&a.may_hold)
        );
    }
    out.push('\n');
}

/// Renders the report for people. Scanned text is neutralised (see
/// [`crate::render::neutral`]), and no line of the result can start a workflow command.
pub fn render(report: &Report, root: &Path, set: &PolicySet, color: bool, quiet: bool) -> String {
    log_lines(&render_raw(report, root, set, color, quiet))
}

fn render_raw(report: &Report, root: &Path, set: &PolicySet, color: bool, quiet: bool) -> String {
    let style = Style { color };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false);
    let mut out = String::new();
    let _ = set;
    if report.profile.default && !quiet {
        let _ = writeln!(
            out,
            "{}: {}\n",
            style.bold("note"),
            crate::render::DEFAULT_PROFILE_NOTICE
        );
    }
    // The gate's own findings (a tampered profile, an expired waiver) come first, whatever
    // the applicability: an exempt service can still fail on them.
    let (gate, service): (Vec<&Finding>, Vec<&Finding>) = report
        .findings
        .iter()
        .filter(|f| f.is_active())
        .partition(|f| is_gate_rule(&f.control));
    for f in gate.iter().chain(&service) {
        finding(&handler, root, f, &mut out);
    }
    if !report.applicable.applicable {
        if gate.is_empty() && service.is_empty() {
            let _ = writeln!(
                out,
                "{} {}",
                style.bold("✓"),
                line(&report.applicable.reason)
            );
        } else {
            let _ = writeln!(
                out,
                "{}\n\n{}",
                line(&report.applicable.reason),
                findings_line(report)
            );
        }
        return out;
    }
    excepted(report, style, &mut out);
    for d in &report.diagnostics {
        let place = match d.line {
            Some(l) => format!("{}:{l}: ", line(&d.file)),
            None if d.file.is_empty() => String::new(),
            None => format!("{}: ", line(&d.file)),
        };
        let _ = writeln!(
            out,
            "{}: {place}{} ({})",
            style.severity(Severity::Warning),
            line(&d.message),
            line(&d.kind)
        );
    }
    if !report.diagnostics.is_empty() {
        out.push('\n');
    }
    not_analysed(report, style, &mut out);
    if quiet {
        return out;
    }
    let _ = writeln!(out, "{}", style.bold("Endpoints"));
    if report.endpoints.is_empty() {
        let _ = writeln!(out, "  none recognised");
    } else {
        let mut header = vec!["method", "route", "gen"];
        header.extend(COLUMNS.iter().map(|c| c.0));
        header.push("handler");
        let mut t = Table::new(&header);
        for e in &report.endpoints {
            let gen_mark = if !e.observable {
                "?".to_owned()
            } else if e.generates {
                "✓".to_owned()
            } else {
                style.dim("·")
            };
            let mut row = vec![line(&e.method), line(&e.route), gen_mark];
            row.extend(
                COLUMNS
                    .iter()
                    .map(|(_, cap, order)| mark(style, e, cap, *order)),
            );
            row.push(format!(
                "{} ({}:{})",
                line(&e.handler),
                line(&e.file),
                e.line
            ));
            t.row(row);
        }
        out.push_str(&t.render(2, style));
        let _ = writeln!(out, "  {}", style.dim("in: input moderation before generation · out: output moderation after · stop: stop path · user: user check before · audit: record"));
    }
    let _ = writeln!(
        out,
        "\n{}: {}",
        style.bold("Scanned"),
        genai_gate_scan::report::summary::seen(report)
    );
    out.push('\n');
    let _ = writeln!(out, "{}", style.bold("Controls"));
    let mut t = Table::new(&["control", "status", "severity", "title"]);
    let mut counts: BTreeMap<Outcome, usize> = BTreeMap::new();
    for c in &report.controls {
        // The same outcome as every other format: a failing control whose findings are all
        // waived, suppressed or baselined is `waived`.
        let o = outcome(report, c);
        *counts.entry(o).or_default() += 1;
        let status = match o {
            Outcome::Fail => style.severity(Severity::Error).replace("error", "fail"),
            Outcome::Pass => "pass".into(),
            Outcome::Waived => style
                .severity(Severity::Warning)
                .replace("warning", "waived"),
            Outcome::NotObservable => style.dim("not-observable"),
            Outcome::NotApplicable => style.dim("not-applicable"),
        };
        t.row(vec![
            line(&c.id),
            status,
            style.severity(c.severity),
            line(&c.title),
        ]);
    }
    out.push_str(&t.render(2, style));
    let n = |o| counts.get(&o).copied().unwrap_or(0);
    let counted =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let waived = match n(Outcome::Waived) {
        0 => String::new(),
        w => format!(", {w} waived"),
    };
    let _ = writeln!(
        out,
        "\n{}: {} failed{waived}, {} passed, {} not observable, {} not applicable; {}",
        counted(report.controls.len(), "control", "controls"),
        n(Outcome::Fail),
        n(Outcome::Pass),
        n(Outcome::NotObservable),
        n(Outcome::NotApplicable),
        findings_line(report),
    );
    out
}

/// `10 findings (8 errors, 1 warning, 1 note)`, then what exceptions and the baseline keep
/// from counting (`; not counted: 2 waived, 1 baselined`).
pub fn findings_line(report: &Report) -> String {
    let counted =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let by_sev = |s| {
        report
            .findings
            .iter()
            .filter(|f| f.severity == s && f.is_active())
            .count()
    };
    let active = report.findings.iter().filter(|f| f.is_active()).count();
    let mut line = format!(
        "{} ({}, {}, {})",
        counted(active, "finding", "findings"),
        counted(by_sev(Severity::Error), "error", "errors"),
        counted(by_sev(Severity::Warning), "warning", "warnings"),
        counted(by_sev(Severity::Note), "note", "notes"),
    );
    if let Some(e) = Excepted::of(report).describe() {
        let _ = write!(line, "; not counted: {e}");
    }
    line
}
