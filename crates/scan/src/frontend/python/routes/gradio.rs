//! Gradio: event handlers of a `gr.Blocks` UI (`btn.click(fn, ..)`, `.submit(fn)`,
//! `.then(fn)`, `.change(fn)`…) and `gr.ChatInterface(fn)` / `gr.Interface(fn=..)`, each an
//! endpoint of method `GRADIO` and route `gradio:<fn>`: a UI that is launched or mounted
//! serves them to whoever opens it.

use ruff_python_ast::ExprCall;

use super::{RouteArgs, keyword};
use crate::facts::RoutePath;
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
}

/// Event handlers are registered where the UI is built: the enclosing function, or the
/// module's top level (never a component's own variable).
fn root_of(_receiver: &str) -> &'static str {
    ""
}
