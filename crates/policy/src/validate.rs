//! Phase two of loading: check raw values against the vocabularies and collect every error.

use std::ops::Range;

use crate::Capability;
use crate::catalogue::{
    Catalogue, CodePatterns, Detector, DetectorTest, GenerationSignal, KeySet, Negative,
};
use crate::diag::{Collector, Diagnostic, LoadError, SourceFile, from_toml_error};
use crate::model::*;
use crate::profile::{Enable, FileSelection, Level, Profile, Service, Waiver};
use crate::raw::{self, SStr};
use crate::suggest::did_you_mean;

/// Phase one: the raw types. serde stops at its first error; every other key and type
/// error of the file is added from its schema ([`crate::shape`]), so that all are reported.
fn parse_toml<T: serde::de::DeserializeOwned + schemars::JsonSchema>(
    source: &SourceFile,
) -> Result<T, LoadError> {
    toml::from_str(&source.text).map_err(|e| {
        let first = from_toml_error(source, &e);
        let mut diagnostics: Vec<Diagnostic> = crate::shape::Shape::of::<T>()
            .check(source)
            .into_iter()
            .filter(|d| d.line != first.line && d.message != first.message)
            .collect();
        diagnostics.push(first);
        diagnostics.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
        LoadError { diagnostics }
    })
}

/// Loads and validates a pack from TOML text.
///
/// ```
/// use genai_gate_policy::{load_pack, SourceFile};
/// let src = SourceFile::new("mini.toml", r#"
/// [pack]
/// id = "mini"
/// kind = "base"
/// title = "Mini"
/// jurisdiction = "CN"
/// authority = "CAC"
/// source = "https://example.org"
/// published = 2023-07-13
/// version = "1"
///
/// [[article]]
/// ref = "Art. 14"
/// title = "Handling illegal content"
///
/// [[control]]
/// id = "CN-GAI-14.1"
/// title = "Stop generation"
/// citations = ["Art. 14 ¶1"]
/// obligation = "Stop generating illegal content."
/// severity = "error"
/// scope = "endpoint"
/// require = [{ capability = "generation.stop", order = "after" }]
/// "#);
/// let pack = load_pack(&src, false).unwrap();
/// assert_eq!(pack.controls[0].id, "CN-GAI-14.1");
/// ```
pub fn load_pack(source: &SourceFile, embedded: bool) -> Result<Pack, LoadError> {
    let raw: raw::RawPack = parse_toml(source)?;
    let mut c = Collector::new(source);
    let meta = pack_meta(&mut c, raw.pack);
    let mut articles: Vec<Article> = Vec::new();
    for a in raw.articles {
        if articles
            .iter()
            .any(|x| x.reference == *a.reference.get_ref())
        {
            c.at(
                a.reference.span(),
                format!("article `{}` is listed twice", a.reference.get_ref()),
            );
        }
        articles.push(article(&mut c, a, &meta));
    }
    let mut controls: Vec<Control> = Vec::new();
    for rc in raw.controls {
        let control = control(&mut c, rc, &articles);
        if controls.iter().any(|x| x.id == control.id) {
            c.at(
                control.location.span.clone(),
                format!("control `{}` is defined twice", control.id),
            );
        }
        controls.push(control);
    }
    let mut amendments = Vec::new();
    for ra in raw.amendments {
        amendments.push(amendment(&mut c, ra, &articles));
    }
    if meta.kind == PackKind::Base && !amendments.is_empty() {
        c.error(
            None,
            "a base pack cannot `[[amend]]` controls".into(),
            Some("set `kind = \"overlay\"` and `extends`".into()),
        );
    }
    c.finish(Pack {
        meta,
        articles,
        controls,
        amendments,
        file: source.name.clone(),
        embedded,
    })
}

fn topics(c: &mut Collector, topics: Vec<SStr>) -> Vec<String> {
    for t in &topics {
        if !is_slug(t.get_ref()) {
            c.at_help(
                t.span(),
                format!("topic `{}` is not a slug", t.get_ref()),
                "write topics in lowercase letters, digits and dashes, as control `topic`s are",
            );
        }
    }
    topics.into_iter().map(|t| t.into_inner()).collect()
}

fn article(c: &mut Collector, a: raw::RawArticle, meta: &PackMeta) -> Article {
    let in_force = a.in_force.as_ref().map(|d| date(c, d, "`in-force`"));
    if let (Some(day), Some(d)) = (&in_force, &a.in_force)
        && day.as_str() > meta.as_of.as_str()
    {
        c.at_help(
            d.span(),
            format!(
                "`{}` is the version in force from {day}, after the pack's as-of date {}",
                a.reference.get_ref(),
                meta.as_of
            ),
            "cite the version in force on the pack's `as-of` date, or move `as-of` once the citations are checked against the newer text",
        );
    }
    if a.version.is_some() != a.in_force.is_some() {
        c.at_help(
            a.reference.span(),
            format!(
                "`{}` names a version without its in-force date, or the reverse",
                a.reference.get_ref()
            ),
            "give both `version` and `in-force`",
        );
    }
    let mut parts: Vec<ArticlePart> = Vec::new();
    for p in a.parts {
        if parts.iter().any(|x| x.reference == *p.reference.get_ref()) {
            c.at(
                p.reference.span(),
                format!(
                    "part `{}` of `{}` is listed twice",
                    p.reference.get_ref(),
                    a.reference.get_ref()
                ),
            );
        }
        if !p.reference.get_ref().starts_with(['¶', '(']) {
            c.at_help(
                p.reference.span(),
                format!(
                    "part `{}` of `{}` is neither a paragraph nor an item",
                    p.reference.get_ref(),
                    a.reference.get_ref()
                ),
                "write paragraphs as `¶2` and items as `(1)`, as citations spell them",
            );
        }
        parts.push(ArticlePart {
            reference: p.reference.into_inner(),
            title: p.title,
            topics: topics(c, p.topics),
            defers_to: p.defers_to,
        });
    }
    Article {
        reference: a.reference.into_inner(),
        title: a.title,
        instrument: a.instrument,
        version: a.version,
        in_force,
        formerly: a.formerly,
        topics: topics(c, a.topics),
        defers_to: a.defers_to,
        parts,
        note: a.note,
    }
}

/// One problem with a citation's topic: the index of the citation (or `None` for the whole
/// list), the message and the help.
pub(crate) type CitationProblem = (Option<usize>, String, String);

/// Checks that every citation names an article (or part) whose text imposes `topic`, or that
/// defers to other rules while another citation imposes it. Articles that list nothing
/// (neither topics nor a deferral) cannot be checked and pass. `owner` names the control or
/// amendment in messages.
pub(crate) fn topic_problems(
    articles: &[Article],
    cites: &[&str],
    topic: &str,
    owner: &str,
) -> Vec<CitationProblem> {
    let mut problems = Vec::new();
    let mut imposing = 0;
    let mut deferring = Vec::new();
    for (i, cite) in cites.iter().enumerate() {
        // Unknown articles and parts are reported by the citation check.
        let Some(cd) = cited(articles, cite).filter(|cd| !cd.names_unknown_part()) else {
            continue;
        };
        if !cd.article.is_annotated() || cd.imposes(topic) {
            imposing += 1;
        } else if let Some(rules) = cd.defers_to() {
            deferring.push(format!("`{cite}` defers to {rules}"));
        } else {
            let listed = cd.topics();
            problems.push((
                Some(i),
                format!("`{cite}` does not impose `{topic}`, the topic of {owner}"),
                format!(
                    "{}; cite the article that imposes `{topic}`, or add the topic to `{}` if its text does",
                    if listed.is_empty() {
                        "it lists no topic".to_owned()
                    } else {
                        format!(
                            "its text imposes {}",
                            listed
                                .iter()
                                .map(|t| format!("`{t}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    },
                    cd.article.reference
                ),
            ));
        }
    }
    if imposing == 0 && !deferring.is_empty() {
        problems.push((
            None,
            format!("no citation of {owner} imposes its topic `{topic}`"),
            format!(
                "{}; cite the article of those rules that imposes `{topic}`",
                deferring.join("; ")
            ),
        ));
    }
    problems
}

fn location(c: &Collector, span: Range<usize>) -> Location {
    Location {
        file: c.source.name.clone(),
        line: c.line(span.start),
        span,
    }
}

fn word<T>(
    c: &mut Collector,
    s: &SStr,
    what: &str,
    parse: fn(&str) -> Option<T>,
    words: &[&str],
) -> Option<T> {
    let v = parse(s.get_ref());
    if v.is_none() {
        let help = match did_you_mean(s.get_ref(), words.iter().copied()) {
            Some(w) => format!("did you mean `{w}`?"),
            None => format!("expected one of: {}", words.join(", ")),
        };
        c.at_help(s.span(), format!("unknown {what} `{}`", s.get_ref()), help);
    }
    v
}

fn words_of<I: Iterator<Item = &'static str>>(it: I) -> Vec<&'static str> {
    it.collect()
}

fn date(c: &mut Collector, d: &toml::Spanned<toml::value::Datetime>, what: &str) -> String {
    let v = d.get_ref();
    match (&v.date, &v.time) {
        (Some(date), None) => date.to_string(),
        _ => {
            c.at(
                d.span(),
                format!("{what} must be a date like 2023-08-15, not `{v}`"),
            );
            v.to_string()
        }
    }
}

fn is_slug(s: &str) -> bool {
    crate::model::is_slug(s)
}

fn pack_meta(c: &mut Collector, m: raw::RawPackMeta) -> PackMeta {
    if !is_slug(m.id.get_ref()) {
        c.at(
            m.id.span(),
            format!(
                "pack id `{}` must be lowercase letters, digits and dashes",
                m.id.get_ref()
            ),
        );
    }
    let kind = word(
        c,
        &m.kind,
        "pack kind",
        PackKind::parse_word,
        &words_of(PackKind::words()),
    )
    .unwrap_or(PackKind::Base);
    let sector = m.sector.as_ref().and_then(|s| {
        word(
            c,
            s,
            "sector",
            Sector::parse_word,
            &words_of(Sector::words()),
        )
    });
    match kind {
        PackKind::Overlay => {
            if m.extends.is_none() {
                c.at_help(
                    m.kind.span(),
                    "an overlay must name the base pack it `extends`",
                    "add `extends = \"cn-genai-2023\"` to `[pack]`",
                );
            }
            if m.sector.is_none() {
                c.at_help(
                    m.kind.span(),
                    "an overlay must name its `sector`",
                    format!("one of: {}", words_of(Sector::words()).join(", ")),
                );
            }
            if let Some(scope) = &m.scope {
                c.at(
                    scope.citation.span(),
                    "an overlay takes its scope from the base pack; remove `[pack.scope]`",
                );
            }
        }
        PackKind::Base => {
            if let Some(e) = &m.extends {
                c.at(e.span(), "only an overlay `extends` another pack");
            }
        }
    }
    let published = date(c, &m.published, "`published`");
    let effective = m.effective.as_ref().map(|d| date(c, d, "`effective`"));
    let as_of = match &m.as_of {
        Some(d) => {
            let day = date(c, d, "`as-of`");
            if day < published {
                c.at(
                    d.span(),
                    format!("`as-of` {day} is before the pack's publication date {published}"),
                );
            }
            day
        }
        None => effective.clone().unwrap_or_else(|| published.clone()),
    };
    PackMeta {
        id: m.id.into_inner(),
        kind,
        title: m.title,
        jurisdiction: m.jurisdiction,
        authority: m.authority,
        source: m.source,
        published,
        effective,
        as_of,
        version: m.version,
        supersedes: m.supersedes.into_iter().map(|s| s.into_inner()).collect(),
        superseded_by: m
            .superseded_by
            .into_iter()
            .map(|s| s.into_inner())
            .collect(),
        extends: m.extends.map(|s| s.into_inner()),
        sector,
        scope: m.scope.map(|s| PackScope {
            public: s.public,
            regions: s.regions,
            citation: s.citation.into_inner(),
            exemption: s.exemption,
        }),
        note: m.note,
    }
}

fn citations(c: &mut Collector, cites: &[SStr], articles: &[Article], what: &str) -> Vec<String> {
    if cites.is_empty() {
        c.error(
            None,
            format!("{what} has no citation"),
            Some("add `citations = [\"Art. N\"]`".into()),
        );
    }
    for cite in cites {
        if article_for(articles, cite.get_ref()).is_none() {
            let refs: Vec<&str> = articles.iter().map(|a| a.reference.as_str()).collect();
            let head: String = cite
                .get_ref()
                .chars()
                .take_while(|ch| *ch != '(' && *ch != '¶')
                .collect();
            let help = match did_you_mean(head.trim(), refs.iter().copied()) {
                Some(r) => format!(
                    "did you mean `{r}`? every citation must start with an article from the pack's `[[article]]` list"
                ),
                None => "add the article to the pack's `[[article]]` list, or correct the citation"
                    .into(),
            };
            c.at_help(
                cite.span(),
                format!(
                    "citation `{}` names no article of this pack",
                    cite.get_ref()
                ),
                help,
            );
        } else if let Some(cd) = cited(articles, cite.get_ref())
            && cd.names_unknown_part()
        {
            let parts: Vec<&str> = cd
                .article
                .parts
                .iter()
                .map(|p| p.reference.as_str())
                .collect();
            let help = match did_you_mean(cd.rest, parts.iter().copied()) {
                Some(p) => format!("did you mean `{} {p}`?", cd.article.reference),
                None => format!(
                    "`{}` lists the parts {}",
                    cd.article.reference,
                    parts
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            c.at_help(
                cite.span(),
                format!(
                    "citation `{}` names no part of `{}`",
                    cite.get_ref(),
                    cd.article.reference
                ),
                help,
            );
        }
    }
    cites.iter().map(|s| s.get_ref().clone()).collect()
}

fn control_id_ok(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("CN-GAI-") else {
        return false;
    };
    let mut parts = rest.split('.');
    let (Some(a), Some(n), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|ch| ch.is_ascii_digit());
    digits(a) && digits(n)
}

fn control(c: &mut Collector, rc: raw::RawControl, articles: &[Article]) -> Control {
    if !control_id_ok(rc.id.get_ref()) {
        c.at_help(
            rc.id.span(),
            format!(
                "control id `{}` is not of the form `CN-GAI-<article>.<n>`",
                rc.id.get_ref()
            ),
            "for example `CN-GAI-14.2`",
        );
    }
    let cites = citations(
        c,
        &rc.citations,
        articles,
        &format!("control `{}`", rc.id.get_ref()),
    );
    // A control numbered for an article of the pack's own text cites it. A control whose
    // citations are all of other instruments (the Cybersecurity Law, the Labeling Measures)
    // keeps the number of the Measures article it is filed under.
    let cites_own_text = cites
        .iter()
        .any(|cite| article_for(articles, cite).is_some_and(|a| a.instrument.is_none()));
    if let Some(num) = rc
        .id
        .get_ref()
        .strip_prefix("CN-GAI-")
        .and_then(|r| r.split('.').next())
        && cites_own_text
        && !cites.iter().any(|cite| {
            cite.starts_with(&format!("Art. {num}"))
                && !cite[format!("Art. {num}").len()..].starts_with(|ch: char| ch.is_ascii_digit())
        })
    {
        c.at_help(
            rc.id.span(),
            format!(
                "control `{}` is numbered for Art. {num} but does not cite it",
                rc.id.get_ref()
            ),
            format!("cite `Art. {num}` or renumber the control"),
        );
    }
    if let Some(topic) = &rc.topic {
        if !is_slug(topic) {
            c.at_help(
                rc.id.span(),
                format!(
                    "control `{}` has topic `{topic}`, which is not a slug",
                    rc.id.get_ref()
                ),
                "write topics in lowercase letters, digits and dashes",
            );
        }
        let refs: Vec<&str> = cites.iter().map(String::as_str).collect();
        let owner = format!("`{}`", rc.id.get_ref());
        for (i, message, help) in topic_problems(articles, &refs, topic, &owner) {
            let span = i.map_or(rc.id.span(), |i| rc.citations[i].span());
            c.at_help(span, message, help);
        }
    }
    let severity = word(
        c,
        &rc.severity,
        "severity",
        Severity::parse_word,
        &words_of(Severity::words()),
    )
    .unwrap_or(Severity::Error);
    let scope = word(
        c,
        &rc.scope,
        "scope",
        Scope::parse_word,
        &words_of(Scope::words()),
    )
    .unwrap_or(Scope::Repository);
    if rc.title.trim().is_empty() {
        c.at(
            rc.id.span(),
            format!("control `{}` has an empty title", rc.id.get_ref()),
        );
    }
    if rc.obligation.trim().is_empty() {
        c.at(
            rc.id.span(),
            format!("control `{}` has an empty obligation", rc.id.get_ref()),
        );
    }
    if rc.require.is_empty() {
        c.at_help(
            rc.id.span(),
            format!("control `{}` requires no evidence", rc.id.get_ref()),
            "add at least one `[[control.require]]`",
        );
    }
    let applies = rc.applies.map(|a| applies(c, a)).unwrap_or_default();
    let requirements = rc
        .require
        .into_iter()
        .map(|r| requirement(c, r, scope))
        .collect();
    Control {
        location: location(c, rc.id.span()),
        id: rc.id.into_inner(),
        topic: rc.topic,
        title: rc.title,
        citations: cites,
        obligation: rc.obligation,
        severity,
        scope,
        applies,
        requirements,
        help: rc.help,
        note: rc.note,
        draft_only: rc.draft_only,
    }
}

fn applies(c: &mut Collector, a: raw::RawApplies) -> Applies {
    Applies {
        modalities: a
            .modalities
            .iter()
            .filter_map(|m| {
                word(
                    c,
                    m,
                    "modality",
                    Modality::parse_word,
                    &words_of(Modality::words()),
                )
            })
            .collect(),
        sectors: a
            .sectors
            .iter()
            .filter_map(|s| {
                word(
                    c,
                    s,
                    "sector",
                    Sector::parse_word,
                    &words_of(Sector::words()),
                )
            })
            .collect(),
        public_opinion: a.public_opinion,
        serves_minors: a.serves_minors,
        trains_models: a.trains_models,
    }
}

pub(crate) fn capability(c: &mut Collector, s: &SStr) -> Option<Capability> {
    match s.get_ref().parse::<Capability>() {
        Ok(cap) => Some(cap),
        Err(e) => {
            let help = match e.suggestion {
                Some(sug) => format!(
                    "did you mean `{sug}`? run `genai-gate policy capabilities` for the vocabulary"
                ),
                None => "run `genai-gate policy capabilities` for the vocabulary".into(),
            };
            c.at_help(s.span(), e.to_string(), help);
            None
        }
    }
}

fn predicate(c: &mut Collector, s: &SStr) -> Option<ConfigPredicate> {
    match s.get_ref().parse::<ConfigPredicate>() {
        Ok(p) => Some(p),
        Err(msg) => {
            c.at_help(
                s.span(),
                msg,
                "write `key op value`, e.g. `@log-retention-days >= 184` (a catalogue key set) or `audit.retention_days >= 184`",
            );
            None
        }
    }
}

fn document(c: &mut Collector, d: raw::RawDocument) -> DocumentRule {
    for p in &d.paths {
        if let Err(e) = globset::Glob::new(p.get_ref()) {
            c.at(
                p.span(),
                format!("invalid path glob `{}`: {e}", p.get_ref()),
            );
        }
    }
    if d.paths.is_empty() {
        c.error(
            None,
            "a document rule needs at least one path glob".into(),
            None,
        );
    }
    DocumentRule {
        paths: d.paths.into_iter().map(|p| p.into_inner()).collect(),
        headings: d.headings,
        phrases: d.phrases,
    }
}

fn requirement(c: &mut Collector, r: raw::RawRequirement, scope: Scope) -> Requirement {
    let span = r.capability.span();
    let cap = capability(c, &r.capability);
    let order = r
        .order
        .as_ref()
        .and_then(|o| word(c, o, "order", Order::parse_word, &words_of(Order::words())));
    if let (Some(_), Scope::Repository) = (order, scope) {
        c.at_help(
            r.order.as_ref().map(|o| o.span()).unwrap_or(span.clone()),
            "`order` only applies to endpoint-scoped controls",
            "remove `order`, or set the control's `scope = \"endpoint\"`",
        );
    }
    let config = r.config.as_ref().and_then(|p| predicate(c, p));
    let evidence = r
        .evidence
        .iter()
        .filter_map(|e| {
            word(
                c,
                e,
                "evidence kind",
                EvidenceKind::parse_word,
                &words_of(EvidenceKind::words()),
            )
        })
        .collect();
    Requirement {
        capability: cap.unwrap_or(Capability::Generation),
        order,
        config,
        document: r.document.map(|d| document(c, d)),
        evidence,
        location: location(c, span),
    }
}

fn amendment(c: &mut Collector, ra: raw::RawAmendment, articles: &[Article]) -> Amendment {
    let action = word(
        c,
        &ra.action,
        "amendment action",
        AmendAction::parse_word,
        &words_of(AmendAction::words()),
    )
    .unwrap_or(AmendAction::Tighten);
    let cites = citations(
        c,
        &ra.citations,
        articles,
        &format!("amendment of `{}`", ra.control.get_ref()),
    );
    let severity = ra.severity.as_ref().and_then(|s| {
        word(
            c,
            s,
            "severity",
            Severity::parse_word,
            &words_of(Severity::words()),
        )
    });
    let scope = ra
        .scope
        .as_ref()
        .and_then(|s| word(c, s, "scope", Scope::parse_word, &words_of(Scope::words())));
    if action == AmendAction::Tighten {
        let replace_only = [
            ("title", ra.title.is_some()),
            ("obligation", ra.obligation.is_some()),
            ("scope", ra.scope.is_some()),
            ("applies", ra.applies.is_some()),
        ];
        for (field, set) in replace_only {
            if set {
                c.at_help(
                    ra.action.span(),
                    format!("`{field}` can only be changed by `action = \"replace\"`"),
                    "a tightening amendment may set `severity`, `require` and `help`",
                );
            }
        }
    }
    if action == AmendAction::Replace && ra.require.is_empty() {
        c.at(
            ra.action.span(),
            format!(
                "replacing `{}` needs the new `require` list",
                ra.control.get_ref()
            ),
        );
    }
    let req_scope = scope.unwrap_or(Scope::Endpoint);
    if let Some(topic) = &ra.topic {
        let refs: Vec<&str> = cites.iter().map(String::as_str).collect();
        let owner = format!("the amendment of `{}`", ra.control.get_ref());
        for (i, message, help) in topic_problems(articles, &refs, topic, &owner) {
            let span = i.map_or(ra.control.span(), |i| ra.citations[i].span());
            c.at_help(span, message, help);
        }
    }
    Amendment {
        location: location(c, ra.control.span()),
        action,
        reason: ra.reason,
        topic: ra.topic,
        citations: cites,
        severity,
        title: ra.title,
        obligation: ra.obligation,
        scope,
        applies: ra.applies.map(|a| applies(c, a)),
        requirements: ra
            .require
            .into_iter()
            .map(|r| requirement(c, r, req_scope))
            .collect(),
        help: ra.help,
        control: ra.control.into_inner(),
    }
}

fn code_patterns(
    c: &mut Collector,
    calls: Vec<SStr>,
    methods: Vec<SStr>,
    types: Vec<SStr>,
    macros: Vec<SStr>,
    strings: Vec<SStr>,
    messages: Vec<SStr>,
) -> CodePatterns {
    let mut chains = Vec::new();
    for m in &methods {
        let segs: Vec<String> = m
            .get_ref()
            .split('.')
            .map(|s| s.trim_end_matches("()").to_owned())
            .collect();
        if segs.iter().any(|s| {
            s.is_empty()
                || !s
                    .chars()
                    .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '*')
        }) {
            c.at_help(
                m.span(),
                format!("method chain `{}` is not of the form `a().b`", m.get_ref()),
                "write the calls in order, e.g. `moderations().create`",
            );
        }
        chains.push(segs);
    }
    for p in calls.iter().chain(&types) {
        if p.get_ref().contains('.') || p.get_ref().contains('(') {
            c.at_help(
                p.span(),
                format!("path `{}` should use `::` between segments", p.get_ref()),
                "method chains go in `methods`",
            );
        }
    }
    CodePatterns {
        calls: calls.into_iter().map(|s| s.into_inner()).collect(),
        methods: chains,
        types: types.into_iter().map(|s| s.into_inner()).collect(),
        macros: macros
            .into_iter()
            .map(|s| s.into_inner().trim_end_matches('!').to_owned())
            .collect(),
        strings: strings.into_iter().map(|s| s.into_inner()).collect(),
        messages: messages.into_iter().map(|s| s.into_inner()).collect(),
    }
}

pub(crate) fn detector(c: &mut Collector, d: raw::RawDetector) -> Detector {
    let cap = capability(c, &d.capability);
    let config = d
        .config
        .iter()
        .filter_map(|p| predicate(c, p))
        .collect::<Vec<_>>();
    let documents = d
        .documents
        .into_iter()
        .map(|doc| document(c, doc))
        .collect::<Vec<_>>();
    let code = code_patterns(
        c, d.calls, d.methods, d.types, d.macros, d.strings, d.messages,
    );
    if code.is_empty() && config.is_empty() && documents.is_empty() {
        c.at(
            d.id.span(),
            format!("detector `{}` has no pattern", d.id.get_ref()),
        );
    }
    let mut tests = Vec::new();
    for t in d.tests {
        if code.is_empty() {
            c.at_help(
                t.code.span(),
                format!(
                    "detector `{}` has a test but no code pattern to test",
                    d.id.get_ref()
                ),
                "tests run the detector's `calls`, `methods`, `types`, `macros` and `strings` on the code",
            );
        } else if t.code.get_ref().trim().is_empty() {
            c.at(t.code.span(), "a detector test needs some code".to_owned());
        }
        tests.push(DetectorTest {
            location: location(c, t.code.span()),
            code: t.code.into_inner(),
            expect: t.expect.unwrap_or(true),
        });
    }
    let signal = match &d.signal {
        None => GenerationSignal::Call,
        Some(s) => match GenerationSignal::parse(s.get_ref()) {
            Some(sig) if cap == Some(Capability::Generation) || sig == GenerationSignal::Call => {
                sig
            }
            Some(_) => {
                c.at(
                    s.span(),
                    "only generation detectors take a `signal`".to_owned(),
                );
                GenerationSignal::Call
            }
            None => {
                c.at(
                    s.span(),
                    format!(
                        "unknown signal `{}`; expected `call`, `forward` or `handoff`",
                        s.get_ref()
                    ),
                );
                GenerationSignal::Call
            }
        },
    };
    Detector {
        location: location(c, d.id.span()),
        id: d.id.into_inner(),
        capability: cap.unwrap_or(Capability::Generation),
        description: d.description,
        code,
        config,
        documents,
        signal,
        tests,
    }
}

/// Loads and validates a detector catalogue from TOML text.
///
/// ```
/// use genai_gate_policy::{load_catalogue, SourceFile, Capability};
/// let src = SourceFile::new("c.toml", r#"
/// [catalogue]
/// id = "mine"
/// version = "1"
///
/// [[detector]]
/// id = "acme.screen"
/// capability = "moderation.output"
/// calls = ["acme_safety::screen"]
/// "#);
/// let cat = load_catalogue(&src).unwrap();
/// assert_eq!(cat.detectors[0].capability, Capability::ModerationOutput);
/// ```
pub fn load_catalogue(source: &SourceFile) -> Result<Catalogue, LoadError> {
    let raw: raw::RawCatalogue = parse_toml(source)?;
    let mut c = Collector::new(source);
    let mut detectors: Vec<Detector> = Vec::new();
    for d in raw.detectors {
        let det = detector(&mut c, d);
        if detectors.iter().any(|x| x.id == det.id) {
            c.at(
                det.location.span.clone(),
                format!("detector `{}` is defined twice", det.id),
            );
        }
        detectors.push(det);
    }
    let mut negatives: Vec<Negative> = Vec::new();
    for n in raw.negatives {
        let caps = n
            .capabilities
            .iter()
            .filter_map(|s| capability(&mut c, s))
            .collect();
        let code = code_patterns(
            &mut c,
            n.calls,
            n.methods,
            n.types,
            Vec::new(),
            n.strings,
            Vec::new(),
        );
        if code.is_empty() {
            c.at(
                n.id.span(),
                format!("negative `{}` has no pattern", n.id.get_ref()),
            );
        }
        if negatives.iter().any(|x| x.id == *n.id.get_ref()) {
            c.at(
                n.id.span(),
                format!("negative `{}` is defined twice", n.id.get_ref()),
            );
        }
        negatives.push(Negative {
            location: location(&c, n.id.span()),
            id: n.id.into_inner(),
            reason: n.reason,
            capabilities: caps,
            code,
        });
    }
    let mut key_sets: Vec<KeySet> = Vec::new();
    for k in raw.key_sets {
        if !is_slug(k.id.get_ref()) {
            c.at_help(
                k.id.span(),
                format!("key set id `{}` is not a slug", k.id.get_ref()),
                "write it in lowercase letters, digits and dashes; predicates read it as `@id`",
            );
        }
        if key_sets.iter().any(|x| x.id == *k.id.get_ref()) {
            c.at(
                k.id.span(),
                format!("key set `{}` is defined twice", k.id.get_ref()),
            );
        }
        if k.keys.is_empty() {
            c.at(
                k.id.span(),
                format!("key set `{}` names no key", k.id.get_ref()),
            );
        }
        for key in &k.keys {
            let ok = !key.get_ref().is_empty()
                && key
                    .get_ref()
                    .chars()
                    .all(|ch| ch.is_alphanumeric() || "._-*".contains(ch));
            if !ok {
                c.at_help(
                    key.span(),
                    format!("`{}` is not a config key pattern", key.get_ref()),
                    "write dotted keys such as `audit.retention_days`; `*` matches any run of words",
                );
            }
        }
        key_sets.push(KeySet {
            location: location(&c, k.id.span()),
            id: k.id.into_inner(),
            description: k.description,
            keys: k.keys.into_iter().map(|k| k.into_inner()).collect(),
        });
    }
    let meta = raw.catalogue;
    c.finish(Catalogue {
        id: meta.id.into_inner(),
        version: meta.version,
        description: meta.description,
        detectors,
        negatives,
        key_sets,
        file: source.name.clone(),
    })
}

/// Loads and validates a repository profile (`genai-gate.toml`) from TOML text.
///
/// ```
/// use genai_gate_policy::{load_profile, SourceFile};
/// let src = SourceFile::new("genai-gate.toml", r#"
/// [service]
/// name = "chat"
/// public = true
/// regions = ["CN"]
/// modalities = ["text", "image"]
/// "#);
/// let profile = load_profile(&src).unwrap();
/// assert!(profile.in_prc());
/// ```
pub fn load_profile(source: &SourceFile) -> Result<Profile, LoadError> {
    let raw: raw::RawProfile = parse_toml(source)?;
    let mut c = Collector::new(source);
    let s = raw.service;
    for r in &s.regions {
        let ok = r.get_ref().len() == 2 && r.get_ref().chars().all(|ch| ch.is_ascii_uppercase());
        if !ok {
            c.at_help(
                r.span(),
                format!("region `{}` is not an ISO 3166 alpha-2 code", r.get_ref()),
                "use upper-case codes such as `CN`, `HK`, `SG`",
            );
        }
    }
    let service = Service {
        name: s.name,
        public: s.public,
        regions: s.regions.iter().map(|r| r.get_ref().clone()).collect(),
        modalities: s
            .modalities
            .iter()
            .filter_map(|m| {
                word(
                    &mut c,
                    m,
                    "modality",
                    Modality::parse_word,
                    &words_of(Modality::words()),
                )
            })
            .collect(),
        sectors: s
            .sectors
            .iter()
            .filter_map(|m| {
                word(
                    &mut c,
                    m,
                    "sector",
                    Sector::parse_word,
                    &words_of(Sector::words()),
                )
            })
            .collect(),
        public_opinion: s.public_opinion,
        serves_minors: s.serves_minors,
        trains_models: s.trains_models,
    };
    let sel = raw.policy.unwrap_or_default();
    let detectors = raw
        .detectors
        .into_iter()
        .map(|d| detector(&mut c, d))
        .collect();
    let files = raw.files.unwrap_or_default();
    for g in files.include.iter().chain(&files.exclude) {
        if let Err(e) = globset::Glob::new(g.get_ref()) {
            c.at(g.span(), format!("invalid glob `{}`: {e}", g.get_ref()));
        }
    }
    let mut waivers = Vec::new();
    for w in raw.waivers {
        let span = w.control.span();
        let mut missing = Vec::new();
        let mut text = |f: &Option<SStr>, name: &'static str| -> String {
            match f {
                Some(v) if !v.get_ref().trim().is_empty() => v.get_ref().clone(),
                _ => {
                    missing.push(name);
                    String::new()
                }
            }
        };
        let reason = text(&w.reason, "reason");
        let owner = text(&w.owner, "owner");
        let expires = match &w.expires {
            Some(d) => date(&mut c, d, "`expires`"),
            None => {
                missing.push("expires");
                String::new()
            }
        };
        for m in missing {
            c.at_help(
                span.clone(),
                format!("waiver of `{}` has no `{m}`", w.control.get_ref()),
                "every waiver needs a `reason`, an `owner` and an `expires` date",
            );
        }
        for p in &w.paths {
            if let Err(e) = globset::Glob::new(p.get_ref()) {
                c.at(p.span(), format!("invalid glob `{}`: {e}", p.get_ref()));
            }
        }
        waivers.push(Waiver {
            location: location(&c, span),
            control: w.control.into_inner(),
            paths: w.paths.into_iter().map(|p| p.into_inner()).collect(),
            reason,
            owner,
            expires,
        });
    }
    let mut levels = Vec::new();
    for (control, sev) in &raw.levels {
        if let Some(severity) = word(
            &mut c,
            sev,
            "severity",
            Severity::parse_word,
            &words_of(Severity::words()),
        ) {
            levels.push(Level {
                control: control.clone(),
                severity,
                location: location(&c, sev.span()),
            });
        }
    }
    let enable = sel
        .enable
        .iter()
        .map(|e| Enable {
            control: e.get_ref().clone(),
            location: location(&c, e.span()),
        })
        .collect();
    let profile = Profile {
        service,
        packs: sel.packs.iter().map(|p| p.get_ref().clone()).collect(),
        enable,
        load: sel.load.iter().map(|p| p.get_ref().clone()).collect(),
        detectors,
        files: FileSelection {
            include: files.include.into_iter().map(|g| g.into_inner()).collect(),
            exclude: files.exclude.into_iter().map(|g| g.into_inner()).collect(),
            max_file_size: files.max_file_size,
        },
        waivers,
        levels,
        strict: raw.settings.as_ref().is_some_and(|s| s.strict),
        file: source.name.clone(),
    };
    c.finish(profile)
}

/// Spans of the profile's pack ids, for resolution errors that point at them.
pub(crate) fn profile_pack_spans(source: &SourceFile) -> Vec<(String, Range<usize>)> {
    toml::from_str::<raw::RawProfile>(&source.text)
        .ok()
        .and_then(|p| p.policy)
        .map(|p| {
            p.packs
                .into_iter()
                .map(|s| (s.get_ref().clone(), s.span()))
                .collect()
        })
        .unwrap_or_default()
}
