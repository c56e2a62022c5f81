//! Services as handlers (axum over tower): `.route_service("/x", svc)` (any method, that
//! path), `.nest_service("/x", svc)` (everything under it: route `/x/{*rest}`, and routes the
//! service's `call` matches itself are mounted under `/x`), `.fallback_service(svc)` and
//! `.fallback(h)` (route `{*fallback}` of the router; actix `.default_service(..)` too). The
//! service is a value (`Type::new(..)`, `Type { .. }`, `Type`, a local bound to one,
//! `ServiceBuilder::new().layer(..).service(svc)`), whose handler is `Type::call`, or a
//! function wrapped by `service_fn`/`get_service`; a router nested as a service is nested.

use syn::{Expr, ExprMethodCall};

use super::ArgPlan;
use crate::facts::RoutePath;
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{expr_start, path_string, peel};

impl Extractor<'_> {
    /// Whether `e` is a router held in a local or built in place (then nested, not served).
    pub(super) fn is_router_value(&self, e: &Expr) -> bool {
        match peel(e) {
            Expr::Path(p) => self
                .binding(&path_string(&p.path))
                .is_some_and(|b| b.router),
            _ => self.salvo_path(e).is_some() && super::chain_root_call(e).is_some(),
        }
    }

    /// `.route_service(path, svc)` / `.nest_service(path, svc)`.
    pub(super) fn tower_service_route(&mut self, m: &ExprMethodCall, name: &str) -> ArgPlan {
        let (path_arg, svc) = (&m.args[0], &m.args[1]);
        let own = self.route_path(path_arg);
        let mut path = self.prefixes();
        path.extend(own.iter().cloned());
        if self.is_router_value(svc) {
            return ArgPlan {
                pushed: self.push_prefixes(own),
                ..ArgPlan::default()
            };
        }
        let pos = self
            .idx
            .at(expr_start(path_arg).unwrap_or_else(|| m.method.span()));
        let nest = name == "nest_service";
        // `get_service(ServeDir::new(..))`: a method router of services.
        let routes = match self.method_router(svc) {
            Some(r) => r.routes,
            None => match self.handler_of(svc, "call") {
                Some(h) => vec![("ANY".to_owned(), h)],
                None => return ArgPlan::default(),
            },
        };
        for (method, handler) in routes {
            if nest {
                // A service that matches paths itself sees them below the prefix.
                self.push_mount(path.clone(), handler.path.clone(), pos);
            }
            let mut route = path.clone();
            if nest {
                route.push(RoutePath::Lit("{*rest}".to_owned()));
            }
            self.push_route(&method, route, handler, "axum", pos);
        }
        ArgPlan {
            closure_handlers: true,
            ..ArgPlan::default()
        }
    }

    /// `.fallback(h)`, `.fallback_service(svc)`, `.default_service(svc)`: what no other route
    /// of the router matches.
    pub(super) fn fallback(&mut self, m: &ExprMethodCall) -> ArgPlan {
        let arg = &m.args[0];
        let Some(handler) = self.handler_of(arg, "call") else {
            return ArgPlan::default();
        };
        let prefix = self.prefixes();
        let pos = self.idx.at(m.method.span());
        // A service that matches paths itself sees every path the router does.
        self.push_mount(prefix.clone(), handler.path.clone(), pos);
        let mut route = prefix;
        route.push(RoutePath::Lit("{*fallback}".to_owned()));
        let framework = if m.method == "default_service" {
            "actix"
        } else {
            "axum"
        };
        self.push_route("ANY", route, handler, framework, pos);
        ArgPlan {
            closure_handlers: true,
            ..ArgPlan::default()
        }
    }
}
