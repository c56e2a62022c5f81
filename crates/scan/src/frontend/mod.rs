//! Language frontends: each turns one file into facts and drops its syntax tree.
//!
//! - [`rust`] — Rust source files, parsed with syn, into [`crate::facts::FileFacts`];
//! - [`python`] — Python source files, parsed with ruff's parser, into the same facts;
//! - [`config`] — TOML, YAML, JSON and `.env` files, flattened into normalised key paths;
//! - [`docs`] — Markdown and text files: headings and phrases;
//! - [`prefilter`] — a lexical pre-pass over Rust files that decides which can matter.
//!
//! `extract_all` is the per-file stage of a scan: every walked file through its frontend, in
//! parallel, each worker keeping only the slim facts of what it parsed.
//!
//! A source language is a [`Frontend`]: it turns one file ([`SourceInput`]) into
//! language-neutral [`FileFacts`] and drops its syntax tree. Nothing after this stage looks at
//! a syntax type, so adding a language is a folder here, a [`FileKind`], a line in
//! [`crate::languages`] and catalogue entries.

pub mod config;
pub mod docs;
pub mod prefilter;
pub mod python;
pub mod rust;

use rayon::prelude::*;

use crate::cache::FactCache;
use crate::facts::FileFacts;
use crate::facts::matcher::Matcher;
use crate::facts::slim::SlimFile;
use crate::report::ScanDiagnostic;
use crate::walk::{FileKind, SourceFile, WalkResult};
use config::ConfigEntry;
use docs::{DocFacts, extract_doc};
use rust::{RustInput, extract};

/// One source file handed to a [`Frontend`].
#[derive(Debug, Clone, Copy)]
pub struct SourceInput<'a> {
    /// Path relative to the scanned root, `/`-separated.
    pub rel_path: &'a str,
    /// The file's text.
    pub text: &'a str,
    /// The package the file belongs to (a Cargo package name), or empty when unknown.
    pub package: &'a str,
    /// The module path of the file (`svc::api::chat`), from its location.
    pub module: &'a str,
    /// The file is test code by its location.
    pub is_test_file: bool,
}

/// A language frontend: one source file in, language-neutral facts out, the syntax tree
/// dropped before [`Frontend::extract`] returns.
///
/// ```
/// use genai_gate_scan::frontend::{Frontend, Python, SourceInput};
/// let facts = Python.extract(&SourceInput {
///     rel_path: "app/main.py",
///     text: "def chat(q):\n    return client.chat.completions.create(messages=q)\n",
///     package: "",
///     module: "app::main",
///     is_test_file: false,
/// });
/// assert_eq!(facts.functions[0].path, "app::main::chat");
/// ```
pub trait Frontend: Sync {
    /// The language's name, as [`crate::languages::LANGUAGES`] spells it.
    fn language(&self) -> &'static str;
    /// The facts of one file. Never panics: a file that does not parse gives
    /// [`FileFacts::parse_error`] (line and message) and no other facts.
    fn extract(&self, input: &SourceInput) -> FileFacts;
}

/// The Rust frontend ([`rust`]).
#[derive(Debug, Clone, Copy)]
pub struct Rust;

impl Frontend for Rust {
    fn language(&self) -> &'static str {
        "Rust"
    }
    fn extract(&self, input: &SourceInput) -> FileFacts {
        extract(&RustInput {
            rel_path: input.rel_path,
            text: input.text,
            crate_name: input.package,
            module: input.module,
            is_test_file: input.is_test_file,
        })
    }
}

/// The Python frontend ([`python`]).
#[derive(Debug, Clone, Copy)]
pub struct Python;

impl Frontend for Python {
    fn language(&self) -> &'static str {
        "Python"
    }
    fn extract(&self, input: &SourceInput) -> FileFacts {
        python::extract(input)
    }
}

/// The frontend of a kind of file, for source files.
fn frontend_of(kind: FileKind) -> Option<&'static dyn Frontend> {
    match kind {
        FileKind::Rust => Some(&Rust),
        FileKind::Python => Some(&Python),
        _ => None,
    }
}

/// Substrings that make the lexical pre-pass parse a file (route and generation anchors).
///
/// They used to decide whether an unparsable file could hold routes; a change's author can
/// spell a route or a model call without any of them (`. route (`, an alias), so every
/// non-test Rust file that is not fully analysed now blinds the endpoint controls.
pub(crate) const RELEVANT: &[&str] = &[
    ".route(",
    "#[post",
    "#[get",
    "#[route",
    "web::",
    "routes!",
    "Router",
    ".chat()",
    "create_stream",
    "/completions",
    "generate",
    "invoke_model",
    "converse",
    "@app.",
    "@router.",
    "@bp.",
    "APIRouter",
    "FastAPI(",
    "Flask(",
    "Blueprint(",
    "Sanic(",
    "add_api_route",
    "add_url_rule",
    "add_route",
    "urlpatterns",
    "gradio",
    "ChatCompletion",
    "completions.create",
    "stream_chat",
    ".chat(",
    "dashscope",
    "qianfan",
    "zhipuai",
    "langchain",
    "llama_index",
];

/// Every walked file through its frontend, in parallel (on the current rayon pool). With
/// `keep` (the pre-pass's choice), Rust files it rules out are not parsed.
pub(crate) fn extract_all(
    walked: &WalkResult,
    matcher: &Matcher,
    wanted: &Wanted,
    cache: Option<&FactCache>,
    keep: Option<&[bool]>,
    progress: Option<&dyn crate::Progress>,
) -> Vec<Extracted> {
    let per_file: Vec<Vec<Extracted>> = walked
        .files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let out = match keep {
                Some(keep) if !keep[i] => vec![unparsed(f, matcher)],
                _ => extract_one(f, matcher, wanted, cache),
            };
            if let Some(p) = progress {
                p.tick();
            }
            out
        })
        .collect();
    per_file.into_iter().flatten().collect()
}

/// What of the configuration and documents a policy can read: the documents its rules' path
/// globs may name ([`docs::DocPaths`]; the others are not read at all) and the words its config predicates need in a
/// key ([`config::KeyWords`]). Data shipped beside a service — a tokenizer's vocabulary, a
/// word list as `.txt` — costs a parse at most.
pub(crate) struct Wanted {
    docs: docs::DocPaths,
    keys: config::KeyWords,
}

impl Wanted {
    /// Everything a policy's detectors and controls (active or not) read.
    pub(crate) fn of(policy: &genai_gate_policy::EffectivePolicy) -> Self {
        let requirements = || {
            policy
                .controls
                .iter()
                .flat_map(|c| c.control.requirements.iter())
        };
        let docs = docs::DocPaths::of(
            policy
                .detectors
                .iter()
                .flat_map(|d| d.documents.iter())
                .chain(requirements().filter_map(|r| r.document.as_ref())),
        );
        let keys = config::KeyWords::of(
            policy
                .detectors
                .iter()
                .flat_map(|d| d.config.iter())
                .chain(requirements().filter_map(|r| r.config.as_ref())),
        );
        Wanted { docs, keys }
    }

    fn doc(&self, rel: &str) -> bool {
        self.docs.may_name(rel)
    }
}

/// What per-file work produces.
pub(crate) enum Extracted {
    Rust(Box<RustOut>),
    Config(String, Vec<ConfigEntry>),
    Doc(DocFacts),
    Problem(ScanDiagnostic),
    /// A problem with a file that may hold endpoints or generation calls: endpoint controls
    /// that would pass become `not-observable`.
    Blind(ScanDiagnostic),
    /// A config file that could not be read in full, with the words it spells
    /// ([`config::key_words`]; `None` when its contents are unknown): a capability it could
    /// switch off is not observable (see [`crate::judge::blind`]).
    ConfigUnread(ScanDiagnostic, Option<std::collections::BTreeSet<String>>),
}

/// A matched Rust file: what the workspace keeps, and what the report takes of it now.
pub(crate) struct RustOut {
    pub(crate) slim: SlimFile,
    pub(crate) lines: u32,
    pub(crate) allows: Vec<crate::facts::Allow>,
    pub(crate) marker_problems: Vec<crate::facts::MarkerProblem>,
    /// It did not parse and may hold endpoints or generation calls.
    pub(crate) relevant: bool,
    /// The language of the file ([`Frontend::language`]).
    pub(crate) language: &'static str,
}

impl RustOut {
    /// Keeps the facts' slim form (see [`crate::facts::slim`]); the facts are dropped here, in the
    /// worker, so the whole workspace is never held in full.
    fn extracted(
        f: &SourceFile,
        mut facts: FileFacts,
        matcher: &Matcher,
        relevant: bool,
        language: &'static str,
    ) -> Extracted {
        let lines = facts.lines;
        let allows = std::mem::take(&mut facts.allows);
        let marker_problems = std::mem::take(&mut facts.marker_problems);
        let mut slim = SlimFile::new(facts, |event, out| matcher.hits(event, out));
        slim.package = f.package;
        Extracted::Rust(Box::new(RustOut {
            slim,
            lines,
            allows,
            marker_problems,
            relevant,
            language,
        }))
    }
}

/// Per-file work with panics caught: a panic becomes an `internal-error` diagnostic for the
/// file, which blinds the endpoint controls (like an unparsable file that may hold routes) and
/// fails the check (see [`crate::judge::fail_closed`]).
fn extract_one(
    f: &SourceFile,
    matcher: &Matcher,
    wanted: &Wanted,
    cache: Option<&FactCache>,
) -> Vec<Extracted> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        extract_file(f, matcher, wanted, cache)
    }))
    .unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned());
        vec![Extracted::Blind(ScanDiagnostic {
            kind: crate::report::DIAG_INTERNAL_ERROR.into(),
            file: f.rel.clone(),
            line: None,
            message: format!("internal error while scanning this file: {what}"),
        })]
    })
}

/// A file the scan could not use. Rust outside test code may hold what matters — unless it
/// is not UTF-8, which rustc refuses to compile too; a config file may switch a capability
/// off. `text` is what could be read (`None`: nothing is known of it).
fn unusable(
    f: &SourceFile,
    text: Option<&[u8]>,
    kind: &str,
    line: Option<u32>,
    message: String,
) -> Extracted {
    let d = ScanDiagnostic {
        kind: kind.into(),
        file: f.rel.clone(),
        line,
        message,
    };
    let utf8 = text.is_none_or(|t| std::str::from_utf8(t).is_ok());
    match f.kind {
        k if frontend_of(k).is_some() && !f.is_test_file && utf8 => Extracted::Blind(d),
        FileKind::Toml | FileKind::Yaml | FileKind::Json | FileKind::Env => {
            let words = text.map(|t| config::key_words(&String::from_utf8_lossy(t)));
            Extracted::ConfigUnread(d, words)
        }
        _ => Extracted::Problem(d),
    }
}

fn extract_file(
    f: &SourceFile,
    matcher: &Matcher,
    wanted: &Wanted,
    cache: Option<&FactCache>,
) -> Vec<Extracted> {
    #[cfg(test)]
    if f.rel.ends_with("panics-in-test.rs") {
        panic!("a panic planted by a test");
    }
    // A document no rule names cannot be evidence of anything: not read at all.
    if matches!(f.kind, FileKind::Markdown | FileKind::Text) && !wanted.doc(&f.rel) {
        return Vec::new();
    }
    let bytes = match std::fs::read(&f.abs) {
        Ok(b) => b,
        // Nothing is known of an unreadable file's contents, so it counts as relevant.
        Err(e) => {
            return vec![unusable(
                f,
                None,
                "skipped",
                None,
                format!("unreadable: {e}"),
            )];
        }
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u32
                + 1;
            let message = "not valid UTF-8".to_owned();
            return vec![unusable(f, Some(&bytes), "skipped", Some(line), message)];
        }
    };
    match f.kind {
        FileKind::Rust | FileKind::Python => source_file(f, text, matcher, cache),
        FileKind::Markdown | FileKind::Text => vec![Extracted::Doc(extract_doc(&f.rel, text))],
        FileKind::Toml | FileKind::Yaml | FileKind::Json | FileKind::Env => {
            match config::extract_config_for(&f.rel, text, f.kind, &wanted.keys) {
                Ok(entries) => vec![Extracted::Config(f.rel.clone(), entries)],
                // A template or commented JSON is not configuration the service reads: a note.
                Err(p) => match config::not_config(text, f.kind) {
                    Some(why) => vec![Extracted::Problem(ScanDiagnostic {
                        kind: "not-config".into(),
                        file: f.rel.clone(),
                        line: None,
                        message: why.to_owned(),
                    })],
                    None => vec![unusable(
                        f,
                        Some(text.as_bytes()),
                        "config-error",
                        Some(p.line),
                        p.message,
                    )],
                },
            }
        }
    }
}

/// A source file through its language's frontend (Rust files through the fact cache, when
/// there is one), with its parse error as a diagnostic.
fn source_file(
    f: &SourceFile,
    text: &str,
    matcher: &Matcher,
    cache: Option<&FactCache>,
) -> Vec<Extracted> {
    let Some(frontend) = frontend_of(f.kind) else {
        return Vec::new();
    };
    let facts = match (f.kind, cache) {
        (FileKind::Rust, Some(cache)) => {
            let input = rust_input(f, text);
            let key = FactCache::key(&input);
            cache.get(&key, &f.rel).unwrap_or_else(|| {
                let facts = extract(&input);
                cache.put(&key, &facts);
                facts
            })
        }
        _ => frontend.extract(&source_input(f, text)),
    };
    let mut out = Vec::new();
    // The frontend catches its own panics and reports them as this parse error.
    let internal = facts
        .parse_error
        .as_ref()
        .is_some_and(|p| p.message.starts_with("internal error"));
    // Not fully analysed: whatever the file spells, it may hold an endpoint or a model call
    // (a keyword heuristic is easy to spell around).
    let relevant = facts.parse_error.is_some() && (internal || !f.is_test_file);
    if let Some(p) = &facts.parse_error {
        out.push(Extracted::Problem(ScanDiagnostic {
            kind: if internal {
                crate::report::DIAG_INTERNAL_ERROR
            } else {
                "parse-error"
            }
            .into(),
            file: f.rel.clone(),
            line: Some(p.line),
            message: p.message.clone(),
        }));
    }
    // Detector hits are taken here, once, as the facts are cut down, so neither the
    // repository evidence nor the flow has to match events again.
    out.push(RustOut::extracted(
        f,
        facts,
        matcher,
        relevant,
        frontend.language(),
    ));
    out
}

/// A frontend's input for a walked source file.
fn source_input<'a>(f: &'a SourceFile, text: &'a str) -> SourceInput<'a> {
    SourceInput {
        rel_path: &f.rel,
        text,
        package: f.crate_name.as_deref().unwrap_or_default(),
        module: f.module.as_deref().unwrap_or_default(),
        is_test_file: f.is_test_file,
    }
}

/// The frontend's input for a walked Rust file (`crate` when the crate or module is unknown).
fn rust_input<'a>(f: &'a SourceFile, text: &'a str) -> RustInput<'a> {
    RustInput {
        rel_path: &f.rel,
        text,
        crate_name: f.crate_name.as_deref().unwrap_or("crate"),
        module: f.module.as_deref().unwrap_or("crate"),
        is_test_file: f.is_test_file,
    }
}

/// The lexical pre-pass over the Rust files: which files to parse (see [`crate::frontend::prefilter`]).
pub(crate) fn select(walked: &crate::walk::WalkResult, matcher: &Matcher) -> Vec<bool> {
    let anchors = crate::frontend::prefilter::Anchors::new(matcher);
    let lexed: Vec<Option<crate::frontend::prefilter::Lexed>> = walked
        .files
        .par_iter()
        .map(|f| {
            if f.kind != FileKind::Rust {
                return None;
            }
            // Unreadable and non-UTF-8 files go the usual way, which reports them.
            let bytes = std::fs::read(&f.abs).ok()?;
            let text = std::str::from_utf8(&bytes).ok()?;
            Some(anchors.lex(text, f.module.as_deref()))
        })
        .collect();
    crate::frontend::prefilter::select(&lexed)
}

/// A Rust file the pre-pass found irrelevant: the facts of an empty file with its line count
/// and inline suppressions.
fn unparsed(f: &SourceFile, matcher: &Matcher) -> Extracted {
    let text = std::fs::read(&f.abs)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let input = rust_input(f, text.as_deref().unwrap_or_default());
    RustOut::extracted(
        f,
        crate::frontend::rust::unparsed_facts(&input),
        matcher,
        false,
        "Rust",
    )
}

#[cfg(test)]
mod tests {
    use genai_gate_policy::{PolicySet, Profile, resolve};

    use crate::{ScanOptions, scan_with};

    #[test]
    fn documents_no_rule_names_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::create_dir_all(root.join("assets")).unwrap();
        std::fs::write(
            root.join("docs/complaints.md"),
            "# Complaints\n\nWrite to us.\n",
        )
        .unwrap();
        std::fs::write(root.join("NOTES.md"), "# Notes\n").unwrap();
        // Not UTF-8: read, it would be a `skipped` diagnostic.
        std::fs::write(root.join("assets/vocab.txt"), b"\xff\xfe tokens\n").unwrap();
        let set = PolicySet::embedded().unwrap();
        let policy = resolve(&set, Profile::default_profile(), true, None).unwrap();
        let report = scan_with(&policy, root, &ScanOptions::default()).unwrap();
        assert_eq!(report.stats.documents, 1, "{:?}", report.stats);
        assert!(
            report
                .diagnostics
                .iter()
                .all(|d| d.file != "assets/vocab.txt"),
            "{:?}",
            report.diagnostics
        );
        // The document a rule names is still read and judged.
        std::fs::write(root.join("docs/complaints.md"), b"\xff\xfe\n").unwrap();
        let report = scan_with(&policy, root, &ScanOptions::default()).unwrap();
        assert!(
            report
                .diagnostics
                .iter()
                .any(|d| d.file == "docs/complaints.md"),
            "{:?}",
            report.diagnostics
        );
    }
}
