//! The scan report: plain data, sorted, rendered by the caller.
//!
//! The JSON form (`genai-gate check --format json`) is this struct serialised; its
//! [`SCHEMA_VERSION`] changes whenever a key is removed or changes meaning.

pub mod fingerprint;
pub mod summary;

use std::collections::BTreeMap;

use genai_gate_policy::{PackRef, Service, Severity};
use serde::{Deserialize, Serialize};

/// Diagnostic kind of a panic caught in per-file work: it blinds the endpoint controls and
/// always fails the check (see [`crate::judge::fail_closed`]).
pub const DIAG_INTERNAL_ERROR: &str = "internal-error";

/// Version of the JSON report layout.
pub const SCHEMA_VERSION: u32 = 2;

/// A file and line in the scanned repository (paths relative to the root, `/`-separated).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Place {
    /// Relative path.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// A place with a note on what is there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    /// Relative path.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// What was found: a detector id, `marker`, a config key or a document.
    pub what: String,
    /// `before` / `after` generation, for endpoint flow evidence; `site` for the first
    /// generation site itself (later sites are `after` it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
}

/// The tool that wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// `genai-gate`.
    pub name: String,
    /// Version.
    pub version: String,
}

/// The resolved profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileInfo {
    /// True when no `genai-gate.toml` was found and the embedded default applied.
    pub default: bool,
    /// The profile file, relative to the root (absent for the default).
    pub file: Option<String>,
    /// The service as resolved.
    pub service: Service,
}

/// Whether the packs apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applicable {
    /// In scope.
    pub applicable: bool,
    /// Why.
    pub reason: String,
}

/// An HTTP endpoint found in the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// `POST`, `GET`, … or `ANY`.
    pub method: String,
    /// The full route with prefixes.
    pub route: String,
    /// The handler's qualified path (as written when it could not be resolved).
    pub handler: String,
    /// The handler's file (the registration's when the handler is unresolved).
    pub file: String,
    /// The handler's line.
    pub line: u32,
    /// Where the route is registered.
    pub registered_at: Place,
    /// The framework recognised.
    pub framework: String,
    /// The endpoint generates content (see [`Endpoint::generation`] for why).
    pub generates: bool,
    /// Why the endpoint generates, where, and how the handler gets there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<Generation>,
    /// False when the handler could not be followed (unparsable file, unresolved handler).
    pub observable: bool,
    /// Capabilities reached from the handler, with where.
    pub capabilities: BTreeMap<String, Vec<Evidence>>,
}

/// Why an endpoint generates (see [`crate::analysis::generation`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Generation {
    /// The signals that held: `call`, `route`, `request-type`, `handler-name`,
    /// `streaming-response`, `forward`, `handoff`.
    pub signals: Vec<String>,
    /// What the endpoint outputs (`text`, `image`, `audio`, `video`), from its route, request
    /// type, handler name and generation calls; empty when none of them says (every modality
    /// of the profile then applies to it).
    pub modalities: Vec<String>,
    /// The generation sites reached, in flow order (empty when none could be located: the
    /// order-sensitive controls of the endpoint are then `not-observable`).
    pub sites: Vec<Evidence>,
    /// The call path from the handler to the first site, one `function (file:line)` a step.
    pub path: Vec<String>,
}

/// Verdict of a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Evidence satisfies every requirement.
    Pass,
    /// A requirement is not met.
    Fail,
    /// The control does not apply to this service.
    NotApplicable,
    /// The evidence could not be judged (unparsable files, unresolved handlers).
    NotObservable,
}

impl Status {
    /// The kebab-case word.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotApplicable => "not-applicable",
            Status::NotObservable => "not-observable",
        }
    }
}

/// The verdict of one control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlVerdict {
    /// Control id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Citations.
    pub citations: Vec<String>,
    /// Severity.
    pub severity: Severity,
    /// `repository` or `endpoint`.
    pub scope: String,
    /// Verdict.
    pub status: Status,
    /// Why (for not-applicable and not-observable, and a summary for fail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Evidence found.
    pub evidence: Vec<Evidence>,
}

/// A secondary location of a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Label {
    /// File (relative to the scanned root, or a pack's display name).
    pub file: String,
    /// Line.
    pub line: u32,
    /// What is there.
    pub message: String,
}

/// The endpoint a finding concerns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EndpointRef {
    /// Method.
    pub method: String,
    /// Route.
    pub route: String,
}

/// A failed control at a place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Control id.
    pub control: String,
    /// Severity.
    pub severity: Severity,
    /// What is missing where (lowercase, no trailing period).
    pub message: String,
    /// Primary file (absent for repository-level findings with no place).
    pub file: Option<String>,
    /// Primary line.
    pub line: Option<u32>,
    /// Byte offset of the primary place.
    #[serde(skip)]
    pub offset: u32,
    /// The endpoint concerned.
    pub endpoint: Option<EndpointRef>,
    /// Citations of the control.
    pub citations: Vec<String>,
    /// What to add.
    pub help: String,
    /// Secondary locations: the generation call, the pack line that requires the control.
    pub labels: Vec<Label>,
    /// Set when a waiver or an inline suppression covers the finding: it is still reported
    /// but does not count for the exit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Stable identity that survives lines moving (see [`crate::report::fingerprint`]).
    pub fingerprint: String,
    /// True when `check --baseline` recorded the finding: reported, not counted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub baselined: bool,
}

impl Finding {
    /// Whether the finding counts for the exit code (neither suppressed nor baselined).
    pub fn is_active(&self) -> bool {
        self.suppression.is_none() && !self.baselined
    }
}

/// How a finding was excepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// A `[[waiver]]` in the profile.
    Waiver,
    /// A `// genai-gate: allow` comment.
    Inline,
    /// `check --select` / `--ignore` in pull-request mode or CI, where a command-line
    /// selection is reported like a waiver and fails the gate (see
    /// [`crate::judge::exceptions::CLI_IGNORE`]).
    CommandLine,
}

/// The exception that covers a finding, with its justification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// Waiver or inline comment.
    pub kind: SuppressionKind,
    /// Why.
    pub reason: String,
    /// Who owns it (waivers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Expiry, `YYYY-MM-DD` (waivers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where the waiver or comment is written.
    pub file: String,
    /// Its line.
    pub line: u32,
}

/// State of a profile waiver after the scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverState {
    /// Control waived.
    pub control: String,
    /// Path globs (empty: everywhere).
    pub paths: Vec<String>,
    /// Why.
    pub reason: String,
    /// Owner.
    pub owner: String,
    /// Expiry, `YYYY-MM-DD`.
    pub expires: String,
    /// `active`, `expired` or `unused`.
    pub status: String,
    /// Findings it covers.
    pub matched: usize,
    /// Profile file and line.
    pub file: String,
    /// Line.
    pub line: u32,
}

/// What `check --baseline` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BaselineSummary {
    /// Findings recorded in the baseline (reported with `baselined: true`).
    pub hidden: usize,
    /// Baseline entries no longer found: fixed since the baseline was written.
    pub fixed: Vec<BaselineEntry>,
}

/// What `--changed-since` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChangeSummary {
    /// The revision compared against, as given.
    pub since: String,
    /// Files changed since then.
    pub changed_files: usize,
    /// Findings left out because they concern neither a changed file nor an endpoint whose
    /// flow passes through one.
    pub out_of_scope: usize,
    /// Inline suppressions and `provides` markers the change adds, for a reviewer (each is
    /// also a tamper finding).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub new_exceptions: Vec<NewException>,
}

/// An inline suppression or a `provides` marker a change adds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NewException {
    /// Relative path.
    pub file: String,
    /// Line of the comment.
    pub line: u32,
    /// `suppression of `CN-GAI-4.1`` or `marker `provides moderation.output``.
    pub what: String,
    /// The reason a suppression gives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A problem with the scan itself: an unparsable or skipped file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ScanDiagnostic {
    /// `parse-error`, `config-error`, `skipped`, `unreachable-generation`, `unresolved-handler`.
    pub kind: String,
    /// Relative path.
    pub file: String,
    /// Line, when known.
    pub line: Option<u32>,
    /// What happened.
    pub message: String,
}

/// A file that could hold what decides the gate — an endpoint, a model call, a setting that
/// switches a capability off — and was not fully analysed (too large, unreadable, does not
/// parse, nested too deep, a panic). It blinds the controls it could affect; in fail-closed
/// mode it is an error finding (see [`crate::judge::fail_closed`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NotAnalysed {
    /// Relative path.
    pub file: String,
    /// Why it was not analysed (the diagnostic's message).
    pub reason: String,
    /// What it may hold: `endpoints or model calls`, or `a setting that switches off …`.
    pub may_hold: String,
}

/// Counts of what was scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Files read.
    pub files: usize,
    /// Rust files parsed.
    pub rust_files: usize,
    /// Lines of Rust.
    pub rust_lines: u64,
    /// Python files parsed; absent when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub python_files: usize,
    /// Lines of Python; absent when 0.
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub python_lines: u64,
    /// Config files read.
    pub config_files: usize,
    /// Documents read: those a document rule of the policy names (no other is read).
    pub documents: usize,
    /// Rust files the lexical pre-pass left unparsed (`check --prefilter`); absent when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub prefiltered_out: usize,
    /// Source files in languages that are not analysed, by language (see
    /// [`crate::languages`]); absent when there are none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub not_analysed: BTreeMap<String, crate::languages::NotAnalysed>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// The result of a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Layout version.
    pub schema_version: u32,
    /// The tool.
    pub tool: Tool,
    /// The profile used.
    pub profile: ProfileInfo,
    /// Packs in precedence order.
    pub packs: Vec<PackRef>,
    /// Whether the packs apply.
    pub applicable: Applicable,
    /// Endpoints, sorted by route, method, handler.
    pub endpoints: Vec<Endpoint>,
    /// Control verdicts, sorted by id.
    pub controls: Vec<ControlVerdict>,
    /// Findings, sorted by file, offset, control.
    pub findings: Vec<Finding>,
    /// Scan problems, sorted by file, line.
    pub diagnostics: Vec<ScanDiagnostic>,
    /// Files that could decide the gate and were not fully analysed, sorted by file.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub not_analysed: Vec<NotAnalysed>,
    /// Counts.
    pub stats: Stats,
    /// Profile waivers and what became of them.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub waivers: Vec<WaiverState>,
    /// Set by `check --baseline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// Set by `check --changed-since`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<ChangeSummary>,
}

impl Report {
    /// Findings at or above a severity that count for the exit code (not suppressed, not
    /// baselined).
    pub fn findings_at_least(&self, level: Severity) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| f.severity >= level && f.is_active())
    }

    /// Sorts every list into its canonical order.
    pub fn sort(&mut self) {
        self.endpoints.sort_by(|a, b| {
            (&a.route, &a.method, &a.handler, &a.file, a.line)
                .cmp(&(&b.route, &b.method, &b.handler, &b.file, b.line))
        });
        self.controls
            .sort_by(|a, b| genai_gate_policy::control_order(&a.id, &b.id));
        for c in &mut self.controls {
            c.evidence.sort();
            c.evidence.dedup();
        }
        // Findings with a place first, by (path, offset); repository-level ones without a place last.
        self.findings.sort_by(|a, b| {
            (a.file.is_none(), &a.file, a.offset, a.line)
                .cmp(&(b.file.is_none(), &b.file, b.offset, b.line))
                .then_with(|| genai_gate_policy::control_order(&a.control, &b.control))
                .then_with(|| a.endpoint.cmp(&b.endpoint))
                .then_with(|| a.message.cmp(&b.message))
        });
        self.diagnostics.sort();
        self.diagnostics.dedup();
        self.not_analysed.sort();
        self.not_analysed.dedup();
    }
}

/// One finding recorded in a baseline file (see [`crate::judge::baseline`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Control id (for people reading the file).
    pub control: String,
    /// File, when the finding has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The message when it was recorded.
    pub message: String,
}
