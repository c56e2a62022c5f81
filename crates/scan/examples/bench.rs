//! Benchmark: `check` against parsing alone, on a generated workspace.
//!
//! ```text
//! cargo run --release -p genai-gate-scan --example bench -- [LINES] [JOBS]
//! ```
//!
//! Generates a synthetic service workspace of about LINES lines (default 500 000) of
//! realistic handler, client and model code in a temporary directory, then runs, in this
//! process and on the same thread count: (1) parse-only — read every `.rs` file and
//! `syn::parse_file` it, keeping nothing; (2) the full scan. It prints both wall times,
//! their ratio and the peak resident memory of each phase (VmHWM, reset between phases).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use genai_gate_policy::{PolicySet, Profile, resolve};
use rayon::prelude::*;

fn module_source(i: usize) -> String {
    let mut s = String::with_capacity(12_000);
    let _ = write!(
        s,
        r#"use std::sync::Arc;

use async_openai::types::{{CreateChatCompletionRequestArgs, CreateModerationRequestArgs}};
use axum::{{extract::State, http::StatusCode, Json}};
use serde::{{Deserialize, Serialize}};

use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct Request{i} {{
    pub user_id: i64,
    pub prompt: String,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
}}

#[derive(Debug, Serialize)]
pub struct Response{i} {{
    pub id: String,
    pub text: String,
    pub usage: u32,
}}

#[derive(Debug, thiserror::Error)]
pub enum Error{i} {{
    #[error("upstream: {{0}}")]
    Upstream(String),
    #[error("flagged")]
    Flagged,
    #[error("forbidden")]
    Forbidden,
}}

impl From<Error{i}> for StatusCode {{
    fn from(e: Error{i}) -> StatusCode {{
        match e {{
            Error{i}::Upstream(_) => StatusCode::BAD_GATEWAY,
            Error{i}::Flagged => StatusCode::UNPROCESSABLE_ENTITY,
            Error{i}::Forbidden => StatusCode::FORBIDDEN,
        }}
    }}
}}

pub async fn handler_{i}(State(state): State<Arc<AppState>>, Json(req): Json<Request{i}>) -> Result<Json<Response{i}>, StatusCode> {{
    let user = state.users.find(req.user_id).await.map_err(|_| StatusCode::UNAUTHORIZED)?;
    if !user.is_active {{
        return Err(StatusCode::FORBIDDEN);
    }}
    screen_{i}(&state, &req.prompt).await?;
    let text = generate_{i}(&state, &req).await?;
    screen_{i}(&state, &text).await?;
    record_{i}(&state, req.user_id, &req.prompt, &text).await;
    Ok(Json(Response{i} {{ id: format!("resp-{i}-{{}}", req.user_id), usage: text.len() as u32, text }}))
}}

async fn screen_{i}(state: &AppState, text: &str) -> Result<(), StatusCode> {{
    let request = CreateModerationRequestArgs::default().input(text).build().map_err(|_| StatusCode::BAD_REQUEST)?;
    let response = state.openai.moderations().create(request).await.map_err(|_| StatusCode::BAD_GATEWAY)?;
    if response.results.iter().any(|r| r.flagged) {{
        return Err(StatusCode::UNPROCESSABLE_ENTITY);
    }}
    Ok(())
}}

async fn generate_{i}(state: &AppState, req: &Request{i}) -> Result<String, StatusCode> {{
    let request = CreateChatCompletionRequestArgs::default()
        .model("qwen-plus")
        .max_tokens(req.max_tokens.unwrap_or(512))
        .temperature(req.temperature.unwrap_or(0.7))
        .messages(vec![user_message(&req.prompt)])
        .build()
        .map_err(|_| StatusCode::BAD_REQUEST)?;
    let response = state.openai.chat().create(request).await.map_err(|_| StatusCode::BAD_GATEWAY)?;
    let text = response
        .choices
        .into_iter()
        .filter_map(|c| c.message.content)
        .collect::<Vec<_>>()
        .join("\n");
    Ok(text)
}}

async fn record_{i}(state: &AppState, user_id: i64, prompt: &str, output: &str) {{
    let _ = sqlx::query("INSERT INTO audit_log (user_id, prompt, output) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(prompt)
        .bind(output)
        .execute(&state.db)
        .await;
}}
"#
    );
    // Ordinary business code: most lines of a real service are not endpoints.
    for j in 0..12 {
        let _ = write!(
            s,
            r#"
#[derive(Debug, Clone, Default)]
pub struct Record{i}x{j} {{
    pub id: u64,
    pub name: String,
    pub tags: Vec<String>,
    pub score: f64,
}}

impl Record{i}x{j} {{
    pub fn new(id: u64, name: &str) -> Self {{
        Self {{ id, name: name.to_owned(), ..Default::default() }}
    }}

    pub fn normalised(&self) -> String {{
        let mut out = String::with_capacity(self.name.len());
        for ch in self.name.chars() {{
            match ch {{
                'A'..='Z' => out.push(ch.to_ascii_lowercase()),
                ' ' | '\t' => out.push('-'),
                c if c.is_alphanumeric() => out.push(c),
                _ => {{}}
            }}
        }}
        out
    }}

    pub fn weighted(&self, weights: &[f64]) -> f64 {{
        self.tags.iter().zip(weights).map(|(t, w)| t.len() as f64 * w).sum::<f64>() + self.score
    }}
}}
"#
        );
    }
    s
}

fn generate(root: &Path, lines: usize) -> std::io::Result<(usize, usize)> {
    let sample = module_source(0);
    let per = sample.lines().count();
    let n = (lines / per).max(1);
    let src = root.join("src");
    std::fs::create_dir_all(src.join("api"))?;
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"bench-service\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )?;
    let mut routes = String::from(
        "use axum::{routing::post, Router};\n\npub fn router() -> Router {\n    Router::new()\n",
    );
    let mut mods = String::new();
    for i in 0..n {
        std::fs::write(src.join("api").join(format!("m{i}.rs")), module_source(i))?;
        let _ = writeln!(
            routes,
            "        .route(\"/v1/m{i}/chat\", post(crate::api::m{i}::handler_{i}))"
        );
        let _ = writeln!(mods, "pub mod m{i};");
    }
    routes.push_str("}\n");
    std::fs::write(src.join("api/mod.rs"), mods)?;
    std::fs::write(src.join("routes.rs"), routes)?;
    std::fs::write(
        src.join("state.rs"),
        "pub struct AppState { pub openai: async_openai::Client, pub db: sqlx::PgPool, pub users: Users }\npub struct Users;\n",
    )?;
    std::fs::write(
        src.join("main.rs"),
        "mod api;\nmod routes;\nmod state;\n\n#[tokio::main]\nasync fn main() {\n    let app = routes::router();\n    let listener = tokio::net::TcpListener::bind(\"0.0.0.0:8080\").await.unwrap();\n    axum::serve(listener, app).await.unwrap();\n}\n",
    )?;
    Ok((n, n * per))
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn reset_peak() {
    // Linux: writing 5 to clear_refs resets the peak resident set size (VmHWM).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let mut args = std::env::args().skip(1);
    let lines: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500_000);
    let jobs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let dir = std::env::temp_dir().join(format!("genai-gate-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (files, total) = generate(&dir, lines).expect("generate the synthetic workspace");
    println!("workspace: {files} modules, {total} lines of Rust, {jobs} threads");

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .expect("thread pool");
    let set = PolicySet::embedded().expect("embedded packs");
    let policy = resolve(&set, Profile::default_profile(), true, None).expect("default policy");
    let opts = genai_gate_scan::ScanOptions {
        jobs: Some(jobs),
        ..Default::default()
    };

    // Warm the page cache so neither phase pays for the first read.
    let _ = genai_gate_scan::scan_with(&policy, &dir, &opts);

    reset_peak();
    let t = Instant::now();
    let paths: Vec<_> = ignore::WalkBuilder::new(&dir)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect();
    let parsed: usize = pool.install(|| {
        paths
            .par_iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap_or_default();
                usize::from(syn::parse_file(&text).is_ok())
            })
            .sum()
    });
    let parse_time = t.elapsed();
    let parse_peak = peak_rss_kib();

    reset_peak();
    let t = Instant::now();
    let report = genai_gate_scan::scan_with(&policy, &dir, &opts).expect("scan");
    let check_time = t.elapsed();
    let check_peak = peak_rss_kib();

    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "parsed {parsed} files; check found {} endpoints, {} findings",
        report.endpoints.len(),
        report.findings.len()
    );
    println!(
        "parse-only: {:>8.3} s   peak RSS {} MiB",
        parse_time.as_secs_f64(),
        parse_peak.map_or("?".into(), |k| (k / 1024).to_string())
    );
    println!(
        "check:      {:>8.3} s   peak RSS {} MiB",
        check_time.as_secs_f64(),
        check_peak.map_or("?".into(), |k| (k / 1024).to_string())
    );
    println!(
        "ratio check / parse-only: {:.2}",
        check_time.as_secs_f64() / parse_time.as_secs_f64()
    );
}
