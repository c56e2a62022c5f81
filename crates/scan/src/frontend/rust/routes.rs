//! Route registrations and mounts, per framework (one file each under `routes/`).
//!
//! Recognisers hook into the body walk: method calls named `route`, `nest`, `merge`,
//! `service`, `configure`, `to`, `mount` (and method-router chains), `match`/`if` on a
//! request path, `for` loops over route tables, and route attributes on functions.

mod actix;
mod axum;
pub(super) mod graphql;
mod hyper;
mod rocket;

use syn::{Expr, ExprMethodCall};

use super::Extractor;
use super::body::{is_upper, path_string, peel};
use crate::facts::{MountFact, Pos, RouteFact, RoutePath};

pub(super) use self::axum::{LoopTable, TableEntry};

/// Handler name used when the handler expression cannot be read statically.
const UNKNOWN_HANDLER: &str = "{unknown}";

/// What the body walk should do with the arguments of a recognised method call.
#[derive(Default)]
pub(super) struct ArgPlan {
    /// Prefixes pushed for the duration of the arguments (popped afterwards).
    pub(super) pushed: usize,
    /// Closure arguments are route handlers (synthetic functions).
    pub(super) closure_handlers: bool,
}

/// The (method, handler) pairs of a method router such as `get(a).post(b)` or
/// `web::post().to(h)`.
#[derive(Debug, Clone)]
pub(super) struct MethodRouter {
    pub(super) framework: &'static str,
    pub(super) routes: Vec<(String, String)>,
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
            ("nest", 2) => self.axum_nest(m, true),
            ("merge", 1) => self.axum_nest(m, false),
            ("service", 1) => self.actix_service(m),
            ("configure", 1) => self.actix_configure(m),
            ("to", 1) => self.actix_to(m),
            ("mount", 2) => self.rocket_mount(m),
            (n, 1) if http_method(n).is_some() => ArgPlan {
                pushed: 0,
                closure_handlers: self.method_router(&m.receiver).is_some(),
            },
            _ => ArgPlan::default(),
        }
    }

    /// The current function's route prefixes.
    pub(super) fn prefixes(&self) -> Vec<RoutePath> {
        self.fns
            .last()
            .map(|f| f.prefixes.clone())
            .unwrap_or_default()
    }

    /// Push a prefix for the arguments of the current call; returns how many were pushed.
    pub(super) fn push_prefix(&mut self, p: Option<RoutePath>) -> usize {
        match (p, self.fns.last_mut()) {
            (Some(p), Some(f)) => {
                f.prefixes.push(p);
                1
            }
            _ => 0,
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
        handler: String,
        framework: &str,
        pos: Pos,
    ) {
        let registered_in = self.fns.last().map(|f| f.path.clone());
        self.facts.routes.push(RouteFact {
            method: method.to_owned(),
            path,
            handler,
            registered_in,
            framework: framework.to_owned(),
            pos,
        });
    }

    /// Record a mount in the current function.
    pub(super) fn push_mount(&mut self, prefix: Vec<RoutePath>, target: String, pos: Pos) {
        let Some(f) = self.fns.last() else { return };
        self.facts.mounts.push(MountFact {
            prefix,
            target,
            in_fn: f.path.clone(),
            pos,
        });
    }

    /// A route path argument: literal, constant (`ROUTE`, `CHAT_ROUTE.path`) or unknown.
    pub(super) fn route_path(&self, e: &Expr) -> RoutePath {
        match peel(e) {
            Expr::Lit(l) => match &l.lit {
                syn::Lit::Str(s) => RoutePath::Lit(s.value()),
                _ => RoutePath::Unknown,
            },
            Expr::Path(p) => {
                let path = path_string(&p.path);
                if p.path.segments.len() == 1 && (!is_upper(&path) && self.is_local(&path)) {
                    RoutePath::Unknown
                } else {
                    RoutePath::Const(path)
                }
            }
            Expr::Field(f) => match (peel(&f.base), &f.member) {
                (Expr::Path(p), syn::Member::Named(member)) => {
                    RoutePath::Const(format!("{}.{member}", path_string(&p.path)))
                }
                _ => RoutePath::Unknown,
            },
            Expr::MethodCall(m) if m.args.is_empty() => self.route_path(&m.receiver),
            Expr::Macro(m) if m.mac.path.is_ident("concat") => {
                let parts = syn::parse::Parser::parse2(
                    syn::punctuated::Punctuated::<syn::LitStr, syn::Token![,]>::parse_terminated,
                    m.mac.tokens.clone(),
                );
                match parts {
                    Ok(parts) => RoutePath::Lit(parts.iter().map(syn::LitStr::value).collect()),
                    Err(_) => RoutePath::Unknown,
                }
            }
            _ => RoutePath::Unknown,
        }
    }

    /// The handler named by a method-router argument, as written.
    pub(super) fn handler_of(&self, e: &Expr) -> String {
        match peel(e) {
            Expr::Path(p) => path_string(&p.path),
            Expr::Closure(c) => self.closure_path(c),
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => path_string(&p.path),
                _ => UNKNOWN_HANDLER.to_owned(),
            },
            Expr::MethodCall(m) => self.handler_of(&m.receiver),
            _ => UNKNOWN_HANDLER.to_owned(),
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
                    ("layer" | "route_layer" | "with_state" | "wrap" | "boxed", _) => {
                        self.method_router(&mc.receiver)
                    }
                    ("to", 1) => {
                        let method = actix::actix_method(&mc.receiver)?;
                        Some(MethodRouter {
                            framework: "actix",
                            routes: vec![(method, self.handler_of(&mc.args[0]))],
                        })
                    }
                    ("on", 2) => {
                        let mut base = self.method_router(&mc.receiver)?;
                        let method = method_name(&mc.args[0]).unwrap_or_else(|| "ANY".into());
                        base.routes.push((method, self.handler_of(&mc.args[1])));
                        Some(base)
                    }
                    (n, 1) => {
                        let method = http_method(n)?;
                        let mut base = self.method_router(&mc.receiver)?;
                        base.routes
                            .push((method.to_owned(), self.handler_of(&mc.args[0])));
                        Some(base)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}
