//! `// genai-gate: provides <capability>[, ..]` markers (also `///` and `/* */` forms) on
//! the lines directly above a function (attributes and doc comments may sit between) or
//! on its signature line. syn drops comments, so the text lines are scanned.

use super::Extractor;

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
