//! The pre-commit hook, run by the real framework: `pre-commit try-repo <this repository>
//! genai-gate --all-files` in a temporary git repository holding a fixture service. It must
//! fail on a service with a gap and pass on a compliant one.
//!
//! Uses `pre-commit` from `PRE_COMMIT`, else installs it from PyPI into `tools/venv` on first use.

mod common;
use common::copy_dir;

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

/// `$PRE_COMMIT`, else installed into `tools/venv` on first use.
fn pre_commit() -> PathBuf {
    common::PRE_COMMIT.path()
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args([
            "-c",
            "user.name=genai-gate tests",
            "-c",
            "user.email=tests@genai-gate.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

fn try_repo(fixture: &str) -> (bool, String) {
    try_repo_with(fixture, |_| {})
}

/// `try_repo` on a fixture changed by `change` before it is committed.
fn try_repo_with(fixture: &str, change: impl FnOnce(&Path)) -> (bool, String) {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join(fixture);
    copy_dir(&repo_root().join("fixtures").join(fixture), &work);
    std::fs::remove_file(work.join("expected.toml")).unwrap();
    change(&work);
    git(&work, &["init", "-q"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "service"]);
    // One pre-commit home and cargo target for both runs, so the hook is built once.
    let cache = repo_root().join("target").join("pre-commit");
    let out = Command::new(pre_commit())
        .args(["try-repo"])
        .arg(repo_root())
        .args(["genai-gate", "--all-files", "--color", "never"])
        .current_dir(&work)
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env("PRE_COMMIT_HOME", cache.join("home"))
        .env("CARGO_TARGET_DIR", cache.join("target"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn pre_commit_hook_fails_on_a_gap_and_passes_when_compliant() {
    let (ok, out) = try_repo("demo-service");
    assert!(!ok, "the hook must fail on demo-service:\n{out}");
    assert!(
        out.contains("genai-gate") && out.contains("Failed"),
        "{out}"
    );
    assert!(
        out.contains("CN-GAI-4.2"),
        "the hook shows the findings:\n{out}"
    );

    let (ok, out) = try_repo("compliant-chat");
    assert!(ok, "the hook must pass on compliant-chat:\n{out}");
    assert!(out.contains("Passed"), "{out}");
}

/// Issue 13, item 4: the hook fails closed, even outside CI. A handler file padded past the
/// size cap is not analysed, so it cannot let the hook pass.
#[test]
fn pre_commit_hook_fails_closed_on_a_file_it_could_not_analyse() {
    let (ok, out) = try_repo_with("compliant-chat", |work| {
        let padded = format!(
            "pub async fn draft(s: State, b: String) -> String {{ s.llm.chat().create(b).await }}\n{}",
            "// padding padding padding padding padding padding padding padding\n".repeat(40_000)
        );
        std::fs::write(work.join("src/padded.rs"), padded).unwrap();
    });
    assert!(!ok, "the hook must fail:\n{out}");
    assert!(
        out.contains("scan/not-analysed") && out.contains("src/padded.rs"),
        "{out}"
    );
}
