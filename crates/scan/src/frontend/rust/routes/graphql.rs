//! GraphQL resolvers as endpoints: the fields of an async-graphql `#[Object]` /
//! `#[Subscription]` impl or a juniper `#[graphql_object]` impl. Admin actions such as
//! deactivating users are often mutations, and a query can reach a model like a route can.
//! Each field is an endpoint whose method is the operation (`QUERY`, `MUTATION`,
//! `SUBSCRIPTION`) and whose route is the field name as clients see it (camelCase).

use syn::Attribute;

use crate::facts::{RouteFact, RoutePath};

/// What a GraphQL impl block serves: the operation and the framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::frontend::rust) struct GraphqlImpl {
    pub(in crate::frontend::rust) operation: &'static str,
    pub(in crate::frontend::rust) framework: &'static str,
}

/// Recognises a resolver impl by its attribute and the operation by the attribute or type name.
pub(in crate::frontend::rust) fn graphql_impl(
    attrs: &[Attribute],
    self_type: &str,
) -> Option<GraphqlImpl> {
    let attr = attrs.iter().find_map(|a| {
        let last = a.path().segments.last()?.ident.to_string();
        match last.as_str() {
            "Object" | "Subscription" => Some((last, "async-graphql")),
            "graphql_object" | "graphql_subscription" => Some((last, "juniper")),
            _ => None,
        }
    })?;
    let ty = self_type.to_ascii_lowercase();
    let operation =
        if attr.0.to_ascii_lowercase().contains("subscription") || ty.contains("subscription") {
            "SUBSCRIPTION"
        } else if ty.contains("mutation") {
            "MUTATION"
        } else {
            "QUERY"
        };
    Some(GraphqlImpl {
        operation,
        framework: attr.1,
    })
}

/// `deactivate_user` → `deactivateUser`, the default field naming of both frameworks.
pub(in crate::frontend::rust) fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for ch in name.trim_start_matches("r#").chars() {
        if ch == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The endpoint of one resolver field.
pub(in crate::frontend::rust) fn resolver_route(
    g: GraphqlImpl,
    name: &str,
    fn_path: &str,
    pos: crate::facts::Pos,
) -> RouteFact {
    RouteFact {
        method: g.operation.to_owned(),
        path: vec![RoutePath::Lit(camel_case(name))],
        handler: fn_path.to_owned(),
        registered_in: None,
        framework: g.framework.to_owned(),
        value: false,
        served: false,
        pos,
    }
}
