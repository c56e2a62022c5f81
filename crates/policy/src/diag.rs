//! Load and validation diagnostics: plain data, rendered by the caller.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// A source file that was loaded: its display name and text.
///
/// Diagnostics refer to sources by name; a renderer looks the text up here to show snippets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Display name: a path relative to where the user ran, or `<embedded>/…` for shipped packs.
    pub name: String,
    /// The full text.
    pub text: Arc<str>,
}

impl SourceFile {
    /// A source from a name and text.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The 1-based line of a byte offset.
    ///
    /// ```
    /// use genai_gate_policy::SourceFile;
    /// let s = SourceFile::new("a.toml", "a = 1\nb = 2\n");
    /// assert_eq!(s.line_of(6), 2);
    /// ```
    pub fn line_of(&self, offset: usize) -> usize {
        line_of(&self.text, offset)
    }
}

/// The 1-based line of a byte offset in `text` (offsets past the end count as the last line).
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// One problem in a pack, catalogue or profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The file's display name (see [`SourceFile::name`]).
    pub file: String,
    /// Byte range in the file, when the problem has a place.
    pub span: Option<Range<usize>>,
    /// 1-based line of the span's start.
    pub line: Option<usize>,
    /// What is wrong: lowercase, no trailing period.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// Every problem found while loading one or more files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in policy or profile files", diagnostics.len())]
pub struct LoadError {
    /// The problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Collects diagnostics for one source file.
#[derive(Debug)]
pub(crate) struct Collector<'a> {
    pub(crate) source: &'a SourceFile,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Byte offsets where lines start: a location's line by binary search, not by counting
    /// from the start for each (40,000 waivers took a minute).
    line_starts: Vec<usize>,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(source: &'a SourceFile) -> Self {
        let line_starts = std::iter::once(0)
            .chain(source.text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Collector {
            source,
            diagnostics: Vec::new(),
            line_starts,
        }
    }

    /// The 1-based line of a byte offset, as [`line_of`] gives it.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|s| *s <= offset.min(self.source.text.len()))
    }

    pub(crate) fn error(
        &mut self,
        span: Option<Range<usize>>,
        message: String,
        help: Option<String>,
    ) {
        let line = span.as_ref().map(|s| self.line(s.start));
        self.diagnostics.push(Diagnostic {
            file: self.source.name.clone(),
            span,
            line,
            message,
            help,
        });
    }

    pub(crate) fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.error(Some(span), message.into(), None);
    }

    pub(crate) fn at_help(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.error(Some(span), message.into(), Some(help.into()));
    }

    pub(crate) fn finish<T>(self, value: T) -> Result<T, LoadError> {
        if self.diagnostics.is_empty() {
            Ok(value)
        } else {
            Err(LoadError {
                diagnostics: self.diagnostics,
            })
        }
    }
}

/// Turns a TOML parse or shape error into a diagnostic, adding a "did you mean" for unknown keys.
pub(crate) fn from_toml_error(source: &SourceFile, err: &toml::de::Error) -> Diagnostic {
    let span = err.span();
    let message = err.message().trim().to_owned();
    let help = unknown_field_help(&message);
    let first_line = message
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_owned();
    let message = match first_line.chars().next() {
        Some(c) if c.is_uppercase() => {
            let mut m = c.to_lowercase().collect::<String>();
            m.push_str(&first_line[c.len_utf8()..]);
            m
        }
        _ => first_line,
    };
    Diagnostic {
        file: source.name.clone(),
        line: span.as_ref().map(|s| source.line_of(s.start)),
        span,
        message,
        help,
    }
}

/// serde says "unknown field `sevrity`, expected one of `a`, `b`": suggest the closest.
fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (name, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    match crate::suggest::did_you_mean(name, expected.iter().copied()) {
        Some(s) => Some(format!("did you mean `{s}`?")),
        None if !expected.is_empty() => Some(format!("expected one of: {}", expected.join(", "))),
        None => None,
    }
}
