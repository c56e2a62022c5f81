//! Route tables declared by an attribute on a type, the shape of project route macros such as
//! meilisearch's `#[routes::routes(routes("/chats" => sub(chats::ChatsApi), "/health" =>
//! get(get_health), "/x" => [get(a), post(b)]))]`. The general rule: an attribute on a struct
//! whose arguments hold `routes(<path literal> => <entry>, ..)`, each entry a method call
//! naming the handler (`get(h)`, `post(h)`, `any(h)`), a bracketed list of them, or
//! `sub(Type)` naming another such type, declares the struct's routes. They are registered in
//! the struct's router function `Type::{routes}`; `sub(T)` mounts `T::{routes}` under the
//! path, and naming the type where routers are mounted (`.configure(<Api as Routes>::configure)`,
//! any `Api::f`) mounts its routes (the inventory falls back from `Api::f` to `Api::{routes}`).
//! `#[typed_path]` attributes are read here too (`typed.rs`).

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Meta, Token};

use super::http_method;
use crate::facts::{MountFact, MountKind, RouteFact, RoutePath};
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{path_string, peel};

/// One `"<path>" => <entry>` of a route table.
struct Entry {
    path: syn::LitStr,
    target: Expr,
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path = input.parse()?;
        input.parse::<Token![=>]>()?;
        Ok(Entry {
            path,
            target: input.parse()?,
        })
    }
}

/// The tokens of a nested `routes(..)` argument.
fn routes_group(tokens: &TokenStream) -> Option<TokenStream> {
    let mut prev_routes = false;
    for tt in tokens.clone() {
        match &tt {
            TokenTree::Group(g) if prev_routes => return Some(g.stream()),
            TokenTree::Ident(i) => prev_routes = i == "routes",
            _ => prev_routes = false,
        }
    }
    None
}

impl Extractor<'_> {
    /// Attributes of a struct that declare routes.
    pub(in crate::frontend::rust) fn struct_attrs(
        &mut self,
        attrs: &[Attribute],
        ident: &syn::Ident,
    ) {
        if !self.fns.is_empty() {
            return;
        }
        for attr in attrs {
            if self.typed_path_attr(attr, ident) {
                continue;
            }
            let Meta::List(list) = &attr.meta else {
                continue;
            };
            let Some(table) = routes_group(&list.tokens) else {
                continue;
            };
            let Ok(entries) = Punctuated::<Entry, Token![,]>::parse_terminated.parse2(table) else {
                continue;
            };
            let router = self.type_router(&ident.to_string(), self.idx.at(ident.span()));
            for e in &entries {
                self.attr_table_entry(&router, e);
            }
        }
    }

    fn attr_table_entry(&mut self, router: &str, e: &Entry) {
        let path = vec![RoutePath::Lit(e.path.value())];
        let pos = self.idx.at(e.path.span());
        let calls: Vec<&Expr> = match peel(&e.target) {
            Expr::Array(a) => a.elems.iter().collect(),
            other => vec![other],
        };
        for call in calls {
            let Expr::Call(c) = peel(call) else { continue };
            let (Expr::Path(f), Some(arg)) = (&*c.func, c.args.first()) else {
                continue;
            };
            let Expr::Path(target) = peel(arg) else {
                continue;
            };
            let name = path_string(&f.path);
            let target = path_string(&target.path);
            if name == "sub" {
                self.facts.mounts.push(MountFact {
                    prefix: path.clone(),
                    target: format!("{target}::{{routes}}"),
                    in_fn: router.to_owned(),
                    kind: MountKind::Routes,
                    pos,
                });
            } else if let Some(method) = http_method(&name) {
                self.facts.routes.push(RouteFact {
                    method: method.to_owned(),
                    path: path.clone(),
                    handler: target,
                    registered_in: Some(router.to_owned()),
                    framework: self.attr_framework.to_owned(),
                    value: false,
                    served: false,
                    pos,
                });
            }
        }
    }
}
