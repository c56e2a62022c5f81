//! Route registrations and mounts, per framework (one file each under `routes/`).
//!
//! Recognisers hook into the body walk: method calls named `route`, `nest`, `merge`,
//! `service`, `configure`, `to`, `mount`, `at`, `push`, `hoop`, `route_service`,
//! `nest_service`, `fallback`, `typed_get`…, warp's `and`/`or`/`and_then`/`map`/`then`
//! (and method-router chains), a server's `serve`/`serve_connection` and `axum::serve` (a
//! service served with no route table), `match`/`if` on a request path, `for` loops over
//! route tables, routers bound to local names (also by a `match` or `if` that yields one),
//! routers and scopes passed to helpers, route attributes on functions, endpoint impls
//! (GraphQL, poem-openapi, tonic, rmcp) and route tables declared by attributes on types.

mod actix;
mod axum;
mod branches;
pub(super) mod graphql;
mod handlers;
mod hyper;
pub(super) mod impls;
mod locals;
mod mcp;
mod passed;
mod paths;
mod poem;
mod rocket;
mod router_exprs;
mod salvo;
pub(super) mod served;
mod table;
mod tonic;
mod tower;
mod typed;
mod warp;

use syn::{Expr, ExprMethodCall};

use super::Extractor;
use super::body::peel;
use crate::facts::{MountFact, MountKind, Pos, RouteFact, RoutePath};

pub(super) use self::axum::{LoopTable, TableEntry};
pub(super) use self::locals::Binding;
pub(super) use self::router_exprs::chain as method_chain;
pub(super) use self::router_exprs::leaves_router;

/// What the body walk should do with the arguments of a recognised method call.
#[derive(Default)]
pub(super) struct ArgPlan {
    /// Prefixes pushed for the duration of the arguments (popped afterwards).
    pub(super) pushed: usize,
    /// Closure arguments are route handlers (synthetic functions).
    pub(super) closure_handlers: bool,
    /// The argument at this index was walked already (as a router of its own).
    pub(super) walked: Option<usize>,
}

/// A route handler as written: a function path, or a value whose type serves the route
/// (see [`RouteFact::value`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Handler {
    pub(super) path: String,
    pub(super) value: bool,
}

impl Handler {
    pub(super) fn func(path: String) -> Handler {
        Handler { path, value: false }
    }
}

/// The (method, handler) pairs of a method router such as `get(a).post(b)` or
/// `web::post().to(h)`; a handler that is a constant (`StatusCode::NOT_FOUND`) is left out.
#[derive(Debug, Clone)]
pub(super) struct MethodRouter {
    pub(super) framework: &'static str,
    pub(super) routes: Vec<(String, Handler)>,
}

/// HTTP method of a routing function or method name (`post` → `POST`, `any` → `ANY`).
pub(super) fn http_method(name: &str) -> Option<&'static str> {
    Some(match name {
        "get" => "GET",
        "post" => "POST",
        "put" => "PUT",
        "delete" => "DELETE",
        "patch" => "PATCH",
        "head" => "HEAD",
        "options" => "OPTIONS",
        "trace" => "TRACE",
        "connect" => "CONNECT",
        "any" => "ANY",
        _ => return None,
    })
}

/// HTTP method named by an upper-case path or string (`Method::POST`, `"post"`).
pub(super) fn method_name(e: &Expr) -> Option<String> {
    match peel(e) {
        Expr::Path(p) => {
            let last = p.path.segments.last()?.ident.to_string();
            http_method(&last.to_ascii_lowercase()).map(str::to_owned)
        }
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => http_method(&s.value().to_ascii_lowercase()).map(str::to_owned),
            _ => None,
        },
        Expr::Call(c) => method_name(&c.func),
        Expr::MethodCall(m) => method_name(&m.receiver),
        _ => None,
    }
}

/// The call at the root of a method chain (`Router::new()` in `Router::new().route(..)`).
pub(super) fn chain_root_call(e: &Expr) -> Option<&syn::ExprCall> {
    let mut cur = e;
    loop {
        match peel(cur) {
            Expr::MethodCall(m) => cur = &m.receiver,
            Expr::Await(a) => cur = &a.base,
            Expr::Try(t) => cur = &t.expr,
            Expr::Call(c) => return Some(c),
            _ => return None,
        }
    }
}

/// Builder constructors are walked inline, not recorded as mount targets.
fn is_builder(callee: &str) -> bool {
    let last = callee.rsplit("::").next().unwrap_or(callee);
    matches!(
        last,
        "new" | "default" | "build" | "scope" | "resource" | "custom" | "ignite"
    )
}

impl Extractor<'_> {
    /// Route recognition for one method call; returns how to walk its arguments.
    /// `name` is `m`'s method name as a string.
    pub(super) fn route_method(&mut self, m: &ExprMethodCall, name: &str) -> ArgPlan {
        match (name, m.args.len()) {
            ("route", 2) => self.route_with_path(m),
            ("route", 1) => self.actix_resource_route(m),
            ("nest" | "nest_no_strip", 2) => self.axum_nest(m, true),
            ("merge", 1) => self.axum_nest(m, false),
            ("service", 1) => self.actix_service(m),
            ("configure", 1) => self.actix_configure(m),
            ("to", 1) => self.actix_to(m),
            ("mount", 2) => self.rocket_mount(m),
            ("at", 2) => self.poem_at(m),
            ("push", 1) => self.salvo_push(m),
            ("hoop", 1) => self.salvo_hoop(m),
            ("route_service" | "nest_service", 2) => self.tower_service_route(m, name),
            ("serve", 1) | ("serve_connection" | "serve_connection_with_upgrades", 2) => {
                self.served_method(m, name)
            }
            ("fallback" | "fallback_service" | "default_service", 1) => self.fallback(m),
            ("typed_get" | "typed_post" | "typed_put" | "typed_delete" | "typed_patch", 1) => {
                self.typed_route(m, name)
            }
            ("extend", 1) => self.table_extend(m),
            ("and" | "or", 1) => self.warp_combine(m, name == "and"),
            ("and_then" | "then" | "map", 1) => self.warp_handler(m),
            ("goal" | "handle", 1) => self.salvo_goal(m, "ANY").unwrap_or_default(),
            (n, 1) => match http_method(n) {
                Some(method) => self.salvo_goal(m, method).unwrap_or_else(|| ArgPlan {
                    closure_handlers: self.method_router(&m.receiver).is_some(),
                    ..ArgPlan::default()
                }),
                None => ArgPlan::default(),
            },
            _ => ArgPlan::default(),
        }
    }

    /// Route recognition for one call: `OpenApiService::new(Api, ..)` mounts the API's
    /// routes, `Router::with_hoop(auth)` adds middleware, `axum::serve(listener, svc)` serves a
    /// service, `attach_routes(web::scope("/v1"))` mounts a helper that adds routes to the
    /// router it is given. Returns an argument walked already.
    pub(super) fn route_call(&mut self, c: &syn::ExprCall) -> Option<usize> {
        self.helper_call(c);
        let Expr::Path(p) = &*c.func else {
            return None;
        };
        let last = &p.path.segments.last()?.ident;
        if last == "serve" {
            self.served_call(c);
        }
        if last == "new" || last == "with_hoop" {
            let callee = super::body::path_string(&p.path);
            self.poem_openapi_service(c, &callee);
            self.salvo_with_hoop(c, &callee);
        }
        None
    }

    /// The current function's route prefixes.
    pub(super) fn prefixes(&self) -> Vec<RoutePath> {
        self.fns
            .last()
            .map(|f| f.prefixes.clone())
            .unwrap_or_default()
    }

    /// Push prefixes for the arguments of the current call; returns how many were pushed.
    pub(super) fn push_prefixes(&mut self, parts: Vec<RoutePath>) -> usize {
        match self.fns.last_mut() {
            Some(f) => {
                let n = parts.len();
                f.prefixes.extend(parts);
                n
            }
            None => 0,
        }
    }

    /// Is `name` a binding of the current function (not a function path)?
    pub(super) fn is_local(&self, name: &str) -> bool {
        self.fns.last().is_some_and(|f| f.locals.contains(name))
    }

    /// Record a route registered in the current function.
    pub(super) fn push_route(
        &mut self,
        method: &str,
        path: Vec<RoutePath>,
        handler: Handler,
        framework: &str,
        pos: Pos,
    ) {
        let registered_in = self.fns.last().map(|f| f.path.clone());
        self.facts.routes.push(RouteFact {
            method: method.to_owned(),
            path,
            handler: handler.path,
            registered_in,
            framework: framework.to_owned(),
            value: handler.value,
            served: false,
            pos,
        });
    }

    /// Record a mount in the current function.
    pub(super) fn push_mount(&mut self, prefix: Vec<RoutePath>, target: String, pos: Pos) {
        self.push_mount_of(MountKind::Routes, prefix, target, pos);
    }

    /// Record a mount of routes or middleware in the current function.
    pub(super) fn push_mount_of(
        &mut self,
        kind: MountKind,
        prefix: Vec<RoutePath>,
        target: String,
        pos: Pos,
    ) {
        let Some(f) = self.fns.last() else { return };
        let fact = MountFact {
            prefix,
            target,
            in_fn: f.path.clone(),
            kind,
            pos,
        };
        // A router local used twice in one place (`.nest("/a", api.clone())`), or in several
        // arms of a `match` that yields a router, is one mount.
        let again = self
            .facts
            .mounts
            .iter()
            .rev()
            .take_while(|m| m.in_fn == fact.in_fn)
            .any(|m| m.prefix == fact.prefix && m.target == fact.target && m.kind == fact.kind);
        if !again {
            self.facts.mounts.push(fact);
        }
    }

    /// A method router: axum `post(h)`, `get(a).post(b)`, `on(MethodFilter::POST, h)`,
    /// `post(h).layer(..)`; actix `web::post().to(h)`, `web::route().to(h)`.
    pub(super) fn method_router(&self, e: &Expr) -> Option<MethodRouter> {
        match peel(e) {
            Expr::Call(c) => self.axum_method_fn(c),
            Expr::MethodCall(mc) => {
                let name = mc.method.to_string();
                match (name.as_str(), mc.args.len()) {
                    (
                        "layer" | "route_layer" | "with_state" | "wrap" | "boxed" | "with" | "data",
                        _,
                    ) => self.method_router(&mc.receiver),
                    ("to", 1) => {
                        let method = actix::actix_method(&mc.receiver)?;
                        Some(MethodRouter {
                            framework: "actix",
                            routes: self
                                .handler_of(&mc.args[0], "call")
                                .map(|h| (method, h))
                                .into_iter()
                                .collect(),
                        })
                    }
                    ("on", 2) => {
                        let mut base = self.method_router(&mc.receiver)?;
                        let method = method_name(&mc.args[0]).unwrap_or_else(|| "ANY".into());
                        base.routes
                            .extend(self.handler_of(&mc.args[1], "call").map(|h| (method, h)));
                        Some(base)
                    }
                    (n, 1) => {
                        let method = http_method(n)?;
                        let mut base = self.method_router(&mc.receiver)?;
                        base.routes.extend(
                            self.handler_of(&mc.args[0], "call")
                                .map(|h| (method.to_owned(), h)),
                        );
                        Some(base)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}
