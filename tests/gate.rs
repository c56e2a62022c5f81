//! Exceptions and adoption: waiver expiry with a fixed "today", inline suppressions, levels,
//! baselines, `--changed-since` on a temporary git repository, and a tamper case per
//! weakening kind.

mod common;
use common::copy_dir;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

fn gg(dir: &Path) -> Command {
    let mut c = common::genai_gate();
    c.current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GENAI_GATE_TODAY")
        .args(["--color", "never"]);
    c
}

fn check(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = gg(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), json)
}

/// A copy of a fixture in a temporary directory.
fn fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures").join(name), dir.path());
    dir
}

fn git(dir: &Path, args: &[&str]) {
    let out = Process::new("git")
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
}

/// A fixture committed as the first commit of a new repository.
fn repo(name: &str) -> tempfile::TempDir {
    let dir = fixture(name);
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

fn findings<'a>(r: &'a Value, control: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["control"] == control)
        .collect()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn waivers_are_reported_with_their_justification_and_expire_on_a_fixed_today() {
    let dir = root().join("fixtures/waived-service");
    let (code, r) = check(&dir, &["--today", "2025-06-01"]);
    assert_eq!(code, 1);
    let retention = &findings(&r, "CN-GAI-14.4")[0];
    assert_eq!(retention["suppression"]["kind"], "waiver");
    assert_eq!(retention["suppression"]["owner"], "platform-team");
    assert_eq!(retention["suppression"]["expires"], "2099-12-31");
    let expired = findings(&r, "GATE-WAIVER-EXPIRED");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["severity"], "error");
    assert!(
        expired[0]["message"]
            .as_str()
            .unwrap()
            .contains("expired on 2020-01-01")
    );
    assert_eq!(findings(&r, "GATE-WAIVER-UNUSED")[0]["severity"], "warning");

    // The day after a waiver's expiry it no longer waives; on the day itself it still does.
    let p = tempfile::tempdir().unwrap();
    copy_dir(&dir, p.path());
    edit(
        &p.path().join("genai-gate.toml"),
        "2099-12-31",
        "2025-03-31",
    );
    let (_, on_the_day) = check(p.path(), &["--today", "2025-03-31"]);
    assert!(findings(&on_the_day, "CN-GAI-14.4")[0]["suppression"].is_object());
    let (_, after) = check(p.path(), &["--today", "2025-04-01"]);
    assert!(findings(&after, "CN-GAI-14.4")[0]["suppression"].is_null());
    assert!(
        findings(&after, "GATE-WAIVER-EXPIRED")
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("CN-GAI-14.4"))
    );
    // GENAI_GATE_TODAY does the same as --today.
    let out = gg(p.path())
        .env("GENAI_GATE_TODAY", "2025-04-01")
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let env: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(env["findings"], after["findings"]);
    gg(p.path())
        .args(["check", "--today", "2025-02-30"])
        .assert()
        .code(2);
}

#[test]
fn an_expired_waiver_fails_the_gate_even_when_it_was_the_only_finding() {
    let dir = fixture("compliant-chat");
    let profile = dir.path().join("genai-gate.toml");
    let (code, r) = check(dir.path(), &[]);
    assert_eq!(code, 0);
    let warned = findings(&r, "CN-GAI-12.2").is_empty();
    let text = std::fs::read_to_string(&profile).unwrap();
    std::fs::write(
        &profile,
        format!(
            "{text}\n[[waiver]]\ncontrol = \"CN-GAI-4.1\"\nreason = \"legacy\"\nowner = \"x\"\nexpires = 2024-01-01\n"
        ),
    )
    .unwrap();
    let (code, r) = check(dir.path(), &["--today", "2024-06-01"]);
    assert_eq!(code, 1, "{:#}", r["findings"]);
    assert_eq!(findings(&r, "GATE-WAIVER-EXPIRED").len(), 1);
    let _ = warned;
}

#[test]
fn inline_suppressions_need_a_reason_and_a_finding() {
    let (_, r) = check(&root().join("fixtures/waived-service"), &[]);
    let chat: Vec<_> = findings(&r, "CN-GAI-4.2")
        .into_iter()
        .filter(|f| f["endpoint"]["route"] == "/v1/chat/completions")
        .collect();
    assert_eq!(chat[0]["suppression"]["kind"], "inline");
    assert!(
        chat[0]["suppression"]["reason"]
            .as_str()
            .unwrap()
            .contains("SEC-42")
    );
    let images = findings(&r, "CN-GAI-4.1");
    assert!(
        images[0]["suppression"].is_null(),
        "no reason, no suppression"
    );
    assert_eq!(findings(&r, "GATE-ALLOW-NO-REASON")[0]["severity"], "error");
    assert_eq!(findings(&r, "GATE-ALLOW-UNUSED")[0]["severity"], "warning");
    // Suppressed findings stay in the report; the counted ones decide the exit code.
    assert!(r["findings"].as_array().unwrap().len() > 10);
}

#[test]
fn levels_raise_freely_and_lower_only_with_a_waiver() {
    let (_, r) = check(&root().join("fixtures/waived-service"), &[]);
    assert_eq!(findings(&r, "CN-GAI-4.3")[0]["severity"], "warning");

    let dir = fixture("compliant-chat");
    let profile = dir.path().join("genai-gate.toml");
    let text = std::fs::read_to_string(&profile).unwrap();
    std::fs::write(
        &profile,
        format!("{text}\n[levels]\n\"CN-GAI-4.1\" = \"note\"\n"),
    )
    .unwrap();
    let out = gg(dir.path()).arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("lowers `CN-GAI-4.1` from error to note without a waiver"),
        "{err}"
    );

    std::fs::write(
        &profile,
        format!("{text}\n[levels]\n\"CN-GAI-4.01\" = \"error\"\n"),
    )
    .unwrap();
    let out = gg(dir.path()).arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown control `CN-GAI-4.01`"));

    std::fs::write(
        &profile,
        format!("{text}\n[levels]\n\"CN-GAI-4.1\" = \"fatal\"\n"),
    )
    .unwrap();
    gg(dir.path()).arg("check").assert().code(2);
}

#[test]
fn baseline_hides_known_findings_survives_moved_lines_and_lists_fixed_ones() {
    let dir = fixture("demo-service");
    let d = dir.path();
    gg(d).args(["baseline", "write"]).assert().code(0);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("genai-gate-baseline.json")).unwrap())
            .unwrap();
    // Ten findings since CN-GAI-12.3 (implicit labels) applies to text too.
    assert_eq!(written["findings"].as_array().unwrap().len(), 10);
    let (code, r) = check(d, &["--baseline", "genai-gate-baseline.json"]);
    assert_eq!(code, 0, "every finding is known");
    assert_eq!(r["baseline"]["hidden"], 10);

    // Lines move: fingerprints do not.
    let routes = d.join("src/routes.rs");
    let text = std::fs::read_to_string(&routes).unwrap();
    std::fs::write(&routes, format!("// moved\n\n\n{text}")).unwrap();
    std::fs::write(
        d.join("config/settings.toml"),
        format!(
            "# moved\n\n{}",
            std::fs::read_to_string(d.join("config/settings.toml")).unwrap()
        ),
    )
    .unwrap();
    let (code, r) = check(d, &["--baseline", "genai-gate-baseline.json"]);
    assert_eq!(code, 0, "{:#}", r["findings"]);

    // A fix shows up as a fixed entry; a new gap fails.
    edit(
        &d.join("config/settings.toml"),
        "retention_days = 90",
        "retention_days = 365",
    );
    edit(
        &routes,
        "pub async fn health() -> &'static str {\n    \"ok\"",
        "pub async fn health(State(state): State<AppState>) -> String {\n    state.openai.chat().create(req()).await.unwrap()",
    );
    let (code, r) = check(d, &["--baseline", "genai-gate-baseline.json"]);
    let fixed = r["baseline"]["fixed"].as_array().unwrap();
    assert_eq!(fixed.len(), 1, "{:#}", r["baseline"]);
    assert_eq!(fixed[0]["control"], "CN-GAI-14.4");
    let new: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["baselined"].is_null())
        .collect();
    assert!(
        new.iter().all(|f| f["endpoint"]["route"] == "/health"),
        "only the new endpoint's findings count: {new:#?}"
    );
    assert_eq!(code, i32::from(!new.is_empty()));

    gg(d)
        .args(["check", "--baseline", "missing.json"])
        .assert()
        .code(2);
}

#[test]
fn changed_since_reports_changed_files_and_flows_through_them_but_judges_the_repository_whole() {
    let dir = repo("demo-service");
    let d = dir.path();
    // Nothing changed: endpoint findings are out of scope, repository-level ones stay.
    let (code, r) = check(d, &["--changed-since", "HEAD"]);
    let all: Vec<_> = r["findings"].as_array().unwrap().iter().collect();
    assert!(all.iter().all(|f| f["endpoint"].is_null()), "{all:#?}");
    assert!(
        !findings(&r, "CN-GAI-14.4").is_empty(),
        "repository-level is whole-tree"
    );
    assert_eq!(r["changes"]["changed_files"], 0);
    assert!(r["changes"]["out_of_scope"].as_u64().unwrap() >= 6);
    assert_eq!(code, 1);

    // A change in a callee (moderation.rs) brings back the endpoints whose flow reaches it.
    edit(&d.join("src/moderation.rs"), "\n", "\n// touched\n");
    let (_, r) = check(d, &["--changed-since", "main"]);
    let routes: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["endpoint"]["route"].as_str())
        .collect();
    assert!(routes.contains(&"/v1/chat/completions"), "{routes:?}");
    assert!(!routes.contains(&"/v1/images/generations"), "{routes:?}");
    assert_eq!(r["changes"]["changed_files"], 1);

    // Evidence in an unchanged file still counts: the retention fix in a new file passes 14.4.
    git(d, &["checkout", "-q", "--", "."]);
    std::fs::write(
        d.join("config/audit.toml"),
        "[audit]\nretention_days = 365\n",
    )
    .unwrap();
    edit(
        &d.join("config/settings.toml"),
        "retention_days = 90",
        "retention_days = 365",
    );
    let (_, r) = check(d, &["--changed-since", "main"]);
    assert!(findings(&r, "CN-GAI-14.4").is_empty());

    gg(d)
        .args(["check", "--changed-since", "no-such-rev"])
        .assert()
        .code(2);
}

/// A committed profile, then a change to it; returns the tamper messages.
fn tamper(base: &str, changed: &str) -> Vec<String> {
    let dir = repo("compliant-chat");
    let d = dir.path();
    std::fs::write(d.join("genai-gate.toml"), base).unwrap();
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "profile"]);
    std::fs::write(d.join("genai-gate.toml"), changed).unwrap();
    let (code, r) = check(d, &["--changed-since", "HEAD", "--today", "2025-01-01"]);
    let msgs: Vec<String> = findings(&r, "GATE-TAMPER")
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect();
    if !msgs.is_empty() {
        assert_eq!(code, 1, "a tamper finding fails the gate");
    }
    msgs
}

const BASE: &str = r#"[service]
name = "chat"
public = true
regions = ["CN"]
modalities = ["text", "image"]
sectors = ["news"]
public-opinion = true

[policy]
packs = ["cn-genai-2023", "cn-sector-news"]

[levels]
"CN-GAI-4.3" = "error"

[[waiver]]
control = "CN-GAI-14.4"
reason = "migration"
owner = "ops"
expires = 2025-06-30
"#;

fn assert_tamper(changed: &str, expect: &str) {
    let msgs = tamper(BASE, changed);
    assert!(
        msgs.iter().any(|m| m.contains(expect)),
        "expected a tamper finding containing {expect:?}, got {msgs:?}"
    );
}

#[test]
fn tamper_public_flipped_to_false() {
    assert_tamper(
        &BASE.replace("public = true", "public = false"),
        "service made non-public",
    );
}

#[test]
fn tamper_moved_out_of_the_prc() {
    assert_tamper(
        &BASE.replace("regions = [\"CN\"]", "regions = [\"SG\"]"),
        "moved out of the PRC",
    );
}

#[test]
fn tamper_sector_dropped() {
    let changed = BASE
        .replace("sectors = [\"news\"]\n", "")
        .replace(", \"cn-sector-news\"", "");
    assert_tamper(&changed, "sector `news` dropped");
    assert_tamper(&changed, "pack `cn-sector-news` removed");
}

#[test]
fn tamper_modality_dropped() {
    assert_tamper(
        &BASE.replace("[\"text\", \"image\"]", "[\"text\"]"),
        "modality `image` dropped",
    );
}

#[test]
fn tamper_control_lowered() {
    assert_tamper(
        &BASE.replace("[levels]\n\"CN-GAI-4.3\" = \"error\"\n", ""),
        "control `CN-GAI-4.3` lowered",
    );
    assert_tamper(
        &BASE.replace("\"CN-GAI-4.3\" = \"error\"", "\"CN-GAI-4.3\" = \"warning\""),
        "lowered from error to warning",
    );
}

#[test]
fn tamper_waiver_added_or_extended() {
    assert_tamper(
        &format!(
            "{BASE}\n[[waiver]]\ncontrol = \"CN-GAI-4.1\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2025-12-31\n"
        ),
        "waiver of `CN-GAI-4.1` added",
    );
    assert_tamper(
        &BASE.replace("2025-06-30", "2026-06-30"),
        "waiver of `CN-GAI-14.4` extended from 2025-06-30 to 2026-06-30",
    );
}

#[test]
fn tamper_attribute_turned_off() {
    assert_tamper(
        &BASE.replace("public-opinion = true", "public-opinion = false"),
        "`public-opinion` changed from true to false",
    );
}

#[test]
fn tamper_local_pack_removed() {
    let dir = repo("compliant-chat");
    let d = dir.path();
    let pack = std::fs::read_to_string(root().join("policies/cn-genai-2023.toml")).unwrap();
    std::fs::create_dir_all(d.join("policy")).unwrap();
    let local = pack.replacen("id = \"cn-genai-2023\"", "id = \"acme-genai\"", 1);
    std::fs::write(d.join("policy/acme.toml"), &local).unwrap();
    let profile = std::fs::read_to_string(d.join("genai-gate.toml")).unwrap();
    std::fs::write(
        d.join("genai-gate.toml"),
        profile.replace("[policy]\n", "[policy]\nload = [\"policy\"]\n"),
    )
    .unwrap();
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "local pack"]);
    std::fs::write(d.join("genai-gate.toml"), profile).unwrap();
    std::fs::remove_file(d.join("policy/acme.toml")).unwrap();
    let (_, r) = check(d, &["--changed-since", "HEAD"]);
    let msgs: Vec<&str> = findings(&r, "GATE-TAMPER")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("pack file `policy` removed")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("local pack `acme-genai` removed")),
        "{msgs:?}"
    );
}

#[test]
fn an_unchanged_profile_has_no_tamper_finding() {
    assert!(tamper(BASE, BASE).is_empty());
    // Tightening is no tampering.
    assert!(tamper(BASE, &BASE.replace("2025-06-30", "2025-03-31")).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Issue 13: a pull request must not pass the gate by hiding, weakening or poisoning it.

/// An unmoderated handler with its own router, mounted by `main.rs` through `merge`.
const UNMODERATED: &str = r#"use std::sync::Arc;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use crate::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/v1/draft", post(draft))
}

pub async fn draft(State(state): State<Arc<AppState>>, body: String) -> String {
    state.llm.chat().create(body).await.unwrap()
}
"#;

/// Mounts the router of a module named `module` from `file` in `src/main.rs` of compliant-chat.
fn mount(d: &Path, file: &str, module: &str) {
    let attr = if file == format!("src/{module}.rs") {
        String::new()
    } else {
        let rel = file.strip_prefix("src/").unwrap();
        let rel: String = rel.escape_default().collect();
        format!("#[path = \"{rel}\"]\n")
    };
    edit(
        &d.join("src/main.rs"),
        "mod admin;",
        &format!("{attr}mod {module};\nmod admin;"),
    );
    edit(
        &d.join("src/main.rs"),
        ".with_state(state);",
        &format!(".merge({module}::routes())\n        .with_state(state);"),
    );
}

/// Item 1: git quotes non-ASCII and odd file names unless asked for `-z`; a PR adding
/// `src/生成.rs` with an unmoderated handler must fail `--changed-since`.
#[test]
fn pr_mode_sees_files_with_non_ascii_and_odd_names() {
    for (file, module) in [
        ("src/生成.rs", "生成"),
        ("src/with\ttab.rs", "tabbed"),
        ("src/quo\"te\\back.rs", "quoted"),
        ("src/new\nline.rs", "newline"),
    ] {
        let dir = repo("compliant-chat");
        let d = dir.path();
        std::fs::write(d.join(file), UNMODERATED).unwrap();
        mount(d, file, module);
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "draft endpoint"]);
        let (code, r) = check(d, &["--changed-since", "HEAD~1"]);
        let hits: Vec<_> = findings(&r, "CN-GAI-4.1")
            .into_iter()
            .filter(|f| f["endpoint"]["route"] == "/v1/draft")
            .collect();
        assert_eq!(hits.len(), 1, "{file:?}: {:#}", r["findings"]);
        assert_eq!(hits[0]["file"], file, "{file:?}");
        assert_eq!(code, 1, "{file:?}");
        // Uncommitted and untracked files count too.
        git(d, &["reset", "-q", "--soft", "HEAD~1"]);
        git(d, &["rm", "-q", "--cached", file]);
        let (code, r) = check(d, &["--changed-since", "HEAD"]);
        assert_eq!(code, 1, "{file:?} untracked: {:#}", r["findings"]);
        assert_eq!(r["changes"]["changed_files"], 2, "{file:?}");
    }
}

/// Item 2: files git tracks are never skipped because of ignore files — a committed
/// `.ignore` naming the handler, or a `.gitignore`d handler added with `git add -f`.
#[test]
fn tracked_files_are_never_skipped_by_ignore_files() {
    for (ignore_file, how) in [(".ignore", "committed"), (".gitignore", "forced")] {
        let dir = repo("compliant-chat");
        let d = dir.path();
        std::fs::write(d.join("src/draft.rs"), UNMODERATED).unwrap();
        mount(d, "src/draft.rs", "draft");
        std::fs::write(d.join(ignore_file), "src/draft.rs\n").unwrap();
        git(d, &["add", "-A"]);
        git(d, &["add", "-f", "src/draft.rs"]);
        git(d, &["commit", "-q", "-m", "draft endpoint"]);
        for args in [&[][..], &["--changed-since", "HEAD~1"][..]] {
            let (code, r) = check(d, args);
            let hits: Vec<_> = findings(&r, "CN-GAI-4.1")
                .into_iter()
                .filter(|f| f["endpoint"]["route"] == "/v1/draft")
                .collect();
            assert_eq!(
                hits.len(),
                1,
                "{how} {ignore_file} {args:?}: {:#}",
                r["findings"]
            );
            assert_eq!(code, 1);
        }
        // An untracked file the ignore file names stays ignored.
        std::fs::write(d.join("src/scratch.rs"), "fn zq() {}\n").unwrap();
        std::fs::write(d.join(ignore_file), "src/draft.rs\nsrc/scratch.rs\n").unwrap();
        let (_, r) = check(d, &[]);
        assert_eq!(r["stats"]["rust_files"], 10, "{how}: {:#}", r["stats"]);
    }
}

// Item 5: the tamper check compares the effective policies of base and head.

/// A repository from compliant-chat with `base` applied and committed, then `head` applied
/// in the working tree; returns the tamper messages of `check --changed-since HEAD` and the
/// exit code, and the report.
fn tampered(base: impl FnOnce(&Path), head: impl FnOnce(&Path)) -> (Vec<String>, i32, Value) {
    let dir = repo("compliant-chat");
    let d = dir.path();
    base(d);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "--allow-empty", "-m", "base"]);
    head(d);
    let (code, r) = check(d, &["--changed-since", "HEAD", "--today", "2025-01-01"]);
    let msgs = findings(&r, "GATE-TAMPER")
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect();
    (msgs, code, r)
}

fn expect_tamper(msgs: &[String], code: i32, expect: &str) {
    assert!(
        msgs.iter().any(|m| m.contains(expect)),
        "expected a tamper finding containing {expect:?}, got {msgs:?}"
    );
    assert_eq!(code, 1, "a tamper finding fails the gate");
}

fn add_to_profile(d: &Path, text: &str) {
    let p = d.join("genai-gate.toml");
    let profile = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, format!("{profile}\n{text}")).unwrap();
}

/// Replaces the profile's `[policy]` table with `lines`.
fn set_policy(d: &Path, lines: &str) {
    let p = d.join("genai-gate.toml");
    let text = std::fs::read_to_string(&p).unwrap();
    let start = text.find("[policy]\n").expect("a [policy] table");
    let body = start + "[policy]\n".len();
    let end = text[body..]
        .find("\n[")
        .map_or(text.len(), |i| body + i + 1);
    std::fs::write(
        &p,
        format!("{}[policy]\n{lines}\n{}", &text[..start], &text[end..]),
    )
    .unwrap();
}

const UNWRAP_CATALOGUE: &str = r#"[catalogue]
id = "acme"
version = "1"
description = "acme"

[[detector]]
id = "acme.unwrap"
capability = "moderation.output"
description = "every unwrap screens"
methods = ["unwrap"]
"#;

/// The shipped base pack under another id, optionally edited.
fn local_pack(id: &str, edit_text: impl Fn(String) -> String) -> String {
    let pack = std::fs::read_to_string(root().join("policies/cn-genai-2023.toml")).unwrap();
    edit_text(pack.replacen("id = \"cn-genai-2023\"", &format!("id = \"{id}\""), 1))
        .replace("supersedes = [\"cn-genai-2023-draft\"]", "supersedes = []")
}

#[test]
fn tamper_a_new_catalogue_that_counts_unwrap_as_moderation() {
    let (msgs, code, _) = tampered(
        |_| {},
        |d| {
            std::fs::create_dir_all(d.join("policy")).unwrap();
            std::fs::write(d.join("policy/acme.toml"), UNWRAP_CATALOGUE).unwrap();
            set_policy(d, "packs = [\"cn-genai-2023\"]\nload = [\"policy\"]");
        },
    );
    expect_tamper(
        &msgs,
        code,
        "detector `acme.unwrap` (moderation.output) added",
    );
}

#[test]
fn tamper_a_one_control_local_base_pack() {
    let (msgs, code, _) = tampered(
        |_| {},
        |d| {
            let tiny = local_pack("tiny", |p| {
                // Keep the header, the articles and the first control only.
                let second = p.match_indices("[[control]]").nth(1).unwrap().0;
                p[..second].to_owned()
            });
            std::fs::create_dir_all(d.join("policy")).unwrap();
            std::fs::write(d.join("policy/tiny.toml"), tiny).unwrap();
            set_policy(d, "packs = [\"tiny\"]\nload = [\"policy\"]");
        },
    );
    expect_tamper(&msgs, code, "control `CN-GAI-4.2` removed");
    expect_tamper(&msgs, code, "base pack changed from `cn-genai-2023`");
}

#[test]
fn tamper_a_local_overlay_replacing_moderation_with_notes() {
    let overlay = r#"[pack]
id = "acme-relax"
kind = "overlay"
extends = "cn-genai-2023"
sector = "news"
title = "relax"
jurisdiction = "CN"
authority = "acme"
source = "https://example.invalid"
published = 2025-01-01
version = "1"

[[article]]
ref = "Art. 2"
title = "x"

[[amend]]
control = "CN-GAI-4.2"
action = "replace"
reason = "handled elsewhere"
citations = ["Art. 2"]
severity = "note"

[[amend.require]]
capability = "generation"
"#;
    let (msgs, code, _) = tampered(
        |d| {
            edit(
                &d.join("genai-gate.toml"),
                "modalities = [\"text\"]",
                "modalities = [\"text\"]\nsectors = [\"news\"]",
            );
            set_policy(d, "packs = [\"cn-genai-2023\", \"cn-sector-news\"]");
        },
        |d| {
            std::fs::create_dir_all(d.join("policy")).unwrap();
            std::fs::write(d.join("policy/relax.toml"), overlay).unwrap();
            set_policy(
                d,
                "packs = [\"cn-genai-2023\", \"cn-sector-news\", \"acme-relax\"]\nload = [\"policy\"]",
            );
        },
    );
    expect_tamper(
        &msgs,
        code,
        "control `CN-GAI-4.2` lowered from error to note",
    );
    expect_tamper(
        &msgs,
        code,
        "control `CN-GAI-4.2` no longer requires moderation.output",
    );
}

#[test]
fn tamper_a_local_pack_whose_applies_or_scope_is_edited() {
    let pack = local_pack("acme-base", |p| p);
    let setup = |pack: String| {
        move |d: &Path| {
            std::fs::create_dir_all(d.join("policy")).unwrap();
            std::fs::write(d.join("policy/acme.toml"), pack).unwrap();
            set_policy(d, "packs = [\"acme-base\"]\nload = [\"policy\"]");
        }
    };
    let applies = pack.replacen(
        "order = \"after\"\n",
        "order = \"after\"\n\n[control.applies]\nmodalities = [\"video\"]\n",
        1,
    );
    let (msgs, code, _) = tampered(setup(pack.clone()), setup(applies));
    expect_tamper(&msgs, code, "no longer applies");
    let scoped = pack.replacen("regions = [\"CN\"]", "regions = [\"US\"]", 1);
    let (msgs, code, _) = tampered(setup(pack.clone()), setup(scoped));
    expect_tamper(&msgs, code, "the packs no longer apply");
    // A repository-scoped control has no `order`.
    let repo_scope = pack
        .replacen("scope = \"endpoint\"", "scope = \"repository\"", 1)
        .replacen("order = \"before\"\n", "", 1);
    let (msgs, code, _) = tampered(setup(pack), setup(repo_scope));
    expect_tamper(
        &msgs,
        code,
        "judged once for the repository instead of on every endpoint",
    );
}

#[test]
fn tamper_a_profile_detector_widened_to_everything() {
    let detector = "[[detector]]\nid = \"acme.guard\"\ncapability = \"moderation.output\"\ncalls = [\"*::acme_safety::Guard::review\"]\n";
    let (msgs, code, _) = tampered(
        |d| add_to_profile(d, detector),
        |d| {
            edit(
                &d.join("genai-gate.toml"),
                "\"*::acme_safety::Guard::review\"",
                "\"*\"",
            )
        },
    );
    expect_tamper(
        &msgs,
        code,
        "detector `acme.guard` (moderation.output) widened: calls `*`",
    );
}

#[test]
fn tamper_a_level_lowered_behind_a_narrow_waiver() {
    let waiver = "[[waiver]]\ncontrol = \"CN-GAI-12.2\"\npaths = [\"src/legacy/**\"]\nreason = \"legacy\"\nowner = \"o\"\nexpires = 2099-01-01\n";
    let (msgs, code, _) = tampered(
        |d| add_to_profile(d, waiver),
        |d| add_to_profile(d, "[levels]\n\"CN-GAI-12.2\" = \"note\"\n"),
    );
    expect_tamper(
        &msgs,
        code,
        "control `CN-GAI-12.2` lowered from warning to note",
    );
}

#[test]
fn tamper_a_waiver_widened_or_extended_by_deleting_a_sibling() {
    let two = "[[waiver]]\ncontrol = \"CN-GAI-12.2\"\npaths = [\"src/a/**\"]\nreason = \"a\"\nowner = \"o\"\nexpires = 2025-06-30\n\n[[waiver]]\ncontrol = \"CN-GAI-12.2\"\npaths = [\"src/b/**\"]\nreason = \"b\"\nowner = \"o\"\nexpires = 2027-06-30\n";
    // The first waiver takes the second's expiry, and the second goes.
    let one = "[[waiver]]\ncontrol = \"CN-GAI-12.2\"\npaths = [\"src/a/**\"]\nreason = \"a\"\nowner = \"o\"\nexpires = 2027-06-30\n";
    let (msgs, code, _) = tampered(|d| add_to_profile(d, two), |d| add_to_profile(d, one));
    expect_tamper(
        &msgs,
        code,
        "waiver of `CN-GAI-12.2` for `src/a/**` extended from 2025-06-30 to 2027-06-30",
    );
    let wide = "[[waiver]]\ncontrol = \"CN-GAI-12.2\"\npaths = [\"src/**\"]\nreason = \"a\"\nowner = \"o\"\nexpires = 2025-06-30\n";
    let (msgs, code, _) = tampered(|d| add_to_profile(d, two), |d| add_to_profile(d, wide));
    expect_tamper(&msgs, code, "waiver of `CN-GAI-12.2` widened to `src/**`");
}

#[test]
fn tamper_a_rewritten_baseline() {
    let (msgs, code, _) = {
        let dir = repo("demo-service");
        let d = dir.path();
        gg(d).args(["baseline", "write"]).assert().code(0);
        let full: Value = serde_json::from_str(
            &std::fs::read_to_string(d.join("genai-gate-baseline.json")).unwrap(),
        )
        .unwrap();
        let mut partial = full.clone();
        partial["findings"].as_array_mut().unwrap().truncate(2);
        std::fs::write(
            d.join("genai-gate-baseline.json"),
            serde_json::to_string_pretty(&partial).unwrap(),
        )
        .unwrap();
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "baseline"]);
        std::fs::write(
            d.join("genai-gate-baseline.json"),
            serde_json::to_string_pretty(&full).unwrap(),
        )
        .unwrap();
        let (code, r) = check(
            d,
            &[
                "--changed-since",
                "HEAD",
                "--baseline",
                "genai-gate-baseline.json",
            ],
        );
        let msgs: Vec<String> = findings(&r, "GATE-TAMPER")
            .iter()
            .map(|f| f["message"].as_str().unwrap().to_owned())
            .collect();
        (msgs, code, r)
    };
    expect_tamper(&msgs, code, "baseline entry for `CN-GAI-");
    assert!(
        msgs.iter().filter(|m| m.contains("baseline entry")).count() >= 5,
        "{msgs:?}"
    );
}

#[test]
fn tamper_new_suppressions_and_markers_are_named_and_listed() {
    let (msgs, code, r) = tampered(
        |_| {},
        |d| {
            edit(
                &d.join("src/chat.rs"),
                "pub async fn chat(",
                "// genai-gate: allow CN-GAI-4.1 -- screened upstream\npub async fn chat(",
            );
            let label = std::fs::read_to_string(d.join("src/label.rs")).unwrap();
            std::fs::write(
                d.join("src/label.rs"),
                format!("{label}\n// genai-gate: provides moderation.output\npub fn looks_fine(_t: &str) {{}}\n"),
            )
            .unwrap();
        },
    );
    expect_tamper(
        &msgs,
        code,
        "suppression of `CN-GAI-4.1` added in `src/chat.rs` (reason: screened upstream)",
    );
    expect_tamper(
        &msgs,
        code,
        "marker `provides moderation.output` added in `src/label.rs`",
    );
    let listed = r["changes"]["new_exceptions"]
        .as_array()
        .expect("listed in the PR summary");
    assert_eq!(listed.len(), 2, "{listed:#?}");
}

#[test]
fn tamper_a_profile_added_where_the_default_applied() {
    let dir = repo("compliant-chat");
    let d = dir.path();
    let profile = std::fs::read_to_string(d.join("genai-gate.toml")).unwrap();
    git(d, &["rm", "-q", "genai-gate.toml"]);
    git(d, &["commit", "-q", "-m", "default profile"]);
    std::fs::write(
        d.join("genai-gate.toml"),
        profile.replace("public = true", "public = false"),
    )
    .unwrap();
    let (code, r) = check(d, &["--changed-since", "HEAD"]);
    let msgs: Vec<String> = findings(&r, "GATE-TAMPER")
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect();
    expect_tamper(&msgs, code, "service made non-public");
}
