//! Resolution: a profile plus a policy set gives the effective policy.
//!
//! Precedence is deterministic: the base pack first, then each overlay in the profile's
//! order (or, with no explicit list, one overlay per declared sector in declared order).
//! Later overlays win. Every field of an effective control records which pack set it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue::{Detector, Negative};
use crate::diag::{Diagnostic, LoadError, SourceFile};
use crate::model::{AmendAction, Applies, Control, PackKind, Requirement, Sector};
use crate::profile::Profile;
use crate::set::PolicySet;

/// The default base pack when the profile names none.
pub const DEFAULT_BASE: &str = "cn-genai-2023";

/// A pack taking part in a resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackRef {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// Base or overlay.
    pub kind: crate::model::PackKind,
}

/// Whether the packs apply to the service at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applicability {
    /// True when the service is in scope.
    pub applicable: bool,
    /// Why, in a sentence with its citation.
    pub reason: String,
}

/// A change an overlay made to a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlChange {
    /// The overlay.
    pub pack: String,
    /// Tighten, replace, or add (a control the overlay defines).
    pub action: String,
    /// The overlay's reason.
    pub reason: String,
    /// Citations it added.
    pub citations: Vec<String>,
    /// Fields it set.
    pub fields: Vec<String>,
}

/// A control as it applies to one profile, with provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectiveControl {
    /// The control after every overlay.
    pub control: Control,
    /// For each field, the pack that last set it.
    pub provenance: BTreeMap<String, String>,
    /// Overlay changes, in order.
    pub changes: Vec<ControlChange>,
    /// Whether the control is active for the profile.
    pub active: bool,
    /// Why not, when it is not.
    pub inactive_reason: Option<String>,
}

/// The effective policy for one repository.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectivePolicy {
    /// The profile used.
    pub profile: Profile,
    /// True when no `genai-gate.toml` was found and the embedded default applies.
    pub profile_is_default: bool,
    /// Packs in precedence order (base first).
    pub packs: Vec<PackRef>,
    /// Whether the packs apply at all.
    pub applicability: Applicability,
    /// Every control of the packs, active or not, sorted by id.
    pub controls: Vec<EffectiveControl>,
    /// Detectors from every catalogue, then the profile's own.
    pub detectors: Vec<Detector>,
    /// Traps from every catalogue.
    pub negatives: Vec<Negative>,
}

impl EffectivePolicy {
    /// The active controls.
    pub fn active_controls(&self) -> impl Iterator<Item = &EffectiveControl> {
        self.controls.iter().filter(|c| c.active)
    }

    /// A control by id.
    pub fn control(&self, id: &str) -> Option<&EffectiveControl> {
        self.controls.iter().find(|c| c.control.id == id)
    }
}

const FIELDS: [&str; 9] = [
    "title",
    "citations",
    "obligation",
    "severity",
    "scope",
    "applies",
    "requirements",
    "help",
    "note",
];

/// Resolves the effective policy of `profile` against `set`.
///
/// `profile_source` is the profile's text, used to point errors at the pack list;
/// pass `None` for the default profile.
///
/// ```
/// use genai_gate_policy::{resolve, PolicySet, Profile};
/// let set = PolicySet::embedded().unwrap();
/// let policy = resolve(&set, Profile::default_profile(), true, None).unwrap();
/// assert!(policy.applicability.applicable);
/// assert_eq!(policy.packs[0].id, "cn-genai-2023");
/// assert!(policy.active_controls().count() > 5);
/// ```
pub fn resolve(
    set: &PolicySet,
    mut profile: Profile,
    profile_is_default: bool,
    profile_source: Option<&SourceFile>,
) -> Result<EffectivePolicy, LoadError> {
    let spans = profile_source
        .map(crate::validate::profile_pack_spans)
        .unwrap_or_default();
    let mut errors = Vec::new();
    let mut err = |id: &str, message: String, help: Option<String>| {
        let span = spans.iter().find(|(p, _)| p == id).map(|(_, s)| s.clone());
        let line = match (profile_source, &span) {
            (Some(src), Some(s)) => Some(src.line_of(s.start)),
            _ => None,
        };
        errors.push(Diagnostic {
            file: profile.file.clone(),
            span,
            line,
            message,
            help,
        });
    };

    let ids: Vec<String> = if profile.packs.is_empty() {
        let mut ids = vec![DEFAULT_BASE.to_owned()];
        for sector in &profile.service.sectors {
            match set.packs.iter().find(|p| {
                p.meta.sector == Some(*sector) && p.meta.extends.as_deref() == Some(DEFAULT_BASE)
            }) {
                Some(p) => ids.push(p.meta.id.clone()),
                None => err(
                    sector.as_str(),
                    format!("no overlay is loaded for sector `{sector}`"),
                    None,
                ),
            }
        }
        ids
    } else {
        profile.packs.clone()
    };

    let mut packs = Vec::new();
    for id in &ids {
        match set.pack(id) {
            Some(p) => packs.push(p),
            None => err(
                id,
                format!("unknown pack `{id}`"),
                Some(match set.suggest_pack(id) {
                    Some(s) => {
                        format!("did you mean `{s}`? `genai-gate policy list` shows the packs")
                    }
                    None => "`genai-gate policy list` shows the packs".into(),
                }),
            ),
        }
    }
    let base = packs.first().copied();
    if let Some(base) = base {
        if base.meta.kind != PackKind::Base {
            err(
                &base.meta.id,
                format!("the first pack, `{}`, must be a base pack", base.meta.id),
                Some("list the base pack first, then overlays".into()),
            );
        }
        for p in &packs[1..] {
            if p.meta.kind != PackKind::Overlay {
                err(
                    &p.meta.id,
                    format!(
                        "`{}` is a base pack; only one base pack may apply",
                        p.meta.id
                    ),
                    None,
                );
            } else if p.meta.extends.as_deref() != Some(base.meta.id.as_str()) {
                err(
                    &p.meta.id,
                    format!(
                        "overlay `{}` extends `{}`, not `{}`",
                        p.meta.id,
                        p.meta.extends.as_deref().unwrap_or("?"),
                        base.meta.id
                    ),
                    None,
                );
            } else if let Some(sector) = p.meta.sector
                && !profile.service.sectors.contains(&sector)
            {
                err(
                    &p.meta.id,
                    format!(
                        "overlay `{}` is for sector `{sector}`, which `[service] sectors` does not declare",
                        p.meta.id
                    ),
                    Some(format!(
                        "add \"{sector}\" to `sectors`, or remove the overlay"
                    )),
                );
            }
        }
        for sector in &profile.service.sectors {
            let covered = packs.iter().any(|p| p.meta.sector == Some(*sector));
            if !covered && !profile.packs.is_empty() {
                err(
                    sector.as_str(),
                    format!(
                        "the service declares sector `{sector}` but no overlay for it is applied"
                    ),
                    Some(format!(
                        "add the `{sector}` overlay to `[policy] packs` (see `genai-gate policy list`)"
                    )),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(LoadError {
            diagnostics: errors,
        });
    }
    bind_profile_key_sets(set, &mut profile)?;
    let Some(base) = base else {
        return Err(LoadError {
            diagnostics: vec![Diagnostic {
                file: profile.file.clone(),
                span: None,
                line: None,
                message: "no pack applies".into(),
                help: Some("list packs under `[policy] packs`".into()),
            }],
        });
    };

    let mut controls: Vec<EffectiveControl> = base
        .controls
        .iter()
        .map(|c| EffectiveControl {
            control: c.clone(),
            provenance: FIELDS
                .iter()
                .map(|f| (f.to_string(), base.meta.id.clone()))
                .collect(),
            changes: Vec::new(),
            active: true,
            inactive_reason: None,
        })
        .collect();
    for overlay in &packs[1..] {
        for c in &overlay.controls {
            controls.push(EffectiveControl {
                control: c.clone(),
                provenance: FIELDS
                    .iter()
                    .map(|f| (f.to_string(), overlay.meta.id.clone()))
                    .collect(),
                changes: vec![ControlChange {
                    pack: overlay.meta.id.clone(),
                    action: "add".into(),
                    reason: format!("defined by the `{}` overlay", overlay.meta.id),
                    citations: c.citations.clone(),
                    fields: Vec::new(),
                }],
                active: true,
                inactive_reason: None,
            });
        }
        for a in &overlay.amendments {
            let Some(ec) = controls.iter_mut().find(|c| c.control.id == a.control) else {
                continue;
            };
            let mut fields = Vec::new();
            let mut set_field = |ec: &mut EffectiveControl, f: &str| {
                ec.provenance.insert(f.to_owned(), overlay.meta.id.clone());
                fields.push(f.to_owned());
            };
            let c = &mut ec.control;
            for cite in &a.citations {
                if !c.citations.contains(cite) {
                    c.citations.push(cite.clone());
                }
            }
            if let Some(sev) = a.severity {
                c.severity = if a.action == AmendAction::Tighten {
                    c.severity.max(sev)
                } else {
                    sev
                };
            }
            if let Some(t) = &a.title {
                c.title = t.clone();
            }
            if let Some(o) = &a.obligation {
                c.obligation = o.clone();
            }
            if let Some(s) = a.scope {
                c.scope = s;
            }
            if let Some(ap) = &a.applies {
                c.applies = ap.clone();
            }
            if let Some(h) = &a.help {
                c.help = Some(h.clone());
            }
            match a.action {
                AmendAction::Replace => c.requirements = a.requirements.clone(),
                AmendAction::Tighten => {
                    for r in &a.requirements {
                        tighten_requirement(&mut c.requirements, r);
                    }
                }
            }
            let touched: [(&str, bool); 8] = [
                ("citations", !a.citations.is_empty()),
                ("severity", a.severity.is_some()),
                ("title", a.title.is_some()),
                ("obligation", a.obligation.is_some()),
                ("scope", a.scope.is_some()),
                ("applies", a.applies.is_some()),
                ("help", a.help.is_some()),
                ("requirements", !a.requirements.is_empty()),
            ];
            for (f, t) in touched {
                if t {
                    set_field(ec, f);
                }
            }
            ec.changes.push(ControlChange {
                pack: overlay.meta.id.clone(),
                action: a.action.as_str().into(),
                reason: a.reason.clone(),
                citations: a.citations.clone(),
                fields,
            });
        }
    }

    apply_levels(&profile, &mut controls)?;
    let applicability = applicability(base, &profile);
    for ec in &mut controls {
        if !applicability.applicable {
            ec.active = false;
            ec.inactive_reason = Some(applicability.reason.clone());
        } else if let Some(why) = inactive_reason(&ec.control.applies, &profile) {
            if profile.enable.iter().any(|e| e.control == ec.control.id) {
                // Required by `[policy] enable` although its conditions do not hold.
                ec.provenance.insert("applies".into(), "profile".into());
            } else {
                ec.active = false;
                ec.inactive_reason = Some(why);
            }
        }
    }
    controls.sort_by(|a, b| control_order(&a.control.id, &b.control.id));

    let detectors = set
        .catalogues
        .iter()
        .flat_map(|c| c.detectors.iter().cloned())
        .chain(profile.detectors.iter().cloned())
        .collect();
    let negatives = set
        .catalogues
        .iter()
        .flat_map(|c| c.negatives.iter().cloned())
        .collect();
    Ok(EffectivePolicy {
        packs: packs
            .iter()
            .map(|p| PackRef {
                id: p.meta.id.clone(),
                version: p.meta.version.clone(),
                kind: p.meta.kind,
            })
            .collect(),
        profile,
        profile_is_default,
        applicability,
        controls,
        detectors,
        negatives,
    })
}

/// Applies the profile's `[levels]`: raising a severity is free, lowering one needs a waiver
/// of the same control. Levels and waivers must name known controls.
fn apply_levels(profile: &Profile, controls: &mut [EffectiveControl]) -> Result<(), LoadError> {
    let mut errors = Vec::new();
    let ids: Vec<String> = controls.iter().map(|c| c.control.id.clone()).collect();
    let mut unknown = |id: &str, loc: &crate::model::Location, what: &str| {
        let help = match crate::suggest::did_you_mean(id, ids.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "`genai-gate policy show` lists the controls".to_owned(),
        };
        errors.push(Diagnostic {
            file: loc.file.clone(),
            span: Some(loc.span.clone()),
            line: Some(loc.line),
            message: format!("{what} names unknown control `{id}`"),
            help: Some(help),
        });
    };
    for w in &profile.waivers {
        if !ids.contains(&w.control) {
            unknown(&w.control, &w.location, "a waiver");
        }
    }
    for e in &profile.enable {
        if !ids.contains(&e.control) {
            unknown(&e.control, &e.location, "`[policy] enable`");
        }
    }
    let mut lowered = Vec::new();
    for l in &profile.levels {
        let Some(ec) = controls.iter_mut().find(|c| c.control.id == l.control) else {
            unknown(&l.control, &l.location, "`[levels]`");
            continue;
        };
        if l.severity < ec.control.severity
            && !profile.waivers.iter().any(|w| w.control == l.control)
        {
            lowered.push(Diagnostic {
                file: l.location.file.clone(),
                span: Some(l.location.span.clone()),
                line: Some(l.location.line),
                message: format!(
                    "`[levels]` lowers `{}` from {} to {} without a waiver",
                    l.control, ec.control.severity, l.severity
                ),
                help: Some(format!(
                    "raising a level is free; to lower one, add a `[[waiver]]` for `{}` with a reason, an owner and an expiry",
                    l.control
                )),
            });
            continue;
        }
        if l.severity != ec.control.severity {
            ec.control.severity = l.severity;
            ec.provenance.insert("severity".into(), "profile".into());
        }
    }
    errors.extend(lowered);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(LoadError {
            diagnostics: errors,
        })
    }
}

/// Reads the key sets named by the profile's own detectors (`@log-retention-days`).
fn bind_profile_key_sets(set: &PolicySet, profile: &mut Profile) -> Result<(), LoadError> {
    let mut errors = Vec::new();
    for d in &mut profile.detectors {
        for p in &mut d.config {
            let Some(name) = p.key_set() else { continue };
            match set.key_set(name) {
                Some(k) => p.bind(&k.keys),
                None => errors.push(Diagnostic {
                    file: d.location.file.clone(),
                    span: Some(d.location.span.clone()),
                    line: Some(d.location.line),
                    message: format!(
                        "detector `{}` reads unknown key set `@{name}` in `{p}`",
                        d.id
                    ),
                    help: Some(set.key_set_help(name)),
                }),
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

/// Orders control ids numerically: `CN-GAI-4.2` before `CN-GAI-14.1`, `CN-GAI-2.9` before `CN-GAI-2.10`.
pub fn control_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(id: &str) -> (String, u32, u32) {
        let (prefix, rest) = id.rsplit_once('-').unwrap_or(("", id));
        let mut nums = rest
            .split('.')
            .map(|n| n.parse::<u32>().unwrap_or(u32::MAX));
        (
            prefix.to_owned(),
            nums.next().unwrap_or(0),
            nums.next().unwrap_or(0),
        )
    }
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

fn tighten_requirement(reqs: &mut Vec<Requirement>, new: &Requirement) {
    let existing = reqs.iter_mut().find(|r| {
        r.capability == new.capability
            && r.order == new.order
            && match (&r.config, &new.config) {
                (Some(a), Some(b)) => a.key == b.key,
                _ => false,
            }
    });
    match existing {
        Some(r) => *r = new.clone(),
        None => reqs.push(new.clone()),
    }
}

fn applicability(base: &crate::model::Pack, profile: &Profile) -> Applicability {
    let Some(scope) = &base.meta.scope else {
        return Applicability {
            applicable: true,
            reason: format!("`{}` sets no scope condition", base.meta.id),
        };
    };
    if scope.public == Some(true) && !profile.service.public {
        return Applicability {
            applicable: false,
            reason: format!(
                "not applicable ({} exemption): the service is not offered to the public. {}",
                scope.citation, scope.exemption
            ),
        };
    }
    if !scope.regions.is_empty()
        && !profile
            .service
            .regions
            .iter()
            .any(|r| scope.regions.iter().any(|s| s.eq_ignore_ascii_case(r)))
    {
        return Applicability {
            applicable: false,
            reason: format!(
                "not applicable ({}): the service is not offered in {}. {}",
                scope.citation,
                scope.regions.join(", "),
                scope.exemption
            ),
        };
    }
    Applicability {
        applicable: true,
        reason: format!(
            "applicable ({}): a {} service offered in {}",
            scope.citation,
            if profile.service.public {
                "public"
            } else {
                "non-public"
            },
            profile.service.regions.join(", ")
        ),
    }
}

fn inactive_reason(applies: &Applies, profile: &Profile) -> Option<String> {
    let s = &profile.service;
    if !applies.modalities.is_empty()
        && !applies.modalities.iter().any(|m| s.modalities.contains(m))
    {
        let list: Vec<&str> = applies.modalities.iter().map(|m| m.as_str()).collect();
        return Some(format!(
            "applies to {} output; the service generates {}",
            list.join("/"),
            s.modalities
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !applies.sectors.is_empty() && !applies.sectors.iter().any(|x| s.sectors.contains(x)) {
        let list: Vec<&str> = applies
            .sectors
            .iter()
            .map(|m: &Sector| m.as_str())
            .collect();
        return Some(format!(
            "applies to the {} sector(s); the service declares none of them",
            list.join("/")
        ));
    }
    let flags = [
        (
            applies.public_opinion,
            s.public_opinion,
            "services with public-opinion attributes or social-mobilisation capacity",
        ),
        (
            applies.serves_minors,
            s.serves_minors,
            "services used by minors",
        ),
        (
            applies.trains_models,
            s.trains_models,
            "providers that train or fine-tune models",
        ),
    ];
    for (want, have, what) in flags {
        match want {
            Some(true) if !have => return Some(format!("applies only to {what}")),
            Some(false) if have => return Some(format!("does not apply to {what}")),
            _ => {}
        }
    }
    None
}
