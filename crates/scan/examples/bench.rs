//! Benchmark: `check` against parsing alone, on a generated workspace or a real corpus.
//!
//! ```text
//! cargo run --release -p genai-gate-scan --example bench -- [LINES | DIR] [JOBS] [ROUNDS]
//! ```
//!
//! With `py:LINES`, generates a FastAPI service of about that many lines of Python instead
//! (routers included by `app/main.py`, handlers that screen, call the model and write a row).
//! With a number (default 500 000), generates a synthetic service workspace of about that
//! many lines of realistic handler, client and model code in a temporary directory (removed
//! afterwards). With a directory (e.g. `~/.cargo/registry/src`, the sweep corpus), uses the
//! Rust files in it as they are. Then runs on JOBS threads ROUNDS rounds (default 3) of, in
//! turn, each phase in a fresh process (this example started again with `--phase`), so that
//! no phase inherits another's heap or page-cache misses:
//!
//! 1. **parse-only**: the scanner's walk, then read every selected `.rs` file and
//!    `syn::parse_file` it, keeping nothing (the syntax tree is dropped and proc-macro2's span
//!    table reset per file, as the scanner does), and every `.py` file through ruff's
//!    `parse_module`;
//! 2. **check**: the full scan (`scan_with`, no cache);
//! 3. **check, pre-pass**: the full scan with the lexical pre-pass
//!    ([`genai_gate_scan::ScanOptions::prefilter`]), which parses only the files that can
//!    matter.
//!
//! One phase can be run alone, e.g. under a profiler:
//! `bench --phase parse|check|prefilter DIR JOBS` (set `GENAI_GATE_BENCH_KEEP=1` to keep a
//! generated workspace for that).
//!
//! It prints, per phase, the best and the median wall time (of the phase itself, without
//! process start and policy loading) and the peak resident memory of its process (VmHWM),
//! and the ratios to parse-only. It also checks that the pre-pass gives the same endpoints,
//! verdicts and findings as the full scan.

use std::fmt::Write as _;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
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
    // Routers of at most 200 routes each, merged: a large service composes its router from
    // parts, and one chain of thousands of `.route(..)` calls would be refused as too deep.
    let mut routes = String::from("use axum::{routing::post, Router};\n\n");
    let mut top = String::from("pub fn router() -> Router {\n    Router::new()\n");
    let mut mods = String::new();
    for i in 0..n {
        std::fs::write(src.join("api").join(format!("m{i}.rs")), module_source(i))?;
        if i % 200 == 0 {
            if i > 0 {
                routes.push_str("}\n\n");
            }
            let _ = writeln!(top, "        .merge(routes_{}())", i / 200);
            let _ = writeln!(
                routes,
                "fn routes_{}() -> Router {{\n    Router::new()",
                i / 200
            );
        }
        let _ = writeln!(
            routes,
            "        .route(\"/v1/m{i}/chat\", post(crate::api::m{i}::handler_{i}))"
        );
        let _ = writeln!(mods, "pub mod m{i};");
    }
    routes.push_str("}\n\n");
    top.push_str("}\n");
    routes.push_str(&top);
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

/// One Python module of the synthetic FastAPI service: a router, chat handlers that screen
/// the prompt, call the model, screen the answer and write a row, and plain helpers.
fn python_module_source(i: usize) -> String {
    let mut out = format!(
        "from fastapi import APIRouter, Depends, HTTPException\n\
         from openai import OpenAI\n\
         from app.db import session, ChatLog\n\
         from app.moderation import screen\n\
         from app.auth import get_current_user\n\n\
         router = APIRouter(prefix=\"/m{i}\")\n\
         client = OpenAI()\n\n"
    );
    for h in 0..8 {
        let _ = write!(
            out,
            "@router.post(\"/chat{h}\")\n\
             def chat{h}(body: dict, user=Depends(get_current_user)):\n\
             \x20   prompt = normalise_{h}(body[\"messages\"])\n\
             \x20   if not screen(prompt):\n\
             \x20       raise HTTPException(status_code=400, detail=\"refused\")\n\
             \x20   answer = client.chat.completions.create(model=\"m\", messages=prompt)\n\
             \x20   text = answer.choices[0].message.content\n\
             \x20   if not screen(text):\n\
             \x20       raise HTTPException(status_code=451, detail=\"withheld\")\n\
             \x20   session.add(ChatLog(user=user.id, prompt=str(prompt), answer=text))\n\
             \x20   session.commit()\n\
             \x20   return {{\"answer\": text, \"n\": score_{h}(text)}}\n\n\n\
             def normalise_{h}(messages):\n\
             \x20   out = []\n\
             \x20   for m in messages:\n\
             \x20       role = m.get(\"role\", \"user\")\n\
             \x20       content = str(m.get(\"content\", \"\")).strip()\n\
             \x20       if len(content) > 4000:\n\
             \x20           content = content[:4000]\n\
             \x20       out.append({{\"role\": role, \"content\": content}})\n\
             \x20   return out\n\n\n\
             def score_{h}(text):\n\
             \x20   words = [w for w in text.split() if w]\n\
             \x20   total = sum(len(w) for w in words)\n\
             \x20   return total / max(len(words), 1)\n\n\n\
             class Cache{h}:\n\
             \x20   def __init__(self, size=128):\n\
             \x20       self.size = size\n\
             \x20       self.items = {{}}\n\n\
             \x20   def get(self, key):\n\
             \x20       return self.items.get(key)\n\n\
             \x20   def put(self, key, value):\n\
             \x20       if len(self.items) >= self.size:\n\
             \x20           self.items.pop(next(iter(self.items)))\n\
             \x20       self.items[key] = value\n\n\n"
        );
    }
    out
}

/// A FastAPI service of about `lines` lines of Python: modules under `app/api/`, each router
/// included by `app/main.py`. Returns the modules and lines written.
fn generate_python(root: &Path, lines: usize) -> std::io::Result<(usize, usize)> {
    let per = python_module_source(0).lines().count();
    let n = (lines / per).max(1);
    let api = root.join("app").join("api");
    std::fs::create_dir_all(&api)?;
    let mut main = String::from("from fastapi import FastAPI\n\napp = FastAPI()\n\n");
    for i in 0..n {
        std::fs::write(api.join(format!("m{i}.py")), python_module_source(i))?;
        let _ = writeln!(
            main,
            "from app.api import m{i}\napp.include_router(m{i}.router)"
        );
    }
    std::fs::write(api.join("__init__.py"), "")?;
    std::fs::write(root.join("app").join("__init__.py"), "")?;
    std::fs::write(root.join("app").join("main.py"), main)?;
    std::fs::write(
        root.join("app").join("moderation.py"),
        "from app.filters import SensitiveWordFilter\n\n_filter = SensitiveWordFilter()\n\n\ndef screen(text):\n    return not _filter.contains(str(text))\n",
    )?;
    std::fs::write(
        root.join("app").join("auth.py"),
        "from fastapi import Header, HTTPException\nfrom app.db import session, User\n\n\ndef get_current_user(authorization: str = Header(...)):\n    user = session.query(User).filter_by(token=authorization).first()\n    if user is None or user.disabled:\n        raise HTTPException(status_code=401)\n    return user\n",
    )?;
    std::fs::write(
        root.join("app").join("db.py"),
        "from sqlalchemy.orm import declarative_base, sessionmaker\n\nBase = declarative_base()\nsession = sessionmaker()()\n\n\nclass User(Base):\n    __tablename__ = \"users\"\n\n\nclass ChatLog(Base):\n    __tablename__ = \"chat_logs\"\n",
    )?;
    Ok((n, n * per))
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What the pre-pass must not change: endpoints, control verdicts and findings (it does not
/// report parse errors in files it did not parse).
/// A hash of the endpoints, controls and findings as JSON, written straight into the hasher
/// (a 6 M-line workspace's report is a JSON text of over a hundred megabytes).
fn verdicts(r: &genai_gate_scan::Report) -> u64 {
    struct HashWriter(std::hash::DefaultHasher);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = HashWriter(std::hash::DefaultHasher::new());
    serde_json::to_writer(&mut w, &(&r.endpoints, &r.controls, &r.findings)).expect("report JSON");
    w.0.finish()
}

/// One phase's wall times and peak RSS over the rounds.
#[derive(Default)]
struct Phase {
    times: Vec<f64>,
    peak_kib: u64,
}

impl Phase {
    fn best(&self) -> f64 {
        self.times.iter().copied().fold(f64::INFINITY, f64::min)
    }

    fn median(&self) -> f64 {
        let mut t = self.times.clone();
        t.sort_by(f64::total_cmp);
        t.get(t.len() / 2).copied().unwrap_or(0.0)
    }

    fn print(&self, name: &str) {
        println!(
            "{name:<20} best {:>8.3} s   median {:>8.3} s   peak RSS {} MiB",
            self.best(),
            self.median(),
            self.peak_kib / 1024
        );
    }
}

/// What a phase child prints: its wall time, its peak RSS, and a summary of its result.
struct Outcome {
    secs: f64,
    peak_kib: u64,
    summary: String,
}

/// Runs one phase in this process (the child side): `parse`, `check` or `prefilter`.
fn run_phase(phase: &str, dir: &Path, jobs: usize) {
    let set = PolicySet::embedded().expect("embedded packs");
    let policy = resolve(&set, Profile::default_profile(), true, None).expect("default policy");
    let opts = genai_gate_scan::ScanOptions {
        jobs: Some(jobs),
        prefilter: phase == "prefilter",
        ..Default::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(64 << 20)
        .build()
        .expect("thread pool");
    // The clock stops when the phase's work is done: checking its result (hashing the
    // report) is not part of it.
    let t = Instant::now();
    let (secs, summary) = if phase == "parse" {
        let walked = genai_gate_scan::walk::walk(dir, &policy.profile.files);
        let parsed: usize = pool.install(|| {
            walked
                .files
                .par_iter()
                .filter(|f| {
                    matches!(
                        f.kind,
                        genai_gate_scan::walk::FileKind::Rust
                            | genai_gate_scan::walk::FileKind::Python
                    )
                })
                .map(|f| {
                    let text = std::fs::read_to_string(&f.abs).unwrap_or_default();
                    let ok = if f.kind == genai_gate_scan::walk::FileKind::Python {
                        // The Python floor: ruff's parser, the tree dropped.
                        ruff_python_parser::parse_module(&text).is_ok()
                    } else {
                        let ok = syn::parse_file(&text).is_ok();
                        proc_macro2::extra::invalidate_current_thread_spans();
                        ok
                    };
                    usize::from(ok)
                })
                .sum()
        });
        (t.elapsed().as_secs_f64(), format!("parsed={parsed}"))
    } else {
        let report = genai_gate_scan::scan_with(&policy, dir, &opts).expect("scan");
        let secs = t.elapsed().as_secs_f64();
        let summary = format!(
            "verdicts={:016x} rust_files={} lines={} endpoints={} findings={} diagnostics={} skipped={}",
            verdicts(&report),
            report.stats.rust_files,
            report.stats.rust_lines,
            report.endpoints.len(),
            report.findings.len(),
            report.diagnostics.len(),
            report.stats.prefiltered_out
        );
        (secs, summary)
    };
    println!("{secs} {} {summary}", peak_rss_kib().unwrap_or(0));
}

/// Runs one phase in a fresh child process, so that no phase inherits another's heap.
fn phase_child(phase: &str, dir: &Path, jobs: usize) -> Outcome {
    let out = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args(["--phase", phase])
        .arg(dir)
        .arg(jobs.to_string())
        .output()
        .expect("run a phase");
    assert!(
        out.status.success(),
        "phase {phase} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut words = text.trim().splitn(3, ' ');
    Outcome {
        secs: words.next().and_then(|w| w.parse().ok()).expect("time"),
        peak_kib: words.next().and_then(|w| w.parse().ok()).expect("peak"),
        summary: words.next().unwrap_or_default().to_owned(),
    }
}

fn field<'a>(summary: &'a str, key: &str) -> &'a str {
    summary
        .split(' ')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or("?")
}

fn main() {
    let all: Vec<String> = std::env::args().skip(1).collect();
    if all.first().map(String::as_str) == Some("--phase") {
        let jobs = all.get(3).and_then(|j| j.parse().ok()).unwrap_or(1);
        return run_phase(&all[1], Path::new(&all[2]), jobs);
    }
    let mut args = all.into_iter();
    let target = args.next().unwrap_or_else(|| "500000".into());
    let jobs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3).max(1);
    let python = target
        .strip_prefix("py:")
        .and_then(|n| n.parse::<usize>().ok());
    let (dir, generated): (PathBuf, bool) = match target.parse::<usize>() {
        _ if python.is_some() => {
            let lines = python.unwrap_or_default();
            let dir = std::env::temp_dir().join(format!("genai-gate-bench-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let (files, total) =
                generate_python(&dir, lines).expect("generate the synthetic Python service");
            println!("service: {files} generated modules, {total} lines of Python");
            (dir, true)
        }
        Ok(lines) => {
            let dir = std::env::temp_dir().join(format!("genai-gate-bench-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let (files, total) = generate(&dir, lines).expect("generate the synthetic workspace");
            println!("workspace: {files} generated modules, {total} lines of Rust");
            (dir, true)
        }
        Err(_) => (PathBuf::from(&target), false),
    };
    // Warm the page cache so no phase pays for the first read.
    let first = phase_child("check", &dir, jobs);
    println!(
        "{} Rust files, {} lines; {jobs} threads, {rounds} rounds, each phase in a fresh process; \
         check finds {} endpoints, {} findings, {} diagnostics",
        field(&first.summary, "rust_files"),
        field(&first.summary, "lines"),
        field(&first.summary, "endpoints"),
        field(&first.summary, "findings"),
        field(&first.summary, "diagnostics"),
    );
    let (mut parse, mut check, mut prefiltered) =
        (Phase::default(), Phase::default(), Phase::default());
    let mut last_pre = String::new();
    for _ in 0..rounds {
        for (name, phase) in [
            ("parse", &mut parse),
            ("check", &mut check),
            ("prefilter", &mut prefiltered),
        ] {
            let o = phase_child(name, &dir, jobs);
            phase.times.push(o.secs);
            phase.peak_kib = phase.peak_kib.max(o.peak_kib);
            if name == "prefilter" {
                assert_eq!(
                    field(&o.summary, "verdicts"),
                    field(&first.summary, "verdicts"),
                    "the pre-pass changed the endpoints, controls or findings"
                );
                last_pre = o.summary;
            }
        }
    }
    if generated && std::env::var_os("GENAI_GATE_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else if generated {
        println!("kept the workspace in {}", dir.display());
    }
    parse.print("parse-only:");
    check.print("check:");
    prefiltered.print("check, pre-pass:");
    println!(
        "ratio check / parse-only: {:.2} (best), {:.2} (median)",
        check.best() / parse.best(),
        check.median() / parse.median()
    );
    println!(
        "ratio check with pre-pass / parse-only: {:.2} (best); the pre-pass left {} Rust files \
         unparsed; endpoints, controls and findings identical to the full check ({} diagnostics \
         against {})",
        prefiltered.best() / parse.best(),
        field(&last_pre, "skipped"),
        field(&last_pre, "diagnostics"),
        field(&first.summary, "diagnostics"),
    );
}
