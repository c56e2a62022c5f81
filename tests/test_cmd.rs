//! `genai-gate test`: cases and detector tests, the failure diff, `--update`, the example pack.

mod common;
use common::{copy_dir, repo_root};

use assert_cmd::Command;

fn gate() -> Command {
    let mut c = Command::cargo_bin("genai-gate").unwrap();
    c.args(["--color", "never"]);
    c
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_failing_case_shows_the_diff_and_update_writes_back_the_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("demo");
    copy_dir(&repo_root().join("fixtures/demo-service"), &case);
    let original = std::fs::read_to_string(case.join("expected.toml")).unwrap();
    let wrong = original
        .replace("\"CN-GAI-14.2\" = \"pass\"", "\"CN-GAI-14.2\" = \"fail\"")
        .replace("exit = 1", "exit = 0");
    std::fs::write(case.join("expected.toml"), &wrong).unwrap();

    let out = gate().arg("test").arg(&case).output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("... FAILED"), "{text}");
    assert!(text.contains("- exit = 0\n+ exit = 1"), "{text}");
    assert!(
        text.contains("- \"CN-GAI-14.2\" = \"fail\"\n+ \"CN-GAI-14.2\" = \"pass\""),
        "{text}"
    );
    assert!(text.contains("0 passed, 1 failed"), "{text}");

    // --update writes the actual results in place: comments and layout survive, so the file
    // is the fixture's again.
    let out = gate()
        .args(["test", "--update"])
        .arg(&case)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("1 updated"), "{}", stdout(&out));
    assert_eq!(
        std::fs::read_to_string(case.join("expected.toml")).unwrap(),
        original
    );
    let out = gate().arg("test").arg(&case).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn an_empty_expectation_is_recorded_by_update() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("new-case");
    copy_dir(&repo_root().join("fixtures/input-only-gap"), &case);
    std::fs::write(case.join("expected.toml"), "# the common gap\n").unwrap();
    let out = gate().arg("test").arg(&case).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("run `genai-gate test --update`"));
    let out = gate()
        .args(["test", "--update"])
        .arg(&case)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let recorded = std::fs::read_to_string(case.join("expected.toml")).unwrap();
    assert!(
        recorded.starts_with("# the common gap\n\nexit = 1\n"),
        "{recorded}"
    );
    assert!(recorded.contains("\"CN-GAI-4.2\" = \"fail\""), "{recorded}");
    assert!(
        recorded.contains("[[finding]]\ncontrol = \"CN-GAI-4.2\""),
        "{recorded}"
    );
    let out = gate().arg("test").arg(&case).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn findings_are_pinned_by_control_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("demo");
    copy_dir(&repo_root().join("fixtures/demo-service"), &case);
    let mut text = std::fs::read_to_string(case.join("expected.toml")).unwrap();
    text.push_str("\n[[finding]]\ncontrol = \"CN-GAI-4.2\"\nfile = \"src/routes.rs\"\nline = 44\n");
    std::fs::write(case.join("expected.toml"), &text).unwrap();
    let out = gate().arg("test").arg(&case).output().unwrap();
    let got = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{got}");
    assert!(got.contains("- line = 44\n+ line = 43"), "{got}");
}

#[test]
fn a_profile_that_does_not_load_is_an_expected_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("broken");
    std::fs::create_dir_all(&case).unwrap();
    std::fs::write(case.join("genai-gate.toml"), "[service]\npublik = true\n").unwrap();
    std::fs::write(case.join("expected.toml"), "exit = 2\n").unwrap();
    let out = gate().arg("test").arg(&case).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    std::fs::write(case.join("expected.toml"), "exit = 0\n").unwrap();
    let out = gate().arg("test").arg(&case).output().unwrap();
    let got = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{got}");
    assert!(got.contains("the check stopped (exit 2)"), "{got}");
    assert!(got.contains("publik"), "{got}");
}

#[test]
fn detector_tests_of_a_catalogue_run_and_fail_with_what_matched() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("acme.toml");
    std::fs::write(
        &cat,
        r#"[catalogue]
id = "acme"
version = "1"

[[detector]]
id = "acme.screen"
capability = "moderation.output"
calls = ["*::acme_safety::screen"]

[[detector.test]]
code = "acme_safety::screen(&reply).await?;"
expect = true

[[detector.test]]
code = "let ok = acme_safety::screen(&reply).await?;"
expect = false

[[detector.test]]
code = "screen(&reply);"
"#,
    )
    .unwrap();
    let out = gate().arg("test").arg(&cat).output().unwrap();
    let got = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{got}");
    assert!(got.contains("acme.toml:11 acme.screen ... ok"), "{got}");
    assert!(
        got.contains("matched `acme_safety::screen`, and must not"),
        "{got}"
    );
    assert!(
        got.contains("matched nothing in:\n    screen(&reply);"),
        "{got}"
    );
    assert!(got.contains("1 passed, 2 failed"), "{got}");
}

#[test]
fn a_test_without_code_patterns_is_a_catalogue_error() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("docs.toml");
    std::fs::write(
        &cat,
        "[catalogue]\nid = \"d\"\nversion = \"1\"\n\n[[detector]]\nid = \"d.doc\"\ncapability = \"complaint.channel\"\ndocuments = [{ paths = [\"docs/complaints.md\"] }]\n\n[[detector.test]]\ncode = \"x()\"\n",
    )
    .unwrap();
    let out = gate()
        .args(["policy", "validate"])
        .arg(&cat)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has a test but no code pattern"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_example_pack_passes_its_own_tests() {
    let out = gate()
        .current_dir(repo_root())
        .args(["test", "examples/custom-pack"])
        .output()
        .unwrap();
    let got = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{got}");
    for line in [
        "running 2 cases, 6 detector tests",
        "test examples/custom-pack/tests/reviewed-draft ... ok",
        "test examples/custom-pack/tests/unreviewed-draft ... ok",
        "test examples/custom-pack/acme-detectors.toml:24 acme.editorial-queue (must not match) ... ok",
    ] {
        assert!(got.contains(line), "missing `{line}`:\n{got}");
    }
}

#[test]
fn nothing_to_test_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = gate().arg("test").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no test found"));
}
