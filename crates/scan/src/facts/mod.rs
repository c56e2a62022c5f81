//! Language-neutral facts extracted from one source file.
//!
//! A frontend (today: Rust, via syn) turns a file into [`FileFacts`] and drops its syntax
//! tree. Everything after that — the call graph, endpoint flow, verdicts — reads facts only,
//! cut down to what they use once the detector hits are known ([`crate::facts::slim`]).
//! Positions are 1-based lines plus byte offsets into the file.

use serde::{Deserialize, Serialize};

pub mod inert;
pub mod matcher;
pub mod slim;
pub mod sql;

/// A position in a scanned file.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// Byte offset from the start of the file.
    pub offset: u32,
}

/// A path segment of a route: a literal, or a constant to look up (`CHAT_ROUTE` or
/// `CHAT_ROUTE.path` for a field of a const struct).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RoutePath {
    /// A string literal.
    Lit(String),
    /// A constant or static, by name as written (maybe qualified, maybe with a `.field`).
    Const(String),
    /// The path declared by `#[typed_path("..")]` on the type of the handler's first
    /// parameter (axum-extra `.typed_get(h)`), found across files as the constant
    /// `<Type>.#typed_path`.
    Typed,
    /// Something the frontend could not read statically.
    Unknown,
}

/// The field under which a `#[typed_path("..")]` struct's path is kept as a [`ConstString`]
/// (`svc::routes::ChatPath.#typed_path`).
pub const TYPED_PATH_FIELD: &str = "#typed_path";

/// One thing that happens inside a function body, in source order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// A call of a path: `check_sensitive(x)`, `green::Client::text_moderation(..)`, `Self::f()`.
    /// `path` is as written, `::`-joined, without generics.
    Call {
        /// The callee path as written.
        path: Name,
    },
    /// A method call. `chain` is the method names called on the same receiver so far, in
    /// order, ending with this one: for `client.chat().create(req)`, the event for `create`
    /// has `chain = ["chat", "create"]`. `receiver` is the root receiver as written
    /// (`client`, `self.infer`, `state.llm`), or empty when it is not a plain path.
    Method {
        /// Method names, ending with this call.
        chain: Chain,
        /// Root receiver.
        receiver: Name,
    },
    /// A method called directly on a local whose type its binding shows
    /// (`let e = Executor::new(..); e.execute(req)`; in Python also an annotated parameter or
    /// attribute, `llm: ChatOpenAI`): matched as a [`EventKind::Method`] of one name, resolved
    /// as `ty::method` first, by name only when `ty` is a workspace type (that inherits it).
    /// Later calls of the chain are `Method`s.
    TypedMethod {
        /// The method's name (a chain of one).
        chain: Chain,
        /// The local's type as written (`Executor`, `exec::Executor`).
        ty: Name,
    },
    /// A macro invocation (name without `!`, last path segment kept qualified as written).
    Macro {
        /// Macro name.
        name: Name,
    },
    /// A type or variant path named in an expression or pattern: a struct literal
    /// (`CreateModerationRequestArgs { .. }`), a path value (`FinishReason::ContentFilter`).
    /// Path calls such as `T::new()` are `Call` events, not `TypeRef`.
    TypeRef {
        /// The path as written.
        path: Name,
    },
    /// A string literal (or a constant with a string value, resolved by the frontend when
    /// the constant is in the same file) passed as an argument to a call or method call.
    Str {
        /// The string value.
        value: String,
        /// The call it is passed to, as written (`post`, `requests.post`), when it is an
        /// argument of one (also through `format!`/f-strings): names a URL template's call.
        #[serde(default)]
        call: Option<Name>,
    },
    /// A reference to a function by path without calling it (`.map(screen_chunk)`,
    /// `post(chat)`): the graph treats it as a possible call.
    FnRef {
        /// The path as written.
        path: Name,
    },
    /// An enum variant sent on a channel (`tx.send(Event::IsKeyValid { .. })`), as its last two
    /// path segments (`Event::IsKeyValid`): the graph treats it as a call of the match arms
    /// that receive that variant ([`ReceiveFact`]).
    Message {
        /// `Enum::Variant`.
        variant: Name,
    },
}

impl EventKind {
    /// A short label for messages: what was called (`chat().create_stream`,
    /// `green::text_moderation`, `stream!`, `post("{}/chat/completions")`: a string names the
    /// call it is passed to).
    ///
    /// ```
    /// use genai_gate_scan::facts::{Chain, EventKind};
    /// let call = EventKind::Method { chain: Chain::from_iter(["chat", "create_stream"]), receiver: "client".into() };
    /// assert_eq!(call.label(), "chat().create_stream");
    /// ```
    pub fn label(&self) -> String {
        match self {
            EventKind::Call { path } | EventKind::FnRef { path } | EventKind::TypeRef { path } => {
                path.to_string()
            }
            EventKind::Method { chain, .. } | EventKind::TypedMethod { chain, .. } => {
                let mut last: Vec<&str> = chain.iter().rev().take(2).collect();
                last.reverse();
                last.join("().")
            }
            EventKind::Macro { name } => format!("{name}!"),
            EventKind::Str { value, call: None } => format!("\"{value}\""),
            EventKind::Str {
                value,
                call: Some(call),
            } => format!("{call}(\"{value}\")"),
            EventKind::Message { variant } => format!("send({variant})"),
        }
    }
}

/// A short name (a receiver as written), stored inline when it is at most 24 bytes.
///
/// ```
/// use genai_gate_scan::facts::Name;
/// let n = Name::from("state.llm");
/// assert_eq!(n.as_str(), "state.llm");
/// assert_eq!(&*n, "state.llm");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Name(compact_str::CompactString);

impl Name {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(s.into())
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(s.into())
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The method names called one after another on the same receiver, stored as one
/// `.`-joined string (a method name never contains `.`): a chain of `n` calls yields `n`
/// events, and one allocation per event keeps that linear.
///
/// ```
/// use genai_gate_scan::facts::Chain;
/// let mut chain = Chain::default();
/// chain.push("chat");
/// chain.push("create");
/// assert_eq!(chain.last(), Some("create"));
/// assert_eq!(chain.iter().collect::<Vec<_>>(), ["chat", "create"]);
/// assert_eq!(chain.len(), 2);
/// assert_eq!(chain.as_str(), "chat.create");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Chain(compact_str::CompactString);

impl Chain {
    /// Appends a method name.
    pub fn push(&mut self, name: &str) {
        if !self.0.is_empty() {
            self.0.push('.');
        }
        self.0.push_str(name);
    }

    /// The last method name.
    pub fn last(&self) -> Option<&str> {
        self.iter().next_back()
    }

    /// The method names in call order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.0.split('.').filter(|s| !s.is_empty())
    }

    /// Number of method names.
    pub fn len(&self) -> usize {
        if self.0.is_empty() {
            0
        } else {
            self.0.bytes().filter(|b| *b == b'.').count() + 1
        }
    }

    /// Whether the chain has no method.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The names joined by `.`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<S: AsRef<str>> FromIterator<S> for Chain {
    fn from_iter<I: IntoIterator<Item = S>>(names: I) -> Chain {
        let mut chain = Chain::default();
        for n in names {
            chain.push(n.as_ref());
        }
        chain
    }
}

/// An event with its position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// Where.
    pub pos: Pos,
}

/// A function, method, closure-turned-handler or match arm that can be a handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// Qualified path: `crate::api::chat::handler`, `crate::api::Dispatcher::call`.
    /// The crate segment is the Cargo package name with `-` replaced by `_`, or `crate`
    /// when unknown. Synthetic handlers (closures, match arms) get a path with a
    /// `{…}` segment, e.g. `crate::main::{closure@12}`.
    pub path: String,
    /// The simple name.
    pub name: Name,
    /// The `impl` type, for methods (`Dispatcher`).
    pub self_type: Option<Name>,
    /// The module path this function is in (`crate::api::chat`), for resolving calls.
    pub module: Name,
    /// Position of the name.
    pub pos: Pos,
    /// Last line of the body.
    pub end_line: u32,
    /// In test code (`#[test]`, `#[cfg(test)]` module, under `tests/` or `benches/`).
    pub is_test: bool,
    /// Capabilities declared by `// genai-gate: provides <capability>` markers on or above it.
    pub provides: Vec<String>,
    /// Capabilities that a call of this function is not evidence of by its name alone: the
    /// frontend read its body and saw something else (a routine named `check_api_key` whose
    /// body only compares the key with a list from the settings is no key lookup). Hits in
    /// the body still count where the flow reaches them.
    #[serde(default)]
    pub denies: Vec<String>,
    /// The trait this method implements (`impl Trait for Type`), by its last path segment;
    /// for a trait's default method, the trait itself.
    #[serde(default)]
    pub trait_name: Option<Name>,
    /// The types of the typed parameters, one [`TypeNames`] each, in order (`self` is left
    /// out): what extractors a handler takes and what request it reads.
    #[serde(default)]
    pub params: Vec<TypeNames>,
    /// The return type, when written.
    #[serde(default)]
    pub returns: Option<TypeNames>,
    /// Body events in source order (macro bodies that parse included).
    pub events: Vec<Event>,
    /// Calls whose result decides an exit of the body (see [`Guard`]), in no set order.
    #[serde(default)]
    pub guards: Vec<Guard>,
}

/// A call whose result decides whether the body goes on: the event at `pos` (a `Call` or
/// `Method`) is read by the condition of an `if`, `match` or `let … else` one of whose
/// branches returns, breaks or yields an error (`if check(&text)? { return refusal }`,
/// `let v = screen(&out).await; if v.flagged { break }`), or its error is propagated by `?`.
/// The flow counts output moderation whose result decides an exit after generation as a
/// stop (a refusal instead of the output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guard {
    /// Position of the call's event.
    pub pos: Pos,
    /// How the result decides.
    pub kind: GuardKind,
}

/// How a call's result decides an exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GuardKind {
    /// Only its error does: `call()?`, `if let Err(e) = call() { return .. }`. A catalogue
    /// API's error is a failed request, not a verdict on the content; a workspace function's
    /// error counts when that function's own exit is decided by moderation.
    Error,
    /// Its value does: a condition reads it and a branch exits.
    Value,
}

/// The names in a type as written, outermost first, space-separated: `Json<ChatRequest>` is
/// `Json ChatRequest`, `Result<Sse<impl Stream<Item = Event>>, E>` is
/// `Result Sse Stream Event E`. Lifetimes, references and `dyn`/`impl` keywords are left
/// out; a path keeps only its last segment.
///
/// ```
/// use genai_gate_scan::facts::TypeNames;
/// let t = TypeNames::from("Json ChatCompletionRequest");
/// assert_eq!(t.outer(), Some("Json"));
/// assert!(t.names().any(|n| n == "ChatCompletionRequest"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TypeNames(pub Name);

impl TypeNames {
    /// The names, outermost first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ').filter(|s| !s.is_empty())
    }

    /// The outermost name (`Json` in `Json<ChatRequest>`).
    pub fn outer(&self) -> Option<&str> {
        self.names().next()
    }

    /// The names as one space-separated string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for TypeNames {
    fn from(s: &str) -> TypeNames {
        TypeNames(Name::from(s))
    }
}

/// A trait declared in the workspace, with the methods it declares (with or without a
/// default body): calls of those methods may reach any implementation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraitFact {
    /// Qualified path, e.g. `svc::providers::Provider`.
    pub path: String,
    /// The methods it declares.
    pub methods: Vec<Name>,
    /// Where.
    pub pos: Pos,
}

/// A `use` alias visible in a module: `use a::b::c as d;` gives `alias = "d"`,
/// `target = "a::b::c"`; `use a::b::*` gives `alias = "*"`, `target = "a::b"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UseAlias {
    /// Module where the `use` appears.
    pub module: String,
    /// Local name, or `*` for a glob import.
    pub alias: String,
    /// Full target path as written (with `crate::`/`super::`/`self::` resolved to the
    /// module path when possible).
    pub target: String,
}

/// A const or static with a string value (or a struct literal whose fields are strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstString {
    /// Qualified path, e.g. `crate::routes::CHAT_ROUTE`; for struct fields,
    /// `crate::routes::CHAT_ROUTE.path`.
    pub path: String,
    /// The string value.
    pub value: String,
    /// Where.
    pub pos: Pos,
}

/// A route registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteFact {
    /// HTTP method upper-case (`POST`), or `ANY`.
    pub method: String,
    /// Prefixes known in the same expression (axum `.nest` chains, actix `web::scope`),
    /// outermost first, then the route's own path.
    pub path: Vec<RoutePath>,
    /// The handler path as written, or the synthetic function path for closures/arms.
    pub handler: String,
    /// The function that registers the route (a router builder), if any; attribute routes
    /// (`#[post("/x")]`) have `None` and are mounted by [`MountFact`]s naming the handler.
    pub registered_in: Option<String>,
    /// The framework recognised: `axum`, `actix`, `rocket`, `hyper`, `tower`, `salvo`,
    /// `poem`, `poem-openapi`, `warp`, `tonic`, `rmcp`, `async-graphql`, `juniper`.
    pub framework: String,
    /// The handler is a value rather than a function: a service or handler type built in
    /// place (`ServeDir::new(..)`, `Dispatcher { .. }`), written as `Type::call` (salvo:
    /// `Type::handle`). When no such method is in the workspace, the route is served by
    /// library code (static files, redirects) and is not an endpoint of the service.
    #[serde(default)]
    pub value: bool,
    /// The route is a server's only service, served with no route table
    /// (`axum_server::bind(addr).serve(svc)`): `ANY /{*path}`, kept only when the value's
    /// type implements `Service` in the workspace and its package has no route table.
    #[serde(default)]
    pub served: bool,
    /// Where.
    pub pos: Pos,
}

/// What a [`MountFact`] attaches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MountKind {
    /// The target's routes are nested or merged under the prefix.
    #[default]
    Routes,
    /// The target is middleware (salvo `.hoop(auth)`) that runs before every handler of the
    /// router function it is attached in and of everything mounted under it; the prefix is
    /// empty.
    Middleware,
    /// The target is a helper given the router built so far (`let api = protect(api)`): its
    /// routes are mounted as for [`MountKind::Routes`], and the middleware it layers on that
    /// router (`api.layer(from_fn(auth))`) runs before every route the router held when the
    /// call was made.
    Wraps,
}

/// A prefix applied to everything registered by another function or to named handlers:
/// axum `.nest("/api", api_router())`, actix `web::scope("/v1").service(chat)` or
/// `.configure(routes)`, rocket `.mount("/api", routes![a, b])`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountFact {
    /// The prefix path parts, outermost first (empty for a plain `.merge`).
    pub prefix: Vec<RoutePath>,
    /// The router function called or the handler named, as written.
    pub target: String,
    /// The function in which the mount appears.
    pub in_fn: String,
    /// Routes or middleware.
    #[serde(default)]
    pub kind: MountKind,
    /// Where.
    pub pos: Pos,
}

/// The variant of the agent-tool registry: a function registered as a tool (`@tool`,
/// `@register_tool(..)`) receives it, and running a tool by name (`tools[name].invoke(..)`)
/// sends it, so the call may reach every tool of the workspace.
pub const TOOL_REGISTRY: &str = "{tool}";

/// A match arm that receives an enum variant (`Event::IsKeyValid { key, reply } => { .. }`): its
/// body is a synthetic function, which a [`EventKind::Message`] of that variant reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiveFact {
    /// `Enum::Variant` (the last two segments of the pattern's path).
    pub variant: String,
    /// The arm's synthetic function (`…::{arm@12}`).
    pub func: String,
}

/// A file that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseProblem {
    /// 1-based line of the error.
    pub line: u32,
    /// The parser's message.
    pub message: String,
}

/// An inline suppression: `// genai-gate: allow CN-GAI-14.2 -- <reason>` on the line of an
/// item or in the comment block directly above it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allow {
    /// 1-based line of the comment.
    pub line: u32,
    /// The control suppressed, as written.
    pub control: String,
    /// The text after `--`; `None` when missing or empty (the suppression is then invalid).
    pub reason: Option<String>,
    /// The line the suppression covers: the comment's own line for a trailing comment, else
    /// the first line below the comment block that is neither a comment nor an attribute.
    pub target: u32,
}

/// Everything the checks need from one source file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    /// Path relative to the scanned root, `/`-separated.
    pub path: String,
    /// Functions (and synthetic handlers) defined in the file.
    pub functions: Vec<Function>,
    /// `use` aliases.
    pub uses: Vec<UseAlias>,
    /// String constants.
    pub consts: Vec<ConstString>,
    /// Route registrations.
    pub routes: Vec<RouteFact>,
    /// Mounts and nests.
    pub mounts: Vec<MountFact>,
    /// Traits declared in the file.
    #[serde(default)]
    pub traits: Vec<TraitFact>,
    /// Match arms that receive an enum variant.
    #[serde(default)]
    pub receives: Vec<ReceiveFact>,
    /// Set when the file did not parse; the other fields are then empty.
    pub parse_error: Option<ParseProblem>,
    /// Number of lines.
    pub lines: u32,
    /// Inline suppressions (`// genai-gate: allow …`), in line order; read even when the file
    /// does not parse.
    #[serde(default)]
    pub allows: Vec<Allow>,
    /// `genai-gate:` comments that do not parse (a misspelt marker or capability), in line
    /// order; read even when the file does not parse.
    #[serde(default)]
    pub marker_problems: Vec<MarkerProblem>,
}

/// A `// genai-gate: …` comment that is not a valid marker, with a "did you mean".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerProblem {
    /// 1-based line of the comment.
    pub line: u32,
    /// What is wrong: lowercase, no trailing period, with a suggestion when one is close.
    pub message: String,
}
