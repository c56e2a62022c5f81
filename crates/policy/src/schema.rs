//! JSON Schemas of the pack, catalogue and profile formats, generated from the raw types.

/// The committed schema files: `(file name under policies/schema/, schema JSON)`.
///
/// ```
/// let schemas = genai_gate_policy::schema::all();
/// assert!(schemas.iter().any(|(name, _)| *name == "profile.schema.json"));
/// ```
pub fn all() -> Vec<(&'static str, String)> {
    let render = |s: schemars::Schema| serde_json::to_string_pretty(&s).unwrap_or_default() + "\n";
    vec![
        (
            "pack.schema.json",
            render(schemars::schema_for!(crate::raw::RawPack)),
        ),
        (
            "catalogue.schema.json",
            render(schemars::schema_for!(crate::raw::RawCatalogue)),
        ),
        (
            "profile.schema.json",
            render(schemars::schema_for!(crate::raw::RawProfile)),
        ),
    ]
}
