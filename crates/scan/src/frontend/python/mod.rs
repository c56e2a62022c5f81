//! Python frontend: parse one `.py` file with ruff's parser and turn it into the same
//! language-neutral [`FileFacts`] the Rust frontend gives.
//!
//! How Python maps onto the facts:
//!
//! - Module paths come from the file's location ([`crate::walk::python_module`]) with `::`
//!   between segments, so `app.api.chat` is `app::api::chat` and the graph and the catalogue
//!   read Python paths as they read Rust ones. Functions are `module::name`, methods
//!   `module::Class::name` with the class as `self_type`; a class's first base is its
//!   `trait_name`, and abstract bases (`ABC`, `Protocol`, `Base*`) are traits, so a call on a
//!   base reaches every subclass's method.
//! - `import x` and `from x import y as z` are `use` aliases; relative imports are resolved
//!   against the package; an absolute import is also tried under every enclosing package of the
//!   importing module (scripts that import their siblings, services rooted in a sub-folder);
//!   `from x import *` is a glob. An `__init__.py` is its package, so re-exports are followed
//!   by the graph as Rust's `pub use`.
//! - `module.f(..)` on an imported module and `Class.f(..)` are calls of paths;
//!   `obj.a.b.f(..)` on anything else is a method call with chain `a.b.f` and receiver
//!   `obj` (`self.obj` for an attribute of `self`), so `client.chat.completions.create(..)`
//!   matches `completions().create`. A method called on a variable whose constructor is known
//!   (`llm = ChatOpenAI(..)`, `self.model = AutoModel.from_pretrained(..)`) also names the
//!   type-qualified path (`langchain_openai::ChatOpenAI::invoke`) for the catalogue.
//! - String arguments (literals, f-strings with `{}` for what is interpolated, `+`
//!   concatenations, same-file constants and `self.x` strings, local string variables) are
//!   `Str` events; functions passed by name are `FnRef`s.
//! - What runs before a handler is written before its body: FastAPI `Depends(..)` in
//!   parameter defaults and route `dependencies=[..]`, decorators such as `@login_required`;
//!   router- and app-level `dependencies`, Flask `before_request` and HTTP middleware are
//!   middleware of the router ([`crate::analysis::endpoints`]).
//! - A nested function is inlined where it is defined, a nested generator where it is first
//!   used, so a `yield` loop returned as a `StreamingResponse` runs after the model call. A
//!   closure naming a sibling closure (one of an enclosing function) calls it by its path.
//! - Dispatch tables: a dict, list or tuple of functions at the module level, or built in a
//!   function and returned (a synthetic `<fn>::{table}` function referencing its entries),
//!   read by subscript, references what it holds.
//! - Agent tools: a function decorated as a tool (`@tool`, `@register_tool(..)`,
//!   `@function_tool`) receives [`TOOL_REGISTRY`](crate::facts::TOOL_REGISTRY), and running a
//!   tool reached through a name about tools (`tools[name].invoke(..)`) sends it, so the graph
//!   resolves the call to every registered tool.
//! - A function whose body compares a key with keys from configuration
//!   (`static_keys`) lists `user.check` in [`Function::denies`](crate::facts::Function::denies).
//! - ORM writes (`session.add(Message(..))`, `Message.objects.create(..)`, Tortoise
//!   `Message.create(..)`, `insert(Message)`, `db.messages.insert_one(..)`) are read as the
//!   SQL they stand for (`INSERT INTO message`), so the record detectors apply unchanged.
//!
//! Routes: see [`routes`](self) — FastAPI, Starlette, Flask, Sanic, aiohttp, Django and
//! Gradio. A file that does not parse gives [`FileFacts::parse_error`] and no other facts.
//!
//! ```
//! use genai_gate_scan::frontend::{python, SourceInput};
//! let src = "from fastapi import APIRouter\nrouter = APIRouter(prefix='/v1')\n\n@router.post('/chat/completions')\nasync def chat(req: ChatRequest):\n    return await client.chat.completions.create(messages=req.messages)\n";
//! let facts = python::extract(&SourceInput { rel_path: "app/api.py", text: src, package: "", module: "app::api", is_test_file: false });
//! assert_eq!(facts.routes[0].method, "POST");
//! assert_eq!(facts.routes[0].handler, "chat");
//! let chat = facts.functions.iter().find(|f| f.name.as_str() == "chat").unwrap();
//! assert_eq!(chat.params[0].as_str(), "ChatRequest");
//! ```

mod body;
mod guards;
mod imports;
mod items;
mod lines;
mod records;
mod routes;
mod static_keys;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use super::SourceInput;
use crate::facts::{Event, EventKind, FileFacts, Function, ParseProblem, Pos, RoutePath};
use lines::LineIndex;

/// Nesting depth (brackets and indentation) above which a file is refused before parsing,
/// as the Rust frontend refuses its own: a parser that recurses per level could overflow.
pub const MAX_DEPTH: usize = 200;

/// Extracts the facts of one Python file. Never panics: a file that does not parse (or nests
/// deeper than [`MAX_DEPTH`]) yields [`FileFacts::parse_error`] with the line and ruff's
/// message and no other facts. A UTF-8 BOM is skipped; positions count from the start of the
/// original text.
pub fn extract(input: &SourceInput) -> FileFacts {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| extract_with(input))).unwrap_or_else(
        |_| FileFacts {
            path: input.rel_path.to_owned(),
            parse_error: Some(ParseProblem {
                line: 1,
                message: "internal error while reading the file".to_owned(),
            }),
            ..FileFacts::default()
        },
    )
}

fn extract_with(input: &SourceInput) -> FileFacts {
    let text = input.text;
    let skip = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let source = &text[skip..];
    let idx = LineIndex::new(text, skip);
    let (allows, marker_problems) = lines::allows_and_problems(input, text);
    let mut facts = FileFacts {
        path: input.rel_path.to_owned(),
        lines: idx.line_count(),
        allows,
        marker_problems,
        ..FileFacts::default()
    };
    if let Some(line) = lines::too_deep(source, MAX_DEPTH) {
        facts.parse_error = Some(ParseProblem {
            line: line + idx.line_of(skip as u32) - 1,
            message: format!("nesting too deep to parse safely (more than {MAX_DEPTH} levels)"),
        });
        return facts;
    }
    let parsed = match ruff_python_parser::parse_module(source) {
        Ok(p) => p,
        Err(err) => {
            let at = u32::from(err.location.start()) + skip as u32;
            facts.parse_error = Some(ParseProblem {
                line: idx.line_of(at),
                message: err.error.to_string(),
            });
            return facts;
        }
    };
    let module = if input.module.is_empty() {
        "__main__".to_owned()
    } else {
        input.module.to_owned()
    };
    let is_package =
        input.rel_path.ends_with("__init__.py") || input.rel_path.ends_with("__init__.pyi");
    let body = &parsed.syntax().body;
    let mut ex = Extractor {
        skip: skip as u32,
        markers: lines::scan_markers(text),
        idx,
        package: if is_package {
            module.clone()
        } else {
            module
                .rsplit_once("::")
                .map_or(String::new(), |(p, _)| p.to_owned())
        },
        module,
        framework: routes::framework_of(source),
        gradio: source.contains("gradio"),
        mount_prefixes: Vec::new(),
        imports: HashMap::new(),
        import_targets: HashMap::new(),
        tables: HashMap::new(),
        consts: HashMap::new(),
        types: HashMap::new(),
        pre_class: None,
        routers: Vec::new(),
        classes: Vec::new(),
        fns: Vec::new(),
        arg_call: None,
        module_fn_used: false,
        test_file: input.is_test_file,
        tortoise: source.contains("tortoise"),
        facts,
    };
    ex.prepass(body);
    ex.module_body(body);
    ex.finish()
}

/// An imported name.
#[derive(Debug, Clone)]
pub(super) enum Binding {
    /// `import a.b as c` (the module `a::b`) or `import a` (the module `a`).
    Module(String),
    /// `from a.b import c`: the absolute module `a::b` when the import is absolute (level 0),
    /// and the imported name.
    From {
        /// The module's path, `::`-joined, resolved against the package when relative.
        module: String,
        /// The name imported.
        name: String,
        /// Written without leading dots.
        absolute: bool,
    },
}

/// A router, app or blueprint held in a module-level variable: a synthetic function of that
/// name holds what runs before its handlers, and routes decorated on it are registered in it.
#[derive(Debug, Clone)]
pub(super) struct RouterVar {
    /// The variable's name.
    pub(super) name: String,
    /// The router's own prefix (`APIRouter(prefix=..)`, `Blueprint(.., url_prefix=..)`).
    pub(super) prefix: Vec<RoutePath>,
    /// Events of its synthetic function.
    pub(super) events: Vec<Event>,
    /// Where it was made.
    pub(super) pos: Pos,
    /// Its constructor's last name (`APIRouter`, `Flask`, `Blocks`).
    pub(super) ctor: String,
}

/// A class being walked.
pub(super) struct ClassCtx {
    name: String,
    /// Number of enclosing functions when the class was entered.
    fn_depth: usize,
    /// The first base class's last name.
    base: Option<String>,
}

/// A nested function of the function being walked.
#[derive(Debug, Clone)]
pub(super) struct Nested {
    /// Its qualified path.
    path: String,
    /// A generator not yet inlined (it is, where it is first used).
    pending: bool,
}

/// A function (or the module's top level) being walked.
pub(super) struct FnState {
    path: String,
    events: Vec<Event>,
    /// Names bound in the body (parameters, assignments, loop targets).
    locals: HashSet<String>,
    /// Local variables holding a string.
    strs: HashMap<String, String>,
    /// Local variables whose constructor is known: name → type path.
    types: HashMap<String, String>,
    nested: HashMap<String, Nested>,
    self_type: Option<String>,
    is_test: bool,
    /// The module's top level (its events are not kept).
    is_module: bool,
    /// What the function returns, when a response class is returned.
    returns: Option<String>,
    /// Dispatch tables already read in this function.
    tables_read: HashSet<String>,
    /// Local keyword dicts naming a handler (`args = dict(fn=predict, ..)`), as written.
    handlers: HashMap<String, String>,
    /// Local dispatch tables (`plugins = {"a": {"Function": f}}`, `.update({..})`).
    tables: HashMap<String, Vec<(String, String)>>,
    /// The table the function returns, when it returns one of them (or a literal).
    returned_table: Vec<(String, String)>,
    /// Locals assigned the result of a call (`plugins = get_plugins()`): the callee as
    /// written, `::`-joined.
    from_calls: HashMap<String, String>,
    /// Calls whose result decides an exit, and locals bound to calls (see `guards.rs`).
    pub(super) guards: guards::GuardState,
}

impl FnState {
    fn new(path: String, self_type: Option<String>, is_test: bool) -> Self {
        FnState {
            path,
            events: Vec::new(),
            locals: HashSet::new(),
            strs: HashMap::new(),
            types: HashMap::new(),
            nested: HashMap::new(),
            self_type,
            is_test,
            is_module: false,
            returns: None,
            tables_read: HashSet::new(),
            handlers: HashMap::new(),
            tables: HashMap::new(),
            returned_table: Vec::new(),
            from_calls: HashMap::new(),
            guards: Default::default(),
        }
    }
}

/// The state of one file's extraction.
pub(super) struct Extractor {
    /// Bytes skipped before the parsed source (a BOM).
    skip: u32,
    idx: LineIndex,
    /// `genai-gate: provides` markers: (line, the line the comment block sits above,
    /// capabilities).
    markers: Vec<(u32, u32, Vec<String>)>,
    module: String,
    /// The package relative imports start from.
    package: String,
    /// The web framework the file imports (`fastapi`, `flask`…), for route facts.
    framework: &'static str,
    /// The file imports Gradio.
    gradio: bool,
    /// Route prefixes of the enclosing Starlette `Mount(path, routes=[..])`s.
    mount_prefixes: Vec<RoutePath>,
    imports: HashMap<String, Binding>,
    /// Every target a name was imported as, in order (`from a import r` in one branch,
    /// `from b import r` in another).
    import_targets: HashMap<String, Vec<String>>,
    /// Module-level string constants and `self.x` strings: name (or `self.x`) → value.
    consts: HashMap<String, String>,
    /// Module-level dispatch tables (`MODELS = {"gpt": {"fn": chat_gpt}}`, `.update({..})`):
    /// name → the functions they hold, as written, each with the innermost string key it is
    /// held under (empty for none).
    tables: HashMap<String, Vec<(String, String)>>,
    /// Module-level variables and attributes with a known constructor → type path; an
    /// attribute is keyed `Class.x` (see [`Extractor::attr_key`]).
    types: HashMap<String, String>,
    /// The class whose body the pre-pass is in.
    pre_class: Option<String>,
    routers: Vec<RouterVar>,
    classes: Vec<ClassCtx>,
    fns: Vec<FnState>,
    /// The call whose arguments are being walked (`requests.post`, `post`): what a string
    /// argument is passed to.
    arg_call: Option<crate::facts::Name>,
    /// The module's synthetic function (routes registered at the top level) is needed.
    module_fn_used: bool,
    test_file: bool,
    /// The file imports Tortoise ORM (`Model.create(..)` is then an insert).
    tortoise: bool,
    facts: FileFacts,
}

impl Extractor {
    /// The position of a byte offset of the parsed source.
    fn pos(&self, at: TextSize) -> Pos {
        let offset = u32::from(at) + self.skip;
        Pos {
            line: self.idx.line_of(offset),
            offset,
        }
    }

    fn pos_of(&self, node: &impl Ranged) -> Pos {
        self.pos(node.start())
    }

    /// Pushes an event into the innermost function.
    fn emit(&mut self, kind: EventKind, pos: Pos) {
        if let Some(f) = self.fns.last_mut() {
            f.events.push(Event { kind, pos });
        }
    }

    /// The path of the module's synthetic function, which registers routes written at the
    /// top level and resolves their handlers' names.
    fn module_fn(&mut self) -> String {
        self.module_fn_used = true;
        format!("{}::{{module}}", self.module)
    }

    fn in_test(&self) -> bool {
        self.test_file || self.fns.last().is_some_and(|f| f.is_test)
    }

    /// The module's statements: imports, definitions, and top-level code (whose events only
    /// matter for the routers it builds).
    fn module_body(&mut self, body: &[Stmt]) {
        let mut top = FnState::new(self.module_fn(), None, self.test_file);
        top.is_module = true;
        self.module_fn_used = false;
        self.fns.push(top);
        for stmt in body {
            self.stmt(stmt);
        }
        self.fns.pop();
    }

    /// Whether `name` is bound in the current function (not a module-level name).
    fn is_local(&self, name: &str) -> bool {
        self.fns
            .last()
            .is_some_and(|f| !f.is_module && f.locals.contains(name))
    }

    /// The path of a function nested in an enclosing function that `name` names from the
    /// current one (Python's closure scope): a sibling closure calling another
    /// (`yield from predict(..)` in `regenerate`, both defined in `_launch_demo`). `None` when
    /// the name is bound in the current function or a nearer enclosing one binds it otherwise.
    fn enclosing_nested(&self, name: &str) -> Option<String> {
        let (current, outer) = self.fns.split_last()?;
        if current.is_module || current.locals.contains(name) || current.nested.contains_key(name) {
            return None;
        }
        for f in outer.iter().rev() {
            if f.is_module {
                return None;
            }
            if let Some(n) = f.nested.get(name) {
                return Some(n.path.clone());
            }
            if f.locals.contains(name) {
                return None;
            }
        }
        None
    }

    /// The callee whose result a name holds (`plugins = get_plugins()`), in the current
    /// function or, for a name it does not bind, an enclosing one.
    fn table_source(&self, name: &str) -> Option<String> {
        for f in self.fns.iter().rev() {
            if f.is_module {
                return None;
            }
            if let Some(c) = f.from_calls.get(name) {
                return Some(c.clone());
            }
            if f.locals.contains(name) {
                return None;
            }
        }
        None
    }

    /// A function the source does not define (a router variable's, a module's top level, a
    /// returned table, a Gradio chain): named by the last segment of its path, with events
    /// only, ending on the line it starts.
    pub(super) fn synthetic(
        &self,
        path: String,
        pos: Pos,
        is_test: bool,
        events: Vec<Event>,
    ) -> Function {
        let name = path.rsplit("::").next().unwrap_or(&path).into();
        Function {
            path,
            name,
            self_type: None,
            module: self.module.as_str().into(),
            pos,
            end_line: pos.line,
            is_test,
            provides: Vec::new(),
            denies: Vec::new(),
            trait_name: None,
            params: Vec::new(),
            returns: None,
            events,
            guards: Vec::new(),
        }
    }

    fn finish(mut self) -> FileFacts {
        if self.module_fn_used {
            let path = format!("{}::{{module}}", self.module);
            let pos = Pos { line: 1, offset: 0 };
            let mut f = self.synthetic(path, pos, self.test_file, Vec::new());
            f.end_line = self.facts.lines;
            self.facts.functions.push(f);
        }
        for r in std::mem::take(&mut self.routers) {
            let mut events = r.events;
            events.sort_by_key(|e| e.pos.offset);
            let path = format!("{}::{}", self.module, r.name);
            let f = self.synthetic(path, r.pos, self.test_file, events);
            self.facts.functions.push(f);
        }
        let mut facts = self.facts;
        facts.functions.sort_by_key(|f| f.pos.offset);
        facts.routes.sort_by_key(|r| r.pos.offset);
        facts.mounts.sort_by_key(|m| m.pos.offset);
        facts.traits.sort_by_key(|t| t.pos.offset);
        facts.consts.sort_by_key(|c| c.pos.offset);
        facts
    }
}

/// The names of an attribute chain rooted at a name: `a.b.c` is `["a", "b", "c"]`.
pub(super) fn dotted(e: &Expr) -> Option<Vec<&str>> {
    match e {
        Expr::Name(n) => Some(vec![n.id.as_str()]),
        Expr::Attribute(a) => {
            let mut v = dotted(&a.value)?;
            v.push(a.attr.id.as_str());
            Some(v)
        }
        _ => None,
    }
}

/// The last name of a callee (`post` for `app.post`, `Depends` for `Depends`).
pub(super) fn last_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.id.as_str()),
        Expr::Call(c) => last_name(&c.func),
        _ => None,
    }
}

/// The first character is upper-case (a class or a constant).
pub(super) fn is_upper(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_uppercase)
}
