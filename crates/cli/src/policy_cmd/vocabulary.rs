//! `policy capabilities` and `policy schema`: the vocabulary and the file formats.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use genai_gate_policy::Capability;
use serde::Serialize;

use super::print_json;
use crate::table::{Style, Table};
use crate::{Exit, Format, Globals};

#[derive(Serialize)]
struct CapabilityJson {
    name: &'static str,
    summary: &'static str,
    detectors: Vec<String>,
}

/// Runs `policy capabilities`.
pub(super) fn capabilities(format: Format, globals: &Globals) -> anyhow::Result<ExitCode> {
    let set = globals.policy_set()?;
    let rows: Vec<CapabilityJson> = Capability::ALL
        .iter()
        .map(|c| CapabilityJson {
            name: c.as_str(),
            summary: c.summary(),
            detectors: set
                .catalogues
                .iter()
                .flat_map(|cat| cat.detectors_for(*c))
                .map(|d| d.id.clone())
                .collect(),
        })
        .collect();
    if format == Format::Json {
        return print_json(&rows);
    }
    let style = Style {
        color: globals.color_stdout,
    };
    let mut t = Table::new(&["CAPABILITY", "DETECTORS", "EVIDENCE LOOKS LIKE"]);
    for r in &rows {
        t.row(vec![
            r.name.into(),
            r.detectors.len().to_string(),
            r.summary.into(),
        ]);
    }
    print!("{}", t.render(0, style));
    Ok(Exit::Ok.into())
}

/// Runs `policy schema`.
pub(super) fn schema(write: Option<&Path>, globals: &Globals) -> anyhow::Result<ExitCode> {
    let schemas = genai_gate_policy::schema::all();
    let Some(dir) = write else {
        let mut map = serde_json::Map::new();
        for (name, text) in &schemas {
            map.insert((*name).to_owned(), serde_json::from_str(text)?);
        }
        return print_json(&map);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    for (name, text) in &schemas {
        let path = dir.join(name);
        crate::safe_write::write(&path, text.as_bytes())?;
        if !globals.quiet {
            println!("wrote {}", path.display());
        }
    }
    Ok(Exit::Ok.into())
}
