//! `genai-gate trace [PATH] METHOD ROUTE`: the call path from an endpoint's handler to each
//! generation site and capability, snapshotted on fixtures (human and JSON).

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

fn trace(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("genai-gate")
        .unwrap()
        .current_dir(root())
        .env_remove("GITHUB_ACTIONS")
        .args(["--color", "never", "trace"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn trace_shows_each_hit_with_its_call_path() {
    for (name, fixture, method, route) in [
        (
            "demo-chat",
            "fixtures/demo-service",
            "POST",
            "/v1/chat/completions",
        ),
        (
            "gateway",
            "fixtures/provider-gateway",
            "POST",
            "/v1/chat/completions",
        ),
        (
            "handoff",
            "fixtures/engine-handoff",
            "POST",
            "/v1/chat/completions",
        ),
        ("shared-site", "fixtures/engine-handoff", "post", "/mcp"),
        (
            "unlocated",
            "fixtures/unlocated-site",
            "POST",
            "/v1/chat/completions",
        ),
        (
            "graphql",
            "fixtures/news-sector",
            "MUTATION",
            "deactivateUser",
        ),
    ] {
        let (code, out, err) = trace(&[fixture, method, route]);
        assert_eq!(code, 0, "{name}: {err}");
        snapshot(&format!("trace@{name}"), &out);
    }
}

#[test]
fn trace_json_has_the_endpoint_and_its_items() {
    let (code, out, err) = trace(&[
        "fixtures/provider-gateway",
        "POST",
        "/v1/chat/completions",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["endpoint"]["route"], "/v1/chat/completions");
    let items = v["items"].as_array().unwrap();
    // The user check is found through the extractor and a message to the state manager.
    let check = items
        .iter()
        .find(|i| i["capability"] == "user.check")
        .expect("a user check");
    let path: Vec<&str> = check["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["function"].as_str().unwrap())
        .collect();
    assert_eq!(
        path[0],
        "model_gateway::auth::ApiCaller::from_request_parts"
    );
    assert!(path.iter().any(|f| f.contains("{arm@")), "{path:?}");
    // Five providers behind the trait: five generation sites.
    assert_eq!(
        items
            .iter()
            .filter(|i| i["capability"] == "generation")
            .count(),
        5
    );
}

#[test]
fn an_unknown_endpoint_is_a_usage_error_with_a_suggestion() {
    let (code, _, err) = trace(&["fixtures/demo-service", "POST", "/v1/chat/completion"]);
    assert_eq!(code, 2);
    // miette wraps long messages: compare without the wrapping.
    let flat: String = err
        .lines()
        .map(|l| l.trim_start_matches([' ', '×', '│']).trim_end())
        .collect::<Vec<_>>()
        .join("");
    assert!(
        flat.contains("did you mean `POST /v1/chat/completions`"),
        "{err}"
    );
}
