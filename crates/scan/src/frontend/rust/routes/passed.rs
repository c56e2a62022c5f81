//! Routers passed to helper functions: `attach_routes(web::scope("/v1"))`,
//! `add_routes(Router::new().nest(..))`, `let api = with_admin(api)`. A helper that takes a
//! router adds its routes to that router (`fn attach_routes(scope: Scope) -> Scope {
//! scope.route("/chat/completions", ..) }`) and hands it back, so the call mounts the helper
//! where it is made, under the prefixes there and the argument's own path (an actix scope's,
//! a salvo router's). A helper called from two places has its routes under both. The call's
//! result is a router like its argument (see `router_exprs.rs`). The mount is a
//! [`MountKind::Wraps`]: middleware the helper layers on the router it was given
//! (`fn protect(api: Router) -> Router { api.layer(from_fn(auth)) }`) runs before the routes
//! that router already held.

use syn::{Expr, ExprCall};

use super::router_exprs::{Init, ROUTER_TYPES, chain};
use super::{http_method, is_builder};
use crate::facts::{MountKind, RoutePath};
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{is_upper, path_span, path_string};

/// Functions that take a handler, never a router (`service_fn(h)`, `from_fn(auth)`), or
/// serve a router rather than add to it (`axum::serve(listener, app)`).
const NOT_HELPERS: [&str; 8] = [
    "serve",
    "run",
    "service_fn",
    "handler_fn",
    "make_service_fn",
    "from_fn",
    "from_fn_with_state",
    "on",
];

/// The callee of a call that may be a helper: a function path whose last segment is lower
/// case (not a variant or tuple struct), not a constructor of a builder or router type and not a
/// routing function (`post(h)`).
fn helper_callee(c: &ExprCall) -> Option<String> {
    let Expr::Path(p) = &*c.func else {
        return None;
    };
    let segs = &p.path.segments;
    let last = segs.last()?.ident.to_string();
    let ty = segs.len().checked_sub(2).map(|i| segs[i].ident.to_string());
    let callee = path_string(&p.path);
    let helper = !is_upper(&last)
        && !is_builder(&callee)
        && http_method(&last).is_none()
        && !NOT_HELPERS.contains(&last.as_str())
        && ty.is_none_or(|t| !ROUTER_TYPES.contains(&t.as_str()));
    helper.then_some(callee)
}

impl Extractor<'_> {
    /// The argument of `c` that is a router, when `c` calls a helper: the argument's index.
    pub(super) fn router_arg(&self, c: &ExprCall) -> Option<usize> {
        let i = c.args.iter().position(|a| self.is_router(a))?;
        helper_callee(c).map(|_| i)
    }

    /// Whether an argument is a router: a router local, or a chain on one or on a router
    /// constructor (checked by its root first: most arguments are neither).
    fn is_router(&self, a: &Expr) -> bool {
        let (root, _) = chain(a);
        let candidate = match root {
            Expr::Path(p) => {
                p.path.get_ident().is_some()
                    && self.fns.last().is_some_and(|f| !f.bindings.is_empty())
            }
            Expr::Call(_) | Expr::Macro(_) => self.router_root(root),
            _ => false,
        };
        candidate
            && match self.classify(a) {
                Init::Router(_) => true,
                Init::Alias(b) => b.router,
                _ => false,
            }
    }

    /// `helper(router, ..)`: mounts the helper in the current function, under the prefixes
    /// here and the router argument's own path.
    pub(super) fn helper_call(&mut self, c: &ExprCall) {
        let Some(i) = self.router_arg(c) else {
            return;
        };
        let Some(callee) = helper_callee(c) else {
            return;
        };
        let arg = &c.args[i];
        let own: Vec<RoutePath> = match self.scope_root(arg) {
            Some((false, path)) => path,
            Some((true, _)) => Vec::new(),
            None => self.salvo_path(arg).unwrap_or_default(),
        };
        let mut prefix = self.prefixes();
        prefix.extend(own);
        // A router local rebound to the call (`let api = protect(state, api)`) is the
        // helper's result: what the helper layers on its argument covers what was built
        // before the call's end. Elsewhere (`.merge(helper(r))`, a tail `helper(r)`) the mount
        // only adds the helper's routes.
        if self.wrap_root == Some(std::ptr::from_ref(c)) {
            let pos = self.idx.at(c.paren_token.span.close());
            self.push_mount_of(MountKind::Wraps, prefix, callee, pos);
        } else {
            let Expr::Path(p) = &*c.func else { return };
            let pos = self.idx.at(path_span(&p.path));
            self.push_mount(prefix, callee, pos);
        }
    }
}
