//! Route attributes (`#[post("/chat")]`, `#[post("/chat", data = "<req>")]`,
//! `#[route("/x", method = "POST")]`, `#[route(POST, uri = "/x")]`) shared by actix-web
//! and rocket, and rocket's `.mount("/api", routes![a, b])`.

use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprMethodCall, Meta, Token};

use super::{ArgPlan, chain_root_call, http_method, method_name};
use crate::facts::{RouteFact, RoutePath};
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{path_string, peel};

impl Extractor<'_> {
    /// Route attributes on a function: one [`RouteFact`] per method, `registered_in`
    /// `None`, the handler being the function itself.
    pub(in crate::frontend::rust) fn attr_routes(&mut self, attrs: &[Attribute], fn_path: &str) {
        for attr in attrs {
            let Meta::List(list) = &attr.meta else {
                continue;
            };
            let segs = &list.path.segments;
            let Some(last) = segs.last() else { continue };
            let name = last.ident.to_string();
            if name != "route" && http_method(&name).is_none() {
                continue;
            }
            let origin = (segs.len() > 1).then(|| segs[0].ident.to_string());
            let mut framework = match origin.as_deref() {
                None => self.attr_framework,
                Some("actix_web" | "ntex") => "actix",
                Some("rocket") => "rocket",
                Some(_) => continue,
            };
            let Ok(args) =
                Punctuated::<Expr, Token![,]>::parse_terminated.parse2(list.tokens.clone())
            else {
                continue;
            };
            let mut path = None;
            let mut methods: Vec<String> = Vec::new();
            for arg in &args {
                match peel(arg) {
                    Expr::Lit(_) if path.is_none() => path = Some(self.route_path(arg)),
                    Expr::Macro(_) if path.is_none() => path = Some(self.route_path(arg)),
                    Expr::Assign(a) => {
                        let key = match peel(&a.left) {
                            Expr::Path(p) => path_string(&p.path),
                            _ => continue,
                        };
                        match key.as_str() {
                            "method" => methods.extend(method_name(&a.right)),
                            "uri" | "path" => path = Some(self.route_path(&a.right)),
                            "data" | "format" | "rank" => framework = "rocket",
                            _ => {}
                        }
                    }
                    other => methods.extend(method_name(other)),
                }
            }
            let Some(path) = path else { continue };
            if path
                .iter()
                .any(|p| matches!(p, RoutePath::Lit(p) if p.contains('<')))
            {
                framework = "rocket";
            }
            if name != "route" {
                methods = vec![name.to_ascii_uppercase()];
            } else if methods.is_empty() {
                methods.push("ANY".to_owned());
            }
            let pos = self.idx.at(attr.pound_token.span);
            for method in methods {
                self.facts.routes.push(RouteFact {
                    method,
                    path: path.clone(),
                    handler: fn_path.to_owned(),
                    registered_in: None,
                    framework: framework.to_owned(),
                    value: false,
                    served: false,
                    pos,
                });
            }
        }
    }

    /// `.mount("/api", routes![a, b])`: one mount per handler; `.mount("/", api())`.
    pub(super) fn rocket_mount(&mut self, m: &ExprMethodCall) -> ArgPlan {
        let mut prefix = self.prefixes();
        prefix.extend(self.route_path(&m.args[0]));
        let pos = self.idx.at(m.method.span());
        match peel(&m.args[1]) {
            Expr::Macro(mac)
                if mac
                    .mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "routes") =>
            {
                let parsed = Punctuated::<syn::Path, Token![,]>::parse_terminated
                    .parse2(mac.mac.tokens.clone());
                for p in parsed.iter().flatten() {
                    self.push_mount(prefix.clone(), path_string(p), pos);
                }
            }
            Expr::Path(p) => {
                let name = path_string(&p.path);
                if !self.is_local(&name) {
                    self.push_mount(prefix, name, pos);
                }
            }
            other => {
                if let Some(Expr::Path(callee)) = chain_root_call(other).map(|c| &*c.func) {
                    self.push_mount(prefix, path_string(&callee.path), pos);
                }
            }
        }
        ArgPlan::default()
    }
}
