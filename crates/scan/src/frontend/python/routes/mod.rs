//! Python route registrations and mounts, one file per form:
//!
//! - here: decorated routes of every framework (`@app.post(..)`, `@router.get(..)`,
//!   `@bp.route(.., methods=[..])`, `@routes.post(..)`, `@app.websocket(..)`), routers and
//!   apps held in module-level variables, middleware (`@app.before_request`,
//!   `@app.middleware("http")`, `app.add_middleware(Cls)`);
//! - [`calls`]: registrations and mounts written as calls (FastAPI `add_api_route` and
//!   `include_router`, Starlette `Route`/`Mount`, Flask `add_url_rule` and
//!   `register_blueprint`, Sanic `add_route` and `blueprint`, aiohttp `add_post`/`web.post`
//!   and `add_subapp`);
//! - [`django`]: `urls.py` `path()`/`re_path()` to views, `include(..)`, DRF routers;
//! - [`gradio`]: event handlers (`btn.click(fn)`, `.submit(fn)`, `gr.ChatInterface(fn)`),
//!   endpoints of method `GRADIO` and route `gradio:<fn>`.
//!
//! Routes on a module-level router are registered in a synthetic function named after the
//! variable (`app::api::router`), which `include_router(router, prefix=..)` elsewhere mounts
//! and which holds what runs before its handlers; routes in a function (an app factory) are
//! registered in that function. The analysis joins them (see [`crate::analysis::endpoints`]).

mod calls;
mod django;
mod gradio;

use ruff_python_ast::{Decorator, Expr, ExprCall};

use super::{Extractor, FnState, RouterVar, dotted, last_name};
use crate::facts::{Event, EventKind, MountFact, Pos, RouteFact, RoutePath};

/// Constructors of routers, apps and blueprints.
const ROUTER_CTORS: &[&str] = &[
    "FastAPI",
    "APIRouter",
    "Flask",
    "Quart",
    "Blueprint",
    "Sanic",
    "Starlette",
    "Application",
    "RouteTableDef",
    "DefaultRouter",
    "SimpleRouter",
    "FastMCP",
];

/// The web framework a file imports, for its route facts.
pub(super) fn framework_of(source: &str) -> &'static str {
    let imports = |m: &str| {
        source.contains(&format!("import {m}"))
            || source.contains(&format!("from {m}"))
            || source.contains(&format!("from {m}."))
    };
    [
        ("fastapi", "fastapi"),
        ("flask", "flask"),
        ("quart", "flask"),
        ("sanic", "sanic"),
        ("aiohttp", "aiohttp"),
        ("starlette", "starlette"),
        ("django", "django"),
        ("rest_framework", "django"),
        ("tornado", "tornado"),
    ]
    .into_iter()
    .find(|(m, _)| imports(m))
    .map_or("python", |(_, f)| f)
}

/// HTTP method of a decorator or registration name.
pub(super) fn http_method(name: &str) -> Option<&'static str> {
    Some(match name {
        "get" | "add_get" => "GET",
        "post" | "add_post" => "POST",
        "put" | "add_put" => "PUT",
        "delete" | "add_delete" => "DELETE",
        "patch" | "add_patch" => "PATCH",
        "head" | "add_head" => "HEAD",
        "options" => "OPTIONS",
        "websocket" | "websocket_route" | "add_websocket_route" | "add_api_websocket_route" => "WS",
        _ => return None,
    })
}

/// What the body walk does with a call's arguments after route recognition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RouteArgs {
    /// Walk them as usual.
    Normal,
    /// Walk them, but the first string is a route path (never URL evidence).
    SkipPath,
    /// Already walked.
    Done,
    /// Walk them without their strings (a text method's arguments).
    NoStrings,
}

/// The parts of a decorator that run before the handler: route `dependencies=[..]`.
pub(super) struct DecoratorUse<'e> {
    pub(super) deps: Vec<&'e Expr>,
}

/// A keyword argument's value.
pub(super) fn keyword<'e>(c: &'e ExprCall, name: &str) -> Option<&'e Expr> {
    c.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.id.as_str() == name))
        .map(|k| &k.value)
}

impl Extractor {
    /// Whether the file uses a web framework (a decorator named like a route is one).
    fn web(&self) -> bool {
        self.framework != "python"
    }

    fn router_var(&self, name: &str) -> Option<&RouterVar> {
        self.routers.iter().find(|r| r.name == name)
    }

    /// A route path argument.
    pub(super) fn route_path(&self, e: Option<&Expr>) -> RoutePath {
        match e {
            Some(e) => match self.string_value(e) {
                Some(s) => RoutePath::Lit(s),
                None => match dotted(e) {
                    Some(names) => RoutePath::Const(names.join("::")),
                    None => RoutePath::Unknown,
                },
            },
            None => RoutePath::Lit(String::new()),
        }
    }

    /// The HTTP methods of `methods=[..]`, or `default`.
    pub(super) fn methods(&self, c: &ExprCall, default: &str) -> Vec<String> {
        let list = match keyword(c, "methods") {
            Some(Expr::List(l)) => l.elts.iter().collect::<Vec<_>>(),
            Some(Expr::Tuple(t)) => t.elts.iter().collect(),
            Some(Expr::Set(s)) => s.elts.iter().collect(),
            _ => Vec::new(),
        };
        let mut out: Vec<String> = list
            .iter()
            .filter_map(|e| self.string_value(e))
            .map(|m| m.to_ascii_uppercase())
            .collect();
        if out.is_empty() {
            out.push(default.to_owned());
        }
        out
    }

    /// The function a receiver's routes are registered in: the current function when the
    /// receiver is one of its locals, else the synthetic function of the module-level variable
    /// (made on first use), else the module's synthetic function.
    pub(super) fn registrar(&mut self, root: &str) -> String {
        if let Some(f) = self.fns.last()
            && !f.is_module
            && (root.is_empty() || root == "self" || f.locals.contains(root))
        {
            return f.path.clone();
        }
        if root.is_empty()
            || root == "self"
            || !root.chars().all(|c| c.is_alphanumeric() || c == '_')
        {
            return self.module_fn();
        }
        if self.router_var(root).is_none() {
            let pos = self
                .fns
                .last()
                .and_then(|f| f.events.last())
                .map_or(Pos { line: 1, offset: 0 }, |e| e.pos);
            self.routers.push(RouterVar {
                name: root.to_owned(),
                prefix: Vec::new(),
                events: Vec::new(),
                pos,
                ctor: String::new(),
            });
        }
        format!("{}::{root}", self.module)
    }

    /// Pushes an event into the registrar function (the current one, or a router's).
    pub(super) fn emit_in(&mut self, registrar: &str, kind: EventKind, pos: Pos) {
        if let Some(f) = self.fns.last_mut()
            && f.path == registrar
            && !f.is_module
        {
            f.events.push(Event { kind, pos });
            return;
        }
        let name = registrar.rsplit("::").next().unwrap_or(registrar);
        if let Some(r) = self.routers.iter_mut().find(|r| r.name == name) {
            r.events.push(Event { kind, pos });
        }
    }

    /// Middleware of a registrar: `handler` runs before its routes' handlers.
    pub(super) fn middleware(&mut self, registrar: &str, handler: &str, pos: Pos) {
        for e in middleware_events(handler, pos) {
            self.emit_in(registrar, e.kind, pos);
        }
    }

    /// Records a route.
    pub(super) fn push_route(
        &mut self,
        method: &str,
        path: Vec<RoutePath>,
        handler: String,
        registrar: String,
        framework: &str,
        pos: Pos,
    ) {
        if self.in_test() {
            return;
        }
        self.facts.routes.push(RouteFact {
            method: method.to_owned(),
            path,
            handler,
            registered_in: Some(registrar),
            framework: framework.to_owned(),
            value: false,
            served: false,
            pos,
        });
    }

    /// Records a mount of `target` (as written) under `prefix` in `registrar`.
    pub(super) fn push_mount(
        &mut self,
        prefix: Vec<RoutePath>,
        target: String,
        registrar: String,
        pos: Pos,
    ) {
        self.facts.mounts.push(MountFact {
            prefix,
            target,
            in_fn: registrar,
            kind: crate::facts::MountKind::Routes,
            pos,
        });
    }

    /// `x = APIRouter(prefix="/v1", dependencies=[..])` at the top level: a router variable,
    /// whose constructor's events (its dependencies) are its synthetic function's.
    pub(super) fn router_assign(&mut self, name: &str, value: &Expr) -> bool {
        let Expr::Call(c) = value else { return false };
        let Some(ctor) = last_name(&c.func).filter(|n| ROUTER_CTORS.contains(n)) else {
            return false;
        };
        let prefix = keyword(c, "prefix")
            .or_else(|| keyword(c, "url_prefix"))
            .map(|p| vec![self.route_path(Some(p))])
            .unwrap_or_default();
        let pos = self.pos_of(value);
        self.routers.retain(|r| r.name != name);
        self.routers.push(RouterVar {
            name: name.to_owned(),
            prefix,
            events: Vec::new(),
            pos,
            ctor: ctor.to_owned(),
        });
        // Only what runs before the handlers: a route prefix is not URL evidence.
        if let Some(deps) = keyword(c, "dependencies") {
            self.within_router(name, |ex| ex.arg(deps));
        }
        true
    }

    /// Walks `f` with a router's synthetic function as the current function.
    fn within_router(&mut self, name: &str, f: impl FnOnce(&mut Self)) {
        let Some(i) = self.routers.iter().position(|r| r.name == name) else {
            return f(self);
        };
        let mut state = FnState::new(format!("{}::{name}", self.module), None, self.test_file);
        state.events = std::mem::take(&mut self.routers[i].events);
        self.fns.push(state);
        f(self);
        let state = self.fns.pop().expect("pushed above");
        if let Some(r) = self.routers.iter_mut().find(|r| r.name == name) {
            r.events = state.events;
        }
    }

    /// A top-level expression statement: a call on a router (`app.include_router(..)`) is
    /// walked in the router's synthetic function.
    pub(super) fn top_level_expr(&mut self, e: &Expr) {
        let root = match e {
            Expr::Call(c) => dotted(&c.func).map(|n| n[0].to_owned()),
            _ => None,
        };
        match root {
            Some(r) if self.router_var(&r).is_some() => self.within_router(&r, |ex| ex.expr(e)),
            _ => self.expr(e),
        }
    }

    /// A decorator of a function: a route, or middleware. `None` for other decorators.
    pub(super) fn decorator<'e>(
        &mut self,
        d: &'e Decorator,
        fn_name: &str,
        fn_path: &str,
        qualified: bool,
    ) -> Option<DecoratorUse<'e>> {
        let handler = if qualified { fn_path } else { fn_name };
        self.decorator_at(&d.expression, self.pos_of(d), handler, fn_path)
    }

    /// A decorator expression applied to `handler` at `pos`: on a `def`, or called on a
    /// function defined elsewhere (`router.post("/kb_chat")(kb_chat)`).
    pub(super) fn decorator_at<'e>(
        &mut self,
        expression: &'e Expr,
        pos: Pos,
        handler: &str,
        fn_path: &str,
    ) -> Option<DecoratorUse<'e>> {
        let handler = handler.to_owned();
        let (call, names) = match expression {
            Expr::Call(c) => (Some(c), dotted(&c.func)?),
            other => (None, dotted(other)?),
        };
        if names.len() < 2 {
            return None;
        }
        let (root, method) = (names[0], names[names.len() - 1]);
        if matches!(
            method,
            "before_request" | "before_app_request" | "middleware"
        ) {
            let registrar = self.registrar(root);
            self.middleware(&registrar, fn_path, pos);
            return Some(DecoratorUse { deps: Vec::new() });
        }
        // An MCP server's tool (`mcp = FastMCP(..)`, `@mcp.tool()`): an endpoint `MCP
        // tool:<name>`, named by `name=`, its first argument or the function.
        if method == "tool" && self.router_var(root).is_some_and(|r| r.ctor == "FastMCP") {
            let name = call
                .and_then(|c| keyword(c, "name").or_else(|| c.arguments.args.first()))
                .and_then(|e| self.string_value(e))
                .unwrap_or_else(|| fn_path.rsplit("::").next().unwrap_or(fn_path).to_owned());
            let registrar = self.registrar(root);
            let path = vec![RoutePath::Lit(format!("tool:{name}"))];
            self.push_route("MCP", path, handler, registrar, "mcp", pos);
            return Some(DecoratorUse { deps: Vec::new() });
        }
        let c = call?;
        let verb = match method {
            "route" | "api_route" => None,
            m => Some(http_method(m)?),
        };
        if !self.web() && self.router_var(root).is_none() {
            return None;
        }
        let path_arg = c
            .arguments
            .args
            .first()
            .or_else(|| keyword(c, "path"))
            .or_else(|| keyword(c, "rule"))
            .or_else(|| keyword(c, "uri"));
        let mut path = self
            .router_var(root)
            .map(|r| r.prefix.clone())
            .unwrap_or_default();
        path.push(self.route_path(path_arg));
        let registrar = self.registrar(root);
        let methods = match verb {
            Some(v) => vec![v.to_owned()],
            None => self.methods(c, "GET"),
        };
        let at = path_arg.map_or(pos, |p| self.pos_of(p));
        let framework = self.framework;
        for m in methods {
            self.push_route(
                &m,
                path.clone(),
                handler.clone(),
                registrar.clone(),
                framework,
                at,
            );
        }
        Some(DecoratorUse {
            deps: keyword(c, "dependencies").into_iter().collect(),
        })
    }

    /// Route recognition for a call (`method` is the callee's last name, `root` the receiver
    /// or module as written): registrations, mounts, middleware, Django and Gradio forms.
    pub(super) fn route_call(&mut self, c: &ExprCall, method: &str, root: &str) -> RouteArgs {
        if self.in_test() {
            return RouteArgs::Normal;
        }
        if let Some(done) = self.gradio_call(c, method, root) {
            return done;
        }
        if self.framework == "django"
            && let Some(done) = self.django_call(c, method, root)
        {
            return done;
        }
        self.registration_call(c, method, root)
    }
}

/// The events that make `handler` middleware of the function holding them: a
/// `before_request` call (one of the constructors the inventory reads) and a reference to it.
pub(super) fn middleware_events(handler: &str, pos: Pos) -> [Event; 2] {
    let call = EventKind::Call {
        path: "before_request".into(),
    };
    let r = EventKind::FnRef {
        path: handler.into(),
    };
    [Event { kind: call, pos }, Event { kind: r, pos }]
}
