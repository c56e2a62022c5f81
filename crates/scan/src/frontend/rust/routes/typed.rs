//! axum-extra typed routing: `.typed_get(h)` / `.typed_post(h)` / `.typed_put(h)` /
//! `.typed_delete(h)` / `.typed_patch(h)` serve the path declared by
//! `#[typed_path("/completions/{chat_id}")]` on the handler's first parameter type. The
//! frontend records each `#[typed_path]` struct as the constant `module::Type.#typed_path`
//! and the route's path as [`RoutePath::Typed`]; the endpoint inventory resolves it from the
//! handler's first parameter, which may be in another file or crate.

use syn::{Attribute, ExprMethodCall, Meta};

use super::ArgPlan;
use crate::facts::{ConstString, RoutePath, TYPED_PATH_FIELD};
use crate::frontend::rust::Extractor;

impl Extractor<'_> {
    /// `.typed_<method>(h)`.
    pub(super) fn typed_route(&mut self, m: &ExprMethodCall, name: &str) -> ArgPlan {
        let method = name.trim_start_matches("typed_").to_ascii_uppercase();
        let mut path = self.prefixes();
        path.push(RoutePath::Typed);
        if let Some(h) = self.handler_of(&m.args[0], "call") {
            let pos = self.idx.at(m.method.span());
            self.push_route(&method, path, h, "axum", pos);
        }
        ArgPlan::default()
    }

    /// `#[typed_path("/x")]` on a struct: its path as a constant.
    pub(super) fn typed_path_attr(&mut self, attr: &Attribute, ident: &syn::Ident) -> bool {
        if attr
            .path()
            .segments
            .last()
            .is_none_or(|s| s.ident != "typed_path")
        {
            return false;
        }
        let Meta::List(list) = &attr.meta else {
            return true;
        };
        let Ok(first) = list.parse_args_with(|input: syn::parse::ParseStream| {
            let lit: syn::LitStr = input.parse()?;
            let _rest: proc_macro2::TokenStream = input.parse()?;
            Ok(lit)
        }) else {
            return true;
        };
        self.facts.consts.push(ConstString {
            path: format!("{}::{ident}.{TYPED_PATH_FIELD}", self.module()),
            value: first.value(),
            pos: self.idx.at(ident.span()),
        });
        true
    }
}
