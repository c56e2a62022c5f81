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

use assert_cmd::Command;
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
    let out = Command::cargo_bin("genai-gate")
        .unwrap()
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
    let out = Command::cargo_bin("genai-gate")
        .unwrap()
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
/// with an unparsable-file finding naming it. `blinds`: endpoint controls become
/// not-observable (the file may hold routes).
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
    let strict = run(repo, &["--strict"]);
    assert_eq!(strict.code, 1, "{file}: strict fails closed");
    let f = findings_of(&strict, "scan/unparsable");
    assert!(
        f.iter().any(|f| f["file"] == file),
        "{file}: strict names the file: {}",
        strict.report["findings"]
    );
    if blinds {
        assert!(!findings_of(&strict, "CN-GAI-4.1").is_empty());
    }
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
    // A Latin-1 file that may hold routes blinds the endpoint controls.
    write(
        &repo,
        "src/routes_latin1.rs",
        b"// \xe9\nfn r() -> Router { Router::new() }\n",
    );
    unusable(&repo, "src/routes_latin1.rs", "not valid UTF-8", true);
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
    write(&repo, "src/util.rs", "fn ok() {}\n\nfn broken( {\n");
    unusable(&repo, "src/util.rs", "", false);
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
    // Over the default cap: skipped with a note, and a failure in strict mode.
    unusable(
        &repo,
        "src/generated.rs",
        "larger than 2097152 bytes",
        false,
    );
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
    write(tmp.path(), "package.json", "{\"name\": \"x\"}\n");
    write(tmp.path(), "config.yaml", "moderation:\n  enabled: true\n");
    let r = run(tmp.path(), &[]);
    assert_eq!(r.report["stats"]["rust_files"], 0);
    assert_eq!(r.report["stats"]["documents"], 1);
    assert_eq!(r.report["stats"]["not_analysed"]["Python"]["files"], 1);
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
        let _ = fs::remove_dir_all(dir.join(".genai-gate-cache"));
        let out = |jobs: &str, cache: bool| {
            let mut cmd = Command::cargo_bin("genai-gate").unwrap();
            cmd.args(["check", "--format", "json", "--jobs", jobs]);
            if !cache {
                cmd.arg("--no-cache");
            }
            cmd.arg(&dir).output().unwrap().stdout
        };
        let one = out("1", false);
        assert!(!one.is_empty(), "{}", fixture.display());
        assert!(
            !dir.join(".genai-gate-cache").exists(),
            "--no-cache writes nothing"
        );
        for (jobs, what) in [("2", "cold cache"), ("16", "warm cache")] {
            assert!(
                one == out(jobs, true),
                "{}: --jobs {jobs} ({what}) differs from --jobs 1",
                fixture.display()
            );
        }
        assert!(dir.join(".genai-gate-cache/.gitignore").is_file());
    }
}

/// A corrupt cache entry is discarded and the file parsed again, never trusted.
#[test]
fn a_corrupt_cache_is_discarded() {
    let (_tmp, repo) = service("repo");
    let clean = run(&repo, &["--no-cache"]).report;
    assert_eq!(run(&repo, &[]).report, clean, "cold");
    let cache = repo.join(".genai-gate-cache");
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
    assert_eq!(run(&repo, &[]).report, clean, "corrupt entries");
    assert_eq!(run(&repo, &[]).report, clean, "rewritten entries");
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
    let ifs: String = (0..n)
        .map(|i| format!("{}if a:\n", " ".repeat(i)))
        .collect();
    write(&repo, "py/ifs.py", format!("{ifs}{}pass\n", " ".repeat(n)));
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
