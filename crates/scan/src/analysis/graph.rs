//! The workspace index and best-effort call resolution.
//!
//! Resolution heuristics, in order (documented in the crate docs):
//! 1. `Self::f` → methods named `f` of the caller's `impl` type.
//! 2. `crate::`, `self::`, `super::` → the caller's crate and module.
//! 3. A first segment that is a `use` alias in the caller's module → the alias target;
//!    glob imports (`use a::b::*`) are tried as prefixes.
//! 4. The path relative to the caller's module, then as an absolute path.
//! 5. `Type::method` → methods named `method` of a type named `Type`.
//! 6. Otherwise the functions with that simple name, when the name is unique in the workspace.
//!
//! Method calls (`x.f()`) resolve to methods named `f` of the caller's own type when the
//! receiver is `self`. Otherwise, when a trait declared in the workspace declares `f`, the call
//! may reach every implementation of it (class-hierarchy analysis: providers behind
//! `Box<dyn Trait>`, `Arc<dyn Trait>` or a generic bound), plus the inherent methods named `f`
//! when there are at most [`MAX_METHOD_CANDIDATES`]; a name no workspace trait declares
//! resolves to every workspace method of that name when there are at most
//! [`MAX_METHOD_CANDIDATES`] (more means the name is too common to guess). In a file that
//! implements a tower or hyper `Service`, `inner.call(req)` (or `.oneshot(req)`) on anything
//! but `self` hands the request to an inner service whose type is a generic or a boxed
//! service: it may reach the `call` of every service that answers requests, and every
//! tower-http authorizer (an auth layer calls it before its inner service), of the caller's
//! package and the packages it depends on (class-hierarchy analysis over the library traits).
//! Calls that do not resolve still match detectors by name; they just add no callee.
//!
//! Names are scoped by Cargo package (see [`crate::packages`]): a dependency renamed in
//! `Cargo.toml` is followed under its real crate name, and when two packages define the same
//! path (two crates named alike in a monorepo), a caller sees its own package's, then its
//! dependencies'. A path that names no function is followed through re-exports
//! (`pub use chat::completions;`, `pub use chat::*;`) up to [`MAX_REEXPORTS`] hops.

use std::collections::HashMap;

pub use crate::facts::slim::MAX_METHOD_CANDIDATES;

/// The methods by which a framework builds a handler's parameter from the request.
const EXTRACTOR_METHODS: [&str; 3] = ["from_request_parts", "from_request", "from_request_head"];

/// Above this many match arms receiving one variant, a message is left unresolved.
pub const MAX_RECEIVERS: usize = 4;

/// How many re-exports (`pub use a::b;`, `pub use a::*;`) a path is followed through.
pub const MAX_REEXPORTS: usize = 4;
use crate::facts::slim::{Func, SlimFile, StepKind, StepRef, is_common_method, is_service_forward};
use crate::facts::{ConstString, TOOL_REGISTRY, UseAlias};
use crate::packages::Package;

/// A function's place: file index and function index in that file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FnId {
    /// Index into the workspace's files.
    pub file: usize,
    /// Index into that file's functions.
    pub func: usize,
}

/// Every function and name of the scanned workspace.
#[derive(Debug)]
pub struct Workspace<'a> {
    /// Facts of every Rust file, in path order.
    pub files: &'a [SlimFile],
    /// Functions by a hash of their path (checked on lookup).
    by_path: Sorted,
    by_name: HashMap<&'a str, Ids, rustc_hash::FxBuildHasher>,
    /// Methods by a hash of `impl` type and name: a map keyed by both strings cost as much
    /// memory as every other index together. Lookups check the strings.
    methods: Sorted,
    methods_by_name: HashMap<&'a str, Ids, rustc_hash::FxBuildHasher>,
    uses: HashMap<&'a str, Vec<&'a UseAlias>, rustc_hash::FxBuildHasher>,
    consts: HashMap<&'a str, &'a ConstString, rustc_hash::FxBuildHasher>,
    consts_by_name: HashMap<&'a str, Vec<&'a ConstString>, rustc_hash::FxBuildHasher>,
    /// Method name → the workspace traits that declare it.
    trait_methods: HashMap<&'a str, Vec<&'a str>, rustc_hash::FxBuildHasher>,
    /// Names that `use … as name` gives to something named otherwise: a path ending in one
    /// may name a function of another name.
    renames: std::collections::HashSet<&'a str, rustc_hash::FxBuildHasher>,
    /// The names of the workspace's `impl` types and classes: a method on a value of any
    /// other type is library code, not a workspace method of the same name.
    types: std::collections::HashSet<&'a str, rustc_hash::FxBuildHasher>,
    /// The Cargo packages, by the ids the files carry.
    packages: &'a [Package],
    /// `Enum::Variant` → the match arms that receive it.
    receivers: HashMap<&'a str, Vec<FnId>, rustc_hash::FxBuildHasher>,
    /// What a tower stack calls per request, in workspace order: the `call` of every
    /// workspace service that answers requests and the callbacks of tower-http authorizers
    /// ([`Func::is_stack_callback`]), outside mock servers; what a layer's `inner.call(req)`
    /// may reach, in its own package and the packages it depends on.
    services: Vec<FnId>,
}

/// A [`FnId`] packed in 8 bytes, as the indexes store it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    file: u32,
    func: u32,
}

impl From<FnId> for Packed {
    fn from(id: FnId) -> Packed {
        // The walker caps the number of files and a file's size far below 4 G.
        Packed {
            file: id.file as u32,
            func: id.func as u32,
        }
    }
}

impl From<Packed> for FnId {
    fn from(p: Packed) -> FnId {
        FnId {
            file: p.file as usize,
            func: p.func as usize,
        }
    }
}

/// The functions under one key: almost always one, stored without a heap allocation in
/// 16 bytes (a workspace of millions of lines has hundreds of thousands of keys in four
/// indexes).
#[derive(Debug, Clone)]
enum Ids {
    One(Packed),
    // A boxed vector is one pointer: with it, the enum is 16 bytes instead of 24.
    #[allow(clippy::box_collection)]
    Many(Box<Vec<Packed>>),
}

impl Ids {
    fn push(&mut self, id: FnId) {
        match self {
            Ids::One(a) => *self = Ids::Many(Box::new(vec![*a, id.into()])),
            Ids::Many(v) => v.push(id.into()),
        }
    }

    fn as_slice(&self) -> &[Packed] {
        match self {
            Ids::One(a) => std::slice::from_ref(a),
            Ids::Many(v) => v,
        }
    }

    fn iter(&self) -> impl Iterator<Item = FnId> + '_ {
        self.as_slice().iter().map(|p| FnId::from(*p))
    }

    fn to_vec(&self) -> Vec<FnId> {
        self.iter().collect()
    }

    fn len(&self) -> usize {
        self.as_slice().len()
    }
}

/// Adds `id` under `key`.
fn add<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, Ids, rustc_hash::FxBuildHasher>,
    key: K,
    id: FnId,
) {
    map.entry(key)
        .and_modify(|ids| ids.push(id))
        .or_insert(Ids::One(id.into()));
}

fn crate_of(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

fn parent(module: &str) -> &str {
    module.rsplit_once("::").map(|(p, _)| p).unwrap_or(module)
}

impl<'a> Workspace<'a> {
    /// Indexes the files. The indexes are built two at a time with `rayon::join` (on the
    /// current rayon pool; call it inside `ThreadPool::install` to bound the threads).
    pub fn new(files: &'a [SlimFile], packages: &'a [Package]) -> Self {
        type Map<'k, K> = HashMap<K, Ids, rustc_hash::FxBuildHasher>;
        let n: usize = files.iter().map(SlimFile::len).sum();
        let funcs = || {
            files.iter().enumerate().flat_map(|(fi, f)| {
                f.funcs()
                    .enumerate()
                    .map(move |(i, func)| (FnId { file: fi, func: i }, func))
            })
        };
        let index = |key: &dyn Fn(Func<'a>) -> Option<&'a str>| {
            let mut map: Map<'a, &'a str> = HashMap::default();
            for (id, func) in funcs() {
                if let Some(k) = key(func) {
                    add(&mut map, k, id);
                }
            }
            map
        };
        let ((by_path, by_name), ((methods, methods_by_name), (uses, consts, consts_by_name))) =
            rayon::join(
                || {
                    rayon::join(
                        // Paths are unique: that index is sized up front.
                        || Sorted::new(funcs().map(|(id, f)| (f.path_hash(), id)), n),
                        || index(&|f| Some(f.name())),
                    )
                },
                || {
                    rayon::join(
                        || {
                            let methods = Sorted::new(
                                funcs().filter_map(|(id, f)| {
                                    Some((method_key(f.self_type()?, f.name()), id))
                                }),
                                0,
                            );
                            let by_name = index(&|f| f.self_type().is_some().then_some(f.name()));
                            (methods, by_name)
                        },
                        || {
                            let mut uses: HashMap<
                                &'a str,
                                Vec<&'a UseAlias>,
                                rustc_hash::FxBuildHasher,
                            > = HashMap::default();
                            let mut consts: HashMap<
                                &'a str,
                                &'a ConstString,
                                rustc_hash::FxBuildHasher,
                            > = HashMap::default();
                            let mut consts_by_name: HashMap<
                                &'a str,
                                Vec<&'a ConstString>,
                                rustc_hash::FxBuildHasher,
                            > = HashMap::default();
                            for f in files {
                                for u in &f.uses {
                                    uses.entry(u.module.as_str()).or_default().push(u);
                                }
                                for c in &f.consts {
                                    consts.insert(c.path.as_str(), c);
                                    let name = c.path.rsplit("::").next().unwrap_or(&c.path);
                                    consts_by_name.entry(name).or_default().push(c);
                                }
                            }
                            (uses, consts, consts_by_name)
                        },
                    )
                },
            );
        let mut trait_methods: HashMap<&'a str, Vec<&'a str>, rustc_hash::FxBuildHasher> =
            HashMap::default();
        for f in files {
            for t in &f.traits {
                let name = t.path.rsplit("::").next().unwrap_or(&t.path);
                for m in &t.methods {
                    let traits = trait_methods.entry(m.as_str()).or_default();
                    if !traits.contains(&name) {
                        traits.push(name);
                    }
                }
            }
        }
        let types = funcs().filter_map(|(_, f)| f.self_type()).collect();
        let renames = files
            .iter()
            .flat_map(|f| &f.uses)
            .filter(|u| u.alias != "*" && !u.target.ends_with(u.alias.as_str()))
            .map(|u| u.alias.as_str())
            .collect();
        let mut receivers: HashMap<&'a str, Vec<FnId>, rustc_hash::FxBuildHasher> =
            HashMap::default();
        for (fi, f) in files.iter().enumerate() {
            for r in &f.receives {
                let found = by_path
                    .get(path_key(&r.func))
                    .find(|id| id.file == fi && files[fi].func(id.func).path_is(&r.func));
                if let Some(id) = found {
                    receivers.entry(r.variant.as_str()).or_default().push(id);
                }
            }
        }
        let services = files
            .iter()
            .enumerate()
            .filter(|(_, f)| !crate::analysis::endpoints::is_mock_path(&f.path))
            .flat_map(|(fi, f)| {
                f.funcs()
                    .enumerate()
                    .filter(|(_, func)| func.is_stack_callback())
                    .map(move |(i, _)| FnId { file: fi, func: i })
            })
            .collect();
        Workspace {
            types,
            services,
            receivers,
            renames,
            files,
            by_path,
            by_name,
            methods,
            methods_by_name,
            uses,
            consts,
            consts_by_name,
            trait_methods,
            packages,
        }
    }

    /// The functions with an exact qualified path defined in one file.
    pub fn in_file(&self, file: usize, path: &str) -> Option<FnId> {
        self.by_path
            .get(path_key(path))
            .find(|id| id.file == file && self.func(*id).path_is(path))
    }

    /// The package of a function's file.
    fn package_of(&self, id: FnId) -> Option<&'a Package> {
        let p = self.files[id.file].package?;
        self.packages.get(p as usize)
    }

    /// When a path names functions in several packages, the ones `from` can see: its own
    /// package's, else its dependencies', else all of them.
    fn prefer(&self, from: Func, ids: Vec<FnId>) -> Vec<FnId> {
        if ids.len() < 2 {
            return ids;
        }
        let Some(own) = from.package() else {
            return ids;
        };
        let same: Vec<FnId> = ids
            .iter()
            .copied()
            .filter(|id| self.files[id.file].package == Some(own))
            .collect();
        if !same.is_empty() {
            return same;
        }
        let Some(pkg) = self.packages.get(own as usize) else {
            return ids;
        };
        let deps: Vec<FnId> = ids
            .iter()
            .copied()
            .filter(|id| {
                self.package_of(*id)
                    .is_some_and(|p| pkg.deps.iter().any(|(_, c)| *c == p.name))
            })
            .collect();
        if deps.is_empty() { ids } else { deps }
    }

    /// Whether code in `from` can name `id`: both in one package, `id`'s package a dependency
    /// of `from`'s, or either in no known package.
    fn sees(&self, from: Func, id: FnId) -> bool {
        let (Some(own), Some(theirs)) = (from.package(), self.files[id.file].package) else {
            return true;
        };
        own == theirs
            || match (self.packages.get(own as usize), self.package_of(id)) {
                (Some(pkg), Some(dep)) => pkg.deps.iter().any(|(_, c)| *c == dep.name),
                _ => true,
            }
    }

    /// The function behind an id.
    pub fn func(&self, id: FnId) -> Func<'a> {
        self.files[id.file].func(id.func)
    }

    /// The functions with an exact qualified path (usually one), in workspace order.
    pub fn by_path(&self, path: &str) -> Vec<FnId> {
        self.by_path
            .get(path_key(path))
            .filter(|id| self.func(*id).path_is(path))
            .collect()
    }

    /// Expands `crate`/`self`/`super`/aliases at the head of `path`, giving candidate
    /// absolute paths, most likely first.
    fn expand(&self, package: Option<u32>, module: &str, path: &str) -> Vec<String> {
        let mut segs: Vec<&str> = path.split("::").collect();
        let mut base = module.to_owned();
        let mut out = Vec::new();
        match segs.first().copied() {
            Some("crate") => {
                segs.remove(0);
                out.push(join(crate_of(module), &segs));
                return out;
            }
            Some("self") => {
                segs.remove(0);
                out.push(join(module, &segs));
                return out;
            }
            Some("super") => {
                while segs.first() == Some(&"super") {
                    segs.remove(0);
                    base = parent(&base).to_owned();
                }
                out.push(join(&base, &segs));
                return out;
            }
            _ => {}
        }
        let head = segs[0];
        let uses = self.uses.get(module).map(Vec::as_slice).unwrap_or_default();
        for u in uses {
            if u.alias == head {
                for target in use_targets(u) {
                    out.push(self.renamed(package, &join(&target, &segs[1..])));
                }
            }
        }
        out.push(join(module, &segs));
        out.push(self.renamed(package, path));
        for u in uses {
            if u.alias == "*" {
                for target in use_targets(u) {
                    out.push(self.renamed(package, &join(&target, &segs)));
                }
            }
        }
        out
    }

    /// `path` with its first segment read as the crate a package's dependency stands for
    /// (`llm::chat` is `engine_core::chat` when `llm = { package = "engine-core" }`).
    fn renamed(&self, package: Option<u32>, path: &str) -> String {
        let (head, rest) = path.split_once("::").unwrap_or((path, ""));
        let real = package
            .and_then(|p| self.packages.get(p as usize))
            .and_then(|p| p.dep(head))
            .filter(|real| *real != head);
        match real {
            Some(real) if rest.is_empty() => real.to_owned(),
            Some(real) => format!("{real}::{rest}"),
            None => path.to_owned(),
        }
    }

    /// The functions an absolute path names: directly, as `Type::method` (or a trait's
    /// implementations of `Trait::method`), or through re-exports of its module.
    fn lookup(&self, path: &str, hops: usize) -> Vec<FnId> {
        let ids = self.by_path(path);
        if !ids.is_empty() {
            return ids;
        }
        let Some((parent, last)) = path.rsplit_once("::") else {
            return Vec::new();
        };
        // `Type::method` after alias expansion: `a::b::Type::method`.
        let ty = parent.rsplit("::").next().unwrap_or(parent);
        let ids = self.methods_of(ty, last);
        if !ids.is_empty() {
            return ids;
        }
        if hops >= MAX_REEXPORTS {
            return Vec::new();
        }
        let uses = self.uses.get(parent).map(Vec::as_slice).unwrap_or_default();
        for u in uses {
            let glob = u.alias == "*";
            if !glob && u.alias != last {
                continue;
            }
            for target in use_targets(u) {
                let target = if glob { join(&target, &[last]) } else { target };
                if target == path {
                    continue;
                }
                let ids = self.lookup(&target, hops + 1);
                if !ids.is_empty() {
                    return ids;
                }
            }
        }
        Vec::new()
    }

    /// Resolves a called or referenced path from inside `from`.
    pub fn resolve_path(&self, from: Func, path: &str) -> Vec<FnId> {
        // Every way below ends at a function named like the last segment: when no function
        // has that name (`Json(..)`, `Args::default()`), nothing is expanded or looked up.
        let last = path.rsplit("::").next().unwrap_or(path);
        if !self.by_name.contains_key(last) && !self.renames.contains(last) {
            return Vec::new();
        }
        let segs: Vec<&str> = path.split("::").collect();
        if segs.len() == 2 && segs[0] == "Self" {
            return from
                .self_type()
                .map(|t| self.methods_of(t, last))
                .unwrap_or_default();
        }
        for cand in self.expand(from.package(), from.module(), path) {
            let ids = self.lookup(&cand, 0);
            if !ids.is_empty() {
                return self.prefer(from, ids);
            }
        }
        if segs.len() >= 2 {
            let ty = segs[segs.len() - 2];
            let ids = self.methods_of(ty, last);
            if !ids.is_empty() {
                return self.prefer(from, ids);
            }
        }
        match self.by_name.get(last) {
            Some(ids) if ids.len() == 1 => {
                // A qualified path must agree with the candidate's module on its qualifier; a
                // bare name (`list(..)`, `stream(..)`) never calls a method.
                let f = self.func(ids.as_slice()[0].into());
                let method = f.self_type().is_some_and(|t| {
                    f.path()
                        .strip_suffix(last)
                        .and_then(|p| p.strip_suffix("::"))
                        .is_some_and(|p| p.ends_with(t))
                });
                let agrees = if segs.len() == 1 {
                    !method
                } else {
                    f.path().ends_with(&segs[segs.len() - 2..].join("::"))
                };
                if agrees { ids.to_vec() } else { Vec::new() }
            }
            _ => Vec::new(),
        }
    }

    /// The methods named `name` of `impl` types named `ty`, in workspace order; when `ty` is a
    /// workspace trait declaring `name`, every implementation of it as well.
    fn methods_of(&self, ty: &str, name: &str) -> Vec<FnId> {
        let mut ids: Vec<FnId> = self
            .methods
            .get(method_key(ty, name))
            .filter(|id| {
                let f = self.func(*id);
                f.self_type() == Some(ty) && f.name() == name
            })
            .collect();
        if self.declares(ty, name) {
            for id in self.implementations(&[ty], name) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            ids.sort();
        }
        ids
    }

    /// Whether a workspace trait named `tr` declares a method `name`.
    fn declares(&self, tr: &str, name: &str) -> bool {
        self.trait_methods
            .get(name)
            .is_some_and(|traits| traits.contains(&tr))
    }

    /// The methods named `name` that implement (or provide the default of) one of `traits`.
    fn implementations(&self, traits: &[&str], name: &str) -> Vec<FnId> {
        match self.methods_by_name.get(name) {
            Some(ids) => ids
                .iter()
                .filter(|id| {
                    self.func(*id)
                        .trait_name()
                        .is_some_and(|t| traits.contains(&t))
                })
                .collect(),
            None => Vec::new(),
        }
    }

    /// The functions a step of `from` may lead to: calls and references resolved as paths,
    /// method calls as methods; none for a mark.
    pub fn callees(&self, from: Func, step: StepRef) -> Vec<FnId> {
        match step.kind {
            StepKind::Call | StepKind::FnRef => self.resolve_path(from, step.name),
            StepKind::Method => self.resolve_method(from, step.name, false),
            StepKind::SelfMethod => self.resolve_method(from, step.name, true),
            StepKind::TypedMethod => {
                let found = self.resolve_path(from, step.name);
                let (ty, method) = step.name.rsplit_once("::").unwrap_or(("", step.name));
                let ty = ty.rsplit("::").next().unwrap_or(ty);
                // A workspace type without the method inherits it: any method of that name
                // may run. A library type's methods are the library's.
                if found.is_empty() && self.types.contains(ty) {
                    self.resolve_method(from, method, false)
                } else {
                    found
                }
            }
            StepKind::Message => self.receivers(step.name),
            StepKind::Mark => Vec::new(),
        }
    }

    /// The extractors a handler's parameters run before its body: the workspace's
    /// `from_request_parts` / `from_request` methods (axum, actix-web, rocket, poem) of the
    /// types its parameters name, in parameter order.
    pub fn extractors(&self, handler: Func) -> Vec<FnId> {
        let mut out = Vec::new();
        for param in handler.params() {
            for ty in param.split(' ') {
                for method in EXTRACTOR_METHODS {
                    for id in self.methods_of(ty, method) {
                        if !out.contains(&id) && !self.func(id).is_test() {
                            out.push(id);
                        }
                    }
                }
            }
        }
        out
    }

    /// The match arms that receive a message (`Enum::Variant`), when few enough to be the
    /// handlers of it (a variant matched in many places is a value, not a message); every
    /// function registered as an agent tool for [`TOOL_REGISTRY`].
    pub fn receivers(&self, variant: &str) -> Vec<FnId> {
        if variant.is_empty() {
            return Vec::new();
        }
        match self.receivers.get(variant) {
            // Any registered tool may be the one run by name.
            Some(ids) if ids.len() <= MAX_RECEIVERS || variant == TOOL_REGISTRY => ids.clone(),
            _ => Vec::new(),
        }
    }

    /// Resolves a method call from inside `from`.
    pub fn resolve_method(&self, from: Func, name: &str, on_self: bool) -> Vec<FnId> {
        if on_self && let Some(t) = from.self_type() {
            let ids = self.methods_of(t, name);
            if !ids.is_empty() {
                return ids;
            }
        }
        // A layer or stack hands the request to its inner service, a generic or a boxed
        // service: any service of the caller's package or its dependencies may answer it.
        if !on_self && from.in_tower_module() && is_service_forward(name) {
            return self
                .services
                .iter()
                .copied()
                .filter(|id| self.sees(from, *id))
                .collect();
        }
        if is_common_method(name) {
            return Vec::new();
        }
        let Some(all) = self.methods_by_name.get(name) else {
            return Vec::new();
        };
        match self.trait_methods.get(name) {
            // Class-hierarchy analysis: any implementation of the trait method may run.
            Some(traits) => {
                let (mut impls, others): (Vec<FnId>, Vec<FnId>) = all.iter().partition(|id| {
                    self.func(*id)
                        .trait_name()
                        .is_some_and(|t| traits.contains(&t))
                });
                if others.len() <= MAX_METHOD_CANDIDATES {
                    impls.extend(others);
                    impls.sort();
                }
                impls
            }
            None if all.len() <= MAX_METHOD_CANDIDATES => all.to_vec(),
            None => Vec::new(),
        }
    }

    /// Resolves a constant (`CHAT_ROUTE`, `routes::CHAT_ROUTE.path`) from a module.
    pub fn resolve_const(&self, module: &str, name: &str) -> Option<&'a ConstString> {
        self.resolve_const_exact(module, name).or_else(|| {
            // A constant built by a constructor call keeps its path-like argument as `.*`.
            let (path, _field) = name.split_once('.')?;
            self.resolve_const_exact(module, &format!("{path}.*"))
        })
    }

    fn resolve_const_exact(&self, module: &str, name: &str) -> Option<&'a ConstString> {
        let (path, field) = match name.split_once('.') {
            Some((p, f)) => (p, Some(f)),
            None => (name, None),
        };
        let with_field = |p: String| match field {
            Some(f) => format!("{p}.{f}"),
            None => p,
        };
        for cand in self.expand(None, module, path) {
            if let Some(c) = self.consts.get(with_field(cand).as_str()) {
                return Some(c);
            }
        }
        let last = path.rsplit("::").next().unwrap_or(path);
        let key = with_field(last.to_owned());
        let key_name = key.rsplit("::").next().unwrap_or(&key);
        match self.consts_by_name.get(key_name) {
            Some(cs) if cs.len() == 1 => Some(cs[0]),
            _ => None,
        }
    }
}

/// The key of a function in [`Workspace::by_path`] (what [`Func::path_hash`] gives).
fn path_key(path: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(path.as_bytes())
}

/// The key of a method in [`Workspace::methods`]: its type and name, hashed apart.
fn method_key(ty: &str, name: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(ty.as_bytes()).rotate_left(17)
        ^ xxhash_rust::xxh3::xxh3_64(name.as_bytes())
}

/// A multimap from a 64-bit hash to functions as one sorted vector: 16 bytes a function and
/// no spare capacity, where a hash map of a workspace's hundreds of thousands of functions
/// is half empty after it doubles. Lookups check the hashed strings (collisions are only
/// slower).
#[derive(Debug, Default)]
struct Sorted(Vec<(u64, Packed)>);

impl Sorted {
    fn new(entries: impl Iterator<Item = (u64, FnId)>, size: usize) -> Sorted {
        let mut v: Vec<(u64, Packed)> = Vec::with_capacity(size);
        v.extend(entries.map(|(k, id)| (k, id.into())));
        // Ids arrive in workspace order; sorting by (key, file, function) keeps that order
        // among equal keys.
        v.sort_unstable_by_key(|(k, p)| (*k, p.file, p.func));
        v.shrink_to_fit();
        Sorted(v)
    }

    /// The functions under `key`, in workspace order.
    fn get(&self, key: u64) -> impl Iterator<Item = FnId> + '_ {
        let start = self.0.partition_point(|(k, _)| *k < key);
        self.0[start..]
            .iter()
            .take_while(move |(k, _)| *k == key)
            .map(|(_, p)| FnId::from(*p))
    }
}

/// Where a `use` may point: its target as written (an absolute path, or a crate), and, for a
/// path that does not start at a crate root, the same path under the module of the `use`
/// (`use chat::*;` in `svc::routes` names `svc::routes::chat`).
fn use_targets(u: &UseAlias) -> impl Iterator<Item = String> + '_ {
    let relative = (!u.target.starts_with(&format!("{}::", crate_of(&u.module)))
        && u.target != crate_of(&u.module))
    .then(|| join(&u.module, &[&u.target]));
    std::iter::once(u.target.clone()).chain(relative)
}

fn join(base: &str, segs: &[&str]) -> String {
    if segs.is_empty() {
        return base.to_owned();
    }
    let mut s =
        String::with_capacity(base.len() + 2 + segs.iter().map(|x| x.len() + 2).sum::<usize>());
    s.push_str(base);
    for seg in segs {
        s.push_str("::");
        s.push_str(seg);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::rust::{RustInput, extract};

    fn file(path: &str, module: &str, text: &str) -> SlimFile {
        let facts = extract(&RustInput {
            rel_path: path,
            text,
            crate_name: "app",
            module,
            is_test_file: false,
        });
        SlimFile::new(facts, |_, _| {})
    }

    fn paths(ws: &Workspace, ids: &[FnId]) -> Vec<String> {
        ids.iter()
            .map(|id| ws.func(*id).path().into_owned())
            .collect()
    }

    #[test]
    fn an_index_entry_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Ids>(), 16);
    }

    #[test]
    fn type_and_self_methods_resolve_to_their_impl_type_only() {
        let files = [
            file(
                "src/a.rs",
                "app::a",
                "struct Zed; impl Zed { fn run(&self) { self.run(); Self::run(); } }\n\
                 struct Alpha; impl Alpha { fn run(&self) {} }",
            ),
            file(
                "src/b.rs",
                "app::b",
                "struct Alpha; impl Alpha { fn run(&self) {} }",
            ),
            file(
                "src/c.rs",
                "app::c",
                "fn caller() { Alpha::run(); Zed::run(); Missing::run(); }",
            ),
        ];
        let ws = Workspace::new(&files, &[]);
        let zed = ws.by_path("app::a::Zed::run")[0];
        let caller = ws.by_path("app::c::caller")[0];
        let from_zed = ws.func(zed);
        assert_eq!(
            paths(&ws, &ws.resolve_method(from_zed, "run", true)),
            ["app::a::Zed::run"]
        );
        assert_eq!(
            paths(&ws, &ws.resolve_path(from_zed, "Self::run")),
            ["app::a::Zed::run"]
        );
        let from = ws.func(caller);
        // Both types named `Alpha`, in workspace order.
        assert_eq!(
            paths(&ws, &ws.resolve_path(from, "Alpha::run")),
            ["app::a::Alpha::run", "app::b::Alpha::run"]
        );
        assert_eq!(
            paths(&ws, &ws.resolve_path(from, "Zed::run")),
            ["app::a::Zed::run"]
        );
        assert!(ws.resolve_path(from, "Missing::run").is_empty());
        // Three methods named `run`, a name of the standard library's: not guessed for another
        // receiver than `self`.
        assert!(ws.resolve_method(from, "run", false).is_empty());
    }

    #[test]
    fn a_bare_name_never_calls_a_method_and_a_library_type_keeps_its_methods() {
        let files = [
            file(
                "src/sdk.rs",
                "app::sdk",
                "struct ToolClient; impl ToolClient { fn list(&self) {} fn list_models(&self) {} }
                 struct Local; impl Local { fn other(&self) {} }",
            ),
            file(
                "src/c.rs",
                "app::c",
                "fn caller() { list(); helper(); }
fn helper() {}",
            ),
        ];
        let ws = Workspace::new(&files, &[]);
        let from = ws.func(ws.by_path("app::c::caller")[0]);
        assert!(ws.resolve_path(from, "list").is_empty());
        assert_eq!(
            paths(&ws, &ws.resolve_path(from, "helper")),
            ["app::c::helper"]
        );
        let typed = |name: &str| {
            let step = StepRef {
                pos: crate::facts::Pos::default(),
                kind: StepKind::TypedMethod,
                name,
                guard: None,
            };
            paths(&ws, &ws.callees(from, step))
        };
        // A method of a library type is the library's; a workspace type that lacks the method
        // inherits it, and any method of that name may run.
        assert!(typed("xinference_client::RESTfulClient::list_models").is_empty());
        assert_eq!(
            typed("Local::list_models"),
            ["app::sdk::ToolClient::list_models"]
        );
        assert_eq!(typed("ToolClient::list"), ["app::sdk::ToolClient::list"]);
    }

    fn pkg(name: &str, deps: &[(&str, &str)]) -> Package {
        Package {
            dir: name.to_owned(),
            name: name.to_owned(),
            deps: deps
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        }
    }

    fn file_in(path: &str, module: &str, package: Option<u32>, text: &str) -> SlimFile {
        let mut f = file(path, module, text);
        f.package = package;
        f
    }

    #[test]
    fn a_trait_method_call_reaches_every_implementation() {
        let files = [
            file(
                "src/provider.rs",
                "app::provider",
                "pub trait Provider { async fn complete(&self, p: String) -> String; }\n\
                 pub struct OpenAi; impl Provider for OpenAi { async fn complete(&self, p: String) -> String { p } }\n\
                 pub struct Qwen; impl Provider for Qwen { async fn complete(&self, p: String) -> String { p } }\n\
                 pub struct Glm; impl Provider for Glm { async fn complete(&self, p: String) -> String { p } }\n\
                 pub struct Kimi; impl Provider for Kimi { async fn complete(&self, p: String) -> String { p } }\n\
                 pub struct Ernie; impl Provider for Ernie { async fn complete(&self, p: String) -> String { p } }",
            ),
            file(
                "src/chat.rs",
                "app::chat",
                "fn handler(p: Arc<dyn Provider>) { p.complete(x); }",
            ),
        ];
        let ws = Workspace::new(&files, &[]);
        let from = ws.func(ws.by_path("app::chat::handler")[0]);
        // Five implementations: more than MAX_METHOD_CANDIDATES, all reached.
        let found = paths(&ws, &ws.resolve_method(from, "complete", false));
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(found.contains(&"app::provider::Ernie::complete".to_owned()));
        // `Provider::complete(&p, x)` too.
        assert_eq!(ws.resolve_path(from, "Provider::complete").len(), 5);
    }

    #[test]
    fn a_layers_inner_call_reaches_every_service_and_authorizer() {
        let files = [
            file(
                "src/layers.rs",
                "app::layers",
                "impl<S> Service<Request> for Timing<S> { fn call(&mut self, req: Request) { self.inner.call(req); } }\n\
                 impl<S> Service<SocketAddr> for Factory<S> { fn call(&mut self, peer: SocketAddr) { ready(Ok(x)) } }\n\
                 impl Timing<S> { fn helper(&self, svc: S) { svc.oneshot(req); } }",
            ),
            file(
                "src/proxy.rs",
                "app::proxy",
                "impl Service<Request> for Proxy { fn call(&mut self, req: Request) { forward(req); } }",
            ),
            file(
                "src/auth.rs",
                "app::auth",
                "impl<B> AsyncAuthorizeRequest<B> for KeyAuth { fn authorize(&mut self, r: Request<B>) { verify(r); } }",
            ),
            file(
                "src/other.rs",
                "app::other",
                "fn elsewhere(rpc: Client) { rpc.call(x); }",
            ),
        ];
        let ws = Workspace::new(&files, &[]);
        // The make-service answers connections, not requests: it is left out.
        let want = [
            "app::layers::Timing::call",
            "app::proxy::Proxy::call",
            "app::auth::KeyAuth::authorize",
        ];
        let timing = ws.func(ws.by_path("app::layers::Timing::call")[0]);
        assert_eq!(paths(&ws, &ws.resolve_method(timing, "call", false)), want);
        let helper = ws.func(ws.by_path("app::layers::Timing::helper")[0]);
        assert_eq!(
            paths(&ws, &ws.resolve_method(helper, "oneshot", false)),
            want
        );
        // Outside a file that implements a service, `call` is too common to guess.
        let other = ws.func(ws.by_path("app::other::elsewhere")[0]);
        assert!(ws.resolve_method(other, "call", false).is_empty());
    }

    #[test]
    fn glob_and_named_reexports_of_child_modules_are_followed() {
        let files = [
            file(
                "src/routes/mod.rs",
                "app::routes",
                "mod chat; pub use chat::*; pub use self::tools::summarise as sum;",
            ),
            file(
                "src/routes/chat.rs",
                "app::routes::chat",
                "pub async fn chat_completions() {}",
            ),
            file(
                "src/routes/tools.rs",
                "app::routes::tools",
                "pub fn summarise() {}",
            ),
            file(
                "src/serve.rs",
                "app::serve",
                "use crate::{routes::{self}}; fn api() { routes::chat_completions(); routes::sum(); }",
            ),
        ];
        let ws = Workspace::new(&files, &[]);
        let from = ws.func(ws.by_path("app::serve::api")[0]);
        assert_eq!(
            paths(&ws, &ws.resolve_path(from, "routes::chat_completions")),
            ["app::routes::chat::chat_completions"]
        );
        assert_eq!(
            paths(&ws, &ws.resolve_path(from, "routes::sum")),
            ["app::routes::tools::summarise"]
        );
    }

    #[test]
    fn two_packages_of_one_name_keep_their_own_functions() {
        let files = [
            file_in(
                "a/src/routes.rs",
                "server::routes",
                Some(0),
                "pub fn chat() {}",
            ),
            file_in(
                "a/src/main.rs",
                "server",
                Some(0),
                "fn app() { routes::chat(); }",
            ),
            file_in(
                "b/src/routes.rs",
                "server::routes",
                Some(1),
                "pub fn chat() {}",
            ),
            file_in(
                "b/src/main.rs",
                "server",
                Some(1),
                "fn app() { routes::chat(); }",
            ),
        ];
        let packages = [pkg("server", &[]), pkg("server", &[])];
        let ws = Workspace::new(&files, &packages);
        for (file, want) in [(1, 0), (3, 2)] {
            let from = ws.func(FnId { file, func: 0 });
            let got = ws.resolve_path(from, "routes::chat");
            assert_eq!(
                got,
                [FnId {
                    file: want,
                    func: 0
                }]
            );
        }
    }

    #[test]
    fn a_layers_inner_call_stays_in_its_package_and_dependencies() {
        let service = |ty: &str| {
            format!(
                "impl Service<Request> for {ty} {{ fn call(&mut self, req: Request) {{ self.inner.call(req); }} }}"
            )
        };
        let files = [
            file_in(
                "proxy/src/stack.rs",
                "proxy::stack",
                Some(0),
                &service("Stack"),
            ),
            file_in("router/src/lib.rs", "router", Some(1), &service("Router")),
            file_in("admin/src/main.rs", "admin", Some(2), &service("Console")),
        ];
        let packages = [
            pkg("proxy", &[("router", "router")]),
            pkg("router", &[]),
            pkg("admin", &[]),
        ];
        let ws = Workspace::new(&files, &packages);
        let stack = ws.func(ws.by_path("proxy::stack::Stack::call")[0]);
        assert_eq!(
            paths(&ws, &ws.resolve_method(stack, "call", false)),
            ["proxy::stack::Stack::call", "router::Router::call"]
        );
        let console = ws.func(ws.by_path("admin::Console::call")[0]);
        assert_eq!(
            paths(&ws, &ws.resolve_method(console, "call", false)),
            ["admin::Console::call"]
        );
    }

    #[test]
    fn a_renamed_dependency_is_followed_under_its_real_name() {
        let files = [
            file_in(
                "engine/src/lib.rs",
                "engine_core",
                Some(0),
                "pub fn generate() {}",
            ),
            file_in(
                "api/src/main.rs",
                "api",
                Some(1),
                "fn chat() { llm::generate(); }",
            ),
        ];
        let packages = [
            pkg("engine_core", &[]),
            pkg("api", &[("llm", "engine_core")]),
        ];
        let ws = Workspace::new(&files, &packages);
        let from = ws.func(ws.by_path("api::chat")[0]);
        assert_eq!(
            paths(&ws, &ws.resolve_path(from, "llm::generate")),
            ["engine_core::generate"]
        );
    }
}
