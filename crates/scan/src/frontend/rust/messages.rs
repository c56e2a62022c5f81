//! Message passing: enum variants sent on channels, and the match arms that receive them.
//!
//! Services often hand work to a task over a channel — an engine loop, a state manager that
//! owns the database — and match on the message there:
//!
//! ```text
//! tx.send(Event::IsKeyValid { key, reply })?;          // an auth middleware
//! match event { Event::IsKeyValid { key, reply } => { /* SELECT … FROM api_keys */ } }
//! ```
//!
//! The send becomes a [`EventKind::Message`] naming `Event::IsKeyValid`; each arm whose pattern
//! names an enum variant (a path of two or more segments) becomes a synthetic function
//! (`…::{arm@line}`), referenced from the enclosing function as closures and route arms are,
//! with a [`ReceiveFact`]. The graph links the two, so the flow follows the message into what
//! handles it.

use syn::visit::Visit;
use syn::{Expr, ExprMatch, Pat};

use super::Extractor;
use super::body::{is_upper, path_span, peel};
use crate::facts::{EventKind, ReceiveFact};

/// Methods that send a message on a channel.
const SEND_METHODS: &[&str] = &[
    "send",
    "try_send",
    "send_async",
    "blocking_send",
    "unbounded_send",
    "send_timeout",
    "send_blocking",
    "force_send",
];

/// `Enum::Variant` from a path of two or more segments whose last one is a variant (upper
/// case): the last two segments.
fn variant_of(path: &syn::Path) -> Option<String> {
    let n = path.segments.len();
    if n < 2 {
        return None;
    }
    let last = path.segments[n - 1].ident.to_string();
    let enum_name = path.segments[n - 2].ident.to_string();
    (is_upper(&last) && is_upper(&enum_name)).then(|| format!("{enum_name}::{last}"))
}

/// The variant a pattern receives, looking through `|`, `&`, bindings and parentheses.
fn pat_variant(p: &Pat) -> Option<String> {
    match p {
        Pat::Struct(s) => variant_of(&s.path),
        Pat::TupleStruct(t) => variant_of(&t.path),
        Pat::Path(pp) => variant_of(&pp.path),
        Pat::Or(o) => o.cases.iter().find_map(pat_variant),
        Pat::Reference(r) => pat_variant(&r.pat),
        Pat::Paren(p) => pat_variant(&p.pat),
        Pat::Ident(i) => i.subpat.as_ref().and_then(|(_, sub)| pat_variant(sub)),
        Pat::Guard(g) => pat_variant(&g.pat),
        _ => None,
    }
}

impl Extractor<'_> {
    /// After `recv.m(args)` was emitted: a send of an enum variant is a message.
    pub(super) fn message_send(
        &mut self,
        method: &str,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    ) {
        if !SEND_METHODS.contains(&method) {
            return;
        }
        let Some(arg) = args.first() else { return };
        let path = match peel(arg) {
            Expr::Struct(s) => &s.path,
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => &p.path,
                _ => return,
            },
            Expr::Path(p) => &p.path,
            _ => return,
        };
        if let Some(variant) = variant_of(path) {
            self.emit(
                EventKind::Message {
                    variant: variant.into(),
                },
                path_span(path),
            );
        }
    }

    /// A `match` whose arms receive enum variants: each such arm a synthetic function.
    /// Returns `false` (nothing done) when no arm names a variant.
    pub(super) fn receiving_match(&mut self, m: &ExprMatch) -> bool {
        if self.fns.is_empty() || !m.arms.iter().any(|a| pat_variant(&a.pat).is_some()) {
            return false;
        }
        self.visit_expr(&m.expr);
        for arm in &m.arms {
            let Some(variant) = pat_variant(&arm.pat) else {
                self.visit_pat(&arm.pat);
                self.visit_expr(&arm.body);
                continue;
            };
            let span = arm
                .pat
                .span_start()
                .unwrap_or_else(proc_macro2::Span::call_site);
            let base = self.fns.last().map_or("crate", |f| f.path.as_str());
            let path = format!("{base}::{{arm@{}}}", span.start().line);
            self.emit(
                EventKind::FnRef {
                    path: path.as_str().into(),
                },
                span,
            );
            let end = match &*arm.body {
                Expr::Block(b) => Some(b.block.brace_token.span.close()),
                _ => None,
            };
            self.facts.receives.push(ReceiveFact {
                variant,
                func: path.clone(),
            });
            self.synthetic(path, span, end, |this| {
                if let Some(f) = this.fns.last_mut() {
                    super::items::bind_names(&arm.pat, &mut f.locals);
                }
                this.visit_pat(&arm.pat);
                this.visit_expr(&arm.body);
            });
        }
        true
    }
}

/// The start of a pattern, for positions.
trait PatStart {
    fn span_start(&self) -> Option<proc_macro2::Span>;
}

impl PatStart for Pat {
    fn span_start(&self) -> Option<proc_macro2::Span> {
        let path = match self {
            Pat::Struct(s) => &s.path,
            Pat::TupleStruct(t) => &t.path,
            Pat::Path(pp) => &pp.path,
            Pat::Or(o) => return o.cases.first().and_then(|c| c.span_start()),
            Pat::Reference(r) => return r.pat.span_start(),
            Pat::Paren(p) => return p.pat.span_start(),
            Pat::Ident(i) => return Some(i.ident.span()),
            Pat::Guard(g) => return g.pat.span_start(),
            _ => return None,
        };
        Some(path_span(path))
    }
}
