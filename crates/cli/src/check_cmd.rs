//! `genai-gate check`: scan a repository, render the report, choose the exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use genai_gate_policy::{Profile, Severity, SourceFile, load_profile, resolve};
use genai_gate_scan::{Report, ScanOptions, scan_with};

use crate::diagnostics::LoadFailure;
use crate::{Exit, Globals, add_file, read_source};

/// Examples shown by `check --help`.
pub const EXAMPLES: &str = "\
Examples:
  genai-gate check                              check the repository in .
  genai-gate check fixtures/demo-service        check another directory
  genai-gate check --format json > report.json  machine-readable report on stdout
  genai-gate check --fail-on warning            also fail on warnings
  genai-gate check --profile ci/genai-gate.toml use a profile outside the root
  genai-gate check --format sarif > genai-gate.sarif            SARIF for code scanning
  genai-gate check --output sarif=gg.sarif --output junit=gg.xml several formats at once
  genai-gate check --baseline genai-gate-baseline.json          fail only on new findings
  genai-gate check --changed-since origin/main                  pull-request mode and tamper check
  genai-gate check --strict                     fail what cannot be judged (unparsable files)
  genai-gate check --concise                    one line per finding: file:line: CONTROL message
  genai-gate check --statistics                 how many findings each control has
  genai-gate check --format html > report.html  a compliance report for people who sign off
  genai-gate check --output html=report.html --link-template 'https://github.com/ORG/REPO/blob/{commit}/{path}#L{line}'
  genai-gate check --select CN-GAI-4 --exit-zero  look at the moderation controls, exit 0

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or configuration error.";

/// `--format` of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CheckFormat {
    /// Findings with snippets, the endpoint table and a control summary, on stderr.
    #[default]
    Human,
    /// The report as JSON on stdout (schema in README, `schema_version` 1).
    Json,
    /// SARIF 2.1.0 on stdout, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub workflow-command annotations on stdout, the job summary to
    /// `$GITHUB_STEP_SUMMARY`, outputs to `$GITHUB_OUTPUT` (default when GITHUB_ACTIONS=true).
    Github,
    /// JUnit XML on stdout: a suite per pack, a case per control (and per endpoint).
    Junit,
    /// A Markdown compliance report on stdout, fit for a pull-request comment.
    Markdown,
    /// One line per finding on stdout, `file:line: CONTROL message`; notes and the summary
    /// line on stderr.
    Concise,
    /// A self-contained HTML compliance report on stdout: the article matrix, each control's
    /// evidence with code, the endpoints' flows, exceptions, what was not seen.
    Html,
}

/// One `--output FORMAT=PATH`.
#[derive(Debug, Clone)]
pub struct OutputSpec {
    /// The format.
    pub format: CheckFormat,
    /// Where to write it.
    pub path: PathBuf,
}

fn parse_output(s: &str) -> Result<OutputSpec, String> {
    let (f, p) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH, e.g. sarif=genai-gate.sarif, not `{s}`"))?;
    let format = CheckFormat::from_str(f, true).map_err(|_| {
        format!("unknown format `{f}`; expected one of human, json, sarif, github, junit, markdown, concise, html")
    })?;
    if p.is_empty() {
        return Err(format!("`{s}` has no path after `=`"));
    }
    Ok(OutputSpec {
        format,
        path: PathBuf::from(p),
    })
}

fn parse_today(s: &str) -> Result<String, String> {
    if genai_gate_scan::date::is_date(s) {
        Ok(s.to_owned())
    } else {
        Err(format!("`{s}` is not a date like 2025-01-31"))
    }
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum FailOn {
    /// Fail on errors only.
    #[default]
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Note,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Note => Severity::Note,
        }
    }
}

/// `check`.
#[derive(Debug, Default, Args)]
pub struct CheckArgs {
    /// Repository to check (default: the current directory).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Repository profile (default: PATH/genai-gate.toml when it exists, else the embedded
    /// default: a public text service in the PRC).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Output format [default: human, or github when GITHUB_ACTIONS=true].
    #[arg(long, value_enum)]
    pub format: Option<CheckFormat>,
    /// Shorthand for `--format concise`: one line per finding.
    #[arg(long, conflicts_with = "format")]
    pub concise: bool,
    /// Print how many findings each control has instead of the findings (a table; JSON with
    /// `--format json`). The exit code is the same.
    #[arg(long)]
    pub statistics: bool,
    /// Also write FORMAT to PATH (repeatable, e.g. `--output sarif=out.sarif`); the human
    /// view then goes to stderr unless --format says otherwise.
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub output: Vec<OutputSpec>,
    /// Fail only on findings not recorded in this baseline (see `genai-gate baseline write`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Pull-request mode (git): report findings of files changed since REV and of endpoints
    /// whose flow passes through them, and check the profile and local packs for changes
    /// that weaken the gate.
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
    /// The date waivers are judged against (default: today, UTC; env GENAI_GATE_TODAY).
    /// Meant for tests and reproducing a past run.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
    pub today: Option<String>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t)]
    pub fail_on: FailOn,
    /// Links from the HTML report to the code, e.g.
    /// `https://github.com/ORG/REPO/blob/{commit}/{path}#L{line}` (`{commit}` from git,
    /// `{path}` from the repository root).
    #[arg(long, value_name = "TEMPLATE", value_parser = crate::render::html::check_link_template)]
    pub link_template: Option<String>,
    /// Exit 0 even when findings fail the check (a trial run); 2 still means a usage or
    /// configuration error.
    #[arg(long)]
    pub exit_zero: bool,
    /// Judge only these controls: ids or prefixes such as `CN-GAI-14` (comma-separated or
    /// repeated). For local exploration: in pull-request mode and in CI what it leaves out is
    /// reported like a waiver and fails the gate.
    #[arg(long, value_name = "CONTROL", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Leave out these controls (ids or prefixes; comma-separated or repeated). In
    /// pull-request mode and in CI what it leaves out is reported like a waiver and fails the
    /// gate.
    #[arg(long, value_name = "CONTROL", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Worker threads (default: one per core). Output is identical for any value.
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Fail closed: every control that cannot be judged (not-observable) and every file that
    /// cannot be read or parsed becomes an error finding (also `[settings] strict = true`).
    #[arg(long)]
    pub strict: bool,
    /// Parse every file again instead of reusing facts of unchanged files from
    /// PATH/.genai-gate-cache/.
    #[arg(long)]
    pub no_cache: bool,
    /// Lexical pre-pass: parse only the Rust files that can matter (those with a detector's
    /// literal, a route or framework anchor, or a name a parsed file mentions). Same
    /// endpoints, verdicts and findings; parse errors in the other files are not reported.
    /// Ignored with --strict.
    #[arg(long)]
    pub prefilter: bool,
}

/// A profile as loaded for a command, with the packs and catalogues its `[policy] load` adds
/// already in the set.
pub struct LoadedProfile {
    /// The profile (the embedded default when none was found).
    pub profile: Profile,
    /// True for the embedded default.
    pub is_default: bool,
    /// Its text, for diagnostics.
    pub source: Option<SourceFile>,
    /// Where it was read.
    pub path: Option<PathBuf>,
}

/// Loads the profile at `path` (none: the embedded default) and adds what its `[policy] load`
/// names to `set` (`replace` as for [`add_file`]). Every command that reads a profile goes
/// through here, after [`crate::discover`] has decided which one applies.
pub fn load_profile_into(
    path: Option<&Path>,
    set: &mut genai_gate_policy::PolicySet,
    replace: bool,
) -> anyhow::Result<LoadedProfile> {
    let Some(path) = path else {
        return Ok(LoadedProfile {
            profile: Profile::default_profile(),
            is_default: true,
            source: None,
            path: None,
        });
    };
    let source = read_source(path)?;
    let profile =
        load_profile(&source).map_err(|e| LoadFailure::new(e.diagnostics, vec![source.clone()]))?;
    if !profile.load.is_empty() {
        let base = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        let mut diagnostics = Vec::new();
        for rel in &profile.load {
            for file in crate::toml_files(&base.join(rel))? {
                if let Err(e) = add_file(set, read_source(&file)?, replace) {
                    diagnostics.extend(e.diagnostics);
                }
            }
        }
        if let Err(e) = set.check() {
            diagnostics.extend(e.diagnostics);
        }
        if !diagnostics.is_empty() {
            return Err(LoadFailure::new(diagnostics, set.sources.clone()).into());
        }
    }
    Ok(LoadedProfile {
        profile,
        is_default: false,
        source: Some(source),
        path: Some(path.to_owned()),
    })
}

/// `path` relative to `root`, `/`-separated, when it lies inside it.
pub fn relative_to(root: &Path, path: &Path) -> Option<String> {
    let root = root.canonicalize().ok()?;
    let path = path.canonicalize().ok()?;
    path.strip_prefix(root)
        .ok()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
}

/// A finished scan with what rendering needs.
pub struct Scanned {
    /// The report.
    pub report: Report,
    /// The effective policy.
    pub policy: genai_gate_policy::EffectivePolicy,
    /// Packs and catalogues loaded.
    pub set: genai_gate_policy::PolicySet,
    /// The scanned root.
    pub root: PathBuf,
    /// Notes for people on what was checked (the human view prints them first): the
    /// enclosing repository checked from a subfolder, the one file reported.
    pub notes: Vec<String>,
}

/// Runs `check`.
pub fn run(args: CheckArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    let scanned = scan_repo(&args, globals)?;
    crate::render::emit(&scanned, &args, globals)?;
    if args.exit_zero {
        return Ok(Exit::Ok.into());
    }
    Ok(exit_code(&scanned.report, args.fail_on).into())
}

/// The date waivers are judged against: `--today`, else `GENAI_GATE_TODAY`, else the clock.
pub fn today(args: &CheckArgs) -> anyhow::Result<String> {
    if let Some(t) = &args.today {
        return Ok(t.clone());
    }
    match std::env::var("GENAI_GATE_TODAY") {
        Ok(t) if !t.is_empty() => {
            parse_today(&t).map_err(|e| anyhow::anyhow!("GENAI_GATE_TODAY: {e}"))
        }
        _ => Ok(genai_gate_scan::date::today_utc()),
    }
}

/// Loads the policy and scans: everything `check` and `baseline write` share.
pub fn scan_repo(args: &CheckArgs, globals: &Globals) -> anyhow::Result<Scanned> {
    let target = crate::discover::target(args.path.as_deref())?;
    let root = target.root.clone();
    let mut set = globals.policy_set()?;
    let profile_path = args.profile.clone().or(target.profile.clone());
    let LoadedProfile {
        profile,
        is_default,
        source,
        path: profile_path,
    } = load_profile_into(profile_path.as_deref(), &mut set, false)?;
    let policy = resolve(&set, profile, is_default, source.as_ref())
        .map_err(|e| LoadFailure::new(e.diagnostics, source.iter().cloned().collect()))?;
    let profile_file = profile_path.as_deref().and_then(|p| relative_to(&root, p));
    let changes = match &args.changed_since {
        Some(rev) => Some(crate::git::changed_files(&root, rev)?),
        None => None,
    };
    let bar = crate::progress::Bar::new(globals);
    let opts = ScanOptions {
        jobs: args.jobs,
        profile_file: profile_file.clone(),
        strict: args.strict,
        cache_dir: (!args.no_cache).then(|| root.join(genai_gate_scan::cache::CACHE_DIR)),
        today: Some(today(args)?),
        changes: changes.clone(),
        prefilter: args.prefilter,
        progress: bar
            .clone()
            .map(|b| b as std::sync::Arc<dyn genai_gate_scan::Progress>),
    };
    let scanned = scan_with(&policy, &root, &opts);
    if let Some(b) = &bar {
        b.finish();
    }
    let mut report = scanned.with_context(|| format!("cannot scan `{}`", root.display()))?;
    if let Some(ch) = &changes {
        let tampered = crate::git::tamper_findings(
            &root,
            &ch.since,
            &policy.profile,
            source.as_ref().map(|s| &*s.text),
            profile_file.as_deref(),
        )?;
        report.findings.extend(tampered);
        genai_gate_scan::report::fingerprint::assign(&mut report.findings);
        report.sort();
    }
    if let Some(path) = &args.baseline {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read baseline `{}`", path.display()))?;
        let baseline = genai_gate_scan::judge::baseline::Baseline::from_json(&text)
            .with_context(|| format!("cannot use baseline `{}`", path.display()))?;
        report.baseline = Some(baseline.apply(&mut report.findings));
    }
    let mut notes = Vec::new();
    let upper = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let selection = crate::select::Selection {
        select: upper(&args.select),
        ignore: upper(&args.ignore),
    };
    let enforce = args.changed_since.is_some() || globals.ci;
    notes.extend(selection.apply(&mut report, enforce)?);
    if args.path.is_none() && root != Path::new(".") {
        notes.push(format!(
            "checking `{}`, the repository enclosing the current folder",
            root.display()
        ));
    }
    if let Some(file) = &target.only_file {
        let before = report.findings.len();
        report.findings.retain(|f| concerns(f, file));
        notes.push(format!(
            "checked the repository at `{}`; only the findings of `{file}` are shown ({} elsewhere left out)",
            root.display(),
            before - report.findings.len()
        ));
    }
    Ok(Scanned {
        report,
        policy,
        set,
        root,
        notes,
    })
}

/// Whether a finding points into `file`, at its place or one of its labels (the generation
/// call of an endpoint whose handler is elsewhere, say).
fn concerns(f: &genai_gate_scan::Finding, file: &str) -> bool {
    f.file.as_deref() == Some(file) || f.labels.iter().any(|l| l.file == file)
}

/// The exit code a report gives at a fail level.
pub fn exit_code(report: &Report, fail_on: FailOn) -> Exit {
    if report
        .findings_at_least(fail_on.severity())
        .next()
        .is_some()
    {
        Exit::Findings
    } else {
        Exit::Ok
    }
}
