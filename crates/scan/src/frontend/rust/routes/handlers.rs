//! What serves a route: a function path (`chat`, `api::chat`, `Type::method`), a closure (a
//! synthetic function), a factory call (`make_handler(state)`), or a **value**: a service or
//! handler type built in place (`ServeDir::new(..)`, `Dispatcher { .. }`, `MetaRouter`,
//! `ServiceBuilder::new().layer(..).service(svc)`, a local bound to one), whose handler is
//! the type's framework method (`Type::call`; salvo `Type::handle`). A constant
//! (`StatusCode::NOT_IMPLEMENTED`, a string, a tuple) serves no handler at all.

use syn::{Expr, ExprPath};

use super::Handler;
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{is_upper, path_string, peel};

/// Handler name used when the handler expression cannot be read statically.
const UNKNOWN_HANDLER: &str = "{unknown}";

/// Wrappers whose argument is the handler (`service_fn(h)`, `web::to(h)`, `Arc::new(svc)`).
const WRAPPERS: [&str; 7] = [
    "service_fn",
    "handler_fn",
    "make_service_fn",
    "to",
    "new",
    "from_fn",
    "boxed",
];

/// A path written with a qualified self type, `<routes::Api as Routes>::configure`, as
/// `routes::Api::configure`; other paths as written.
pub(in crate::frontend::rust) fn qualified_path(p: &ExprPath) -> String {
    let Some(q) = &p.qself else {
        return path_string(&p.path);
    };
    let syn::Type::Path(ty) = &*q.ty else {
        return path_string(&p.path);
    };
    let mut out = path_string(&ty.path);
    for seg in p.path.segments.iter().skip(q.position) {
        out.push_str("::");
        out.push_str(&seg.ident.to_string());
    }
    out
}

/// The last segment is a constant's name: no lower-case letter (`NOT_FOUND`, `OK`).
fn constant_name(s: &str) -> bool {
    is_upper(s) && !s.chars().any(char::is_lowercase)
}

/// The type a value expression builds: `Type::new(..)`, `Type::default()`, `Type { .. }`,
/// `Type(..)`, a unit struct `Type` (each maybe module-qualified), `Arc::new(x)` of one (also
/// a service wrapper: `BoxCloneService::new(x)`, `Shared::new(x)`, `x.into_make_service()`), a
/// local bound to one; `None` for anything else.
pub(in crate::frontend::rust) fn built_type(ex: &Extractor, e: &Expr) -> Option<String> {
    match peel(e) {
        Expr::Struct(s) => Some(path_string(&s.path)),
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return None;
            };
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let last = segs.last()?;
            let ty_of = |n: usize| segs[..segs.len() - n].join("::");
            if is_upper(last) && !constant_name(last) {
                return Some(ty_of(0));
            }
            let ty = segs.len().checked_sub(2).map(|i| &segs[i])?;
            if !is_upper(ty) {
                return None;
            }
            if is_wrapper(ty) && !c.args.is_empty() {
                return built_type(ex, &c.args[0]);
            }
            // `ServiceExt::<Request>::into_make_service(svc)`.
            if INTO_MAKE_SERVICE.contains(&last.as_str()) && c.args.len() == 1 {
                return built_type(ex, &c.args[0]);
            }
            Some(ty_of(1))
        }
        Expr::Path(p) if p.qself.is_none() => {
            let name = path_string(&p.path);
            let last = p.path.segments.last()?.ident.to_string();
            if p.path.segments.len() == 1 && ex.is_local(&name) {
                return ex.binding(&name)?.value.clone();
            }
            let ty_before = p.path.segments.len() >= 2
                && is_upper(&p.path.segments[p.path.segments.len() - 2].ident.to_string());
            (is_upper(&last) && !constant_name(&last) && !ty_before).then_some(name)
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            match (name.as_str(), m.args.len()) {
                ("service", 1) => built_type(ex, &m.args[0]),
                ("clone" | "into" | "boxed" | "boxed_clone", 0) => built_type(ex, &m.receiver),
                (n, 0) if INTO_MAKE_SERVICE.contains(&n) => built_type(ex, &m.receiver),
                _ => None,
            }
        }
        _ => None,
    }
}

impl Extractor<'_> {
    /// The handler of a route as written; `method` is the framework's handler method for
    /// values (`call`, salvo `handle`). `None` for a constant.
    pub(in crate::frontend::rust) fn handler_of(&self, e: &Expr, method: &str) -> Option<Handler> {
        let value = |ty: String| {
            Some(Handler {
                path: format!("{ty}::{method}"),
                value: true,
            })
        };
        match peel(e) {
            Expr::Path(p) => {
                let last = p.path.segments.last()?.ident.to_string();
                if p.qself.is_none() && (is_upper(&last) || self.is_local(&last)) {
                    if constant_name(&last) {
                        return None;
                    }
                    if let Some(ty) = built_type(self, e) {
                        return value(ty);
                    }
                    // `Enum::Variant`, `Self::CONST`: a value, not a function.
                    if is_upper(&last) {
                        return None;
                    }
                }
                Some(Handler::func(qualified_path(p)))
            }
            Expr::Closure(c) => Some(Handler::func(self.closure_path(c))),
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return Some(Handler::func(UNKNOWN_HANDLER.to_owned()));
                };
                let last = p.path.segments.last()?.ident.to_string();
                let wrapper = WRAPPERS.contains(&last.as_str()) && c.args.len() == 1;
                let generic_wrapper = wrapper && (last != "new" || is_wrapper_new(p));
                if generic_wrapper {
                    return self.handler_of(&c.args[0], method);
                }
                match built_type(self, e) {
                    Some(ty) => value(ty),
                    None => Some(Handler::func(qualified_path(p))),
                }
            }
            Expr::Struct(_) => value(built_type(self, e)?),
            Expr::MethodCall(m) => {
                if m.method == "service" && m.args.len() == 1 {
                    return self.handler_of(&m.args[0], method);
                }
                self.handler_of(&m.receiver, method)
            }
            Expr::Lit(_) | Expr::Tuple(_) | Expr::Array(_) | Expr::Macro(_) | Expr::Async(_) => {
                None
            }
            _ => Some(Handler::func(UNKNOWN_HANDLER.to_owned())),
        }
    }
}

/// `Arc::new`, `Box::new`, `Rc::new`, and the tower and hyper-util wrappers of a service
/// (`BoxCloneService::new(svc)`, `Shared::new(svc)`, `TowerToHyperService::new(svc)`).
fn is_wrapper_new(p: &ExprPath) -> bool {
    let segs = &p.path.segments;
    segs.len() >= 2 && is_wrapper(&segs[segs.len() - 2].ident.to_string())
}

/// Types whose constructor's first argument is the value they hold: smart pointers, and the
/// library wrappers of a service, which serve what they wrap.
fn is_wrapper(ty: &str) -> bool {
    matches!(
        ty,
        "Arc"
            | "Box"
            | "Rc"
            | "BoxCloneService"
            | "BoxCloneSyncService"
            | "BoxService"
            | "UnsyncBoxService"
            | "Shared"
            | "TowerToHyperService"
            | "Buffer"
    )
}

/// Methods (and `ServiceExt` functions) that turn a service into a make-service of itself.
const INTO_MAKE_SERVICE: [&str; 3] = [
    "into_make_service",
    "into_make_service_with_connect_info",
    "into_service",
];
