//! `policy diff`: what changed between two packs — their scope, the articles of topics no
//! control encodes, and the controls, field by field.
//!
//! Controls are matched by `topic` when both have one (a draft and a final text number their
//! articles differently), otherwise by id. A control only in the old pack is *relaxed* when
//! the new pack's articles still list its topic (the duty survives in a weaker form no control
//! encodes), and *removed* otherwise. A control only in the new pack is *from other
//! instruments* when every citation that imposes its topic is of another instrument (the
//! Cybersecurity Law, the Labeling Measures), and *added* when the new text itself imposes it.

use serde::Serialize;

use crate::model::{Applies, Control, Pack, Requirement};

/// A control named in a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlRef {
    /// Id.
    pub id: String,
    /// Topic.
    pub topic: Option<String>,
    /// Title.
    pub title: String,
    /// Citations.
    pub citations: Vec<String>,
    /// Draft-only duty.
    pub draft_only: bool,
    /// The instruments the duty comes from when they are not the pack's own text (empty when
    /// the pack's own text imposes it), with their versions.
    pub other_instruments: Vec<String>,
}

/// A citable article or part, as a diff names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleRef {
    /// The citation, e.g. `Art. 14 ¶1` or `Art. 4(5)`.
    pub citation: String,
    /// The title of the part, or of the article.
    pub title: String,
}

/// A topic that no control of either pack encodes, whose articles differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleChange {
    /// The topic, e.g. `penalties`.
    pub topic: String,
    /// The old pack's articles listing it.
    pub old: Vec<ArticleRef>,
    /// The new pack's articles listing it.
    pub new: Vec<ArticleRef>,
}

/// A control of the old pack whose duty the new pack's text keeps in a weaker form that no
/// control encodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelaxedControl {
    /// The old control.
    pub control: ControlRef,
    /// The new pack's articles that still list its topic.
    pub kept_by: Vec<ArticleRef>,
    /// The old control's note (which usually says what was relaxed).
    pub note: Option<String>,
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Field name.
    pub field: String,
    /// Old value, rendered.
    pub old: String,
    /// New value, rendered.
    pub new: String,
}

/// A control present in both packs whose fields differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedControl {
    /// In the old pack.
    pub old: ControlRef,
    /// In the new pack.
    pub new: ControlRef,
    /// Fields that differ.
    pub fields: Vec<FieldChange>,
}

/// The difference between two packs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackDiff {
    /// Old pack id.
    pub old: String,
    /// New pack id.
    pub new: String,
    /// Pack-level changes: scope, exemption, dates.
    pub pack: Vec<FieldChange>,
    /// Topics no control encodes whose articles differ (exemptions, penalties, overseas
    /// providers, sector precedence).
    pub articles: Vec<ArticleChange>,
    /// Controls only in the old pack whose topic the new pack no longer lists.
    pub removed: Vec<ControlRef>,
    /// Controls only in the old pack whose topic the new pack's text keeps without a control.
    pub relaxed: Vec<RelaxedControl>,
    /// Controls only in the new pack whose duty the new text imposes.
    pub added: Vec<ControlRef>,
    /// Controls only in the new pack whose duty comes from other instruments.
    pub from_other_instruments: Vec<ControlRef>,
    /// Controls in both that differ.
    pub changed: Vec<ChangedControl>,
    /// Number of matched controls that are the same.
    pub unchanged: usize,
}

fn cref(p: &Pack, c: &Control) -> ControlRef {
    ControlRef {
        id: c.id.clone(),
        topic: c.topic.clone(),
        title: c.title.clone(),
        citations: c.citations.clone(),
        draft_only: c.draft_only,
        other_instruments: p.other_instruments(c),
    }
}

/// The articles and parts of `p` that list `topic`.
fn listing(p: &Pack, topic: &str) -> Vec<ArticleRef> {
    let mut out = Vec::new();
    for a in &p.articles {
        if a.topics.iter().any(|t| t == topic) {
            out.push(ArticleRef {
                citation: a.reference.clone(),
                title: a.title.clone(),
            });
        }
        for part in a
            .parts
            .iter()
            .filter(|x| x.topics.iter().any(|t| t == topic))
        {
            let sep = if part.reference.starts_with('(') {
                ""
            } else {
                " "
            };
            out.push(ArticleRef {
                citation: format!("{}{sep}{}", a.reference, part.reference),
                title: part.title.clone().unwrap_or_else(|| a.title.clone()),
            });
        }
    }
    out
}

fn article_topics(p: &Pack) -> impl Iterator<Item = &str> {
    p.articles.iter().flat_map(|a| {
        a.topics
            .iter()
            .chain(a.parts.iter().flat_map(|x| &x.topics))
            .map(String::as_str)
    })
}

fn render_applies(a: &Applies) -> String {
    if a.is_always() {
        return "always".into();
    }
    let mut parts = Vec::new();
    if !a.modalities.is_empty() {
        parts.push(format!(
            "modalities any of [{}]",
            a.modalities
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !a.sectors.is_empty() {
        parts.push(format!(
            "sectors any of [{}]",
            a.sectors
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (name, v) in [
        ("public-opinion", a.public_opinion),
        ("serves-minors", a.serves_minors),
        ("trains-models", a.trains_models),
    ] {
        if let Some(v) = v {
            parts.push(format!("{name} = {v}"));
        }
    }
    parts.join("; ")
}

/// One requirement as a short line: `moderation.input before`, `audit.record where *.retention_days >= 180`.
pub fn render_requirement(r: &Requirement) -> String {
    let mut s = r.capability.as_str().to_owned();
    if let Some(o) = r.order {
        s.push(' ');
        s.push_str(o.as_str());
    }
    if let Some(p) = &r.config {
        s.push_str(&format!(" where {p}"));
    }
    if let Some(d) = &r.document {
        s.push_str(&format!(" in document {}", d.paths.join(" | ")));
        if !d.headings.is_empty() {
            s.push_str(&format!(" with headings [{}]", d.headings.join(", ")));
        }
    }
    if !r.evidence.is_empty() {
        s.push_str(&format!(
            " (from {})",
            r.evidence
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join("/")
        ));
    }
    s
}

fn fields(c: &Control) -> Vec<(&'static str, String)> {
    vec![
        ("title", c.title.clone()),
        ("citations", c.citations.join("; ")),
        ("obligation", c.obligation.clone()),
        ("severity", c.severity.to_string()),
        ("scope", c.scope.to_string()),
        ("applies", render_applies(&c.applies)),
        (
            "requirements",
            c.requirements
                .iter()
                .map(render_requirement)
                .collect::<Vec<_>>()
                .join("; "),
        ),
    ]
}

/// Compares two packs.
///
/// ```
/// use genai_gate_policy::{diff_packs, PolicySet};
/// let set = PolicySet::embedded().unwrap();
/// let d = diff_packs(set.pack("cn-genai-2023-draft").unwrap(), set.pack("cn-genai-2023").unwrap());
/// assert!(d.removed.iter().any(|c| c.topic.as_deref() == Some("real-identity")));
/// // Retraining survives without its deadline: relaxed, not removed.
/// assert!(d.relaxed.iter().any(|r| r.control.topic.as_deref() == Some("model-remediation")));
/// // Network logs come from the Cybersecurity Law, not from the final Measures.
/// assert!(d.from_other_instruments.iter().any(|c| c.topic.as_deref() == Some("log-retention")));
/// // Fines are gone: the topic moved from draft Art. 20 to final Art. 21.
/// assert!(d.articles.iter().any(|a| a.topic == "penalties"));
/// ```
pub fn diff_packs(old: &Pack, new: &Pack) -> PackDiff {
    let key = |c: &Control| c.topic.clone().unwrap_or_else(|| c.id.clone());
    let mut removed = Vec::new();
    let mut relaxed = Vec::new();
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for oc in &old.controls {
        match new.controls.iter().find(|nc| key(nc) == key(oc)) {
            None => {
                let kept_by = oc
                    .topic
                    .as_deref()
                    .map(|t| listing(new, t))
                    .unwrap_or_default();
                if kept_by.is_empty() {
                    removed.push(cref(old, oc));
                } else {
                    relaxed.push(RelaxedControl {
                        control: cref(old, oc),
                        kept_by,
                        note: oc.note.clone(),
                    });
                }
            }
            Some(nc) => {
                let mut diffs: Vec<FieldChange> = fields(oc)
                    .into_iter()
                    .zip(fields(nc))
                    .filter(|(a, b)| a.1 != b.1)
                    .map(|(a, b)| FieldChange {
                        field: a.0.into(),
                        old: a.1,
                        new: b.1,
                    })
                    .collect();
                if oc.id != nc.id {
                    diffs.insert(
                        0,
                        FieldChange {
                            field: "id".into(),
                            old: oc.id.clone(),
                            new: nc.id.clone(),
                        },
                    );
                }
                if diffs.is_empty() {
                    unchanged += 1;
                } else {
                    changed.push(ChangedControl {
                        old: cref(old, oc),
                        new: cref(new, nc),
                        fields: diffs,
                    });
                }
            }
        }
    }
    let (from_other_instruments, added): (Vec<ControlRef>, Vec<ControlRef>) = new
        .controls
        .iter()
        .filter(|nc| !old.controls.iter().any(|oc| key(oc) == key(nc)))
        .map(|nc| cref(new, nc))
        .partition(|c| !c.other_instruments.is_empty());

    // Topics that no control of either pack encodes: the scope, exemptions, penalties.
    let control_topics: Vec<&str> = old
        .controls
        .iter()
        .chain(&new.controls)
        .filter_map(|c| c.topic.as_deref())
        .collect();
    let mut topics: Vec<&str> = article_topics(old)
        .chain(article_topics(new))
        .filter(|t| !control_topics.contains(t))
        .collect();
    topics.sort_unstable();
    topics.dedup();
    let articles = topics
        .into_iter()
        .map(|t| ArticleChange {
            topic: t.to_owned(),
            old: listing(old, t),
            new: listing(new, t),
        })
        .filter(|a| a.old != a.new)
        .collect();

    let scope = |p: &Pack| match &p.meta.scope {
        None => "none".to_owned(),
        Some(s) => format!(
            "public = {}; regions = [{}]; {}",
            s.public.map_or("any".to_owned(), |b| b.to_string()),
            s.regions.join(", "),
            s.citation
        ),
    };
    let exemption = |p: &Pack| {
        p.meta
            .scope
            .as_ref()
            .map_or_else(|| "none".to_owned(), |s| s.exemption.trim().to_owned())
    };
    let meta = [
        ("scope", scope(old), scope(new)),
        ("exemption", exemption(old), exemption(new)),
        (
            "published",
            old.meta.published.clone(),
            new.meta.published.clone(),
        ),
        (
            "effective",
            old.meta.effective.clone().unwrap_or_else(|| "none".into()),
            new.meta.effective.clone().unwrap_or_else(|| "none".into()),
        ),
        ("as-of", old.meta.as_of.clone(), new.meta.as_of.clone()),
    ];
    PackDiff {
        old: old.meta.id.clone(),
        new: new.meta.id.clone(),
        pack: meta
            .into_iter()
            .filter(|(_, a, b)| a != b)
            .map(|(f, a, b)| FieldChange {
                field: f.into(),
                old: a,
                new: b,
            })
            .collect(),
        articles,
        removed,
        relaxed,
        added,
        from_other_instruments,
        changed,
        unchanged,
    }
}

/// An overlay as the pack it makes of its base: the base's controls with the overlay's
/// amendments applied and its own controls added, the base's articles and the overlay's,
/// named `<base> + <overlay>`. `policy diff BASE OVERLAY` compares the base with this, so
/// that the diff shows what the overlay adds and amends (an overlay alone holds only its own
/// controls). `None` when `overlay` is not an overlay or its base is not in `set`.
///
/// ```
/// use genai_gate_policy::{diff::{diff_packs, with_overlay}, PolicySet};
/// let set = PolicySet::embedded().unwrap();
/// let news = with_overlay(&set, set.pack("cn-sector-news").unwrap()).unwrap();
/// assert_eq!(news.meta.id, "cn-genai-2023 + cn-sector-news");
/// let d = diff_packs(set.pack("cn-genai-2023").unwrap(), &news);
/// assert!(d.removed.is_empty() && !d.changed.is_empty());
/// assert_eq!(d.unchanged + d.changed.len(), set.pack("cn-genai-2023").unwrap().controls.len());
/// ```
pub fn with_overlay(set: &crate::PolicySet, overlay: &Pack) -> Option<Pack> {
    let base_id = overlay.meta.extends.as_deref()?;
    let base = set.pack(base_id)?;
    let mut profile = crate::Profile::default_profile();
    profile.packs = vec![base_id.to_owned(), overlay.meta.id.clone()];
    profile.service.sectors.extend(overlay.meta.sector);
    let policy = crate::resolve(set, profile, false, None).ok()?;
    let mut pack = base.clone();
    pack.meta.id = format!("{} + {}", base.meta.id, overlay.meta.id);
    pack.controls = policy.controls.into_iter().map(|ec| ec.control).collect();
    for a in &overlay.articles {
        if !pack.articles.iter().any(|b| b.reference == a.reference) {
            pack.articles.push(a.clone());
        }
    }
    pack.amendments = Vec::new();
    Some(pack)
}
