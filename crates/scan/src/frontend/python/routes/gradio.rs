//! Gradio: event handlers of a `gr.Blocks` UI (`btn.click(fn, ..)`, `.submit(fn)`,
//! `.then(fn)`, `.change(fn)`…) and `gr.ChatInterface(fn)` / `gr.Interface(fn=..)`, each an
//! endpoint of method `GRADIO` and route `gradio:<fn>`: a UI that is launched or mounted
//! serves them to whoever opens it.

use ruff_python_ast::{Expr, ExprCall};

use super::{RouteArgs, keyword};
use crate::facts::{Pos, RoutePath};
use crate::frontend::python::Extractor;

/// Event listeners of Gradio components whose first argument is the handler.
const EVENTS: &[&str] = &[
    "click", "submit", "then", "success", "change", "input", "upload", "stream", "release",
];

impl Extractor {
    pub(super) fn gradio_call(
        &mut self,
        c: &ExprCall,
        method: &str,
        root: &str,
    ) -> Option<RouteArgs> {
        if !self.gradio {
            return None;
        }
        let interface = matches!(method, "ChatInterface" | "Interface" | "TabbedInterface");
        if !interface && !EVENTS.contains(&method) {
            return None;
        }
        // `btn.click(**predict_args)` with `predict_args = dict(fn=predict, ..)`.
        let spread = c
            .arguments
            .keywords
            .iter()
            .find_map(|k| match (&k.arg, &k.value) {
                (None, ruff_python_ast::Expr::Name(n)) => self
                    .fns
                    .last()
                    .and_then(|f| f.handlers.get(n.id.as_str()))
                    .cloned(),
                _ => None,
            });
        let handler = keyword(c, "fn").or_else(|| c.arguments.args.first());
        let written = match (handler, spread) {
            (Some(h), _) => self.handler_of(h)?,
            (None, Some(w)) => w,
            (None, None) => return None,
        };
        let handler = handler.unwrap_or(&*c.func);
        let name = written.rsplit("::").next().unwrap_or(&written).to_owned();
        if name == "None" || name.is_empty() {
            return None;
        }
        let registrar = self.registrar(if interface { "" } else { root_of(root) });
        let pos = self.pos_of(handler);
        // `.submit(add_text, ..).then(bot_response, ..)`: one user action runs the chain's
        // handlers in order, so what an earlier one does (screening the text it adds to the
        // state) runs before the later one, as middleware does; the route is registered in a
        // router of its own that has them as its middleware.
        let earlier = if matches!(method, "then" | "success") {
            self.chain_handlers(&c.func)
        } else {
            Vec::new()
        };
        let registrar = if earlier.is_empty() {
            registrar
        } else {
            self.chain_router(registrar, earlier, pos)
        };
        self.push_route(
            "GRADIO",
            vec![RoutePath::Lit(format!("gradio:{name}"))],
            written,
            registrar,
            "gradio",
            pos,
        );
        Some(RouteArgs::Normal)
    }

    /// The handlers of the events a `.then(..)` follows, earliest first.
    fn chain_handlers(&self, callee: &Expr) -> Vec<(String, Pos)> {
        let mut out = Vec::new();
        let mut cur = callee;
        while let Expr::Attribute(a) = cur
            && let Expr::Call(prev) = &*a.value
            && let Expr::Attribute(pa) = &*prev.func
            && EVENTS.contains(&pa.attr.id.as_str())
        {
            let h = keyword(prev, "fn").or_else(|| prev.arguments.args.first());
            if let Some(h) = h
                && let Some(w) = self.handler_of(h)
                && w.rsplit("::").next().is_some_and(|n| n != "None")
            {
                out.push((w, self.pos_of(h)));
            }
            cur = &prev.func;
        }
        out.reverse();
        out
    }

    /// A synthetic router `{registrar}::{chain@LINE}`, mounted in `registrar`, whose
    /// middleware is the chain's earlier handlers, in order.
    fn chain_router(&mut self, registrar: String, earlier: Vec<(String, Pos)>, pos: Pos) -> String {
        let path = format!("{registrar}::{{chain@{}}}", pos.line);
        let events = earlier
            .iter()
            .flat_map(|(w, at)| super::middleware_events(w, *at))
            .collect();
        let f = self.synthetic(path.clone(), pos, self.in_test(), events);
        self.facts.functions.push(f);
        self.push_mount(Vec::new(), path.clone(), registrar, pos);
        path
    }
}

/// Event handlers are registered where the UI is built: the enclosing function, or the
/// module's top level (never a component's own variable).
fn root_of(_receiver: &str) -> &'static str {
    ""
}
