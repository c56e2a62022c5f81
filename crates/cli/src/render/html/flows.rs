//! The endpoint table and, per generation endpoint, its flow: the call path from the handler
//! to each generation site and where each capability sits before or after it — from
//! [`genai_gate_scan::trace`], or from the report when an endpoint cannot be traced again.

use genai_gate_scan::analysis::trace::EndpointTrace;
use genai_gate_scan::{Endpoint, ScanOptions};

use super::Place;
use super::source::Sources;
use crate::check_cmd::{CheckArgs, Scanned};

/// Endpoints traced again for their call paths; beyond, the report's first path is shown.
const MAX_TRACED: usize = 40;
/// Steps of a flow shown with their code.
const SNIPPETS_PER_FLOW: usize = 12;

/// Capabilities shown as columns of the endpoint table: header, capability, required order.
const COLUMNS: [(&str, &str, Option<&str>); 5] = [
    ("input moderation", "moderation.input", Some("before")),
    ("output moderation", "moderation.output", Some("after")),
    ("stop path", "generation.stop", Some("after")),
    ("user check", "user.check", Some("before")),
    ("record", "audit.record", None),
];

/// A mark in the endpoint table: CSS class, symbol, what it means.
pub type Mark = (&'static str, &'static str, String);

/// A row of the endpoint table.
pub struct EndpointRow {
    pub method: String,
    pub route: String,
    pub generates: Mark,
    pub marks: Vec<Mark>,
    pub handler: String,
    pub place: Place,
    pub anchor: String,
}

/// One step of a call path.
pub struct PathStep {
    pub function: String,
    pub place: Place,
}

/// A hit on the endpoint's flow.
pub struct FlowStep {
    pub phase: &'static str,
    pub capability: String,
    pub what: String,
    pub place: Place,
    pub path: Vec<PathStep>,
}

/// A generation endpoint's flow.
pub struct FlowView {
    pub anchor: String,
    pub method: String,
    pub route: String,
    pub handler: String,
    pub place: Place,
    pub signals: String,
    pub note: String,
    pub middleware: Vec<String>,
    pub steps: Vec<FlowStep>,
    pub missing: Vec<String>,
}

/// The column headers of the endpoint table.
pub fn columns() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.0).collect()
}

fn reached(e: &Endpoint, cap: &str, order: Option<&str>) -> bool {
    e.capabilities.get(cap).is_some_and(|v| {
        v.iter()
            .any(|ev| order.is_none() || ev.order.as_deref() == order)
    })
}

fn mark(e: &Endpoint, cap: &str, order: Option<&str>) -> Mark {
    if !e.observable {
        return ("unknown", "?", "could not be followed".into());
    }
    if !e.generates {
        return ("none", "·", "does not generate".into());
    }
    let when = order
        .map(|o| format!(" {o} generation"))
        .unwrap_or_default();
    if reached(e, cap, order) {
        ("yes", "✓", format!("{cap} reached{when}"))
    } else {
        ("no", "✗", format!("{cap} not reached{when}"))
    }
}

fn bare(src: &Sources, file: &str, line: u32) -> Place {
    Place {
        text: format!("{file}:{line}"),
        link: src.link(file, Some(line)),
        snippet: Vec::new(),
    }
}

/// `function (file:line)` as the report writes a path step.
fn parse_step(s: &str) -> (String, String, u32) {
    let Some((func, rest)) = s.rsplit_once(" (") else {
        return (s.to_owned(), String::new(), 0);
    };
    let place = rest.trim_end_matches(')');
    let (file, line) = place.rsplit_once(':').unwrap_or((place, "0"));
    (func.to_owned(), file.to_owned(), line.parse().unwrap_or(0))
}

fn from_trace(t: &EndpointTrace, src: &Sources) -> (Vec<String>, Vec<FlowStep>) {
    let located = t
        .endpoint
        .generation
        .as_ref()
        .is_some_and(|g| !g.sites.is_empty());
    let steps = t
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| FlowStep {
            phase: match (item.capability.as_str(), item.order.as_deref()) {
                ("generation", _) => "site",
                (_, Some("before")) if located => "before",
                (_, Some("after")) => "after",
                _ => "reached",
            },
            capability: item.capability.clone(),
            what: item.what.clone(),
            place: if i < SNIPPETS_PER_FLOW {
                src.place(&item.file, Some(item.line))
            } else {
                bare(src, &item.file, item.line)
            },
            path: item
                .path
                .iter()
                .map(|p| PathStep {
                    function: p.function.clone(),
                    place: bare(src, &p.file, p.line),
                })
                .collect(),
        })
        .collect();
    (t.middleware.clone(), steps)
}

/// The flow from the report alone: capabilities by order, the sites, and the path to the
/// first site.
fn from_report(e: &Endpoint, src: &Sources) -> Vec<FlowStep> {
    let mut steps = Vec::new();
    let hits = |order: Option<&str>| {
        e.capabilities
            .iter()
            .filter(|(cap, _)| cap.as_str() != "generation")
            .flat_map(|(cap, evs)| evs.iter().map(move |ev| (cap, ev)))
            .filter(move |(_, ev)| ev.order.as_deref() == order)
            .collect::<Vec<_>>()
    };
    let step = |phase, cap: &str, ev: &genai_gate_scan::Evidence, path: Vec<PathStep>| FlowStep {
        phase,
        capability: cap.to_owned(),
        what: ev.what.clone(),
        place: src.place(&ev.file, Some(ev.line)),
        path,
    };
    for (cap, ev) in hits(Some("before")) {
        steps.push(step("before", cap, ev, Vec::new()));
    }
    if let Some(g) = &e.generation {
        for (i, site) in g.sites.iter().enumerate() {
            let path = if i == 0 {
                g.path
                    .iter()
                    .map(|p| {
                        let (function, file, line) = parse_step(p);
                        PathStep {
                            function,
                            place: bare(src, &file, line),
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            };
            steps.push(step("site", "generation", site, path));
        }
    }
    for (cap, ev) in hits(Some("after")) {
        steps.push(step("after", cap, ev, Vec::new()));
    }
    for (cap, ev) in hits(None) {
        steps.push(step("reached", cap, ev, Vec::new()));
    }
    steps
}

/// The endpoint table and the flows of the generation endpoints.
pub fn build(s: &Scanned, args: &CheckArgs, src: &Sources) -> (Vec<EndpointRow>, Vec<FlowView>) {
    let report = &s.report;
    let opts = ScanOptions {
        jobs: args.jobs,
        profile_file: report.profile.file.clone(),
        strict: args.strict,
        cache_dir: crate::check_cmd::cache_dir(args, &s.root),
        prefilter: args.prefilter,
        ..ScanOptions::default()
    };
    let mut rows = Vec::new();
    let mut flows = Vec::new();
    let mut traced = 0;
    for (i, e) in report.endpoints.iter().enumerate() {
        let anchor = if e.generates {
            format!("flow-{}", i + 1)
        } else {
            String::new()
        };
        rows.push(EndpointRow {
            method: e.method.clone(),
            route: e.route.clone(),
            generates: if !e.observable {
                ("unknown", "?", "could not be followed".into())
            } else if e.generates {
                ("yes", "✓", "generates".into())
            } else {
                ("none", "·", "does not generate".into())
            },
            marks: COLUMNS.iter().map(|(_, c, o)| mark(e, c, *o)).collect(),
            handler: e.handler.clone(),
            place: bare(src, &e.file, e.line),
            anchor: anchor.clone(),
        });
        if !e.generates {
            continue;
        }
        let trace = if traced < MAX_TRACED {
            traced += 1;
            genai_gate_scan::trace(&s.policy, &s.root, &opts, &e.method, &e.route)
                .ok()
                .flatten()
                .filter(|t| t.endpoint.handler == e.handler)
        } else {
            None
        };
        let mut note = String::new();
        let (middleware, steps) = match &trace {
            Some(t) => from_trace(t, src),
            None => {
                note = "the call path is shown to the first generation site only".into();
                (Vec::new(), from_report(e, src))
            }
        };
        let g = e.generation.as_ref();
        if g.is_some_and(|g| g.sites.is_empty()) {
            note = "no generation site could be located: what runs before or after it is not observable".into();
        }
        if !e.observable {
            note = "the handler could not be followed (see what was not seen)".into();
        }
        let missing = COLUMNS
            .iter()
            .filter(|(_, cap, order)| !reached(e, cap, *order))
            .map(|(_, cap, order)| match order {
                Some(o) if reached(e, cap, None) => {
                    format!("{cap}: reached, but not {o} generation")
                }
                Some(o) => format!("{cap}: not reached (needed {o} generation)"),
                None => format!("{cap}: not reached"),
            })
            .collect();
        flows.push(FlowView {
            anchor,
            method: e.method.clone(),
            route: e.route.clone(),
            handler: e.handler.clone(),
            place: bare(src, &e.file, e.line),
            signals: g.map(|g| g.signals.join(", ")).unwrap_or_default(),
            note,
            middleware,
            steps,
            missing,
        });
    }
    (rows, flows)
}
