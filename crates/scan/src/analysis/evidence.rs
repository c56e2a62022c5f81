//! Repository-wide evidence: code hits anywhere outside tests, config entries and documents.

use std::collections::BTreeMap;

use genai_gate_policy::{Capability, CmpOp, ConfigValue, Detector, EvidenceKind, Requirement};

use crate::frontend::config::{CompiledPredicate, ConfigEntry};
use crate::frontend::docs::{CompiledDocumentRule, DocFacts};
use crate::report::Evidence;

/// Why a requirement is not met, and where to point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// What is missing (lowercase, no trailing period).
    pub message: String,
    /// A place to point at (a config entry that fails its predicate, a document that lacks a heading).
    pub place: Option<(String, u32)>,
}

/// Evidence collected over the whole repository.
#[derive(Debug, Default)]
pub struct RepoEvidence {
    code: BTreeMap<Capability, Vec<Evidence>>,
    config: BTreeMap<Capability, Vec<Evidence>>,
    docs_hits: BTreeMap<Capability, Vec<Evidence>>,
    off: BTreeMap<Capability, Evidence>,
    configs: Vec<(String, Vec<ConfigEntry>)>,
    docs: Vec<DocFacts>,
}

fn is_enable_flag(p: &genai_gate_policy::ConfigPredicate) -> bool {
    p.op == CmpOp::Eq && p.value == ConfigValue::Bool(true)
}

impl RepoEvidence {
    /// Builds the evidence from code hits, config files and documents.
    pub fn new(
        code: BTreeMap<Capability, Vec<Evidence>>,
        configs: Vec<(String, Vec<ConfigEntry>)>,
        docs: Vec<DocFacts>,
        detectors: &[Detector],
    ) -> Self {
        let mut ev = RepoEvidence {
            code,
            configs,
            docs,
            ..Default::default()
        };
        ev.config_hits(detectors);
        // Compiling a rule's globs costs more than matching them: none when no document was read.
        for d in detectors.iter().filter(|_| !ev.docs.is_empty()) {
            for rule in &d.documents {
                let rule = CompiledDocumentRule::new(rule);
                for doc in &ev.docs {
                    if let Some(m) = rule.matches(doc)
                        && m.missing.is_empty()
                    {
                        ev.docs_hits
                            .entry(d.capability)
                            .or_default()
                            .push(Evidence {
                                file: doc.rel.clone(),
                                line: m.line,
                                what: format!("document ({})", d.id),
                                order: None,
                            });
                    }
                }
            }
        }
        for v in ev
            .code
            .values_mut()
            .chain(ev.config.values_mut())
            .chain(ev.docs_hits.values_mut())
        {
            v.sort();
            v.dedup();
        }
        ev
    }

    /// Every config predicate of every detector against every config entry. Each key pattern
    /// needs its longest literal in the key (`*.moderation.enabled` needs `moderation.enabled`),
    /// so one Aho-Corasick pass over a key names the few predicates worth testing: a tokenizer's
    /// vocabulary of 65,000 keys is not matched 65,000 times against every pattern. Hits are
    /// then taken in the order of the nested loops (detector, predicate, file, entry), which
    /// decides the first entry that turns a capability off.
    fn config_hits(&mut self, detectors: &[Detector]) {
        let preds: Vec<(
            Capability,
            &genai_gate_policy::ConfigPredicate,
            CompiledPredicate,
        )> = detectors
            .iter()
            .flat_map(|d| d.config.iter().map(move |p| (d.capability, p)))
            .map(|(cap, p)| (cap, p, CompiledPredicate::new(p)))
            .collect();
        if preds.is_empty() || self.configs.is_empty() {
            return;
        }
        let mut needles: Vec<String> = Vec::new();
        let mut owners: Vec<usize> = Vec::new();
        let mut always: Vec<usize> = Vec::new();
        for (i, (_, p, _)) in preds.iter().enumerate() {
            for key in &p.keys {
                match crate::frontend::config::longest_literal(
                    &crate::frontend::config::normalise_key(key),
                ) {
                    Some(lit) => {
                        needles.push(lit);
                        owners.push(i);
                    }
                    None => always.push(i),
                }
            }
        }
        always.sort_unstable();
        always.dedup();
        let finder = aho_corasick::AhoCorasick::new(&needles).ok();
        let mut hits: Vec<(usize, usize, usize, bool)> = Vec::new();
        let mut candidates: Vec<usize> = Vec::new();
        for (fi, (_, entries)) in self.configs.iter().enumerate() {
            for (ei, e) in entries.iter().enumerate() {
                candidates.clear();
                candidates.extend_from_slice(&always);
                match &finder {
                    Some(ac) => candidates.extend(
                        ac.find_overlapping_iter(e.key.as_str())
                            .map(|m| owners[m.pattern().as_usize()]),
                    ),
                    // No automaton (it cannot fail for a handful of literals): test them all.
                    None => candidates.extend(0..preds.len()),
                }
                candidates.sort_unstable();
                candidates.dedup();
                for &pi in &candidates {
                    if let Some(holds) = preds[pi].2.check(e) {
                        hits.push((pi, fi, ei, holds));
                    }
                }
            }
        }
        hits.sort_unstable();
        for (pi, fi, ei, holds) in hits {
            let (cap, p, _) = &preds[pi];
            let (file, entries) = &self.configs[fi];
            let e = &entries[ei];
            let evidence = || Evidence {
                file: file.clone(),
                line: e.line,
                what: format!("{} = {}", e.raw_key, e.value),
                order: None,
            };
            if holds {
                self.config.entry(*cap).or_default().push(evidence());
            } else if is_enable_flag(p) {
                // A flag that must be true and is not turns the capability off.
                self.off.entry(*cap).or_insert_with(evidence);
            }
        }
    }

    /// Where a config key turns the capability off, if one does.
    pub fn disabled(&self, cap: Capability) -> Option<&Evidence> {
        self.off.get(&cap)
    }

    /// Code evidence of a capability anywhere outside tests.
    pub fn code(&self, cap: Capability) -> &[Evidence] {
        self.code.get(&cap).map(Vec::as_slice).unwrap_or_default()
    }

    /// Checks one requirement against the whole repository. A config predicate must hold for
    /// every key it reads, and at least one of them must be set.
    pub fn check(&self, req: &Requirement) -> Result<Vec<Evidence>, Missing> {
        let cap = req.capability;
        if let Some(off) = self.disabled(cap) {
            return Err(Missing {
                message: format!("{cap} is turned off by `{}`", off.what),
                place: Some((off.file.clone(), off.line)),
            });
        }
        if let Some(pred) = &req.config {
            // A requirement's predicate must hold for every key it reads, and at least one
            // must be set: a shorter log retention anywhere fails, whatever else says longer.
            let compiled = CompiledPredicate::new(pred);
            let mut first = None;
            for (file, entries) in &self.configs {
                for e in entries {
                    match compiled.check(e) {
                        Some(true) if first.is_none() => {
                            first = Some(Evidence {
                                file: file.clone(),
                                line: e.line,
                                what: format!("{} = {}", e.raw_key, e.value),
                                order: None,
                            })
                        }
                        Some(false) => {
                            return Err(Missing {
                                message: format!(
                                    "`{} = {}` does not satisfy `{pred}` ({cap})",
                                    e.raw_key, e.value
                                ),
                                place: Some((file.clone(), e.line)),
                            });
                        }
                        _ => {}
                    }
                }
            }
            return match first {
                Some(ev) => Ok(vec![ev]),
                None => Err(Missing {
                    message: match pred.key_set() {
                        Some(_) => format!(
                            "no config key read by `{pred}` is set, such as `{}` ({cap})",
                            pred.keys.first().map_or("?", String::as_str)
                        ),
                        None => format!("no config key matches `{pred}` ({cap})"),
                    },
                    place: None,
                }),
            };
        }
        if let Some(rule) = &req.document {
            let compiled = (!self.docs.is_empty()).then(|| CompiledDocumentRule::new(rule));
            let mut partial = None;
            for (compiled, doc) in compiled
                .iter()
                .flat_map(|c| self.docs.iter().map(move |d| (c, d)))
            {
                if let Some(m) = compiled.matches(doc) {
                    if m.missing.is_empty() {
                        return Ok(vec![Evidence {
                            file: doc.rel.clone(),
                            line: m.line,
                            what: "document".into(),
                            order: None,
                        }]);
                    }
                    if partial.is_none() {
                        partial = Some((doc.rel.clone(), m.line, m.missing));
                    }
                }
            }
            return Err(match partial {
                Some((file, line, missing)) => Missing {
                    message: format!(
                        "`{file}` lacks {} ({cap})",
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    place: Some((file, line)),
                },
                None => Missing {
                    message: format!(
                        "no document matches {} ({cap})",
                        rule.paths
                            .iter()
                            .map(|p| format!("`{p}`"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                    place: None,
                },
            });
        }
        let mut ev = Vec::new();
        if req.accepts(EvidenceKind::Code) {
            ev.extend(self.code(cap).iter().cloned());
        }
        if req.accepts(EvidenceKind::Config) {
            ev.extend(self.config.get(&cap).into_iter().flatten().cloned());
        }
        if req.accepts(EvidenceKind::Document) {
            ev.extend(self.docs_hits.get(&cap).into_iter().flatten().cloned());
        }
        if ev.is_empty() {
            let kinds: Vec<&str> = EvidenceKind::ALL
                .iter()
                .filter(|k| req.accepts(**k))
                .map(|k| k.as_str())
                .collect();
            return Err(Missing {
                message: format!(
                    "no evidence of {cap} ({}) in {}",
                    cap.summary(),
                    kinds.join(", ")
                ),
                place: None,
            });
        }
        Ok(ev)
    }
}
