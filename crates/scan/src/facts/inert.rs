//! Events that cannot reach a model: what a stub handler is made of.
//!
//! A handler that only logs and answers with a status (`warn!(..); Err(StatusCode::NOT_FOUND)`)
//! does not generate, whatever its route says. Whether a function is such a stub is settled
//! in two steps: here, per event, before method calls that cannot resolve are pruned away
//! ([`opaque`]: a method or macro that may do anything, a message sent on a channel), and in
//! the analysis, over the calls that remain (`crate::analysis::inert`: each must resolve to
//! workspace code that is itself inert, or construct a value).

use crate::facts::EventKind;

/// Macros that format, log or build values, and macros that diverge.
#[rustfmt::skip]
const INERT_MACROS: &[&str] = &[
    "anyhow", "assert", "assert_eq", "assert_ne", "bail", "concat", "debug", "debug_assert",
    "debug_assert_eq", "debug_assert_ne", "debug_span", "eprint", "eprintln", "error",
    "error_span", "format", "format_args", "info", "info_span", "json", "log", "matches",
    "panic", "print", "println", "span", "stringify", "todo", "trace", "trace_span",
    "unimplemented", "unreachable", "vec", "warn", "warn_span", "write", "writeln",
];

/// Methods that convert, unwrap or build a response (`into_response`, `status`, `body`):
/// called on something the analysis cannot see, they still reach no model.
#[rustfmt::skip]
const INERT_METHODS: &[&str] = &[
    "append_header", "as_ref", "as_str", "body", "build", "clone", "content_type", "expect",
    "finish", "header", "headers", "headers_mut", "insert", "insert_header", "into",
    "into_response", "json", "map_err", "ok", "ok_or", "ok_or_else", "status", "to_owned",
    "to_string", "unwrap", "unwrap_or", "unwrap_or_default", "unwrap_or_else",
];

/// Whether a method only converts, unwraps or builds a response (`into_response`, `status`,
/// `body`, `unwrap`…), and so reaches no model whatever it is called on.
///
/// ```
/// use genai_gate_scan::facts::inert::inert_method;
/// assert!(inert_method("into_response"));
/// assert!(!inert_method("create"));
/// ```
pub fn inert_method(name: &str) -> bool {
    INERT_METHODS.contains(&name)
}

/// Whether an event may reach a model whatever the workspace holds: a method that is not a
/// conversion (its callee may be library code nobody can read, pruned from the flow), a
/// macro that is not a formatter or a logger, a message to another task. Calls, references,
/// strings and type paths are judged by the analysis.
///
/// ```
/// use genai_gate_scan::facts::{Chain, EventKind};
/// use genai_gate_scan::facts::inert::opaque;
/// let log = EventKind::Macro { name: "tracing::warn".into() };
/// let infer = EventKind::Method { chain: Chain::from_iter(["compute"]), receiver: "graph".into() };
/// assert!(!opaque(&log));
/// assert!(opaque(&infer));
/// ```
pub fn opaque(kind: &EventKind) -> bool {
    match kind {
        EventKind::Call { .. }
        | EventKind::FnRef { .. }
        | EventKind::TypeRef { .. }
        | EventKind::Str { .. } => false,
        // On `self` and on a local of a known type the analysis resolves the call.
        EventKind::Method { chain, receiver } => {
            receiver.as_str() != "self" && !inert_method(chain.last().unwrap_or_default())
        }
        EventKind::TypedMethod { .. } => false,
        EventKind::Macro { name } => {
            let last = name.as_str().rsplit("::").next().unwrap_or_default();
            !INERT_MACROS.contains(&last)
        }
        EventKind::Message { .. } => true,
    }
}
