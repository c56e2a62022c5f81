//! A service served directly, with no route table: `axum_server::bind(addr).serve(svc)`
//! (also `bind_rustls(..)` and any builder methods before `serve`), `hyper::Server::bind(..)
//! .serve(make_svc)`, `axum::serve(listener, svc)`, a connection builder's
//! `.serve_connection(io, svc)`. When `svc` is a value of a type (`App::new(..)`,
//! `Factory { .. }`, a local bound to one, seen through `Shared::new(..)`,
//! `BoxCloneService::new(..)`, `TowerToHyperService::new(..)`, `.into_make_service()` and
//! `ServiceBuilder::new().layer(..).service(svc)`), every request reaches that type's `call`:
//! the route is `ANY /{*path}`, marked [`RouteFact::served`](crate::facts::RouteFact::served).
//! A router (`axum::serve(listener, app)` of a `Router`), a function or closure
//! (`service_fn(h)`) gives no such route: its routes are registered where it is built. The
//! analysis keeps the route only when the type is the workspace's and implements `Service`,
//! its `call` matches no paths itself, and its package has no route table.
//!
//! A make-service — `impl Service<SocketAddr> for Factory` whose `call` returns the service
//! of a connection — serves each request with the service it returns: its `call` ends with a
//! `call` of that service ([`MAKE_SERVICE_CALL`]), resolved as a tower service's call of its
//! inner service.

use syn::{Expr, ExprCall, ExprMethodCall};

use super::{ArgPlan, Handler, chain_root_call};
use crate::facts::slim::is_connection_type;
use crate::facts::{Chain, EventKind, RoutePath};
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{expr_start, path_string};

/// The route of a service served with no route table.
pub const SERVED_ROUTE: &str = "{*path}";

/// The receiver of the `call` a make-service's `call` ends with: the service it returns.
pub const MAKE_SERVICE_CALL: &str = "{connection service}";

/// Constructors of servers whose `.serve(svc)` serves one service (axum-server, hyper 0.14).
const SERVER_CTORS: [&str; 9] = [
    "bind",
    "bind_rustls",
    "bind_openssl",
    "from_tcp",
    "from_tcp_rustls",
    "from_tcp_openssl",
    "try_bind",
    "builder",
    "from_listener",
];

impl Extractor<'_> {
    /// `.serve(svc)` on a server built by `bind(..)`/`builder(..)`, `.serve_connection(io, svc)`.
    pub(super) fn served_method(&mut self, m: &ExprMethodCall, name: &str) -> ArgPlan {
        let framework = if name == "serve" {
            let Some(root) = chain_root_call(&m.receiver) else {
                return ArgPlan::default();
            };
            let Expr::Path(p) = &*root.func else {
                return ArgPlan::default();
            };
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let last = segs.last().map(String::as_str).unwrap_or_default();
            let server_new = last == "new" && segs.len() >= 2 && segs[segs.len() - 2] == "Server";
            if !SERVER_CTORS.contains(&last) && !server_new {
                return ArgPlan::default();
            }
            if segs.iter().any(|s| s == "axum_server") {
                "tower"
            } else {
                "hyper"
            }
        } else {
            "hyper"
        };
        let svc = m.args.last().expect("serve has an argument");
        let at = expr_start(svc).unwrap_or_else(|| m.method.span());
        self.served(svc, framework, at);
        ArgPlan::default()
    }

    /// `axum::serve(listener, svc)` (also `serve(listener, svc)` after `use axum::serve`).
    pub(super) fn served_call(&mut self, c: &ExprCall) {
        let Expr::Path(p) = &*c.func else {
            return;
        };
        let path = path_string(&p.path);
        if c.args.len() != 2 || !(path == "axum::serve" || path == "serve") {
            return;
        }
        let svc = &c.args[1];
        let Some(at) = expr_start(svc).or_else(|| expr_start(&c.func)) else {
            return;
        };
        self.served(svc, "tower", at);
    }

    /// The route of a served service value; nothing for a router, a function or a closure.
    fn served(&mut self, svc: &Expr, framework: &str, at: proc_macro2::Span) {
        if self.is_router_value(svc) {
            return;
        }
        let Some(handler @ Handler { value: true, .. }) = self.handler_of(svc, "call") else {
            return;
        };
        let pos = self.idx.at(at);
        let mut route = self.prefixes();
        route.push(RoutePath::Lit(SERVED_ROUTE.to_owned()));
        self.push_route("ANY", route, handler, framework, pos);
        if let Some(r) = self.facts.routes.last_mut() {
            r.served = true;
        }
    }

    /// At the end of a make-service's `call` (its first parameter is a connection): the
    /// service it returns is called for each request, a `call` on [`MAKE_SERVICE_CALL`].
    pub(in crate::frontend::rust) fn make_service_end(
        &mut self,
        first_param: Option<&str>,
        block: &syn::Block,
    ) {
        if !first_param.is_some_and(is_connection_type) {
            return;
        }
        let at = match block.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) => {
                expr_start(e).unwrap_or_else(|| block.brace_token.span.close())
            }
            _ => block.brace_token.span.close(),
        };
        self.emit(
            EventKind::Method {
                chain: Chain::from_iter(["call"]),
                receiver: MAKE_SERVICE_CALL.into(),
            },
            at,
        );
    }
}
