//! `policy diff`: scope, articles and controls that changed between two packs.

use std::fmt::Write;
use std::process::ExitCode;

use genai_gate_policy::diff::with_overlay;
use genai_gate_policy::{PackDiff, control_order, diff_packs};

use super::{DiffArgs, pack_arg, print_json};
use crate::table::{MAX_WIDTH, Style, wrap};
use crate::{Exit, Format, Globals};

fn cref_line(c: &genai_gate_policy::diff::ControlRef) -> String {
    let mut s = format!("{}  {}", c.id, c.title);
    if !c.citations.is_empty() {
        s.push_str(&format!("  ({})", c.citations.join("; ")));
    }
    if c.draft_only {
        s.push_str("  [draft only]");
    }
    s
}

/// List-valued fields (rendered `a; b` by the library) one item a line, the rest whole.
fn field_lines<'a>(field: &str, value: &'a str) -> Vec<&'a str> {
    match field {
        "requirements" | "citations" if !value.is_empty() => value.split("; ").collect(),
        _ => vec![value],
    }
}

/// One old or new value under a changed field, wrapped with a hanging indent.
fn marked(out: &mut String, mark: &str, text: &str) {
    let wrapped = wrap(text, 10, MAX_WIDTH);
    if wrapped.is_empty() {
        let _ = writeln!(out, "        {mark} (none)");
    }
    for (i, line) in wrapped.lines().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "        {mark} {}", &line[10..]);
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// A pack-level field one line a value, wrapped with a hanging indent.
fn pack_field(out: &mut String, mark: &str, text: &str) {
    for (i, line) in wrap(text, 6, MAX_WIDTH).lines().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "    {mark} {}", &line[6..]);
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Sorts a diff's lists by control id so output does not depend on pack order.
fn sort_diff(d: &mut PackDiff) {
    d.removed.sort_by(|a, b| control_order(&a.id, &b.id));
    d.relaxed
        .sort_by(|a, b| control_order(&a.control.id, &b.control.id));
    d.added.sort_by(|a, b| control_order(&a.id, &b.id));
    d.from_other_instruments
        .sort_by(|a, b| control_order(&a.id, &b.id));
    d.changed.sort_by(|a, b| {
        control_order(&a.new.id, &b.new.id).then_with(|| control_order(&a.old.id, &b.old.id))
    });
}

/// Renders a diff for people. With `overlay` (the new side is a base with an overlay
/// applied), the diff is what the overlay adds and amends.
fn render_diff(d: &PackDiff, style: Style, overlay: bool) -> String {
    let mut out = String::new();
    if overlay && d.removed.is_empty() && d.relaxed.is_empty() {
        let _ = writeln!(
            out,
            "{} → {}: {} added, {} amended, {} unchanged",
            style.bold(&d.old),
            style.bold(&d.new),
            d.added.len(),
            d.changed.len(),
            d.unchanged
        );
    } else {
        let _ = writeln!(
            out,
            "{} → {}: {} removed, {} relaxed, {} added, {} from other instruments, {} changed, {} unchanged",
            style.bold(&d.old),
            style.bold(&d.new),
            d.removed.len(),
            d.relaxed.len(),
            d.added.len(),
            d.from_other_instruments.len(),
            d.changed.len(),
            d.unchanged
        );
    }
    if !d.pack.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Pack"));
        for f in &d.pack {
            let _ = writeln!(out, "  {}", f.field);
            pack_field(&mut out, "-", &f.old);
            pack_field(&mut out, "+", &f.new);
        }
    }
    if !d.articles.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!(
                "Articles of topics no control encodes ({})",
                d.articles.len()
            ))
        );
        for a in &d.articles {
            let mark = match (a.old.is_empty(), a.new.is_empty()) {
                (true, _) => "+",
                (_, true) => "-",
                _ => "~",
            };
            let _ = writeln!(out, "  {mark} {}", a.topic);
            for r in &a.old {
                marked(&mut out, "-", &format!("{} — {}", r.citation, r.title));
            }
            for r in &a.new {
                marked(&mut out, "+", &format!("{} — {}", r.citation, r.title));
            }
        }
    }
    if overlay && d.removed.is_empty() && d.relaxed.is_empty() {
        return render_overlay(d, style, out);
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!("Removed ({})", d.removed.len()))
    );
    for c in &d.removed {
        let _ = writeln!(out, "  - {}", cref_line(c));
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "Relaxed: kept by {} without a control ({})",
            d.new,
            d.relaxed.len()
        ))
    );
    for r in &d.relaxed {
        let _ = writeln!(out, "  ~ {}", cref_line(&r.control));
        for k in &r.kept_by {
            marked(&mut out, "+", &format!("{} — {}", k.citation, k.title));
        }
        if let Some(note) = &r.note {
            marked(&mut out, "·", note);
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "From other instruments: not added by {} ({})",
            d.new,
            d.from_other_instruments.len()
        ))
    );
    for c in &d.from_other_instruments {
        let _ = writeln!(out, "  + {}", cref_line(c));
        marked(
            &mut out,
            "·",
            &format!("rests on {}", c.other_instruments.join("; ")),
        );
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!("Added ({})", d.added.len()))
    );
    for c in &d.added {
        let _ = writeln!(out, "  + {}", cref_line(c));
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!("Changed ({})", d.changed.len()))
    );
    changed(d, &mut out);
    out
}

/// The controls an overlay adds and the base controls it amends, field by field.
fn render_overlay(d: &PackDiff, style: Style, mut out: String) -> String {
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!("Added ({})", d.added.len()))
    );
    for c in &d.added {
        let _ = writeln!(out, "  + {}", cref_line(c));
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!("Amended ({})", d.changed.len()))
    );
    changed(d, &mut out);
    out
}

/// The changed controls, field by field.
fn changed(d: &PackDiff, out: &mut String) {
    for c in &d.changed {
        let head = if c.old.id == c.new.id {
            c.new.id.clone()
        } else {
            format!("{} → {}", c.old.id, c.new.id)
        };
        let _ = writeln!(out, "  ~ {}  {}", head, c.new.title);
        for f in &c.fields {
            let _ = writeln!(out, "      {}", f.field);
            for line in field_lines(&f.field, &f.old) {
                marked(out, "-", line);
            }
            for line in field_lines(&f.field, &f.new) {
                marked(out, "+", line);
            }
        }
    }
}

/// Runs `policy diff`.
pub(super) fn diff(args: &DiffArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    let set = globals.policy_set()?;
    // An overlay holds only what it adds and amends: compare the pack it makes of its base.
    let effective = |p: genai_gate_policy::Pack| -> anyhow::Result<genai_gate_policy::Pack> {
        if p.meta.kind != genai_gate_policy::PackKind::Overlay {
            return Ok(p);
        }
        with_overlay(&set, &p).ok_or_else(|| {
            anyhow::anyhow!(
                "overlay `{}` extends `{}`, which is not loaded",
                p.meta.id,
                p.meta.extends.as_deref().unwrap_or("?")
            )
        })
    };
    let old = effective(pack_arg(&set, &args.old)?)?;
    let new = pack_arg(&set, &args.new)?;
    let new_kind = new.meta.kind;
    let new = effective(new)?;
    let mut d = diff_packs(&old, &new);
    if new_kind == genai_gate_policy::PackKind::Overlay {
        // What an overlay defines is what it adds, whatever instrument it rests on.
        let mut other = std::mem::take(&mut d.from_other_instruments);
        d.added.append(&mut other);
    }
    sort_diff(&mut d);
    if args.format == Format::Json {
        return print_json(&d);
    }
    print!(
        "{}",
        render_diff(
            &d,
            Style {
                color: globals.color_stdout
            },
            new_kind == genai_gate_policy::PackKind::Overlay,
        )
    );
    Ok(Exit::Ok.into())
}
