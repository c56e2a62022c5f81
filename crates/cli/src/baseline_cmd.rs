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
    /// Scan and write every current finding's fingerprint to a baseline file; then
    /// `check --baseline FILE` fails only on findings not in it.
    #[command(after_help = "Examples:
  genai-gate baseline write                       the enclosing repository, to genai-gate-baseline.json there
  genai-gate baseline write ../svc                another repository, to ../svc/genai-gate-baseline.json
  genai-gate baseline write services/chat --output ci/chat-baseline.json
  genai-gate check --baseline genai-gate-baseline.json

PATH is found as for `check`: with none, the repository enclosing the current folder.")]
    Write(WriteArgs),
}

/// `baseline write`.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// Repository to scan, as for `check` (default: the repository enclosing the current
    /// folder).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Baseline file to write (default: PATH/genai-gate-baseline.json).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Former spelling of PATH (`baseline write FILE --root DIR`); still accepted.
    #[arg(long, value_name = "DIR", hide = true)]
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
    let BaselineCommand::Write(mut a) = cmd;
    if let Some(t) = &a.today
        && !genai_gate_scan::date::is_date(t)
    {
        anyhow::bail!("`{t}` is not a date like 2025-01-31");
    }
    // The former form `baseline write FILE --root DIR`: the positional was the file.
    if a.root.is_some() {
        if a.output.is_some() && a.path.is_some() {
            anyhow::bail!("give the repository as PATH and the file as --output, not --root");
        }
        a.output = a.output.or(a.path.take());
        a.path = a.root.take();
    } else if let Some(p) = &a.path
        && a.output.is_none()
        && !p.exists()
        && p.extension().is_some_and(|e| e == "json")
    {
        a.output = a.path.take();
    }
    if let Some(p) = &a.path
        && p.is_file()
    {
        anyhow::bail!(
            "`{}` is a file; `baseline write` records a whole repository (give its folder)",
            p.display()
        );
    }
    let args = CheckArgs {
        path: a.path.clone(),
        profile: a.profile.clone(),
        today: a.today.clone(),
        fail_on: FailOn::Note,
        jobs: a.jobs,
        // A baseline records what is found; what was not seen is no finding to record.
        no_fail_closed: true,
        ..CheckArgs::default()
    };
    let scanned = scan_repo(&args, globals)?;
    let file = a.output.unwrap_or_else(|| {
        if scanned.root == std::path::Path::new(".") {
            PathBuf::from(DEFAULT_FILE)
        } else {
            scanned.root.join(DEFAULT_FILE)
        }
    });
    let baseline = Baseline::from_findings(&scanned.report.findings);
    crate::safe_write::write(&file, baseline.to_json().as_bytes())?;
    if !globals.quiet {
        eprintln!(
            "wrote {} finding(s) to {}",
            baseline.findings.len(),
            file.display()
        );
    }
    Ok(Exit::Ok.into())
}
