//! The HTML compliance report (`check --format html`): valid HTML5 with no parse error
//! (html5ever, as browsers parse) and no conformance error (the Nu Html Checker), every piece
//! of scanned text escaped, links to the code built from `--link-template`, and — in a real
//! browser, Debian's Chromium driven by playwright-core (`tests/browser/report.cjs`) — a page
//! that loads nothing, logs nothing, shows a matrix row per applicable article and the
//! evidence of every failing control, and prints on A4 without overflowing.
//!
//! The browser test keeps its screenshots and PDF under `target/tmp/html-report/` (a CI
//! artifact path). `GENAI_GATE_UPDATE_SCREENSHOT=1` also copies the top of the page to
//! `docs/html-report.png`, the README's picture.

mod common;
use common::{CHROMIUM, JAVA, PLAYWRIGHT_CORE, VNU, copy_dir, repo_root};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{Handle, NodeData, RcDom};
use serde_json::Value;

fn gate() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("genai-gate").unwrap();
    c.env("GENAI_GATE_TODAY", "2026-06-01");
    c
}

/// The report of a folder, and the exit code.
fn html(dir: &Path, extra: &[&str]) -> (i32, String) {
    let out = gate()
        .args(["check", "--no-cache", "--format", "html"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// The parse errors html5ever reports (exact messages), and the text of the document.
fn parse(html: &str) -> (Vec<String>, String) {
    let opts = html5ever::ParseOpts {
        tokenizer: html5ever::tokenizer::TokenizerOpts {
            exact_errors: true,
            ..Default::default()
        },
        tree_builder: html5ever::tree_builder::TreeBuilderOpts {
            exact_errors: true,
            ..Default::default()
        },
    };
    let dom = html5ever::parse_document(RcDom::default(), opts)
        .from_utf8()
        .read_from(&mut html.as_bytes())
        .unwrap();
    fn text(h: &Handle, out: &mut String) {
        if let NodeData::Text { contents } = &h.data {
            out.push_str(&contents.borrow());
        }
        for c in h.children.borrow().iter() {
            text(c, out);
        }
    }
    let mut body = String::new();
    text(&dom.document, &mut body);
    let errors = dom.errors.borrow().iter().map(|e| e.to_string()).collect();
    (errors, body)
}

const FIXTURES: [&str; 7] = [
    "demo-service",
    "waived-service",
    "parse-error",
    "compliant-chat",
    "internal-rnd",
    "news-sector",
    "unlocated-site",
];

#[test]
fn every_report_parses_as_html5_without_an_error() {
    for name in FIXTURES {
        let (code, page) = html(&repo_root().join("fixtures").join(name), &[]);
        assert!(code == 0 || code == 1, "{name}: exit {code}");
        let (errors, _) = parse(&page);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert!(page.starts_with("<!DOCTYPE html>"), "{name}");
        assert!(!page.contains("<script"), "{name}: no script");
        assert!(
            page.contains("Content-Security-Policy\" content=\"default-src 'none'"),
            "{name}: nothing may be fetched"
        );
        for fetch in [" src=", "<link", "@import", "url("] {
            assert!(!page.contains(fetch), "{name}: `{fetch}` would fetch");
        }
    }
}

#[test]
fn the_nu_html_checker_finds_no_error() {
    let java = JAVA.path();
    let vnu = VNU.path();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for name in FIXTURES {
        let (_, page) = html(&repo_root().join("fixtures").join(name), &[]);
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, page).unwrap();
        files.push(file);
    }
    let out = Command::new(java)
        .arg("-jar")
        .arg(vnu)
        .args(["--format", "json", "--exit-zero-always"])
        .args(&files)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stderr)
        .or_else(|_| serde_json::from_slice(&out.stdout))
        .unwrap_or_else(|e| {
            panic!(
                "vnu output is not JSON ({e}):\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let problems: Vec<String> = report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "error" || m["subType"] == "warning")
        .map(|m| format!("{}: {} ({})", m["url"], m["message"], m["extract"]))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn scanned_text_is_escaped_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"x<b>y\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("genai-gate.toml"),
        "[service]\nname = \"<script>alert('name')</script>\"\npublic = true\nregions = [\"CN\"]\nmodalities = [\"text\"]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("src/main.rs"),
        r#"use axum::{routing::post, Router};
// </td></tr></table><script>alert("comment")</script>
fn app() -> Router { Router::new().route("/v1/chat/completions/<img src=x onerror=alert(1)>", post(chat)) }
async fn chat(state: State, req: ChatCompletionRequest) -> String {
    let s = "\"><script>alert('string')</script>";
    state.client.chat().create(req).await.unwrap()
}
"#,
    )
    .unwrap();
    let (code, page) = html(root, &[]);
    assert_eq!(code, 1);
    let (errors, text) = parse(&page);
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(!page.contains("<script"), "a script tag got through");
    assert!(!page.contains("<img"), "an img tag got through");
    for literal in [
        "<script>alert('name')</script>",
        "/v1/chat/completions/<img src=x onerror=alert(1)>",
        r#"</td></tr></table><script>alert("comment")</script>"#,
    ] {
        assert!(text.contains(literal), "`{literal}` is shown as text");
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn links_point_at_the_commit_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let svc = dir.path().join("services/chat api");
    copy_dir(&repo_root().join("fixtures/demo-service"), &svc);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "demo"]);
    let head = git(dir.path(), &["rev-parse", "HEAD"]);
    let template = "https://example.com/o/r/blob/{commit}/{path}#L{line}";
    let (_, page) = html(&svc, &["--link-template", template]);
    let link = format!(
        "href=\"https://example.com/o/r/blob/{head}/services/chat%20api/src/routes.rs#L64\""
    );
    assert!(page.contains(&link), "no {link}");
    assert!(page.contains(&head), "the commit is in the header");
    assert!(!page.contains("with uncommitted changes"));
    std::fs::write(svc.join("src/routes.rs"), "// changed\n").unwrap();
    let (_, page) = html(&svc, &["--link-template", template]);
    assert!(page.contains("with uncommitted changes"));

    // Outside a checkout a template naming {commit} makes no links, and says so.
    let loose = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("fixtures/demo-service"), loose.path());
    let (_, page) = html(loose.path(), &["--link-template", template]);
    assert!(!page.contains("href=\"https://example.com"));
    assert!(page.contains("not a git checkout"));

    for bad in [
        "https://x/{commit}",
        "javascript:alert(1)//{path}",
        "https://x/{path}{col}",
    ] {
        let out = gate()
            .args(["check", "--format", "html", "--link-template", bad])
            .arg(loose.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn output_html_writes_the_report_beside_another_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out/report.html");
    let out = gate()
        .args(["check", "--no-cache", "--format", "json", "--output"])
        .arg(format!("html={}", file.display()))
        .arg(repo_root().join("fixtures/waived-service"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    serde_json::from_slice::<Value>(&out.stdout).unwrap();
    let page = std::fs::read_to_string(&file).unwrap();
    for part in [
        "Waivers of the profile",
        "Findings that do not count",
        "platform-team",
        "expired",
    ] {
        assert!(page.contains(part), "no `{part}`");
    }
}

/// The article of a citation, as the matrix groups them (`Art. 4(1)` → `Art. 4`).
fn article_of(citation: &str) -> String {
    let Some(at) = citation.find("Art.") else {
        return citation.trim().to_owned();
    };
    let digits: String = citation[at + 4..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    format!("{} {digits}", &citation[..at + 4])
}

fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report")
}

#[test]
fn the_demo_report_renders_in_chromium() {
    let chromium = CHROMIUM.path();
    let playwright = PLAYWRIGHT_CORE.path();
    let playwright = playwright.parent().unwrap();
    let out_dir = artifacts();
    std::fs::create_dir_all(&out_dir).unwrap();
    let demo = repo_root().join("fixtures/demo-service");
    let (_, page) = html(&demo, &[]);
    let report = out_dir.join("demo-service.html");
    std::fs::write(&report, &page).unwrap();
    let json = gate()
        .args(["check", "--no-cache", "--format", "json"])
        .arg(&demo)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();

    let out = Command::new("node")
        .arg(repo_root().join("tests/browser/report.cjs"))
        .arg(playwright)
        .arg(&chromium)
        .arg(&report)
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the browser run failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!(
        "screenshots and PDF of the report: {}",
        out_dir.join("report.png").display()
    );

    assert_eq!(seen["console"], Value::Array(vec![]), "console messages");
    assert_eq!(seen["pageErrors"], Value::Array(vec![]), "page errors");
    assert_eq!(seen["requests"], Value::Array(vec![]), "network requests");
    let dom = &seen["dom"];
    assert_eq!(dom["scripts"], 0);
    assert_eq!(dom["verdict"], "Fails the gate");
    assert_eq!(dom["overflow"], false, "the page is wider than the window");

    // A row per applicable article, and no other.
    let want: BTreeSet<String> = json["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] != "not-applicable")
        .flat_map(|c| c["citations"].as_array().unwrap().iter())
        .map(|c| article_of(c.as_str().unwrap()))
        .collect();
    let rows = dom["matrix"].as_array().unwrap();
    let got: BTreeSet<String> = rows
        .iter()
        .map(|r| r["article"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, want);
    assert_eq!(rows.len(), want.len(), "one row each");
    assert!(rows.iter().all(|r| r["visible"] == true));

    // Every failing control shows its evidence: each finding, with the cited code when the
    // finding has a place.
    let controls = dom["controls"].as_array().unwrap();
    let failing: Vec<&Value> = json["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert!(failing.len() >= 5, "demo-service has failing controls");
    for c in failing {
        let id = c["id"].as_str().unwrap();
        let shown = controls.iter().find(|x| x["id"] == id).unwrap();
        assert_eq!(shown["status"], "fail", "{id}");
        let findings: Vec<&Value> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["control"] == id)
            .collect();
        let views = shown["findings"].as_array().unwrap();
        assert_eq!(views.len(), findings.len(), "{id}: every finding shown");
        assert!(!views.is_empty(), "{id} shows no evidence");
        for (f, v) in findings.iter().zip(views) {
            assert_eq!(v["visible"], true, "{id}");
            assert!(
                v["text"]
                    .as_str()
                    .unwrap()
                    .contains(f["message"].as_str().unwrap()),
                "{id}: {v}"
            );
            if f["file"].is_string() && f["line"].is_number() {
                assert!(
                    v["cited_lines"].as_u64().unwrap() >= 1,
                    "{id}: no code: {v}"
                );
            }
        }
    }

    // Each generation endpoint's flow: the site, what comes before it, the call paths, and
    // what is missing.
    let flows = dom["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 2);
    let chat = flows
        .iter()
        .find(|f| f["title"] == "POST /v1/chat/completions")
        .unwrap();
    let steps: Vec<&str> = chat["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        steps.contains(&"before") && steps.contains(&"site"),
        "{steps:?}"
    );
    assert!(chat["paths"].as_u64().unwrap() >= 2);
    assert!(
        chat["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().starts_with("moderation.output")),
        "{chat}"
    );

    // Print to PDF: A4 pages, nothing wider than the page, no navigation.
    let print = &seen["print"];
    assert_eq!(print["overflow"], Value::Array(vec![]), "too wide for A4");
    assert_eq!(print["tocHidden"], true);
    assert!(print["pdfPages"].as_u64().unwrap() >= 2);
    let media: Vec<f64> = print["mediaBox"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(
        (media[2] - 595.0).abs() < 2.0 && (media[3] - 842.0).abs() < 2.0,
        "not A4: {media:?}"
    );
    for shot in ["report.png", "report-top.png", "report.pdf"] {
        assert!(out_dir.join(shot).is_file(), "{shot}");
    }
    if std::env::var_os("GENAI_GATE_UPDATE_SCREENSHOT").is_some() {
        std::fs::copy(
            out_dir.join("report-top.png"),
            repo_root().join("docs/html-report.png"),
        )
        .unwrap();
    }
}
