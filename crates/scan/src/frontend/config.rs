//! Config evidence: the keys and scalar values of TOML, YAML, JSON and `.env` files.
//!
//! [`extract_config`] flattens a file into [`ConfigEntry`]s, one per scalar, each with the
//! dotted path of its key and the 1-based line where the key (or, for array items, the item)
//! is written.
//!
//! # Flattening
//!
//! - Tables and mappings join their keys with `.`: `[audit] retention_days = 180` gives
//!   `audit.retention_days`.
//! - **Array indices are dropped**, so patterns stay simple: `[[limits]] rpm = 60` and
//!   `limits: [{rpm: 60}]` both give `limits.rpm`, and `tags = ["a", "b"]` gives two `tags`
//!   entries.
//! - A list of `KEY=VALUE` strings under a key named `environment` (docker-compose) gives one
//!   entry per item, keyed as if it were a mapping: `services.api.environment.RATE_LIMIT`.
//!   Items without `=` (variables passed through from the host) give nothing.
//! - A list of `{name: KEY, value: VALUE}` mappings (Kubernetes/Helm `env:`) additionally gives
//!   `<path>.KEY` for each item, next to the plain `<path>.name`/`<path>.value` entries.
//! - Every YAML document of a multi-document file (Helm templates, compose overrides) is
//!   flattened in turn; empty documents give nothing.
//! - Empty tables and arrays give nothing; a YAML/JSON `null` gives an empty text value so the
//!   key is still visible.
//!
//! # Values
//!
//! Booleans and numbers written as such become [`ConfigValue::Bool`] / [`ConfigValue::Number`];
//! everything else, including quoted numbers (`"180"`), YAML 1.1 spellings such as `yes`/`on`,
//! TOML datetimes, and every `.env` value, is [`ConfigValue::Text`]. The policy crate's
//! [`ConfigPredicate::holds`] compares numbers written as text numerically and reads
//! `true`/`yes`/`on`/`1` text as a boolean.
//!
//! # Key normalisation
//!
//! Keys are compared in a normal form ([`normalise_key`]): split into words on every character
//! that is not a letter, digit or `*` (so on `.`, `_`, `-`, spaces, `/`, ...) and on camelCase
//! boundaries (`moderationEnabled`, `HTTPServer` → `http` + `server`, `ttl30Days` →
//! `ttl30` + `days`), lowercase each word, and join the words with `.`. So
//! `MODERATION_ENABLED`, `moderation.enabled`, `moderationEnabled` and `Moderation-Enabled`
//! all become `moderation.enabled`; `audit.retention_days` becomes `audit.retention.days`.
//! A predicate's key pattern is normalised the same way (keeping `*`), so
//! `*.retention_days >= 180` matches `LOG_RETENTION_DAYS=365` in a `.env` file.
//!
//! # Formats
//!
//! - TOML: parsed with `toml`'s spanned document parser; lines come from key spans.
//! - YAML: parsed with `serde-saphyr` into a span-carrying tree; YAML 1.2 booleans only
//!   (`true`/`false`), later duplicate keys do not fail the file, merge keys (`<<`) and aliases
//!   are expanded, and nesting is limited to serde-saphyr's default budget.
//! - JSON: validated with `serde_json` (which gives the error line), then read by a small
//!   position-tracking reader for the key lines.
//! - `.env`: `KEY=VALUE` lines, optional `export` prefix, `#` comments (whole-line, or after
//!   whitespace in an unquoted value), single quotes (literal), double quotes (with `\n`, `\"`,
//!   `\\` escapes; may span lines).
//!
//! Rust, Markdown and text files have no config entries.

use genai_gate_policy::{ConfigPredicate, ConfigValue};

use crate::walk::FileKind;

/// Nesting deeper than this is not read: the file is a [`ConfigProblem`] (a setting below
/// it would be invisible, so the file is never taken as read in full).
const MAX_DEPTH: usize = 128;

/// The problem of a file nested deeper than [`MAX_DEPTH`].
fn too_deep(line: u32) -> ConfigProblem {
    ConfigProblem {
        line,
        message: format!("nesting deeper than {MAX_DEPTH} levels: the file cannot be read in full"),
    }
}

/// One scalar setting found in a config file.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigEntry {
    /// The key path in normal form (see [`normalise_key`]): `audit.retention.days`.
    pub key: String,
    /// The key path as written, segments joined with `.`: `audit.retention_days`.
    pub raw_key: String,
    /// The value.
    pub value: ConfigValue,
    /// 1-based line of the key (or of the array item).
    pub line: u32,
}

/// Why a config file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// 1-based line of the problem (1 when the parser does not say).
    pub line: u32,
    /// What is wrong, starting lowercase.
    pub message: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ConfigProblem {}

/// The config entries of one file, sorted by line. `rel` is the root-relative path; it is only
/// consulted when `kind` is [`FileKind::Text`], to read a file named `*.env` as `.env`.
///
/// ```
/// use genai_gate_policy::ConfigValue;
/// use genai_gate_scan::frontend::config::extract_config;
/// use genai_gate_scan::walk::FileKind;
///
/// let yaml = "services:\n  api:\n    environment:\n      - MODERATION_ENABLED=true\n";
/// let entries = extract_config("docker-compose.yml", yaml, FileKind::Yaml).unwrap();
/// assert_eq!(entries[0].key, "services.api.environment.moderation.enabled");
/// assert_eq!(entries[0].raw_key, "services.api.environment.MODERATION_ENABLED");
/// assert_eq!(entries[0].value, ConfigValue::Text("true".into()));
/// assert_eq!(entries[0].line, 4);
///
/// let bad = extract_config("config.toml", "[audit]\nretention_days = = 3\n", FileKind::Toml);
/// assert_eq!(bad.unwrap_err().line, 2);
/// ```
pub fn extract_config(
    rel: &str,
    text: &str,
    kind: FileKind,
) -> Result<Vec<ConfigEntry>, ConfigProblem> {
    extract_config_for(rel, text, kind, &KeyWords::every())
}

/// [`extract_config`] for a scan whose config predicates read only keys that spell one of
/// `words`: an entry whose key path spells none is not made — a tokenizer's vocabulary of
/// 65,000 keys is parsed, not turned into 65,000 entries that nothing reads. Parse errors and
/// nesting too deep are reported as before.
pub(crate) fn extract_config_for(
    rel: &str,
    text: &str,
    kind: FileKind,
    words: &KeyWords,
) -> Result<Vec<ConfigEntry>, ConfigProblem> {
    let mut out = Flattener {
        words,
        entries: Vec::new(),
        too_deep: None,
    };
    match kind {
        FileKind::Toml => out.node(&toml_tree(text)?, &mut Vec::new(), 0),
        FileKind::Yaml => {
            for doc in yaml::parse(text)? {
                out.node(&doc, &mut Vec::new(), 0);
            }
        }
        FileKind::Json => out.node(&json::parse(text)?, &mut Vec::new(), 0),
        FileKind::Env => out.entries = env_entries(text)?,
        FileKind::Text if rel.ends_with(".env") => out.entries = env_entries(text)?,
        FileKind::Rust | FileKind::Python | FileKind::Markdown | FileKind::Text => {}
    }
    if let Some(line) = out.too_deep {
        return Err(too_deep(line));
    }
    out.entries.sort_by_key(|e| e.line);
    Ok(out.entries)
}

/// Why a config file that does not parse is not configuration at all, when it says so: a
/// template (Helm's and Jinja's `{{ … }}`, `{% … %}`) renders into YAML only when deployed, and
/// JSON with comments (`tsconfig.json`, editor settings) belongs to tools, not to the service.
/// Such files are skipped with a note instead of reported as broken.
///
/// ```
/// use genai_gate_scan::frontend::config::not_config;
/// use genai_gate_scan::walk::FileKind;
/// assert!(not_config("spec:\n  replicas: {{ .Values.replicas }}\n", FileKind::Yaml).is_some());
/// assert!(not_config("{\n  // strict mode\n  \"strict\": true\n}", FileKind::Json).is_some());
/// assert!(not_config("moderation: [unclosed", FileKind::Yaml).is_none());
/// ```
pub fn not_config(text: &str, kind: FileKind) -> Option<&'static str> {
    match kind {
        FileKind::Yaml if text.contains("{{") || text.contains("{%") => {
            Some("a template (`{{ … }}`), not read as configuration until it is rendered")
        }
        FileKind::Json
            if text.lines().any(|l| {
                let t = l.trim_start();
                t.starts_with("//") || t.starts_with("/*")
            }) =>
        {
            Some("JSON with comments, a tool's settings rather than the service's configuration")
        }
        _ => None,
    }
}

/// The normal form of a key or key pattern: words split on non-alphanumerics (except `*`)
/// and camelCase boundaries, lowercased, joined with `.`.
///
/// ```
/// use genai_gate_scan::frontend::config::normalise_key;
/// for k in ["MODERATION_ENABLED", "moderation.enabled", "moderationEnabled", "Moderation-Enabled"] {
///     assert_eq!(normalise_key(k), "moderation.enabled");
/// }
/// assert_eq!(normalise_key("LOG_RETENTION_DAYS"), "log.retention.days");
/// assert_eq!(normalise_key("*.retention_days"), "*.retention.days");
/// ```
pub fn normalise_key(s: &str) -> String {
    // One pass into one string: config files of tens of thousands of keys (a tokenizer's
    // vocabulary) normalise every one of them.
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    let mut prev = ' ';
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !(c.is_alphanumeric() || c == '*') {
            in_word = false;
            prev = c;
            continue;
        }
        // A new word at a case change: `moderationEnabled`, `HTTPServer` (`HTTP`, `Server`).
        if in_word && c.is_uppercase() {
            let next_lower = chars.peek().is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                in_word = false;
            }
        }
        if !in_word {
            if !out.is_empty() {
                out.push('.');
            }
            in_word = true;
        }
        out.extend(c.to_lowercase());
        prev = c;
    }
    out
}

/// The words of a text in the normal form of keys (see [`normalise_key`]): what a file that
/// could not be read in full might spell as a key, for [`could_hold`].
///
/// ```
/// use genai_gate_scan::frontend::config::{could_hold, key_words};
/// let words = key_words(r#"{"moderation": {"enabled": false}, "pad": [[[["#);
/// let pred = "moderation.enabled = true".parse().unwrap();
/// assert!(could_hold(&pred, &words));
/// assert!(!could_hold(&"audit.retention_days >= 180".parse().unwrap(), &words));
/// ```
pub fn key_words(text: &str) -> std::collections::BTreeSet<String> {
    normalise_key(text)
        .split('.')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a file whose [`key_words`] are `words` could set a key that `pred`'s pattern
/// matches: every literal word of the pattern occurs in it (words with a `*` are wildcards).
pub fn could_hold(pred: &ConfigPredicate, words: &std::collections::BTreeSet<String>) -> bool {
    normalise_key(&pred.key)
        .split('.')
        .filter(|w| !w.is_empty() && !w.contains('*'))
        .all(|w| words.contains(w))
}

/// Whether `entry` bears on `pred`: `None` when the key does not match the predicate's
/// (normalised) key pattern, otherwise whether the value satisfies it.
///
/// ```
/// use genai_gate_policy::{ConfigPredicate, ConfigValue};
/// use genai_gate_scan::frontend::config::{entry_matches, extract_config};
/// use genai_gate_scan::walk::FileKind;
///
/// let pred: ConfigPredicate = "*.retention_days >= 180".parse().unwrap();
/// let entries = extract_config(".env", "LOG_RETENTION_DAYS=365\nPORT=80\n", FileKind::Env).unwrap();
/// assert_eq!(entry_matches(&pred, &entries[0]), Some(true));
/// assert_eq!(entry_matches(&pred, &entries[1]), None);
/// ```
pub fn entry_matches(pred: &ConfigPredicate, entry: &ConfigEntry) -> Option<bool> {
    CompiledPredicate::new(pred).check(entry)
}

/// A predicate with its key patterns ([`ConfigPredicate::keys`]) normalised and compiled once,
/// for matching many entries. An entry bears on the predicate when its key matches any of them.
///
/// ```
/// use genai_gate_policy::ConfigPredicate;
/// use genai_gate_scan::frontend::config::{extract_config, CompiledPredicate};
/// use genai_gate_scan::walk::FileKind;
///
/// let pred: ConfigPredicate = "moderation.enabled = true".parse().unwrap();
/// let compiled = CompiledPredicate::new(&pred);
/// let entries = extract_config(".env", "MODERATION_ENABLED=false\n", FileKind::Env).unwrap();
/// assert_eq!(compiled.check(&entries[0]), Some(false));
/// ```
#[derive(Debug)]
pub struct CompiledPredicate<'p> {
    pred: &'p ConfigPredicate,
    keys: Vec<genai_gate_policy::pattern::Glob>,
}

impl<'p> CompiledPredicate<'p> {
    /// Normalises and compiles the predicate's key patterns.
    pub fn new(pred: &'p ConfigPredicate) -> Self {
        CompiledPredicate {
            pred,
            keys: pred
                .keys
                .iter()
                .map(|k| genai_gate_policy::pattern::Glob::new(&normalise_key(k), "."))
                .collect(),
        }
    }

    /// `None` when the entry's key does not match, else whether its value satisfies the predicate.
    pub fn check(&self, entry: &ConfigEntry) -> Option<bool> {
        self.keys
            .iter()
            .any(|k| k.matches(&entry.key))
            .then(|| self.pred.holds(&entry.value))
    }
}

/// The words that config predicates need in a key, to tell files whose entries nothing reads.
///
/// A key pattern matches a normalised key only if the key contains the pattern's longest
/// literal ([`longest_literal`]), and so that literal's longest dot-free part, which lies within
/// one normalised word: the lowercased form of a run of letters and digits of one segment of
/// the raw key path (a map key, or the name of an environment entry). An entry none of whose
/// segments contains one of these words, lowercased, is one that no predicate matches, and the
/// flattener does not make it. A pattern without a literal (`*`) reads every key.
#[derive(Debug, Clone)]
pub(crate) struct KeyWords {
    /// `None`: every key may be read.
    finder: Option<aho_corasick::AhoCorasick>,
}

impl KeyWords {
    /// Every key may matter (the library's [`extract_config`]).
    pub(crate) fn every() -> Self {
        KeyWords { finder: None }
    }

    /// The words of every key pattern of `preds`.
    pub(crate) fn of<'a>(preds: impl IntoIterator<Item = &'a ConfigPredicate>) -> Self {
        let mut words: Vec<String> = Vec::new();
        for p in preds {
            for key in &p.keys {
                let word = longest_literal(&normalise_key(key)).and_then(|lit| {
                    lit.split('.')
                        .max_by_key(|w| w.len())
                        .filter(|w| !w.is_empty())
                        .map(str::to_owned)
                });
                match word {
                    Some(w) => words.push(w),
                    None => return KeyWords::every(),
                }
            }
        }
        if words.is_empty() {
            // No predicate at all: no entry is ever read. An automaton of no pattern matches
            // nothing, which is what that means.
            return KeyWords {
                finder: aho_corasick::AhoCorasick::new(Vec::<String>::new()).ok(),
            };
        }
        KeyWords {
            finder: aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&words)
                .ok(),
        }
    }

    /// Whether `s`, lowercased character by character as [`normalise_key`] does, holds a word.
    pub(crate) fn spelt_in(&self, s: &str) -> bool {
        let Some(ac) = &self.finder else {
            return true;
        };
        if s.is_ascii() {
            ac.is_match(s)
        } else {
            ac.is_match(&s.chars().flat_map(char::to_lowercase).collect::<String>())
        }
    }
}

/// The longest run of a normalised key pattern without `*`, dots at its ends trimmed (a
/// leading `*.` also matches the bare rest); `None` when the pattern is all wildcard.
pub(crate) fn longest_literal(pattern: &str) -> Option<String> {
    pattern
        .split('*')
        .map(|piece| piece.trim_matches('.'))
        .max_by_key(|piece| piece.len())
        .filter(|piece| !piece.is_empty())
        .map(str::to_owned)
}

/// A format-neutral config tree with the line of every key and array item.
#[derive(Debug, Clone, PartialEq)]
enum Tree {
    Scalar(ConfigValue),
    Seq(Vec<(u32, Tree)>),
    Map(Vec<(String, u32, Tree)>),
}

/// Turns trees into entries.
struct Flattener<'w> {
    /// Entries are made only for key paths that spell one of these.
    words: &'w KeyWords,
    entries: Vec<ConfigEntry>,
    /// The line of the first node nested deeper than [`MAX_DEPTH`].
    too_deep: Option<u32>,
}

impl Flattener<'_> {
    fn node(&mut self, tree: &Tree, path: &mut Vec<String>, depth: usize) {
        self.at(tree, path, 1, depth, false);
    }

    /// `spelt`: a segment of `path` spells one of the words.
    fn at(&mut self, tree: &Tree, path: &mut Vec<String>, line: u32, depth: usize, spelt: bool) {
        if depth > MAX_DEPTH {
            self.too_deep.get_or_insert(line);
            return;
        }
        match tree {
            Tree::Scalar(value) if !path.is_empty() => {
                if spelt || self.words.finder.is_none() {
                    self.push(path, value.clone(), line);
                }
            }
            Tree::Scalar(_) => {}
            Tree::Map(entries) => {
                for (key, line, value) in entries {
                    let spelt = spelt || self.words.spelt_in(key);
                    path.push(key.clone());
                    self.at(value, path, *line, depth + 1, spelt);
                    path.pop();
                }
            }
            Tree::Seq(items) => {
                let environment = path
                    .last()
                    .is_some_and(|k| k.eq_ignore_ascii_case("environment"));
                for (line, item) in items {
                    match item {
                        Tree::Scalar(ConfigValue::Text(s)) if environment => {
                            if let Some((k, v)) = s.split_once('=')
                                && !k.trim().is_empty()
                                && (spelt || self.words.spelt_in(k))
                            {
                                path.push(k.trim().to_owned());
                                self.push(path, ConfigValue::Text(v.to_owned()), *line);
                                path.pop();
                            }
                        }
                        Tree::Map(fields) => {
                            if let Some((name, value)) = name_value(fields)
                                && (spelt || self.words.spelt_in(&name))
                            {
                                path.push(name);
                                self.push(path, value, *line);
                                path.pop();
                            }
                            self.at(item, path, *line, depth + 1, spelt);
                        }
                        _ => self.at(item, path, *line, depth + 1, spelt),
                    }
                }
            }
        }
    }

    fn push(&mut self, path: &[String], value: ConfigValue, line: u32) {
        let raw_key = path.join(".");
        self.entries.push(ConfigEntry {
            key: normalise_key(&raw_key),
            raw_key,
            value,
            line,
        });
    }
}

/// A `{name: KEY, value: VALUE}` mapping (Kubernetes `env:` item).
fn name_value(fields: &[(String, u32, Tree)]) -> Option<(String, ConfigValue)> {
    if fields.len() != 2 {
        return None;
    }
    let get = |k: &str| {
        fields
            .iter()
            .find(|(key, _, _)| key == k)
            .map(|(_, _, v)| v)
    };
    match (get("name")?, get("value")?) {
        (Tree::Scalar(ConfigValue::Text(name)), Tree::Scalar(value)) if !name.is_empty() => {
            Some((name.clone(), value.clone()))
        }
        _ => None,
    }
}

/// 1-based line numbers of byte offsets.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|s| *s <= offset);
        u32::try_from(line.max(1)).unwrap_or(u32::MAX)
    }
}

/// Drops a trailing ` at line N, column M` / ` at line N column M` a parser appended.
fn strip_position(message: &str) -> String {
    let first = message.lines().next().unwrap_or("").trim();
    let cut = first.rfind(" at line ").map_or(first, |i| &first[..i]);
    let cut = cut.strip_prefix("TOML parse error: ").unwrap_or(cut);
    let mut chars = cut.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

// ---------------------------------------------------------------------------------------------
// TOML

fn toml_tree(text: &str) -> Result<Tree, ConfigProblem> {
    use toml::de::{DeTable, DeValue};
    let lines = LineIndex::new(text);
    let doc = DeTable::parse(text).map_err(|e| ConfigProblem {
        line: e.span().map_or(1, |s| lines.line(s.start)),
        message: strip_position(e.message()),
    })?;

    fn value(
        v: &toml::Spanned<DeValue<'_>>,
        lines: &LineIndex,
        depth: usize,
    ) -> Result<Tree, ConfigProblem> {
        if depth > MAX_DEPTH {
            return Err(too_deep(lines.line(v.span().start)));
        }
        Ok(match v.get_ref() {
            DeValue::String(s) => Tree::Scalar(ConfigValue::Text(s.to_string())),
            DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Tree::Scalar(ConfigValue::Number(n as f64)),
                Err(_) => Tree::Scalar(ConfigValue::Text(i.as_str().to_owned())),
            },
            DeValue::Float(f) => {
                let s: String = f.as_str().chars().filter(|c| *c != '_').collect();
                match s.parse::<f64>() {
                    Ok(n) => Tree::Scalar(ConfigValue::Number(n)),
                    Err(_) => Tree::Scalar(ConfigValue::Text(f.as_str().to_owned())),
                }
            }
            DeValue::Boolean(b) => Tree::Scalar(ConfigValue::Bool(*b)),
            DeValue::Datetime(d) => Tree::Scalar(ConfigValue::Text(d.to_string())),
            DeValue::Array(items) => Tree::Seq(
                items
                    .iter()
                    .map(|item| {
                        Ok((
                            lines.line(item.span().start),
                            value(item, lines, depth + 1)?,
                        ))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            DeValue::Table(t) => table(t, lines, depth + 1)?,
        })
    }

    fn table(t: &DeTable<'_>, lines: &LineIndex, depth: usize) -> Result<Tree, ConfigProblem> {
        Ok(Tree::Map(
            t.iter()
                .map(|(k, v)| {
                    Ok((
                        k.get_ref().to_string(),
                        lines.line(k.span().start),
                        value(v, lines, depth)?,
                    ))
                })
                .collect::<Result<_, _>>()?,
        ))
    }

    table(doc.get_ref(), &lines, 0)
}

// ---------------------------------------------------------------------------------------------
// YAML

mod yaml {
    use std::fmt;

    use genai_gate_policy::ConfigValue;
    use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_saphyr::Spanned;

    use super::{ConfigProblem, Tree, strip_position};

    /// A YAML node as serde-saphyr hands it over, with spans on keys and items.
    enum Node {
        Null,
        Scalar(ConfigValue),
        Seq(Vec<Spanned<Node>>),
        Map(Vec<(Spanned<Key>, Spanned<Node>)>),
    }

    /// A mapping key as text (complex keys become empty and are dropped).
    struct Key(String);

    pub(super) fn parse(text: &str) -> Result<Vec<Tree>, ConfigProblem> {
        let mut options = serde_saphyr::Options::default();
        options.strict_booleans = true;
        options.with_snippet = false;
        options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
        options.leading_zero_numbers_as_strings = true;
        let docs: Vec<Spanned<Node>> = serde_saphyr::from_str_multiple_with_options(text, options)
            .map_err(|e| ConfigProblem {
                line: e
                    .location()
                    .map_or(1, |l| u32::try_from(l.line()).unwrap_or(u32::MAX).max(1)),
                message: strip_position(&e.to_string()),
            })?;
        Ok(docs.into_iter().map(|d| tree(d.value)).collect())
    }

    fn line(s: &Spanned<impl Sized>) -> u32 {
        u32::try_from(s.referenced.line())
            .unwrap_or(u32::MAX)
            .max(1)
    }

    fn tree(node: Node) -> Tree {
        match node {
            Node::Null => Tree::Scalar(ConfigValue::Text(String::new())),
            Node::Scalar(v) => Tree::Scalar(v),
            Node::Seq(items) => Tree::Seq(
                items
                    .into_iter()
                    .map(|i| (line(&i), tree(i.value)))
                    .collect(),
            ),
            Node::Map(entries) => Tree::Map(
                entries
                    .into_iter()
                    .filter(|(k, _)| !k.value.0.is_empty())
                    .map(|(k, v)| (k.value.0.clone(), line(&k), tree(v.value)))
                    .collect(),
            ),
        }
    }

    impl<'de> Deserialize<'de> for Key {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Key(match Node::deserialize(d)? {
                Node::Scalar(ConfigValue::Text(s)) => s,
                Node::Scalar(other) => other.to_string(),
                Node::Null | Node::Seq(_) | Node::Map(_) => String::new(),
            }))
        }
    }

    impl<'de> Deserialize<'de> for Node {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(NodeVisitor)
        }
    }

    struct NodeVisitor;

    impl<'de> Visitor<'de> for NodeVisitor {
        type Value = Node;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any YAML value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
            Ok(Node::Scalar(ConfigValue::Bool(v)))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
            Ok(Node::Scalar(ConfigValue::Number(v as f64)))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
            Ok(Node::Scalar(ConfigValue::Number(v as f64)))
        }
        fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
            Ok(Node::Scalar(ConfigValue::Number(v as f64)))
        }
        fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
            Ok(Node::Scalar(ConfigValue::Number(v as f64)))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
            Ok(Node::Scalar(ConfigValue::Number(v)))
        }
        fn visit_char<E>(self, v: char) -> Result<Node, E> {
            Ok(Node::Scalar(ConfigValue::Text(v.to_string())))
        }
        fn visit_str<E>(self, v: &str) -> Result<Node, E> {
            Ok(Node::Scalar(ConfigValue::Text(v.to_owned())))
        }
        fn visit_string<E>(self, v: String) -> Result<Node, E> {
            Ok(Node::Scalar(ConfigValue::Text(v)))
        }
        fn visit_bytes<E>(self, v: &[u8]) -> Result<Node, E> {
            Ok(Node::Scalar(ConfigValue::Text(
                String::from_utf8_lossy(v).into_owned(),
            )))
        }
        fn visit_unit<E>(self) -> Result<Node, E> {
            Ok(Node::Null)
        }
        fn visit_none<E>(self) -> Result<Node, E> {
            Ok(Node::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
            Node::deserialize(d)
        }
        fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
            Node::deserialize(d)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(Node::Seq(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
            let mut entries = Vec::new();
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            Ok(Node::Map(entries))
        }
        fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Node, A::Error> {
            // A tagged value (`!Ref x`) that serde-saphyr presents as an enum: keep nothing.
            let (IgnoredAny, variant) = data.variant::<IgnoredAny>()?;
            serde::de::VariantAccess::newtype_variant::<IgnoredAny>(variant)?;
            Ok(Node::Null)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

mod json {
    use genai_gate_policy::ConfigValue;

    use super::{ConfigProblem, LineIndex, MAX_DEPTH, Tree, strip_position, too_deep};

    /// Validates with serde_json, then reads the tree with key lines.
    pub(super) fn parse(text: &str) -> Result<Tree, ConfigProblem> {
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
            return Err(ConfigProblem {
                line: u32::try_from(e.line()).unwrap_or(u32::MAX).max(1),
                message: strip_position(&e.to_string()),
            });
        }
        let mut reader = Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            lines: LineIndex::new(text),
            too_deep: None,
        };
        let tree = reader.value(0);
        if let Some(line) = reader.too_deep {
            return Err(too_deep(line));
        }
        Ok(tree.unwrap_or(Tree::Seq(Vec::new())))
    }

    /// Reads JSON that serde_json has already accepted; `None` only on surprises.
    struct Reader<'a> {
        text: &'a str,
        bytes: &'a [u8],
        pos: usize,
        lines: LineIndex,
        /// The line of the first value nested deeper than [`MAX_DEPTH`].
        too_deep: Option<u32>,
    }

    impl Reader<'_> {
        fn skip_ws(&mut self) {
            while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
        }

        fn value(&mut self, depth: usize) -> Option<Tree> {
            if depth > MAX_DEPTH {
                self.too_deep = Some(self.lines.line(self.pos));
                return None;
            }
            self.skip_ws();
            match *self.bytes.get(self.pos)? {
                b'{' => {
                    self.pos += 1;
                    let mut entries = Vec::new();
                    loop {
                        self.skip_ws();
                        match *self.bytes.get(self.pos)? {
                            b'}' => {
                                self.pos += 1;
                                return Some(Tree::Map(entries));
                            }
                            b',' => self.pos += 1,
                            b'"' => {
                                let line = self.lines.line(self.pos);
                                let key = self.string()?;
                                self.skip_ws();
                                (self.bytes.get(self.pos) == Some(&b':')).then_some(())?;
                                self.pos += 1;
                                let value = self.value(depth + 1)?;
                                entries.push((key, line, value));
                            }
                            _ => return None,
                        }
                    }
                }
                b'[' => {
                    self.pos += 1;
                    let mut items = Vec::new();
                    loop {
                        self.skip_ws();
                        match *self.bytes.get(self.pos)? {
                            b']' => {
                                self.pos += 1;
                                return Some(Tree::Seq(items));
                            }
                            b',' => self.pos += 1,
                            _ => {
                                let line = self.lines.line(self.pos);
                                items.push((line, self.value(depth + 1)?));
                            }
                        }
                    }
                }
                b'"' => Some(Tree::Scalar(ConfigValue::Text(self.string()?))),
                _ => {
                    let start = self.pos;
                    while self.pos < self.bytes.len()
                        && !b",]} \t\r\n".contains(&self.bytes[self.pos])
                    {
                        self.pos += 1;
                    }
                    let word = self.text.get(start..self.pos)?;
                    Some(Tree::Scalar(match word {
                        "true" => ConfigValue::Bool(true),
                        "false" => ConfigValue::Bool(false),
                        "null" => ConfigValue::Text(String::new()),
                        n => ConfigValue::Number(n.parse().ok()?),
                    }))
                }
            }
        }

        /// A string token starting at `pos` (a `"`), unescaped by serde_json.
        fn string(&mut self) -> Option<String> {
            let start = self.pos;
            self.pos += 1;
            while self.pos < self.bytes.len() {
                match self.bytes[self.pos] {
                    b'\\' => self.pos += 2,
                    b'"' => {
                        self.pos += 1;
                        let quoted = self.text.get(start..self.pos)?;
                        // Without escapes the text is the string (serde_json accepted it).
                        if !quoted.contains('\\') {
                            return Some(quoted[1..quoted.len() - 1].to_owned());
                        }
                        return serde_json::from_str(quoted).ok();
                    }
                    _ => self.pos += 1,
                }
            }
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// .env

fn env_entries(text: &str) -> Result<Vec<ConfigEntry>, ConfigProblem> {
    let lines: Vec<&str> = text.lines().collect();
    let mut entries = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = lines[i].trim();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map_or(line, str::trim_start);
        let problem = |message: String| ConfigProblem {
            line: line_no,
            message,
        };
        let Some((key, rest)) = line.split_once('=') else {
            return Err(problem(format!("expected `KEY=VALUE`, found `{line}`")));
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_alphanumeric() || "_.-".contains(c))
        {
            return Err(problem(format!("invalid variable name `{key}`")));
        }
        let rest = rest.trim_start();
        let value = if let Some(body) = rest.strip_prefix('"') {
            // Double quotes: escapes, and the value may continue on the next lines.
            let mut body = body.to_owned();
            loop {
                if let Some(v) = closing_double_quote(&body) {
                    break v;
                }
                if i >= lines.len() {
                    return Err(problem("unterminated double-quoted value".into()));
                }
                body.push('\n');
                body.push_str(lines[i]);
                i += 1;
            }
        } else if let Some(body) = rest.strip_prefix('\'') {
            match body.find('\'') {
                Some(end) => body[..end].to_owned(),
                None => return Err(problem("unterminated single-quoted value".into())),
            }
        } else {
            let end = rest
                .char_indices()
                .find(|&(j, c)| c == '#' && (j == 0 || rest[..j].ends_with([' ', '\t'])))
                .map_or(rest.len(), |(j, _)| j);
            rest[..end].trim_end().to_owned()
        };
        entries.push(ConfigEntry {
            key: normalise_key(key),
            raw_key: key.to_owned(),
            value: ConfigValue::Text(value),
            line: line_no,
        });
    }
    Ok(entries)
}

/// The unescaped value of a double-quoted body up to its closing quote, or `None` if unclosed.
fn closing_double_quote(body: &str) -> Option<String> {
    let mut value = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                'r' => value.push('\r'),
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entries each predicate matches, as `(predicate, raw key, line)`.
    fn matched(preds: &[ConfigPredicate], entries: &[ConfigEntry]) -> Vec<(usize, String, u32)> {
        let compiled: Vec<CompiledPredicate> = preds.iter().map(CompiledPredicate::new).collect();
        let mut out = Vec::new();
        for (i, c) in compiled.iter().enumerate() {
            for e in entries {
                if c.check(e).is_some() {
                    out.push((i, e.raw_key.clone(), e.line));
                }
            }
        }
        out
    }

    #[test]
    fn entries_no_predicate_reads_are_not_made_and_the_rest_are_the_same() {
        let preds: Vec<ConfigPredicate> = [
            "moderation.enabled = true",
            "*.audit.retention_days >= 184",
            "content_filter.*.enabled = true",
        ]
        .iter()
        .map(|p| p.parse().unwrap())
        .collect();
        let words = KeyWords::of(&preds);
        let cases = [
            (
                "tokenizer.json",
                r#"{"model": {"vocab": {"a": 1, "\u00e9t\u00e9": 2, "Moder": 3, "ation": 4}},
                   "moderation": {"enabled": false}, "Settings": {"Audit": {"RetentionDays": 30}}}"#,
                FileKind::Json,
            ),
            (
                "compose.yaml",
                "services:\n  api:\n    environment:\n      - MODERATION_ENABLED=true\n      - FOO=1\n    env:\n      - name: CONTENT_FILTER_OUTPUT_ENABLED\n        value: 'true'\n      - name: OTHER\n        value: x\n",
                FileKind::Yaml,
            ),
            (
                "config.toml",
                "[ModerationService]\nendpoint = 'x'\n[moderation]\nenabled = true\n[server]\nport = 8080\n",
                FileKind::Toml,
            ),
            // Case folding beyond ASCII: the Kelvin sign lowercases to `k`, as in normalise_key.
            (
                "odd.json",
                "{\"\u{212A}ey\": 1, \"MODERATION\": {\"ENABLED\": true}}",
                FileKind::Json,
            ),
        ];
        for (rel, text, kind) in cases {
            let all = extract_config(rel, text, kind).unwrap();
            let some = extract_config_for(rel, text, kind, &words).unwrap();
            assert!(some.len() < all.len(), "{rel}: nothing was left out");
            assert!(!some.is_empty(), "{rel}: everything was left out");
            assert_eq!(matched(&preds, &all), matched(&preds, &some), "{rel}");
            assert!(some.iter().all(|e| all.contains(e)), "{rel}");
        }
        // A pattern without a literal reads every key.
        let every = KeyWords::of(&["* = 1".parse::<ConfigPredicate>().unwrap()]);
        let (rel, text, kind) = cases[0];
        assert_eq!(
            extract_config_for(rel, text, kind, &every).unwrap(),
            extract_config(rel, text, kind).unwrap()
        );
        // No predicate at all: no entry is read.
        assert!(
            extract_config_for(rel, text, kind, &KeyWords::of(&[]))
                .unwrap()
                .is_empty()
        );
        // Nesting too deep is still reported, whatever the keys spell.
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(extract_config_for("deep.json", &deep, FileKind::Json, &words).is_err());
    }

    #[test]
    fn json_strings_without_escapes_read_as_written() {
        let got = entries(
            "a.json",
            r#"{"a b": "c\"d", "e": "f\u00e9", "g": ""}"#,
            FileKind::Json,
        );
        let values: Vec<ConfigValue> = got.into_iter().map(|(_, _, v, _)| v).collect();
        assert_eq!(values, [text("c\"d"), text("fé"), text("")]);
    }

    fn entries(rel: &str, text: &str, kind: FileKind) -> Vec<(String, String, ConfigValue, u32)> {
        extract_config(rel, text, kind)
            .unwrap_or_else(|p| panic!("{rel}: {p}"))
            .into_iter()
            .map(|e| (e.key, e.raw_key, e.value, e.line))
            .collect()
    }

    fn keys_lines(rel: &str, text: &str, kind: FileKind) -> Vec<(String, u32)> {
        entries(rel, text, kind)
            .into_iter()
            .map(|(k, _, _, l)| (k, l))
            .collect()
    }

    fn text(s: &str) -> ConfigValue {
        ConfigValue::Text(s.into())
    }

    fn n(x: f64) -> ConfigValue {
        ConfigValue::Number(x)
    }

    fn kl(pairs: &[(&str, u32)]) -> Vec<(String, u32)> {
        pairs.iter().map(|(k, l)| (k.to_string(), *l)).collect()
    }

    #[test]
    fn normalisation_splits_words_and_keeps_stars() {
        for (raw, want) in [
            ("MODERATION_ENABLED", "moderation.enabled"),
            ("moderationEnabled", "moderation.enabled"),
            ("Moderation-Enabled", "moderation.enabled"),
            ("moderation.enabled", "moderation.enabled"),
            ("audit.retention_days", "audit.retention.days"),
            ("HTTPServer.maxBodySize", "http.server.max.body.size"),
            ("ttl30Days", "ttl30.days"),
            ("v1.api__key", "v1.api.key"),
            ("*.retention_days", "*.retention.days"),
            ("moderation*", "moderation*"),
            ("内容审核.enabled", "内容审核.enabled"),
            ("", ""),
            ("..__", ""),
        ] {
            assert_eq!(normalise_key(raw), want, "{raw}");
        }
    }

    #[test]
    fn toml_flattens_tables_and_arrays_with_key_lines() {
        let src = r#"
title = "svc"
[audit]
retention_days = 180
enabled = true
ratio = 0.5
since = 2024-01-01
hex = 0xff
count = "42"

[[limits]]
rpm = 60
[[limits]]
rpm = 120

[moderation.output]
provider = { name = "aliyun", region = "cn-shanghai" }
tags = [
  "a",
  "b",
]
"#;
        let got = entries("config.toml", src, FileKind::Toml);
        let want = vec![
            ("title", "title", text("svc"), 2),
            ("audit.retention.days", "audit.retention_days", n(180.0), 4),
            ("audit.enabled", "audit.enabled", ConfigValue::Bool(true), 5),
            ("audit.ratio", "audit.ratio", n(0.5), 6),
            ("audit.since", "audit.since", text("2024-01-01"), 7),
            ("audit.hex", "audit.hex", n(255.0), 8),
            ("audit.count", "audit.count", text("42"), 9),
            ("limits.rpm", "limits.rpm", n(60.0), 12),
            ("limits.rpm", "limits.rpm", n(120.0), 14),
            (
                "moderation.output.provider.name",
                "moderation.output.provider.name",
                text("aliyun"),
                17,
            ),
            (
                "moderation.output.provider.region",
                "moderation.output.provider.region",
                text("cn-shanghai"),
                17,
            ),
            (
                "moderation.output.tags",
                "moderation.output.tags",
                text("a"),
                19,
            ),
            (
                "moderation.output.tags",
                "moderation.output.tags",
                text("b"),
                20,
            ),
        ];
        let want: Vec<_> = want
            .into_iter()
            .map(|(k, r, v, l)| (k.to_owned(), r.to_owned(), v, l))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn toml_dotted_keys_take_the_line_of_the_leaf() {
        let src = "a.b.c = 1\n\n[x]\ny.z = -3\n";
        assert_eq!(
            keys_lines("c.toml", src, FileKind::Toml),
            kl(&[("a.b.c", 1), ("x.y.z", 4)])
        );
        assert_eq!(entries("c.toml", src, FileKind::Toml)[1].2, n(-3.0));
    }

    #[test]
    fn yaml_multi_document_with_compose_environment_list() {
        let src = r#"# compose
services:
  api:
    image: "svc:1.0"
    environment:
      - MODERATION_ENABLED=true
      - "RATE_LIMIT=10"
      - PASSTHROUGH
    ports: ["8080:80"]
  worker:
    environment:
      LOG_RETENTION_DAYS: 365
---
moderation:
  enabled: yes
  threshold: 0.8
  version: "2"
---
"#;
        let got = entries("docker-compose.yml", src, FileKind::Yaml);
        let want = vec![
            (
                "services.api.image",
                "services.api.image",
                text("svc:1.0"),
                4,
            ),
            (
                "services.api.environment.moderation.enabled",
                "services.api.environment.MODERATION_ENABLED",
                text("true"),
                6,
            ),
            (
                "services.api.environment.rate.limit",
                "services.api.environment.RATE_LIMIT",
                text("10"),
                7,
            ),
            (
                "services.api.ports",
                "services.api.ports",
                text("8080:80"),
                9,
            ),
            (
                "services.worker.environment.log.retention.days",
                "services.worker.environment.LOG_RETENTION_DAYS",
                n(365.0),
                12,
            ),
            ("moderation.enabled", "moderation.enabled", text("yes"), 15),
            ("moderation.threshold", "moderation.threshold", n(0.8), 16),
            ("moderation.version", "moderation.version", text("2"), 17),
        ];
        let want: Vec<_> = want
            .into_iter()
            .map(|(k, r, v, l)| (k.to_owned(), r.to_owned(), v, l))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn yaml_helm_values_kubernetes_env_and_anchors() {
        let src = "defaults: &d\n  retention_days: 30\naudit:\n  <<: *d\n  sink: clickhouse\nenv:\n  - name: MODERATION_ENABLED\n    value: \"true\"\nempty:\nlist: []\n";
        let got = keys_lines("values.yaml", src, FileKind::Yaml);
        assert!(
            got.contains(&("defaults.retention.days".into(), 2)),
            "{got:?}"
        );
        assert!(got.contains(&("audit.sink".into(), 5)), "{got:?}");
        assert!(
            got.iter().any(|(k, _)| k == "audit.retention.days"),
            "{got:?}"
        );
        assert!(
            got.contains(&("env.moderation.enabled".into(), 7)),
            "{got:?}"
        );
        assert!(got.contains(&("env.name".into(), 7)), "{got:?}");
        assert!(got.contains(&("env.value".into(), 8)), "{got:?}");
        assert!(got.contains(&("empty".into(), 9)), "{got:?}");
        assert!(!got.iter().any(|(k, _)| k == "list"), "{got:?}");
    }

    #[test]
    fn json_keys_carry_their_lines() {
        let src = "{\n  \"moderation\": {\n    \"enabled\": true,\n    \"providers\": [\n      {\"name\": \"green\", \"timeoutMs\": 1500}\n    ]\n  },\n  \"audit\": {\"retentionDays\": \"180\", \"note\": null, \"esc\": \"a\\\"b\"}\n}\n";
        let got = entries("config.json", src, FileKind::Json);
        let want = vec![
            (
                "moderation.enabled",
                "moderation.enabled",
                ConfigValue::Bool(true),
                3,
            ),
            (
                "moderation.providers.name",
                "moderation.providers.name",
                text("green"),
                5,
            ),
            (
                "moderation.providers.timeout.ms",
                "moderation.providers.timeoutMs",
                n(1500.0),
                5,
            ),
            (
                "audit.retention.days",
                "audit.retentionDays",
                text("180"),
                8,
            ),
            ("audit.note", "audit.note", text(""), 8),
            ("audit.esc", "audit.esc", text("a\"b"), 8),
        ];
        let want: Vec<_> = want
            .into_iter()
            .map(|(k, r, v, l)| (k.to_owned(), r.to_owned(), v, l))
            .collect();
        assert_eq!(got, want);
        assert!(entries("a.json", "[1, 2]", FileKind::Json).is_empty());
    }

    #[test]
    fn env_files_with_export_quotes_and_comments() {
        let src = "# comment\nexport MODERATION_ENABLED=true\nRATE_LIMIT = 10 # per minute\nGREETING=\"hi # there\\n\"\nRAW='a\\nb'\nMULTI=\"line1\nline2\"\nEMPTY=\nURL=http://x/#frag\nexported_value=1\n";
        let got = entries(".env", src, FileKind::Env);
        let want = vec![
            ("moderation.enabled", "MODERATION_ENABLED", text("true"), 2),
            ("rate.limit", "RATE_LIMIT", text("10"), 3),
            ("greeting", "GREETING", text("hi # there\n"), 4),
            ("raw", "RAW", text("a\\nb"), 5),
            ("multi", "MULTI", text("line1\nline2"), 6),
            ("empty", "EMPTY", text(""), 8),
            ("url", "URL", text("http://x/#frag"), 9),
            ("exported.value", "exported_value", text("1"), 10),
        ];
        let want: Vec<_> = want
            .into_iter()
            .map(|(k, r, v, l)| (k.to_owned(), r.to_owned(), v, l))
            .collect();
        assert_eq!(got, want);
        assert_eq!(
            keys_lines("deploy/prod.env", "A_B=1\n", FileKind::Text),
            kl(&[("a.b", 1)])
        );
    }

    #[test]
    fn malformed_files_are_problems_with_a_line() {
        let cases: [(&str, &str, FileKind, u32); 8] = [
            ("c.toml", "a = 1\n[b\nc = 2\n", FileKind::Toml, 2),
            ("c.toml", "a = 1\na = 2\n", FileKind::Toml, 2),
            ("c.yaml", "a: [1, 2\nb: 3\n", FileKind::Yaml, 2),
            ("c.yaml", "a: 1\n  b: 2\n", FileKind::Yaml, 2),
            (
                "c.json",
                "{\n  \"a\": 1,\n  \"b\": \n}\n",
                FileKind::Json,
                4,
            ),
            ("c.json", "{\"a\": 1}\n// trailing\n", FileKind::Json, 2),
            (".env", "A=1\nnot an assignment\n", FileKind::Env, 2),
            (".env", "A=1\nB=\"open\nC=2\n", FileKind::Env, 2),
        ];
        for (rel, src, kind, line) in cases {
            let p = extract_config(rel, src, kind).expect_err(src);
            assert_eq!(p.line, line, "{src:?}: {p}");
            assert!(
                !p.message.is_empty() && !p.message.contains(" at line "),
                "{p:?}"
            );
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let deep_json = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let deep_yaml = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let dotted = format!("{} = 1", vec!["k"; 3000].join("."));
        for (src, kind) in [
            (deep_json.as_str(), FileKind::Json),
            (deep_yaml.as_str(), FileKind::Yaml),
            (dotted.as_str(), FileKind::Toml),
            ("", FileKind::Toml),
            ("", FileKind::Yaml),
            ("", FileKind::Json),
            ("", FileKind::Env),
            ("\u{feff}a: 1", FileKind::Yaml),
            (
                "a: !Ref x\nb: !!binary aGk=\n? [x, y]\n: 1\n",
                FileKind::Yaml,
            ),
            ("a: &x [*x]\n", FileKind::Yaml),
            ("\"just a string\"", FileKind::Json),
            ("===", FileKind::Env),
            ("export", FileKind::Env),
            ("fn main() {}", FileKind::Rust),
        ] {
            let _ = extract_config("x", src, kind);
        }
    }

    #[test]
    fn predicates_match_normalised_keys() {
        let entry = |raw: &str, value: ConfigValue| ConfigEntry {
            key: normalise_key(raw),
            raw_key: raw.into(),
            value,
            line: 1,
        };
        let p = |s: &str| s.parse::<ConfigPredicate>().unwrap();
        assert_eq!(
            entry_matches(
                &p("*.retention_days >= 180"),
                &entry("LOG_RETENTION_DAYS", text("365"))
            ),
            Some(true)
        );
        assert_eq!(
            entry_matches(
                &p("*.retention_days >= 180"),
                &entry("audit.retentionDays", n(30.0))
            ),
            Some(false)
        );
        assert_eq!(
            entry_matches(
                &p("*.retention_days >= 180"),
                &entry("retention_days", n(200.0))
            ),
            Some(true)
        );
        assert_eq!(
            entry_matches(
                &p("*.retention_days >= 180"),
                &entry("retention_days_max", n(200.0))
            ),
            None
        );
        assert_eq!(
            entry_matches(
                &p("moderation_enabled = true"),
                &entry("moderationEnabled", ConfigValue::Bool(true))
            ),
            Some(true)
        );
        assert_eq!(
            entry_matches(
                &p("*moderation*enabled = true"),
                &entry("services.api.environment.MODERATION_ENABLED", text("false"))
            ),
            Some(false)
        );
        assert_eq!(
            entry_matches(
                &p("moderation.enabled = true"),
                &entry("services.moderation.enabled", text("true"))
            ),
            None
        );
    }
}

#[cfg(test)]
mod normalise_tests {
    use super::normalise_key;

    /// The one-pass form against the word list it replaced, on keys of every shape.
    #[test]
    fn normalise_key_matches_the_word_list_form() {
        fn by_words(s: &str) -> String {
            let mut words: Vec<String> = Vec::new();
            let mut word = String::new();
            let chars: Vec<char> = s.chars().collect();
            for (i, &c) in chars.iter().enumerate() {
                if !(c.is_alphanumeric() || c == '*') {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                    continue;
                }
                if c.is_uppercase() && !word.is_empty() {
                    let prev = chars[i - 1];
                    let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
                    if prev.is_lowercase()
                        || prev.is_ascii_digit()
                        || (prev.is_uppercase() && next_lower)
                    {
                        words.push(std::mem::take(&mut word));
                    }
                }
                word.extend(c.to_lowercase());
            }
            if !word.is_empty() {
                words.push(word);
            }
            words.join(".")
        }
        for k in [
            "",
            "...",
            "MODERATION_ENABLED",
            "moderationEnabled",
            "HTTPServerURL",
            "a1B2c3",
            "x.y__z--W",
            "*.retention_days",
            "*MODERATION*",
            "İstanbulKey",
            "ÄÖÜ_straße",
            "日志.保留天数",
            "k8sPodName",
            "v2Chat.Completions",
        ] {
            assert_eq!(normalise_key(k), by_words(k), "{k:?}");
        }
    }
}
