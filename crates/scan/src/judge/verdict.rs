//! Verdicts: each active control judged against the evidence, findings for failures.

use genai_gate_policy::{
    Capability, EffectiveControl, EffectivePolicy, EvidenceKind, Order, Requirement, Scope,
};

use crate::analysis::evidence::RepoEvidence;
use crate::analysis::flow::{FlowHit, Summary};
use crate::analysis::{AnalysedEndpoint, hit_evidence};
use crate::report::{ControlVerdict, EndpointRef, Finding, Label, Status};

/// Everything verdicts read.
pub struct Inputs<'a> {
    /// The effective policy.
    pub policy: &'a EffectivePolicy,
    /// Endpoints.
    pub endpoints: &'a [AnalysedEndpoint],
    /// Repository-wide evidence.
    pub repo: &'a RepoEvidence,
    /// File paths by workspace file index (for flow hits).
    pub rust_paths: &'a [String],
    /// Why endpoint flow cannot be fully trusted (unparsable files that may hold routes or
    /// generation calls), if so.
    pub blind_spot: Option<String>,
    /// Where generation happens outside any endpoint, if anywhere.
    pub unreachable_generation: Option<(String, u32)>,
}

fn pack_label(c: &EffectiveControl) -> Label {
    Label {
        file: c.control.location.file.clone(),
        line: c.control.location.line as u32,
        message: format!("{} requires this", c.control.id),
    }
}

fn help_for(c: &EffectiveControl, missing: &[Capability]) -> String {
    if let Some(h) = &c.control.help {
        return h.clone();
    }
    let caps: Vec<String> = missing
        .iter()
        .map(|m| format!("{} ({})", m, m.summary()))
        .collect();
    format!("add {}", caps.join("; "))
}

/// Message for a missing endpoint requirement.
fn endpoint_message(req: &Requirement, call: &str, summary: &Summary) -> String {
    let cap = req.capability;
    let misplaced = match req.order {
        Some(Order::After) => summary.before.contains_key(&cap),
        Some(Order::Before) => summary.after.contains_key(&cap),
        None => false,
    };
    if misplaced {
        let when = if req.order == Some(Order::After) {
            "before"
        } else {
            "after"
        };
        return format!("{cap} runs only {when} `{call}`, so it does not cover what it must");
    }
    match (cap, req.order) {
        (Capability::ModerationInput, _) => {
            format!("prompt reaches `{call}` without input moderation")
        }
        (Capability::ModerationOutput, _) => {
            format!("output of `{call}` reaches the response without output moderation")
        }
        (Capability::GenerationStop, _) => {
            format!("output of `{call}` has no path that stops generation or transmission")
        }
        (Capability::UserCheck, _) => {
            format!("`{call}` runs without a check of the user's account state")
        }
        (Capability::AuditRecord, _) => format!("`{call}` runs without an audit record"),
        (_, Some(Order::Before)) => format!("`{call}` runs without {cap} before it"),
        (_, Some(Order::After)) => format!("output of `{call}` leaves without {cap}"),
        (_, None) => format!("the endpoint reaching `{call}` has no {cap}"),
    }
}

fn endpoint_req_met(req: &Requirement, s: &Summary) -> Option<FlowHit> {
    let cap = req.capability;
    match req.order {
        Some(Order::Before) => s.before.get(&cap).cloned(),
        Some(Order::After) => s.after.get(&cap).cloned(),
        None => s.reaches(cap).cloned(),
    }
}

/// Whether an endpoint outputs one of `modalities` (any, when the list is empty or the
/// endpoint's output was not decided).
fn outputs_any(e: &AnalysedEndpoint, modalities: &[genai_gate_policy::Modality]) -> bool {
    modalities.is_empty()
        || e.modalities.is_empty()
        || e.modalities.iter().any(|m| modalities.contains(m))
}

/// Judges every control.
pub fn judge(inp: &Inputs) -> (Vec<ControlVerdict>, Vec<Finding>) {
    let mut verdicts = Vec::new();
    let mut findings = Vec::new();
    for ec in &inp.policy.controls {
        let c = &ec.control;
        let mut v = ControlVerdict {
            id: c.id.clone(),
            title: c.title.clone(),
            citations: c.citations.clone(),
            severity: c.severity,
            scope: c.scope.to_string(),
            status: Status::Pass,
            reason: None,
            evidence: Vec::new(),
        };
        if !ec.active {
            v.status = Status::NotApplicable;
            v.reason = ec.inactive_reason.clone();
            verdicts.push(v);
            continue;
        }
        match c.scope {
            Scope::Repository => judge_repository(inp, ec, &mut v, &mut findings),
            Scope::Endpoint => judge_endpoints(inp, ec, &mut v, &mut findings),
        }
        verdicts.push(v);
    }
    (verdicts, findings)
}

fn judge_repository(
    inp: &Inputs,
    ec: &EffectiveControl,
    v: &mut ControlVerdict,
    findings: &mut Vec<Finding>,
) {
    let c = &ec.control;
    let mut missing = Vec::new();
    let mut gaps: Vec<crate::analysis::evidence::Missing> = Vec::new();
    for req in &c.requirements {
        match inp.repo.check(req) {
            Ok(ev) => v.evidence.extend(ev),
            Err(miss) => {
                missing.push(req.capability);
                gaps.push(miss);
            }
        }
    }
    if gaps.is_empty() {
        return;
    }
    let message = gaps
        .iter()
        .map(|g| g.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let place = gaps.iter().find_map(|g| g.place.clone());
    v.status = Status::Fail;
    v.reason = Some(message.clone());
    findings.push(Finding {
        control: c.id.clone(),
        severity: c.severity,
        message,
        file: place.as_ref().map(|p| p.0.clone()),
        line: place.as_ref().map(|p| p.1),
        offset: 0,
        endpoint: None,
        citations: c.citations.clone(),
        help: help_for(ec, &missing),
        labels: vec![pack_label(ec)],
        suppression: None,
        fingerprint: String::new(),
        baselined: false,
    });
}

fn judge_endpoints(
    inp: &Inputs,
    ec: &EffectiveControl,
    v: &mut ControlVerdict,
    findings: &mut Vec<Finding>,
) {
    let c = &ec.control;
    let all_generating = inp.endpoints.iter().filter(|e| e.generates()).count();
    // A control scoped to some modalities is judged on the endpoints that output one of them,
    // or whose output could not be decided.
    let generating: Vec<&AnalysedEndpoint> = inp
        .endpoints
        .iter()
        .filter(|e| e.generates() && outputs_any(e, &c.applies.modalities))
        .collect();
    let unobservable = inp.endpoints.iter().any(|e| e.summary.is_none());
    let not_observable = || {
        let why = inp.blind_spot.clone();
        (
            Status::NotObservable,
            Some(why.unwrap_or_else(|| "some handlers could not be followed".into())),
        )
    };
    if generating.is_empty() && all_generating > 0 {
        let list: Vec<&str> = c.applies.modalities.iter().map(|m| m.as_str()).collect();
        (v.status, v.reason) = if unobservable || inp.blind_spot.is_some() {
            not_observable()
        } else {
            (
                Status::NotApplicable,
                Some(format!(
                    "applies to {} output; no generation endpoint outputs it (by route, request type, handler name or generation call)",
                    list.join("/")
                )),
            )
        };
        return;
    }
    if generating.is_empty() {
        (v.status, v.reason) = if unobservable || inp.blind_spot.is_some() {
            not_observable()
        } else if let Some((file, line)) = &inp.unreachable_generation {
            (
                Status::NotObservable,
                Some(format!(
                    "generation happens at {file}:{line} but no recognised endpoint reaches it"
                )),
            )
        } else {
            (
                Status::NotApplicable,
                Some("no endpoint reaches a generation call".into()),
            )
        };
        return;
    }
    // Config switches and document rules apply repository-wide, even for endpoint controls.
    struct Gap {
        message: String,
        place: Option<(String, u32)>,
        cap: Capability,
    }
    let mut repo_failures: Vec<Gap> = Vec::new();
    for req in &c.requirements {
        if let Some(off) = inp.repo.disabled(req.capability) {
            repo_failures.push(Gap {
                message: format!(
                    "{} is turned off by `{}` at {}:{}",
                    req.capability, off.what, off.file, off.line
                ),
                place: Some((off.file.clone(), off.line)),
                cap: req.capability,
            });
        } else if req.config.is_some() || req.document.is_some() || !req.accepts(EvidenceKind::Code)
        {
            match inp.repo.check(req) {
                Ok(ev) => v.evidence.extend(ev),
                Err(m) => repo_failures.push(Gap {
                    message: m.message,
                    place: m.place,
                    cap: req.capability,
                }),
            }
        }
    }
    let mut failed = false;
    // Endpoints whose generation site could not be located, where an order-sensitive
    // requirement is evidenced somewhere on the path: neither pass nor fail.
    let mut unlocated: Vec<String> = Vec::new();
    for e in &generating {
        let s = e
            .summary
            .as_ref()
            .expect("generating endpoints have a summary");
        let site = s.first_generation.as_ref();
        let gen_label = site.map_or_else(
            || "the model call (not located)".to_owned(),
            |call| call.label.to_string(),
        );
        let mut missing = Vec::new();
        let mut messages = Vec::new();
        let mut unknown = false;
        for req in &c.requirements {
            if !req.accepts(EvidenceKind::Code) || req.config.is_some() || req.document.is_some() {
                continue;
            }
            let met = match (site, req.order) {
                // A refusal stops only while the moderation that decides it runs.
                (Some(_), _) | (None, None) => endpoint_req_met(req, s).filter(|h| {
                    &*h.detector != crate::analysis::flow::REFUSAL
                        || inp.repo.disabled(Capability::ModerationOutput).is_none()
                }),
                // Without a located site, before and after mean nothing: evidence anywhere
                // on the path can be judged neither way.
                (None, Some(_)) => match s.reaches(req.capability) {
                    Some(_) => {
                        unknown = true;
                        continue;
                    }
                    None => None,
                },
            };
            match met {
                Some(hit) => v.evidence.push(hit_evidence(
                    inp.rust_paths,
                    &hit,
                    req.order.map(|o| o.as_str()),
                )),
                None => {
                    missing.push(req.capability);
                    messages.push(endpoint_message(req, &gen_label, s));
                }
            }
        }
        for gap in &repo_failures {
            missing.push(gap.cap);
            messages.push(gap.message.clone());
        }
        if messages.is_empty() {
            if unknown {
                unlocated.push(format!("{} {}", e.method, e.route));
            }
            continue;
        }
        failed = true;
        let mut labels = Vec::new();
        if let Some(call) = site {
            labels.push(Label {
                file: inp.rust_paths[call.file].clone(),
                line: call.pos.line,
                message: format!("generation call `{gen_label}`"),
            });
        }
        labels.push(pack_label(ec));
        for gap in &repo_failures {
            if let Some((file, line)) = &gap.place {
                labels.push(Label {
                    file: file.clone(),
                    line: *line,
                    message: format!("{} is decided here", gap.cap),
                });
            }
        }
        findings.push(Finding {
            control: c.id.clone(),
            severity: c.severity,
            message: messages.join("; "),
            file: Some(e.file.clone()),
            line: Some(e.line),
            offset: e.offset,
            endpoint: Some(EndpointRef {
                method: e.method.clone(),
                route: e.route.clone(),
            }),
            citations: c.citations.clone(),
            help: help_for(ec, &missing),
            labels,
            suppression: None,
            fingerprint: String::new(),
            baselined: false,
        });
    }
    if failed {
        v.status = Status::Fail;
        v.reason = Some(format!(
            "{} of {} generation endpoint(s) fail",
            findings.iter().filter(|f| f.control == c.id).count(),
            generating.len()
        ));
    } else if unobservable || inp.blind_spot.is_some() {
        v.status = Status::NotObservable;
        v.reason = Some(inp.blind_spot.clone().unwrap_or_else(|| {
            "some handlers could not be followed, so not every endpoint was judged".into()
        }));
    } else if !unlocated.is_empty() {
        v.status = Status::NotObservable;
        v.reason = Some(format!(
            "the generation site of {} could not be located, so what runs before or after it is unknown",
            unlocated.join(", ")
        ));
    }
}
