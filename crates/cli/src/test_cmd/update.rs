//! `genai-gate test --update`: the actual results written as the new expectation, in place, so
//! that the diff a reviewer reads is only what changed — comments, key order and layout stay.

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, Value};

use super::expect::{Expectation, ExpectedEndpoint, to_toml};

/// Sets `key` of `table` to `value`, keeping the comment and spacing of the old value.
fn set(table: &mut Table, key: &str, mut value: Value) {
    match table.get_mut(key) {
        Some(item) => {
            if let Some(old) = item.as_value() {
                *value.decor_mut() = old.decor().clone();
            }
            *item = Item::Value(value);
        }
        None => {
            table.insert(key, Item::Value(value));
        }
    }
}

fn strings(v: &[String]) -> Value {
    Value::Array(v.iter().map(String::as_str).collect::<Array>())
}

fn endpoint_table(old: Option<&Table>, ep: &ExpectedEndpoint) -> Table {
    let mut t = old.cloned().unwrap_or_default();
    set(&mut t, "method", ep.method.as_str().into());
    set(&mut t, "route", ep.route.as_str().into());
    set(&mut t, "generates", ep.generates.into());
    for (key, v) in [
        ("before", &ep.before),
        ("after", &ep.after),
        ("absent", &ep.absent),
    ] {
        if t.contains_key(key) || !v.is_empty() {
            set(&mut t, key, strings(v));
        }
    }
    t
}

/// The text of `expected.toml` after writing `actual` into `text` (whose parsed form is
/// `expected`, `None` for a case recorded for the first time).
pub fn rewrite(text: &str, expected: Option<&Expectation>, actual: &Expectation) -> String {
    let Some(_) = expected else {
        let mut out = text.trim_end().to_owned();
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&to_toml(actual));
        return out;
    };
    let Ok(mut doc) = text.parse::<DocumentMut>() else {
        return to_toml(actual);
    };
    let root = doc.as_table_mut();
    set(root, "exit", i64::from(actual.exit).into());
    match actual.applicable {
        Some(a) => set(root, "applicable", a.into()),
        None => {
            root.remove("applicable");
        }
    }
    // Endpoints: each kept table updated in place (its comments stay), new ones appended.
    let old: Vec<Table> = root
        .get("endpoint")
        .and_then(Item::as_array_of_tables)
        .map(|a| a.iter().cloned().collect())
        .unwrap_or_default();
    let mut endpoints = ArrayOfTables::new();
    for ep in &actual.endpoint {
        let same = old.iter().find(|t| {
            t.get("method").and_then(Item::as_str) == Some(&ep.method)
                && t.get("route").and_then(Item::as_str) == Some(&ep.route)
        });
        endpoints.push(endpoint_table(same, ep));
    }
    if endpoints.is_empty() {
        root.remove("endpoint");
    } else {
        root.insert("endpoint", Item::ArrayOfTables(endpoints));
    }
    // Controls: values replaced in place, vanished ones removed, new ones appended.
    if actual.controls.is_empty() {
        root.remove("controls");
    } else {
        if !root.contains_key("controls") {
            root.insert("controls", Item::Table(Table::new()));
        }
        if let Some(controls) = root.get_mut("controls").and_then(Item::as_table_mut) {
            let gone: Vec<String> = controls
                .iter()
                .map(|(k, _)| k.to_owned())
                .filter(|k| !actual.controls.contains_key(k))
                .collect();
            for k in gone {
                controls.remove(&k);
            }
            let mut ids: Vec<&String> = actual.controls.keys().collect();
            ids.sort_by(|a, b| genai_gate_policy::control_order(a, b));
            for id in ids {
                set(controls, id, actual.controls[id].as_str().into());
            }
        }
    }
    // Findings: the list of the controls named, as found.
    let mut findings = ArrayOfTables::new();
    for f in &actual.finding {
        let mut t = Table::new();
        t.insert("control", toml_edit::value(f.control.as_str()));
        if let Some(file) = &f.file {
            t.insert("file", toml_edit::value(file.as_str()));
        }
        if let Some(line) = f.line {
            t.insert("line", toml_edit::value(i64::from(line)));
        }
        findings.push(t);
    }
    if findings.is_empty() {
        root.remove("finding");
    } else {
        root.insert("finding", Item::ArrayOfTables(findings));
    }
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_layout_survive_an_update() {
        let text = "# what the case shows\nexit = 0\napplicable = true\n\n[[endpoint]]\nmethod = \"POST\"\nroute = \"/chat\"\ngenerates = true   # by route\nbefore = [\"moderation.input\"]\n\n[controls]\n\"CN-GAI-4.1\" = \"pass\"   # screened\n";
        let expected: Expectation = toml::from_str(text).unwrap();
        let mut actual = expected.clone();
        actual.exit = 1;
        actual.controls.insert("CN-GAI-4.1".into(), "fail".into());
        actual.endpoint[0].before.clear();
        actual.endpoint[0].absent = vec!["moderation.input".into()];
        let out = rewrite(text, Some(&expected), &actual);
        assert_eq!(
            out,
            "# what the case shows\nexit = 1\napplicable = true\n\n[[endpoint]]\nmethod = \"POST\"\nroute = \"/chat\"\ngenerates = true   # by route\nbefore = []\nabsent = [\"moderation.input\"]\n\n[controls]\n\"CN-GAI-4.1\" = \"fail\"   # screened\n"
        );
        let back: Expectation = toml::from_str(&out).unwrap();
        assert_eq!(back, actual);
    }
}
