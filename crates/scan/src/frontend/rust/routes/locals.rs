//! Routers held in local variables. A local bound to a router expression
//! (`let api = Router::new().route(..)`, `let mut r = Router::with_path("x")`,
//! `router = router.push(..)`, `let chat = warp::path!("chat").and_then(h)`) is walked as
//! a router function of its own, `outer::{let api@LINE}`, and every later use of the name
//! mounts that function where it is used, with the prefixes that apply there: passing it to
//! `nest`/`merge`/`push`/`service`/`and` (a prefix), continuing its chain
//! (`let app = app.layer(..)`, a merge into the new binding), returning it. A local bound to
//! the result of a call (`let ui = build_ui_router(..).await?`), a collection of routers
//! (`vec![a(), b()]`, `routers.push(x)`) or a loop variable over one mounts what it holds
//! only where a router is expected. `#[cfg]` alternatives of one name are kept together.
//! Locals rebound by a `match` or `if` are in `branches.rs`.

use proc_macro2::Span;
use syn::visit::{self, Visit};
use syn::{Expr, ExprAssign, Local, Pat};

use super::ArgPlan;
use super::router_exprs::{Init, chain};
use crate::facts::{EventKind, Pos, RoutePath};
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{path_string, peel};

/// What a local name is bound to, as far as routing is concerned.
#[derive(Debug, Clone, Default)]
pub(in crate::frontend::rust) struct Binding {
    /// The router functions that mounting the name mounts: synthetic `{let ..}` functions,
    /// or functions whose result was bound.
    pub(in crate::frontend::rust) targets: Vec<String>,
    /// Bound by a router expression: every use of the name mounts `targets`.
    pub(in crate::frontend::rust) router: bool,
    /// The router's own path (salvo `Router::with_path("x")`, a warp path filter).
    pub(in crate::frontend::rust) path: Vec<RoutePath>,
    /// The method a warp filter matches.
    pub(in crate::frontend::rust) method: Option<String>,
    /// The type of a service value (`Type::new(..)`, `Type { .. }`).
    pub(in crate::frontend::rust) value: Option<String>,
    /// A collection of routers.
    collection: bool,
    /// Bound under `#[cfg(..)]`: another `#[cfg]` binding of the name is an alternative.
    cfg: bool,
}

/// `name`, `name: Type` and `mut name` patterns.
fn pat_name(p: &Pat) -> Option<&syn::Ident> {
    match p {
        Pat::Ident(i) if i.subpat.is_none() => Some(&i.ident),
        Pat::Type(t) => pat_name(&t.pat),
        _ => None,
    }
}

impl Extractor<'_> {
    /// The binding of a local name in the current function.
    pub(in crate::frontend::rust) fn binding(&self, name: &str) -> Option<&Binding> {
        self.fns.last()?.bindings.get(name)
    }

    /// Mounts what `e` holds under `prefix`, where a router is expected (`nest`, `merge`,
    /// `push`, `service`, warp `and`/`or`). A router local is mounted when it is walked (its
    /// use); a function named or called, a call's result bound to a local, a loop variable
    /// over a collection are mounted here.
    pub(in crate::frontend::rust) fn mount_arg(
        &mut self,
        prefix: Vec<RoutePath>,
        e: &Expr,
        pos: Pos,
    ) {
        if let Expr::Path(p) = peel(e) {
            let name = super::handlers::qualified_path(p);
            match self.binding(&name) {
                Some(b) if b.router => {}
                Some(b) => {
                    for t in b.targets.clone() {
                        self.push_mount(prefix.clone(), t, pos);
                    }
                }
                None if !self.is_local(&name) => self.push_mount(prefix, name, pos),
                None => {}
            }
            return;
        }
        let (root, _) = chain(e);
        if let Expr::Path(p) = root
            && self
                .binding(&path_string(&p.path))
                .is_some_and(|b| b.router)
        {
            return;
        }
        for t in self.held(e) {
            self.push_mount(prefix.clone(), t, pos);
        }
    }

    /// A use of a router local: mounts its functions in the current one.
    pub(in crate::frontend::rust) fn router_use(&mut self, name: &str, span: Span) {
        let Some(f) = self.fns.last() else { return };
        if f.bindings.is_empty() || self.quiet_router_use {
            return;
        }
        let Some(b) = f.bindings.get(name).filter(|b| b.router) else {
            return;
        };
        let targets = b.targets.clone();
        let (prefix, pos) = (f.prefixes.clone(), self.idx.at(span));
        for t in targets {
            self.push_mount(prefix.clone(), t, pos);
        }
    }

    /// Walks a router expression as a router function of its own (`{let name@LINE}`),
    /// mounting `root` in it first; returns the function's path.
    pub(in crate::frontend::rust) fn router_fn(
        &mut self,
        label: &str,
        e: &Expr,
        at: Span,
        root: Vec<String>,
    ) -> String {
        let base = self.fns.last().map_or("crate", |f| f.path.as_str());
        let path = format!("{base}::{{{label}@{}}}", at.start().line);
        self.emit(
            EventKind::FnRef {
                path: path.as_str().into(),
            },
            at,
        );
        let pos = self.idx.at(at);
        self.synthetic(path.clone(), at, None, |this| {
            for t in root {
                this.push_mount(Vec::new(), t, pos);
            }
            this.router_value(e);
        });
        path
    }

    /// Binds `name` to what `init` is, walking `init` (as a router function when it is one).
    fn bind(&mut self, name: &syn::Ident, init: &Expr, cfg: bool) {
        let key = name.to_string();
        let binding = match self.classify(init) {
            Init::Router(root) => {
                let (path, method) = match self.salvo_path(init) {
                    Some(p) => (p, None),
                    None => self
                        .warp_filter(init)
                        .map(|f| (f.path, f.method))
                        .unwrap_or_default(),
                };
                // `let api = protect(state, api)`: the helper wraps the router it is given.
                let outer = self.wrap_root.take();
                if let Expr::Call(c) = peel(chain(init).0) {
                    self.wrap_root = Some(std::ptr::from_ref(c));
                }
                let mut targets =
                    vec![self.router_fn(&format!("let {key}"), init, name.span(), root)];
                self.wrap_root = outer;
                if cfg && let Some(old) = self.binding(&key).filter(|b| b.cfg) {
                    targets.extend(old.targets.iter().cloned());
                }
                Some(Binding {
                    targets,
                    router: true,
                    path,
                    method,
                    cfg,
                    ..Binding::default()
                })
            }
            other => {
                self.visit_expr(init);
                match other {
                    Init::Alias(b) => Some(b),
                    Init::Source(targets) => Some(Binding {
                        targets,
                        ..Binding::default()
                    }),
                    Init::Value(ty) => Some(Binding {
                        value: Some(ty),
                        ..Binding::default()
                    }),
                    Init::Collection(targets) => Some(Binding {
                        targets,
                        collection: true,
                        ..Binding::default()
                    }),
                    _ => None,
                }
            }
        };
        let Some(f) = self.fns.last_mut() else { return };
        match binding {
            Some(b) => {
                f.bindings.insert(key, b);
            }
            None if !f.bindings.is_empty() => {
                f.bindings.remove(&key);
            }
            None => {}
        }
    }

    /// `let name = <init>;`: walks the statement, binding the name.
    pub(in crate::frontend::rust) fn router_local(&mut self, l: &Local) -> bool {
        if let (Pat::Tuple(t), Some(init)) = (&l.pat, &l.init) {
            return self.tuple_local(l, t, init);
        }
        let (Some(name), Some(init)) = (pat_name(&l.pat), &l.init) else {
            return false;
        };
        if init.diverge.is_some() || self.fns.is_empty() {
            return false;
        }
        self.visit_pat(&l.pat);
        let cfg = l.attrs.iter().any(|a| a.path().is_ident("cfg"));
        self.bind(name, &init.expr, cfg);
        true
    }

    /// `let (routes, router) = build_routes();`: each name bound by the tuple holds what the
    /// function returns, so mounting the router local mounts the function.
    fn tuple_local(&mut self, l: &Local, t: &syn::PatTuple, init: &syn::LocalInit) -> bool {
        if init.diverge.is_some() || self.fns.is_empty() {
            return false;
        }
        let Init::Source(targets) = self.classify(&init.expr) else {
            return false;
        };
        self.visit_pat(&l.pat);
        self.visit_expr(&init.expr);
        let Some(f) = self.fns.last_mut() else {
            return true;
        };
        for name in t.elems.iter().filter_map(pat_name) {
            let b = Binding {
                targets: targets.clone(),
                ..Binding::default()
            };
            f.bindings.insert(name.to_string(), b);
        }
        true
    }

    /// `name = <expr>` rebinds a local.
    pub(in crate::frontend::rust) fn assign_expr(&mut self, a: &ExprAssign) {
        if let Expr::Path(p) = peel(&a.left)
            && let Some(name) = p.path.get_ident()
            && self.is_local(&name.to_string())
        {
            return self.bind(name, &a.right, false);
        }
        visit::visit_expr_assign(self, a);
    }

    /// `routers.push(x)` / `routers.extend([..])` on a collection of routers: records what
    /// `x` holds (an inline router is walked as a router of its own). Returns whether the
    /// receiver is such a collection.
    pub(in crate::frontend::rust) fn collection_add(
        &mut self,
        m: &syn::ExprMethodCall,
    ) -> Option<ArgPlan> {
        let Expr::Path(p) = peel(&m.receiver) else {
            return None;
        };
        let name = p.path.get_ident()?.to_string();
        self.binding(&name).filter(|b| b.collection)?;
        let arg = &m.args[0];
        let mut held = Vec::new();
        let mut plan = ArgPlan::default();
        if m.method == "push" {
            if let Init::Router(root) = self.classify(arg) {
                let at = super::super::body::expr_start(arg).unwrap_or_else(|| m.method.span());
                held.push(self.router_fn("router", arg, at, root));
                plan.walked = Some(0);
            } else {
                held = self.held(arg);
            }
        } else if let Init::Collection(more) = self.classify(arg) {
            held = more;
        }
        if let Some(b) = self.fns.last_mut().and_then(|f| f.bindings.get_mut(&name)) {
            b.targets.extend(held);
        }
        Some(plan)
    }

    /// `for r in routers { .. }`: `r` holds the collection's routers in the body.
    pub(in crate::frontend::rust) fn loop_binding(
        &mut self,
        pat: &Pat,
        iter: &Expr,
    ) -> Option<String> {
        let name = pat_name(pat)?.to_string();
        let (root, _) = chain(iter);
        let targets = match root {
            Expr::Path(p) => {
                let b = self.binding(&path_string(&p.path))?;
                b.collection.then(|| b.targets.clone())?
            }
            Expr::Array(_) | Expr::Macro(_) => match self.classify(root) {
                Init::Collection(t) if !t.is_empty() => t,
                _ => return None,
            },
            _ => return None,
        };
        let f = self.fns.last_mut()?;
        f.bindings.insert(
            name.clone(),
            Binding {
                targets,
                ..Binding::default()
            },
        );
        Some(name)
    }
}
