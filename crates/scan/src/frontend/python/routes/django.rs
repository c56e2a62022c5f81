//! Django: `urlpatterns = [path("chat/", views.chat), re_path(r"^api/", include("app.urls"))]`
//! route to views (a class-based view's `as_view()` to its `post`), `include("pkg.urls")`
//! mounts another `urls.py` under the prefix, and a DRF router's `register(r"chat",
//! ChatViewSet)` routes `POST chat/` to the viewset's `create`.

use ruff_python_ast::{Expr, ExprCall};

use super::{RouteArgs, keyword};
use crate::frontend::python::{Extractor, dotted};

impl Extractor {
    pub(super) fn django_call(
        &mut self,
        c: &ExprCall,
        method: &str,
        root: &str,
    ) -> Option<RouteArgs> {
        let args = &c.arguments.args;
        match method {
            "path" | "re_path" | "url" if root.is_empty() || root == "django" || root == "urls" => {
                let route = args.first()?;
                let target = args.get(1).or_else(|| keyword(c, "view"))?;
                let prefix = self.route_path(Some(route));
                let prefix = match prefix {
                    crate::facts::RoutePath::Lit(p) => crate::facts::RoutePath::Lit(
                        p.trim_start_matches('^').trim_end_matches('$').to_owned(),
                    ),
                    other => other,
                };
                let registrar = self.registrar("");
                let pos = self.pos_of(route);
                match target {
                    Expr::Call(inc)
                        if dotted(&inc.func).is_some_and(|n| n.last() == Some(&"include")) =>
                    {
                        let included = inc.arguments.args.first()?;
                        let targets: Vec<String> = match self.string_value(included) {
                            // `include("app.urls")`: that module's top level, under every
                            // package the dotted path may be relative to.
                            Some(m) => {
                                let m = m.replace('.', "::");
                                let mut out = vec![format!("{m}::{{module}}")];
                                let mut package = self.package.as_str();
                                while !package.is_empty() {
                                    out.push(format!("{package}::{m}::{{module}}"));
                                    package = package.rsplit_once("::").map_or("", |(p, _)| p);
                                }
                                out
                            }
                            // `include(router.urls)`: a DRF router.
                            None => dotted(included)
                                .map(|n| vec![n[0].to_owned()])
                                .unwrap_or_default(),
                        };
                        for t in targets {
                            self.push_mount(vec![prefix.clone()], t, registrar.clone(), pos);
                        }
                    }
                    other => {
                        let handler = self.handler_of(other)?;
                        let method = if handler.ends_with("::post") {
                            "POST"
                        } else {
                            "ANY"
                        };
                        let framework = self.framework;
                        self.push_route(method, vec![prefix], handler, registrar, framework, pos);
                    }
                }
                Some(RouteArgs::SkipPath)
            }
            "register"
                if self
                    .routers
                    .iter()
                    .any(|r| r.name == root && r.ctor.ends_with("Router")) =>
            {
                let route = self.route_path(args.first());
                let viewset = dotted(args.get(1)?)?.join("::");
                let registrar = self.registrar(root);
                let pos = self.pos_of(c);
                let framework = self.framework;
                self.push_route(
                    "POST",
                    vec![route],
                    format!("{viewset}::create"),
                    registrar,
                    framework,
                    pos,
                );
                Some(RouteArgs::SkipPath)
            }
            _ => None,
        }
    }
}
