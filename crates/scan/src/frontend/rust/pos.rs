//! The one conversion from proc-macro2 line/column to [`Pos`] (line + byte offset).
//!
//! proc-macro2 reports 1-based lines and 0-based columns counted in `char`s; the facts use
//! byte offsets into the original file. A line-start table built once per file makes each
//! conversion a slice lookup (plus a char walk only on non-ASCII lines).

use proc_macro2::{LineColumn, Span};

use crate::facts::Pos;

/// Line-start table of one file.
pub(crate) struct LineIndex<'t> {
    text: &'t str,
    /// Byte offset where each line starts; `starts[0]` is line 1.
    starts: Vec<u32>,
}

impl<'t> LineIndex<'t> {
    /// Index `text` (the whole original file). `first_line_start` is where the parsed
    /// text begins on line 1 (after a BOM or a stripped shebang), so that proc-macro2's
    /// line-1 columns land on the right bytes.
    pub(crate) fn new(text: &'t str, first_line_start: usize) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(first_line_start as u32);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
        LineIndex { text, starts }
    }

    /// Number of lines in the file (a trailing newline does not open a new line).
    pub(crate) fn line_count(&self) -> u32 {
        let n = self.starts.len() as u32;
        if self.text.is_empty() {
            0
        } else if self.text.ends_with('\n') {
            n - 1
        } else {
            n
        }
    }

    /// Text of a 1-based line, without its newline (empty when out of range).
    pub(crate) fn line_text(&self, line: u32) -> &'t str {
        let Some(&start) = self.starts.get(line.wrapping_sub(1) as usize) else {
            return "";
        };
        let end = self
            .starts
            .get(line as usize)
            .map_or(self.text.len(), |&e| e as usize - 1);
        self.text.get(start as usize..end).unwrap_or("")
    }

    /// Convert a proc-macro2 line/column.
    pub(crate) fn pos(&self, lc: LineColumn) -> Pos {
        let line = lc.line.max(1);
        let Some(&start) = self.starts.get(line - 1) else {
            return Pos {
                line: line as u32,
                offset: self.text.len() as u32,
            };
        };
        let rest = self.text.get(start as usize..).unwrap_or("");
        let prefix = rest.as_bytes().get(..lc.column);
        let offset = match prefix {
            Some(p) if p.is_ascii() => lc.column,
            _ => rest
                .char_indices()
                .nth(lc.column)
                .map_or(rest.len(), |(i, _)| i),
        };
        Pos {
            line: line as u32,
            offset: start + offset as u32,
        }
    }

    /// Position of the start of a span.
    pub(crate) fn at(&self, span: Span) -> Pos {
        self.pos(span.start())
    }

    /// Line of the end of a span.
    pub(crate) fn end_line(&self, span: Span) -> u32 {
        span.end().line as u32
    }
}
