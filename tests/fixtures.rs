//! Data-driven end-to-end test: `genai-gate check --format json` on every fixture.
//!
//! For each `fixtures/<name>/` with an `expected.toml`, the real binary runs on the fixture
//! and the test asserts, from the JSON report: the exit code, applicability, the exact set of
//! endpoints, each endpoint's `generates`, the capabilities reached before and after
//! generation (`before` / `after` are "at least these", `absent` is exact), and the status
//! of the controls listed. The whole report is also snapshotted (insta), so any change of
//! output shows up in review.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    exit: i32,
    applicable: bool,
    #[serde(default)]
    endpoint: Vec<ExpectedEndpoint>,
    #[serde(default)]
    controls: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedEndpoint {
    method: String,
    route: String,
    generates: bool,
    #[serde(default)]
    before: Vec<String>,
    #[serde(default)]
    after: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
}

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

fn has_order(ep: &Value, cap: &str, order: Option<&str>) -> bool {
    ep["capabilities"][cap].as_array().is_some_and(|v| {
        v.iter()
            .any(|e| order.is_none() || e["order"].as_str() == order)
    })
}

#[test]
fn every_fixture_meets_its_expectations() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 15,
        "expected at least 15 fixtures, found {}",
        fixtures.len()
    );
    let mut failures = Vec::new();
    let mut snapshots = Vec::new();
    for dir in &fixtures {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let expected: Expected =
            toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap())
                .unwrap_or_else(|e| panic!("{name}/expected.toml: {e}"));
        let (code, stdout) = check(dir, "2");
        let report: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {stdout}"));
        let mut fail = |msg: String| failures.push(format!("{name}: {msg}"));
        if code != expected.exit {
            fail(format!("exit code {code}, expected {}", expected.exit));
        }
        if report["applicable"]["applicable"].as_bool() != Some(expected.applicable) {
            fail(format!(
                "applicable is {}, expected {}",
                report["applicable"]["applicable"], expected.applicable
            ));
        }
        let endpoints = report["endpoints"].as_array().unwrap();
        let mut found: Vec<(String, String)> = endpoints
            .iter()
            .map(|e| {
                (
                    e["method"].as_str().unwrap().to_owned(),
                    e["route"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let mut want: Vec<(String, String)> = expected
            .endpoint
            .iter()
            .map(|e| (e.method.clone(), e.route.clone()))
            .collect();
        found.sort();
        want.sort();
        found.dedup();
        if found != want {
            fail(format!("endpoints {found:?}, expected {want:?}"));
        }
        for e in &expected.endpoint {
            let Some(ep) = endpoints
                .iter()
                .find(|x| x["method"] == e.method.as_str() && x["route"] == e.route.as_str())
            else {
                continue;
            };
            if ep["generates"].as_bool() != Some(e.generates) {
                fail(format!(
                    "{} {}: generates is {}, expected {}",
                    e.method, e.route, ep["generates"], e.generates
                ));
            }
            for cap in &e.before {
                if !has_order(ep, cap, Some("before")) {
                    fail(format!(
                        "{} {}: {cap} not reached before generation",
                        e.method, e.route
                    ));
                }
            }
            for cap in &e.after {
                if !has_order(ep, cap, Some("after")) {
                    fail(format!(
                        "{} {}: {cap} not reached after generation",
                        e.method, e.route
                    ));
                }
            }
            for cap in &e.absent {
                if has_order(ep, cap, None) {
                    fail(format!(
                        "{} {}: {cap} reached, expected absent",
                        e.method, e.route
                    ));
                }
            }
        }
        for (id, status) in &expected.controls {
            let got = report["controls"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id.as_str())
                .map(|c| c["status"].as_str().unwrap_or_default().to_owned());
            if got.as_deref() != Some(status.as_str()) {
                fail(format!("{id} is {got:?}, expected {status}"));
            }
        }
        snapshots.push((name, stdout));
    }
    assert!(
        failures.is_empty(),
        "{} expectation(s) not met:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for (name, stdout) in snapshots {
        insta::with_settings!({ snapshot_suffix => name, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("check_json", stdout);
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
