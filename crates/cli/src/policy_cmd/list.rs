//! `policy list`: the packs, overlays and catalogues loaded.

use std::fmt::Write;
use std::process::ExitCode;

use genai_gate_policy::{Pack, PackKind};
use serde::Serialize;

use super::print_json;
use crate::table::{Style, Table};
use crate::{Exit, Format, Globals};

/// Where a pack came from, for people.
fn origin(p: &Pack) -> String {
    if p.embedded {
        "embedded".into()
    } else {
        p.file.clone()
    }
}

#[derive(Serialize)]
struct PackRow<'a> {
    id: &'a str,
    kind: PackKind,
    title: &'a str,
    version: &'a str,
    published: &'a str,
    effective: Option<&'a str>,
    sector: Option<&'a str>,
    extends: Option<&'a str>,
    supersedes: &'a [String],
    superseded_by: &'a [String],
    controls: usize,
    amendments: usize,
    embedded: bool,
    file: &'a str,
}

#[derive(Serialize)]
struct CatalogueRow<'a> {
    id: &'a str,
    version: &'a str,
    description: Option<&'a str>,
    detectors: usize,
    negatives: usize,
    embedded: bool,
    file: &'a str,
}

#[derive(Serialize)]
struct ListJson<'a> {
    packs: Vec<PackRow<'a>>,
    catalogues: Vec<CatalogueRow<'a>>,
}

/// Runs `policy list`.
pub(super) fn list(format: Format, globals: &Globals) -> anyhow::Result<ExitCode> {
    let set = globals.policy_set()?;
    let packs: Vec<PackRow> = set
        .packs
        .iter()
        .map(|p| PackRow {
            id: &p.meta.id,
            kind: p.meta.kind,
            title: &p.meta.title,
            version: &p.meta.version,
            published: &p.meta.published,
            effective: p.meta.effective.as_deref(),
            sector: p.meta.sector.map(|s| s.as_str()),
            extends: p.meta.extends.as_deref(),
            supersedes: &p.meta.supersedes,
            superseded_by: &p.meta.superseded_by,
            controls: p.controls.len(),
            amendments: p.amendments.len(),
            embedded: p.embedded,
            file: &p.file,
        })
        .collect();
    let catalogues: Vec<CatalogueRow> = set
        .catalogues
        .iter()
        .map(|c| CatalogueRow {
            id: &c.id,
            version: &c.version,
            description: c.description.as_deref(),
            detectors: c.detectors.len(),
            negatives: c.negatives.len(),
            embedded: c.file.starts_with("<embedded>"),
            file: &c.file,
        })
        .collect();
    if format == Format::Json {
        return print_json(&ListJson { packs, catalogues });
    }
    let style = Style {
        color: globals.color_stdout,
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", style.bold("Packs"));
    let mut t = Table::new(&[
        "ID",
        "KIND",
        "VERSION",
        "PUBLISHED",
        "EFFECTIVE",
        "SECTOR",
        "CONTROLS",
        "ORIGIN",
        "TITLE",
    ]);
    for (row, pack) in packs.iter().zip(&set.packs) {
        let controls = match (row.kind, row.amendments) {
            (PackKind::Overlay, n) if n > 0 => format!("{} (+{n} amended)", row.controls),
            _ => row.controls.to_string(),
        };
        t.row(vec![
            row.id.into(),
            row.kind.to_string(),
            row.version.into(),
            row.published.into(),
            row.effective.unwrap_or("-").into(),
            row.sector.unwrap_or("-").into(),
            controls,
            origin(pack),
            row.title.into(),
        ]);
    }
    out.push_str(&t.render(2, style));
    let _ = writeln!(out, "\n{}", style.bold("Detector catalogues"));
    let mut t = Table::new(&["ID", "VERSION", "DETECTORS", "NEGATIVES", "ORIGIN"]);
    for c in &catalogues {
        t.row(vec![
            c.id.into(),
            c.version.into(),
            c.detectors.to_string(),
            c.negatives.to_string(),
            if c.embedded {
                "embedded".into()
            } else {
                c.file.into()
            },
        ]);
    }
    out.push_str(&t.render(2, style));
    if !globals.quiet {
        let _ = writeln!(out, "\n{}", style.dim("`genai-gate policy show ID` lists a pack's controls; `genai-gate explain CONTROL` explains one."));
    }
    print!("{out}");
    Ok(Exit::Ok.into())
}
