//! salvo: `Router::with_path("api").push(Router::with_path("oai").post(chat))`,
//! `Router::new().push(..)`, `.path("x")`, `.get/.post/.put/.delete/.patch(h)` and `.goal(h)`
//! on a router (the handler serves the router's own path), `.push(..)` nested to any depth,
//! routers built across statements (locals, see `locals.rs`) and in helper functions, and
//! middleware: `.hoop(auth)` and `Router::with_hoop(auth)` run before the handlers of that
//! router and of everything pushed under it. `#[handler]`/`#[endpoint]` functions are plain
//! functions here.

use syn::{Expr, ExprCall, ExprMethodCall};

use super::ArgPlan;
use super::handlers::{built_type, qualified_path};
use crate::facts::{MountKind, RoutePath};
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{expr_start, is_upper, path_string, peel};

/// Methods that add middleware to the router they are called on (the routers of an
/// inline argument holding one are routers of their own).
pub(super) const MIDDLEWARE_METHODS: [&str; 5] = ["hoop", "layer", "route_layer", "wrap", "with"];

impl Extractor<'_> {
    /// The path of a salvo router expression: its `Router::with_path(..)` root (or a router
    /// local's path) and the `.path(..)` calls on it; `None` when the chain does not start
    /// at a router.
    pub(in crate::frontend::rust) fn salvo_path(&self, e: &Expr) -> Option<Vec<RoutePath>> {
        let mut extra: Vec<&Expr> = Vec::new();
        let mut cur = e;
        let mut base = loop {
            match peel(cur) {
                Expr::MethodCall(m) => {
                    if m.method == "path" && m.args.len() == 1 {
                        extra.push(&m.args[0]);
                    }
                    cur = &m.receiver;
                }
                Expr::Await(a) => cur = &a.base,
                Expr::Try(t) => cur = &t.expr,
                Expr::Call(c) => break self.salvo_root(c)?,
                Expr::Path(p) => {
                    let b = self.binding(&path_string(&p.path)).filter(|b| b.router)?;
                    break b.path.clone();
                }
                _ => return None,
            }
        };
        for p in extra.into_iter().rev() {
            base.extend(self.route_path(p));
        }
        Some(base)
    }

    fn salvo_root(&self, c: &ExprCall) -> Option<Vec<RoutePath>> {
        let Expr::Path(p) = &*c.func else {
            return None;
        };
        let segs = &p.path.segments;
        let n = segs.len();
        if n < 2 || segs[n - 2].ident != "Router" {
            return None;
        }
        let last = segs[n - 1].ident.to_string();
        match (last.as_str(), c.args.len()) {
            ("with_path", 1) => Some(self.route_path(&c.args[0])),
            ("new" | "default", 0) | ("with_hoop" | "with_filter" | "with_hoops", _) => {
                Some(Vec::new())
            }
            _ => None,
        }
    }

    /// `.get(h)` / `.post(h)` / `.goal(h)` on a salvo router; `None` when the receiver is not
    /// one.
    pub(super) fn salvo_goal(&mut self, m: &ExprMethodCall, method: &str) -> Option<ArgPlan> {
        if self.method_router(&m.receiver).is_some() {
            return None;
        }
        let own = self.salvo_path(&m.receiver)?;
        let mut path = self.prefixes();
        path.extend(own);
        if let Some(h) = self.handler_of(&m.args[0], "handle") {
            let pos = self.idx.at(m.method.span());
            self.push_route(method, path, h, "salvo", pos);
        }
        Some(ArgPlan {
            closure_handlers: true,
            ..ArgPlan::default()
        })
    }

    /// `.push(child)`: the child router gets the receiver's path as a prefix; a child that
    /// adds middleware is a router of its own. On a collection of routers, records the
    /// child.
    pub(super) fn salvo_push(&mut self, m: &ExprMethodCall) -> ArgPlan {
        if let Some(plan) = self.collection_add(m) {
            return plan;
        }
        let arg = &m.args[0];
        let own = match self.salvo_path(&m.receiver) {
            Some(own) => own,
            None if self.salvo_path(arg).is_some() => Vec::new(),
            None => return ArgPlan::default(),
        };
        let mut prefix = self.prefixes();
        prefix.extend(own.iter().cloned());
        if self.nest_middleware_router(prefix.clone(), arg, m.method.span()) {
            return ArgPlan {
                walked: Some(0),
                ..ArgPlan::default()
            };
        }
        let pos = self.idx.at(m.method.span());
        self.mount_arg(prefix, arg, pos);
        ArgPlan {
            pushed: self.push_prefixes(own),
            ..ArgPlan::default()
        }
    }

    /// An inline router expression that adds middleware (`Router::with_path("x").hoop(auth)`,
    /// `api::router().layer(from_fn(auth))`): it is a router of its own, so that the
    /// middleware covers it only. Returns what it mounts at its root (a helper's router).
    pub(super) fn middleware_router(&self, e: &Expr) -> Option<Vec<String>> {
        let mut cur = e;
        let mut middleware = false;
        loop {
            match peel(cur) {
                Expr::MethodCall(m) => {
                    middleware |= MIDDLEWARE_METHODS.iter().any(|n| m.method == n);
                    cur = &m.receiver;
                }
                Expr::Await(a) => cur = &a.base,
                Expr::Try(t) => cur = &t.expr,
                Expr::Call(c) => {
                    let with_hoop = matches!(&*c.func, Expr::Path(p)
                        if p.path.segments.last().is_some_and(|s| s.ident == "with_hoop"));
                    if !(middleware || with_hoop) {
                        return None;
                    }
                    if self.salvo_root(c).is_some() || self.router_call(c) {
                        return Some(Vec::new());
                    }
                    let held = self.held(e);
                    return (!held.is_empty()).then_some(held);
                }
                Expr::Path(p) if middleware => {
                    let b = self.binding(&path_string(&p.path))?;
                    return Some(if b.router {
                        Vec::new()
                    } else {
                        b.targets.clone()
                    });
                }
                _ => return None,
            }
        }
    }

    /// Walks `arg` as a router of its own mounted under `prefix` when it adds middleware;
    /// returns whether it did.
    pub(super) fn nest_middleware_router(
        &mut self,
        prefix: Vec<RoutePath>,
        arg: &Expr,
        fallback: proc_macro2::Span,
    ) -> bool {
        let Some(root) = self.middleware_router(arg) else {
            return false;
        };
        let at = expr_start(arg).unwrap_or(fallback);
        let pos = self.idx.at(fallback);
        let f = self.router_fn("router", arg, at, root);
        self.push_mount(prefix, f, pos);
        true
    }

    /// A call of a router type's constructor (`Router::new()`, `web::scope("/x")`).
    fn router_call(&self, c: &ExprCall) -> bool {
        let Expr::Path(p) = &*c.func else {
            return false;
        };
        let segs = &p.path.segments;
        let n = segs.len();
        n >= 2 && {
            let ty = segs[n - 2].ident.to_string();
            matches!(ty.as_str(), "Router" | "Route" | "Scope" | "web")
        }
    }

    /// `.hoop(auth)` on a router: middleware of the current router function.
    pub(super) fn salvo_hoop(&mut self, m: &ExprMethodCall) -> ArgPlan {
        if self.salvo_path(&m.receiver).is_some()
            && let Some(target) = self.middleware_target(&m.args[0])
        {
            let pos = self.idx.at(m.method.span());
            self.push_mount_of(MountKind::Middleware, Vec::new(), target, pos);
        }
        ArgPlan::default()
    }

    /// `Router::with_hoop(auth)`: the same as `.hoop(auth)`.
    pub(super) fn salvo_with_hoop(&mut self, c: &ExprCall, callee: &str) {
        if callee.ends_with("Router::with_hoop")
            && c.args.len() == 1
            && let Some(target) = self.middleware_target(&c.args[0])
        {
            let pos = self
                .idx
                .at(expr_start(&c.args[0]).unwrap_or_else(proc_macro2::Span::call_site));
            self.push_mount_of(MountKind::Middleware, Vec::new(), target, pos);
        }
    }

    /// The function a middleware argument runs: a `#[handler]` function, a factory called
    /// (`auth::jwt(secret)`), or a handler value's `handle` method.
    fn middleware_target(&self, e: &Expr) -> Option<String> {
        if let Some(ty) = built_type(self, e) {
            return Some(format!("{ty}::handle"));
        }
        match peel(e) {
            Expr::Path(p) => {
                let name = qualified_path(p);
                (!self.is_local(&name)).then_some(name)
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => {
                    let callee = path_string(&p.path);
                    let last = callee.rsplit("::").next().unwrap_or(&callee);
                    (!is_upper(last)).then_some(callee)
                }
                _ => None,
            },
            Expr::MethodCall(m) => self.middleware_target(&m.receiver),
            _ => None,
        }
    }
}
