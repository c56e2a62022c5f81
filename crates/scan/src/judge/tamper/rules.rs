//! Weakenings of the rules: the packs that apply, the effective controls, the detectors and
//! the traps.

use genai_gate_policy::{
    CodePatterns, Detector, DocumentRule, EffectiveControl, EvidenceKind, Requirement, Scope,
};

use super::{TamperInput, Weakening, line_of_key};

pub(super) fn compare(inp: &TamperInput) -> Vec<Weakening> {
    let (base, head) = (inp.base, inp.head);
    let at = |key: &str| line_of_key(inp.head_text, key);
    let mut out = Vec::new();
    let mut push = |message: String, line: u32| out.push(Weakening::at_line(message, line));
    if let (Some(b), Some(h)) = (base.packs.first(), head.packs.first())
        && b.id != h.id
    {
        push(
            format!("base pack changed from `{}` to `{}`", b.id, h.id),
            at("packs"),
        );
    }
    if base.applicability.applicable && !head.applicability.applicable {
        push(
            format!("the packs no longer apply: {}", head.applicability.reason),
            at("service"),
        );
    } else if base.applicability.applicable {
        for b in base.controls.iter().filter(|c| c.active) {
            let id = &b.control.id;
            match head.control(id) {
                None => push(
                    format!("control `{id}` removed ({})", b.control.title),
                    at("packs"),
                ),
                Some(h) if !h.active => push(
                    format!(
                        "control `{id}` no longer applies: {}",
                        h.inactive_reason.as_deref().unwrap_or("made inactive")
                    ),
                    at("packs"),
                ),
                Some(h) => out_control(b, h, &mut push, &at),
            }
        }
    }
    // A profile's own detector points at `[[detector]]`, one from a loaded file at `load`.
    let line_for = |d: &Detector| {
        if d.location.file == head.profile.file {
            at("detector")
        } else {
            at("load")
        }
    };
    detectors(&base.detectors, &head.detectors, &mut push, &line_for);
    for n in &base.negatives {
        if !head
            .negatives
            .iter()
            .any(|x| x.id == n.id && x.code == n.code)
        {
            push(
                format!(
                    "trap `{}` removed or changed: it vetoed look-alike evidence",
                    n.id
                ),
                at("load"),
            );
        }
    }
    out
}

/// Weakenings of one control that is active on both sides.
fn out_control(
    b: &EffectiveControl,
    h: &EffectiveControl,
    push: &mut impl FnMut(String, u32),
    at: &impl Fn(&str) -> u32,
) {
    let id = &b.control.id;
    if h.control.severity < b.control.severity {
        let by = match h.provenance.get("severity").map(String::as_str) {
            Some("profile") => "in `[levels]`".to_owned(),
            Some(pack) => format!("by pack `{pack}`"),
            None => String::new(),
        };
        let line = if by.starts_with("in") {
            at(&format!("\"{id}\""))
        } else {
            at("packs")
        };
        push(
            format!(
                "control `{id}` lowered from {} to {} {by}",
                b.control.severity, h.control.severity
            )
            .trim_end()
            .to_owned(),
            line,
        );
    }
    if b.control.scope == Scope::Endpoint && h.control.scope == Scope::Repository {
        push(
            format!(
                "control `{id}` is judged once for the repository instead of on every endpoint"
            ),
            at("packs"),
        );
    }
    for r in &b.control.requirements {
        if !h.control.requirements.iter().any(|x| as_strict(x, r)) {
            push(
                format!("control `{id}` no longer requires {}", describe(r)),
                at("packs"),
            );
        }
    }
}

/// Whether requirement `new` asks at least what `old` asked.
fn as_strict(new: &Requirement, old: &Requirement) -> bool {
    let evidence_ok = EvidenceKind::ALL
        .iter()
        .all(|k| !new.accepts(*k) || old.accepts(*k));
    let config_ok = match (&old.config, &new.config) {
        (None, _) => true,
        (Some(o), Some(n)) => n.at_least_as_strict_as(o),
        (Some(_), None) => false,
    };
    let document_ok = match (&old.document, &new.document) {
        (None, _) => true,
        (Some(o), Some(n)) => document_as_strict(n, o),
        (Some(_), None) => false,
    };
    new.capability == old.capability
        && (old.order.is_none() || new.order == old.order)
        && evidence_ok
        && config_ok
        && document_ok
}

/// A document rule asks at least as much: no more paths, no fewer headings or phrases.
fn document_as_strict(new: &DocumentRule, old: &DocumentRule) -> bool {
    new.paths.iter().all(|p| old.paths.contains(p))
        && old.headings.iter().all(|h| new.headings.contains(h))
        && old.phrases.iter().all(|p| new.phrases.contains(p))
}

fn describe(r: &Requirement) -> String {
    let mut s = r.capability.to_string();
    if let Some(o) = r.order {
        s.push_str(&format!(" {} generation", o.as_str()));
    }
    if let Some(c) = &r.config {
        s.push_str(&format!(" (`{c}`)"));
    }
    if r.document.is_some() {
        s.push_str(" (a document)");
    }
    s
}

/// A detector the change adds, or widens (a pattern it did not have, another capability).
fn detectors(
    base: &[Detector],
    head: &[Detector],
    push: &mut impl FnMut(String, u32),
    line_for: &impl Fn(&Detector) -> u32,
) {
    for d in head {
        let line = line_for(d);
        let olds: Vec<&Detector> = base.iter().filter(|x| x.id == d.id).collect();
        let where_ = if d.location.file.is_empty() || d.location.file.starts_with('<') {
            String::new()
        } else {
            format!(" by `{}`", d.location.file)
        };
        if olds.is_empty() {
            push(
                format!(
                    "detector `{}` ({}) added{where_}: it can evidence the capability",
                    d.id, d.capability
                ),
                line,
            );
            continue;
        }
        if !olds.iter().any(|o| o.capability == d.capability) {
            push(
                format!(
                    "detector `{}` now evidences {} (was {})",
                    d.id, d.capability, olds[0].capability
                ),
                line,
            );
            continue;
        }
        let same: Vec<&&Detector> = olds
            .iter()
            .filter(|o| o.capability == d.capability)
            .collect();
        let new_patterns = widened(&d.code, same.iter().map(|o| &o.code));
        let mut extra: Vec<String> = new_patterns;
        for c in &d.config {
            if !same.iter().any(|o| o.config.contains(c)) {
                extra.push(format!("config `{c}`"));
            }
        }
        for doc in &d.documents {
            if !same.iter().any(|o| o.documents.contains(doc)) {
                extra.push(format!("documents `{}`", doc.paths.join(", ")));
            }
        }
        if !extra.is_empty() {
            push(
                format!(
                    "detector `{}` ({}) widened: {}",
                    d.id,
                    d.capability,
                    extra.join(", ")
                ),
                line,
            );
        }
    }
}

/// Patterns of `new` that none of `olds` has, as `kind `pattern``.
fn widened<'a>(
    new: &CodePatterns,
    olds: impl Iterator<Item = &'a CodePatterns> + Clone,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |kind: &str, p: String, has: &dyn Fn(&CodePatterns) -> bool| {
        if !olds.clone().any(has) {
            out.push(format!("{kind} `{p}`"));
        }
    };
    for c in &new.calls {
        check("calls", c.clone(), &|o| o.calls.contains(c));
    }
    for m in &new.methods {
        check("methods", m.join("."), &|o| o.methods.contains(m));
    }
    for t in &new.types {
        check("types", t.clone(), &|o| o.types.contains(t));
    }
    for m in &new.macros {
        check("macros", m.clone(), &|o| o.macros.contains(m));
    }
    for s in &new.strings {
        check("strings", s.clone(), &|o| o.strings.contains(s));
    }
    out
}
