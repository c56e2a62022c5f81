//! Weakenings of the profile: the service, its scope, the files scanned, the pack lists and
//! the waivers.

use genai_gate_policy::Waiver;

use super::{TamperInput, Weakening, line_of_key};

pub(super) fn compare(inp: &TamperInput) -> Vec<Weakening> {
    let (old, new) = (&inp.base.profile, &inp.head.profile);
    let at = |key: &str| line_of_key(inp.head_text, key);
    let mut out = Vec::new();
    let mut push = |message: String, line: u32| out.push(Weakening::at_line(message, line));
    let (o, n) = (&old.service, &new.service);
    if o.public && !n.public {
        push(
            "service made non-public: `public` changed from true to false".into(),
            at("public"),
        );
    }
    if old.in_prc() && !new.in_prc() {
        push(
            format!(
                "service moved out of the PRC: `regions` changed from {:?} to {:?}",
                o.regions, n.regions
            ),
            at("regions"),
        );
    }
    for s in o.sectors.iter().filter(|s| !n.sectors.contains(s)) {
        push(
            format!("sector `{s}` dropped from `sectors`"),
            at("sectors"),
        );
    }
    for m in o.modalities.iter().filter(|m| !n.modalities.contains(m)) {
        push(
            format!("modality `{m}` dropped from `modalities`"),
            at("modalities"),
        );
    }
    for (key, was, now) in [
        ("public-opinion", o.public_opinion, n.public_opinion),
        ("serves-minors", o.serves_minors, n.serves_minors),
        ("trains-models", o.trains_models, n.trains_models),
    ] {
        if was && !now {
            push(format!("`{key}` changed from true to false"), at(key));
        }
    }
    if old.strict && !new.strict {
        push("`strict` changed from true to false".into(), at("strict"));
    }
    for g in new
        .files
        .exclude
        .iter()
        .filter(|g| !old.files.exclude.contains(g))
    {
        push(format!("`{g}` excluded from the scan"), at("exclude"));
    }
    for g in new
        .files
        .include
        .iter()
        .filter(|g| !old.files.include.contains(g))
    {
        push(format!("scan narrowed to include `{g}`"), at("include"));
    }
    let cap = |f: &genai_gate_policy::profile::FileSelection| {
        f.max_file_size
            .unwrap_or(crate::walk::DEFAULT_MAX_FILE_SIZE)
    };
    if cap(&new.files) < cap(&old.files) {
        push(
            format!(
                "`max-file-size` lowered from {} to {} bytes: larger files are not analysed",
                cap(&old.files),
                cap(&new.files)
            ),
            at("max-file-size"),
        );
    }
    for p in old.packs.iter().filter(|p| !new.packs.contains(p)) {
        push(
            format!("pack `{p}` removed from `[policy] packs`"),
            at("packs"),
        );
    }
    for p in old.load.iter().filter(|p| !new.load.contains(p)) {
        push(
            format!("pack file `{p}` removed from `[policy] load`"),
            at("load"),
        );
    }
    for id in inp
        .base_loaded
        .iter()
        .filter(|i| !inp.head_loaded.contains(i))
    {
        push(format!("local pack `{id}` removed"), at("load"));
    }
    out.extend(waivers(&old.waivers, &new.waivers));
    out
}

/// A waiver of the change weakens the gate unless, for each of its paths, a waiver of the
/// base of the same control already covered that path (an empty path list covers every
/// path) until at least the same date.
fn waivers(old: &[Waiver], new: &[Waiver]) -> Vec<Weakening> {
    let mut out = Vec::new();
    for w in new {
        let line = w.location.line as u32;
        let olds: Vec<&Waiver> = old.iter().filter(|x| x.control == w.control).collect();
        if olds.is_empty() {
            out.push(Weakening::at_line(
                format!(
                    "waiver of `{}` added (owner {}, expires {})",
                    w.control, w.owner, w.expires
                ),
                line,
            ));
            continue;
        }
        // `None` stands for "every path".
        let paths: Vec<Option<&String>> = if w.paths.is_empty() {
            vec![None]
        } else {
            w.paths.iter().map(Some).collect()
        };
        let covers = |x: &Waiver, p: Option<&String>| {
            x.paths.is_empty() || p.is_some_and(|p| x.paths.contains(p))
        };
        let mut widened = Vec::new();
        let mut extended: Option<&str> = None;
        for p in &paths {
            let latest = olds
                .iter()
                .filter(|x| covers(x, *p))
                .map(|x| x.expires.as_str())
                .max();
            match latest {
                None => widened.push(p.map_or("every path".to_owned(), |p| format!("`{p}`"))),
                Some(e) if e < w.expires.as_str() => {
                    extended = Some(extended.map_or(e, |x: &str| x.min(e)));
                }
                Some(_) => {}
            }
        }
        if !widened.is_empty() {
            out.push(Weakening::at_line(
                format!(
                    "waiver of `{}` widened to {}",
                    w.control,
                    widened.join(", ")
                ),
                line,
            ));
        } else if let Some(from) = extended {
            let scope = if w.paths.is_empty() {
                String::new()
            } else {
                let ps: Vec<String> = w.paths.iter().map(|p| format!("`{p}`")).collect();
                format!(" for {}", ps.join(", "))
            };
            out.push(Weakening::at_line(
                format!(
                    "waiver of `{}`{scope} extended from {from} to {}",
                    w.control, w.expires
                ),
                line,
            ));
        }
    }
    out
}
