//! The endpoint inventory: route registrations joined with their mounts and handlers.
//!
//! A route registered inside a router function `f` gets every prefix under which `f` is
//! nested or merged (transitively); an attribute route (`#[post("/x")]`) gets every prefix
//! under which its handler is mounted. Paths held in constants are looked up, and a typed
//! path (axum-extra `.typed_get(h)`) is the `#[typed_path]` of the handler's first
//! parameter type. Mounting `Type::f` where no such function exists mounts the type's
//! router function `Type::{routes}` (routes declared by attributes on the type).
//!
//! Not endpoints of the service: routes registered in test code or in mock servers (a
//! directory or file named `mock`, `mocks`, `mock-*`, `*_mock`…), and routes served by a
//! value of a type that is not in the workspace (`ServeDir::new(..)`, `Redirect::to(..)`:
//! library code). A service value whose `call` matches paths itself is represented by those
//! routes, mounted where the service is.
//!
//! A service served with no route table (`axum_server::bind(addr).serve(svc)`) is the
//! endpoint `ANY /{*path}` of its type's `call` when that type implements `Service` in the
//! workspace, its `call` matches no paths itself, and its package has no route table (then
//! the served value is that router); two servers of one service (with and without TLS) are
//! one endpoint.

use std::collections::{BTreeSet, HashMap};

use crate::analysis::graph::{FnId, Workspace};
use crate::facts::slim::StepKind;
use crate::facts::{MountKind, RoutePath, TYPED_PATH_FIELD};

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
            RoutePath::Typed | RoutePath::Unknown => "{?}".to_owned(),
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
    /// Middleware attached in router functions (salvo `.hoop(auth)`), resolved.
    middleware: Vec<(FnId, Vec<FnId>)>,
    /// Helpers given a router (`let api = protect(api)`): the function calling, the helpers
    /// called, and the byte offset of the call.
    wraps: Vec<(FnId, Vec<FnId>, u32)>,
}

struct Mount<'a> {
    /// The prefix the mount adds (empty for a router a service dispatches to at run time).
    prefix: &'a [RoutePath],
    in_fn: FnId,
    targets: Vec<FnId>,
    /// The byte offset of the mount in its function's file (0 for a run-time router).
    at: u32,
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
/// friends inside `.layer(..)`, `.route_layer(..)` or `.wrap(..)`, and middleware mounts
/// (salvo `.hoop(auth)`). Every route the router registers (and everything nested under
/// it) runs it before its handler.
fn middleware_in(ws: &Workspace, mounts: &Mounts, router: FnId) -> Vec<FnId> {
    let f = ws.func(router);
    let mut out: Vec<FnId> = mounts
        .middleware
        .iter()
        .filter(|(in_fn, _)| *in_fn == router)
        .flat_map(|(_, targets)| targets.iter().copied())
        .collect();
    // Steps left in which a middleware constructor's function argument may come: the state
    // argument of `from_fn_with_state(state, auth)` comes first, and may be a path too.
    let mut pending = 0u8;
    for step in f.steps() {
        let ctor = step.kind == StepKind::Call
            && MIDDLEWARE_CTORS.contains(&step.name.rsplit("::").next().unwrap_or(step.name));
        if ctor {
            pending = 3;
            continue;
        }
        if pending > 0 && step.kind == StepKind::FnRef {
            let found: Vec<FnId> = ws
                .resolve_path(f, step.name)
                .into_iter()
                .filter(|id| *id != router)
                .collect();
            if !found.is_empty() {
                out.extend(found);
                pending = 0;
                continue;
            }
        }
        pending = pending.saturating_sub(1);
    }
    out
}

impl Mounts<'_, '_> {
    /// The middleware of the helpers that were given a router holding the route
    /// (`let api = protect(api)` after `api.route(..)`): in the function that registers it, a
    /// helper called after the route; in an enclosing router function, a helper called after
    /// the mount that brings the route in.
    fn wrapping(
        &self,
        routers: &[FnId],
        registrar: Option<FnId>,
        route_at: u32,
        layers: &mut HashMap<FnId, Vec<FnId>>,
    ) -> Vec<FnId> {
        let mut out = Vec::new();
        for &(in_fn, ref helpers, at) in &self.wraps {
            if !routers.contains(&in_fn) {
                continue;
            }
            let held = if Some(in_fn) == registrar {
                route_at < at
            } else {
                self.all.iter().any(|m| {
                    m.in_fn == in_fn && m.at < at && m.targets.iter().any(|t| routers.contains(t))
                })
            };
            if held {
                for &h in helpers {
                    self.wrapped_by(h, 0, layers, &mut out);
                }
            }
        }
        out
    }

    /// The middleware registered in a router function ([`middleware_in`]), computed once per
    /// function: a router registers many routes.
    fn layers_of<'l>(&self, router: FnId, layers: &'l mut HashMap<FnId, Vec<FnId>>) -> &'l [FnId] {
        layers
            .entry(router)
            .or_insert_with(|| middleware_in(self.ws, self, router))
    }

    /// What a helper layers on the router it is given: its middleware, and that of the
    /// helpers it passes the router on to.
    fn wrapped_by(
        &self,
        helper: FnId,
        depth: usize,
        layers: &mut HashMap<FnId, Vec<FnId>>,
        out: &mut Vec<FnId>,
    ) {
        if depth > MAX_MOUNT_DEPTH {
            return;
        }
        for &m in self.layers_of(helper, layers) {
            if !out.contains(&m) {
                out.push(m);
            }
        }
        for (in_fn, helpers, _) in &self.wraps {
            if *in_fn == helper {
                for &h in helpers {
                    if h != helper {
                        self.wrapped_by(h, depth + 1, layers, out);
                    }
                }
            }
        }
    }

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
            let own = render(self.ws, self.ws.func(in_fn).module(), m.prefix);
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

/// The functions a mount target names; `Type::f` that names none falls back to the type's
/// router function `Type::{routes}`.
fn mount_targets(ws: &Workspace, in_fn: FnId, target: &str) -> Vec<FnId> {
    let from = ws.func(in_fn);
    let found = ws.resolve_path(from, target);
    if !found.is_empty() {
        return found;
    }
    match target.rsplit_once("::") {
        Some((ty, last)) if last != "{routes}" => {
            ws.resolve_path(from, &format!("{ty}::{{routes}}"))
        }
        _ => found,
    }
}

/// Routers a mounted service dispatches to at run time: a service (`nest_service("/api/v1",
/// DynamicService::new(state))`) whose `call` hands the request to a router it does not
/// build (`state.current_router().oneshot(req)`: a router rebuilt when configuration changes,
/// or picked per request from a map) stands for the routers that the methods of the types its
/// `call` reaches (the state holding the router) build and that are mounted nowhere. Each such
/// router is mounted at the service, so its routes get the service's prefixes — not the root,
/// where no request reaches them.
fn run_time_routers<'a>(
    ws: &Workspace<'a>,
    mounts: &[Mount<'a>],
    registrars: &std::collections::HashSet<FnId>,
) -> Vec<Mount<'a>> {
    let forwards = |id: FnId| {
        let f = ws.func(id);
        if !f.is_service_call() || !f.in_tower_module() {
            return false;
        }
        let path = f.path();
        let nested = format!("{path}::");
        ws.files[id.file]
            .funcs()
            .filter(|g| g.path_is(&path) || g.path().starts_with(&nested))
            .any(|g| {
                g.steps().any(|s| {
                    s.kind == StepKind::Method && crate::facts::slim::is_service_forward(s.name)
                })
            })
    };
    // The services that forward, each with the router that mounts it: usually none.
    let mut seen = BTreeSet::new();
    let forwarders: Vec<(FnId, FnId)> = mounts
        .iter()
        .flat_map(|m| m.targets.iter().map(move |&t| (m.in_fn, t)))
        .filter(|&(_, t)| seen.insert(t) && forwards(t))
        .collect();
    if forwarders.is_empty() {
        return Vec::new();
    }
    let mounted: std::collections::HashSet<FnId> = mounts
        .iter()
        .flat_map(|m| m.targets.iter().copied())
        .collect();
    // Router roots: functions that register or mount routes and are mounted nowhere.
    let mut orphans: Vec<FnId> = registrars
        .iter()
        .copied()
        .chain(mounts.iter().map(|m| m.in_fn))
        .filter(|id| {
            let f = ws.func(*id);
            !mounted.contains(id) && !f.is_test() && !is_mock_path(&ws.files[id.file].path)
        })
        .collect();
    orphans.sort();
    orphans.dedup();
    let mut out = Vec::new();
    for (in_fn, t) in forwarders {
        // The routers the state the service reads builds: the methods of the types the
        // service's `call` reaches (`state.current_router()`) and what they call.
        let reached = super::reach(ws, vec![t], 3);
        let holders: BTreeSet<&str> = reached
            .iter()
            .filter_map(|id| ws.func(*id).self_type())
            .collect();
        let methods: Vec<FnId> = ws
            .files
            .iter()
            .enumerate()
            .flat_map(|(fi, f)| {
                f.funcs()
                    .enumerate()
                    .filter(|(_, g)| g.self_type().is_some_and(|s| holders.contains(s)))
                    .map(move |(i, _)| FnId { file: fi, func: i })
            })
            .collect();
        let built = super::reach(ws, methods, 3);
        // Not the router that mounts the service itself.
        let targets: Vec<FnId> = orphans
            .iter()
            .copied()
            .filter(|o| *o != in_fn && built.contains(o))
            .collect();
        if !targets.is_empty() {
            out.push(Mount {
                prefix: &[],
                in_fn: t,
                targets,
                at: 0,
            });
        }
    }
    out
}

/// A file of a mock server: a path segment (directory or file stem) that is `mock` or
/// `mocks` or has one as a `-`/`_`-separated word (`mock-server`, `openai_mock.rs`).
pub(crate) fn is_mock_path(path: &str) -> bool {
    path.split('/').any(|seg| {
        let stem = seg.strip_suffix(".rs").unwrap_or(seg);
        stem.split(['-', '_'])
            .any(|w| w.eq_ignore_ascii_case("mock") || w.eq_ignore_ascii_case("mocks"))
    })
}

/// The path of a handler's typed-path parameter: the `#[typed_path]` of its first
/// parameter's type.
fn typed_path(ws: &Workspace, handler: Option<FnId>) -> Option<String> {
    let f = ws.func(handler?);
    let ty = f.params().next()?.split(' ').next()?;
    let c = ws.resolve_const(f.module(), &format!("{ty}.{TYPED_PATH_FIELD}"))?;
    Some(c.value.clone())
}

/// The packages (by the id their files carry, `None` for files of none) that register routes
/// in a route table: any route of a framework's router, outside tests and mocks, other than
/// a path matched in a service's `call` or a hyper function (framework `tower` or `hyper`)
/// and a served service. A service served in such a package is that router's server.
fn packages_with_route_tables(ws: &Workspace) -> BTreeSet<Option<u32>> {
    let mut out = BTreeSet::new();
    for (fi, file) in ws.files.iter().enumerate() {
        if is_mock_path(&file.path) || out.contains(&file.package) {
            continue;
        }
        let table = file.routes.iter().any(|r| {
            !r.served
                && !matches!(r.framework.as_str(), "tower" | "hyper")
                && r.registered_in
                    .as_deref()
                    .and_then(|p| ws.in_file(fi, p))
                    .is_none_or(|id| !ws.func(id).is_test())
        });
        if table {
            out.insert(file.package);
        }
    }
    out
}

/// Builds the endpoint inventory.
pub fn endpoints(ws: &Workspace) -> Vec<RawEndpoint> {
    let mut all = Vec::new();
    let mut middleware = Vec::new();
    let mut wraps = Vec::new();
    for (fi, f) in ws.files.iter().enumerate() {
        for fact in &f.mounts {
            let Some(in_fn) = ws.in_file(fi, &fact.in_fn) else {
                continue;
            };
            let targets = mount_targets(ws, in_fn, &fact.target);
            let at = fact.pos.offset;
            match fact.kind {
                MountKind::Middleware => middleware.push((in_fn, targets)),
                // A helper given the router mounts its routes as a nested router does.
                MountKind::Routes | MountKind::Wraps => {
                    if fact.kind == MountKind::Wraps {
                        wraps.push((in_fn, targets.clone(), at));
                    }
                    all.push(Mount {
                        prefix: &fact.prefix,
                        in_fn,
                        targets,
                        at,
                    });
                }
            }
        }
    }
    // Functions that register routes themselves: a service value whose `call` matches paths
    // is represented by those routes.
    let registrars: std::collections::HashSet<FnId> = ws
        .files
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| {
            f.routes
                .iter()
                .filter_map(move |r| ws.in_file(fi, r.registered_in.as_deref()?))
        })
        .collect();
    all.extend(run_time_routers(ws, &all, &registrars));
    let mounts = Mounts {
        ws,
        all,
        middleware,
        wraps,
    };
    let tables = packages_with_route_tables(ws);
    let mut served: BTreeSet<(FnId, String)> = BTreeSet::new();
    let mut out = BTreeSet::new();
    // Per mounted or router function, computed once (a router registers many routes): the
    // prefixes it is mounted under, the routers enclosing it, and its middleware.
    let mut prefixes_of: HashMap<FnId, BTreeSet<String>> = HashMap::new();
    let mut routers_of: HashMap<FnId, Vec<FnId>> = HashMap::new();
    let mut layers: HashMap<FnId, Vec<FnId>> = HashMap::new();
    for (fi, file) in ws.files.iter().enumerate() {
        if is_mock_path(&file.path) {
            continue;
        }
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
            // A value served by library code, or a service represented by its own routes.
            if r.value && handler_fn.is_none_or(|h| registrars.contains(&h)) {
                continue;
            }
            // A service served with no route table: a workspace `Service` whose package
            // routes no requests otherwise, listed once however many servers serve it.
            if r.served
                && (handler_fn.is_none_or(|h| !ws.func(h).is_service_call())
                    || tables.contains(&file.package)
                    || !served.insert((handler_fn.expect("checked above"), r.method.clone())))
            {
                continue;
            }
            let module = match (registrar, handler_fn) {
                (Some(reg), _) => ws.func(reg).module(),
                (None, Some(h)) => ws.func(h).module(),
                (None, None) => "",
            };
            // A GraphQL field, an MCP tool or a Gradio event handler is named, not pathed:
            // `MUTATION deactivateUser`, `MCP tool:summarise`, `GRADIO gradio:predict`.
            let named = matches!(
                r.framework.as_str(),
                "async-graphql" | "juniper" | "rmcp" | "mcp" | "gradio"
            );
            let own = match (&r.path[..], named) {
                ([RoutePath::Lit(field)], true) => field.clone(),
                (parts, _) if parts.contains(&RoutePath::Typed) => {
                    let typed = typed_path(ws, handler_fn);
                    let parts: Vec<RoutePath> = parts
                        .iter()
                        .map(|p| match (p, &typed) {
                            (RoutePath::Typed, Some(t)) => RoutePath::Lit(t.clone()),
                            _ => p.clone(),
                        })
                        .collect();
                    render(ws, module, &parts)
                }
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
            let mut found: Vec<FnId> = Vec::new();
            for &router in &routers {
                found.extend_from_slice(mounts.layers_of(router, &mut layers));
            }
            if !mounts.wraps.is_empty() {
                found.extend(mounts.wrapping(&routers, registrar, r.pos.offset, &mut layers));
            }
            let mut middleware: Vec<FnId> = Vec::new();
            for m in found {
                if !middleware.contains(&m) && Some(m) != handler_fn {
                    middleware.push(m);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::slim::SlimFile;
    use crate::frontend::rust::{RustInput, extract};

    fn file(path: &str, module: &str, text: &str) -> SlimFile {
        let facts = extract(&RustInput {
            rel_path: path,
            text,
            crate_name: "app",
            module,
            is_test_file: false,
        });
        let mut f = SlimFile::new(facts, |_, _| {});
        f.package = Some(0);
        f
    }

    fn listed(files: &[SlimFile]) -> Vec<String> {
        let ws = Workspace::new(files, &[]);
        endpoints(&ws)
            .into_iter()
            .map(|e| format!("{} {} {}", e.method, e.route, e.handler))
            .collect()
    }

    const SERVICE: &str =
        "impl Service<Request> for Proxy { fn call(&mut self, req: Request) { forward(req); } }";

    #[test]
    fn a_served_workspace_service_is_one_catch_all() {
        let files = [
            file("src/proxy.rs", "app::proxy", SERVICE),
            file(
                "src/main.rs",
                "app",
                "use crate::proxy::Proxy;\n\
                 async fn main() { axum_server::bind(a).serve(Proxy::new()).await; axum_server::bind_rustls(a, t).serve(Proxy::new()).await; }",
            ),
        ];
        assert_eq!(listed(&files), ["ANY /{*path} app::proxy::Proxy::call"]);
    }

    #[test]
    fn no_catch_all_for_a_library_value_a_path_matching_service_or_a_router_s_package() {
        // A library value (no workspace `call`), a type whose `call` is no `Service`'s.
        let files = [
            file(
                "src/proxy.rs",
                "app::proxy",
                "impl Proxy { fn call(&self) {} }",
            ),
            file(
                "src/main.rs",
                "app",
                "async fn main() { axum_server::bind(a).serve(Proxy::new()).await; axum::serve(l, Shared::new(Library::new())).await; }",
            ),
        ];
        assert!(listed(&files).is_empty());
        // A service whose `call` matches paths: those are its routes.
        let files = [
            file(
                "src/proxy.rs",
                "app::proxy",
                "impl Service<Request> for Proxy { fn call(&mut self, req: Request) { match req.uri().path() { \"/v1/chat/completions\" => chat(req), _ => nf() } } }",
            ),
            file(
                "src/main.rs",
                "app",
                "async fn main() { axum_server::bind(a).serve(Proxy::new()).await; }",
            ),
        ];
        assert_eq!(listed(&files), ["ANY /v1/chat/completions chat"]);
        // A package with a route table: the served service wraps that router.
        let files = [
            file("src/proxy.rs", "app::proxy", SERVICE),
            file(
                "src/main.rs",
                "app",
                "fn router() -> Router { Router::new().route(\"/admin\", get(admin)) }\n\
                 fn admin() {}\n\
                 async fn main() { axum::serve(l, Proxy::new()).await; }",
            ),
        ];
        assert_eq!(listed(&files), ["GET /admin app::admin"]);
    }
}
