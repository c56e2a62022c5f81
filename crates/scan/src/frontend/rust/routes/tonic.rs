//! tonic gRPC services: each method of `impl text_generation_service_server::TextGenerationService
//! for Service` is an endpoint with method `GRPC` and route `/TextGenerationService/Generate`
//! (the service trait and the method in upper camel case, as gRPC names them; the protobuf
//! package is not known from Rust). An impl is a service when its trait is reached through a
//! tonic-generated `*_server` module (written in the impl or imported by a `use`), or when it
//! carries `#[tonic::async_trait]`.

use syn::{Attribute, Path};

use super::graphql::camel_case;
use crate::facts::{Pos, RouteFact, RoutePath};
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::path_string;

impl Extractor<'_> {
    /// The service trait's name when the impl is a tonic service (an imported trait by the
    /// name it was declared with, `use ..::health_server::Health as HealthService`).
    pub(super) fn grpc_service(&self, attrs: &[Attribute], trait_path: &Path) -> Option<String> {
        let segs: Vec<String> = trait_path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let written = segs.last()?;
        let generated = segs[..segs.len() - 1]
            .iter()
            .any(|s| s.ends_with("_server"));
        let tonic_attr = attrs
            .iter()
            .any(|a| path_string(a.path()) == "tonic::async_trait");
        let module = self.module();
        let import = (segs.len() == 1)
            .then(|| {
                self.facts
                    .uses
                    .iter()
                    .find(|u| u.module == module && u.alias == *written)
            })
            .flatten();
        let imported = import.is_some_and(|u| u.target.contains("_server::"));
        let name = import
            .and_then(|u| u.target.rsplit("::").next())
            .unwrap_or(written);
        (generated || tonic_attr || imported).then(|| name.to_owned())
    }

    /// The endpoint of one gRPC method.
    pub(super) fn grpc_method(&mut self, service: &str, name: &str, fn_path: &str, pos: Pos) {
        let mut method = camel_case(name);
        if let Some(first) = method.get(..1) {
            method = first.to_ascii_uppercase() + &method[1..];
        }
        self.facts.routes.push(RouteFact {
            method: "GRPC".to_owned(),
            path: vec![RoutePath::Lit(format!("/{service}/{method}"))],
            handler: fn_path.to_owned(),
            registered_in: None,
            framework: "tonic".to_owned(),
            value: false,
            served: false,
            pos,
        });
    }
}
