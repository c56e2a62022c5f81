//! Function bodies: calls, method chains, type/variant references, string arguments and
//! function references, in source order; closure handlers as synthetic functions.
//! Macros are in `macros.rs`.

use std::fmt::Write as _;

use proc_macro2::Span;
use syn::visit::{self, Visit};
use syn::{Expr, ExprClosure, ExprMethodCall, Lit, Pat, Path};

use super::{Extractor, FnState};
use crate::facts::{Chain, EventKind, Name};

/// A path as written, `::`-joined, generics dropped, no leading `::`.
pub(super) fn path_string(path: &Path) -> String {
    let mut out = String::new();
    push_path(&mut out, path);
    out
}

/// Append a path as [`path_string`] writes it, without temporary strings per segment.
pub(super) fn push_path(out: &mut String, path: &Path) {
    for (i, seg) in path.segments.iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        push_ident(out, &seg.ident);
    }
}

/// Append an identifier as its `to_string` would be, without an intermediate `String`.
pub(super) fn push_ident(out: &mut String, ident: &syn::Ident) {
    let _ = write!(out, "{ident}");
}

/// Span of the first segment of a path.
pub(super) fn path_span(path: &Path) -> Span {
    path.segments
        .first()
        .map_or_else(Span::call_site, |s| s.ident.span())
}

/// Strip `&`, parentheses and invisible groups.
pub(super) fn peel(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) => peel(&r.expr),
        Expr::Paren(p) => peel(&p.expr),
        Expr::Group(g) => peel(&g.expr),
        _ => e,
    }
}

/// The first character is upper-case (types, variants, constants).
pub(super) fn is_upper(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_uppercase)
}

/// Start span of simple expressions (literal, path, field, call, method chain).
pub(super) fn expr_start(e: &Expr) -> Option<Span> {
    match e {
        Expr::Lit(l) => Some(l.lit.span()),
        Expr::Path(p) => Some(path_span(&p.path)),
        Expr::Field(f) => expr_start(&f.base),
        Expr::Reference(r) => Some(r.and_token.span),
        Expr::Paren(p) => Some(p.paren_token.span.open()),
        Expr::Call(c) => expr_start(&c.func),
        Expr::MethodCall(m) => expr_start(&m.receiver),
        Expr::Macro(m) => Some(path_span(&m.mac.path)),
        Expr::Closure(c) => Some(c.inputs_begin.span),
        Expr::Tuple(t) => Some(t.paren_token.span.open()),
        Expr::Block(b) => Some(b.block.brace_token.span.open()),
        _ => None,
    }
}

/// `client`, `self.state.llm`, `Self::CLIENT`; empty for anything else.
fn receiver_string(e: &Expr) -> String {
    let mut out = String::new();
    push_receiver(&mut out, e);
    out
}

/// Append [`receiver_string`] of `e`; appends nothing when it would be empty.
fn push_receiver(out: &mut String, e: &Expr) {
    match e {
        Expr::Path(p) => push_path(out, &p.path),
        Expr::Field(f) => {
            let start = out.len();
            push_receiver(out, &f.base);
            if out.len() > start {
                out.push('.');
                match &f.member {
                    syn::Member::Named(i) => push_ident(out, i),
                    syn::Member::Unnamed(i) => {
                        let _ = write!(out, "{}", i.index);
                    }
                }
            }
        }
        Expr::Reference(r) => push_receiver(out, &r.expr),
        Expr::Paren(p) => push_receiver(out, &p.expr),
        Expr::Group(g) => push_receiver(out, &g.expr),
        _ => {}
    }
}

/// Methods whose first argument is a route path (never evidence of a provider URL).
const ROUTE_PATH_METHODS: [&str; 6] = [
    "route",
    "nest",
    "route_service",
    "nest_service",
    "mount",
    "at",
];

/// Functions whose first argument is a route path or prefix.
const ROUTE_PATH_CALLS: [&str; 3] = ["resource", "scope", "route"];

impl Extractor<'_> {
    /// `f(args)`: a `Call` event, then the arguments.
    pub(super) fn call_expr(&mut self, c: &syn::ExprCall) {
        let mut handler_fn = false;
        let mut route_path_arg = false;
        let mut callee = None;
        match &*c.func {
            Expr::Path(p) => {
                let path = path_string(&p.path);
                callee = Some(path.as_str().into());
                if !p.path.segments.is_empty() {
                    // Idents hold no `:`, so the last `::` piece is the last segment.
                    let name = path.rsplit("::").next().unwrap_or("");
                    handler_fn = super::routes::http_method(name).is_some()
                        || matches!(name, "on" | "service_fn" | "handler_fn");
                    route_path_arg = ROUTE_PATH_CALLS.contains(&name);
                }
                self.emit(EventKind::Call { path: path.into() }, path_span(&p.path));
            }
            other => self.visit_expr(other),
        }
        let walked = self.route_call(c);
        let outer = std::mem::replace(&mut self.arg_call, callee);
        for (i, arg) in c.args.iter().enumerate() {
            match arg {
                Expr::Closure(closure) if handler_fn => self.closure_handler(closure),
                _ if walked == Some(i) => {}
                // A route path such as "/v1/chat/completions" is not a provider URL.
                _ if route_path_arg && i == 0 => self.visit_expr(arg),
                _ => self.arg(arg),
            }
        }
        self.arg_call = outer;
    }

    /// `recv.m(args)`: the receiver, a `Method` event, route recognition, then the args.
    pub(super) fn method_call_expr(&mut self, m: &ExprMethodCall) {
        let _ = self.method_call_chain(m);
    }

    /// [`Self::method_call_expr`], returning the chain and root receiver of `m` so that a
    /// call on `m`'s result extends them instead of walking and re-stringing the chain.
    fn method_call_chain(&mut self, m: &ExprMethodCall) -> (Chain, Name) {
        // `api.swagger_ui()` documents a router held in a local; it does not mount it.
        let quiet =
            super::routes::leaves_router(&m.method) && matches!(peel(&m.receiver), Expr::Path(_));
        self.quiet_router_use |= quiet;
        let (mut chain, receiver) = self.chain_receiver(&m.receiver);
        self.quiet_router_use &= !quiet;
        let name = m.method.to_string();
        chain.push(&name);
        let kind = match self.local_type(&chain, &receiver) {
            Some(ty) => EventKind::TypedMethod {
                chain: chain.clone(),
                ty,
            },
            None => {
                self.continue_local_chain(&mut chain, &receiver);
                EventKind::Method {
                    chain: chain.clone(),
                    receiver: receiver.clone(),
                }
            }
        };
        self.emit(kind, m.method.span());
        let route_path_arg = ROUTE_PATH_METHODS.contains(&name.as_str());
        let plan = self.route_method(m, &name);
        let outer = self.arg_call.replace(name.as_str().into());
        for (i, arg) in m.args.iter().enumerate() {
            match arg {
                Expr::Closure(closure) if plan.closure_handlers => self.closure_handler(closure),
                _ if plan.walked == Some(i) => {}
                // A route path such as "/v1/chat/completions" is not a provider URL.
                _ if route_path_arg && i == 0 => self.visit_expr(arg),
                _ => self.arg(arg),
            }
        }
        self.arg_call = outer;
        if plan.pushed > 0
            && let Some(f) = self.fns.last_mut()
        {
            let keep = f.prefixes.len().saturating_sub(plan.pushed);
            f.prefixes.truncate(keep);
        }
        self.message_send(&name, &m.receiver, m.method.span(), &m.args);
        (chain, receiver)
    }

    /// A method called directly on a local that holds a chain's result continues that chain.
    /// Kept out of [`Self::method_call_chain`], which recurses once per link of a chain.
    #[inline(never)]
    fn continue_local_chain(&self, chain: &mut Chain, receiver: &Name) {
        if chain.len() == 1
            && let Some(prefix) = self
                .fns
                .last()
                .and_then(|f| f.chains.get(receiver.as_str()))
        {
            let mut whole = prefix.clone();
            whole.push(chain.as_str());
            *chain = whole;
        }
    }

    /// `let model = client.completion_model(..).completions_api();`: `model` holds the result
    /// of that chain, so `model.stream(..)` is `completion_model().completions_api().stream`
    /// (a chain through a local that held one continues it). Any other binding of the name
    /// forgets it.
    fn local_chain(&mut self, name: &syn::Ident, init: &Expr) {
        let (root, methods) = super::routes::method_chain(init);
        let Some(f) = self.fns.last_mut() else { return };
        let key = name.to_string();
        if methods.is_empty() {
            f.chains.remove(&key);
            return;
        }
        let mut chain = match root {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|id| f.chains.get(id.to_string().as_str()))
                .cloned()
                .unwrap_or_default(),
            _ => Chain::default(),
        };
        for m in methods {
            chain.push(&m.to_string());
        }
        f.chains.insert(key, chain);
    }

    /// The type of the local a method is called on directly (`e.run()` after
    /// `let e = Executor::new(..)`), when its binding shows it.
    fn local_type(&self, chain: &Chain, receiver: &Name) -> Option<Name> {
        if chain.len() != 1 || receiver.as_str().contains(['.', ':']) {
            return None;
        }
        let ty = self.binding(receiver.as_str())?.value.as_deref()?;
        Some(ty.into())
    }

    /// Walk the receiver of a method call as `visit_expr` would, and return the method
    /// names already called on the same root receiver (in order) and that receiver as
    /// written. `.await`, `?`, parentheses and invisible groups are looked through.
    fn chain_receiver(&mut self, e: &Expr) -> (Chain, Name) {
        match e {
            Expr::MethodCall(inner) => self.method_call_chain(inner),
            // As `visit::visit_expr_*` does for these (attributes are not walked).
            Expr::Await(a) => self.chain_receiver(&a.base),
            Expr::Try(t) => self.chain_receiver(&t.expr),
            Expr::Paren(p) => self.chain_receiver(&p.expr),
            Expr::Group(g) => self.chain_receiver(&g.expr),
            _ => {
                self.visit_expr(e);
                (Chain::default(), receiver_string(e).into())
            }
        }
    }

    /// An argument of a call, method call or macro: string literals and same-file string
    /// constants become `Str`, paths become `FnRef`/`TypeRef`.
    pub(super) fn arg(&mut self, e: &Expr) {
        match peel(e) {
            Expr::Lit(l) => {
                if let Lit::Str(s) = &l.lit {
                    self.emit_str(s.value(), s.span());
                }
                return;
            }
            Expr::Path(p) => {
                self.path_expr(p, true);
                return;
            }
            Expr::Field(f) if self.field_consts || self.const_misses.is_some() => {
                if let (Expr::Path(base), syn::Member::Named(member)) = (peel(&f.base), &f.member)
                    && let Some(ident) = base.path.get_ident()
                {
                    let value = self
                        .lookup_const(&format!("{ident}.{member}"))
                        .or_else(|| self.lookup_const(&format!("{ident}.*")));
                    if let Some(value) = value {
                        self.emit_str(value, ident.span());
                    }
                }
            }
            Expr::MethodCall(mc) if mc.args.is_empty() => {
                let owned = ["to_string", "to_owned", "into", "as_str", "as_ref"];
                if owned.iter().any(|n| mc.method == n)
                    && let Expr::Lit(l) = peel(&mc.receiver)
                    && let Lit::Str(s) = &l.lit
                {
                    self.emit_str(s.value(), s.span());
                }
            }
            _ => {}
        }
        self.visit_expr(e);
    }

    /// A string argument: a `Str` event.
    pub(super) fn emit_str(&mut self, value: String, span: Span) {
        let call = self.arg_call.clone();
        self.emit(EventKind::Str { value, call }, span);
    }

    /// A path used as a value: variants/constants are `TypeRef`, function paths `FnRef`;
    /// in argument position a same-file string constant is a `Str`.
    pub(super) fn path_expr(&mut self, p: &syn::ExprPath, in_arg: bool) {
        let Some(last) = p.path.segments.last() else {
            return;
        };
        // The last segment is written into a reused buffer: most paths (locals read
        // outside argument position) emit nothing and need no string of their own.
        let mut name = std::mem::take(&mut self.scratch);
        name.clear();
        push_ident(&mut name, &last.ident);
        self.path_expr_named(p, in_arg, &name);
        self.scratch = name;
    }

    fn path_expr_named(&mut self, p: &syn::ExprPath, in_arg: bool, last_name: &str) {
        let segs = &p.path.segments;
        let span = path_span(&p.path);
        if in_arg && is_upper(last_name) {
            let first_ok = segs.len() == 1
                || (segs.len() == 2 && segs.first().is_some_and(|s| s.ident == "Self"));
            if first_ok && let Some(value) = self.lookup_const(last_name) {
                self.emit_str(value, span);
                return;
            }
        }
        if segs.len() == 1 && p.qself.is_none() {
            if last_name == "self" || last_name == "Self" {
                return;
            }
            if is_upper(last_name) {
                let path = last_name.to_owned();
                self.emit(EventKind::TypeRef { path: path.into() }, span);
            } else if !self
                .fns
                .last()
                .is_some_and(|f| f.locals.contains(last_name))
            {
                if in_arg {
                    let path = last_name.to_owned();
                    self.emit(EventKind::FnRef { path: path.into() }, span);
                }
            } else {
                self.router_use(last_name, span);
            }
            return;
        }
        let path = path_string(&p.path);
        if is_upper(last_name) {
            self.emit(EventKind::TypeRef { path: path.into() }, span);
        } else {
            self.emit(EventKind::FnRef { path: path.into() }, span);
        }
    }

    /// `Type { .. }`: a `TypeRef`, then the field values.
    pub(super) fn struct_expr(&mut self, s: &syn::ExprStruct) {
        self.emit(
            EventKind::TypeRef {
                path: path_string(&s.path).into(),
            },
            path_span(&s.path),
        );
        for field in &s.fields {
            self.field_table(&field.expr);
        }
        visit::visit_expr_struct(self, s);
    }

    /// Patterns: record bindings; variant/struct paths are `TypeRef`s.
    pub(super) fn pat(&mut self, p: &Pat) {
        if self.fns.is_empty() {
            return;
        }
        let path = match p {
            Pat::Ident(i) => {
                let mut name = std::mem::take(&mut self.scratch);
                name.clear();
                push_ident(&mut name, &i.ident);
                if is_upper(&name) && i.subpat.is_none() {
                    let path = name.clone();
                    self.emit(EventKind::TypeRef { path: path.into() }, i.ident.span());
                } else if let Some(f) = self.fns.last_mut()
                    && !f.locals.contains(name.as_str())
                {
                    f.locals.insert(name.as_str().into());
                }
                self.scratch = name;
                return;
            }
            Pat::Path(pp) => &pp.path,
            Pat::TupleStruct(t) => &t.path,
            Pat::Struct(s) => &s.path,
            _ => return,
        };
        self.emit(
            EventKind::TypeRef {
                path: path_string(path).into(),
            },
            path_span(path),
        );
    }

    /// `let x = ..;`: route tables bound to a name, routers bound to a name (walked as
    /// routers of their own, see `routes/locals.rs`), then the statement as usual.
    pub(super) fn local_stmt(&mut self, l: &syn::Local) {
        if let (Pat::Ident(name), Some(init)) = (&l.pat, &l.init) {
            self.local_table(&name.ident, &init.expr);
            self.local_variant(&name.ident, &init.expr);
            self.local_chain(&name.ident, &init.expr);
        }
        self.guarded_local(l, |this| {
            if !this.router_local(l) {
                visit::visit_local(this, l);
            }
        });
    }

    /// The synthetic path of a closure handler in the current function.
    pub(super) fn closure_path(&self, c: &ExprClosure) -> String {
        let line = c.inputs_begin.span.start().line;
        format!("{}::{{closure@{line}}}", self.handler_base())
    }

    /// The path under which synthetic handlers of the current function are named: the
    /// function's, or for a router held in a local (`{let app@3}`), the enclosing
    /// function's, so that a handler's name does not depend on how its router was held.
    pub(super) fn handler_base(&self) -> &str {
        let mut base = self.fns.last().map_or("crate", |f| f.path.as_str());
        while let Some((outer, last)) = base.rsplit_once("::") {
            if !(last.starts_with("{let ") || last.starts_with("{router@")) {
                break;
            }
            base = outer;
        }
        base
    }

    /// A closure registered as a route handler becomes its own function; the enclosing
    /// function gets a `FnRef` to it.
    pub(super) fn closure_handler(&mut self, c: &ExprClosure) {
        let path = self.closure_path(c);
        let span = c.inputs_begin.span;
        self.emit(
            EventKind::FnRef {
                path: path.as_str().into(),
            },
            span,
        );
        let end = match &*c.body {
            Expr::Block(b) => Some(b.block.brace_token.span.close()),
            Expr::Async(a) => Some(a.block.brace_token.span.close()),
            _ => None,
        };
        self.synthetic(path, span, end, |this| {
            if let Some(f) = this.fns.last_mut() {
                for input in &c.inputs {
                    super::items::bind_names(input, &mut f.locals);
                }
            }
            this.visit_expr(&c.body);
        });
    }

    /// Build a synthetic function (closure or match-arm handler) from what `walk` visits.
    pub(super) fn synthetic(
        &mut self,
        path: String,
        at: Span,
        end: Option<Span>,
        walk: impl FnOnce(&mut Self),
    ) {
        // Closures, arms and routers bound to locals see the enclosing bindings.
        let (self_type, is_test, locals, loops, tables, bindings, variants, chains, replies) =
            self.fns.last().map_or_else(
                || {
                    let d = Default::default();
                    (
                        None,
                        self.test_depth > 0,
                        d,
                        Vec::new(),
                        Default::default(),
                        Default::default(),
                        Default::default(),
                        Default::default(),
                        Default::default(),
                    )
                },
                |f| {
                    (
                        f.self_type.clone(),
                        f.is_test,
                        f.locals.clone(),
                        f.loops.clone(),
                        f.tables.clone(),
                        f.bindings.clone(),
                        f.variants.clone(),
                        f.chains.clone(),
                        f.replies.clone(),
                    )
                },
            );
        self.fns.push(FnState {
            path,
            events: Vec::new(),
            locals,
            prefixes: Vec::new(),
            loops,
            tables,
            bindings,
            variants,
            chains,
            replies,
            service_call: false,
            self_type: self_type.clone(),
            is_test,
            guards: Default::default(),
        });
        walk(self);
        let state = self.fns.pop().expect("pushed above");
        if !state.bindings.is_empty() {
            self.keep_rebound_routers(&state.bindings);
        }
        let pos = self.idx.at(at);
        let last_event = state.events.iter().map(|e| e.pos.line).max().unwrap_or(0);
        let end_line = end
            .map_or(0, |s| self.idx.end_line(s))
            .max(last_event)
            .max(pos.line);
        let name = state
            .path
            .rsplit_once("::")
            .map_or(state.path.as_str(), |(_, n)| n)
            .to_owned();
        self.finish_function(state, name, pos, end_line, Default::default());
    }
}
