//! `genai-gate explain CONTROL`: what a control demands, why, when, and what counts as evidence.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use genai_gate_policy::diff::render_requirement;
use genai_gate_policy::suggest::did_you_mean;
use genai_gate_policy::{
    Applies, Cited, ControlChange, EffectiveControl, EffectivePolicy, Pack, PackKind, PolicySet,
    Severity, SourceFile, resolve,
};
use serde::Serialize;

use crate::diagnostics::LoadFailure;
use crate::policy_cmd::applies_text;
use crate::table::{MAX_WIDTH, Style, fields, wrap};
use crate::{Exit, Format, Globals};

/// Examples shown by `explain --help`.
pub const EXAMPLES: &str = "\
Examples:
  genai-gate explain CN-GAI-14.1                             against the default profile
  genai-gate explain CN-GAI-17.1 --profile genai-gate.toml   active for my service?
  genai-gate explain CN-GAI-12.1 --format json
  genai-gate explain CN-GAI-9.1 --pack cn-genai-2023-draft   the draft's version of an id

Without --profile, the genai-gate.toml that `check` would use applies (found from the current
folder up to the repository root), else the embedded default: a public text service in the PRC.
`genai-gate policy show cn-genai-2023` lists the control ids.";

/// `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Control id, e.g. `CN-GAI-14.1`.
    #[arg(value_name = "CONTROL")]
    control: String,
    /// Repository profile deciding applicability and overlays (default: the genai-gate.toml
    /// that `check` would use here, found from the current folder up to the repository root;
    /// else the embedded default).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Look the control up in this pack (e.g. `cn-genai-2023-draft`) instead of the profile's packs.
    #[arg(long, value_name = "PACK")]
    pack: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Serialize)]
struct CitationJson {
    citation: String,
    article: Option<String>,
    /// The cited part's title, else the article's.
    title: Option<String>,
    instrument: Option<String>,
    /// The instrument with its version and in-force date.
    instrument_version: Option<String>,
    formerly: Option<String>,
    note: Option<String>,
}

#[derive(Serialize)]
struct DetectorJson {
    id: String,
    description: Option<String>,
}

#[derive(Serialize)]
struct EvidenceJson {
    requirement: String,
    capability: &'static str,
    summary: &'static str,
    /// The config keys the requirement's predicate reads (every one must satisfy it).
    config_keys: Vec<String>,
    detectors: Vec<DetectorJson>,
    not_evidence: Vec<DetectorJson>,
}

#[derive(Serialize)]
struct ProfileJson {
    file: String,
    default: bool,
    service: String,
    description: String,
}

#[derive(Serialize)]
struct ExplainJson {
    id: String,
    pack: String,
    title: String,
    obligation: String,
    severity: Severity,
    scope: genai_gate_policy::Scope,
    citations: Vec<CitationJson>,
    applies: Applies,
    applies_text: String,
    in_effective_policy: bool,
    active: bool,
    inactive_reason: Option<String>,
    applicability: genai_gate_policy::Applicability,
    profile: ProfileJson,
    evidence: Vec<EvidenceJson>,
    changes: Vec<ControlChange>,
    provenance: BTreeMap<String, String>,
    help: Option<String>,
    note: Option<String>,
    draft_only: bool,
}

/// The control to explain, as it applies (or not) to the profile.
struct Subject<'a> {
    ec: EffectiveControl,
    /// The pack that defines the control.
    home: &'a Pack,
    /// False when the control belongs to a pack the profile does not apply.
    in_policy: bool,
}

fn find<'a>(set: &'a PolicySet, policy: &EffectivePolicy, id: &str) -> Option<Subject<'a>> {
    if let Some(ec) = policy.control(id) {
        let home = policy
            .packs
            .iter()
            .filter_map(|r| set.pack(&r.id))
            .find(|p| p.control(id).is_some())?;
        return Some(Subject {
            ec: ec.clone(),
            home,
            in_policy: true,
        });
    }
    from_pack(
        set.packs.iter().find(|p| p.control(id).is_some())?,
        policy,
        id,
    )
}

/// A control of a pack the profile does not apply, shown as written in its pack.
fn from_pack<'a>(home: &'a Pack, policy: &EffectivePolicy, id: &str) -> Option<Subject<'a>> {
    let control = home.control(id)?.clone();
    let applied: Vec<&str> = policy.packs.iter().map(|p| p.id.as_str()).collect();
    let provenance = [
        "title",
        "citations",
        "obligation",
        "severity",
        "scope",
        "applies",
        "requirements",
        "help",
        "note",
    ]
    .iter()
    .map(|f| ((*f).to_owned(), home.meta.id.clone()))
    .collect();
    Some(Subject {
        ec: EffectiveControl {
            control,
            provenance,
            changes: Vec::new(),
            active: false,
            inactive_reason: Some(format!(
                "defined by pack `{}`, which this profile does not apply (it applies {})",
                home.meta.id,
                applied.join(", ")
            )),
        },
        home,
        in_policy: false,
    })
}

/// `--pack`: the control as the named pack has it, resolved for the profile when the pack is a
/// base pack (with the profile's sector overlays of that base).
fn find_in_pack<'a>(
    set: &'a PolicySet,
    policy: EffectivePolicy,
    pack_id: &str,
    id: &str,
) -> anyhow::Result<(EffectivePolicy, Subject<'a>)> {
    let Some(pack) = set.pack(pack_id) else {
        let help = match set.suggest_pack(pack_id) {
            Some(s) => format!("did you mean `{s}`? `genai-gate policy list` shows the packs"),
            None => "`genai-gate policy list` shows the packs".into(),
        };
        return Err(LoadFailure::message(format!("unknown pack `{pack_id}`"), Some(help)).into());
    };
    // An overlay explains its own controls and the base controls it amends, as amended.
    let base = pack
        .meta
        .extends
        .as_deref()
        .filter(|_| pack.meta.kind == PackKind::Overlay)
        .and_then(|b| set.pack(b));
    if pack.control(id).is_none()
        && let Some(base) = base
        && base.control(id).is_some()
    {
        let mut profile = policy.profile.clone();
        profile.packs = vec![base.meta.id.clone(), pack_id.to_owned()];
        if let Some(sector) = pack.meta.sector
            && !profile.service.sectors.contains(&sector)
        {
            profile.service.sectors.push(sector);
        }
        let other = resolve(set, profile, policy.profile_is_default, None)
            .map_err(|e| LoadFailure::new(e.diagnostics, set.sources.clone()))?;
        let subject = find(set, &other, id)
            .ok_or_else(|| anyhow::anyhow!("control `{id}` vanished during resolution"))?;
        return Ok((other, subject));
    }
    if pack.control(id).is_none() {
        let candidates = pack
            .controls
            .iter()
            .chain(base.iter().flat_map(|b| b.controls.iter()))
            .map(|c| c.id.as_str());
        let help = match did_you_mean(id, candidates) {
            Some(s) => {
                format!("did you mean `{s}`? `genai-gate policy show {pack_id}` lists its controls")
            }
            None => format!("`genai-gate policy show {pack_id}` lists its controls"),
        };
        return Err(LoadFailure::message(
            format!("pack `{pack_id}` has no control `{id}`"),
            Some(help),
        )
        .into());
    }
    let unknown = || anyhow::anyhow!("control `{id}` vanished during resolution");
    if policy.packs.iter().any(|r| r.id == pack_id) {
        let subject = find(set, &policy, id).ok_or_else(unknown)?;
        return Ok((policy, subject));
    }
    if pack.meta.kind == PackKind::Base {
        let mut profile = policy.profile.clone();
        profile.packs = std::iter::once(pack_id.to_owned())
            .chain(
                set.packs
                    .iter()
                    .filter(|p| {
                        p.meta.extends.as_deref() == Some(pack_id)
                            && p.meta
                                .sector
                                .is_some_and(|s| profile.service.sectors.contains(&s))
                    })
                    .map(|p| p.meta.id.clone()),
            )
            .collect();
        if let Ok(other) = resolve(set, profile, policy.profile_is_default, None) {
            let subject = find(set, &other, id).ok_or_else(unknown)?;
            return Ok((other, subject));
        }
    }
    let subject = from_pack(pack, &policy, id).ok_or_else(unknown)?;
    Ok((policy, subject))
}

fn article<'a>(
    set: &'a PolicySet,
    policy: &EffectivePolicy,
    home: &'a Pack,
    citation: &'a str,
) -> Option<Cited<'a>> {
    std::iter::once(home)
        .chain(policy.packs.iter().filter_map(|r| set.pack(&r.id)))
        .chain(set.packs.iter())
        .find_map(|p| p.cited(citation))
}

fn profile_text(policy: &EffectivePolicy) -> String {
    let s = &policy.profile.service;
    let modalities: Vec<&str> = s.modalities.iter().map(|m| m.as_str()).collect();
    let what = format!(
        "{} {} service offered in {}",
        if s.public { "a public" } else { "a non-public" },
        modalities.join("/"),
        if s.regions.is_empty() {
            "no region".to_owned()
        } else {
            s.regions.join(", ")
        }
    );
    if policy.profile_is_default {
        format!(
            "embedded default: {what}\n(no genai-gate.toml up to the repository root; `genai-gate init` writes one)"
        )
    } else {
        format!("`{}` (service `{}`: {what})", policy.profile.file, s.name)
    }
}

/// Runs `explain`.
pub fn run(args: ExplainArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    let mut set = globals.policy_set()?;
    // The same profile `check` would use here: `--profile`, else the one found from the
    // current folder up to the repository root, else the embedded default.
    let path = match args.profile.clone() {
        Some(p) => Some(p),
        None => crate::discover::find_profile(std::path::Path::new("."))
            .map(crate::sources::discovered_profile)
            .transpose()?,
    };
    let crate::check_cmd::LoadedProfile {
        profile,
        is_default,
        source,
        ..
    } = crate::check_cmd::load_profile_into(
        std::path::Path::new("."),
        path.as_deref(),
        &mut set,
        true,
    )?;
    let policy = resolve(&set, profile, is_default, source.as_ref()).map_err(|e| {
        let mut sources: Vec<SourceFile> = set.sources.clone();
        sources.extend(source.clone());
        LoadFailure::new(e.diagnostics, sources)
    })?;

    let id = args.control.trim().to_ascii_uppercase();
    let found = match &args.pack {
        Some(pack_id) => Some(find_in_pack(&set, policy.clone(), pack_id, &id)?),
        None => find(&set, &policy, &id).map(|s| (policy.clone(), s)),
    };
    let Some((policy, subject)) = found else {
        let ids: Vec<&str> = set
            .packs
            .iter()
            .flat_map(|p| p.controls.iter().map(|c| c.id.as_str()))
            .collect();
        let help = match did_you_mean(&id, ids.iter().copied()) {
            Some(s) => format!(
                "did you mean `{s}`? `genai-gate policy show {}` lists the controls",
                policy.packs[0].id
            ),
            None => format!(
                "`genai-gate policy show {}` lists the controls",
                policy.packs[0].id
            ),
        };
        return Err(LoadFailure::message(
            format!("unknown control `{}`", args.control),
            Some(help),
        )
        .into());
    };

    let c = &subject.ec.control;
    let citations: Vec<CitationJson> = c
        .citations
        .iter()
        .map(|cite| {
            let cd = article(&set, &policy, subject.home, cite);
            let a = cd.map(|cd| cd.article);
            CitationJson {
                citation: cite.clone(),
                article: a.map(|a| a.reference.clone()),
                title: cd.map(|cd| cd.title().to_owned()),
                instrument: a.and_then(|a| a.instrument.clone()),
                instrument_version: a.and_then(|a| a.instrument_text()),
                formerly: a.and_then(|a| a.formerly.clone()),
                note: a.and_then(|a| a.note.clone()),
            }
        })
        .collect();
    let evidence: Vec<EvidenceJson> = c
        .requirements
        .iter()
        .map(|r| EvidenceJson {
            requirement: render_requirement(r),
            capability: r.capability.as_str(),
            summary: r.capability.summary(),
            config_keys: r
                .config
                .as_ref()
                .map(|p| p.keys.clone())
                .unwrap_or_default(),
            detectors: policy
                .detectors
                .iter()
                .filter(|d| d.capability == r.capability)
                .map(|d| DetectorJson {
                    id: d.id.clone(),
                    description: d.description.clone(),
                })
                .collect(),
            not_evidence: policy
                .negatives
                .iter()
                .filter(|n| n.capabilities.contains(&r.capability))
                .map(|n| DetectorJson {
                    id: n.id.clone(),
                    description: Some(n.reason.clone()),
                })
                .collect(),
        })
        .collect();
    let out = ExplainJson {
        id: c.id.clone(),
        pack: subject.home.meta.id.clone(),
        title: c.title.clone(),
        obligation: c.obligation.clone(),
        severity: c.severity,
        scope: c.scope,
        citations,
        applies: c.applies.clone(),
        applies_text: applies_text(&c.applies),
        in_effective_policy: subject.in_policy,
        active: subject.ec.active,
        inactive_reason: subject.ec.inactive_reason.clone(),
        applicability: policy.applicability.clone(),
        profile: ProfileJson {
            file: policy.profile.file.clone(),
            default: policy.profile_is_default,
            service: policy.profile.service.name.clone(),
            description: profile_text(&policy),
        },
        evidence,
        changes: subject.ec.changes.clone(),
        provenance: subject.ec.provenance.clone(),
        help: c.help.clone(),
        note: c.note.clone(),
        draft_only: c.draft_only,
    };
    if args.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!(
            "{}",
            render(
                &out,
                subject.home,
                Style {
                    color: globals.color_stdout
                }
            )
        );
    }
    Ok(Exit::Ok.into())
}

/// A detector or trap: id and description, wrapped under a mark.
fn bullet(out: &mut String, mark: &str, id: &str, description: Option<&str>) {
    let text = match description {
        Some(d) => format!("{id} — {d}"),
        None => id.to_owned(),
    };
    for (i, line) in wrap(&text, 8, MAX_WIDTH).lines().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "      {mark} {}", &line[8..]);
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
}

fn render(e: &ExplainJson, home: &Pack, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", style.bold(&e.id), e.title);
    let citations = e
        .citations
        .iter()
        .map(|c| {
            let mut s = match &c.title {
                Some(t) => format!("{} — {t}", c.citation),
                None => c.citation.clone(),
            };
            let source: Vec<String> = c
                .instrument_version
                .iter()
                .cloned()
                .chain(c.formerly.iter().map(|f| format!("formerly {f}")))
                .collect();
            if !source.is_empty() {
                s.push_str(&format!(" ({})", source.join("; ")));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("\n");
    let scope = match e.scope {
        genai_gate_policy::Scope::Endpoint => "endpoint: must hold on every generation endpoint",
        genai_gate_policy::Scope::Repository => "repository: must be shown once in the repository",
    };
    let mut f: Vec<(&str, String)> = vec![
        (
            "pack",
            format!(
                "{} — {} (version {})",
                home.meta.id, home.meta.title, home.meta.version
            ),
        ),
        ("citations", citations),
        ("severity", style.severity(e.severity)),
        ("scope", scope.into()),
        ("applies", e.applies_text.clone()),
        ("profile", e.profile.description.clone()),
        ("in scope", e.applicability.reason.clone()),
        (
            "status",
            if e.active && e.provenance.get("applies").map(String::as_str) == Some("profile") {
                "active for this profile (required by `[policy] enable`, although its conditions do not hold)".into()
            } else if e.active {
                "active for this profile".into()
            } else {
                format!(
                    "not active: {}",
                    e.inactive_reason.as_deref().unwrap_or("-")
                )
            },
        ),
    ];
    if e.draft_only {
        f.push(("draft only", "yes: the final text dropped this duty".into()));
    }
    out.push_str(&fields(2, &f));

    let _ = writeln!(out, "\n{}", style.bold("Obligation"));
    out.push_str(&wrap(&e.obligation, 2, MAX_WIDTH));

    let _ = writeln!(
        out,
        "\n{}",
        style.bold("Accepted evidence (every requirement must be shown)")
    );
    for ev in &e.evidence {
        let _ = writeln!(out, "  {}", ev.requirement);
        let _ = writeln!(out, "    {}", style.dim(ev.summary));
        if !ev.config_keys.is_empty() {
            let keys = format!(
                "reads the config keys {} (each one set must satisfy it)",
                ev.config_keys
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            out.push_str(&wrap(&keys, 4, MAX_WIDTH));
        }
        if ev.detectors.is_empty() {
            let _ = writeln!(
                out,
                "    no detector in the loaded catalogues: add one to the profile's `[[detector]]`"
            );
        } else {
            let _ = writeln!(out, "    counts as evidence:");
        }
        for d in &ev.detectors {
            bullet(&mut out, "✓", &d.id, d.description.as_deref());
        }
        if !ev.not_evidence.is_empty() {
            let _ = writeln!(out, "    never counts:");
        }
        for n in &ev.not_evidence {
            bullet(&mut out, "✗", &n.id, n.description.as_deref());
        }
    }

    let _ = writeln!(out, "\n{}", style.bold("Overlays"));
    if e.changes.is_empty() {
        let _ = writeln!(out, "  none: every field comes from `{}`", home.meta.id);
    }
    for ch in &e.changes {
        let _ = writeln!(out, "  {} by `{}`", ch.action, ch.pack);
        let mut f = vec![("reason", ch.reason.clone())];
        if !ch.fields.is_empty() {
            f.push(("fields", ch.fields.join(", ")));
        }
        if !ch.citations.is_empty() {
            f.push(("cites", ch.citations.join("; ")));
        }
        out.push_str(&fields(4, &f));
    }
    let mut by_pack: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (field, pack) in &e.provenance {
        by_pack.entry(pack).or_default().push(field);
    }
    if e.changes.iter().any(|c| c.action != "add") {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold("Provenance (pack that last set each field)")
        );
        for (pack, fields) in by_pack {
            let _ = writeln!(out, "  {pack}: {}", fields.join(", "));
        }
    }
    if let Some(h) = &e.help {
        let _ = writeln!(out, "\n{}", style.bold("Help"));
        out.push_str(&wrap(h, 2, MAX_WIDTH));
    }
    if let Some(n) = &e.note {
        let _ = writeln!(out, "\n{}", style.bold("Note"));
        out.push_str(&wrap(n, 2, MAX_WIDTH));
    }
    out
}
