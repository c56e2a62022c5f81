//! Impl blocks whose methods are endpoints: GraphQL resolvers (`graphql.rs`), poem-openapi
//! `#[OpenApi]` impls (`poem.rs`), tonic gRPC services (`tonic.rs`) and rmcp tool routers
//! (`mcp.rs`). Routes declared by attributes on a type (poem-openapi, route tables) are
//! registered in the type's router function `Type::{routes}`, which mounting the type mounts.

use syn::{Attribute, ItemImpl};

use super::graphql::{GraphqlImpl, graphql_impl, resolver_route};
use crate::facts::{Pos, RoutePath};
use crate::frontend::rust::{Extractor, FnState};

/// What the methods of an impl serve.
#[derive(Debug, Clone)]
pub(in crate::frontend::rust) enum ImplEndpoints {
    /// GraphQL fields.
    Graphql(GraphqlImpl),
    /// poem-openapi operations, registered in `router`, under `prefix`.
    OpenApi {
        router: String,
        prefix: Option<RoutePath>,
    },
    /// gRPC methods of the service trait named.
    Grpc(String),
    /// MCP tools.
    Mcp,
}

impl Extractor<'_> {
    /// What an impl's methods serve, if they are endpoints.
    pub(in crate::frontend::rust) fn impl_endpoints(
        &mut self,
        i: &ItemImpl,
        self_type: &str,
    ) -> Option<ImplEndpoints> {
        if let Some(g) = graphql_impl(&i.attrs, self_type) {
            return Some(ImplEndpoints::Graphql(g));
        }
        if super::mcp::tool_router(&i.attrs) {
            return Some(ImplEndpoints::Mcp);
        }
        match &i.trait_ {
            None => {
                let prefix = super::poem::openapi_impl(&i.attrs)?;
                let router = self.type_router(self_type, self.idx.at(i.impl_token.span));
                Some(ImplEndpoints::OpenApi { router, prefix })
            }
            Some((path, _)) => self.grpc_service(&i.attrs, path).map(ImplEndpoints::Grpc),
        }
    }

    /// The routes of one method of an endpoint impl.
    pub(in crate::frontend::rust) fn impl_method_routes(
        &mut self,
        kind: &ImplEndpoints,
        attrs: &[Attribute],
        name: &str,
        fn_path: &str,
        pos: Pos,
    ) {
        match kind {
            ImplEndpoints::Graphql(g) => {
                let route = resolver_route(*g, name, fn_path, pos);
                self.facts.routes.push(route);
            }
            ImplEndpoints::OpenApi { router, prefix } => {
                self.openapi_method(router, prefix, attrs, fn_path, pos)
            }
            ImplEndpoints::Grpc(service) => self.grpc_method(service, name, fn_path, pos),
            ImplEndpoints::Mcp => self.mcp_tool(attrs, name, fn_path, pos),
        }
    }

    /// The router function `module::Type::{routes}` of a type whose routes are declared by
    /// attributes, created once per file.
    pub(in crate::frontend::rust) fn type_router(&mut self, self_type: &str, pos: Pos) -> String {
        let path = format!("{}::{self_type}::{{routes}}", self.module());
        if self.impl_routers.contains(&path) {
            return path;
        }
        self.impl_routers.push(path.clone());
        let state = FnState {
            path: path.clone(),
            events: Vec::new(),
            locals: Default::default(),
            prefixes: Vec::new(),
            loops: Vec::new(),
            tables: Default::default(),
            bindings: Default::default(),
            variants: Default::default(),
            chains: Default::default(),
            replies: Default::default(),
            service_call: false,
            self_type: Some(self_type.to_owned()),
            is_test: self.test_depth > 0,
            guards: Default::default(),
        };
        self.finish_function(
            state,
            "{routes}".to_owned(),
            pos,
            pos.line,
            Default::default(),
        );
        path
    }
}
