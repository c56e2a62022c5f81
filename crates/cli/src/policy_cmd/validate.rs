//! `policy validate`: packs, catalogues and profiles, with the checks across files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use genai_gate_policy::{Diagnostic, FileKind, SourceFile, file_kind, load_profile, resolve};

use crate::diagnostics::LoadFailure;
use crate::{Exit, Globals};

/// A diagnostic for a file that is none of the three kinds.
fn unknown_kind(source: &SourceFile) -> Diagnostic {
    Diagnostic {
        file: source.name.clone(),
        span: None,
        line: None,
        message: "not a pack, detector catalogue or profile: no `[pack]`, `[catalogue]` or `[service]` table".into(),
        help: Some("a pack starts with `[pack]`, a catalogue with `[catalogue]`, a profile with `[service]`".into()),
    }
}

/// Runs `policy validate`.
pub(super) fn validate(paths: &[PathBuf], globals: &Globals) -> anyhow::Result<ExitCode> {
    let mut set = globals.policy_set()?;
    let mut diagnostics = Vec::new();
    let mut profiles = Vec::new();
    let mut files = 0;
    for path in paths {
        for file in crate::toml_files(path)? {
            files += 1;
            let source = crate::read_source(&file)?;
            match file_kind(&source.text) {
                Some(FileKind::Profile) => {
                    match load_profile(&source) {
                        Ok(profile) => {
                            let confine = crate::sources::confinement(&file, Path::new("."));
                            let extras =
                                crate::sources::load_entries(&file, &profile.load, &confine)
                                    .with_context(|| format!("`{}` loads files", source.name))?;
                            for extra_src in extras {
                                if let Err(e) = crate::add_file(&mut set, extra_src, true) {
                                    diagnostics.extend(e.diagnostics);
                                }
                            }
                            profiles.push((profile, source.clone()));
                        }
                        Err(e) => diagnostics.extend(e.diagnostics),
                    }
                    set.sources.push(source);
                }
                None if source.text.parse::<toml::Table>().is_ok() => {
                    diagnostics.push(unknown_kind(&source));
                    set.sources.push(source);
                }
                _ => {
                    if let Err(e) = crate::add_file(&mut set, source, true) {
                        diagnostics.extend(e.diagnostics);
                    }
                }
            }
        }
    }
    if diagnostics.is_empty()
        && let Err(e) = set.check()
    {
        diagnostics.extend(e.diagnostics);
    }
    if diagnostics.is_empty() {
        for (profile, source) in profiles {
            if let Err(e) = resolve(&set, profile, false, Some(&source)) {
                diagnostics.extend(e.diagnostics);
            }
        }
    }
    if !diagnostics.is_empty() {
        return Err(LoadFailure::new(diagnostics, set.sources).into());
    }
    if !globals.quiet {
        let noun = if files == 1 { "file" } else { "files" };
        println!("✓ {files} {noun} valid");
    }
    Ok(Exit::Ok.into())
}
