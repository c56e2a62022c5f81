//! Rendering a check report, once per format: human (miette snippets and tables), JSON,
//! SARIF, GitHub annotations with a job summary, JUnit XML, Markdown and HTML. `emit` decides what
//! goes to stdout, stderr and `--output` files.

mod concise;
mod github;
pub mod html;
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
    args: &CheckArgs,
    globals: &Globals,
    color: bool,
) -> anyhow::Result<String> {
    Ok(match format {
        CheckFormat::Human => {
            let mut out = String::new();
            if !globals.quiet {
                let style = crate::table::Style { color };
                for n in &s.notes {
                    out.push_str(&format!("{}: {n}\n", style.bold("note")));
                }
                if !s.notes.is_empty() {
                    out.push('\n');
                }
            }
            out.push_str(&crate::check_render::render(
                &s.report,
                &s.root,
                &s.set,
                color,
                globals.quiet,
            ));
            out
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
        CheckFormat::Concise => concise::render(&s.report),
        CheckFormat::Html => html::render(s, args, globals)?,
    })
}

/// What every format says when no profile was found: the embedded default applied.
pub const DEFAULT_PROFILE_NOTICE: &str = "no genai-gate.toml found; using the embedded default profile (a public text service offered in the PRC). Run `genai-gate init` to describe the service.";

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
    if args.concise {
        return CheckFormat::Concise;
    }
    match args.format {
        Some(f) => f,
        None if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") => CheckFormat::Github,
        None => CheckFormat::Human,
    }
}

/// What the concise view adds on stderr: notes, the default-profile notice, scan problems
/// and the summary line.
fn concise_notes(s: &Scanned, globals: &Globals) -> String {
    let style = crate::table::Style {
        color: globals.color_stderr,
    };
    let mut out = String::new();
    let mut notes: Vec<&str> = s.notes.iter().map(String::as_str).collect();
    if s.report.profile.default {
        notes.push(DEFAULT_PROFILE_NOTICE);
    }
    for n in notes {
        out.push_str(&format!("{}: {n}\n", style.bold("note")));
    }
    for d in &s.report.diagnostics {
        let place = match d.line {
            Some(l) => format!("{}:{l}: ", d.file),
            None if d.file.is_empty() => String::new(),
            None => format!("{}: ", d.file),
        };
        out.push_str(&format!(
            "{}: {place}{} ({})\n",
            style.severity(genai_gate_policy::Severity::Warning),
            d.message,
            d.kind
        ));
    }
    out.push_str(&crate::check_render::findings_line(&s.report));
    out.push('\n');
    out
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
        let text = render(o.format, s, args, globals, false)?;
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
    if args.statistics {
        let style = crate::table::Style {
            color: globals.color_stdout,
        };
        print!(
            "{}",
            concise::statistics(&s.report, primary == CheckFormat::Json, style)?
        );
        return Ok(());
    }
    let human_on_stderr =
        primary == CheckFormat::Human || primary == CheckFormat::Github || !args.output.is_empty();
    if human_on_stderr {
        eprint!(
            "{}",
            render(CheckFormat::Human, s, args, globals, globals.color_stderr)?
        );
    }
    if primary != CheckFormat::Human {
        print!("{}", render(primary, s, args, globals, false)?);
    }
    if primary == CheckFormat::Concise && !human_on_stderr && !globals.quiet {
        eprint!("{}", concise_notes(s, globals));
    }
    Ok(())
}
