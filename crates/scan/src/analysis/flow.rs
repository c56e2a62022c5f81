//! Endpoint flow: which capabilities a handler reaches before and after its first
//! generation call.
//!
//! Each function's body is a sequence of events in source order. A call to a workspace
//! function is replaced by that function's own sequence (callees inlined), up to
//! [`MAX_DEPTH`] levels, with recursion cut. Instead of materialising the inlined sequence,
//! each function is reduced to a [`Summary`] — the first generation call, the first hit of
//! every capability before it, and the first hit of every capability after it — and
//! summaries compose in sequence. A call that may reach several functions (a trait method
//! with several implementations, a name defined more than once) reaches one of them: their
//! summaries are merged as alternatives ([`Summary::either`]), not run one after the other.
//! Summaries are memoised per function.
//!
//! Generation detectors whose signal is `forward` or `handoff` (see
//! [`genai_gate_policy::GenerationSignal`]) are skipped by a plain flow; a flow made
//! [`Flow::with_weak_sites`] counts them as generation, to locate the site of an endpoint that
//! generates by its route or request but calls no catalogue model API.

use std::collections::HashMap;
use std::sync::Arc;

use genai_gate_policy::Capability;

use crate::analysis::graph::{FnId, Workspace};
use crate::facts::matcher::MARKER;
use crate::facts::{GuardKind, Pos};

/// The detector name of a stop the flow finds: output moderation, after generation, whose
/// result decides an exit (a refusal returned instead of the output, a stream broken off).
pub const REFUSAL: &str = "flow.refusal";

/// Moderation of either side (sides are settled once an endpoint's flow is complete).
fn is_moderation(cap: Capability) -> bool {
    matches!(
        cap,
        Capability::ModerationInput | Capability::ModerationOutput
    )
}

/// How deep callees are inlined.
pub const MAX_DEPTH: usize = 16;

/// How many generation sites a summary lists.
pub const MAX_SITES: usize = 8;

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
    /// The generation calls reached, in flow order, each position once (at most
    /// [`MAX_SITES`]); the first is [`Summary::first_generation`].
    pub sites: Vec<FlowHit>,
    /// A moderation hit whose result decides an exit of this function before any generation
    /// in it: the function refuses when moderation flags, so a caller that propagates its
    /// error (`screen(&out)?`) or branches on its result refuses too. Not composed: it
    /// describes this function's own result.
    pub decides: Option<FlowHit>,
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
    fn add_site(&mut self, hit: &FlowHit) {
        if self.sites.len() < MAX_SITES
            && !self
                .sites
                .iter()
                .any(|h| h.file == hit.file && h.pos == hit.pos)
        {
            self.sites.push(hit.clone());
        }
    }

    fn push(&mut self, cap: Capability, hit: FlowHit) {
        if cap == Capability::Generation {
            self.add_site(&hit);
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

    /// Merges `other` as an alternative to `self`: one of the two runs. Evidence of either
    /// counts (a branch is not a path), and the first generation call is `self`'s when it has
    /// one.
    pub fn either(&mut self, other: &Summary) {
        if self.first_generation.is_none() {
            self.first_generation = other.first_generation.clone();
        }
        for (c, h) in &other.before {
            self.before.insert_first(*c, || h.clone());
        }
        for (c, h) in &other.after {
            self.after.insert_first(*c, || h.clone());
        }
        for h in &other.sites {
            self.add_site(h);
        }
    }

    /// Appends `next` (which happens after everything in `self`).
    pub fn then(&mut self, next: &Summary) {
        for h in &next.sites {
            self.add_site(h);
        }
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
    /// output moderation seen before generation and input moderation seen after it. A stop
    /// seen before generation (a client `cancel()`ed after listing tools) stops nothing.
    pub fn settle_sides(&mut self) {
        if self.first_generation.is_some() {
            self.before.remove(&Capability::ModerationOutput);
            self.after.remove(&Capability::ModerationInput);
            self.before.remove(&Capability::GenerationStop);
        }
        // The endpoint's summary is kept for the verdicts: no spare capacity.
        self.before.0.shrink_to_fit();
        self.after.0.shrink_to_fit();
        self.sites.shrink_to_fit();
    }

    /// Forgets that a generation call was reached (for an endpoint whose route or request
    /// names something else): what came after it is kept as reached, unordered.
    pub fn forget_generation(&mut self) {
        self.first_generation = None;
        self.sites.clear();
        for (c, h) in std::mem::take(&mut self.after).0 {
            if c != Capability::Generation {
                self.before.insert_first(c, || h);
            }
        }
    }

    /// Whether the capability is reached anywhere.
    pub fn reaches(&self, cap: Capability) -> Option<&FlowHit> {
        if cap == Capability::Generation {
            return self.first_generation.as_ref();
        }
        self.before.get(&cap).or_else(|| self.after.get(&cap))
    }
}

/// Whether the flow goes into a callee: never into test code, nor into what builds, loads
/// or restarts a model or an engine (`new`, `default`, `load_*`, `reload_*`, `reboot_*`,
/// `init_*`, `warmup*`…): serving a request may set an engine up again, but that is not the
/// request's generation.
fn followed(f: crate::facts::slim::Func) -> bool {
    !f.is_test() && !is_lifecycle(f.name())
}

/// Whether a catalogue hit on a call is overruled by the body of what it calls: every
/// callee read in the workspace denies the capability ([`crate::facts::Function::denies`]),
/// so the name that matched says less than the code does.
fn denied(ws: &Workspace<'_>, callees: &[FnId], cap: Capability) -> bool {
    !callees.is_empty()
        && callees.iter().all(|c| {
            ws.func(*c)
                .denies()
                .iter()
                .any(|d| d.parse::<Capability>().is_ok_and(|d| d == cap))
        })
}

/// Names of functions that build, load or restart rather than serve.
///
/// ```
/// use genai_gate_scan::analysis::flow::is_lifecycle;
/// assert!(is_lifecycle("new"));
/// assert!(is_lifecycle("load_model_from_hf"));
/// assert!(is_lifecycle("reboot_engine"));
/// assert!(!is_lifecycle("chat_completion"));
/// assert!(!is_lifecycle("loader_status"));
/// ```
pub fn is_lifecycle(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "load",
        "reload",
        "unload",
        "reboot",
        "restart",
        "init",
        "initialize",
        "warmup",
        "warm_up",
        "boot",
        "bootstrap",
    ];
    name == "new"
        || name == "default"
        || PREFIXES.iter().any(|p| {
            name.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
        })
}

/// Computes and memoises flow summaries.
pub struct Flow<'w, 'a> {
    ws: &'w Workspace<'a>,
    names: Vec<Arc<str>>,
    /// Per detector: a generation detector whose hits are `forward`/`handoff` signals.
    weak: Vec<bool>,
    /// Count weak generation hits as generation.
    with_weak: bool,
    marker: Arc<str>,
    /// The detector name of a refusal found in the flow ([`REFUSAL`]).
    refusal: Arc<str>,
    /// Shared, so that reading a memoised summary copies nothing.
    memo: HashMap<FnId, Arc<Summary>, rustc_hash::FxBuildHasher>,
    on_stack: Vec<FnId>,
}

impl<'w, 'a> Flow<'w, 'a> {
    /// A flow computer over a workspace (whose functions carry their detector hits) and the
    /// detectors, by the index the hits name: their ids, and which ones are weak generation
    /// signals (`forward`, `handoff`), skipped by this flow.
    pub fn new(ws: &'w Workspace<'a>, names: &'w [String], weak: &[bool]) -> Self {
        Flow {
            ws,
            names: names.iter().map(|n| Arc::from(n.as_str())).collect(),
            weak: weak.to_vec(),
            with_weak: false,
            marker: Arc::from("marker"),
            refusal: Arc::from(REFUSAL),
            memo: HashMap::default(),
            on_stack: Vec::new(),
        }
    }

    /// The same flow, counting weak generation signals as generation calls (a fresh memo).
    pub fn with_weak_sites(&self) -> Flow<'w, 'a> {
        Flow {
            ws: self.ws,
            names: self.names.clone(),
            weak: self.weak.clone(),
            with_weak: true,
            marker: self.marker.clone(),
            refusal: self.refusal.clone(),
            memo: HashMap::default(),
            on_stack: Vec::new(),
        }
    }

    /// Whether a hit of this detector counts in this flow.
    fn counts(&self, detector: u32, cap: Capability) -> bool {
        self.with_weak
            || cap != Capability::Generation
            || detector == MARKER
            || !self.weak.get(detector as usize).copied().unwrap_or(false)
    }

    /// Whether a hit is a weak generation signal (`forward`, `handoff`).
    fn is_weak(&self, detector: u32, cap: Capability) -> bool {
        cap == Capability::Generation
            && detector != MARKER
            && self.weak.get(detector as usize).copied().unwrap_or(false)
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
        let mut named: (Pos, Vec<FnId>) = (Pos::default(), Vec::new());
        for (i, step) in func.steps().enumerate() {
            let callees: Vec<FnId> = ws
                .callees(func, step)
                .into_iter()
                .filter(|c| *c != id && followed(ws.func(*c)))
                .collect();
            // A mark at the position of a call (the package-qualified name a frontend adds
            // beside it) names what that call reaches.
            if !callees.is_empty() || step.pos != named.0 {
                named = (step.pos, callees.clone());
            }
            // One callee runs in sequence; several are alternatives (dynamic dispatch).
            let mut alternatives: Option<Summary> = None;
            let mut callee_decides: Option<FlowHit> = None;
            for callee in callees.iter().copied() {
                let cf = ws.func(callee);
                let mut call = Summary::default();
                for p in cf.provides() {
                    if let Ok(cap) = p.parse::<Capability>() {
                        call.push(
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
                call.then(&inner);
                if callee_decides.is_none() {
                    callee_decides = inner.decides.clone();
                }
                match &mut alternatives {
                    None => alternatives = Some(call),
                    Some(alt) => alt.either(&call),
                }
            }
            // A weak signal on a call of workspace code that reaches a generation site itself
            // (`executor.execute(..)` of the crate's own executor) is no site: the flow goes on
            // into that code. On a call that resolves to nothing, or to code that reaches no
            // site (an engine's own `add_request` that queues the request), it stays one.
            let followed_site = alternatives
                .as_ref()
                .is_some_and(|a| a.first_generation.is_some());
            // Moderation called at this step, for a guard on its result.
            let mut screened: Option<FlowHit> = None;
            while let Some((_, h, label)) = hits.next_if(|(at, _, _)| *at == i) {
                if !self.counts(h.detector, h.capability)
                    || denied(ws, &named.1, h.capability)
                    || (followed_site && self.is_weak(h.detector, h.capability))
                {
                    continue;
                }
                let hit = FlowHit {
                    file: id.file,
                    pos: step.pos,
                    detector: self.name(h.detector),
                    label: label.into(),
                };
                if screened.is_none() && is_moderation(h.capability) {
                    screened = Some(hit.clone());
                }
                s.push(h.capability, hit);
            }
            let decided = match step.guard {
                // A condition reads the result: moderation called here or inside the callee.
                // Inside a callee that generates, only moderation after its generation counts.
                Some(GuardKind::Value) => screened.or_else(|| {
                    alternatives.as_ref().and_then(|a| {
                        let side = if a.first_generation.is_some() {
                            &a.after
                        } else {
                            &a.before
                        };
                        [Capability::ModerationOutput, Capability::ModerationInput]
                            .into_iter()
                            .find_map(|c| side.get(&c).cloned())
                    })
                }),
                // Only the error is propagated: it means a verdict when the callee's own exit
                // is decided by moderation (a catalogue API's error is a failed request).
                Some(GuardKind::Error) => callee_decides,
                None => None,
            };
            if let Some(alt) = alternatives {
                s.then(&alt);
            }
            if let Some(m) = decided {
                if s.first_generation.is_some() {
                    s.push(
                        Capability::GenerationStop,
                        FlowHit {
                            file: id.file,
                            pos: step.pos,
                            detector: self.refusal.clone(),
                            label: format!("refusal when `{}` flags", m.label).into(),
                        },
                    );
                } else if s.decides.is_none() {
                    s.decides = Some(m);
                }
            }
        }
        self.on_stack.pop();
        // Kept until the scan ends, one per reachable function: no spare capacity.
        s.before.0.shrink_to_fit();
        s.after.0.shrink_to_fit();
        s.sites.shrink_to_fit();
        let s = Arc::new(s);
        self.memo.insert(id, s.clone());
        s
    }
}

/// One step of a call path: the function, and where in it the next function is called (or,
/// for the last, where the hit is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathStep {
    /// The function.
    pub func: FnId,
    /// The call of the next step, or the hit itself for the last step.
    pub at: Pos,
}

impl Flow<'_, '_> {
    /// A call path from `start` to the step at `pos` of file `file`, as the flow reaches it:
    /// callees in source order, depth-first, up to [`MAX_DEPTH`] levels; the first path found.
    /// `None` when the flow does not reach that step.
    pub fn path_to(&self, start: FnId, file: usize, pos: Pos) -> Option<Vec<PathStep>> {
        let mut dead = std::collections::HashSet::new();
        let mut stack = Vec::new();
        self.find_path(start, file, pos, &mut stack, &mut dead)
            .then_some(stack)
    }

    fn find_path(
        &self,
        id: FnId,
        file: usize,
        pos: Pos,
        stack: &mut Vec<PathStep>,
        dead: &mut std::collections::HashSet<FnId>,
    ) -> bool {
        if dead.contains(&id) || stack.iter().any(|s| s.func == id) || stack.len() >= MAX_DEPTH {
            return false;
        }
        let ws = self.ws;
        let func = ws.func(id);
        for step in func.steps() {
            if id.file == file && step.pos == pos {
                stack.push(PathStep { func: id, at: pos });
                return true;
            }
            stack.push(PathStep {
                func: id,
                at: step.pos,
            });
            for callee in ws.callees(func, step) {
                if callee != id
                    && followed(ws.func(callee))
                    && self.find_path(callee, file, pos, stack, dead)
                {
                    return true;
                }
            }
            stack.pop();
        }
        dead.insert(id);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::EventKind;
    use crate::facts::matcher::Hit;
    use crate::facts::slim::SlimFile;
    use crate::frontend::rust::{RustInput, extract};

    /// Detectors of the test: 0 a weak `forward` on `execute` and `..send`, 1 a weak
    /// `handoff` on `add_request`, 2 input moderation on `check_sensitive`.
    fn hits(kind: &EventKind, out: &mut Vec<Hit>) {
        let generation = |detector| Hit {
            capability: Capability::Generation,
            detector,
        };
        match kind {
            EventKind::Method { chain, .. } | EventKind::TypedMethod { chain, .. } => {
                match chain.last() {
                    Some("execute" | "send") => out.push(generation(0)),
                    Some("add_request") => out.push(generation(1)),
                    _ => {}
                }
            }
            EventKind::Call { path } if path.as_str() == "check_sensitive" => out.push(Hit {
                capability: Capability::ModerationInput,
                detector: 2,
            }),
            _ => {}
        }
    }

    const SRC: &str = "\
struct Executor { http: Client }
impl Executor {
    fn new(req: Req) -> Self { Executor { http: Client::new() } }
    async fn execute(&self, prompt: String) -> Resp {
        check_sensitive(&prompt);
        self.http.post(UPSTREAM).json(&prompt).send().await
    }
}
async fn chat(req: Req) -> Resp {
    let executor = Executor::new(req);
    executor.execute(req.prompt).await
}
struct Engine { queue: Vec<Req> }
impl Engine { fn add_request(&mut self, r: Req) { self.queue.push(r); } }
async fn generate(engine: Engine, req: Req) { engine.add_request(req); }
";

    #[test]
    fn a_weak_signal_on_workspace_code_that_reaches_a_site_is_followed_into_it() {
        let facts = extract(&RustInput {
            rel_path: "src/api.rs",
            text: SRC,
            crate_name: "app",
            module: "app::api",
            is_test_file: false,
        });
        let files = [SlimFile::new(facts, hits)];
        let ws = Workspace::new(&files, &[]);
        let names = ["http.forward", "engine.handoff", "sensitive"].map(String::from);
        let mut flow = Flow::new(&ws, &names, &[true, true, false]).with_weak_sites();
        let id = |name: &str| ws.by_path(&format!("app::api::{name}"))[0];
        // `executor.execute(..)` names the forward detector's method, but it is the crate's
        // own executor, which screens the prompt and then sends it upstream: the site is the
        // send, after the screening.
        let chat = flow.summary(id("chat"));
        let site = chat.first_generation.as_ref().expect("a site");
        assert_eq!((&*site.detector, site.pos.line), ("http.forward", 6));
        assert!(chat.before.contains_key(&Capability::ModerationInput));
        // The engine's own `add_request` only queues the request: the hand-off stays the site.
        let generate = flow.summary(id("generate"));
        let site = generate.first_generation.as_ref().expect("a site");
        assert_eq!((&*site.detector, site.pos.line), ("engine.handoff", 15));
    }
}
