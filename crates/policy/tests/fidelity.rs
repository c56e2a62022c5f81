//! Regression tests of the citation audit against the official texts (issue 17): each names
//! what was wrong and pins the corrected encoding. The classes of error (a citation of an
//! article about something else, a version not in force, a predicate reading look-alike keys,
//! a diff that misses a change) are caught in general by `meta.rs` and `draft_to_final.rs`.

use genai_gate_policy::{Control, Pack, PolicySet, Profile, SourceFile, load_profile, resolve};

fn set() -> PolicySet {
    PolicySet::embedded().unwrap()
}

fn pack<'a>(set: &'a PolicySet, id: &str) -> &'a Pack {
    set.pack(id).unwrap()
}

fn by_topic<'a>(p: &'a Pack, topic: &str) -> &'a Control {
    p.controls
        .iter()
        .find(|c| c.topic.as_deref() == Some(topic))
        .unwrap_or_else(|| panic!("{}: no control of topic `{topic}`", p.meta.id))
}

fn profile(toml: &str) -> Profile {
    load_profile(&SourceFile::new("genai-gate.toml", toml)).unwrap()
}

/// Item 1: the audio-video labelling duty is Art. 11 ¶1 of the AV Provisions (Art. 10 is about
/// security assessment), and those provisions apply in their own right, not through
/// Measures Art. 2 ¶2, which names news publishing, film/TV and literary and artistic creation.
#[test]
fn audiovisual_labels_cite_av_art_11_1_and_not_measures_art_2() {
    let set = set();
    let av = pack(&set, "cn-sector-audiovisual");
    assert!(av.article_for("AV Provisions Art. 10").is_none());
    let cites: Vec<&str> = av
        .controls
        .iter()
        .flat_map(|c| &c.citations)
        .chain(av.amendments.iter().flat_map(|a| &a.citations))
        .map(String::as_str)
        .collect();
    assert!(
        !cites.iter().any(|c| c.starts_with("Art. 2")),
        "the audio-video overlay is framed through Measures Art. 2: {cites:?}"
    );
    for control in ["CN-GAI-12.1", "CN-GAI-12.2"] {
        let a = av.amendments.iter().find(|a| a.control == control).unwrap();
        assert!(
            a.citations.iter().any(|c| c == "AV Provisions Art. 11 ¶1"),
            "{control}: {:?}",
            a.citations
        );
    }
    // The overlays that do rest on Art. 2 ¶2 cite it as deferring to their sector's rules.
    for id in ["cn-sector-news", "cn-sector-publishing"] {
        let cited = pack(&set, id).cited("Art. 2 ¶2").unwrap();
        assert!(cited.defers_to().is_some(), "{id}");
    }
}

/// Item 2: the draft already required stopping generation (draft Art. 13).
#[test]
fn draft_stop_duty_cites_draft_art_13() {
    let set = set();
    let stop = by_topic(pack(&set, "cn-genai-2023-draft"), "stop-generation");
    assert_eq!(stop.citations, ["Art. 13"]);
    assert!(!stop.note.as_deref().unwrap_or("").contains("first"));
    let retrain = by_topic(pack(&set, "cn-genai-2023-draft"), "model-remediation");
    assert_eq!(
        retrain.citations,
        ["Art. 15"],
        "the three-month deadline stays Art. 15"
    );
}

/// Items 4 and 6: the per-request log rests on the Cybersecurity Law as amended (Art. 23(3),
/// formerly Art. 21(3)) and the Deep Synthesis log duty; Art. 14 ¶2 keeps the records of
/// sanctions.
#[test]
fn request_log_rests_on_the_amended_cybersecurity_law_and_sanction_records_on_art_14_2() {
    let set = set();
    let fin = pack(&set, "cn-genai-2023");
    let csl = fin.article_for("CSL Art. 23(3)").unwrap();
    assert_eq!(csl.reference, "CSL Art. 23");
    assert_eq!(csl.in_force.as_deref(), Some("2026-01-01"));
    assert!(csl.version.as_deref().unwrap().contains("28 October 2025"));
    assert!(csl.formerly.as_deref().unwrap().contains("Art. 21(3)"));
    assert!(fin.article_for("CSL Art. 21").is_none());
    let request_log = by_topic(fin, "request-log");
    assert_eq!(
        request_log.citations,
        ["CSL Art. 23(3)", "Deep Synthesis Art. 16"]
    );
    let retention = by_topic(fin, "log-retention");
    assert_eq!(retention.citations, ["CSL Art. 23(3)"]);
    assert!(retention.note.as_deref().unwrap().contains("Art. 21(3)"));
    let sanctions = by_topic(fin, "sanction-record");
    assert_eq!(sanctions.citations, ["Art. 14 ¶2"]);
}

/// Item 7: input screening also cites the Deep Synthesis duty to review users' input data.
#[test]
fn input_screening_cites_the_deep_synthesis_review_duty() {
    let set = set();
    let fin = pack(&set, "cn-genai-2023");
    let input = by_topic(fin, "input-moderation");
    let review = input
        .citations
        .iter()
        .filter_map(|c| fin.cited(c))
        .find(|c| {
            c.article
                .instrument
                .as_deref()
                .is_some_and(|i| i.contains("Deep Synthesis"))
        })
        .expect("no Deep Synthesis citation on input screening");
    assert!(review.imposes("input-moderation"));
    assert!(review.title().contains("input data"));
}

/// Item 8: Art. 7 asks for lawful sources; "filed" foundation models are TC260-003's.
#[test]
fn training_data_obligation_does_not_say_filed() {
    let set = set();
    let c = by_topic(pack(&set, "cn-genai-2023"), "training-data-provenance");
    assert!(!c.obligation.contains("filed"), "{}", c.obligation);
    assert_eq!(c.citations, ["Art. 7"]);
}

/// Item 9: the draft, too, covered only services to the public within the PRC.
#[test]
fn draft_scope_follows_draft_art_2() {
    let set = set();
    let scope = pack(&set, "cn-genai-2023-draft")
        .meta
        .scope
        .clone()
        .unwrap();
    assert_eq!(scope.public, Some(true));
    let p = profile(
        "[service]\nname = \"lab\"\npublic = false\nregions = [\"CN\"]\nmodalities = [\"text\"]\n[policy]\npacks = [\"cn-genai-2023-draft\"]\n",
    );
    let policy = resolve(&set, p, false, None).unwrap();
    assert!(!policy.applicability.applicable);
}

/// Item 10: implicit metadata labels apply to every generated content file, text included.
#[test]
fn implicit_labels_apply_to_text_too() {
    let set = set();
    let policy = resolve(&set, Profile::default_profile(), true, None).unwrap();
    let c = policy.control("CN-GAI-12.3").unwrap();
    assert!(c.active, "{:?}", c.inactive_reason);
    assert!(c.control.applies.is_always());
}

/// Item 11: Labeling Measures Art. 9 allows unlabelled output only after the user agreement
/// sets out the user's labelling duties; the logs kept six months name who received it; only
/// explicit labels may be left off.
#[test]
fn unlabelled_output_needs_the_user_agreement() {
    let set = set();
    let fin = pack(&set, "cn-genai-2023");
    let art9 = fin.article_for("Labeling Measures Art. 9").unwrap();
    for words in [
        "user agreement",
        "who received",
        "six months",
        "implicit labels stay",
    ] {
        assert!(
            art9.title.contains(words),
            "`{words}` missing: {}",
            art9.title
        );
    }
    let note = by_topic(fin, "explicit-label").note.clone().unwrap();
    assert!(
        note.contains("user agreement") && note.contains("Art. 9"),
        "{note}"
    );
    assert!(!note.contains("on the user's request, with that request logged"));
}

/// Item 12: the Online Publishing Provisions hold no AI-labelling duty; labels that travel
/// with a published work rest on Labeling Measures Art. 4 ¶2.
#[test]
fn published_text_labels_cite_labeling_art_4_2() {
    let set = set();
    let publishing = pack(&set, "cn-sector-publishing");
    let a = publishing
        .amendments
        .iter()
        .find(|a| a.control == "CN-GAI-12.2")
        .unwrap();
    assert_eq!(a.citations, ["Labeling Measures Art. 4 ¶2"]);
}

/// Item 13: publication review is News Provisions Art. 12; Art. 11 is the editor-in-chief's
/// responsibility; the review control cites both.
#[test]
fn news_review_cites_news_arts_11_and_12() {
    let set = set();
    let c = by_topic(pack(&set, "cn-sector-news"), "news-human-review");
    for cite in ["News Provisions Art. 11", "News Provisions Art. 12"] {
        assert!(c.citations.iter().any(|x| x == cite), "{:?}", c.citations);
    }
}

/// Item 14: the filing display stays gated on public-opinion attributes, the note says why
/// and how to require it of every launched app.
#[test]
fn filing_display_note_explains_the_gate_and_the_profile_option() {
    let set = set();
    let c = by_topic(pack(&set, "cn-genai-2023"), "algorithm-filing");
    assert_eq!(c.applies.public_opinion, Some(true));
    let note = c.note.as_deref().unwrap();
    assert!(
        note.contains("CAC announcement") && note.contains("enable"),
        "{note}"
    );
}

/// Item 15: draft Art. 6 requires assessment and filing only, not showing the filing number.
#[test]
fn draft_filing_does_not_claim_the_number_is_shown() {
    let set = set();
    let c = by_topic(pack(&set, "cn-genai-2023-draft"), "algorithm-filing");
    assert!(!c.obligation.contains("shown"), "{}", c.obligation);
    assert!(!c.title.contains("show"), "{}", c.title);
}

/// Item 16: the article numbers the audit confirmed carry no "check" note any more.
#[test]
fn confirmed_articles_have_no_check_note() {
    let set = set();
    let confirmed = [
        "Labeling Measures Art. 4",
        "Labeling Measures Art. 5",
        "Labeling Measures Art. 6",
        "Labeling Measures Art. 9",
        "Deep Synthesis Art. 16",
        "Deep Synthesis Art. 17",
    ];
    let mut seen = 0;
    for p in &set.packs {
        for a in p
            .articles
            .iter()
            .filter(|a| confirmed.contains(&a.reference.as_str()))
        {
            seen += 1;
            assert!(
                !a.note.as_deref().unwrap_or("").contains("check"),
                "{}: `{}` still says to check it",
                p.meta.id,
                a.reference
            );
        }
    }
    assert!(
        seen >= confirmed.len(),
        "only {seen} confirmed articles found"
    );
}
