//! Router locals rebound by a branch: `router = match plugin { A => router.route(..), _ =>
//! router }` (in a loop or not), `router = if c { router.route(..) } else { router }`. A
//! `match`, `if`/`else` or block is a router when every branch that yields a value yields a
//! router or a router local ([`branch_values`]); it is then walked as one router function
//! with its branches in place, not as arms of their own, so the routes they add stay on that
//! router. A router local rebound inside an arm that is walked as a function of its own
//! (`A => { router = router.route(..) }` in a `match` on enum variants) may hold the new
//! router after the `match` as well as the one it held.

use std::collections::HashMap;

use syn::visit::Visit;
use syn::{Block, Expr, Stmt};

use super::locals::Binding;
use super::router_exprs::Init;
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::peel;

/// Macros that never return (a branch ending in one yields no value).
const DIVERGING_MACROS: [&str; 4] = ["panic", "unreachable", "todo", "unimplemented"];

/// Whether an expression never yields a value: `return`, `break`, `continue`, `panic!(..)`.
fn diverges(e: &Expr) -> bool {
    match peel(e) {
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => true,
        Expr::Macro(m) => diverging_macro(&m.mac),
        _ => false,
    }
}

fn diverging_macro(m: &syn::Macro) -> bool {
    m.path
        .segments
        .last()
        .is_some_and(|s| DIVERGING_MACROS.iter().any(|d| s.ident == d))
}

/// The values a branching expression may yield: the arms of a `match`, both sides of an
/// `if`/`else`, the tail of a block, through nested branches; a branch that diverges yields
/// none. `None` when `e` does not branch, or some branch yields no value (an `if` without
/// `else`, a block ending in a statement).
pub(super) fn branch_values(e: &Expr) -> Option<Vec<&Expr>> {
    let mut out = Vec::new();
    match peel(e) {
        Expr::Match(m) => {
            for arm in &m.arms {
                push_value(&arm.body, &mut out)?;
            }
        }
        Expr::If(i) => {
            push_block(&i.then_branch, &mut out)?;
            push_value(&i.else_branch.as_ref()?.1, &mut out)?;
        }
        Expr::Block(b) => push_block(&b.block, &mut out)?,
        _ => return None,
    }
    Some(out)
}

fn push_value<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) -> Option<()> {
    match peel(e) {
        d if diverges(d) => {}
        Expr::Match(_) | Expr::If(_) | Expr::Block(_) => out.extend(branch_values(e)?),
        other => out.push(other),
    }
    Some(())
}

fn push_block<'e>(b: &'e Block, out: &mut Vec<&'e Expr>) -> Option<()> {
    match b.stmts.last()? {
        Stmt::Expr(e, None) => push_value(e, out),
        Stmt::Expr(e, Some(_)) if diverges(e) => Some(()),
        Stmt::Macro(m) if diverging_macro(&m.mac) => Some(()),
        _ => None,
    }
}

impl Extractor<'_> {
    /// A branching expression is a router when every branch that yields a value yields a
    /// router (`router.route(..)`, `Router::new()`) or a router local (`_ => router`).
    pub(super) fn classify_branches(&self, values: &[&Expr]) -> Init {
        let mut roots = Vec::new();
        for v in values {
            match self.classify(v) {
                Init::Router(r) => roots.extend(r),
                Init::Alias(b) if b.router => {}
                _ => return Init::Other,
            }
        }
        if values.is_empty() {
            Init::Other
        } else {
            Init::Router(roots)
        }
    }

    /// Walks a router expression. The branches of a `match` or `if` that yields a router are
    /// walked in place, not as arms of their own: the routes they add are this router's.
    pub(super) fn router_value(&mut self, e: &Expr) {
        if branch_values(e).is_none() {
            return self.visit_expr(e);
        }
        match peel(e) {
            Expr::Match(m) => {
                self.visit_expr(&m.expr);
                for arm in &m.arms {
                    self.visit_pat(&arm.pat);
                    self.router_value(&arm.body);
                }
            }
            Expr::If(i) => {
                self.visit_expr(&i.cond);
                self.router_block(&i.then_branch);
                if let Some((_, e)) = &i.else_branch {
                    self.router_value(e);
                }
            }
            Expr::Block(b) => self.router_block(&b.block),
            other => self.visit_expr(other),
        }
    }

    /// A block yielding a router: its statements, then its tail as a router expression.
    fn router_block(&mut self, b: &Block) {
        let Some((last, rest)) = b.stmts.split_last() else {
            return;
        };
        for stmt in rest {
            self.visit_stmt(stmt);
        }
        match last {
            Stmt::Expr(e, None) => self.router_value(e),
            other => self.visit_stmt(other),
        }
    }

    /// After a function of its own (an arm, a closure) was walked inside the current one: a
    /// router local it rebound may hold the new router here too, besides what it held.
    pub(in crate::frontend::rust) fn keep_rebound_routers(
        &mut self,
        inner: &HashMap<String, Binding, rustc_hash::FxBuildHasher>,
    ) {
        let Some(f) = self.fns.last_mut() else { return };
        for (name, b) in f.bindings.iter_mut().filter(|(_, b)| b.router) {
            let Some(new) = inner.get(name).filter(|n| n.router) else {
                continue;
            };
            for t in &new.targets {
                if !b.targets.contains(t) {
                    b.targets.push(t.clone());
                }
            }
        }
    }
}
