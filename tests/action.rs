//! The GitHub Action, run locally the way the runner runs it: the `check` step of
//! `action.yml` is read from the file, its `${{ }}` expressions are filled in as the runner
//! would (inputs, `runner.temp`, the pull request's base), and its `run` script is executed by
//! bash with `GITHUB_ACTIONS`, `GITHUB_WORKSPACE`, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`
//! set. The build step (`cargo install`) is stood in for by the binary cargo built for the
//! tests; `tests/precommit.rs` covers installing from this repository.

mod common;
use common::copy_dir;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

struct Run {
    status: i32,
    stdout: String,
    summary: String,
    outputs: BTreeMap<String, String>,
    workspace: tempfile::TempDir,
    /// Kept alive for what the step wrote under `RUNNER_TEMP`.
    _runner_temp: tempfile::TempDir,
}

fn run_action(fixture: &str, inputs: &[(&str, &str)]) -> Run {
    run_action_with(fixture, inputs, |_| None)
}

/// `run_action` on a fixture changed by `change` first; when `change` returns a commit, the
/// run is a `pull_request` event with that base commit.
fn run_action_with(
    fixture: &str,
    inputs: &[(&str, &str)],
    change: impl FnOnce(&Path) -> Option<String>,
) -> Run {
    let action: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(repo_root().join("action.yml")).unwrap())
            .unwrap();
    let steps = action["runs"]["steps"].as_array().unwrap();
    let step = steps
        .iter()
        .find(|s| s["id"] == "check")
        .expect("a step with id `check`");
    let mut values: BTreeMap<String, String> = action["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                format!("inputs.{k}"),
                v["default"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (k, v) in inputs {
        assert!(
            values.contains_key(&format!("inputs.{k}")),
            "action.yml has no input `{k}`"
        );
        values.insert(format!("inputs.{k}"), (*v).to_owned());
    }
    let workspace = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_root().join("fixtures").join(fixture),
        workspace.path(),
    );
    let pr_base = change(workspace.path());
    let runner_temp = tempfile::tempdir().unwrap();
    values.insert(
        "runner.temp".into(),
        runner_temp.path().display().to_string(),
    );
    values.insert(
        "github.event.pull_request.base.sha".into(),
        pr_base.unwrap_or_default(),
    );
    values.insert(
        "github.action_path".into(),
        repo_root().display().to_string(),
    );

    // The install step leaves the binary under runner.temp; stand in with cargo's build.
    let bin_dir = runner_temp.path().join("genai-gate-bin/bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::copy(
        assert_cmd::cargo::cargo_bin("genai-gate"),
        bin_dir.join("genai-gate"),
    )
    .unwrap();

    let fill = |text: &str| -> String {
        let mut out = text.to_owned();
        while let Some(start) = out.find("${{") {
            let end = out[start..]
                .find("}}")
                .map(|e| start + e + 2)
                .expect("closed expression");
            let expr = out[start + 3..end - 2].trim().to_owned();
            let value = values
                .get(&expr)
                .unwrap_or_else(|| panic!("the test does not know `${{{{ {expr} }}}}`"));
            out.replace_range(start..end, value);
        }
        out
    };
    let run = step["run"].as_str().unwrap();
    assert!(
        !run.contains("${{"),
        "inputs reach the script through env:, never by interpolation"
    );
    let output_file = runner_temp.path().join("github_output");
    let summary_file = runner_temp.path().join("step_summary");
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(run).current_dir(workspace.path());
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", runner_temp.path());
    for (k, v) in step["env"].as_object().unwrap() {
        cmd.env(k, fill(v.as_str().unwrap()));
    }
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_ACTION_PATH", repo_root())
        .env("GITHUB_WORKSPACE", workspace.path())
        .env("RUNNER_TEMP", runner_temp.path())
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_STEP_SUMMARY", &summary_file);
    let out = cmd.output().unwrap();
    let outputs = std::fs::read_to_string(&output_file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        summary: std::fs::read_to_string(&summary_file).unwrap_or_default(),
        outputs,
        workspace,
        _runner_temp: runner_temp,
    }
}

#[test]
fn failing_service_gets_annotations_summary_outputs_and_sarif() {
    let r = run_action("demo-service", &[]);
    assert_eq!(r.status, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("::error file=src/routes.rs,line="),
        "annotations on stdout:\n{}",
        r.stdout
    );
    assert!(r.stdout.contains("CN-GAI-4.2"), "{}", r.stdout);
    assert!(
        r.summary.contains("CN-GAI-4.2"),
        "the job summary has the matrix:\n{}",
        r.summary
    );
    let findings: usize = r.outputs["findings"].parse().unwrap();
    assert!(findings > 0);
    assert!(
        r.outputs["failed-controls"]
            .split(',')
            .any(|c| c == "CN-GAI-4.2"),
        "{:?}",
        r.outputs
    );
    assert!(
        r.outputs["compliance-score"].parse::<f64>().is_ok(),
        "{:?}",
        r.outputs
    );
    assert_eq!(r.outputs["sarif-file"], "genai-gate.sarif");
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(r.workspace.path().join("genai-gate.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn compliant_service_passes_with_no_findings() {
    let r = run_action("compliant-chat", &[("sarif-file", "out.sarif")]);
    assert_eq!(r.status, 0, "{}", r.stdout);
    assert!(!r.stdout.contains("::error"), "{}", r.stdout);
    // Notes may remain (the keyword-library note); none of them fails the step.
    let findings: usize = r.outputs["findings"].parse().unwrap();
    assert_eq!(
        findings,
        r.stdout.matches("::warning").count() + r.stdout.matches("::notice").count(),
        "{}",
        r.stdout
    );
    let failed: Vec<&str> = r.outputs["failed-controls"].split(',').collect();
    assert!(
        ["CN-GAI-4.1", "CN-GAI-4.2", "CN-GAI-14.1", "CN-GAI-14.2"]
            .iter()
            .all(|c| !failed.contains(c)),
        "{:?}",
        r.outputs
    );
    assert_eq!(r.outputs["sarif-file"], "out.sarif");
    assert!(r.workspace.path().join("out.sarif").is_file());
}

#[test]
fn fail_on_and_extra_args_reach_the_cli() {
    // compliant-chat has notes or warnings only; failing on notes makes the step fail.
    let r = run_action(
        "compliant-chat",
        &[("fail-on", "note"), ("extra-args", "--jobs 1")],
    );
    let lower = r.stdout.contains("::warning") || r.stdout.contains("::notice");
    assert_eq!(r.status, if lower { 1 } else { 0 }, "{}", r.stdout);
}

/// Issue 13, item 4: the Action fails closed. A handler file padded past the size cap is not
/// analysed, so it cannot let the step pass.
#[test]
fn the_action_fails_closed_on_a_file_it_could_not_analyse() {
    let r = run_action_with("compliant-chat", &[], |w| {
        let padded = format!(
            "pub async fn draft(s: State, b: String) -> String {{ s.llm.chat().create(b).await }}\n{}",
            "// padding padding padding padding padding padding padding padding\n".repeat(40_000)
        );
        std::fs::write(w.join("src/padded.rs"), padded).unwrap();
        None
    });
    assert_eq!(r.status, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("::error file=src/padded.rs") && r.stdout.contains("scan/not-analysed"),
        "{}",
        r.stdout
    );
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A pull request on compliant-chat whose base profile loads a local catalogue by a relative
/// path, and whose change makes the service non-public (so nothing would apply) while adding
/// an unmoderated endpoint. Returns the base commit.
fn weakening_pull_request(w: &Path) -> Option<String> {
    std::fs::create_dir_all(w.join("policy")).unwrap();
    std::fs::write(
        w.join("policy/acme.toml"),
        "[catalogue]\nid = \"acme\"\nversion = \"1\"\ndescription = \"acme\"\n\n[[detector]]\nid = \"acme.guard\"\ncapability = \"moderation.output\"\ndescription = \"x\"\ncalls = [\"*::acme_safety::Guard::review\"]\n",
    )
    .unwrap();
    let profile = w.join("genai-gate.toml");
    let text = std::fs::read_to_string(&profile).unwrap();
    std::fs::write(
        &profile,
        text.replace("[policy]\n", "[policy]\nload = [\"policy\"]\n"),
    )
    .unwrap();
    git(w, &["init", "-q", "-b", "main"]);
    git(w, &["add", "-A"]);
    git(w, &["commit", "-q", "-m", "base"]);
    let base = git(w, &["rev-parse", "HEAD"]);
    let text = std::fs::read_to_string(&profile).unwrap();
    std::fs::write(&profile, text.replace("public = true", "public = false")).unwrap();
    std::fs::write(
        w.join("src/draft.rs"),
        "pub async fn draft(s: State, b: String) -> String { s.llm.chat().create(b).await }\n",
    )
    .unwrap();
    let main = std::fs::read_to_string(w.join("src/main.rs")).unwrap();
    std::fs::write(
        w.join("src/main.rs"),
        main.replace("mod admin;", "mod draft;\nmod admin;")
            .replace(
                ".route(\"/health\"",
                ".route(\"/v1/draft\", post(draft::draft))\n        .route(\"/health\"",
            ),
    )
    .unwrap();
    git(w, &["add", "-A"]);
    git(w, &["commit", "-q", "-m", "pull request"]);
    Some(base)
}

/// Issue 13, item 6: on a pull request the Action takes the profile (and what it loads, by
/// relative paths) from the base commit, and still reports the change's weakening.
#[test]
fn a_pull_request_cannot_rewrite_its_own_gate() {
    let r = run_action_with("compliant-chat", &[], weakening_pull_request);
    assert_eq!(r.status, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("::error file=src/draft.rs") && r.stdout.contains("CN-GAI-4.1"),
        "the base profile applies, so the new endpoint fails:\n{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("GATE-TAMPER") && r.stdout.contains("service made non-public"),
        "the change to the gate is reported:\n{}",
        r.stdout
    );
    // Asked to take the profile from the head, the weakening is still a failing finding.
    let r = run_action_with(
        "compliant-chat",
        &[("profile-from", "head")],
        weakening_pull_request,
    );
    assert_eq!(r.status, 1, "{}", r.stdout);
    assert!(r.stdout.contains("service made non-public"), "{}", r.stdout);
}

#[test]
fn the_html_report_is_written_for_the_upload_step_when_asked() {
    let r = run_action("demo-service", &[]);
    assert!(!r.outputs.contains_key("html-report"), "off by default");
    let r = run_action("demo-service", &[("html-report", "true")]);
    assert_eq!(r.status, 1, "{}", r.stdout);
    let path = &r.outputs["html-report"];
    assert!(
        path.ends_with("genai-gate-report/genai-gate-report.html"),
        "{path}"
    );
    let page = std::fs::read_to_string(path).unwrap();
    assert!(page.contains("Fails the gate"), "the report was written");
    // The upload step runs only when asked, and uploads what the check step wrote.
    let action: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(repo_root().join("action.yml")).unwrap())
            .unwrap();
    let upload = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("an upload step");
    assert!(
        upload["if"]
            .as_str()
            .unwrap()
            .contains("inputs.html-report == 'true'")
    );
    assert_eq!(
        upload["with"]["path"],
        "${{ steps.check.outputs.html-report }}"
    );
    let r = run_action("demo-service", &[("html-report", "yes")]);
    assert_eq!(r.status, 2, "{}", r.stdout);
}
