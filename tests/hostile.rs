//! Hostile repositories: whatever a repository contains, `check` must not panic, must name the
//! file it could not use, must keep the rest of the scan, and must exit with the right code.
//!
//! Each case copies `fixtures/compliant-chat` (clean: exit 0, its chat endpoint's controls
//! pass) into a temporary directory, adds something hostile, and runs the real binary with
//! `--format json`, then again with `--strict`. Large and odd files are generated here, never
//! committed. The determinism test at the end runs every fixture with `--jobs 1`, `2` and `16`.

mod common;
use common::copy_dir;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

/// A clean service in a temporary directory (`repo` inside it, so names can be odd).
fn service(dir_name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join(dir_name);
    copy_dir(&root().join("fixtures/compliant-chat"), &repo);
    fs::remove_file(repo.join("expected.toml")).unwrap();
    (tmp, repo)
}

fn write(repo: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = repo.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

struct Run {
    code: i32,
    report: Value,
    stderr: String,
}

fn run(repo: &Path, extra: &[&str]) -> Run {
    let out = common::genai_gate()
        .args(["--color", "never", "check", "--format", "json"])
        .args(extra)
        .arg(repo)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("overflow"),
        "{}: {stderr}",
        repo.display()
    );
    let report = if out.stdout.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
    };
    Run {
        code: out.status.code().expect("exited normally, not by a signal"),
        report,
        stderr,
    }
}

fn human(repo: &Path, extra: &[&str]) -> (i32, String) {
    let out = common::genai_gate()
        .args(["--color", "never", "check"])
        .args(extra)
        .arg(repo)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The diagnostic about `file`, which must exist.
fn diagnostic<'a>(r: &'a Run, file: &str) -> &'a Value {
    r.report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["file"] == file)
        .unwrap_or_else(|| panic!("no diagnostic names `{file}`: {}", r.report["diagnostics"]))
}

fn status(r: &Run, control: &str) -> String {
    r.report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == control)
        .map(|c| c["status"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn findings_of(r: &Run, control: &str) -> Vec<Value> {
    r.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["control"] == control)
        .cloned()
        .collect()
}

/// The rest of the scan is intact: the chat endpoint was found and judged.
fn intact(r: &Run) {
    let eps = r.report["endpoints"].as_array().unwrap();
    assert!(
        eps.iter()
            .any(|e| e["route"] == "/v1/chat/completions" && e["generates"] == true),
        "the chat endpoint is still found: {}",
        r.report["endpoints"]
    );
    assert!(eps.len() >= 11, "every endpoint is still found");
}

/// A file the scan could not use: named, the rest intact, exit 0 normally and 1 in strict mode
/// with a finding naming it. `blinds`: the file may hold routes or model calls, so endpoint
/// controls become not-observable, it is listed as not fully analysed, and the gate fails
/// in fail-closed mode (CI).
fn unusable(repo: &Path, file: &str, message: &str, blinds: bool) {
    let r = run(repo, &[]);
    let d = diagnostic(&r, file);
    assert!(
        d["message"].as_str().unwrap().contains(message),
        "{file}: {d}"
    );
    intact(&r);
    assert_eq!(r.code, 0, "{file}: not strict, a warning only");
    let expect = if blinds { "not-observable" } else { "pass" };
    assert_eq!(status(&r, "CN-GAI-4.1"), expect, "{file}");
    let listed = r.report["not_analysed"]
        .as_array()
        .is_some_and(|a| a.iter().any(|n| n["file"] == file));
    assert_eq!(listed, blinds, "{file}: {}", r.report["not_analysed"]);
    let strict = run(repo, &["--strict"]);
    assert_eq!(strict.code, 1, "{file}: strict fails closed");
    let id = if blinds {
        "scan/not-analysed"
    } else {
        "scan/unparsable"
    };
    let f = findings_of(&strict, id);
    assert!(
        f.iter().any(|f| f["file"] == file),
        "{file}: strict names the file: {}",
        strict.report["findings"]
    );
    if blinds {
        assert!(!findings_of(&strict, "CN-GAI-4.1").is_empty());
    }
    let closed = run(repo, &["--fail-closed"]);
    assert_eq!(closed.code, i32::from(blinds), "{file}: fail-closed");
    let (code, text) = human(repo, &[]);
    assert_eq!(code, 0);
    assert!(text.contains(file), "human output names {file}:\n{text}");
}

#[test]
fn the_clean_service_is_clean() {
    let (_tmp, repo) = service("repo");
    let r = run(&repo, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    intact(&r);
    assert_eq!(status(&r, "CN-GAI-4.1"), "pass");
    assert_eq!(
        run(&repo, &["--strict"]).code,
        0,
        "nothing to fail closed on"
    );
}

#[test]
fn non_utf8_and_latin1_files_are_named_and_skipped() {
    let (_tmp, repo) = service("repo");
    write(
        &repo,
        "src/legacy.rs",
        b"// caf\xe9 cr\xe8me\nfn helper() {}\n",
    );
    write(&repo, "docs/notes.md", b"# Notes\n\nna\xefve\n");
    write(&repo, "config/latin1.yaml", b"name: caf\xe9\n");
    unusable(&repo, "src/legacy.rs", "not valid UTF-8", false);
    let r = run(&repo, &[]);
    assert_eq!(diagnostic(&r, "src/legacy.rs")["line"], 1);
    diagnostic(&r, "docs/notes.md");
    diagnostic(&r, "config/latin1.yaml");
    // Even with routes in it, a Latin-1 source blinds nothing: rustc refuses to compile a
    // file that is not UTF-8, so it cannot hold a live endpoint.
    write(
        &repo,
        "src/routes_latin1.rs",
        b"// \xe9\nfn r() -> Router { Router::new() }\n",
    );
    unusable(&repo, "src/routes_latin1.rs", "not valid UTF-8", false);
}

#[test]
fn a_utf8_bom_is_skipped() {
    let (_tmp, repo) = service("repo");
    let main = fs::read_to_string(repo.join("src/chat.rs")).unwrap();
    write(&repo, "src/chat.rs", format!("\u{feff}{main}"));
    write(&repo, "config/bom.toml", "\u{feff}[app]\nname = \"x\"\n");
    let r = run(&repo, &[]);
    assert_eq!(r.code, 0, "{}", r.report["diagnostics"]);
    intact(&r);
    assert_eq!(status(&r, "CN-GAI-4.1"), "pass");
    assert!(
        r.report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["file"] != "src/chat.rs"),
        "a BOM is not an error"
    );
}

#[test]
fn invalid_rust_is_reported_with_its_line() {
    let (_tmp, repo) = service("repo");
    // Nothing in it is named on a route's path, and it has no route or detector anchor.
    write(
        &repo,
        "src/util.rs",
        "fn zq_helper() {}\n\nfn zq_broken( {\n",
    );
    unusable(&repo, "src/util.rs", "", false);
    // A name the handlers' flow mentions (`ok`, as in `.ok()`): it could be on a path.
    write(&repo, "src/util.rs", "fn ok() {}\n\nfn broken( {\n");
    unusable(&repo, "src/util.rs", "", true);
    write(
        &repo,
        "src/extra_routes.rs",
        "pub fn extra() -> Router {\n    Router::new().route(\"/v1/x\", post(x))\n\n",
    );
    unusable(&repo, "src/extra_routes.rs", "", true);
    let r = run(&repo, &[]);
    assert_eq!(diagnostic(&r, "src/extra_routes.rs")["kind"], "parse-error");
    assert!(
        diagnostic(&r, "src/extra_routes.rs")["line"]
            .as_u64()
            .is_some()
    );
}

#[test]
fn a_ten_megabyte_generated_file_is_capped_or_parsed() {
    let (_tmp, repo) = service("repo");
    let mut big = String::from("pub static TABLE: &[(&str, u32)] = &[\n");
    let mut i = 0u32;
    while big.len() < 10 * 1024 * 1024 {
        big.push_str(&format!("    (\"entry-{i}\", {i}),\n"));
        i += 1;
    }
    big.push_str("];\n");
    write(&repo, "src/generated.rs", &big);
    // Over the default cap: skipped with a note; nothing is known of its contents, so it
    // blinds the endpoint controls (and fails the gate in fail-closed mode).
    unusable(&repo, "src/generated.rs", "larger than 2097152 bytes", true);
    // Under a raised cap: parsed like any file.
    let profile = fs::read_to_string(repo.join("genai-gate.toml")).unwrap();
    write(
        &repo,
        "genai-gate.toml",
        format!("{profile}\n[files]\nmax-file-size = 20000000\n"),
    );
    let r = run(&repo, &["--strict"]);
    assert_eq!(r.code, 0, "{}", r.report["diagnostics"]);
    intact(&r);
    assert!(r.report["stats"]["rust_lines"].as_u64().unwrap() > 300_000);
}

#[test]
fn ten_thousand_deep_nesting_is_refused_not_overflowed() {
    let (_tmp, repo) = service("repo");
    let n = 10_000;
    let shapes = [
        (
            "parens",
            format!("fn f() -> u32 {{ {}1{} }}\n", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "blocks",
            format!("fn f() {} {}\n", "{".repeat(n), "}".repeat(n)),
        ),
        (
            "unary",
            format!("fn f(a: bool) -> bool {{ {}a }}\n", "!".repeat(n)),
        ),
        (
            "chain",
            format!("fn f() {{ a{}; }}\n", ".b()".repeat(n * 10)),
        ),
        (
            "sum",
            format!("fn f() -> u32 {{ 1{} }}\n", " + 1".repeat(n * 40)),
        ),
        (
            "else_if",
            format!(
                "fn f(a: bool) {{ if a {{}} {} }}\n",
                "else if a {} ".repeat(n * 10)
            ),
        ),
        (
            "types",
            format!("type T = {}u8{};\n", "Vec<".repeat(n), ">".repeat(n)),
        ),
    ];
    for (name, src) in &shapes {
        write(&repo, &format!("src/deep_{name}.rs"), src);
    }
    let r = run(&repo, &[]);
    assert_eq!(r.code, 0);
    intact(&r);
    for (name, _) in &shapes {
        let d = diagnostic(&r, &format!("src/deep_{name}.rs"));
        assert!(
            d["message"].as_str().unwrap().contains("nesting too deep"),
            "{name}: {d}"
        );
    }
    assert_eq!(run(&repo, &["--strict"]).code, 1);
    // Under the limit, nesting parses.
    write(
        &repo,
        "src/deep_parens.rs",
        format!(
            "fn f() -> u32 {{ {}1{} }}\n",
            "(".repeat(500),
            ")".repeat(500)
        ),
    );
    let r = run(&repo, &[]);
    assert!(
        r.report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["file"] != "src/deep_parens.rs")
    );
}

/// Item 12 (issue 13): generic arguments closed one by one passed the depth guard, which
/// counted expressions only, and 9,000 levels (81 KB) overflowed syn's stack (SIGABRT).
#[test]
fn a_deep_generic_type_is_refused_not_overflowed() {
    let (_tmp, repo) = service("repo");
    let n = 9_000;
    for (name, open, close) in [
        ("args", "T<A, ", ", B>"),
        ("consts", "T<{ 1 }, ", ", { 2 }>"),
        ("returns", "fn() -> ", ""),
    ] {
        write(
            &repo,
            &format!("src/deep_{name}.rs"),
            format!("type D = {}u8{};\n", open.repeat(n), close.repeat(n)),
        );
    }
    let start = std::time::Instant::now();
    let r = run(&repo, &[]);
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
    intact(&r);
    for name in ["args", "consts", "returns"] {
        let d = diagnostic(&r, &format!("src/deep_{name}.rs"));
        assert!(
            d["message"].as_str().unwrap().contains("nesting too deep"),
            "{name}: {d}"
        );
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_out_of_the_root_are_not_followed() {
    let (tmp, repo) = service("repo");
    let outside = tmp.path().join("outside");
    write(
        &outside,
        "secret.rs",
        "fn secret() -> Router { Router::new() }\n",
    );
    std::os::unix::fs::symlink(&repo, repo.join("src/loop")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.join("out")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.rs"), repo.join("src/secret.rs")).unwrap();
    std::os::unix::fs::symlink(repo.join("nowhere"), repo.join("dangling.rs")).unwrap();
    let r = run(&repo, &["--strict"]);
    assert_eq!(
        r.code, 0,
        "links are skipped by design, even in strict mode"
    );
    intact(&r);
    for link in ["src/loop", "out", "src/secret.rs", "dangling.rs"] {
        assert_eq!(diagnostic(&r, link)["message"], "symbolic link");
    }
    assert_eq!(
        r.report["stats"]["rust_files"], 9,
        "nothing behind a link is read"
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, repo) = service("repo");
    write(
        &repo,
        "src/private.rs",
        "fn r() -> Router { Router::new() }\n",
    );
    write(&repo, "config/private.yaml", "a: 1\n");
    for f in ["src/private.rs", "config/private.yaml"] {
        fs::set_permissions(repo.join(f), fs::Permissions::from_mode(0o000)).unwrap();
    }
    if fs::read(repo.join("src/private.rs")).is_ok() {
        // Running as root: permissions do not stop reads, so there is nothing to observe.
        eprintln!("note: running as root; chmod 000 does not make files unreadable");
        let r = run(&repo, &[]);
        assert_eq!(r.code, 0);
        intact(&r);
        return;
    }
    unusable(&repo, "src/private.rs", "unreadable", true);
    let r = run(&repo, &[]);
    assert!(
        diagnostic(&r, "config/private.yaml")["message"]
            .as_str()
            .unwrap()
            .contains("unreadable")
    );
}

#[test]
fn an_empty_repository_and_one_without_rust_are_judged() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(tmp.path(), &[]);
    assert_eq!(r.report["stats"]["files"], 0);
    assert!(r.report["endpoints"].as_array().unwrap().is_empty());
    // Repository-level controls fail: nothing provides them.
    assert_eq!(r.code, 1);
    // The only diagnostic says that there was nothing to analyse (issue 14, item 5).
    let kinds: Vec<&str> = r.report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["no-source"]);

    write(tmp.path(), "README.md", "# A Python service\n");
    write(tmp.path(), "app.py", "print('hi')\n");
    write(tmp.path(), "index.js", "console.log('hi')\n");
    write(tmp.path(), "package.json", "{\"name\": \"x\"}\n");
    write(tmp.path(), "config.yaml", "moderation:\n  enabled: true\n");
    let r = run(tmp.path(), &[]);
    assert_eq!(r.report["stats"]["rust_files"], 0);
    assert_eq!(r.report["stats"]["python_files"], 1);
    assert_eq!(r.report["stats"]["documents"], 1);
    assert_eq!(r.report["stats"]["not_analysed"]["JavaScript"]["files"], 1);
    assert!(r.report["endpoints"].as_array().unwrap().is_empty());
    assert_eq!(r.code, 1);
}

#[test]
fn malformed_config_files_are_named_with_their_line() {
    let (_tmp, repo) = service("repo");
    write(&repo, "config/bad.toml", "[server]\nport = 80\nport = \n");
    write(&repo, "config/bad.yaml", "a:\n  b: [1, 2\n  c: {\n");
    write(&repo, "config/bad.json", "{\"a\": [1, 2,,]}\n");
    write(
        &repo,
        "config/deep.json",
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
    );
    write(
        &repo,
        "config/deep.toml",
        format!("a = {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
    );
    write(
        &repo,
        "config/deep.yaml",
        format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
    );
    let r = run(&repo, &[]);
    assert_eq!(r.code, 0);
    intact(&r);
    for f in ["config/bad.toml", "config/bad.yaml", "config/bad.json"] {
        let d = diagnostic(&r, f);
        assert_eq!(d["kind"], "config-error", "{f}");
        assert!(d["line"].as_u64().unwrap() >= 1, "{f}: {d}");
    }
    let strict = run(&repo, &["--strict"]);
    assert_eq!(strict.code, 1);
    assert!(findings_of(&strict, "scan/unparsable").len() >= 3);
}

#[test]
fn a_profile_with_every_kind_of_mistake_is_a_configuration_error() {
    let (_tmp, repo) = service("repo");
    write(
        &repo,
        "genai-gate.toml",
        r#"
[service]
name = "x"
public = "yes"
regions = ["CN"]
modalities = ["text", "smell"]
sector = ["news"]

[policy]
packs = ["cn-genai-2032"]

[files]
include = ["src/[bad"]
max-file-size = -1

[settings]
strict = "always"
fail-fast = true

[[waiver]]
control = "CN-GAI-99.9"

[unknown]
x = 1
"#,
    );
    let r = run(&repo, &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.report.is_null(), "no report on a configuration error");
    assert!(r.stderr.contains("genai-gate.toml"), "{}", r.stderr);
    // Syntax errors first, then validation: each layer names the file and the line.
    write(&repo, "genai-gate.toml", "[service\nname = \n");
    let r = run(&repo, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("genai-gate.toml"), "{}", r.stderr);
    write(
        &repo,
        "genai-gate.toml",
        "[service]\nname = \"x\"\npublic = true\nregions = [\"CN\"]\nmodalities = [\"smell\", \"txt\"]\n\n[settings]\nstrikt = true\n\n[[waiver]]\ncontrol = \"CN-GAI-4.1\"\n",
    );
    let r = run(&repo, &[]);
    assert_eq!(r.code, 2);
    for want in ["genai-gate.toml", "strikt"] {
        assert!(r.stderr.contains(want), "{want}: {}", r.stderr);
    }
    // Not UTF-8 at all.
    write(&repo, "genai-gate.toml", b"[service]\nname = \"caf\xe9\"\n");
    let r = run(&repo, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("genai-gate.toml"), "{}", r.stderr);
}

#[test]
fn a_pack_with_every_kind_of_mistake_is_a_configuration_error() {
    let (_tmp, repo) = service("repo");
    let packs = root().join("fixtures/invalid-packs");
    for entry in fs::read_dir(&packs).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let r = run(&repo, &["--policy", path.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stderr.contains(&name), "{name} is named: {}", r.stderr);
    }
    write(&repo, "broken-pack.toml", "[pack\nid = ");
    let r = run(
        &repo,
        &["--policy", repo.join("broken-pack.toml").to_str().unwrap()],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("broken-pack.toml"), "{}", r.stderr);
    write(&repo, "binary-pack.toml", [0xff, 0xfe, 0x00, 0x01]);
    let r = run(
        &repo,
        &["--policy", repo.join("binary-pack.toml").to_str().unwrap()],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("binary-pack.toml"), "{}", r.stderr);
}

#[test]
fn paths_with_spaces_and_non_ascii_names_are_scanned() {
    let (_tmp, repo) = service("my repo ü 服务");
    write(&repo, "src/聊天 handlers/café mod.rs", "fn helper() {}\n");
    write(&repo, "docs/服务 说明.md", "# 服务\n");
    write(&repo, "src/坏 文件.rs", "fn broken( {\n");
    let r = run(&repo, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    intact(&r);
    assert_eq!(diagnostic(&r, "src/坏 文件.rs")["kind"], "parse-error");
    assert_eq!(r.report["stats"]["rust_files"], 11);
    let (_, text) = human(&repo, &[]);
    assert!(text.contains("src/坏 文件.rs"), "{text}");
}

#[test]
fn a_strict_profile_setting_fails_closed_like_the_flag() {
    let (_tmp, repo) = service("repo");
    write(&repo, "src/util.rs", "fn broken( {\n");
    assert_eq!(run(&repo, &[]).code, 0);
    let profile = fs::read_to_string(repo.join("genai-gate.toml")).unwrap();
    write(
        &repo,
        "genai-gate.toml",
        format!("{profile}\n[settings]\nstrict = true\n"),
    );
    let r = run(&repo, &[]);
    assert_eq!(r.code, 1);
    assert_eq!(findings_of(&r, "scan/unparsable").len(), 1);
}

/// Every fixture gives byte-identical JSON whatever the number of worker threads, and whether
/// facts come from the parser (`--no-cache`), a cold cache or a warm one.
#[test]
fn json_is_identical_for_1_2_and_16_jobs_on_every_fixture() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.toml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 15);
    for fixture in &dirs {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("repo");
        copy_dir(fixture, &dir);
        let cache_home = tmp.path().join("cache");
        let before = walk_all(&dir).len();
        let out = |jobs: &str, cache: bool| {
            let mut cmd = common::genai_gate();
            cmd.env("XDG_CACHE_HOME", &cache_home)
                .args(["check", "--format", "json", "--jobs", jobs]);
            if !cache {
                cmd.arg("--no-cache");
            }
            cmd.arg(&dir).output().unwrap().stdout
        };
        let one = out("1", false);
        assert!(!one.is_empty(), "{}", fixture.display());
        assert!(!cache_home.exists(), "--no-cache writes nothing");
        for (jobs, what) in [("2", "cold cache"), ("16", "warm cache")] {
            assert!(
                one == out(jobs, true),
                "{}: --jobs {jobs} ({what}) differs from --jobs 1",
                fixture.display()
            );
        }
        assert!(cache_home.join("genai-gate").is_dir(), "the cache was used");
        assert_eq!(
            walk_all(&dir).len(),
            before,
            "nothing written into the tree"
        );
    }
}

/// A corrupt cache entry is discarded and the file parsed again, never trusted.
#[test]
fn a_corrupt_cache_is_discarded() {
    let (tmp, repo) = service("repo");
    let home = tmp.path().join("cache");
    let run = |repo: &Path, extra: &[&str]| {
        let out = common::genai_gate()
            .env("XDG_CACHE_HOME", &home)
            .args(["check", "--format", "json"])
            .args(extra)
            .arg(repo)
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let clean = run(&repo, &["--no-cache"]);
    assert_eq!(run(&repo, &[]), clean, "cold");
    let cache = fs::read_dir(home.join("genai-gate"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut entries = Vec::new();
    for d in fs::read_dir(&cache).unwrap() {
        let d = d.unwrap().path();
        if d.is_dir() {
            entries.extend(fs::read_dir(d).unwrap().map(|e| e.unwrap().path()));
        }
    }
    assert_eq!(entries.len(), 9, "one entry per Rust file");
    for (i, e) in entries.iter().enumerate() {
        match i % 3 {
            0 => fs::write(e, b"{\"key\": ").unwrap(),
            1 => fs::write(e, [0xff, 0x00, 0x13]).unwrap(),
            _ => fs::write(e, b"{\"key\": \"0\", \"facts\": {\"path\": \"src/x.rs\"}}").unwrap(),
        }
    }
    assert_eq!(run(&repo, &[]), clean, "corrupt entries");
    assert_eq!(run(&repo, &[]), clean, "rewritten entries");
}

// ---------------------------------------------------------------------------------------------
// Issue 13, items 9–11: scanned text cannot inject into logs and reports.

/// A service whose routes, file names, service name, waiver and suppression reasons carry
/// workflow commands, ESC sequences, Markdown and HTML, XML-forbidden characters and URI
/// escapes. Every payload contains `PWNED`.
fn poisoned_service() -> (tempfile::TempDir, PathBuf) {
    let (tmp, repo) = service("repo");
    let profile = fs::read_to_string(repo.join("genai-gate.toml")).unwrap();
    write(
        &repo,
        "genai-gate.toml",
        profile.replace(
            "name = \"xiaozhi-chat\"",
            "name = \"chat`PWNED`<h2>PWNED</h2><img src=x onerror=alert(1)>\\n::error::PWNED-name\"",
        ) + "\n[[waiver]]\ncontrol = \"CN-GAI-4.2\"\npaths = [\"src/poison.rs\"]\nreason = \"ok\\r::error::PWNED-waiver\\u001b[2J\"\nowner = \"x\\n::warning::PWNED-owner\"\nexpires = 2099-01-01\n",
    );
    let main = fs::read_to_string(repo.join("src/main.rs")).unwrap();
    write(
        &repo,
        "src/main.rs",
        main.replace("mod admin;", "mod poison;\nmod admin;").replace(
            ".with_state(state);",
            ".route(\"/v1/x\\n::error::PWNED-route<details><summary>PWNED</summary>`code`\\u{fffe}\\u{1b}[31m\", post(poison::draft))\n        .with_state(state);",
        ),
    );
    write(
        &repo,
        "src/poison.rs",
        "use std::sync::Arc;\nuse axum::extract::State;\nuse crate::AppState;\n\n// genai-gate: allow CN-GAI-4.1 -- reviewed\r::stop-commands::PWNED-allow\npub async fn draft(State(state): State<Arc<AppState>>, body: String) -> String {\n    state.llm.chat().create(body).await.unwrap()\n}\n",
    );
    write(&repo, "src/bad\n::error::PWNED-file.rs", "fn broken( {\n");
    write(
        &repo,
        "src/%2e%2e%2f%2e%2e%2fetc%2fpasswd.rs",
        "fn broken( {\n",
    );
    (tmp, repo)
}

/// Lines as the GitHub runner splits them (on LF, CR and CR LF), trimmed as it trims them.
fn runner_lines(text: &str) -> Vec<&str> {
    text.split(['\n', '\r']).map(str::trim_start).collect()
}

fn gg_in(repo: &Path, args: &[&str], github: bool) -> std::process::Output {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = common::genai_gate();
    cmd.env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .env("XDG_CACHE_HOME", tmp.path())
        .args(["--color", "never", "check"])
        .args(args)
        .arg(repo);
    if github {
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", tmp.path().join("summary"))
            .env("GITHUB_OUTPUT", tmp.path().join("output"));
    }
    cmd.timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap()
}

/// Item 9: nothing scanned starts a workflow command on stderr or stdout, in the human view
/// or in GitHub mode; no ESC reaches a log written without colour.
#[test]
fn scanned_text_never_starts_a_workflow_command() {
    let (_tmp, repo) = poisoned_service();
    for github in [false, true] {
        for args in [&[][..], &["--strict"][..], &["--format", "github"][..]] {
            let out = gg_in(&repo, args, github);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
                assert!(
                    text.is_empty() || text.contains("PWNED"),
                    "{name} {args:?}: the payloads are shown (escaped): {text}"
                );
                for l in runner_lines(text) {
                    // Only genai-gate's own annotations (on stdout) start a command.
                    let ours = name == "stdout"
                        && ["::error ", "::warning ", "::notice "]
                            .iter()
                            .any(|k| l.starts_with(k))
                        && (l.contains(" file=") || l.contains(" title="));
                    assert!(
                        ours || (!l.starts_with("::") && !l.starts_with("##[")),
                        "{name} {args:?} github={github}: a scanned line starts a command: {l:?}"
                    );
                }
                assert!(
                    !text.contains('\u{1b}'),
                    "{name} {args:?}: an ESC reached the log"
                );
            }
        }
    }
}

/// Item 10: the Markdown report (also the job summary) shows scanned text as text.
#[test]
fn scanned_text_is_not_live_markdown_or_html() {
    let (_tmp, repo) = poisoned_service();
    let out = gg_in(&repo, &["--format", "markdown"], false);
    let md = String::from_utf8(out.stdout).unwrap();
    // Inside a code span HTML is text; outside one, no tag may open.
    let outside = without_code_spans(&md);
    for tag in ["<h2>PWNED", "<img", "<details>", "<summary>"] {
        assert!(!outside.contains(tag), "live HTML {tag}:\n{md}");
    }
    assert!(md.contains("&lt;h2&gt;PWNED"), "{md}");
    assert!(
        !outside.contains("`PWNED`"),
        "a scanned backtick opens a code span:\n{md}"
    );
    for l in md.lines().filter(|l| l.contains("PWNED")) {
        assert!(!l.contains('\u{fffe}') && !l.contains('\r'), "{l:?}");
    }
}

/// Markdown text with its code spans removed (a run of N backticks up to the next run of
/// exactly N); a backslash-escaped backtick opens nothing.
fn without_code_spans(md: &str) -> String {
    let b: Vec<char> = md.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let run = |i: usize| b[i..].iter().take_while(|c| **c == '`').count();
    while i < b.len() {
        if b[i] == '\\' && i + 1 < b.len() {
            out.push(b[i]);
            out.push(b[i + 1]);
            i += 2;
        } else if b[i] == '`' {
            let n = run(i);
            let mut j = i + n;
            let mut closed = None;
            while j < b.len() {
                if b[j] == '`' {
                    let m = run(j);
                    if m == n {
                        closed = Some(j + m);
                        break;
                    }
                    j += m;
                } else {
                    j += 1;
                }
            }
            match closed {
                Some(end) => i = end,
                None => {
                    out.extend(&b[i..i + n]);
                    i += n;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Item 11: the JUnit XML is well-formed whatever the routes hold, and SARIF URIs are
/// percent-encoded, never leaving the root.
#[test]
fn junit_is_well_formed_and_sarif_uris_stay_in_the_root() {
    let (tmp, repo) = poisoned_service();
    let out = gg_in(&repo, &["--format", "junit"], false);
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(xml.contains("PWNED"));
    for c in xml.chars() {
        let ok = matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}';
        assert!(ok, "XML 1.0 forbids {:?}", c);
    }
    // A pack loaded from outside the root labels its control's findings.
    let pack = tmp.path().join("outside/overlay.toml");
    write(
        &tmp.path().join("outside"),
        "overlay.toml",
        fs::read_to_string(root().join("policies/cn-genai-2023.toml"))
            .unwrap()
            .replacen("id = \"cn-genai-2023\"", "id = \"acme-outside\"", 1),
    );
    let profile = fs::read_to_string(repo.join("genai-gate.toml")).unwrap();
    write(
        &repo,
        "genai-gate.toml",
        profile.replace("packs = [\"cn-genai-2023\"]", "packs = [\"acme-outside\"]"),
    );
    let out = gg_in(
        &repo,
        &["--format", "sarif", "--policy", pack.to_str().unwrap()],
        false,
    );
    let sarif: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let mut uris = Vec::new();
    collect_uris(&sarif, &mut uris);
    assert!(
        uris.iter().any(|(_, u)| u.contains("%252e%252e%252f")),
        "{uris:?}"
    );
    for (base, uri) in &uris {
        if base.as_deref() == Some("%SRCROOT%") {
            let decoded = percent_decode(uri);
            assert!(
                !decoded.starts_with('/')
                    && decoded
                        .split('/')
                        .all(|s| s != ".." && s != "." && !s.is_empty()),
                "{uri} decodes to {decoded:?}, outside the root"
            );
            assert!(!uri.contains(' ') && !uri.contains('\n'), "{uri:?}");
        }
    }
}

fn collect_uris(v: &Value, out: &mut Vec<(Option<String>, String)>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(u)) = m.get("uri") {
                let base = m
                    .get("uriBaseId")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                out.push((base, u.clone()));
            }
            m.values().for_each(|x| collect_uris(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_uris(x, out)),
        _ => {}
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(x);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Issue 13, items 3 and 4: what was not fully analysed never lets the gate pass in CI.

/// `check --format json` with the environment of a CI run (`CI=true`) or of a terminal.
fn run_env(repo: &Path, extra: &[&str], ci: bool) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = common::genai_gate();
    cmd.env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env("XDG_CACHE_HOME", tmp.path());
    if ci {
        cmd.env("CI", "true");
    }
    let out = cmd
        .args(["--color", "never", "check", "--format", "json"])
        .args(extra)
        .arg(repo)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    Run {
        code: out.status.code().expect("exited normally"),
        report: serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr,
    }
}

/// The gate fails in CI, naming `file`; outside CI it passes with a warning that names it.
fn fails_closed_in_ci(repo: &Path, file: &str, what: &str) {
    let ci = run_env(repo, &[], true);
    assert_eq!(
        ci.code, 1,
        "{what}: CI fails closed: {}",
        ci.report["findings"]
    );
    let named = findings_of(&ci, "scan/not-analysed");
    assert!(
        named
            .iter()
            .any(|f| f["file"] == file && f["severity"] == "error"),
        "{what}: a finding names {file}: {}",
        ci.report["findings"]
    );
    for flag in [&["--fail-closed"][..], &["--strict"][..]] {
        assert_eq!(run_env(repo, flag, false).code, 1, "{what}: {flag:?}");
    }
    let lax = run_env(repo, &[], false);
    assert_eq!(lax.code, 0, "{what}: outside CI, a warning only");
    assert!(
        ["CN-GAI-4.1", "CN-GAI-4.2"]
            .iter()
            .all(|c| status(&lax, c) != "pass"),
        "{what}: {}",
        lax.report["controls"]
    );
    assert_eq!(run_env(repo, &["--no-fail-closed"], true).code, 0, "{what}");
    let (_, text) = human(repo, &[]);
    assert!(
        text.contains("not fully analysed") && text.contains(file),
        "{what}: the human view says what was not seen:\n{text}"
    );
}

/// An unmoderated endpoint with its router in `file`, mounted from `src/main.rs`.
fn unmoderated_in(repo: &Path, file: &str, body: &str) {
    let main = fs::read_to_string(repo.join("src/main.rs")).unwrap();
    let path = Path::new(file);
    let module = match path.file_stem().unwrap().to_str().unwrap() {
        "mod" => path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap(),
        stem => stem,
    };
    write(
        repo,
        "src/main.rs",
        main.replace("mod admin;", &format!("mod {module};\nmod admin;"))
            .replace(
                ".with_state(state);",
                &format!(".merge({module}::routes())\n        .with_state(state);"),
            ),
    );
    write(repo, file, body);
}

const UNMODERATED_ROUTER: &str = "use std::sync::Arc;\nuse axum::{extract::State, routing::post, Router};\nuse crate::AppState;\n\npub fn routes() -> Router<Arc<AppState>> {\n    Router::new().route(\"/v1/draft\", post(draft))\n}\n\npub async fn draft(State(state): State<Arc<AppState>>, body: String) -> String {\n    state.llm.chat().create(body).await.unwrap()\n}\n";

/// Item 4: a handler file padded past the size cap, or one that trips the nesting guard
/// with code that compiles, hides an unmoderated endpoint.
#[test]
fn files_not_fully_analysed_fail_the_gate_in_ci() {
    let (_tmp, repo) = service("repo");
    let padded = format!(
        "{UNMODERATED_ROUTER}\n{}",
        "// padding padding padding padding padding padding padding padding\n".repeat(40_000)
    );
    unmoderated_in(&repo, "src/padded.rs", &padded);
    fails_closed_in_ci(&repo, "src/padded.rs", "past the size cap");

    let (_tmp, repo) = service("repo");
    let deep = format!(
        "{UNMODERATED_ROUTER}\nconst PAD: &str = stringify!({});\n",
        "+ ".repeat(20_000)
    );
    unmoderated_in(&repo, "src/deep.rs", &deep);
    fails_closed_in_ci(&repo, "src/deep.rs", "nesting guard");

    // A handler spelled so that no keyword heuristic sees it, in a file that does not parse.
    let (_tmp, repo) = service("repo");
    let odd = UNMODERATED_ROUTER
        .replace(".route(", ". route (")
        .replace(".chat()", ". chat ()")
        .replace("Router", "R")
        .replace("use axum::{", "use axum::{Router as R, ")
        + "\nfn broken( {\n";
    unmoderated_in(&repo, "src/odd.rs", &odd);
    fails_closed_in_ci(&repo, "src/odd.rs", "unparsable, no keyword");
}

/// Item 3: a config file that cannot be read in full is a diagnostic and, when it could hold
/// a capability key, leaves the affected controls not observable.
#[test]
fn a_config_file_too_deep_to_read_is_never_absent() {
    let pad = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for (file, text) in [
        (
            "config/moderation.json",
            format!(
                "{{\"moderation\": {{\"enabled\": false}}, \"pad\": {}}}",
                pad(200)
            ),
        ),
        (
            "config/moderation.toml",
            format!("[moderation]\nenabled = false\npad = {}\n", pad(200)),
        ),
        (
            "config/moderation.yaml",
            format!("moderation:\n  enabled: false\npad: {}\n", pad(200)),
        ),
    ] {
        let (_tmp, repo) = service("repo");
        write(&repo, file, &text);
        let r = run_env(&repo, &[], false);
        let d = diagnostic(&r, file);
        assert_eq!(d["kind"], "config-error", "{file}: {d}");
        fails_closed_in_ci(&repo, file, file);
    }
    // Deep, but nothing in it could switch a capability: a diagnostic, no blind spot.
    let (_tmp, repo) = service("repo");
    write(
        &repo,
        "config/layout.json",
        format!("{{\"theme\": \"dark\", \"pad\": {}}}", pad(200)),
    );
    let r = run_env(&repo, &[], true);
    diagnostic(&r, "config/layout.json");
    assert_eq!(status(&r, "CN-GAI-4.2"), "pass");
    assert_eq!(r.code, 0, "{}", r.report["findings"]);
}

// ---------------------------------------------------------------------------------------------
// Issue 13, item 2: code the compiler builds is never skipped by the walker.

/// The `/v1/draft` endpoint's input-moderation finding, which must be there.
fn draft_found(r: &Run, what: &str) {
    let hits: Vec<_> = findings_of(r, "CN-GAI-4.1")
        .into_iter()
        .filter(|f| f["endpoint"]["route"] == "/v1/draft")
        .collect();
    assert_eq!(hits.len(), 1, "{what}: {}", r.report["findings"]);
    assert_eq!(r.code, 1, "{what}");
}

#[test]
fn modules_the_compiler_builds_are_scanned_wherever_they_are() {
    // `mod vendor;` and the like, into a directory the walk skips as a vendored tree.
    for dir in ["vendor", "third_party", "node_modules", "target"] {
        let (_tmp, repo) = service("repo");
        let module = dir.replace('-', "_");
        unmoderated_in(&repo, &format!("src/{module}/mod.rs"), UNMODERATED_ROUTER);
        let r = run(&repo, &[]);
        draft_found(&r, dir);
        assert!(
            r.report["endpoints"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["file"] == format!("src/{module}/mod.rs")),
            "{dir}"
        );
    }
    // `#[path]` into a hidden directory, and a module file of that module next to it.
    let (_tmp, repo) = service("repo");
    let main = fs::read_to_string(repo.join("src/main.rs")).unwrap();
    write(
        &repo,
        "src/main.rs",
        main.replace(
            "mod admin;",
            "#[path = \"../.impl/evil.rs\"]\nmod evil;\nmod admin;",
        )
        .replace(
            ".with_state(state);",
            ".merge(evil::routes())\n        .with_state(state);",
        ),
    );
    write(
        &repo,
        ".impl/evil.rs",
        "mod inner;\npub use inner::routes;\n",
    );
    write(&repo, ".impl/inner.rs", UNMODERATED_ROUTER);
    let r = run(&repo, &[]);
    draft_found(&r, "#[path] into a hidden directory");
    // Inline modules and `#[path]` inside them follow the compiler's rules.
    let (_tmp, repo) = service("repo");
    let main = fs::read_to_string(repo.join("src/main.rs")).unwrap();
    write(
        &repo,
        "src/main.rs",
        main.replace(
            "mod admin;",
            "mod outer {\n    #[path = \"gen.rs\"]\n    pub mod generated;\n}\nmod admin;",
        )
        .replace(
            ".with_state(state);",
            ".merge(outer::generated::routes())\n        .with_state(state);",
        ),
    );
    write(&repo, "src/outer/gen.rs", UNMODERATED_ROUTER);
    write(&repo, ".gitignore", "src/outer/\n");
    draft_found(
        &run(&repo, &[]),
        "inline module, #[path] inside it, git-ignored",
    );
}

#[test]
fn vendored_crates_are_skipped_unless_the_workspace_builds_them() {
    let vendored = |repo: &Path, dir: &str| {
        write(
            repo,
            &format!("{dir}/Cargo.toml"),
            "[package]\nname = \"draftsvc\"\nversion = \"0.1.0\"\n",
        );
        write(
            repo,
            &format!("{dir}/src/lib.rs"),
            UNMODERATED_ROUTER.replace("crate::AppState", "super::AppState"),
        );
    };
    // A crate vendored for source replacement, which the workspace does not compile as its own.
    let (_tmp, repo) = service("repo");
    vendored(&repo, "vendor/draftsvc");
    let r = run(&repo, &[]);
    assert_eq!(r.code, 0, "{}", r.report["findings"]);
    assert!(
        r.report["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["route"] != "/v1/draft")
    );
    // The same crate as a workspace member: built, so scanned.
    let manifest = fs::read_to_string(repo.join("Cargo.toml")).unwrap();
    write(
        &repo,
        "Cargo.toml",
        format!("{manifest}\n[workspace]\nmembers = [\".\", \"vendor/*\"]\n"),
    );
    let r = run(&repo, &[]);
    assert!(
        r.report["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["route"] == "/v1/draft"),
        "{}",
        r.report["endpoints"]
    );
    // A path dependency inside a workspace is a member too.
    write(&repo, "Cargo.toml", format!("{manifest}\n[workspace]\n"));
    let with_dep = fs::read_to_string(repo.join("Cargo.toml"))
        .unwrap()
        .replace(
            "[dependencies]\n",
            "[dependencies]\ndraftsvc = { path = \"vendor/draftsvc\" }\n",
        );
    write(&repo, "Cargo.toml", with_dep);
    let r = run(&repo, &[]);
    assert!(
        r.report["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["route"] == "/v1/draft"),
        "{}",
        r.report["endpoints"]
    );
}

// ---------------------------------------------------------------------------------------------
// Issue 13, items 7, 8 and 12: nothing in the tree makes genai-gate read or write outside it,
// or run without bounds.

/// A secret outside the repository, in a file that is not valid TOML (so a loader that read
/// it would quote it in an error snippet).
const SECRET: &str = "TOPSECRET-c4f3b4b3";

fn with_profile_line(repo: &Path, line: &str) {
    let profile = fs::read_to_string(repo.join("genai-gate.toml")).unwrap();
    write(
        repo,
        "genai-gate.toml",
        profile.replace("[policy]\n", &format!("[policy]\n{line}\n")),
    );
}

fn refused(r: &Run, what: &str) {
    assert_eq!(r.code, 2, "{what}: {}", r.stderr);
    assert!(!r.stderr.contains(SECRET), "{what} leaked: {}", r.stderr);
    assert!(
        r.stderr.contains("outside") || r.stderr.contains("not a regular file"),
        "{what}: says why: {}",
        r.stderr
    );
}

/// Item 7: profile, pack and catalogue paths resolve inside the root, are regular files, and
/// only those are quoted.
#[cfg(unix)]
#[test]
fn policy_files_are_read_only_inside_the_root() {
    let (tmp, repo) = service("repo");
    let outside = tmp.path().join("outside");
    write(
        &outside,
        "secret.toml",
        format!("[pack]\nid = \"{SECRET}\n"),
    );
    write(
        &outside,
        "dir/pack.toml",
        format!("[pack]\nid = \"{SECRET}\n"),
    );
    let envs = [("GG_SECRET", SECRET)];
    let run_with_env = |repo: &Path| {
        let out = common::genai_gate()
            .envs(envs)
            .args(["--color", "never", "check", "--format", "json"])
            .arg(repo)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap(),
            report: Value::Null,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let profile = fs::read_to_string(repo.join("genai-gate.toml")).unwrap();
    for (line, what) in [
        ("load = [\"/proc/self/environ\"]", "an absolute path"),
        (
            "load = [\"../outside/secret.toml\"]",
            "a relative path out of the root",
        ),
        (
            "load = [\"../../../../../../../../etc/passwd\"]",
            "/etc/passwd",
        ),
        (
            &format!("load = [\"{}\"]", outside.join("dir").display()),
            "a directory outside",
        ),
    ] {
        write(&repo, "genai-gate.toml", &profile);
        with_profile_line(&repo, line);
        refused(&run_with_env(&repo), what);
    }
    // Links inside the root that point out of it: to a file, to a directory.
    write(&repo, "genai-gate.toml", &profile);
    std::os::unix::fs::symlink(outside.join("secret.toml"), repo.join("linked.toml")).unwrap();
    std::os::unix::fs::symlink(outside.join("dir"), repo.join("linked-dir")).unwrap();
    for (line, what) in [
        ("load = [\"linked.toml\"]", "a link to a file outside"),
        ("load = [\"linked-dir\"]", "a link to a directory outside"),
    ] {
        write(&repo, "genai-gate.toml", &profile);
        with_profile_line(&repo, line);
        refused(&run_with_env(&repo), what);
    }
    // A directory load inside the root reads only its own regular `.toml` files, and a link
    // in it is an error, never followed.
    write(&repo, "genai-gate.toml", &profile);
    fs::create_dir_all(repo.join("packs")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.toml"), repo.join("packs/x.toml")).unwrap();
    with_profile_line(&repo, "load = [\"packs\"]");
    let r = run_with_env(&repo);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!r.stderr.contains(SECRET), "{}", r.stderr);
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    // A symlinked profile pointing out of the root.
    fs::remove_file(repo.join("genai-gate.toml")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.toml"), repo.join("genai-gate.toml")).unwrap();
    refused(&run_with_env(&repo), "a linked profile");
}

/// Item 8: the cache lives in the user's cache directory, keyed by repository, follows no
/// link, is never read from the tree, and is not used under CI unless asked for.
#[cfg(unix)]
#[test]
fn the_cache_never_writes_through_the_tree() {
    let (tmp, repo) = service("repo");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(outside.join("facts-v0-keep")).unwrap();
    write(&outside, "facts-v0-keep/precious.txt", "keep me");
    std::os::unix::fs::symlink(&outside, repo.join(".genai-gate-cache")).unwrap();
    let cache = tmp.path().join("xdg");
    let run_cache = |extra: &[&str], ci: bool| {
        let mut cmd = common::genai_gate();
        cmd.env("XDG_CACHE_HOME", &cache);
        if ci {
            cmd.env("CI", "true");
        }
        let out = cmd
            .args(["--color", "never", "check", "--format", "json"])
            .args(extra)
            .arg(&repo)
            .output()
            .unwrap();
        assert!(
            out.status.code().unwrap() < 2,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let listing = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = walk_all(dir);
        v.sort();
        v
    };
    let before = listing(&outside);
    let root_before = listing(&repo);
    // Under CI: no cache at all, unless asked for.
    run_cache(&[], true);
    assert!(!cache.exists(), "no cache under CI");
    // Outside CI: in the user's cache directory, never through the tree's link.
    run_cache(&[], false);
    assert!(
        cache.join("genai-gate").is_dir(),
        "the cache is in XDG_CACHE_HOME"
    );
    assert_eq!(
        listing(&outside),
        before,
        "nothing written or deleted through the link"
    );
    assert_eq!(listing(&repo), root_before, "nothing written into the tree");
    // `.genai-gate-cache -> .`: still nothing written into the root.
    fs::remove_file(repo.join(".genai-gate-cache")).unwrap();
    std::os::unix::fs::symlink(".", repo.join(".genai-gate-cache")).unwrap();
    run_cache(&[], false);
    assert!(
        !repo.join(".gitignore").exists(),
        "no `*` .gitignore in the root"
    );
    // A cache directory inside the scanned tree is refused, and an explicit one under CI used.
    let asked = tmp.path().join("asked");
    run_cache(&["--cache-dir", asked.to_str().unwrap()], true);
    assert!(asked.is_dir(), "an explicit cache is used under CI");
    let inside = repo.join("cache-here");
    run_cache(&["--cache-dir", inside.to_str().unwrap()], false);
    assert!(!inside.exists(), "a cache inside the tree is refused");
}

fn walk_all(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        out.push(p.display().to_string());
        if e.file_type().unwrap().is_dir() {
            out.extend(walk_all(&p));
        }
    }
    out
}

/// Item 12: each hostile input ends in bounded time and memory with a clear diagnostic.
#[cfg(unix)]
#[test]
fn hostile_sizes_and_shapes_are_bounded() {
    let limit = std::time::Duration::from_secs(60);
    let timed = |repo: &Path, extra: &[&str]| {
        let start = std::time::Instant::now();
        let r = run(repo, extra);
        assert!(start.elapsed() < limit, "took {:?}", start.elapsed());
        r
    };
    let sparse = |path: &Path, size: u64| {
        let f = fs::File::create(path).unwrap();
        f.set_len(size).unwrap();
    };
    // A load of a folder with links back to itself.
    let (_tmp, repo) = service("repo");
    fs::create_dir_all(repo.join("packs")).unwrap();
    std::os::unix::fs::symlink("..", repo.join("packs/up")).unwrap();
    std::os::unix::fs::symlink(".", repo.join("packs/here")).unwrap();
    with_profile_line(&repo, "load = [\"packs\"]");
    let r = timed(&repo, &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    // `/dev/zero`, directly and through a link, and a FIFO.
    for (setup, line) in [
        ("", "load = [\"/dev/zero\"]"),
        ("link", "load = [\"zero.toml\"]"),
        ("fifo", "load = [\"fifo.toml\"]"),
    ] {
        let (_tmp, repo) = service("repo");
        match setup {
            "link" => std::os::unix::fs::symlink("/dev/zero", repo.join("zero.toml")).unwrap(),
            "fifo" => {
                let ok = std::process::Command::new("mkfifo")
                    .arg(repo.join("fifo.toml"))
                    .status()
                    .unwrap();
                assert!(ok.success());
            }
            _ => {}
        }
        with_profile_line(&repo, line);
        let r = timed(&repo, &[]);
        assert_eq!(r.code, 2, "{line}: {}", r.stderr);
    }
    // A 1 GB sparse profile: refused by its size, without reading it or echoing it.
    let (_tmp, repo) = service("repo");
    sparse(&repo.join("genai-gate.toml"), 1 << 30);
    let r = timed(&repo, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("larger than"), "{}", r.stderr);
    assert!(r.stderr.len() < 10_000, "the bytes are not echoed");
    // A 16 MB `.ignore` and a 1 GB sparse `Cargo.toml`: not read, named.
    let (_tmp, repo) = service("repo");
    write(&repo, ".ignore", "a*b*c*d*e*f*g*h*i*j*k\n".repeat(800_000));
    sparse(&repo.join("Cargo.toml"), 1 << 30);
    let r = timed(&repo, &[]);
    intact(&r);
    assert_eq!(r.code, 0, "a manifest cannot switch moderation off");
    for f in [".ignore", "Cargo.toml"] {
        assert!(
            diagnostic(&r, f)["message"]
                .as_str()
                .unwrap()
                .contains("larger than"),
            "{f}"
        );
    }
    assert_eq!(timed(&repo, &["--strict"]).code, 1);
    // 40,000 waivers.
    let (_tmp, repo) = service("repo");
    let mut profile = fs::read_to_string(repo.join("genai-gate.toml")).unwrap();
    for i in 0..40_000 {
        profile.push_str(&format!(
            "\n[[waiver]]\ncontrol = \"CN-GAI-4.{}\"\npaths = [\"src/gen{i}/**\"]\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-01-01\n",
            1 + i % 2
        ));
    }
    write(&repo, "genai-gate.toml", profile);
    let r = timed(&repo, &[]);
    assert_eq!(findings_of(&r, "GATE-WAIVER-UNUSED").len(), 40_000);
}

/// Item 8: outputs named relative to the checkout (`--output`, the Action's SARIF file, the
/// baseline) are never written through a link the tree holds.
#[cfg(unix)]
#[test]
fn outputs_are_never_written_through_a_link() {
    let (tmp, repo) = service("repo");
    let victim = tmp.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, repo.join("genai-gate.sarif")).unwrap();
    std::os::unix::fs::symlink(&victim, repo.join("genai-gate-baseline.json")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), repo.join("reports")).unwrap();
    for args in [
        &["check", "--output", "sarif=genai-gate.sarif"][..],
        &["check", "--output", "junit=reports/victim.txt"][..],
        &["baseline", "write"][..],
    ] {
        let out = common::genai_gate()
            .current_dir(&repo)
            .args(["--color", "never"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("symbolic link"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious", "{args:?}");
    }
}

/// Python files get the same treatment as Rust ones: bad encodings, a BOM, tabs and spaces
/// mixed, 10 000-deep nesting and operator chains, a 10 MB line: each named or parsed, none
/// crashing the scan.
#[test]
fn hostile_python_files_are_named_or_parsed() {
    let (_tmp, repo) = service("repo");
    let n = 10_000;
    write(
        &repo,
        "py/latin1.py",
        b"# caf\xe9\n@app.post('/x')\ndef f():\n    pass\n",
    );
    write(
        &repo,
        "py/bom.py",
        b"\xef\xbb\xbfimport os\n\ndef f():\n    return os.sep\n",
    );
    write(
        &repo,
        "py/tabs.py",
        "def f():\n    if a:\n\tpass\n        return 1\n",
    );
    write(
        &repo,
        "py/parens.py",
        format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n)),
    );
    // 1 000 nested blocks (indentation grows quadratically: half a megabyte, under the cap).
    let blocks = 1_000;
    let ifs: String = (0..blocks)
        .map(|i| format!("{}if a:\n", " ".repeat(i)))
        .collect();
    write(
        &repo,
        "py/ifs.py",
        format!("{ifs}{}pass\n", " ".repeat(blocks)),
    );
    write(
        &repo,
        "py/sum.py",
        format!("x = 1{}\n", " + 1".repeat(n * 40)),
    );
    write(
        &repo,
        "py/chain.py",
        format!("x = a{}\n", ".b()".repeat(n * 10)),
    );
    write(&repo, "py/nots.py", format!("x = {}a\n", "not ".repeat(n)));
    let r = run(&repo, &[]);
    intact(&r);
    assert!(
        diagnostic(&r, "py/latin1.py")["message"]
            .as_str()
            .unwrap()
            .contains("not valid UTF-8")
    );
    for f in ["py/parens.py", "py/ifs.py", "py/sum.py", "py/chain.py"] {
        let d = diagnostic(&r, f);
        assert!(
            d["message"].as_str().unwrap().contains("nesting too deep"),
            "{f}: {d}"
        );
    }
    let diags = r.report["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().all(|d| d["file"] != "py/bom.py"),
        "a BOM is skipped"
    );
    // A latin-1 file with a route blinds the endpoint controls.
    assert_eq!(status(&r, "CN-GAI-4.1"), "not-observable");
    assert_eq!(run(&repo, &["--strict"]).code, 1);
    // A 10 MB line under a raised cap is parsed.
    write(
        &repo,
        "py/longline.py",
        format!("x = \"{}\"\n", "a".repeat(10 << 20)),
    );
    let profile = fs::read_to_string(repo.join("genai-gate.toml")).unwrap();
    write(
        &repo,
        "genai-gate.toml",
        format!("{profile}\n[files]\nmax-file-size = 20000000\n"),
    );
    let r = run(&repo, &[]);
    intact(&r);
    assert!(
        r.report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["file"] != "py/longline.py")
    );
}
