//! CLI tests: drive the real `genai-gate` binary and snapshot what people see.
//!
//! Every command runs from the workspace root with colour off, so paths in diagnostics are
//! the relative ones a user would type and snapshots are identical on every machine.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

/// The binary, from the workspace root, colour off.
fn gg() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genai-gate"));
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .arg("--color")
        .arg("never");
    cmd
}

fn stdout_of(args: &[&str]) -> String {
    let out = gg()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

fn json_of(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&stdout_of(args)).unwrap()
}

/// `*.toml` files directly in a directory of the workspace, sorted.
fn toml_files(dir: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| format!("{dir}/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    files.sort();
    files
}

/// The controls of the final pack, as `policy show --format json` lists them.
fn final_controls() -> Vec<serde_json::Value> {
    json_of(&["policy", "show", "cn-genai-2023", "--format", "json"])["controls"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn policy_list_human() {
    insta::assert_snapshot!("policy_list_human", stdout_of(&["policy", "list"]));
}

#[test]
fn policy_list_json() {
    let text = stdout_of(&["policy", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ids: Vec<&str> = v["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"cn-genai-2023") && ids.contains(&"cn-genai-2023-draft"),
        "{ids:?}"
    );
    let overlays = v["packs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "overlay")
        .count();
    assert_eq!(overlays, 3, "three sector overlays ship");
    insta::assert_snapshot!("policy_list_json", text);
}

#[test]
fn policy_show_final_pack_json_has_at_least_20_controls() {
    let v = json_of(&["policy", "show", "cn-genai-2023", "--format", "json"]);
    assert_eq!(v["meta"]["id"], "cn-genai-2023");
    let controls = v["controls"].as_array().unwrap();
    assert!(controls.len() >= 20, "only {} controls", controls.len());
    for c in controls {
        assert!(
            !c["citations"].as_array().unwrap().is_empty(),
            "{} has no citation",
            c["id"]
        );
    }
}

#[test]
fn policy_show_final_pack_human() {
    insta::assert_snapshot!(
        "policy_show_final_human",
        stdout_of(&["policy", "show", "cn-genai-2023"])
    );
}

#[test]
fn policy_show_overlay_lists_its_amendments() {
    let out = stdout_of(&["policy", "show", "cn-sector-news"]);
    assert!(out.contains("Amendments of cn-genai-2023"), "{out}");
}

#[test]
fn policy_show_unknown_pack_suggests_the_close_one() {
    gg().args(["policy", "show", "cn-genai-2032"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("unknown pack `cn-genai-2032`")
                .and(predicate::str::contains("did you mean `cn-genai-2023`?")),
        );
}

#[test]
fn explain_works_for_every_control_of_the_final_pack() {
    for c in final_controls() {
        let id = c["id"].as_str().unwrap();
        let citation = c["citations"][0].as_str().unwrap();
        let out = stdout_of(&["explain", id]);
        assert!(
            out.contains(id),
            "explain {id} does not name the control:\n{out}"
        );
        assert!(
            out.contains(citation),
            "explain {id} does not show the citation `{citation}`:\n{out}"
        );
        assert!(
            out.contains("Accepted evidence"),
            "explain {id} shows no evidence:\n{out}"
        );
        let json = json_of(&["explain", id, "--format", "json"]);
        assert_eq!(json["id"], id);
        assert!(
            json["citations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["title"].is_string()),
            "explain {id}: a citation without an article title"
        );
    }
}

#[test]
fn explain_default_profile_says_so() {
    let out = stdout_of(&["explain", "CN-GAI-14.1"]);
    assert!(
        out.contains("embedded default") && out.contains("genai-gate init"),
        "{out}"
    );
    insta::assert_snapshot!("explain_14_1_default", out);
}

#[test]
fn explain_shows_overlay_changes_and_provenance() {
    let dir = tempfile::tempdir().unwrap();
    gg().current_dir(dir.path())
        .args(["init", "--name", "newsroom", "--sector", "news"])
        .assert()
        .success();
    let out = gg()
        .current_dir(dir.path())
        .args(["explain", "CN-GAI-14.2", "--profile", "genai-gate.toml"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("tighten by `cn-sector-news`"), "{out}");
    assert!(out.contains("Provenance"), "{out}");
    insta::assert_snapshot!("explain_14_2_news", out);
}

#[test]
fn explain_public_opinion_control_is_inactive_without_public_opinion() {
    let v = json_of(&["explain", "CN-GAI-17.2", "--format", "json"]);
    assert_eq!(v["active"], false);
    assert!(
        v["inactive_reason"]
            .as_str()
            .unwrap()
            .contains("public-opinion"),
        "{v}"
    );
}

#[test]
fn explain_draft_control_with_pack() {
    let out = stdout_of(&["explain", "CN-GAI-9.1", "--pack", "cn-genai-2023-draft"]);
    assert!(out.to_lowercase().contains("real identity"), "{out}");
    assert!(out.contains("draft only"), "{out}");
}

#[test]
fn explain_unknown_control_exits_2_with_did_you_mean() {
    let assert = gg()
        .args(["explain", "CN-GAI-14.99"])
        .assert()
        .code(2)
        .stdout("");
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("unknown control `CN-GAI-14.99`") && err.contains("did you mean"),
        "{err}"
    );
    insta::assert_snapshot!("explain_unknown", err);
}

#[test]
fn diff_draft_to_final() {
    let out = stdout_of(&["policy", "diff", "cn-genai-2023-draft", "cn-genai-2023"]);
    let section = |from: &str, to: &str| &out[out.find(from).unwrap()..out.find(to).unwrap()];
    let removed = section("Removed (", "Relaxed: ");
    assert!(
        removed.to_lowercase().contains("real identity"),
        "real-identity verification is not listed as removed:\n{removed}"
    );
    assert!(
        removed.contains("profile users"),
        "the profiling ban is not listed as removed:\n{removed}"
    );
    let relaxed = section("Relaxed: ", "From other instruments");
    assert!(
        relaxed.contains("three months") && relaxed.contains("no deadline"),
        "retraining is not shown relaxed (deadline removed):\n{relaxed}"
    );
    let other = section("From other instruments", "Added (");
    for instrument in ["Cybersecurity Law", "Labeling", "TC260-003"] {
        assert!(
            other.contains(instrument),
            "{instrument} is not named as a source:\n{other}"
        );
    }
    let articles = section("Articles of topics", "Removed (");
    for topic in [
        "overseas-providers",
        "penalties",
        "rd-exemption",
        "sector-precedence",
    ] {
        assert!(articles.contains(topic), "{topic} missing:\n{articles}");
    }
    let changed = &out[out.find("Changed (").unwrap()..];
    let filing = &changed[changed
        .find("→ CN-GAI-17.2")
        .expect("filing is not listed as changed")..];
    let filing = &filing[..filing.find("\n  ~ ").unwrap_or(filing.len())];
    assert!(
        filing.contains("applies") && filing.contains("+ public-opinion = true"),
        "filing is not shown narrowed:\n{filing}"
    );
    insta::assert_snapshot!("diff_draft_final", out);
}

#[test]
fn diff_draft_to_final_json() {
    let v = json_of(&[
        "policy",
        "diff",
        "cn-genai-2023-draft",
        "cn-genai-2023",
        "--format",
        "json",
    ]);
    let topics = |list: &serde_json::Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["topic"].as_str().map(str::to_owned))
            .collect()
    };
    let removed = topics(&v["removed"]);
    assert!(removed.contains(&"real-identity".into()), "{removed:?}");
    assert!(removed.contains(&"profiling-ban".into()), "{removed:?}");
    let relaxed: Vec<&str> = v["relaxed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["control"]["topic"].as_str())
        .collect();
    assert!(relaxed.contains(&"model-remediation"), "{relaxed:?}");
    let other = topics(&v["from_other_instruments"]);
    assert!(other.contains(&"log-retention".into()), "{other:?}");
    assert!(!topics(&v["added"]).contains(&"log-retention".into()));
    assert!(
        v["articles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["topic"] == "penalties")
    );
}

#[test]
fn diff_accepts_paths() {
    let out = stdout_of(&[
        "policy",
        "diff",
        "policies/cn-genai-2023-draft.toml",
        "cn-genai-2023",
    ]);
    assert!(
        out.starts_with("cn-genai-2023-draft → cn-genai-2023"),
        "{out}"
    );
}

#[test]
fn validate_each_shipped_file() {
    let mut files = toml_files("policies");
    files.extend(toml_files("policies/sectors"));
    files.extend(toml_files("policies/detectors"));
    assert!(files.len() >= 6, "{files:?}");
    for f in &files {
        gg().args(["policy", "validate", f])
            .assert()
            .success()
            .stdout(predicate::str::contains("✓ 1 file valid"));
    }
    gg().args(["policy", "validate", "policies"])
        .assert()
        .success()
        .stdout(format!("✓ {} files valid\n", files.len()));
}

#[test]
fn init_then_validate() {
    let dir = tempfile::tempdir().unwrap();
    gg().args(["init"])
        .arg(dir.path())
        .args([
            "--name",
            "studio",
            "--modality",
            "text,image",
            "--region",
            "cn",
            "--sector",
            "audiovisual",
            "--serves-minors",
            "--trains-models",
        ])
        .assert()
        .success();
    let path = dir.path().join("genai-gate.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let profile = genai_gate_policy::load_profile(&genai_gate_policy::SourceFile::new(
        "genai-gate.toml",
        text.as_str(),
    ))
    .unwrap();
    assert_eq!(profile.service.name, "studio");
    assert_eq!(profile.service.regions, ["CN"]);
    assert!(
        profile.service.serves_minors
            && profile.service.trains_models
            && !profile.service.public_opinion
    );
    assert_eq!(profile.packs, ["cn-genai-2023", "cn-sector-audiovisual"]);
    for section in [
        "[service]",
        "[policy]",
        "# [[detector]]",
        "# [files]",
        "# [[waiver]]",
    ] {
        assert!(
            text.contains(section),
            "the written profile lacks `{section}`"
        );
    }
    gg().args(["policy", "validate"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("✓ 1 file valid"));
}

#[test]
fn init_default_profile_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    gg().current_dir(dir.path())
        .args(["init", "--name", "chat-api"])
        .assert()
        .success();
    insta::assert_snapshot!(
        "init_default_profile",
        std::fs::read_to_string(dir.path().join("genai-gate.toml")).unwrap()
    );
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    gg().current_dir(dir.path()).arg("init").assert().success();
    gg().current_dir(dir.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("already exists").and(predicate::str::contains("--force")),
        );
    gg().current_dir(dir.path())
        .args(["init", "--force", "--public", "false"])
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("genai-gate.toml")).unwrap();
    assert!(text.contains("public = false"));
}

#[test]
fn init_rejects_an_unknown_modality_as_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    gg().current_dir(dir.path())
        .args(["init", "--modality", "txt"])
        .assert()
        .code(2);
    assert!(!dir.path().join("genai-gate.toml").exists());
}

#[test]
fn misspelt_key_exits_2_naming_key_file_and_line() {
    let assert = gg()
        .args([
            "policy",
            "validate",
            "fixtures/invalid-packs/misspelt-key.toml",
        ])
        .assert()
        .code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("`sevrity`"), "{err}");
    assert!(
        err.contains("fixtures/invalid-packs/misspelt-key.toml:26:"),
        "{err}"
    );
    assert!(err.contains("did you mean `severity`?"), "{err}");
}

#[test]
fn many_errors_are_all_reported() {
    let assert = gg()
        .args([
            "policy",
            "validate",
            "fixtures/invalid-packs/many-errors.toml",
        ])
        .assert()
        .code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let count = err.matches("  × ").count();
    assert!(count >= 6, "expected every error, got {count}:\n{err}");
}

/// Every invalid pack and profile fixture fails validation with exit 2; the rendered
/// diagnostics (colour off) are snapshotted per case.
#[test]
fn invalid_fixtures_are_rejected_with_diagnostics() {
    let mut cases = toml_files("fixtures/invalid-packs");
    cases.extend(toml_files("fixtures/invalid-profiles"));
    assert!(cases.len() >= 10, "{cases:?}");
    for case in cases {
        let assert = gg()
            .args(["policy", "validate", &case])
            .assert()
            .code(2)
            .stdout("");
        let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(
            err.contains(&case),
            "{case}: the diagnostics do not name the file:\n{err}"
        );
        let name = case
            .trim_start_matches("fixtures/")
            .trim_end_matches(".toml")
            .replace('/', "__");
        insta::assert_snapshot!(name, err);
    }
}

#[test]
fn bad_policy_flag_file_fails_every_command() {
    gg().args([
        "--policy",
        "fixtures/invalid-packs/bad-overlay.toml",
        "policy",
        "list",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "amends unknown control `CN-GAI-14.11`",
    ));
}

#[test]
fn policy_flag_adds_an_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = dir.path().join("overlay.toml");
    std::fs::write(
        &overlay,
        r#"[pack]
id = "acme-news"
kind = "overlay"
extends = "cn-genai-2023"
sector = "news"
title = "Acme news rules"
jurisdiction = "CN"
authority = "Acme"
source = "https://example.org"
published = 2024-01-01
version = "1"

[[article]]
ref = "Acme Rule 1"
title = "Stricter labels"

[[amend]]
control = "CN-GAI-12.2"
action = "tighten"
reason = "all our text is news"
citations = ["Acme Rule 1"]
severity = "error"
"#,
    )
    .unwrap();
    let out = String::from_utf8(
        gg().arg("--policy")
            .arg(&overlay)
            .args(["policy", "list"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    assert!(
        out.contains("acme-news") && out.contains(&overlay.display().to_string()),
        "{out}"
    );
    gg().arg("--policy")
        .arg(&overlay)
        .args(["policy", "validate"])
        .arg(&overlay)
        .assert()
        .success();
}

#[test]
fn capabilities_lists_the_vocabulary() {
    let v = json_of(&["policy", "capabilities", "--format", "json"]);
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for required in [
        "generation",
        "moderation.input",
        "moderation.output",
        "generation.stop",
        "label.implicit",
        "filing.display",
        "security.assessment",
    ] {
        assert!(
            names.contains(&required),
            "{required} missing from {names:?}"
        );
    }
    let human = stdout_of(&["policy", "capabilities"]);
    assert!(human.contains("moderation.output"));
}

#[test]
fn schema_prints_all_three() {
    let v = json_of(&["policy", "schema"]);
    for name in [
        "pack.schema.json",
        "catalogue.schema.json",
        "profile.schema.json",
    ] {
        assert!(v[name].is_object(), "{name} missing");
    }
}

#[test]
fn every_command_has_help_with_examples() {
    let commands: &[&[&str]] = &[
        &[],
        &["policy", "list"],
        &["policy", "show"],
        &["policy", "diff"],
        &["policy", "validate"],
        &["policy", "capabilities"],
        &["policy", "schema"],
        &["explain"],
        &["init"],
    ];
    for cmd in commands {
        gg().args(*cmd)
            .arg("--help")
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:"));
    }
}

#[test]
fn usage_errors_exit_2() {
    gg().args(["policy", "frobnicate"]).assert().code(2);
    gg().args(["--color", "sometimes", "policy", "list"])
        .assert()
        .code(2);
    gg().args(["policy", "validate"]).assert().code(2);
}

#[test]
fn colour_follows_the_flag() {
    let never = gg()
        .args([
            "policy",
            "validate",
            "fixtures/invalid-packs/bad-severity.toml",
        ])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(!never.contains(&0x1b), "escape codes with --color never");
    let always = Command::new(env!("CARGO_BIN_EXE_genai-gate"))
        .current_dir(root())
        .args([
            "--color",
            "always",
            "policy",
            "validate",
            "fixtures/invalid-packs/bad-severity.toml",
        ])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        always.contains(&0x1b),
        "no escape codes with --color always"
    );
}

/// README shows `policy diff cn-genai-2023-draft cn-genai-2023`; every line it shows (`…`
/// elides) must be real output, in order, so the README cannot drift from the packs.
#[test]
fn readme_diff_output_is_real() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let command = "$ genai-gate policy diff cn-genai-2023-draft cn-genai-2023\n";
    let start = readme.find(command).expect("README shows no policy diff") + command.len();
    let block = &readme[start..start + readme[start..].find("```").unwrap()];
    let out = stdout_of(&["policy", "diff", "cn-genai-2023-draft", "cn-genai-2023"]);
    let mut lines = out.lines();
    let mut shown = 0;
    for want in block.lines().filter(|l| *l != "…") {
        shown += 1;
        assert!(
            lines.any(|got| got == want),
            "README line not in the output (in order): {want:?}\n\n{out}"
        );
    }
    assert!(shown > 40, "README shows only {shown} lines of the diff");
    let summary = block.lines().next().unwrap();
    assert_eq!(summary, out.lines().next().unwrap(), "the summary line");
}

/// README's `policy list` sample had gone stale (no title column, no catalogues): it must be
/// the command's output, whole.
#[test]
fn readme_policy_list_is_real() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let command = "$ genai-gate policy list\n";
    let start = readme.find(command).expect("README shows no policy list") + command.len();
    let block = &readme[start..start + readme[start..].find("```").unwrap()];
    assert_eq!(block, stdout_of(&["policy", "list"]));
}

/// `policy show` said "applies when the service sector news".
#[test]
fn applicability_reads_as_a_sentence() {
    let out = stdout_of(&["policy", "show", "cn-sector-news"]);
    assert!(
        out.contains("when the service is in the news sector"),
        "{out}"
    );
    assert!(!out.contains("the service sector"), "{out}");
}
