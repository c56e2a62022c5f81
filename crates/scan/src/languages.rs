//! Source languages: which ones the scanner analyses, and what it can still say about the
//! others.
//!
//! [`LANGUAGES`] is data: a language gains a frontend by flipping `analysed` (and adding the
//! frontend), and every message that lists the analysed languages reads it. Files of a
//! language that is not analysed are counted by the walk; the ones that look like service
//! code — they mention a web framework or a model API ([`Language::service_anchors`]) and are
//! not tests — make the endpoint controls `not-observable` when nothing else can be judged,
//! and always in strict mode (see [`crate::scan_with`]): code the gate cannot read must not
//! pass it.

use std::collections::BTreeMap;
use std::io::Read as _;

use rayon::prelude::*;
use serde::Serialize;

use crate::walk::OtherSource;

/// One source language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// Its name in messages: `Python`, `Go`.
    pub name: &'static str,
    /// File extensions, lower case, without the dot.
    pub extensions: &'static [&'static str],
    /// Whether a frontend analyses it.
    pub analysed: bool,
    /// Substrings (matched case-sensitively) suggesting a file serves HTTP or calls a model.
    pub service_anchors: &'static [&'static str],
}

/// Anchors of model APIs, common to every language.
const MODEL_ANCHORS: [&str; 8] = [
    "openai",
    "OpenAI",
    "chat/completions",
    "dashscope",
    "qianfan",
    "zhipuai",
    "anthropic",
    "bedrock",
];

/// The languages known, analysed or not.
pub const LANGUAGES: &[Language] = &[
    Language {
        name: "Rust",
        extensions: &["rs"],
        analysed: true,
        service_anchors: &[],
    },
    Language {
        name: "Python",
        extensions: &["py", "pyi"],
        analysed: true,
        service_anchors: &[
            "fastapi",
            "FastAPI",
            "flask",
            "Flask",
            "django",
            "starlette",
            "sanic",
            "aiohttp",
            "tornado",
            "gradio",
            "streamlit",
            "APIRouter",
            "@app.",
            "@router.",
            "langchain",
            "llama_index",
            "vllm",
            "transformers",
        ],
    },
    Language {
        name: "Go",
        extensions: &["go"],
        analysed: false,
        service_anchors: &[
            "net/http",
            "gin-gonic",
            "labstack/echo",
            "gofiber",
            "go-chi",
            "gorilla/mux",
            "HandleFunc",
        ],
    },
    Language {
        name: "JavaScript",
        extensions: &["js", "mjs", "cjs", "jsx"],
        analysed: false,
        service_anchors: &[
            "express",
            "fastify",
            "koa",
            "hono",
            "next/server",
            "app.post(",
            "router.post(",
            "createServer",
        ],
    },
    Language {
        name: "TypeScript",
        extensions: &["ts", "tsx", "mts", "cts"],
        analysed: false,
        service_anchors: &[
            "express",
            "fastify",
            "koa",
            "hono",
            "next/server",
            "@nestjs",
            "app.post(",
            "router.post(",
            "createServer",
        ],
    },
    Language {
        name: "Java",
        extensions: &["java"],
        analysed: false,
        service_anchors: &[
            "@RestController",
            "@Controller",
            "@PostMapping",
            "@RequestMapping",
            "HttpServlet",
            "io.vertx",
            "spring",
        ],
    },
    Language {
        name: "Kotlin",
        extensions: &["kt", "kts"],
        analysed: false,
        service_anchors: &["@RestController", "@PostMapping", "io.ktor", "routing {"],
    },
    Language {
        name: "C#",
        extensions: &["cs"],
        analysed: false,
        service_anchors: &[
            "[ApiController]",
            "[HttpPost]",
            "MapPost(",
            "MapGet(",
            "ControllerBase",
        ],
    },
    Language {
        name: "PHP",
        extensions: &["php"],
        analysed: false,
        service_anchors: &["Route::", "$app->post", "Laravel", "Symfony"],
    },
    Language {
        name: "Ruby",
        extensions: &["rb"],
        analysed: false,
        service_anchors: &["Rails", "Sinatra", "post '", "post \"", "Rack::"],
    },
    Language {
        name: "Scala",
        extensions: &["scala"],
        analysed: false,
        service_anchors: &["akka.http", "play.api", "http4s"],
    },
    Language {
        name: "Swift",
        extensions: &["swift"],
        analysed: false,
        service_anchors: &["Vapor", "app.post("],
    },
    Language {
        name: "C++",
        extensions: &["cpp", "cc", "cxx", "hpp", "hh"],
        analysed: false,
        service_anchors: &["httplib", "crow::", "drogon", "llama_", "Pistache"],
    },
    Language {
        name: "C",
        extensions: &["c", "h"],
        analysed: false,
        service_anchors: &["mongoose", "civetweb", "microhttpd", "llama_"],
    },
];

/// The language of a file name by its extension.
///
/// ```
/// use genai_gate_scan::languages::language_of;
/// assert_eq!(language_of("app.py").map(|l| l.name), Some("Python"));
/// assert_eq!(language_of("main.RS").map(|l| l.analysed), Some(true));
/// assert_eq!(language_of("logo.png"), None);
/// ```
pub fn language_of(file_name: &str) -> Option<&'static Language> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    let ext = ext.to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|l| l.extensions.contains(&ext.as_str()))
}

/// The analysed languages, for messages: `Rust` (`Rust and Python` once there are two).
pub fn analysed_names() -> String {
    let names: Vec<&str> = LANGUAGES
        .iter()
        .filter(|l| l.analysed)
        .map(|l| l.name)
        .collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => "no language".to_owned(),
    }
}

/// Source files of one language that is not analysed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NotAnalysed {
    /// Files of the language.
    pub files: usize,
    /// Those that look like service code (a web framework or model API, outside tests).
    pub service_files: usize,
    /// Up to three of them, in path order.
    pub examples: Vec<String>,
}

/// How much of a file is read to look for anchors: its head, where imports and the
/// framework's setup are (Go and Java require imports first; JavaScript and TypeScript put
/// them there by convention). Generated files of megabytes are not read to the end.
const READ_LIMIT: u64 = 32 * 1024;

/// Folder names and file-name patterns of test, example and documentation code, which is not
/// service code.
fn is_test_path(rel: &str) -> bool {
    let mut parts = rel.split('/');
    let name = parts.next_back().unwrap_or(rel);
    let dirs = [
        "test",
        "tests",
        "__tests__",
        "spec",
        "specs",
        "examples",
        "example",
        "benches",
        "docs",
        "scripts",
    ];
    parts.any(|p| dirs.contains(&p))
        || name.starts_with("test_")
        || name == "conftest.py"
        || [
            "_test.go", "_test.py", ".test.js", ".test.ts", ".spec.js", ".spec.ts",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

fn looks_like_service(f: &OtherSource, anchors: &aho_corasick::AhoCorasick) -> bool {
    if is_test_path(&f.rel) {
        return false;
    }
    let mut text = Vec::new();
    let read =
        std::fs::File::open(&f.abs).and_then(|file| file.take(READ_LIMIT).read_to_end(&mut text));
    if read.is_err() {
        // Unreadable: it may be anything.
        return true;
    }
    // One pass over the bytes for every anchor of the language.
    anchors.is_match(&text)
}

/// Counts the walk's files of languages not analysed, and which look like service code (on
/// the current rayon pool).
pub fn survey(files: &[OtherSource]) -> BTreeMap<String, NotAnalysed> {
    // Only the languages present: an automaton of every anchor costs millions of
    // instructions to build, and most repositories have files of none or one of them.
    let present: std::collections::BTreeSet<&str> = files
        .iter()
        .filter_map(|f| language_of(&f.rel))
        .map(|l| l.name)
        .collect();
    let automata: Vec<(&'static str, aho_corasick::AhoCorasick)> = LANGUAGES
        .iter()
        .filter(|l| !l.analysed && present.contains(l.name))
        .filter_map(|l| {
            let patterns = l.service_anchors.iter().chain(MODEL_ANCHORS.iter());
            aho_corasick::AhoCorasick::new(patterns)
                .ok()
                .map(|ac| (l.name, ac))
        })
        .collect();
    let service: Vec<bool> = files
        .par_iter()
        .map(|f| {
            language_of(&f.rel)
                .and_then(|l| automata.iter().find(|(name, _)| *name == l.name))
                .is_some_and(|(_, ac)| looks_like_service(f, ac))
        })
        .collect();
    let mut out: BTreeMap<String, NotAnalysed> = BTreeMap::new();
    for (f, service) in files.iter().zip(service) {
        let entry = out.entry(f.language.to_owned()).or_default();
        entry.files += 1;
        if service {
            entry.service_files += 1;
            if entry.examples.len() < 3 {
                entry.examples.push(f.rel.clone());
            }
        }
    }
    out
}

/// `12 Python files, 3 Go files`.
pub fn describe(not_analysed: &BTreeMap<String, NotAnalysed>) -> String {
    let mut by: Vec<(&String, &NotAnalysed)> = not_analysed.iter().collect();
    by.sort_by(|a, b| b.1.files.cmp(&a.1.files).then_with(|| a.0.cmp(b.0)));
    by.iter()
        .map(|(lang, n)| {
            format!(
                "{} {lang} file{}",
                n.files,
                if n.files == 1 { "" } else { "s" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_extension_names_one_language() {
        let mut seen = std::collections::HashSet::new();
        for l in LANGUAGES {
            for e in l.extensions {
                assert!(seen.insert(*e), "{e} twice");
            }
        }
        assert_eq!(analysed_names(), "Rust and Python");
    }

    #[test]
    fn tests_and_scripts_are_not_service_code() {
        assert!(is_test_path("tests/test_api.py"));
        assert!(is_test_path("svc/handler_test.go"));
        assert!(is_test_path("web/src/api.spec.ts"));
        assert!(is_test_path("scripts/eval.py"));
        assert!(!is_test_path("app/main.py"));
    }
}
