//! `policy diff cn-genai-2023-draft cn-genai-2023` must show every change the regulatory brief
//! lists under "What changed from the April 2023 draft" (a verbatim copy is in
//! `tests/data/what-changed.md`). Each bullet is matched by a phrase to the checks that prove
//! the diff covers it; a bullet no check matches, or a check that matches no bullet, fails the
//! test, so the list and the checks cannot drift apart.

use genai_gate_policy::diff::{ArticleChange, ChangedControl, ControlRef, RelaxedControl};
use genai_gate_policy::{Pack, PackDiff, PolicySet, diff_packs};

const WHAT_CHANGED: &str = include_str!("data/what-changed.md");

/// The bullets of the list, each joined onto one line, without Markdown emphasis.
fn bullets(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("- ") {
            out.push(rest.to_owned());
        } else if line.starts_with("  ")
            && let Some(last) = out.last_mut()
        {
            last.push(' ');
            last.push_str(line.trim());
        }
    }
    out.iter()
        .map(|b| {
            b.replace("**", "")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

struct Packs<'a> {
    draft: &'a Pack,
    fin: &'a Pack,
    diff: PackDiff,
}

impl Packs<'_> {
    fn article(&self, topic: &str) -> Result<&ArticleChange, String> {
        self.diff
            .articles
            .iter()
            .find(|a| a.topic == topic)
            .ok_or_else(|| format!("the diff shows no article change of topic `{topic}`"))
    }

    fn changed(&self, topic: &str) -> Result<&ChangedControl, String> {
        self.diff
            .changed
            .iter()
            .find(|c| c.new.topic.as_deref() == Some(topic))
            .ok_or_else(|| format!("the diff shows no changed control of topic `{topic}`"))
    }

    fn relaxed(&self, topic: &str) -> Result<&RelaxedControl, String> {
        if self.removed(topic).is_ok() {
            return Err(format!("`{topic}` is shown as removed, not relaxed"));
        }
        self.diff
            .relaxed
            .iter()
            .find(|r| r.control.topic.as_deref() == Some(topic))
            .ok_or_else(|| format!("the diff shows no relaxed control of topic `{topic}`"))
    }

    fn removed(&self, topic: &str) -> Result<&ControlRef, String> {
        self.diff
            .removed
            .iter()
            .find(|c| c.topic.as_deref() == Some(topic))
            .ok_or_else(|| format!("the diff shows no removed control of topic `{topic}`"))
    }

    fn field<'a>(&self, c: &'a ChangedControl, field: &str) -> Result<(&'a str, &'a str), String> {
        c.fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| (f.old.as_str(), f.new.as_str()))
            .ok_or_else(|| format!("`{}` shows no change of its {field}", c.new.id))
    }
}

fn ensure(ok: bool, why: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(why()) }
}

fn cites(refs: &[genai_gate_policy::diff::ArticleRef], citation: &str) -> bool {
    refs.iter().any(|r| r.citation == citation)
}

type Check = fn(&Packs) -> Result<(), String>;

/// `(phrase of the bullet, what is checked, the check)`.
const CHECKS: &[(&str, &str, Check)] = &[
    (
        "already spoke of services \"to the public within the PRC\"",
        "both packs cover public services in the PRC, so the scope line does not change",
        |p| {
            for pack in [p.draft, p.fin] {
                let scope = pack.meta.scope.as_ref().ok_or("a pack without scope")?;
                ensure(
                    scope.public == Some(true) && scope.regions == ["CN"],
                    || format!("`{}` does not cover public services in CN", pack.meta.id),
                )?;
            }
            ensure(!p.diff.pack.iter().any(|f| f.field == "scope"), || {
                "the diff shows a change of scope the texts do not make".into()
            })
        },
    ),
    (
        "express exemption of non-public R&D and in-house use (Art. 2 ¶3)",
        "the exemption changes and the new pack's Art. 2 ¶3 is shown",
        |p| {
            let f = p
                .diff
                .pack
                .iter()
                .find(|f| f.field == "exemption")
                .ok_or("the diff shows no change of the exemption")?;
            ensure(f.new.contains("Art. 2 ¶3"), || {
                format!("the new exemption does not cite Art. 2 ¶3: {}", f.new)
            })?;
            let a = p.article("rd-exemption")?;
            ensure(a.old.is_empty() && cites(&a.new, "Art. 2 ¶3"), || {
                format!("rd-exemption: {a:?}")
            })
        },
    ),
    (
        "overseas providers (Art. 20)",
        "Art. 20 on overseas providers is shown as new",
        |p| {
            let a = p.article("overseas-providers")?;
            ensure(a.old.is_empty() && cites(&a.new, "Art. 20"), || {
                format!("overseas-providers: {a:?}")
            })
        },
    ),
    (
        "the precedence of sector rules (Art. 2 ¶2)",
        "Art. 2 ¶2 on sector precedence is shown as new",
        |p| {
            let a = p.article("sector-precedence")?;
            ensure(a.old.is_empty() && cites(&a.new, "Art. 2 ¶2"), || {
                format!("sector-precedence: {a:?}")
            })
        },
    ),
    (
        "are marked as such, not as \"added by the final Measures\"",
        "controls resting on TC260-003, the Labeling Measures and the Cybersecurity Law are listed apart",
        |p| {
            for (topic, instrument) in [
                ("keyword-library", "TC260-003"),
                ("explicit-label-text", "Labeling"),
                ("log-retention", "Cybersecurity Law"),
                ("request-log", "Cybersecurity Law"),
            ] {
                let c = p
                    .diff
                    .from_other_instruments
                    .iter()
                    .find(|c| c.topic.as_deref() == Some(topic))
                    .ok_or_else(|| format!("`{topic}` is not marked as from other instruments"))?;
                ensure(
                    c.other_instruments.iter().any(|i| i.contains(instrument)),
                    || {
                        format!(
                            "`{topic}` does not name {instrument}: {:?}",
                            c.other_instruments
                        )
                    },
                )?;
                ensure(
                    !p.diff
                        .added
                        .iter()
                        .any(|a| a.topic.as_deref() == Some(topic)),
                    || format!("`{topic}` is shown as added by the final Measures"),
                )?;
            }
            Ok(())
        },
    ),
    (
        "Real-identity verification of users (draft Art. 9) is gone",
        "real identity is removed, and no article of the final Measures lists it",
        |p| {
            let c = p.removed("real-identity")?;
            ensure(c.draft_only && c.citations == ["Art. 9"], || {
                format!("{c:?}")
            })?;
            let cited_by_measures = p.fin.articles.iter().any(|a| {
                a.instrument.is_none()
                    && (a.topics.iter().any(|t| t == "real-identity")
                        || a.parts
                            .iter()
                            .any(|x| x.topics.iter().any(|t| t == "real-identity")))
            });
            ensure(!cited_by_measures, || {
                "an article of the final Measures lists real identity".into()
            })
        },
    ),
    (
        "\"Ensure the authenticity, accuracy, objectivity and diversity of training data\"",
        "the training-data control's obligation changes from ensuring to improving",
        |p| {
            let c = p.changed("training-data-provenance")?;
            let (old, new) = p.field(c, "obligation")?;
            ensure(
                old.contains("authenticity") && new.contains("improve"),
                || format!("obligation: {old} → {new}"),
            )
        },
    ),
    (
        "\"Prevent false information\" became \"improve transparency, accuracy and reliability\"",
        "the draft's false-information control is relaxed to final Art. 4(5)",
        |p| {
            let r = p.relaxed("content-accuracy")?;
            ensure(cites(&r.kept_by, "Art. 4(5)"), || format!("{r:?}"))
        },
    ),
    (
        "already required stopping generation on complaints or discovered violations (draft Art. 13)",
        "the stop control moves from draft Art. 13 to final Art. 14 ¶1",
        |p| {
            let c = p.changed("stop-generation")?;
            ensure(
                c.old.citations.iter().any(|x| x == "Art. 13")
                    && c.new.citations.iter().any(|x| x == "Art. 14 ¶1"),
                || {
                    format!(
                        "stop-generation: {:?} → {:?}",
                        c.old.citations, c.new.citations
                    )
                },
            )
        },
    ),
    (
        "Retraining is relaxed, not removed",
        "retraining is relaxed (deadline removed), kept by final Art. 14 ¶1",
        |p| {
            let r = p.relaxed("model-remediation")?;
            ensure(cites(&r.kept_by, "Art. 14 ¶1"), || format!("{r:?}"))?;
            ensure(r.control.title.contains("three months"), || {
                format!(
                    "the relaxed control does not name the deadline: {}",
                    r.control.title
                )
            })?;
            ensure(
                r.kept_by.iter().any(|k| k.title.contains("no deadline")),
                || format!("the final article does not say the deadline is gone: {r:?}"),
            )
        },
    ),
    (
        "The draft banned profiling users from their inputs (draft Art. 11)",
        "the draft's profiling ban is removed",
        |p| {
            let c = p.removed("profiling-ban")?;
            ensure(c.draft_only && c.citations == ["Art. 11"], || {
                format!("{c:?}")
            })
        },
    ),
    (
        "security assessment and filing for every service",
        "assessment and filing narrow to public-opinion services",
        |p| {
            for topic in ["security-assessment", "algorithm-filing"] {
                let c = p.changed(topic)?;
                let (old, new) = p.field(c, "applies")?;
                ensure(old == "always" && new == "public-opinion = true", || {
                    format!("{topic} applies: {old} → {new}")
                })?;
            }
            Ok(())
        },
    ),
    (
        "Fines of RMB 10,000–100,000 are gone (Art. 21)",
        "penalties move from draft Art. 20 (fines) to final Art. 21 (no fines)",
        |p| {
            let a = p.article("penalties")?;
            let old = a.old.iter().find(|r| r.citation == "Art. 20");
            let new = a.new.iter().find(|r| r.citation == "Art. 21");
            ensure(
                old.is_some_and(|r| r.title.contains("fines"))
                    && new.is_some_and(|r| r.title.contains("no fines")),
                || format!("penalties: {a:?}"),
            )
        },
    ),
];

#[test]
fn the_draft_to_final_diff_covers_every_change_the_brief_lists() {
    let set = PolicySet::embedded().unwrap();
    let draft = set.pack("cn-genai-2023-draft").unwrap();
    let fin = set.pack("cn-genai-2023").unwrap();
    let packs = Packs {
        draft,
        fin,
        diff: diff_packs(draft, fin),
    };
    let bullets = bullets(WHAT_CHANGED);
    assert!(
        bullets.len() >= 8,
        "only {} bullets read from what-changed.md: is the parser broken?",
        bullets.len()
    );
    let mut problems = Vec::new();
    for bullet in &bullets {
        if !CHECKS.iter().any(|(phrase, _, _)| bullet.contains(phrase)) {
            problems.push(format!("no check covers the bullet: {bullet}"));
        }
    }
    for (phrase, what, check) in CHECKS {
        let matching = bullets.iter().filter(|b| b.contains(phrase)).count();
        if matching != 1 {
            problems.push(format!(
                "the check `{what}` matches {matching} bullets by `{phrase}`, not one"
            ));
            continue;
        }
        if let Err(why) = check(&packs) {
            problems.push(format!("{what}: {why}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn bullets_are_read_whole() {
    let text = "intro\n- first line\n  continued **here**\n- second\n\nafter\n";
    assert_eq!(bullets(text), ["first line continued here", "second"]);
}
