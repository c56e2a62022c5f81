//! Items: functions and methods, inline modules, `impl`/`trait` blocks, `use` trees,
//! string constants and test detection. Markers are in `markers.rs`.

use syn::visit::Visit;
use syn::{Attribute, Block, Expr, ImplItem, Item, Lit, Meta, Pat, Signature, Type, UseTree};

use super::{Extractor, FnState, ImplCtx};
use crate::facts::{ConstString, Function, Name, TraitFact, TypeNames, UseAlias};

/// At most this many names are kept of one type (a handler's types are short; generated
/// code can nest without end).
const MAX_TYPE_NAMES: usize = 16;

/// The names of a type as [`TypeNames`] keeps them.
pub(super) fn type_names(ty: &Type) -> TypeNames {
    let mut out = String::new();
    let mut n = 0;
    push_type_names(ty, &mut out, &mut n);
    TypeNames(out.into())
}

fn push_name(out: &mut String, n: &mut usize, ident: &syn::Ident) {
    if *n >= MAX_TYPE_NAMES {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    super::body::push_ident(out, ident);
    *n += 1;
}

fn push_path_names(path: &syn::Path, out: &mut String, n: &mut usize) {
    let Some(last) = path.segments.last() else {
        return;
    };
    push_name(out, n, &last.ident);
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => {
            for arg in &args.args {
                match arg {
                    syn::GenericArgument::Type(t) => push_type_names(t, out, n),
                    syn::GenericArgument::AssocType(a) => push_type_names(&a.ty, out, n),
                    _ => {}
                }
            }
        }
        syn::PathArguments::Parenthesized(args) => {
            for arg in &args.inputs {
                push_type_names(&arg.ty, out, n);
            }
            if let syn::ReturnType::Type(_, t) = &args.output {
                push_type_names(t, out, n);
            }
        }
        syn::PathArguments::None => {}
    }
}

fn push_type_names(ty: &Type, out: &mut String, n: &mut usize) {
    if *n >= MAX_TYPE_NAMES {
        return;
    }
    match ty {
        Type::Path(p) => push_path_names(&p.path, out, n),
        Type::Reference(r) => push_type_names(&r.elem, out, n),
        Type::Paren(p) => push_type_names(&p.elem, out, n),
        Type::Group(g) => push_type_names(&g.elem, out, n),
        Type::Ptr(p) => push_type_names(&p.elem, out, n),
        Type::Slice(s) => push_type_names(&s.elem, out, n),
        Type::Array(a) => push_type_names(&a.elem, out, n),
        Type::Tuple(t) => t.elems.iter().for_each(|e| push_type_names(e, out, n)),
        Type::TraitObject(t) => bounds_names(&t.bounds, out, n),
        Type::ImplTrait(t) => bounds_names(&t.bounds, out, n),
        _ => {}
    }
}

fn bounds_names(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
    out: &mut String,
    n: &mut usize,
) {
    for b in bounds {
        if let syn::TypeParamBound::Trait(t) = b {
            push_path_names(&t.path, out, n);
        }
    }
}

/// What a function's signature and markers tell: the capabilities its markers declare, the
/// trait it implements, its parameter and return types.
#[derive(Debug, Default)]
pub(super) struct SigFacts {
    pub(super) provides: Vec<String>,
    pub(super) trait_name: Option<String>,
    pub(super) params: Vec<TypeNames>,
    pub(super) returns: Option<TypeNames>,
}

/// `#[test]`, `#[tokio::test]`, `#[rstest]`, `#[bench]`, `#[cfg(test)]`…
pub(super) fn is_test_attr(attr: &Attribute) -> bool {
    let path = attr.path();
    let Some(last) = path.segments.last() else {
        return false;
    };
    let last = &last.ident;
    if last == "test" || last == "bench" || last == "rstest" || last == "test_case" {
        return true;
    }
    if path.is_ident("cfg")
        && let Meta::List(list) = &attr.meta
    {
        let tokens = list.tokens.to_string();
        let has_test = tokens
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w == "test");
        return has_test && !tokens.contains("not");
    }
    false
}

/// The last path segment of a type (`Dispatcher` for `crate::x::Dispatcher<T>`).
pub(super) fn type_name(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map_or_else(|| "_".to_owned(), |s| s.ident.to_string()),
        Type::Reference(r) => type_name(&r.elem),
        Type::Paren(p) => type_name(&p.elem),
        Type::Group(g) => type_name(&g.elem),
        _ => "_".to_owned(),
    }
}

/// Collect the names bound by a pattern (parameters), without emitting events.
pub(super) fn bind_names(pat: &Pat, out: &mut super::NameSet) {
    match pat {
        Pat::Ident(i) => {
            out.insert(compact_str::format_compact!("{}", i.ident));
            if let Some((_, sub)) = &i.subpat {
                bind_names(sub, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| bind_names(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| bind_names(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| bind_names(&f.pat, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| bind_names(p, out)),
        Pat::Or(o) => o.cases.iter().for_each(|p| bind_names(p, out)),
        Pat::Reference(r) => bind_names(&r.pat, out),
        Pat::Type(t) => bind_names(&t.pat, out),
        Pat::Paren(p) => bind_names(&p.pat, out),
        _ => {}
    }
}

impl Extractor<'_> {
    /// A function, method or trait default method.
    pub(super) fn fn_item(&mut self, attrs: &[Attribute], sig: &Signature, block: &Block) {
        let name = sig.ident.to_string();
        let depth = self.fns.len();
        let (self_type, service, endpoints, trait_name) = match self.impls.last() {
            Some(c) if c.fn_depth == depth => (
                Some(c.self_type.clone()),
                c.is_service,
                c.endpoints.clone(),
                c.trait_name.clone(),
            ),
            _ => (None, false, None, None),
        };
        let mut sig_facts = SigFacts {
            provides: Vec::new(),
            trait_name,
            params: sig
                .inputs
                .iter()
                .filter_map(|input| match input {
                    syn::FnArg::Typed(t) => Some(type_names(&t.ty)),
                    syn::FnArg::Receiver(_) => None,
                })
                .collect(),
            returns: match &sig.output {
                syn::ReturnType::Type(_, t) => Some(type_names(t)),
                syn::ReturnType::Default => None,
            },
        };
        let path = match &self_type {
            Some(t) => format!("{}::{t}::{name}", self.module()),
            None => format!("{}::{name}", self.module()),
        };
        let is_test = self.test_depth > 0
            || self.fns.last().is_some_and(|f| f.is_test)
            || attrs.iter().any(is_test_attr);
        let pos = self.idx.at(sig.ident.span());
        let first_line = attrs
            .iter()
            .map(|a| a.pound_token.span.start().line as u32)
            .chain(std::iter::once(sig.fn_token.span.start().line as u32))
            .min()
            .unwrap_or(pos.line);
        sig_facts.provides = self.markers_for(first_line, pos.line);
        self.attr_routes(attrs, &path);
        if let Some(kind) = &endpoints
            && !is_test
        {
            self.impl_method_routes(kind, attrs, &name, &path, pos);
        }

        let mut locals = super::NameSet::default();
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                bind_names(&t.pat, &mut locals);
            }
        }
        self.fns.push(FnState {
            path,
            events: Vec::new(),
            locals,
            prefixes: Vec::new(),
            loops: Vec::new(),
            tables: Default::default(),
            bindings: Default::default(),
            variants: Default::default(),
            chains: Default::default(),
            replies: Default::default(),
            service_call: service && name == "call",
            self_type: self_type.clone(),
            is_test,
            guards: Default::default(),
        });
        self.visit_block(block);
        if service && name == "call" {
            let first = sig_facts.params.first().map(TypeNames::as_str);
            self.make_service_end(first, block);
        }
        let state = self.fns.pop().expect("pushed above");
        let end_line = self.idx.end_line(block.brace_token.span.close());
        self.finish_function(state, name, pos, end_line, sig_facts);
    }

    /// Turns a walked function (real or synthetic) into facts, events in source order.
    pub(super) fn finish_function(
        &mut self,
        state: FnState,
        name: String,
        pos: crate::facts::Pos,
        end_line: u32,
        sig: SigFacts,
    ) {
        let mut events = state.events;
        events.sort_by_key(|e| e.pos.offset);
        self.facts.functions.push(Function {
            path: state.path,
            name: name.into(),
            self_type: state.self_type.map(Name::from),
            module: self.module().into(),
            pos,
            end_line,
            is_test: state.is_test,
            provides: sig.provides,
            denies: Vec::new(),
            trait_name: sig.trait_name.map(Name::from),
            params: sig.params,
            returns: sig.returns,
            events,
            guards: state.guards.found,
        });
    }

    /// `impl [Trait for] Type { .. }`.
    pub(super) fn impl_item(&mut self, i: &syn::ItemImpl) {
        let trait_name = i
            .trait_
            .as_ref()
            .and_then(|(p, _)| p.segments.last())
            .map(|s| s.ident.to_string());
        let is_service = trait_name.as_deref() == Some("Service");
        let test = i.attrs.iter().any(is_test_attr);
        self.test_depth += usize::from(test);
        let self_type = type_name(&i.self_ty);
        let endpoints = self.impl_endpoints(i, &self_type);
        self.impls.push(ImplCtx {
            fn_depth: self.fns.len(),
            endpoints,
            self_type,
            is_service,
            trait_name,
        });
        for item in &i.items {
            match item {
                ImplItem::Fn(f) => self.visit_impl_item_fn(f),
                ImplItem::Const(c) if !self.fns.is_empty() => self.const_item(&c.ident, &c.expr),
                _ => {}
            }
        }
        self.impls.pop();
        self.test_depth -= usize::from(test);
    }

    /// `trait T { fn default_method() { .. } }`.
    pub(super) fn trait_item(&mut self, t: &syn::ItemTrait) {
        let name = t.ident.to_string();
        if self.fns.is_empty() {
            self.facts.traits.push(TraitFact {
                path: format!("{}::{name}", self.module()),
                methods: t
                    .items
                    .iter()
                    .filter_map(|item| match item {
                        syn::TraitItem::Fn(f) => Some(Name::from(f.sig.ident.to_string())),
                        _ => None,
                    })
                    .collect(),
                pos: self.idx.at(t.ident.span()),
            });
        }
        self.impls.push(ImplCtx {
            fn_depth: self.fns.len(),
            self_type: name.clone(),
            is_service: false,
            endpoints: None,
            trait_name: Some(name),
        });
        for item in &t.items {
            if let syn::TraitItem::Fn(f) = item {
                self.visit_trait_item_fn(f);
            }
        }
        self.impls.pop();
    }

    /// An inline `mod x { .. }` extends the module path; `mod x;` has nothing here.
    pub(super) fn mod_item(&mut self, m: &syn::ItemMod) {
        let Some((_, items)) = &m.content else {
            return;
        };
        let test = m.attrs.iter().any(is_test_attr);
        self.test_depth += usize::from(test);
        let path = format!("{}::{}", self.module(), m.ident);
        self.modules.push(path);
        for item in items {
            self.visit_item(item);
        }
        self.modules.pop();
        self.test_depth -= usize::from(test);
    }

    /// Resolve a `use` path prefix: `crate::`, `self::`, `super::` against the module.
    fn resolve_use(&self, segs: &[String]) -> String {
        let module = self.module();
        let mut base: Option<String> = None;
        let mut rest = segs;
        match segs.first().map(String::as_str) {
            Some("crate") => {
                base = Some(self.crate_name.clone());
                rest = &segs[1..];
            }
            Some("self") => {
                base = Some(module.to_owned());
                rest = &segs[1..];
            }
            Some("super") => {
                let mut m = module;
                while rest.first().is_some_and(|s| s == "super") {
                    m = m.rsplit_once("::").map_or(m, |(parent, _)| parent);
                    rest = &rest[1..];
                }
                base = Some(m.to_owned());
            }
            _ => {}
        }
        let mut out = base.unwrap_or_default();
        for s in rest {
            if !out.is_empty() {
                out.push_str("::");
            }
            out.push_str(s);
        }
        out
    }

    fn use_tree(&mut self, tree: &UseTree, prefix: &mut Vec<String>) {
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix);
                prefix.pop();
            }
            UseTree::Name(n) => {
                if n.ident == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        let target = self.resolve_use(prefix);
                        self.push_use(last, target);
                    }
                } else {
                    let alias = n.ident.to_string();
                    prefix.push(alias.clone());
                    let target = self.resolve_use(prefix);
                    prefix.pop();
                    self.push_use(alias, target);
                }
            }
            UseTree::Rename(r) => {
                if r.rename == "_" {
                    return;
                }
                prefix.push(r.ident.to_string());
                let target = self.resolve_use(prefix);
                prefix.pop();
                self.push_use(r.rename.to_string(), target);
            }
            UseTree::Glob(_) => {
                let target = self.resolve_use(prefix);
                self.push_use("*".to_owned(), target);
            }
            UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix);
                }
            }
        }
    }

    fn push_use(&mut self, alias: String, target: String) {
        let module = self.module().to_owned();
        self.facts.uses.push(UseAlias {
            module,
            alias,
            target,
        });
    }

    /// `use a::{b, c as d, e::*};`
    pub(super) fn use_item(&mut self, u: &syn::ItemUse) {
        self.use_tree(&u.tree, &mut Vec::new());
    }

    /// `extern crate foo as bar;`
    pub(super) fn extern_crate_item(&mut self, e: &syn::ItemExternCrate) {
        if let Some((_, rename)) = &e.rename {
            self.push_use(rename.to_string(), e.ident.to_string());
        }
    }

    /// A `const`/`static` with a string value, or a struct literal with string fields.
    pub(super) fn const_item(&mut self, ident: &syn::Ident, expr: &Expr) {
        let name = ident.to_string();
        let qualified = match self.impls.last() {
            Some(c) if c.fn_depth == self.fns.len() => {
                format!("{}::{}::{name}", self.module(), c.self_type)
            }
            _ => format!("{}::{name}", self.module()),
        };
        let pos = self.idx.at(ident.span());
        match peel_const(expr) {
            Expr::Lit(l) => {
                if let Lit::Str(s) = &l.lit {
                    let value = s.value();
                    self.define_const(name, value.clone());
                    self.facts.consts.push(ConstString {
                        path: qualified,
                        value,
                        pos,
                    });
                }
            }
            // `const ROUTE: RouteInfo = RouteInfo::new("/v1/chat", "POST")`: which argument a
            // field holds is not known here, so `ROUTE.<any field>` reads as the first
            // argument that looks like a path (else the first string).
            Expr::Call(c) => {
                let strings: Vec<String> = c
                    .args
                    .iter()
                    .filter_map(|a| match peel_const(a) {
                        Expr::Lit(l) => match &l.lit {
                            Lit::Str(s) => Some(s.value()),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
                let value = strings
                    .iter()
                    .find(|v| v.starts_with('/'))
                    .or(strings.first())
                    .cloned();
                if let Some(value) = value {
                    self.define_const(format!("{name}.*"), value.clone());
                    self.field_consts = true;
                    self.facts.consts.push(ConstString {
                        path: format!("{qualified}.*"),
                        value,
                        pos,
                    });
                }
            }
            Expr::Struct(s) => {
                for field in &s.fields {
                    let (syn::Member::Named(member), Expr::Lit(l)) =
                        (&field.member, peel_const(&field.expr))
                    else {
                        continue;
                    };
                    let Lit::Str(v) = &l.lit else { continue };
                    let value = v.value();
                    self.define_const(format!("{name}.{member}"), value.clone());
                    self.field_consts = true;
                    self.facts.consts.push(ConstString {
                        path: format!("{qualified}.{member}"),
                        value,
                        pos: self.idx.at(member.span()),
                    });
                }
            }
            _ => {}
        }
    }

    /// Records a string constant (`NAME`, or `NAME.field` for a struct literal's field).
    fn define_const(&mut self, key: String, value: String) {
        // Parsing item by item, a name declared twice may have been read with its first
        // value where the whole-file pre-pass gives the last: count it as a miss, so the file
        // is extracted again whole.
        if let Some(misses) = &mut self.const_misses
            && self.consts.contains_key(&key)
        {
            misses.push(key.clone());
        }
        self.consts.insert(key, value);
    }

    /// A string constant's value; when parsing item by item, a name not (yet) declared is
    /// remembered, so that a declaration further down sends the file to a whole extraction.
    pub(super) fn lookup_const(&mut self, key: &str) -> Option<String> {
        let found = self.consts.get(key).cloned();
        if found.is_none()
            && let Some(misses) = &mut self.const_misses
        {
            misses.push(key.to_owned());
        }
        found
    }

    /// Pre-pass over items (not bodies): string constants, so that bodies can resolve
    /// constants declared after them.
    pub(super) fn collect_consts(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Const(c) => self.const_item(&c.ident, &c.expr),
                Item::Static(s) => self.const_item(&s.ident, &s.expr),
                Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        self.modules.push(format!("{}::{}", self.module(), m.ident));
                        self.collect_consts(inner);
                        self.modules.pop();
                    }
                }
                Item::Impl(i) => {
                    self.impls.push(ImplCtx {
                        fn_depth: 0,
                        self_type: type_name(&i.self_ty),
                        is_service: false,
                        endpoints: None,
                        trait_name: None,
                    });
                    for it in &i.items {
                        if let ImplItem::Const(c) = it {
                            self.const_item(&c.ident, &c.expr);
                        }
                    }
                    self.impls.pop();
                }
                _ => {}
            }
        }
    }
}

/// `&"x"` and `("x")` are the same constant value as `"x"`.
fn peel_const(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) => peel_const(&r.expr),
        Expr::Paren(p) => peel_const(&p.expr),
        Expr::Group(g) => peel_const(&g.expr),
        _ => e,
    }
}
