//! What a new user hits in the first hour (issue 14): the toolchain the README names,
//! discovery of the profile, the short output modes, completions and man pages, and the
//! messages of common mistakes. Each test drives the real binary.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    common::repo_root()
}

/// The binary with colour off and no CI environment (several flags behave differently in CI).
fn gg(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("genai-gate").unwrap();
    c.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GENAI_GATE_TODAY")
        .args(["--color", "never"]);
    c
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Parses `a.b` or `a.b.c` into a comparable triple.
fn version(v: &str) -> (u32, u32, u32) {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// README once said "Rust 1.85 or newer" while serde-saphyr 2.2 needs 1.89: the workspace's
/// `rust-version` must be what the locked dependencies (for this platform) declare they need,
/// and README must say the same.
#[test]
fn rust_version_is_what_the_locked_dependencies_need() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let host = String::from_utf8(
        std::process::Command::new("rustc")
            .arg("-vV")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .lines()
    .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
    .unwrap();
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo metadata: {}", stderr(&out));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let members: Vec<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    let mut need = ((0, 0, 0), String::new());
    let mut ours = None;
    for p in meta["packages"].as_array().unwrap() {
        let Some(rv) = p["rust_version"].as_str() else {
            continue;
        };
        if members.contains(&p["id"].as_str().unwrap()) {
            ours = Some(rv.to_owned());
        } else if version(rv) > need.0 {
            need = (version(rv), format!("{} {}", p["name"], p["version"]));
        }
    }
    let ours = ours.expect("the workspace sets rust-version");
    assert_eq!(
        version(&ours),
        need.0,
        "rust-version is {ours}, but {} needs {:?}",
        need.1,
        need.0
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("A Rust toolchain ({ours} or newer)")),
        "README names the toolchain of Cargo.toml ({ours})"
    );
}
