//! `genai-gate check`: scan a repository, render the report, choose the exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use genai_gate_policy::{Profile, Severity, SourceFile, load_profile};
use genai_gate_scan::{Report, ScanOptions, scan_with};

use crate::{Exit, Globals, LoadFailure, add_file, read_source};

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
    /// Take the profile, every pack and catalogue it loads, and a baseline inside the root
    /// from commit REV instead of the working tree, so a change cannot rewrite its own gate
    /// (the GitHub Action's default on pull requests). With --changed-since, the working
    /// tree's changes to them are still reported as tamper findings.
    #[arg(long, value_name = "REV")]
    pub profile_from: Option<String>,
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
    /// Fail closed on what was not seen: a file that could hold an endpoint, a model call or a
    /// setting that switches a capability off, but was not fully analysed, and a control that
    /// could not be judged, become error findings. The default under CI (CI=true or
    /// GITHUB_ACTIONS=true), in the GitHub Action and the pre-commit hook; elsewhere a warning
    /// names what was not seen.
    #[arg(long, overrides_with = "no_fail_closed")]
    pub fail_closed: bool,
    /// Do not fail closed, even under CI: what was not seen stays a warning.
    #[arg(long, overrides_with = "fail_closed")]
    pub no_fail_closed: bool,
    /// Parse every file again instead of reusing facts of unchanged files from the cache.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// Keep the fact cache in DIR (never inside the scanned tree). Default: the user's cache
    /// directory ($XDG_CACHE_HOME or ~/.cache)/genai-gate/(a hash of the repository root), and
    /// none under CI.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
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
/// names to `set` (`replace` as for [`add_file`]), confined as `check` confines it to `root`. Every command that reads a profile goes
/// through here, after [`crate::discover`] has decided which one applies.
pub fn load_profile_into(
    root: &Path,
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
        // Within the bounds of `crate::sources`: inside the root for a profile of the
        // repository, no links out, capped.
        let confine = crate::sources::confinement(path, root);
        let mut diagnostics = Vec::new();
        for file in crate::sources::load_entries(path, &profile.load, &confine)? {
            if let Err(e) = add_file(set, file, replace) {
                diagnostics.extend(e.diagnostics);
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
    // `--profile`, else the profile found from the folder up to the repository root.
    let explicit = args.profile.clone().or(target.profile.clone());
    // The policy the scan uses: the working tree's, or the one of `--profile-from REV`.
    let tree = || crate::effective::from_tree(&root, explicit.as_deref(), globals);
    let (profile_rel, in_tree) =
        profile_rel(explicit.as_deref(), args.profile_from.is_some(), &root);
    if args.profile_from.is_some() && !in_tree {
        anyhow::bail!(
            "--profile-from reads the profile from a commit: --profile must name a file of the repository"
        );
    }
    let loaded = match &args.profile_from {
        Some(rev) => crate::effective::from_commit(&root, rev, &profile_rel, globals)?,
        None => tree()?,
    };
    let changes = match &args.changed_since {
        Some(rev) => Some(crate::git::changed_files(&root, rev)?),
        None => None,
    };
    let bar = crate::progress::Bar::new(globals);
    let opts = ScanOptions {
        jobs: args.jobs,
        profile_file: loaded.profile_rel.clone(),
        strict: args.strict,
        cache_dir: cache_dir(args, &root),
        today: Some(today(args)?),
        changes: changes.clone(),
        prefilter: args.prefilter,
        progress: bar
            .clone()
            .map(|b| b as std::sync::Arc<dyn genai_gate_scan::Progress>),
        fail_closed: fail_closed(args),
        tracked: crate::git::tracked_files(&root),
    };
    let scanned = scan_with(&loaded.policy, &root, &opts);
    if let Some(b) = &bar {
        b.finish();
    }
    let mut report = scanned.with_context(|| format!("cannot scan `{}`", root.display()))?;
    let baseline = match &args.baseline {
        Some(path) => Some(read_baseline(args, &root, path)?),
        None => None,
    };
    if let Some(ch) = &changes {
        // The change's own policy: the one scanned, or the working tree's when the scan took
        // its policy from a commit (whose changes are still reported).
        let own;
        let head = if args.profile_from.is_some() {
            own = tree().map_err(|e| crate::render::neutral::line(&format!("{e:#}")));
            own.as_ref().map_err(Clone::clone)
        } else {
            Ok(&loaded)
        };
        let (tampered, new) = crate::git::tamper_findings(
            &root,
            &crate::git::TamperSources {
                rev: &ch.since,
                profile_rel: &profile_rel,
                compare_policy: in_tree,
                head,
                baseline: baseline
                    .as_ref()
                    .and_then(|(rel, b)| rel.as_deref().map(|r| (r, b))),
                changed: &ch.files,
            },
            globals,
        )?;
        report.findings.extend(tampered);
        if let Some(summary) = &mut report.changes {
            summary.new_exceptions = new;
        }
        genai_gate_scan::report::fingerprint::assign(&mut report.findings);
        report.sort();
    }
    if let Some((_, baseline)) = &baseline {
        report.baseline = Some(baseline.apply(&mut report.findings));
    }
    let crate::effective::Loaded { policy, set, .. } = loaded;
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

/// The profile's path relative to the root — `--profile` when it lies inside the root, else
/// `genai-gate.toml` (where `--profile-from` and the tamper check look it up in git) — and
/// whether the profile is the repository's (false for a `--profile` outside the root).
fn profile_rel(profile: Option<&Path>, from_commit: bool, root: &Path) -> (String, bool) {
    let inside = profile.and_then(|p| {
        let p = p.canonicalize().ok()?;
        let r = root.canonicalize().ok()?;
        p.strip_prefix(r)
            .ok()
            .map(|x| x.to_string_lossy().replace('\\', "/"))
    });
    match (profile, inside) {
        (_, Some(rel)) => (rel, true),
        // With `--profile-from`, a relative `--profile` names the file in the commit.
        (Some(p), None) if from_commit && p.is_relative() => {
            (p.to_string_lossy().replace('\\', "/"), true)
        }
        (Some(_), None) => (genai_gate_policy::PROFILE_FILE.to_owned(), false),
        (None, _) => (genai_gate_policy::PROFILE_FILE.to_owned(), true),
    }
}

/// The baseline: from the working tree, or — with `--profile-from REV`, when it lies inside
/// the root — as REV has it. Returns its path relative to the root (when inside) too.
fn read_baseline(
    args: &CheckArgs,
    root: &Path,
    path: &Path,
) -> anyhow::Result<(Option<String>, genai_gate_scan::judge::baseline::Baseline)> {
    let shown = crate::render::neutral::line(&path.display().to_string());
    let rel = path
        .canonicalize()
        .ok()
        .zip(root.canonicalize().ok())
        .and_then(|(p, r)| {
            p.strip_prefix(r)
                .ok()
                .map(|x| x.to_string_lossy().replace('\\', "/"))
        })
        .or_else(|| {
            (args.profile_from.is_some() && path.is_relative())
                .then(|| path.to_string_lossy().replace('\\', "/"))
        });
    let text = match (&args.profile_from, &rel) {
        (Some(rev), Some(rel)) => crate::git::blob_at(root, rev, rel)?
            .with_context(|| format!("baseline `{shown}` does not exist at `{rev}`"))?,
        _ => {
            let bytes = genai_gate_scan::read::capped(path, crate::sources::MAX_POLICY_FILE)
                .with_context(|| format!("cannot read baseline `{shown}`"))?;
            String::from_utf8(bytes)
                .map_err(|_| anyhow::anyhow!("baseline `{shown}` is not valid UTF-8"))?
        }
    };
    let baseline = genai_gate_scan::judge::baseline::Baseline::from_json(&text)
        .with_context(|| format!("cannot use baseline `{shown}`"))?;
    Ok((rel, baseline))
}

/// The fact cache's directory: none with `--no-cache`; `--cache-dir` if it is outside the
/// scanned tree; else none under CI; else the user's cache directory for this repository —
/// and never a directory inside the scanned tree, where a change could plant entries or links.
pub(crate) fn cache_dir(args: &CheckArgs, root: &Path) -> Option<PathBuf> {
    if args.no_cache {
        return None;
    }
    let (dir, explicit) = match &args.cache_dir {
        Some(d) => (d.clone(), true),
        None if under_ci() => return None,
        None => {
            let home = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .or_else(|| {
                    std::env::var_os("HOME")
                        .map(PathBuf::from)
                        .filter(|p| p.is_absolute())
                        .map(|h| h.join(".cache"))
                })?;
            (genai_gate_scan::cache::repository_dir(&home, root), false)
        }
    };
    if within(&dir, root) {
        if explicit {
            eprintln!(
                "warning: the cache directory `{}` is inside the scanned tree; no cache is used",
                crate::render::neutral::line(&dir.display().to_string())
            );
        }
        return None;
    }
    Some(dir)
}

/// Whether `path` (which need not exist yet) lies inside `root`, links resolved.
fn within(path: &Path, root: &Path) -> bool {
    let Ok(root) = root.canonicalize() else {
        return false;
    };
    let mut existing = path.to_owned();
    let mut rest = Vec::new();
    while existing.canonicalize().is_err() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_owned()
                };
            }
            _ => return false,
        }
    }
    let mut full = existing.canonicalize().unwrap_or(existing);
    full.extend(rest.iter().rev());
    full.starts_with(root)
}

/// Whether the process runs under CI: `CI` set to anything but `false`/`0` (GitHub, GitLab,
/// Azure, Jenkins plugins, Buildkite, CircleCI… set it), or `GITHUB_ACTIONS=true`.
pub fn under_ci() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    ci || std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// `--fail-closed`, `--no-fail-closed`, else on under CI.
pub fn fail_closed(args: &CheckArgs) -> bool {
    if args.fail_closed || args.no_fail_closed {
        return args.fail_closed;
    }
    under_ci()
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
