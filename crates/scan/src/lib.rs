//! The genai-gate scanner: evidence from Rust and Python code, config files and documents, the
//! endpoint inventory, per-endpoint flow, and verdicts for every control of an
//! [`EffectivePolicy`](genai_gate_policy::EffectivePolicy).
//!
//! # Pipeline
//!
//! The modules follow the stages: [`walk`], then the language [`frontend`]s produce
//! [`facts`], the [`analysis`] of the whole workspace finds endpoints and their flows, the
//! [`judge`] gives verdicts, and the [`report`] holds the result. Dependencies run that way
//! only; [`scan_with`] runs the stages in order.
//!
//! 1. [`walk`] lists the repository's files (honouring `.gitignore`, the profile's globs, a
//!    size cap; links are never followed). Source files of [`languages`] that are not
//!    analysed are counted, and those that look like service code are named: with nothing
//!    else to judge, or in strict mode, they leave the endpoint controls `not-observable`.
//! 2. Per file, in parallel: a language [`Frontend`](frontend::Frontend) — [`rust`](frontend::rust)
//!    (syn) or [`python`](frontend::python) (ruff's parser) — turns a source file into
//!    language-neutral [`facts`] and drops the syntax tree; [`config`](frontend::config) flattens TOML/YAML/JSON/`.env` into
//!    normalised key paths; [`docs`](frontend::docs) reads headings. Detector hits outside tests are taken
//!    here, so the tree is never needed again, and the facts are cut down to their [`slim`](facts::slim)
//!    form (what call resolution and the flow read, names interned per file) before the
//!    worker moves on. With a [`cache`] directory, facts of Rust
//!    files whose content did not change are read back instead of parsed. With
//!    [`ScanOptions::prefilter`], a lexical pre-pass ([`prefilter`](frontend::prefilter)) first decides which Rust
//!    files can matter, and the others are not parsed at all.
//! 3. [`slim::prune`](facts::slim::prune) drops the method calls that name no workspace method; [`graph`](analysis::graph)
//!    indexes functions, `use` aliases and constants; [`endpoints`](analysis::endpoints) joins route
//!    registrations with their mounts; [`flow`](analysis::flow) follows each handler's calls in source order
//!    and records what happens before and after the first generation call.
//! 4. [`verdict`](judge::verdict) judges every active control, and the [`Report`] is sorted so that it is
//!    identical for any number of threads.
//! 5. [`exceptions`](judge::exceptions) applies the profile's waivers and inline suppressions (findings stay,
//!    marked), [`fingerprint`](report::fingerprint) gives each finding an identity that survives lines moving, and
//!    with [`ScanOptions::changes`] the findings are limited to what a change touches
//!    ([`changes`](judge::changes), which also holds the tamper check). [`baseline`](judge::baseline) and [`summary`](report::summary) work on
//!    the finished report.
//!
//! # Heuristics and their limits
//!
//! - Calls resolve through `use` aliases (grouped, renamed, glob), module paths, `Self`, impl
//!   methods and re-exports, scoped by Cargo package ([`packages`]: renamed dependencies,
//!   `[lib] name`, two crates of one name); see [`graph`](analysis::graph). An unresolved call
//!   still counts as evidence when a detector matches its name, but adds no callee to the flow.
//! - Method calls resolve to the caller's own impl for `self.m()`; otherwise to every
//!   implementation of a workspace trait that declares `m` (dynamic dispatch), or, for a name
//!   no workspace trait declares, to every workspace method of that name when there are at
//!   most [`graph::MAX_METHOD_CANDIDATES`](analysis::graph::MAX_METHOD_CANDIDATES). Standard
//!   library names ([`is_common_method`](facts::slim::is_common_method)) are never guessed for
//!   a receiver other than `self`. In a file that implements a tower or hyper `Service`,
//!   `inner.call(req)` (or `.oneshot(req)`) on anything but `self` reaches every service that
//!   answers requests and every tower-http authorizer
//!   ([`Func::is_stack_callback`](facts::slim::Func::is_stack_callback)) of the caller's package
//!   and its dependencies: the inner service of a layer or a boxed stack has a type the facts
//!   do not name. A make-service's `call` reaches
//!   them through the service it returns. A call with several callees merges their flows as
//!   alternatives ([`flow::Summary::either`](analysis::flow::Summary::either)).
//! - A variant sent on a channel reaches the match arms that receive it (at most
//!   [`graph::MAX_RECEIVERS`](analysis::graph::MAX_RECEIVERS) of them).
//! - Ordering is source order along the call path, callees inlined up to
//!   [`flow::MAX_DEPTH`](analysis::flow::MAX_DEPTH) levels, recursion cut, functions that build
//!   or load rather than serve not followed ([`flow::is_lifecycle`](analysis::flow::is_lifecycle)).
//!   A screening call inside a stream's `.map(..)` or a `stream!` body after the model call
//!   counts as "after".
//! - Whether an endpoint generates is decided from its calls, route, request type, handler
//!   name and response together ([`generation`](analysis::generation)); `forward` and
//!   `handoff` signals locate a site but never decide alone. Without a located site, the
//!   order-sensitive controls of the endpoint are `not-observable`.
//! - Moderation has a side: a screening call before the first generation call is input
//!   moderation, after it output moderation ([`flow::Summary::settle_sides`](analysis::flow::Summary::settle_sides)).
//! - Middleware built with `from_fn`/`from_fn_with_state`/`map_request` in a router function,
//!   or attached with salvo's `.hoop(..)`, runs before the handlers of every route that router
//!   registers or nests ([`endpoints`](analysis::endpoints)), and the extractors of a handler's
//!   parameters (`from_request_parts`, `from_request`) run before its body. Route strings
//!   passed to `route`/`nest`/`resource`/`scope`/`at` are never URL evidence.
//! - Routes are read from axum, actix-web, rocket, salvo, poem (and poem-openapi), warp,
//!   hyper/tower, tonic services (`GRPC /Service/Method`), rmcp tools (`MCP tool:name`),
//!   GraphQL resolver impls (one endpoint per field) and attribute route tables on types. A
//!   router held in a local variable is a router function of its own, mounted wherever the
//!   local is used (nested, merged, pushed, returned); one built in a `match`/`if` or kept in a
//!   struct field is not followed. A route served by a value of a type outside the workspace
//!   (`ServeDir`, `Redirect`) or by a constant is no endpoint; neither are mock servers. A
//!   workspace `Service` served with no route table (`axum_server::bind(..).serve(svc)`,
//!   `axum::serve(listener, svc)`, a make-service) is one endpoint, `ANY /{*path}`, unless its
//!   `call` matches paths itself or its package has a route table.
//! - A branch is not a path: a moderation call in one `if` arm counts for the whole
//!   handler. Whether the result of a moderation call is acted on is not checked.
//! - Python maps onto the same facts (see [`python`](frontend::python)): module paths from file
//!   locations, imports as `use` aliases (relative ones resolved, absolute ones also tried
//!   under the importing module's packages), FastAPI dependencies and wrapping decorators
//!   before the handler, nested generators where they are used, account-flag reads in
//!   conditions as checks, ORM writes as the SQL they stand for, dispatch tables read by
//!   subscript as calls of the functions they hold.
//! - Test code (`#[test]`, `#[cfg(test)]`, `tests/`, `benches/`, `examples/`; Python's
//!   `test_*.py`, `conftest.py`) is never evidence. Traps from the catalogue (`[[negative]]`)
//!   veto matches. SQL statements are also matched by verb and table ([`sql`](facts::sql)).
//! - A file that does not parse is reported; when it may hold routes or model calls,
//!   endpoint controls that would pass become `not-observable`. A panic in per-file work
//!   is caught and treated the same way, and always fails the check; nesting deeper than
//!   [`rust::MAX_DEPTH`](frontend::rust::MAX_DEPTH) is refused before parsing. Strict mode turns what could not be
//!   judged into findings ([`fail_closed`](judge::fail_closed)).
//!
//! # Example
//!
//! ```
//! use genai_gate_policy::{resolve, PolicySet, Profile};
//!
//! let dir = std::env::temp_dir().join(format!("genai-gate-doc-{}", std::process::id()));
//! std::fs::create_dir_all(dir.join("src")).unwrap();
//! std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"chat\"\nversion = \"0.1.0\"\n").unwrap();
//! std::fs::write(dir.join("src/main.rs"), r#"
//!     use axum::{routing::post, Router};
//!     fn app() -> Router { Router::new().route("/v1/chat", post(chat)) }
//!     async fn chat(state: State, req: Req) -> String {
//!         state.client.chat().create(req).await.unwrap()
//!     }
//! "#).unwrap();
//!
//! let set = PolicySet::embedded().unwrap();
//! let policy = resolve(&set, Profile::default_profile(), true, None).unwrap();
//! let report = genai_gate_scan::scan(&policy, &dir).unwrap();
//! assert_eq!(report.endpoints[0].route, "/v1/chat");
//! assert!(report.endpoints[0].generates);
//! assert!(report.findings.iter().any(|f| f.control == "CN-GAI-4.1"));
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! # Embedding the scanner in another linter
//!
//! Load the shipped packs plus one of your own from a file, register a detector for your
//! in-house moderation client in code, scan, and walk the report:
//!
//! ```
//! use genai_gate_policy::{resolve, Capability, CodePatterns, Detector, PolicySet, Profile, SourceFile};
//! use genai_gate_scan::{scan_with, ScanOptions, Status};
//!
//! // Packs: the embedded ones, and a local overlay read from a file.
//! let mut set = PolicySet::embedded()?;
//! let overlay = std::env::temp_dir().join(format!("acme-overlay-{}.toml", std::process::id()));
//! std::fs::write(&overlay, r#"
//! [pack]
//! id = "acme-news-desk"
//! kind = "overlay"
//! extends = "cn-genai-2023"
//! sector = "news"
//! title = "ACME news desk rules"
//! jurisdiction = "CN"
//! authority = "ACME compliance"
//! source = "https://intranet.example/rules"
//! published = 2026-01-05
//! version = "1"
//!
//! [[article]]
//! ref = "Art. 2"
//! title = "Sector rules take precedence"
//!
//! [[amend]]
//! control = "CN-GAI-14.1"
//! action = "tighten"
//! reason = "the desk treats a missing stop path as blocking"
//! citations = ["Art. 2"]
//! severity = "error"
//! "#).unwrap();
//! set.add(SourceFile::new(overlay.display().to_string(), std::fs::read_to_string(&overlay).unwrap()), false)?;
//! set.check()?;
//! std::fs::remove_file(&overlay).unwrap();
//!
//! // The profile, with the overlay and a detector defined in code.
//! let mut profile = Profile::default_profile();
//! profile.service.sectors = vec![genai_gate_policy::Sector::News];
//! profile.packs = vec!["cn-genai-2023".into(), "acme-news-desk".into()];
//! let review = CodePatterns { methods: vec![vec!["review".into()]], ..Default::default() };
//! profile.detectors.push(Detector::new("acme.guard.in", Capability::ModerationInput, review.clone()));
//! profile.detectors.push(Detector::new("acme.guard.out", Capability::ModerationOutput, review));
//! let policy = resolve(&set, profile, false, None)?;
//! assert_eq!(policy.control("CN-GAI-14.1").unwrap().provenance["severity"], "acme-news-desk");
//!
//! // Scan and walk endpoints, controls and findings.
//! let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/inhouse-profile-detector");
//! let report = scan_with(&policy, &root, &ScanOptions { jobs: Some(1), ..Default::default() }).unwrap();
//! let suggest = report.endpoints.iter().find(|e| e.route == "/assist/suggest").unwrap();
//! assert!(suggest.generates && suggest.capabilities.contains_key("moderation.output"));
//! let output = report.controls.iter().find(|c| c.id == "CN-GAI-4.2").unwrap();
//! assert_eq!(output.status, Status::Pass);
//! for f in &report.findings {
//!     println!("{} {}:{} {}", f.control, f.file.as_deref().unwrap_or("-"), f.line.unwrap_or(0), f.message);
//! }
//! # Ok::<(), genai_gate_policy::LoadError>(())
//! ```
#![deny(missing_docs)]

pub mod analysis;
pub mod cache;
pub mod date;
pub mod facts;
pub mod frontend;
pub mod judge;
pub mod languages;
pub mod packages;
mod pipeline;
pub mod read;
pub mod report;
pub mod walk;

pub use pipeline::{Progress, ScanError, ScanOptions, scan, scan_with, trace};
pub use report::{ControlVerdict, Endpoint, Evidence, Finding, Report, ScanDiagnostic, Status};
