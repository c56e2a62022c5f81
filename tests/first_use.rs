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

/// Writes `files` under `dir`.
fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

const PROFILE: &str = "[service]\nname = \"found-upward\"\npublic = true\nregions = [\"CN\"]\nmodalities = [\"text\", \"image\"]\n";

/// `explain` used the embedded default while `check` in the same folder used
/// `./genai-gate.toml`: every command now finds the profile the same way, from the current
/// folder up to the repository root.
#[test]
fn explain_uses_the_profile_that_check_uses() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join(".git")).unwrap();
    write_files(
        d,
        &[
            ("genai-gate.toml", PROFILE),
            ("services/chat/README.md", "# chat\n"),
        ],
    );
    for cwd in [d.to_owned(), d.join("services/chat")] {
        let out = gg(&cwd)
            .args(["explain", "CN-GAI-12.1", "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(e["profile"]["default"], false, "{e:#}");
        assert_eq!(e["profile"]["service"], "found-upward");
        assert_eq!(
            e["active"], true,
            "image modality activates CN-GAI-12.1: {e:#}"
        );
    }
    // `policy validate` with no path validates the same profile.
    let out = gg(&d.join("services/chat"))
        .args(["policy", "validate"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 file valid"), "{}", stdout(&out));
    // Outside a repository, a profile in a parent folder is not used.
    let loose = tempfile::tempdir().unwrap();
    write_files(
        loose.path(),
        &[("genai-gate.toml", PROFILE), ("sub/x.md", "# x\n")],
    );
    let out = gg(&loose.path().join("sub"))
        .args(["explain", "CN-GAI-12.1", "--format", "json"])
        .output()
        .unwrap();
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["profile"]["default"], true, "{e:#}");
}

/// `check` with no path, from a subfolder, checks the enclosing repository with its profile.
#[test]
fn check_without_a_path_checks_the_enclosing_repository() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join(".git")).unwrap();
    write_files(
        d,
        &[
            ("genai-gate.toml", PROFILE),
            ("config/settings.toml", "[audit]\nretention_days = 30\n"),
            ("services/chat/notes.md", "# notes\n"),
        ],
    );
    let out = gg(&d.join("services/chat"))
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["profile"]["file"], "genai-gate.toml",
        "{:#}",
        r["profile"]
    );
    assert_eq!(r["profile"]["service"]["name"], "found-upward");
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["file"] == "config/settings.toml"),
        "the root's config was scanned: {:#}",
        r["findings"]
    );
    let out = gg(&d.join("services/chat")).arg("check").output().unwrap();
    assert!(
        stderr(&out)
            .contains("note: checking `../..`, the repository enclosing the current folder"),
        "{}",
        stderr(&out)
    );
}

/// `check src/main.rs` was refused ("is not a directory"): a file checks the enclosing
/// repository and reports that file's findings.
#[test]
fn check_of_a_file_reports_that_files_findings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::copy_dir(&root().join("fixtures/demo-service"), d);
    std::fs::create_dir(d.join(".git")).unwrap();
    let all: serde_json::Value = serde_json::from_slice(
        &gg(d)
            .args(["check", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let out = gg(&d.join("src"))
        .args(["check", "routes.rs", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let one: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = one["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings.len() < all["findings"].as_array().unwrap().len());
    for f in findings {
        assert!(
            f["file"] == "src/routes.rs"
                || f["labels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|l| l["file"] == "src/routes.rs"),
            "{f:#}"
        );
    }
    let out = gg(d).args(["check", "src/routes.rs"]).output().unwrap();
    assert!(
        stderr(&out).contains("only the findings of `src/routes.rs` are shown"),
        "{}",
        stderr(&out)
    );
}

/// `baseline write ../svc/` failed with "Is a directory": it takes the repository as PATH,
/// like `check`, and writes the baseline there (or to `--output`).
#[test]
fn baseline_write_takes_the_path_that_check_takes() {
    let dir = tempfile::tempdir().unwrap();
    let svc = dir.path().join("svc");
    common::copy_dir(&root().join("fixtures/demo-service"), &svc);
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    gg(&work)
        .args(["baseline", "write", "../svc/"])
        .assert()
        .code(0);
    assert!(svc.join("genai-gate-baseline.json").is_file());
    gg(&work)
        .args(["baseline", "write", "../svc", "--output", "b.json"])
        .assert()
        .code(0);
    assert!(work.join("b.json").is_file());
    // The former form still works.
    gg(&work)
        .args(["baseline", "write", "old.json", "--root", "../svc"])
        .assert()
        .code(0);
    assert!(work.join("old.json").is_file());
    gg(&svc)
        .args(["check", "--baseline", "genai-gate-baseline.json"])
        .assert()
        .code(0);
}

/// Messages of common mistakes: a missing path, a bad revision (it ended on a colon), `init`
/// into a missing folder (created silently, then a plain `genai-gate check` suggested).
#[test]
fn mistakes_get_messages_that_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = gg(d).args(["check", "no/such/dir"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`no/such/dir` does not exist"),
        "{}",
        stderr(&out)
    );

    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .current_dir(d)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .unwrap()
    };
    git(&["init", "-q"]);
    std::fs::write(d.join("README.md"), "# x\n").unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-qm", "x"]);
    let out = gg(d)
        .args(["check", "--changed-since", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("`nope` is not a revision"), "{err}");
    assert!(!err.trim_end().ends_with(':'), "{err}");

    let out = gg(d).args(["init", "new-svc"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("created new-svc"), "{text}");
    assert!(text.contains("`genai-gate check new-svc`"), "{text}");
}

/// Runs git in `dir` with a fixed identity.
fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// A fixture committed as the first commit of a new repository.
fn repo(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&root().join("fixtures").join(fixture), dir.path());
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

/// Flipping `public = true` to `false` in a pull request printed only "✓ not applicable" on
/// stderr, with exit code 1 and no finding shown: the gate's findings print first, whatever
/// the applicability.
#[test]
fn a_tamper_finding_shows_in_the_human_output_of_an_exempt_service() {
    let dir = repo("compliant-chat");
    let d = dir.path();
    let profile = std::fs::read_to_string(d.join("genai-gate.toml")).unwrap();
    assert!(profile.contains("public = true"));
    std::fs::write(
        d.join("genai-gate.toml"),
        profile.replace("public = true", "public = false"),
    )
    .unwrap();
    let out = gg(d)
        .args(["check", "--changed-since", "HEAD"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let tamper = err.find("GATE-TAMPER").unwrap_or_else(|| panic!("{err}"));
    assert!(err.contains("service made non-public"), "{err}");
    // The tamper check of the effective policy names the outcome too ("the packs no longer
    // apply"); the applicability line itself comes after every finding.
    assert!(err.contains("the packs no longer apply"), "{err}");
    let exempt = err.rfind("\nnot applicable (Art. 2 exemption)").unwrap();
    assert!(tamper < exempt, "the findings come first:\n{err}");
    assert!(!err.contains('✓'), "no tick on a failing run:\n{err}");
    assert!(
        err.contains("2 findings (2 errors, 0 warnings, 0 notes)"),
        "{err}"
    );
}

/// The summary line counted only active findings; waived, suppressed and baselined ones are
/// counted too, and a control whose findings are all waived reads `waived` as in Markdown.
#[test]
fn the_summary_line_counts_what_exceptions_hide() {
    let dir = root().join("fixtures/waived-service");
    let out = gg(&dir)
        .args(["check", "--today", "2025-06-01"])
        .output()
        .unwrap();
    let err = stderr(&out);
    let summary = err.lines().last().unwrap();
    assert!(summary.contains("not counted: "), "{summary}");
    assert!(summary.contains("waived"), "{summary}");
    let md = stdout(
        &gg(&dir)
            .args(["check", "--today", "2025-06-01", "--format", "markdown"])
            .output()
            .unwrap(),
    );
    // Every control Markdown calls waived, the human table calls waived.
    for line in md.lines().filter(|l| l.starts_with("| Art.")) {
        for part in line.split(", ").chain(line.split("| ")) {
            if let Some(id) = part.trim().strip_suffix(" (waived)") {
                let id = id.rsplit(' ').next().unwrap();
                assert!(
                    err.lines()
                        .any(|l| l.split_whitespace().take(2).eq([id, "waived"])),
                    "{id} is waived in Markdown but not in the human table:\n{err}"
                );
            }
        }
    }
}

/// README says every format carries the default-profile notice; Markdown, SARIF and JUnit
/// did not.
#[test]
fn every_format_says_when_the_default_profile_applied() {
    let notice = "no genai-gate.toml found; using the embedded default profile";
    let render = |fixture: &str, format: &str| {
        stdout(
            &gg(&root())
                .args(["check", fixture, "--format", format])
                .output()
                .unwrap(),
        )
    };
    for format in ["markdown", "sarif", "junit", "github"] {
        let text = render("fixtures/demo-service", format);
        assert!(text.contains(notice), "{format}:\n{text}");
        let text = render("fixtures/compliant-chat", format);
        assert!(!text.contains(notice), "{format} with a profile:\n{text}");
    }
    let sarif: serde_json::Value =
        serde_json::from_str(&render("fixtures/demo-service", "sarif")).unwrap();
    assert_eq!(sarif["runs"][0]["properties"]["defaultProfile"], true);
    let human = stderr(
        &gg(&root())
            .args(["check", "fixtures/demo-service"])
            .output()
            .unwrap(),
    );
    assert!(human.contains(notice), "{human}");
}

/// `--format concise` (or `--concise`): one line per finding, `file:line: CONTROL message`,
/// the notes and the summary line on stderr.
#[test]
fn concise_prints_one_line_per_finding() {
    for flags in [&["--format", "concise"][..], &["--concise"][..]] {
        let out = gg(&root())
            .args(["check", "fixtures/demo-service"])
            .args(flags)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = stdout(&out);
        assert_eq!(text.lines().count(), 10, "{text}");
        assert!(
            text.contains("src/routes.rs:43: CN-GAI-4.2 output of `chat().create_stream` reaches the response without output moderation"),
            "{text}"
        );
        assert!(
            text.contains("config/settings.toml:11: CN-GAI-14.4 "),
            "{text}"
        );
        let err = stderr(&out);
        assert!(
            err.contains("10 findings (8 errors, 1 warning, 1 note)"),
            "{err}"
        );
        assert!(!err.contains("Endpoints"), "{err}");
    }
}

/// `--statistics`: findings per control, most first; `--format json` gives the same as data.
#[test]
fn statistics_count_findings_per_control() {
    let out = gg(&root())
        .args(["check", "fixtures/demo-service", "--statistics"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the exit code is the same");
    let text = stdout(&out);
    let first = text.lines().nth(1).unwrap();
    assert!(
        first
            .split_whitespace()
            .take(3)
            .eq(["2", "0", "CN-GAI-14.1"]),
        "{text}"
    );
    assert!(text.contains("10 finding(s) in 8 control(s)"), "{text}");
    let out = gg(&root())
        .args([
            "check",
            "fixtures/demo-service",
            "--statistics",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let total: u64 = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["findings"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 10);
}

/// `--exit-zero` for trial runs; usage errors still exit 2.
#[test]
fn exit_zero_is_for_trial_runs() {
    gg(&root())
        .args(["check", "fixtures/demo-service", "--exit-zero"])
        .assert()
        .code(0);
    gg(&root())
        .args(["check", "no/such/dir", "--exit-zero"])
        .assert()
        .code(2);
}

/// `--select` / `--ignore` narrow a local run; a typo is an error with a suggestion; in CI
/// and in pull-request mode what they leave out stays, excepted like a waiver, and fails the
/// gate.
#[test]
fn select_and_ignore_explore_locally_but_never_weaken_the_gate_in_ci() {
    let json = |cmd: &mut Command| -> (i32, serde_json::Value) {
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap(),
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out))),
        )
    };
    let check = |extra: &[&str]| {
        let mut c = gg(&root());
        c.args(["check", "fixtures/demo-service", "--format", "json"])
            .args(extra);
        c
    };
    let ids = |r: &serde_json::Value, key: &str, field: &str| -> Vec<String> {
        r[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[field].as_str().unwrap().to_owned())
            .collect()
    };
    let (code, r) = json(&mut check(&["--select", "cn-gai-4.1,CN-GAI-14"]));
    assert_eq!(code, 1);
    let controls = ids(&r, "controls", "id");
    assert!(controls.contains(&"CN-GAI-4.1".to_owned()));
    assert!(
        controls
            .iter()
            .all(|c| c == "CN-GAI-4.1" || c.starts_with("CN-GAI-14.")),
        "{controls:?}"
    );
    let findings = ids(&r, "findings", "control");
    assert!(
        findings
            .iter()
            .all(|c| c == "CN-GAI-4.1" || c.starts_with("CN-GAI-14.")),
        "{findings:?}"
    );

    let (_, r) = json(&mut check(&[
        "--ignore",
        "CN-GAI-4",
        "--ignore",
        "CN-GAI-14",
    ]));
    let findings = ids(&r, "findings", "control");
    assert_eq!(findings, ["CN-GAI-12.2", "CN-GAI-12.3"], "{findings:?}");

    let out = check(&["--ignore", "CN-GAI-4.22"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `CN-GAI-4.2`?"),
        "{}",
        stderr(&out)
    );
    let out = check(&["--ignore", "GATE-TAMPER"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    // In CI: the findings stay, excepted like a waiver, and the gate fails on the ignore.
    let (code, r) = json(check(&["--ignore", "CN-GAI-4,CN-GAI-12,CN-GAI-14"]).env("CI", "true"));
    assert_eq!(code, 1);
    let ignored: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppression"]["kind"] == "command-line")
        .collect();
    assert_eq!(ignored.len(), 10, "{:#}", r["findings"]);
    let gate: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["control"] == "GATE-CLI-IGNORE")
        .collect();
    assert_eq!(gate.len(), 1);
    assert_eq!(gate[0]["severity"], "error");
    // In pull-request mode, the same.
    let dir = repo("demo-service");
    let (code, r) = json(gg(dir.path()).args([
        "check",
        "--format",
        "json",
        "--changed-since",
        "HEAD",
        "--ignore",
        "CN-GAI-14.4",
    ]));
    assert_eq!(code, 1);
    assert!(ids(&r, "findings", "control").contains(&"GATE-CLI-IGNORE".to_owned()));
    // Markdown lists them with the waived ones.
    let md = stdout(
        &gg(&root())
            .args(["check", "fixtures/demo-service", "--format", "markdown"])
            .args(["--ignore", "CN-GAI-14.4"])
            .env("CI", "true")
            .output()
            .unwrap(),
    );
    assert!(
        md.contains("| CN-GAI-14.4 | `config/settings.toml:11` | command line |"),
        "{md}"
    );
}

/// `genai-gate completions SHELL` and `genai-gate man`, generated from the clap definition.
#[test]
fn completions_and_man_pages_come_from_the_flags() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = gg(&root()).args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("changed-since"), "{shell}:\n{text}");
        assert!(text.contains("baseline"), "{shell}");
    }
    // The bash script parses.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("genai-gate.bash");
    std::fs::write(
        &script,
        gg(&root())
            .args(["completions", "bash"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    if let Ok(out) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
    {
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let page = stdout(&gg(&root()).arg("man").output().unwrap());
    assert!(page.contains(".TH genai-gate 1"), "{page}");
    let man = dir.path().join("man1");
    gg(&root())
        .args(["man", "--dir"])
        .arg(&man)
        .assert()
        .code(0);
    let check = std::fs::read_to_string(man.join("genai-gate-check.1")).unwrap();
    assert!(check.contains("changed\\-since"), "{check}");
    assert!(man.join("genai-gate-baseline-write.1").is_file());
}

/// Typos in marker comments passed silently (`provides generation.stp`, `alow`, an unknown
/// control), and a reason-less `allow CN-GAI-14.3` suggested `allow CN-GAI-14.2 -- <reason>`.
#[test]
fn marker_typos_are_findings_with_a_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::copy_dir(&root().join("fixtures/demo-service"), d);
    let routes = d.join("src/routes.rs");
    let text = std::fs::read_to_string(&routes).unwrap();
    std::fs::write(
        &routes,
        format!(
            "// genai-gate: provides generation.stp\n\
             // genai-gate: alow CN-GAI-14.2 -- reviewed\n\
             // genai-gate: allow CN-GAI-14.22 -- reviewed\n\
             // genai-gate: allow CN-GAI-14.3\n\
             {text}"
        ),
    )
    .unwrap();
    let out = gg(d).args(["check", "--format", "json"]).output().unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |control: &str| -> Vec<serde_json::Value> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["control"] == control)
            .cloned()
            .collect()
    };
    let markers = of("GATE-MARKER");
    let at = |line: u64| {
        markers
            .iter()
            .find(|f| f["line"] == line && f["file"] == "src/routes.rs")
            .unwrap_or_else(|| panic!("no marker finding at line {line}: {markers:#?}"))["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        at(1),
        "unknown capability `generation.stp`: did you mean `generation.stop`?"
    );
    assert_eq!(at(2), "unknown marker `alow`: did you mean `allow`?");
    assert_eq!(
        at(3),
        "suppression names unknown control `CN-GAI-14.22`: did you mean `CN-GAI-14.2`?"
    );
    assert_eq!(markers[0]["severity"], "warning");
    let no_reason = of("GATE-ALLOW-NO-REASON");
    assert_eq!(no_reason.len(), 1);
    assert_eq!(
        no_reason[0]["help"],
        "write the reason after `--`: `// genai-gate: allow CN-GAI-14.3 -- <reason>`"
    );
    assert!(
        of("GATE-ALLOW-UNUSED").is_empty(),
        "the unknown control is reported once"
    );
    // The human view shows them with the file and line.
    let err = stderr(&gg(d).arg("check").output().unwrap());
    assert!(err.contains("did you mean `generation.stop`?"), "{err}");
}

/// A Python-only repository and an empty folder got a verdict with no word that nothing in a
/// supported language was found: what was seen and not analysed is said, service code in a
/// language not analysed leaves the endpoint controls not-observable when nothing else could
/// be judged, and in strict mode always (fail closed).
#[test]
fn what_was_not_analysed_is_said_and_never_passes_in_strict_mode() {
    // JavaScript is not analysed (Rust and Python are): an Express service calling a model.
    const EXPRESS: &str = "const express = require(\"express\");\nconst OpenAI = require(\"openai\");\nconst app = express();\napp.post(\"/chat\", async (req, res) => {\n  res.json(await new OpenAI().chat.completions.create({ model: \"x\", messages: req.body.messages }));\n});\n";
    let run = |dir: &Path, strict: bool| -> (i32, serde_json::Value) {
        let mut c = gg(dir);
        c.args(["check", "--format", "json"]);
        if strict {
            c.arg("--strict");
        }
        let out = c.output().unwrap();
        (
            out.status.code().unwrap(),
            serde_json::from_slice(&out.stdout).unwrap(),
        )
    };
    let control = |r: &serde_json::Value, id: &str| -> serde_json::Value {
        r["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    let kinds = |r: &serde_json::Value| -> Vec<String> {
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["kind"].as_str().unwrap().to_owned())
            .collect()
    };

    // JavaScript only.
    let js = tempfile::tempdir().unwrap();
    write_files(
        js.path(),
        &[
            ("app/main.js", EXPRESS),
            ("tests/main.test.js", "test(\"chat\", () => {});\n"),
            ("tools/gen.go", "package main\n"),
        ],
    );
    let (_, r) = run(js.path(), false);
    assert_eq!(
        r["stats"]["not_analysed"]["JavaScript"]["files"], 2,
        "{:#}",
        r["stats"]
    );
    assert_eq!(r["stats"]["not_analysed"]["JavaScript"]["service_files"], 1);
    assert_eq!(
        r["stats"]["not_analysed"]["JavaScript"]["examples"][0],
        "app/main.js"
    );
    assert_eq!(r["stats"]["not_analysed"]["Go"]["files"], 1);
    let k = kinds(&r);
    assert!(
        k.contains(&"no-source".into()) && k.contains(&"not-analysed".into()),
        "{k:?}"
    );
    let c = control(&r, "CN-GAI-4.1");
    assert_eq!(c["status"], "not-observable", "{c:#}");
    assert!(
        c["reason"].as_str().unwrap().contains("1 JavaScript"),
        "{c:#}"
    );
    let (code, r) = run(js.path(), true);
    assert_eq!(code, 1);
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["control"] == "CN-GAI-4.1"),
        "strict mode fails what it cannot read"
    );
    let human = stderr(&gg(js.path()).arg("check").output().unwrap());
    assert!(
        human.contains("no source file in a language genai-gate analyses (Rust and Python) was found (seen: 2 JavaScript files, 1 Go file)"),
        "{human}"
    );
    assert!(
        human.contains("not analysed: 2 JavaScript files, 1 Go file"),
        "{human}"
    );

    // A Rust service with a JavaScript side: judged as before, but never a pass in strict mode.
    let mixed = tempfile::tempdir().unwrap();
    common::copy_dir(&root().join("fixtures/compliant-chat"), mixed.path());
    let (_, r) = run(mixed.path(), false);
    let before = control(&r, "CN-GAI-4.1")["status"].clone();
    assert_eq!(before, "pass");
    write_files(mixed.path(), &[("worker/serve.js", EXPRESS)]);
    let (_, r) = run(mixed.path(), false);
    assert_eq!(control(&r, "CN-GAI-4.1")["status"], before);
    assert!(kinds(&r).contains(&"not-analysed".into()));
    let (code, r) = run(mixed.path(), true);
    assert_eq!(control(&r, "CN-GAI-4.1")["status"], "not-observable");
    assert_eq!(code, 1);

    // An empty folder: nothing to judge, and it says so.
    let empty = tempfile::tempdir().unwrap();
    let (_, r) = run(empty.path(), false);
    assert_eq!(kinds(&r), ["no-source"]);
    assert_eq!(control(&r, "CN-GAI-4.1")["status"], "not-applicable");
}

/// Two misspelt keys in a profile reported only the first: every key and type error is
/// reported, each with its line and a "did you mean".
#[test]
fn every_profile_key_and_type_error_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(
            "genai-gate.toml",
            "[service]\nname = \"x\"\npublik = true\nregions = [\"CN\"]\nmodalitys = [\"text\"]\nserves-minors = \"no\"\n\n[[waiver]]\ncontrol = \"CN-GAI-4.1\"\nreson = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n",
        )],
    );
    let out = gg(dir.path()).arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for (key, line, fix) in [
        ("publik", 3, "public"),
        ("modalitys", 5, "modalities"),
        ("reson", 10, "reason"),
    ] {
        assert!(err.contains(&format!("unknown field `{key}`")), "{err}");
        assert!(err.contains(&format!("genai-gate.toml:{line}:")), "{err}");
        assert!(err.contains(&format!("did you mean `{fix}`?")), "{err}");
    }
    assert!(
        err.contains("invalid type: string \"no\", expected a boolean"),
        "{err}"
    );
    assert!(
        !err.contains("missing field `public`"),
        "a misspelt key is reported once:\n{err}"
    );
    assert!(err.contains("error: 4 problems found"), "{err}");
}

fn json_out(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `explain CN-GAI-4.2 --pack cn-sector-news` answered "did you mean CN-GAI-2.10?", and
/// `policy diff cn-genai-2023 cn-sector-news` reported every base control removed: an
/// overlay explains the base control with its amendments, and its diff shows what it adds
/// and amends.
#[test]
fn an_overlay_explains_and_diffs_as_the_base_it_amends() {
    let r = root();
    let overlay = json_out(gg(&r).args(["policy", "show", "cn-sector-news", "--format", "json"]));
    let own: Vec<&str> = overlay["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let amended: Vec<&str> = overlay["amendments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["control"].as_str().unwrap())
        .collect();
    assert!(!own.is_empty() && !amended.is_empty());

    let e = json_out(gg(&r).args([
        "explain",
        "CN-GAI-4.2",
        "--pack",
        "cn-sector-news",
        "--format",
        "json",
    ]));
    assert_eq!(e["id"], "CN-GAI-4.2");
    let e = json_out(gg(&r).args([
        "explain",
        amended[0],
        "--pack",
        "cn-sector-news",
        "--format",
        "json",
    ]));
    assert!(
        e["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["pack"] == "cn-sector-news"),
        "the amendment is shown: {e:#}"
    );

    let d = json_out(gg(&r).args([
        "policy",
        "diff",
        "cn-genai-2023",
        "cn-sector-news",
        "--format",
        "json",
    ]));
    assert_eq!(d["new"], "cn-genai-2023 + cn-sector-news");
    assert!(
        d["removed"].as_array().unwrap().is_empty(),
        "{:#}",
        d["removed"]
    );
    let added: Vec<&str> = d["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(added, own);
    let changed: Vec<&str> = d["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["new"]["id"].as_str().unwrap())
        .collect();
    let mut expected = amended.clone();
    expected.sort_by(|a, b| genai_gate_policy::control_order(a, b));
    expected.dedup();
    assert_eq!(changed, expected);
    let text = stdout(
        &gg(&r)
            .args(["policy", "diff", "cn-genai-2023", "cn-sector-news"])
            .output()
            .unwrap(),
    );
    assert!(
        text.starts_with(&format!(
            "cn-genai-2023 → cn-genai-2023 + cn-sector-news: {} added, {} amended,",
            own.len(),
            expected.len()
        )),
        "{text}"
    );
    assert!(text.contains("\nAmended ("), "{text}");
}

/// CONTRIBUTING pointed to a style file outside the repository (`../shared/STYLE.md`): every
/// file it links exists in the repository.
#[test]
fn contributing_links_only_files_in_the_repository() {
    let text = std::fs::read_to_string(root().join("CONTRIBUTING.md")).unwrap();
    assert!(!text.contains("../"), "a path outside the repository");
    let mut links = 0;
    for part in text.split("](").skip(1) {
        let target = part.split(')').next().unwrap();
        if target.starts_with("http") {
            continue;
        }
        links += 1;
        assert!(root().join(target).is_file(), "CONTRIBUTING links {target}");
    }
    assert!(links > 0);
    assert!(text.contains("docs/STYLE.md"));
}

/// The progress bar: drawn on a terminal once the scan takes a moment (the test sets the
/// moment to zero), never in CI or when stderr is piped.
#[test]
fn progress_shows_on_a_terminal_only() {
    let piped = gg(&root())
        .args(["check", "fixtures/demo-service"])
        .env("GENAI_GATE_PROGRESS_DELAY_MS", "0")
        .output()
        .unwrap();
    assert!(!stderr(&piped).contains("parsing"), "{}", stderr(&piped));
    // `script` gives the command a terminal; skip where it is missing.
    let bin = assert_cmd::cargo::cargo_bin("genai-gate");
    let under_tty = |ci: bool| -> Option<String> {
        let cmd = format!(
            "{} check {} --format json",
            bin.display(),
            root().join("fixtures/demo-service").display()
        );
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .env("GENAI_GATE_PROGRESS_DELAY_MS", "0")
            .env_remove("CI")
            .env_remove("GITHUB_ACTIONS")
            .env("TERM", "xterm");
        if ci {
            c.env("CI", "true");
        }
        let out = c.output().ok()?;
        out.status.code()?;
        Some(stdout(&out))
    };
    let Some(tty) = under_tty(false) else {
        eprintln!("`script` is not available; the terminal case is not tested");
        return;
    };
    assert!(tty.contains("parsing"), "{tty}");
    let ci = under_tty(true).unwrap();
    assert!(!ci.contains("parsing"), "{ci}");
}
