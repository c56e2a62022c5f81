//! axum: `.route(path, post(h))`, method-router chains, `.nest`/`.merge`, and route
//! tables iterated in a loop (`for (path, handler) in [("/x", post(x))] { .. }`).
//! `.route(path, web::post().to(h))` on an actix `App`/scope shares this path.

use syn::visit;
use syn::{Expr, ExprCall, ExprForLoop, ExprMethodCall, Pat};

use super::{ArgPlan, MethodRouter, http_method, method_name};
use crate::facts::{Pos, RoutePath};
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{expr_start, peel};

/// One row of a route table: `("/inference", post(inference))`.
#[derive(Debug, Clone)]
pub(in crate::frontend::rust) struct TableEntry {
    path: Vec<RoutePath>,
    pos: Pos,
    router: MethodRouter,
}

/// A route table bound by `for (path_var, handler_var) in table`.
#[derive(Debug, Clone)]
pub(in crate::frontend::rust) struct LoopTable {
    path_var: String,
    handler_var: String,
    entries: Vec<TableEntry>,
}

/// `(a, b)` or `&(a, b)` loop pattern: the two names.
fn pair_names(p: &Pat) -> Option<(String, String)> {
    match p {
        Pat::Reference(r) => pair_names(&r.pat),
        Pat::Tuple(t) if t.elems.len() == 2 => match (&t.elems[0], &t.elems[1]) {
            (Pat::Ident(a), Pat::Ident(b)) => Some((a.ident.to_string(), b.ident.to_string())),
            _ => None,
        },
        _ => None,
    }
}

/// Whether macro tokens open with a parenthesised group whose first token is a string
/// literal: `("/x", post(x)), ..`.
fn tuple_of_str(tokens: &proc_macro2::TokenStream) -> bool {
    match tokens.clone().into_iter().next() {
        Some(proc_macro2::TokenTree::Group(g))
            if g.delimiter() == proc_macro2::Delimiter::Parenthesis =>
        {
            matches!(
                g.stream().into_iter().next(),
                Some(proc_macro2::TokenTree::Literal(_))
            )
        }
        _ => false,
    }
}

/// A bare identifier expression (`path`, `&handler`, `handler.clone()`).
fn ident_of(e: &Expr) -> Option<String> {
    match peel(e) {
        Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        Expr::MethodCall(m) if m.args.is_empty() && m.method == "clone" => ident_of(&m.receiver),
        _ => None,
    }
}

impl Extractor<'_> {
    /// axum (and poem) routing functions: `post(h)`, `routing::get(h)`,
    /// `on(MethodFilter::POST, h)`, `get_service(svc)`, poem's `RouteMethod::new()`.
    pub(super) fn axum_method_fn(&self, c: &ExprCall) -> Option<MethodRouter> {
        let Expr::Path(p) = &*c.func else {
            return None;
        };
        let last = p.path.segments.last()?.ident.to_string();
        let segs = &p.path.segments;
        if last == "new" && segs.len() >= 2 && segs[segs.len() - 2].ident == "RouteMethod" {
            return Some(MethodRouter {
                framework: "poem",
                routes: Vec::new(),
            });
        }
        let (method, handler) = match c.args.len() {
            1 => {
                let base = last.strip_suffix("_service").unwrap_or(&last);
                (http_method(base)?.to_owned(), &c.args[0])
            }
            2 if last == "on" => (
                method_name(&c.args[0]).unwrap_or_else(|| "ANY".into()),
                &c.args[1],
            ),
            _ => return None,
        };
        Some(MethodRouter {
            framework: "axum",
            routes: self
                .handler_of(handler, "call")
                .map(|h| (method, h))
                .into_iter()
                .collect(),
        })
    }

    /// `.route(path, method_router)` (axum, and actix `App`/`Scope::route`).
    pub(super) fn route_with_path(&mut self, m: &ExprMethodCall) -> ArgPlan {
        let (path_arg, handler_arg) = (&m.args[0], &m.args[1]);
        if let (Some(pv), Some(hv)) = (ident_of(path_arg), ident_of(handler_arg)) {
            let table = self.fns.last().and_then(|f| {
                f.loops
                    .iter()
                    .rev()
                    .find(|t| t.path_var == pv && t.handler_var == hv)
                    .map(|t| t.entries.clone())
            });
            if let Some(entries) = table {
                let prefixes = self.prefixes();
                for e in entries {
                    let mut path = prefixes.clone();
                    path.extend(e.path);
                    for (method, handler) in e.router.routes {
                        self.push_route(&method, path.clone(), handler, e.router.framework, e.pos);
                    }
                }
                return ArgPlan::default();
            }
        }
        let Some(router) = self.method_router(handler_arg) else {
            return ArgPlan::default();
        };
        let mut path = self.prefixes();
        if let Some((false, scope)) = self.scope_root(&m.receiver) {
            path.extend(scope);
        }
        path.extend(self.route_path(path_arg));
        let pos = self
            .idx
            .at(expr_start(path_arg).unwrap_or_else(|| m.method.span()));
        for (method, handler) in router.routes {
            self.push_route(&method, path.clone(), handler, router.framework, pos);
        }
        ArgPlan::default()
    }

    /// `.nest("/api", sub_router())` / `.merge(other())`: a mount, or (for an inline
    /// `Router::new()..` argument) a prefix for the routes inside; an inline router that adds
    /// middleware is a router of its own, and a router local is mounted where it is walked.
    pub(super) fn axum_nest(&mut self, m: &ExprMethodCall, nest: bool) -> ArgPlan {
        let (part, index) = if nest {
            (self.route_path(&m.args[0]), 1)
        } else {
            (Vec::new(), 0)
        };
        let target = &m.args[index];
        let mut prefix = self.prefixes();
        prefix.extend(part.iter().cloned());
        let pos = self.idx.at(m.method.span());
        if self.nest_middleware_router(prefix.clone(), target, m.method.span()) {
            return ArgPlan {
                walked: Some(index),
                ..ArgPlan::default()
            };
        }
        self.mount_arg(prefix, target, pos);
        ArgPlan {
            pushed: self.push_prefixes(part),
            ..ArgPlan::default()
        }
    }

    /// Rows of a route table expression: an array (or `vec![..]`, `.iter()` of one, or a
    /// name bound to one by `let`).
    fn table_entries(&self, e: &Expr) -> Vec<TableEntry> {
        match peel(e) {
            Expr::Array(a) => a
                .elems
                .iter()
                .filter_map(|el| self.table_entry(el))
                .collect(),
            Expr::MethodCall(m) if m.args.is_empty() => self.table_entries(&m.receiver),
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                let parsed = syn::parse::Parser::parse2(
                    syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
                    m.mac.tokens.clone(),
                );
                parsed
                    .map(|els| els.iter().filter_map(|el| self.table_entry(el)).collect())
                    .unwrap_or_default()
            }
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|name| self.fns.last()?.tables.get(&name.to_string()).cloned())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn table_entry(&self, e: &Expr) -> Option<TableEntry> {
        let Expr::Tuple(t) = peel(e) else {
            return None;
        };
        if t.elems.len() != 2 {
            return None;
        }
        let path = self.route_path(&t.elems[0]);
        if path == [RoutePath::Unknown] {
            return None;
        }
        let router = self.method_router(&t.elems[1])?;
        let pos = self.idx.at(expr_start(&t.elems[0])?);
        Some(TableEntry { path, pos, router })
    }

    /// A route table held in a struct's field (`RouteHandlers { routes: vec![("/x", post(x))] }`,
    /// built to be returned): its rows are routes of the current function, which whoever
    /// iterates the table mounts (see [`Self::table_extend`]).
    pub(in crate::frontend::rust) fn field_table(&mut self, value: &Expr) {
        // Only a list whose first row is a tuple opening with a string: most struct fields
        // hold other lists, and reading a `vec![..]`'s tokens as rows costs a parse.
        let rows = match peel(value) {
            Expr::Array(a) => matches!(a.elems.first(), Some(Expr::Tuple(_))),
            Expr::Macro(m) => m.mac.path.is_ident("vec") && tuple_of_str(&m.mac.tokens),
            _ => false,
        };
        if !rows || self.fns.is_empty() {
            return;
        }
        let prefixes = self.prefixes();
        for e in self.table_entries(value) {
            let mut path = prefixes.clone();
            path.extend(e.path);
            for (method, handler) in e.router.routes {
                self.push_route(&method, path.clone(), handler, e.router.framework, e.pos);
            }
        }
    }

    /// `routes.extend(build_routes().routes)` on a local route table: the rows another
    /// function builds join the table, so that function's routes are mounted here.
    pub(super) fn table_extend(&mut self, m: &ExprMethodCall) -> ArgPlan {
        let Expr::Path(p) = peel(&m.receiver) else {
            return ArgPlan::default();
        };
        let Some(name) = p.path.get_ident().map(ToString::to_string) else {
            return ArgPlan::default();
        };
        if !self
            .fns
            .last()
            .is_some_and(|f| f.tables.contains_key(&name))
        {
            return ArgPlan::default();
        }
        let mut arg = peel(&m.args[0]);
        while let Expr::Field(f) = arg {
            arg = peel(&f.base);
        }
        if let Expr::Call(c) = arg
            && let Expr::Path(callee) = &*c.func
        {
            let target = crate::frontend::rust::body::path_string(&callee.path);
            let pos = self.idx.at(m.method.span());
            self.push_mount(self.prefixes(), target, pos);
        }
        ArgPlan::default()
    }

    /// `let routes = [("/x", post(x)), ..];` remembered for a later `for` loop.
    pub(in crate::frontend::rust) fn local_table(&mut self, name: &syn::Ident, init: &Expr) {
        if !matches!(peel(init), Expr::Array(_) | Expr::Macro(_)) {
            return;
        }
        let entries = self.table_entries(init);
        if !entries.is_empty()
            && let Some(f) = self.fns.last_mut()
        {
            f.tables.insert(name.to_string(), entries);
        }
    }

    /// `for (path, handler) in table { router = router.route(path, handler) }`;
    /// `for r in routers { app = app.merge(r) }` over a collection of routers.
    pub(in crate::frontend::rust) fn for_expr(&mut self, f: &ExprForLoop) {
        if let Some(name) = self.loop_binding(&f.pat, &f.expr) {
            visit::visit_expr_for_loop(self, f);
            if let Some(state) = self.fns.last_mut() {
                state.bindings.remove(&name);
            }
            return;
        }
        let table = pair_names(&f.pat).and_then(|(path_var, handler_var)| {
            let entries = self.table_entries(&f.expr);
            (!entries.is_empty()).then_some(LoopTable {
                path_var,
                handler_var,
                entries,
            })
        });
        let Some(table) = table else {
            return visit::visit_expr_for_loop(self, f);
        };
        if let Some(state) = self.fns.last_mut() {
            state.loops.push(table);
        }
        visit::visit_expr_for_loop(self, f);
        if let Some(state) = self.fns.last_mut() {
            state.loops.pop();
        }
    }
}
