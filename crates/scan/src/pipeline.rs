//! The scan pipeline: walk, extract facts in parallel, index, follow flows, judge.

use std::collections::BTreeMap;
use std::path::Path;

use genai_gate_policy::{Capability, EffectivePolicy, PROFILE_FILE};
use rayon::prelude::*;

use crate::cache::FactCache;
use crate::config::{ConfigEntry, extract_config};
use crate::docs::{DocFacts, extract_doc};
use crate::endpoints::endpoints;
use crate::evidence::RepoEvidence;
use crate::facts::FileFacts;
use crate::flow::Flow;
use crate::graph::{FnId, Workspace};
use crate::matcher::Matcher;
use crate::report::*;
use crate::rust::{RustInput, extract};
use crate::slim::SlimFile;
use crate::verdict::{Inputs, JudgedEndpoint, endpoint_capabilities, judge};
use crate::walk::{FileKind, SourceFile, walk};

/// Options of a scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Worker threads for per-file work (`None`: one per core).
    pub jobs: Option<usize>,
    /// Path of the profile file relative to the root, when one was used (it is then not read
    /// as config evidence).
    pub profile_file: Option<String>,
    /// Fail closed: every `not-observable` control and every unparsable file in scope becomes
    /// an error-level finding (see [`crate::fail_closed`]). The profile's
    /// `[settings] strict = true` turns it on as well.
    pub strict: bool,
    /// Directory of the incremental fact cache (see [`crate::cache`]); `None`: no cache.
    pub cache_dir: Option<std::path::PathBuf>,
    /// The date waivers are judged against, `YYYY-MM-DD` (`None`: today, UTC, from the
    /// system clock).
    pub today: Option<String>,
    /// Pull-request mode: report only what the changed files are responsible for (see
    /// [`crate::changes`]).
    pub changes: Option<crate::changes::ChangedFiles>,
    /// The lexical pre-pass (see [`crate::prefilter`]): parse only the Rust files that can
    /// matter. Ignored in strict mode, which must report every unparsable file.
    pub prefilter: bool,
}

/// A scan that could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The root does not exist or is not a directory.
    #[error("`{0}` is not a directory")]
    NotADirectory(String),
    /// The thread pool could not be built.
    #[error("could not start {jobs} worker threads: {message}")]
    Threads {
        /// Requested threads.
        jobs: usize,
        /// Why.
        message: String,
    },
}

/// What per-file work produces.
enum Extracted {
    Rust(Box<RustOut>),
    Config(String, Vec<ConfigEntry>),
    Doc(DocFacts),
    Problem(ScanDiagnostic),
    /// A problem with a file that may hold endpoints or generation calls: endpoint controls
    /// that would pass become `not-observable`.
    Blind(ScanDiagnostic),
}

/// Diagnostic kind of a panic caught in per-file work.
pub(crate) const INTERNAL_ERROR: &str = "internal-error";

/// Stack size of the worker threads that parse files.
const WORKER_STACK: usize = 64 << 20;

/// Substrings that suggest an unparsable file holds routes or generation calls.
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
];

/// A matched Rust file: what the workspace keeps, and what the report takes of it now.
struct RustOut {
    slim: SlimFile,
    lines: u32,
    allows: Vec<crate::facts::Allow>,
    /// It did not parse and may hold endpoints or generation calls.
    relevant: bool,
}

impl RustOut {
    /// Keeps the facts' slim form (see [`crate::slim`]); the facts are dropped here, in the
    /// worker, so the whole workspace is never held in full.
    fn extracted(mut facts: FileFacts, matcher: &Matcher, relevant: bool) -> Extracted {
        let lines = facts.lines;
        let allows = std::mem::take(&mut facts.allows);
        Extracted::Rust(Box::new(RustOut {
            slim: SlimFile::new(facts, |event, out| matcher.hits(event, out)),
            lines,
            allows,
            relevant,
        }))
    }
}

/// Per-file work with panics caught: a panic becomes an `internal-error` diagnostic for the
/// file, which blinds the endpoint controls (like an unparsable file that may hold routes) and
/// fails the check (see [`crate::fail_closed`]).
fn extract_one(f: &SourceFile, matcher: &Matcher, cache: Option<&FactCache>) -> Vec<Extracted> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        extract_file(f, matcher, cache)
    }))
    .unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned());
        vec![Extracted::Blind(ScanDiagnostic {
            kind: INTERNAL_ERROR.into(),
            file: f.rel.clone(),
            line: None,
            message: format!("internal error while scanning this file: {what}"),
        })]
    })
}

/// A file the scan could not use; for Rust outside test code it may hold what matters.
fn unusable(
    f: &SourceFile,
    text: &[u8],
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
    let text = String::from_utf8_lossy(text);
    if f.kind == FileKind::Rust
        && !f.is_test_file
        && (text.is_empty() || RELEVANT.iter().any(|p| text.contains(p)))
    {
        Extracted::Blind(d)
    } else {
        Extracted::Problem(d)
    }
}

fn extract_file(f: &SourceFile, matcher: &Matcher, cache: Option<&FactCache>) -> Vec<Extracted> {
    #[cfg(test)]
    if f.rel.ends_with("panics-in-test.rs") {
        panic!("a panic planted by a test");
    }
    let bytes = match std::fs::read(&f.abs) {
        Ok(b) => b,
        // Nothing is known of an unreadable file's contents, so it counts as relevant.
        Err(e) => {
            return vec![unusable(
                f,
                b"",
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
            return vec![unusable(f, &bytes, "skipped", Some(line), message)];
        }
    };
    match f.kind {
        FileKind::Rust => {
            let input = rust_input(f, text);
            let facts = match cache {
                Some(cache) => {
                    let key = FactCache::key(&input);
                    cache.get(&key, &f.rel).unwrap_or_else(|| {
                        let facts = extract(&input);
                        cache.put(&key, &facts);
                        facts
                    })
                }
                None => extract(&input),
            };
            let mut out = Vec::new();
            // The frontend catches its own panics and reports them as this parse error.
            let internal = facts
                .parse_error
                .as_ref()
                .is_some_and(|p| p.message.starts_with("internal error"));
            let relevant = facts.parse_error.is_some()
                && !f.is_test_file
                && (internal || RELEVANT.iter().any(|p| text.contains(p)));
            if let Some(p) = &facts.parse_error {
                out.push(Extracted::Problem(ScanDiagnostic {
                    kind: if internal {
                        INTERNAL_ERROR
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
            out.push(RustOut::extracted(facts, matcher, relevant));
            out
        }
        FileKind::Markdown | FileKind::Text => vec![Extracted::Doc(extract_doc(&f.rel, text))],
        FileKind::Toml | FileKind::Yaml | FileKind::Json | FileKind::Env => {
            match extract_config(&f.rel, text, f.kind) {
                Ok(entries) => vec![Extracted::Config(f.rel.clone(), entries)],
                Err(p) => vec![Extracted::Problem(ScanDiagnostic {
                    kind: "config-error".into(),
                    file: f.rel.clone(),
                    line: Some(p.line),
                    message: p.message,
                })],
            }
        }
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

/// The lexical pre-pass over the Rust files: which files to parse (see [`crate::prefilter`]).
fn prefilter(walked: &crate::walk::WalkResult, matcher: &Matcher) -> Vec<bool> {
    let anchors = crate::prefilter::Anchors::new(matcher);
    let lexed: Vec<Option<crate::prefilter::Lexed>> = walked
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
    crate::prefilter::select(&lexed)
}

/// A Rust file the pre-pass found irrelevant: the facts of an empty file with its line count
/// and inline suppressions.
fn unparsed(f: &SourceFile, matcher: &Matcher) -> Extracted {
    let text = std::fs::read(&f.abs)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let input = rust_input(f, text.as_deref().unwrap_or_default());
    RustOut::extracted(crate::rust::unparsed_facts(&input), matcher, false)
}

fn is_config_evidence(rel: &str, profile_file: Option<&str>) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    !(name == "Cargo.toml"
        || name == "Cargo.lock"
        || name == PROFILE_FILE
        || Some(rel) == profile_file
        || name == "package.json"
        || name == "package-lock.json"
        || name.ends_with(".schema.json")
        || name == "expected.toml")
}

/// Scans a repository against an effective policy.
///
/// ```no_run
/// use genai_gate_policy::{resolve, PolicySet, Profile};
/// let set = PolicySet::embedded().unwrap();
/// let policy = resolve(&set, Profile::default_profile(), true, None).unwrap();
/// let report = genai_gate_scan::scan(&policy, std::path::Path::new(".")).unwrap();
/// println!("{} endpoints", report.endpoints.len());
/// ```
pub fn scan(policy: &EffectivePolicy, root: &Path) -> Result<Report, ScanError> {
    scan_with(policy, root, &ScanOptions::default())
}

/// [`scan`] with options.
pub fn scan_with(
    policy: &EffectivePolicy,
    root: &Path,
    opts: &ScanOptions,
) -> Result<Report, ScanError> {
    if !root.is_dir() {
        return Err(ScanError::NotADirectory(root.display().to_string()));
    }
    let walked = walk(root, &policy.profile.files);
    let matcher = Matcher::new(&policy.detectors, &policy.negatives);
    let cache = opts.cache_dir.as_deref().and_then(FactCache::open);
    // Syntax trees of deeply nested code are walked and dropped recursively; a large stack
    // (virtual memory, touched only when needed) keeps that from overflowing, and
    // `rust::extract` refuses nesting deeper than its limit.
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(j) = opts.jobs {
        builder = builder.num_threads(j.max(1));
    }
    let pool = builder.build().map_err(|e| ScanError::Threads {
        jobs: opts.jobs.unwrap_or(0),
        message: e.to_string(),
    })?;
    let strict = opts.strict || policy.profile.strict;
    let keep = (opts.prefilter && !strict).then(|| pool.install(|| prefilter(&walked, &matcher)));
    let extracted: Vec<Vec<Extracted>> = pool.install(|| {
        walked
            .files
            .par_iter()
            .enumerate()
            .map(|(i, f)| match &keep {
                Some(keep) if !keep[i] => vec![unparsed(f, &matcher)],
                _ => extract_one(f, &matcher, cache.as_ref()),
            })
            .collect()
    });

    let mut stats = Stats {
        files: walked.files.len(),
        prefiltered_out: keep.map_or(0, |k| k.iter().filter(|k| !**k).count()),
        ..Stats::default()
    };
    let mut diagnostics: Vec<ScanDiagnostic> = walked
        .skipped
        .iter()
        .map(|s| ScanDiagnostic {
            kind: "skipped".into(),
            file: s.rel.clone(),
            line: None,
            message: s.reason.clone(),
        })
        .collect();
    let names: Vec<String> = policy.detectors.iter().map(|d| d.id.clone()).collect();
    let mut rust: Vec<SlimFile> = Vec::new();
    let mut code_hits: BTreeMap<Capability, Vec<Evidence>> = BTreeMap::new();
    let mut configs = Vec::new();
    let mut docs = Vec::new();
    let mut blind: Vec<String> = Vec::new();
    let mut allows: Vec<crate::exceptions::FileAllow> = Vec::new();
    for item in extracted.into_iter().flatten() {
        match item {
            Extracted::Rust(out) => {
                let RustOut {
                    slim,
                    lines,
                    allows: file_allows,
                    relevant,
                } = *out;
                stats.rust_files += 1;
                stats.rust_lines += u64::from(lines);
                if relevant {
                    blind.push(slim.path.clone());
                }
                for func in slim.funcs() {
                    if !func.is_test() {
                        for p in func.provides() {
                            if let Ok(cap) = p.parse::<Capability>() {
                                code_hits.entry(cap).or_default().push(Evidence {
                                    file: slim.path.clone(),
                                    line: func.pos().line,
                                    what: format!("marker on {}", func.path()),
                                    order: None,
                                });
                            }
                        }
                    }
                    for (step, hit, _) in func.hits() {
                        code_hits.entry(hit.capability).or_default().push(Evidence {
                            file: slim.path.clone(),
                            line: func.step_pos(step).line,
                            what: names[hit.detector as usize].clone(),
                            order: None,
                        });
                    }
                }
                allows.extend(
                    file_allows
                        .into_iter()
                        .map(|allow| crate::exceptions::FileAllow {
                            file: slim.path.clone(),
                            allow,
                        }),
                );
                rust.push(slim);
            }
            Extracted::Config(rel, entries) => {
                stats.config_files += 1;
                if is_config_evidence(&rel, opts.profile_file.as_deref()) {
                    configs.push((rel, entries));
                }
            }
            Extracted::Doc(d) => {
                stats.documents += 1;
                docs.push(d);
            }
            Extracted::Problem(p) => diagnostics.push(p),
            Extracted::Blind(p) => {
                blind.push(p.file.clone());
                diagnostics.push(p);
            }
        }
    }
    let repo = RepoEvidence::new(code_hits, configs, docs, &policy.detectors);

    pool.install(|| crate::slim::prune(&mut rust));
    let ws = pool.install(|| Workspace::new(&rust));
    let rust_paths: Vec<String> = rust.iter().map(|f| f.path.clone()).collect();
    let raw = endpoints(&ws);
    let endpoint_files = match &opts.changes {
        Some(_) => crate::changes::endpoint_files(&ws, &raw, &rust_paths),
        None => Default::default(),
    };
    let mut flow = Flow::new(&ws, &names);
    let mut judged = Vec::new();
    let mut out_endpoints = Vec::new();
    for e in &raw {
        let (summary, file, line, offset) = match e.handler_fn {
            Some(id) => {
                let f = ws.func(id);
                // Middleware runs first (outermost router first), then the handler.
                let mut s = crate::flow::Summary::default();
                for m in &e.middleware {
                    s.then(&flow.summary(*m));
                }
                s.then(&flow.summary(id));
                s.settle_sides();
                (
                    Some(s),
                    rust_paths[id.file].clone(),
                    f.pos().line,
                    f.pos().offset,
                )
            }
            None => {
                // A GraphQL service (`post_service(GraphQL::new(schema))`) has no handler
                // function: its resolvers are endpoints of their own.
                if blind.is_empty() && !is_graphql_service(&e.handler) {
                    diagnostics.push(ScanDiagnostic {
                        kind: "unresolved-handler".into(),
                        file: rust_paths[e.reg_file].clone(),
                        line: Some(e.reg_line),
                        message: format!(
                            "handler `{}` of {} {} was not found in the scanned code",
                            e.handler, e.method, e.route
                        ),
                    });
                }
                (None, rust_paths[e.reg_file].clone(), e.reg_line, 0)
            }
        };
        // An unresolved handler only blinds the gate when some file could not be parsed.
        let summary = match summary {
            None if blind.is_empty() => Some(Default::default()),
            s => s,
        };
        out_endpoints.push(Endpoint {
            method: e.method.clone(),
            route: e.route.clone(),
            handler: e.handler.clone(),
            file: file.clone(),
            line,
            registered_at: Place {
                file: rust_paths[e.reg_file].clone(),
                line: e.reg_line,
            },
            framework: e.framework.clone(),
            generates: summary
                .as_ref()
                .is_some_and(|s| s.first_generation.is_some()),
            observable: summary.is_some(),
            capabilities: summary
                .as_ref()
                .map(|s| endpoint_capabilities(&rust_paths, s))
                .unwrap_or_default(),
        });
        judged.push(JudgedEndpoint {
            method: e.method.clone(),
            route: e.route.clone(),
            handler: e.handler.clone(),
            file,
            line,
            offset,
            summary,
        });
    }
    let unreachable_generation = unreachable_generation(&ws, &flow, &rust_paths);
    // The facts are millions of small allocations, and freeing them takes a few percent of
    // a scan. Nothing below needs them: a worker frees them while the verdicts are judged and
    // the report is written.
    drop(flow);
    drop(ws);
    pool.spawn(move || drop(rust));
    if let Some((file, line)) = &unreachable_generation
        && judged.iter().all(|e| !e.generates())
    {
        diagnostics.push(ScanDiagnostic { kind: "unreachable-generation".into(), file: file.clone(), line: Some(*line), message: "a generation call is not reachable from any recognised endpoint; if it serves users, genai-gate cannot judge its route".into() });
    }
    let blind_spot = (!blind.is_empty()).then(|| {
        format!(
            "{} could not be parsed and may hold endpoints or generation calls",
            blind.join(", ")
        )
    });
    let (controls, findings) = if policy.applicability.applicable {
        judge(&Inputs {
            policy,
            endpoints: &judged,
            repo: &repo,
            rust_paths: &rust_paths,
            blind_spot,
            unreachable_generation,
        })
    } else {
        (
            judge(&Inputs {
                policy,
                endpoints: &[],
                repo: &repo,
                rust_paths: &rust_paths,
                blind_spot: None,
                unreachable_generation: None,
            })
            .0,
            Vec::new(),
        )
    };
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "genai-gate".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        profile: ProfileInfo {
            default: policy.profile_is_default,
            file: opts.profile_file.clone(),
            service: policy.profile.service.clone(),
        },
        packs: policy.packs.clone(),
        applicable: Applicable {
            applicable: policy.applicability.applicable,
            reason: policy.applicability.reason.clone(),
        },
        endpoints: out_endpoints,
        controls,
        findings,
        diagnostics,
        stats,
        waivers: Vec::new(),
        baseline: None,
        changes: None,
    };
    report.sort();
    crate::fail_closed::apply(&mut report, strict);
    let today = opts.today.clone().unwrap_or_else(crate::date::today_utc);
    let profile_file = opts
        .profile_file
        .clone()
        .unwrap_or_else(|| policy.profile.file.clone());
    allows.sort_by(|a, b| (&a.file, a.allow.line).cmp(&(&b.file, b.allow.line)));
    if policy.applicability.applicable {
        report.waivers = crate::exceptions::apply(
            &mut report.findings,
            &policy.profile.waivers,
            &allows,
            &today,
            &profile_file,
        );
    }
    crate::fingerprint::assign(&mut report.findings);
    if let Some(ch) = &opts.changes {
        report.changes = Some(crate::changes::limit_to_changes(
            &mut report.findings,
            &ch.files,
            &endpoint_files,
            &ch.since,
        ));
    }
    report.sort();
    Ok(report)
}

/// A route served by a GraphQL framework's service value rather than a handler function.
fn is_graphql_service(handler: &str) -> bool {
    let mut segs = handler.rsplit("::");
    let (ctor, ty) = (segs.next(), segs.next());
    ctor.is_some_and(|c| c == "new" || c == "default")
        && ty.is_some_and(|t| t.starts_with("GraphQL") || t.starts_with("Juniper"))
}

/// The first generation call (in path order) in a function no endpoint reaches.
fn unreachable_generation(ws: &Workspace, flow: &Flow, paths: &[String]) -> Option<(String, u32)> {
    for (fi, file) in ws.files.iter().enumerate() {
        for (i, func) in file.funcs().enumerate() {
            if func.is_test() || flow.visited(FnId { file: fi, func: i }) {
                continue;
            }
            if let Some((step, _, _)) = func
                .hits()
                .find(|(_, h, _)| h.capability == Capability::Generation)
            {
                return Some((paths[fi].clone(), func.step_pos(step).line));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::is_graphql_service;

    #[test]
    fn graphql_services_are_not_unresolved_handlers() {
        assert!(is_graphql_service("GraphQL::new"));
        assert!(is_graphql_service(
            "async_graphql_axum::GraphQLSubscription::new"
        ));
        assert!(!is_graphql_service("ServeDir::new"));
        assert!(!is_graphql_service("handlers::graphql"));
        assert!(!is_graphql_service("new"));
    }
}
