//! Calls whose result decides an exit ([`Guard`]): the condition of an `if`, a `match`
//! scrutinee or a `let … else` initialiser that reads a call (directly or through a local bound
//! to it) where a branch returns, breaks or yields an error, and calls whose error `?`
//! propagates. A branch that only logs is no exit; neither is a closure's or an async block's
//! own `return`.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;
use syn::visit::{self, Visit};
use syn::{Expr, ExprIf, ExprMatch, ExprTry, Pat};

use super::Extractor;
use super::body::path_span;
use crate::facts::{EventKind, Guard, GuardKind, Pos};

/// What a function body knows of guards so far.
#[derive(Debug, Default)]
pub(crate) struct GuardState {
    /// Locals bound to the result of calls: the positions of the calls' events.
    locals: HashMap<String, Vec<Pos>, FxBuildHasher>,
    /// The guards found.
    pub(crate) found: Vec<Guard>,
}

/// Adapters a `?` looks through to the call whose error it propagates.
const ADAPTERS: &[&str] = &[
    "map_err",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
    "ok_or",
    "ok_or_else",
    "err_into",
];

/// Macros that leave the function with an error.
const EXIT_MACROS: &[&str] = &["bail", "throw"];

impl Extractor<'_> {
    fn event_count(&self) -> usize {
        self.fns.last().map_or(0, |f| f.events.len())
    }

    /// Marks the calls emitted since event `from`, and those bound to the locals `e` reads,
    /// as deciding an exit.
    fn mark(&mut self, from: usize, e: Option<&Expr>, kind: GuardKind) {
        let mut names = Names::default();
        if let Some(e) = e {
            names.visit_expr(e);
        }
        let Some(f) = self.fns.last_mut() else { return };
        let mut at: Vec<Pos> = calls_since(&f.events, from);
        for n in &names.0 {
            if let Some(calls) = f.guards.locals.get(n) {
                at.extend(calls.iter().copied());
            }
        }
        for pos in at {
            f.guards.found.push(Guard { pos, kind });
        }
    }

    /// `if cond { .. } else { .. }` (not a route branch).
    pub(super) fn guarded_if(&mut self, i: &ExprIf) {
        let from = self.event_count();
        self.visit_expr(&i.cond);
        let exits = block_exits(&i.then_branch)
            || i.else_branch.as_ref().is_some_and(|(_, e)| expr_exits(e));
        if exits {
            let kind = match &*i.cond {
                Expr::Let(l) if result_pattern(&l.pat) => GuardKind::Error,
                _ => GuardKind::Value,
            };
            self.mark(from, Some(&i.cond), kind);
        }
        self.visit_block(&i.then_branch);
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }

    /// `match scrutinee { .. }` (not a route or receiving match).
    pub(super) fn guarded_match(&mut self, m: &ExprMatch) {
        let from = self.event_count();
        self.visit_expr(&m.expr);
        let exiting: Vec<&syn::Arm> = m.arms.iter().filter(|a| expr_exits(&a.body)).collect();
        if !exiting.is_empty() {
            let kind = if exiting.iter().all(|a| result_pattern(&a.pat)) {
                GuardKind::Error
            } else {
                GuardKind::Value
            };
            self.mark(from, Some(&m.expr), kind);
        }
        for arm in &m.arms {
            visit::visit_arm(self, arm);
        }
    }

    /// `expr?`: the call whose error is propagated.
    pub(super) fn guarded_try(&mut self, t: &ExprTry) {
        self.visit_expr(&t.expr);
        let mut e = &*t.expr;
        let span = loop {
            match e {
                Expr::Await(a) => e = &a.base,
                Expr::Paren(p) => e = &p.expr,
                Expr::Group(g) => e = &g.expr,
                Expr::MethodCall(m) if ADAPTERS.iter().any(|a| m.method == a) => e = &m.receiver,
                Expr::MethodCall(m) => break Some(m.method.span()),
                Expr::Call(c) => match &*c.func {
                    Expr::Path(p) => break Some(path_span(&p.path)),
                    _ => break None,
                },
                _ => break None,
            }
        };
        if let Some(span) = span {
            let pos = self.idx.at(span);
            if let Some(f) = self.fns.last_mut() {
                f.guards.found.push(Guard {
                    pos,
                    kind: GuardKind::Error,
                });
            }
        }
    }

    /// `let pat = init [else { .. }];` walked by `walk`: the calls of the initialiser are
    /// bound to the pattern's names; a diverging `else` makes them decide an exit.
    pub(super) fn guarded_local(&mut self, l: &syn::Local, walk: impl FnOnce(&mut Self)) {
        let from = self.event_count();
        walk(self);
        let Some(init) = &l.init else { return };
        if init.diverge.is_some() {
            let kind = if result_pattern(&l.pat) {
                GuardKind::Error
            } else {
                GuardKind::Value
            };
            self.mark(from, None, kind);
        }
        let mut names = Vec::new();
        bound(&l.pat, &mut names);
        let Some(f) = self.fns.last_mut() else { return };
        let calls: Vec<Pos> = calls_since(&f.events, from);
        for n in names {
            if calls.is_empty() {
                f.guards.locals.remove(&n);
            } else {
                f.guards.locals.insert(n, calls.clone());
            }
        }
    }
}

/// `Ok(..)`, `Err(..)`: a pattern that only tells success from failure.
fn result_pattern(p: &Pat) -> bool {
    let path = match p {
        Pat::TupleStruct(t) => &t.path,
        Pat::Path(pp) => &pp.path,
        Pat::Ident(i) => return i.ident == "Ok" || i.ident == "Err",
        _ => return false,
    };
    path.segments
        .last()
        .is_some_and(|s| s.ident == "Ok" || s.ident == "Err")
}

/// The names a pattern binds.
fn bound(p: &Pat, out: &mut Vec<String>) {
    match p {
        Pat::Ident(i) => out.push(i.ident.to_string()),
        Pat::Type(t) => bound(&t.pat, out),
        Pat::Tuple(t) => t.elems.iter().for_each(|e| bound(e, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|e| bound(e, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| bound(&f.pat, out)),
        Pat::Reference(r) => bound(&r.pat, out),
        _ => {}
    }
}

/// The single-segment names an expression reads.
#[derive(Default)]
struct Names(Vec<String>);

impl<'ast> Visit<'ast> for Names {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(i) = p.path.get_ident() {
            self.0.push(i.to_string());
        }
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

fn block_exits(b: &syn::Block) -> bool {
    let mut x = Exits(false, 0);
    x.visit_block(b);
    x.0 || b.stmts.last().is_some_and(|s| match s {
        syn::Stmt::Expr(e, None) => is_err_value(e),
        _ => false,
    })
}

/// Whether evaluating `e` may leave the function (or loop) or is an `Err(..)` value.
fn expr_exits(e: &Expr) -> bool {
    let mut x = Exits(false, 0);
    x.visit_expr(e);
    x.0 || is_err_value(e)
}

/// `Err(..)`, or a block ending in one.
fn is_err_value(e: &Expr) -> bool {
    match e {
        Expr::Call(c) => {
            matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Err"))
        }
        Expr::Block(b) => b.block.stmts.last().is_some_and(|s| match s {
            syn::Stmt::Expr(e, None) => is_err_value(e),
            _ => false,
        }),
        Expr::Paren(p) => is_err_value(&p.expr),
        _ => false,
    }
}

/// Finds `return`, `break` (of a loop around the branch) and `bail!` outside closures,
/// async blocks and nested items.
struct Exits(bool, u32);

impl<'ast> Visit<'ast> for Exits {
    fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
        self.0 = true;
    }
    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        self.0 |= self.1 == 0 || b.label.is_some();
    }
    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.1 += 1;
        visit::visit_expr_for_loop(self, l);
        self.1 -= 1;
    }
    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.1 += 1;
        visit::visit_expr_while(self, l);
        self.1 -= 1;
    }
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.1 += 1;
        visit::visit_expr_loop(self, l);
        self.1 -= 1;
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if m.path
            .segments
            .last()
            .is_some_and(|s| EXIT_MACROS.iter().any(|x| s.ident == x))
        {
            self.0 = true;
        }
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Where the calls among the events emitted since `from` are.
fn calls_since(events: &[crate::facts::Event], from: usize) -> Vec<Pos> {
    events[from.min(events.len())..]
        .iter()
        .filter(|ev| {
            matches!(
                ev.kind,
                EventKind::Call { .. } | EventKind::Method { .. } | EventKind::TypedMethod { .. }
            )
        })
        .map(|ev| ev.pos)
        .collect()
}
