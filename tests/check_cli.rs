//! `genai-gate check` driven as a user would: exit codes, human output, JSON keys, errors.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

fn gg() -> Command {
    let mut c = common::genai_gate();
    c.current_dir(root())
        .env_remove("NO_COLOR")
        .arg("--color")
        .arg("never");
    c
}

fn json(args: &[&str]) -> (i32, Value) {
    let out = gg()
        .arg("check")
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[test]
fn demo_service_fails_with_snippets_articles_and_help() {
    let out = gg()
        .args(["check", "fixtures/demo-service"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty(), "human output goes to stderr");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("no genai-gate.toml found"),
        "the default profile is announced:\n{err}"
    );
    assert!(err.contains("genai-gate init"));
    assert!(
        err.contains(
            "output of `chat().create_stream` reaches the response without output moderation"
        ),
        "{err}"
    );
    assert!(
        err.contains("43 │ pub async fn chat("),
        "a snippet of the handler is shown:\n{err}"
    );
    assert!(
        err.contains("generation call `chat().create_stream`"),
        "the generation call is labelled"
    );
    assert!(err.contains("cited: Art. 4(1); Art. 9 ¶1; Deep Synthesis Art. 10"));
    assert!(
        err.contains("`audit.retention_days = 90` does not satisfy `@log-retention-days >= 184`")
    );
    assert!(
        err.contains("POST    /v1/chat/completions"),
        "endpoint table:\n{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.split_whitespace().take(2).eq(["CN-GAI-14.2", "pass"])),
        "control summary:\n{err}"
    );
    assert!(
        err.contains("; 10 findings (8 errors, 1 warning, 1 note)"),
        "the closing count, singular where it is one:\n{err}"
    );
}

#[test]
fn json_report_has_the_documented_keys() {
    let (code, r) = json(&["fixtures/demo-service"]);
    assert_eq!(code, 1);
    for key in [
        "schema_version",
        "tool",
        "profile",
        "packs",
        "applicable",
        "endpoints",
        "controls",
        "findings",
        "diagnostics",
    ] {
        assert!(r.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(r["schema_version"], 2);
    assert_eq!(r["tool"]["name"], "genai-gate");
    assert_eq!(r["profile"]["default"], true);
    assert_eq!(r["packs"][0]["id"], "cn-genai-2023");
    let chat = r["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["route"] == "/v1/chat/completions")
        .unwrap();
    assert_eq!(chat["method"], "POST");
    assert_eq!(chat["handler"], "demo_chat::routes::chat");
    assert_eq!(chat["file"], "src/routes.rs");
    assert_eq!(chat["generates"], true);
    assert_eq!(
        chat["capabilities"]["moderation.input"][0]["file"], "src/moderation.rs",
        "evidence points into the callee"
    );
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "CN-GAI-4.2")
        .unwrap();
    assert_eq!(f["endpoint"]["route"], "/v1/chat/completions");
    assert_eq!(f["severity"], "error");
    assert!(f["line"].as_u64().unwrap() > 0);
    let c = r["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "CN-GAI-14.2")
        .unwrap();
    assert_eq!(c["status"], "pass");
    assert!(
        !c["evidence"].as_array().unwrap().is_empty(),
        "a pass carries its evidence"
    );
}

#[test]
fn fail_on_decides_the_exit_code() {
    // compliant-chat has no error finding; its warnings and notes fail only at lower levels.
    let (code, r) = json(&["fixtures/compliant-chat"]);
    assert_eq!(code, 0, "{:#}", r["findings"]);
    let lower = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["severity"] != "error");
    let code = gg()
        .args(["check", "fixtures/compliant-chat", "--fail-on", "note"])
        .output()
        .unwrap()
        .status
        .code()
        .unwrap();
    assert_eq!(code, if lower { 1 } else { 0 });
}

#[test]
fn exempt_service_is_a_clean_pass_that_says_why() {
    let out = gg()
        .args(["check", "fixtures/internal-rnd"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("not applicable (Art. 2 exemption)"), "{err}");
}

#[test]
fn unparsable_file_is_reported_and_the_scan_goes_on() {
    let (code, r) = json(&["fixtures/parse-error"]);
    assert_eq!(code, 1);
    let d = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "parse-error")
        .unwrap();
    assert_eq!(d["file"], "src/chat.rs");
    assert!(d["line"].as_u64().unwrap() > 0);
    assert!(
        r["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["route"] == "/health"),
        "the rest of the scan is intact"
    );
    let c = r["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "CN-GAI-4.1")
        .unwrap();
    assert_eq!(
        c["status"], "not-observable",
        "never pass when the handler could not be read"
    );
}

#[test]
fn bad_profile_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("genai-gate.toml"),
        "[service]\nname = \"x\"\npublic = true\nregions = [\"CN\"]\nmodalities = [\"txt\"]\n",
    )
    .unwrap();
    let out = gg()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("unknown modality `txt`"), "{err}");
    assert!(err.contains("did you mean `text`?"), "{err}");
    assert!(err.contains("genai-gate.toml:5"), "{err}");
}

#[test]
fn missing_directory_is_a_usage_error() {
    gg().args(["check", "no/such/dir"]).assert().code(2);
}

/// The verdict of one control of `check --format json` on a repository made of `files`.
fn verdict_of(files: &[(&str, &str)], control: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = gg()
        .arg("check")
        .args(["--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    r["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == control)
        .unwrap_or_else(|| panic!("{control} missing from {r}"))
        .clone()
}

/// CN-GAI-14.4 once read any key ending in `retention_days`, so a long prompt retention
/// (`privacy.prompt_retention_days = 400`) passed it while the audit log was kept 30 days.
#[test]
fn prompt_retention_does_not_satisfy_log_retention() {
    let both = "[audit]\nretention_days = 30\n\n[privacy]\nprompt_retention_days = 400\n";
    let c = verdict_of(&[("config/settings.toml", both)], "CN-GAI-14.4");
    assert_eq!(c["status"], "fail", "{c}");
    let reason = c["reason"].as_str().unwrap();
    assert!(
        reason
            .contains("`audit.retention_days = 30` does not satisfy `@log-retention-days >= 184`"),
        "{reason}"
    );
    // The look-alike alone is no evidence at all.
    let prompt_only = "[privacy]\nprompt_retention_days = 400\n";
    let c = verdict_of(&[("config/settings.toml", prompt_only)], "CN-GAI-14.4");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("no config key read by"),
        "{c}"
    );
}

/// "Not less than six months" is 184 days (the longest six-month span), not 180.
#[test]
fn log_retention_needs_184_days() {
    for (days, status) in [(180, "fail"), (183, "fail"), (184, "pass"), (365, "pass")] {
        let config = format!("[audit]\nretention_days = {days}\n");
        let c = verdict_of(&[("config/settings.toml", &config)], "CN-GAI-14.4");
        assert_eq!(c["status"], status, "{days} days: {c}");
    }
}

/// A shorter retention of any log store fails, whatever another store says.
#[test]
fn a_shorter_log_retention_anywhere_fails() {
    let c = verdict_of(
        &[
            ("config/settings.toml", "[audit]\nretention_days = 365\n"),
            (".env.example", "LOG_RETENTION_DAYS=30\n"),
        ],
        "CN-GAI-14.4",
    );
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("LOG_RETENTION_DAYS = \"30\""),
        "{c}"
    );
    let c = verdict_of(
        &[
            ("config/settings.toml", "[audit]\nretention_days = 365\n"),
            (".env.example", "LOG_RETENTION_DAYS=200\n"),
        ],
        "CN-GAI-14.4",
    );
    assert_eq!(c["status"], "pass", "{c}");
}

/// Helm templates and JSON with comments are not the service's configuration: a note, not a
/// `config-error` (issue 11).
#[test]
fn templated_yaml_and_jsonc_are_skipped_as_not_config() {
    let (_, r) = json(&["fixtures/unlocated-site"]);
    let diags = r["diagnostics"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = diags
        .iter()
        .map(|d| (d["kind"].as_str().unwrap(), d["file"].as_str().unwrap()))
        .collect();
    assert!(
        kinds.contains(&("not-config", "chart/templates/deployment.yaml")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("not-config", "web/tsconfig.json")),
        "{kinds:?}"
    );
    assert!(
        !kinds.iter().any(|(k, _)| *k == "config-error"),
        "{kinds:?}"
    );
    // The chart's values are plain YAML and still read.
    assert_eq!(r["stats"]["config_files"].as_u64(), Some(4));
}

/// Without a located generation site, before and after mean nothing: evidence on the path is
/// neither pass nor fail, and the report says the site is missing (issue 11).
#[test]
fn an_unlocated_generation_site_makes_order_sensitive_controls_not_observable() {
    let (_, r) = json(&["fixtures/unlocated-site"]);
    let ep = &r["endpoints"][0];
    assert_eq!(ep["generates"], true);
    assert_eq!(ep["generation"]["sites"].as_array().unwrap().len(), 0);
    let status = |id: &str| {
        r["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("CN-GAI-4.1"), "not-observable");
    assert_eq!(status("CN-GAI-14.2"), "fail");
}
