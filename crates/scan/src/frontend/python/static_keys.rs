//! A routine that compares the caller's key with keys held in the settings (`token not in
//! SETTINGS.api_keys`, `key != config.api_key`, `key == os.environ["API_KEY"]`) checks a
//! shared secret from configuration: it identifies no user whose state a sanction could
//! change, so a call of it is no user check by its name alone (a `check_api_key` that reads
//! `SETTINGS.api_keys`). Lookups in a store inside the same body still count where the flow
//! reaches them.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{CmpOp, Expr, Stmt};

/// Names of objects that hold configuration: settings, config, parsed arguments, the
/// environment.
fn is_settings_root(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["settings", "setting", "config", "conf", "cfg"]
        .iter()
        .any(|w| lower.contains(w))
        || matches!(
            lower.as_str(),
            "args" | "opts" | "options" | "environ" | "env"
        )
}

/// A name of a key or token (`api_keys`, `API_KEY`, `tokens`, `secret`).
fn is_key_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["key", "token", "secret"].iter().any(|w| lower.contains(w))
}

/// Whether `e` reads keys from configuration: `SETTINGS.api_keys`, `self.config.api_key`,
/// `os.environ["API_KEY"]`, `os.getenv("API_KEY")`, `settings.get("api_keys")`.
fn is_settings_keys(e: &Expr) -> bool {
    match e {
        Expr::Attribute(a) => is_key_name(a.attr.id.as_str()) && has_settings_root(&a.value),
        Expr::Subscript(s) => match &*s.slice {
            Expr::StringLiteral(k) => is_key_name(k.value.to_str()) && has_settings_root(&s.value),
            _ => false,
        },
        Expr::Call(c) => {
            let Expr::Attribute(f) = &*c.func else {
                return false;
            };
            let getter = matches!(f.attr.id.as_str(), "get" | "getenv");
            let key = c.arguments.args.first().is_some_and(
                |a| matches!(a, Expr::StringLiteral(k) if is_key_name(k.value.to_str())),
            );
            getter && key && has_settings_root(&f.value)
        }
        _ => false,
    }
}

/// Whether an attribute chain names a configuration object on the way to its root.
fn has_settings_root(e: &Expr) -> bool {
    match e {
        Expr::Name(n) => is_settings_root(n.id.as_str()) || n.id.as_str() == "os",
        Expr::Attribute(a) => is_settings_root(a.attr.id.as_str()) || has_settings_root(&a.value),
        Expr::Call(c) => has_settings_root(&c.func),
        _ => false,
    }
}

/// Whether a function body (not counting nested functions and classes) compares something
/// with keys from configuration (`in`, `not in`, `==`, `!=`).
pub(super) fn compares_with_settings_keys(body: &[Stmt]) -> bool {
    struct Finder(bool);
    impl<'a> Visitor<'a> for Finder {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            if !self.0 && !matches!(s, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                visitor::walk_stmt(self, s);
            }
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            if self.0 {
                return;
            }
            if let Expr::Compare(c) = e {
                let equality = c
                    .ops
                    .iter()
                    .all(|op| matches!(op, CmpOp::In | CmpOp::NotIn | CmpOp::Eq | CmpOp::NotEq));
                if equality
                    && std::iter::once(&*c.left)
                        .chain(c.comparators.iter())
                        .any(is_settings_keys)
                {
                    self.0 = true;
                    return;
                }
            }
            if !matches!(e, Expr::Lambda(_)) {
                visitor::walk_expr(self, e);
            }
        }
    }
    let mut f = Finder(false);
    for s in body {
        f.visit_stmt(s);
    }
    f.0
}
