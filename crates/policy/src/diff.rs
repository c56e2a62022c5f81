//! `policy diff`: what changed between two packs, control by control and field by field.
//!
//! Controls are matched by `topic` when both have one (a draft and a final text number their
//! articles differently), otherwise by id.

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
    /// Pack-level changes (scope, dates).
    pub pack: Vec<FieldChange>,
    /// Controls only in the old pack.
    pub removed: Vec<ControlRef>,
    /// Controls only in the new pack.
    pub added: Vec<ControlRef>,
    /// Controls in both that differ.
    pub changed: Vec<ChangedControl>,
    /// Number of matched controls that are the same.
    pub unchanged: usize,
}

fn cref(c: &Control) -> ControlRef {
    ControlRef {
        id: c.id.clone(),
        topic: c.topic.clone(),
        title: c.title.clone(),
        citations: c.citations.clone(),
        draft_only: c.draft_only,
    }
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
/// ```
pub fn diff_packs(old: &Pack, new: &Pack) -> PackDiff {
    let key = |c: &Control| c.topic.clone().unwrap_or_else(|| c.id.clone());
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for oc in &old.controls {
        match new.controls.iter().find(|nc| key(nc) == key(oc)) {
            None => removed.push(cref(oc)),
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
                        old: cref(oc),
                        new: cref(nc),
                        fields: diffs,
                    });
                }
            }
        }
    }
    let added = new
        .controls
        .iter()
        .filter(|nc| !old.controls.iter().any(|oc| key(oc) == key(nc)))
        .map(cref)
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
    let meta = [
        ("scope", scope(old), scope(new)),
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
        removed,
        added,
        changed,
        unchanged,
    }
}
