//! Meta-tests on the embedded packs: the house rules that keep the encoding honest.

use std::collections::BTreeSet;

use genai_gate_policy::{
    Capability, EMBEDDED, Pack, PackKind, PolicySet, Profile, SourceFile, load_profile, resolve,
};

fn set() -> PolicySet {
    PolicySet::embedded().unwrap_or_else(|e| {
        let lines: Vec<String> = e.diagnostics.iter().map(ToString::to_string).collect();
        panic!("the embedded packs do not load:\n{}", lines.join("\n"))
    })
}

fn pack<'a>(set: &'a PolicySet, id: &str) -> &'a Pack {
    set.pack(id)
        .unwrap_or_else(|| panic!("pack `{id}` is not embedded"))
}

fn profile(toml: &str) -> Profile {
    load_profile(&SourceFile::new("genai-gate.toml", toml)).unwrap()
}

#[test]
fn every_shipped_pack_validates() {
    let set = set();
    for id in ["cn-genai-2023", "cn-genai-2023-draft"] {
        assert_eq!(pack(&set, id).meta.kind, PackKind::Base, "{id}");
    }
    let overlays: BTreeSet<&str> = set
        .packs
        .iter()
        .filter(|p| p.meta.kind == PackKind::Overlay)
        .map(|p| p.meta.sector.expect("an overlay without sector").as_str())
        .collect();
    assert_eq!(
        overlays,
        BTreeSet::from(["audiovisual", "news", "publishing"])
    );
    assert!(
        !set.catalogues.is_empty(),
        "no detector catalogue is embedded"
    );
    // Each file also loads on its own (not only as part of the set).
    for (name, text) in EMBEDDED {
        let source = SourceFile::new(*name, *text);
        let mut single = PolicySet::default();
        single
            .add(source, true)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
}

#[test]
fn control_ids_are_unique() {
    let set = set();
    for p in &set.packs {
        let mut seen = BTreeSet::new();
        for c in &p.controls {
            assert!(
                seen.insert(c.id.as_str()),
                "{}: control `{}` is defined twice",
                p.meta.id,
                c.id
            );
        }
    }
    // An overlay's own controls must not collide with its base's.
    for p in set
        .packs
        .iter()
        .filter(|p| p.meta.kind == PackKind::Overlay)
    {
        let base = pack(&set, p.meta.extends.as_deref().unwrap());
        for c in &p.controls {
            assert!(
                base.control(&c.id).is_none(),
                "{}: `{}` reuses a base control id",
                p.meta.id,
                c.id
            );
        }
    }
}

#[test]
fn every_citation_names_an_article_of_its_pack() {
    let set = set();
    for p in &set.packs {
        let cites = p
            .controls
            .iter()
            .flat_map(|c| c.citations.iter().map(move |cite| (c.id.as_str(), cite)));
        let amend_cites = p.amendments.iter().flat_map(|a| {
            a.citations
                .iter()
                .map(move |cite| (a.control.as_str(), cite))
        });
        for (id, cite) in cites.chain(amend_cites) {
            assert!(
                p.article_for(cite).is_some(),
                "{}: `{id}` cites `{cite}`, which is not in the article list",
                p.meta.id
            );
        }
    }
}

#[test]
fn every_control_has_title_obligation_and_citation() {
    let set = set();
    for p in &set.packs {
        for c in &p.controls {
            assert!(
                !c.title.trim().is_empty(),
                "{}: `{}` has no title",
                p.meta.id,
                c.id
            );
            assert!(
                !c.obligation.trim().is_empty(),
                "{}: `{}` has no obligation",
                p.meta.id,
                c.id
            );
            assert!(
                !c.citations.is_empty(),
                "{}: `{}` has no citation",
                p.meta.id,
                c.id
            );
            assert!(
                !c.requirements.is_empty(),
                "{}: `{}` requires no evidence",
                p.meta.id,
                c.id
            );
        }
    }
}

/// Independently of the loader, every `capability = "…"` written in a pack or catalogue names
/// a capability of the vocabulary, and the name round-trips.
#[test]
fn every_capability_used_is_in_the_vocabulary() {
    fn walk(v: &toml::Value, found: &mut Vec<String>) {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    match (k.as_str(), v) {
                        ("capability", toml::Value::String(s)) => found.push(s.clone()),
                        ("capabilities", toml::Value::Array(a)) => {
                            found.extend(a.iter().filter_map(|x| x.as_str().map(str::to_owned)))
                        }
                        _ => walk(v, found),
                    }
                }
            }
            toml::Value::Array(a) => a.iter().for_each(|x| walk(x, found)),
            _ => {}
        }
    }
    let mut total = 0;
    for (name, text) in EMBEDDED {
        let value: toml::Value = toml::from_str(text).unwrap();
        let mut found = Vec::new();
        walk(&value, &mut found);
        total += found.len();
        for s in found {
            let cap: Capability = s
                .parse()
                .unwrap_or_else(|_| panic!("{name}: unknown capability `{s}`"));
            assert_eq!(cap.as_str(), s);
        }
    }
    assert!(
        total > 20,
        "found only {total} capability names: is the walk broken?"
    );
    let set = set();
    for p in &set.packs {
        for r in p.controls.iter().flat_map(|c| &c.requirements) {
            assert!(Capability::ALL.contains(&r.capability));
        }
    }
}

#[test]
fn the_final_pack_has_at_least_20_controls() {
    let set = set();
    let n = pack(&set, "cn-genai-2023").controls.len();
    assert!(n >= 20, "the final pack has only {n} controls");
}

#[test]
fn the_final_pack_contains_no_draft_only_duty() {
    let set = set();
    let fin = pack(&set, "cn-genai-2023");
    for c in &fin.controls {
        assert!(
            !c.draft_only,
            "`{}` is marked draft-only in the final pack",
            c.id
        );
        for r in &c.requirements {
            assert!(
                !matches!(
                    r.capability,
                    Capability::UserIdentity | Capability::ModelRemediation
                ),
                "`{}` requires `{}`, a draft-only duty (real identity / remediation deadline)",
                c.id,
                r.capability
            );
        }
    }
    // Assessment and filing only for services with public-opinion attributes (Art. 17).
    let policy = resolve(&set, Profile::default_profile(), true, None).unwrap();
    assert!(!policy.profile.service.public_opinion);
    for ec in policy.active_controls() {
        for r in &ec.control.requirements {
            assert!(
                !matches!(
                    r.capability,
                    Capability::SecurityAssessment | Capability::FilingDisplay
                ),
                "`{}` requires `{}` of a service without public-opinion attributes",
                ec.control.id,
                r.capability
            );
        }
    }
    // ... and they are there for one that has them.
    let po = profile(
        "[service]\nname = \"x\"\npublic = true\nregions = [\"CN\"]\nmodalities = [\"text\"]\npublic-opinion = true\n",
    );
    let policy = resolve(&set, po, false, None).unwrap();
    let caps: BTreeSet<Capability> = policy
        .active_controls()
        .flat_map(|c| c.control.requirements.iter().map(|r| r.capability))
        .collect();
    assert!(
        caps.contains(&Capability::SecurityAssessment) && caps.contains(&Capability::FilingDisplay),
        "{caps:?}"
    );
}

#[test]
fn the_draft_pack_has_its_draft_only_duties() {
    let set = set();
    let draft = pack(&set, "cn-genai-2023-draft");
    let requires = |cap: Capability| {
        draft
            .controls
            .iter()
            .any(|c| c.requirements.iter().any(|r| r.capability == cap))
    };
    assert!(
        requires(Capability::UserIdentity),
        "the draft lacks real-identity verification"
    );
    assert!(
        requires(Capability::ModelRemediation),
        "the draft lacks the remediation deadline"
    );
    for c in draft.controls.iter().filter(|c| {
        c.requirements.iter().any(|r| {
            matches!(
                r.capability,
                Capability::UserIdentity | Capability::ModelRemediation
            )
        })
    }) {
        assert!(
            c.draft_only,
            "`{}` is a draft-only duty but not marked `draft-only`",
            c.id
        );
    }
    // The draft required assessment and filing for every service.
    let assessment = draft
        .controls
        .iter()
        .find(|c| {
            c.requirements
                .iter()
                .any(|r| r.capability == Capability::SecurityAssessment)
        })
        .expect("no assessment control in the draft");
    assert_eq!(
        assessment.applies.public_opinion, None,
        "the draft's assessment applies to every service"
    );
}

#[test]
fn overlays_resolve_for_a_profile_declaring_their_sector() {
    let set = set();
    for o in set
        .packs
        .iter()
        .filter(|p| p.meta.kind == PackKind::Overlay)
    {
        let sector = o.meta.sector.unwrap();
        let p = profile(&format!(
            "[service]\nname = \"x\"\npublic = true\nregions = [\"CN\"]\nmodalities = [\"text\", \"image\", \"audio\", \"video\"]\nsectors = [\"{sector}\"]\n"
        ));
        let policy =
            resolve(&set, p, false, None).unwrap_or_else(|e| panic!("{}: {e:?}", o.meta.id));
        assert_eq!(policy.packs.len(), 2);
        assert_eq!(policy.packs[1].id, o.meta.id);
        for c in &o.controls {
            let ec = policy.control(&c.id).unwrap_or_else(|| {
                panic!(
                    "{}: `{}` is missing from the effective policy",
                    o.meta.id, c.id
                )
            });
            assert!(ec.changes.iter().any(|ch| ch.pack == o.meta.id));
        }
        for a in &o.amendments {
            let ec = policy.control(&a.control).unwrap();
            assert!(
                ec.changes.iter().any(|ch| ch.pack == o.meta.id),
                "{}: amendment of `{}` left no trace",
                o.meta.id,
                a.control
            );
            for f in ec
                .changes
                .iter()
                .filter(|ch| ch.pack == o.meta.id)
                .flat_map(|ch| &ch.fields)
            {
                assert_eq!(
                    ec.provenance.get(f),
                    Some(&o.meta.id),
                    "{}: provenance of `{f}` on `{}`",
                    o.meta.id,
                    a.control
                );
            }
        }
    }
}

#[test]
fn non_public_service_is_exempt_under_art_2() {
    let set = set();
    let p = profile(
        "[service]\nname = \"lab\"\npublic = false\nregions = [\"CN\"]\nmodalities = [\"text\"]\n",
    );
    let policy = resolve(&set, p, false, None).unwrap();
    assert!(!policy.applicability.applicable);
    assert!(
        policy.applicability.reason.contains("Art. 2"),
        "{}",
        policy.applicability.reason
    );
    assert_eq!(policy.active_controls().count(), 0);
}

#[test]
fn service_outside_the_prc_is_out_of_scope() {
    let set = set();
    let p = profile(
        "[service]\nname = \"sg\"\npublic = true\nregions = [\"SG\"]\nmodalities = [\"text\"]\n",
    );
    let policy = resolve(&set, p, false, None).unwrap();
    assert!(
        !policy.applicability.applicable,
        "{}",
        policy.applicability.reason
    );
}

#[test]
fn draft_and_final_are_linked() {
    let set = set();
    assert!(
        pack(&set, "cn-genai-2023")
            .meta
            .supersedes
            .iter()
            .any(|s| s == "cn-genai-2023-draft")
    );
    assert!(
        pack(&set, "cn-genai-2023-draft")
            .meta
            .superseded_by
            .iter()
            .any(|s| s == "cn-genai-2023")
    );
}
