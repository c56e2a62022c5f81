//! JUnit XML for GitLab, Jenkins and Azure: a test suite per pack, a test case per control
//! and, for endpoint-scoped controls, per generation endpoint; the gate's own rules in a
//! `genai-gate` suite. Waived and suppressed cases are skipped with their justification.

use std::fmt::Write as _;

use genai_gate_policy::EffectivePolicy;
use genai_gate_scan::judge::exceptions::GATE_RULES;
use genai_gate_scan::{Finding, Report, Status};

use super::neutral::line;

/// Scanned text for XML attributes and content: neutralised (see [`super::neutral`]: no
/// control character, no U+FFFE or U+FFFF, no line break), then escaped. A character XML 1.0
/// forbids that got past is replaced by U+FFFD.
fn esc(s: &str) -> String {
    xml(&super::neutral::line(s))
}

/// [`esc`] for text whose own line breaks are kept (the parts were neutralised already).
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || matches!(c, '\u{fffe}' | '\u{ffff}') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[derive(Default)]
struct Suite {
    cases: String,
    tests: usize,
    failures: usize,
    skipped: usize,
}

impl Suite {
    fn case(&mut self, class: &str, name: &str, findings: &[&Finding], skip: Option<String>) {
        self.tests += 1;
        let _ = write!(
            self.cases,
            "    <testcase classname=\"{}\" name=\"{}\">",
            esc(class),
            esc(name)
        );
        let active: Vec<&&Finding> = findings.iter().filter(|f| f.is_active()).collect();
        let excepted: Vec<&&Finding> = findings.iter().filter(|f| !f.is_active()).collect();
        if let Some(first) = active.first() {
            self.failures += 1;
            let body: Vec<String> = active
                .iter()
                .map(|f| {
                    let at = match (&f.file, f.line) {
                        (Some(file), Some(l)) => format!("{}:{l}: ", line(file)),
                        _ => String::new(),
                    };
                    format!(
                        "{at}{} [{}]\nhelp: {}",
                        line(&f.message),
                        f.severity,
                        line(&f.help)
                    )
                })
                .collect();
            let _ = write!(
                self.cases,
                "\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    ",
                esc(&first.message),
                first.severity,
                xml(&body.join("\n"))
            );
        } else if let Some(f) = excepted.first() {
            self.skipped += 1;
            let why = match &f.suppression {
                Some(s) => format!("waived: {}", s.reason),
                None => "recorded in the baseline".to_owned(),
            };
            let _ = write!(
                self.cases,
                "\n      <skipped message=\"{}\"/>\n    ",
                esc(&why)
            );
        } else if let Some(why) = skip {
            self.skipped += 1;
            let _ = write!(
                self.cases,
                "\n      <skipped message=\"{}\"/>\n    ",
                esc(&why)
            );
        }
        self.cases.push_str("</testcase>\n");
    }
}

/// The report as JUnit XML.
pub fn render(report: &Report, policy: &EffectivePolicy) -> String {
    let mut suites: Vec<(String, Suite)> = Vec::new();
    fn suite(suites: &mut Vec<(String, Suite)>, name: &str) -> usize {
        match suites.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                suites.push((name.to_owned(), Suite::default()));
                suites.len() - 1
            }
        }
    }
    let generating: Vec<_> = report.endpoints.iter().filter(|e| e.generates).collect();
    for c in &report.controls {
        let pack = policy
            .control(&c.id)
            .map(|ec| super::pack_of(policy, ec))
            .unwrap_or_else(|| "genai-gate".into());
        let i = suite(&mut suites, &pack);
        let of: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.control == c.id)
            .collect();
        let skip = match c.status {
            Status::NotApplicable | Status::NotObservable => Some(format!(
                "{}: {}",
                c.status.as_str(),
                c.reason.as_deref().unwrap_or("")
            )),
            _ => None,
        };
        let s = &mut suites[i].1;
        s.case(&pack, &format!("{} {}", c.id, c.title), &of, skip.clone());
        if c.scope == "endpoint" && skip.is_none() {
            for e in &generating {
                let at: Vec<&Finding> = of
                    .iter()
                    .copied()
                    .filter(|f| {
                        f.endpoint
                            .as_ref()
                            .is_some_and(|x| x.method == e.method && x.route == e.route)
                    })
                    .collect();
                s.case(
                    &pack,
                    &format!("{} {} {}", c.id, e.method, e.route),
                    &at,
                    None,
                );
            }
        }
    }
    let gi = suite(&mut suites, "genai-gate");
    for r in GATE_RULES {
        let of: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.control == r.id)
            .collect();
        suites[gi]
            .1
            .case("genai-gate", &format!("{} {}", r.id, r.title), &of, None);
    }
    let (tests, failures, skipped) = suites.iter().fold((0, 0, 0), |a, (_, s)| {
        (a.0 + s.tests, a.1 + s.failures, a.2 + s.skipped)
    });
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"genai-gate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    );
    for (name, s) in &suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
            esc(name),
            s.tests,
            s.failures,
            s.skipped
        );
        if report.profile.default {
            let _ = writeln!(
                out,
                "    <properties>\n      <property name=\"profile\" value=\"{}\"/>\n    </properties>",
                esc(&format!(
                    "embedded default: {}",
                    super::DEFAULT_PROFILE_NOTICE
                ))
            );
        }
        out.push_str(&s.cases);
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
