//! Phase one of loading: serde types that mirror the TOML exactly.
//!
//! Every struct rejects unknown keys. Fields whose values need checking against a
//! vocabulary are kept as spanned strings so that phase two ([`crate::validate`]) can report
//! every mistake with its span and a suggestion, instead of stopping at the first.
//! The JSON Schemas under `policies/schema/` are generated from these types.

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// A spanned string (byte range into the TOML source).
pub type SStr = Spanned<String>;

/// A policy pack file: a base pack or a sector overlay.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "genai-gate policy pack")]
pub struct RawPack {
    /// Metadata of the pack.
    pub pack: RawPackMeta,
    /// The articles this pack may cite.
    #[serde(default, rename = "article")]
    pub articles: Vec<RawArticle>,
    /// Controls defined by this pack.
    #[serde(default, rename = "control")]
    pub controls: Vec<RawControl>,
    /// Overlays only: changes to controls of the base pack.
    #[serde(default, rename = "amend")]
    pub amendments: Vec<RawAmendment>,
}

/// `[pack]`: identity, source and lineage of a pack.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPackMeta {
    /// Stable identifier, lowercase with dashes, e.g. `cn-genai-2023`.
    #[schemars(with = "String")]
    pub id: SStr,
    /// `base` or `overlay`.
    #[schemars(with = "String")]
    pub kind: SStr,
    /// Human title.
    pub title: String,
    /// ISO 3166 code of the jurisdiction, e.g. `CN`.
    pub jurisdiction: String,
    /// The issuing authority or authorities.
    pub authority: String,
    /// Where the official text is published.
    pub source: String,
    /// Publication date (TOML date).
    #[schemars(with = "String")]
    pub published: Spanned<toml::value::Datetime>,
    /// Date the text takes effect (TOML date); absent for drafts.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub effective: Option<Spanned<toml::value::Datetime>>,
    /// The date the pack's citations are current on (TOML date): every `[[article]]` that
    /// names its version's `in-force` date must be in force by then. Defaults to `effective`,
    /// or to `published` for a draft. A pack that cites later instruments (the Labeling
    /// Measures, an amended law) sets it to the date its citations were last checked.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub as_of: Option<Spanned<toml::value::Datetime>>,
    /// Version of this encoding of the text (not of the text).
    pub version: String,
    /// Packs this one replaces.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub supersedes: Vec<SStr>,
    /// Packs that replace this one.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub superseded_by: Vec<SStr>,
    /// Overlays only: the base pack this overlay amends.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub extends: Option<SStr>,
    /// Overlays only: the sector whose rules this overlay encodes.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub sector: Option<SStr>,
    /// Base packs: to whom the text applies at all.
    #[serde(default)]
    pub scope: Option<RawPackScope>,
    /// Free-form note shown by `policy show`.
    #[serde(default)]
    pub note: Option<String>,
}

/// `[pack.scope]`: the territorial and personal scope of a text.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPackScope {
    /// The service must be offered to the public (`true`), or either (absent).
    #[serde(default)]
    pub public: Option<bool>,
    /// The service must be offered in one of these regions (ISO 3166 codes).
    #[serde(default)]
    pub regions: Vec<String>,
    /// The article that sets the scope, e.g. `Art. 2`.
    #[schemars(with = "String")]
    pub citation: SStr,
    /// Why a service outside the scope is exempt, shown in the verdict.
    pub exemption: String,
}

/// `[[article]]`: one citable article.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawArticle {
    /// The reference as cited, e.g. `Art. 14` or `CSL Art. 23`.
    #[serde(rename = "ref")]
    #[schemars(with = "String")]
    pub reference: SStr,
    /// Short title.
    pub title: String,
    /// The instrument, when it is not the pack's own text.
    #[serde(default)]
    pub instrument: Option<String>,
    /// The version of the instrument cited, e.g. `as amended 28 October 2025`.
    #[serde(default)]
    pub version: Option<String>,
    /// The date that version took effect (TOML date); must not be after the pack's `as-of`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub in_force: Option<Spanned<toml::value::Datetime>>,
    /// The article's number in the previous version, e.g. `Art. 21(3) of the 2017 text`.
    #[serde(default)]
    pub formerly: Option<String>,
    /// What the article's text imposes or settles, as topic slugs: the `topic` of every
    /// control that cites it, and scope subjects such as `penalties`. A control may cite the
    /// article only if its topic is listed here, on the cited part, or the article defers.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub topics: Vec<SStr>,
    /// Other rules the article makes apply (e.g. `the Deep Synthesis Provisions`); a control
    /// may cite it beside the article of those rules that imposes its topic.
    #[serde(default)]
    pub defers_to: Option<String>,
    /// Paragraphs or items cited on their own, e.g. `Art. 14 ¶2` or `Art. 4(1)`.
    #[serde(default, rename = "part")]
    pub parts: Vec<RawArticlePart>,
    /// A caveat, e.g. a numbering to check against the official text.
    #[serde(default)]
    pub note: Option<String>,
}

/// `[[article.part]]`: a paragraph or item of an article.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawArticlePart {
    /// The part as cited after the article reference: `¶2`, `(1)`, `¶1(3)`.
    #[serde(rename = "ref")]
    #[schemars(with = "String")]
    pub reference: SStr,
    /// Short title of the part.
    #[serde(default)]
    pub title: Option<String>,
    /// Topics this part imposes or settles (added to the article's own).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub topics: Vec<SStr>,
    /// Other rules this part makes apply.
    #[serde(default)]
    pub defers_to: Option<String>,
}

/// `[[control]]`: one obligation and the evidence that satisfies it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawControl {
    /// `CN-GAI-<article>.<n>`.
    #[schemars(with = "String")]
    pub id: SStr,
    /// A stable name for the duty across versions of a text (used by `policy diff`).
    #[serde(default)]
    pub topic: Option<String>,
    /// Short imperative title.
    pub title: String,
    /// Citations, each starting with an article reference from the pack's list.
    #[schemars(with = "Vec<String>")]
    pub citations: Vec<SStr>,
    /// The obligation in our own words.
    pub obligation: String,
    /// `error`, `warning` or `note`.
    #[schemars(with = "String")]
    pub severity: SStr,
    /// `repository` or `endpoint`.
    #[schemars(with = "String")]
    pub scope: SStr,
    /// Conditions over the profile; absent means always.
    #[serde(default)]
    pub applies: Option<RawApplies>,
    /// Evidence required (all of them).
    #[serde(default)]
    pub require: Vec<RawRequirement>,
    /// What to add when the control fails.
    #[serde(default)]
    pub help: Option<String>,
    /// A caveat shown with the control.
    #[serde(default)]
    pub note: Option<String>,
    /// A duty of a draft text that the final text dropped.
    #[serde(default)]
    pub draft_only: bool,
}

/// `[control.applies]`: when a control is active for a profile.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawApplies {
    /// Active when the service has any of these modalities.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub modalities: Vec<SStr>,
    /// Active when the service is in any of these sectors.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub sectors: Vec<SStr>,
    /// Active only when the service has (true) or lacks (false) public-opinion attributes.
    #[serde(default)]
    pub public_opinion: Option<bool>,
    /// Active only when the service does (true) or does not (false) serve minors.
    #[serde(default)]
    pub serves_minors: Option<bool>,
    /// Active only when the provider does (true) or does not (false) train models.
    #[serde(default)]
    pub trains_models: Option<bool>,
}

/// `[[control.require]]`: one capability that must be evidenced.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRequirement {
    /// A capability from the vocabulary.
    #[schemars(with = "String")]
    pub capability: SStr,
    /// Endpoint scope: `before` or `after` the first generation call.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub order: Option<SStr>,
    /// A config predicate every matching key must satisfy, e.g. `@log-retention-days >= 184`
    /// (a key set of the detector catalogue) or `moderation.keyword_library_size >= 10000`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub config: Option<SStr>,
    /// A document that must exist.
    #[serde(default)]
    pub document: Option<RawDocument>,
    /// Kinds of evidence accepted: `code`, `config`, `document` (default: all).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub evidence: Vec<SStr>,
}

/// A document rule: path globs and what the document must contain.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDocument {
    /// Path globs relative to the repository root.
    #[schemars(with = "Vec<String>")]
    pub paths: Vec<SStr>,
    /// Headings that must appear (case-insensitive, any level).
    #[serde(default)]
    pub headings: Vec<String>,
    /// Phrases that must appear (case-insensitive).
    #[serde(default)]
    pub phrases: Vec<String>,
}

/// `[[amend]]`: an overlay's change to a base control.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAmendment {
    /// The base control amended.
    #[schemars(with = "String")]
    pub control: SStr,
    /// `tighten` (raise severity, add requirements, stricter thresholds) or `replace`.
    #[schemars(with = "String")]
    pub action: SStr,
    /// Why the sector rule changes the control.
    pub reason: String,
    /// The topic of the sector duty the amendment rests on, when it is not the amended
    /// control's own (its citations must impose it).
    #[serde(default)]
    pub topic: Option<String>,
    /// Citations of the sector's own sources, added to the control.
    #[schemars(with = "Vec<String>")]
    pub citations: Vec<SStr>,
    /// New severity (tighten: must not be lower).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub severity: Option<SStr>,
    /// Replace only: new title.
    #[serde(default)]
    pub title: Option<String>,
    /// Replace only: new obligation.
    #[serde(default)]
    pub obligation: Option<String>,
    /// Replace only: new scope.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub scope: Option<SStr>,
    /// Replace only: new applicability.
    #[serde(default)]
    pub applies: Option<RawApplies>,
    /// Tighten: added or stricter requirements; replace: the new requirements.
    #[serde(default)]
    pub require: Vec<RawRequirement>,
    /// New help text.
    #[serde(default)]
    pub help: Option<String>,
}

/// A detector catalogue file under `policies/detectors/`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "genai-gate detector catalogue")]
pub struct RawCatalogue {
    /// Metadata of the catalogue.
    pub catalogue: RawCatalogueMeta,
    /// What counts as evidence.
    #[serde(default, rename = "detector")]
    pub detectors: Vec<RawDetector>,
    /// What never counts as evidence (traps).
    #[serde(default, rename = "negative")]
    pub negatives: Vec<RawNegative>,
    /// Named sets of config keys that predicates read as `@name`.
    #[serde(default, rename = "key-set")]
    pub key_sets: Vec<RawKeySet>,
}

/// `[[key-set]]`: the config keys that hold one setting, named once so that every predicate
/// reading the setting reads the same keys (and no look-alike with the same suffix).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawKeySet {
    /// Identifier, read as `@id` in config predicates, e.g. `log-retention-days`.
    #[schemars(with = "String")]
    pub id: SStr,
    /// What setting the keys hold, and what look-alikes they leave out.
    #[serde(default)]
    pub description: Option<String>,
    /// Key patterns (dotted; `*` matches any run of words; compared in normal form).
    #[schemars(with = "Vec<String>")]
    pub keys: Vec<SStr>,
}

/// `[catalogue]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCatalogueMeta {
    /// Identifier, e.g. `core`.
    #[schemars(with = "String")]
    pub id: SStr,
    /// Version; part of the cache key of per-file facts.
    pub version: String,
    /// What the catalogue covers.
    #[serde(default)]
    pub description: Option<String>,
}

/// `[[detector]]`: patterns whose match is evidence of one capability.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDetector {
    /// Identifier, unique in the catalogue, e.g. `async-openai.moderations`.
    #[schemars(with = "String")]
    pub id: SStr,
    /// The capability evidenced.
    #[schemars(with = "String")]
    pub capability: SStr,
    /// What the detector recognises, in a sentence.
    #[serde(default)]
    pub description: Option<String>,
    /// Call paths (`::`-separated, `*` wildcard), e.g. `*::text_moderation`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub calls: Vec<SStr>,
    /// Method chains, e.g. `moderations().create`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub methods: Vec<SStr>,
    /// Type names constructed or named in a call, e.g. `CreateModerationRequestArgs`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub types: Vec<SStr>,
    /// Macro names, e.g. `audit!`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub macros: Vec<SStr>,
    /// String-literal globs passed to a call, e.g. `*/chat/completions`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub strings: Vec<SStr>,
    /// Messages sent on a channel, by the enum variant sent (`*::Generate*`); `""` is a send of
    /// anything else (a variable, a struct).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub messages: Vec<SStr>,
    /// Config predicates, e.g. `moderation.enabled = true` or `@log-retention-days >= 0`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub config: Vec<SStr>,
    /// Documents.
    #[serde(default)]
    pub documents: Vec<RawDocument>,
    /// For generation detectors, what a hit says: `call` (the model is called here; the
    /// default), `forward` (a request leaves for an upstream service, which may be a model),
    /// `handoff` (work is handed to a queue or worker, which may run a model).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub signal: Option<SStr>,
    /// Unit tests of the code patterns, run by `genai-gate test`.
    #[serde(default, rename = "test")]
    pub tests: Vec<RawDetectorTest>,
}

/// `[[detector.test]]`: Rust code and whether the detector's code patterns must match it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDetectorTest {
    /// Rust code: items, or statements (read as the body of a function when they are not
    /// items), e.g. `client.moderations().create(req).await?;`.
    #[schemars(with = "String")]
    pub code: SStr,
    /// Whether the detector must match the code (default true); false for a look-alike that
    /// must not count.
    #[serde(default)]
    pub expect: Option<bool>,
}

/// `[[negative]]`: a trap that looks like evidence but is not.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawNegative {
    /// Identifier, unique in the catalogue.
    #[schemars(with = "String")]
    pub id: SStr,
    /// Why it is not evidence.
    pub reason: String,
    /// Capabilities it must never evidence (empty: all).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub capabilities: Vec<SStr>,
    /// Call or value paths, as for detectors.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub calls: Vec<SStr>,
    /// Method chains.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub methods: Vec<SStr>,
    /// Type and enum-variant paths, e.g. `FinishReason::ContentFilter`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub types: Vec<SStr>,
    /// String-literal globs.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub strings: Vec<SStr>,
}

/// `genai-gate.toml`: the repository profile.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "genai-gate repository profile")]
pub struct RawProfile {
    /// What the service is and whom it serves.
    pub service: RawService,
    /// Which packs apply.
    #[serde(default)]
    pub policy: Option<RawPolicySelection>,
    /// The team's own detectors (an in-house moderation client, say).
    #[serde(default, rename = "detector")]
    pub detectors: Vec<RawDetector>,
    /// Which files are scanned.
    #[serde(default)]
    pub files: Option<RawFiles>,
    /// Recorded exceptions.
    #[serde(default, rename = "waiver")]
    pub waivers: Vec<RawWaiver>,
    /// How the gate behaves.
    #[serde(default)]
    pub settings: Option<RawSettings>,
    /// Severity overrides by control id: `"CN-GAI-12.2" = "error"`. Raising is free;
    /// lowering needs a `[[waiver]]` of the same control.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub levels: std::collections::BTreeMap<String, SStr>,
}

/// `[service]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawService {
    /// Service name.
    pub name: String,
    /// Offered to the public (not only in-house research and development).
    pub public: bool,
    /// Regions where it is offered (ISO 3166 codes; `CN` for the PRC).
    #[schemars(with = "Vec<String>")]
    pub regions: Vec<SStr>,
    /// `text`, `image`, `audio`, `video`.
    #[schemars(with = "Vec<String>")]
    pub modalities: Vec<SStr>,
    /// `news`, `audiovisual`, `publishing`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub sectors: Vec<SStr>,
    /// Public-opinion attributes or social-mobilisation capacity (Art. 17).
    #[serde(default)]
    pub public_opinion: bool,
    /// Serves minors (Art. 10).
    #[serde(default)]
    pub serves_minors: bool,
    /// The provider trains or fine-tunes models (Art. 7, 8).
    #[serde(default)]
    pub trains_models: bool,
}

/// `[policy]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPolicySelection {
    /// Pack ids: one base pack, then overlays in order of precedence.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub packs: Vec<SStr>,
    /// Control ids to require even where their `applies` conditions do not hold, e.g.
    /// `["CN-GAI-17.2"]` for a launched app that must show its filing number without
    /// public-opinion attributes. Only adds duties; the pack's scope still decides
    /// applicability.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub enable: Vec<SStr>,
    /// Extra pack or catalogue files, relative to the profile.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub load: Vec<SStr>,
}

/// `[settings]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSettings {
    /// Fail closed: every control that cannot be judged (`not-observable`) and every file in
    /// scope that cannot be read or parsed becomes an error-level finding, as with
    /// `check --strict`.
    #[serde(default)]
    pub strict: bool,
}

/// `[files]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawFiles {
    /// Only these globs are scanned (default: everything).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub include: Vec<SStr>,
    /// These globs are never scanned.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub exclude: Vec<SStr>,
    /// Files larger than this many bytes are skipped with a note.
    #[serde(default)]
    pub max_file_size: Option<u64>,
}

/// `[[waiver]]`: an exception that must say why, who and until when.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawWaiver {
    /// The control waived.
    #[schemars(with = "String")]
    pub control: SStr,
    /// Path globs the waiver is limited to (default: everywhere).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub paths: Vec<SStr>,
    /// Why (required).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub reason: Option<SStr>,
    /// Who owns the exception (required).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub owner: Option<SStr>,
    /// When it expires (required, TOML date).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub expires: Option<Spanned<toml::value::Datetime>>,
}
