//! SARIF 2.1.0 (serde-sarif types): one rule per control, results with relative URIs under
//! `%SRCROOT%`, related locations, stable `partialFingerprints`, waivers as `suppressions`,
//! scan problems as tool execution notifications. Valid for GitHub code scanning.

use std::collections::BTreeMap;

use anyhow::Context;
use genai_gate_policy::{EffectiveControl, EffectivePolicy, Severity};
use genai_gate_scan::judge::exceptions::GATE_RULES;
use genai_gate_scan::report::fingerprint::SARIF_KEY;
use genai_gate_scan::report::{Label, SuppressionKind};
use genai_gate_scan::{Finding, Report};
use serde_json::json;

use super::neutral::{self, line};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result,
    ResultLevel, Run, SCHEMA_URL, Sarif, Suppression, Tool, ToolComponent, Version,
};

/// Where the tool and its packs live.
const REPO: &str = "https://github.com/genai-gate/genai-gate";
/// GitHub's limit of results per run.
pub const MAX_RESULTS: usize = 25_000;
/// The base of repository-relative URIs.
const SRCROOT: &str = "%SRCROOT%";
/// The base of embedded pack files.
const PACKS: &str = "GENAI_GATE_PACKS";

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Note => ResultLevel::Note,
    }
}

/// `Screen user input before every model call` gives `ScreenUserInputBeforeEveryModelCall`.
fn pascal(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn text(s: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s.into()).build()
}

fn props(tags: Vec<String>, extra: BTreeMap<String, serde_json::Value>) -> PropertyBag {
    PropertyBag::builder()
        .tags(tags)
        .additional_properties(extra)
        .build()
}

fn control_rule(ec: &EffectiveControl, pack: &str) -> ReportingDescriptor {
    let c = &ec.control;
    let embedded = c.location.file.strip_prefix("<embedded>/");
    // A pack from the scanned tree is the change author's text: neutralised, and escaped
    // where it becomes Markdown.
    type Escape = fn(&str) -> String;
    let (plain, md): (Escape, Escape) = if embedded.is_some() {
        (str::to_owned, str::to_owned)
    } else {
        (line, neutral::markdown)
    };
    let articles = c.citations.join("; ");
    let help = c.help.clone().unwrap_or_else(|| c.obligation.clone());
    let markdown = format!(
        "**{}** ({})\n\n{}\n\n**What to do:** {}\n\nRun `genai-gate explain {}` for the accepted evidence.",
        md(&c.title),
        md(&articles),
        md(&c.obligation),
        md(&help),
        md(&c.id)
    );
    let (title, obligation, help, articles) = (
        plain(&c.title),
        plain(&c.obligation),
        plain(&help),
        plain(&articles),
    );
    let mut rule = ReportingDescriptor::builder()
        .id(plain(&c.id))
        .name(pascal(&c.title))
        .short_description(text(title.clone()))
        .full_description(text(obligation))
        .help(
            MultiformatMessageString::builder()
                .text(format!("{title} ({articles}): {help}"))
                .markdown(markdown)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level(c.severity).to_string()))
                .build(),
        )
        .properties(props(
            vec!["compliance".into(), "genai".into(), pack.to_owned()],
            BTreeMap::from([
                ("pack".to_owned(), json!(pack)),
                ("articles".to_owned(), json!(c.citations)),
                ("scope".to_owned(), json!(c.scope.as_str())),
            ]),
        ))
        .build();
    rule.help_uri = Some(match embedded {
        Some(path) => format!("{REPO}/blob/main/{path}#L{}", c.location.line),
        None => format!("{REPO}/blob/main/docs/outputs.md"),
    });
    rule
}

fn gate_rules() -> impl Iterator<Item = ReportingDescriptor> {
    GATE_RULES.iter().map(|r| {
        ReportingDescriptor::builder()
            .id(r.id)
            .name(pascal(r.title))
            .short_description(text(r.title))
            .full_description(text(format!("{}: {}", r.title, r.help)))
            .help(
                MultiformatMessageString::builder()
                    .text(r.help)
                    .markdown(format!("**{}**\n\n{}", r.title, r.help))
                    .build(),
            )
            .help_uri(format!("{REPO}/blob/main/docs/outputs.md"))
            .default_configuration(
                ReportingConfiguration::builder()
                    .level(json!(level(r.severity).to_string()))
                    .build(),
            )
            .properties(props(vec!["genai-gate".into()], BTreeMap::new()))
            .build()
    })
}

/// A location: `file` relative to `base` (percent-encoded; see [`neutral::uri`]).
fn location(file: &str, at: u32, base: &str, message: Option<&str>) -> Location {
    let phys = PhysicalLocation::builder()
        .artifact_location(
            ArtifactLocation::builder()
                .uri(neutral::uri(file))
                .uri_base_id(base)
                .build(),
        )
        .region(Region::builder().start_line(i64::from(at.max(1))).build())
        .build();
    let mut loc = Location::builder().physical_location(phys).build();
    loc.message = message.map(|m| Message::from(line(m).as_str()));
    loc
}

/// A location under `%SRCROOT%`, if `file` is a plain path inside the root: a pack loaded
/// from outside the root never appears as `%SRCROOT%/../…`.
fn root_location(file: &str, at: u32, message: Option<&str>) -> Option<Location> {
    neutral::is_root_relative(file).then(|| location(file, at, SRCROOT, message))
}

fn label_location(l: &Label, id: i64) -> Option<Location> {
    let mut loc = match l.file.strip_prefix("<embedded>/") {
        Some(path) => location(path, l.line, PACKS, Some(&l.message)),
        None => root_location(&l.file, l.line, Some(&l.message))?,
    };
    loc.id = Some(id);
    Some(loc)
}

fn result(f: &Finding, rule_index: Option<usize>, report: &Report) -> Result {
    // GitHub needs a location: repository-level findings with no place (or a place outside
    // the root) point at the profile, or the repository's first file.
    let fallback = || {
        let profile = report.profile.file.clone();
        let file = profile
            .filter(|p| neutral::is_root_relative(p))
            .unwrap_or_else(|| "Cargo.toml".to_owned());
        location(&file, 1, SRCROOT, None)
    };
    let primary = f
        .file
        .as_deref()
        .and_then(|file| root_location(file, f.line.unwrap_or(1), None))
        .unwrap_or_else(fallback);
    let mut message = line(&f.message);
    if !f.citations.is_empty() {
        message.push_str(&format!(" ({})", line(&f.citations.join("; "))));
    }
    let mut r = Result::builder()
        .rule_id(line(&f.control))
        .level(level(f.severity))
        .message(Message::builder().text(message).build())
        .locations(vec![primary])
        .partial_fingerprints(BTreeMap::from([(
            SARIF_KEY.to_owned(),
            f.fingerprint.clone(),
        )]))
        .build();
    r.rule_index = rule_index.map(|i| i as i64);
    let related: Vec<Location> = f
        .labels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| label_location(l, i as i64 + 1))
        .collect();
    if !related.is_empty() {
        r.related_locations = Some(related);
    }
    if let Some(s) = &f.suppression {
        let kind = match s.kind {
            SuppressionKind::Waiver => "external",
            SuppressionKind::Inline => "inSource",
            SuppressionKind::CommandLine => "external",
        };
        let mut justification = line(&s.reason);
        if let (Some(owner), Some(expires)) = (&s.owner, &s.expires) {
            justification.push_str(&format!(
                " (owner {}, expires {})",
                line(owner),
                line(expires)
            ));
        }
        let mut sup = Suppression::builder()
            .kind(json!(kind))
            .justification(justification)
            .status(json!("accepted"))
            .build();
        sup.location = root_location(&s.file, s.line, None);
        r.suppressions = Some(vec![sup]);
    }
    if report.baseline.is_some() {
        r.baseline_state = Some(json!(if f.baselined { "unchanged" } else { "new" }));
    }
    let mut extra = BTreeMap::new();
    if let Some(e) = &f.endpoint {
        extra.insert(
            "endpoint".to_owned(),
            json!(line(&format!("{} {}", e.method, e.route))),
        );
    }
    if !extra.is_empty() {
        r.properties = Some(props(Vec::new(), extra));
    }
    r
}

/// The report as a SARIF log.
pub fn render(report: &Report, policy: &EffectivePolicy) -> anyhow::Result<String> {
    let mut rules: Vec<ReportingDescriptor> = report
        .controls
        .iter()
        .filter_map(|v| policy.control(&v.id))
        .map(|ec| control_rule(ec, &super::pack_of(policy, ec)))
        .collect();
    rules.extend(gate_rules());
    let index: BTreeMap<String, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    let mut results: Vec<Result> = report
        .findings
        .iter()
        .map(|f| result(f, index.get(&f.control).copied(), report))
        .collect();
    let mut notifications: Vec<Notification> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut n = Notification::builder()
                .level(json!("warning"))
                .message(Message::from(
                    line(&format!("{} ({})", d.message, d.kind)).as_str(),
                ))
                .build();
            n.locations = root_location(&d.file, d.line.unwrap_or(1), None).map(|l| vec![l]);
            n
        })
        .collect();
    let mut run_props = BTreeMap::new();
    if report.profile.default {
        notifications.push(
            Notification::builder()
                .level(json!("note"))
                .message(Message::from(super::DEFAULT_PROFILE_NOTICE))
                .build(),
        );
        run_props.insert("defaultProfile".to_owned(), json!(true));
    }
    if results.len() > MAX_RESULTS {
        let total = results.len();
        results.truncate(MAX_RESULTS);
        let note = format!(
            "{total} results exceed GitHub's limit of {MAX_RESULTS} per run; the first {MAX_RESULTS} (in path order) are included, see the JSON report for all"
        );
        notifications.push(
            Notification::builder()
                .level(json!("warning"))
                .message(Message::from(note.as_str()))
                .build(),
        );
        run_props.insert("truncated".to_owned(), json!(true));
        run_props.insert("totalResults".to_owned(), json!(total));
    }
    let mut invocation = Invocation::builder().execution_successful(true).build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let driver = ToolComponent::builder()
        .name(report.tool.name.clone())
        .version(report.tool.version.clone())
        .semantic_version(report.tool.version.clone())
        .information_uri(REPO)
        .rules(rules)
        .build();
    let mut base_ids = BTreeMap::new();
    base_ids.insert(
        SRCROOT.to_owned(),
        ArtifactLocation::builder()
            .description(Message::from("the root of the scanned repository"))
            .build(),
    );
    base_ids.insert(
        PACKS.to_owned(),
        ArtifactLocation::builder()
            .uri(format!("{REPO}/blob/main/"))
            .description(Message::from("genai-gate's embedded policy packs"))
            .build(),
    );
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .original_uri_base_ids(base_ids)
        .build();
    if !run_props.is_empty() {
        run.properties = Some(props(Vec::new(), run_props));
    }
    let log = Sarif::builder()
        .schema(SCHEMA_URL)
        .version(json!(Version::V2_1_0.to_string()))
        .runs(vec![run])
        .build();
    let mut out = serde_json::to_string_pretty(&log).context("cannot serialise SARIF")?;
    out.push('\n');
    Ok(out)
}
