//! Calls whose result decides an exit ([`Guard`]), as the Rust frontend records them: the
//! test of an `if`/`elif` that reads a call (directly or through a local assigned from it)
//! where the branch returns, raises or breaks; and a call made as a statement or assigned,
//! whose exception propagates (Python's `?`).

use std::collections::HashMap;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, Stmt};

use super::Extractor;
use crate::facts::{EventKind, Guard, GuardKind, Pos};

/// What a function body knows of guards so far.
#[derive(Debug, Default)]
pub(crate) struct GuardState {
    /// Locals assigned from calls: the positions of the calls' events.
    locals: HashMap<String, Vec<Pos>>,
    /// The guards found.
    pub(crate) found: Vec<Guard>,
}

impl Extractor {
    /// The number of events of the current function.
    pub(super) fn event_count(&self) -> usize {
        self.fns.last().map_or(0, |f| f.events.len())
    }

    fn calls_since(&self, from: usize) -> Vec<Pos> {
        self.fns.last().map_or_else(Vec::new, |f| {
            f.events[from.min(f.events.len())..]
                .iter()
                .filter(|ev| {
                    matches!(
                        ev.kind,
                        EventKind::Call { .. }
                            | EventKind::Method { .. }
                            | EventKind::TypedMethod { .. }
                    )
                })
                .map(|ev| ev.pos)
                .collect()
        })
    }

    /// The calls emitted since `from` and those assigned to the names `test` reads decide an
    /// exit.
    pub(super) fn guard_test(&mut self, from: usize, test: &Expr) {
        let mut names = Names::default();
        names.visit_expr(test);
        let mut at = self.calls_since(from);
        let Some(f) = self.fns.last_mut() else { return };
        for n in &names.0 {
            if let Some(calls) = f.guards.locals.get(n) {
                at.extend(calls.iter().copied());
            }
        }
        f.guards.found.extend(at.into_iter().map(|pos| Guard {
            pos,
            kind: GuardKind::Value,
        }));
    }

    /// A call statement or an assignment from a call, walked since `from`: its exception
    /// propagates; the targets' names are bound to its calls.
    pub(super) fn guard_call_stmt(&mut self, from: usize, targets: &[Expr]) {
        let calls = self.calls_since(from);
        let Some(f) = self.fns.last_mut() else { return };
        for t in targets {
            if let Expr::Name(n) = t {
                if calls.is_empty() {
                    f.guards.locals.remove(n.id.as_str());
                } else {
                    f.guards.locals.insert(n.id.to_string(), calls.clone());
                }
            }
        }
        f.guards.found.extend(calls.into_iter().map(|pos| Guard {
            pos,
            kind: GuardKind::Error,
        }));
    }
}

/// Whether a block may return, raise or break out of the loop around it (not in nested
/// functions, classes or loops of its own).
pub(super) fn exits(body: &[Stmt]) -> bool {
    let mut x = Exits(false, 0);
    x.visit_body(body);
    x.0
}

struct Exits(bool, u32);

impl<'a> Visitor<'a> for Exits {
    fn visit_stmt(&mut self, s: &'a Stmt) {
        match s {
            Stmt::Return(_) | Stmt::Raise(_) => self.0 = true,
            Stmt::Break(_) => self.0 |= self.1 == 0,
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::For(_) | Stmt::While(_) => {
                self.1 += 1;
                visitor::walk_stmt(self, s);
                self.1 -= 1;
            }
            _ => visitor::walk_stmt(self, s),
        }
    }
    fn visit_expr(&mut self, _: &'a Expr) {}
}

/// The names an expression reads.
#[derive(Default)]
struct Names(Vec<String>);

impl<'a> Visitor<'a> for Names {
    fn visit_expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Name(n) => self.0.push(n.id.to_string()),
            Expr::Lambda(_) => {}
            _ => visitor::walk_expr(self, e),
        }
    }
}
