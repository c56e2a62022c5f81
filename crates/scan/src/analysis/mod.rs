//! Whole-workspace analysis over the facts of every file.
//!
//! - [`graph`] — the workspace index: functions, `use` aliases, constants, call resolution;
//! - [`endpoints`] — route registrations joined with their mounts and middleware;
//! - [`flow`] — what each handler reaches before and after its first generation call;
//! - [`generation`] — whether an endpoint generates, from its calls, route, request and response;
//! - [`inert`] — stub handlers, whose whole flow is known to reach no model;
//! - [`modality`] — what a generation endpoint outputs (text, image, audio, video);
//! - [`evidence`] — repository-level evidence from code hits, config and documents;
//! - [`trace`] — one endpoint's call paths, for `genai-gate trace`.
//!
//! [`analyse`] is the stage of a scan that runs them: it turns the slim facts of every
//! source file into the endpoint inventory, each endpoint with its flow.

pub mod endpoints;
pub mod evidence;
pub mod flow;
pub mod generation;
pub mod graph;
pub mod inert;
pub mod modality;
pub mod trace;

use std::collections::{BTreeMap, BTreeSet};

use genai_gate_policy::{Capability, Detector, GenerationSignal, Modality};

use crate::facts::Pos;
use crate::facts::slim::SlimFile;
use crate::packages::Package;
use crate::report::{Endpoint, Evidence, Generation, Place, ScanDiagnostic};
use flow::{Flow, FlowHit, Summary};
use generation::{Decision, Shape};
use graph::{FnId, Workspace};

/// An endpoint with its flow, as the verdicts need it.
#[derive(Debug)]
pub struct AnalysedEndpoint {
    /// Method.
    pub method: String,
    /// Route.
    pub route: String,
    /// Handler path.
    pub handler: String,
    /// Handler file and line (primary location of findings).
    pub file: String,
    /// Line.
    pub line: u32,
    /// Byte offset.
    pub offset: u32,
    /// The flow, when observable. Without a located generation site, every hit is in
    /// [`Summary::before`].
    pub summary: Option<Summary>,
    /// Why the endpoint generates, when it does.
    pub generation: Option<Decision>,
    /// What a generating endpoint outputs (see [`modality`]); empty when undecided (every
    /// modality of the profile then applies).
    pub modalities: Vec<Modality>,
}

impl AnalysedEndpoint {
    /// Whether the endpoint generates.
    pub fn generates(&self) -> bool {
        self.generation.is_some()
    }

    /// Whether the endpoint generates and its generation site was located, so that before and
    /// after mean something.
    pub fn site_located(&self) -> bool {
        self.generates()
            && self
                .summary
                .as_ref()
                .is_some_and(|s| s.first_generation.is_some())
    }
}

/// What the analysis of a workspace gives.
#[derive(Debug, Default)]
pub struct Analysis {
    /// The endpoints with their flows, for the verdicts.
    pub endpoints: Vec<AnalysedEndpoint>,
    /// The same endpoints as the report lists them.
    pub inventory: Vec<Endpoint>,
    /// Where generation happens that no endpoint reaches, if anywhere.
    pub unreachable_generation: Option<(String, u32)>,
    /// The files each endpoint's flow passes through, by endpoint (for pull-request mode).
    pub endpoint_files: EndpointFiles,
    /// Handlers that were not found, and other problems of the inventory.
    pub diagnostics: Vec<ScanDiagnostic>,
    /// The trace of the endpoint [`analyse`] was asked to trace, when found.
    pub trace: Option<trace::EndpointTrace>,
}

/// Analyses the workspace: prunes method calls that cannot resolve, indexes every function
/// (scoped by the Cargo `packages` the files name), builds the endpoint inventory and follows
/// each endpoint's flow. `detectors` are the
/// detector ids (by index, as the facts' hits name them); `blind` says whether some source
/// file could not be read in full (an unresolved handler then blinds the gate instead of being
/// reported); `with_files` asks for [`Analysis::endpoint_files`]; `trace` names an endpoint
/// (method and route) whose call paths to fill [`Analysis::trace`] with.
pub fn analyse(
    files: &mut [SlimFile],
    packages: &[Package],
    detectors: &[Detector],
    blind: bool,
    with_files: bool,
    trace: Option<(&str, &str)>,
) -> Analysis {
    facts_prune(files);
    let ws = Workspace::new(files, packages);
    let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    let raw = endpoints::endpoints(&ws);
    let mut out = Analysis {
        endpoint_files: if with_files {
            endpoint_files(&ws, &raw, &paths)
        } else {
            Default::default()
        },
        ..Analysis::default()
    };
    let names: Vec<String> = detectors.iter().map(|d| d.id.clone()).collect();
    let weak: Vec<bool> = detectors
        .iter()
        .map(|d| d.capability == Capability::Generation && d.signal != GenerationSignal::Call)
        .collect();
    let signal_of = |site: &FlowHit| {
        detectors
            .iter()
            .find(|d| *d.id == *site.detector)
            .map_or("handoff", |d| d.signal.as_str())
    };
    let mut flow = Flow::new(&ws, &names, &weak);
    let mut weak_flow = flow.with_weak_sites();
    let mut inert = inert::Inert::new(&ws);

    // Pass 1: each endpoint by its own evidence.
    let mut pending: Vec<Pending> = Vec::new();
    for e in &raw {
        let Some(id) = e.handler_fn else {
            out.unresolved(e, &paths, blind);
            continue;
        };
        let f = ws.func(id);
        // Middleware runs first (outermost router first), then the extractors of the handler's
        // parameters (`impl FromRequestParts for AuthUser`), then the handler.
        let mut before_handler = Summary::default();
        for m in e.middleware.iter().chain(&ws.extractors(f)) {
            before_handler.then(&flow.summary(*m));
        }
        // What runs before the handler does not make the endpoint generate (a Gradio chain's
        // earlier step may call the model for an endpoint of its own): all of it comes first.
        before_handler.forget_generation();
        let mut strong = before_handler.clone();
        strong.then(&flow.summary(id));
        let shape = Shape {
            route: generation::route_says(&e.method, &e.route),
            request: generation::request_says(f.params()),
            name: generation::name_says(f.name()),
            streams: generation::streams(f.returns()),
        };
        let mut p = Pending {
            e,
            id,
            shape,
            call: strong.first_generation.is_some(),
            summary: strong,
            before_handler,
            decision: None,
            weak_site: false,
        };
        // Without a catalogue call, a `forward` or `handoff` site in the handler's own flow
        // (middleware left out: an auth check's channel message is no model call) locates it.
        if !p.call && p.shape.worth_weak_sites() {
            let ws_summary = p.weak_summary(&mut weak_flow);
            if let Some(site) = &ws_summary.first_generation {
                p.decision = p.shape.decide(false, Some(signal_of(site)));
                if p.decision.is_some() {
                    p.summary = ws_summary;
                    p.weak_site = true;
                }
            }
        }
        if p.decision.is_none() {
            p.decision = p.shape.decide(p.call, None);
            // Generating by its shape alone, a handler whose whole flow is known to reach no
            // model (a stub that answers a status) does not generate.
            if p.decision.is_some() && !p.call && inert.is_inert(id) {
                p.decision = None;
            }
        }
        pending.push(p);
    }

    // Pass 2: an endpoint whose shape says nothing, that hands work to the same engine or
    // upstream as an endpoint found to generate (the same `handoff` or `forward` site),
    // generates too: an MCP tool or a second route in front of the same model.
    let shared: std::collections::BTreeSet<(usize, Pos)> = pending
        .iter()
        .filter(|p| p.weak_site)
        .filter_map(|p| p.summary.first_generation.as_ref())
        .map(|h| (h.file, h.pos))
        .collect();
    if !shared.is_empty() {
        for p in pending
            .iter_mut()
            .filter(|p| p.decision.is_none() && !p.shape.names_other())
        {
            let ws_summary = p.weak_summary(&mut weak_flow);
            let Some(hit) = ws_summary
                .sites
                .iter()
                .find(|h| shared.contains(&(h.file, h.pos)))
                .cloned()
            else {
                continue;
            };
            p.decision = Some(Decision {
                signals: vec![signal_of(&hit), "shared-site"],
            });
            p.summary = ws_summary;
            p.weak_site = true;
        }
    }

    // Pass 3: the inventory, each endpoint's flow settled, and the trace asked for.
    for p in pending {
        let Pending {
            e,
            id,
            mut summary,
            decision,
            weak_site,
            ..
        } = p;
        let f = ws.func(id);
        if decision.is_none() {
            summary.forget_generation();
        }
        summary.settle_sides();
        let located_flow = if weak_site { &weak_flow } else { &flow };
        let starts: Vec<FnId> = e
            .middleware
            .iter()
            .copied()
            .chain(ws.extractors(f))
            .chain([id])
            .collect();
        let modalities = if decision.is_some() {
            modality::decide(
                &e.route,
                f.params(),
                f.name(),
                summary.sites.iter().map(|h| &*h.label),
            )
        } else {
            Vec::new()
        };
        let report_generation = decision.as_ref().map(|d| Generation {
            modalities: modalities.iter().map(|m| m.as_str().to_owned()).collect(),
            signals: d.signals.iter().map(|s| (*s).to_owned()).collect(),
            // The first site is the `site` before and after are judged from; the others
            // come after it.
            sites: summary
                .sites
                .iter()
                .enumerate()
                .map(|(i, h)| hit_evidence(&paths, h, Some(if i == 0 { "site" } else { "after" })))
                .collect(),
            path: summary
                .first_generation
                .as_ref()
                .and_then(|site| trace::path(&ws, located_flow, &starts, site, &paths))
                .unwrap_or_default()
                .iter()
                .map(trace::TraceStep::to_string)
                .collect(),
        });
        let (file, line, offset) = (paths[id.file].clone(), f.pos().line, f.pos().offset);
        let endpoint = Endpoint {
            method: e.method.clone(),
            route: e.route.clone(),
            handler: e.handler.clone(),
            file: file.clone(),
            line,
            registered_at: Place {
                file: paths[e.reg_file].clone(),
                line: e.reg_line,
            },
            framework: e.framework.clone(),
            generates: decision.is_some(),
            generation: report_generation,
            observable: true,
            capabilities: endpoint_capabilities(&paths, &summary),
        };
        if trace.is_some_and(|(m, r)| m == e.method && r == e.route) && out.trace.is_none() {
            out.trace = Some(trace::EndpointTrace::new(
                &ws,
                located_flow,
                &starts,
                endpoint.clone(),
                &summary,
                &paths,
            ));
        }
        out.inventory.push(endpoint);
        out.endpoints.push(AnalysedEndpoint {
            method: e.method.clone(),
            route: e.route.clone(),
            handler: e.handler.clone(),
            file,
            line,
            offset,
            summary: Some(summary),
            generation: decision,
            modalities,
        });
    }
    out.unreachable_generation = unreachable_generation(&ws, &flow, &paths, &weak);
    out
}

/// An endpoint between the passes of [`analyse`].
struct Pending<'r> {
    e: &'r endpoints::RawEndpoint,
    id: FnId,
    shape: Shape,
    /// A catalogue generation call is reached.
    call: bool,
    /// The flow: of the plain flow, or of the flow counting weak sites when one located it.
    summary: Summary,
    /// The middleware's flow.
    before_handler: Summary,
    decision: Option<Decision>,
    /// The site was located by a `forward` or `handoff` signal.
    weak_site: bool,
}

impl Pending<'_> {
    /// The middleware's plain flow, then the handler's flow counting weak sites.
    fn weak_summary(&self, weak_flow: &mut Flow) -> Summary {
        let mut s = self.before_handler.clone();
        s.then(&weak_flow.summary(self.id));
        s
    }
}

impl Analysis {
    /// An endpoint whose handler was not found: a diagnostic unless some file could not be
    /// read in full, in which case the endpoint blinds the gate instead.
    fn unresolved(&mut self, e: &endpoints::RawEndpoint, paths: &[String], blind: bool) {
        // A GraphQL service (`post_service(GraphQL::new(schema))`) has no handler function:
        // its resolvers are endpoints of their own.
        if !blind && !is_graphql_service(&e.handler) {
            self.diagnostics.push(ScanDiagnostic {
                kind: "unresolved-handler".into(),
                file: paths[e.reg_file].clone(),
                line: Some(e.reg_line),
                message: format!(
                    "handler `{}` of {} {} was not found in the scanned code",
                    e.handler, e.method, e.route
                ),
            });
        }
        let file = paths[e.reg_file].clone();
        // An unresolved handler only blinds the gate when some file could not be parsed.
        let summary = (!blind).then(Summary::default);
        self.inventory.push(Endpoint {
            method: e.method.clone(),
            route: e.route.clone(),
            handler: e.handler.clone(),
            file: file.clone(),
            line: e.reg_line,
            registered_at: Place {
                file: file.clone(),
                line: e.reg_line,
            },
            framework: e.framework.clone(),
            generates: false,
            generation: None,
            observable: summary.is_some(),
            capabilities: BTreeMap::new(),
        });
        self.endpoints.push(AnalysedEndpoint {
            method: e.method.clone(),
            route: e.route.clone(),
            handler: e.handler.clone(),
            file,
            line: e.reg_line,
            offset: 0,
            summary,
            generation: None,
            modalities: Vec::new(),
        });
    }
}

/// Drops the method calls that name no workspace method (see [`crate::facts::slim::prune`]).
fn facts_prune(files: &mut [SlimFile]) {
    crate::facts::slim::prune(files);
}

/// Files each endpoint's flow passes through, by `(method, route)`.
pub type EndpointFiles = BTreeMap<(String, String), BTreeSet<String>>;

/// The files of every function reachable from `start` (callees resolved as the flow does,
/// up to [`flow::MAX_DEPTH`] levels).
pub(crate) fn reach_files(ws: &Workspace, start: FnId) -> BTreeSet<usize> {
    reach(ws, vec![start], flow::MAX_DEPTH)
        .into_iter()
        .map(|id| id.file)
        .collect()
}

/// The functions `from` reach in at most `depth` calls (callees resolved as the flow does),
/// themselves included.
pub(crate) fn reach(ws: &Workspace, from: Vec<FnId>, depth: usize) -> BTreeSet<FnId> {
    let mut seen: BTreeSet<FnId> = from.iter().copied().collect();
    let mut frontier = from;
    for _ in 0..depth {
        let mut next = Vec::new();
        for id in frontier {
            let func = ws.func(id);
            for step in func.steps() {
                for c in ws.callees(func, step) {
                    if seen.insert(c) {
                        next.push(c);
                    }
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    seen
}

/// The files each endpoint's flow passes through: its registration, handler, middleware
/// and everything they call.
pub(crate) fn endpoint_files(
    ws: &Workspace,
    raw: &[endpoints::RawEndpoint],
    paths: &[String],
) -> EndpointFiles {
    let mut out = EndpointFiles::new();
    for e in raw {
        let files = out.entry((e.method.clone(), e.route.clone())).or_default();
        files.insert(paths[e.reg_file].clone());
        for id in e.handler_fn.iter().chain(&e.middleware) {
            files.extend(reach_files(ws, *id).into_iter().map(|i| paths[i].clone()));
        }
    }
    out
}

/// A hit as evidence in the report.
pub(crate) fn hit_evidence(paths: &[String], h: &FlowHit, order: Option<&str>) -> Evidence {
    Evidence {
        file: paths[h.file].clone(),
        line: h.pos.line,
        what: format!("{} ({})", h.label, h.detector),
        order: order.map(str::to_owned),
    }
}

/// Groups endpoint flow evidence by capability for the endpoint table.
pub fn endpoint_capabilities(paths: &[String], s: &Summary) -> BTreeMap<String, Vec<Evidence>> {
    let mut out: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
    if let Some(g) = &s.first_generation {
        out.entry(Capability::Generation.to_string())
            .or_default()
            .push(hit_evidence(paths, g, Some("site")));
    }
    for (c, h) in &s.before {
        out.entry(c.to_string()).or_default().push(hit_evidence(
            paths,
            h,
            s.first_generation.as_ref().map(|_| "before"),
        ));
    }
    for (c, h) in &s.after {
        out.entry(c.to_string())
            .or_default()
            .push(hit_evidence(paths, h, Some("after")));
    }
    // A report of thousands of endpoints keeps these lists, mostly of one entry, to the end.
    for v in out.values_mut() {
        v.shrink_to_fit();
    }
    out
}

/// A route served by a GraphQL framework's service value rather than a handler function.
fn is_graphql_service(handler: &str) -> bool {
    let mut segs = handler.rsplit("::");
    let (ctor, ty) = (segs.next(), segs.next());
    ctor.is_some_and(|c| c == "new" || c == "default")
        && ty.is_some_and(|t| t.starts_with("GraphQL") || t.starts_with("Juniper"))
}

/// The first generation call (in path order) in a function no endpoint reaches; weak signals
/// (`forward`, `handoff`) are not generation calls.
fn unreachable_generation(
    ws: &Workspace,
    flow: &Flow,
    paths: &[String],
    weak: &[bool],
) -> Option<(String, u32)> {
    for (fi, file) in ws.files.iter().enumerate() {
        for (i, func) in file.funcs().enumerate() {
            if func.is_test() || flow.visited(FnId { file: fi, func: i }) {
                continue;
            }
            if let Some((step, _, _)) = func.hits().find(|(_, h, _)| {
                h.capability == Capability::Generation
                    && !weak.get(h.detector as usize).copied().unwrap_or(false)
            }) {
                return Some((paths[fi].clone(), func.step_pos(step).line));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::is_graphql_service;

    #[test]
    fn graphql_services_are_not_unresolved_handlers() {
        assert!(is_graphql_service("GraphQL::new"));
        assert!(is_graphql_service(
            "async_graphql_axum::GraphQLSubscription::new"
        ));
        assert!(!is_graphql_service("ServeDir::new"));
        assert!(!is_graphql_service("handlers::graphql"));
        assert!(!is_graphql_service("new"));
    }
}
