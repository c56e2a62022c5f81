//! hyper / tower without a router: `match req.uri().path() { "/x" => .. }`,
//! `match (req.method(), req.uri().path()) { (&Method::POST, "/x") => .. }` and
//! `if path == "/x" { .. }` (also `req.method() == Method::POST && ..`). Inside `call` of
//! an `impl Service<..>` the framework is `tower`.

use proc_macro2::Span;
use syn::visit::Visit;
use syn::{BinOp, Expr, ExprIf, ExprMatch, Lit, Pat, Stmt};

use super::method_name;
use crate::facts::{EventKind, RoutePath};
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{path_string, peel};

/// Does the expression read a request path (`req.uri().path()`, `path`, `(method, path)`)?
/// The path of a URL (`request.url().path()`) is a client request's (reqwest), as in a mock
/// transport answering the client's own calls: not a route.
fn mentions_path(e: &Expr) -> bool {
    match e {
        Expr::MethodCall(m)
            if m.method == "url"
                || matches!(&*m.receiver, Expr::MethodCall(r) if r.method == "url") =>
        {
            false
        }
        Expr::MethodCall(m) => {
            m.method == "path" || m.method == "uri" || mentions_path(&m.receiver)
        }
        Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
            let s = i.to_string();
            s.contains("path") || s.contains("uri") || s.contains("route")
        }),
        // A `path`/`uri` field is the request's only on a request or its parts
        // (`parts.uri`); `metrics.path == "/health"` compares a record's field.
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) if n == "path" || n == "uri" => names_request(&f.base),
            _ => mentions_path(&f.base),
        },
        Expr::Tuple(t) => t.elems.iter().any(mentions_path),
        Expr::Reference(r) => mentions_path(&r.expr),
        Expr::Paren(p) => mentions_path(&p.expr),
        Expr::Unary(u) => mentions_path(&u.expr),
        Expr::Group(g) => mentions_path(&g.expr),
        _ => false,
    }
}

/// Whether an expression names a request or its head (`req`, `request`, `parts`, `head`,
/// `self.req`).
fn names_request(e: &Expr) -> bool {
    match peel(e) {
        Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
            let s = i.to_string();
            s.contains("req") || s == "parts" || s == "head"
        }),
        Expr::Field(f) => {
            matches!(&f.member, syn::Member::Named(n) if n.to_string().contains("req"))
        }
        Expr::MethodCall(m) => names_request(&m.receiver),
        _ => false,
    }
}

/// Does the expression read the request method (`req.method()`, `method`)?
fn mentions_method(e: &Expr) -> bool {
    match peel(e) {
        Expr::MethodCall(m) => m.method == "method" || mentions_method(&m.receiver),
        Expr::Path(p) => p.path.is_ident("method"),
        Expr::Field(f) => matches!(&f.member, syn::Member::Named(n) if n == "method"),
        Expr::Unary(u) => mentions_method(&u.expr),
        _ => false,
    }
}

/// A `"/..."` string literal in an expression.
fn path_lit(e: &Expr) -> Option<(String, Span)> {
    match peel(e) {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => {
                let v = s.value();
                v.starts_with('/').then(|| (v, s.span()))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Paths and methods named by an arm pattern: `"/x"`, `"/a" | "/b"`,
/// `(&Method::POST, "/x")`, `("POST", "/x")`.
fn arm_route(p: &Pat, paths: &mut Vec<(String, Span)>, methods: &mut Vec<String>) {
    match p {
        Pat::Lit(l) => {
            if let Lit::Str(s) = &l.lit {
                let v = s.value();
                if v.starts_with('/') {
                    paths.push((v, s.span()));
                } else if let Some(m) = method_name(&Expr::Lit(l.clone())) {
                    methods.push(m);
                }
            }
        }
        Pat::Or(o) => o.cases.iter().for_each(|c| arm_route(c, paths, methods)),
        Pat::Tuple(t) => t.elems.iter().for_each(|c| arm_route(c, paths, methods)),
        Pat::Reference(r) => arm_route(&r.pat, paths, methods),
        Pat::Guard(g) => arm_route(&g.pat, paths, methods),
        Pat::Paren(pp) => arm_route(&pp.pat, paths, methods),
        Pat::Path(pp) => {
            let last = pp.path.segments.last().map(|s| s.ident.to_string());
            if let Some(m) = last.and_then(|l| super::http_method(&l.to_ascii_lowercase())) {
                methods.push(m.to_owned());
            }
        }
        _ => {}
    }
}

/// Paths and methods compared in an `if` condition.
fn cond_route(e: &Expr, paths: &mut Vec<(String, Span)>, methods: &mut Vec<String>) {
    match peel(e) {
        Expr::Binary(b) => match b.op {
            BinOp::And(_) => {
                cond_route(&b.left, paths, methods);
                cond_route(&b.right, paths, methods);
            }
            BinOp::Eq(_) => {
                for (side, other) in [(&b.left, &b.right), (&b.right, &b.left)] {
                    if let Some(p) = path_lit(side) {
                        if mentions_path(other) {
                            paths.push(p);
                        }
                    } else if mentions_method(other) {
                        methods.extend(method_name(side));
                    }
                }
            }
            _ => {}
        },
        Expr::MethodCall(m) if m.method == "eq" && m.args.len() == 1 => {
            if let Some(p) = path_lit(&m.args[0])
                && mentions_path(&m.receiver)
            {
                paths.push(p);
            }
        }
        _ => {}
    }
}

/// The callee when a handler body is a single call (`handle_chat(req).await`,
/// `Ok(handle(req).await?)`, `self.chat(req).await`).
fn single_call(e: &Expr) -> Option<String> {
    match e {
        Expr::Block(b) => single_call_stmts(&b.block.stmts),
        Expr::Await(a) => single_call(&a.base),
        Expr::Try(t) => single_call(&t.expr),
        Expr::Paren(p) => single_call(&p.expr),
        Expr::Return(r) => single_call(r.expr.as_deref()?),
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return None;
            };
            let path = path_string(&p.path);
            let wrapper = matches!(path.as_str(), "Ok" | "Some" | "Box::pin" | "Box::new");
            let last = path.rsplit("::").next().unwrap_or(&path);
            if wrapper && c.args.len() == 1 {
                single_call(&c.args[0])
            } else if last.starts_with(char::is_uppercase) {
                // A constructor (`Either::Left(ready(..))`, `Json(..)`) builds a response in
                // place: the branch is its own handler.
                None
            } else {
                Some(path)
            }
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let adapter = matches!(
                name.as_str(),
                "into_response" | "boxed" | "map_err" | "into" | "map" | "unwrap_or_else"
            );
            if adapter {
                single_call(&m.receiver)
            } else if matches!(peel(&m.receiver), Expr::Path(p) if p.path.is_ident("self")) {
                Some(format!("Self::{name}"))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn single_call_stmts(stmts: &[Stmt]) -> Option<String> {
    match stmts {
        [Stmt::Expr(e, _)] => single_call(e),
        _ => None,
    }
}

impl Extractor<'_> {
    fn hyper_framework(&self) -> &'static str {
        if self.fns.last().is_some_and(|f| f.service_call) {
            "tower"
        } else {
            "hyper"
        }
    }

    /// Routes for one arm or `if` branch; walks `body` (inline for a single call,
    /// else as a synthetic `{arm@LINE}` function).
    fn path_branch(
        &mut self,
        paths: Vec<(String, Span)>,
        mut methods: Vec<String>,
        handler: Option<String>,
        end: Option<Span>,
        walk: impl FnOnce(&mut Self),
    ) {
        let Some(&(_, first)) = paths.first() else {
            return walk(self);
        };
        let handler = match handler {
            Some(h) => {
                walk(self);
                h
            }
            None => {
                let path = format!("{}::{{arm@{}}}", self.handler_base(), first.start().line);
                self.emit(
                    EventKind::FnRef {
                        path: path.as_str().into(),
                    },
                    first,
                );
                self.synthetic(path.clone(), first, end, walk);
                path
            }
        };
        if methods.is_empty() {
            methods.push("ANY".to_owned());
        }
        let framework = self.hyper_framework();
        let prefixes = self.prefixes();
        for (p, span) in paths {
            let mut path = prefixes.clone();
            path.push(RoutePath::Lit(p));
            let pos = self.idx.at(span);
            for m in &methods {
                let h = super::Handler::func(handler.clone());
                self.push_route(m, path.clone(), h, framework, pos);
            }
        }
    }

    /// `match <request path> { "/x" => .. }`.
    pub(in crate::frontend::rust) fn match_expr(&mut self, m: &ExprMatch) {
        let routed = mentions_path(&m.expr)
            && m.arms.iter().any(|a| {
                let mut paths = Vec::new();
                arm_route(&a.pat, &mut paths, &mut Vec::new());
                !paths.is_empty()
            });
        if !routed {
            if !self.receiving_match(m) {
                self.guarded_match(m);
            }
            return;
        }
        self.visit_expr(&m.expr);
        for arm in &m.arms {
            let (mut paths, mut methods) = (Vec::new(), Vec::new());
            arm_route(&arm.pat, &mut paths, &mut methods);
            self.visit_pat(&arm.pat);
            let end = match &*arm.body {
                Expr::Block(b) => Some(b.block.brace_token.span.close()),
                _ => None,
            };
            let handler = single_call(&arm.body);
            self.path_branch(paths, methods, handler, end, |this| {
                this.visit_expr(&arm.body)
            });
        }
    }

    /// `if path == "/x" { .. } else if ..`.
    pub(in crate::frontend::rust) fn if_expr(&mut self, i: &ExprIf) {
        let (mut paths, mut methods) = (Vec::new(), Vec::new());
        cond_route(&i.cond, &mut paths, &mut methods);
        if paths.is_empty() {
            return self.guarded_if(i);
        }
        self.visit_expr(&i.cond);
        let handler = single_call_stmts(&i.then_branch.stmts);
        let end = Some(i.then_branch.brace_token.span.close());
        self.path_branch(paths, methods, handler, end, |this| {
            this.visit_block(&i.then_branch)
        });
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }
}
