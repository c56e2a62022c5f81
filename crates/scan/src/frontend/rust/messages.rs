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
//! The send becomes a [`EventKind::Message`] naming `Event::IsKeyValid` (or the local bound to
//! it, or the struct sent; a send of anything else is a message with an empty name, which
//! detectors may still match); each arm whose pattern
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

/// The variant path a payload expression builds: `E::V { .. }`, `E::V(..)`, `E::V`.
fn payload_path(e: &Expr) -> Option<&syn::Path> {
    match peel(e) {
        Expr::Struct(s) => Some(&s.path),
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => Some(&p.path),
            _ => None,
        },
        Expr::Path(p) => Some(&p.path),
        _ => None,
    }
}

impl Extractor<'_> {
    /// `let name = Enum::Variant(..)`: remembered, so that `tx.send(name)` names the variant.
    pub(super) fn local_variant(&mut self, name: &syn::Ident, init: &Expr) {
        let Some(variant) = payload_path(init).and_then(variant_of) else {
            return;
        };
        if let Some(f) = self.fns.last_mut() {
            f.variants.insert(name.to_string(), variant);
        }
    }

    /// After `recv.m(args)` was emitted: every send is a message, named by the enum variant
    /// it sends (directly or through a local bound to one), or unnamed.
    pub(super) fn message_send(
        &mut self,
        method: &str,
        receiver: &Expr,
        at: proc_macro2::Span,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    ) {
        if !SEND_METHODS.contains(&method) {
            return;
        }
        let Some(arg) = args.first() else { return };
        if let Expr::Path(p) = peel(receiver)
            && let Some(id) = p.path.get_ident()
            && self
                .fns
                .last()
                .is_some_and(|f| f.replies.contains(id.to_string().as_str()))
        {
            return;
        }
        // A result sent back (`tx.send(Ok(chunk))`, `tx.send(Err(e))`) answers a request or
        // streams the response; it hands no work on.
        if let Expr::Call(c) = peel(arg)
            && let Expr::Path(p) = &*c.func
            && p.path.get_ident().is_some_and(|i| i == "Ok" || i == "Err")
        {
            return;
        }
        // A variant, or a struct sent as it is (`tx.send(Decision { .. })`), names the message.
        let direct = payload_path(arg).and_then(|p| {
            let name = variant_of(p).or_else(|| match (peel(arg), p.segments.last()) {
                (Expr::Struct(_), Some(last)) => Some(last.ident.to_string()),
                _ => None,
            })?;
            Some((name, path_span(p)))
        });
        let (variant, span) = match direct {
            Some(found) => found,
            None => {
                let local = match peel(arg) {
                    Expr::Path(p) => p.path.get_ident().and_then(|id| {
                        let f = self.fns.last()?;
                        f.variants.get(&id.to_string()).cloned()
                    }),
                    _ => None,
                };
                (local.unwrap_or_default(), at)
            }
        };
        self.emit(
            EventKind::Message {
                variant: variant.into(),
            },
            span,
        );
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
                    super::items::bind_names(&arm.pat, &mut f.replies);
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
