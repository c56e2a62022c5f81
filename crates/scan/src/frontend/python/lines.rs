//! Text-level work on a Python file: the line table (byte offset → line), the nesting guard
//! run before parsing, and `# genai-gate:` comments (provides markers, suppressions and
//! misspelt markers, read with the same rules as Rust's `//` comments).

use crate::facts::{Allow, MarkerProblem};
use crate::frontend::SourceInput;

/// Byte offset → 1-based line, over the whole original text.
pub(super) struct LineIndex {
    starts: Vec<u32>,
    len: u32,
    ends_with_newline: bool,
}

impl LineIndex {
    pub(super) fn new(text: &str, _skip: usize) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
        LineIndex {
            starts,
            len: text.len() as u32,
            ends_with_newline: text.ends_with('\n'),
        }
    }

    /// The line of a byte offset.
    pub(super) fn line_of(&self, offset: u32) -> u32 {
        self.starts.partition_point(|s| *s <= offset).max(1) as u32
    }

    /// Number of lines (a trailing newline does not open a new line).
    pub(super) fn line_count(&self) -> u32 {
        let n = self.starts.len() as u32;
        if self.len == 0 {
            0
        } else if self.ends_with_newline {
            n - 1
        } else {
            n
        }
    }
}

/// Longest operator or attribute chain parsed (see [`too_deep`]).
pub(super) const MAX_CHAIN: usize = 10_000;

/// The bytes [`too_deep`] acts on outside a line start.
const MATTERS: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = b"\n\"'\\#([{)]},:;+-*/%|&^@.<>";
    let mut i = 0;
    while i < bytes.len() {
        t[bytes[i] as usize] = true;
        i += 1;
    }
    t
};

/// The first line at which brackets or indentation nest deeper than `max` levels, or an
/// operator or attribute chain (`1 + 1 + …`, `a.b().b()…`, which parse as trees as deep as
/// they are long) runs longer than [`MAX_CHAIN`] without a `,`, `:` or `;`, if any. Strings
/// and comments are skipped roughly (a bracket in a string cannot add 200 levels).
pub(super) fn too_deep(text: &str, max: usize) -> Option<u32> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut line = 1u32;
    let mut quote: Option<u8> = None;
    let mut indents: Vec<usize> = vec![0];
    let mut at_line_start = true;
    let mut chain = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        // Runs of bytes that change nothing (letters, digits, spaces, `=`, `_`) are skipped
        // in a tight loop; a line start is handled below.
        if !at_line_start {
            while i < bytes.len() && !MATTERS[bytes[i] as usize] {
                i += 1;
            }
            if i == bytes.len() {
                break;
            }
        }
        let b = bytes[i];
        if at_line_start && quote.is_none() && depth == 0 {
            let width = bytes[i..]
                .iter()
                .take_while(|c| **c == b' ' || **c == b'\t')
                .map(|c| if *c == b'\t' { 8 } else { 1 })
                .sum::<usize>();
            let rest = &bytes[i..];
            let content = rest.iter().position(|c| *c != b' ' && *c != b'\t');
            let blank = content.is_none_or(|p| matches!(rest[p], b'\n' | b'\r' | b'#'));
            if !blank {
                while indents.last().is_some_and(|w| *w > width) {
                    indents.pop();
                }
                if indents.last().is_none_or(|w| *w < width) {
                    indents.push(width);
                }
                if indents.len() > max {
                    return Some(line);
                }
            }
        }
        at_line_start = false;
        match (quote, b) {
            (_, b'\n') => {
                line += 1;
                at_line_start = true;
            }
            (Some(q), _) if b == q => quote = None,
            (Some(_), b'\\') => i += 1,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'#') => {
                while i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                    i += 1;
                }
            }
            (None, b'(' | b'[' | b'{') => {
                depth += 1;
                if depth > max {
                    return Some(line);
                }
            }
            (None, b')' | b']' | b'}') => depth = depth.saturating_sub(1),
            (None, b',' | b':' | b';') => chain = 0,
            (
                None,
                b'+' | b'-' | b'*' | b'/' | b'%' | b'|' | b'&' | b'^' | b'@' | b'.' | b'<' | b'>',
            ) => {
                chain += 1;
                if chain > MAX_CHAIN {
                    return Some(line);
                }
            }
            _ => {}
        }
        if b == b'\n' && quote.is_none() && depth == 0 {
            chain = 0;
        }
        i += 1;
    }
    None
}

/// `# genai-gate: provides a, b` markers: (line, the first line below the comment block
/// the marker is in, capabilities).
pub(super) fn scan_markers(text: &str) -> Vec<(u32, u32, Vec<String>)> {
    let mut out = Vec::new();
    if !text.contains("genai-gate:") {
        return out;
    }
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(hash) = line.find('#') else { continue };
        let Some(rest) = line[hash + 1..].trim_start().strip_prefix("genai-gate:") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("provides") else {
            continue;
        };
        let caps: Vec<String> = rest
            .split(|c: char| c == ',' || c == ':' || c.is_whitespace())
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        if !caps.is_empty() {
            let mut below = i + 1;
            while below < lines.len() && {
                let t = lines[below].trim_start();
                t.is_empty() || t.starts_with('#')
            } {
                below += 1;
            }
            out.push((i as u32 + 1, below as u32 + 1, caps));
        }
    }
    out
}

/// Suppressions and misspelt markers of `#` comments. The text is read as Rust's `//`
/// comments are (one reader for both languages): a `#` that opens a marker comment reads as
/// `//`, and decorators as attributes, so a suppression above a decorated function covers
/// its `def` line.
pub(super) fn allows_and_problems(
    input: &SourceInput,
    text: &str,
) -> (Vec<Allow>, Vec<MarkerProblem>) {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("genai") {
        return (Vec::new(), Vec::new());
    }
    let mut translated = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let hash = line.find('#');
        let marker = hash.is_some_and(|h| line[h..].to_ascii_lowercase().contains("genai"));
        match hash {
            Some(h) if marker => {
                translated.push_str(&line[..h]);
                translated.push_str("//");
                translated.push_str(&line[h + 1..]);
            }
            _ if trimmed.starts_with('@') => {
                translated.push_str(&line[..line.len() - trimmed.len()]);
                translated.push('#');
                translated.push_str(trimmed);
            }
            _ => translated.push_str(line),
        }
    }
    let facts = crate::frontend::rust::unparsed_facts(&crate::frontend::rust::RustInput {
        rel_path: input.rel_path,
        text: &translated,
        crate_name: "",
        module: "",
        is_test_file: input.is_test_file,
    });
    (facts.allows, facts.marker_problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guard as first written, byte by byte, for the test below.
    fn byte_by_byte(text: &str, max: usize) -> Option<u32> {
        let bytes = text.as_bytes();
        let mut depth = 0usize;
        let mut line = 1u32;
        let mut quote: Option<u8> = None;
        let mut indents: Vec<usize> = vec![0];
        let mut at_line_start = true;
        let mut chain = 0usize;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if at_line_start && quote.is_none() && depth == 0 {
                let width = bytes[i..]
                    .iter()
                    .take_while(|c| **c == b' ' || **c == b'\t')
                    .map(|c| if *c == b'\t' { 8 } else { 1 })
                    .sum::<usize>();
                let rest = &bytes[i..];
                let content = rest.iter().position(|c| *c != b' ' && *c != b'\t');
                let blank = content.is_none_or(|p| matches!(rest[p], b'\n' | b'\r' | b'#'));
                if !blank {
                    while indents.last().is_some_and(|w| *w > width) {
                        indents.pop();
                    }
                    if indents.last().is_none_or(|w| *w < width) {
                        indents.push(width);
                    }
                    if indents.len() > max {
                        return Some(line);
                    }
                }
            }
            at_line_start = false;
            match (quote, b) {
                (_, b'\n') => {
                    line += 1;
                    at_line_start = true;
                }
                (Some(q), _) if b == q => quote = None,
                (Some(_), b'\\') => i += 1,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'#') => {
                    while i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                        i += 1;
                    }
                }
                (None, b'(' | b'[' | b'{') => {
                    depth += 1;
                    if depth > max {
                        return Some(line);
                    }
                }
                (None, b')' | b']' | b'}') => depth = depth.saturating_sub(1),
                (None, b',' | b':' | b';') => chain = 0,
                (
                    None,
                    b'+' | b'-' | b'*' | b'/' | b'%' | b'|' | b'&' | b'^' | b'@' | b'.' | b'<'
                    | b'>',
                ) => {
                    chain += 1;
                    if chain > MAX_CHAIN {
                        return Some(line);
                    }
                }
                _ => {}
            }
            if b == b'\n' && quote.is_none() && depth == 0 {
                chain = 0;
            }
            i += 1;
        }
        None
    }

    #[test]
    fn skipping_runs_finds_what_the_byte_by_byte_guard_found() {
        let pieces = [
            "def f(x):\n",
            "    ",
            "\t",
            "return ",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            "'",
            "\"",
            "\\",
            "# (((\n",
            "\n",
            "a.b",
            " + 1",
            ", ",
            ":",
            ";",
            "x = 1\n",
            "if y:\n",
            "        z\n",
            "\r\n",
            "-",
            "@d\n",
            "é",
            "\u{1F600}",
        ];
        // A deterministic walk over concatenations of the pieces (no randomness in tests).
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..4000 {
            let mut text = String::new();
            for _ in 0..(state % 60) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            for max in [1, 2, 3, 8] {
                assert_eq!(
                    too_deep(&text, max),
                    byte_by_byte(&text, max),
                    "{text:?} {max}"
                );
            }
            state = state.wrapping_add(0x2545_F491_4F6C_DD1D);
        }
    }

    #[test]
    fn lines_of_offsets() {
        let idx = LineIndex::new("a\nbc\n\nd", 0);
        assert_eq!(
            [0, 1, 2, 4, 5, 6].map(|o| idx.line_of(o)),
            [1, 1, 2, 2, 3, 4]
        );
        assert_eq!(idx.line_count(), 4);
    }

    #[test]
    fn deep_brackets_and_indentation_are_refused() {
        let deep = format!("x = {}1{}\n", "(".repeat(300), ")".repeat(300));
        assert_eq!(too_deep(&deep, 200), Some(1));
        let mut nested = String::new();
        for i in 0..300 {
            nested.push_str(&" ".repeat(i));
            nested.push_str("if x:\n");
        }
        assert!(too_deep(&nested, 200).is_some());
        assert_eq!(too_deep("def f():\n    return (1, [2])\n", 200), None);
        assert_eq!(too_deep("s = '(((('\n", 2), None);
        let sum = format!("x = 1{}\n", " + 1".repeat(20_000));
        assert_eq!(too_deep(&sum, 200), Some(1));
        let negatives = format!("x = [{}]\n", "-1, ".repeat(20_000));
        assert_eq!(too_deep(&negatives, 200), None);
    }
}
