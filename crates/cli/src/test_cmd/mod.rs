//! `genai-gate test [PATH...]`: the test runner for people who write packs, overlays and
//! detectors, as `opa test`, `conftest verify` and `semgrep --test` are for theirs.
//!
//! - A **case** is a small repository folder with an `expected.toml` (the fixtures' format,
//!   [`expect`]): it is checked as `genai-gate check CASE` would check it — its own
//!   `genai-gate.toml` found the same way, the packs and catalogues that profile and `--policy`
//!   load — and the results are compared with the expectation.
//! - A **detector test** is a `[[detector.test]]` of a catalogue ([`detectors`]): catalogues
//!   given as paths or found in the folders, and those `--policy` loads.
//!
//! The output reads like `cargo test`: a line per test, the failures with a diff of expected
//! and actual, and `test result: … N passed, N failed`. `--update` writes the actual results of
//! failing cases as their expectation ([`update`]).

mod detectors;
pub mod expect;
mod update;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use genai_gate_policy::FileKind;

use crate::check_cmd::{CheckArgs, FailOn};
use crate::diagnostics::LoadFailure;
use crate::table::Style;
use crate::{Exit, Globals};
use expect::{Expectation, Outcome};

/// Examples shown by `test --help`.
pub const EXAMPLES: &str = "\
Examples:
  genai-gate test                              every case and detector test under .
  genai-gate test tests/policy                 the cases in a folder (each a folder with expected.toml)
  genai-gate test tests/policy/unscreened-chat one case
  genai-gate test policies/acme-detectors.toml the detector tests of a catalogue
  genai-gate test --policy acme.toml tests/    cases checked with an extra pack loaded
  genai-gate test --update                     write the actual results of failing cases

A case is a folder with a small repository and an expected.toml (exit, applicable, endpoints,
control statuses, findings); an empty expected.toml is recorded by --update.
Exit codes: 0 all passed, 1 a test failed, 2 usage or configuration error.";

/// `test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Cases (folders with an `expected.toml`, or folders holding them) and catalogues with
    /// `[[detector.test]]`s (files, or found in the folders) [default: .].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write the actual results of failing cases (and of cases with an empty expected.toml) as
    /// their expectation, keeping comments and layout; review them in the diff.
    #[arg(long)]
    pub update: bool,
    /// Profile for every case (default: each case's own, found as `check` finds it).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Worker threads of each scan (default: one per core).
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
}

/// What was found to run.
#[derive(Debug, Default)]
struct Found {
    cases: Vec<PathBuf>,
    catalogues: Vec<PathBuf>,
}

/// Folders never looked into for cases.
fn skipped(name: &str) -> bool {
    name.starts_with('.') || name == "target" || name == "node_modules"
}

/// Whether a TOML file is a catalogue with detector tests.
fn has_detector_tests(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    if genai_gate_policy::file_kind(&text) != Some(FileKind::Catalogue) {
        return false;
    }
    let Ok(table) = text.parse::<toml::Table>() else {
        return false;
    };
    table
        .get("detector")
        .and_then(toml::Value::as_array)
        .is_some_and(|ds| ds.iter().any(|d| d.get("test").is_some()))
}

fn collect(path: &Path, found: &mut Found) -> anyhow::Result<()> {
    if path.is_file() {
        if path.file_name().is_some_and(|n| n == "expected.toml") {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            found
                .cases
                .push(dir.map_or_else(|| PathBuf::from("."), Path::to_owned));
        } else if has_detector_tests(path) {
            found.catalogues.push(path.to_owned());
        } else {
            anyhow::bail!(
                "`{}` is neither a case (a folder with an expected.toml) nor a catalogue with `[[detector.test]]`s",
                path.display()
            );
        }
        return Ok(());
    }
    if !path.is_dir() {
        anyhow::bail!("`{}` does not exist", path.display());
    }
    if path.join("expected.toml").is_file() {
        found.cases.push(path.to_owned());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("cannot read directory `{}`", path.display()))?
        .filter_map(Result::ok)
        .filter(|e| !skipped(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, found)?;
        } else if p.extension().is_some_and(|e| e == "toml") && has_detector_tests(&p) {
            found.catalogues.push(p);
        }
    }
    Ok(())
}

/// One test's result.
struct Ran {
    name: String,
    passed: bool,
    updated: bool,
    detail: String,
}

/// A case: check the folder, compare, and with `--update` rewrite a failing expectation.
fn run_case(dir: &Path, args: &TestArgs, globals: &Globals) -> Ran {
    let name = dir.display().to_string();
    let file = dir.join("expected.toml");
    let fail = |detail: String| Ran {
        name: name.clone(),
        passed: false,
        updated: false,
        detail,
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => return fail(format!("cannot read `{}`: {e}", file.display())),
    };
    let expected: Option<Expectation> = if expect::is_blank(&text) {
        None
    } else {
        match toml::from_str(&text) {
            Ok(e) => Some(e),
            Err(e) => {
                return fail(format!(
                    "`{}` is not a valid expectation: {e}",
                    file.display()
                ));
            }
        }
    };
    let check = CheckArgs {
        path: Some(dir.to_owned()),
        profile: args.profile.clone(),
        jobs: args.jobs,
        no_cache: true,
        ..CheckArgs::default()
    };
    let quiet = Globals {
        quiet: true,
        ..globals.clone()
    };
    let outcome = match crate::check_cmd::scan_repo(&check, &quiet) {
        Ok(s) => Outcome::Ran(
            crate::check_cmd::exit_code(&s.report, FailOn::Error) as i32,
            Box::new(s.report),
        ),
        Err(e) => Outcome::Failed(match e.downcast_ref::<LoadFailure>() {
            Some(l) => l
                .diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
            None => format!("{e:#}"),
        }),
    };
    let actual = expect::actual(expected.as_ref(), &outcome);
    if expected.as_ref().is_some_and(|e| expect::meets(e, &actual)) {
        return Ran {
            name,
            passed: true,
            updated: false,
            detail: String::new(),
        };
    }
    if args.update {
        let new = update::rewrite(&text, expected.as_ref(), &actual);
        return match std::fs::write(&file, new) {
            Ok(()) => Ran {
                name,
                passed: true,
                updated: true,
                detail: String::new(),
            },
            Err(e) => fail(format!("cannot write `{}`: {e}", file.display())),
        };
    }
    let mut detail = String::new();
    if let Outcome::Failed(why) = &outcome {
        detail.push_str(&format!("the check stopped (exit 2):\n{why}\n\n"));
    }
    match &expected {
        None => detail.push_str(
            "expected.toml is empty: run `genai-gate test --update` to record the actual results\n",
        ),
        Some(e) => {
            detail.push_str("expected.toml (-) against the actual results (+):\n");
            detail.push_str(&diff(&expect::to_toml(e), &expect::to_toml(&actual)));
        }
    }
    fail(detail)
}

/// A unified diff of two texts, with a few lines of context.
fn diff(old: &str, new: &str) -> String {
    let d = similar::TextDiff::from_lines(old, new);
    let mut out = String::new();
    for group in d.grouped_ops(2) {
        for op in group {
            for change in d.iter_changes(&op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                out.push_str(&format!("{sign} {}", change.value()));
                if change.missing_newline() {
                    out.push('\n');
                }
            }
        }
        out.push_str("  …\n");
    }
    out
}

/// The detector tests of the catalogues loaded from files: those found, and `--policy`'s.
fn run_detector_tests(catalogues: &[PathBuf], globals: &Globals) -> anyhow::Result<Vec<Ran>> {
    let mut set = globals.policy_set()?;
    let mut out = Vec::new();
    for path in catalogues {
        let source = crate::read_source(path)?;
        if let Err(e) = crate::add_file(&mut set, source, true) {
            let why: Vec<String> = e.diagnostics.iter().map(ToString::to_string).collect();
            out.push(Ran {
                name: path.display().to_string(),
                passed: false,
                updated: false,
                detail: format!("the catalogue does not load:\n{}\n", why.join("\n")),
            });
        }
    }
    let negatives: Vec<_> = set
        .catalogues
        .iter()
        .flat_map(|c| c.negatives.iter().cloned())
        .collect();
    for cat in set
        .catalogues
        .iter()
        .filter(|c| !c.file.starts_with("<embedded>"))
    {
        for det in &cat.detectors {
            for t in &det.tests {
                let mut name = format!("{}:{} {}", cat.file, t.location.line, det.id);
                if !t.expect {
                    name.push_str(" (must not match)");
                }
                let code = t
                    .code
                    .lines()
                    .map(|l| format!("    {l}\n"))
                    .collect::<String>();
                let (passed, detail) = match detectors::matches(det, &negatives, t) {
                    Err(why) => (false, format!("{why}:\n{code}")),
                    Ok(hits) if t.expect && hits.is_empty() => (
                        false,
                        format!(
                            "`{}` ({}) matched nothing in:\n{code}",
                            det.id, det.capability
                        ),
                    ),
                    Ok(hits) if !t.expect && !hits.is_empty() => (
                        false,
                        format!(
                            "`{}` ({}) matched `{}`, and must not, in:\n{code}",
                            det.id,
                            det.capability,
                            hits.join("`, `")
                        ),
                    ),
                    Ok(_) => (true, String::new()),
                };
                out.push(Ran {
                    name,
                    passed,
                    updated: false,
                    detail,
                });
            }
        }
    }
    Ok(out)
}

/// Runs `test`.
pub fn run(args: TestArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut found = Found::default();
    for p in &paths {
        collect(p, &mut found)?;
    }
    found.cases.dedup();
    found.catalogues.dedup();
    let style = Style {
        color: globals.color_stdout,
    };
    let detector_results = run_detector_tests(&found.catalogues, globals)?;
    if found.cases.is_empty() && detector_results.is_empty() {
        anyhow::bail!(
            "no test found under {}: a case is a folder with an expected.toml, a detector test a `[[detector.test]]` of a catalogue",
            paths
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    println!(
        "\nrunning {}, {}",
        plural(found.cases.len(), "case", "cases"),
        plural(detector_results.len(), "detector test", "detector tests")
    );
    let mut results = Vec::new();
    let mut report = |r: Ran| {
        let word = if r.updated {
            style.bold("updated")
        } else if r.passed {
            style.good("ok")
        } else {
            style.bad("FAILED")
        };
        if !globals.quiet || !r.passed || r.updated {
            println!("test {} ... {word}", r.name);
        }
        results.push(r);
    };
    for case in &found.cases {
        report(run_case(case, &args, globals));
    }
    for r in detector_results {
        report(r);
    }
    let failed: Vec<&Ran> = results.iter().filter(|r| !r.passed).collect();
    let updated = results.iter().filter(|r| r.updated).count();
    let passed = results.len() - failed.len() - updated;
    if !failed.is_empty() {
        println!("\nfailures:\n");
        for r in &failed {
            println!("---- {} ----\n{}", r.name, r.detail);
        }
        println!("failures:");
        for r in &failed {
            println!("    {}", r.name);
        }
    }
    let mut line = format!("{passed} passed, {} failed", failed.len());
    if updated > 0 {
        line.push_str(&format!(", {updated} updated"));
    }
    println!(
        "\ntest result: {}. {line}; finished in {:.2}s\n",
        if failed.is_empty() {
            style.good("ok")
        } else {
            style.bad("FAILED")
        },
        start.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        Ok(Exit::Ok.into())
    } else {
        Ok(Exit::Findings.into())
    }
}
