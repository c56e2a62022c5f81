//! `// genai-gate: provides <capability>[, ..]` markers (also `///` and `/* */` forms) on
//! the lines directly above a function (attributes and doc comments may sit between) or
//! on its signature line, and `// genai-gate: allow CONTROL -- reason` suppressions. syn
//! drops comments, so the text lines are scanned. A comment that starts with `genai-gate:`
//! (or a near miss such as `genai_gate:`) and does not parse is a [`MarkerProblem`], with a
//! "did you mean" for a misspelt marker or capability ([`scan_problems`]).

use genai_gate_policy::Capability;
use genai_gate_policy::suggest::did_you_mean;

use super::Extractor;
use crate::facts::MarkerProblem;

/// The marker prefix looked for in comments.
const MARKER: &str = "genai-gate:";

/// Find `// genai-gate: provides a, b` markers (also `///`, `/* */` forms): (line, caps).
pub(super) fn scan_markers(text: &str) -> Vec<(u32, Vec<String>)> {
    let mut out = Vec::new();
    if !text.contains(MARKER) {
        return out;
    }
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let before = &line[..at];
        let in_comment =
            before.contains("//") || before.contains("/*") || before.trim_start().starts_with('*');
        if !in_comment {
            continue;
        }
        let Some(rest) = line[at + MARKER.len()..]
            .trim_start()
            .strip_prefix("provides")
        else {
            continue;
        };
        let rest = rest.split("*/").next().unwrap_or("");
        let caps: Vec<String> = rest
            .split(|c: char| c == ',' || c == ':' || c.is_whitespace())
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        if !caps.is_empty() {
            out.push((i as u32 + 1, caps));
        }
    }
    out
}

/// The `// genai-gate: provides …` markers of a text: (line, capabilities as written), in
/// line order — the same the frontend attaches to functions.
pub fn provides_markers(text: &str) -> Vec<(u32, Vec<String>)> {
    scan_markers(text)
}

/// Is the line (trimmed) a comment line?
fn is_comment_line(line: &str) -> bool {
    let t = line.trim();
    t.starts_with("//") || t.starts_with("/*") || t.starts_with('*') || t.ends_with("*/")
}

impl Extractor<'_> {
    /// Capabilities of markers on lines `first..=sig`, or on comment lines directly above.
    pub(super) fn markers_for(&self, first: u32, sig: u32) -> Vec<String> {
        let mut out = Vec::new();
        if self.markers.is_empty() {
            return out;
        }
        let lowest = self.markers[0].0;
        // Walk up through the comment block directly above the item.
        let mut top = first;
        while top > lowest && top > 1 && is_comment_line(self.idx.line_text(top - 1)) {
            top -= 1;
        }
        let start = self.markers.partition_point(|(l, _)| *l < top);
        for (line, caps) in &self.markers[start..] {
            if *line > sig {
                break;
            }
            for c in caps {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        out
    }
}

/// Find `// genai-gate: allow CONTROL -- reason` suppressions (also `///` and `/* */`
/// forms). See [`crate::facts::Allow`] for the line each one covers.
pub fn scan_allows(text: &str) -> Vec<crate::facts::Allow> {
    let mut out = Vec::new();
    if !text.contains(MARKER) {
        return out;
    }
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let before = &line[..at];
        let comment_at = ["//", "/*"].iter().filter_map(|p| before.find(p)).min();
        let Some(comment_at) =
            comment_at.or_else(|| before.trim_start().starts_with('*').then_some(0))
        else {
            continue;
        };
        let Some(rest) = line[at + MARKER.len()..].trim_start().strip_prefix("allow") else {
            continue;
        };
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let rest = rest.split("*/").next().unwrap_or("");
        let (control, reason) = match rest.split_once("--") {
            Some((c, r)) => (c.trim(), Some(r.trim()).filter(|r| !r.is_empty())),
            None => (rest.trim(), None),
        };
        if control.is_empty() {
            continue;
        }
        let trailing = !before[..comment_at].trim().is_empty();
        let mut target = i + 1;
        if !trailing {
            while target < lines.len() {
                let t = lines[target].trim();
                if t.is_empty() || is_comment_line(t) || t.starts_with('#') {
                    target += 1;
                } else {
                    break;
                }
            }
        }
        out.push(crate::facts::Allow {
            line: i as u32 + 1,
            control: control.to_owned(),
            reason: reason.map(str::to_owned),
            target: if trailing {
                i as u32 + 1
            } else {
                target as u32 + 1
            },
        });
    }
    out
}

/// The markers, for suggestions.
const VERBS: [&str; 2] = ["provides", "allow"];

/// The text of a comment on `line`, after its opener (`//`, `///`, `//!`, `/*`, `/**`, or a
/// `*` continuing a block comment), when the line has one outside a string literal.
fn comment_body(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix('*')
        && !rest.starts_with('/')
    {
        return Some(rest);
    }
    let at = [line.find("//"), line.find("/*")]
        .into_iter()
        .flatten()
        .min()?;
    // A `//` inside a string literal (an odd number of quotes before it) is not a comment.
    if line[..at].matches('"').count() % 2 == 1 {
        return None;
    }
    Some(line[at + 2..].trim_start_matches(['/', '*', '!']))
}

/// Whether `word` is `genai-gate` or a near miss of it (`genai_gate`, `genaigate`).
fn is_prefix_word(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "genai-gate" | "genai_gate" | "genaigate"
    )
}

/// Problems of one comment body that starts with a `genai-gate` marker, if any.
fn body_problems(body: &str) -> Option<String> {
    let body = body.split("*/").next().unwrap_or("").trim();
    let (head, rest) = match body.find(':') {
        Some(at) if is_prefix_word(body[..at].trim()) => (&body[..at], &body[at + 1..]),
        _ => {
            // No colon: flag it only when a marker follows (`genai-gate provides x`), so
            // that prose mentioning the tool is left alone.
            let mut words = body.split_whitespace();
            let head = words.next()?;
            let verb = words.next()?;
            if !is_prefix_word(head) || did_you_mean(verb, VERBS).is_none() {
                return None;
            }
            return Some(format!(
                "`{head} {verb}` is not a marker: did you mean `genai-gate: {verb}`?"
            ));
        }
    };
    if head.trim() != "genai-gate" {
        return Some(format!(
            "`{}:` is not a marker prefix: did you mean `genai-gate:`?",
            head.trim()
        ));
    }
    let rest = rest.trim();
    let verb = rest.split_whitespace().next().unwrap_or("");
    let args = rest[verb.len()..].trim();
    match verb {
        "" => Some(
            "`genai-gate:` names no marker: write `provides CAPABILITY` or `allow CONTROL -- reason`"
                .into(),
        ),
        "provides" => {
            let caps: Vec<&str> = args
                .split(|c: char| c == ',' || c == ':' || c.is_whitespace())
                .filter(|c| !c.is_empty())
                .collect();
            if caps.is_empty() {
                return Some(
                    "`provides` names no capability (`genai-gate policy capabilities` lists them)"
                        .into(),
                );
            }
            let unknown: Vec<String> = caps
                .iter()
                .filter(|c| c.parse::<Capability>().is_err())
                .map(|c| {
                    match did_you_mean(c, Capability::ALL.iter().map(|k| k.as_str())) {
                        Some(s) => format!("unknown capability `{c}`: did you mean `{s}`?"),
                        None => format!(
                            "unknown capability `{c}` (`genai-gate policy capabilities` lists them)"
                        ),
                    }
                })
                .collect();
            (!unknown.is_empty()).then(|| unknown.join("; "))
        }
        "allow" => args.is_empty().then(|| {
            "`allow` names no control: write `allow CONTROL -- reason`".to_owned()
        }),
        other => {
            let word = other.trim_end_matches(|c: char| !c.is_alphanumeric());
            Some(match did_you_mean(word, VERBS) {
                Some(s) => format!("unknown marker `{word}`: did you mean `{s}`?"),
                None => format!(
                    "unknown marker `{word}`: the markers are `provides CAPABILITY` and `allow CONTROL -- reason`"
                ),
            })
        }
    }
}

/// Every comment that starts with a `genai-gate` marker and does not parse.
pub fn scan_problems(text: &str) -> Vec<MarkerProblem> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("genai-gate")
        && !lower.contains("genai_gate")
        && !lower.contains("genaigate")
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(body) = comment_body(line) else {
            continue;
        };
        let body = body.trim_start();
        let starts = ["genai-gate", "genai_gate", "genaigate"].iter().any(|p| {
            body.as_bytes()
                .get(..p.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(p.as_bytes()))
        });
        if !starts {
            continue;
        }
        if let Some(message) = body_problems(body) {
            out.push(MarkerProblem {
                line: i as u32 + 1,
                message,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str) -> Vec<(u32, String)> {
        scan_problems(text)
            .into_iter()
            .map(|p| (p.line, p.message))
            .collect()
    }

    #[test]
    fn misspelt_markers_get_a_did_you_mean() {
        let text = "\
// genai-gate: provides generation.stp
/// genai-gate: alow CN-GAI-14.2 -- reviewed
fn f() {} // genai-gate: provide moderation.output
/* genai_gate: allow CN-GAI-4.1 -- x */
// genai-gate provides moderation.input
// genai-gate:
// genai-gate: provides
// genai-gate: allow
// genai-gate: frobnicate
";
        assert_eq!(
            messages(text),
            [
                (1, "unknown capability `generation.stp`: did you mean `generation.stop`?".into()),
                (2, "unknown marker `alow`: did you mean `allow`?".into()),
                (3, "unknown marker `provide`: did you mean `provides`?".into()),
                (4, "`genai_gate:` is not a marker prefix: did you mean `genai-gate:`?".into()),
                (5, "`genai-gate provides` is not a marker: did you mean `genai-gate: provides`?".into()),
                (6, "`genai-gate:` names no marker: write `provides CAPABILITY` or `allow CONTROL -- reason`".into()),
                (7, "`provides` names no capability (`genai-gate policy capabilities` lists them)".into()),
                (8, "`allow` names no control: write `allow CONTROL -- reason`".into()),
                (9, "unknown marker `frobnicate`: the markers are `provides CAPABILITY` and `allow CONTROL -- reason`".into()),
            ]
        );
    }

    #[test]
    fn valid_markers_prose_and_strings_are_left_alone() {
        let text = "\
// genai-gate: provides moderation.output, generation.stop
// genai-gate: allow CN-GAI-14.2 -- the proxy logs this
/* genai-gate: provides audit.record */
// genai-gate checks this handler in CI
// see the genai-gate: docs
let s = \"// genai-gate: alow x\";
";
        assert_eq!(messages(text), []);
    }
}
