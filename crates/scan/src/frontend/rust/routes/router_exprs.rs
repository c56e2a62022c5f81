//! Which expressions are routers, for routers held in locals (`locals.rs`): a chain rooted at
//! a router type's constructor (`Router::new()`, `Route::new()`, `App::new()`,
//! `web::scope(..)`, `OpenApiService::new(..)`) or at a warp filter, unless its outermost
//! method turns it into something else (`into_make_service`, `swagger_ui`); a chain on a router local; a call's result with a router-building
//! method on it (`build_ui_router(..).layer(..)`); a helper's result given a router
//! (`attach_routes(web::scope("/v1"))`, see `passed.rs`); a `match`, `if`/`else` or block whose every
//! branch is one of these or a router local (`match p { A => router.route(..), _ => router }`).
//! Also what a local bound to something else holds: a call's result, a service value, a
//! collection of routers.

use syn::{Block, Expr, Stmt};

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

/// Macros that never return (a branch ending in one yields no value).
const DIVERGING_MACROS: [&str; 4] = ["panic", "unreachable", "todo", "unimplemented"];

/// Whether an expression never yields a value: `return`, `break`, `continue`, `panic!(..)`.
fn diverges(e: &Expr) -> bool {
    match peel(e) {
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => true,
        Expr::Macro(m) => diverging_macro(&m.mac),
        _ => false,
    }
}

fn diverging_macro(m: &syn::Macro) -> bool {
    m.path
        .segments
        .last()
        .is_some_and(|s| DIVERGING_MACROS.iter().any(|d| s.ident == d))
}

/// The values a branching expression may yield: the arms of a `match`, both sides of an
/// `if`/`else`, the tail of a block, through nested branches; a branch that diverges yields
/// none. `None` when `e` does not branch, or some branch yields no value (an `if` without
/// `else`, a block ending in a statement).
pub(super) fn branch_values(e: &Expr) -> Option<Vec<&Expr>> {
    let mut out = Vec::new();
    match peel(e) {
        Expr::Match(m) => {
            for arm in &m.arms {
                push_value(&arm.body, &mut out)?;
            }
        }
        Expr::If(i) => {
            push_block(&i.then_branch, &mut out)?;
            push_value(&i.else_branch.as_ref()?.1, &mut out)?;
        }
        Expr::Block(b) => push_block(&b.block, &mut out)?,
        _ => return None,
    }
    Some(out)
}

fn push_value<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) -> Option<()> {
    match peel(e) {
        d if diverges(d) => {}
        Expr::Match(_) | Expr::If(_) | Expr::Block(_) => out.extend(branch_values(e)?),
        other => out.push(other),
    }
    Some(())
}

fn push_block<'e>(b: &'e Block, out: &mut Vec<&'e Expr>) -> Option<()> {
    match b.stmts.last()? {
        Stmt::Expr(e, None) => push_value(e, out),
        Stmt::Expr(e, Some(_)) if diverges(e) => Some(()),
        Stmt::Macro(m) if diverging_macro(&m.mac) => Some(()),
        _ => None,
    }
}

/// The root of a method chain and its method names, innermost first (a block holding only
/// the chain, `{ Router::new().route(..) }`, is the chain).
pub(super) fn chain(e: &Expr) -> (&Expr, Vec<&syn::Ident>) {
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

    /// A branching expression is a router when every branch that yields a value yields a
    /// router (`router.route(..)`, `Router::new()`) or a router local (`_ => router`).
    fn classify_branches(&self, values: &[&Expr]) -> Init {
        let mut roots = Vec::new();
        for v in values {
            match self.classify(v) {
                Init::Router(r) => roots.extend(r),
                Init::Alias(b) if b.router => {}
                _ => return Init::Other,
            }
        }
        if values.is_empty() {
            Init::Other
        } else {
            Init::Router(roots)
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
