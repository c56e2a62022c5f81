//! `genai-gate init`: writes a commented `genai-gate.toml` from flags, without prompts.

use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{ArgAction, Args};
use genai_gate_policy::{
    DEFAULT_BASE, Modality, PROFILE_FILE, PolicySet, Sector, SourceFile, load_profile, resolve,
};

use crate::diagnostics::LoadFailure;
use crate::{Exit, Globals};

/// Examples shown by `init --help`.
pub const EXAMPLES: &str = "\
Examples:
  genai-gate init                                           a public text service in the PRC
  genai-gate init --name newsroom --modality text,image --sector news
  genai-gate init services/chat --serves-minors --public-opinion
  genai-gate init --public false                            in-house R&D (Art. 2 exemption)

The file is checked before it is written; edit it and run `genai-gate policy validate genai-gate.toml`.";

/// `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to write `genai-gate.toml` into.
    #[arg(value_name = "PATH", default_value = ".")]
    path: PathBuf,
    /// Service name (default: the directory's name).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Whether the service is offered to the public (false: in-house R&D, exempt under Art. 2).
    #[arg(long, value_name = "BOOL", action = ArgAction::Set, default_value_t = true)]
    public: bool,
    /// Region where the service is offered (ISO 3166 alpha-2); repeatable or comma-separated.
    #[arg(long = "region", value_name = "CODE", value_delimiter = ',')]
    regions: Vec<String>,
    /// What the service generates; repeatable or comma-separated.
    #[arg(long = "modality", value_name = "MODALITY", value_delimiter = ',', value_parser = PossibleValuesParser::new(Modality::words()))]
    modalities: Vec<String>,
    /// A sector whose state rules take precedence (applies its overlay); repeatable or comma-separated.
    #[arg(long = "sector", value_name = "SECTOR", value_delimiter = ',', value_parser = PossibleValuesParser::new(Sector::words()))]
    sectors: Vec<String>,
    /// The service has public-opinion attributes or social-mobilisation capacity (Art. 17).
    #[arg(long)]
    public_opinion: bool,
    /// The service is used by minors (Art. 10).
    #[arg(long)]
    serves_minors: bool,
    /// The provider trains or fine-tunes models (Art. 7, 8).
    #[arg(long)]
    trains_models: bool,
    /// Overwrite an existing genai-gate.toml.
    #[arg(long)]
    force: bool,
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| quoted(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The pack list the profile starts with: the default base, then the overlay of each sector.
fn default_packs(set: &PolicySet, sectors: &[String]) -> Vec<String> {
    let mut packs = vec![DEFAULT_BASE.to_owned()];
    for s in sectors {
        let overlay = set.packs.iter().find(|p| {
            p.meta.sector.map(|x| x.as_str()) == Some(s.as_str())
                && p.meta.extends.as_deref() == Some(DEFAULT_BASE)
        });
        if let Some(p) = overlay {
            packs.push(p.meta.id.clone());
        }
    }
    packs
}

/// The commented profile text.
fn profile_text(args: &InitArgs, name: &str, packs: &[String]) -> String {
    let regions: Vec<String> = if args.regions.is_empty() {
        vec!["CN".into()]
    } else {
        args.regions
            .iter()
            .map(|r| r.trim().to_ascii_uppercase())
            .collect()
    };
    let modalities: Vec<String> = if args.modalities.is_empty() {
        vec!["text".into()]
    } else {
        args.modalities.clone()
    };
    let mut t = String::new();
    let _ = write!(
        t,
        r#"# genai-gate.toml: the repository profile read by `genai-gate check`.
#
# It describes the service so that genai-gate knows which obligations of China's Interim
# Measures for the Administration of Generative AI Services (and of sector rules) apply.
# After editing, run `genai-gate policy validate genai-gate.toml`; `genai-gate explain
# CONTROL --profile genai-gate.toml` says whether a control is active for this service and why.

[service]
# A name used in reports.
name = {name}
# Offered to the public. Research, development and in-house use that does not serve the
# domestic public is exempt (Art. 2 para. 3): with `public = false` a check passes as
# "not applicable (Art. 2)".
public = {public}
# Where the service is offered, as ISO 3166 alpha-2 codes ("CN" for the PRC). The Measures
# apply to services offered to the public in the PRC (Art. 2, Art. 20).
regions = {regions}
# What the service generates: "text", "image", "audio", "video". Labelling controls
# (Art. 12 and the 2025 labelling rules) depend on it.
modalities = {modalities}
# Sectors with state rules of their own: "news" and "publishing" (their rules take
# precedence, Art. 2 para. 2), "audiovisual" (the online audio-video rules apply in their own
# right). Each declared sector needs its overlay in `[policy] packs`.
sectors = {sectors}
# Public-opinion attributes or social-mobilisation capacity: security assessment and
# algorithm filing apply (Art. 17).
public-opinion = {public_opinion}
# Used by minors: measures against over-reliance and addiction apply (Art. 10).
serves-minors = {serves_minors}
# The provider trains or fine-tunes models: training-data and annotation controls apply
# (Art. 7, Art. 8).
trains-models = {trains_models}

[policy]
# Packs in order of precedence: one base pack first, then sector overlays; a later pack
# wins. `genai-gate policy list` shows the packs that ship with genai-gate.
packs = {packs}
# Extra pack or detector-catalogue files, relative to this file.
# load = ["policies/our-overlay.toml"]
# Controls to require even where their conditions do not hold, e.g. the display of the
# filing number and model name that CAC announcements ask of every launched app.
# enable = ["CN-GAI-17.2"]

# Detectors for the team's own code, when it wraps moderation, audit or labelling in
# in-house APIs that the shipped catalogue cannot know. `genai-gate policy capabilities`
# lists the capabilities a detector can evidence.
# [[detector]]
# id = "acme.safety-screen"
# capability = "moderation.output"
# description = "our moderation client screens every answer"
# calls = ["acme_safety::screen", "*::screen_output"]
# methods = ["safety().check"]

# Which files are scanned (default: every file not ignored by .gitignore).
# [files]
# include = ["src/**", "docs/**", "config/**"]
# exclude = ["tests/**", "examples/**"]
# max-file-size = 1048576

# Fail closed: a control that cannot be judged (a file that does not parse may hold the
# route) and a file that cannot be read or parsed fail the check, as with `check --strict`.
# [settings]
# strict = true

# A waiver records an accepted exception to one control: optionally limited to some paths,
# and always with a reason, an owner and an expiry date.
# [[waiver]]
# control = "CN-GAI-12.1"
# paths = ["src/legacy/**"]
# reason = "the legacy export endpoint is switched off on 2026-06-30"
# owner = "platform-team@example.com"
# expires = 2026-06-30
"#,
        name = quoted(name),
        public = args.public,
        regions = list(&regions),
        modalities = list(&modalities),
        sectors = list(&args.sectors),
        public_opinion = args.public_opinion,
        serves_minors = args.serves_minors,
        trains_models = args.trains_models,
        packs = list(packs),
    );
    t
}

/// Runs `init`.
pub fn run(args: InitArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    let target = args.path.join(PROFILE_FILE);
    if target.exists() && !args.force {
        return Err(LoadFailure::message(
            format!("`{}` already exists", target.display()),
            Some("pass `--force` to overwrite it".into()),
        )
        .into());
    }
    let set = globals.policy_set()?;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => std::path::absolute(&args.path)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .filter(|n| n != "." && !n.is_empty())
            .unwrap_or_else(|| "my-service".into()),
    };
    let packs = default_packs(&set, &args.sectors);
    let text = profile_text(&args, &name, &packs);
    let source = SourceFile::new(target.display().to_string(), text.clone());
    let checked = load_profile(&source).and_then(|p| resolve(&set, p, false, Some(&source)));
    if let Err(e) = checked {
        return Err(LoadFailure::new(e.diagnostics, vec![source]).into());
    }
    let created = !args.path.exists();
    std::fs::create_dir_all(&args.path)
        .map_err(|e| anyhow::anyhow!("cannot create `{}`: {e}", args.path.display()))?;
    crate::safe_write::write(&target, text.as_bytes())?;
    if !globals.quiet {
        if created {
            println!("created {}/ (it did not exist)", args.path.display());
        }
        println!("wrote {}", target.display());
        let check = if args.path == std::path::Path::new(".") {
            "genai-gate check".to_owned()
        } else {
            format!("genai-gate check {}", args.path.display())
        };
        println!(
            "next: edit it, then run `genai-gate policy validate {}` and `{check}`",
            target.display()
        );
    }
    Ok(Exit::Ok.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> InitArgs {
        InitArgs {
            path: ".".into(),
            name: None,
            public: true,
            regions: Vec::new(),
            modalities: Vec::new(),
            sectors: Vec::new(),
            public_opinion: false,
            serves_minors: false,
            trains_models: false,
            force: false,
        }
    }

    #[test]
    fn the_written_profile_loads() {
        let text = profile_text(&args(), "a \"quoted\" name", &["cn-genai-2023".into()]);
        let profile = load_profile(&SourceFile::new("genai-gate.toml", text)).unwrap();
        assert_eq!(profile.service.name, "a \"quoted\" name");
        assert_eq!(profile.service.regions, ["CN"]);
        assert_eq!(profile.service.modalities, [Modality::Text]);
        assert!(profile.waivers.is_empty());
    }

    #[test]
    fn the_commented_examples_load_when_uncommented() {
        let text = profile_text(&args(), "x", &["cn-genai-2023".into()]);
        let uncommented: String = text
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[')
                        || rest.split_once(" = ").is_some_and(|(k, _)| {
                            k.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                        }) =>
                {
                    rest
                }
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let profile = load_profile(&SourceFile::new("genai-gate.toml", uncommented)).unwrap();
        assert_eq!(profile.detectors.len(), 1);
        assert_eq!(profile.waivers.len(), 1);
        assert_eq!(profile.files.exclude, ["tests/**", "examples/**"]);
    }
}
