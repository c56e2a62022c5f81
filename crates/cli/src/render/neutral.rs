//! Scanned text made harmless before any renderer prints it.
//!
//! Every string that comes from the scanned tree — file names, routes, handler paths, waiver
//! reasons, suppression reasons, pack titles, source lines in snippets — is written by the
//! author of the change. Printed as is, it could inject workflow commands into a CI log
//! (a line starting with `::error`, `::stop-commands::`, `##[…]`, or a bare CR, which the
//! GitHub runner reads as a line break), move the cursor or recolour a terminal (ESC
//! sequences), reorder what a reviewer reads (bidirectional overrides), make an XML report
//! ill-formed (U+FFFE) or become live Markdown and HTML in a job summary.
//!
//! [`line()`] is the one neutralising function: every renderer (human, GitHub, Markdown,
//! JUnit, SARIF) passes scanned text through it, then applies its own format's escaping
//! ([`markdown`], [`code_span`], [`uri`]). [`block()`] is the same for multi-line source
//! snippets, and [`log_lines`] is a last guard over a whole human report.

use std::fmt::Write as _;

/// Whether a character is shown as an escape: control characters (C0 but tab, DEL, C1),
/// line and paragraph separators, bidirectional controls, and the non-characters XML 1.0
/// forbids.
fn hidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{a}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{fffe}' | '\u{ffff}')
}

/// Scanned text for one line of output: control characters, ESC sequences, CR and LF,
/// bidirectional controls and XML-forbidden characters become visible escapes (`\n`,
/// `\u{1b}`), and a `::` or `##[` at the start of a word (where a wrapped line could begin)
/// gets a backslash, so no part of it can start a workflow command.
///
/// ```text
/// line("a\r::error::x")  ==  "a\\r\\::error::x"
/// ```
pub fn line(s: &str) -> String {
    neutralise(s, false)
}

/// [`line()`] for multi-line text (source snippets): line feeds are kept, everything else is
/// neutralised the same way.
pub fn block(s: &str) -> String {
    neutralise(s, true)
}

fn neutralise(s: &str, keep_newlines: bool) -> String {
    let clean = !s.chars().any(hidden) && !s.contains("::") && !s.contains("##[");
    if clean {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut word_start = true;
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if word_start && (rest.starts_with("::") || rest.starts_with("##[")) {
            out.push('\\');
        }
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
        word_start = c.is_whitespace() || hidden(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A last guard over a whole human report: a line that would start a workflow command
/// (after leading white space, as the runner trims it) gets a backslash. Scanned text is
/// neutralised already; this catches what a renderer wrapped onto a new line.
pub fn log_lines(text: &str) -> String {
    if !text.contains("::") && !text.contains("##[") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for l in text.split_inclusive('\n') {
        let body = l.trim_start();
        // Colour codes may precede the text: look past them.
        let visible = strip_sgr(body);
        if visible.starts_with("::") || visible.starts_with("##[") {
            out.push_str(&l[..l.len() - body.len()]);
            out.push('\\');
            out.push_str(body);
        } else {
            out.push_str(l);
        }
    }
    out
}

/// `s` without leading SGR colour sequences (`ESC [ … m`), which this tool writes itself.
fn strip_sgr(mut s: &str) -> &str {
    while let Some(rest) = s.strip_prefix("\u{1b}[") {
        match rest.find('m') {
            Some(i) => s = rest[i + 1..].trim_start(),
            None => break,
        }
    }
    s
}

/// Scanned text as Markdown and HTML text: [`line()`], then HTML's `&`, `<`, `>` as entities
/// (no tag can open: `<img>`, `<details>`, `<h2>`) and Markdown's active punctuation
/// backslash-escaped (no code span, emphasis, link, image, strikethrough or table cell can
/// open or close).
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in line(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' | '#' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A finding's message as Markdown: genai-gate writes code-like parts between backticks, so
/// with an even number of backticks the parts alternate between text ([`markdown`]) and code
/// ([`code_span`]); otherwise it is all text. Either way every part is escaped: a backtick in
/// scanned text can misplace the formatting, never open markup.
pub fn markdown_message(s: &str) -> String {
    if !s.matches('`').count().is_multiple_of(2) {
        return markdown(s);
    }
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 0 {
                markdown(part)
            } else {
                code_span(part)
            }
        })
        .collect()
}

/// Scanned text as an inline Markdown code span: [`line()`], fenced with one more backtick than
/// the longest run inside (so a backtick cannot close it), padded when it starts or ends with
/// a backtick, and `|` escaped for table cells (GitHub reads `\|` inside a code span in a
/// table as a pipe). HTML is not interpreted inside a code span.
pub fn code_span(s: &str) -> String {
    let text = line(s).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A root-relative path as a URI reference (RFC 3986): every byte but the unreserved
/// characters and `/` percent-encoded, so a file named `%2e%2e%2fetc%2fpasswd.rs` stays that
/// file and never decodes to a path outside the root.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Whether `path` is a plain path inside the scanned root: relative, `/`-separated, with no
/// `..`, `.` or empty segment and no drive or scheme.
pub fn is_root_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains(':')
        && path.split('/').all(|seg| !matches!(seg, "" | "." | ".."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_cannot_start_a_line() {
        assert_eq!(line("a\r::error::x"), "a\\r\\::error::x");
        assert_eq!(line("ok\n::stop-commands::t"), "ok\\n\\::stop-commands::t");
        assert_eq!(line("::add-mask::x"), "\\::add-mask::x");
        assert_eq!(line("a ##[error]b"), "a \\##[error]b");
        // Rust paths keep their `::`.
        assert_eq!(line("svc::api::chat"), "svc::api::chat");
        assert_eq!(line("\u{1b}[2J\u{1b}]8;;x"), "\\u{1b}[2J\\u{1b}]8;;x");
        assert_eq!(line("a\u{202e}b\u{fffe}"), "a\\u{202e}b\\u{fffe}");
        assert_eq!(block("a\n  ::error::x\r"), "a\n  \\::error::x\\r");
        assert_eq!(
            log_lines("ok\n   ::error::x\n\u{1b}[1m::warning::y\u{1b}[0m\n"),
            "ok\n   \\::error::x\n\\\u{1b}[1m::warning::y\u{1b}[0m\n"
        );
        assert_eq!(line("plain text"), "plain text");
    }

    #[test]
    fn markdown_and_html_stay_text() {
        assert_eq!(
            markdown("<h2>x</h2> `a` *b* [c](d) ![i](j) a|b"),
            "&lt;h2&gt;x&lt;/h2&gt; \\`a\\` \\*b\\* \\[c\\](d) \\!\\[i\\](j) a\\|b"
        );
        assert_eq!(code_span("/v1/chat"), "`/v1/chat`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("a|b"), "`a\\|b`");
        assert_eq!(
            markdown_message("output of `chat().create` at <x>"),
            "output of `chat().create` at &lt;x&gt;"
        );
        assert_eq!(markdown_message("a `b` `c"), "a \\`b\\` \\`c");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("src/main.rs"), "src/main.rs");
        assert_eq!(
            uri("%2e%2e%2fetc%2fpasswd.rs"),
            "%252e%252e%252fetc%252fpasswd.rs"
        );
        assert_eq!(uri("src/生.rs"), "src/%E7%94%9F.rs");
        assert_eq!(uri("a b#c?.rs"), "a%20b%23c%3F.rs");
        assert!(is_root_relative("src/a.rs"));
        for bad in ["", "/etc/passwd", "../x.toml", "a/../../b", "C:/x", "a//b"] {
            assert!(!is_root_relative(bad), "{bad}");
        }
    }
}
