//! Rendering of policy and profile diagnostics through miette: the one place where a
//! [`genai_gate_policy::Diagnostic`] becomes a snippet with a labelled span and help.
//!
//! With colour off the style is fixed (unicode without colour, a fixed width) so that
//! snapshots are identical on every machine.

use std::fmt;
use std::sync::Arc;

use genai_gate_policy::{Diagnostic, SourceFile};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::Globals;
use crate::render::neutral::{block, line, log_lines};

/// Width of rendered diagnostics; fixed so output does not depend on the terminal.
const WIDTH: usize = 100;

/// Loading failed: every diagnostic, with the sources needed to show snippets.
#[derive(Debug)]
pub struct LoadFailure {
    /// The problems.
    pub diagnostics: Vec<Diagnostic>,
    /// Sources the diagnostics may refer to by name.
    pub sources: Vec<SourceFile>,
}

impl LoadFailure {
    /// Diagnostics and their sources.
    pub fn new(diagnostics: Vec<Diagnostic>, sources: Vec<SourceFile>) -> LoadFailure {
        LoadFailure {
            diagnostics,
            sources,
        }
    }

    /// A problem that has no file, such as an unknown id on the command line.
    pub fn message(message: impl Into<String>, help: Option<String>) -> LoadFailure {
        let d = Diagnostic {
            file: String::new(),
            span: None,
            line: None,
            message: message.into(),
            help,
        };
        LoadFailure {
            diagnostics: vec![d],
            sources: Vec::new(),
        }
    }
}

impl fmt::Display for LoadFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.diagnostics.as_slice() {
            [one] => write!(f, "{one}"),
            many => write!(f, "{} problems in policy or profile files", many.len()),
        }
    }
}

impl std::error::Error for LoadFailure {}

/// A diagnostic in miette's terms.
#[derive(Debug)]
struct Rendered {
    message: String,
    help: Option<String>,
    source: Option<NamedSource<Arc<str>>>,
    label: Option<LabeledSpan>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// A short label for the span, derived from the message.
fn label_for(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return format!("unknown key `{name}`");
    }
    if message.starts_with("missing field") {
        return "in this table".into();
    }
    if let Some(rest) = message.strip_prefix("unknown ")
        && let Some((what, _)) = rest.split_once(" `")
    {
        return format!("not a known {what}");
    }
    let patterns = [
        ("names no article", "not in the `[[article]]` list"),
        ("defined twice", "defined again here"),
        ("amends unknown control", "no such control in the base pack"),
        ("lowers its severity", "severity lowered here"),
        ("loosens", "loosened here"),
        ("has no `", "incomplete waiver"),
        ("is listed twice", "listed again here"),
    ];
    patterns
        .iter()
        .find(|(p, _)| message.contains(p))
        .map_or_else(|| "here".into(), |(_, l)| (*l).into())
}

/// A diagnostic for miette. Profiles and packs may come from the scanned tree, so their
/// text, names and the messages quoting them are neutralised (see
/// [`crate::render::neutral`]); a span is moved to the same line of the neutralised text.
fn to_miette(d: &Diagnostic, sources: &[SourceFile]) -> Rendered {
    let source = sources.iter().find(|s| s.name == d.file);
    let help = d.help.as_deref().map(line);
    match (&d.span, source) {
        (Some(span), Some(src)) => {
            let start = span.start.min(src.text.len());
            let end = span.end.clamp(start, src.text.len());
            let (text, start, end) = neutral_span(&src.text, start, end);
            let span: SourceSpan = (start, end - start).into();
            Rendered {
                message: line(&d.message),
                help,
                source: Some(NamedSource::new(line(&src.name), Arc::from(text))),
                label: Some(LabeledSpan::new_with_span(
                    Some(label_for(&d.message)),
                    span,
                )),
            }
        }
        _ => {
            let message = match (d.file.is_empty(), d.line) {
                (true, _) => d.message.clone(),
                (false, Some(at)) => format!("{}:{at}: {}", d.file, d.message),
                (false, None) => format!("{}: {}", d.file, d.message),
            };
            Rendered {
                message: line(&message),
                help,
                source: None,
                label: None,
            }
        }
    }
}

/// The neutralised text and the span `start..end` moved into it (the text before, inside and
/// after the span is neutralised apart, so the span keeps its place).
fn neutral_span(text: &str, start: usize, end: usize) -> (String, usize, usize) {
    let (start, end) = (floor(text, start), floor(text, end));
    let before = block(&text[..start]);
    let inside = block(&text[start..end]);
    let after = block(&text[end..]);
    let (s, e) = (before.len(), before.len() + inside.len());
    (before + &inside + &after, s, e)
}

/// The largest char boundary at or below `i`.
fn floor(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
}

/// Renders diagnostics to a string, one report each, in the order given.
pub fn render(diagnostics: &[Diagnostic], sources: &[SourceFile], color: bool) -> String {
    let handler = handler(color);
    let mut out = String::new();
    for d in diagnostics {
        let r = to_miette(d, sources);
        if handler.render_report(&mut out, &r).is_err() {
            out.push_str(&format!("error: {d}\n"));
        }
        out.push('\n');
    }
    log_lines(&out)
}

/// Prints a command's error to stderr: load failures with every snippet, anything else as one
/// report with its cause chain.
pub fn report_error(err: &anyhow::Error, globals: &Globals) {
    let text = match err.downcast_ref::<LoadFailure>() {
        Some(f) => {
            let mut text = render(&f.diagnostics, &f.sources, globals.color_stderr);
            if f.diagnostics.len() > 1 {
                text.push_str(&format!("error: {} problems found\n", f.diagnostics.len()));
            }
            text
        }
        None => {
            let d = Diagnostic {
                file: String::new(),
                span: None,
                line: None,
                message: format!("{err:#}"),
                help: None,
            };
            render(&[d], &[], globals.color_stderr)
        }
    };
    eprint!("{text}");
}
