//! The `expected.toml` of a test case: what `genai-gate check` must find in the case folder,
//! how it compares with a report, and the expectation the actual results make.
//!
//! `before` and `after` list capabilities that must be reached before or after the first
//! generation site (at least these); `absent` those that must not be reached at all. The
//! comparison projects the actual results onto what the expectation pins: the same
//! capabilities, the same controls, the findings of the same controls. A case passes when the
//! projection equals the expectation, and `--update` writes the projection.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use genai_gate_policy::control_order;
use genai_gate_scan::Report;
use serde::Deserialize;

/// Capabilities pinned for a generating endpoint that the expectation does not list yet.
pub const DEFAULT_CAPABILITIES: [&str; 5] = [
    "moderation.input",
    "moderation.output",
    "generation.stop",
    "user.check",
    "audit.record",
];

/// A parsed `expected.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Exit code of `genai-gate check`: 0, 1, or 2 for a profile or pack that does not load.
    pub exit: i32,
    /// Whether the packs apply (the Art. 2 exemption); absent when `exit = 2`.
    #[serde(default)]
    pub applicable: Option<bool>,
    /// Every endpoint, generating or not.
    #[serde(default)]
    pub endpoint: Vec<ExpectedEndpoint>,
    /// Status of the controls pinned: `pass`, `fail`, `not-applicable`, `not-observable`.
    #[serde(default)]
    pub controls: BTreeMap<String, String>,
    /// Findings, by control, file and line: for each control named here, exactly these.
    #[serde(default)]
    pub finding: Vec<ExpectedFinding>,
}

/// One `[[endpoint]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedEndpoint {
    /// `POST`, `GET`, … or `ANY`.
    pub method: String,
    /// The full route.
    pub route: String,
    /// Whether it generates.
    pub generates: bool,
    /// Reached before the first generation site.
    #[serde(default)]
    pub before: Vec<String>,
    /// Reached after it.
    #[serde(default)]
    pub after: Vec<String>,
    /// Not reached at all.
    #[serde(default)]
    pub absent: Vec<String>,
}

/// One `[[finding]]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFinding {
    /// Control id.
    pub control: String,
    /// File, relative to the case folder (absent for a repository-level finding).
    #[serde(default)]
    pub file: Option<String>,
    /// Line.
    #[serde(default)]
    pub line: Option<u32>,
}

/// Whether `text` holds nothing but comments and blank lines: a case to record.
pub fn is_blank(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#'))
}

/// What a case's check gave: its exit code and report, or the error that stopped it (exit 2).
pub enum Outcome {
    /// The check ran.
    Ran(i32, Box<Report>),
    /// Loading the profile or packs failed.
    Failed(String),
}

fn reached(ep: &genai_gate_scan::Endpoint, cap: &str, order: Option<&str>) -> bool {
    ep.capabilities.get(cap).is_some_and(|v| {
        v.iter()
            .any(|e| order.is_none() || e.order.as_deref() == order)
    })
}

/// The actual endpoint, projected onto what `pinned` lists (or, for an endpoint the
/// expectation does not know, onto [`DEFAULT_CAPABILITIES`] when it generates).
fn project_endpoint(
    ep: &genai_gate_scan::Endpoint,
    pinned: Option<&ExpectedEndpoint>,
) -> ExpectedEndpoint {
    let mut out = ExpectedEndpoint {
        method: ep.method.clone(),
        route: ep.route.clone(),
        generates: ep.generates,
        ..Default::default()
    };
    let caps: Vec<String> = match pinned {
        Some(p) => {
            let mut all: Vec<String> = Vec::new();
            for c in p.before.iter().chain(&p.after).chain(&p.absent) {
                if !all.contains(c) {
                    all.push(c.clone());
                }
            }
            all
        }
        None if ep.generates => DEFAULT_CAPABILITIES.iter().map(|c| c.to_string()).collect(),
        None => Vec::new(),
    };
    for cap in caps {
        let (rb, ra, any) = (
            reached(ep, &cap, Some("before")),
            reached(ep, &cap, Some("after")),
            reached(ep, &cap, None),
        );
        let listed =
            |l: fn(&ExpectedEndpoint) -> &Vec<String>| pinned.is_some_and(|p| l(p).contains(&cap));
        let mut kept = false;
        if listed(|p| &p.before) && rb {
            out.before.push(cap.clone());
            kept = true;
        }
        if listed(|p| &p.after) && ra {
            out.after.push(cap.clone());
            kept = true;
        }
        if listed(|p| &p.absent) && !any {
            out.absent.push(cap.clone());
            kept = true;
        }
        if !kept {
            // Where it actually is (a capability reached with no order is left out).
            if rb {
                out.before.push(cap.clone());
            }
            if ra {
                out.after.push(cap.clone());
            }
            if !any {
                out.absent.push(cap);
            }
        }
    }
    out
}

fn finding_key(a: &ExpectedFinding, b: &ExpectedFinding) -> std::cmp::Ordering {
    control_order(&a.control, &b.control)
        .then_with(|| a.file.cmp(&b.file))
        .then_with(|| a.line.cmp(&b.line))
}

/// The actual results as an expectation pinning what `expected` pins; with no expectation
/// (a case to record), everything: every endpoint, control and finding.
pub fn actual(expected: Option<&Expectation>, outcome: &Outcome) -> Expectation {
    let (exit, report) = match outcome {
        Outcome::Failed(_) => {
            return Expectation {
                exit: 2,
                ..Default::default()
            };
        }
        Outcome::Ran(exit, report) => (*exit, report),
    };
    let mut out = Expectation {
        exit,
        applicable: Some(report.applicable.applicable),
        ..Default::default()
    };
    // Endpoints: those expected first, in their order, then the new ones in report order.
    let mut seen: Vec<(&str, &str)> = Vec::new();
    let find = |m: &str, r: &str| {
        report
            .endpoints
            .iter()
            .find(|e| e.method == m && e.route == r)
    };
    for pinned in expected.map(|e| e.endpoint.as_slice()).unwrap_or_default() {
        if let Some(ep) = find(&pinned.method, &pinned.route)
            && !seen.contains(&(&ep.method, &ep.route))
        {
            seen.push((&ep.method, &ep.route));
            out.endpoint.push(project_endpoint(ep, Some(pinned)));
        }
    }
    for ep in &report.endpoints {
        if !seen.contains(&(&ep.method, &ep.route)) {
            seen.push((&ep.method, &ep.route));
            out.endpoint.push(project_endpoint(ep, None));
        }
    }
    // Controls: those pinned, or all.
    for c in &report.controls {
        if expected.is_none_or(|e| e.controls.contains_key(&c.id)) {
            out.controls
                .insert(c.id.clone(), c.status.as_str().to_owned());
        }
    }
    // Findings: of the controls the expectation names findings of, or all.
    let named: Vec<&str> = expected
        .map(|e| e.finding.iter().map(|f| f.control.as_str()).collect())
        .unwrap_or_default();
    out.finding = report
        .findings
        .iter()
        .filter(|f| expected.is_none() || named.contains(&f.control.as_str()))
        .map(|f| ExpectedFinding {
            control: f.control.clone(),
            file: f.file.clone(),
            line: f.line,
        })
        .collect();
    out.finding.sort_by(finding_key);
    out.finding.dedup();
    out
}

/// Whether the actual results meet the expectation.
pub fn meets(expected: &Expectation, actual: &Expectation) -> bool {
    let mut want = expected.clone();
    want.finding.sort_by(finding_key);
    want.finding.dedup();
    let norm = |e: &ExpectedEndpoint| {
        let set = |v: &Vec<String>| {
            let mut v = v.clone();
            v.sort();
            v.dedup();
            v
        };
        (
            e.method.clone(),
            e.route.clone(),
            e.generates,
            set(&e.before),
            set(&e.after),
            set(&e.absent),
        )
    };
    let endpoints = |e: &Expectation| {
        let mut v: Vec<_> = e.endpoint.iter().map(norm).collect();
        v.sort();
        v
    };
    want.exit == actual.exit
        && want.applicable == actual.applicable
        && endpoints(&want) == endpoints(actual)
        && want.controls == actual.controls
        && want.finding == actual.finding
}

/// A TOML string.
pub fn quote(s: &str) -> String {
    toml_edit::Value::from(s).to_string()
}

fn list(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| quote(s)).collect();
    format!("[{}]", items.join(", "))
}

/// The expectation as TOML, in the order of the fixtures' files: the form compared in a
/// failure's diff, and the text of a case recorded for the first time.
pub fn to_toml(e: &Expectation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "exit = {}", e.exit);
    if let Some(a) = e.applicable {
        let _ = writeln!(out, "applicable = {a}");
    }
    for ep in &e.endpoint {
        let _ = writeln!(
            out,
            "\n[[endpoint]]\nmethod = {}\nroute = {}\ngenerates = {}",
            quote(&ep.method),
            quote(&ep.route),
            ep.generates
        );
        for (key, v) in [
            ("before", &ep.before),
            ("after", &ep.after),
            ("absent", &ep.absent),
        ] {
            if ep.generates || !v.is_empty() {
                let _ = writeln!(out, "{key} = {}", list(v));
            }
        }
    }
    if !e.controls.is_empty() {
        out.push_str("\n[controls]\n");
        let mut ids: Vec<&String> = e.controls.keys().collect();
        ids.sort_by(|a, b| control_order(a, b));
        for id in ids {
            let _ = writeln!(out, "{} = {}", quote(id), quote(&e.controls[id]));
        }
    }
    let mut findings = e.finding.clone();
    findings.sort_by(finding_key);
    for f in &findings {
        let _ = write!(out, "\n[[finding]]\ncontrol = {}\n", quote(&f.control));
        if let Some(file) = &f.file {
            let _ = writeln!(out, "file = {}", quote(file));
        }
        if let Some(line) = f.line {
            let _ = writeln!(out, "line = {line}");
        }
    }
    out
}
