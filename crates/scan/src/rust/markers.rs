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
