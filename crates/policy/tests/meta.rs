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
                    Capability::UserIdentity
                        | Capability::ModelRemediation
                        | Capability::PiNoProfiling
                ),
                "`{}` requires `{}`, a draft-only duty (real identity, profiling ban) or the draft's remediation deadline",
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
        requires(Capability::PiNoProfiling),
        "the draft lacks the ban on profiling users (draft Art. 11)"
    );
    assert!(
        requires(Capability::ModelRemediation),
        "the draft lacks the remediation deadline"
    );
    for c in draft.controls.iter().filter(|c| {
        c.requirements.iter().any(|r| {
            matches!(
                r.capability,
                Capability::UserIdentity | Capability::PiNoProfiling
            )
        })
    }) {
        assert!(
            c.draft_only,
            "`{}` is a draft-only duty but not marked `draft-only`",
            c.id
        );
    }
    // Retraining is relaxed, not dropped: the draft control is not draft-only, and the final
    // text still lists model optimisation (without a deadline) where the diff can find it.
    let fin = pack(&set, "cn-genai-2023");
    for c in draft.controls.iter().filter(|c| {
        c.requirements
            .iter()
            .any(|r| r.capability == Capability::ModelRemediation)
    }) {
        assert!(
            !c.draft_only,
            "`{}`: the final text keeps retraining without the deadline; it is relaxed, not draft-only",
            c.id
        );
        let topic = c.topic.as_deref().expect("a draft control without topic");
        assert!(
            fin.articles
                .iter()
                .any(|a| topics_of(a).any(|t| t == topic)),
            "no article of the final pack keeps `{topic}`"
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

/// Topics that articles may list without a control of any pack encoding them: the scope and
/// its exemptions, penalties, definitions, and duties no repository can show.
const SCOPE_SUBJECTS: &[&str] = &[
    "api-providers",
    "av-no-fake-news",
    "news-licence",
    "overseas-providers",
    "penalties",
    "rd-exemption",
    "scope",
    "sector-precedence",
    "service-continuity",
    "unlabelled-output",
];

fn topics_of(a: &genai_gate_policy::Article) -> impl Iterator<Item = &str> {
    a.topics
        .iter()
        .chain(a.parts.iter().flat_map(|p| &p.topics))
        .map(String::as_str)
}

/// The class of error behind a per-request log citing Art. 14 ¶2 (whose records are those of
/// sanctions): every citation must name an article, or a paragraph, whose text imposes the
/// citing control's topic, or one that defers to other rules beside a citation that imposes it.
#[test]
fn every_citation_names_an_article_whose_text_imposes_its_topic() {
    let set = set();
    for p in &set.packs {
        let base = p.meta.extends.as_deref().map(|b| pack(&set, b));
        let owners = p
            .controls
            .iter()
            .map(|c| (c.id.clone(), c.topic.clone(), &c.citations))
            .chain(p.amendments.iter().map(|a| {
                let topic = a.topic.clone().or_else(|| {
                    base.and_then(|b| b.control(&a.control))
                        .and_then(|c| c.topic.clone())
                });
                (format!("amendment of {}", a.control), topic, &a.citations)
            }));
        for (owner, topic, citations) in owners {
            let topic = topic.unwrap_or_else(|| panic!("{}: {owner} has no topic", p.meta.id));
            let mut imposing = 0;
            for cite in citations {
                let cd = p.cited(cite).unwrap();
                assert!(
                    !cd.names_unknown_part(),
                    "{}: {owner} cites `{cite}`, a part its article does not list",
                    p.meta.id
                );
                if cd.imposes(&topic) {
                    imposing += 1;
                } else {
                    assert!(
                        cd.defers_to().is_some(),
                        "{}: {owner} ({topic}) cites `{cite}`, whose text imposes {:?}",
                        p.meta.id,
                        cd.topics()
                    );
                }
            }
            assert!(
                imposing > 0,
                "{}: no citation of {owner} imposes `{topic}`",
                p.meta.id
            );
        }
    }
}

#[test]
fn every_article_lists_what_its_text_imposes() {
    let set = set();
    let control_topics: BTreeSet<&str> = set
        .packs
        .iter()
        .flat_map(|p| p.controls.iter().filter_map(|c| c.topic.as_deref()))
        .chain(
            set.packs
                .iter()
                .flat_map(|p| p.amendments.iter().filter_map(|a| a.topic.as_deref())),
        )
        .collect();
    for p in &set.packs {
        for a in &p.articles {
            assert!(
                a.is_annotated(),
                "{}: `{}` lists neither topics nor a deferral",
                p.meta.id,
                a.reference
            );
            for t in topics_of(a) {
                assert!(
                    control_topics.contains(t) || SCOPE_SUBJECTS.contains(&t),
                    "{}: `{}` lists `{t}`, which is neither a control's topic nor a scope subject (a typo?)",
                    p.meta.id,
                    a.reference
                );
            }
        }
    }
}

#[test]
fn the_loader_rejects_a_citation_of_an_article_about_something_else() {
    let final_text = EMBEDDED
        .iter()
        .find(|(name, _)| name.ends_with("/cn-genai-2023.toml"))
        .unwrap()
        .1;
    let cases = [
        (
            r#"citations = ["CSL Art. 23(3)", "Deep Synthesis Art. 16"]"#,
            r#"citations = ["Art. 14 ¶2"]"#,
            "`Art. 14 ¶2` does not impose `request-log`, the topic of `CN-GAI-14.3`",
        ),
        (
            r#"citations = ["Art. 10"]
obligation = "The provider must state"#,
            r#"citations = ["Art. 11"]
obligation = "The provider must state"#,
            "`Art. 11` does not impose `disclosure-scope`",
        ),
        (
            r#"title = "Stop generation and transmission on illegal content"
citations = ["Art. 14 ¶1"]"#,
            r#"title = "Stop generation and transmission on illegal content"
citations = ["Art. 14 ¶3"]"#,
            "citation `Art. 14 ¶3` names no part of `Art. 14`",
        ),
        (
            "in-force = 2026-01-01",
            "in-force = 2027-01-01",
            "`CSL Art. 23` is the version in force from 2027-01-01, after the pack's as-of date",
        ),
    ];
    for (from, to, message) in cases {
        assert_eq!(final_text.matches(from).count(), 1, "{from}");
        let text = final_text.replace(from, to);
        let err = genai_gate_policy::load_pack(&SourceFile::new("final.toml", text), false)
            .expect_err(message);
        assert!(
            err.diagnostics
                .iter()
                .any(|d| d.message.contains(message) && d.span.is_some() && d.help.is_some()),
            "expected `{message}` with a span and help, got {:#?}",
            err.diagnostics
        );
    }
}

/// A citation names the version of another instrument in force on the pack's as-of date, so a
/// renumbering (the Cybersecurity Law's log duty, Art. 21 → Art. 23 in 2026) shows.
#[test]
fn articles_of_other_instruments_name_the_version_in_force() {
    // Instruments cited as a whole or not in force as law: no version date to name.
    const UNVERSIONED: &[&str] = &[
        "TC260-003-2024",
        "Publishing Regulations",
        "Online Publishing Provisions",
    ];
    let set = set();
    for p in &set.packs {
        for a in p.articles.iter().filter(|a| a.instrument.is_some()) {
            if UNVERSIONED.contains(&a.reference.as_str()) {
                continue;
            }
            let in_force = a.in_force.as_deref().unwrap_or_else(|| {
                panic!(
                    "{}: `{}` does not say which version it cites",
                    p.meta.id, a.reference
                )
            });
            assert!(a.version.is_some(), "{}: `{}`", p.meta.id, a.reference);
            assert!(
                in_force <= p.meta.as_of.as_str(),
                "{}: `{}` is in force from {in_force}, after the pack's as-of date {}",
                p.meta.id,
                a.reference,
                p.meta.as_of
            );
        }
    }
}

/// Predicates name the keys they read: a shipped control reads a catalogue key set, so that a
/// look-alike key with the same suffix (`privacy.prompt_retention_days`) is never read as the
/// setting it resembles.
#[test]
fn config_predicates_read_named_key_sets() {
    let set = set();
    let mut n = 0;
    for p in &set.packs {
        let reqs = p
            .controls
            .iter()
            .flat_map(|c| c.requirements.iter().map(move |r| (c.id.as_str(), r)))
            .chain(
                p.amendments
                    .iter()
                    .flat_map(|a| a.requirements.iter().map(move |r| (a.control.as_str(), r))),
            );
        for (id, r) in reqs {
            let Some(pred) = &r.config else { continue };
            n += 1;
            let name = pred.key_set().unwrap_or_else(|| {
                panic!(
                    "{}: `{id}` reads `{}` directly; name its keys in a catalogue `[[key-set]]` and read `@name`",
                    p.meta.id, pred.key
                )
            });
            let keys = &set.key_set(name).unwrap().keys;
            assert_eq!(&pred.keys, keys, "{}: `{id}` is not bound", p.meta.id);
        }
    }
    assert!(n >= 3, "found only {n} config predicates");
    // The log-retention keys are those of log and audit stores, never of personal data.
    let mut retention: genai_gate_policy::ConfigPredicate =
        "@log-retention-days >= 184".parse().unwrap();
    retention.bind(&set.key_set("log-retention-days").unwrap().keys);
    for key in [
        "audit.retention_days",
        "service.audit.retention_days",
        "logging.retention_days",
        "app.log_retention_days",
        "audit.ttl_days",
    ] {
        assert!(retention.key_matches(key), "`{key}` should be read");
    }
    for key in [
        "privacy.prompt_retention_days",
        "storage.prompt_retention_days",
        "conversation.retention_days",
        "retention_days",
        "pii.retention_days",
        "cache.retention_days",
    ] {
        assert!(!retention.key_matches(key), "`{key}` must not be read");
    }
}

#[test]
fn log_retention_is_six_months_not_180_days() {
    let set = set();
    let c = pack(&set, "cn-genai-2023")
        .controls
        .iter()
        .find(|c| c.topic.as_deref() == Some("log-retention"))
        .expect("no log-retention control");
    let pred = c
        .requirements
        .iter()
        .find_map(|r| r.config.as_ref())
        .unwrap();
    assert_eq!(pred.key_set(), Some("log-retention-days"));
    assert_eq!(pred.op, genai_gate_policy::CmpOp::Ge);
    assert_eq!(
        pred.value,
        genai_gate_policy::ConfigValue::Number(184.0),
        "not less than six months is 184 days, the longest six-month span"
    );
}

#[test]
fn enable_requires_a_control_whatever_its_conditions() {
    let set = set();
    let p = profile(
        "[service]\nname = \"app\"\npublic = true\nregions = [\"CN\"]\nmodalities = [\"text\"]\n[policy]\nenable = [\"CN-GAI-17.2\"]\n",
    );
    let policy = resolve(&set, p, false, None).unwrap();
    let ec = policy.control("CN-GAI-17.2").unwrap();
    assert!(ec.active, "{:?}", ec.inactive_reason);
    assert_eq!(
        ec.provenance.get("applies").map(String::as_str),
        Some("profile")
    );
    // Still inactive without it.
    let p = profile(
        "[service]\nname = \"app\"\npublic = true\nregions = [\"CN\"]\nmodalities = [\"text\"]\n",
    );
    let policy = resolve(&set, p, false, None).unwrap();
    assert!(!policy.control("CN-GAI-17.2").unwrap().active);
    // An unknown id is an error with a suggestion.
    let p = profile(
        "[service]\nname = \"app\"\npublic = true\nregions = [\"CN\"]\nmodalities = [\"text\"]\n[policy]\nenable = [\"CN-GAI-17.20\"]\n",
    );
    let err = resolve(&set, p, false, None).unwrap_err();
    assert!(
        err.diagnostics[0]
            .message
            .contains("`[policy] enable` names unknown control `CN-GAI-17.20`"),
        "{err:?}"
    );
    // Enabling does not override the pack's scope: an exempt service stays exempt.
    let p = profile(
        "[service]\nname = \"lab\"\npublic = false\nregions = [\"CN\"]\nmodalities = [\"text\"]\n[policy]\nenable = [\"CN-GAI-17.2\"]\n",
    );
    let policy = resolve(&set, p, false, None).unwrap();
    assert_eq!(policy.active_controls().count(), 0);
}
