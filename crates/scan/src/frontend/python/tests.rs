//! Unit tests of the Python frontend: the smallest source showing each form.

use super::extract;
use crate::facts::{EventKind, FileFacts, RoutePath};
use crate::frontend::SourceInput;

pub(super) fn facts(module: &str, src: &str) -> FileFacts {
    let rel = format!("{}.py", module.replace("::", "/"));
    extract(&SourceInput {
        rel_path: &rel,
        text: src,
        package: "",
        module,
        is_test_file: false,
    })
}

pub(super) fn events(f: &FileFacts, name: &str) -> Vec<String> {
    let func = f
        .functions
        .iter()
        .find(|x| x.name.as_str() == name)
        .unwrap_or_else(|| {
            panic!(
                "no function {name}: {:?}",
                f.functions.iter().map(|f| &f.path).collect::<Vec<_>>()
            )
        });
    func.events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Call { path } => format!("call {path}"),
            EventKind::Method { chain, receiver } => {
                format!("method {receiver}.{}", chain.as_str())
            }
            EventKind::FnRef { path } => format!("ref {path}"),
            EventKind::TypeRef { path } => format!("type {path}"),
            EventKind::Str { value, .. } => format!("str {value}"),
            EventKind::Macro { name } => format!("macro {name}"),
            EventKind::Message { variant } => format!("msg {variant}"),
            EventKind::TypedMethod { chain, ty } => format!("typed {ty}.{}", chain.as_str()),
        })
        .collect()
}

fn routes(f: &FileFacts) -> Vec<String> {
    f.routes
        .iter()
        .map(|r| {
            let path: Vec<String> = r
                .path
                .iter()
                .map(|p| match p {
                    RoutePath::Lit(s) => s.clone(),
                    RoutePath::Const(c) => format!("{{{c}}}"),
                    RoutePath::Unknown => "{?}".into(),
                    RoutePath::Typed => "{typed}".into(),
                })
                .collect();
            format!(
                "{} {} -> {} in {}",
                r.method,
                path.join(""),
                r.handler,
                r.registered_in.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn openai_sdk_calls_are_method_chains_and_module_calls_are_paths() {
    let f = facts(
        "app::chat",
        "import openai\nfrom openai import OpenAI\nclient = OpenAI()\n\ndef chat(q):\n    r = client.chat.completions.create(model='x', messages=q)\n    openai.ChatCompletion.create(messages=q)\n    return r\n",
    );
    assert_eq!(
        events(&f, "chat"),
        [
            "method client.chat.completions.create",
            "type openai::OpenAI::chat::completions::create",
            "str x",
            "call openai::ChatCompletion::create",
        ]
    );
}

#[test]
fn fastapi_routers_prefixes_mounts_and_dependencies() {
    let f = facts(
        "app::api",
        "from fastapi import APIRouter, Depends\nrouter = APIRouter(prefix='/v1', dependencies=[Depends(verify_key)])\n\n@router.post('/chat/completions', dependencies=[Depends(rate_limit)])\nasync def chat(req: ChatRequest, user: User = Depends(get_current_active_user)):\n    return await llm.generate(req)\n",
    );
    assert_eq!(
        routes(&f),
        ["POST /v1/chat/completions -> chat in app::api::router"]
    );
    assert_eq!(
        events(&f, "chat"),
        [
            "call Depends",
            "type fastapi::Depends",
            "ref rate_limit",
            "call Depends",
            "type fastapi::Depends",
            "ref get_current_active_user",
            "method llm.generate"
        ]
    );
    assert_eq!(
        events(&f, "router"),
        ["call Depends", "type fastapi::Depends", "ref verify_key"]
    );
    let main = facts(
        "app::main",
        "from fastapi import FastAPI\nfrom .api import router\napp = FastAPI()\napp.include_router(router, prefix='/api')\n",
    );
    assert_eq!(main.mounts.len(), 1);
    assert_eq!(main.mounts[0].target, "router");
    assert_eq!(main.mounts[0].in_fn, "app::main::app");
    assert!(
        main.uses
            .iter()
            .any(|u| u.alias == "router" && u.target == "app::api::router")
    );
}

#[test]
fn flask_blueprints_and_before_request() {
    let f = facts(
        "svc::views",
        "from flask import Blueprint\nbp = Blueprint('chat', __name__, url_prefix='/api')\n\n@bp.before_request\ndef check_user():\n    if not current_user.is_active:\n        abort(403)\n\n@bp.route('/chat', methods=['POST'])\n@login_required\ndef chat():\n    return model.chat(tokenizer, request.json['q'])\n",
    );
    assert_eq!(routes(&f), ["POST /api/chat -> chat in svc::views::bp"]);
    assert_eq!(
        events(&f, "bp"),
        ["call before_request", "ref svc::views::check_user"]
    );
    assert_eq!(events(&f, "check_user")[0], "method current_user.is_active");
    assert_eq!(events(&f, "chat")[0], "ref login_required");
}

#[test]
fn gradio_event_handlers_are_endpoints() {
    let f = facts(
        "demo",
        "import gradio as gr\n\ndef predict(msg, history):\n    return model.chat(tokenizer, msg)\n\nwith gr.Blocks() as demo:\n    btn = gr.Button()\n    btn.click(predict, [box], [out])\n    gr.ChatInterface(fn=predict)\n",
    );
    assert_eq!(
        routes(&f),
        [
            "GRADIO gradio:predict -> predict in demo::{module}",
            "GRADIO gradio:predict -> predict in demo::{module}"
        ]
    );
}

#[test]
fn nested_generators_run_where_they_are_used() {
    let f = facts(
        "app",
        "def chat(req):\n    check_input(req)\n    def gen():\n        for c in stream:\n            yield screen(c)\n    stream = client.chat.completions.create(stream=True)\n    return StreamingResponse(gen())\n",
    );
    let ev = events(&f, "chat");
    let create = ev
        .iter()
        .position(|e| e.ends_with("completions.create"))
        .unwrap();
    let used = ev.iter().position(|e| e == "ref app::chat::gen").unwrap();
    assert!(create < used, "{ev:?}");
    let chat = f
        .functions
        .iter()
        .find(|x| x.name.as_str() == "chat")
        .unwrap();
    assert_eq!(
        chat.returns.as_ref().map(|r| r.as_str()),
        Some("StreamingResponse")
    );
}

#[test]
fn strings_urls_and_records() {
    let f = facts(
        "w",
        "import requests\nBASE = 'http://localhost:21002'\n\ndef ask(p):\n    url = f'{BASE}/worker_generate_stream'\n    requests.post(url, json=p)\n    db.add(ChatMessage(text=p))\n",
    );
    let ev = events(&f, "ask");
    assert!(
        ev.contains(&"str http://localhost:21002/worker_generate_stream".to_owned()),
        "{ev:?}"
    );
    assert!(
        ev.contains(&"str INSERT INTO chat_message".to_owned()),
        "{ev:?}"
    );
}

#[test]
fn a_syntax_error_is_a_parse_error_with_its_line() {
    let f = facts("bad", "def f(:\n    pass\n");
    let p = f.parse_error.unwrap();
    assert_eq!(p.line, 1);
    assert!(f.functions.is_empty());
}

#[test]
fn relative_imports_resolve_against_the_package() {
    let f = facts(
        "pkg::sub::mod_a",
        "from ..core import engine as eng\nfrom . import views\nfrom x import *\n",
    );
    let t: Vec<(String, String)> = f
        .uses
        .iter()
        .map(|u| (u.alias.clone(), u.target.clone()))
        .collect();
    assert!(
        t.contains(&("eng".into(), "pkg::core::engine".into())),
        "{t:?}"
    );
    assert!(
        t.contains(&("views".into(), "pkg::sub::views".into())),
        "{t:?}"
    );
    assert!(t.contains(&("*".into(), "x".into())), "{t:?}");
    assert!(t.contains(&("*".into(), "pkg::sub::x".into())), "{t:?}");
}

#[test]
fn a_closure_calls_its_sibling_closure() {
    // `regenerate` delegates to `predict`, both nested in `launch`: the call names the
    // sibling, not a module-level `predict`; a local of the caller shadows it.
    let f = facts(
        "demo",
        "def launch(model):\n    def predict(q):\n        yield from model.chat_stream(q)\n    def regenerate(h):\n        yield from predict(h.pop())\n    def shadowed(predict):\n        predict(1)\n    btn.click(regenerate)\n",
    );
    let ev = events(&f, "regenerate");
    assert!(
        ev.contains(&"call demo::launch::predict".to_owned()),
        "{ev:?}"
    );
    let ev = events(&f, "shadowed");
    assert!(!ev.iter().any(|e| e.contains("launch::predict")), "{ev:?}");
}

#[test]
fn a_key_compared_with_settings_is_no_key_lookup() {
    // The body of `check_api_key` only compares the bearer token with keys from the settings
    // (a shared secret): calls of it are no user check by name. A lookup in a store, or a
    // comparison with something that is not configuration, keeps the name's meaning.
    let f = facts(
        "api::auth",
        "async def check_api_key(auth = Depends(bearer)):\n    if not SETTINGS.api_keys:\n        return None\n    if auth is None or (token := auth.credentials) not in SETTINGS.api_keys:\n        raise HTTPException(status_code=401)\n    return token\n\ndef verify_key(key):\n    if key != os.environ[\"API_KEY\"]:\n        raise Unauthorized()\n\ndef check_api_key_db(token):\n    row = db.get_key(token)\n    if row is None or row.disabled:\n        raise HTTPException(401)\n\ndef validate_api_key(token, allowed):\n    if token not in allowed:\n        raise HTTPException(401)\n",
    );
    let denies = |name: &str| {
        f.functions
            .iter()
            .find(|x| x.name.as_str() == name)
            .map(|x| x.denies.clone())
            .unwrap()
    };
    assert_eq!(denies("check_api_key"), ["user.check"]);
    assert_eq!(denies("verify_key"), ["user.check"]);
    assert!(denies("check_api_key_db").is_empty());
    assert!(denies("validate_api_key").is_empty());
}

#[test]
fn a_table_a_function_returns_is_read_where_its_result_is_subscripted() {
    // `get_plugins` builds a dict of plugin functions (one wrapped in `HotReload`) and returns
    // it; a closure of `main` calls whatever `plugins[k]["Function"]` holds.
    let f = facts(
        "ui",
        "def get_plugins():\n    from app.plugins import summarise, translate\n    table = {\"Sum\": {\"Function\": summarise, \"Color\": \"stop\"}}\n    table.update({\"Tr\": {\"Function\": HotReload(translate)}})\n    return table\n\ndef main():\n    plugins = get_plugins()\n    def route(k, *args):\n        yield from Wrapper(plugins[k][\"Function\"])(*args)\n    btn.click(route)\n",
    );
    assert_eq!(
        events(&f, "{table}"),
        ["ref summarise", "ref translate"],
        "the returned table's functions"
    );
    let ev = events(&f, "route");
    assert!(
        ev.contains(&"ref get_plugins::{table}".to_owned()),
        "{ev:?}"
    );
    // A table that is not returned gives no synthetic function.
    let g = facts("ui", "def f():\n    t = {\"a\": g}\n    return 1\n");
    assert!(g.functions.iter().all(|x| x.name.as_str() != "{table}"));
}

#[test]
fn annotations_type_parameters_and_attributes() {
    let f = facts(
        "app::kb",
        "from typing import Any, List, Optional\n\
         from langchain.chains import MapReduceDocumentsChain\n\
         from langchain_openai import ChatOpenAI\n\
         from xinference_client import RESTfulClient\n\
         class Summary:\n    chain: MapReduceDocumentsChain\n    other: Any\n\
         \n    def run(self, docs):\n        self.other.run(docs)\n        return self.chain.combine_docs(docs=docs)\n\
         def rewrite(llm: Optional[ChatOpenAI], hint: Any, items: List[ChatOpenAI], c: 'RESTfulClient'):\n\
         \x20   hint.invoke(1)\n    items.invoke(2)\n    llm.invoke(3)\n",
    );
    assert_eq!(
        events(&f, "run"),
        [
            "method self.other.run",
            "typed langchain::chains::MapReduceDocumentsChain.combine_docs",
            "type langchain::chains::MapReduceDocumentsChain::combine_docs",
        ]
    );
    // `Any` and a list are no class; the string annotation is not read as one.
    assert_eq!(
        events(&f, "rewrite"),
        [
            "method hint.invoke",
            "method items.invoke",
            "typed langchain_openai::ChatOpenAI.invoke",
            "type langchain_openai::ChatOpenAI::invoke",
        ]
    );
}

#[test]
fn tool_decorators_register_and_running_a_tool_by_name_sends_to_the_registry() {
    let f = facts(
        "agent::tools",
        "from langchain_core.tools import tool\nfrom reg import register_tool\n\n@tool\ndef search(q):\n    return q\n\n@register_tool(title='Draw')\ndef draw(p):\n    return p\n\n@cache\ndef plain(x):\n    return x\n\nasync def call(name, args, tools):\n    if t := get_tool(name):\n        await t.ainvoke(args)\n    tool = tools[name]\n    tool.invoke(args)\n    self.tools[name].run(args)\n    tool_map.get(name).arun(args)\n    runner.run(args)\n    picked = registry.get_tool(name)\n    picked.invoke(args)\n",
    );
    let registered: Vec<(&str, &str)> = f
        .receives
        .iter()
        .map(|r| (r.variant.as_str(), r.func.as_str()))
        .collect();
    assert_eq!(
        registered,
        [
            ("{tool}", "agent::tools::search"),
            ("{tool}", "agent::tools::draw")
        ]
    );
    let sent = events(&f, "call")
        .into_iter()
        .filter(|e| e == "msg {tool}")
        .count();
    // `runner.run` sends nothing; the other five do (`t := get_tool(..)` and
    // `picked = registry.get_tool(..)` were assigned from calls about tools).
    assert_eq!(sent, 5, "{:?}", events(&f, "call"));
}

#[test]
fn fastmcp_tools_are_mcp_endpoints() {
    let f = facts(
        "writer::server",
        "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('writer')\n\n@mcp.tool()\ndef summarise(text):\n    return llm(text)\n\n@mcp.tool(name='word_count')\ndef count(text):\n    return 1\n\n@other.tool()\ndef plain(x):\n    return x\n",
    );
    assert_eq!(
        routes(&f),
        [
            "MCP tool:summarise -> summarise in writer::server::mcp",
            "MCP tool:word_count -> count in writer::server::mcp",
        ]
    );
    // On anything but a FastMCP server, `.tool()` registers an agent tool.
    let registered: Vec<&str> = f.receives.iter().map(|r| r.func.as_str()).collect();
    assert_eq!(registered, ["writer::server::plain"]);
}
