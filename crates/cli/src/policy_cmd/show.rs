//! `policy show`: a pack's metadata, articles, controls and amendments.

use std::fmt::Write;
use std::process::ExitCode;

use genai_gate_policy::diff::render_requirement;
use genai_gate_policy::{Pack, control_order};

use super::{ShowArgs, applies_text, pack_arg, print_json};
use crate::table::{MAX_WIDTH, Style, Table, fields, wrap};
use crate::{Exit, Format, Globals};

fn sorted_controls(p: &Pack) -> Vec<&genai_gate_policy::Control> {
    let mut controls: Vec<_> = p.controls.iter().collect();
    controls.sort_by(|a, b| control_order(&a.id, &b.id));
    controls
}

fn scope_text(p: &Pack) -> Option<String> {
    let s = p.meta.scope.as_ref()?;
    let who = match s.public {
        Some(true) => "public services",
        Some(false) => "non-public services",
        None => "public and non-public services",
    };
    let where_ = if s.regions.is_empty() {
        "anywhere".to_owned()
    } else {
        format!("offered in {}", s.regions.join(", "))
    };
    Some(format!(
        "{who} {where_} ({})\nexempt: {}",
        s.citation, s.exemption
    ))
}

/// Runs `policy show`.
pub(super) fn show(args: &ShowArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    let set = globals.policy_set()?;
    let pack = pack_arg(&set, &args.pack)?;
    if args.format == Format::Json {
        return print_json(&pack);
    }
    let style = Style {
        color: globals.color_stdout,
    };
    let m = &pack.meta;
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", style.bold(&m.id), m.title);
    let mut meta: Vec<(&str, String)> = vec![
        ("kind", m.kind.to_string()),
        ("version", m.version.clone()),
        ("jurisdiction", m.jurisdiction.clone()),
        ("authority", m.authority.clone()),
        ("source", m.source.clone()),
        ("published", m.published.clone()),
        (
            "effective",
            m.effective.clone().unwrap_or_else(|| "not in force".into()),
        ),
        ("as of", m.as_of.clone()),
    ];
    if let Some(e) = &m.extends {
        meta.push(("extends", e.clone()));
    }
    if let Some(s) = m.sector {
        meta.push(("sector", s.to_string()));
    }
    if !m.supersedes.is_empty() {
        meta.push(("supersedes", m.supersedes.join(", ")));
    }
    if !m.superseded_by.is_empty() {
        meta.push(("superseded by", m.superseded_by.join(", ")));
    }
    if let Some(s) = scope_text(&pack) {
        meta.push(("scope", s));
    }
    meta.push((
        "origin",
        if pack.embedded {
            format!("embedded ({})", pack.file)
        } else {
            pack.file.clone()
        },
    ));
    out.push_str(&fields(2, &meta));
    if let Some(note) = &m.note {
        out.push('\n');
        out.push_str(&wrap(note, 2, MAX_WIDTH));
    }

    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!("Articles ({})", pack.articles.len()))
    );
    let articles: Vec<(&str, String)> = pack
        .articles
        .iter()
        .map(|a| {
            let mut v = a.title.clone();
            if let Some(i) = a.instrument_text() {
                v.push_str(&format!("\n{}", style.dim(&format!("({i})"))));
            }
            if let Some(f) = &a.formerly {
                v.push_str(&format!("\n{}", style.dim(&format!("formerly {f}"))));
            }
            for p in &a.parts {
                if let Some(t) = &p.title {
                    v.push_str(&format!("\n{}  {t}", p.reference));
                }
            }
            (a.reference.as_str(), v)
        })
        .collect();
    out.push_str(&fields(2, &articles));

    let controls = sorted_controls(&pack);
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!("Controls ({})", controls.len()))
    );
    if !controls.is_empty() {
        let mut t = Table::new(&["ID", "SEVERITY", "SCOPE", "TITLE"]);
        for c in &controls {
            let title = if c.draft_only {
                format!("{} [draft only]", c.title)
            } else {
                c.title.clone()
            };
            t.row(vec![
                c.id.clone(),
                style.severity(c.severity),
                c.scope.to_string(),
                title,
            ]);
        }
        out.push_str(&t.render(2, style));
    }
    for c in &controls {
        let _ = writeln!(out, "\n{}  {}", style.bold(&c.id), c.title);
        let mut f: Vec<(&str, String)> = vec![
            ("citations", c.citations.join("\n")),
            ("severity", style.severity(c.severity)),
            ("scope", c.scope.to_string()),
            ("applies", applies_text(&c.applies)),
            (
                "requires",
                c.requirements
                    .iter()
                    .map(render_requirement)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        ];
        if let Some(t) = &c.topic {
            f.push(("topic", t.clone()));
        }
        if c.draft_only {
            f.push(("draft only", "yes: the final text dropped this duty".into()));
        }
        f.push(("obligation", c.obligation.clone()));
        if let Some(note) = &c.note {
            f.push(("note", note.clone()));
        }
        out.push_str(&fields(2, &f));
    }

    if !pack.amendments.is_empty() {
        let mut amendments: Vec<_> = pack.amendments.iter().collect();
        amendments.sort_by(|a, b| control_order(&a.control, &b.control));
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!(
                "Amendments of {} ({})",
                m.extends.as_deref().unwrap_or("the base pack"),
                amendments.len()
            ))
        );
        for a in amendments {
            let _ = writeln!(out, "\n{}  {}", style.bold(&a.control), a.action);
            let mut f: Vec<(&str, String)> = vec![
                ("reason", a.reason.clone()),
                ("citations", a.citations.join("\n")),
            ];
            if let Some(s) = a.severity {
                f.push(("severity", style.severity(s)));
            }
            if let Some(t) = &a.title {
                f.push(("title", t.clone()));
            }
            if let Some(s) = a.scope {
                f.push(("scope", s.to_string()));
            }
            if let Some(ap) = &a.applies {
                f.push(("applies", applies_text(ap)));
            }
            if !a.requirements.is_empty() {
                f.push((
                    "requires",
                    a.requirements
                        .iter()
                        .map(render_requirement)
                        .collect::<Vec<_>>()
                        .join("\n"),
                ));
            }
            if let Some(o) = &a.obligation {
                f.push(("obligation", o.clone()));
            }
            out.push_str(&fields(2, &f));
        }
    }
    print!("{out}");
    Ok(Exit::Ok.into())
}
