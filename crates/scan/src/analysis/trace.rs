//! One endpoint's call paths, for `genai-gate trace`: from its middleware and handler to each
//! generation site and to the hit of each capability the flow found, file and line a step —
//! what a user reads when they doubt a verdict.
//!
//! Paths are found as the flow finds its hits (callees in source order, depth-first, up to
//! [`super::flow::MAX_DEPTH`] levels): the first path to a site is the one the verdict used.

use serde::Serialize;

use super::flow::{Flow, FlowHit, Summary};
use super::graph::{FnId, Workspace};
use crate::report::Endpoint;

/// One step of a call path: a function, and the line in it of the call to the next step (or,
/// for the last step, of the hit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceStep {
    /// The function's qualified path.
    pub function: String,
    /// Its file.
    pub file: String,
    /// The line of the call (or hit).
    pub line: u32,
}

impl std::fmt::Display for TraceStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}:{})", self.function, self.file, self.line)
    }
}

/// A hit the flow found, with how the endpoint reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceItem {
    /// The capability (`generation`, `moderation.input`, …).
    pub capability: String,
    /// What was called, and the detector that recognised it.
    pub what: String,
    /// `before` or `after` the first generation site, when one was located.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// Where the hit is.
    pub file: String,
    /// Its line.
    pub line: u32,
    /// The call path from the middleware or handler to it.
    pub path: Vec<TraceStep>,
}

/// The trace of one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointTrace {
    /// The endpoint as the report lists it.
    pub endpoint: Endpoint,
    /// The middleware that runs before the handler, outermost first.
    pub middleware: Vec<String>,
    /// Every hit, in flow order: what comes before the first generation site, the sites, what
    /// comes after.
    pub items: Vec<TraceItem>,
}

/// The call path from the first of `starts` that reaches `hit` (middleware first, then the
/// handler).
pub(crate) fn path(
    ws: &Workspace,
    flow: &Flow,
    starts: &[FnId],
    hit: &FlowHit,
    paths: &[String],
) -> Option<Vec<TraceStep>> {
    let steps = starts
        .iter()
        .find_map(|start| flow.path_to(*start, hit.file, hit.pos))?;
    Some(
        steps
            .iter()
            .map(|s| TraceStep {
                function: ws.func(s.func).path().into_owned(),
                file: paths[s.func.file].clone(),
                line: s.at.line,
            })
            .collect(),
    )
}

impl EndpointTrace {
    /// The trace of an endpoint whose flow is `summary` (settled), found by `flow` from
    /// `starts` (its middleware, then its handler).
    pub(crate) fn new(
        ws: &Workspace,
        flow: &Flow,
        starts: &[FnId],
        endpoint: Endpoint,
        summary: &Summary,
        paths: &[String],
    ) -> EndpointTrace {
        let located = summary.first_generation.is_some();
        let item = |cap: String, h: &FlowHit, order: Option<&str>| TraceItem {
            capability: cap,
            what: format!("{} ({})", h.label, h.detector),
            order: order.map(str::to_owned),
            file: paths[h.file].clone(),
            line: h.pos.line,
            path: path(ws, flow, starts, h, paths).unwrap_or_default(),
        };
        let by_path = |a: &TraceItem, b: &TraceItem| {
            let key = |i: &TraceItem| {
                i.path
                    .iter()
                    .map(|s| (s.file.clone(), s.line))
                    .collect::<Vec<_>>()
            };
            key(a).cmp(&key(b)).then(a.capability.cmp(&b.capability))
        };
        let mut before: Vec<TraceItem> = summary
            .before
            .iter()
            .map(|(c, h)| item(c.to_string(), h, located.then_some("before")))
            .collect();
        before.sort_by(by_path);
        let sites = summary
            .sites
            .iter()
            .map(|h| item("generation".to_owned(), h, None));
        let mut after: Vec<TraceItem> = summary
            .after
            .iter()
            .filter(|(c, _)| **c != genai_gate_policy::Capability::Generation)
            .map(|(c, h)| item(c.to_string(), h, Some("after")))
            .collect();
        after.sort_by(by_path);
        let middleware = starts[..starts.len().saturating_sub(1)]
            .iter()
            .map(|m| {
                let f = ws.func(*m);
                format!("{} ({}:{})", f.path(), paths[m.file], f.pos().line)
            })
            .collect();
        EndpointTrace {
            endpoint,
            middleware,
            items: before.into_iter().chain(sites).chain(after).collect(),
        }
    }
}
