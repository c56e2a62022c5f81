//! `genai-gate trace [PATH] METHOD ROUTE`: how one endpoint reaches each generation site and
//! each capability the flow found, a call path each, file and line a step.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use genai_gate_scan::ScanOptions;
use genai_gate_scan::analysis::trace::{EndpointTrace, TraceItem};

use crate::check_cmd::{LoadedProfile, load_profile_into, relative_to};
use crate::{Exit, Format, Globals};

pub const EXAMPLES: &str = "\
Examples:
  genai-gate trace POST /v1/chat/completions          an endpoint of the repository in .
  genai-gate trace ../svc GET /api/chat               an endpoint of another repository
  genai-gate trace POST /v1/chat/completions --format json
  genai-gate trace MUTATION deactivateUser            a GraphQL field (method and name as listed)

Method and route are those `genai-gate check` lists in its endpoint table.";

/// `trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// `[PATH] METHOD ROUTE`: the repository (default: the current directory), then the
    /// endpoint's method and route as `check` lists them.
    #[arg(value_name = "[PATH] METHOD ROUTE", num_args = 2..=3, required = true)]
    pub args: Vec<String>,
    /// Repository profile (default: PATH/genai-gate.toml when it exists, else the embedded
    /// default).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// Runs `trace`.
pub fn run(args: TraceArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    let (path, method, route) = match args.args.as_slice() {
        [path, method, route] => (Some(PathBuf::from(path)), method.clone(), route.clone()),
        [method, route] => (None, method.clone(), route.clone()),
        _ => anyhow::bail!("expected `[PATH] METHOD ROUTE`"),
    };
    let target = crate::discover::target(path.as_deref())?;
    let root = target.root;
    let method = method.to_ascii_uppercase();
    let mut set = globals.policy_set()?;
    let profile_path = args.profile.clone().or(target.profile);
    let LoadedProfile {
        profile,
        is_default,
        source,
        path: profile_path,
    } = load_profile_into(&root, profile_path.as_deref(), &mut set, false)?;
    let policy =
        genai_gate_policy::resolve(&set, profile, is_default, source.as_ref()).map_err(|e| {
            crate::diagnostics::LoadFailure::new(e.diagnostics, source.iter().cloned().collect())
        })?;
    let profile_file = profile_path.as_deref().and_then(|p| relative_to(&root, p));
    let opts = ScanOptions {
        jobs: args.jobs,
        profile_file,
        ..ScanOptions::default()
    };
    let trace = genai_gate_scan::trace(&policy, &root, &opts, &method, &route)
        .with_context(|| format!("cannot scan `{}`", root.display()))?;
    let Some(trace) = trace else {
        let report = genai_gate_scan::scan_with(&policy, &root, &opts)
            .with_context(|| format!("cannot scan `{}`", root.display()))?;
        let known: Vec<String> = report
            .endpoints
            .iter()
            .map(|e| format!("{} {}", e.method, e.route))
            .collect();
        let wanted = format!("{method} {route}");
        let mut msg = format!("no endpoint `{wanted}` in `{}`", root.display());
        match genai_gate_policy::suggest::did_you_mean(&wanted, known.iter().map(String::as_str)) {
            Some(s) => msg.push_str(&format!("; did you mean `{s}`?")),
            None if known.is_empty() => msg.push_str("; no endpoint was found at all"),
            None => msg.push_str(&format!(
                "; endpoints: {}",
                known
                    .iter()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
        anyhow::bail!(msg);
    };
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&trace)?),
        Format::Human => print!("{}", human(&trace)),
    }
    Ok(Exit::Ok.into())
}

/// The trace for people: the endpoint, why it generates, then each hit with its path.
fn human(t: &EndpointTrace) -> String {
    let e = &t.endpoint;
    let mut out = format!(
        "{} {}\n  handler  {} ({}:{})\n",
        e.method, e.route, e.handler, e.file, e.line
    );
    for m in &t.middleware {
        out.push_str(&format!("  before   {m}  (middleware or extractor)\n"));
    }
    match &e.generation {
        Some(g) => {
            out.push_str(&format!("  generates: {}\n", g.signals.join(", ")));
            if g.sites.is_empty() {
                out.push_str(
                    "  no generation site could be located: what runs before or after it is not observable\n",
                );
            }
        }
        None => out.push_str("  does not generate\n"),
    }
    if !e.observable {
        out.push_str("  the handler could not be followed\n");
    }
    let section = |out: &mut String, title: &str, items: &[&TraceItem]| {
        if items.is_empty() {
            return;
        }
        out.push_str(&format!("\n{title}\n"));
        for i in items {
            out.push_str(&format!(
                "  {:<18} {}  {}:{}\n",
                i.capability, i.what, i.file, i.line
            ));
            for step in &i.path {
                out.push_str(&format!("      {step}\n"));
            }
        }
    };
    let pick = |order: Option<&str>, generation: bool| -> Vec<&TraceItem> {
        t.items
            .iter()
            .filter(|i| (i.capability == "generation") == generation)
            .filter(|i| i.order.as_deref() == order)
            .collect()
    };
    if e.generation.as_ref().is_some_and(|g| !g.sites.is_empty()) {
        section(&mut out, "before generation", &pick(Some("before"), false));
        section(&mut out, "generation", &pick(None, true));
        section(&mut out, "after generation", &pick(Some("after"), false));
    } else {
        section(&mut out, "reached", &pick(None, false));
    }
    if t.items.is_empty() {
        out.push_str("\nnothing the catalogue knows is reached from this endpoint\n");
    }
    out
}
