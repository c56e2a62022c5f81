//! Statements: function and class definitions (with decorators, parameters, markers),
//! assignments (constants, typed variables, routers), nested functions, and the pre-pass that
//! collects module-level strings and constructors before bodies are walked.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, Stmt, StmtClassDef, StmtFunctionDef};
use ruff_text_size::Ranged;

use super::{ClassCtx, Extractor, FnState, Nested, dotted, last_name, static_keys};
use crate::facts::{ConstString, EventKind, Function, Name, TraitFact, TypeNames};

/// Decorators that only change how a function is called, never what it does first.
const INERT_DECORATORS: &[&str] = &[
    "staticmethod",
    "classmethod",
    "property",
    "abstractmethod",
    "wraps",
    "lru_cache",
    "cache",
    "cached_property",
    "override",
    "overload",
    "setter",
    "getter",
    "contextmanager",
    "asynccontextmanager",
    "inference_mode",
    "no_grad",
    "dataclass",
    "validator",
    "field_validator",
    "model_validator",
    "root_validator",
    "fixture",
    "retry",
    "total_ordering",
    "jit",
    "compile",
];

/// At most this many functions are kept of one dispatch table.
const MAX_TABLE: usize = 64;

/// Methods that build an instance of their class (`AutoModel.from_pretrained(..)`).
const CONSTRUCTOR_PREFIXES: &[&str] = &["from_", "load", "create", "build", "get_instance"];

/// Whether a body (not counting nested functions and classes) yields: a generator.
fn yields(body: &[Stmt]) -> bool {
    struct Finder(bool);
    impl<'a> Visitor<'a> for Finder {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            if self.0 || matches!(s, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                return;
            }
            visitor::walk_stmt(self, s);
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            if matches!(e, Expr::Yield(_) | Expr::YieldFrom(_)) {
                self.0 = true;
            }
            if !self.0 && !matches!(e, Expr::Lambda(_)) {
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

/// The names of a type annotation, outermost first (see [`TypeNames`]): `Optional[Req]` is
/// `Optional Req`, `Annotated[User, Depends(..)]` is `Annotated User`, `"Req"` is `Req`.
pub(super) fn annotation_names(e: &Expr) -> TypeNames {
    fn push(e: &Expr, out: &mut Vec<String>) {
        if out.len() >= 16 {
            return;
        }
        match e {
            Expr::Name(n) => out.push(n.id.to_string()),
            Expr::Attribute(a) => out.push(a.attr.id.to_string()),
            Expr::Subscript(s) => {
                push(&s.value, out);
                push(&s.slice, out);
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| push(e, out)),
            Expr::BinOp(b) => {
                push(&b.left, out);
                push(&b.right, out);
            }
            Expr::StringLiteral(s) => {
                let v = s.value.to_str();
                if v.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    out.push(v.rsplit('.').next().unwrap_or(v).to_owned());
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    push(e, &mut out);
    TypeNames(Name::from(out.join(" ")))
}

impl<'a> Visitor<'a> for Extractor {
    fn visit_stmt(&mut self, s: &'a Stmt) {
        self.stmt(s);
    }
    fn visit_expr(&mut self, e: &'a Expr) {
        self.expr(e);
    }
    // Type hints say nothing about what runs.
    fn visit_annotation(&mut self, _: &'a Expr) {}
}

/// A call, awaited or not: a statement or value made for its effect or result.
fn is_call(e: &Expr) -> bool {
    match e {
        Expr::Call(_) => true,
        Expr::Await(a) => is_call(&a.value),
        _ => false,
    }
}

impl Extractor {
    /// One statement.
    pub(super) fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::FunctionDef(f) => self.function_def(f),
            Stmt::ClassDef(c) => self.class_def(c),
            Stmt::Import(i) => self.import(i),
            Stmt::ImportFrom(i) => self.import_from(i),
            Stmt::Assign(a) => {
                let from = self.event_count();
                self.assign(&a.targets, &a.value);
                if is_call(&a.value) {
                    self.guard_call_stmt(from, &a.targets);
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    let from = self.event_count();
                    self.assign(std::slice::from_ref(&*a.target), v);
                    if is_call(v) {
                        self.guard_call_stmt(from, std::slice::from_ref(&*a.target));
                    }
                }
            }
            Stmt::Expr(e) if self.at_top() => self.top_level_expr(&e.value),
            Stmt::Expr(e) => {
                let from = self.event_count();
                self.table_update(&e.value);
                self.expr(&e.value);
                if is_call(&e.value) {
                    self.guard_call_stmt(from, &[]);
                }
            }
            Stmt::If(i) => {
                // The first test decides when its body or the final `else` exits; an `elif`
                // test when its own body does.
                let from = self.event_count();
                self.condition(&i.test);
                let else_exits = i
                    .elif_else_clauses
                    .last()
                    .is_some_and(|c| c.test.is_none() && super::guards::exits(&c.body));
                if super::guards::exits(&i.body) || else_exits {
                    self.guard_test(from, &i.test);
                }
                i.body.iter().for_each(|s| self.stmt(s));
                for clause in &i.elif_else_clauses {
                    if let Some(t) = &clause.test {
                        let from = self.event_count();
                        self.condition(t);
                        if super::guards::exits(&clause.body) {
                            self.guard_test(from, t);
                        }
                    }
                    clause.body.iter().for_each(|s| self.stmt(s));
                }
            }
            Stmt::While(w) => {
                self.condition(&w.test);
                w.body.iter().chain(&w.orelse).for_each(|s| self.stmt(s));
            }
            Stmt::Assert(a) => {
                self.condition(&a.test);
                if let Some(m) = &a.msg {
                    self.expr(m);
                }
            }
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    self.returned(v);
                    self.returned_table(v);
                    self.expr(v);
                }
            }
            Stmt::For(f) => {
                self.expr(&f.iter);
                self.bind(&f.target);
                f.body.iter().chain(&f.orelse).for_each(|s| self.stmt(s));
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.expr(&item.context_expr);
                    if let Some(v) = &item.optional_vars {
                        self.bind(v);
                    }
                }
                w.body.iter().for_each(|s| self.stmt(s));
            }
            _ => visitor::walk_stmt(self, s),
        }
    }

    /// Whether the module's top level is being walked.
    pub(super) fn at_top(&self) -> bool {
        self.fns.last().is_some_and(|f| f.is_module)
    }

    /// Names bound by an assignment target, a loop target or `as` are locals of the function.
    pub(super) fn bind(&mut self, target: &Expr) {
        match target {
            Expr::Name(n) => {
                if let Some(f) = self.fns.last_mut() {
                    f.locals.insert(n.id.to_string());
                    f.strs.remove(n.id.as_str());
                    f.types.remove(n.id.as_str());
                }
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.bind(e)),
            Expr::List(l) => l.elts.iter().for_each(|e| self.bind(e)),
            Expr::Starred(s) => self.bind(&s.value),
            _ => self.expr(target),
        }
    }

    /// `x = value`: the value's events, then `x` is a local (with its string value or its
    /// constructor, when known). At the top level, a router, app or blueprint made here gets
    /// a synthetic function.
    pub(super) fn assign(&mut self, targets: &[Expr], value: &Expr) {
        if self.at_top()
            && let [Expr::Name(n)] = targets
            && self.router_assign(n.id.as_str(), value)
        {
            return;
        }
        self.expr(value);
        let string = self.string_value(value);
        let ty = self.ctor_type(value);
        let handler = self.fn_keyword(value);
        for t in targets {
            self.bind(t);
            if let (Expr::Name(n), Some(f)) = (t, self.fns.last_mut()) {
                if let Some(s) = &string {
                    f.strs.insert(n.id.to_string(), s.clone());
                }
                if let Some(ty) = &ty {
                    f.types.insert(n.id.to_string(), ty.clone());
                }
                if let Some(h) = &handler {
                    f.handlers.insert(n.id.to_string(), h.clone());
                }
                f.tables.remove(n.id.as_str());
                f.from_calls.remove(n.id.as_str());
                if !f.is_module {
                    let entries = table_entries(value);
                    if !entries.is_empty() {
                        f.tables.insert(n.id.to_string(), entries);
                    } else if let Expr::Call(c) = value
                        && let Some(names) = dotted(&c.func)
                    {
                        f.from_calls.insert(n.id.to_string(), names.join("::"));
                    }
                }
            }
        }
    }

    /// The handler a keyword dict names: `dict(fn=predict, ..)`, `{"fn": predict, ..}`.
    fn fn_keyword(&self, value: &Expr) -> Option<String> {
        let h = match value {
            Expr::Call(c) if last_name(&c.func) == Some("dict") => super::routes::keyword(c, "fn")?,
            Expr::Dict(d) => d.items.iter().find_map(|i| {
                let key = i.key.as_ref()?;
                (self.string_value(key).as_deref() == Some("fn")).then_some(&i.value)
            })?,
            _ => return None,
        };
        self.handler_of(h)
    }

    /// `table.update({..})` on a local dispatch table adds to it.
    fn table_update(&mut self, e: &Expr) {
        if let Expr::Call(c) = e
            && let Expr::Attribute(a) = &*c.func
            && let Expr::Name(n) = &*a.value
            && a.attr.id.as_str() == "update"
            && let Some(arg) = c.arguments.args.first()
            && let Some(f) = self.fns.last_mut()
            && let Some(entry) = f.tables.get_mut(n.id.as_str())
        {
            add_entries(entry, table_entries(arg));
        }
    }

    /// A function that returns a dispatch table (`return plugins`, `return {..}`): its
    /// entries become a synthetic function `<fn>::{table}` that a caller's subscript reads.
    fn returned_table(&mut self, v: &Expr) {
        let Some(f) = self.fns.last_mut() else { return };
        if f.is_module {
            return;
        }
        let entries = match v {
            Expr::Name(n) => f.tables.get(n.id.as_str()).cloned().unwrap_or_default(),
            other => table_entries(other),
        };
        add_entries(&mut f.returned_table, entries);
    }

    /// A returned response class names what the handler returns (`StreamingResponse`).
    fn returned(&mut self, v: &Expr) {
        let inner = match v {
            Expr::Await(a) => &*a.value,
            other => other,
        };
        if let Expr::Call(c) = inner
            && let Some(name) = last_name(&c.func)
            && name.ends_with("Response")
            && let Some(f) = self.fns.last_mut()
            && f.returns.is_none()
        {
            f.returns = Some(name.to_owned());
        }
    }

    /// The type a value is built as: `ChatOpenAI(..)` is `langchain_openai::ChatOpenAI` (its
    /// import resolved), `AutoModel.from_pretrained(..).cuda()` is
    /// `transformers::AutoModel`, a LangChain pipe `prompt | llm` is a runnable sequence.
    pub(super) fn ctor_type(&self, value: &Expr) -> Option<String> {
        match value {
            Expr::Await(a) => self.ctor_type(&a.value),
            Expr::Call(c) => {
                if let Expr::Attribute(a) = &*c.func {
                    // LlamaIndex engines made from an index.
                    if matches!(a.attr.id.as_str(), "as_query_engine" | "as_chat_engine") {
                        return Some(format!("llama_index::{}", a.attr.id));
                    }
                    if let Expr::Call(_) = &*a.value {
                        return self.ctor_type(&a.value);
                    }
                }
                let names = dotted(&c.func)?;
                let mut path = self.qualify(&names);
                let segs: Vec<&str> = path.split("::").collect();
                if segs.len() >= 2 {
                    let (last, prev) = (segs[segs.len() - 1], segs[segs.len() - 2]);
                    if super::is_upper(prev)
                        && CONSTRUCTOR_PREFIXES.iter().any(|p| last.starts_with(p))
                    {
                        path = segs[..segs.len() - 1].join("::");
                    }
                }
                let last = path.rsplit("::").next().unwrap_or(&path);
                super::is_upper(last).then_some(path)
            }
            Expr::Name(n) => self.type_of(n.id.as_str()),
            // `self.chat_model` in a pipe: the attribute's type.
            Expr::Attribute(a) if matches!(&*a.value, Expr::Name(s) if s.id.as_str() == "self") => {
                self.types.get(&self.attr_key(a.attr.id.as_str())).cloned()
            }
            Expr::BinOp(b) if matches!(b.op, ruff_python_ast::Operator::BitOr) => {
                let side = self
                    .ctor_type(&b.left)
                    .or_else(|| self.ctor_type(&b.right))?;
                side.starts_with("langchain")
                    .then(|| "langchain_core::runnables::RunnableSequence".to_owned())
            }
            _ => None,
        }
    }

    /// The type an annotation names, resolved like a constructor's (`llm: ChatOpenAI` is
    /// `langchain_openai::ChatOpenAI`): the class inside `Optional[..]`, `Annotated[..]`,
    /// `X | None` or quotes. `None` for builtins, `typing` generics and anything subscripted
    /// (`List[Msg]` is a list, not a message).
    pub(super) fn annotated_type(&self, ann: &Expr) -> Option<String> {
        let inner = match ann {
            Expr::Subscript(s)
                if matches!(
                    last_name(&s.value),
                    Some("Optional" | "Annotated" | "Final" | "ClassVar")
                ) =>
            {
                match &*s.slice {
                    Expr::Tuple(t) => t.elts.first()?,
                    other => other,
                }
            }
            Expr::BinOp(b) if matches!(b.op, ruff_python_ast::Operator::BitOr) => {
                match (&*b.left, &*b.right) {
                    (x, Expr::NoneLiteral(_)) | (Expr::NoneLiteral(_), x) => x,
                    _ => return None,
                }
            }
            other => other,
        };
        let names = dotted(inner)?;
        let path = self.qualify(&names);
        let last = path.rsplit("::").next().unwrap_or(&path);
        let generic = ["typing", "typing_extensions", "collections", "builtins"]
            .iter()
            .any(|m| path.starts_with(m) && path[m.len()..].starts_with("::"));
        (super::is_upper(last) && !generic && !matches!(last, "Any" | "Self")).then_some(path)
    }

    /// A dotted name with its root's import resolved (`gr.Blocks` is `gradio::Blocks`).
    pub(super) fn qualify(&self, names: &[&str]) -> String {
        let root = names[0];
        let head = match self.qualified(root) {
            Some(q) if !self.is_local(root) => q,
            _ => root.to_owned(),
        };
        let mut out = head;
        for n in &names[1..] {
            out.push_str("::");
            out.push_str(n);
        }
        out
    }

    /// The constructor type of a local, a module-level variable or a `self.x` attribute.
    pub(super) fn type_of(&self, name: &str) -> Option<String> {
        if let Some(t) = self.fns.last().and_then(|f| f.types.get(name)) {
            return Some(t.clone());
        }
        if self.is_local(name) {
            return None;
        }
        self.types.get(name).cloned()
    }

    /// A function or method definition.
    fn function_def(&mut self, f: &StmtFunctionDef) {
        let name = f.name.id.as_str();
        let depth = self.fns.len();
        let class = self
            .classes
            .last()
            .filter(|c| c.fn_depth == depth)
            .map(|c| (c.name.clone(), c.base.clone()));
        let enclosing = self.fns.last().filter(|f| !f.is_module);
        let path = match (&class, enclosing) {
            (Some((c, _)), _) => format!("{}::{c}::{name}", self.module),
            (None, Some(e)) => format!("{}::{name}", e.path),
            (None, None) => format!("{}::{name}", self.module),
        };
        let nested = class.is_none() && enclosing.is_some();
        let self_type = class
            .as_ref()
            .map(|(c, _)| c.clone())
            .or_else(|| enclosing.and_then(|e| e.self_type.clone()));
        let is_test = self.in_test()
            || name.starts_with("test_")
            || f.decorator_list
                .iter()
                .any(|d| dotted(strip_call(&d.expression)).is_some_and(|n| n.contains(&"fixture")));
        let pos = self.pos_of(&f.name);
        let first_line = f
            .decorator_list
            .first()
            .map_or(pos.line, |d| self.pos_of(d).line);

        // The routes and middleware the decorators register, in the enclosing scope.
        let mut routed = false;
        let mut wraps = Vec::new();
        let mut deps = Vec::new();
        for d in &f.decorator_list {
            match self.decorator(d, name, &path, nested || class.is_some()) {
                Some(used) => {
                    routed = true;
                    deps.extend(used.deps);
                }
                None => {
                    if is_tool_decorator(&d.expression) {
                        self.facts.receives.push(crate::facts::ReceiveFact {
                            variant: crate::facts::TOOL_REGISTRY.to_owned(),
                            func: path.clone(),
                        });
                    }
                    wraps.push(d);
                }
            }
        }
        if nested && let Some(e) = self.fns.last_mut() {
            e.locals.insert(name.to_owned());
        }
        self.fns
            .push(FnState::new(path.clone(), self_type.clone(), is_test));
        // Decorators that run around the call (`@login_required`) and route dependencies
        // come first, then parameter dependencies (`Depends(..)`), then the body.
        for d in wraps {
            self.decorator_events(d);
        }
        for e in deps {
            self.arg(e);
        }
        let sig = self.parameters(&f.parameters);
        for s in &f.body {
            self.stmt(s);
        }
        let state = self.fns.pop().expect("pushed above");
        let returns = f
            .returns
            .as_deref()
            .map(annotation_names)
            .or_else(|| state.returns.as_deref().map(TypeNames::from));
        let end_line = self.pos(f.range().end()).line;
        let provides = self.markers_for(first_line, pos.line);
        if !state.returned_table.is_empty() {
            // What the returned table holds, as references a caller's read of it reaches.
            let refs = state
                .returned_table
                .iter()
                .map(|(_, f)| crate::facts::Event {
                    kind: EventKind::FnRef {
                        path: f.as_str().into(),
                    },
                    pos,
                });
            let table = self.synthetic(format!("{path}::{{table}}"), pos, is_test, refs.collect());
            self.facts.functions.push(table);
        }
        let mut events = state.events;
        events.sort_by_key(|e| e.pos.offset);
        self.facts.functions.push(Function {
            path: path.clone(),
            name: name.into(),
            self_type: self_type.map(Name::from),
            module: self.module.as_str().into(),
            pos,
            end_line,
            is_test,
            provides,
            denies: if static_keys::compares_with_settings_keys(&f.body) {
                vec![genai_gate_policy::Capability::UserCheck.to_string()]
            } else {
                Vec::new()
            },
            trait_name: class.and_then(|(_, base)| base).map(Name::from),
            params: sig,
            returns,
            events,
            guards: state.guards.found,
        });
        // A nested function runs where it is defined (a decorator's wrapper, a helper), a
        // nested generator where it is first used; a nested route handler is not called here.
        if nested && !routed {
            let generator = yields(&f.body);
            let def_pos = self.pos_of(f);
            if let Some(e) = self.fns.last_mut() {
                e.nested.insert(
                    name.to_owned(),
                    Nested {
                        path: path.clone(),
                        pending: generator,
                    },
                );
                if !generator {
                    e.events.push(crate::facts::Event {
                        kind: EventKind::FnRef {
                            path: path.as_str().into(),
                        },
                        pos: def_pos,
                    });
                }
            }
        }
    }

    /// The events of a decorator that wraps the function: `@login_required` is a reference
    /// to the wrapper, `@limiter.limit("5/minute")` a call.
    fn decorator_events(&mut self, d: &ruff_python_ast::Decorator) {
        let e = &d.expression;
        if last_name(e).is_some_and(|n| INERT_DECORATORS.contains(&n)) {
            return;
        }
        match e {
            Expr::Call(_) => self.expr(e),
            other => self.arg(other),
        }
    }

    /// Parameters: bound as locals; their annotated types; dependencies in defaults and
    /// `Annotated[..]` run before the body.
    fn parameters(&mut self, p: &ruff_python_ast::Parameters) -> Vec<TypeNames> {
        let mut types = Vec::new();
        let all = p
            .posonlyargs
            .iter()
            .chain(&p.args)
            .chain(&p.kwonlyargs)
            .map(|a| (&a.parameter, a.default.as_deref()))
            .chain(p.vararg.iter().map(|v| (&**v, None)))
            .chain(p.kwarg.iter().map(|k| (&**k, None)));
        for (param, default) in all {
            let pname = param.name.id.as_str();
            if let Some(f) = self.fns.last_mut() {
                f.locals.insert(pname.to_owned());
            }
            if let Some(ann) = param.annotation.as_deref() {
                if pname != "self" && pname != "cls" {
                    types.push(annotation_names(ann));
                    // An annotated parameter is typed as a constructed local is.
                    if let Some(t) = self.annotated_type(ann)
                        && let Some(f) = self.fns.last_mut()
                    {
                        f.types.insert(pname.to_owned(), t);
                    }
                }
                self.dependencies_in(ann);
            }
            if let Some(d) = default {
                self.dependencies_in(d);
            }
        }
        types
    }

    /// `Depends(f)` / `Security(f)` calls inside an expression, as events.
    fn dependencies_in(&mut self, e: &Expr) {
        match e {
            Expr::Call(c) if matches!(last_name(&c.func), Some("Depends" | "Security")) => {
                self.expr(e);
            }
            Expr::Subscript(s) => {
                self.dependencies_in(&s.slice);
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|x| self.dependencies_in(x)),
            _ => {}
        }
    }

    /// A class: its methods, and a trait fact when it is an abstract base.
    fn class_def(&mut self, c: &StmtClassDef) {
        let name = c.name.id.to_string();
        let bases: Vec<&str> = c
            .arguments
            .iter()
            .flat_map(|a| a.args.iter())
            .filter_map(last_name)
            .collect();
        let keywords_abc = c.arguments.iter().flat_map(|a| a.keywords.iter()).any(|k| {
            k.arg.as_ref().is_some_and(|a| a.id.as_str() == "metaclass")
                && last_name(&k.value) == Some("ABCMeta")
        });
        let is_abstract = keywords_abc
            || bases
                .iter()
                .any(|b| matches!(*b, "ABC" | "Protocol" | "ABCMeta"))
            || name.starts_with("Base")
            || name.starts_with("Abstract");
        let base = bases
            .iter()
            .find(|b| !matches!(**b, "object" | "Generic" | "ABC"))
            .map(|b| (*b).to_owned());
        self.classes.push(ClassCtx {
            name: name.clone(),
            fn_depth: self.fns.len(),
            base,
        });
        let before = self.facts.functions.len();
        for s in &c.body {
            match s {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => self.stmt(s),
                _ => {}
            }
        }
        self.classes.pop();
        if is_abstract && self.fns.last().is_some_and(|f| f.is_module) {
            let methods = self.facts.functions[before..]
                .iter()
                .filter(|f| f.self_type.as_deref() == Some(name.as_str()))
                .map(|f| f.name.clone())
                .collect();
            let pos = self.pos_of(&c.name);
            self.facts.traits.push(TraitFact {
                path: format!("{}::{name}", self.module),
                methods,
                pos,
            });
        }
    }

    /// Capabilities of `# genai-gate: provides` markers on the lines `first..=def_line`, or
    /// on the comment block directly above.
    fn markers_for(&self, first: u32, def_line: u32) -> Vec<String> {
        let mut out = Vec::new();
        for (line, covers, caps) in &self.markers {
            if (*line >= first && *line <= def_line) || (*covers == first && *line < first) {
                for c in caps {
                    if !out.contains(c) {
                        out.push(c.clone());
                    }
                }
            }
        }
        out
    }

    /// The key of attribute `self.<attr>` in [`Extractor::types`]: qualified by the class the
    /// code is in, so that two classes of a module keep their own `self.chain`.
    pub(super) fn attr_key(&self, attr: &str) -> String {
        let class = self
            .pre_class
            .as_deref()
            .or_else(|| self.classes.last().map(|c| c.name.as_str()))
            .unwrap_or("self");
        format!("{class}.{attr}")
    }

    /// Module-level strings, constructors and `self.x` attributes, collected before any body
    /// is walked so that a body reads names defined below it.
    pub(super) fn prepass(&mut self, body: &[Stmt]) {
        struct Pre<'x> {
            ex: &'x mut Extractor,
            depth: usize,
        }
        impl<'a> Visitor<'a> for Pre<'_> {
            fn visit_stmt(&mut self, s: &'a Stmt) {
                match s {
                    Stmt::FunctionDef(f) => {
                        self.depth += 1;
                        f.body.iter().for_each(|s| self.visit_stmt(s));
                        self.depth -= 1;
                    }
                    Stmt::ClassDef(c) => {
                        self.depth += 1;
                        let outer = self.ex.pre_class.replace(c.name.id.to_string());
                        for s in &c.body {
                            // `chain: MapReduceDocumentsChain` in a class body types
                            // `self.chain` (unless an assignment says more).
                            if let Stmt::AnnAssign(a) = s
                                && let Expr::Name(n) = &*a.target
                                && let Some(t) = self.ex.annotated_type(&a.annotation)
                            {
                                let key = self.ex.attr_key(n.id.as_str());
                                self.ex.types.entry(key).or_insert(t);
                            }
                            self.visit_stmt(s);
                        }
                        self.ex.pre_class = outer;
                        self.depth -= 1;
                    }
                    Stmt::Import(i) if self.depth == 0 => self.ex.import(i),
                    Stmt::ImportFrom(i) if self.depth == 0 => self.ex.import_from(i),
                    Stmt::Assign(a) => {
                        for t in &a.targets {
                            self.ex.pre_assign(t, &a.value, self.depth == 0);
                            if let (Expr::Name(n), 0) = (t, self.depth) {
                                self.ex.table(n.id.as_str(), &a.value);
                            }
                        }
                        visitor::walk_stmt(self, s);
                    }
                    // `TABLE.update({..})` at the top level adds to a dispatch table.
                    Stmt::Expr(e) if self.depth == 0 => {
                        if let Expr::Call(c) = &*e.value
                            && let Expr::Attribute(a) = &*c.func
                            && let Expr::Name(n) = &*a.value
                            && a.attr.id.as_str() == "update"
                            && let Some(arg) = c.arguments.args.first()
                        {
                            self.ex.table(n.id.as_str(), arg);
                        }
                    }
                    Stmt::AnnAssign(a) => {
                        if let Some(v) = &a.value {
                            self.ex.pre_assign(&a.target, v, self.depth == 0);
                        }
                        // `self.chain: Chain = chain`: the annotation types the attribute
                        // when the value does not.
                        if let Expr::Attribute(t) = &*a.target
                            && matches!(&*t.value, Expr::Name(s) if s.id.as_str() == "self")
                            && let Some(ty) = self.ex.annotated_type(&a.annotation)
                        {
                            let key = self.ex.attr_key(t.attr.id.as_str());
                            self.ex.types.entry(key).or_insert(ty);
                        }
                    }
                    _ => visitor::walk_stmt(self, s),
                }
            }
            fn visit_expr(&mut self, _: &'a Expr) {}
        }
        let mut pre = Pre { ex: self, depth: 0 };
        for s in body {
            pre.visit_stmt(s);
        }
        // The main pass reads the imports again, in order.
        self.imports.clear();
        self.import_targets.clear();
        self.facts.uses.clear();
    }

    /// The functions a module-level dict, list or tuple literal holds (in nested literals too),
    /// recorded as a dispatch table of that name.
    fn table(&mut self, name: &str, value: &Expr) {
        let found = table_entries(value);
        if !found.is_empty() {
            let entry = self.tables.entry(name.to_owned()).or_default();
            add_entries(entry, found);
        }
    }

    fn pre_assign(&mut self, target: &Expr, value: &Expr, top: bool) {
        let key = match target {
            Expr::Name(n) if top => n.id.to_string(),
            Expr::Attribute(a) if matches!(&*a.value, Expr::Name(s) if s.id.as_str() == "self") => {
                format!("self.{}", a.attr.id)
            }
            _ => return,
        };
        if let Some(v) = self.string_value(value) {
            if top {
                let pos = self.pos_of(target);
                self.facts.consts.push(ConstString {
                    path: format!("{}::{key}", self.module),
                    value: v.clone(),
                    pos,
                });
            }
            self.consts.insert(key, v);
        } else if let Some(t) = self.ctor_type(value) {
            let key = match target {
                Expr::Attribute(a) => self.attr_key(a.attr.id.as_str()),
                _ => key,
            };
            self.types.insert(key, t);
        }
    }
}

/// The functions a dict, list or tuple literal holds (in nested literals too, and passed to a
/// wrapper such as `HotReload(f)` or `partial(f, ..)`), each with the string key it is held
/// under (`"fn"` in `{"gpt": {"fn": chat_gpt}}`); empty for anything else.
pub(super) fn table_entries(value: &Expr) -> Vec<(String, String)> {
    fn collect(e: &Expr, key: &str, out: &mut Vec<(String, String)>, depth: usize) {
        if depth > 4 || out.len() >= MAX_TABLE {
            return;
        }
        match e {
            Expr::Dict(d) => {
                for i in &d.items {
                    let k = match &i.key {
                        Some(Expr::StringLiteral(s)) => s.value.to_str(),
                        _ => key,
                    };
                    collect(&i.value, k, out, depth + 1);
                }
            }
            Expr::List(l) => l.elts.iter().for_each(|x| collect(x, key, out, depth + 1)),
            Expr::Tuple(t) => t.elts.iter().for_each(|x| collect(x, key, out, depth + 1)),
            // A wrapper around a held function: its first argument.
            Expr::Call(c) if depth > 0 => {
                if let Some(a) = c.arguments.args.first() {
                    collect(a, key, out, depth + 1);
                }
            }
            Expr::Name(n) if !super::is_upper(n.id.as_str()) && depth > 0 => {
                let entry = (key.to_owned(), n.id.to_string());
                if !out.contains(&entry) && !matches!(n.id.as_str(), "None" | "True" | "False") {
                    out.push(entry);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    if matches!(value, Expr::Dict(_) | Expr::List(_) | Expr::Tuple(_)) {
        collect(value, "", &mut found, 0);
    }
    found
}

/// Adds table entries not yet held, up to [`MAX_TABLE`].
pub(super) fn add_entries(entry: &mut Vec<(String, String)>, found: Vec<(String, String)>) {
    for f in found {
        if entry.len() < MAX_TABLE && !entry.contains(&f) {
            entry.push(f);
        }
    }
}

/// A decorator that registers the function as an agent tool: LangChain's `@tool`, a
/// registry's `@register_tool(..)` / `@regist_tool(..)`, the OpenAI Agents SDK's
/// `@function_tool`, an MCP server's `@mcp.tool()`.
fn is_tool_decorator(e: &Expr) -> bool {
    last_name(e).is_some_and(|n| n == "tool" || n.ends_with("_tool"))
}

/// The callee of a decorator call, or the decorator itself.
pub(super) fn strip_call(e: &Expr) -> &Expr {
    match e {
        Expr::Call(c) => &c.func,
        other => other,
    }
}
