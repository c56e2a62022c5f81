//! poem: `Route::new().at("/v1/chat", post(chat))`, `get(a).post(b)`,
//! `RouteMethod::new().post(h)`, an endpoint alone (`.at("/", index)`, any method; a value
//! such as `StaticFilesEndpoint::new(..)` is served by its `call`), `.nest("/api", sub)`
//! (as axum's). poem-openapi: each `#[oai(path = "/chat", method = "post")]` method of an
//! `#[OpenApi]` (or `#[OpenApi(prefix_path = "/v1")]`) impl is an endpoint registered in the
//! impl's router function `Type::{routes}`, which `OpenApiService::new(Api, ..)` (or a tuple
//! of APIs) mounts where it is nested.

use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprCall, ExprMethodCall, Meta, Token};

use super::ArgPlan;
use super::handlers::qualified_path;
use crate::facts::{Pos, RouteFact, RoutePath};
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{expr_start, path_string, peel};

/// `key = "value"` arguments of an attribute.
pub(super) fn attr_key_values(attr: &Attribute) -> Vec<(String, Expr)> {
    let Meta::List(list) = &attr.meta else {
        return Vec::new();
    };
    let Ok(args) = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(list.tokens.clone())
    else {
        return Vec::new();
    };
    args.into_iter()
        .filter_map(|a| match a {
            Expr::Assign(a) => match &*a.left {
                Expr::Path(p) => Some((path_string(&p.path), *a.right)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The string value of an attribute argument.
pub(super) fn str_arg(args: &[(String, Expr)], key: &str) -> Option<String> {
    args.iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| match peel(v) {
            Expr::Lit(l) => match &l.lit {
                syn::Lit::Str(s) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
}

/// `#[OpenApi]` / `#[OpenApi(prefix_path = "/v1")]` on an inherent impl: the prefix.
pub(super) fn openapi_impl(attrs: &[Attribute]) -> Option<Option<RoutePath>> {
    let attr = attrs.iter().find(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "OpenApi")
    })?;
    Some(str_arg(&attr_key_values(attr), "prefix_path").map(RoutePath::Lit))
}

impl Extractor<'_> {
    /// `.at(path, endpoint)`.
    pub(super) fn poem_at(&mut self, m: &ExprMethodCall) -> ArgPlan {
        let (path_arg, ep) = (&m.args[0], &m.args[1]);
        let mut path = self.prefixes();
        path.extend(self.route_path(path_arg));
        let pos = self
            .idx
            .at(expr_start(path_arg).unwrap_or_else(|| m.method.span()));
        if let Some(router) = self.method_router(ep) {
            for (method, handler) in router.routes {
                self.push_route(&method, path.clone(), handler, "poem", pos);
            }
            return ArgPlan {
                closure_handlers: true,
                ..ArgPlan::default()
            };
        }
        if let Expr::Path(p) = peel(ep) {
            // A router held in a local is nested, not served.
            if self
                .binding(&path_string(&p.path))
                .is_some_and(|b| b.router)
            {
                let own = self.route_path(path_arg);
                return ArgPlan {
                    pushed: self.push_prefixes(own),
                    ..ArgPlan::default()
                };
            }
        }
        if let Some(h) = self.handler_of(ep, "call") {
            self.push_route("ANY", path, h, "poem", pos);
        }
        ArgPlan::default()
    }

    /// `OpenApiService::new(Api, ..)` / `OpenApiService::new((A, B), ..)`: mounts each API's
    /// router function where the service is.
    pub(super) fn poem_openapi_service(&mut self, c: &ExprCall, callee: &str) {
        if !callee.ends_with("OpenApiService::new") || c.args.is_empty() {
            return;
        }
        let apis: Vec<&Expr> = match peel(&c.args[0]) {
            Expr::Tuple(t) => t.elems.iter().collect(),
            other => vec![other],
        };
        let prefix = self.prefixes();
        for api in apis {
            let ty = match peel(api) {
                Expr::Path(p) => qualified_path(p),
                Expr::Struct(s) => path_string(&s.path),
                Expr::Call(call) => match &*call.func {
                    Expr::Path(p) => {
                        let path = path_string(&p.path);
                        match path.rsplit_once("::") {
                            Some((ty, _)) if !ty.is_empty() => ty.to_owned(),
                            _ => path,
                        }
                    }
                    _ => continue,
                },
                _ => continue,
            };
            let pos = self
                .idx
                .at(expr_start(api).unwrap_or_else(proc_macro2::Span::call_site));
            self.push_mount(prefix.clone(), format!("{ty}::{{routes}}"), pos);
        }
    }

    /// The routes of one `#[oai(..)]` method of an `#[OpenApi]` impl.
    pub(super) fn openapi_method(
        &mut self,
        router: &str,
        prefix: &Option<RoutePath>,
        attrs: &[Attribute],
        fn_path: &str,
        pos: Pos,
    ) {
        for attr in attrs {
            if attr.path().segments.last().is_none_or(|s| s.ident != "oai") {
                continue;
            }
            let args = attr_key_values(attr);
            let Some(own) = str_arg(&args, "path") else {
                continue;
            };
            let mut path: Vec<RoutePath> = prefix.iter().cloned().collect();
            path.push(RoutePath::Lit(own));
            let methods: Vec<String> = args
                .iter()
                .filter(|(k, _)| k == "method")
                .filter_map(|(_, v)| match peel(v) {
                    Expr::Lit(l) => match &l.lit {
                        syn::Lit::Str(s) => Some(s.value().to_ascii_uppercase()),
                        _ => None,
                    },
                    Expr::Path(p) => p
                        .path
                        .segments
                        .last()
                        .map(|s| s.ident.to_string().to_ascii_uppercase()),
                    _ => None,
                })
                .collect();
            let methods = if methods.is_empty() {
                vec!["ANY".to_owned()]
            } else {
                methods
            };
            for method in methods {
                self.facts.routes.push(RouteFact {
                    method,
                    path: path.clone(),
                    handler: fn_path.to_owned(),
                    registered_in: Some(router.to_owned()),
                    framework: "poem-openapi".to_owned(),
                    value: false,
                    served: false,
                    pos,
                });
            }
        }
    }
}
