//! One test per code shape, on small inline sources, asserting exact facts.

use super::{RustInput, extract};
use crate::facts::{EventKind, FileFacts, Function, RoutePath};

fn scan(src: &str) -> FileFacts {
    scan_as(src, "svc::api", false)
}

fn scan_as(src: &str, module: &str, is_test_file: bool) -> FileFacts {
    let facts = extract(&RustInput {
        rel_path: "src/api.rs",
        text: src,
        crate_name: "svc",
        module,
        is_test_file,
    });
    assert_eq!(facts.parse_error, None, "unexpected parse error");
    facts
}

fn func<'a>(f: &'a FileFacts, path: &str) -> &'a Function {
    f.functions
        .iter()
        .find(|x| x.path == path)
        .unwrap_or_else(|| {
            let all: Vec<&str> = f.functions.iter().map(|x| x.path.as_str()).collect();
            panic!("no function {path}; have {all:?}")
        })
}

/// Events in a compact form: `call p`, `method recv:a.b`, `macro m`, `type T`, `str s`,
/// `fnref f`, `message E::V`.
fn ev(f: &FileFacts, path: &str) -> Vec<String> {
    func(f, path)
        .events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Call { path } => format!("call {path}"),
            EventKind::Method { chain, receiver } => {
                format!("method {receiver}:{}", chain.as_str())
            }
            EventKind::TypedMethod { chain, ty } => format!("typed {ty}:{}", chain.as_str()),
            EventKind::Macro { name } => format!("macro {name}"),
            EventKind::TypeRef { path } => format!("type {path}"),
            EventKind::Str { value, .. } => format!("str {value}"),
            EventKind::FnRef { path } => format!("fnref {path}"),
            EventKind::Message { variant } => format!("message {variant}"),
        })
        .collect()
}

fn rp(parts: &[RoutePath]) -> String {
    parts
        .iter()
        .map(|p| match p {
            RoutePath::Lit(s) => s.clone(),
            RoutePath::Const(c) => format!("{{{c}}}"),
            RoutePath::Typed => "<typed>".to_owned(),
            RoutePath::Unknown => "?".to_owned(),
        })
        .collect::<Vec<_>>()
        .join("+")
}

/// Routes as `METHOD path+parts -> handler [framework] in fn` (`in -` for attributes).
fn routes(f: &FileFacts) -> Vec<String> {
    f.routes
        .iter()
        .map(|r| {
            format!(
                "{} {} -> {} [{}] in {}",
                r.method,
                rp(&r.path),
                r.handler,
                r.framework,
                r.registered_in.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

/// Mounts as `prefix+parts => target in fn`.
fn mounts(f: &FileFacts) -> Vec<String> {
    f.mounts
        .iter()
        .map(|m| format!("{} => {} in {}", rp(&m.prefix), m.target, m.in_fn))
        .collect()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

// ---- functions and events -------------------------------------------------------------

#[test]
fn call_method_chain_and_receivers() {
    let f = scan(
        r#"
async fn chat(&self, req: Req) {
    check_sensitive(&req.text);
    let out = client.chat().create(req).await?;
    self.state.llm.generate(x);
    Self::helper();
    green::Client::text_moderation(a);
}
"#,
    );
    assert_eq!(
        ev(&f, "svc::api::chat"),
        s(&[
            "call check_sensitive",
            "method client:chat",
            "method client:chat.create",
            "method self.state.llm:generate",
            "fnref x",
            "call Self::helper",
            "call green::Client::text_moderation",
            "fnref a",
        ])
    );
}

#[test]
fn generics_are_dropped_from_paths() {
    let f = scan("fn f() { let c = reqwest::Client::new(); Vec::<u8>::new(); parse::<u32>(); }");
    assert_eq!(
        ev(&f, "svc::api::f"),
        s(&["call reqwest::Client::new", "call Vec::new", "call parse"])
    );
}

#[test]
fn chain_continues_through_await_and_try() {
    let f = scan("async fn f() { client.chat().create_stream(r).await?.next(); }");
    assert_eq!(
        ev(&f, "svc::api::f"),
        s(&[
            "method client:chat",
            "method client:chat.create_stream",
            "fnref r",
            "method client:chat.create_stream.next",
        ])
    );
}

#[test]
fn string_arguments_and_same_file_consts() {
    let f = scan(
        r#"
fn f(base: &str) {
    let unused = "not an argument";
    http.post("https://api.example.com/v1/chat/completions");
    http.post(PROVIDER_URL);
    send(&LATE, "x".to_string());
    fetch(CHAT.path);
    other(crate::x::REMOTE);
}
const PROVIDER_URL: &str = "https://dashscope.example.com/compatible-mode/v1";
static LATE: &str = "late";
const CHAT: Route = Route { path: "/v1/chat", method: "POST" };
"#,
    );
    assert_eq!(
        ev(&f, "svc::api::f"),
        s(&[
            "method http:post",
            "str https://api.example.com/v1/chat/completions",
            "method http:post",
            "str https://dashscope.example.com/compatible-mode/v1",
            "call send",
            "str late",
            "str x",
            "method :to_string",
            "call fetch",
            "str /v1/chat",
            "type CHAT",
            "call other",
            "type crate::x::REMOTE",
        ])
    );
}

#[test]
fn route_paths_are_not_string_evidence() {
    // "/v1/chat/completions" registered as a route must not look like a provider URL.
    let f = scan(
        r#"
fn app() -> Router {
    Router::new().route("/v1/chat/completions", post(chat)).nest("/v1/completions", sub())
}
fn actix() { App::new().service(web::resource("/v1/chat/completions").route(web::post().to(chat))); }
"#,
    );
    for func in ["svc::api::app", "svc::api::actix"] {
        assert!(
            !ev(&f, func).iter().any(|e| e.starts_with("str ")),
            "{func}: {:?}",
            ev(&f, func)
        );
    }
}

#[test]
fn function_references_skip_locals() {
    let f = scan(
        "fn f(req: Req) { let s = stream.map(screen_chunk); fut.then(moderate::check); create(req, s); }",
    );
    assert_eq!(
        ev(&f, "svc::api::f"),
        s(&[
            "method stream:map",
            "fnref screen_chunk",
            "method fut:then",
            "fnref moderate::check",
            "call create",
        ])
    );
}

#[test]
fn type_refs_for_variants_struct_literals_and_patterns() {
    let f = scan(
        r#"
fn f(c: Choice) {
    let args = CreateModerationRequestArgs { input: text };
    if c.finish_reason == FinishReason::ContentFilter {}
    match c.kind {
        Some(Kind::RedactedThinking) => {}
        Kind::Other { .. } => {}
        None => {}
        _ => {}
    }
}
"#,
    );
    assert_eq!(
        ev(&f, "svc::api::f"),
        s(&[
            "type CreateModerationRequestArgs",
            "type FinishReason::ContentFilter",
            "type Some",
            "type Kind::RedactedThinking",
            // An arm receiving an enum variant is a function of its own (see `messages.rs`).
            "fnref svc::api::f::{arm@7}",
            "type None",
        ])
    );
}

#[test]
fn closures_and_async_blocks_stay_inline() {
    let f = scan(
        "fn f() { let h = tokio::spawn(async move { let r = llm.generate(p).await; screen(&r) }); items.iter().map(|c| check(c)); }",
    );
    assert_eq!(
        ev(&f, "svc::api::f"),
        s(&[
            "call tokio::spawn",
            "method llm:generate",
            "fnref p",
            "call screen",
            "method items:iter",
            "method items:iter.map",
            "call check",
        ])
    );
}

// ---- macro bodies ---------------------------------------------------------------------

#[test]
fn calls_inside_stream_macros_are_found() {
    let f = scan(
        r#"
fn f() {
    let s = async_stream::stream! {
        let mut rx = client.chat().create_stream(req).await?;
        while let Some(chunk) = rx.next().await {
            yield chunk;
        }
    };
    let t = try_stream! { yield infer.generate_stream(p).await?; };
}
"#,
    );
    assert_eq!(
        ev(&f, "svc::api::f"),
        s(&[
            "macro async_stream::stream",
            "method client:chat",
            "method client:chat.create_stream",
            "fnref req",
            "type Some",
            "method rx:chat.create_stream.next",
            "macro try_stream",
            "method infer:generate_stream",
            "fnref p",
        ])
    );
}

#[test]
fn select_arms_are_split_and_parsed() {
    let f = scan(
        r#"
async fn f() {
    tokio::select! {
        biased;
        Some(res) = llm.generate(prompt) => { check_output(&res); }
        _ = shutdown.recv() => break,
    }
}
"#,
    );
    assert_eq!(
        ev(&f, "svc::api::f"),
        s(&[
            "macro tokio::select",
            "type Some",
            "method llm:generate",
            "fnref prompt",
            "call check_output",
            "method shutdown:recv",
        ])
    );
}

#[test]
fn join_format_json_and_log_macros() {
    let f = scan(
        r#"
async fn f(text: String) {
    let (a, b) = tokio::join!(moderate(&text), generate(&text));
    let url = format!("{}/chat/completions", base);
    let body = json!({"input": screen(text), "nested": [{"k": call_me()}]});
    tracing::info!("sent {}", url);
    info!(target: "audit", "done");
    let v = vec![format!("x{}", inner(y))];
}
"#,
    );
    assert_eq!(
        ev(&f, "svc::api::f"),
        s(&[
            "macro tokio::join",
            "call moderate",
            "call generate",
            "macro format",
            "str {}/chat/completions",
            "fnref base",
            "macro json",
            "str input",
            "call screen",
            "str nested",
            "str k",
            "call call_me",
            "macro tracing::info",
            "str sent {}",
            "macro info",
            "str audit",
            "str done",
            "macro vec",
            "macro format",
            "str x{}",
            "call inner",
            "fnref y",
        ])
    );
}

#[test]
fn tracing_sigils_are_read_piece_by_piece() {
    let f = scan(
        r#"
async fn f(user: User, e: Error) {
    tracing::info!(user = %user.id(), err = ?e, "chat {}", client.chat(&text));
    warn!(?e, %user, "refused: {}", screen(text));
    let n = a % b;
    let r = go()?;
}
"#,
    );
    assert_eq!(
        ev(&f, "svc::api::f"),
        s(&[
            "macro tracing::info",
            "str chat {}",
            "method client:chat",
            "fnref text",
            "macro warn",
            "str refused: {}",
            "call screen",
            "fnref text",
            "call go",
        ])
    );
}

#[test]
fn unparsable_macro_bodies_are_skipped_silently() {
    let f =
        scan("fn f() { weird!(@@ => ## $x:expr); html! { <div>{ render(x) }</div> }; after(); }");
    let e = ev(&f, "svc::api::f");
    assert_eq!(e.first().map(String::as_str), Some("macro weird"));
    assert_eq!(e.last().map(String::as_str), Some("call after"));
    assert!(e.contains(&"macro html".to_owned()));
}

// ---- items ----------------------------------------------------------------------------

#[test]
fn methods_trait_impls_nested_modules_and_trait_defaults() {
    let f = scan_as(
        r#"
struct Dispatcher;
impl Dispatcher { fn new() -> Self { Dispatcher } }
impl<S> Service<Request<Body>> for Dispatcher<S> { fn call(&mut self, req: Request<Body>) {} }
mod inner {
    mod deeper { pub fn leaf() {} }
    trait Moderate { fn check(&self) { screen(self) } fn required(&self); }
}
fn outer() { fn nested() {} }
"#,
        "svc::a::b",
        false,
    );
    let paths: Vec<(&str, Option<&str>, &str)> = f
        .functions
        .iter()
        .map(|x| (x.path.as_str(), x.self_type.as_deref(), x.module.as_str()))
        .collect();
    assert_eq!(
        paths,
        vec![
            (
                "svc::a::b::Dispatcher::new",
                Some("Dispatcher"),
                "svc::a::b"
            ),
            (
                "svc::a::b::Dispatcher::call",
                Some("Dispatcher"),
                "svc::a::b"
            ),
            (
                "svc::a::b::inner::deeper::leaf",
                None,
                "svc::a::b::inner::deeper"
            ),
            (
                "svc::a::b::inner::Moderate::check",
                Some("Moderate"),
                "svc::a::b::inner"
            ),
            ("svc::a::b::outer", None, "svc::a::b"),
            ("svc::a::b::nested", None, "svc::a::b"),
        ]
    );
    assert_eq!(
        ev(&f, "svc::a::b::Dispatcher::new"),
        s(&["type Dispatcher"])
    );
}

#[test]
fn function_position_and_end_line() {
    let f = scan("// x\nasync fn chat() {\n    a();\n}\n");
    let c = func(&f, "svc::api::chat");
    assert_eq!((c.pos.line, c.pos.offset, c.end_line), (2, 14, 4));
    assert_eq!(f.lines, 4);
}

#[test]
fn use_trees_resolve_crate_self_super_groups_globs_and_renames() {
    let f = scan_as(
        r#"
use crate::moderation::check as screen;
use self::sub::{helper, deep::*, self};
use super::super::shared::Thing;
use async_openai::{Client, types::{CreateChatCompletionRequestArgs as Args}};
use std::io::Read as _;
mod m { use super::x; }
extern crate serde_json as json;
"#,
        "svc::api::chat",
        false,
    );
    let uses: Vec<String> = f
        .uses
        .iter()
        .map(|u| format!("{}: {} = {}", u.module, u.alias, u.target))
        .collect();
    assert_eq!(
        uses,
        s(&[
            "svc::api::chat: screen = svc::moderation::check",
            "svc::api::chat: helper = svc::api::chat::sub::helper",
            "svc::api::chat: * = svc::api::chat::sub::deep",
            "svc::api::chat: sub = svc::api::chat::sub",
            "svc::api::chat: Thing = svc::shared::Thing",
            "svc::api::chat: Client = async_openai::Client",
            "svc::api::chat: Args = async_openai::types::CreateChatCompletionRequestArgs",
            "svc::api::chat::m: x = svc::api::chat::x",
            "svc::api::chat: json = serde_json",
        ])
    );
}

#[test]
fn string_consts_statics_struct_fields_and_assoc_consts() {
    let f = scan(
        r#"
pub const CHAT_PATH: &str = "/v1/chat/completions";
static MODEL: &'static str = "qwen-max";
const CHAT_ROUTE: Route = Route { path: "/v1/chat", method: "POST", limit: 3 };
const NOT_STR: u32 = 3;
impl Api { const BASE: &str = "https://ark.example.com"; }
mod inner { pub const KEY: &str = "k"; }
fn f() { const LOCAL: &str = "local"; }
"#,
    );
    let consts: Vec<String> = f
        .consts
        .iter()
        .map(|c| format!("{}={}@{}", c.path, c.value, c.pos.line))
        .collect();
    assert_eq!(
        consts,
        s(&[
            "svc::api::CHAT_PATH=/v1/chat/completions@2",
            "svc::api::MODEL=qwen-max@3",
            "svc::api::CHAT_ROUTE.path=/v1/chat@4",
            "svc::api::CHAT_ROUTE.method=POST@4",
            "svc::api::Api::BASE=https://ark.example.com@6",
            "svc::api::inner::KEY=k@7",
            "svc::api::LOCAL=local@8",
        ])
    );
}

#[test]
fn test_code_is_detected() {
    let f = scan(
        r#"
#[test] fn a() {}
#[tokio::test] async fn b() {}
#[cfg(test)] mod tests { fn helper() {} impl X { fn m() {} } }
#[cfg(not(test))] fn d() {}
fn e() {}
"#,
    );
    let t: Vec<(&str, bool)> = f
        .functions
        .iter()
        .map(|x| (x.name.as_str(), x.is_test))
        .collect();
    assert_eq!(
        t,
        vec![
            ("a", true),
            ("b", true),
            ("helper", true),
            ("m", true),
            ("d", false),
            ("e", false)
        ]
    );
    let g = scan_as("fn g() {}", "svc", true);
    assert!(g.functions[0].is_test);
}

#[test]
fn provides_markers_above_between_attributes_and_on_signature() {
    let f = scan(
        r#"
// genai-gate: provides input-moderation, output-moderation
/// Screens text.
#[tracing::instrument]
// another note
pub fn screen() {}

#[inline]
/* genai-gate: provides user-restriction */
fn limit() {}

fn record() {} // genai-gate: provides record-keeping

// genai-gate: provides detached

fn plain() {}
/// genai-gate: provides doc-form
fn documented() {}
"#,
    );
    let p: Vec<(&str, Vec<String>)> = f
        .functions
        .iter()
        .map(|x| (x.name.as_str(), x.provides.clone()))
        .collect();
    assert_eq!(
        p,
        vec![
            ("screen", s(&["input-moderation", "output-moderation"])),
            ("limit", s(&["user-restriction"])),
            ("record", s(&["record-keeping"])),
            ("plain", vec![]),
            ("documented", s(&["doc-form"])),
        ]
    );
}

// ---- robustness -----------------------------------------------------------------------

#[test]
fn parse_error_reports_line_and_message() {
    let f = extract(&RustInput {
        rel_path: "src/bad.rs",
        text: "fn ok() {}\n\nfn broken( {\n",
        crate_name: "svc",
        module: "svc::bad",
        is_test_file: false,
    });
    let err = f.parse_error.expect("parse error");
    assert_eq!(err.line, 3);
    assert!(!err.message.is_empty());
    assert!(f.functions.is_empty());
    assert_eq!(f.path, "src/bad.rs");
}

#[test]
fn bom_and_shebang_keep_offsets_of_the_original_text() {
    let f = scan("\u{feff}fn a() {}\n");
    assert_eq!(f.functions[0].pos.offset, 6);
    let g = scan("#!/usr/bin/env run-cargo-script\nfn b() { x(); }\n");
    let b = func(&g, "svc::api::b");
    assert_eq!((b.pos.line, b.pos.offset), (2, 35));
    assert_eq!(b.events[0].pos.offset, 41);
    let h = scan("#![allow(dead_code)]\nfn c() {}\n");
    assert_eq!(h.functions[0].pos.line, 2);
}

#[test]
fn offsets_count_bytes_after_multibyte_characters() {
    let src = "fn f() { log(\"内容审核\"); screen(x); }";
    let f = scan(src);
    let e = &func(&f, "svc::api::f").events;
    let screen_at = src.find("screen").unwrap() as u32;
    assert_eq!(e[2].pos.offset, screen_at);
    assert_eq!(
        e[1].kind,
        EventKind::Str {
            value: "内容审核".into(),
            call: Some("log".into()),
        }
    );
}

#[test]
fn never_panics_on_odd_input() {
    for src in [
        "",
        "\u{feff}",
        "#!",
        "fn",
        "}}}",
        "fn f() { m!{{{ }",
        "\0\u{7f}",
    ] {
        let f = extract(&RustInput {
            rel_path: "x.rs",
            text: src,
            crate_name: "",
            module: "",
            is_test_file: false,
        });
        assert!(f.functions.is_empty());
    }
    let f = scan_as("fn f() {}", "", false);
    assert_eq!(f.functions[0].path, "svc::f");
}

// ---- axum -----------------------------------------------------------------------------

#[test]
fn axum_route_chained_method_router_and_routing_paths() {
    let f = scan(
        r#"
pub fn app() -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/models", get(list).post(handlers::create))
        .route("/v1/embeddings", routing::post(embed).layer(limit))
        .route("/v1/*path", any(proxy))
        .route("/x", on(MethodFilter::PUT, put_it))
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST /v1/chat/completions -> chat [axum] in svc::api::app",
            "GET /v1/models -> list [axum] in svc::api::app",
            "POST /v1/models -> handlers::create [axum] in svc::api::app",
            "POST /v1/embeddings -> embed [axum] in svc::api::app",
            "ANY /v1/*path -> proxy [axum] in svc::api::app",
            "PUT /x -> put_it [axum] in svc::api::app",
        ])
    );
    assert_eq!(f.routes[0].pos.line, 4);
}

#[test]
fn axum_route_paths_from_constants() {
    let f = scan(
        r#"
fn app() -> Router {
    Router::new().route(CHAT_ROUTE, post(chat)).route(CHAT.path, post(chat2)).route(paths::EMBED, get(e))
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST {CHAT_ROUTE} -> chat [axum] in svc::api::app",
            "POST {CHAT.path} -> chat2 [axum] in svc::api::app",
            "GET {paths::EMBED} -> e [axum] in svc::api::app",
        ])
    );
}

#[test]
fn axum_nest_and_merge() {
    let f = scan(
        r#"
fn app(state: AppState) -> Router {
    Router::new()
        .nest("/api", api::router(state.clone()))
        .nest("/v2", Router::new().route("/chat", post(chat)).nest("/admin", admin()))
        .merge(health_routes())
        .merge(Router::new().route("/ping", get(ping)))
        .with_state(state)
}
"#,
    );
    assert_eq!(
        mounts(&f),
        s(&[
            "/api => api::router in svc::api::app",
            "/v2+/admin => admin in svc::api::app",
            " => health_routes in svc::api::app",
        ])
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST /v2+/chat -> chat [axum] in svc::api::app",
            "GET /ping -> ping [axum] in svc::api::app",
        ])
    );
}

#[test]
fn axum_route_table_in_for_loop() {
    let f = scan(
        r#"
fn app() -> Router {
    let mut router = Router::new();
    for (path, handler) in [("/inference", post(inference)), ("/generate", post(generate))] {
        router = router.route(path, handler);
    }
    router
}
"#,
    );
    // The router held in `router` is a router function per binding; the assignment in the
    // loop continues the first binding, and returning it mounts it in `app`.
    assert_eq!(
        routes(&f),
        s(&[
            "POST /inference -> inference [axum] in svc::api::app::{let router@5}",
            "POST /generate -> generate [axum] in svc::api::app::{let router@5}",
        ])
    );
    assert_eq!(
        mounts(&f),
        s(&[
            " => svc::api::app::{let router@3} in svc::api::app::{let router@5}",
            " => svc::api::app::{let router@5} in svc::api::app",
        ])
    );
    assert_eq!(f.routes[1].pos.line, 4);
}

#[test]
fn axum_route_table_bound_to_a_variable() {
    let f = scan(
        r#"
fn app() -> Router {
    let routes = vec![(CHAT, post(chat)), ("/embed", get(embed))];
    let mut r = Router::new();
    for (p, h) in routes.into_iter() { r = r.route(p, h.clone()); }
    r
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST {CHAT} -> chat [axum] in svc::api::app::{let r@5}",
            "GET /embed -> embed [axum] in svc::api::app::{let r@5}",
        ])
    );
}

#[test]
fn axum_closure_handler_becomes_a_synthetic_function() {
    let f = scan(
        r#"
fn app() -> Router {
    Router::new().route(
        "/chat",
        post(|Json(b): Json<Req>| async move {
            let out = llm.generate(b).await;
            Json(out)
        }),
    )
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&["POST /chat -> svc::api::app::{closure@5} [axum] in svc::api::app"])
    );
    assert_eq!(
        ev(&f, "svc::api::app::{closure@5}"),
        s(&["method llm:generate", "call Json"])
    );
    assert_eq!(
        ev(&f, "svc::api::app"),
        s(&[
            "call Router::new",
            "method :route",
            "call post",
            "fnref svc::api::app::{closure@5}",
        ])
    );
    let c = func(&f, "svc::api::app::{closure@5}");
    assert_eq!((c.name.as_str(), c.end_line), ("{closure@5}", 8));
}

#[test]
fn handler_attributes_do_not_disturb() {
    let f = scan(
        r#"
#[utoipa::path(post, path = "/v1/chat", responses((status = 200)))]
#[instrument(skip(state))]
#[async_trait::async_trait]
pub async fn chat(State(state): State<AppState>, Json(req): Json<Req>) -> Response {
    state.llm.generate(req).await
}
"#,
    );
    assert!(f.routes.is_empty());
    assert_eq!(ev(&f, "svc::api::chat"), s(&["method state.llm:generate"]));
}

// ---- actix ----------------------------------------------------------------------------

#[test]
fn actix_attribute_routes() {
    let f = scan(
        r#"
use actix_web::{get, post, route};
#[post("/chat")]
async fn chat() {}
#[get("/health")]
async fn health() {}
#[route("/multi", method = "GET", method = "POST")]
async fn multi() {}
#[actix_web::delete("/item")]
async fn del() {}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST /chat -> svc::api::chat [actix] in -",
            "GET /health -> svc::api::health [actix] in -",
            "GET /multi -> svc::api::multi [actix] in -",
            "POST /multi -> svc::api::multi [actix] in -",
            "DELETE /item -> svc::api::del [actix] in -",
        ])
    );
}

#[test]
fn actix_resources_routes_and_app_routes() {
    let f = scan(
        r#"
fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/chat").route(web::post().to(chat)).route(web::get().to(history)))
        .service(web::resource("/any").to(anything))
        .route("/direct", web::post().to(direct))
        .route("/fallback", web::route().to(fallback))
        .route("/m", web::method(Method::PUT).to(put_it));
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST /chat -> chat [actix] in svc::api::config",
            "GET /chat -> history [actix] in svc::api::config",
            "ANY /any -> anything [actix] in svc::api::config",
            "POST /direct -> direct [actix] in svc::api::config",
            "ANY /fallback -> fallback [actix] in svc::api::config",
            "PUT /m -> put_it [actix] in svc::api::config",
        ])
    );
}

#[test]
fn actix_nested_scopes_services_and_configure() {
    let f = scan(
        r#"
#[actix_web::main]
async fn main() {
    HttpServer::new(|| {
        App::new()
            .service(
                web::scope("/api/v1")
                    .service(
                        web::scope("/chat")
                            .service(completions)
                            .route("/stream", web::post().to(stream_chat))
                            .service(web::scope("/admin").configure(admin::config)),
                    )
                    .service(handlers::models),
            )
            .configure(routes::config)
    });
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&["POST /api/v1+/chat+/stream -> stream_chat [actix] in svc::api::main"])
    );
    assert_eq!(
        mounts(&f),
        s(&[
            "/api/v1+/chat => completions in svc::api::main",
            "/api/v1+/chat+/admin => admin::config in svc::api::main",
            "/api/v1 => handlers::models in svc::api::main",
            " => routes::config in svc::api::main",
        ])
    );
}

#[test]
fn actix_closure_handler() {
    let f = scan(
        "fn cfg(c: &mut ServiceConfig) {\n    c.route(\"/c\", web::post().to(|b: String| async move { llm.generate(b).await }));\n}",
    );
    assert_eq!(
        routes(&f),
        s(&["POST /c -> svc::api::cfg::{closure@2} [actix] in svc::api::cfg"])
    );
    assert_eq!(
        ev(&f, "svc::api::cfg::{closure@2}"),
        s(&["method llm:generate"])
    );
}

// ---- rocket ---------------------------------------------------------------------------

#[test]
fn rocket_attributes_and_mounts() {
    let f = scan(
        r#"
use rocket::{post, routes};
#[post("/chat", data = "<req>")]
async fn chat(req: Json<Req>) {}
#[rocket::get("/user/<id>")]
fn user(id: u32) {}
#[launch]
fn rocket() -> _ {
    rocket::build().mount("/api", routes![chat, user]).mount("/admin", admin::routes())
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST /chat -> svc::api::chat [rocket] in -",
            "GET /user/<id> -> svc::api::user [rocket] in -",
        ])
    );
    assert_eq!(
        mounts(&f),
        s(&[
            "/api => chat in svc::api::rocket",
            "/api => user in svc::api::rocket",
            "/admin => admin::routes in svc::api::rocket",
        ])
    );
}

// ---- hyper / tower --------------------------------------------------------------------

#[test]
fn hyper_match_on_path_with_call_and_block_arms() {
    let f = scan(
        r#"
async fn handle(req: Request<Body>) -> Result<Response<Body>> {
    match req.uri().path() {
        "/v1/chat/completions" => handle_chat(req).await,
        "/v1/embed" | "/v1/embeddings" => Ok(embed(req).await?),
        "/v1/raw" => {
            let body = read(req).await;
            llm.generate(body).await
        }
        _ => not_found(),
    }
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "ANY /v1/chat/completions -> handle_chat [hyper] in svc::api::handle",
            "ANY /v1/embed -> embed [hyper] in svc::api::handle",
            "ANY /v1/embeddings -> embed [hyper] in svc::api::handle",
            "ANY /v1/raw -> svc::api::handle::{arm@6} [hyper] in svc::api::handle",
        ])
    );
    assert_eq!(
        ev(&f, "svc::api::handle::{arm@6}"),
        s(&["call read", "method llm:generate"])
    );
    assert_eq!(
        ev(&f, "svc::api::handle"),
        s(&[
            "method req:uri",
            "method req:uri.path",
            "call handle_chat",
            "call Ok",
            "call embed",
            "fnref svc::api::handle::{arm@6}",
            "call not_found",
        ])
    );
}

#[test]
fn hyper_match_on_method_and_path_tuple() {
    let f = scan(
        r#"
async fn route(req: Request<Body>) {
    match (req.method(), req.uri().path()) {
        (&Method::POST, "/v1/chat") => chat(req).await,
        (&Method::GET, "/health") => health(),
        _ => fallback(),
    }
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST /v1/chat -> chat [hyper] in svc::api::route",
            "GET /health -> health [hyper] in svc::api::route",
        ])
    );
}

#[test]
fn hyper_if_chains_on_path() {
    let f = scan(
        r#"
async fn handle(req: Request<Body>) {
    let path = req.uri().path();
    if path == "/v1/chat/completions" {
        return self.chat(req).await;
    } else if req.method() == Method::POST && req.uri().path() == "/v1/gen" {
        let x = prep(req);
        generate(x).await;
    } else {
        other();
    }
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "ANY /v1/chat/completions -> Self::chat [hyper] in svc::api::handle",
            "POST /v1/gen -> svc::api::handle::{arm@6} [hyper] in svc::api::handle",
        ])
    );
    assert_eq!(
        ev(&f, "svc::api::handle::{arm@6}"),
        s(&["call prep", "call generate"])
    );
}

#[test]
fn a_path_field_of_a_record_is_no_route() {
    let f = scan(
        r#"
async fn export(metrics: &RequestMetrics, parts: &Parts) {
    if metrics.path == "/health" {
        return;
    }
    if parts.uri == "/v1/gen" {
        generate().await;
    }
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&["ANY /v1/gen -> generate [hyper] in svc::api::export"])
    );
}

#[test]
fn tower_service_call_matching_paths() {
    let f = scan(
        r#"
impl Service<Request<Body>> for Dispatcher {
    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let inner = self.inner.clone();
        Box::pin(async move {
            match req.uri().path() {
                "/v1/chat/completions" => inner.chat(req).await,
                _ => Ok(not_found()),
            }
        })
    }
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "ANY /v1/chat/completions -> svc::api::Dispatcher::call::{arm@7} [tower] in svc::api::Dispatcher::call"
        ])
    );
    assert_eq!(
        ev(&f, "svc::api::Dispatcher::call::{arm@7}"),
        s(&["method inner:clone.chat"])
    );
}

/// Served routes as `METHOD path -> handler [framework] in fn`.
fn served(f: &FileFacts) -> Vec<String> {
    let served: Vec<String> = f
        .routes
        .iter()
        .filter(|r| r.served)
        .map(|r| {
            format!(
                "{} {} -> {} [{}] in {}",
                r.method,
                rp(&r.path),
                r.handler,
                r.framework,
                r.registered_in.as_deref().unwrap_or("-")
            )
        })
        .collect();
    assert!(
        f.routes.iter().filter(|r| r.served).all(|r| r.value),
        "a served route is a value's `call`"
    );
    served
}

#[test]
fn a_service_served_with_no_route_table_is_a_catch_all() {
    let f = scan(
        r#"
async fn run(state: AppState, tls: Tls) {
    let factory = AppFactory::new_hyper_app(state);
    axum_server::bind(addr).handle(handle.clone()).serve(factory).await;
    axum_server::bind_rustls(addr, tls).acceptor(NoDelay).serve(factory.clone()).await;
}
async fn stack(state: AppState) {
    axum::serve(listener, ServiceBuilder::new().layer(TraceLayer::new_for_http()).service(Gateway { state })).await;
}
async fn legacy(s: State) {
    hyper::Server::bind(&addr).serve(tower::make::Shared::new(BoxCloneService::new(Proxy::new(s)))).await;
}
async fn conn(io: Io, s: State) {
    let svc = TowerToHyperService::new(Proxy::new(s));
    http1::Builder::new().serve_connection(io, svc).await;
}
"#,
    );
    assert_eq!(
        served(&f),
        s(&[
            "ANY {*path} -> AppFactory::call [tower] in svc::api::run",
            "ANY {*path} -> AppFactory::call [tower] in svc::api::run",
            "ANY {*path} -> Gateway::call [tower] in svc::api::stack",
            "ANY {*path} -> Proxy::call [hyper] in svc::api::legacy",
            "ANY {*path} -> Proxy::call [hyper] in svc::api::conn",
        ])
    );
}

#[test]
fn a_served_router_function_or_closure_is_no_catch_all() {
    let f = scan(
        r#"
async fn main() {
    let app = Router::new().route("/v1/chat/completions", post(chat));
    axum::serve(listener, app).await;
    axum::Server::bind(&addr).serve(app.into_make_service()).await;
    axum::serve(listener, router(state)).await;
    http1::Builder::new().serve_connection(io, service_fn(move |req| route(req))).await;
    stream.serve(Proxy::new(s)).await;
}
"#,
    );
    assert_eq!(served(&f), Vec::<String>::new());
    assert_eq!(
        routes(&f),
        s(&["POST /v1/chat/completions -> chat [axum] in svc::api::main::{let app@3}"])
    );
}

#[test]
fn a_make_service_call_ends_with_a_call_of_the_service_it_returns() {
    let f = scan(
        r#"
impl<S: Clone> tower::Service<SocketAddr> for AppFactory<S> {
    fn call(&mut self, peer: SocketAddr) -> Self::Future {
        let svc = ServiceBuilder::new().layer(AddExtensionLayer::new(peer)).service(self.inner.clone());
        ready(Ok(svc))
    }
}
impl tower::Service<Request<Incoming>> for HyperApp {
    fn call(&mut self, req: Request<Incoming>) -> Self::Future {
        self.stack.call(req)
    }
}
"#,
    );
    // The returned service answers each request: a `call` on it where it is returned.
    assert_eq!(
        ev(&f, "svc::api::AppFactory::call"),
        s(&[
            "call ServiceBuilder::new",
            "method :layer",
            "call AddExtensionLayer::new",
            "method :layer.service",
            "method self.inner:clone",
            "call ready",
            "method {connection service}:call",
            "call Ok",
        ])
    );
    assert_eq!(
        ev(&f, "svc::api::HyperApp::call"),
        s(&["method self.stack:call"])
    );
}

#[test]
fn slash_commands_are_not_routes() {
    let f = scan(r#"fn f(cmd: &str) { match cmd { "/reset" => reset(), _ => {} } }"#);
    assert!(f.routes.is_empty());
}

#[test]
fn actix_scope_routes_guards_and_scope_new() {
    let f = scan(
        r#"
fn cfg(c: &mut ServiceConfig) {
    c.service(
        web::scope("/v1")
            .route("/chat", web::route().guard(guard::Post()).to(chat))
            .service(Scope::new("/inner").route("/x", web::get().to(x))),
    );
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST /v1+/chat -> chat [actix] in svc::api::cfg",
            "GET /v1+/inner+/x -> x [actix] in svc::api::cfg",
        ])
    );
    assert!(f.mounts.is_empty());
}

#[test]
fn nest_of_a_local_router_mounts_it_with_the_prefix() {
    // Regression: a router held in a local lost its `.nest` prefix.
    let f = scan(
        r#"
fn app() -> Router {
    let api = Router::new().route("/chat", post(chat));
    Router::new().nest("/api", api)
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&["POST /chat -> chat [axum] in svc::api::app::{let api@3}"])
    );
    assert_eq!(
        mounts(&f),
        s(&["/api => svc::api::app::{let api@3} in svc::api::app"])
    );
    assert_eq!(
        ev(&f, "svc::api::app"),
        s(&[
            "fnref svc::api::app::{let api@3}",
            "call Router::new",
            "method :nest"
        ])
    );
}

#[test]
fn synthetic_handlers_inherit_test_flag_and_self_type() {
    let f = scan(
        r#"
#[cfg(test)]
mod tests {
    impl Harness {
        fn app(&self) -> Router { Router::new().route("/t", get(|| async { Self::probe() })) }
    }
}
"#,
    );
    let c = func(&f, "svc::api::tests::Harness::app::{closure@5}");
    assert!(c.is_test);
    assert_eq!(c.self_type.as_deref(), Some("Harness"));
    assert_eq!(c.module.as_str(), "svc::api::tests");
    assert_eq!(
        ev(&f, "svc::api::tests::Harness::app::{closure@5}"),
        s(&["call Self::probe"])
    );
}

#[test]
fn uses_inside_function_bodies_belong_to_the_module() {
    let f = scan("fn f() { use super::moderation::screen; screen(x); }");
    assert_eq!(f.uses.len(), 1);
    assert_eq!(f.uses[0].target, "svc::moderation::screen");
    assert_eq!(f.uses[0].module, "svc::api");
}

#[test]
fn graphql_resolvers_are_endpoints() {
    let f = scan(
        r#"
pub struct Mutation;
#[async_graphql::Object]
impl Mutation {
    async fn deactivate_user(&self, ctx: &Context<'_>, id: ID) -> Result<bool> { repo::deactivate(ctx, id).await }
}
pub struct QueryRoot;
#[graphql_object(context = Ctx)]
impl QueryRoot {
    fn ask_model(ctx: &Ctx, prompt: String) -> String { ctx.llm.generate(prompt) }
}
impl Helper { fn not_a_field(&self) {} }
"#,
    );
    let mut got: Vec<String> = f
        .routes
        .iter()
        .map(|r| {
            format!(
                "{} {} -> {} [{}]",
                r.method,
                rp(&r.path),
                r.handler,
                r.framework
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "MUTATION deactivateUser -> svc::api::Mutation::deactivate_user [async-graphql]",
            "QUERY askModel -> svc::api::QueryRoot::ask_model [juniper]",
        ]
    );
}

#[test]
fn a_long_router_chain_is_not_refused_as_too_deep() {
    // Regression: a generated router with ~1,000 chained `.route(..)` calls was refused by the
    // depth guard (then at 2,000), so none of its endpoints were seen.
    let mut src = String::from("fn app() -> Router {\n    Router::new()\n");
    for i in 0..1500 {
        src.push_str(&format!("        .route(\"/v1/m{i}\", post(h{i}))\n"));
    }
    src.push_str("}\n");
    let f = scan(&src);
    assert_eq!(f.routes.len(), 1500);
}

// ---- item-by-item parsing ---------------------------------------------------------------

/// Files are parsed and walked item by item, and extracted again whole when a constant is
/// read before it is declared; either way the facts and errors are those of a whole parse.
#[test]
fn item_by_item_parsing_gives_the_facts_and_errors_of_a_whole_parse() {
    let input = |text| RustInput {
        rel_path: "src/api.rs",
        text,
        crate_name: "svc",
        module: "svc::api",
        is_test_file: false,
    };
    let cases = [
        // No constants.
        "#![allow(dead_code)]\n//! Chat.\nuse axum::{routing::post, Router};\n\
         pub fn app() -> Router { Router::new().route(\"/v1/chat\", post(chat)) }\n\
         mod inner { pub fn helper(s: &str) { green::text_moderation(s); } }\n\
         struct S; impl S { fn m(&self) { self.client.chat().create(req); } }\n\
         async fn chat(body: String) -> String { inner::helper(&body); llm.generate(&body).await }\n",
        // Declared before use.
        "const MODEL: &str = \"qwen-max\";\nfn f() { call(MODEL); }\n",
        // Declared after use, at the top level, in an impl and as a struct field.
        "fn f() { call(MODEL); g(Self::KEY); h(CFG.url); }\nconst MODEL: &str = \"qwen-max\";\n\
         struct T; impl T { const KEY: &str = \"k\"; }\n\
         static CFG: Cfg = Cfg { url: \"https://api.example.com\" };\n",
        // The same name declared twice: the whole-file pre-pass keeps the last value.
        "mod a { const X: &str = \"first\"; }\nfn f() { call(X); }\nmod b { const X: &str = \"second\"; }\n",
        // A constant inside a function body.
        "fn f() { const Y: &str = \"y\"; call(Y); }\n",
    ];
    for src in cases {
        let streamed = super::extract_with(&input(src), false);
        let whole = super::extract_with(&input(src), true);
        assert_eq!(streamed.parse_error, None, "{src}");
        assert_eq!(streamed, whole, "{src}");
    }
    let late = super::extract_with(&input(cases[2]), false);
    let strs: Vec<String> = ev(&late, "svc::api::f")
        .into_iter()
        .filter(|e| e.starts_with("str "))
        .collect();
    assert_eq!(
        strs,
        ["str qwen-max", "str k", "str https://api.example.com"]
    );
    let twice = super::extract_with(&input(cases[3]), false);
    assert!(ev(&twice, "svc::api::f").contains(&"str second".to_owned()));

    // An error in the third item: the same line and message, and no facts of the items
    // walked before it.
    let broken = "fn a() { b(); }\nfn c() { d(); }\nfn e( { }\nfn f() {}\n";
    let streamed = super::extract_with(&input(broken), false);
    let whole = super::extract_with(&input(broken), true);
    let (s, w) = (streamed.parse_error.unwrap(), whole.parse_error.unwrap());
    assert_eq!((s.line, &s.message), (w.line, &w.message));
    assert_eq!(s.line, 3);
    assert!(streamed.functions.is_empty() && streamed.routes.is_empty());
}

/// Item-by-item extraction against whole-file extraction on every `.rs` file under
/// `GENAI_GATE_CORPUS` (e.g. `~/.cargo/registry/src`); run with `--ignored`.
#[test]
#[ignore = "needs GENAI_GATE_CORPUS"]
fn item_by_item_parsing_matches_whole_parsing_on_a_corpus() {
    let Some(root) = std::env::var_os("GENAI_GATE_CORPUS") else {
        return;
    };
    let (mut files, mut redone) = (0, 0);
    for entry in ignore::WalkBuilder::new(&root)
        .standard_filters(false)
        .build()
    {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let input = RustInput {
            rel_path: "src/lib.rs",
            text: &text,
            crate_name: "c",
            module: "c",
            is_test_file: false,
        };
        let streamed = super::extract_with(&input, false);
        let whole = super::extract_with(&input, true);
        assert!(streamed == whole, "{}", path.display());
        files += 1;
        let skip = super::preamble(&text);
        if super::too_deep(&text).is_none() && syn::parse_file(&text[skip..]).is_ok() {
            redone += usize::from(streamed.consts.iter().any(|c| {
                let name = c.path.rsplit("::").next().unwrap_or_default();
                text.find(name)
                    .is_some_and(|first| first < c.pos.offset as usize)
            }));
        }
    }
    eprintln!("{files} files identical; about {redone} read a constant before declaring it");
    assert!(files > 0);
}

// ---- route forms of real services (issue 11) --------------------------------------------

#[test]
fn salvo_routers_pushed_with_paths_goals_and_hoops() {
    let f = scan(
        r#"
fn app() -> Router {
    let admin = Router::with_hoop(auth::admin).push(Router::with_path("models/load").post(load));
    let api = Router::new()
        .push(Router::with_path("oai/chat/completions").post(oai::chat))
        .push(Router::with_path("models").get(models).delete(unload));
    let mut router = Router::with_path("v1");
    router = router.push(Router::with_path("ping").goal(ping));
    Router::new()
        .hoop(Logger::new())
        .push(Router::with_path("api").push(api).push(router))
        .push(Router::with_path("admin").push(admin))
        .push(Router::with_path("{*path}").get(StaticDir::new(["static"])))
        .push(Router::with_path("secure").hoop(check_user).post(secure))
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST models/load -> load [salvo] in svc::api::app::{let admin@3}",
            "POST oai/chat/completions -> oai::chat [salvo] in svc::api::app::{let api@4}",
            "GET models -> models [salvo] in svc::api::app::{let api@4}",
            "DELETE models -> unload [salvo] in svc::api::app::{let api@4}",
            "ANY v1+ping -> ping [salvo] in svc::api::app::{let router@8}",
            "GET {*path} -> StaticDir::handle [salvo] in svc::api::app",
            "POST secure -> secure [salvo] in svc::api::app::{router@14}",
        ])
    );
    assert!(f.routes[5].value, "a library handler value");
    assert_eq!(
        mounts(&f),
        s(&[
            " => auth::admin in svc::api::app::{let admin@3}",
            " => svc::api::app::{let router@7} in svc::api::app::{let router@8}",
            " => Logger::handle in svc::api::app",
            "api => svc::api::app::{let api@4} in svc::api::app",
            "api => svc::api::app::{let router@8} in svc::api::app",
            "admin => svc::api::app::{let admin@3} in svc::api::app",
            " => svc::api::app::{router@14} in svc::api::app",
            " => check_user in svc::api::app::{router@14}",
        ])
    );
    let kinds: Vec<_> = f.mounts.iter().map(|m| m.kind).collect();
    assert_eq!(kinds[0], crate::facts::MountKind::Middleware);
    assert_eq!(kinds[7], crate::facts::MountKind::Middleware);
}

#[test]
fn routers_in_locals_collections_cfg_alternatives_and_helpers() {
    let f = scan(
        r#"
async fn serve(state: AppState) {
    let ui = build_ui_router(state.clone()).await?.layer(from_fn(observe));
    let mut app = Router::new().route("/health", get(health));
    #[cfg(feature = "embed")]
    let extra = Router::new().route("/embed", post(embed));
    #[cfg(not(feature = "embed"))]
    let extra = Router::new();
    let mut routers = Vec::new();
    routers.push(chat::router());
    routers.push(Router::new().route("/tokenize", post(tokenize)));
    for r in routers {
        app = app.merge(r);
    }
    let v1 = admin::routes();
    app = app.nest("/ui", ui).nest("/v1", v1).merge(extra);
    axum::serve(listener, app).await
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "GET /health -> health [axum] in svc::api::serve::{let app@4}",
            "POST /embed -> embed [axum] in svc::api::serve::{let extra@6}",
            "POST /tokenize -> tokenize [axum] in svc::api::serve::{router@11}",
        ])
    );
    assert_eq!(
        mounts(&f),
        s(&[
            " => build_ui_router in svc::api::serve::{let ui@3}",
            " => svc::api::serve::{let app@4} in svc::api::serve::{let app@13}",
            " => chat::router in svc::api::serve::{let app@13}",
            " => svc::api::serve::{router@11} in svc::api::serve::{let app@13}",
            " => svc::api::serve::{let app@13} in svc::api::serve::{let app@16}",
            "/ui => svc::api::serve::{let ui@3} in svc::api::serve::{let app@16}",
            "/v1 => admin::routes in svc::api::serve::{let app@16}",
            " => svc::api::serve::{let extra@8} in svc::api::serve::{let app@16}",
            " => svc::api::serve::{let extra@6} in svc::api::serve::{let app@16}",
            " => svc::api::serve::{let app@16} in svc::api::serve",
        ])
    );
}

#[test]
fn route_paths_from_format_with_escapes_and_constants() {
    let f = scan(
        r#"
const TASKS_PATH: &str = "/tasks";
fn app() -> Router {
    Router::new()
        .route(&format!("{TASKS_PATH}/{{id}}"), get(task))
        .route(&format!("{}/cancel", TASKS_PATH), post(cancel))
        .route(&format!("{base}/{kind}", base = API, kind = "chat"), post(chat))
        .route(CHAT_ROUTE.path, post(chat))
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "GET {TASKS_PATH}+/{id} -> task [axum] in svc::api::app",
            "POST {TASKS_PATH}+/cancel -> cancel [axum] in svc::api::app",
            "POST {API}+/+chat -> chat [axum] in svc::api::app",
            "POST {CHAT_ROUTE.path} -> chat [axum] in svc::api::app",
        ])
    );
}

#[test]
fn handlers_that_are_values_or_constants() {
    let f = scan(
        r#"
fn app() -> Router {
    let svc = Dispatcher::new(cfg);
    Router::new()
        .route("/v1/unsupported", post(StatusCode::NOT_IMPLEMENTED))
        .route("/old", get(Redirect::to("/new")))
        .route("/hello", get("hello"))
        .route("/v1/chat", post(handlers::chat))
        .route("/v1/factory", post(make_handler(state)))
        .route_service("/v1/proxy", svc)
        .route_service("/v1/builder", ServiceBuilder::new().layer(TraceLayer::new()).service(Proxy { up }))
        .nest_service("/assets", ServeDir::new("assets"))
        .nest_service("/gw", Gateway)
        .fallback(not_found)
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST /v1/chat -> handlers::chat [axum] in svc::api::app",
            "POST /v1/factory -> make_handler [axum] in svc::api::app",
            "ANY /v1/proxy -> Dispatcher::call [axum] in svc::api::app",
            "ANY /v1/builder -> Proxy::call [axum] in svc::api::app",
            "ANY /assets+{*rest} -> ServeDir::call [axum] in svc::api::app",
            "ANY /gw+{*rest} -> Gateway::call [axum] in svc::api::app",
            "ANY {*fallback} -> not_found [axum] in svc::api::app",
        ])
    );
    let values: Vec<bool> = f.routes.iter().map(|r| r.value).collect();
    assert_eq!(values, [false, false, true, true, true, true, false]);
    assert_eq!(
        mounts(&f),
        s(&[
            "/assets => ServeDir::call in svc::api::app",
            "/gw => Gateway::call in svc::api::app",
            " => not_found in svc::api::app",
        ])
    );
}

#[test]
fn poem_routes_and_openapi_operations() {
    let f = scan(
        r#"
struct Api;
#[OpenApi(prefix_path = "/v1")]
impl Api {
    #[oai(path = "/chat/completions", method = "post")]
    async fn chat(&self, req: Json<ChatRequest>) -> Json<ChatResponse> { todo!() }
    #[oai(path = "/models", method = "get")]
    async fn models(&self) -> Json<Vec<String>> { todo!() }
    fn helper(&self) {}
}
fn app() -> Route {
    let api_service = OpenApiService::new(Api, "Chat", "1.0");
    let ui = api_service.swagger_ui();
    Route::new()
        .at("/health", get(health))
        .at("/generate", post(generate).get(info))
        .at("/", index)
        .at("/static", StaticFilesEndpoint::new("./static"))
        .nest("/api", api_service)
        .nest("/docs", ui)
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST /v1+/chat/completions -> svc::api::Api::chat [poem-openapi] in svc::api::Api::{routes}",
            "GET /v1+/models -> svc::api::Api::models [poem-openapi] in svc::api::Api::{routes}",
            "GET /health -> health [poem] in svc::api::app",
            "POST /generate -> generate [poem] in svc::api::app",
            "GET /generate -> info [poem] in svc::api::app",
            "ANY / -> index [poem] in svc::api::app",
            "ANY /static -> StaticFilesEndpoint::call [poem] in svc::api::app",
        ])
    );
    assert_eq!(
        mounts(&f),
        s(&[
            " => Api::{routes} in svc::api::app::{let api_service@12}",
            "/api => svc::api::app::{let api_service@12} in svc::api::app",
        ])
    );
}

#[test]
fn warp_filters_paths_methods_handlers_and_combinations() {
    let f = scan(
        r#"
use warp::Filter;
fn routes(state: State) -> impl Filter<Extract = impl warp::Reply> + Clone {
    let chat = warp::path!("v1" / "chat" / "completions")
        .and(warp::post())
        .and(warp::body::json())
        .and(with_state(state.clone()))
        .and_then(handlers::chat);
    let health = warp::path("health").and(warp::get()).map(|| "ok");
    let job = warp::path("jobs").and(warp::path::param()).and(warp::get()).then(get_job);
    let api = warp::path("api").and(admin_filters(state).or(jobs_api()));
    let state_only = warp::any().map(move || state.clone());
    chat.or(health).or(job).or(api)
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST v1+chat+completions -> handlers::chat [warp] in svc::api::routes::{let chat@4}",
            "GET health -> svc::api::routes::{closure@9} [warp] in svc::api::routes::{let health@9}",
            "GET jobs+{param} -> get_job [warp] in svc::api::routes::{let job@10}",
        ])
    );
    assert_eq!(
        mounts(&f),
        s(&[
            "v1+chat+completions => with_state in svc::api::routes::{let chat@4}",
            "api => admin_filters in svc::api::routes::{let api@11}",
            "api => jobs_api in svc::api::routes::{let api@11}",
            " => svc::api::routes::{let chat@4} in svc::api::routes",
            " => svc::api::routes::{let health@9} in svc::api::routes",
            " => svc::api::routes::{let job@10} in svc::api::routes",
            " => svc::api::routes::{let api@11} in svc::api::routes",
        ])
    );
}

#[test]
fn tonic_services_and_mcp_tools_are_endpoints() {
    let f = scan(
        r#"
use pb::generate_server::Generate;
struct Service;
#[tonic::async_trait]
impl text_generation_service_server::TextGenerationService for Service {
    async fn generate_stream(&self, req: Request<GenerateRequest>) -> Result<Response<Self::S>, Status> { todo!() }
}
#[async_trait]
impl Generate for Service {
    async fn prefill(&self, req: Request<PrefillRequest>) -> Result<Response<R>, Status> { todo!() }
}
impl Display for Service { fn fmt(&self, f: &mut Formatter) -> fmt::Result { todo!() } }
#[tool_router]
impl Tools {
    #[tool(description = "summarise a document")]
    async fn summarise(&self, p: Parameters<Doc>) -> Result<CallToolResult, McpError> { todo!() }
    #[tool(name = "ask_model", description = "ask")]
    async fn ask(&self) -> Result<CallToolResult, McpError> { todo!() }
    fn not_a_tool(&self) {}
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "GRPC /TextGenerationService/GenerateStream -> svc::api::Service::generate_stream [tonic] in -",
            "GRPC /Generate/Prefill -> svc::api::Service::prefill [tonic] in -",
            "MCP tool:summarise -> svc::api::Tools::summarise [rmcp] in -",
            "MCP tool:ask_model -> svc::api::Tools::ask [rmcp] in -",
        ])
    );
}

#[test]
fn typed_paths_and_typed_routes() {
    let f = scan(
        r#"
#[derive(TypedPath, Deserialize)]
#[typed_path("/completions/{chat_id}")]
pub struct UICompletions { pub chat_id: i32 }
pub fn routes() -> Router {
    Router::new()
        .typed_post(chat_generate)
        .typed_get(orchestrator::chat_generate)
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST <typed> -> chat_generate [axum] in svc::api::routes",
            "GET <typed> -> orchestrator::chat_generate [axum] in svc::api::routes",
        ])
    );
    let c: Vec<(&str, &str)> = f
        .consts
        .iter()
        .map(|c| (c.path.as_str(), c.value.as_str()))
        .collect();
    assert_eq!(
        c,
        [(
            "svc::api::UICompletions.#typed_path",
            "/completions/{chat_id}"
        )]
    );
}

#[test]
fn actix_configure_with_qualified_self_and_attribute_route_tables() {
    let f = scan(
        r#"
fn create_app() -> App<T> {
    App::new().configure(<routes::MeilisearchApi as Routes>::configure)
}
#[routes::routes(
    routes(
        "/health" => get(get_health),
        "/chats" => sub(chats::ChatsApi),
        "/{workspace_uid}/settings" => [get(settings::get_settings), patch(settings::patch_settings)],
    ),
    tag = "Root",
)]
pub struct MeilisearchApi;
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "GET /health -> get_health [actix] in svc::api::MeilisearchApi::{routes}",
            "GET /{workspace_uid}/settings -> settings::get_settings [actix] in svc::api::MeilisearchApi::{routes}",
            "PATCH /{workspace_uid}/settings -> settings::patch_settings [actix] in svc::api::MeilisearchApi::{routes}",
        ])
    );
    assert_eq!(
        mounts(&f),
        s(&[
            " => routes::MeilisearchApi::configure in svc::api::create_app",
            "/chats => chats::ChatsApi::{routes} in svc::api::MeilisearchApi::{routes}",
        ])
    );
}

#[test]
fn a_match_on_a_client_url_path_is_not_a_route() {
    // Regression: a mock transport in a client example (`match request.url().path()`) was
    // read as a server route `ANY /chat/completions`.
    let f = scan(
        r#"
fn build_service() -> S {
    ServiceBuilder::new().service(service_fn(move |factory: Factory| async move {
        let request = factory.build().await?;
        let response = match request.url().path() {
            "/chat/completions" => canned(200),
            _ => canned(404),
        };
        Ok(response)
    }))
}
"#,
    );
    assert!(f.routes.is_empty(), "{:?}", routes(&f));
}

#[test]
fn services_in_method_routers_and_constructor_branches() {
    let f = scan(
        r#"
fn app() -> Router {
    Router::new().nest_service("/speech", get_service(ServeDir::new(dir)))
}
impl<S> Service<Request> for HealthCheck<S> {
    fn call(&mut self, req: Request) -> Self::Future {
        if req.uri().path() == "/health" {
            Either::Left(ready(Ok(healthy_response())))
        } else {
            Either::Right(self.inner.call(req))
        }
    }
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "GET /speech+{*rest} -> ServeDir::call [axum] in svc::api::app",
            "ANY /health -> svc::api::HealthCheck::call::{arm@7} [tower] in svc::api::HealthCheck::call",
        ])
    );
    assert!(f.routes[0].value);
}

#[test]
fn a_block_holding_a_router_is_a_router() {
    let f = scan(
        r#"
fn api() -> Router {
    let mut routers = vec![];
    routers.push({
        Router::new().route("/v1/chat/completions", post(routes::chat))
    });
    let mut root = Router::new();
    for router in routers {
        root = root.merge(router);
    }
    root
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&["POST /v1/chat/completions -> routes::chat [axum] in svc::api::api::{router@4}"])
    );
    assert!(
        mounts(&f)
            .contains(&" => svc::api::api::{router@4} in svc::api::api::{let root@9}".to_owned())
    );
}

#[test]
fn middleware_on_a_nested_helper_router_covers_that_router_only() {
    let f = scan(
        r#"
fn app() -> Router {
    Router::new()
        .route("/health", get(health))
        .nest("/v1", api::router().layer(from_fn(auth::require_user)))
}
"#,
    );
    assert_eq!(
        mounts(&f),
        s(&[
            "/v1 => svc::api::app::{router@5} in svc::api::app",
            " => api::router in svc::api::app::{router@5}",
        ])
    );
    // The middleware constructor is in the nested router's function, not in `app`.
    assert!(ev(&f, "svc::api::app::{router@5}").contains(&"call from_fn".to_owned()));
    assert!(!ev(&f, "svc::api::app").contains(&"call from_fn".to_owned()));
}

#[test]
fn a_variant_sent_on_a_channel_is_a_message_and_its_receiving_arms_are_functions() {
    let f = scan(
        r#"
        async fn check_auth(tx: &Sender<StateEvent>, token: String) {
            tx.send(StateEvent::IsApiTokenValid { api_token: token, result_sender: s }).unwrap();
            tx.send(Ok(1));
            tx.send(Err(e));
            tx.send(request);
        }
        async fn state_loop(mut rx: Receiver<StateEvent>, db: Db) {
            while let Some(event) = rx.recv().await {
                match event {
                    StateEvent::IsApiTokenValid { api_token, result_sender } => {
                        db.is_api_token_valid(&api_token).await;
                    }
                    StateEvent::Usage(u) | StateEvent::Cost(u) => record(u),
                    other => ignore(other),
                }
            }
        }
        "#,
    );
    let sends = ev(&f, "svc::api::check_auth");
    assert!(
        sends.contains(&"message StateEvent::IsApiTokenValid".to_owned()),
        "{sends:?}"
    );
    // A result sent back (`Ok(1)`, `Err(e)`) answers a request: no message. A value that
    // names no variant is a message without a name.
    let messages: Vec<&String> = sends.iter().filter(|e| e.starts_with("message")).collect();
    assert_eq!(
        messages,
        ["message StateEvent::IsApiTokenValid", "message "]
    );
    let variants: Vec<&str> = f.receives.iter().map(|r| r.variant.as_str()).collect();
    assert_eq!(
        variants,
        ["StateEvent::IsApiTokenValid", "StateEvent::Usage"]
    );
    let arm = &f.receives[0].func;
    assert!(arm.starts_with("svc::api::state_loop::{arm@"), "{arm}");
    assert!(ev(&f, arm).contains(&"method db:is_api_token_valid".to_owned()));
    // The loop reaches its arms, as it reaches closures.
    assert!(ev(&f, "svc::api::state_loop").contains(&format!("fnref {arm}")));
}

#[test]
fn signatures_keep_parameter_and_return_types_and_impls_their_trait() {
    let f = scan(
        r#"
        pub trait Provider { async fn complete(&self, r: ChatRequest) -> String; fn name(&self) -> &str { "x" } }
        struct Qwen;
        impl Provider for Qwen { async fn complete(&self, r: ChatRequest) -> String { call(r) } }
        async fn chat(State(s): State<Arc<AppState>>, user: AuthUser, Json(r): Json<ChatCompletionRequest>)
            -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> { todo() }
        "#,
    );
    let chat = func(&f, "svc::api::chat");
    let params: Vec<&str> = chat.params.iter().map(|p| p.as_str()).collect();
    assert_eq!(
        params,
        [
            "State Arc AppState",
            "AuthUser",
            "Json ChatCompletionRequest"
        ]
    );
    assert_eq!(
        chat.returns.as_ref().map(|r| r.as_str()),
        Some("Result Sse Stream Result Event Infallible ApiError")
    );
    assert_eq!(
        func(&f, "svc::api::Qwen::complete").trait_name.as_deref(),
        Some("Provider")
    );
    assert_eq!(
        func(&f, "svc::api::Provider::name").trait_name.as_deref(),
        Some("Provider")
    );
    assert_eq!(f.traits.len(), 1);
    assert_eq!(f.traits[0].path, "svc::api::Provider");
    let methods: Vec<&str> = f.traits[0].methods.iter().map(|m| m.as_str()).collect();
    assert_eq!(methods, ["complete", "name"]);
}

#[test]
fn a_const_built_by_a_constructor_keeps_its_path_like_argument() {
    let f = scan(
        r#"
        pub const CHAT_ROUTE: RouteInfo = RouteInfo::new("/v1/chat/completions", "POST");
        fn app() -> Router { Router::new().route(CHAT_ROUTE.path, post(chat)) }
        "#,
    );
    let c: Vec<(&str, &str)> = f
        .consts
        .iter()
        .map(|c| (c.path.as_str(), c.value.as_str()))
        .collect();
    assert_eq!(c, [("svc::api::CHAT_ROUTE.*", "/v1/chat/completions")]);
}

#[test]
fn sends_name_their_variant_local_or_struct_and_replies_are_not_messages() {
    let f = scan(
        r#"
async fn handler(tx: Sender<Req>) {
    let request = Req::Generate { prompt };
    tx.send(request).await;
    tx.send(Decision { approve }).await;
    tx.send(make()).await;
}
async fn engine(rx: Receiver<Req>) {
    match rx.recv().await {
        Req::Info(reply) => { let _ = reply.send(info.clone()); }
        Req::Generate { prompt } => { out.send(prompt); }
    }
}
"#,
    );
    let messages = |path: &str| -> Vec<String> {
        ev(&f, path)
            .into_iter()
            .filter(|e| e.starts_with("message"))
            .collect()
    };
    assert_eq!(
        messages("svc::api::handler"),
        s(&["message Req::Generate", "message Decision", "message "])
    );
    let arms: Vec<&str> = f
        .functions
        .iter()
        .map(|x| x.path.as_str())
        .filter(|p| p.contains("{arm@"))
        .collect();
    assert_eq!(arms.len(), 2, "{arms:?}");
    // The reply on the channel the Info message carried is no message; a send on another
    // channel from the Generate arm is.
    assert_eq!(messages(arms[0]), Vec::<String>::new());
    assert_eq!(messages(arms[1]), s(&["message "]));
}

#[test]
fn a_router_rebound_by_a_match_in_a_loop_keeps_the_routes_of_its_arms() {
    // Regression: routes added in the arms of `router = match plugin {..}` were registered
    // in arm functions mounted nowhere, so they lost the prefix the router is nested under.
    let f = scan(
        r#"
fn pipeline(p: &Pipeline) -> Router {
    let mut router = Router::new().route("/models", get(models));
    for plugin in p.plugins.clone() {
        router = match plugin {
            Plugin::Tracing { endpoint } => {
                Tracer::init(endpoint);
                router
            }
            Plugin::Models { models } => match p.kind {
                Kind::Chat => router.route("/chat/completions", post(move |b| chat(b, models))),
                Kind::Embed => router.route("/embeddings", post(embed)),
                _ => return Router::new(),
            },
            _ => router,
        };
    }
    router.with_state(state)
}
fn app() -> Router { Router::new().nest("/api/v1", pipeline(&p)) }
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "GET /models -> models [axum] in svc::api::pipeline::{let router@3}",
            "POST /chat/completions -> svc::api::pipeline::{closure@11} [axum] in svc::api::pipeline::{let router@5}",
            "POST /embeddings -> embed [axum] in svc::api::pipeline::{let router@5}",
        ])
    );
    assert_eq!(
        mounts(&f),
        s(&[
            " => svc::api::pipeline::{let router@3} in svc::api::pipeline::{let router@5}",
            " => svc::api::pipeline::{let router@5} in svc::api::pipeline",
            "/api/v1 => pipeline in svc::api::app",
        ])
    );
    // The arms' other calls stay in the flow; the arms are no message receivers.
    assert!(ev(&f, "svc::api::pipeline::{let router@5}").contains(&"call Tracer::init".to_owned()));
    assert!(!f.functions.iter().any(|x| x.path.contains("{arm@")));
}

#[test]
fn a_router_rebound_by_an_if_or_inside_a_receiving_arm_is_the_same_router() {
    let f = scan(
        r#"
fn api(cfg: Config, ev: Ev) -> Router {
    let mut router = Router::new().route("/health", get(health));
    router = if cfg.chat { router.route("/chat", post(chat)) } else { router };
    match ev {
        Ev::Admin => { router = router.route("/admin", post(admin)); }
        Ev::Other => {}
    }
    router
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "GET /health -> health [axum] in svc::api::api::{let router@3}",
            "POST /chat -> chat [axum] in svc::api::api::{let router@4}",
            "POST /admin -> admin [axum] in svc::api::api::{arm@6}::{let router@6}",
        ])
    );
    // After the `match`, `router` is the router before it or the one its arm built: both are
    // mounted where it is returned.
    assert_eq!(
        mounts(&f),
        s(&[
            " => svc::api::api::{let router@3} in svc::api::api::{let router@4}",
            " => svc::api::api::{let router@4} in svc::api::api::{arm@6}::{let router@6}",
            " => svc::api::api::{let router@4} in svc::api::api",
            " => svc::api::api::{arm@6}::{let router@6} in svc::api::api",
        ])
    );
}

#[test]
fn a_match_or_if_that_yields_no_router_is_not_one() {
    // Only a branch value that is a router makes the whole a router: a number, a call's
    // result or an `if` without `else` leave the local as it was.
    let f = scan(
        r#"
fn api(k: Kind) -> Router {
    let router = Router::new().route("/a", get(a));
    let n = match k { Kind::A => 1, _ => 2 };
    let other = if k.big() { router.route("/b", get(b)) } else { build_other() };
    if k.c() { other.clone(); }
    router
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "GET /a -> a [axum] in svc::api::api::{let router@3}",
            "GET /b -> b [axum] in svc::api::api",
        ])
    );
    assert!(
        mounts(&f).iter().all(|m| !m.contains("{let other")),
        "{:?}",
        mounts(&f)
    );
    assert!(
        mounts(&f).iter().all(|m| !m.contains("{let n")),
        "{:?}",
        mounts(&f)
    );
}

#[test]
fn a_scope_or_router_passed_to_a_helper_mounts_the_helper_with_its_path() {
    let f = scan(
        r#"
fn attach(scope: Scope) -> Scope {
    scope.route("/chat/completions", web::post().to(chat))
}
fn add_routes(r: Router) -> Router { r.route("/generate", post(generate)) }
fn app() {
    let mut service = Self::attach(web::scope("/v1"));
    service = service.app_data(data);
    App::new().service(service.wrap(Limit));
}
fn axum_app() -> Router {
    Router::new()
        .nest("/api", add_routes(Router::new()))
        .merge(add_routes(Router::new().nest("/x", other())))
}
"#,
    );
    assert_eq!(
        routes(&f),
        s(&[
            "POST /chat/completions -> chat [actix] in svc::api::attach",
            "POST /generate -> generate [axum] in svc::api::add_routes",
        ])
    );
    assert_eq!(
        mounts(&f),
        s(&[
            "/v1 => Self::attach in svc::api::app::{let service@7}",
            " => svc::api::app::{let service@7} in svc::api::app::{let service@8}",
            " => svc::api::app::{router@9} in svc::api::app",
            " => svc::api::app::{let service@8} in svc::api::app::{router@9}",
            "/api => add_routes in svc::api::axum_app",
            " => add_routes in svc::api::axum_app",
            "/x => other in svc::api::axum_app",
        ])
    );
}

#[test]
fn calls_that_are_not_helpers_given_a_router_mount_nothing() {
    // A variant or a smart pointer wrapping a router, a routing function, a call whose
    // arguments are no router: no mount.
    let f = scan(
        r#"
fn app(state: AppState) -> Router {
    let router = Router::new().route("/a", get(a));
    let shared = Arc::new(compute(state));
    log_startup(&state, "ready");
    Ok(router)
}
"#,
    );
    assert_eq!(
        mounts(&f),
        s(&[" => svc::api::app::{let router@3} in svc::api::app"])
    );
}

#[test]
fn a_method_on_a_local_bound_to_a_constructor_names_its_type() {
    // Only the first call on the local is typed; the rest of the chain is on its result.
    let f = scan(
        r#"
async fn chat(req: Req, url: String) {
    let executor = Executor::new(req);
    executor.execute(&req).await.map(wrap);
    let client = reqwest::Client::new();
    client.post(url).send();
    let other = make_executor();
    other.execute(&req);
}
"#,
    );
    assert_eq!(
        ev(&f, "svc::api::chat"),
        s(&[
            "call Executor::new",
            "typed Executor:execute",
            "method executor:execute.map",
            "fnref wrap",
            "call reqwest::Client::new",
            "typed reqwest::Client:post",
            "method client:post.send",
            "call make_executor",
            "method other:execute",
        ])
    );
}

#[test]
fn a_method_on_a_local_that_holds_a_chain_continues_it() {
    let f = scan(
        r#"
        async fn run(client: Client, req: Req) {
            let model = client.completion_model(&req.name).completions_api();
            let mut stream = model.stream(req.completion).await?;
            let builder = client.post(url).json(&body);
            let resp = builder.send().await?;
            let model = Model::default();
            model.stream(x);
        }
        "#,
    );
    let events = ev(&f, "svc::api::run");
    for want in [
        "method model:completion_model.completions_api.stream",
        "method builder:post.json.send",
        // Rebound to a constructed value: its type, not the chain.
        "typed Model:stream",
    ] {
        assert!(events.contains(&want.to_owned()), "{want}: {events:?}");
    }
}

#[test]
fn a_helper_given_the_router_wraps_it() {
    let f = scan(
        r#"
async fn main() {
    let api = Router::new().route("/v1/chat/completions", post(chat));
    let api = web::protect(ctx, api);
    axum::serve(listener, api).await.unwrap();
}
"#,
    );
    let wraps: Vec<&str> = f
        .mounts
        .iter()
        .filter(|m| m.kind == crate::facts::MountKind::Wraps)
        .map(|m| m.target.as_str())
        .collect();
    assert_eq!(wraps, ["web::protect"], "{:?}", mounts(&f));
}

#[test]
fn a_helper_merged_into_a_chain_only_adds_its_routes() {
    let f = scan(
        r#"
fn app() -> Router {
    let api = Router::new().route("/v1/chat/completions", post(chat));
    let app = Router::new().nest("/a", a()).merge(web::protect(ctx, api));
    app
}
"#,
    );
    assert!(
        f.mounts.iter().any(|m| m.target == "web::protect"),
        "{:?}",
        mounts(&f)
    );
    assert!(
        f.mounts
            .iter()
            .all(|m| m.kind == crate::facts::MountKind::Routes),
        "{:?}",
        mounts(&f)
    );
}
