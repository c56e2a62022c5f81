//! `genai-gate policy …`: list, show, diff, validate, capabilities, schema.

mod diff;
mod list;
mod show;
mod validate;
mod vocabulary;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use genai_gate_policy::{Pack, PolicySet, load_pack};
use serde::Serialize;

use crate::diagnostics::LoadFailure;
use crate::{Exit, Format, Globals};

const LIST_EXAMPLES: &str = "\
Examples:
  genai-gate policy list
  genai-gate policy list --format json
  genai-gate --policy my-overlay.toml policy list";

const SHOW_EXAMPLES: &str = "\
Examples:
  genai-gate policy show cn-genai-2023
  genai-gate policy show sector-news
  genai-gate policy show ./my-pack.toml --format json";

const DIFF_EXAMPLES: &str = "\
Examples:
  genai-gate policy diff cn-genai-2023-draft cn-genai-2023   what the final text relaxed
  genai-gate policy diff cn-genai-2023 ./edited-pack.toml     review an edit to a pack
  genai-gate policy diff cn-genai-2023-draft cn-genai-2023 --format json";

const VALIDATE_EXAMPLES: &str = "\
Examples:
  genai-gate policy validate policies/                 every pack and catalogue under policies/
  genai-gate policy validate my-overlay.toml           an overlay of an embedded base pack
  genai-gate policy validate genai-gate.toml           a repository profile
  genai-gate policy validate                           the profile `check` would use here

Packs, detector catalogues and profiles are told apart by their top-level table ([pack],
[catalogue], [service]). Every problem is reported; the exit code is 2 when there is any.";

const CAPABILITIES_EXAMPLES: &str = "\
Examples:
  genai-gate policy capabilities
  genai-gate policy capabilities --format json";

const SCHEMA_EXAMPLES: &str = "\
Examples:
  genai-gate policy schema                          all schemas as one JSON object
  genai-gate policy schema --write policies/schema  regenerate the committed schema files";

/// `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List the packs, sector overlays and detector catalogues, with control counts.
    #[command(after_help = LIST_EXAMPLES)]
    List(FormatArgs),
    /// Show a pack: metadata, articles and every control.
    #[command(after_help = SHOW_EXAMPLES)]
    Show(ShowArgs),
    /// Compare two packs: controls removed, added and changed, field by field.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Validate packs, detector catalogues and profiles, including checks across files.
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(ValidateArgs),
    /// The capability vocabulary that controls require and detectors evidence.
    #[command(after_help = CAPABILITIES_EXAMPLES)]
    Capabilities(FormatArgs),
    /// Print or write the JSON Schemas of the pack, catalogue and profile formats.
    #[command(after_help = SCHEMA_EXAMPLES)]
    Schema(SchemaArgs),
}

/// `--format`.
#[derive(Debug, Args)]
pub struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// `policy show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Pack id (see `policy list`) or path to a pack file.
    #[arg(value_name = "PACK")]
    pack: String,
    /// Output format; json is the serialized pack.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// `policy diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old pack: an id or a path.
    #[arg(value_name = "OLD")]
    old: String,
    /// The new pack: an id or a path.
    #[arg(value_name = "NEW")]
    new: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// `policy validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Pack, catalogue or profile files, or directories of `*.toml` files (default: the
    /// genai-gate.toml that `check` would use here).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// `policy schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Write `pack.schema.json`, `catalogue.schema.json` and `profile.schema.json` into DIR.
    #[arg(long, value_name = "DIR")]
    write: Option<PathBuf>,
}

/// Runs a `policy` subcommand.
pub fn run(cmd: PolicyCommand, globals: &Globals) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::List(a) => list::list(a.format, globals),
        PolicyCommand::Show(a) => show::show(&a, globals),
        PolicyCommand::Diff(a) => diff::diff(&a, globals),
        PolicyCommand::Validate(a) if a.paths.is_empty() => {
            match crate::discover::find_profile(Path::new(".")) {
                Some(p) => validate::validate(&[p], globals),
                None => Err(LoadFailure::message(
                    "no genai-gate.toml here or above it in the repository",
                    Some(
                        "name the files to validate, or run `genai-gate init` to write a profile"
                            .into(),
                    ),
                )
                .into()),
            }
        }
        PolicyCommand::Validate(a) => validate::validate(&a.paths, globals),
        PolicyCommand::Capabilities(a) => vocabulary::capabilities(a.format, globals),
        PolicyCommand::Schema(a) => vocabulary::schema(a.write.as_deref(), globals),
    }
}

pub(super) fn print_json<T: Serialize>(value: &T) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(Exit::Ok.into())
}

/// A pack named on the command line: an id of the set, or a path to a pack file.
pub(super) fn pack_arg(set: &PolicySet, arg: &str) -> anyhow::Result<Pack> {
    if let Some(p) = set.pack(arg) {
        return Ok(p.clone());
    }
    let path = Path::new(arg);
    if path.is_file() {
        let source = crate::read_source(path)?;
        return load_pack(&source, false)
            .map_err(|e| LoadFailure::new(e.diagnostics, vec![source]).into());
    }
    let looks_like_path = arg.contains('/') || arg.contains('\\') || arg.ends_with(".toml");
    let help = match set.suggest_pack(arg) {
        Some(s) => format!("did you mean `{s}`? `genai-gate policy list` shows the packs"),
        None if looks_like_path => "no such file".into(),
        None => format!(
            "known packs: {}",
            set.pack_ids().collect::<Vec<_>>().join(", ")
        ),
    };
    Err(LoadFailure::message(format!("unknown pack `{arg}`"), Some(help)).into())
}

/// Renders an applicability condition for people.
pub fn applies_text(a: &genai_gate_policy::Applies) -> String {
    if a.is_always() {
        return "always (every service in scope)".into();
    }
    let mut parts = Vec::new();
    if !a.modalities.is_empty() {
        parts.push(format!(
            "generates {}",
            a.modalities
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    if !a.sectors.is_empty() {
        parts.push(format!(
            "is in the {} sector",
            a.sectors
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    for (v, yes, no) in [
        (
            a.public_opinion,
            "has public-opinion attributes",
            "has no public-opinion attributes",
        ),
        (a.serves_minors, "serves minors", "does not serve minors"),
        (a.trains_models, "trains models", "does not train models"),
    ] {
        match v {
            Some(true) => parts.push(yes.into()),
            Some(false) => parts.push(no.into()),
            None => {}
        }
    }
    format!("when the service {}", parts.join(", and "))
}
