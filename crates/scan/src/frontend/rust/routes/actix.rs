//! actix-web builders: `web::scope("/v1").service(..)` nested to any depth,
//! `web::resource("/x").route(web::post().to(h))`, `web::resource("/x").to(h)`,
//! `.service(handler_fn)` and `.configure(config_fn)` mounts.
//! (`#[post("/x")]` attributes are in `rocket.rs`, shared with rocket.)

use syn::{Expr, ExprMethodCall};

use super::handlers::qualified_path;
use super::{ArgPlan, chain_root_call, http_method, method_name};
use crate::facts::RoutePath;
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::peel;

/// The HTTP method of an actix route builder: `web::post()`, `web::route()` (ANY),
/// `web::method(Method::POST)`, `web::route().method(Method::POST)`,
/// `web::route().guard(guard::Post())`.
pub(super) fn actix_method(e: &Expr) -> Option<String> {
    match peel(e) {
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return None;
            };
            let last = p.path.segments.last()?.ident.to_string();
            match (last.as_str(), c.args.len()) {
                ("route", 0) => Some("ANY".to_owned()),
                ("method", 1) => method_name(&c.args[0]),
                (name, 0) => http_method(name).map(str::to_owned),
                _ => None,
            }
        }
        Expr::MethodCall(m) => {
            let base = actix_method(&m.receiver)?;
            let refined = match (m.method.to_string().as_str(), m.args.len()) {
                ("method" | "guard", 1) => method_name(&m.args[0]),
                _ => None,
            };
            Some(match refined {
                Some(r) if base == "ANY" => r,
                _ => base,
            })
        }
        _ => None,
    }
}

impl Extractor<'_> {
    /// The scope or resource at the root of a builder chain: `(is_resource, path)`.
    pub(in crate::frontend::rust) fn scope_root(&self, e: &Expr) -> Option<(bool, Vec<RoutePath>)> {
        let c = chain_root_call(e)?;
        let Expr::Path(p) = &*c.func else {
            return None;
        };
        if c.args.len() != 1 {
            return None;
        }
        let segs: Vec<String> = p
            .path
            .segments
            .iter()
            .rev()
            .take(2)
            .map(|s| s.ident.to_string())
            .collect();
        let resource = match (segs[0].as_str(), segs.get(1).map(String::as_str)) {
            ("scope", _) | ("new", Some("Scope")) => false,
            ("resource", _) | ("new", Some("Resource")) => true,
            _ => return None,
        };
        Some((resource, self.route_path(&c.args[0])))
    }

    /// `.service(x)` on `App`, a scope or a `ServiceConfig`.
    pub(super) fn actix_service(&mut self, m: &ExprMethodCall) -> ArgPlan {
        let part = self
            .scope_root(&m.receiver)
            .map(|(_, p)| p)
            .unwrap_or_default();
        let mut prefix = self.prefixes();
        prefix.extend(part.iter().cloned());
        let pos = self.idx.at(m.method.span());
        let arg = &m.args[0];
        if self.nest_middleware_router(prefix.clone(), arg, m.method.span()) {
            return ArgPlan {
                walked: Some(0),
                ..ArgPlan::default()
            };
        }
        self.mount_arg(prefix, arg, pos);
        ArgPlan {
            pushed: self.push_prefixes(part),
            ..ArgPlan::default()
        }
    }

    /// `.configure(config_fn)` (also `<Api as Routes>::configure`): everything `config_fn`
    /// registers gets the scope prefix.
    pub(super) fn actix_configure(&mut self, m: &ExprMethodCall) -> ArgPlan {
        let part = self
            .scope_root(&m.receiver)
            .map(|(_, p)| p)
            .unwrap_or_default();
        if let Expr::Path(p) = peel(&m.args[0]) {
            let name = qualified_path(p);
            if !self.is_local(&name) {
                let mut prefix = self.prefixes();
                prefix.extend(part.iter().cloned());
                let pos = self.idx.at(m.method.span());
                self.push_mount(prefix, name, pos);
            }
        }
        ArgPlan {
            pushed: self.push_prefixes(part),
            ..ArgPlan::default()
        }
    }

    /// `web::resource("/x").route(web::post().to(h))`.
    pub(super) fn actix_resource_route(&mut self, m: &ExprMethodCall) -> ArgPlan {
        let Some((true, resource)) = self.scope_root(&m.receiver) else {
            return ArgPlan::default();
        };
        let Some(router) = self.method_router(&m.args[0]) else {
            return ArgPlan::default();
        };
        let mut path = self.prefixes();
        path.extend(resource);
        let pos = self.idx.at(m.method.span());
        for (method, handler) in router.routes {
            self.push_route(&method, path.clone(), handler, "actix", pos);
        }
        ArgPlan::default()
    }

    /// `web::resource("/x").to(h)` (any method); closures in `web::post().to(|..| ..)` are
    /// handlers.
    pub(super) fn actix_to(&mut self, m: &ExprMethodCall) -> ArgPlan {
        if let Some((true, resource)) = self.scope_root(&m.receiver) {
            let mut path = self.prefixes();
            path.extend(resource);
            if let Some(handler) = self.handler_of(&m.args[0], "call") {
                let pos = self.idx.at(m.method.span());
                self.push_route("ANY", path, handler, "actix", pos);
            }
            return ArgPlan {
                closure_handlers: true,
                ..ArgPlan::default()
            };
        }
        ArgPlan {
            closure_handlers: actix_method(&m.receiver).is_some(),
            ..ArgPlan::default()
        }
    }
}
