//! Writing output files without following links.
//!
//! The files genai-gate writes (`--output`, the baseline, `init`'s profile, schemas) are
//! usually named relative to the checkout, where a change's author could have committed a
//! link (`genai-gate.sarif -> ~/.bashrc`, `reports -> /etc`). So no link is written through:
//! a path whose final component, or any existing directory on its relative part, is a link
//! is refused; the text goes to a new temporary file beside it, renamed into place (which
//! replaces a file rather than writing into whatever it points at).

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};

use crate::render::neutral::line;

/// Writes `text` to `path` as described in the [module docs](self), creating missing
/// directories.
pub fn write(path: &Path, text: &[u8]) -> anyhow::Result<()> {
    let shown = line(&path.display().to_string());
    // Every existing component of the relative part (all of a relative path; the last of an
    // absolute one, which the user typed).
    let mut checked = PathBuf::new();
    for c in path.components() {
        checked.push(c);
        let relative_part = path.is_relative() || checked == path;
        if matches!(c, Component::Normal(_))
            && relative_part
            && std::fs::symlink_metadata(&checked).is_ok_and(|m| m.file_type().is_symlink())
        {
            bail!(
                "cannot write `{shown}`: `{}` is a symbolic link, which genai-gate never writes through",
                line(&checked.display().to_string())
            );
        }
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let name = path
        .file_name()
        .with_context(|| format!("`{shown}` names no file"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(text))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write `{shown}`"))
}
