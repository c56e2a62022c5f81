//! The scan pipeline: [`scan_with`] runs the stages in order, each a call —
//! walk, the per-file frontends, the workspace analysis, the verdicts, and the report's
//! finishing steps (strict mode, waivers and suppressions, fingerprints, pull-request mode).

use std::collections::BTreeMap;
use std::path::Path;

use genai_gate_policy::{Capability, EffectivePolicy, PROFILE_FILE};

use crate::analysis::evidence::RepoEvidence;
use crate::analysis::trace::EndpointTrace;
use crate::analysis::{Analysis, EndpointFiles, analyse};
use crate::cache::FactCache;
use crate::facts::matcher::Matcher;
use crate::facts::slim::SlimFile;
use crate::frontend::config::ConfigEntry;
use crate::frontend::docs::DocFacts;
use crate::frontend::{Extracted, RustOut, extract_all};
use crate::judge::exceptions::FileAllow;
use crate::judge::verdict::{Inputs, judge};
use crate::report::*;
use crate::walk::walk_with;

/// Options of a scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Worker threads for per-file work (`None`: one per core).
    pub jobs: Option<usize>,
    /// Path of the profile file relative to the root, when one was used (it is then not read
    /// as config evidence).
    pub profile_file: Option<String>,
    /// Fail closed: every `not-observable` control and every unparsable file in scope becomes
    /// an error-level finding (see [`crate::judge::fail_closed`]). The profile's
    /// `[settings] strict = true` turns it on as well.
    pub strict: bool,
    /// Directory of the incremental fact cache (see [`crate::cache`]); `None`: no cache.
    pub cache_dir: Option<std::path::PathBuf>,
    /// The date waivers are judged against, `YYYY-MM-DD` (`None`: today, UTC, from the
    /// system clock).
    pub today: Option<String>,
    /// Pull-request mode: report only what the changed files are responsible for (see
    /// [`crate::judge::changes`]).
    pub changes: Option<crate::judge::changes::ChangedFiles>,
    /// The lexical pre-pass (see [`crate::frontend::prefilter`]): parse only the Rust files that can
    /// matter. Ignored in strict mode, which must report every unparsable file.
    pub prefilter: bool,
    /// Fail closed on what was not seen: every file that could decide the gate and was not
    /// fully analysed, and every `not-observable` control, becomes an error finding (see
    /// [`crate::judge::fail_closed`]). Strict mode implies it.
    pub fail_closed: bool,
    /// In a git repository: the files git tracks, relative to the root (`git ls-files -z`).
    /// None of them is skipped because of an ignore file (see [`crate::walk::walk_with`]).
    pub tracked: Option<Vec<String>>,
    /// Where progress goes (the CLI draws a bar on a terminal); `None`: nowhere.
    pub progress: Option<std::sync::Arc<dyn Progress>>,
}

/// Receives the progress of a scan, for a progress bar: the library never draws one
/// itself. Called from worker threads; every method has a no-op default.
pub trait Progress: Send + Sync + std::fmt::Debug {
    /// A stage begins: `files` (parsing, `total` files), `flows` (following every endpoint's
    /// calls; `total` 0, unknown) or `judging` (`total` endpoints).
    fn stage(&self, _name: &'static str, _total: u64) {}
    /// One more item of the current stage is done.
    fn tick(&self) {}
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

/// Stack size of the worker threads that parse files.
const WORKER_STACK: usize = 64 << 20;

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
    let strict = opts.strict || policy.profile.strict;
    let Analysed {
        gathered,
        repo,
        analysis,
        source_paths,
    } = analysed(policy, root, opts, None)?;
    let mut gathered = gathered;
    // 4. Verdicts.
    if let Some(p) = opts.progress.as_deref() {
        p.stage("judging", analysis.endpoints.len() as u64);
    }
    let marker_problems = std::mem::take(&mut gathered.marker_problems);
    let (mut report, allows, endpoint_files) =
        judged_report(policy, opts, gathered, &repo, &source_paths, analysis);
    // 5. Finishing: strict mode, waivers and suppressions, marker comments, fingerprints,
    // pull-request mode.
    finish(
        &mut report,
        policy,
        opts,
        strict,
        (&allows, &marker_problems),
        &endpoint_files,
    );
    Ok(report)
}

/// The call paths of one endpoint (by method and route, as the report lists them): how its
/// middleware and handler reach each generation site and each capability the flow found.
/// `None` when no endpoint has that method and route.
///
/// ```
/// use genai_gate_policy::{resolve, PolicySet, Profile};
/// let set = PolicySet::embedded().unwrap();
/// let policy = resolve(&set, Profile::default_profile(), true, None).unwrap();
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo-service");
/// let opts = genai_gate_scan::ScanOptions::default();
/// let t = genai_gate_scan::trace(&policy, &root, &opts, "POST", "/v1/chat/completions").unwrap().unwrap();
/// assert!(t.items.iter().any(|i| i.capability == "generation" && !i.path.is_empty()));
/// ```
pub fn trace(
    policy: &EffectivePolicy,
    root: &Path,
    opts: &ScanOptions,
    method: &str,
    route: &str,
) -> Result<Option<EndpointTrace>, ScanError> {
    Ok(analysed(policy, root, opts, Some((method, route)))?
        .analysis
        .trace)
}

/// What the first three stages give.
struct Analysed {
    gathered: Gathered,
    repo: RepoEvidence,
    analysis: Analysis,
    source_paths: Vec<String>,
}

/// Stages 1–3: walk, the per-file frontends, the analysis of the workspace (with the trace of
/// one endpoint when asked).
fn analysed(
    policy: &EffectivePolicy,
    root: &Path,
    opts: &ScanOptions,
    trace: Option<(&str, &str)>,
) -> Result<Analysed, ScanError> {
    if !root.is_dir() {
        return Err(ScanError::NotADirectory(root.display().to_string()));
    }
    let pool = thread_pool(opts.jobs)?;
    let strict = opts.strict || policy.profile.strict;

    // 1. Walk.
    let walked = walk_with(root, &policy.profile.files, opts.tracked.as_deref());
    // 2. Frontends, per file in parallel (the pre-pass first, when asked and not strict).
    let matcher = Matcher::new(&policy.detectors, &policy.negatives);
    let cache = opts.cache_dir.as_deref().and_then(FactCache::open);
    let keep = (opts.prefilter && !strict)
        .then(|| pool.install(|| crate::frontend::select(&walked, &matcher)));
    let progress = opts.progress.as_deref();
    if let Some(p) = progress {
        p.stage("files", walked.files.len() as u64);
    }
    let wanted = crate::frontend::Wanted::of(policy);
    let extracted = pool.install(|| {
        extract_all(
            &walked,
            &matcher,
            &wanted,
            cache.as_ref(),
            keep.as_deref(),
            progress,
        )
    });
    let detectors: Vec<String> = policy.detectors.iter().map(|d| d.id.clone()).collect();
    let mut gathered = Gathered::new(extracted, &detectors, opts.profile_file.as_deref());
    gathered.stats.files = walked.files.len();
    if !gathered.blind.is_empty() {
        // A file that was not fully analysed blinds the gate if it could matter: the lexical
        // pre-pass's choice, which sees through spelling (`. route (`) and follows names from
        // every route registration. The same choice as `--prefilter`, so both agree.
        let keep = match &keep {
            Some(k) => k.clone(),
            None => pool.install(|| crate::frontend::select(&walked, &matcher)),
        };
        let index: BTreeMap<&str, usize> = walked
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.rel.as_str(), i))
            .collect();
        gathered
            .blind
            .retain(|f| index.get(f.as_str()).is_none_or(|i| keep[*i]));
    }
    gathered.stats.prefiltered_out = keep.map_or(0, |k| k.iter().filter(|k| !**k).count());
    for s in &walked.skipped {
        gathered.skipped(s, opts.profile_file.as_deref());
    }
    gathered.stats.not_analysed = pool.install(|| crate::languages::survey(&walked.other_sources));
    gathered.unanalysed_blind = not_analysed_note(&mut gathered, strict);
    let repo = RepoEvidence::new(
        std::mem::take(&mut gathered.code_hits),
        std::mem::take(&mut gathered.configs),
        std::mem::take(&mut gathered.docs),
        &policy.detectors,
    );

    // 3. Analysis of the workspace: endpoints and their flows.
    if let Some(p) = progress {
        p.stage("flows", 0);
    }
    let mut sources = std::mem::take(&mut gathered.sources);
    let analysis = pool.install(|| {
        analyse(
            &mut sources,
            &walked.packages,
            &policy.detectors,
            !gathered.blind.is_empty(),
            opts.changes.is_some(),
            trace,
        )
    });
    let source_paths: Vec<String> = sources.iter().map(|f| f.path.clone()).collect();
    // The facts are millions of small allocations, and freeing them takes a few percent of
    // a scan. Nothing below needs them: a worker frees them while the verdicts are judged and
    // the report is written.
    pool.spawn(move || drop(sources));
    Ok(Analysed {
        gathered,
        repo,
        analysis,
        source_paths,
    })
}

/// The worker pool of a scan: large stacks, since syntax trees of deeply nested code are
/// walked and dropped recursively (virtual memory, touched only when needed), and
/// `frontend::rust::extract` refuses nesting deeper than its limit.
fn thread_pool(jobs: Option<usize>) -> Result<rayon::ThreadPool, ScanError> {
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(j) = jobs {
        builder = builder.num_threads(j.max(1));
    }
    builder.build().map_err(|e| ScanError::Threads {
        jobs: jobs.unwrap_or(0),
        message: e.to_string(),
    })
}

/// What the per-file stage gives, sorted into what the later stages read.
#[derive(Default)]
struct Gathered {
    /// The slim facts of every source file, in walk order.
    sources: Vec<SlimFile>,
    /// Detector hits and `provides` markers outside tests, for repository evidence.
    code_hits: BTreeMap<Capability, Vec<Evidence>>,
    configs: Vec<(String, Vec<ConfigEntry>)>,
    docs: Vec<DocFacts>,
    /// Files that could not be read in full and may hold endpoints or generation calls.
    blind: Vec<String>,
    /// Config files that could not be read in full.
    unread_configs: Vec<crate::judge::blind::UnreadConfig>,
    allows: Vec<FileAllow>,
    /// Why the endpoint controls cannot pass because of service code in a language that is
    /// not analysed (see [`not_analysed_note`]).
    unanalysed_blind: Option<String>,
    /// `genai-gate:` comments that do not parse: (file, problem).
    marker_problems: Vec<(String, crate::facts::MarkerProblem)>,
    diagnostics: Vec<ScanDiagnostic>,
    stats: Stats,
}

impl Gathered {
    fn new(extracted: Vec<Extracted>, detectors: &[String], profile_file: Option<&str>) -> Self {
        let mut g = Gathered::default();
        for item in extracted {
            match item {
                Extracted::Rust(out) => g.source(*out, detectors),
                Extracted::Config(rel, entries) => {
                    g.stats.config_files += 1;
                    if is_config_evidence(&rel, profile_file) {
                        g.configs.push((rel, entries));
                    }
                }
                Extracted::Doc(d) => {
                    g.stats.documents += 1;
                    g.docs.push(d);
                }
                Extracted::Problem(p) => g.diagnostics.push(p),
                Extracted::Blind(p) => {
                    g.blind.push(p.file.clone());
                    g.diagnostics.push(p);
                }
                Extracted::ConfigUnread(p, words) => {
                    // Only a file read as config evidence can switch a capability off.
                    if is_config_evidence(&p.file, profile_file) {
                        g.unread_configs.push((p.clone(), words));
                    }
                    g.diagnostics.push(p);
                }
            }
        }
        g.allows
            .sort_by(|a, b| (&a.file, a.allow.line).cmp(&(&b.file, b.allow.line)));
        g
    }

    /// A file the walk found but did not select: a Rust file outside test code blinds the
    /// endpoint controls, a config file the capabilities it could switch off (its contents
    /// are unknown). Links are never followed by design and blind nothing.
    fn skipped(&mut self, s: &crate::walk::Skipped, profile_file: Option<&str>) {
        let d = ScanDiagnostic {
            kind: "skipped".into(),
            file: s.rel.clone(),
            line: None,
            message: s.reason.clone(),
        };
        let name = s.rel.rsplit('/').next().unwrap_or(&s.rel);
        let in_tests = s
            .rel
            .split('/')
            .any(|seg| crate::walk::TEST_DIRS.contains(&seg));
        if s.reason != "symbolic link" && !s.rel.is_empty() {
            match crate::walk::FileKind::of(name) {
                Some(crate::walk::FileKind::Rust) if !in_tests => self.blind.push(s.rel.clone()),
                Some(
                    crate::walk::FileKind::Toml
                    | crate::walk::FileKind::Yaml
                    | crate::walk::FileKind::Json
                    | crate::walk::FileKind::Env,
                ) if is_config_evidence(&s.rel, profile_file) => {
                    self.unread_configs.push((d.clone(), None))
                }
                _ => {}
            }
        }
        self.diagnostics.push(d);
    }

    fn source(&mut self, out: RustOut, detectors: &[String]) {
        let RustOut {
            slim,
            lines,
            allows,
            marker_problems,
            relevant,
            language,
        } = out;
        self.marker_problems
            .extend(marker_problems.into_iter().map(|p| (slim.path.clone(), p)));
        if language == "Python" {
            self.stats.python_files += 1;
            self.stats.python_lines += u64::from(lines);
        } else {
            self.stats.rust_files += 1;
            self.stats.rust_lines += u64::from(lines);
        }
        if relevant {
            self.blind.push(slim.path.clone());
        }
        for func in slim.funcs() {
            if !func.is_test() {
                for p in func.provides() {
                    if let Ok(cap) = p.parse::<Capability>() {
                        self.code_hits.entry(cap).or_default().push(Evidence {
                            file: slim.path.clone(),
                            line: func.pos().line,
                            what: format!("marker on {}", func.path()),
                            order: None,
                        });
                    }
                }
            }
            for (step, hit, _) in func.hits() {
                self.code_hits
                    .entry(hit.capability)
                    .or_default()
                    .push(Evidence {
                        file: slim.path.clone(),
                        line: func.step_pos(step).line,
                        what: detectors[hit.detector as usize].clone(),
                        order: None,
                    });
            }
        }
        self.allows
            .extend(allows.into_iter().map(|allow| FileAllow {
                file: slim.path.clone(),
                allow,
            }));
        self.sources.push(slim);
    }
}

/// Says what was not analysed: a `not-analysed` diagnostic per language with source files
/// that are not analysed, and a `no-source` one when no file of an analysed language was
/// found. Returns the blind spot for the endpoint controls: service code in a language that
/// is not analysed, when nothing else could be judged or in strict mode (code the gate
/// cannot read must not pass it).
fn not_analysed_note(g: &mut Gathered, strict: bool) -> Option<String> {
    use crate::languages::{analysed_names, describe};
    let analysed = analysed_names();
    for (lang, n) in &g.stats.not_analysed {
        let service = match n.service_files {
            0 => String::new(),
            k => format!(
                "; {k} look{} like service code, e.g. {}",
                if k == 1 { "s" } else { "" },
                n.examples.join(", ")
            ),
        };
        g.diagnostics.push(ScanDiagnostic {
            kind: "not-analysed".into(),
            file: n.examples.first().cloned().unwrap_or_default(),
            line: None,
            message: format!(
                "{} {lang} file{} not analysed (genai-gate analyses {analysed}){service}",
                n.files,
                if n.files == 1 { "" } else { "s" }
            ),
        });
    }
    let analysed_files = g.stats.rust_files + g.stats.python_files;
    if analysed_files == 0 {
        let seen = match describe(&g.stats.not_analysed) {
            s if s.is_empty() => String::new(),
            s => format!(" (seen: {s})"),
        };
        g.diagnostics.push(ScanDiagnostic {
            kind: "no-source".into(),
            file: String::new(),
            line: None,
            message: format!(
                "no source file in a language genai-gate analyses ({analysed}) was found{seen}, so no endpoint could be judged"
            ),
        });
    }
    let service: Vec<String> = g
        .stats
        .not_analysed
        .iter()
        .filter(|(_, n)| n.service_files > 0)
        .map(|(lang, n)| format!("{} {lang}", n.service_files))
        .collect();
    (!service.is_empty() && (strict || analysed_files == 0)).then(|| {
        format!(
            "service code in languages genai-gate does not analyse ({} file(s)) may hold endpoints or generation calls",
            service.join(", ")
        )
    })
}

/// Every control judged, in a sorted report.
fn judged_report(
    policy: &EffectivePolicy,
    opts: &ScanOptions,
    mut gathered: Gathered,
    repo: &RepoEvidence,
    source_paths: &[String],
    analysis: Analysis,
) -> (Report, Vec<FileAllow>, EndpointFiles) {
    let Analysis {
        endpoints,
        inventory,
        unreachable_generation,
        endpoint_files,
        diagnostics,
        ..
    } = analysis;
    gathered.diagnostics.extend(diagnostics);
    if let Some((file, line)) = &unreachable_generation
        && endpoints.iter().all(|e| !e.generates())
    {
        gathered.diagnostics.push(ScanDiagnostic {
            kind: "unreachable-generation".into(),
            file: file.clone(),
            line: Some(*line),
            message: "a generation call is not reachable from any recognised endpoint; if it serves users, genai-gate cannot judge its route".into(),
        });
    }
    gathered.blind.sort();
    gathered.blind.dedup();
    let blind_spot = (!gathered.blind.is_empty())
        .then(|| {
            format!(
                "{} could not be analysed in full and may hold endpoints or generation calls",
                gathered.blind.join(", ")
            )
        })
        .into_iter()
        .chain(gathered.unanalysed_blind.take())
        .reduce(|a, b| format!("{a}; {b}"));
    let applicable = policy.applicability.applicable;
    let (mut controls, findings) = judge(&Inputs {
        policy,
        endpoints: if applicable { &endpoints } else { &[] },
        repo,
        rust_paths: source_paths,
        blind_spot: if applicable { blind_spot } else { None },
        unreachable_generation: if applicable {
            unreachable_generation
        } else {
            None
        },
    });
    // What was not fully analysed, and the controls unread config files blind.
    let blind_rust: Vec<ScanDiagnostic> = gathered
        .blind
        .iter()
        .map(|file| {
            gathered
                .diagnostics
                .iter()
                .find(|d| &d.file == file)
                .cloned()
                .unwrap_or_else(|| ScanDiagnostic {
                    kind: "skipped".into(),
                    file: file.clone(),
                    line: None,
                    message: "not analysed".into(),
                })
        })
        .collect();
    let not_analysed = if applicable {
        crate::judge::blind::apply(&mut controls, policy, &blind_rust, &gathered.unread_configs)
    } else {
        Vec::new()
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
            applicable,
            reason: policy.applicability.reason.clone(),
        },
        endpoints: inventory,
        controls,
        findings: if applicable { findings } else { Vec::new() },
        diagnostics: gathered.diagnostics,
        not_analysed,
        stats: gathered.stats,
        waivers: Vec::new(),
        baseline: None,
        changes: None,
    };
    report.sort();
    (report, gathered.allows, endpoint_files)
}

/// The finishing steps on a judged report: strict mode turns what could not be judged into
/// findings; waivers and inline suppressions mark findings; fingerprints; in pull-request
/// mode, the findings are limited to what the change touches.
fn finish(
    report: &mut Report,
    policy: &EffectivePolicy,
    opts: &ScanOptions,
    strict: bool,
    (allows, marker_problems): (&[FileAllow], &[(String, crate::facts::MarkerProblem)]),
    endpoint_files: &EndpointFiles,
) {
    crate::judge::fail_closed::apply(report, strict, opts.fail_closed);
    let today = opts.today.clone().unwrap_or_else(crate::date::today_utc);
    let profile_file = opts
        .profile_file
        .clone()
        .unwrap_or_else(|| policy.profile.file.clone());
    if policy.applicability.applicable {
        let controls: Vec<&str> = policy
            .controls
            .iter()
            .map(|c| c.control.id.as_str())
            .collect();
        report.waivers = crate::judge::exceptions::apply(
            &mut report.findings,
            &policy.profile.waivers,
            allows,
            &today,
            &profile_file,
            &controls,
        );
        report
            .findings
            .extend(crate::judge::exceptions::marker_findings(marker_problems));
    }
    crate::report::fingerprint::assign(&mut report.findings);
    if let Some(ch) = &opts.changes {
        report.changes = Some(crate::judge::changes::limit_to_changes(
            &mut report.findings,
            &ch.files,
            endpoint_files,
            &ch.since,
        ));
    }
    report.sort();
}
