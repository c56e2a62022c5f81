//! The lexical pre-pass (`check --prefilter`): decide, without parsing, which Rust files can
//! matter, and parse only those.
//!
//! A file can change the report only through its facts: a detector hit or a `genai-gate:`
//! marker (repository evidence, and the flow when reached), a route or mount (an endpoint), or
//! by lying on a call path from a handler (a function, a constant, a module whose `use`
//! items the resolver goes through). The pre-pass reads every Rust file once with a byte
//! lexer and keeps:
//!
//! - whether it is an **entry**: it may register routes: an identifier that route
//!   recognition looks at (`route`, `nest`, `merge`, `service`, `configure`, `to`, `mount`,
//!   `routes`, `at`, `with_path`, `hoop`, `route_service`, `nest_service`, `fallback`,
//!   `typed_get`…, `warp`, a server's `serve`, the tower traits `Service` and tower-http's
//!   authorizers), a route attribute (`#[post`, `#[actix_web::`, `#[oai`, `#[tool`,
//!   `#[typed_path`, …), a GraphQL or poem-openapi impl attribute, a tonic service (`_server::`,
//!   `tonic::async_trait`), or a `"/…"` literal together with `path`, `uri` or `route`
//!   (hyper-style matching on the request path);
//! - whether it has **hits**: an identifier or substring that some detector pattern requires
//!   (every path or method pattern needs its most specific literal segment as a whole
//!   identifier, every other pattern its longest literal run), a `genai-gate:` comment, or
//!   one of the words with which an unparsable file counts as possibly holding endpoints;
//! - the **names it defines**: the identifier after `fn`, `const`, `static`, `mod`, `struct`,
//!   `enum`, `trait`, `type`, `union`, the names a `use` item binds, and its own module name;
//! - the **identifiers it mentions** (hashed).
//!
//! The files parsed are the entries and the files with hits, plus the closure of the entries
//! under "mentions a name that file defines". A call path from a handler runs from an entry
//! through files each of which mentions, as an identifier, the name the next one defines (a
//! function, a method, a constant, or a module on a qualified path), so every file on it is
//! in the closure — and with it every other definer of the same name, so the resolver's
//! "unique name" and "at most four methods" rules see the same candidates as a full scan.
//! A file with hits that no entry's closure reaches cannot be on an endpoint's path; it is
//! parsed for its own evidence. Everything the lexer over-approximates (identifiers in
//! comments and strings, hash collisions) only parses more. The other files get the facts of
//! an empty file with their line count and inline suppressions.
//!
//! Limits: names produced by macros (`paste!`, `concat_idents!`) and string literals whose
//! detector literal is written with escapes (`"\u{41}IGC"`) are invisible to the lexer (the
//! frontend does not expand macros either). Parse errors in files that cannot matter are not
//! reported, which is why strict mode, which must report every unparsable file, never uses
//! the pre-pass.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use aho_corasick::AhoCorasick;

use crate::facts::matcher::Matcher;
use crate::frontend::rust::depth;
use rustc_hash::FxBuildHasher;

/// Substrings that make a file an entry: route attributes (also with a path, as in
/// `#[actix_web::post(..)]`) and GraphQL resolver attributes.
const ENTRY_SUBSTRINGS: &[&str] = &[
    "#[get",
    "#[post",
    "#[put",
    "#[delete",
    "#[patch",
    "#[head",
    "#[options",
    "#[trace",
    "#[connect",
    "#[route",
    "#[any",
    "#[actix_web::",
    "#[ntex::",
    "#[rocket::",
    "#[Object",
    "#[Subscription",
    "#[graphql_object",
    "#[graphql_subscription",
    "routes!",
    "#[OpenApi",
    "#[oai",
    "#[tool",
    "#[typed_path",
    "_server::",
    "tonic::async_trait",
];

/// Identifiers that make a file an entry: the method names route recognition starts from
/// (`rust::routes::route_method`), a server's `serve` (a service served with no route
/// table), and the traits whose implementations a tower stack calls per request (`Service`,
/// tower-http's authorizers): a layer's `inner.call(req)` may reach any of them, so every
/// file implementing one is parsed.
const ENTRY_IDENTS: &[&str] = &[
    "route",
    "nest",
    "merge",
    "service",
    "configure",
    "to",
    "mount",
    "routes",
    "at",
    "with_path",
    "with_hoop",
    "hoop",
    "route_service",
    "nest_service",
    "fallback",
    "fallback_service",
    "default_service",
    "typed_get",
    "typed_post",
    "typed_put",
    "typed_delete",
    "typed_patch",
    "warp",
    "serve",
    "serve_connection",
    "serve_connection_with_upgrades",
    "Service",
    "AsyncAuthorizeRequest",
    "AuthorizeRequest",
    "ValidateRequest",
];

/// Keywords after which the next identifier is a definition.
const DEFINING: &[&[u8]] = &[
    b"fn", b"const", b"static", b"mod", b"struct", b"enum", b"trait", b"type", b"union",
];

/// What the lexer keeps of one file.
#[derive(Debug, Default)]
pub struct Lexed {
    /// The file may register routes: it is parsed, and the names it mentions are followed.
    pub entry: bool,
    /// Something in the file can hit a detector (or blinds the gate if it does not parse):
    /// it is parsed.
    pub hits: bool,
    /// Hashes of the names the file defines.
    pub defines: Vec<u64>,
    /// Hashes of the identifiers the file mentions, sorted, deduplicated.
    pub mentions: Vec<u64>,
}

/// The anchors of one scan, built from the compiled catalogue.
#[derive(Debug)]
pub struct Anchors {
    entry: AhoCorasick,
    hit_substrings: Option<AhoCorasick>,
    entry_idents: HashSet<u64, FxBuildHasher>,
    hit_idents: HashSet<u64, FxBuildHasher>,
    /// A detector pattern without any literal: every file has hits.
    everything: bool,
}

fn hash(ident: &[u8]) -> u64 {
    FxBuildHasher.hash_one(ident)
}

impl Anchors {
    /// Anchors of `matcher`'s detectors plus the fixed route and framework anchors.
    pub fn new(matcher: &Matcher) -> Anchors {
        let literals = matcher.required_literals();
        let everything = literals.is_none();
        let literals = literals.unwrap_or_default();
        let mut hit_substrings: Vec<&str> = vec!["genai-gate"];
        hit_substrings.extend(super::RELEVANT);
        hit_substrings.extend(literals.substrings.iter().map(String::as_str));
        Anchors {
            entry: AhoCorasick::new(ENTRY_SUBSTRINGS).expect("fixed anchors compile"),
            hit_substrings: AhoCorasick::new(&hit_substrings).ok(),
            entry_idents: ENTRY_IDENTS.iter().map(|s| hash(s.as_bytes())).collect(),
            // An exact name is a whole identifier of the text, as the lexer splits it.
            hit_idents: literals.idents.iter().map(|i| hash(i.as_bytes())).collect(),
            everything,
        }
    }

    /// Lexes one file; `module` is its module path (`svc::api::chat`).
    pub fn lex(&self, text: &str, module: Option<&str>) -> Lexed {
        let b = text.as_bytes();
        let mut entry = self.entry.is_match(b)
            || (text.contains("\"/")
                && (text.contains("path") || text.contains("uri") || text.contains("route")));
        let mut hits =
            self.everything || self.hit_substrings.as_ref().is_none_or(|ac| ac.is_match(b));
        let mut defines = Vec::new();
        let mut mentions = Vec::new();
        if let Some(m) = module {
            let last = m.rsplit("::").next().unwrap_or(m);
            defines.push(hash(last.as_bytes()));
        }
        let mut next_defines = false;
        let mut in_use = false;
        // In a `use` item: the last identifier, bound when a `,`, `}`, `;` or `{` follows.
        let mut last_in_use: Option<u64> = None;
        let mut line = 0u32;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            // Comments and literals hold no identifiers of the code.
            match (c, b.get(i + 1)) {
                (b'/', Some(b'/')) => {
                    i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
                    continue;
                }
                (b'/', Some(b'*')) => {
                    i = depth::block_comment(b, i, &mut line);
                    continue;
                }
                (b'"', _) => {
                    i = depth::quoted(b, i + 1, &mut line);
                    continue;
                }
                (b'\'', _) => {
                    i = depth::char_or_lifetime(b, i);
                    continue;
                }
                _ => {}
            }
            if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 {
                let start = i;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric() || b[i] >= 0x80)
                {
                    i += 1;
                }
                let word = &b[start..i];
                // String and char literal prefixes: `r"…"`, `r#"…"#`, `b"…"`, `b'…'`, `c"…"`.
                match (word, b.get(i)) {
                    (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => {
                        let hashes = b[i..].iter().take_while(|x| **x == b'#').count();
                        if b.get(i + hashes) == Some(&b'"') {
                            i = depth::raw_string(b, i + hashes + 1, hashes, &mut line);
                            continue;
                        }
                    }
                    (b"b" | b"c", Some(b'"')) => {
                        i = depth::quoted(b, i + 1, &mut line);
                        continue;
                    }
                    (b"b", Some(b'\'')) => {
                        i = depth::char_or_lifetime(b, i);
                        continue;
                    }
                    _ => {}
                }
                let h = hash(word);
                mentions.push(h);
                if next_defines {
                    defines.push(h);
                }
                next_defines = DEFINING.contains(&word) || (in_use && word == b"as");
                if in_use {
                    last_in_use = Some(h);
                }
                if word == b"use" {
                    in_use = true;
                    last_in_use = None;
                }
                entry = entry || self.entry_idents.contains(&h);
                hits = hits || self.hit_idents.contains(&h);
                continue;
            }
            if c.is_ascii_digit() {
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                continue;
            }
            if in_use && matches!(c, b',' | b'}' | b';' | b'{') {
                defines.extend(last_in_use.take());
            }
            if c == b';' {
                in_use = false;
            }
            if !c.is_ascii_whitespace() {
                next_defines = false;
            }
            i += 1;
        }
        mentions.sort_unstable();
        mentions.dedup();
        defines.sort_unstable();
        defines.dedup();
        Lexed {
            entry,
            hits,
            defines,
            mentions,
        }
    }
}

/// The files to parse: entries, files with hits, and the closure of the entries under
/// "mentions a name that file defines". `lexed[i]` is `None` for a file that must be parsed
/// anyway (it is not followed: it has no mentions).
pub fn select(lexed: &[Option<Lexed>]) -> Vec<bool> {
    let mut definers: HashMap<u64, Vec<u32>, FxBuildHasher> = HashMap::default();
    for (i, l) in lexed.iter().enumerate() {
        for d in l.iter().flat_map(|l| &l.defines) {
            definers.entry(*d).or_default().push(i as u32);
        }
    }
    let mut keep: Vec<bool> = lexed
        .iter()
        .map(|l| l.as_ref().is_none_or(|l| l.entry || l.hits))
        .collect();
    let mut followed = vec![false; lexed.len()];
    let mut work: Vec<usize> = Vec::new();
    for (i, l) in lexed.iter().enumerate() {
        if l.as_ref().is_some_and(|l| l.entry) {
            followed[i] = true;
            work.push(i);
        }
    }
    let mut seen: HashSet<u64, FxBuildHasher> = HashSet::default();
    while let Some(i) = work.pop() {
        let Some(l) = &lexed[i] else { continue };
        for m in &l.mentions {
            if !seen.insert(*m) {
                continue;
            }
            for &j in definers.get(m).map(Vec::as_slice).unwrap_or_default() {
                let j = j as usize;
                keep[j] = true;
                if !followed[j] {
                    followed[j] = true;
                    work.push(j);
                }
            }
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use genai_gate_policy::{PolicySet, Profile, resolve};

    fn anchors() -> Anchors {
        let set = PolicySet::embedded().unwrap();
        let policy = resolve(&set, Profile::default_profile(), true, None).unwrap();
        Anchors::new(&Matcher::new(&policy.detectors, &policy.negatives))
    }

    #[test]
    fn entries_and_hits() {
        let a = anchors();
        let entry = |src: &str| a.lex(src, None).entry;
        let hits = |src: &str| a.lex(src, None).hits;
        assert!(hits("fn f(c: C) { c.chat().create(req); }"));
        assert!(hits("fn f() { green::Client::text_moderation(x); }"));
        assert!(hits("fn f() { check_sensitive_words(x); }"));
        assert!(hits(
            "// genai-gate: provides moderation.input\nfn screen() {}"
        ));
        assert!(
            !hits("fn f() { let v = Vec::new(); v.len() }"),
            "`new` alone is no literal"
        );
        assert!(entry(
            "fn app(r: Router) -> Router { r.route(\"/x\", post(h)) }"
        ));
        assert!(entry("fn app(a: App) { a.service(chat); }"));
        assert!(entry(
            "async fn run(app: App) { axum_server::bind(addr).serve(app).await; }"
        ));
        assert!(
            entry("impl<S> tower::Service<Request> for Auth<S> { fn call(&mut self) {} }"),
            "a tower service: a layer's `inner.call(req)` may reach it"
        );
        assert!(entry("#[post(\"/chat\")]\nasync fn chat() {}"));
        assert!(entry("#[actix_web::post(\"/chat\")]\nasync fn chat() {}"));
        assert!(entry(
            "fn f(r: R) { match r.uri().path() { \"/chat\" => {} _ => {} } }"
        ));
        assert!(
            !entry("fn f() { let s = \"/etc\"; }"),
            "a slash literal alone"
        );
        let plain = "fn add(a: u32, b: u32) -> u32 { a + b }";
        assert!(!entry(plain) && !hits(plain));
    }

    #[test]
    fn defines_and_mentions() {
        let a = anchors();
        let l = a.lex(
            "use crate::x::{helper, other as alias, deep::{self, Inner}};\nuse std::fmt;\npub fn screen(t: &str) -> bool { helper(t) }\nconst LIMIT: u32 = 3;",
            Some("svc::api::guard"),
        );
        for d in [
            "helper", "alias", "deep", "Inner", "fmt", "screen", "LIMIT", "guard",
        ] {
            assert!(l.defines.contains(&hash(d.as_bytes())), "{d}");
        }
        // (`x` is bound too, as `a::{self}` would bind it: a superset.)
        for not in ["t", "crate", "std"] {
            assert!(!l.defines.contains(&hash(not.as_bytes())), "{not}");
        }
        assert!(l.mentions.contains(&hash(b"helper")));
    }

    #[test]
    fn the_closure_follows_names_from_entries_only() {
        let a = anchors();
        let files = [
            // 0: a router naming a handler
            "fn app() -> Router { Router::new().route(\"/chat\", post(chat)) }",
            // 1: the handler, calling a helper in another file
            "async fn chat(r: R) -> S { prepare(r); client.chat().create(x) }",
            // 2: the helper, nothing a detector knows, but on the path
            "pub fn prepare(r: R) { wrapper(r) }",
            // 3: reached through the helper
            "pub fn wrapper(r: R) {}",
            // 4: hits, but no entry reaches it: parsed, not followed
            "fn other() { moderate_text(x); lonely() }",
            // 5: only named by the unreached file
            "fn lonely() {}",
            // 6: unrelated
            "pub fn area(w: f64, h: f64) -> f64 { w * h }",
        ];
        let lexed: Vec<Option<Lexed>> = files.iter().map(|f| Some(a.lex(f, None))).collect();
        assert_eq!(select(&lexed), [true, true, true, true, true, false, false]);
        // A file that must be parsed anyway (`None`) is kept.
        let mut with_unknown = lexed;
        with_unknown[6] = None;
        assert!(select(&with_unknown)[6]);
    }
}
