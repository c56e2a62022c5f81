//! Stub handlers: a handler whose whole flow is known to reach no model.
//!
//! `async fn no_pipeline() -> StatusCode { warn!(..); StatusCode::NOT_FOUND }` routed at
//! `/v1/chat/completions` generates nothing, though its route says it would. A function is
//! inert when no event of its body is opaque (see [`crate::facts::inert::opaque`]), no
//! generation detector hits it, and each call it makes resolves to workspace functions that
//! are inert themselves, or builds a value: a variant or tuple struct (`Err(..)`, `Json(..)`),
//! a response or status (`Response::builder()`, `StatusCode::from_u16(..)`), a conversion
//! method (`into_response`). A call that resolves to nothing else, a function handed to code
//! that cannot be read, or anything deeper than the flow follows, may reach a model.

use std::collections::HashMap;

use genai_gate_policy::Capability;

use crate::analysis::flow::MAX_DEPTH;
use crate::analysis::graph::{FnId, Workspace};
use crate::facts::inert::inert_method;
use crate::facts::slim::{Func, StepKind, StepRef};

/// Types whose associated functions build a response, a status or a plain value.
#[rustfmt::skip]
const VALUE_TYPES: &[&str] = &[
    "Arc", "Body", "Box", "Bytes", "HeaderMap", "HeaderValue", "Html", "HttpResponse",
    "HttpResponseBuilder", "Json", "Redirect", "Response", "StatusCode", "String", "Vec",
];

/// Whether an unresolved call builds a value: its last segment is a variant or a tuple struct
/// (`Err`, `Json`, `JSONResponse`), or it is an associated function of a response or value
/// type (`Response::builder`, `StatusCode::from_u16`).
fn builds_value(path: &str) -> bool {
    let mut segs = path.rsplit("::");
    let last = segs.next().unwrap_or_default();
    last.chars().next().is_some_and(char::is_uppercase)
        || segs.next().is_some_and(|ty| VALUE_TYPES.contains(&ty))
}

/// Judges functions inert, memoising what does not depend on a cycle.
pub struct Inert<'w, 'a> {
    ws: &'w Workspace<'a>,
    memo: HashMap<FnId, bool, rustc_hash::FxBuildHasher>,
    on_stack: Vec<FnId>,
}

impl<'w, 'a> Inert<'w, 'a> {
    /// A judge over a workspace.
    pub fn new(ws: &'w Workspace<'a>) -> Self {
        Inert {
            ws,
            memo: HashMap::default(),
            on_stack: Vec::new(),
        }
    }

    /// Whether the function's whole flow is known to reach no model.
    pub fn is_inert(&mut self, id: FnId) -> bool {
        if let Some(known) = self.memo.get(&id) {
            return *known;
        }
        // A call back into a function being judged adds nothing to what it does.
        if self.on_stack.contains(&id) {
            return true;
        }
        if self.on_stack.len() >= MAX_DEPTH {
            return false;
        }
        let f = self.ws.func(id);
        let mut inert = !f.opaque_body()
            && !f
                .hits()
                .any(|(_, h, _)| h.capability == Capability::Generation);
        if inert {
            self.on_stack.push(id);
            inert = f.steps().all(|step| self.step_inert(id, f, step));
            self.on_stack.pop();
        }
        // An inert verdict below the top may rest on a caller assumed inert (a cycle).
        if !inert || self.on_stack.is_empty() {
            self.memo.insert(id, inert);
        }
        inert
    }

    fn step_inert(&mut self, id: FnId, f: Func<'a>, step: StepRef<'a>) -> bool {
        let callees = self.ws.callees(f, step);
        if !callees.is_empty() {
            return callees.into_iter().all(|c| c == id || self.is_inert(c));
        }
        let last = step.name.rsplit("::").next().unwrap_or(step.name);
        match step.kind {
            StepKind::Call => builds_value(step.name),
            StepKind::Method | StepKind::SelfMethod | StepKind::TypedMethod => inert_method(last),
            // A function handed to code that cannot be read, a message to another task.
            StepKind::FnRef | StepKind::Message => false,
            // A detector hit that is no call (generation hits were ruled out above).
            StepKind::Mark => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::slim::SlimFile;
    use crate::frontend::rust::{RustInput, extract};

    fn inert_fns(text: &str) -> Vec<(String, bool)> {
        let facts = extract(&RustInput {
            rel_path: "src/api.rs",
            text,
            crate_name: "app",
            module: "app::api",
            is_test_file: false,
        });
        let files = [SlimFile::new(facts, |_, _| {})];
        let ws = Workspace::new(&files, &[]);
        let mut judge = Inert::new(&ws);
        (0..files[0].len())
            .map(|i| {
                let id = FnId { file: 0, func: i };
                (ws.func(id).name().to_owned(), judge.is_inert(id))
            })
            .collect()
    }

    #[test]
    fn a_handler_that_only_logs_and_answers_a_status_is_inert() {
        let got = inert_fns(
            "async fn not_configured() -> Result<Json<Value>, StatusCode> {\n\
                 tracing::warn!(\"no pipeline\");\n\
                 Err(StatusCode::NOT_FOUND)\n\
             }\n\
             async fn unavailable() -> Response { busy_response(\"later\") }\n\
             fn busy_response(why: &str) -> Response {\n\
                 Response::builder().status(StatusCode::SERVICE_UNAVAILABLE).body(why.to_string().into()).unwrap()\n\
             }",
        );
        assert_eq!(
            got,
            [
                ("not_configured".to_owned(), true),
                ("unavailable".to_owned(), true),
                ("busy_response".to_owned(), true),
            ]
        );
    }

    #[test]
    fn a_call_that_cannot_be_read_a_method_or_a_message_is_not_inert() {
        // The model call is behind a library (`graph.compute()`, `llama_core::chat(..)`),
        // a method nobody defines here, a channel: any may reach a model.
        let got = inert_fns(
            "async fn chat(req: Req) -> Json<Out> { Json(llama_core::chat(req).await) }\n\
             async fn compute(g: Graph) -> StatusCode { g.compute(); StatusCode::OK }\n\
             async fn queue(tx: Sender<Job>) -> StatusCode { tx.send(Job::Generate); StatusCode::OK }\n\
             async fn spawned() -> StatusCode { tokio::spawn(work); StatusCode::OK }\n\
             async fn wraps() -> StatusCode { chat(Req::default()); StatusCode::OK }",
        );
        assert!(got.iter().all(|(_, inert)| !inert), "{got:?}");
    }
}
