//! "Another linter" embedding genai-gate: it loads the shipped packs, registers detectors for
//! its company's in-house moderation client in code, scans a repository and prints findings
//! in its own one-line format.
//!
//! ```text
//! cargo run -p genai-gate-scan --example other_linter -- fixtures/inhouse-profile-detector
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use genai_gate_policy::{Capability, CodePatterns, Detector, PolicySet, Profile, resolve};
use genai_gate_scan::{ScanOptions, Status, scan_with};

fn main() -> ExitCode {
    let root = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let set = match PolicySet::embedded() {
        Ok(set) => set,
        Err(e) => {
            eprintln!("acme-lint: {e}");
            return ExitCode::from(2);
        }
    };
    // Our in-house safety service: `guard.review(subject, text)`. The same call screens
    // prompts and completions; genai-gate decides which by where it sits around the model call.
    let mut profile = Profile::default_profile();
    let review = CodePatterns {
        methods: vec![vec!["review".into()]],
        ..Default::default()
    };
    profile.detectors.push(Detector::new(
        "acme.guard.input",
        Capability::ModerationInput,
        review.clone(),
    ));
    profile.detectors.push(Detector::new(
        "acme.guard.output",
        Capability::ModerationOutput,
        review,
    ));

    let policy = match resolve(&set, profile, true, None) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("acme-lint: {e}");
            return ExitCode::from(2);
        }
    };
    let report = match scan_with(
        &policy,
        &root,
        &ScanOptions {
            jobs: Some(1),
            ..Default::default()
        },
    ) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("acme-lint: {e}");
            return ExitCode::from(2);
        }
    };
    for e in report.endpoints.iter().filter(|e| e.generates) {
        let screened: Vec<&str> = e
            .capabilities
            .keys()
            .map(String::as_str)
            .filter(|c| c.starts_with("moderation."))
            .collect();
        println!(
            "acme-lint endpoint {} {} screened by [{}]",
            e.method,
            e.route,
            screened.join(", ")
        );
    }
    for f in &report.findings {
        let place = match (&f.file, f.line) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            _ => "<repository>".to_owned(),
        };
        println!(
            "acme-lint [{}/{}] {place}: {}",
            f.severity, f.control, f.message
        );
    }
    let passed = report
        .controls
        .iter()
        .filter(|c| c.status == Status::Pass)
        .count();
    println!(
        "acme-lint summary: {} findings, {passed} controls pass",
        report.findings.len()
    );
    if report.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
