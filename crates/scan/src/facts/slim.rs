//! What the workspace keeps of a Rust file once its events are matched.
//!
//! [`FileFacts`] are what a frontend extracts (and what the cache stores): every event, each
//! with its own strings. Once a file's detector hits are known, most of that is dead
//! weight for the rest of the scan, which only resolves calls and orders hits:
//!
//! - a string argument, a macro or a type path that hit no detector never matters again;
//! - a method call matters by its last name and by whether it is called on `self` (the
//!   rest of its chain only served the matcher);
//! - every name is interned once per file, so a step is 16 bytes instead of an event's 64.
//!
//! A [`SlimFile`] is built in the worker that parsed the file, and the file's facts are
//! dropped there, so a whole workspace never holds more than the slim form. After every
//! file is in, [`prune`] drops the method calls that cannot resolve to any workspace
//! method (most of them: `clone`, `map`, `unwrap`…).
//!
//! ```
//! use genai_gate_scan::frontend::rust::{RustInput, extract};
//! use genai_gate_scan::facts::slim::{SlimFile, StepKind};
//! let text = "fn f(v: Vec<u8>) { let n = v.len(); g(n); }";
//! let input = RustInput { rel_path: "src/lib.rs", text, crate_name: "crate", module: "crate", is_test_file: false };
//! let facts = extract(&input);
//! let file = SlimFile::new(facts, |_event, _hits| {}); // no detector hits anything
//! let f = file.func(0);
//! assert_eq!(f.path(), "crate::f");
//! let steps: Vec<_> = f.steps().map(|s| (s.kind, s.name)).collect();
//! assert_eq!(steps, [(StepKind::Method, "len"), (StepKind::Call, "g")]);
//! ```

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use compact_str::CompactString;

use crate::facts::matcher::Hit;
use crate::facts::{
    ConstString, EventKind, FileFacts, GuardKind, MountFact, Pos, RouteFact, UseAlias,
};
use genai_gate_policy::Capability;
use rustc_hash::FxBuildHasher;

/// Above this many same-named methods, a method call is left unresolved.
pub const MAX_METHOD_CANDIDATES: usize = 4;

/// Method names of the standard library's traits and types (`next`, `read`, `append`,
/// `load`, `send`…), sorted. A call of one of them on anything but `self` is far more often
/// the standard method than a workspace one that happens to share its name, so it is not
/// guessed (a workspace type's own `self.load()` still resolves).
const COMMON_METHODS: &[&str] = &[
    "append",
    "as_bytes",
    "as_mut",
    "as_ref",
    "as_slice",
    "as_str",
    "borrow",
    "borrow_mut",
    "build",
    "call",
    "capacity",
    "chain",
    "check",
    "clear",
    "clone",
    "cloned",
    "close",
    "cmp",
    "collect",
    "connect",
    "contains",
    "count",
    "create",
    "decode",
    "default",
    "delete",
    "deref",
    "deref_mut",
    "deserialize",
    "drain",
    "drop",
    "encode",
    "entry",
    "eq",
    "execute",
    "extend",
    "fetch",
    "filter",
    "filter_map",
    "find",
    "finish",
    "first",
    "flat_map",
    "flatten",
    "flush",
    "fmt",
    "fold",
    "for_each",
    "from",
    "from_str",
    "get",
    "get_mut",
    "get_or_insert",
    "get_or_insert_with",
    "handle",
    "hash",
    "id",
    "init",
    "insert",
    "into",
    "into_inner",
    "into_iter",
    "is_empty",
    "is_none",
    "is_some",
    "iter",
    "iter_mut",
    "join",
    "keys",
    "last",
    "len",
    "list",
    "load",
    "lock",
    "map",
    "map_err",
    "merge",
    "name",
    "new",
    "next",
    "next_back",
    "ok",
    "open",
    "or_insert",
    "parse",
    "partial_cmp",
    "peek",
    "poll",
    "poll_next",
    "poll_ready",
    "pop",
    "position",
    "process",
    "push",
    "push_str",
    "query",
    "read",
    "read_exact",
    "read_line",
    "read_to_end",
    "read_to_string",
    "recv",
    "remove",
    "replace",
    "reset",
    "resize",
    "retain",
    "retrieve",
    "rev",
    "run",
    "save",
    "send",
    "serialize",
    "set",
    "shutdown",
    "size",
    "size_hint",
    "skip",
    "sort",
    "spawn",
    "split",
    "start",
    "stop",
    "store",
    "swap",
    "take",
    "to_owned",
    "to_string",
    "to_vec",
    "truncate",
    "try_from",
    "try_get_or_set_with",
    "try_into",
    "unwrap",
    "unwrap_or",
    "update",
    "validate",
    "values",
    "visit",
    "wait",
    "with_capacity",
    "write",
    "write_all",
    "zip",
];

/// Whether `name` is a common standard-library method name (`next`, `read`, `append`, `load`,
/// `send`, `create`…): one of a fixed list of the standard traits' and types' methods.
///
/// ```
/// use genai_gate_scan::facts::slim::is_common_method;
/// assert!(is_common_method("next"));
/// assert!(!is_common_method("chat_completion"));
/// ```
pub fn is_common_method(name: &str) -> bool {
    COMMON_METHODS.binary_search(&name).is_ok()
}

/// The parameter types of a make-service's `call`: the connection it serves (the target of
/// tower's `MakeService<Target, Request>`).
const CONNECTION_TYPES: [&str; 8] = [
    "SocketAddr",
    "AddrStream",
    "IncomingStream",
    "TcpStream",
    "UnixStream",
    "TlsStream",
    "AddrIncoming",
    "Target",
];

/// Whether a parameter type (as [`crate::facts::TypeNames`] writes it, outermost first) is a
/// connection: a `Service::call` taking it is a make-service's, which returns the service
/// of that connection rather than answering a request.
///
/// ```
/// use genai_gate_scan::facts::slim::is_connection_type;
/// assert!(is_connection_type("SocketAddr"));
/// assert!(is_connection_type("IncomingStream TcpListener"));
/// assert!(!is_connection_type("Request Incoming"));
/// ```
pub fn is_connection_type(names: &str) -> bool {
    names
        .split(' ')
        .next()
        .is_some_and(|outer| CONNECTION_TYPES.contains(&outer))
}

/// Whether a method call of this name hands a request to a tower service (`inner.call(req)`,
/// `svc.oneshot(req)`): in a file that implements `Service::call` (see
/// [`Func::in_tower_module`]), such a call on anything but `self` reaches the inner service
/// of a layer or a stack, whose type is a generic or a boxed service.
pub fn is_service_forward(name: &str) -> bool {
    matches!(name, "call" | "oneshot")
}

/// Whether a method call can resolve when `named` workspace methods bear its name: on
/// `self`, to the caller's own method (or, failing that, as below); otherwise never for a
/// common standard-library name ([`is_common_method`]); a method a workspace trait declares,
/// to its implementations; otherwise only when there are at most [`MAX_METHOD_CANDIDATES`].
/// [`crate::analysis::graph::Workspace::resolve_method`] resolves no call for which this is
/// false, so [`prune`] may drop such calls — except a service forward in a tower module
/// ([`is_service_forward`]), which [`prune`] keeps.
pub(crate) fn method_may_resolve(
    named: usize,
    on_self: bool,
    trait_method: bool,
    common: bool,
) -> bool {
    named > 0 && (on_self || (!common && (trait_method || named <= MAX_METHOD_CANDIDATES)))
}

/// A string in a file's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Sym(u32);

/// No string (a function without an `impl` type).
const NONE: Sym = Sym(u32::MAX);

/// A file's strings, each stored once, end to end in one buffer.
#[derive(Debug, Default)]
struct Strings {
    buf: String,
    ends: Vec<u32>,
}

impl Strings {
    fn get(&self, s: Sym) -> &str {
        let i = s.0 as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.buf[start..self.ends[i] as usize]
    }
}

/// Builds a [`Strings`] table, handing out one symbol per distinct string.
struct Interner<'f> {
    strings: Strings,
    seen: HashMap<&'f str, Sym, FxBuildHasher>,
}

impl<'f> Interner<'f> {
    fn with_capacity(n: usize) -> Self {
        Interner {
            strings: Strings {
                buf: String::with_capacity(n * 8),
                ends: Vec::with_capacity(n),
            },
            seen: HashMap::with_capacity_and_hasher(n, FxBuildHasher),
        }
    }

    fn intern(&mut self, s: &'f str) -> Sym {
        if let Some(sym) = self.seen.get(s) {
            return *sym;
        }
        let sym = self.push(s);
        self.seen.insert(s, sym);
        sym
    }

    /// Interns a string that does not live in the facts (a hit's label): it is looked up
    /// among the others, but cannot be a key itself.
    fn intern_owned(&mut self, s: &str) -> Sym {
        match self.seen.get(s) {
            Some(sym) => *sym,
            None => self.push(s),
        }
    }

    fn push(&mut self, s: &str) -> Sym {
        // A file is far smaller than 4 GiB (the walker caps file sizes), so offsets fit.
        let sym = Sym(self.strings.ends.len() as u32);
        self.strings.buf.push_str(s);
        self.strings.ends.push(self.strings.buf.len() as u32);
        sym
    }

    fn finish(mut self) -> Strings {
        self.strings.buf.shrink_to_fit();
        self.strings.ends.shrink_to_fit();
        self.strings
    }
}

/// What a step can lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// A call of a path (`check_sensitive(x)`, `Self::f()`): resolved as a path.
    Call,
    /// A function named without being called (`.map(screen)`, `post(chat)`).
    FnRef,
    /// A method call on something other than `self`; the name is the method's.
    Method,
    /// A method call on `self`.
    SelfMethod,
    /// A method call on a local of a known type; the name is `Type::method` (see
    /// [`EventKind::TypedMethod`]).
    TypedMethod,
    /// An enum variant sent on a channel; the name is `Enum::Variant`, resolved to the match
    /// arms that receive it.
    Message,
    /// An event that resolves to nothing but holds a detector hit (a string, a macro, a
    /// type path), kept for its position in the order.
    Mark,
}

/// One step of a function body, in source order.
#[derive(Debug, Clone, Copy)]
struct Step {
    pos: Pos,
    name: Sym,
    kind: StepKind,
    /// Whether and how the step's result decides an exit (see [`crate::facts::Guard`]).
    guard: Option<GuardKind>,
}

/// A detector hit on a step.
#[derive(Debug, Clone, Copy)]
struct SlimHit {
    step: u32,
    hit: Hit,
    label: Sym,
}

/// A function as the workspace keeps it; read it through [`Func`].
#[derive(Debug)]
struct SlimFn {
    /// [`NONE`] when the path is `module::name` or `module::Type::name` (almost always):
    /// it is then spelled out on demand instead of stored.
    path: Sym,
    name: Sym,
    self_type: Sym,
    module: Sym,
    pos: Pos,
    is_test: bool,
    /// Some event of the body may reach a model whatever the workspace holds (see
    /// [`crate::facts::inert::opaque`]).
    opaque: bool,
    /// Index into the file's `provides` and `denies` lists, or `u32::MAX` (most functions
    /// have neither).
    provides: u32,
    /// This function's range of the file's steps.
    steps: (u32, u32),
    /// This function's range of the file's hits.
    hits: (u32, u32),
    /// The trait implemented, or [`NONE`].
    trait_name: Sym,
    /// This function's range of the file's parameter types.
    params: (u32, u32),
    /// The return type, or [`NONE`].
    returns: Sym,
}

/// The facts of one Rust file that the call graph, the endpoint inventory and the flow
/// read, after matching.
#[derive(Debug)]
pub struct SlimFile {
    /// Path relative to the scanned root, `/`-separated.
    pub path: String,
    /// The Cargo package the file belongs to (see [`crate::packages`]), when known.
    pub package: Option<u32>,
    /// `use` aliases.
    pub uses: Vec<UseAlias>,
    /// String constants.
    pub consts: Vec<ConstString>,
    /// Route registrations.
    pub routes: Vec<RouteFact>,
    /// Mounts and nests.
    pub mounts: Vec<MountFact>,
    functions: Box<[SlimFn]>,
    /// The steps of every function, function after function (one allocation per file).
    steps: Vec<Step>,
    hits: Vec<SlimHit>,
    /// The `provides` markers and the `denies` lists
    /// ([`crate::facts::Function::denies`]) of the functions that have some.
    provides: Vec<(Vec<String>, Vec<String>)>,
    /// The parameter types of every function, function after function.
    params: Vec<Sym>,
    /// Traits declared in the file.
    pub traits: Vec<crate::facts::TraitFact>,
    /// Match arms that receive an enum variant.
    pub receives: Vec<crate::facts::ReceiveFact>,
    /// Some function of the file implements `Service::call` (tower, hyper): see
    /// [`Func::in_tower_module`].
    tower: bool,
    strings: Strings,
}

/// A step as read through [`Func::steps`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepRef<'a> {
    /// Where.
    pub pos: Pos,
    /// What it can lead to.
    pub kind: StepKind,
    /// The callee path as written (calls and references), the method name (method calls),
    /// or empty (marks).
    pub name: &'a str,
    /// Whether and how the call's result decides an exit of the body (see
    /// [`crate::facts::Guard`]).
    pub guard: Option<GuardKind>,
}

/// A function of a [`SlimFile`], with access to the file's strings.
#[derive(Debug, Clone, Copy)]
pub struct Func<'a> {
    file: &'a SlimFile,
    f: &'a SlimFn,
}

impl<'a> Func<'a> {
    fn s(&self, sym: Sym) -> &'a str {
        self.file.strings.get(sym)
    }

    /// Qualified path (see [`crate::facts::Function::path`]).
    pub fn path(&self) -> Cow<'a, str> {
        match self.path_parts() {
            [whole, "", ""] => Cow::Borrowed(whole),
            parts => {
                let mut path = String::with_capacity(parts.iter().map(|p| p.len() + 2).sum());
                for p in parts.iter().filter(|p| !p.is_empty()) {
                    if !path.is_empty() {
                        path.push_str("::");
                    }
                    path.push_str(p);
                }
                Cow::Owned(path)
            }
        }
    }

    /// The path as stored, or the parts it is spelled from: module, type (or empty), name.
    fn path_parts(&self) -> [&'a str; 3] {
        if self.f.path != NONE {
            return [self.s(self.f.path), "", ""];
        }
        [
            self.module(),
            self.self_type().unwrap_or_default(),
            self.name(),
        ]
    }

    /// Whether the qualified path is `path`, without spelling it out.
    pub fn path_is(&self, path: &str) -> bool {
        let mut rest = path;
        for (i, part) in self
            .path_parts()
            .iter()
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            if i > 0 {
                let Some(r) = rest.strip_prefix("::") else {
                    return false;
                };
                rest = r;
            }
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        }
        rest.is_empty()
    }

    /// XXH3-64 of the qualified path (as `xxh3_64(path)` would give), without spelling it out.
    pub fn path_hash(&self) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (i, part) in self
            .path_parts()
            .iter()
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            if i > 0 {
                h.update(b"::");
            }
            h.update(part.as_bytes());
        }
        h.digest()
    }

    /// The simple name.
    pub fn name(&self) -> &'a str {
        self.s(self.f.name)
    }

    /// The `impl` type, for methods.
    pub fn self_type(&self) -> Option<&'a str> {
        (self.f.self_type != NONE).then(|| self.s(self.f.self_type))
    }

    /// The module path the function is in.
    pub fn module(&self) -> &'a str {
        self.s(self.f.module)
    }

    /// Position of the name.
    pub fn pos(&self) -> Pos {
        self.f.pos
    }

    /// In test code.
    pub fn is_test(&self) -> bool {
        self.f.is_test
    }

    /// Some event of the body may reach a model whatever the workspace holds: a method call
    /// that is no conversion, a macro that does not format or log, a message (see
    /// [`crate::facts::inert::opaque`]).
    pub fn opaque_body(&self) -> bool {
        self.f.opaque
    }

    /// Capabilities declared by `// genai-gate: provides` markers.
    pub fn provides(&self) -> &'a [String] {
        self.file
            .provides
            .get(self.f.provides as usize)
            .map(|(p, _)| p.as_slice())
            .unwrap_or_default()
    }

    /// Capabilities that a call of this function is not evidence of by its name alone (see
    /// [`crate::facts::Function::denies`]).
    pub fn denies(&self) -> &'a [String] {
        self.file
            .provides
            .get(self.f.provides as usize)
            .map(|(_, d)| d.as_slice())
            .unwrap_or_default()
    }

    fn own_steps(&self) -> &'a [Step] {
        &self.file.steps[self.f.steps.0 as usize..self.f.steps.1 as usize]
    }

    /// The steps, in source order.
    pub fn steps(&self) -> impl ExactSizeIterator<Item = StepRef<'a>> + 'a {
        let strings = &self.file.strings;
        self.own_steps().iter().map(move |s| StepRef {
            pos: s.pos,
            kind: s.kind,
            name: strings.get(s.name),
            guard: s.guard,
        })
    }

    /// Detector hits as `(step index, hit, label)`, in step order; the label says what was
    /// called, for messages (see [`EventKind::label`](crate::facts::EventKind::label)).
    pub fn hits(&self) -> impl ExactSizeIterator<Item = (usize, Hit, &'a str)> + 'a {
        let strings = &self.file.strings;
        self.file.hits[self.f.hits.0 as usize..self.f.hits.1 as usize]
            .iter()
            .map(move |h| (h.step as usize, h.hit, strings.get(h.label)))
    }

    /// Whether this is a tower or hyper service's `call` (a method `call` of an impl of a
    /// trait named `Service`), outside test code.
    pub fn is_service_call(&self) -> bool {
        !self.is_test() && self.name() == "call" && self.trait_name() == Some("Service")
    }

    /// Whether this is a make-service's `call`: a service `call` whose parameter is a
    /// connection ([`is_connection_type`]), returning the service that answers its requests.
    pub fn is_make_service(&self) -> bool {
        self.is_service_call() && self.params().next().is_some_and(is_connection_type)
    }

    /// Whether a tower stack calls this for each request it serves: a service's `call` that
    /// answers requests (not a make-service's), or a tower-http authorizer's callback
    /// (`AsyncAuthorizeRequest::authorize`, `AuthorizeRequest::authorize`,
    /// `ValidateRequest::validate`), which `AsyncRequireAuthorizationLayer`,
    /// `RequireAuthorizationLayer` and `ValidateRequestHeaderLayer` call before the service
    /// they wrap.
    pub fn is_stack_callback(&self) -> bool {
        if self.is_test() {
            return false;
        }
        match (self.trait_name(), self.name()) {
            (Some("Service"), "call") => !self.is_make_service(),
            (Some("AsyncAuthorizeRequest" | "AuthorizeRequest"), "authorize") => true,
            (Some("ValidateRequest"), "validate") => true,
            _ => false,
        }
    }

    /// Whether the function's file implements `Service::call`: a tower layer, a service stack
    /// or a hand-written router, where `inner.call(req)` hands the request on (see
    /// [`is_service_forward`]).
    pub fn in_tower_module(&self) -> bool {
        self.file.tower
    }

    /// The Cargo package of the function's file (see [`crate::packages`]), when known.
    pub fn package(&self) -> Option<u32> {
        self.file.package
    }

    /// The trait this method implements (or, for a default method, declares).
    pub fn trait_name(&self) -> Option<&'a str> {
        (self.f.trait_name != NONE).then(|| self.s(self.f.trait_name))
    }

    /// The parameter types (see [`crate::facts::TypeNames`]), in order.
    pub fn params(&self) -> impl ExactSizeIterator<Item = &'a str> + 'a {
        let strings = &self.file.strings;
        self.file.params[self.f.params.0 as usize..self.f.params.1 as usize]
            .iter()
            .map(move |p| strings.get(*p))
    }

    /// The return type (see [`crate::facts::TypeNames`]), when written.
    pub fn returns(&self) -> Option<&'a str> {
        (self.f.returns != NONE).then(|| self.s(self.f.returns))
    }

    /// Position of a step.
    pub fn step_pos(&self, step: usize) -> Pos {
        self.own_steps()[step].pos
    }
}

impl SlimFile {
    /// Keeps what the rest of the scan needs of `facts`. `hits_of` appends an event's
    /// detector hits (as [`crate::facts::matcher::Matcher::hits`] does); it is asked once per event,
    /// outside test code, which is never evidence.
    pub fn new(facts: FileFacts, mut hits_of: impl FnMut(&EventKind, &mut Vec<Hit>)) -> SlimFile {
        let events: usize = facts.functions.iter().map(|f| f.events.len()).sum();
        let tower = facts.functions.iter().any(|f| {
            !f.is_test && f.name.as_str() == "call" && f.trait_name.as_deref() == Some("Service")
        });
        let mut names = Interner::with_capacity(events / 2 + facts.functions.len());
        let mut functions = Vec::with_capacity(facts.functions.len());
        let mut steps = Vec::with_capacity(events);
        let mut slim_hits = Vec::new();
        let mut provides = Vec::new();
        let mut params = Vec::new();
        let mut found = Vec::new();
        for func in &facts.functions {
            let (first_step, first_hit) = (steps.len(), slim_hits.len());
            let guard = is_guard(&func.path);
            let mut opaque = false;
            for ev in &func.events {
                opaque = opaque || crate::facts::inert::opaque(&ev.kind);
                found.clear();
                if !func.is_test {
                    hits_of(&ev.kind, &mut found);
                }
                if guard {
                    as_screening(&mut found);
                }
                let hit = !found.is_empty();
                let (kind, name) = match &ev.kind {
                    EventKind::Call { path } => (StepKind::Call, names.intern(path)),
                    EventKind::FnRef { path } => (StepKind::FnRef, names.intern(path)),
                    EventKind::Message { variant } => (StepKind::Message, names.intern(variant)),
                    EventKind::Method { chain, receiver } => {
                        let kind = if receiver.as_str() == "self" {
                            StepKind::SelfMethod
                        } else {
                            StepKind::Method
                        };
                        (kind, names.intern(chain.last().unwrap_or_default()))
                    }
                    EventKind::TypedMethod { chain, ty } => {
                        let method = chain.last().unwrap_or_default();
                        let path = format!("{ty}::{method}");
                        (StepKind::TypedMethod, names.intern_owned(&path))
                    }
                    _ if hit => (StepKind::Mark, names.intern("")),
                    _ => continue,
                };
                if hit {
                    let label = names.intern_owned(&ev.kind.label());
                    for h in &found {
                        slim_hits.push(SlimHit {
                            step: (steps.len() - first_step) as u32,
                            hit: *h,
                            label,
                        });
                    }
                }
                let decides = func
                    .guards
                    .iter()
                    .filter(|g| {
                        g.pos == ev.pos
                            && matches!(
                                kind,
                                StepKind::Call
                                    | StepKind::Method
                                    | StepKind::SelfMethod
                                    | StepKind::TypedMethod
                            )
                    })
                    .map(|g| g.kind)
                    .max();
                steps.push(Step {
                    pos: ev.pos,
                    name,
                    kind,
                    guard: decides,
                });
            }
            let spelled = spelled_out(
                &func.path,
                &func.module,
                func.self_type.as_deref(),
                &func.name,
            );
            functions.push(SlimFn {
                path: if spelled {
                    NONE
                } else {
                    names.intern(&func.path)
                },
                name: names.intern(&func.name),
                self_type: func.self_type.as_deref().map_or(NONE, |t| names.intern(t)),
                module: names.intern(&func.module),
                pos: func.pos,
                is_test: func.is_test,
                opaque,
                provides: if func.provides.is_empty() && func.denies.is_empty() {
                    u32::MAX
                } else {
                    provides.push((func.provides.clone(), func.denies.clone()));
                    provides.len() as u32 - 1
                },
                steps: (first_step as u32, steps.len() as u32),
                hits: (first_hit as u32, slim_hits.len() as u32),
                trait_name: func.trait_name.as_deref().map_or(NONE, |t| names.intern(t)),
                params: {
                    let first = params.len() as u32;
                    params.extend(func.params.iter().map(|p| names.intern(p.as_str())));
                    (first, params.len() as u32)
                },
                returns: func
                    .returns
                    .as_ref()
                    .map_or(NONE, |r| names.intern(r.as_str())),
            });
        }
        steps.shrink_to_fit();
        slim_hits.shrink_to_fit();
        params.shrink_to_fit();
        let strings = names.finish();
        let FileFacts {
            path,
            mut uses,
            mut consts,
            mut routes,
            mut mounts,
            traits,
            receives,
            ..
        } = facts;
        uses.shrink_to_fit();
        consts.shrink_to_fit();
        routes.shrink_to_fit();
        mounts.shrink_to_fit();
        SlimFile {
            path,
            package: None,
            uses,
            consts,
            routes,
            mounts,
            functions: functions.into_boxed_slice(),
            steps,
            hits: slim_hits,
            provides,
            params,
            traits,
            receives,
            tower,
            strings,
        }
    }

    /// Number of functions.
    pub fn len(&self) -> usize {
        self.functions.len()
    }

    /// Whether the file defines no function.
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
    }

    /// The `i`-th function (panics when out of range, like indexing).
    pub fn func(&self, i: usize) -> Func<'_> {
        Func {
            file: self,
            f: &self.functions[i],
        }
    }

    /// The functions, in file order.
    pub fn funcs(&self) -> impl ExactSizeIterator<Item = Func<'_>> {
        self.functions.iter().map(move |f| Func { file: self, f })
    }

    /// Drops method-call steps that hit no detector and cannot resolve, given how many
    /// workspace methods bear each name (see [`method_may_resolve`]).
    fn prune(
        &mut self,
        methods: &HashMap<CompactString, usize, FxBuildHasher>,
        trait_methods: &HashSet<CompactString, FxBuildHasher>,
    ) {
        let strings = &self.strings;
        let tower = self.tower;
        let named = |s: &Step| methods.get(strings.get(s.name)).copied().unwrap_or(0);
        let declared = |s: &Step| trait_methods.contains(strings.get(s.name));
        let keep_step = |s: &Step| match s.kind {
            StepKind::Method if tower && is_service_forward(strings.get(s.name)) => true,
            StepKind::Method => method_may_resolve(
                named(s),
                false,
                declared(s),
                is_common_method(strings.get(s.name)),
            ),
            StepKind::SelfMethod => method_may_resolve(named(s), true, declared(s), false),
            // Resolved by its type first, else as a method of that name: either needs a
            // workspace method of the name (or, in a tower module, is a service forward).
            StepKind::TypedMethod => {
                let name = strings.get(s.name);
                let method = name.rsplit("::").next().unwrap_or(name);
                (tower && is_service_forward(method)) || methods.get(method).is_some_and(|n| *n > 0)
            }
            _ => true,
        };
        if self.steps.iter().all(keep_step) {
            return;
        }
        let mut kept = Vec::with_capacity(self.steps.len());
        let mut new_index = Vec::new();
        for f in self.functions.iter_mut() {
            let (start, end) = (f.steps.0 as usize, f.steps.1 as usize);
            let hits = &mut self.hits[f.hits.0 as usize..f.hits.1 as usize];
            let first = kept.len();
            new_index.clear();
            let mut next_hit = hits.iter().map(|h| h.step).peekable();
            for (i, s) in self.steps[start..end].iter().enumerate() {
                new_index.push((kept.len() - first) as u32);
                let mut hit = false;
                while next_hit.next_if(|at| *at as usize == i).is_some() {
                    hit = true;
                }
                if hit || keep_step(s) {
                    kept.push(*s);
                }
            }
            for h in hits.iter_mut() {
                h.step = new_index[h.step as usize];
            }
            f.steps = (first as u32, kept.len() as u32);
        }
        kept.shrink_to_fit();
        self.steps = kept;
    }
}

/// Whether a function is a guard: its name or a module or type it is in says it moderates
/// (`moderation::check`, `Guard::classify`, `safety_check`, `censor_text`). A model called
/// there is a classifier that screens content (a Llama Guard, a guard model reached over the
/// same OpenAI-style API as the generator), not the endpoint's generation.
///
/// ```
/// use genai_gate_scan::facts::slim::is_guard;
/// assert!(is_guard("agent_runtime::moderation::call_guard_model"));
/// assert!(is_guard("svc::Guardrails::check"));
/// assert!(is_guard("svc::chat::safety_check"));
/// assert!(!is_guard("svc::chat::complete"));
/// assert!(!is_guard("svc::safeguarding_docs::render"));
/// ```
pub fn is_guard(path: &str) -> bool {
    const WORDS: &[&str] = &[
        "moderation",
        "moderations",
        "moderate",
        "moderator",
        "guard",
        "guards",
        "guardrail",
        "guardrails",
        "safety",
        "censor",
        "censorship",
    ];
    // Every word holds one of these (ASCII, case aside): most paths hold none, and are
    // answered without splitting into words.
    static STEMS: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    let stems = STEMS.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(["moderat", "guard", "safety", "censor"])
            .ok()
    });
    if stems.as_ref().is_some_and(|ac| !ac.is_match(path)) {
        return false;
    }
    path.split("::").any(|seg| {
        seg.split(|c: char| c == '_' || !c.is_alphanumeric())
            .flat_map(split_camel)
            .any(|w| WORDS.contains(&w.to_ascii_lowercase().as_str()))
    })
}

/// `CamelCase` words of an identifier piece.
fn split_camel(s: &str) -> impl Iterator<Item = &str> {
    let mut starts: Vec<usize> = s
        .char_indices()
        .filter(|(i, c)| *i > 0 && c.is_uppercase())
        .map(|(i, _)| i)
        .collect();
    starts.insert(0, 0);
    starts.push(s.len());
    (0..starts.len() - 1).map(move |k| &s[starts[k]..starts[k + 1]])
}

/// In a guard, a generation hit is a screening one: input or output moderation, told apart by
/// where the flow reaches it.
fn as_screening(found: &mut Vec<Hit>) {
    let mut i = 0;
    while i < found.len() {
        if found[i].capability == Capability::Generation {
            let detector = found[i].detector;
            found[i].capability = Capability::ModerationInput;
            found.insert(
                i + 1,
                Hit {
                    capability: Capability::ModerationOutput,
                    detector,
                },
            );
            i += 2;
        } else {
            i += 1;
        }
    }
}

/// Whether `path` is `module::name`, or `module::ty::name` for a method.
fn spelled_out(path: &str, module: &str, ty: Option<&str>, name: &str) -> bool {
    let Some(rest) = path.strip_prefix(module).and_then(|r| r.strip_prefix("::")) else {
        return false;
    };
    let rest = match ty {
        Some(t) => match rest.strip_prefix(t).and_then(|r| r.strip_prefix("::")) {
            Some(r) => r,
            None => return false,
        },
        None => rest,
    };
    rest == name
}

/// Drops, in every file, the method-call steps that can resolve to no workspace method
/// and hit no detector; run once every file is in, before the workspace is indexed.
/// Verdicts are unchanged: such steps add no callee and no hit.
pub fn prune(files: &mut [SlimFile]) {
    use rayon::prelude::*;
    let mut methods: HashMap<CompactString, usize, FxBuildHasher> = HashMap::default();
    let mut trait_methods: HashSet<CompactString, FxBuildHasher> = HashSet::default();
    for file in files.iter() {
        for f in file.funcs() {
            if f.self_type().is_some() {
                *methods.entry(f.name().into()).or_default() += 1;
            }
        }
        for t in &file.traits {
            trait_methods.extend(t.methods.iter().map(|m| CompactString::from(m.as_str())));
        }
    }
    files
        .par_iter_mut()
        .for_each(|f| f.prune(&methods, &trait_methods));
}

#[cfg(test)]
mod tests {
    use super::MAX_METHOD_CANDIDATES;
    use super::*;
    use crate::frontend::rust::{RustInput, extract};
    use genai_gate_policy::Capability;

    fn slim(src: &str, hit_on: &str) -> SlimFile {
        let facts = extract(&RustInput {
            rel_path: "src/lib.rs",
            text: src,
            crate_name: "crate",
            module: "crate",
            is_test_file: false,
        });
        // A hit on every event whose label is `hit_on`.
        SlimFile::new(facts, |event, out| {
            if event.label() == hit_on {
                out.push(Hit {
                    capability: Capability::ModerationInput,
                    detector: 0,
                });
            }
        })
    }

    fn steps(f: Func) -> Vec<String> {
        f.steps()
            .map(|s| format!("{:?} {}@{}", s.kind, s.name, s.pos.line))
            .collect()
    }

    #[test]
    fn provides_markers_are_kept_per_function() {
        let file = slim(
            "fn a() {}\n// genai-gate: provides moderation-input\nfn b() {}\nfn c() {}\n",
            "",
        );
        let provides: Vec<_> = file.funcs().map(|f| f.provides().to_vec()).collect();
        assert_eq!(
            provides,
            [vec![], vec!["moderation-input".to_owned()], vec![]]
        );
    }

    #[test]
    fn paths_are_spelled_out_from_module_type_and_name() {
        let file = slim(
            "fn free() {}\nstruct S;\nimpl S { fn m(&self) {} }\nfn main() { serve(Router::new().route(\"/x\", post(|| async {}))); }\n",
            "",
        );
        let paths: Vec<String> = file.funcs().map(|f| f.path().into_owned()).collect();
        assert_eq!(paths[..3], ["crate::free", "crate::S::m", "crate::main"]);
        // A closure handler's path is stored as written.
        assert!(paths[3].starts_with("crate::main::{closure@"), "{paths:?}");
        for f in file.funcs() {
            let path = f.path();
            assert!(f.path_is(&path), "{path}");
            assert!(!f.path_is(&format!("{path}x")) && !f.path_is("crate"));
            assert_eq!(f.path_hash(), xxhash_rust::xxh3::xxh3_64(path.as_bytes()));
        }
        assert!(spelled_out("a::b::T::f", "a::b", Some("T"), "f"));
        assert!(!spelled_out("a::b::f", "a::b", Some("T"), "f"));
        assert!(!spelled_out("a::bf", "a::b", None, "f"));
    }

    #[test]
    fn a_function_is_48_bytes() {
        assert_eq!(std::mem::size_of::<SlimFn>(), 64);
    }

    #[test]
    fn keeps_calls_methods_and_hits_only() {
        let file = slim(
            "struct S;\nimpl S {\n fn f(&self) {\n  self.g(\"a string\");\n  println!(\"x\");\n  check(\"bad\");\n  client.chat().create(r);\n }\n fn g(&self, _: &str) {}\n}",
            "check(\"bad\")",
        );
        let f = file.func(0);
        assert_eq!(
            (&*f.path(), f.name(), f.self_type()),
            ("crate::S::f", "f", Some("S"))
        );
        assert_eq!(f.module(), "crate");
        assert_eq!(
            steps(f),
            [
                "SelfMethod g@4",
                "Call check@6",
                "Mark @6",
                "Method chat@7",
                "Method create@7",
                "FnRef r@7"
            ]
        );
        let hits: Vec<_> = f.hits().map(|(s, _, l)| (s, l)).collect();
        assert_eq!(hits, [(2, "check(\"bad\")")]);
        assert_eq!(f.step_pos(2).line, 6);
    }

    #[test]
    fn prune_drops_unresolvable_methods_and_remaps_hits() {
        let src = "struct S;\nimpl S {\n fn f(&self) {\n  x.clone();\n  self.g();\n  self.h();\n  y.g();\n  z.create(r);\n  w.clone();\n }\n fn g(&self) {}\n}";
        let mut files = [slim(src, "create")];
        prune(&mut files);
        let f = files[0].func(0);
        // `clone` and `h` name no workspace method; `create` does not either but holds a hit.
        assert_eq!(
            steps(f),
            [
                "SelfMethod g@5",
                "Method g@7",
                "Method create@8",
                "FnRef r@8"
            ]
        );
        let hits: Vec<_> = f.hits().map(|(s, _, l)| (s, l)).collect();
        assert_eq!(hits, [(2, "create")]);
    }

    #[test]
    fn common_method_names_resolve_only_on_self() {
        let mut src = String::from("fn caller() { a.run(); }\n");
        for i in 0..=MAX_METHOD_CANDIDATES {
            src.push_str(&format!(
                "struct T{i};\nimpl T{i} {{ fn run(&self) {{ self.run(); }} }}\n"
            ));
        }
        let mut files = [slim(&src, "")];
        prune(&mut files);
        assert!(steps(files[0].func(0)).is_empty(), "too many candidates");
        assert_eq!(steps(files[0].func(1)), ["SelfMethod run@3"]);
    }
}
