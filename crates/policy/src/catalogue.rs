//! Detector catalogues: what counts as evidence of each capability, and what never does.

use serde::Serialize;

use crate::Capability;
use crate::model::{ConfigPredicate, DocumentRule, Location};

/// Code patterns shared by detectors and negatives.
///
/// - `calls`: `::`-separated paths of called functions or named values; `*` is a wildcard and a
///   leading `*::` also matches nothing. `*::text_moderation` matches `text_moderation(..)`,
///   `green::text_moderation(..)` and `client::Green::text_moderation(..)`.
/// - `methods`: method chains written `a().b`: the last methods called on a receiver, in order;
///   `**` stands for any number of calls between two (`post().**().send`).
///   `moderations().create` matches `client.moderations().create(req)`.
/// - `types`: type or variant paths named in a struct literal, a path call (`T::new`) or a
///   pattern, matched on their trailing segments: `CreateModerationRequestArgs` matches
///   `async_openai::types::CreateModerationRequestArgs::default()`.
/// - `macros`: macro names without `!`.
/// - `strings`: globs over string literals (and string constants) passed to a call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CodePatterns {
    /// Call paths.
    pub calls: Vec<String>,
    /// Method chains, each a list of method names (`["moderations", "create"]`).
    pub methods: Vec<Vec<String>>,
    /// Type or variant paths.
    pub types: Vec<String>,
    /// Macro names.
    pub macros: Vec<String>,
    /// String globs.
    pub strings: Vec<String>,
    /// Globs over the enum variant sent on a channel (`Enum::Variant`), `""` for a send of
    /// anything that is not a variant.
    pub messages: Vec<String>,
}

impl CodePatterns {
    /// True when there is no pattern at all.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
            && self.methods.is_empty()
            && self.types.is_empty()
            && self.macros.is_empty()
            && self.strings.is_empty()
            && self.messages.is_empty()
    }
}

/// One detector: patterns whose match is evidence of a capability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detector {
    /// Identifier.
    pub id: String,
    /// Capability evidenced.
    pub capability: Capability,
    /// Description.
    pub description: Option<String>,
    /// Code patterns.
    pub code: CodePatterns,
    /// Config predicates.
    pub config: Vec<ConfigPredicate>,
    /// Documents.
    pub documents: Vec<DocumentRule>,
    /// What a hit of a generation detector says (see [`GenerationSignal`]).
    pub signal: GenerationSignal,
    /// Unit tests of the code patterns (`[[detector.test]]`), run by `genai-gate test`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<DetectorTest>,
    /// Where it is written.
    pub location: Location,
}

/// A unit test of a detector: code that its patterns must match, or must not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectorTest {
    /// Rust code: items, or statements read as the body of a function.
    pub code: String,
    /// Whether the detector must match the code.
    pub expect: bool,
    /// Where the test is written (its `code` key).
    pub location: Location,
}

/// What a generation detector's hit says about the model call.
///
/// A `call` hit makes an endpoint generate on its own. `forward` and `handoff` hits are too
/// common to say so alone (every HTTP client forwards, every worker pool takes jobs): they
/// locate the generation site of an endpoint that generates by its other signals (its route,
/// its request type), and never make one generate by themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GenerationSignal {
    /// The model is called here.
    #[default]
    Call,
    /// A request leaves for an upstream service, which may be a model.
    Forward,
    /// Work is handed to a queue, a channel or a worker, which may run a model.
    Handoff,
}

impl GenerationSignal {
    /// The catalogue word: `call`, `forward`, `handoff`.
    pub fn as_str(self) -> &'static str {
        match self {
            GenerationSignal::Call => "call",
            GenerationSignal::Forward => "forward",
            GenerationSignal::Handoff => "handoff",
        }
    }

    /// Reads a catalogue word.
    ///
    /// ```
    /// use genai_gate_policy::GenerationSignal;
    /// assert_eq!(GenerationSignal::parse("handoff"), Some(GenerationSignal::Handoff));
    /// assert_eq!(GenerationSignal::parse("maybe"), None);
    /// ```
    pub fn parse(s: &str) -> Option<GenerationSignal> {
        Some(match s {
            "call" => GenerationSignal::Call,
            "forward" => GenerationSignal::Forward,
            "handoff" => GenerationSignal::Handoff,
            _ => return None,
        })
    }
}

impl Detector {
    /// A detector defined in code rather than in a catalogue file, for tools that embed the
    /// scanner and know their own in-house APIs.
    ///
    /// ```
    /// use genai_gate_policy::{Capability, CodePatterns, Detector};
    /// let d = Detector::new("acme.guard", Capability::ModerationOutput, CodePatterns {
    ///     methods: vec![vec!["review".into()]],
    ///     ..Default::default()
    /// });
    /// assert_eq!(d.location.file, "<code>");
    /// ```
    pub fn new(id: impl Into<String>, capability: Capability, code: CodePatterns) -> Detector {
        Detector {
            id: id.into(),
            capability,
            description: None,
            code,
            config: Vec::new(),
            documents: Vec::new(),
            signal: GenerationSignal::Call,
            tests: Vec::new(),
            location: Location {
                file: "<code>".into(),
                span: 0..0,
                line: 0,
            },
        }
    }
}

/// A trap: a pattern that must never count as evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Negative {
    /// Identifier.
    pub id: String,
    /// Why it is not evidence.
    pub reason: String,
    /// Capabilities it never evidences (empty: all).
    pub capabilities: Vec<Capability>,
    /// Code patterns.
    pub code: CodePatterns,
    /// Where it is written.
    pub location: Location,
}

impl Negative {
    /// Whether this trap blocks evidence of `capability`.
    pub fn blocks(&self, capability: Capability) -> bool {
        self.capabilities.is_empty() || self.capabilities.contains(&capability)
    }
}

/// A named set of config keys that hold one setting, read by predicates as `@id`.
///
/// Naming the keys once keeps every predicate that reads a setting on the same keys, and keeps
/// look-alikes out: the log-retention set names the keys of log and audit stores, so a
/// `privacy.prompt_retention_days` (how long prompts are kept) is never read as a log retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeySet {
    /// Identifier, e.g. `log-retention-days`.
    pub id: String,
    /// What setting the keys hold.
    pub description: Option<String>,
    /// Key patterns.
    pub keys: Vec<String>,
    /// Where it is written.
    pub location: Location,
}

/// A validated detector catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalogue {
    /// Identifier.
    pub id: String,
    /// Version.
    pub version: String,
    /// Description.
    pub description: Option<String>,
    /// Detectors.
    pub detectors: Vec<Detector>,
    /// Traps.
    pub negatives: Vec<Negative>,
    /// Named sets of config keys.
    pub key_sets: Vec<KeySet>,
    /// Display name of the file.
    pub file: String,
}

impl Catalogue {
    /// Detectors of one capability.
    pub fn detectors_for(&self, capability: Capability) -> impl Iterator<Item = &Detector> {
        self.detectors
            .iter()
            .filter(move |d| d.capability == capability)
    }

    /// A key set by id.
    pub fn key_set(&self, id: &str) -> Option<&KeySet> {
        self.key_sets.iter().find(|k| k.id == id)
    }
}
