//! `genai-gate`: a CI gate that checks generative-AI service repositories against China's
//! Interim Measures for the Administration of Generative AI Services.
//!
//! This binary owns flags, rendering and exit codes; the rules live in `genai-gate-policy`.

mod baseline_cmd;
mod check_cmd;
mod check_render;
mod diagnostics;
mod discover;
mod docs_cmd;
mod effective;
mod explain_cmd;
mod git;
mod init_cmd;
mod policy_cmd;
mod progress;
mod render;
mod safe_write;
mod select;
mod sources;
mod table;
mod test_cmd;
mod trace_cmd;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use genai_gate_policy::{FileKind, PolicySet, SourceFile, file_kind, load_catalogue, load_pack};

use crate::diagnostics::LoadFailure;

/// The process exit codes, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Clean: nothing at or above the fail level.
    Ok = 0,
    /// Findings at or above the fail level.
    Findings = 1,
    /// Usage or configuration error: bad flags, bad packs or profiles, unknown ids.
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

const MAIN_EXAMPLES: &str = "\
Examples:
  genai-gate init --name chat-api --modality text,image   write a commented genai-gate.toml
  genai-gate check                                         check the repository in .
  genai-gate policy list                                   the packs and overlays shipped
  genai-gate explain CN-GAI-14.1                           what a control demands and why
  genai-gate trace POST /v1/chat/completions               how an endpoint reaches the model
  genai-gate test tests/policy                             run pack and detector tests
  genai-gate policy diff cn-genai-2023-draft cn-genai-2023 what the final text relaxed
  genai-gate completions bash > ~/.local/share/bash-completion/completions/genai-gate

Exit codes: 0 ok, 1 findings, 2 usage or configuration error.";

/// Checks generative-AI service repositories against China's Generative AI Measures.
#[derive(Debug, Parser)]
#[command(name = "genai-gate", version, about, after_help = MAIN_EXAMPLES)]
struct Cli {
    /// When to use colour: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    /// Extra pack or detector-catalogue file (or directory of them) loaded on top of the
    /// embedded ones; repeatable.
    #[arg(long = "policy", value_name = "PATH", global = true)]
    policy: Vec<PathBuf>,
    /// Print only errors and requested data.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    #[default]
    Human,
    /// JSON for programs.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a repository: endpoints, flows, config and documents against the effective policy.
    #[command(after_help = check_cmd::EXAMPLES)]
    Check(check_cmd::CheckArgs),
    /// List, show, compare and validate policy packs.
    #[command(subcommand)]
    Policy(policy_cmd::PolicyCommand),
    /// Explain a control: obligation, citations, applicability, accepted evidence, overlays.
    #[command(after_help = explain_cmd::EXAMPLES)]
    Explain(explain_cmd::ExplainArgs),
    /// Write a commented genai-gate.toml profile (no prompts; flags set the fields).
    #[command(after_help = init_cmd::EXAMPLES)]
    Init(init_cmd::InitArgs),
    /// Record today's findings so `check --baseline` fails only on new ones.
    #[command(subcommand)]
    Baseline(baseline_cmd::BaselineCommand),
    /// Show how one endpoint reaches each generation site and capability: the call path from
    /// its handler, file and line a step.
    #[command(after_help = trace_cmd::EXAMPLES)]
    Trace(trace_cmd::TraceArgs),
    /// Run pack and detector tests: case folders with an expected.toml, and the
    /// `[[detector.test]]`s of catalogues; output like `cargo test`.
    #[command(after_help = test_cmd::EXAMPLES)]
    Test(test_cmd::TestArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    #[command(after_help = docs_cmd::COMPLETIONS_EXAMPLES)]
    Completions(docs_cmd::CompletionsArgs),
    /// Print the man page, or write one per command into a folder.
    #[command(after_help = docs_cmd::MAN_EXAMPLES)]
    Man(docs_cmd::ManArgs),
}

/// Options every command sees.
#[derive(Debug, Clone)]
pub struct Globals {
    /// Colour on stderr (diagnostics).
    pub color_stderr: bool,
    /// Colour on stdout (human output).
    pub color_stdout: bool,
    /// Extra pack and catalogue files from `--policy`.
    pub policy: Vec<PathBuf>,
    /// `--quiet`.
    pub quiet: bool,
    /// Running in CI (`CI` or `GITHUB_ACTIONS` set): command-line selections are enforced
    /// and no progress bar is drawn.
    pub ci: bool,
}

impl Globals {
    fn new(cli: &Cli) -> Globals {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |tty: bool| match cli.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Globals {
            color_stderr: decide(std::io::stderr().is_terminal()),
            color_stdout: decide(std::io::stdout().is_terminal()),
            policy: cli.policy.clone(),
            quiet: cli.quiet,
            ci: in_ci(),
        }
    }

    /// The embedded packs and catalogues plus every `--policy` file, cross-checked.
    /// Errors are a [`LoadFailure`] carrying every diagnostic and its source.
    pub fn policy_set(&self) -> anyhow::Result<PolicySet> {
        let mut set = PolicySet::embedded()
            .map_err(|e| LoadFailure::new(e.diagnostics, embedded_sources()))?;
        let mut diagnostics = Vec::new();
        for path in &self.policy {
            for file in toml_files(path)? {
                let source = read_source(&file)?;
                if let Err(e) = add_file(&mut set, source, false) {
                    diagnostics.extend(e.diagnostics);
                }
            }
        }
        if let Err(e) = set.check() {
            diagnostics.extend(e.diagnostics);
        }
        if diagnostics.is_empty() {
            Ok(set)
        } else {
            Err(LoadFailure::new(diagnostics, set.sources.clone()).into())
        }
    }
}

/// Whether the process runs in CI: `GITHUB_ACTIONS=true`, or `CI` set to anything but
/// `false` or `0` (GitLab, Jenkins, Azure, Buildkite and most others set it).
fn in_ci() -> bool {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    set("CI") || set("GITHUB_ACTIONS")
}

fn embedded_sources() -> Vec<SourceFile> {
    genai_gate_policy::EMBEDDED
        .iter()
        .map(|(name, text)| SourceFile::new(*name, *text))
        .collect()
}

/// Adds a pack or catalogue file to `set`. With `replace`, a file pack or catalogue replaces one
/// of the same id that is embedded or came from the same file (so `policy validate
/// policies/cn-genai-2023.toml` checks the file, not a duplicate of the shipped copy).
pub fn add_file(
    set: &mut PolicySet,
    source: SourceFile,
    replace: bool,
) -> Result<(), genai_gate_policy::LoadError> {
    if !replace {
        return set.add(source, false);
    }
    let result = match file_kind(&source.text) {
        Some(FileKind::Catalogue) => load_catalogue(&source).map(|c| {
            set.catalogues.retain(|x| {
                !((x.file.starts_with("<embedded>") || x.file == c.file) && x.id == c.id)
            });
            set.catalogues.push(c);
        }),
        Some(FileKind::Profile) => return set.add(source, false),
        Some(FileKind::Pack) | None => load_pack(&source, false).map(|p| {
            set.packs
                .retain(|x| !((x.embedded || x.file == p.file) && x.meta.id == p.meta.id));
            set.packs.push(p);
        }),
    };
    set.sources.push(source);
    result
}

/// Reads a file as a [`SourceFile`] named by its path as given: a regular file of at most
/// [`sources::MAX_POLICY_FILE`] bytes.
pub fn read_source(path: &Path) -> anyhow::Result<SourceFile> {
    sources::read(path, path.display().to_string())
}

/// A file, or every `*.toml` under a directory (sorted, recursive, no link followed).
pub fn toml_files(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    sources::toml_files_in(path)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let globals = Globals::new(&cli);
    let result = match cli.command {
        Command::Check(args) => check_cmd::run(args, &globals),
        Command::Policy(cmd) => policy_cmd::run(cmd, &globals),
        Command::Explain(args) => explain_cmd::run(args, &globals),
        Command::Init(args) => init_cmd::run(args, &globals),
        Command::Baseline(cmd) => baseline_cmd::run(cmd, &globals),
        Command::Trace(args) => trace_cmd::run(args, &globals),
        Command::Test(args) => test_cmd::run(args, &globals),
        Command::Completions(args) => docs_cmd::completions(args),
        Command::Man(args) => docs_cmd::man(args, &globals),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            diagnostics::report_error(&err, &globals);
            Exit::Usage.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
