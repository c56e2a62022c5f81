//! Data-driven end-to-end test: every fixture through `genai-gate test`, the command pack and
//! detector authors use on their own cases, so the `expected.toml` format is proved here.
//!
//! `genai-gate test fixtures policies` checks each `fixtures/<name>/` with an `expected.toml`
//! as `check` would (exit code, applicability, the exact set of endpoints, each endpoint's
//! `generates`, the capabilities reached before and after generation — `before` / `after` are
//! "at least these", `absent` is exact —, the status of the controls listed, the findings of the
//! controls named in `[[finding]]`) and runs the `[[detector.test]]`s of the shipped catalogue.
//! The whole JSON report of each fixture is also snapshotted (insta), so any change of output
//! shows up in review.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

fn fixtures() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.toml").is_file())
        .collect();
    out.sort();
    out
}

fn check(dir: &Path, jobs: &str) -> (i32, String) {
    let out = common::genai_gate()
        .args(["check", "--format", "json", "--jobs", jobs])
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn every_fixture_meets_its_expectations() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 15,
        "expected at least 15 fixtures, found {}",
        fixtures.len()
    );
    let out = common::genai_gate()
        .current_dir(root())
        .args([
            "test", "fixtures", "policies", "--jobs", "2", "--color", "never",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "genai-gate test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for dir in &fixtures {
        let name = dir.file_name().unwrap().to_string_lossy();
        assert!(
            stdout.contains(&format!("test fixtures/{name} ... ok")),
            "{name} was not run:\n{stdout}"
        );
    }
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("test result: ok.") && l.contains(" passed, 0 failed")),
        "{stdout}"
    );
    assert!(
        stdout.contains("core.toml:"),
        "the catalogue's detector tests ran:\n{stdout}"
    );
    for dir in &fixtures {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (_, json) = check(dir, "2");
        insta::with_settings!({ snapshot_suffix => name, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("check_json", json);
        });
    }
}

#[test]
fn sarif_is_identical_for_any_number_of_jobs() {
    let sarif = |dir: &Path, jobs: &str| {
        let out = common::genai_gate()
            .args(["check", "--no-cache", "--format", "sarif", "--jobs", jobs])
            .arg(dir)
            .output()
            .unwrap();
        out.stdout
    };
    for dir in fixtures() {
        assert_eq!(
            sarif(&dir, "1"),
            sarif(&dir, "16"),
            "SARIF differs between --jobs 1 and --jobs 16 on {}",
            dir.display()
        );
    }
}

#[test]
fn output_is_identical_for_any_number_of_jobs() {
    for dir in fixtures() {
        let (code1, one) = check(&dir, "1");
        let (code4, four) = check(&dir, "4");
        assert_eq!(code1, code4, "{}", dir.display());
        assert_eq!(
            one,
            four,
            "JSON differs between --jobs 1 and --jobs 4 on {}",
            dir.display()
        );
    }
}

#[test]
fn the_prefilter_keeps_every_endpoint_verdict_and_finding() {
    let run = |dir: &Path, extra: &[&str]| {
        let out = common::genai_gate()
            .args(["check", "--no-cache", "--format", "json"])
            .args(extra)
            .arg(dir)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), v)
    };
    let mut skipped = 0;
    for dir in fixtures() {
        let (code, full) = run(&dir, &[]);
        let (pre_code, pre) = run(&dir, &["--prefilter"]);
        assert_eq!(code, pre_code, "{}", dir.display());
        for key in ["endpoints", "controls", "findings"] {
            assert_eq!(full[key], pre[key], "{key} differ on {}", dir.display());
        }
        assert_eq!(full["stats"]["rust_lines"], pre["stats"]["rust_lines"]);
        skipped += pre["stats"]["prefiltered_out"].as_u64().unwrap_or(0);
        // Strict mode must see every file: the pre-pass is off.
        let (_, strict) = run(&dir, &["--prefilter", "--strict"]);
        assert!(
            strict["stats"]["prefiltered_out"].is_null(),
            "{}",
            dir.display()
        );
    }
    assert!(
        skipped > 0,
        "no fixture file was left unparsed: the test proves nothing"
    );
    eprintln!("the pre-pass left {skipped} fixture files unparsed");
}
