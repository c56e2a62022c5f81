//! The endpoint inventory: route registrations joined with their mounts and handlers.
//!
//! A route registered inside a router function `f` gets every prefix under which `f` is
//! nested or merged (transitively); an attribute route (`#[post("/x")]`) gets every prefix
//! under which its handler is mounted. Paths held in constants are looked up.

use std::collections::{BTreeSet, HashMap};

use crate::analysis::graph::{FnId, Workspace};
use crate::facts::slim::StepKind;
use crate::facts::{MountFact, RoutePath};

/// How deep mount chains are followed.
const MAX_MOUNT_DEPTH: usize = 8;

/// An endpoint before its flow is judged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RawEndpoint {
    /// Method.
    pub method: String,
    /// Full route.
    pub route: String,
    /// Handler as resolved or written.
    pub handler: String,
    /// The handler function, when resolved.
    pub handler_fn: Option<FnId>,
    /// File index of the registration.
    pub reg_file: usize,
    /// Registration line.
    pub reg_line: u32,
    /// Framework.
    pub framework: String,
    /// Middleware functions that run before the handler (outermost router first).
    pub middleware: Vec<FnId>,
}

fn render(ws: &Workspace, module: &str, parts: &[RoutePath]) -> String {
    let mut out = String::new();
    for p in parts {
        let seg = match p {
            RoutePath::Lit(s) => s.clone(),
            RoutePath::Const(name) => ws
                .resolve_const(module, name)
                .map(|c| c.value.clone())
                .unwrap_or_else(|| format!("{{{name}}}")),
            RoutePath::Unknown => "{?}".to_owned(),
        };
        let seg = seg.trim_end_matches('/');
        if seg.is_empty() {
            continue;
        }
        if !seg.starts_with('/') {
            out.push('/');
        }
        out.push_str(seg);
    }
    if out.is_empty() { "/".to_owned() } else { out }
}

struct Mounts<'w, 'a> {
    ws: &'w Workspace<'a>,
    /// Every mount whose function is known, with the functions its target resolves to
    /// (resolved once: a workspace with thousands of routes asks about every mount for each).
    all: Vec<Mount<'a>>,
}

struct Mount<'a> {
    fact: &'a MountFact,
    in_fn: FnId,
    targets: Vec<FnId>,
}

/// Constructors that turn a function into middleware (axum, actix-web 4.9+, tower), and the
/// forms the Python frontend writes for what runs before a router's handlers (FastAPI
/// router and app `Depends`, Flask `before_request`, HTTP middleware).
const MIDDLEWARE_CTORS: [&str; 8] = [
    "from_fn",
    "from_fn_with_state",
    "map_request",
    "map_request_with_state",
    "from_extractor",
    "Depends",
    "Security",
    "before_request",
];

/// Middleware registered in a router function: the function passed to `from_fn(..)` and
/// friends inside `.layer(..)`, `.route_layer(..)` or `.wrap(..)`. Every route the router
/// registers (and everything nested under it) runs it before its handler.
fn middleware_in(ws: &Workspace, router: FnId) -> Vec<FnId> {
    let f = ws.func(router);
    let mut out = Vec::new();
    let mut pending = false;
    for step in f.steps() {
        match step.kind {
            StepKind::Call => {
                pending =
                    MIDDLEWARE_CTORS.contains(&step.name.rsplit("::").next().unwrap_or(step.name));
            }
            StepKind::FnRef if pending => {
                out.extend(
                    ws.resolve_path(f, step.name)
                        .into_iter()
                        .filter(|id| *id != router),
                );
                pending = false;
            }
            _ => {}
        }
    }
    out
}

impl Mounts<'_, '_> {
    /// The router functions that mount `target`, transitively, outermost first.
    fn ancestors(&self, target: FnId, depth: usize, out: &mut Vec<FnId>) {
        if depth > MAX_MOUNT_DEPTH {
            return;
        }
        for m in &self.all {
            let in_fn = m.in_fn;
            if out.contains(&in_fn) || !m.targets.contains(&target) {
                continue;
            }
            self.ancestors(in_fn, depth + 1, out);
            if !out.contains(&in_fn) {
                out.push(in_fn);
            }
        }
    }

    /// Every prefix string under which `target` (a function) is mounted, transitively.
    fn prefixes(&self, target: FnId, depth: usize) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if depth > MAX_MOUNT_DEPTH {
            return out;
        }
        for m in &self.all {
            if !m.targets.contains(&target) {
                continue;
            }
            let in_fn = m.in_fn;
            let own = render(self.ws, self.ws.func(in_fn).module(), &m.fact.prefix);
            let own = if own == "/" { String::new() } else { own };
            let outer = self.prefixes(in_fn, depth + 1);
            if outer.is_empty() {
                out.insert(own);
            } else {
                for o in outer {
                    out.insert(format!("{o}{own}"));
                }
            }
        }
        out
    }
}

/// Builds the endpoint inventory.
pub fn endpoints(ws: &Workspace) -> Vec<RawEndpoint> {
    let mounts = Mounts {
        ws,
        all: ws
            .files
            .iter()
            .enumerate()
            .flat_map(|(fi, f)| f.mounts.iter().map(move |m| (fi, m)))
            .filter_map(|(fi, fact)| {
                let in_fn = ws.in_file(fi, &fact.in_fn)?;
                Some(Mount {
                    fact,
                    in_fn,
                    targets: ws.resolve_path(ws.func(in_fn), &fact.target),
                })
            })
            .collect(),
    };
    let mut out = BTreeSet::new();
    // Per mounted or router function, computed once (a router registers many routes): the
    // prefixes it is mounted under, the routers enclosing it, and its middleware.
    let mut prefixes_of: HashMap<FnId, BTreeSet<String>> = HashMap::new();
    let mut routers_of: HashMap<FnId, Vec<FnId>> = HashMap::new();
    let mut layers: HashMap<FnId, Vec<FnId>> = HashMap::new();
    for (fi, file) in ws.files.iter().enumerate() {
        for r in &file.routes {
            let registrar = r.registered_in.as_deref().and_then(|p| ws.in_file(fi, p));
            if registrar.is_some_and(|id| ws.func(id).is_test()) {
                continue;
            }
            let handler_fn = match registrar {
                Some(reg) => ws.resolve_path(ws.func(reg), &r.handler).first().copied(),
                None => ws.in_file(fi, &r.handler),
            };
            if handler_fn.is_some_and(|id| ws.func(id).is_test()) {
                continue;
            }
            let module = match (registrar, handler_fn) {
                (Some(reg), _) => ws.func(reg).module(),
                (None, Some(h)) => ws.func(h).module(),
                (None, None) => "",
            };
            // A GraphQL field is named, not pathed: `MUTATION deactivateUser`; so is a Gradio
            // event handler: `GRADIO gradio:predict`.
            let graphql = matches!(r.framework.as_str(), "async-graphql" | "juniper" | "gradio");
            let own = match (&r.path[..], graphql) {
                ([RoutePath::Lit(field)], true) => field.clone(),
                _ => render(ws, module, &r.path),
            };
            let mount_target = if r.registered_in.is_some() {
                registrar
            } else {
                handler_fn
            };
            let prefixes = mount_target
                .map(|t| {
                    prefixes_of
                        .entry(t)
                        .or_insert_with(|| mounts.prefixes(t, 0))
                        .clone()
                })
                .unwrap_or_default();
            let routes: Vec<String> = if prefixes.is_empty() {
                vec![own.clone()]
            } else {
                prefixes
                    .into_iter()
                    .map(|p| {
                        if own == "/" && !p.is_empty() {
                            p
                        } else {
                            format!("{p}{own}")
                        }
                    })
                    .collect()
            };
            let handler = handler_fn
                .map(|h| ws.func(h).path().into_owned())
                .unwrap_or_else(|| r.handler.clone());
            let mut routers = match mount_target {
                Some(t) => routers_of
                    .entry(t)
                    .or_insert_with(|| {
                        let mut routers = Vec::new();
                        mounts.ancestors(t, 0, &mut routers);
                        routers
                    })
                    .clone(),
                None => Vec::new(),
            };
            routers.extend(registrar);
            let mut middleware: Vec<FnId> = Vec::new();
            for router in routers {
                let found = layers
                    .entry(router)
                    .or_insert_with(|| middleware_in(ws, router));
                for &m in found.iter() {
                    if !middleware.contains(&m) && Some(m) != handler_fn {
                        middleware.push(m);
                    }
                }
            }
            for route in routes {
                out.insert(RawEndpoint {
                    method: r.method.clone(),
                    route,
                    handler: handler.clone(),
                    handler_fn,
                    reg_file: fi,
                    reg_line: r.pos.line,
                    framework: r.framework.clone(),
                    middleware: middleware.clone(),
                });
            }
        }
    }
    out.into_iter().collect()
}
