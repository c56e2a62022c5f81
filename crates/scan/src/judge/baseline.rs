//! Baselines for adopting the gate on existing code.
//!
//! `genai-gate baseline write` records the fingerprints of the current findings;
//! `check --baseline FILE` marks findings whose fingerprint is recorded as `baselined` (still
//! reported, not counted for the exit code) and lists the entries no longer found (fixed).
//! Fingerprints ignore line numbers (see [`crate::report::fingerprint`]), so a baseline survives
//! edits that move code.
//!
//! ```
//! use genai_gate_scan::judge::baseline::Baseline;
//! let b = Baseline::from_json(r#"{"version": 1, "findings": []}"#).unwrap();
//! assert!(b.findings.is_empty());
//! ```

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use crate::report::BaselineEntry;
use crate::report::{BaselineSummary, Finding};

/// Version of the baseline file layout.
pub const BASELINE_VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Layout version ([`BASELINE_VERSION`]).
    pub version: u32,
    /// Recorded findings, sorted by file, control, fingerprint.
    pub findings: Vec<BaselineEntry>,
}

/// A baseline that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Not JSON of the expected shape.
    #[error("not a genai-gate baseline: {0}")]
    Parse(String),
    /// Written by a newer layout.
    #[error("baseline version {0} is not supported (expected {BASELINE_VERSION})")]
    Version(u32),
}

impl Baseline {
    /// Records the findings that count today (suppressed and waived ones are excepted
    /// already and are not recorded).
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .filter(|f| f.suppression.is_none())
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                control: f.control.clone(),
                file: f.file.clone(),
                message: f.message.clone(),
            })
            .collect();
        entries.sort_by(|a, b| {
            (&a.file, &a.control, &a.fingerprint).cmp(&(&b.file, &b.control, &b.fingerprint))
        });
        entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            version: BASELINE_VERSION,
            findings: entries,
        }
    }

    /// Parses a baseline file.
    pub fn from_json(text: &str) -> Result<Baseline, BaselineError> {
        let b: Baseline =
            serde_json::from_str(text).map_err(|e| BaselineError::Parse(e.to_string()))?;
        if b.version != BASELINE_VERSION {
            return Err(BaselineError::Version(b.version));
        }
        Ok(b)
    }

    /// The file's text (pretty JSON with a trailing newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a baseline serialises");
        s.push('\n');
        s
    }

    /// Marks the findings this baseline records and returns what it hid and what is fixed.
    pub fn apply(&self, findings: &mut [Finding]) -> BaselineSummary {
        let recorded: BTreeSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let mut hidden = 0;
        let mut present = BTreeSet::new();
        for f in findings.iter_mut() {
            present.insert(f.fingerprint.clone());
            // The gate's own findings (an internal error, an expired waiver, a weakened
            // profile) are never hidden by a baseline.
            let gate_own = f.control.starts_with("GATE-") || f.control.starts_with("scan/");
            if !gate_own && f.suppression.is_none() && recorded.contains(f.fingerprint.as_str()) {
                f.baselined = true;
                hidden += 1;
            }
        }
        BaselineSummary {
            hidden,
            fixed: self
                .findings
                .iter()
                .filter(|e| !present.contains(&e.fingerprint))
                .cloned()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genai_gate_policy::Severity;

    fn finding(control: &str, fingerprint: &str) -> Finding {
        Finding {
            control: control.into(),
            severity: Severity::Error,
            message: "m".into(),
            file: Some("src/a.rs".into()),
            line: Some(1),
            offset: 0,
            endpoint: None,
            citations: Vec::new(),
            help: String::new(),
            labels: Vec::new(),
            suppression: None,
            fingerprint: fingerprint.into(),
            baselined: false,
        }
    }

    #[test]
    fn a_baseline_never_hides_the_gates_own_findings() {
        // Regression: a baselined internal error could have made the exit status 0.
        let mut findings = vec![
            finding("CN-GAI-4.1", "a"),
            finding("scan/internal-error", "b"),
            finding("GATE-TAMPER", "c"),
        ];
        let baseline = Baseline::from_findings(&findings);
        let summary = baseline.apply(&mut findings);
        assert_eq!(summary.hidden, 1);
        assert!(findings[0].baselined);
        assert!(!findings[1].baselined && !findings[2].baselined);
    }
}
