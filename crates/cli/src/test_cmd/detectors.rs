//! Detector unit tests (`[[detector.test]]` in a catalogue): the detector's code patterns, with
//! the catalogues' traps, run on a snippet of Rust the way the scanner runs them on a file.

use genai_gate_policy::{Detector, DetectorTest, Negative};
use genai_gate_scan::facts::matcher::Matcher;
use genai_gate_scan::frontend::rust::{RustInput, extract};

/// Name of the function a snippet of statements is read as the body of.
const WRAPPER: &str = "genai_gate_detector_test";

/// What the detector matched in the snippet: one label per event (`moderations().create`), or
/// why the snippet could not be read.
pub fn matches(
    detector: &Detector,
    negatives: &[Negative],
    test: &DetectorTest,
) -> Result<Vec<String>, String> {
    let read = |text: &str| {
        extract(&RustInput {
            rel_path: "detector-test.rs",
            text,
            crate_name: "detector_test",
            module: "detector_test",
            is_test_file: false,
        })
    };
    // Items as written; otherwise statements, as the body of an async function.
    let mut facts = read(&test.code);
    if let Some(first) = facts.parse_error.take() {
        let wrapped = format!("async fn {WRAPPER}() {{\n{}\n}}\n", test.code);
        facts = read(&wrapped);
        if facts.parse_error.is_some() {
            return Err(format!(
                "the code does not parse as items nor as statements: {} (line {})",
                first.message, first.line
            ));
        }
    }
    let matcher = Matcher::new(std::slice::from_ref(detector), negatives);
    let mut labels = Vec::new();
    let mut hits = Vec::new();
    for func in facts.functions.iter().filter(|f| !f.is_test) {
        for ev in &func.events {
            hits.clear();
            matcher.hits(&ev.kind, &mut hits);
            if !hits.is_empty() {
                let label = ev.kind.label();
                if !labels.contains(&label) {
                    labels.push(label);
                }
            }
        }
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use genai_gate_policy::{Capability, CodePatterns, Location};

    fn test(code: &str) -> DetectorTest {
        DetectorTest {
            code: code.into(),
            expect: true,
            location: Location {
                file: "t.toml".into(),
                span: 0..0,
                line: 1,
            },
        }
    }

    #[test]
    fn statements_are_read_as_a_function_body_and_traps_veto() {
        let d = Detector::new(
            "openai.moderations",
            Capability::ModerationInput,
            CodePatterns {
                methods: vec![vec!["moderations".into(), "create".into()]],
                types: vec!["ContentFilter".into()],
                ..Default::default()
            },
        );
        let got = matches(
            &d,
            &[],
            &test("let r = client.moderations().create(req).await?;"),
        );
        assert_eq!(got.unwrap(), vec!["moderations().create".to_owned()]);
        let trap = Negative {
            id: "finish-reason".into(),
            reason: "the provider's verdict".into(),
            capabilities: vec![],
            code: CodePatterns {
                types: vec!["FinishReason::ContentFilter".into()],
                ..Default::default()
            },
            location: test("").location,
        };
        let got = matches(
            &d,
            &[trap],
            &test("if reason == FinishReason::ContentFilter { return; }"),
        );
        assert_eq!(got.unwrap(), Vec::<String>::new());
        assert!(matches(&d, &[], &test("fn (")).is_err());
    }
}
