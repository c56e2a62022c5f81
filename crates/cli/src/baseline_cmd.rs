//! `genai-gate baseline write [FILE]`: record today's findings by fingerprint.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use genai_gate_scan::judge::baseline::Baseline;

use crate::check_cmd::{CheckArgs, FailOn, scan_repo};
use crate::{Exit, Globals};

/// The default baseline file name.
pub const DEFAULT_FILE: &str = "genai-gate-baseline.json";

/// `baseline …`.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan and write every current finding's fingerprint to FILE; then
    /// `check --baseline FILE` fails only on findings not in it.
    #[command(after_help = "Examples:
  genai-gate baseline write                          write genai-gate-baseline.json for .
  genai-gate baseline write ci/baseline.json --root services/chat
  genai-gate check --baseline genai-gate-baseline.json")]
    Write(WriteArgs),
}

/// `baseline write`.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// Baseline file to write.
    #[arg(value_name = "FILE", default_value = DEFAULT_FILE)]
    pub file: PathBuf,
    /// Repository to scan (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Repository profile (as for `check`).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// The date waivers are judged against (as for `check`).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
    /// Worker threads.
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
}

/// Runs `baseline`.
pub fn run(cmd: BaselineCommand, globals: &Globals) -> anyhow::Result<ExitCode> {
    let BaselineCommand::Write(a) = cmd;
    if let Some(t) = &a.today
        && !genai_gate_scan::date::is_date(t)
    {
        anyhow::bail!("`{t}` is not a date like 2025-01-31");
    }
    let args = CheckArgs {
        path: a.root.clone(),
        profile: a.profile.clone(),
        format: None,
        output: Vec::new(),
        baseline: None,
        changed_since: None,
        profile_from: None,
        today: a.today.clone(),
        fail_on: FailOn::Note,
        jobs: a.jobs,
        strict: false,
        fail_closed: false,
        no_fail_closed: true,
        no_cache: false,
        cache_dir: None,
        prefilter: false,
    };
    let scanned = scan_repo(&args, globals)?;
    let baseline = Baseline::from_findings(&scanned.report.findings);
    crate::safe_write::write(&a.file, baseline.to_json().as_bytes())?;
    if !globals.quiet {
        eprintln!(
            "wrote {} finding(s) to {}",
            baseline.findings.len(),
            a.file.display()
        );
    }
    Ok(Exit::Ok.into())
}
