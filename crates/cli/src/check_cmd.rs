//! `genai-gate check`: scan a repository, render the report, choose the exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use genai_gate_policy::{PROFILE_FILE, Profile, Severity, SourceFile, load_profile, resolve};
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

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or configuration error.";

/// `--format` of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CheckFormat {
    /// Findings with snippets, the endpoint table and a control summary, on stderr.
    #[default]
    Human,
    /// The report as JSON on stdout (schema in README, `schema_version` 1).
    Json,
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
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Repository to check (default: the current directory).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Repository profile (default: PATH/genai-gate.toml when it exists, else the embedded
    /// default: a public text service in the PRC).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t)]
    pub fail_on: FailOn,
    /// Worker threads (default: one per core). Output is identical for any value.
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
}

/// Loads the profile: explicit, at the root, or the embedded default.
fn profile(
    args: &CheckArgs,
    root: &Path,
) -> anyhow::Result<(Profile, bool, Option<SourceFile>, Option<PathBuf>)> {
    let path = match &args.profile {
        Some(p) => Some(p.clone()),
        None => Some(root.join(PROFILE_FILE)).filter(|p| p.is_file()),
    };
    let Some(path) = path else {
        return Ok((Profile::default_profile(), true, None, None));
    };
    let source = read_source(&path)?;
    let profile =
        load_profile(&source).map_err(|e| LoadFailure::new(e.diagnostics, vec![source.clone()]))?;
    Ok((profile, false, Some(source), Some(path)))
}

/// Runs `check`.
pub fn run(args: CheckArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    if !root.is_dir() {
        anyhow::bail!("`{}` is not a directory", root.display());
    }
    let mut set = globals.policy_set()?;
    let (profile, is_default, source, profile_path) = profile(&args, &root)?;
    if !profile.load.is_empty() {
        let base = profile_path
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(&root)
            .to_owned();
        let mut diagnostics = Vec::new();
        for rel in &profile.load {
            for file in crate::toml_files(&base.join(rel))? {
                if let Err(e) = add_file(&mut set, read_source(&file)?, false) {
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
    let policy = resolve(&set, profile, is_default, source.as_ref())
        .map_err(|e| LoadFailure::new(e.diagnostics, source.iter().cloned().collect()))?;
    let profile_file = profile_path
        .as_deref()
        .and_then(|p| p.strip_prefix(&root).ok())
        .map(|p| p.to_string_lossy().replace('\\', "/"));
    let opts = ScanOptions {
        jobs: args.jobs,
        profile_file,
    };
    let report = scan_with(&policy, &root, &opts)
        .with_context(|| format!("cannot scan `{}`", root.display()))?;
    match args.format {
        CheckFormat::Json => {
            let json =
                serde_json::to_string_pretty(&report).context("cannot serialise the report")?;
            println!("{json}");
        }
        CheckFormat::Human => {
            let text = crate::check_render::render(
                &report,
                &root,
                &set,
                globals.color_stderr,
                globals.quiet,
            );
            eprint!("{text}");
        }
    }
    Ok(exit_code(&report, args.fail_on).into())
}

fn exit_code(report: &Report, fail_on: FailOn) -> Exit {
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
