//! The endpoint inventory: route registrations joined with their mounts and handlers.
//!
//! A route registered inside a router function `f` gets every prefix under which `f` is
//! nested or merged (transitively); an attribute route (`#[post("/x")]`) gets every prefix
//! under which its handler is mounted. Paths held in constants are looked up.

use std::collections::BTreeSet;

use crate::facts::{MountFact, RoutePath};
use crate::graph::{FnId, Workspace};

/// How deep mount chains are followed.
const MAX_MOUNT_DEPTH: usize = 8;

/// An endpoint before its flow is judged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RawEndpoint {
    /// Method.
    pub method: String,
    /// Full route.
    pub route: String,
    /// Handler as resolved or written.
    pub handler: String,
    /// The handler function, when resolved.
    pub handler_fn: Option<FnId>,
    /// File index of the registration.
    pub reg_file: usize,
    /// Registration line.
    pub reg_line: u32,
    /// Framework.
    pub framework: String,
}

fn render(ws: &Workspace, module: &str, parts: &[RoutePath]) -> String {
    let mut out = String::new();
    for p in parts {
        let seg = match p {
            RoutePath::Lit(s) => s.clone(),
            RoutePath::Const(name) => ws
                .resolve_const(module, name)
                .map(|c| c.value.clone())
                .unwrap_or_else(|| format!("{{{name}}}")),
            RoutePath::Unknown => "{?}".to_owned(),
        };
        let seg = seg.trim_end_matches('/');
        if seg.is_empty() {
            continue;
        }
        if !seg.starts_with('/') {
            out.push('/');
        }
        out.push_str(seg);
    }
    if out.is_empty() { "/".to_owned() } else { out }
}

struct Mounts<'w, 'a> {
    ws: &'w Workspace<'a>,
    all: Vec<(usize, &'a MountFact)>,
}

impl Mounts<'_, '_> {
    /// Every prefix string under which `target` (a function) is mounted, transitively.
    fn prefixes(&self, target: FnId, depth: usize) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if depth > MAX_MOUNT_DEPTH {
            return out;
        }
        for (_, m) in &self.all {
            let Some(in_fn) = self.ws.by_path(&m.in_fn).first().copied() else {
                continue;
            };
            let from = self.ws.func(in_fn);
            if !self.ws.resolve_path(from, &m.target).contains(&target) {
                continue;
            }
            let own = render(self.ws, &from.module, &m.prefix);
            let own = if own == "/" { String::new() } else { own };
            let outer = self.prefixes(in_fn, depth + 1);
            if outer.is_empty() {
                out.insert(own);
            } else {
                for o in outer {
                    out.insert(format!("{o}{own}"));
                }
            }
        }
        out
    }
}

/// Builds the endpoint inventory.
pub fn endpoints(ws: &Workspace) -> Vec<RawEndpoint> {
    let mounts = Mounts {
        ws,
        all: ws
            .files
            .iter()
            .enumerate()
            .flat_map(|(i, f)| f.mounts.iter().map(move |m| (i, m)))
            .collect(),
    };
    let mut out = BTreeSet::new();
    for (fi, file) in ws.files.iter().enumerate() {
        for r in &file.routes {
            let registrar = r
                .registered_in
                .as_deref()
                .and_then(|p| ws.by_path(p).first().copied());
            if registrar.is_some_and(|id| ws.func(id).is_test) {
                continue;
            }
            let handler_fn = match registrar {
                Some(reg) => ws.resolve_path(ws.func(reg), &r.handler).first().copied(),
                None => ws.by_path(&r.handler).first().copied(),
            };
            if handler_fn.is_some_and(|id| ws.func(id).is_test) {
                continue;
            }
            let module = match (registrar, handler_fn) {
                (Some(reg), _) => ws.func(reg).module.clone(),
                (None, Some(h)) => ws.func(h).module.clone(),
                (None, None) => String::new(),
            };
            let own = render(ws, &module, &r.path);
            let mount_target = if r.registered_in.is_some() {
                registrar
            } else {
                handler_fn
            };
            let prefixes = mount_target
                .map(|t| mounts.prefixes(t, 0))
                .unwrap_or_default();
            let routes: Vec<String> = if prefixes.is_empty() {
                vec![own.clone()]
            } else {
                prefixes
                    .into_iter()
                    .map(|p| {
                        if own == "/" && !p.is_empty() {
                            p
                        } else {
                            format!("{p}{own}")
                        }
                    })
                    .collect()
            };
            let handler = handler_fn
                .map(|h| ws.func(h).path.clone())
                .unwrap_or_else(|| r.handler.clone());
            for route in routes {
                out.insert(RawEndpoint {
                    method: r.method.clone(),
                    route,
                    handler: handler.clone(),
                    handler_fn,
                    reg_file: fi,
                    reg_line: r.pos.line,
                    framework: r.framework.clone(),
                });
            }
        }
    }
    out.into_iter().collect()
}
