//! Expressions: calls of paths, method chains, string arguments, function references, in
//! source order; conditions that read a flag (`if not user.is_active`) as calls of it.

use ruff_python_ast::visitor;
use ruff_python_ast::{Expr, ExprCall, ExprName};

use super::routes::RouteArgs;
use super::{Extractor, dotted, is_upper};
use crate::facts::{Chain, EventKind, Name};

/// Longest string kept from an argument.
const MAX_STRING: usize = 4096;

/// Methods of strings, dicts and lists whose string arguments compare, look up or edit text:
/// never a URL sent anywhere (`cfg.get("https://…/chat/completions")`, `url.endswith(..)`).
const TEXT_METHODS: &[&str] = &[
    "get",
    "pop",
    "setdefault",
    "endswith",
    "startswith",
    "replace",
    "split",
    "rsplit",
    "find",
    "rfind",
    "index",
    "count",
    "strip",
    "lstrip",
    "rstrip",
    "removeprefix",
    "removesuffix",
    "join",
    "partition",
    "rpartition",
    "__contains__",
    "append",
    "insert",
    "remove",
    "encode",
    "decode",
    "match",
    "search",
    "sub",
    "fullmatch",
    "findall",
];

impl Extractor {
    /// An expression's events.
    pub(super) fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Call(c) => {
                self.call(c);
            }
            Expr::Name(n) => self.name_load(n),
            // `if t := get_tool(name):` binds `t` as an assignment does.
            Expr::Named(n) => self.assign(std::slice::from_ref(&*n.target), &n.value),
            Expr::Lambda(l) => {
                if let Some(p) = &l.parameters
                    && let Some(f) = self.fns.last_mut()
                {
                    for a in p.iter_non_variadic_params() {
                        f.locals.insert(a.parameter.name.id.to_string());
                    }
                }
                self.expr(&l.body);
            }
            Expr::If(i) => {
                self.condition(&i.test);
                self.expr(&i.body);
                self.expr(&i.orelse);
            }
            Expr::BoolOp(_) | Expr::UnaryOp(_) => self.condition(e),
            // Reading a dispatch table (`model_info[name]["fn"](..)`) may call any function it
            // holds.
            Expr::Subscript(sub) => {
                // The string keys read on the way down (`["fn_with_ui"]`) pick the entries
                // held under them.
                let mut keys = Vec::new();
                let mut root = e;
                while let Expr::Subscript(s) = root {
                    keys.extend(self.string_value(&s.slice));
                    root = &s.value;
                }
                if let Expr::Name(n) = root
                    && !self.is_local(n.id.as_str())
                    && let Some(entries) = self.tables.get(n.id.as_str()).cloned()
                    && self
                        .fns
                        .last_mut()
                        .is_some_and(|f| f.tables_read.insert(n.id.to_string()))
                {
                    let keyed = entries.iter().any(|(k, _)| keys.contains(k));
                    let pos = self.pos_of(sub);
                    for (k, f) in entries {
                        if !keyed || keys.contains(&k) {
                            self.emit(EventKind::FnRef { path: f.into() }, pos);
                        }
                    }
                } else if let Expr::Name(n) = root
                    && let Some(callee) = self.table_source(n.id.as_str())
                    && self
                        .fns
                        .last_mut()
                        .is_some_and(|f| f.tables_read.insert(n.id.to_string()))
                {
                    // A table a call returned (`plugins = get_plugins()`; `plugins[k]["fn"]`).
                    let pos = self.pos_of(sub);
                    let path = format!("{callee}::{{table}}");
                    self.emit(EventKind::FnRef { path: path.into() }, pos);
                }
                visitor::walk_expr(self, e);
            }
            _ => visitor::walk_expr(self, e),
        }
    }

    /// A condition: a flag read on an object (`user.disabled`, `not key.is_active`) is a call
    /// of it — Python reads properties as calls, and an account check is often such a read.
    pub(super) fn condition(&mut self, e: &Expr) {
        match e {
            Expr::Attribute(a) => {
                let (mut chain, receiver, _) = self.receiver_chain(&a.value);
                chain.push(a.attr.id.as_str());
                let pos = self.pos_of(&a.attr);
                self.emit(EventKind::Method { chain, receiver }, pos);
            }
            Expr::UnaryOp(u) => self.condition(&u.operand),
            Expr::BoolOp(b) => b.values.iter().for_each(|v| self.condition(v)),
            Expr::Compare(c) => {
                self.condition(&c.left);
                c.comparators.iter().for_each(|v| self.expr(v));
            }
            other => self.expr(other),
        }
    }

    /// A name read: a nested generator is inlined where it is first used.
    fn name_load(&mut self, n: &ExprName) {
        let pos = self.pos_of(n);
        let Some(f) = self.fns.last_mut() else { return };
        if let Some(nested) = f.nested.get_mut(n.id.as_str())
            && nested.pending
        {
            nested.pending = false;
            let path = nested.path.as_str().into();
            f.events.push(crate::facts::Event {
                kind: EventKind::FnRef { path },
                pos,
            });
        }
    }

    /// A call: a `Call` of a path (a function, an imported module's function, a class) or a
    /// `Method` with its chain, then the arguments. Returns the chain and receiver (and the
    /// receiver's constructor type), so that a call on the result extends them.
    pub(super) fn call(&mut self, c: &ExprCall) -> (Chain, Name, Option<String>) {
        let callee = match &*c.func {
            Expr::Attribute(a) => {
                Some(dotted(&c.func).map_or_else(|| a.attr.id.to_string(), |names| names.join(".")))
            }
            Expr::Name(n) => Some(n.id.to_string()),
            _ => None,
        };
        let outer = std::mem::replace(&mut self.arg_call, callee.map(Name::from));
        let out = self.call_and_args(c);
        self.arg_call = outer;
        out
    }

    /// [`Self::call`] with [`Extractor::arg_call`] set.
    fn call_and_args(&mut self, c: &ExprCall) -> (Chain, Name, Option<String>) {
        let none = (Chain::default(), Name::default(), None);
        let mut mode = RouteArgs::Normal;
        let out = match &*c.func {
            Expr::Name(n) => {
                let id = n.id.as_str();
                let nested = self.fns.last().is_some_and(|f| f.nested.contains_key(id));
                if nested {
                    self.name_load(n);
                } else if let Some(path) = self.enclosing_nested(id) {
                    let pos = self.pos_of(n);
                    self.emit(EventKind::Call { path: path.into() }, pos);
                } else if !self.is_local(id) {
                    let pos = self.pos_of(n);
                    self.emit(EventKind::Call { path: id.into() }, pos);
                    self.qualified_ref(&[id], pos);
                    mode = self.route_call(c, id, "");
                    self.record_call(c, id, None);
                }
                none
            }
            Expr::Attribute(a) => {
                if let Some(names) = dotted(&c.func) {
                    let root = names[0];
                    let local = self.is_local(root) || root == "self" || root == "cls";
                    let typed = self.type_of(root).is_some();
                    if !local && !typed && (self.module_alias(root).is_some() || is_upper(root)) {
                        let path = names.join("::");
                        let pos = self.pos_of(&*c.func);
                        self.emit(EventKind::Call { path: path.into() }, pos);
                        self.qualified_ref(&names, pos);
                        self.record_path_call(c, &names);
                        let last = names[names.len() - 1];
                        match self.route_call(c, last, root) {
                            RouteArgs::Done => {}
                            m => self.args(c, m == RouteArgs::SkipPath),
                        }
                        return none;
                    }
                    if !local && names.len() == 2 && self.is_from_import(root) {
                        let pos = self.pos_of(&*c.func);
                        let path = names.join("::");
                        self.emit(EventKind::Call { path: path.into() }, pos);
                    }
                }
                let (mut chain, receiver, ty) = self.receiver_chain(&a.value);
                let method = a.attr.id.as_str();
                chain.push(method);
                let pos = self.pos_of(&a.attr);
                match &ty {
                    // Called on a value of a known class: that class's method (or, for a class
                    // of the workspace that inherits it, any of the name), never an unrelated
                    // workspace method that shares a library method's name.
                    Some(t) if chain.len() == 1 => {
                        let kind = EventKind::TypedMethod {
                            chain: chain.clone(),
                            ty: t.as_str().into(),
                        };
                        self.emit(kind, pos);
                        let path = format!("{t}::{}", chain.as_str().replace('.', "::"));
                        self.emit(EventKind::TypeRef { path: path.into() }, pos);
                    }
                    _ => {
                        let kind = EventKind::Method {
                            chain: chain.clone(),
                            receiver: receiver.clone(),
                        };
                        self.emit(kind, pos);
                        if let Some(t) = &ty {
                            let path = format!("{t}::{}", chain.as_str().replace('.', "::"));
                            self.emit(EventKind::TypeRef { path: path.into() }, pos);
                        }
                    }
                }
                if TOOL_RUNS.contains(&method) && self.names_tool(&a.value) {
                    let variant = crate::facts::TOOL_REGISTRY.into();
                    self.emit(EventKind::Message { variant }, pos);
                }
                mode = self.route_call(c, method, receiver.as_str());
                if mode == RouteArgs::Normal && TEXT_METHODS.contains(&method) {
                    mode = RouteArgs::NoStrings;
                }
                self.record_method(c, &chain, receiver.as_str(), ty.as_deref());
                (chain, receiver, ty)
            }
            other => {
                // `router.post("/kb_chat")(kb_chat)`: a route decorator called on a function
                // defined elsewhere registers it as a decorator on its `def` would.
                if let (Expr::Call(_), [target]) = (other, &*c.arguments.args)
                    && c.arguments.keywords.is_empty()
                    && !self.in_test()
                    && let Some(handler) = self.handler_of(target)
                {
                    let pos = self.pos_of(other);
                    // Route `dependencies=[..]` run before a handler whose body is elsewhere:
                    // not followed in this form.
                    let _ = self.decorator_at(other, pos, &handler, &handler);
                }
                self.expr(other);
                none
            }
        };
        match mode {
            RouteArgs::Done => {}
            RouteArgs::NoStrings => {
                let args = c.arguments.args.iter();
                for a in args.chain(c.arguments.keywords.iter().map(|k| &k.value)) {
                    if self.string_value(a).is_none() {
                        self.arg(a);
                    }
                }
            }
            m => self.args(c, m == RouteArgs::SkipPath),
        }
        out
    }

    /// The arguments of a call; with `skip_path`, its first string is a route path, which is
    /// never evidence of a model URL.
    fn args(&mut self, c: &ExprCall, skip_path: bool) {
        for (i, a) in c.arguments.args.iter().enumerate() {
            if skip_path && i == 0 && self.string_value(a).is_some() {
                continue;
            }
            self.arg(a);
        }
        for k in &c.arguments.keywords {
            let is_path = k.arg.as_ref().is_some_and(|a| a.id.as_str() == "path");
            if skip_path && is_path {
                continue;
            }
            self.arg(&k.value);
        }
    }

    /// The package-qualified path of a call whose root was imported, as a `TypeRef`, for
    /// catalogue patterns that name the package (`dashscope::Generation::call`).
    fn qualified_ref(&mut self, names: &[&str], pos: crate::facts::Pos) {
        let root = names[0];
        if let Some(q) = self.qualified(root)
            && q != root
        {
            let mut path = q;
            for n in &names[1..] {
                path.push_str("::");
                path.push_str(n);
            }
            self.emit(EventKind::TypeRef { path: path.into() }, pos);
        }
    }

    /// The receiver of a method call: the method names already called or read on the same
    /// root, the root as written (`client`, `self.client`), and its constructor type if known.
    pub(super) fn receiver_chain(&mut self, e: &Expr) -> (Chain, Name, Option<String>) {
        match e {
            Expr::Call(c) => {
                let ty = self.ctor_type(e);
                let (chain, receiver, inner) = self.call(c);
                (chain, receiver, inner.or(ty))
            }
            Expr::Attribute(a) => {
                if let Expr::Name(n) = &*a.value
                    && matches!(n.id.as_str(), "self" | "cls")
                {
                    let receiver = format!("self.{}", a.attr.id);
                    let ty = self.types.get(&self.attr_key(a.attr.id.as_str())).cloned();
                    return (Chain::default(), receiver.into(), ty);
                }
                let (mut chain, receiver, ty) = self.receiver_chain(&a.value);
                chain.push(a.attr.id.as_str());
                (chain, receiver, ty)
            }
            Expr::Name(n) => {
                self.name_load(n);
                let ty = self.type_of(n.id.as_str());
                (Chain::default(), n.id.as_str().into(), ty)
            }
            Expr::Await(a) => self.receiver_chain(&a.value),
            other => {
                self.expr(other);
                (Chain::default(), Name::default(), None)
            }
        }
    }

    /// An argument: its string value as `Str`, a function passed by name as `FnRef`, a class
    /// as `TypeRef`; then whatever it contains.
    pub(super) fn arg(&mut self, e: &Expr) {
        if let Some(value) = self.string_value(e) {
            let pos = self.pos_of(e);
            let call = self.arg_call.clone();
            self.emit(EventKind::Str { value, call }, pos);
        }
        match e {
            Expr::Name(n) => {
                let id = n.id.as_str();
                let pos = self.pos_of(n);
                if self.fns.last().is_some_and(|f| f.nested.contains_key(id)) {
                    self.name_load(n);
                } else if let Some(path) = self.enclosing_nested(id) {
                    self.emit(EventKind::FnRef { path: path.into() }, pos);
                } else if !self.is_local(id) && id != "self" && id != "cls" {
                    let kind = if is_upper(id) {
                        EventKind::TypeRef { path: id.into() }
                    } else {
                        EventKind::FnRef { path: id.into() }
                    };
                    self.emit(kind, pos);
                    self.qualified_ref(&[id], pos);
                }
            }
            Expr::Attribute(_) => match dotted(e) {
                Some(names) if matches!(names[0], "self" | "cls") && names.len() == 2 => {
                    let pos = self.pos_of(e);
                    let path = format!("Self::{}", names[1]);
                    self.emit(EventKind::FnRef { path: path.into() }, pos);
                }
                Some(names)
                    if !self.is_local(names[0])
                        && (self.imports.contains_key(names[0]) || is_upper(names[0])) =>
                {
                    let pos = self.pos_of(e);
                    let path = names.join("::");
                    let last = names.last().copied().unwrap_or_default();
                    let kind = if is_upper(last) {
                        EventKind::TypeRef { path: path.into() }
                    } else {
                        EventKind::FnRef { path: path.into() }
                    };
                    self.emit(kind, pos);
                    self.qualified_ref(&names, pos);
                }
                // A bound method passed to be called (`Thread(target=model.generate)`).
                Some(names) if names.len() >= 2 => {
                    let pos = self.pos_of(e);
                    let chain = Chain::from_iter(&names[1..]);
                    let receiver = names[0].into();
                    self.emit(EventKind::Method { chain, receiver }, pos);
                }
                _ => self.expr(e),
            },
            Expr::Starred(s) => self.arg(&s.value),
            Expr::List(l) => l.elts.iter().for_each(|x| self.arg(x)),
            Expr::Tuple(t) => t.elts.iter().for_each(|x| self.arg(x)),
            _ => self.expr(e),
        }
    }

    /// The string an expression stands for, when it can be read here: a literal, an f-string
    /// (`{}` for what cannot be read), a `+` concatenation, a local or module-level string, a
    /// `self.x` string, `"…".format(..)`.
    pub(super) fn string_value(&self, e: &Expr) -> Option<String> {
        let s = match e {
            Expr::StringLiteral(s) => s.value.to_str().to_owned(),
            Expr::FString(f) => {
                let mut out = String::new();
                for part in f.value.iter() {
                    match part {
                        ruff_python_ast::FStringPart::Literal(l) => out.push_str(&l.value),
                        ruff_python_ast::FStringPart::FString(fs) => {
                            for el in fs.elements.iter() {
                                match el {
                                    ruff_python_ast::InterpolatedStringElement::Literal(l) => {
                                        out.push_str(&l.value);
                                    }
                                    ruff_python_ast::InterpolatedStringElement::Interpolation(
                                        i,
                                    ) => match self.string_value(&i.expression) {
                                        Some(v) => out.push_str(&v),
                                        None => out.push_str("{}"),
                                    },
                                }
                            }
                        }
                    }
                }
                out
            }
            Expr::BinOp(b) if matches!(b.op, ruff_python_ast::Operator::Add) => {
                let (l, r) = (self.string_value(&b.left), self.string_value(&b.right));
                if l.is_none() && r.is_none() {
                    return None;
                }
                format!(
                    "{}{}",
                    l.as_deref().unwrap_or("{}"),
                    r.as_deref().unwrap_or("{}")
                )
            }
            Expr::Name(n) => {
                let id = n.id.as_str();
                if let Some(v) = self.fns.last().and_then(|f| f.strs.get(id)) {
                    v.clone()
                } else if self.is_local(id) {
                    return None;
                } else {
                    self.consts.get(id)?.clone()
                }
            }
            Expr::Attribute(a) => match &*a.value {
                Expr::Name(n) if matches!(n.id.as_str(), "self" | "cls") => {
                    self.consts.get(&format!("self.{}", a.attr.id))?.clone()
                }
                _ => return None,
            },
            Expr::Call(c) => match &*c.func {
                Expr::Attribute(a) if a.attr.id.as_str() == "format" => {
                    self.string_value(&a.value)?
                }
                _ => return None,
            },
            _ => return None,
        };
        let mut s = s;
        if s.len() > MAX_STRING {
            let mut cut = MAX_STRING;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
        }
        Some(s)
    }
}

/// The methods that run an agent tool (LangChain `BaseTool`, the OpenAI Agents SDK).
const TOOL_RUNS: &[&str] = &["invoke", "ainvoke", "run", "arun", "on_invoke_tool"];

/// A name about tools (`tool`, `selected_tool`, `get_tool`, `ToolRegistry`).
fn about_tools(s: &str) -> bool {
    s.to_ascii_lowercase().contains("tool")
}

impl Extractor {
    /// A value reached through a name about tools: `tool`, `self.tools[name]`,
    /// `tool_map.get(name)`, `selected_tool`, or a local assigned from a call of one
    /// (`t = get_tool(name)`, `t = self.tools.get(name)`).
    fn names_tool(&self, e: &Expr) -> bool {
        match e {
            Expr::Name(n) => {
                let id = n.id.as_str();
                about_tools(id)
                    || self
                        .fns
                        .last()
                        .and_then(|f| f.from_calls.get(id))
                        .is_some_and(|callee| about_tools(callee))
            }
            Expr::Attribute(a) => about_tools(a.attr.id.as_str()) || self.names_tool(&a.value),
            Expr::Subscript(s) => self.names_tool(&s.value),
            Expr::Await(a) => self.names_tool(&a.value),
            Expr::Call(c) => match &*c.func {
                Expr::Attribute(a) if a.attr.id.as_str() == "get" => self.names_tool(&a.value),
                _ => false,
            },
            _ => false,
        }
    }
}
