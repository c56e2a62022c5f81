//! Fail closed: what the scan could not see becomes findings.
//!
//! - A panic caught in per-file work (diagnostic kind `internal-error`) is always an
//!   error-level finding with the id [`INTERNAL_ERROR`], so an internal error can never end in
//!   a clean exit.
//! - In fail-closed mode ([`ScanOptions::fail_closed`](crate::ScanOptions::fail_closed); the
//!   CLI's default under CI, in the GitHub Action and the pre-commit hook) every file that
//!   could decide the gate and was not fully analysed ([`Report::not_analysed`](crate::Report::not_analysed),
//!   see [`crate::judge::blind`]) becomes an error-level finding with the id
//!   [`NOT_ANALYSED`], and every `not-observable` control an error-level finding of that
//!   control.
//! - Strict mode (`check --strict`, or `[settings] strict = true` in the profile) is fail-closed
//!   mode, and also makes every other file in scope that could not be read or parsed an
//!   error-level finding with the id [`UNPARSABLE`]. Links, which are never followed by
//!   design, are not findings.
//!
//! Otherwise `not-observable` controls and unparsable files stay warnings: the control
//! verdicts, the diagnostics and the list of files not analysed, which every output format
//! shows.

use genai_gate_policy::Severity;

use crate::report::{Finding, Report, ScanDiagnostic, Status};

/// Finding id of a panic caught while scanning a file.
pub const INTERNAL_ERROR: &str = "scan/internal-error";

/// Finding id of a file in scope that could not be read or parsed (strict mode).
pub const UNPARSABLE: &str = "scan/unparsable";

/// Finding id of a file that could decide the gate and was not fully analysed (fail-closed
/// mode).
pub const NOT_ANALYSED: &str = "scan/not-analysed";

/// Diagnostic kinds that mean a file in scope was not understood.
const UNUSABLE_KINDS: [&str; 3] = ["parse-error", "config-error", "skipped"];

/// Adds the fail-closed findings to a report (then re-sorts it). `strict` implies
/// `fail_closed`.
pub fn apply(report: &mut Report, strict: bool, fail_closed: bool) {
    let fail_closed = fail_closed || strict;
    let mut added = Vec::new();
    if fail_closed {
        for n in &report.not_analysed {
            added.push(Finding {
                control: NOT_ANALYSED.into(),
                severity: Severity::Error,
                message: format!(
                    "`{}` was not fully analysed ({}) and may hold {}",
                    n.file, n.reason, n.may_hold
                ),
                file: Some(n.file.clone()),
                line: None,
                offset: 0,
                endpoint: None,
                citations: Vec::new(),
                help: "make the file something genai-gate can read in full (under \
                       `[files] max-file-size`, parsable, readable), or split it"
                    .into(),
                labels: Vec::new(),
                suppression: None,
                fingerprint: String::new(),
                baselined: false,
            });
        }
    }
    let analysed_not = |file: &str| report.not_analysed.iter().any(|n| n.file == file);
    for d in &report.diagnostics {
        if d.kind == crate::report::DIAG_INTERNAL_ERROR {
            added.push(file_finding(
                INTERNAL_ERROR,
                d,
                "report this as a genai-gate bug with the file, or exclude the file in \
                 `[files] exclude` until it is fixed",
            ));
        } else if strict
            && UNUSABLE_KINDS.contains(&d.kind.as_str())
            && d.message != "symbolic link"
            && !analysed_not(&d.file)
        {
            added.push(file_finding(
                UNPARSABLE,
                d,
                "make the file readable UTF-8 that parses, raise `[files] max-file-size`, or \
                 exclude it in `[files] exclude` if it is not part of the service",
            ));
        }
    }
    if fail_closed {
        for c in &report.controls {
            if c.status != Status::NotObservable {
                continue;
            }
            let why = c
                .reason
                .as_deref()
                .unwrap_or("the evidence could not be judged");
            added.push(Finding {
                control: c.id.clone(),
                severity: Severity::Error,
                message: format!(
                    "{} could not be judged, so the gate fails closed: {why}",
                    c.id
                ),
                file: None,
                line: None,
                offset: 0,
                endpoint: None,
                citations: c.citations.clone(),
                help: "make every file parse and every handler resolvable so the control can be \
                       judged, or mark the code that provides it with a `genai-gate: provides` \
                       comment"
                    .into(),
                labels: Vec::new(),
                suppression: None,
                fingerprint: String::new(),
                baselined: false,
            });
        }
    }
    if !added.is_empty() {
        report.findings.extend(added);
        report.sort();
    }
}

fn file_finding(id: &str, d: &ScanDiagnostic, help: &str) -> Finding {
    let what = if id == INTERNAL_ERROR {
        "could not be scanned"
    } else {
        "could not be read or parsed"
    };
    Finding {
        control: id.into(),
        severity: Severity::Error,
        message: format!("`{}` {what}: {}", d.file, d.message),
        file: Some(d.file.clone()),
        line: d.line,
        offset: 0,
        endpoint: None,
        citations: Vec::new(),
        help: help.into(),
        labels: Vec::new(),
        suppression: None,
        fingerprint: String::new(),
        baselined: false,
    }
}

#[cfg(test)]
mod tests {
    use genai_gate_policy::{PolicySet, Profile, resolve};

    use crate::{ScanOptions, Status, scan_with};

    /// A panic in per-file work must never be lost or end in a clean exit.
    #[test]
    fn a_panic_in_per_file_work_is_an_internal_error_that_fails() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(
            root.join("Cargo.toml"),
            "[package]\nname = \"chat\"\nversion = \"0.1.0\"\n",
        )
        .unwrap();
        std::fs::write(
            root.join("src/main.rs"),
            r#"fn app() -> Router { Router::new().route("/v1/chat", post(chat)) }
               async fn chat(s: State, r: Req) -> String { s.client.chat().create(r).await }"#,
        )
        .unwrap();
        std::fs::write(root.join("src/panics-in-test.rs"), "fn f() {}").unwrap();
        let set = PolicySet::embedded().unwrap();
        let policy = resolve(&set, Profile::default_profile(), true, None).unwrap();
        for strict in [false, true] {
            let opts = ScanOptions {
                jobs: Some(2),
                strict,
                ..ScanOptions::default()
            };
            let report = scan_with(&policy, root, &opts).unwrap();
            let d = report
                .diagnostics
                .iter()
                .find(|d| d.file == "src/panics-in-test.rs")
                .expect("the file is named");
            assert_eq!(d.kind, "internal-error");
            assert!(d.message.contains("a panic planted by a test"), "{d:?}");
            let f = report
                .findings
                .iter()
                .find(|f| f.control == super::INTERNAL_ERROR)
                .expect("an internal error is a finding");
            assert_eq!(f.severity, genai_gate_policy::Severity::Error);
            assert_eq!(f.file.as_deref(), Some("src/panics-in-test.rs"));
            // The rest of the scan is intact, and endpoint controls cannot pass blind.
            assert_eq!(report.endpoints.len(), 1);
            let c = report
                .controls
                .iter()
                .find(|c| c.id == "CN-GAI-4.1")
                .unwrap();
            assert_ne!(c.status, Status::Pass);
            let strict_finding = report.findings.iter().any(|f| f.control == "CN-GAI-4.1");
            assert!(
                strict_finding,
                "4.1 fails: missing moderation (strict: {strict})"
            );
        }
    }

    #[test]
    fn strict_turns_not_observable_controls_and_unparsable_files_into_findings() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(
            root.join("src/main.rs"),
            "fn app() -> Router { Router::new().route(\"/v1/chat\", post(api::chat)) }",
        )
        .unwrap();
        std::fs::write(
            root.join("src/api.rs"),
            "pub async fn chat(r: Req) -> String { client.chat().create(r).await",
        )
        .unwrap();
        let set = PolicySet::embedded().unwrap();
        let policy = resolve(&set, Profile::default_profile(), true, None).unwrap();
        let lax = scan_with(&policy, root, &ScanOptions::default()).unwrap();
        let blind: Vec<_> = lax
            .controls
            .iter()
            .filter(|c| c.status == Status::NotObservable)
            .map(|c| c.id.clone())
            .collect();
        assert!(!blind.is_empty());
        assert!(lax.findings.iter().all(|f| f.control != super::UNPARSABLE));
        let opts = ScanOptions {
            strict: true,
            ..ScanOptions::default()
        };
        let strict = scan_with(&policy, root, &opts).unwrap();
        for id in &blind {
            assert!(
                strict.findings.iter().any(|f| &f.control == id
                    && f.message
                        .contains("could not be judged, so the gate fails closed")),
                "{id}"
            );
        }
        // The file may hold the handler: it is not analysed, not merely unparsable.
        let named: Vec<_> = strict
            .findings
            .iter()
            .filter(|f| f.control == super::NOT_ANALYSED || f.control == super::UNPARSABLE)
            .collect();
        assert_eq!(named.len(), 1);
        assert_eq!(named[0].control, super::NOT_ANALYSED);
        assert_eq!(named[0].file.as_deref(), Some("src/api.rs"));
        assert!(
            named[0]
                .message
                .starts_with("`src/api.rs` was not fully analysed")
        );
        // Fail-closed mode alone does the same for what could decide the gate.
        let opts = ScanOptions {
            fail_closed: true,
            ..ScanOptions::default()
        };
        let closed = scan_with(&policy, root, &opts).unwrap();
        assert!(
            closed
                .findings
                .iter()
                .any(|f| f.control == super::NOT_ANALYSED)
        );
    }
}
