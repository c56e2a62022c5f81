//! Every key and type error of a file at once.
//!
//! serde stops at the first problem, so two misspelt keys used to report one. When
//! deserialising fails, the file's TOML tree (with spans) is checked against the JSON Schema
//! generated from the same raw types ([`crate::schema`]): every unknown key (with a "did you
//! mean"), every value of the wrong type, every missing required key. The checker only adds
//! diagnostics to serde's; serde stays the judge of what loads.

use std::ops::Range;

use serde_json::Value;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, SourceFile};

/// The schema a `#[serde]` raw type is checked against, with its `$defs`.
pub(crate) struct Shape {
    root: Value,
}

impl Shape {
    /// The schema of a raw type.
    pub(crate) fn of<T: schemars::JsonSchema>() -> Shape {
        Shape {
            root: schemars::schema_for!(T).to_value(),
        }
    }

    /// Every shape problem of `source`; empty when it does not parse as TOML (serde reports
    /// the syntax error).
    pub(crate) fn check(&self, source: &SourceFile) -> Vec<Diagnostic> {
        let Ok(doc) = DeTable::parse(&source.text) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let span = doc.span();
        self.table(source, doc.get_ref(), span, &self.root, &mut out);
        out.sort_by_key(|d| d.span.as_ref().map(|s| s.start));
        out
    }

    /// Follows `$ref`.
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix("#/$defs/")
                .and_then(|name| self.root.get("$defs")?.get(name))
                .unwrap_or(schema),
            None => schema,
        }
    }

    fn value(
        &self,
        source: &SourceFile,
        value: &Spanned<DeValue<'_>>,
        schema: &Value,
        out: &mut Vec<Diagnostic>,
    ) {
        let schema = self.resolve(schema);
        // `anyOf` / `oneOf`: the first alternative that takes the value without a problem,
        // else the problems of the first alternative that is not `null`.
        for key in ["anyOf", "oneOf"] {
            if let Some(alts) = schema.get(key).and_then(Value::as_array) {
                let mut first = None;
                for alt in alts {
                    let alt = self.resolve(alt);
                    if alt.get("type").and_then(Value::as_str) == Some("null") {
                        continue;
                    }
                    let mut found = Vec::new();
                    self.value(source, value, alt, &mut found);
                    if found.is_empty() {
                        return;
                    }
                    first.get_or_insert(found);
                }
                out.extend(first.unwrap_or_default());
                return;
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && let DeValue::String(s) = value.get_ref()
        {
            let words: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
            if !words.is_empty() && !words.contains(&s.as_ref()) {
                let help = crate::suggest::did_you_mean(s, words.iter().copied())
                    .map(|w| format!("did you mean `{w}`?"))
                    .unwrap_or_else(|| format!("expected one of: {}", words.join(", ")));
                out.push(diagnostic(
                    source,
                    value.span(),
                    format!("unknown variant `{s}`, expected one of {}", quoted(&words)),
                    Some(help),
                ));
            }
            return;
        }
        if let Some(c) = schema.get("const").and_then(Value::as_str) {
            if !matches!(value.get_ref(), DeValue::String(s) if s == c) {
                out.push(diagnostic(
                    source,
                    value.span(),
                    format!("invalid value: {}, expected `{c}`", found(value.get_ref())),
                    None,
                ));
            }
            return;
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return,
        };
        let fits = |t: &str| match (t, value.get_ref()) {
            // Dates are written as TOML dates; their schema says string.
            ("string", DeValue::String(_) | DeValue::Datetime(_)) => true,
            ("boolean", DeValue::Boolean(_)) => true,
            ("integer", DeValue::Integer(_)) => true,
            ("number", DeValue::Integer(_) | DeValue::Float(_)) => true,
            ("array", DeValue::Array(_)) => true,
            ("object", DeValue::Table(_)) => true,
            _ => false,
        };
        let Some(t) = types.iter().copied().find(|t| fits(t)) else {
            let expected = types
                .iter()
                .filter(|t| **t != "null")
                .map(|t| expected(t))
                .collect::<Vec<_>>()
                .join(" or ");
            out.push(diagnostic(
                source,
                value.span(),
                format!(
                    "invalid type: {}, expected {expected}",
                    found(value.get_ref())
                ),
                None,
            ));
            return;
        };
        match (t, value.get_ref()) {
            ("array", DeValue::Array(items)) => {
                if let Some(item) = schema.get("items") {
                    for v in items.iter() {
                        self.value(source, v, item, out);
                    }
                }
            }
            ("object", DeValue::Table(table)) => {
                self.table(source, table, value.span(), schema, out);
            }
            _ => {}
        }
    }

    fn table(
        &self,
        source: &SourceFile,
        table: &DeTable<'_>,
        span: Range<usize>,
        schema: &Value,
        out: &mut Vec<Diagnostic>,
    ) {
        let schema = self.resolve(schema);
        let empty = serde_json::Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let extra = schema.get("additionalProperties");
        // A misspelt required key is reported once, as the unknown key it is.
        let mut suggested = Vec::new();
        for (key, value) in table.iter() {
            match props.get(key.get_ref().as_ref()) {
                Some(s) => self.value(source, value, s, out),
                None => match extra {
                    Some(Value::Bool(false)) => {
                        let names: Vec<&str> = props.keys().map(String::as_str).collect();
                        let message = format!(
                            "unknown field `{}`, expected {}",
                            key.get_ref(),
                            one_of(&names)
                        );
                        let close =
                            crate::suggest::did_you_mean(key.get_ref(), names.iter().copied());
                        suggested.extend(close);
                        let help = close
                            .map(|n| format!("did you mean `{n}`?"))
                            .or_else(|| Some(format!("expected one of: {}", names.join(", "))));
                        out.push(diagnostic(source, key.span(), message, help));
                    }
                    Some(s @ Value::Object(_)) => self.value(source, value, s, out),
                    _ => {}
                },
            }
        }
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !suggested.contains(&name) && !table.iter().any(|(k, _)| k.get_ref() == name) {
                    out.push(diagnostic(
                        source,
                        span.clone(),
                        format!("missing field `{name}`"),
                        None,
                    ));
                }
            }
        }
    }
}

fn diagnostic(
    source: &SourceFile,
    span: Range<usize>,
    message: String,
    help: Option<String>,
) -> Diagnostic {
    Diagnostic {
        file: source.name.clone(),
        line: Some(source.line_of(span.start)),
        span: Some(span),
        message,
        help,
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// serde's wording: "`a`", "`a` or `b`", "one of `a`, `b`, `c`".
fn one_of(names: &[&str]) -> String {
    match names {
        [] => "no fields".to_owned(),
        [one] => format!("`{one}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        many => format!("one of {}", quoted(many)),
    }
}

fn expected(t: &str) -> &'static str {
    match t {
        "string" => "a string",
        "boolean" => "a boolean",
        "integer" => "an integer",
        "number" => "a number",
        "array" => "an array",
        "object" => "a table",
        _ => "something else",
    }
}

fn found(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("string {s:?}"),
        DeValue::Integer(i) => format!("integer `{}`", i.as_str()),
        DeValue::Float(f) => format!("float `{}`", f.as_str()),
        DeValue::Boolean(b) => format!("boolean `{b}`"),
        DeValue::Datetime(d) => format!("datetime `{d}`"),
        DeValue::Array(_) => "an array".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checker agrees with serde on every shipped file and loading fixture: no problem
    /// where serde finds none.
    #[test]
    fn valid_files_have_no_shape_problem() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files: Vec<(String, String)> = crate::set::EMBEDDED
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect();
        for dir in std::fs::read_dir(root.join("fixtures")).unwrap() {
            let p = dir.unwrap().path().join("genai-gate.toml");
            if let Ok(text) = std::fs::read_to_string(&p) {
                files.push((p.display().to_string(), text));
            }
        }
        for (name, text) in files {
            let src = SourceFile::new(name.clone(), text);
            let found = match crate::set::file_kind(&src.text) {
                Some(crate::set::FileKind::Pack) => Shape::of::<crate::raw::RawPack>().check(&src),
                Some(crate::set::FileKind::Catalogue) => {
                    Shape::of::<crate::raw::RawCatalogue>().check(&src)
                }
                Some(crate::set::FileKind::Profile) => {
                    Shape::of::<crate::raw::RawProfile>().check(&src)
                }
                None => continue,
            };
            assert!(found.is_empty(), "{name}: {found:#?}");
        }
    }

    #[test]
    fn every_unknown_key_and_wrong_type_is_found() {
        let src = SourceFile::new(
            "genai-gate.toml",
            "[service]\nnmae = \"x\"\npublic = \"yes\"\nregions = [\"CN\"]\nmodalitys = [\"text\"]\n\n[[waiver]]\ncontrol = \"CN-GAI-4.1\"\nreson = \"r\"\n",
        );
        let found: Vec<(Option<usize>, String)> = Shape::of::<crate::raw::RawProfile>()
            .check(&src)
            .into_iter()
            .map(|d| (d.line, d.message))
            .collect();
        let lines: Vec<Option<usize>> = found.iter().map(|f| f.0).collect();
        assert!(lines.contains(&Some(2)), "{found:?}");
        assert!(lines.contains(&Some(3)), "{found:?}");
        assert!(lines.contains(&Some(5)), "{found:?}");
        assert!(lines.contains(&Some(9)), "{found:?}");
        assert!(
            found
                .iter()
                .any(|(_, m)| m == "invalid type: string \"yes\", expected a boolean"),
            "{found:?}"
        );
        // `name` is missing because it is misspelt: reported once, as the unknown `nmae`.
        assert!(
            !found.iter().any(|(_, m)| m.starts_with("missing field")),
            "{found:?}"
        );
        let src = SourceFile::new("genai-gate.toml", "[service]\npublic = true\n");
        let missing: Vec<String> = Shape::of::<crate::raw::RawProfile>()
            .check(&src)
            .into_iter()
            .map(|d| d.message)
            .collect();
        assert!(
            missing.contains(&"missing field `name`".to_owned()),
            "{missing:?}"
        );
    }
}
