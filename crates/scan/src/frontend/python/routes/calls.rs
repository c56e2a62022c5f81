//! Registrations and mounts written as calls: FastAPI `add_api_route`, `include_router`,
//! `mount`; Starlette `Route`, `WebSocketRoute`, `Mount`; Flask `add_url_rule`,
//! `register_blueprint`, `before_request(f)`; Sanic `add_route`, `blueprint`; aiohttp
//! `router.add_post`, `add_route`, `web.post`, `add_subapp`; `add_middleware(Cls)`.

use ruff_python_ast::{Expr, ExprCall};

use super::{RouteArgs, http_method, keyword};
use crate::frontend::python::{Extractor, dotted};

impl Extractor {
    /// A handler as written: `chat`, `views::chat`, `Self::chat` for `self.chat`.
    pub(in crate::frontend::python) fn handler_of(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Call(c) => {
                // `functools.partial(f, ..)`, `View.as_view()`.
                let callee = dotted(&c.func)?;
                match callee.last().copied() {
                    Some("as_view") if callee.len() >= 2 => {
                        Some(format!("{}::post", callee[..callee.len() - 1].join("::")))
                    }
                    // `functools.partial(f, ..)`, `Wrapper(f)`: the function wrapped.
                    _ => match c.arguments.args.first()? {
                        arg @ (Expr::Name(_) | Expr::Attribute(_) | Expr::Call(_)) => {
                            self.handler_of(arg)
                        }
                        _ => None,
                    },
                }
            }
            _ => {
                let names = dotted(e)?;
                if matches!(names[0], "self" | "cls") && names.len() == 2 {
                    return Some(format!("Self::{}", names[1]));
                }
                if names.len() == 1
                    && let Some(n) = self.fns.last().and_then(|f| f.nested.get(names[0]))
                {
                    return Some(n.path.clone());
                }
                Some(names.join("::"))
            }
        }
    }

    /// A registered route; the handler is skipped when it cannot be read.
    fn register(
        &mut self,
        c: &ExprCall,
        root: &str,
        methods: Vec<String>,
        path: Option<&Expr>,
        handler: Option<&Expr>,
    ) {
        let Some(handler) = handler.and_then(|h| self.handler_of(h)) else {
            return;
        };
        let mut parts = self.mount_prefixes.clone();
        if let Some(r) = self.routers.iter().find(|r| r.name == root) {
            parts.extend(r.prefix.clone());
        }
        parts.push(self.route_path(path));
        let registrar = self.registrar(root);
        let pos = path.map_or_else(|| self.pos_of(c), |p| self.pos_of(p));
        let framework = self.framework;
        for m in methods {
            self.push_route(
                &m,
                parts.clone(),
                handler.clone(),
                registrar.clone(),
                framework,
                pos,
            );
        }
    }

    /// A mount of `target` under `prefix`. A name imported more than once (one router or
    /// another, by a setting) is mounted as each of its imports.
    fn mount(&mut self, root: &str, prefix_expr: Option<&Expr>, target: &Expr, at: &Expr) {
        let Some(names) = dotted(target) else { return };
        // A router's own prefix is part of every route registered on it, and so of every
        // router it includes (`kb_router.include_router(summary_router)`).
        let mut prefix = self
            .router_var(root)
            .map(|r| r.prefix.clone())
            .unwrap_or_default();
        if let Some(p) = prefix_expr {
            let own = self.route_path(Some(p));
            prefix.push(own);
        }
        let registrar = self.registrar(root);
        let pos = self.pos_of(at);
        let rest = names[1..]
            .iter()
            .map(|n| format!("::{n}"))
            .collect::<String>();
        let targets: Vec<String> = match self.import_targets.get(names[0]) {
            Some(all) if all.len() > 1 && !self.is_local(names[0]) => {
                all.iter().map(|t| format!("{t}{rest}")).collect()
            }
            _ => vec![names.join("::")],
        };
        for t in targets {
            self.push_mount(prefix.clone(), t, registrar.clone(), pos);
        }
    }

    pub(super) fn registration_call(
        &mut self,
        c: &ExprCall,
        method: &str,
        root: &str,
    ) -> RouteArgs {
        let args = &c.arguments.args;
        let web = self.web();
        match method {
            "add_api_route" | "add_api_websocket_route" | "add_websocket_route" => {
                let verb = http_method(method)
                    .map_or_else(|| self.methods(c, "GET"), |m| vec![m.to_owned()]);
                let path = args.first().or_else(|| keyword(c, "path"));
                let handler = args.get(1).or_else(|| keyword(c, "endpoint"));
                self.register(c, root, verb, path, handler);
                RouteArgs::SkipPath
            }
            "add_url_rule" => {
                let path = args.first().or_else(|| keyword(c, "rule"));
                let handler = keyword(c, "view_func").or_else(|| args.get(2));
                let methods = self.methods(c, "GET");
                self.register(c, root, methods, path, handler);
                RouteArgs::SkipPath
            }
            "add_route" if web => {
                // Sanic: add_route(handler, uri); Starlette: add_route(path, endpoint);
                // aiohttp: add_route(method, path, handler).
                let strings: Vec<bool> = args
                    .iter()
                    .map(|a| self.string_value(a).is_some())
                    .collect();
                match strings.as_slice() {
                    [true, true, ..] => {
                        let m = self
                            .string_value(&args[0])
                            .unwrap_or_default()
                            .to_ascii_uppercase();
                        let m = if m == "*" { "ANY".to_owned() } else { m };
                        self.register(c, root, vec![m], args.get(1), args.get(2));
                    }
                    [true, ..] => {
                        let methods = self.methods(c, "GET");
                        self.register(
                            c,
                            root,
                            methods,
                            args.first(),
                            args.get(1).or_else(|| keyword(c, "endpoint")),
                        );
                    }
                    _ => {
                        let methods = self.methods(c, "GET");
                        let path = args.get(1).or_else(|| keyword(c, "uri"));
                        self.register(c, root, methods, path, args.first());
                    }
                }
                RouteArgs::SkipPath
            }
            m if m.starts_with("add_") && http_method(m).is_some() && web => {
                let verb = vec![http_method(m).unwrap_or("GET").to_owned()];
                self.register(c, root, verb, args.first(), args.get(1));
                RouteArgs::SkipPath
            }
            // aiohttp `web.post("/x", handler)` in `app.add_routes([..])`.
            "get" | "post" | "put" | "delete" | "patch" | "view"
                if self.module_alias(root).is_some_and(|m| m == "aiohttp::web")
                    || self.qualified(root).is_some_and(|q| q == "aiohttp::web") =>
            {
                let verb = vec![http_method(method).unwrap_or("ANY").to_owned()];
                self.register(c, "", verb, args.first(), args.get(1));
                RouteArgs::SkipPath
            }
            "Route" | "WebSocketRoute"
                if self.framework == "starlette" || self.framework == "fastapi" =>
            {
                let verb = if method == "Route" {
                    self.methods(c, "GET")
                } else {
                    vec!["WS".to_owned()]
                };
                let path = args.first().or_else(|| keyword(c, "path"));
                let handler = args.get(1).or_else(|| keyword(c, "endpoint"));
                self.register(c, "", verb, path, handler);
                RouteArgs::SkipPath
            }
            "Mount" if self.framework == "starlette" || self.framework == "fastapi" => {
                let prefix = self.route_path(args.first().or_else(|| keyword(c, "path")));
                if let Some(app) = keyword(c, "app").or_else(|| args.get(1)) {
                    self.mount("", args.first(), app, &c.func);
                }
                self.mount_prefixes.push(prefix);
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        self.arg(a);
                    }
                }
                for k in &c.arguments.keywords {
                    if k.arg.as_ref().is_none_or(|a| a.id.as_str() != "path") {
                        self.arg(&k.value);
                    }
                }
                self.mount_prefixes.pop();
                RouteArgs::Done
            }
            "include_router" | "register_blueprint" => {
                if let Some(target) = args.first() {
                    let prefix = keyword(c, "prefix").or_else(|| keyword(c, "url_prefix"));
                    self.mount(root, prefix, target, &c.func);
                }
                RouteArgs::Normal
            }
            "mount" | "add_subapp" if web && args.len() >= 2 => {
                self.mount(root, args.first(), &args[1], &c.func);
                RouteArgs::SkipPath
            }
            "before_request" | "before_app_request" if web => {
                if let Some(h) = args.first().and_then(|h| self.handler_of(h)) {
                    let registrar = self.registrar(root);
                    let pos = self.pos_of(c);
                    self.middleware(&registrar, &h, pos);
                }
                RouteArgs::Normal
            }
            "add_middleware" if web => {
                if let Some(cls) = args.first().and_then(dotted) {
                    let registrar = self.registrar(root);
                    let pos = self.pos_of(c);
                    self.middleware(&registrar, &format!("{}::dispatch", cls.join("::")), pos);
                }
                RouteArgs::Normal
            }
            _ => RouteArgs::Normal,
        }
    }
}
