//! Plain-text layout for human output: aligned columns, key/value blocks and wrapped prose.

use std::fmt::Write;

/// Text styling that is a no-op when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether to emit ANSI escapes.
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    /// Bold, for headings.
    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }

    /// Dimmed, for secondary text.
    pub fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }

    /// Green, for what passed.
    pub fn good(self, s: &str) -> String {
        self.paint("32", s)
    }

    /// Red, for what failed.
    pub fn bad(self, s: &str) -> String {
        self.paint("31", s)
    }

    /// A severity word in its colour.
    pub fn severity(self, s: genai_gate_policy::Severity) -> String {
        let code = match s {
            genai_gate_policy::Severity::Error => "31",
            genai_gate_policy::Severity::Warning => "33",
            genai_gate_policy::Severity::Note => "36",
        };
        self.paint(code, s.as_str())
    }
}

/// Display width of a string (characters; the packs' text is mostly Latin with a few symbols).
fn width(s: &str) -> usize {
    let mut w = 0;
    let mut in_escape = false;
    for ch in s.chars() {
        if in_escape {
            in_escape = ch != 'm';
        } else if ch == '\x1b' {
            in_escape = true;
        } else {
            w += 1;
        }
    }
    w
}

/// A table with a header row; every column but the last is padded to its widest cell.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headings.
    pub fn new(header: &[&str]) -> Table {
        Table {
            rows: vec![header.iter().map(|h| (*h).to_owned()).collect()],
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders with `indent` spaces before each line and two spaces between columns.
    pub fn render(&self, indent: usize, style: Style) -> String {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..cols)
            .map(|i| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| width(c))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for (n, row) in self.rows.iter().enumerate() {
            let mut line = " ".repeat(indent);
            for (i, cell) in row.iter().enumerate() {
                let cell = if n == 0 {
                    style.bold(cell)
                } else {
                    cell.clone()
                };
                line.push_str(&cell);
                if i + 1 < row.len() {
                    line.push_str(&" ".repeat(widths[i] - width(&cell) + 2));
                }
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        out
    }
}

/// Line width that key/value blocks and prose wrap at.
pub const MAX_WIDTH: usize = 100;

/// Key/value lines with the keys padded to the widest; values wrap at [`MAX_WIDTH`] with a
/// hanging indent, and multi-line values stay aligned.
pub fn fields(indent: usize, pairs: &[(&str, String)]) -> String {
    let kw = pairs.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
    let pad = indent + kw + 2;
    let mut out = String::new();
    for (k, v) in pairs {
        let mut first = true;
        for line in v.lines() {
            let wrapped = wrap(line, pad, MAX_WIDTH.max(pad + 20));
            for w in wrapped.lines() {
                let key = if first { *k } else { "" };
                first = false;
                let text = format!(
                    "{}{key:<kw$}  {}",
                    " ".repeat(indent),
                    &w[pad.min(w.len())..]
                );
                let _ = writeln!(out, "{}", text.trim_end());
            }
        }
        if first {
            let _ = writeln!(out, "{}{k}", " ".repeat(indent));
        }
    }
    out
}

/// Wraps prose to `max` columns, each line prefixed with `indent` spaces.
pub fn wrap(text: &str, indent: usize, max: usize) -> String {
    let mut out = String::new();
    for para in text.split("\n\n") {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && indent + width(&line) + 1 + width(word) > max {
                let _ = writeln!(out, "{}{line}", " ".repeat(indent));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            let _ = writeln!(out, "{}{line}", " ".repeat(indent));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_the_last_is_not_padded() {
        let mut t = Table::new(&["ID", "TITLE"]);
        t.row(vec!["a-long-id".into(), "x".into()]);
        t.row(vec!["b".into(), "y".into()]);
        assert_eq!(
            t.render(0, Style { color: false }),
            "ID         TITLE\na-long-id  x\nb          y\n"
        );
    }

    #[test]
    fn wrap_breaks_at_the_limit() {
        assert_eq!(wrap("aa bb cc", 2, 7), "  aa bb\n  cc\n");
    }

    #[test]
    fn fields_align_multi_line_values() {
        assert_eq!(
            fields(0, &[("a", "1\n2".into()), ("bbb", "3".into())]),
            "a    1\n     2\nbbb  3\n"
        );
    }
}
