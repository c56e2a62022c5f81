//! A set of loaded packs and catalogues, with the checks that span files.

use crate::catalogue::{Catalogue, KeySet};
use crate::diag::{Diagnostic, LoadError, SourceFile};
use crate::model::{AmendAction, ConfigPredicate, Pack, PackKind};
use crate::suggest::did_you_mean;
use crate::validate::{load_catalogue, load_pack, topic_problems};

/// The packs and catalogues shipped inside the binary: `(display name, text)`.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "<embedded>/policies/cn-genai-2023.toml",
        include_str!("../../../policies/cn-genai-2023.toml"),
    ),
    (
        "<embedded>/policies/cn-genai-2023-draft.toml",
        include_str!("../../../policies/cn-genai-2023-draft.toml"),
    ),
    (
        "<embedded>/policies/sectors/news.toml",
        include_str!("../../../policies/sectors/news.toml"),
    ),
    (
        "<embedded>/policies/sectors/audiovisual.toml",
        include_str!("../../../policies/sectors/audiovisual.toml"),
    ),
    (
        "<embedded>/policies/sectors/publishing.toml",
        include_str!("../../../policies/sectors/publishing.toml"),
    ),
    (
        "<embedded>/policies/detectors/core.toml",
        include_str!("../../../policies/detectors/core.toml"),
    ),
];

/// What kind of policy file a TOML text is, by its top-level table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Has `[pack]`.
    Pack,
    /// Has `[catalogue]`.
    Catalogue,
    /// Has `[service]`.
    Profile,
}

/// Tells a pack, a catalogue and a profile apart without validating them.
///
/// ```
/// use genai_gate_policy::{file_kind, FileKind};
/// assert_eq!(file_kind("[catalogue]\nid = \"x\""), Some(FileKind::Catalogue));
/// assert_eq!(file_kind("not toml ["), None);
/// ```
pub fn file_kind(text: &str) -> Option<FileKind> {
    let table: toml::Table = toml::from_str(text).ok()?;
    if table.contains_key("pack") {
        Some(FileKind::Pack)
    } else if table.contains_key("catalogue") {
        Some(FileKind::Catalogue)
    } else if table.contains_key("service") {
        Some(FileKind::Profile)
    } else {
        None
    }
}

/// Loaded packs and detector catalogues.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// Packs, in load order.
    pub packs: Vec<Pack>,
    /// Catalogues, in load order.
    pub catalogues: Vec<Catalogue>,
    /// Every source loaded, for rendering snippets.
    pub sources: Vec<SourceFile>,
}

impl PolicySet {
    /// The packs and catalogues shipped in the binary.
    ///
    /// ```
    /// let set = genai_gate_policy::PolicySet::embedded().unwrap();
    /// assert!(set.pack("cn-genai-2023").is_some());
    /// assert!(set.pack("cn-genai-2023-draft").is_some());
    /// ```
    pub fn embedded() -> Result<PolicySet, LoadError> {
        let mut set = PolicySet::default();
        let mut errors = Vec::new();
        for (name, text) in EMBEDDED {
            if let Err(e) = set.add(SourceFile::new(*name, *text), true) {
                errors.extend(e.diagnostics);
            }
        }
        if let Err(e) = set.check() {
            errors.extend(e.diagnostics);
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(LoadError {
                diagnostics: errors,
            })
        }
    }

    /// Adds a pack or catalogue file (recognised by its top-level table).
    /// Call [`PolicySet::check`] once every file is added.
    pub fn add(&mut self, source: SourceFile, embedded: bool) -> Result<(), LoadError> {
        let result = match file_kind(&source.text) {
            Some(FileKind::Catalogue) => load_catalogue(&source).map(|c| self.catalogues.push(c)),
            Some(FileKind::Profile) => Err(single(
                &source,
                "this is a repository profile, not a pack or catalogue",
                "pass it with `--profile`",
            )),
            // A pack, or something unrecognisable: the pack loader reports what is missing.
            Some(FileKind::Pack) | None => load_pack(&source, embedded).map(|p| self.packs.push(p)),
        };
        self.sources.push(source);
        result
    }

    /// A pack by id.
    pub fn pack(&self, id: &str) -> Option<&Pack> {
        self.packs.iter().find(|p| p.meta.id == id)
    }

    /// Pack ids, for suggestions.
    pub fn pack_ids(&self) -> impl Iterator<Item = &str> {
        self.packs.iter().map(|p| p.meta.id.as_str())
    }

    /// A "did you mean" for an unknown pack id.
    pub fn suggest_pack(&self, id: &str) -> Option<String> {
        did_you_mean(id, self.pack_ids()).map(str::to_owned)
    }

    /// The source text of a loaded file by display name.
    pub fn source(&self, name: &str) -> Option<&SourceFile> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// A config key set of any loaded catalogue, by id.
    pub fn key_set(&self, id: &str) -> Option<&KeySet> {
        self.catalogues.iter().find_map(|c| c.key_set(id))
    }

    /// The help for an unknown key set: a "did you mean", or the sets there are.
    pub fn key_set_help(&self, id: &str) -> String {
        let ids: Vec<&str> = self
            .catalogues
            .iter()
            .flat_map(|c| c.key_sets.iter().map(|k| k.id.as_str()))
            .collect();
        match did_you_mean(id, ids.iter().copied()) {
            Some(s) => format!("did you mean `@{s}`? key sets are defined by `[[key-set]]` in a detector catalogue"),
            None if ids.is_empty() => "no catalogue defines a `[[key-set]]`; name the keys in the predicate, or define the set".into(),
            None => format!(
                "the catalogues define {}",
                ids.iter().map(|i| format!("`@{i}`")).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    /// Fills in the key patterns of every predicate that reads a key set (`@name`), in packs
    /// and catalogues, and reports the sets that no catalogue defines.
    fn bind_key_sets(&mut self, errors: &mut Vec<Diagnostic>) {
        let sets: Vec<(String, Vec<String>)> = self
            .catalogues
            .iter()
            .flat_map(|c| c.key_sets.iter().map(|k| (k.id.clone(), k.keys.clone())))
            .collect();
        let mut unknown: Vec<(crate::model::Location, String, String)> = Vec::new();
        let mut bind = |p: &mut ConfigPredicate, loc: &crate::model::Location, owner: &str| {
            let Some(name) = p.key_set().map(str::to_owned) else {
                return;
            };
            match sets.iter().find(|(id, _)| *id == name) {
                Some((_, keys)) => p.bind(keys),
                None => unknown.push((
                    loc.clone(),
                    format!("{owner} reads unknown key set `@{name}` in `{p}`"),
                    name,
                )),
            }
        };
        for pack in &mut self.packs {
            let reqs = pack
                .controls
                .iter_mut()
                .flat_map(|c| {
                    let id = c.id.clone();
                    c.requirements
                        .iter_mut()
                        .map(move |r| (format!("`{id}`"), r))
                })
                .chain(pack.amendments.iter_mut().flat_map(|a| {
                    let id = a.control.clone();
                    a.requirements
                        .iter_mut()
                        .map(move |r| (format!("the amendment of `{id}`"), r))
                }));
            for (owner, r) in reqs {
                let loc = r.location.clone();
                if let Some(p) = &mut r.config {
                    bind(p, &loc, &owner);
                }
            }
        }
        for cat in &mut self.catalogues {
            for d in &mut cat.detectors {
                let owner = format!("detector `{}`", d.id);
                for p in &mut d.config {
                    bind(p, &d.location, &owner);
                }
            }
        }
        for (loc, message, name) in unknown {
            errors.push(Diagnostic {
                file: loc.file.clone(),
                span: Some(loc.span.clone()),
                line: Some(loc.line),
                message,
                help: Some(self.key_set_help(&name)),
            });
        }
    }

    /// Checks that span files — unique ids, links that resolve, overlays that amend controls
    /// of their base and do not loosen them, amendments whose citations impose the duty they
    /// rest on — and binds every `@key-set` predicate to its catalogue's keys. Call it once
    /// every file is added.
    pub fn check(&mut self) -> Result<(), LoadError> {
        let mut errors = Vec::new();
        self.bind_key_sets(&mut errors);
        let mut err = |file: &str,
                       loc: Option<&crate::model::Location>,
                       message: String,
                       help: Option<String>| {
            errors.push(Diagnostic {
                file: file.to_owned(),
                span: loc.map(|l| l.span.clone()),
                line: loc.map(|l| l.line),
                message,
                help,
            });
        };
        for (i, p) in self.packs.iter().enumerate() {
            if self.packs[..i].iter().any(|q| q.meta.id == p.meta.id) {
                err(
                    &p.file,
                    None,
                    format!("pack `{}` is loaded twice", p.meta.id),
                    Some("pack ids must be unique; rename one of them".into()),
                );
            }
            for link in p.meta.supersedes.iter().chain(&p.meta.superseded_by) {
                if self.pack(link).is_none() {
                    err(
                        &p.file,
                        None,
                        format!("pack `{}` links to unknown pack `{link}`", p.meta.id),
                        self.suggest_pack(link)
                            .map(|s| format!("did you mean `{s}`?")),
                    );
                }
            }
            if p.meta.kind != PackKind::Overlay {
                continue;
            }
            let Some(base_id) = &p.meta.extends else {
                continue;
            };
            let Some(base) = self.pack(base_id) else {
                err(
                    &p.file,
                    None,
                    format!("overlay `{}` extends unknown pack `{base_id}`", p.meta.id),
                    self.suggest_pack(base_id)
                        .map(|s| format!("did you mean `{s}`?")),
                );
                continue;
            };
            if base.meta.kind != PackKind::Base {
                err(
                    &p.file,
                    None,
                    format!(
                        "overlay `{}` extends `{base_id}`, which is not a base pack",
                        p.meta.id
                    ),
                    None,
                );
            }
            for c in &p.controls {
                if base.control(&c.id).is_some() {
                    err(
                        &p.file,
                        Some(&c.location),
                        format!("overlay control `{}` has the id of a base control", c.id),
                        Some("use `[[amend]]` to change a base control".into()),
                    );
                }
            }
            for a in &p.amendments {
                let Some(target) = base.control(&a.control) else {
                    let ids = base.controls.iter().map(|c| c.id.as_str());
                    err(
                        &p.file,
                        Some(&a.location),
                        format!(
                            "`{}` amends unknown control `{}` of `{base_id}`",
                            p.meta.id, a.control
                        ),
                        did_you_mean(&a.control, ids).map(|s| format!("did you mean `{s}`?")),
                    );
                    continue;
                };
                if let Some(topic) = a.topic.as_ref().or(target.topic.as_ref()) {
                    let refs: Vec<&str> = a.citations.iter().map(String::as_str).collect();
                    let owner = format!("the amendment of `{}`", a.control);
                    for (_, message, help) in topic_problems(&p.articles, &refs, topic, &owner) {
                        err(&p.file, Some(&a.location), message, Some(help));
                    }
                }
                if a.action == AmendAction::Tighten
                    && let Some(sev) = a.severity
                    && sev < target.severity
                {
                    err(&p.file, Some(&a.location), format!("tightening `{}` lowers its severity from {} to {sev}", a.control, target.severity), Some("an overlay may only raise severity; use `action = \"replace\"` with a reason".into()));
                }
                if a.action == AmendAction::Tighten {
                    for r in a.requirements.iter().filter(|r| r.order.is_some()) {
                        if target.scope == crate::model::Scope::Repository {
                            err(
                                &p.file,
                                Some(&r.location),
                                format!("tightening `{}` adds an `order`, but the control is repository-scoped", a.control),
                                Some("`order` only applies to endpoint-scoped controls; remove it or replace the control".into()),
                            );
                        }
                    }
                    for r in &a.requirements {
                        let same = target
                            .requirements
                            .iter()
                            .find(|t| t.capability == r.capability && t.config.is_some());
                        if let (Some(t), Some(new)) = (same, &r.config)
                            && let Some(old) = &t.config
                            && new.key == old.key
                            && !new.at_least_as_strict_as(old)
                        {
                            err(
                                &p.file,
                                Some(&r.location),
                                format!("tightening `{}` loosens `{old}` to `{new}`", a.control),
                                None,
                            );
                        }
                    }
                }
            }
        }
        let mut seen_sets = std::collections::BTreeSet::new();
        for c in &self.catalogues {
            for k in &c.key_sets {
                if !seen_sets.insert(k.id.clone()) {
                    err(
                        &c.file,
                        Some(&k.location),
                        format!("key set `{}` is defined in more than one catalogue", k.id),
                        None,
                    );
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &self.catalogues {
            for d in &c.detectors {
                if !seen.insert(d.id.clone()) {
                    err(
                        &c.file,
                        Some(&d.location),
                        format!("detector `{}` is defined in more than one catalogue", d.id),
                        None,
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(LoadError {
                diagnostics: errors,
            })
        }
    }
}

fn single(source: &SourceFile, message: &str, help: &str) -> LoadError {
    LoadError {
        diagnostics: vec![Diagnostic {
            file: source.name.clone(),
            span: None,
            line: None,
            message: message.into(),
            help: Some(help.into()),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tightening_cannot_order_a_repository_control() {
        let mut set = PolicySet::embedded().unwrap();
        let overlay = r#"
[pack]
id = "x-overlay"
kind = "overlay"
extends = "cn-genai-2023"
sector = "news"
title = "X"
jurisdiction = "CN"
authority = "X"
source = "https://example.org"
published = 2024-01-01
version = "1"

[[article]]
ref = "X Art. 1"
title = "x"

[[amend]]
control = "CN-GAI-14.4"
action = "tighten"
reason = "x"
citations = ["X Art. 1"]
require = [{ capability = "audit.record", order = "before" }]
"#;
        set.add(SourceFile::new("x.toml", overlay), false).unwrap();
        let err = set.check().unwrap_err();
        assert!(
            err.diagnostics.iter().any(|d| d
                .message
                .contains("adds an `order`, but the control is repository-scoped")),
            "{err:?}"
        );
    }

    fn overlay(body: &str) -> String {
        format!(
            r#"
[pack]
id = "x-overlay"
kind = "overlay"
extends = "cn-genai-2023"
sector = "news"
title = "X"
jurisdiction = "CN"
authority = "X"
source = "https://example.org"
published = 2024-01-01
version = "1"
{body}"#
        )
    }

    #[test]
    fn an_unknown_key_set_is_an_error_with_a_suggestion() {
        let mut set = PolicySet::embedded().unwrap();
        let text = overlay(
            r#"
[[article]]
ref = "X Art. 1"
title = "x"
topics = ["log-retention"]

[[amend]]
control = "CN-GAI-14.4"
action = "tighten"
reason = "x"
citations = ["X Art. 1"]
require = [{ capability = "audit.record", config = "@log-retention-day >= 365" }]
"#,
        );
        set.add(SourceFile::new("x.toml", text), false).unwrap();
        let err = set.check().unwrap_err();
        let d = err
            .diagnostics
            .iter()
            .find(|d| d.message.contains("unknown key set `@log-retention-day`"))
            .unwrap_or_else(|| panic!("{err:?}"));
        assert!(d.span.is_some());
        assert_eq!(
            d.help.as_deref(),
            Some(
                "did you mean `@log-retention-days`? key sets are defined by `[[key-set]]` in a detector catalogue"
            )
        );
    }

    #[test]
    fn an_amendment_must_cite_what_imposes_the_amended_duty() {
        let mut set = PolicySet::embedded().unwrap();
        // The labelling amendment cites a provision about editorial review.
        let text = overlay(
            r#"
[[article]]
ref = "X Art. 1"
title = "Editorial review of publications"
topics = ["publishing-editorial-review"]

[[amend]]
control = "CN-GAI-12.2"
action = "tighten"
reason = "x"
citations = ["X Art. 1"]
severity = "error"
"#,
        );
        set.add(SourceFile::new("x.toml", text), false).unwrap();
        let err = set.check().unwrap_err();
        assert!(
            err.diagnostics.iter().any(|d| d.message
                == "`X Art. 1` does not impose `explicit-label-text`, the topic of the amendment of `CN-GAI-12.2`"
                && d.span.is_some()),
            "{err:?}"
        );
    }
}
