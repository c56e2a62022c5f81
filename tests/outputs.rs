//! Output formats of `genai-gate check`: snapshots of SARIF, GitHub annotations, JUnit and
//! Markdown on fixtures; SARIF validated by Microsoft's multitool with GitHub's rules;
//! `--output` and GitHub Actions auto-selection.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

fn gg() -> Command {
    let mut c = common::genai_gate();
    c.current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .env("GENAI_GATE_TODAY", "2025-06-01")
        .args(["--color", "never"]);
    c
}

fn stdout(args: &[&str]) -> (i32, String) {
    let out = gg().arg("check").args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn each_format_is_snapshotted_on_fixtures() {
    for fixture in [
        "demo-service",
        "compliant-chat",
        "news-sector",
        "waived-service",
    ] {
        let dir = format!("fixtures/{fixture}");
        for format in ["sarif", "github", "junit", "markdown"] {
            let (code, out) = stdout(&["--format", format, &dir]);
            assert!(code == 0 || code == 1, "{fixture} {format}: exit {code}");
            snapshot(&format!("format_{format}@{fixture}"), &out);
        }
    }
}

/// The multitool: `$SARIF_MULTITOOL`, else installed into `tools/` on first use.
fn multitool() -> PathBuf {
    let p = common::SARIF_MULTITOOL.path();
    // npm does not keep the executable bit of the package's binary on every platform.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut perm = std::fs::metadata(&p).unwrap().permissions();
        if perm.mode() & 0o100 == 0 {
            perm.set_mode(perm.mode() | 0o700);
            std::fs::set_permissions(&p, perm).unwrap();
        }
    }
    p
}

fn validate(sarif: &str, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.sarif"));
    std::fs::write(&file, sarif).unwrap();
    let out = Process::new(multitool())
        .args(["validate", "--rule-kind", "Gh;Sarif"])
        .arg(&file)
        .output()
        .expect("run the SARIF multitool");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let errors: Vec<&str> = text.lines().filter(|l| l.contains(": error ")).collect();
    assert!(
        out.status.success() && text.contains("Analysis completed successfully"),
        "{name}: the validator did not complete:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        errors.is_empty(),
        "{name}: SARIF errors:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_passes_the_multitool_with_github_rules() {
    for fixture in [
        "demo-service",
        "compliant-chat",
        "parse-error",
        "news-sector",
    ] {
        let (_, sarif) = stdout(&["--format", "sarif", &format!("fixtures/{fixture}")]);
        validate(&sarif, fixture);
    }
    // Waived and suppressed results, gate findings and baseline states validate too.
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    gg().args(["baseline", "write", "--root", "fixtures/demo-service"])
        .arg(&baseline)
        .assert()
        .code(0);
    let (_, sarif) = stdout(&[
        "--format",
        "sarif",
        "--baseline",
        baseline.to_str().unwrap(),
        "fixtures/waived-service",
    ]);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["suppressions"][0]["kind"] == "external"),
        "a waiver is an external suppression"
    );
    assert!(
        results
            .iter()
            .any(|r| r["suppressions"][0]["kind"] == "inSource")
    );
    validate(&sarif, "waived-service");
}

#[test]
fn sarif_has_rules_fingerprints_and_relative_uris() {
    let (_, sarif) = stdout(&["--format", "sarif", "fixtures/demo-service"]);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = rules.iter().find(|r| r["id"] == "CN-GAI-4.1").unwrap();
    assert!(
        rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("Art. 4(1)")
    );
    assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
    assert_eq!(rule["properties"]["pack"], "cn-genai-2023");
    for r in run["results"].as_array().unwrap() {
        let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(loc["uriBaseId"], "%SRCROOT%");
        assert!(!loc["uri"].as_str().unwrap().starts_with('/'));
        assert_eq!(
            r["partialFingerprints"]["genaiGate/v1"]
                .as_str()
                .unwrap()
                .len(),
            32
        );
    }
}

#[test]
fn outputs_write_several_formats_and_keep_the_human_view_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out/report.sarif");
    let junit = dir.path().join("report.xml");
    let out = gg()
        .args(["check", "fixtures/demo-service", "--output"])
        .arg(format!("sarif={}", sarif.display()))
        .arg("--output")
        .arg(format!("junit={}", junit.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing on stdout without --format");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("Controls"), "human view on stderr:\n{err}");
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"cn-genai-2023\""));
    assert!(xml.contains("CN-GAI-4.1 POST /v1/images/generations"));

    let bad = gg()
        .args(["check", "fixtures/demo-service", "--output", "yaml=x"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn github_actions_selects_annotations_summary_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let outputs = dir.path().join("outputs.txt");
    let sarif = dir.path().join("r.sarif");
    let out = gg()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .args(["check", "fixtures/demo-service", "--output"])
        .arg(format!("sarif={}", sarif.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    // The default-profile notice first (issue 14, item 12), then the findings.
    assert!(
        stdout.starts_with("::notice title=genai-gate%3A default profile::"),
        "{stdout}"
    );
    assert!(
        stdout.lines().nth(1).unwrap().starts_with(
            "::error file=config/settings.toml,line=11,endLine=11,title=CN-GAI-14.4::"
        ),
        "{stdout}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.contains("### Compliance by article"));
    assert!(summary.contains("| Art. 4 | ❌ fail |"));
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    assert!(outputs.contains("findings=10\n"), "{outputs}");
    assert!(outputs.contains("failed-controls=CN-GAI-4.1,"));
    assert!(outputs.contains("compliance-score="));
    assert!(outputs.contains(&format!("files={}\n", sarif.display())));

    // An explicit --format wins over GITHUB_ACTIONS.
    let out = gg()
        .env("GITHUB_ACTIONS", "true")
        .args(["check", "--format", "json", "fixtures/demo-service"])
        .output()
        .unwrap();
    let _: Value = serde_json::from_slice(&out.stdout).unwrap();
}

#[test]
fn annotations_escape_newlines_commas_and_colons() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"odd\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(
        src.join("a,b:c.rs"),
        "use axum::{routing::post, Router};\nfn app() -> Router { Router::new().route(\"/v1/chat\", post(chat)) }\nasync fn chat(state: State, req: Req) -> String {\n    state.client.chat().create(req).await.unwrap()\n}\n",
    )
    .unwrap();
    let out = gg()
        .args(["check", "--format", "github"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("title=CN-GAI-4.1"))
        .expect("an annotation for the handler");
    assert!(
        line.starts_with("::error file=src/a%2Cb%3Ac.rs,line=3,"),
        "{line}"
    );
    assert!(line.contains("%0Ahelp: "), "newlines are escaped: {line}");
    assert_eq!(text.lines().count(), text.matches("\n::").count() + 1);
}
