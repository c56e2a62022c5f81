//! Which expressions are routers, for routers held in locals (`locals.rs`): a chain rooted at
//! a router type's constructor (`Router::new()`, `Route::new()`, `App::new()`,
//! `web::scope(..)`, `OpenApiService::new(..)`) or at a warp filter, unless its outermost
//! method turns it into something else (`into_make_service`, `swagger_ui`); a chain on a router local; a call's result with a router-building
//! method on it (`build_ui_router(..).layer(..)`); a helper's result given a router
//! (`attach_routes(web::scope("/v1"))`, see `passed.rs`); a `match`, `if`/`else` or block whose every
//! branch is one of these or a router local (`match p { A => router.route(..), _ => router }`).
//! Also what a local bound to something else holds: a call's result, a service value, a
//! collection of routers.

use syn::Expr;

use super::branches::branch_values;
use super::handlers::built_type;
use super::is_builder;
use super::locals::Binding;
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{is_upper, path_string, peel};

/// Methods that turn a router into something else (a service, documentation, a spec).
#[rustfmt::skip]
const LEAVES_ROUTER: [&str; 16] = [
    "into_make_service", "into_make_service_with_connect_info", "into_service", "swagger_ui",
    "swagger_ui_html", "rapidoc", "redoc", "openapi_explorer", "scalar", "stoplight_elements",
    "spec", "spec_yaml", "spec_endpoint", "spec_endpoint_yaml", "run", "serve",
];

/// Methods that make a call's result a router (`build_ui_router(..).layer(..)`).
#[rustfmt::skip]
const BUILD_METHODS: [&str; 16] = [
    "route", "nest", "nest_no_strip", "merge", "layer", "route_layer", "with_state", "fallback",
    "route_service", "nest_service", "hoop", "at", "configure", "wrap", "typed_get",
    "typed_post",
];

/// Types whose constructors build routers.
#[rustfmt::skip]
pub(super) const ROUTER_TYPES: [&str; 9] = [
    "Router", "Route", "App", "Scope", "Resource", "ApiRouter", "OpenApiRouter", "RouteMethod",
    "OpenApiService",
];

/// What a `let` initialiser or an assignment binds.
pub(super) enum Init {
    /// A router: walk it as a router function, mounting these first.
    Router(Vec<String>),
    /// The same as another binding.
    Alias(Binding),
    /// The result of calls to these functions.
    Source(Vec<String>),
    /// A service value of this type.
    Value(String),
    /// A collection of these routers.
    Collection(Vec<String>),
    Other,
}

/// Whether a method turns a router into something else (`into_make_service`, `swagger_ui`).
pub(in crate::frontend::rust) fn leaves_router(method: &syn::Ident) -> bool {
    LEAVES_ROUTER.iter().any(|m| method == m)
}

/// The root of a method chain and its method names, innermost first (a block holding only
/// the chain, `{ Router::new().route(..) }`, is the chain).
pub(in crate::frontend::rust) fn chain(e: &Expr) -> (&Expr, Vec<&syn::Ident>) {
    let mut methods = Vec::new();
    let mut cur = e;
    loop {
        match peel(cur) {
            Expr::MethodCall(m) => {
                methods.push(&m.method);
                cur = &m.receiver;
            }
            Expr::Await(a) => cur = &a.base,
            Expr::Try(t) => cur = &t.expr,
            Expr::Block(b) if methods.is_empty() && b.block.stmts.len() == 1 => {
                match &b.block.stmts[0] {
                    syn::Stmt::Expr(inner, None) => cur = inner,
                    _ => return (cur, methods),
                }
            }
            other => {
                methods.reverse();
                return (other, methods);
            }
        }
    }
}

impl Extractor<'_> {
    /// Is the expression's root a router type's constructor or a warp filter?
    pub(super) fn router_root(&self, root: &Expr) -> bool {
        match root {
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return false;
                };
                let segs = &p.path.segments;
                let n = segs.len();
                let ty = (n >= 2).then(|| segs[n - 2].ident.to_string());
                ty.is_some_and(|t| ROUTER_TYPES.contains(&t.as_str()))
                    || (n == 2 && segs[0].ident == "web" && {
                        let last = segs[1].ident.to_string();
                        last == "scope" || last == "resource"
                    })
                    || self.warp_filter(root).is_some()
            }
            Expr::Macro(_) => self.warp_filter(root).is_some(),
            _ => false,
        }
    }

    pub(super) fn classify(&self, e: &Expr) -> Init {
        let (root, methods) = chain(e);
        let keeps = |m: &[&syn::Ident]| m.last().is_none_or(|l| !leaves_router(l));
        let builds = |m: &[&syn::Ident]| m.iter().any(|x| BUILD_METHODS.iter().any(|b| *x == b));
        if self.router_root(root) {
            return if keeps(&methods) {
                Init::Router(Vec::new())
            } else {
                Init::Other
            };
        }
        if methods.is_empty()
            && let Some(values) = branch_values(root)
        {
            return self.classify_branches(&values);
        }
        match root {
            Expr::Path(p) if p.path.segments.len() == 1 && p.qself.is_none() => {
                let name = path_string(&p.path);
                let Some(b) = self.binding(&name) else {
                    return Init::Other;
                };
                if methods.is_empty() {
                    Init::Alias(b.clone())
                } else if b.router && keeps(&methods) {
                    Init::Router(Vec::new())
                } else if !b.router && !b.targets.is_empty() && builds(&methods) {
                    Init::Router(b.targets.clone())
                } else {
                    Init::Other
                }
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return Init::Other;
                };
                let callee = path_string(&p.path);
                let last = callee.rsplit("::").next().unwrap_or(&callee);
                if callee.ends_with("Vec::new") || callee.ends_with("Vec::with_capacity") {
                    return Init::Collection(Vec::new());
                }
                // A helper given a router hands it back with its routes added.
                if self.router_arg(c).is_some() {
                    return if keeps(&methods) {
                        Init::Router(Vec::new())
                    } else {
                        Init::Other
                    };
                }
                if !is_upper(last) && !is_builder(&callee) && !callee.contains(char::is_uppercase) {
                    if builds(&methods) {
                        return Init::Router(vec![callee]);
                    }
                    if methods.is_empty() {
                        return Init::Source(vec![callee]);
                    }
                }
                match built_type(self, e) {
                    Some(ty) => Init::Value(ty),
                    None => Init::Other,
                }
            }
            Expr::Struct(_) => built_type(self, e).map_or(Init::Other, Init::Value),
            Expr::Array(a) if methods.is_empty() => {
                Init::Collection(a.elems.iter().flat_map(|el| self.held(el)).collect())
            }
            Expr::Macro(m) if methods.is_empty() && m.mac.path.is_ident("vec") => {
                let elems = syn::parse::Parser::parse2(
                    syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
                    m.mac.tokens.clone(),
                );
                let held = elems.map(|els| els.iter().flat_map(|el| self.held(el)).collect());
                Init::Collection(held.unwrap_or_default())
            }
            _ => Init::Other,
        }
    }

    /// The routers an expression holds where a router is expected: a local's, a call's.
    pub(super) fn held(&self, e: &Expr) -> Vec<String> {
        let (root, _) = chain(e);
        if self.router_root(root) {
            return Vec::new();
        }
        match root {
            Expr::Path(p) if p.path.segments.len() == 1 => self
                .binding(&path_string(&p.path))
                .map(|b| b.targets.clone())
                .unwrap_or_default(),
            // A helper given a router is mounted by the call itself, with the argument's path.
            Expr::Call(c) if self.router_arg(c).is_some() => Vec::new(),
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => {
                    let callee = path_string(&p.path);
                    let last = callee.rsplit("::").next().unwrap_or(&callee);
                    let plain = !is_upper(last) && !is_builder(&callee);
                    if plain { vec![callee] } else { Vec::new() }
                }
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}
