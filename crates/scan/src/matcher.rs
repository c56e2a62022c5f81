//! Matching code events against the detector catalogue and its traps.
//!
//! Detectors are indexed once per scan by the last segment of each call or method pattern,
//! so matching an event costs a hash lookup plus the few wildcard patterns that cannot be
//! indexed. Traps (negatives) veto a match for the capabilities they block.

use std::collections::HashMap;

use genai_gate_policy::{Capability, CodePatterns, Detector, Negative};

use crate::facts::EventKind;

/// A detector hit on one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The capability evidenced.
    pub capability: Capability,
    /// The detector id (or `marker` for a `// genai-gate: provides` comment).
    pub detector: String,
}

/// The catalogue compiled for matching.
#[derive(Debug)]
pub struct Matcher<'p> {
    detectors: &'p [Detector],
    negatives: &'p [Negative],
    by_last: HashMap<String, Vec<usize>>,
    unindexed: Vec<usize>,
}

fn last_segment(p: &str) -> &str {
    p.rsplit("::").next().unwrap_or(p)
}

fn indexable(seg: &str) -> Option<String> {
    (!seg.contains('*') && !seg.is_empty()).then(|| seg.to_owned())
}

impl<'p> Matcher<'p> {
    /// Compiles detectors and traps.
    pub fn new(detectors: &'p [Detector], negatives: &'p [Negative]) -> Self {
        let mut by_last: HashMap<String, Vec<usize>> = HashMap::new();
        let mut unindexed = Vec::new();
        for (i, d) in detectors.iter().enumerate() {
            let c = &d.code;
            let mut keys: Vec<Option<String>> = Vec::new();
            keys.extend(c.calls.iter().map(|p| indexable(last_segment(p))));
            keys.extend(
                c.methods
                    .iter()
                    .map(|m| m.last().and_then(|s| indexable(s))),
            );
            keys.extend(c.types.iter().map(|p| indexable(last_segment(p))));
            keys.extend(c.macros.iter().map(|p| indexable(last_segment(p))));
            if keys.iter().any(Option::is_none) || !c.strings.is_empty() {
                unindexed.push(i);
            }
            for k in keys.into_iter().flatten() {
                let v = by_last.entry(k).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        Matcher {
            detectors,
            negatives,
            by_last,
            unindexed,
        }
    }

    /// Hits of one event, traps removed. Appends to `out`.
    pub fn hits(&self, event: &EventKind, out: &mut Vec<Hit>) {
        let key = match event {
            EventKind::Call { path } | EventKind::TypeRef { path } | EventKind::FnRef { path } => {
                last_segment(path)
            }
            EventKind::Method { chain, .. } => chain.last().map(String::as_str).unwrap_or_default(),
            EventKind::Macro { name } => last_segment(name),
            EventKind::Str { .. } => "",
        };
        let indexed = self.by_last.get(key).map(Vec::as_slice).unwrap_or_default();
        // `T::new()` names type `T`: look its detectors up too.
        let owner = match event {
            EventKind::Call { path } => parent(path).map(last_segment),
            _ => None,
        };
        let by_owner = owner
            .and_then(|k| self.by_last.get(k))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let start = out.len();
        for &i in indexed.iter().chain(by_owner).chain(self.unindexed.iter()) {
            let d = &self.detectors[i];
            if matches(&d.code, event)
                && !out[start..].iter().any(|h| h.detector == d.id)
                && !self.vetoed(d.capability, event)
            {
                out.push(Hit {
                    capability: d.capability,
                    detector: d.id.clone(),
                });
            }
        }
    }

    /// Whether a trap blocks `capability` for this event.
    pub fn vetoed(&self, capability: Capability, event: &EventKind) -> bool {
        self.negatives
            .iter()
            .any(|n| n.blocks(capability) && matches(&n.code, event))
    }
}

fn parent(path: &str) -> Option<&str> {
    path.rsplit_once("::").map(|(head, _)| head)
}

/// Whether one set of code patterns matches an event.
pub fn matches(p: &CodePatterns, event: &EventKind) -> bool {
    match event {
        EventKind::Call { path } => {
            p.matches_call(path)
                || p.matches_type(path)
                || parent(path).is_some_and(|t| p.matches_type(t))
        }
        EventKind::FnRef { path } => p.matches_call(path),
        EventKind::Method { chain, .. } => {
            let chain: Vec<&str> = chain.iter().map(String::as_str).collect();
            p.matches_methods(&chain)
        }
        EventKind::Macro { name } => p.matches_macro(name),
        EventKind::TypeRef { path } => p.matches_type(path) || p.matches_call(path),
        EventKind::Str { value } => p.matches_string(value),
    }
}
