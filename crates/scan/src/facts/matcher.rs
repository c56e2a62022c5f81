//! Matching code events against the detector catalogue and its traps.
//!
//! Every pattern is compiled once per scan into a [`Glob`] and indexed by the last segment it
//! requires, so matching an event costs one or two hash lookups plus the few patterns whose
//! last segment is itself a wildcard. String patterns are tried only on string events. Traps
//! (negatives) are compiled the same way and veto a hit for the capabilities they block.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use genai_gate_policy::pattern::Glob;
use genai_gate_policy::{Capability, CodePatterns, Detector, Negative};

use crate::facts::EventKind;

/// The detector index of a hit that comes from a `// genai-gate: provides` marker.
pub const MARKER: u32 = u32::MAX;

/// A detector hit on one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// The capability evidenced.
    pub capability: Capability,
    /// Index of the detector in the effective policy's list, or [`MARKER`].
    pub detector: u32,
}

#[derive(Debug)]
enum Pat {
    Call(Glob),
    Type(Glob),
    Method(Vec<Glob>),
    Macro(Glob),
    Str(Glob),
    /// The variant sent on a channel (`""`: not a variant).
    Message(Glob),
}

/// A set of compiled patterns, each owned by a detector or a negative.
/// Patterns that cannot be looked up by an exact last segment, prefiltered by the longest
/// literal each one requires: only patterns whose literal occurs in the event's text are tried.
#[derive(Debug, Default)]
struct Prefilter {
    automaton: Option<AhoCorasick>,
    owners: Vec<Vec<usize>>,
    always: Vec<usize>,
}

impl Prefilter {
    fn build(pats: &[(u32, Pat)], members: &[usize]) -> Prefilter {
        let mut needles: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for &i in members {
            match pats[i].1.needle() {
                Some(n) => match needles.iter().position(|x| *x == n) {
                    Some(at) => owners[at].push(i),
                    None => {
                        needles.push(n);
                        owners.push(vec![i]);
                    }
                },
                None => always.push(i),
            }
        }
        let automaton = (!needles.is_empty())
            .then(|| {
                // A contiguous NFA: a DFA searched each event's text a little faster but took
                // 35 M instructions to build, a tenth of a small repository's whole scan.
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(&needles)
                    .ok()
            })
            .flatten();
        if automaton.is_none() {
            always.extend(owners.drain(..).flatten());
        }
        Prefilter {
            automaton,
            owners,
            always,
        }
    }

    /// Calls `test` on every candidate pattern for `text`, each once, in pattern order.
    fn candidates(&self, text: &str, mut test: impl FnMut(usize)) {
        // Most events contain no needle: a plain search (cheaper than an overlapping one)
        // says so without building a list.
        let ac = match &self.automaton {
            Some(ac) if ac.is_match(text) => ac,
            _ => {
                self.always.iter().for_each(|i| test(*i));
                return;
            }
        };
        let mut found: Vec<usize> = self.always.clone();
        for m in ac.find_overlapping_iter(text) {
            found.extend(&self.owners[m.pattern().as_usize()]);
        }
        found.sort_unstable();
        found.dedup();
        for i in found {
            test(i);
        }
    }
}

#[derive(Debug, Default)]
struct PatternSet {
    pats: Vec<(u32, Pat)>,
    by_last: HashMap<String, Vec<usize>, rustc_hash::FxBuildHasher>,
    wild: Prefilter,
    strings: Prefilter,
}

/// The longest run of a glob without `*`, trimmed of `:` at both ends (a `::` at the edge of
/// a run may belong to the part the leading-`*::` rule drops); `None` when there is none.
fn longest_literal(pattern: &str) -> Option<&str> {
    pattern
        .split('*')
        .map(|p| p.trim_matches(':'))
        .max_by_key(|p| p.len())
        .filter(|p| !p.is_empty())
}

fn last_segment(p: &str) -> &str {
    p.rsplit("::").next().unwrap_or(p)
}

fn parent(path: &str) -> Option<&str> {
    path.rsplit_once("::").map(|(head, _)| head)
}

impl Pat {
    /// The longest literal run of the pattern's last segment (or of the whole string pattern).
    fn needle(&self) -> Option<String> {
        let source = match self {
            Pat::Call(g) | Pat::Type(g) | Pat::Macro(g) | Pat::Message(g) => {
                g.source().rsplit("::").next().unwrap_or_default()
            }
            Pat::Method(gs) => gs.last().map(Glob::source).unwrap_or_default(),
            Pat::Str(g) => g.source(),
        };
        let longest = |s: &str| longest_literal(s).map(str::to_owned);
        // A last segment that is all wildcard (`tencentcloud::tms::*`) still requires the
        // literals before it; `::` at either end is trimmed because the leading-`*::` rule
        // also matches the bare rest.
        longest(source).or_else(|| match self {
            Pat::Call(g) | Pat::Type(g) | Pat::Macro(g) | Pat::Message(g) => longest(g.source()),
            // A method event is prefiltered on its last name only.
            Pat::Method(_) | Pat::Str(_) => None,
        })
    }
}

/// What one pattern needs in a file's text.
enum Required {
    /// A whole identifier.
    Ident(String),
    /// A substring.
    Substring(String),
}

/// Names too common to be a useful prefilter literal when a pattern offers another one.
const COMMON_NAMES: &[&str] = &[
    "new", "default", "create", "get", "send", "build", "from", "into", "call", "run", "init",
];

impl Pat {
    /// A literal every text matching the pattern contains: for path and method patterns, the
    /// most specific whole segment without a wildcard (each segment of a matched path or chain
    /// is an identifier of the source); else the longest literal run.
    fn required(&self) -> Option<Required> {
        let segments: Vec<&str> = match self {
            // A send is a `send`-like call: the method name is what the file must contain.
            Pat::Message(_) => return Some(Required::Ident("send".to_owned())),
            Pat::Call(g) | Pat::Type(g) | Pat::Macro(g) => g.source().split("::").collect(),
            Pat::Method(gs) => gs.iter().map(Glob::source).collect(),
            Pat::Str(g) => {
                // `sql:insert:*message*` is matched on a statement's signature, which the file
                // does not contain as such: it needs the table's literal (`message`).
                let source = g.source();
                let source = match source.strip_prefix("sql:") {
                    Some(rest) => rest.split_once(':').map_or(rest, |(_, table)| table),
                    None => source,
                };
                return longest_literal(source).map(|p| Required::Substring(p.to_owned()));
            }
        };
        let exact = segments
            .iter()
            .filter(|s| !s.is_empty() && !s.contains('*'))
            .max_by_key(|s| (!COMMON_NAMES.contains(s), s.len()));
        if let Some(s) = exact {
            return Some(Required::Ident((*s).to_owned()));
        }
        // Piece by piece: the text may write a path's segments apart (`a :: b`, `a::{b}`).
        segments
            .iter()
            .filter_map(|s| longest_literal(s))
            .max_by_key(|p| p.len())
            .map(|p| Required::Substring(p.to_owned()))
    }
}

impl PatternSet {
    fn build<'c>(owners: impl Iterator<Item = (u32, &'c CodePatterns)>) -> PatternSet {
        let mut set = PatternSet::default();
        let (mut wild, mut strings) = (Vec::new(), Vec::new());
        for (owner, code) in owners {
            let mut pats: Vec<(Option<&str>, Pat)> = Vec::new();
            for p in &code.calls {
                pats.push((Some(last_segment(p)), Pat::Call(Glob::new(p, "::"))));
            }
            for p in &code.types {
                // A type pattern matches on trailing segments: `Args` matches `types::Args`.
                let pattern = if p.starts_with('*') {
                    p.clone()
                } else {
                    format!("*::{p}")
                };
                pats.push((Some(last_segment(p)), Pat::Type(Glob::new(&pattern, "::"))));
            }
            for chain in &code.methods {
                let globs = chain.iter().map(|m| Glob::new(m, "::")).collect();
                pats.push((chain.last().map(String::as_str), Pat::Method(globs)));
            }
            for p in &code.macros {
                pats.push((Some(last_segment(p)), Pat::Macro(Glob::new(p, "::"))));
            }
            for p in &code.strings {
                pats.push((None, Pat::Str(Glob::new(p, ""))));
            }
            for p in &code.messages {
                pats.push((Some(last_segment(p)), Pat::Message(Glob::new(p, "::"))));
            }
            for (key, pat) in pats {
                let i = set.pats.len();
                let is_str = matches!(pat, Pat::Str(_));
                let is_message = matches!(pat, Pat::Message(_));
                set.pats.push((owner, pat));
                match key {
                    _ if is_str => strings.push(i),
                    Some(k) if !k.contains('*') && (!k.is_empty() || is_message) => {
                        set.by_last.entry(k.to_owned()).or_default().push(i)
                    }
                    _ => wild.push(i),
                }
            }
        }
        set.wild = Prefilter::build(&set.pats, &wild);
        set.strings = Prefilter::build(&set.pats, &strings);
        set
    }

    /// See [`Matcher::required_literals`].
    fn required_literals(&self) -> Option<RequiredLiterals> {
        let mut lits = RequiredLiterals::default();
        for (_, pat) in &self.pats {
            match pat.required()? {
                Required::Ident(i) => lits.idents.push(i),
                Required::Substring(s) => lits.substrings.push(s),
            }
        }
        for v in [&mut lits.idents, &mut lits.substrings] {
            v.sort();
            v.dedup();
        }
        Some(lits)
    }

    /// Calls `found(owner)` for every pattern matching the event (owners may repeat).
    fn each_match(&self, event: &EventKind, mut found: impl FnMut(u32)) {
        let mut test = |i: usize| {
            let (owner, pat) = &self.pats[i];
            if pat_matches(pat, event) {
                found(*owner);
            }
        };
        match event {
            EventKind::Str { value, .. } => {
                // An SQL statement is also tried as `sql:<verb>:<table>` (see `facts::sql`).
                let sigs = crate::facts::sql::signatures(value);
                for text in std::iter::once(value.as_str()).chain(sigs.iter().map(String::as_str)) {
                    self.strings.candidates(text, |i| {
                        if let (owner, Pat::Str(g)) = &self.pats[i]
                            && g.matches(text)
                        {
                            found(*owner);
                        }
                    });
                }
                return;
            }
            EventKind::Call { path } => {
                let keys = [Some(last_segment(path)), parent(path).map(last_segment)];
                for key in keys.into_iter().flatten() {
                    for &i in self.by_last.get(key).map(Vec::as_slice).unwrap_or_default() {
                        test(i);
                    }
                }
            }
            EventKind::TypeRef { path } | EventKind::FnRef { path } => {
                for &i in self
                    .by_last
                    .get(last_segment(path))
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    test(i);
                }
            }
            EventKind::Method { chain, .. } | EventKind::TypedMethod { chain, .. } => {
                for &i in chain
                    .last()
                    .and_then(|m| self.by_last.get(m))
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    test(i);
                }
            }
            EventKind::Macro { name } => {
                for &i in self
                    .by_last
                    .get(last_segment(name))
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    test(i);
                }
            }
            EventKind::Message { variant } => {
                for &i in self
                    .by_last
                    .get(last_segment(variant))
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    test(i);
                }
            }
        }
        let text = match event {
            EventKind::Call { path } | EventKind::TypeRef { path } | EventKind::FnRef { path } => {
                path.as_str()
            }
            EventKind::Method { chain, .. } | EventKind::TypedMethod { chain, .. } => {
                chain.last().unwrap_or_default()
            }
            EventKind::Macro { name } => name.as_str(),
            EventKind::Message { variant } => variant.as_str(),
            EventKind::Str { .. } => "",
        };
        self.wild.candidates(text, test);
    }
}

fn pat_matches(pat: &Pat, event: &EventKind) -> bool {
    match (pat, event) {
        (
            Pat::Call(g),
            EventKind::Call { path } | EventKind::FnRef { path } | EventKind::TypeRef { path },
        ) => g.matches(path),
        // `T::new()` names type `T`.
        (Pat::Type(g), EventKind::Call { path }) => {
            g.matches(path) || parent(path).is_some_and(|t| g.matches(t))
        }
        (Pat::Type(g), EventKind::TypeRef { path }) => g.matches(path),
        (
            Pat::Method(globs),
            EventKind::Method { chain, .. } | EventKind::TypedMethod { chain, .. },
        ) => {
            if globs.iter().any(|g| g.source() == ANY_CALLS) {
                let names: Vec<&str> = chain.iter().rev().collect();
                return chain_suffix(globs, &names);
            }
            // The pattern's names match the chain's last names, last first.
            let mut names = chain.iter().rev();
            globs
                .iter()
                .rev()
                .all(|g| names.next().is_some_and(|m| g.matches(m)))
        }
        (Pat::Macro(g), EventKind::Macro { name }) => g.matches(name.trim_end_matches('!')),
        (Pat::Str(g), EventKind::Str { value, .. }) => g.matches(value),
        (Pat::Message(g), EventKind::Message { variant }) => g.matches(variant),
        _ => false,
    }
}

/// A method-chain element that stands for any number of calls (`post().**().send` matches
/// `client.post(url).json(&body).header(k, v).send()` and `client.post(url).send()`).
const ANY_CALLS: &str = "**";

/// Whether `globs` match the end of a chain whose names are given last first; `**` stands
/// for any run of names.
fn chain_suffix(globs: &[Glob], names_last_first: &[&str]) -> bool {
    match globs.split_last() {
        None => true,
        Some((g, rest)) if g.source() == ANY_CALLS => {
            (0..=names_last_first.len()).any(|skip| chain_suffix(rest, &names_last_first[skip..]))
        }
        Some((g, rest)) => names_last_first
            .split_first()
            .is_some_and(|(n, more)| g.matches(n) && chain_suffix(rest, more)),
    }
}

/// What a source text must contain for any detector pattern to match one of its events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequiredLiterals {
    /// Exact names: some event's last path segment or method name must equal one of them.
    pub idents: Vec<String>,
    /// Substrings: a wildcard pattern's longest literal, or a string pattern's.
    pub substrings: Vec<String>,
}

/// The catalogue compiled for matching.
#[derive(Debug)]
pub struct Matcher {
    caps: Vec<Capability>,
    detectors: PatternSet,
    negatives: PatternSet,
    blocks: Vec<Vec<Capability>>,
}

impl Matcher {
    /// Compiles detectors and traps.
    pub fn new(detectors: &[Detector], negatives: &[Negative]) -> Self {
        let d = PatternSet::build(
            detectors
                .iter()
                .enumerate()
                .map(|(i, x)| (i as u32, &x.code)),
        );
        let n = PatternSet::build(
            negatives
                .iter()
                .enumerate()
                .map(|(i, x)| (i as u32, &x.code)),
        );
        Matcher {
            caps: detectors.iter().map(|d| d.capability).collect(),
            detectors: d,
            negatives: n,
            blocks: negatives
                .iter()
                .map(|n| {
                    if n.capabilities.is_empty() {
                        Capability::ALL.to_vec()
                    } else {
                        n.capabilities.clone()
                    }
                })
                .collect(),
        }
    }

    /// What a file must contain for any detector to hit in it: an event can only hit when
    /// its last name equals one of `idents` or its text contains one of `substrings`.
    /// `None` when some pattern has no literal at all (then any file can hit).
    ///
    /// ```
    /// use genai_gate_policy::{PolicySet, Profile, resolve};
    /// use genai_gate_scan::facts::matcher::Matcher;
    /// let set = PolicySet::embedded().unwrap();
    /// let policy = resolve(&set, Profile::default_profile(), true, None).unwrap();
    /// let m = Matcher::new(&policy.detectors, &policy.negatives);
    /// let lits = m.required_literals().unwrap();
    /// assert!(lits.idents.iter().any(|i| i == "text_moderation"));
    /// assert!(lits.substrings.iter().any(|s| s == "check_sensitive"));
    /// ```
    pub fn required_literals(&self) -> Option<RequiredLiterals> {
        self.detectors.required_literals()
    }

    /// Hits of one event, traps removed, one per detector. Appends to `out`.
    pub fn hits(&self, event: &EventKind, out: &mut Vec<Hit>) {
        let start = out.len();
        self.detectors.each_match(event, |det| {
            if !out[start..].iter().any(|h| h.detector == det) {
                out.push(Hit {
                    capability: self.caps[det as usize],
                    detector: det,
                });
            }
        });
        if out.len() > start {
            let mut blocked: Vec<Capability> = Vec::new();
            self.negatives
                .each_match(event, |neg| blocked.extend(&self.blocks[neg as usize]));
            if !blocked.is_empty() {
                let mut i = start;
                while i < out.len() {
                    if blocked.contains(&out[i].capability) {
                        out.remove(i);
                    } else {
                        i += 1;
                    }
                }
            }
        }
    }
}
