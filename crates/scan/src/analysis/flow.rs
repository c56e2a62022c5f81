//! Endpoint flow: which capabilities a handler reaches before and after its first
//! generation call.
//!
//! Each function's body is a sequence of events in source order. A call to a workspace
//! function is replaced by that function's own sequence (callees inlined), up to
//! [`MAX_DEPTH`] levels, with recursion cut. Instead of materialising the inlined sequence,
//! each function is reduced to a [`Summary`] — the first generation call, the first hit of
//! every capability before it, and the first hit of every capability after it — and
//! summaries compose in sequence. Summaries are memoised per function.

use std::collections::HashMap;
use std::sync::Arc;

use genai_gate_policy::Capability;

use crate::analysis::graph::{FnId, Workspace};
use crate::facts::Pos;
use crate::facts::matcher::MARKER;

/// How deep callees are inlined.
pub const MAX_DEPTH: usize = 16;

/// One piece of evidence in a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowHit {
    /// File index in the workspace.
    pub file: usize,
    /// Position.
    pub pos: Pos,
    /// Detector id, or `marker` (shared: summaries are cloned as they compose).
    pub detector: Arc<str>,
    /// What was called, for messages: `chat().create_stream`, `green::text_moderation`.
    pub label: Arc<str>,
}

/// What a function (with callees inlined) does, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The first generation call.
    pub first_generation: Option<FlowHit>,
    /// First hit of each capability before the first generation call (every hit when there
    /// is no generation call).
    pub before: CapMap,
    /// First hit of each capability after the first generation call.
    pub after: CapMap,
}

/// The first hit of each capability, ordered by capability: a sorted vector, since a scan
/// keeps a summary per reachable function and most hold a handful of capabilities.
///
/// ```
/// use genai_gate_policy::Capability;
/// use genai_gate_scan::analysis::flow::{CapMap, FlowHit};
/// let hit = |line| FlowHit { file: 0, pos: genai_gate_scan::facts::Pos { line, offset: 0 }, detector: "d".into(), label: "f".into() };
/// let mut m = CapMap::default();
/// m.insert_first(Capability::UserCheck, || hit(3));
/// m.insert_first(Capability::ModerationInput, || hit(5));
/// m.insert_first(Capability::UserCheck, || hit(9)); // not the first: ignored
/// assert_eq!(m.get(&Capability::UserCheck).map(|h| h.pos.line), Some(3));
/// assert_eq!(m.iter().count(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapMap(Vec<(Capability, FlowHit)>);

impl CapMap {
    fn find(&self, cap: &Capability) -> Result<usize, usize> {
        self.0.binary_search_by(|(c, _)| c.cmp(cap))
    }

    /// The hit of a capability.
    pub fn get(&self, cap: &Capability) -> Option<&FlowHit> {
        self.find(cap).ok().map(|i| &self.0[i].1)
    }

    /// Whether the capability has a hit.
    pub fn contains_key(&self, cap: &Capability) -> bool {
        self.find(cap).is_ok()
    }

    /// Records `hit()` for `cap` unless it already has one.
    pub fn insert_first(&mut self, cap: Capability, hit: impl FnOnce() -> FlowHit) {
        if let Err(at) = self.find(&cap) {
            self.0.insert(at, (cap, hit()));
        }
    }

    /// Removes a capability's hit.
    pub fn remove(&mut self, cap: &Capability) -> Option<FlowHit> {
        self.find(cap).ok().map(|i| self.0.remove(i).1)
    }

    /// Capabilities and hits, in capability order.
    pub fn iter(&self) -> impl Iterator<Item = (&Capability, &FlowHit)> {
        self.0.iter().map(|(c, h)| (c, h))
    }

    /// Number of capabilities.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no capability has a hit.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'m> IntoIterator for &'m CapMap {
    type Item = (&'m Capability, &'m FlowHit);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'m, (Capability, FlowHit)>,
        fn(&'m (Capability, FlowHit)) -> (&'m Capability, &'m FlowHit),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(c, h)| (c, h))
    }
}

impl Summary {
    fn push(&mut self, cap: Capability, hit: FlowHit) {
        if cap == Capability::Generation {
            if self.first_generation.is_none() {
                self.first_generation = Some(hit);
            } else {
                self.after.insert_first(cap, || hit);
            }
            return;
        }
        let side = if self.first_generation.is_some() {
            &mut self.after
        } else {
            &mut self.before
        };
        side.insert_first(cap, || hit);
    }

    /// Appends `next` (which happens after everything in `self`).
    pub fn then(&mut self, next: &Summary) {
        if self.first_generation.is_some() {
            for (c, h) in next.before.iter().chain(&next.after) {
                self.after.insert_first(*c, || h.clone());
            }
            if let Some(g) = &next.first_generation {
                self.after
                    .insert_first(Capability::Generation, || g.clone());
            }
        } else {
            for (c, h) in &next.before {
                self.before.insert_first(*c, || h.clone());
            }
            self.first_generation = next.first_generation.clone();
            for (c, h) in &next.after {
                self.after.insert_first(*c, || h.clone());
            }
        }
    }

    /// Screening has a side: a check before the model call is input moderation, one after it
    /// is output moderation. Catalogue detectors of moderation APIs evidence both (the same
    /// API screens prompts and outputs), so once an endpoint's flow is complete, drop
    /// output moderation seen before generation and input moderation seen after it.
    pub fn settle_sides(&mut self) {
        if self.first_generation.is_some() {
            self.before.remove(&Capability::ModerationOutput);
            self.after.remove(&Capability::ModerationInput);
        }
        // The endpoint's summary is kept for the verdicts: no spare capacity.
        self.before.0.shrink_to_fit();
        self.after.0.shrink_to_fit();
    }

    /// Whether the capability is reached anywhere.
    pub fn reaches(&self, cap: Capability) -> Option<&FlowHit> {
        if cap == Capability::Generation {
            return self.first_generation.as_ref();
        }
        self.before.get(&cap).or_else(|| self.after.get(&cap))
    }
}

/// Computes and memoises flow summaries.
pub struct Flow<'w, 'a> {
    ws: &'w Workspace<'a>,
    names: Vec<Arc<str>>,
    marker: Arc<str>,
    /// Shared, so that reading a memoised summary copies nothing.
    memo: HashMap<FnId, Arc<Summary>, rustc_hash::FxBuildHasher>,
    on_stack: Vec<FnId>,
}

impl<'w, 'a> Flow<'w, 'a> {
    /// A flow computer over a workspace (whose functions carry their detector hits) and the
    /// detector ids.
    pub fn new(ws: &'w Workspace<'a>, names: &'w [String]) -> Self {
        Flow {
            ws,
            names: names.iter().map(|n| Arc::from(n.as_str())).collect(),
            marker: Arc::from("marker"),
            memo: HashMap::default(),
            on_stack: Vec::new(),
        }
    }

    fn name(&self, detector: u32) -> Arc<str> {
        if detector == MARKER {
            self.marker.clone()
        } else {
            self.names[detector as usize].clone()
        }
    }

    /// Whether a function's summary was computed (it is reachable from a flow followed so far).
    pub fn visited(&self, id: FnId) -> bool {
        self.memo.contains_key(&id)
    }

    /// The summary of a function with its callees inlined.
    pub fn summary(&mut self, id: FnId) -> Arc<Summary> {
        if let Some(s) = self.memo.get(&id) {
            return s.clone();
        }
        if self.on_stack.contains(&id) || self.on_stack.len() >= MAX_DEPTH {
            return Arc::default();
        }
        self.on_stack.push(id);
        let ws = self.ws;
        let func = ws.func(id);
        let mut s = Summary::default();
        let mut hits = func.hits().peekable();
        for (i, step) in func.steps().enumerate() {
            while let Some((_, h, label)) = hits.next_if(|(at, _, _)| *at == i) {
                s.push(
                    h.capability,
                    FlowHit {
                        file: id.file,
                        pos: step.pos,
                        detector: self.name(h.detector),
                        label: label.into(),
                    },
                );
            }
            for callee in ws.callees(func, step) {
                if callee == id {
                    continue;
                }
                let cf = ws.func(callee);
                if cf.is_test() {
                    continue;
                }
                for p in cf.provides() {
                    if let Ok(cap) = p.parse::<Capability>() {
                        s.push(
                            cap,
                            FlowHit {
                                file: id.file,
                                pos: step.pos,
                                detector: self.marker.clone(),
                                label: cf.path().into(),
                            },
                        );
                    }
                }
                let inner = self.summary(callee);
                s.then(&inner);
            }
        }
        self.on_stack.pop();
        // Kept until the scan ends, one per reachable function: no spare capacity.
        s.before.0.shrink_to_fit();
        s.after.0.shrink_to_fit();
        let s = Arc::new(s);
        self.memo.insert(id, s.clone());
        s
    }
}
