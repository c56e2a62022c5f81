//! warp filters (in files that name warp): `warp::path!("v1" / "chat" / String)`,
//! `warp::path("v1").and(warp::path("chat"))`, `warp::path::param()`, `.and(warp::post())`,
//! a handler `.and_then(h)` / `.map(h)` / `.then(h)` (closures included) on a filter that
//! matches a path or a method, filters combined with `.or(..)`, and filters held in locals
//! and returned by helper functions: `warp::path("api").and(chat_filters())` mounts the
//! helper's routes under `/api`. A filter without path or method (`warp::any().map(..)`,
//! state injection) serves no route.

use proc_macro2::{TokenStream, TokenTree};
use syn::{Expr, ExprMethodCall};

use super::{ArgPlan, http_method};
use crate::facts::RoutePath;
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{path_string, peel};

/// What a filter chain matches.
#[derive(Debug, Clone, Default)]
pub(in crate::frontend::rust) struct Filter {
    pub(in crate::frontend::rust) path: Vec<RoutePath>,
    pub(in crate::frontend::rust) method: Option<String>,
}

/// Methods that pass a filter through unchanged.
const THROUGH: [&str; 7] = [
    "boxed",
    "clone",
    "with",
    "recover",
    "untuple_one",
    "unify",
    "map_err",
];

/// The segments of `path!("v1" / "chat" / String / ..)`: literals, `{param}` for types.
fn path_macro(tokens: TokenStream) -> Vec<RoutePath> {
    let mut out = Vec::new();
    let mut piece: Vec<TokenTree> = Vec::new();
    let flush = |piece: &mut Vec<TokenTree>, out: &mut Vec<RoutePath>| {
        match piece.as_slice() {
            [] => {}
            [TokenTree::Literal(l)] => match syn::parse_str::<syn::LitStr>(&l.to_string()) {
                Ok(s) => out.push(RoutePath::Lit(s.value())),
                Err(_) => out.push(RoutePath::Unknown),
            },
            [TokenTree::Punct(a), TokenTree::Punct(b)]
                if a.as_char() == '.' && b.as_char() == '.' => {}
            _ => out.push(RoutePath::Lit("{param}".to_owned())),
        }
        piece.clear();
    };
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == '/' => flush(&mut piece, &mut out),
            _ => piece.push(tt),
        }
    }
    flush(&mut piece, &mut out);
    out
}

impl Extractor<'_> {
    /// What a warp filter expression matches; `None` when it is not one.
    pub(in crate::frontend::rust) fn warp_filter(&self, e: &Expr) -> Option<Filter> {
        if !self.warp {
            return None;
        }
        match peel(e) {
            Expr::Macro(m) => {
                let last = m.mac.path.segments.last()?;
                (last.ident == "path").then(|| Filter {
                    path: path_macro(m.mac.tokens.clone()),
                    method: None,
                })
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return None;
                };
                let segs = &p.path.segments;
                let first = segs.first()?.ident.to_string();
                let last = segs.last()?.ident.to_string();
                if first != "warp" && !(segs.len() == 1 && matches!(last.as_str(), "path" | "any"))
                {
                    return None;
                }
                let mut f = Filter::default();
                match (last.as_str(), c.args.len()) {
                    ("path", 1) => f.path = self.route_path(&c.args[0]),
                    ("param", 0) => f.path.push(RoutePath::Lit("{param}".to_owned())),
                    ("tail" | "peek" | "full", 0) => {
                        f.path.push(RoutePath::Lit("{*tail}".to_owned()))
                    }
                    (name, 0) if segs.len() == 2 => {
                        f.method = http_method(name).filter(|m| *m != "ANY").map(str::to_owned)
                    }
                    _ => {}
                }
                Some(f)
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                match (name.as_str(), m.args.len()) {
                    ("and", 1) => {
                        let mut f = self.warp_filter(&m.receiver)?;
                        if let Some(more) = self.warp_filter(&m.args[0]) {
                            f.path.extend(more.path);
                            f.method = f.method.or(more.method);
                        }
                        Some(f)
                    }
                    (n, _) if THROUGH.contains(&n) => self.warp_filter(&m.receiver),
                    _ => None,
                }
            }
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let b = self.binding(&path_string(&p.path)).filter(|b| b.router)?;
                Some(Filter {
                    path: b.path.clone(),
                    method: b.method.clone(),
                })
            }
            _ => None,
        }
    }

    /// A filter built from warp's own functions (`warp::post()`, `warp::body::json()`,
    /// `path!(..)`): nothing to mount.
    fn warp_library(&self, e: &Expr) -> bool {
        let mut cur = e;
        loop {
            match peel(cur) {
                Expr::MethodCall(m) => cur = &m.receiver,
                Expr::Macro(_) => return true,
                Expr::Call(c) => {
                    return matches!(&*c.func, Expr::Path(p)
                        if p.path.segments.first().is_some_and(|s| s.ident == "warp"));
                }
                _ => return false,
            }
        }
    }

    /// `filter.and(x)`: what `x` registers gets the filter's path as a prefix;
    /// `a.or(b)`: `b` is mounted where it is combined.
    pub(super) fn warp_combine(&mut self, m: &ExprMethodCall, and: bool) -> ArgPlan {
        if !self.warp {
            return ArgPlan::default();
        }
        let own = if and {
            match self.warp_filter(&m.receiver) {
                Some(f) => f.path,
                None => return ArgPlan::default(),
            }
        } else {
            Vec::new()
        };
        let mut prefix = self.prefixes();
        if !and && prefix.is_empty() {
            // Routes of a helper combined at the top are at their own paths already.
            return ArgPlan::default();
        }
        prefix.extend(own.iter().cloned());
        let pos = self.idx.at(m.method.span());
        if !self.warp_library(&m.args[0]) {
            self.mount_arg(prefix, &m.args[0], pos);
        }
        ArgPlan {
            pushed: self.push_prefixes(own),
            ..ArgPlan::default()
        }
    }

    /// `filter.and_then(h)` / `.map(h)` / `.then(h)`: a route when the filter matches a path
    /// or a method.
    pub(super) fn warp_handler(&mut self, m: &ExprMethodCall) -> ArgPlan {
        let Some(f) = self.warp_filter(&m.receiver) else {
            return ArgPlan::default();
        };
        if f.path.is_empty() && f.method.is_none() {
            return ArgPlan::default();
        }
        let mut path = self.prefixes();
        path.extend(f.path);
        if let Some(h) = self.handler_of(&m.args[0], "call") {
            let pos = self.idx.at(m.method.span());
            let method = f.method.as_deref().unwrap_or("ANY");
            self.push_route(method, path, h, "warp", pos);
        }
        ArgPlan {
            closure_handlers: true,
            ..ArgPlan::default()
        }
    }
}
