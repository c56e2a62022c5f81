//! MCP tool servers (rmcp): each `#[tool(..)]` method of a `#[tool_router]` (or older
//! `#[tool(tool_box)]`) impl is an endpoint with method `MCP` and route `tool:<name>`, the
//! name being `#[tool(name = "..")]` or the method's own. A model reached from a tool is
//! generation like any other endpoint's.

use syn::{Attribute, Meta};

use super::poem::str_arg;
use crate::facts::{Pos, RouteFact, RoutePath};
use crate::frontend::rust::Extractor;

/// `#[tool_router]`, `#[rmcp::tool_router(..)]`, `#[tool(tool_box)]` on an impl.
pub(super) fn tool_router(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        let Some(last) = a.path().segments.last() else {
            return false;
        };
        last.ident == "tool_router"
            || (last.ident == "tool"
                && matches!(&a.meta, Meta::List(l) if l.tokens.to_string().contains("tool_box")))
    })
}

/// The `#[tool]` attribute of a method.
fn tool_attr(attrs: &[Attribute]) -> Option<&Attribute> {
    attrs.iter().find(|a| {
        a.path().segments.last().is_some_and(|s| s.ident == "tool")
            && !matches!(&a.meta, Meta::List(l) if l.tokens.to_string().contains("tool_box"))
    })
}

impl Extractor<'_> {
    /// The endpoint of one tool, when the method is a tool.
    pub(super) fn mcp_tool(&mut self, attrs: &[Attribute], name: &str, fn_path: &str, pos: Pos) {
        let Some(attr) = tool_attr(attrs) else {
            return;
        };
        let args = super::poem::attr_key_values(attr);
        let tool =
            str_arg(&args, "name").unwrap_or_else(|| name.trim_start_matches("r#").to_owned());
        self.facts.routes.push(RouteFact {
            method: "MCP".to_owned(),
            path: vec![RoutePath::Lit(format!("tool:{tool}"))],
            handler: fn_path.to_owned(),
            registered_in: None,
            framework: "rmcp".to_owned(),
            value: false,
            served: false,
            pos,
        });
    }
}
