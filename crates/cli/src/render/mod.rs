//! Rendering a check report, once per format: human (miette snippets and tables), JSON,
//! SARIF, GitHub annotations with a job summary, JUnit XML and Markdown. `emit` decides what
//! goes to stdout, stderr and `--output` files.

mod github;
mod junit;
mod markdown;
pub mod neutral;
mod sarif;

use std::io::Write as _;

use anyhow::Context;

use crate::Globals;
use crate::check_cmd::{CheckArgs, CheckFormat, Scanned};

/// Renders one format to a string. `color` only affects the human view.
pub fn render(
    format: CheckFormat,
    s: &Scanned,
    globals: &Globals,
    color: bool,
) -> anyhow::Result<String> {
    Ok(match format {
        CheckFormat::Human => {
            crate::check_render::render(&s.report, &s.root, &s.set, color, globals.quiet)
        }
        CheckFormat::Json => {
            let mut json =
                serde_json::to_string_pretty(&s.report).context("cannot serialise the report")?;
            json.push('\n');
            json
        }
        CheckFormat::Sarif => sarif::render(&s.report, &s.policy)?,
        CheckFormat::Github => github::annotations(&s.report),
        CheckFormat::Junit => junit::render(&s.report, &s.policy),
        CheckFormat::Markdown => markdown::render(&s.report),
    })
}

/// The pack that defines a control: the overlay that added it, else the base pack.
pub fn pack_of(
    policy: &genai_gate_policy::EffectivePolicy,
    ec: &genai_gate_policy::EffectiveControl,
) -> String {
    ec.changes
        .iter()
        .find(|c| c.action == "add")
        .map(|c| c.pack.clone())
        .or_else(|| policy.packs.first().map(|p| p.id.clone()))
        .unwrap_or_default()
}

/// The format for stdout: `--format`, else `github` under GitHub Actions, else `human`.
pub fn primary(args: &CheckArgs) -> CheckFormat {
    match args.format {
        Some(f) => f,
        None if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") => CheckFormat::Github,
        None => CheckFormat::Human,
    }
}

fn append(path: &std::ffi::OsStr, text: &str) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot write `{}`", path.to_string_lossy()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write `{}`", path.to_string_lossy()))
}

/// Writes every requested output.
pub fn emit(s: &Scanned, args: &CheckArgs, globals: &Globals) -> anyhow::Result<()> {
    let primary = primary(args);
    let mut written = Vec::new();
    for o in &args.output {
        let text = render(o.format, s, globals, false)?;
        crate::safe_write::write(&o.path, text.as_bytes())?;
        written.push(o.path.display().to_string());
    }
    if primary == CheckFormat::Github {
        if let Some(p) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            append(&p, &github::summary(&s.report))?;
        }
        if let Some(p) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
            append(&p, &github::outputs(&s.report, &written))?;
        }
    }
    let human_on_stderr =
        primary == CheckFormat::Human || primary == CheckFormat::Github || !args.output.is_empty();
    if human_on_stderr {
        eprint!(
            "{}",
            render(CheckFormat::Human, s, globals, globals.color_stderr)?
        );
    }
    if primary != CheckFormat::Human {
        print!("{}", render(primary, s, globals, false)?);
    }
    Ok(())
}
