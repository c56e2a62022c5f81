//! `genai-gate completions SHELL` and `genai-gate man`: shell completions and man pages,
//! generated from the same clap definition as `--help`, so they never drift from the flags.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::{Cli, Exit, Globals};

/// Examples shown by `completions --help`.
pub const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  genai-gate completions bash > ~/.local/share/bash-completion/completions/genai-gate
  genai-gate completions zsh > ~/.zfunc/_genai-gate        (with fpath+=~/.zfunc before compinit)
  genai-gate completions fish > ~/.config/fish/completions/genai-gate.fish
  genai-gate completions powershell >> $PROFILE";

/// Examples shown by `man --help`.
pub const MAN_EXAMPLES: &str = "\
Examples:
  genai-gate man | man -l -                        read the main page now
  genai-gate man --dir ~/.local/share/man/man1     install a page per command (man genai-gate-check)";

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    shell: Shell,
}

/// `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `genai-gate.1` and a page per command (`genai-gate-check.1`, …) into DIR instead
    /// of printing the main page.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Runs `completions`.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "genai-gate", &mut out);
    write_stdout(&out)
}

/// Writes to stdout; a closed pipe (`| head`) ends quietly.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<ExitCode> {
    use std::io::Write as _;
    match std::io::stdout().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("cannot write to stdout"))
        }
        _ => Ok(Exit::Ok.into()),
    }
}

/// Runs `man`.
pub fn man(args: ManArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    let cmd = Cli::command();
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("cannot write man pages to `{}`", dir.display()))?;
            if !globals.quiet {
                eprintln!("wrote the man pages to {}", dir.display());
            }
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .context("cannot render the man page")?;
            return write_stdout(&out);
        }
    }
    Ok(Exit::Ok.into())
}
