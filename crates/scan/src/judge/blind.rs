//! What the scan could not see, and the controls it blinds.
//!
//! A file that could decide the gate and was not fully analysed must never let it pass:
//!
//! - A Rust file outside test code that is too large, unreadable, does not parse, is nested
//!   too deep or made the frontend panic may hold an endpoint or a model call; it makes the
//!   endpoint controls that would pass `not-observable` (see [`crate::judge::verdict`]). A
//!   file that is not UTF-8 is not counted: rustc refuses it too.
//! - A config file that could not be read in full (too large, unreadable, does not parse,
//!   nested deeper than the reader goes) may hold a key that switches a capability off
//!   (`moderation.enabled = false`). When it spells every literal word of such a key of the
//!   catalogue (or when its contents are unknown), the controls that require the capability
//!   and would pass become `not-observable`.
//!
//! Each such file is listed in [`Report::not_analysed`](crate::Report::not_analysed); in
//! fail-closed mode each is also an error finding ([`crate::judge::fail_closed`]).

use std::collections::BTreeSet;

use genai_gate_policy::{Capability, CmpOp, ConfigValue, EffectivePolicy};

use crate::frontend::config::could_hold;
use crate::report::{ControlVerdict, NotAnalysed, ScanDiagnostic, Status};

/// What a Rust file that was not fully analysed may hold.
pub const MAY_HOLD_CODE: &str = "endpoints or model calls";

/// A config file that could not be read in full: its diagnostic and the words it spells
/// (`None` when its contents are unknown).
pub type UnreadConfig = (ScanDiagnostic, Option<BTreeSet<String>>);

/// The capabilities a file with these words could switch off: those of detectors with a
/// flag that must be true (`moderation.enabled = true`) whose key the file could spell.
fn could_switch_off(policy: &EffectivePolicy, words: Option<&BTreeSet<String>>) -> Vec<Capability> {
    let mut caps: Vec<Capability> = policy
        .detectors
        .iter()
        .filter(|d| {
            d.config.iter().any(|p| {
                p.op == CmpOp::Eq
                    && p.value == ConfigValue::Bool(true)
                    && words.is_none_or(|w| could_hold(p, w))
            })
        })
        .map(|d| d.capability)
        .collect();
    caps.sort();
    caps.dedup();
    caps
}

/// Blinds the controls that unread config files could switch off, and returns every file
/// that was not fully analysed: the Rust files in `rust` (their diagnostics) and the config
/// files that could hold such a switch.
pub fn apply(
    controls: &mut [ControlVerdict],
    policy: &EffectivePolicy,
    rust: &[ScanDiagnostic],
    configs: &[UnreadConfig],
) -> Vec<NotAnalysed> {
    let mut out: Vec<NotAnalysed> = rust
        .iter()
        .map(|d| NotAnalysed {
            file: d.file.clone(),
            reason: d.message.clone(),
            may_hold: MAY_HOLD_CODE.to_owned(),
        })
        .collect();
    for (d, words) in configs {
        let caps = could_switch_off(policy, words.as_ref());
        if caps.is_empty() {
            continue;
        }
        let names: Vec<String> = caps.iter().map(ToString::to_string).collect();
        let may_hold = format!("a setting that switches {} off", names.join(", "));
        for v in controls.iter_mut().filter(|v| v.status == Status::Pass) {
            let Some(ec) = policy.control(&v.id) else {
                continue;
            };
            if ec
                .control
                .requirements
                .iter()
                .any(|r| caps.contains(&r.capability))
            {
                v.status = Status::NotObservable;
                v.reason = Some(format!(
                    "`{}` could not be read in full ({}) and may hold {may_hold}",
                    d.file, d.message
                ));
            }
        }
        out.push(NotAnalysed {
            file: d.file.clone(),
            reason: d.message.clone(),
            may_hold,
        });
    }
    out.sort();
    out.dedup();
    out
}
