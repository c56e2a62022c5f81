//! Validated policy types: what packs, catalogues and profiles mean once loaded.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

use crate::Capability;

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $word:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            /// The word used in TOML.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),* }
            }
            /// Parses the TOML word.
            pub fn parse_word(s: &str) -> Option<Self> {
                match s { $($word => Some($name::$variant),)* _ => None }
            }
            /// The TOML words, for suggestions.
            pub fn words() -> impl Iterator<Item = &'static str> {
                [$($word),*].into_iter()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum! {
    /// How bad a failure is. Ordered: `Note < Warning < Error`.
    Severity { /// Informational.
        Note => "note", /// Should be fixed.
        Warning => "warning", /// Fails the gate by default.
        Error => "error" }
}

word_enum! {
    /// Where a control must hold.
    Scope { /// Shown once anywhere in the repository.
        Repository => "repository", /// Holds on every generation endpoint.
        Endpoint => "endpoint" }
}

word_enum! {
    /// Ordering of a capability relative to the first generation call on an endpoint.
    Order { /// Reached before the model call.
        Before => "before", /// Reached after generation, before the response leaves.
        After => "after" }
}

word_enum! {
    /// What a service generates.
    Modality { /// Text.
        Text => "text", /// Images.
        Image => "image", /// Audio.
        Audio => "audio", /// Video.
        Video => "video" }
}

word_enum! {
    /// A sector with state rules of its own: news and publishing rules take precedence over the
    /// Measures (Art. 2 ¶2); the online audio-video rules apply in their own right.
    Sector { /// News information services.
        News => "news", /// Online audio and video.
        Audiovisual => "audiovisual", /// Publishing, film/TV, literary and artistic creation.
        Publishing => "publishing" }
}

word_enum! {
    /// Where evidence may come from.
    EvidenceKind { /// Rust code.
        Code => "code", /// Config files (TOML, YAML, JSON, .env).
        Config => "config", /// Documents (Markdown, text).
        Document => "document" }
}

word_enum! {
    /// Whether a pack stands alone or amends a base pack.
    PackKind { /// A complete text.
        Base => "base", /// A sector overlay on a base pack.
        Overlay => "overlay" }
}

word_enum! {
    /// What an overlay does to a base control.
    AmendAction { /// Raise severity, add requirements, tighten thresholds.
        Tighten => "tighten", /// Replace the control's content.
        Replace => "replace" }
}

/// A place in a policy file: the file's display name, byte span and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    /// Display name of the file.
    pub file: String,
    /// Byte range.
    pub span: Range<usize>,
    /// 1-based line of the span's start.
    pub line: usize,
}

/// Metadata of a pack.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackMeta {
    /// Identifier.
    pub id: String,
    /// Base or overlay.
    pub kind: PackKind,
    /// Title.
    pub title: String,
    /// Jurisdiction (ISO 3166).
    pub jurisdiction: String,
    /// Issuing authority.
    pub authority: String,
    /// Official source.
    pub source: String,
    /// Publication date, `YYYY-MM-DD`.
    pub published: String,
    /// Effective date, `YYYY-MM-DD`.
    pub effective: Option<String>,
    /// The date the pack's citations are current on, `YYYY-MM-DD`: `as-of` as written, else
    /// the effective date, else the publication date.
    pub as_of: String,
    /// Version of the encoding.
    pub version: String,
    /// Packs this one replaces.
    pub supersedes: Vec<String>,
    /// Packs that replace this one.
    pub superseded_by: Vec<String>,
    /// Overlays: the base pack amended.
    pub extends: Option<String>,
    /// Overlays: the sector.
    pub sector: Option<Sector>,
    /// Base packs: scope of the text.
    pub scope: Option<PackScope>,
    /// Note.
    pub note: Option<String>,
}

/// The scope of a base text (who it applies to at all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackScope {
    /// Required public-ness, if any.
    pub public: Option<bool>,
    /// Regions (any of); empty means anywhere.
    pub regions: Vec<String>,
    /// Citation of the scope article.
    pub citation: String,
    /// Why an out-of-scope service is exempt.
    pub exemption: String,
}

/// A citable article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article {
    /// Reference as cited, e.g. `Art. 14`.
    pub reference: String,
    /// Short title.
    pub title: String,
    /// Instrument, when not the pack's own text.
    pub instrument: Option<String>,
    /// Version of the instrument cited, e.g. `as amended 28 October 2025`.
    pub version: Option<String>,
    /// The date that version took effect, `YYYY-MM-DD`.
    pub in_force: Option<String>,
    /// The number in the previous version, e.g. `Art. 21(3) of the 2017 text`.
    pub formerly: Option<String>,
    /// Topics the article's text imposes or settles (control topics, scope subjects).
    pub topics: Vec<String>,
    /// Other rules the article makes apply, if it defers to them.
    pub defers_to: Option<String>,
    /// Paragraphs or items cited on their own.
    pub parts: Vec<ArticlePart>,
    /// Caveat.
    pub note: Option<String>,
}

/// A paragraph or item of an article, e.g. `¶2` of `Art. 14`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticlePart {
    /// The part as cited after the article reference: `¶2`, `(1)`.
    pub reference: String,
    /// Short title of the part.
    pub title: Option<String>,
    /// Topics the part imposes or settles.
    pub topics: Vec<String>,
    /// Other rules the part makes apply.
    pub defers_to: Option<String>,
}

impl Article {
    /// The instrument with its version and in-force date, e.g. `Cybersecurity Law of the PRC
    /// (as amended 28 October 2025, in force 2026-01-01)`; `None` for the pack's own text.
    ///
    /// ```
    /// use genai_gate_policy::PolicySet;
    /// let set = PolicySet::embedded().unwrap();
    /// let csl = set.pack("cn-genai-2023").unwrap().article_for("CSL Art. 23(3)").unwrap();
    /// assert!(csl.instrument_text().unwrap().contains("in force 2026-01-01"));
    /// ```
    pub fn instrument_text(&self) -> Option<String> {
        let name = self.instrument.as_ref()?;
        let detail: Vec<String> = self
            .version
            .iter()
            .cloned()
            .chain(self.in_force.iter().map(|d| format!("in force {d}")))
            .collect();
        Some(if detail.is_empty() {
            name.clone()
        } else {
            format!("{name} ({})", detail.join(", "))
        })
    }

    /// Whether the article lists what it imposes (topics or a deferral), so that citations of
    /// it can be checked.
    pub fn is_annotated(&self) -> bool {
        !self.topics.is_empty()
            || self.defers_to.is_some()
            || self
                .parts
                .iter()
                .any(|p| !p.topics.is_empty() || p.defers_to.is_some())
    }
}

/// What a citation names: an article and, when the citation names one, a part of it.
///
/// ```
/// use genai_gate_policy::PolicySet;
/// let set = PolicySet::embedded().unwrap();
/// let fin = set.pack("cn-genai-2023").unwrap();
/// let cited = fin.cited("Art. 14 ¶2").unwrap();
/// assert_eq!(cited.part.unwrap().reference, "¶2");
/// assert!(cited.imposes("sanction-record"));
/// assert!(!cited.imposes("request-log"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cited<'a> {
    /// The article.
    pub article: &'a Article,
    /// The part, when the citation names one the article lists.
    pub part: Option<&'a ArticlePart>,
    /// The rest of the citation after the article reference, trimmed (`¶2`, `(1)`, empty).
    pub rest: &'a str,
}

impl<'a> Cited<'a> {
    /// The topics the cited text imposes: the article's, plus the cited part's (or, when the
    /// whole article is cited, every part's).
    pub fn topics(&self) -> Vec<&'a str> {
        let parts: Vec<&'a ArticlePart> = match (self.part, self.rest.is_empty()) {
            (Some(p), _) => vec![p],
            (None, true) => self.article.parts.iter().collect(),
            (None, false) => Vec::new(),
        };
        self.article
            .topics
            .iter()
            .chain(parts.into_iter().flat_map(|p| &p.topics))
            .map(String::as_str)
            .collect()
    }

    /// Whether the cited text imposes `topic`.
    pub fn imposes(&self, topic: &str) -> bool {
        self.topics().contains(&topic)
    }

    /// The rules the cited text defers to, if it does.
    pub fn defers_to(&self) -> Option<&'a str> {
        let own = self.part.and_then(|p| p.defers_to.as_deref());
        let whole = || {
            self.rest
                .is_empty()
                .then(|| {
                    self.article
                        .parts
                        .iter()
                        .find_map(|p| p.defers_to.as_deref())
                })
                .flatten()
        };
        own.or(self.article.defers_to.as_deref()).or_else(whole)
    }

    /// The title of the cited part if it has one, else the article's.
    pub fn title(&self) -> &'a str {
        self.part
            .and_then(|p| p.title.as_deref())
            .unwrap_or(&self.article.title)
    }

    /// Whether the citation names a part the article does not list (while it lists some).
    pub fn names_unknown_part(&self) -> bool {
        self.part.is_none() && !self.rest.is_empty() && !self.article.parts.is_empty()
    }
}

/// Conditions over the profile under which a control is active.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applies {
    /// Any of these modalities (empty: any).
    pub modalities: Vec<Modality>,
    /// Any of these sectors (empty: any).
    pub sectors: Vec<Sector>,
    /// Public-opinion attributes required or excluded.
    pub public_opinion: Option<bool>,
    /// Serving minors required or excluded.
    pub serves_minors: Option<bool>,
    /// Training models required or excluded.
    pub trains_models: Option<bool>,
}

impl Applies {
    /// True when there is no condition at all.
    pub fn is_always(&self) -> bool {
        *self == Applies::default()
    }
}

/// A comparison operator in a config predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    /// `=`
    #[serde(rename = "=")]
    Eq,
    /// `!=`
    #[serde(rename = "!=")]
    Ne,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `<`
    #[serde(rename = "<")]
    Lt,
}

impl CmpOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Ge => ">=",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Lt => "<",
        }
    }
}

/// A scalar value in a config predicate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ConfigValue {
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Anything else, compared case-insensitively.
    Text(String),
}

impl fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::Bool(b) => write!(f, "{b}"),
            ConfigValue::Number(n) => write!(f, "{n}"),
            ConfigValue::Text(s) => write!(f, "\"{s}\""),
        }
    }
}

/// `key op value`, e.g. `@log-retention-days >= 184` or `moderation.enabled = true`.
///
/// The key is a dotted key pattern, where `*` matches any run of characters and a leading `*.`
/// also matches nothing (so `*.retention_days` matches `retention_days` at the top level), or
/// `@name`, a key set of a detector catalogue (`[[key-set]]`) naming every key that holds the
/// setting. [`ConfigPredicate::keys`] lists the patterns the predicate reads; a key set's are
/// filled in when the policy set is checked ([`crate::PolicySet::check`]), and until then the
/// predicate reads no key at all, so it can never pass by accident.
///
/// ```
/// use genai_gate_policy::{ConfigPredicate, ConfigValue};
/// let p: ConfigPredicate = "audit.retention_days >= 184".parse().unwrap();
/// assert_eq!(p.keys, ["audit.retention_days"]);
/// assert!(p.key_matches("audit.retention_days"));
/// assert!(!p.key_matches("privacy.prompt_retention_days"));
/// assert!(p.holds(&ConfigValue::Number(365.0)));
/// assert!(!p.holds(&ConfigValue::Number(180.0)));
///
/// let mut set: ConfigPredicate = "@log-retention-days >= 184".parse().unwrap();
/// assert_eq!(set.key_set(), Some("log-retention-days"));
/// assert!(!set.key_matches("audit.retention_days")); // not bound yet: reads nothing
/// set.bind(&["audit.retention_days".to_owned(), "*.log_retention_days".to_owned()]);
/// assert!(set.key_matches("service.log_retention_days"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigPredicate {
    /// Key pattern or `@key-set`, as written.
    pub key: String,
    /// Operator.
    pub op: CmpOp,
    /// Value compared with.
    pub value: ConfigValue,
    /// The key patterns read: the key itself, or the key set's patterns once bound.
    pub keys: Vec<String>,
}

impl fmt::Display for ConfigPredicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.key, self.op.as_str(), self.value)
    }
}

impl std::str::FromStr for ConfigPredicate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const OPS: [(&str, CmpOp); 7] = [
            ("!=", CmpOp::Ne),
            (">=", CmpOp::Ge),
            ("<=", CmpOp::Le),
            ("==", CmpOp::Eq),
            ("=", CmpOp::Eq),
            (">", CmpOp::Gt),
            ("<", CmpOp::Lt),
        ];
        let (at, text, op) = OPS
            .iter()
            .filter_map(|(text, op)| s.find(text).map(|at| (at, *text, *op)))
            .min_by_key(|(at, text, _)| (*at, std::cmp::Reverse(text.len())))
            .ok_or_else(|| {
                format!("config predicate `{s}` has no operator (one of = != >= <= > <)")
            })?;
        let key = s[..at].trim();
        let raw = s[at + text.len()..].trim();
        let valid = match key.strip_prefix('@') {
            Some(set) => is_slug(set),
            None => {
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_alphanumeric() || "._-*".contains(c))
            }
        };
        if !valid {
            return Err(format!("config predicate `{s}` has an invalid key `{key}`"));
        }
        if raw.is_empty() {
            return Err(format!("config predicate `{s}` has no value"));
        }
        let value = if raw == "true" || raw == "false" {
            ConfigValue::Bool(raw == "true")
        } else if let Ok(n) = raw.parse::<f64>() {
            ConfigValue::Number(n)
        } else {
            ConfigValue::Text(raw.trim_matches('"').to_owned())
        };
        if matches!(op, CmpOp::Ge | CmpOp::Le | CmpOp::Gt | CmpOp::Lt)
            && !matches!(value, ConfigValue::Number(_))
        {
            return Err(format!(
                "config predicate `{s}` compares with `{}` but needs a number",
                op.as_str()
            ));
        }
        Ok(ConfigPredicate {
            key: key.to_owned(),
            op,
            value,
            keys: if key.starts_with('@') {
                Vec::new()
            } else {
                vec![key.to_owned()]
            },
        })
    }
}

/// Lowercase letters, digits and dashes, starting with a letter.
pub(crate) fn is_slug(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl ConfigPredicate {
    /// The key set this predicate reads (`@name`), if it reads one.
    pub fn key_set(&self) -> Option<&str> {
        self.key.strip_prefix('@')
    }

    /// Reads the patterns of the key set this predicate names.
    pub fn bind(&mut self, keys: &[String]) {
        if self.key_set().is_some() {
            self.keys = keys.to_vec();
        }
    }

    /// Whether a dotted config key matches one of the patterns this predicate reads.
    pub fn key_matches(&self, key: &str) -> bool {
        self.keys
            .iter()
            .any(|k| crate::pattern::wildcard_match(k, key, "."))
    }

    /// Whether a value satisfies the predicate. Numbers written as strings count as numbers;
    /// text compares case-insensitively.
    pub fn holds(&self, actual: &ConfigValue) -> bool {
        use std::cmp::Ordering;
        let ord = match (&self.value, actual) {
            (ConfigValue::Number(want), ConfigValue::Number(got)) => got.partial_cmp(want),
            (ConfigValue::Number(want), ConfigValue::Text(got)) => got
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|g| g.partial_cmp(want)),
            (ConfigValue::Bool(want), ConfigValue::Bool(got)) => Some(if want == got {
                Ordering::Equal
            } else {
                Ordering::Less
            }),
            (ConfigValue::Bool(want), ConfigValue::Text(got)) => {
                match got.to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" | "on" => Some(if *want {
                        Ordering::Equal
                    } else {
                        Ordering::Less
                    }),
                    "false" | "0" | "no" | "off" => Some(if *want {
                        Ordering::Less
                    } else {
                        Ordering::Equal
                    }),
                    _ => None,
                }
            }
            (ConfigValue::Text(want), got) => {
                let got = match got {
                    ConfigValue::Text(t) => t.clone(),
                    other => other.to_string(),
                };
                Some(if got.eq_ignore_ascii_case(want) {
                    Ordering::Equal
                } else {
                    Ordering::Less
                })
            }
            _ => None,
        };
        let Some(ord) = ord else { return false };
        match self.op {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Ge => ord != Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Lt => ord == Ordering::Less,
        }
    }

    /// Whether `self` is at least as strict as `other` (same key, a threshold that admits no
    /// value `other` rejects). Used to check that an overlay only tightens.
    pub fn at_least_as_strict_as(&self, other: &ConfigPredicate) -> bool {
        if self.key != other.key {
            return false;
        }
        match (self.op, &self.value, other.op, &other.value) {
            (
                CmpOp::Ge | CmpOp::Gt,
                ConfigValue::Number(a),
                CmpOp::Ge | CmpOp::Gt,
                ConfigValue::Number(b),
            ) => a >= b,
            (
                CmpOp::Le | CmpOp::Lt,
                ConfigValue::Number(a),
                CmpOp::Le | CmpOp::Lt,
                ConfigValue::Number(b),
            ) => a <= b,
            _ => self == other,
        }
    }
}

/// A document that must exist and what it must contain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentRule {
    /// Path globs relative to the repository root.
    pub paths: Vec<String>,
    /// Headings that must appear (case-insensitive).
    pub headings: Vec<String>,
    /// Phrases that must appear (case-insensitive).
    pub phrases: Vec<String>,
}

/// One capability a control requires, with constraints on the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requirement {
    /// The capability.
    pub capability: Capability,
    /// Endpoint scope: ordering relative to generation.
    pub order: Option<Order>,
    /// Evidence must satisfy this config predicate.
    pub config: Option<ConfigPredicate>,
    /// Evidence must include this document.
    pub document: Option<DocumentRule>,
    /// Accepted kinds of evidence (empty: all).
    pub evidence: Vec<EvidenceKind>,
    /// Where the requirement is written.
    pub location: Location,
}

impl Requirement {
    /// Whether evidence of `kind` is accepted.
    pub fn accepts(&self, kind: EvidenceKind) -> bool {
        self.evidence.is_empty() || self.evidence.contains(&kind)
    }
}

/// A control: an obligation, where it must hold, and what evidence satisfies it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Control {
    /// `CN-GAI-<article>.<n>`.
    pub id: String,
    /// Stable topic across versions of a text.
    pub topic: Option<String>,
    /// Title.
    pub title: String,
    /// Citations.
    pub citations: Vec<String>,
    /// The obligation in our own words.
    pub obligation: String,
    /// Severity of a failure.
    pub severity: Severity,
    /// Repository or endpoint.
    pub scope: Scope,
    /// When the control is active.
    pub applies: Applies,
    /// Evidence required (all).
    pub requirements: Vec<Requirement>,
    /// What to add when it fails.
    pub help: Option<String>,
    /// Caveat.
    pub note: Option<String>,
    /// A draft-only duty.
    pub draft_only: bool,
    /// Where the control is written.
    pub location: Location,
}

impl Control {
    /// The article number of the id: `14` for `CN-GAI-14.2`.
    pub fn article_number(&self) -> Option<&str> {
        self.id.strip_prefix("CN-GAI-")?.split('.').next()
    }
}

/// An overlay's change to a base control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Amendment {
    /// The base control.
    pub control: String,
    /// Tighten or replace.
    pub action: AmendAction,
    /// Why.
    pub reason: String,
    /// The topic of the sector duty it rests on, when not the control's own.
    pub topic: Option<String>,
    /// Citations added.
    pub citations: Vec<String>,
    /// New severity.
    pub severity: Option<Severity>,
    /// New title (replace).
    pub title: Option<String>,
    /// New obligation (replace).
    pub obligation: Option<String>,
    /// New scope (replace).
    pub scope: Option<Scope>,
    /// New applicability (replace).
    pub applies: Option<Applies>,
    /// Requirements added (tighten) or the new set (replace).
    pub requirements: Vec<Requirement>,
    /// New help.
    pub help: Option<String>,
    /// Where the amendment is written.
    pub location: Location,
}

/// A validated pack.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pack {
    /// Metadata.
    pub meta: PackMeta,
    /// Citable articles.
    pub articles: Vec<Article>,
    /// Controls defined here.
    pub controls: Vec<Control>,
    /// Overlays: amendments of base controls.
    pub amendments: Vec<Amendment>,
    /// Display name of the file it came from.
    pub file: String,
    /// Whether it ships inside the binary.
    pub embedded: bool,
}

impl Pack {
    /// A control of this pack by id.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }

    /// The article a citation refers to: the longest article reference that the citation
    /// starts with, followed by the end, a space, `(` or `,`.
    pub fn article_for(&self, citation: &str) -> Option<&Article> {
        article_for(&self.articles, citation)
    }

    /// The article and part a citation names.
    pub fn cited<'a>(&'a self, citation: &'a str) -> Option<Cited<'a>> {
        cited(&self.articles, citation)
    }

    /// The citations of `control` whose text imposes its topic (all of them when the control
    /// has no topic or cites unannotated articles): where its duty comes from.
    ///
    /// ```
    /// use genai_gate_policy::PolicySet;
    /// let set = PolicySet::embedded().unwrap();
    /// let fin = set.pack("cn-genai-2023").unwrap();
    /// let text_label = fin.control("CN-GAI-12.2").unwrap();
    /// // Art. 12 only defers to the labelling rules; the Labeling Measures impose text labels.
    /// let sources: Vec<&str> = fin.sources_of(text_label).iter().map(|c| c.article.reference.as_str()).collect();
    /// assert!(!sources.contains(&"Art. 12"));
    /// assert!(sources.contains(&"Labeling Measures Art. 4"));
    /// ```
    pub fn sources_of<'a>(&'a self, control: &'a Control) -> Vec<Cited<'a>> {
        let cited: Vec<Cited<'a>> = control
            .citations
            .iter()
            .filter_map(|c| self.cited(c))
            .collect();
        let imposing: Vec<Cited<'a>> = match &control.topic {
            Some(t) => cited
                .iter()
                .filter(|c| !c.article.is_annotated() || c.imposes(t))
                .copied()
                .collect(),
            None => Vec::new(),
        };
        if imposing.is_empty() { cited } else { imposing }
    }

    /// The instruments other than the pack's own text that a control's duty comes from, or an
    /// empty list when it comes (also) from the pack's own text.
    pub fn other_instruments(&self, control: &Control) -> Vec<String> {
        let sources = self.sources_of(control);
        if sources.is_empty() || sources.iter().any(|c| c.article.instrument.is_none()) {
            return Vec::new();
        }
        let mut names: Vec<String> = Vec::new();
        for c in sources {
            let name = c.article.instrument_text().unwrap_or_default();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }
}

pub(crate) fn article_for<'a>(articles: &'a [Article], citation: &str) -> Option<&'a Article> {
    articles
        .iter()
        .filter(|a| {
            citation
                .strip_prefix(a.reference.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '(', ',']))
        })
        .max_by_key(|a| a.reference.len())
}

pub(crate) fn cited<'a>(articles: &'a [Article], citation: &'a str) -> Option<Cited<'a>> {
    let article = article_for(articles, citation)?;
    let rest = citation[article.reference.len()..].trim();
    let part = article
        .parts
        .iter()
        .filter(|p| {
            rest.strip_prefix(p.reference.as_str())
                .is_some_and(|r| r.is_empty() || r.starts_with([' ', '(', ',', '¶']))
        })
        .max_by_key(|p| p.reference.len());
    Some(Cited {
        article,
        part,
        rest,
    })
}
