//! Rust frontend: parse one `.rs` file with syn and turn it into [`FileFacts`].
//!
//! One pass over the syntax tree fills functions (with their body events), `use` aliases,
//! string constants, route registrations and mounts. Macro bodies are parsed as statements
//! or expressions where they parse. The syntax tree is dropped before [`extract`] returns;
//! only facts escape. No code from the scanned file is run.
//!
//! ```
//! use genai_gate_scan::frontend::rust::{extract, RustInput};
//!
//! let src = r#"
//! async fn chat(body: String) -> String {
//!     check_sensitive(&body);
//!     client.chat().create(body).await
//! }
//! "#;
//! let facts = extract(&RustInput {
//!     rel_path: "src/api.rs",
//!     text: src,
//!     crate_name: "svc",
//!     module: "svc::api",
//!     is_test_file: false,
//! });
//! assert_eq!(facts.functions[0].path, "svc::api::chat");
//! assert_eq!(facts.functions[0].events.len(), 3);
//! ```

mod body;
pub(crate) mod depth;
mod guards;
mod items;
mod macros;
mod markers;
mod messages;
mod pos;
mod routes;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use proc_macro2::Span;
use rustc_hash::FxBuildHasher;
use syn::visit::{self, Visit};

use crate::facts::{Chain, Event, EventKind, FileFacts, ParseProblem, RoutePath};
pub use depth::{MAX_DEPTH, too_deep};
pub use markers::{provides_markers, scan_allows};
use pos::LineIndex;

/// One Rust source file to extract facts from.
#[derive(Debug, Clone, Copy)]
pub struct RustInput<'a> {
    /// Path relative to the scanned root, `/`-separated.
    pub rel_path: &'a str,
    /// The file's text.
    pub text: &'a str,
    /// The Cargo package name (`-` is turned into `_`); empty when unknown (`crate`).
    pub crate_name: &'a str,
    /// The module path of the file, e.g. `my_crate::api::chat`, computed by the caller
    /// from the file location.
    pub module: &'a str,
    /// The file is under `tests/`, `benches/` or `examples/`.
    pub is_test_file: bool,
}

/// Extract the facts of one Rust file.
///
/// Never panics on any input: a file that does not parse yields [`FileFacts::parse_error`]
/// (line and syn's message) and no other facts. Nesting deeper than [`MAX_DEPTH`] (estimated
/// by [`too_deep`]) is refused the same way rather than risking a stack overflow. A UTF-8 BOM and a `#!` shebang line are
/// skipped; positions still count from the start of the original text.
///
/// Uses proc-macro2's span-location support and releases the current thread's span
/// source map before returning, so no proc-macro2 span created earlier on the calling
/// thread may be used afterwards.
pub fn extract(input: &RustInput) -> FileFacts {
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| extract_with(input, false)));
    proc_macro2::extra::invalidate_current_thread_spans();
    outcome.unwrap_or_else(|_| FileFacts {
        path: input.rel_path.to_owned(),
        parse_error: Some(ParseProblem {
            line: 1,
            message: "internal error while reading the file".to_owned(),
        }),
        ..FileFacts::default()
    })
}

/// Bytes before the Rust source proper: a UTF-8 byte-order mark and a shebang line.
fn preamble(text: &str) -> usize {
    let mut skip = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[skip..];
    let shebang = rest
        .strip_prefix("#!")
        .is_some_and(|after| !after.trim_start().starts_with('['));
    if shebang {
        skip += rest.find('\n').unwrap_or(rest.len());
    }
    skip
}

/// The facts of a file that is not parsed (the lexical pre-pass found nothing in it that can
/// matter): its path, line count and inline suppressions, as [`extract`] gives them.
///
/// ```
/// use genai_gate_scan::frontend::rust::{RustInput, unparsed_facts};
/// let input = RustInput { rel_path: "src/geometry.rs", text: "fn area() {}\n// more\n", crate_name: "svc", module: "svc::geometry", is_test_file: false };
/// let facts = unparsed_facts(&input);
/// assert_eq!((facts.lines, facts.functions.len()), (2, 0));
/// ```
pub fn unparsed_facts(input: &RustInput) -> FileFacts {
    let text = input.text;
    FileFacts {
        path: input.rel_path.to_owned(),
        lines: LineIndex::new(text, preamble(text)).line_count(),
        allows: markers::scan_allows(text),
        marker_problems: markers::scan_problems(text),
        ..FileFacts::default()
    }
}

/// [`extract`] without the panic guard, parsing item by item unless `whole` (see below).
fn extract_with(input: &RustInput, whole: bool) -> FileFacts {
    let text = input.text;
    let skip = preamble(text);
    let idx = LineIndex::new(text, skip);
    let mut facts = FileFacts {
        path: input.rel_path.to_owned(),
        lines: idx.line_count(),
        allows: markers::scan_allows(text),
        marker_problems: markers::scan_problems(text),
        ..FileFacts::default()
    };
    if let Some(line) = too_deep(text) {
        facts.parse_error = Some(ParseProblem {
            line,
            message: format!("nesting too deep to parse safely (more than {MAX_DEPTH} levels)"),
        });
        return facts;
    }
    let crate_name = if input.crate_name.is_empty() {
        "crate".to_owned()
    } else {
        input.crate_name.replace('-', "_")
    };
    let module = if input.module.is_empty() {
        crate_name.clone()
    } else {
        input.module.to_owned()
    };
    let mut ex = Extractor {
        markers: markers::scan_markers(text),
        idx,
        crate_name,
        modules: vec![module],
        impls: Vec::new(),
        test_depth: usize::from(input.is_test_file),
        consts: HashMap::default(),
        field_consts: false,
        const_misses: None,
        scratch: String::new(),
        attr_framework: if text.contains("rocket") {
            "rocket"
        } else {
            "actix"
        },
        warp: text.contains("warp"),
        quiet_router_use: false,
        wrap_root: None,
        impl_routers: Vec::new(),
        fns: Vec::new(),
        arg_call: None,
        facts,
    };
    let source = &text[skip..];
    // The file is parsed item by item, each item walked and dropped while it is still in
    // the cache (as `syn::parse_file` parses it: inner attributes, then items to the end).
    // Bodies resolve string constants declared anywhere in the file: each item's constants
    // are collected before it is walked, and lookups that miss are remembered; if a missed
    // name turns out to be declared further down, the file is extracted again whole, with
    // every constant collected first. (`syn::parse_file` also strips a BOM and a shebang,
    // which `preamble` skipped already; a second one is left to it.)
    let whole = whole || source.starts_with("#!") || source.starts_with('\u{feff}');
    let parsed = if whole {
        syn::parse_file(source).map(|file| {
            ex.collect_consts(&file.items);
            ex.visit_file(&file);
        })
    } else {
        ex.const_misses = Some(Vec::new());
        let each_item = |input: syn::parse::ParseStream| -> syn::Result<()> {
            input.call(syn::Attribute::parse_inner)?;
            while !input.is_empty() {
                let item: syn::Item = input.parse()?;
                ex.collect_consts(std::slice::from_ref(&item));
                ex.visit_item(&item);
            }
            Ok(())
        };
        syn::parse::Parser::parse_str(each_item, source)
    };
    if parsed.is_ok()
        && let Some(misses) = &ex.const_misses
        && misses.iter().any(|m| ex.consts.contains_key(m))
    {
        return extract_with(input, true);
    }
    let mut facts = ex.facts;
    if let Err(err) = parsed {
        // Nothing walked before the error is kept.
        let line = err.span().start().line as u32;
        return FileFacts {
            parse_error: Some(ParseProblem {
                line: if line == 0 { facts.lines.max(1) } else { line },
                message: err.to_string(),
            }),
            path: facts.path,
            lines: facts.lines,
            allows: facts.allows,
            marker_problems: facts.marker_problems,
            ..FileFacts::default()
        };
    }
    facts.functions.sort_by_key(|f| f.pos.offset);
    facts.routes.sort_by_key(|r| r.pos.offset);
    facts.mounts.sort_by_key(|m| m.pos.offset);
    facts.traits.sort_by_key(|t| t.pos.offset);
    // Item-level constants are collected before bodies are walked (whole files) or item by
    // item: source order is the one order both give.
    facts.consts.sort_by_key(|c| c.pos.offset);
    facts
}

/// Local names of a function body (short identifiers, stored inline).
pub(crate) type NameSet = HashSet<compact_str::CompactString, FxBuildHasher>;

/// An `impl` or `trait` block being walked.
pub(crate) struct ImplCtx {
    /// Number of enclosing functions when the block was entered (a fn nested in a method
    /// body is not a method).
    fn_depth: usize,
    /// The implementing type's last path segment (or the trait name for default methods).
    self_type: String,
    /// `impl Service<..> for X`: paths matched in `call` are tower routes.
    is_service: bool,
    /// An impl whose methods are endpoints (GraphQL, poem-openapi, tonic, rmcp).
    endpoints: Option<routes::impls::ImplEndpoints>,
    /// The trait implemented (last path segment), or the trait itself for default methods.
    trait_name: Option<String>,
}

/// A function (real or synthetic) whose body is being walked.
pub(crate) struct FnState {
    /// Qualified path.
    path: String,
    /// Body events so far.
    events: Vec<Event>,
    /// Names bound in the body (parameters, `let`, patterns): not function references.
    locals: NameSet,
    /// Route prefixes of the enclosing `.nest(..)` / `web::scope(..)` arguments.
    prefixes: Vec<RoutePath>,
    /// Route tables of enclosing `for (path, handler) in [...]` loops.
    loops: Vec<routes::LoopTable>,
    /// Route tables bound by `let name = [...]`.
    tables: HashMap<String, Vec<routes::TableEntry>, FxBuildHasher>,
    /// Local names bound to routers, router-returning calls, collections of routers and
    /// service values.
    bindings: HashMap<String, routes::Binding, FxBuildHasher>,
    /// Local names bound to an enum variant (`let request = Request::Chat(..)`), for sends.
    variants: HashMap<String, String, FxBuildHasher>,
    /// Local names bound to the result of a method chain (`let model =
    /// client.completion_model(..)`): a method called on one continues the chain.
    chains: HashMap<String, Chain, FxBuildHasher>,
    /// Names bound by the pattern of a receiving match arm (`Req::Info(reply)`): a send on
    /// one of them answers the message, it hands no work on.
    replies: NameSet,
    /// This is `call` of a tower `Service` impl.
    service_call: bool,
    /// The `impl` type, for methods.
    self_type: Option<String>,
    /// In test code.
    is_test: bool,
    /// Calls whose result decides an exit, and locals bound to calls (see `guards.rs`).
    guards: guards::GuardState,
}

/// The state of one file's extraction.
pub(crate) struct Extractor<'t> {
    idx: LineIndex<'t>,
    crate_name: String,
    /// `genai-gate: provides` markers: (line, capabilities), sorted by line.
    markers: Vec<(u32, Vec<String>)>,
    /// Module path stack; the last one is current.
    modules: Vec<String>,
    /// Enclosing `impl`/`trait` blocks.
    impls: Vec<ImplCtx>,
    /// Greater than zero inside test code.
    test_depth: usize,
    /// Same-file string constants by simple name (and `NAME.field`).
    consts: HashMap<String, String, FxBuildHasher>,
    /// Some entry of `consts` is a `NAME.field` key.
    field_consts: bool,
    /// When parsing item by item: constant names (or `NAME.field` keys) looked up in an
    /// argument before any constant of that name was collected.
    const_misses: Option<Vec<String>>,
    /// Reused buffer for identifier text that is usually not kept.
    scratch: String,
    /// Framework of attribute routes (`#[post("/x")]`) in this file.
    attr_framework: &'static str,
    /// The file names warp: `path!`, `path(..)`, `and`/`or`/`map` build filters.
    warp: bool,
    /// Walking the receiver of a method that turns a router into something else: a router
    /// local used there is not mounted.
    quiet_router_use: bool,
    /// The helper call a router local is rebound to (`let api = protect(state, api)`), whose
    /// mount wraps the router it is given (see `routes/passed.rs`), by address.
    wrap_root: Option<*const syn::ExprCall>,
    /// The `Type::{routes}` functions created for endpoint impls and route-table attributes.
    impl_routers: Vec<String>,
    /// Functions being walked, innermost last.
    fns: Vec<FnState>,
    /// The call whose arguments are being walked (its path as written, or the method's
    /// name): what a string argument is passed to.
    arg_call: Option<crate::facts::Name>,
    facts: FileFacts,
}

impl Extractor<'_> {
    fn module(&self) -> &str {
        self.modules.last().map_or("crate", String::as_str)
    }

    /// Push an event into the innermost function, if any.
    fn emit(&mut self, kind: EventKind, span: Span) {
        let pos = self.idx.at(span);
        if let Some(f) = self.fns.last_mut() {
            f.events.push(Event { kind, pos });
        }
    }
}

impl<'ast> Visit<'ast> for Extractor<'_> {
    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        self.fn_item(&i.attrs, &i.sig, &i.block);
    }
    fn visit_impl_item_fn(&mut self, i: &'ast syn::ImplItemFn) {
        self.fn_item(&i.attrs, &i.sig, &i.block);
    }
    fn visit_trait_item_fn(&mut self, i: &'ast syn::TraitItemFn) {
        if let Some(block) = &i.default {
            self.fn_item(&i.attrs, &i.sig, block);
        }
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.impl_item(i);
    }
    fn visit_item_trait(&mut self, i: &'ast syn::ItemTrait) {
        self.trait_item(i);
    }
    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        self.mod_item(i);
    }
    fn visit_item_use(&mut self, i: &'ast syn::ItemUse) {
        self.use_item(i);
    }
    fn visit_item_extern_crate(&mut self, i: &'ast syn::ItemExternCrate) {
        self.extern_crate_item(i);
    }
    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        if !self.fns.is_empty() {
            self.const_item(&i.ident, &i.expr);
        }
    }
    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        if !self.fns.is_empty() {
            self.const_item(&i.ident, &i.expr);
        }
    }
    // Nothing in these reaches a model; skipping them keeps the walk cheap (a struct's
    // attributes may declare routes).
    fn visit_item_struct(&mut self, i: &'ast syn::ItemStruct) {
        if !i.attrs.is_empty() {
            self.struct_attrs(&i.attrs, &i.ident);
        }
    }
    fn visit_item_enum(&mut self, _: &'ast syn::ItemEnum) {}
    fn visit_item_union(&mut self, _: &'ast syn::ItemUnion) {}
    fn visit_item_type(&mut self, _: &'ast syn::ItemType) {}
    fn visit_item_macro(&mut self, i: &'ast syn::ItemMacro) {
        if !self.fns.is_empty() && i.ident.is_none() {
            self.macro_call(&i.mac);
        }
    }
    fn visit_type(&mut self, _: &'ast syn::Type) {}
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
    fn visit_generics(&mut self, _: &'ast syn::Generics) {}
    fn visit_return_type(&mut self, _: &'ast syn::ReturnType) {}

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        if self.fns.is_empty() {
            return;
        }
        match e {
            syn::Expr::Call(c) => self.call_expr(c),
            syn::Expr::MethodCall(m) => self.method_call_expr(m),
            syn::Expr::Path(p) => self.path_expr(p, false),
            syn::Expr::Struct(s) => self.struct_expr(s),
            syn::Expr::Match(m) => self.match_expr(m),
            syn::Expr::If(i) => self.if_expr(i),
            syn::Expr::ForLoop(f) => self.for_expr(f),
            syn::Expr::Assign(a) => self.assign_expr(a),
            syn::Expr::Try(t) => self.guarded_try(t),
            // A string in a closure or block is not an argument of the call around it.
            syn::Expr::Closure(_) | syn::Expr::Block(_) | syn::Expr::Async(_) => {
                let outer = self.arg_call.take();
                visit::visit_expr(self, e);
                self.arg_call = outer;
            }
            _ => visit::visit_expr(self, e),
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if !self.fns.is_empty() {
            self.macro_call(m);
        }
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        self.local_stmt(l);
    }
    fn visit_pat(&mut self, p: &'ast syn::Pat) {
        self.pat(p);
        visit::visit_pat(self, p);
    }
}
