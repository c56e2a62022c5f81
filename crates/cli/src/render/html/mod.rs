//! The HTML compliance report (`check --format html`): one self-contained document for the
//! people who sign off — a filing, a self-assessment, an auditor's question.
//!
//! The page is an [askama] template (`crates/cli/templates/report.html`, checked when the
//! binary is built) over the view built here from the report: every piece of scanned text
//! reaches the page through the template's HTML escaping, never through string building. CSS
//! is inline, there is no script, and a Content-Security-Policy forbids fetching anything, so
//! the file reads the same opened from disk, attached to a ticket or printed to PDF (a print
//! stylesheet lays it out on A4).

mod flows;
mod highlight;
mod source;

use askama::Template;
use genai_gate_policy::{EffectivePolicy, PolicySet};
use genai_gate_scan::Report;
use genai_gate_scan::report::summary::{self, Outcome, outcome};

use crate::Globals;
use crate::check_cmd::{CheckArgs, Scanned};
pub use source::check_link_template;
use source::{Checkout, SnippetLine, Sources};

/// A place in the scanned repository, with its link and code.
pub struct Place {
    /// `file:line` (or the file alone).
    pub text: String,
    /// The link, when `--link-template` was given.
    pub link: Option<String>,
    /// The cited line with a few around it.
    pub snippet: Vec<SnippetLine>,
}

/// One citation with the article's title.
pub struct Citation {
    text: String,
    title: String,
}

/// A row of the article matrix.
pub struct MatrixRow {
    article: String,
    title: String,
    outcome: &'static str,
    controls: Vec<(String, &'static str)>,
    counts: String,
}

/// One piece of evidence of a control.
pub struct EvidenceView {
    what: String,
    order: String,
    place: Place,
}

/// A secondary place of a finding.
pub struct LabelView {
    message: String,
    place: Place,
}

/// A finding under its control.
pub struct FindingView {
    severity: &'static str,
    message: String,
    endpoint: String,
    place: Option<Place>,
    labels: Vec<LabelView>,
    excepted: String,
}

/// A control's section.
pub struct ControlView {
    id: String,
    title: String,
    outcome: &'static str,
    severity: &'static str,
    scope: String,
    citations: Vec<Citation>,
    obligation: String,
    help: String,
    reason: String,
    requires: Vec<String>,
    changes: Vec<String>,
    evidence: Vec<EvidenceView>,
    findings: Vec<FindingView>,
}

/// A row of a plain table.
pub type Row = Vec<String>;

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    service: String,
    verdict: &'static str,
    verdict_word: &'static str,
    facts: Vec<(String, String)>,
    packs: Vec<Row>,
    notes: Vec<String>,
    counts: Vec<(&'static str, &'static str, usize)>,
    findings_line: String,
    applicable: bool,
    applicability: String,
    matrix: Vec<MatrixRow>,
    matrix_not_applicable: Vec<MatrixRow>,
    controls: Vec<ControlView>,
    columns: Vec<&'static str>,
    endpoints: Vec<flows::EndpointRow>,
    flows: Vec<flows::FlowView>,
    waivers: Vec<Row>,
    excepted: Vec<Row>,
    baseline: Vec<String>,
    diagnostics: Vec<Row>,
    not_analysed: Vec<Row>,
    scanned: String,
    unobservable: Vec<String>,
    generated: String,
}

/// Evidence with a snippet shown per control; the rest are listed without code.
const SNIPPETS_PER_CONTROL: usize = 6;

/// The CSS class of an outcome.
fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Fail => "fail",
        Outcome::Waived => "waived",
        Outcome::NotObservable => "not-observable",
        Outcome::Pass => "pass",
        Outcome::NotApplicable => "not-applicable",
    }
}

impl Sources {
    /// A place with its link and snippet.
    fn place(&self, file: &str, line: Option<u32>) -> Place {
        Place {
            text: match line {
                Some(l) => format!("{file}:{l}"),
                None => file.to_owned(),
            },
            link: self.link(file, line),
            snippet: line.map(|l| self.snippet(file, l)).unwrap_or_default(),
        }
    }
}

/// The article of a citation, with its title, from the packs in force.
fn citation(set: &PolicySet, policy: &EffectivePolicy, text: &str) -> Citation {
    let title = policy
        .packs
        .iter()
        .rev()
        .filter_map(|p| set.pack(&p.id))
        .find_map(|p| p.cited(text))
        .map(|c| c.title().to_owned())
        .unwrap_or_default();
    Citation {
        text: text.to_owned(),
        title,
    }
}

fn matrix(s: &Scanned) -> (Vec<MatrixRow>, Vec<MatrixRow>) {
    let mut rows = Vec::new();
    let mut not_applicable = Vec::new();
    for r in summary::matrix(&s.report) {
        let mut counts: Vec<(Outcome, usize)> = Vec::new();
        for (_, o) in &r.controls {
            match counts.iter_mut().find(|(x, _)| x == o) {
                Some(c) => c.1 += 1,
                None => counts.push((*o, 1)),
            }
        }
        counts.sort();
        let row = MatrixRow {
            title: citation(&s.set, &s.policy, &r.article).title,
            article: r.article,
            outcome: outcome_class(r.outcome),
            controls: r
                .controls
                .iter()
                .map(|(id, o)| (id.clone(), outcome_class(*o)))
                .collect(),
            counts: counts
                .iter()
                .map(|(o, n)| format!("{n} {}", o.as_str()))
                .collect::<Vec<_>>()
                .join(" · "),
        };
        if r.outcome == Outcome::NotApplicable {
            not_applicable.push(row);
        } else {
            rows.push(row);
        }
    }
    (rows, not_applicable)
}

/// Where a label points: a pack line (shown from the pack's text, no link) or the repository.
fn label_place(s: &Scanned, src: &Sources, file: &str, line: u32) -> Place {
    if let Some(pack) = s.set.sources.iter().find(|f| f.name == file) {
        let lines: Vec<&str> = pack.text.lines().collect();
        let snippet = (line.saturating_sub(1).max(1)..=(line + 1).min(lines.len() as u32))
            .map(|n| SnippetLine {
                number: n,
                cited: n == line,
                tokens: highlight::line(lines[n as usize - 1], highlight::Lang::Config),
            })
            .collect();
        return Place {
            text: format!("{file}:{line}"),
            link: None,
            snippet,
        };
    }
    src.place(file, Some(line))
}

fn finding_view(s: &Scanned, src: &Sources, f: &genai_gate_scan::Finding) -> FindingView {
    let excepted = match (&f.suppression, f.baselined) {
        (Some(x), _) => match (&x.owner, &x.expires) {
            (Some(o), Some(e)) => format!(
                "waived by {o} until {e} ({}:{}): {}",
                x.file, x.line, x.reason
            ),
            _ if x.file.is_empty() => format!("left out on the command line: {}", x.reason),
            _ => format!("suppressed at {}:{}: {}", x.file, x.line, x.reason),
        },
        (None, true) => "recorded in the baseline: not counted".to_owned(),
        (None, false) => String::new(),
    };
    FindingView {
        severity: f.severity.as_str(),
        message: f.message.clone(),
        endpoint: f
            .endpoint
            .as_ref()
            .map(|e| format!("{} {}", e.method, e.route))
            .unwrap_or_default(),
        place: f.file.as_ref().map(|file| src.place(file, f.line)),
        labels: f
            .labels
            .iter()
            .map(|l| LabelView {
                message: l.message.clone(),
                place: label_place(s, src, &l.file, l.line),
            })
            .collect(),
        excepted,
    }
}

fn controls(s: &Scanned, src: &Sources) -> Vec<ControlView> {
    let report = &s.report;
    report
        .controls
        .iter()
        .map(|c| {
            let ec = s.policy.control(&c.id);
            let control = ec.map(|e| &e.control);
            let requires = control
                .map(|k| {
                    k.requirements
                        .iter()
                        .map(|r| {
                            let mut t = r.capability.to_string();
                            if let Some(o) = r.order {
                                t.push_str(&format!(" {o} generation"));
                            }
                            if let Some(p) = &r.config {
                                t.push_str(&format!(", config `{p}`"));
                            }
                            if let Some(d) = &r.document {
                                t.push_str(&format!(", a document ({})", d.paths.join(", ")));
                            }
                            t
                        })
                        .collect()
                })
                .unwrap_or_default();
            let changes = ec
                .map(|e| {
                    e.changes
                        .iter()
                        .map(|ch| format!("{} by `{}`: {}", ch.action, ch.pack, ch.reason))
                        .collect()
                })
                .unwrap_or_default();
            let evidence: Vec<EvidenceView> = c
                .evidence
                .iter()
                .enumerate()
                .map(|(i, e)| EvidenceView {
                    what: e.what.clone(),
                    order: e.order.clone().unwrap_or_default(),
                    place: if i < SNIPPETS_PER_CONTROL {
                        src.place(&e.file, Some(e.line))
                    } else {
                        Place {
                            text: format!("{}:{}", e.file, e.line),
                            link: src.link(&e.file, Some(e.line)),
                            snippet: Vec::new(),
                        }
                    },
                })
                .collect();
            ControlView {
                id: c.id.clone(),
                title: c.title.clone(),
                outcome: outcome_class(outcome(report, c)),
                severity: c.severity.as_str(),
                scope: c.scope.clone(),
                citations: c
                    .citations
                    .iter()
                    .map(|t| citation(&s.set, &s.policy, t))
                    .collect(),
                obligation: control.map(|k| k.obligation.clone()).unwrap_or_default(),
                help: control.and_then(|k| k.help.clone()).unwrap_or_default(),
                reason: c.reason.clone().unwrap_or_default(),
                requires,
                changes,
                evidence,
                findings: report
                    .findings
                    .iter()
                    .filter(|f| f.control == c.id)
                    .map(|f| finding_view(s, src, f))
                    .collect(),
            }
        })
        .collect()
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Renders the report as one HTML document.
pub fn render(s: &Scanned, args: &CheckArgs, globals: &Globals) -> anyhow::Result<String> {
    let report: &Report = &s.report;
    let checkout = Checkout::of(&s.root);
    let src = Sources::new(&s.root, args.link_template.clone(), checkout.clone());
    let svc = &report.profile.service;
    let join = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(", ")
        }
    };
    let today = crate::check_cmd::today(args)?;
    let mut facts = vec![
        ("Service".to_owned(), svc.name.clone()),
        (
            "Offered".to_owned(),
            format!(
                "{} in {}",
                if svc.public {
                    "to the public"
                } else {
                    "in-house (not public)"
                },
                join(svc.regions.clone())
            ),
        ),
        (
            "Modalities".to_owned(),
            join(svc.modalities.iter().map(ToString::to_string).collect()),
        ),
        (
            "Sectors".to_owned(),
            join(svc.sectors.iter().map(ToString::to_string).collect()),
        ),
        (
            "Attributes".to_owned(),
            format!(
                "public opinion: {}; serves minors: {}; trains models: {}",
                yes_no(svc.public_opinion),
                yes_no(svc.serves_minors),
                yes_no(svc.trains_models)
            ),
        ),
        (
            "Profile".to_owned(),
            match (&report.profile.file, report.profile.default) {
                (_, true) => "none found: the embedded default profile".to_owned(),
                (Some(f), false) => f.clone(),
                (None, false) => "given outside the scanned folder".to_owned(),
            },
        ),
        ("Scanned folder".to_owned(), s.root.display().to_string()),
        (
            "Commit".to_owned(),
            match &checkout {
                Some(c) if c.dirty => format!("{} (with uncommitted changes)", c.commit),
                Some(c) => c.commit.clone(),
                None => "not a git checkout".to_owned(),
            },
        ),
        ("Date".to_owned(), today.clone()),
        (
            "Tool".to_owned(),
            format!("{} {}", report.tool.name, report.tool.version),
        ),
    ];
    if let Some(ch) = &report.changes {
        facts.push((
            "Changes".to_owned(),
            format!(
                "pull-request mode since {}: {} changed file(s), {} finding(s) outside the change not shown",
                ch.since, ch.changed_files, ch.out_of_scope
            ),
        ));
    }
    let mut packs: Vec<Row> = report
        .packs
        .iter()
        .map(|p| {
            let title = s
                .set
                .pack(&p.id)
                .map(|k| k.meta.title.clone())
                .unwrap_or_default();
            vec![p.id.clone(), p.version.clone(), p.kind.to_string(), title]
        })
        .collect();
    packs.extend(s.set.catalogues.iter().map(|c| {
        vec![
            c.id.clone(),
            c.version.clone(),
            "detector catalogue".to_owned(),
            format!(
                "{} detectors, {} traps",
                c.detectors.len(),
                c.negatives.len()
            ),
        ]
    }));
    let mut notes = s.notes.clone();
    if report.profile.default {
        notes.push(super::DEFAULT_PROFILE_NOTICE.to_owned());
    }
    if args.link_template.is_some() && checkout.is_none() {
        notes.push("no links to the code: the scanned folder is not a git checkout, and the link template names {commit}".to_owned());
    }
    let failing = crate::check_cmd::exit_code(report, args.fail_on) != crate::Exit::Ok;
    let (verdict, verdict_word) = match (failing, report.applicable.applicable) {
        (true, _) => ("fail", "Fails the gate"),
        (false, false) => ("not-applicable", "Not applicable"),
        (false, true) => ("pass", "Passes the gate"),
    };
    let mut counts = Vec::new();
    for o in [
        Outcome::Fail,
        Outcome::Waived,
        Outcome::NotObservable,
        Outcome::Pass,
        Outcome::NotApplicable,
    ] {
        let n = report
            .controls
            .iter()
            .filter(|c| outcome(report, c) == o)
            .count();
        counts.push((outcome_class(o), o.as_str(), n));
    }
    let (matrix, matrix_not_applicable) = matrix(s);
    let waivers = report
        .waivers
        .iter()
        .map(|w| {
            vec![
                w.control.clone(),
                w.status.clone(),
                w.reason.clone(),
                w.owner.clone(),
                w.expires.clone(),
                if w.paths.is_empty() {
                    "everywhere".to_owned()
                } else {
                    w.paths.join(", ")
                },
                w.matched.to_string(),
                format!("{}:{}", w.file, w.line),
            ]
        })
        .collect();
    let excepted = report
        .findings
        .iter()
        .filter(|f| !f.is_active())
        .map(|f| {
            let v = finding_view(s, &src, f);
            vec![
                f.control.clone(),
                v.place
                    .map(|p| p.text)
                    .unwrap_or_else(|| "repository".to_owned()),
                f.message.clone(),
                v.excepted,
            ]
        })
        .collect();
    let baseline = report
        .baseline
        .iter()
        .flat_map(|b| {
            std::iter::once(format!(
                "{} known finding(s) hidden by the baseline; {} entr{} fixed since it was written",
                b.hidden,
                b.fixed.len(),
                if b.fixed.len() == 1 { "y" } else { "ies" }
            ))
            .chain(
                b.fixed
                    .iter()
                    .map(|e| format!("fixed: {} {}", e.control, e.message)),
            )
        })
        .collect();
    let diagnostics = report
        .diagnostics
        .iter()
        .map(|d| {
            vec![
                d.kind.clone(),
                match d.line {
                    Some(l) => format!("{}:{l}", d.file),
                    None => d.file.clone(),
                },
                d.message.clone(),
            ]
        })
        .collect();
    let not_analysed = report
        .stats
        .not_analysed
        .iter()
        .map(|(lang, n)| {
            vec![
                lang.clone(),
                n.files.to_string(),
                n.service_files.to_string(),
                n.examples.join(", "),
            ]
        })
        .collect();
    let unobservable = report
        .endpoints
        .iter()
        .filter(|e| !e.observable)
        .map(|e| format!("{} {} ({}:{})", e.method, e.route, e.file, e.line))
        .collect();
    let (endpoints, flows) = flows::build(s, args, &src);
    let page = Page {
        service: svc.name.clone(),
        verdict,
        verdict_word,
        facts,
        packs,
        notes,
        counts,
        findings_line: crate::check_render::findings_line(report),
        applicable: report.applicable.applicable,
        applicability: report.applicable.reason.clone(),
        matrix,
        matrix_not_applicable,
        controls: controls(s, &src),
        columns: flows::columns(),
        endpoints,
        flows,
        waivers,
        excepted,
        baseline,
        diagnostics,
        not_analysed,
        scanned: summary::seen(report),
        unobservable,
        generated: format!("{} {} on {today}", report.tool.name, report.tool.version),
    };
    let _ = globals;
    Ok(page.render()?)
}
