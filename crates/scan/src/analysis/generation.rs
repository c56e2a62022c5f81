//! Whether an endpoint generates, decided from the evidence together.
//!
//! A catalogue generation call reached from the handler is the strongest signal, but real
//! services often call no catalogue API: they forward the body to an upstream model URL from
//! config, or hand the request to an engine loop over a channel. The endpoint's own shape then
//! says what it is:
//!
//! | signal | what | weight |
//! |---|---|---|
//! | `call` | a catalogue generation call is reached | decides alone |
//! | `route` | the route names a generation API (`/v1/chat/completions`, `/v1/completions`, `/v1/images/generations`, `/v1/audio/speech`, `/v1/messages`, `/v1/responses`, `/generate`, `/generate_stream`); a weaker word (`/chat`, `/infer`, `/synthesize`…) counts less | 3, or 1 |
//! | `request-type` | a parameter's type is a generation request (`ChatCompletionRequest`, `GenerateRequest`, `CreateImageRequest`…) | 2 |
//! | `handler-name` | the handler is named for generation (`chat_completions`, `generate_stream`…) | 1 |
//! | `streaming-response` | the handler returns a server-sent-event stream (`Sse<…>`) | 1 |
//!
//! An endpoint without a `call` generates when the other signals weigh 3 or more, or 2 with a
//! `forward` or `handoff` site reached (see [`genai_gate_policy::GenerationSignal`]). A route,
//! request type that names something else — embeddings, tokenising, listing or loading
//! models, health, metrics, uploads — vetoes every signal, a `call` included (the route wins
//! over the request type); a handler name that does (`get_response`, `rename_chat`) vetoes
//! generation by shape alone, and so does a handler whose whole flow is known to reach no
//! model (a stub that answers a status, see [`crate::analysis::inert`]).

/// What a route, request type, handler name or return type says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Says {
    /// It names a generation API (with a weight).
    Generation(u8),
    /// It names something that is not generation.
    Other,
    /// Nothing either way.
    Nothing,
}

/// The signals of one endpoint's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// From the route.
    pub route: Says,
    /// From the handler's parameter types.
    pub request: Says,
    /// From the handler's name.
    pub name: Says,
    /// The handler returns an event stream.
    pub streams: bool,
}

/// How an endpoint was found to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The signals that held, in the report's words (`call`, `route`, `request-type`,
    /// `handler-name`, `streaming-response`, `forward`, `handoff`).
    pub signals: Vec<&'static str>,
}

/// Route segments after which a route names a generation API on its own.
const STRONG_LAST: &[&str] = &[
    "completions",
    "generations",
    "generate",
    "generate_stream",
    "chat_completions",
    "chatcompletions",
];

/// Route segments that name generation less surely.
const WEAK_LAST: &[&str] = &[
    "chat",
    "completion",
    "infer",
    "inference",
    "invocations",
    "predict",
    "synthesize",
    "speech",
    "tts",
    "txt2img",
    "img2img",
    "text2image",
    "edits",
    "variations",
    "transcriptions",
    "translations",
    "messages",
    "responses",
    "ask",
    "answer",
    "stream",
];

/// Words (in routes, request types and handler names) that name what is not generation.
const OTHER_WORDS: &[&str] = &[
    "embedding",
    "embeddings",
    "embed",
    "embeds",
    "tokenize",
    "detokenize",
    "tokens",
    "tokenizer",
    "models",
    "model",
    "health",
    "healthz",
    "ready",
    "live",
    "ping",
    "metrics",
    "info",
    "version",
    "status",
    "load",
    "unload",
    "reload",
    "tune",
    "settings",
    "search",
    "similar",
    "upload",
    "files",
    "rerank",
    "moderations",
    "adapters",
    "lora",
    "token",
    "login",
    "register",
    "webhook",
    "docs",
    "openapi",
    "swagger",
    "static",
    "list",
    "delete",
    "cancel",
    "count",
];

/// Parameter wrappers that say nothing about the request.
const WRAPPERS: &[&str] = &[
    "Json",
    "Form",
    "Query",
    "State",
    "Extension",
    "Path",
    "Data",
    "Arc",
    "Rc",
    "Box",
    "Option",
    "Vec",
    "Result",
    "JsonBody",
    "Valid",
    "Validated",
    "TypedMultipart",
    "Multipart",
    "Bytes",
    "String",
    "str",
    "Request",
    "HttpRequest",
    "Body",
    "Depot",
    "Response",
    "HeaderMap",
    "TypedHeader",
    "Header",
    "Mutex",
    "RwLock",
];

/// Words of a request type that name generation.
const REQUEST_WORDS: &[&str] = &[
    "Chat",
    "Completion",
    "Completions",
    "Generate",
    "Generation",
    "Prompt",
    "Speech",
    "Transcription",
    "Translation",
    "Infer",
    "Inference",
    "Image",
    "Messages",
    "Responses",
    "Response",
    "Conversation",
];

/// Words that end (or begin) a request type.
const REQUEST_ENDS: &[&str] = &[
    "Request", "Req", "Params", "Payload", "Body", "Input", "Args", "Create",
];

/// Verbs of handlers and request types that manage records rather than generate
/// (`NewChatRequest`, `rename_chat`, `get_response`).
const CRUD_VERBS: &[&str] = &[
    "new", "rename", "save", "restore", "delete", "remove", "update", "list", "get", "edit",
    "upload", "export", "import", "clear", "archive", "share", "set", "reset", "retrieve",
    "cancel", "patch", "fetch", "read", "lookup", "find", "poll", "count",
];

/// Nouns of request types about stored records, not a generation request
/// (`InferenceMetadataQueryParams`, `CreateDatapointsFromInferenceRequest`,
/// `ChatHistoryRequest`): a generation word beside one of them names what the records are of.
const RECORD_NOUNS: &[&str] = &[
    "metadata",
    "datapoint",
    "datapoints",
    "dataset",
    "datasets",
    "feedback",
    "feedbacks",
    "metric",
    "metrics",
    "statistics",
    "stats",
    "count",
    "history",
    "histories",
];

/// Handler names that name generation.
const NAME_WORDS: &[&str] = &[
    "chat",
    "completion",
    "completions",
    "chatcompletions",
    "generate",
    "generation",
    "generations",
    "infer",
    "inference",
    "synthesize",
    "speech",
    "transcription",
    "messages",
    "respond",
];

/// The words of an identifier: `snake_case`, `kebab-case`, `camelCase` and `CamelCase`
/// split, lower-cased.
///
/// ```
/// use genai_gate_scan::analysis::generation::words;
/// assert_eq!(words("ChatCompletionRequest"), ["chat", "completion", "request"]);
/// ```
pub fn words(ident: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in ident.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a path segment is a parameter (`{id}`, `:id`, `<id>`, `*rest`, `{?}`).
fn is_param(seg: &str) -> bool {
    seg.starts_with('{') || seg.starts_with(':') || seg.starts_with('<') || seg.starts_with('*')
}

/// What a route says.
///
/// ```
/// use genai_gate_scan::analysis::generation::{route_says, Says};
/// assert_eq!(route_says("POST", "/v1/chat/completions"), Says::Generation(3));
/// assert_eq!(route_says("POST", "/completions/{chat_id}"), Says::Generation(3));
/// assert_eq!(route_says("POST", "/api/chat"), Says::Generation(3));
/// assert_eq!(route_says("POST", "/chat"), Says::Generation(1));
/// assert_eq!(route_says("POST", "/v1/embeddings"), Says::Other);
/// assert_eq!(route_says("GET", "/v1/chat/completions/status"), Says::Other);
/// assert_eq!(route_says("GET", "/completions/{chat_id}"), Says::Generation(1));
/// assert_eq!(route_says("DELETE", "/v1/responses/{id}"), Says::Other);
/// assert_eq!(route_says("POST", "/generate_api_token"), Says::Other);
/// assert_eq!(route_says("POST", "/users"), Says::Nothing);
/// ```
pub fn route_says(method: &str, route: &str) -> Says {
    if method == "DELETE" {
        return Says::Other;
    }
    let says = route_words_say(route);
    // `GET /v1/responses/{id}` reads a resource the API made; it generates only with other
    // signals (a streaming `GET /completions/{chat_id}` has them).
    let ends_in_param = route
        .rsplit('/')
        .find(|s| !s.is_empty())
        .is_some_and(is_param);
    match says {
        Says::Generation(_) if method == "GET" && ends_in_param => Says::Generation(1),
        other => other,
    }
}

fn route_words_say(route: &str) -> Says {
    let segs: Vec<String> = route
        .split('/')
        .filter(|s| !s.is_empty() && !is_param(s))
        .map(str::to_ascii_lowercase)
        .collect();
    let Some(last) = segs.last() else {
        return Says::Nothing;
    };
    let prev = segs.len().checked_sub(2).map(|i| segs[i].as_str());
    if STRONG_LAST.contains(&last.as_str()) {
        return Says::Generation(3);
    }
    let last_words = words(last);
    if last_words.iter().any(|w| OTHER_WORDS.contains(&w.as_str())) {
        return Says::Other;
    }
    match (prev, last.as_str()) {
        (Some("audio"), "speech" | "transcriptions" | "translations")
        | (Some("v1"), "messages" | "responses")
        | (Some("images"), "edits" | "variations")
        | (Some("api"), "chat") => return Says::Generation(3),
        _ => {}
    }
    if WEAK_LAST.contains(&last.as_str()) || last_words.first().is_some_and(|w| w == "generate") {
        return Says::Generation(1);
    }
    Says::Nothing
}

/// What a handler's parameter types say (see [`crate::facts::TypeNames`]).
///
/// ```
/// use genai_gate_scan::analysis::generation::{request_says, Says};
/// assert_eq!(request_says(["Json ChatCompletionRequest"]), Says::Generation(2));
/// assert_eq!(request_says(["State Arc AppState", "Json CreateEmbeddingRequest"]), Says::Other);
/// assert_eq!(request_says(["Json LoginForm"]), Says::Nothing);
/// // A request about stored records of inferences is no generation request.
/// assert_eq!(request_says(["Query InferenceMetadataQueryParams"]), Says::Nothing);
/// ```
pub fn request_says<'a>(params: impl IntoIterator<Item = &'a str>) -> Says {
    let mut says = Says::Nothing;
    for param in params {
        for name in param.split(' ').filter(|n| !WRAPPERS.contains(n)) {
            let ws: Vec<String> = words(name);
            let has = |list: &[&str]| {
                ws.iter()
                    .any(|w| list.iter().any(|l| l.eq_ignore_ascii_case(w)))
            };
            if ws.iter().any(|w| {
                matches!(
                    w.as_str(),
                    "embedding" | "embeddings" | "embed" | "tokenize" | "rerank" | "moderation"
                )
            }) {
                return Says::Other;
            }
            let ends = ws
                .last()
                .is_some_and(|w| REQUEST_ENDS.iter().any(|e| e.eq_ignore_ascii_case(w)))
                || ws.first().is_some_and(|w| w == "create");
            let crud = ws
                .iter()
                .any(|w| CRUD_VERBS.contains(&w.as_str()) || RECORD_NOUNS.contains(&w.as_str()));
            if ends && !crud && has(REQUEST_WORDS) {
                says = Says::Generation(2);
            }
        }
    }
    says
}

/// What a handler's name says.
///
/// ```
/// use genai_gate_scan::analysis::generation::{name_says, Says};
/// assert_eq!(name_says("chat_completions_create"), Says::Generation(1));
/// assert_eq!(name_says("create_embeddings"), Says::Other);
/// assert_eq!(name_says("rename_chat"), Says::Other);
/// assert_eq!(name_says("login"), Says::Nothing);
/// ```
pub fn name_says(name: &str) -> Says {
    let ws = words(name);
    if ws.iter().any(|w| {
        matches!(
            w.as_str(),
            "embedding"
                | "embeddings"
                | "embed"
                | "embeds"
                | "tokenize"
                | "detokenize"
                | "health"
                | "metrics"
                | "models"
                | "load"
                | "unload"
                | "token"
        )
    }) {
        return Says::Other;
    }
    if ws.first().is_some_and(|w| CRUD_VERBS.contains(&w.as_str())) {
        return Says::Other;
    }
    if ws.iter().any(|w| NAME_WORDS.contains(&w.as_str())) {
        return Says::Generation(1);
    }
    Says::Nothing
}

/// Whether a return type is a server-sent-event stream.
///
/// ```
/// use genai_gate_scan::analysis::generation::streams;
/// assert!(streams(Some("Result Sse Stream Result Event Infallible ApiError")));
/// assert!(streams(Some("EventSourceResponse")));
/// assert!(!streams(Some("Json Value")));
/// ```
pub fn streams(returns: Option<&str>) -> bool {
    returns.is_some_and(|r| {
        r.split(' ').any(|n| {
            matches!(
                n,
                "Sse"
                    | "EventStream"
                    | "SseStream"
                    | "SseResponse"
                    | "EventSourceResponse"
                    | "StreamingResponse"
            )
        })
    })
}

impl Shape {
    fn weight(&self) -> u8 {
        [self.route, self.request, self.name]
            .iter()
            .map(|s| match s {
                Says::Generation(w) => *w,
                _ => 0,
            })
            .sum::<u8>()
            + u8::from(self.streams)
    }

    /// The route or request type names something that is not generation: that vetoes every
    /// signal, a `call` included.
    pub fn names_other(&self) -> bool {
        let positive = |s: Says| matches!(s, Says::Generation(_));
        self.route == Says::Other || (self.request == Says::Other && !positive(self.route))
    }

    /// The handler's name says something else and nothing stronger names generation: that
    /// vetoes generation by shape (`get_response`, `rename_chat`), not a `call` reached.
    fn name_says_other(&self) -> bool {
        let positive = |s: Says| matches!(s, Says::Generation(_));
        self.name == Says::Other && !positive(self.route) && !positive(self.request)
    }

    /// The shape's own signals, in the report's words.
    fn signals(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if matches!(self.route, Says::Generation(_)) {
            out.push("route");
        }
        if matches!(self.request, Says::Generation(_)) {
            out.push("request-type");
        }
        if matches!(self.name, Says::Generation(_)) {
            out.push("handler-name");
        }
        if self.streams {
            out.push("streaming-response");
        }
        out
    }

    /// Whether the shape alone is worth looking for a `forward` or `handoff` site.
    pub fn worth_weak_sites(&self) -> bool {
        !self.names_other() && !self.name_says_other() && self.weight() >= 2
    }

    /// Decides: `call` says a catalogue generation call is reached, `weak` the signal of
    /// the `forward`/`handoff` site a flow counting those found, if any.
    ///
    /// ```
    /// use genai_gate_scan::analysis::generation::{Says, Shape};
    /// let chat = Shape { route: Says::Generation(3), request: Says::Nothing, name: Says::Nothing, streams: false };
    /// assert_eq!(chat.decide(false, None).unwrap().signals, ["route"]);
    /// let embed = Shape { route: Says::Other, request: Says::Nothing, name: Says::Nothing, streams: false };
    /// assert!(embed.decide(true, None).is_none());
    /// let plain = Shape { route: Says::Nothing, request: Says::Nothing, name: Says::Nothing, streams: false };
    /// assert_eq!(plain.decide(true, None).unwrap().signals, ["call"]);
    /// assert!(plain.decide(false, Some("forward")).is_none());
    /// ```
    pub fn decide(&self, call: bool, weak: Option<&'static str>) -> Option<Decision> {
        if self.names_other() {
            return None;
        }
        let mut signals = Vec::new();
        if call {
            signals.push("call");
        }
        let own = self.signals();
        let weight = self.weight();
        let by_shape = !self.name_says_other() && (weight >= 3 || (weight >= 2 && weak.is_some()));
        if !call && !by_shape {
            return None;
        }
        signals.extend(own);
        if !call && let Some(w) = weak {
            signals.push(w);
        }
        Some(Decision { signals })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_every_case() {
        assert_eq!(words("chat_completions"), ["chat", "completions"]);
        assert_eq!(
            words("ChatCompletionRequest"),
            ["chat", "completion", "request"]
        );
        assert_eq!(words("createThreadRun"), ["create", "thread", "run"]);
        assert_eq!(words("generate-stream"), ["generate", "stream"]);
    }

    #[test]
    fn routes_of_real_services() {
        for r in [
            "/v1/chat/completions",
            "/api/oai/v1/completions",
            "/v1/images/generations",
            "/v1/image/generations",
            "/v1/audio/speech",
            "/v1/messages",
            "/v1/responses",
            "/generate",
            "/generate_stream",
            "/chats/{workspace_uid}/chat/completions",
        ] {
            assert_eq!(route_says("POST", r), Says::Generation(3), "{r}");
        }
        for r in [
            "/v1/embeddings",
            "/v1/models",
            "/v1/models/{model}",
            "/tokenize",
            "/health",
            "/v1/messages/count_tokens",
            "/admin/models/load",
            "/v1/load_lora_adapter",
        ] {
            assert_eq!(route_says("POST", r), Says::Other, "{r}");
        }
    }

    #[test]
    fn a_request_type_needs_a_generation_word_and_a_request_ending() {
        assert_eq!(
            request_says(["CreateChatCompletionRequest"]),
            Says::Generation(2)
        );
        assert_eq!(request_says(["Json GenerateRequest"]), Says::Generation(2));
        assert_eq!(
            request_says(["TypedMultipart CreateTranscriptionRequest"]),
            Says::Generation(2)
        );
        assert_eq!(request_says(["Json ChatSettings"]), Says::Nothing);
        assert_eq!(request_says(["Json CreateUserRequest"]), Says::Nothing);
        assert_eq!(request_says(["Json NewChatRequest"]), Says::Nothing);
        assert_eq!(request_says(["Json RenameChatRequest"]), Says::Nothing);
    }

    #[test]
    fn a_negative_name_does_not_veto_a_generation_route() {
        let s = Shape {
            route: Says::Generation(3),
            request: Says::Nothing,
            name: Says::Other,
            streams: false,
        };
        assert!(s.decide(false, None).is_some());
    }
}
