//! Document evidence: headings and phrases of Markdown and text files.
//!
//! [`extract_doc`] records a document's headings with their lines and a lowercased copy of its
//! text; [`document_matches`] checks a pack's [`DocumentRule`] against it.
//!
//! - Headings are Markdown ATX headings (`## Complaints`, up to three spaces of indent, closing
//!   `#`s dropped) and setext headings (a line underlined with `===` or `---`), outside fenced
//!   code blocks and a leading `---` front-matter block. In `.adoc` files `== Title` lines are
//!   headings too, and in `.rst` files a line underlined with a repeated punctuation character
//!   at least as long as the title. A plain line ending with `:` is *not* a heading.
//! - Phrases and headings are compared case-insensitively with runs of whitespace collapsed to
//!   one space, so a phrase wrapped across two lines still matches. A required heading matches
//!   any heading that contains it (`Complaints` matches `Complaints and reports`).
//! - A rule's path globs match the root-relative, `/`-separated path, case-insensitively; `*`
//!   stays within a path segment and `**` crosses segments. So `docs/complaints*.md` means that
//!   file under `docs/` at the root, and `**/complaints*.md` matches it in any directory
//!   (including the root). Globs that do not compile never match.

use genai_gate_policy::DocumentRule;
use globset::{GlobBuilder, GlobSetBuilder};

/// What a document says, for rule checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocFacts {
    /// Path relative to the root, `/`-separated.
    pub rel: String,
    /// Headings in order: text (trimmed, markup removed) and 1-based line.
    pub headings: Vec<(String, u32)>,
    /// The whole text lowercased, with runs of whitespace collapsed to one space.
    pub lower: String,
}

/// How a document that a rule applies to measures up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocMatch {
    /// The line of the earliest matched required heading, or 1.
    pub line: u32,
    /// Required headings not found, then required phrases not found, as written in the rule.
    pub missing: Vec<String>,
}

impl DocMatch {
    /// Whether the document has everything the rule asks for.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// A document rule's path glob as rules match it: case-insensitive, `*` within a segment.
fn doc_glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(true)
        .build()
}

/// Which paths some document rule may name, decided before a file is read, without compiling
/// the rules' globs: each glob is widened to one whose `*` also crosses `/` (`**/` may match
/// nothing, `/**` anything), compared case-insensitively. Every path a rule matches is
/// accepted; a few more may be (`legal/*.md` accepts `legal/old/x.md`), which are then read
/// and matched for real. A glob with `?`, `[…]`, `{…}` or an escape, or a path or glob that
/// is not ASCII, accepts everything.
#[derive(Debug, Clone)]
pub(crate) struct DocPaths {
    /// `None`: every path.
    globs: Option<Vec<genai_gate_policy::pattern::Glob>>,
}

impl DocPaths {
    /// The paths the rules may name.
    pub(crate) fn of<'a>(rules: impl IntoIterator<Item = &'a DocumentRule>) -> Self {
        let mut globs = Vec::new();
        for p in rules.into_iter().flat_map(|r| r.paths.iter()) {
            if !p.is_ascii() || p.contains(['?', '[', ']', '{', '}', '\\']) {
                return DocPaths { globs: None };
            }
            let mut wide = p.to_ascii_lowercase();
            if let Some(rest) = wide.strip_suffix("/**") {
                wide = format!("{rest}*");
            }
            let wide = wide.replace("**/", "*").replace("**", "*");
            globs.push(genai_gate_policy::pattern::Glob::new(&wide, ""));
        }
        DocPaths { globs: Some(globs) }
    }

    /// Whether a rule may name `rel`.
    pub(crate) fn may_name(&self, rel: &str) -> bool {
        let Some(globs) = &self.globs else {
            return true;
        };
        if !rel.is_ascii() {
            return true;
        }
        let rel = rel.to_ascii_lowercase();
        globs.iter().any(|g| g.matches(&rel))
    }
}

/// Reads a document's headings and text. `rel` decides the dialect (`.adoc`, `.rst`, or
/// Markdown for everything else).
///
/// ```
/// use genai_gate_policy::DocumentRule;
/// use genai_gate_scan::frontend::docs::{document_matches, extract_doc};
///
/// let doc = extract_doc("docs/complaints.md", "# Complaints\n\nEmail us: we reply within\n15 working days.\n");
/// assert_eq!(doc.headings, [("Complaints".to_owned(), 1)]);
///
/// let rule = DocumentRule {
///     paths: vec!["**/complaints*.md".into()],
///     headings: vec!["complaints".into(), "Appeals".into()],
///     phrases: vec!["within 15 working days".into()],
/// };
/// let m = document_matches(&rule, &doc).unwrap();
/// assert_eq!(m.line, 1);
/// assert_eq!(m.missing, ["Appeals"]);
///
/// let elsewhere = extract_doc("README.md", "# Complaints\n");
/// assert!(document_matches(&rule, &elsewhere).is_none());
/// ```
pub fn extract_doc(rel: &str, text: &str) -> DocFacts {
    let lower_name = rel.to_ascii_lowercase();
    let dialect = if lower_name.ends_with(".adoc") {
        Dialect::AsciiDoc
    } else if lower_name.ends_with(".rst") {
        Dialect::Rst
    } else {
        Dialect::Markdown
    };
    DocFacts {
        rel: rel.to_owned(),
        headings: headings(text, dialect),
        lower: collapse(&text.to_lowercase()),
    }
}

/// Checks `doc` against `rule`: `None` when no path glob matches the document's path,
/// otherwise what is missing and where the document's matched headings start. To check many
/// documents against one rule, compile it once with [`CompiledDocumentRule::new`].
pub fn document_matches(rule: &DocumentRule, doc: &DocFacts) -> Option<DocMatch> {
    CompiledDocumentRule::new(rule).matches(doc)
}

/// A [`DocumentRule`] with its path globs compiled and its headings and phrases normalised.
///
/// ```
/// use genai_gate_policy::DocumentRule;
/// use genai_gate_scan::frontend::docs::{CompiledDocumentRule, extract_doc};
///
/// let rule = DocumentRule {
///     paths: vec!["**/complaints*.md".into()],
///     headings: vec!["Complaints".into()],
///     phrases: vec![],
/// };
/// let compiled = CompiledDocumentRule::new(&rule);
/// let doc = extract_doc("docs/complaints.md", "# Complaints\n");
/// assert!(compiled.matches(&doc).is_some_and(|m| m.is_complete()));
/// ```
#[derive(Debug, Clone)]
pub struct CompiledDocumentRule {
    globs: Option<globset::GlobSet>,
    /// `(as written, normalised)`.
    headings: Vec<(String, String)>,
    phrases: Vec<(String, String)>,
}

impl CompiledDocumentRule {
    /// Compiles `rule`; a path glob that does not compile matches nothing (packs are
    /// validated before a scan, so this only happens for rules built in code).
    pub fn new(rule: &DocumentRule) -> Self {
        let mut globs = GlobSetBuilder::new();
        for p in &rule.paths {
            if let Ok(g) = doc_glob(p) {
                globs.add(g);
            }
        }
        let norm = |v: &[String]| {
            v.iter()
                .map(|w| (w.clone(), collapse(&w.to_lowercase())))
                .collect()
        };
        CompiledDocumentRule {
            globs: globs.build().ok(),
            headings: norm(&rule.headings),
            phrases: norm(&rule.phrases),
        }
    }

    /// See [`document_matches`].
    pub fn matches(&self, doc: &DocFacts) -> Option<DocMatch> {
        if !self.globs.as_ref()?.is_match(&doc.rel) {
            return None;
        }
        let heading_texts: Vec<(String, u32)> = doc
            .headings
            .iter()
            .map(|(h, l)| (collapse(&h.to_lowercase()), *l))
            .collect();
        let mut missing = Vec::new();
        let mut line: Option<u32> = None;
        for (want, needle) in &self.headings {
            match heading_texts
                .iter()
                .find(|(h, _)| h.contains(needle.as_str()))
            {
                Some((_, l)) => line = Some(line.map_or(*l, |best| best.min(*l))),
                None => missing.push(want.clone()),
            }
        }
        for (phrase, needle) in &self.phrases {
            if !doc.lower.contains(needle.as_str()) {
                missing.push(phrase.clone());
            }
        }
        Some(DocMatch {
            line: line.unwrap_or(1),
            missing,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Markdown,
    AsciiDoc,
    Rst,
}

/// Collapses whitespace runs to one space and trims.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn headings(text: &str, dialect: Dialect) -> Vec<(String, u32)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    let mut start = 0;
    if dialect == Dialect::Markdown && lines.first().is_some_and(|l| l.trim_end() == "---") {
        // Front matter: skip to its closing line (if none, it was a rule, not front matter).
        if let Some(end) = lines
            .iter()
            .skip(1)
            .position(|l| matches!(l.trim_end(), "---" | "..."))
        {
            start = end + 2;
        }
    }
    let mut prev_plain: Option<(String, usize)> = None;
    for (i, raw) in lines.iter().enumerate().skip(start) {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let body = raw.trim();
        if dialect == Dialect::Markdown {
            if let Some((c, n)) = fence {
                if indent <= 3 && body.chars().all(|x| x == c) && body.len() >= n {
                    fence = None;
                }
                continue;
            }
            if indent <= 3
                && let Some(open) = fence_open(body)
            {
                fence = Some(open);
                prev_plain = None;
                continue;
            }
        }
        // Setext / rst underline of the previous plain line.
        if let Some((title, title_line)) = prev_plain.take()
            && is_underline(body, indent, dialect, title.chars().count())
        {
            out.push((title, u32::try_from(title_line).unwrap_or(u32::MAX)));
            continue;
        }
        if body.is_empty() {
            continue;
        }
        let atx = match dialect {
            Dialect::Markdown if indent <= 3 => prefixed_heading(body, '#'),
            Dialect::AsciiDoc => {
                prefixed_heading(body, '=').or_else(|| prefixed_heading(body, '#'))
            }
            _ => None,
        };
        if let Some(title) = atx {
            out.push((title, line_no));
            continue;
        }
        if indent <= 3 && !is_list_or_quote(body) {
            prev_plain = Some((body.to_owned(), i + 1));
        }
    }
    out
}

/// `###### Title ##` → `Title` for `marker` `#` (or `=` in AsciiDoc); at most six markers.
fn prefixed_heading(body: &str, marker: char) -> Option<String> {
    let level = body.chars().take_while(|c| *c == marker).count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &body[level..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let mut title = rest.trim();
    let stripped = title.trim_end_matches(marker);
    if stripped.is_empty() || stripped.ends_with([' ', '\t']) {
        title = stripped.trim_end();
    }
    (!title.is_empty()).then(|| title.to_owned())
}

/// An opening code fence: its character and length.
fn fence_open(body: &str) -> Option<(char, usize)> {
    let c = body.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = body.chars().take_while(|x| *x == c).count();
    (n >= 3 && !(c == '`' && body[n..].contains('`'))).then_some((c, n))
}

fn is_underline(body: &str, indent: usize, dialect: Dialect, title_len: usize) -> bool {
    let Some(c) = body.chars().next() else {
        return false;
    };
    if !body.chars().all(|x| x == c) {
        return false;
    }
    match dialect {
        Dialect::Markdown => indent <= 3 && (c == '=' || c == '-'),
        Dialect::Rst => "=-~^\"'`*+#:.<>_".contains(c) && body.chars().count() >= title_len,
        Dialect::AsciiDoc => false,
    }
}

fn is_list_or_quote(body: &str) -> bool {
    body.starts_with("- ")
        || body.starts_with("* ")
        || body.starts_with("+ ")
        || body.starts_with('>')
        || body.starts_with('|')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_paths_accept_every_path_a_rule_matches() {
        let globs = [
            "docs/complaints*.md",
            "**/complaints*.md",
            "COMPLAINTS*.md",
            "docs/**/complaint*.md",
            "legal/*.md",
            "docs/**",
        ];
        let rule = DocumentRule {
            paths: globs.iter().map(|g| (*g).to_owned()).collect(),
            headings: vec![],
            phrases: vec![],
        };
        let exact = CompiledDocumentRule::new(&rule);
        let wide = DocPaths::of([&rule]);
        let paths = [
            "docs/complaints.md",
            "docs/Complaints-Policy.MD",
            "complaints.md",
            "svc/docs/complaints.md",
            "COMPLAINTS.md",
            "complaints_zh.md",
            "docs/a/b/complaint.md",
            "docs/complaint.md",
            "legal/terms.md",
            "legal/old/terms.md",
            "docs/guide.txt",
            "README.md",
            "assets/vocab.txt",
            "src/complaints.rs",
        ];
        for p in paths {
            let doc = extract_doc(p, "# x\n");
            if exact.matches(&doc).is_some() {
                assert!(wide.may_name(p), "{p}");
            }
        }
        assert!(!wide.may_name("README.md"));
        assert!(!wide.may_name("assets/vocab.txt"));
        // What the widening cannot follow accepts everything.
        for odd in [
            "docs/complaint?.md",
            "docs/{a,b}.md",
            "docs/[ab].md",
            "文档/*.md",
        ] {
            let rule = DocumentRule {
                paths: vec![odd.to_owned()],
                headings: vec![],
                phrases: vec![],
            };
            assert!(DocPaths::of([&rule]).may_name("README.md"), "{odd}");
        }
        assert!(wide.may_name("docs/投诉.md"));
    }

    fn heads(rel: &str, text: &str) -> Vec<(String, u32)> {
        extract_doc(rel, text).headings
    }

    fn h(pairs: &[(&str, u32)]) -> Vec<(String, u32)> {
        pairs.iter().map(|(t, l)| (t.to_string(), *l)).collect()
    }

    fn rule(paths: &[&str], headings: &[&str], phrases: &[&str]) -> DocumentRule {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        DocumentRule {
            paths: v(paths),
            headings: v(headings),
            phrases: v(phrases),
        }
    }

    #[test]
    fn markdown_atx_and_setext_headings() {
        let text = "---\ntitle: Policy\n---\n# Privacy Policy #\n\nIntro text:\n\nComplaints and Reports\n======================\n\n  ## 投诉与举报\n\n#hashtag not a heading\n    # indented code\n\n```md\n# not a heading\nfoo\n---\n```\nUser rights\n-----------\n####### too deep\n- list item\n---\n";
        assert_eq!(
            heads("PRIVACY.md", text),
            h(&[
                ("Privacy Policy", 4),
                ("Complaints and Reports", 8),
                ("投诉与举报", 11),
                ("User rights", 21)
            ])
        );
    }

    #[test]
    fn asciidoc_and_rst_headings() {
        assert_eq!(
            heads("docs/a.adoc", "= Service Terms\n\n== Complaints\ntext:\n"),
            h(&[("Service Terms", 1), ("Complaints", 3)])
        );
        assert_eq!(
            heads(
                "docs/a.rst",
                "Terms\n=====\n\nShort\n==\n\nAppeals\n~~~~~~~\n"
            ),
            h(&[("Terms", 1), ("Appeals", 7)])
        );
    }

    #[test]
    fn text_lines_ending_with_a_colon_are_not_headings() {
        assert!(heads("NOTICE.txt", "Complaints:\ncall us.\nAppeals:\n").is_empty());
    }

    #[test]
    fn rule_paths_are_relative_and_case_insensitive() {
        let doc = extract_doc("docs/Complaints-Policy.MD", "# Complaints\n");
        assert!(document_matches(&rule(&["docs/complaints*.md"], &[], &[]), &doc).is_some());
        assert!(document_matches(&rule(&["**/complaints*.md"], &[], &[]), &doc).is_some());
        assert!(document_matches(&rule(&["complaints*.md"], &[], &[]), &doc).is_none());
        assert!(document_matches(&rule(&["*.md"], &[], &[]), &doc).is_none());
        assert!(document_matches(&rule(&["[bad"], &[], &[]), &doc).is_none());
        let root = extract_doc("complaints.md", "");
        assert!(document_matches(&rule(&["**/complaints*.md"], &[], &[]), &root).is_some());
    }

    #[test]
    fn missing_headings_and_phrases_are_listed_in_rule_order() {
        let doc = extract_doc(
            "docs/complaints.md",
            "Intro\n\n## How to Complain\n\nWe   respond WITHIN\n15 working days.\n\n# Complaints and Appeals\n",
        );
        let m = document_matches(
            &rule(
                &["docs/*.md"],
                &["complaints", "Data deletion", "how to complain"],
                &["within 15 working days", "举报电话", "respond"],
            ),
            &doc,
        )
        .unwrap();
        assert_eq!(m.line, 3);
        assert_eq!(m.missing, ["Data deletion", "举报电话"]);
        assert!(!m.is_complete());

        let full = document_matches(&rule(&["docs/*.md"], &[], &["we respond"]), &doc).unwrap();
        assert_eq!(
            full,
            DocMatch {
                line: 1,
                missing: vec![]
            }
        );
        assert!(full.is_complete());
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "",
            "#",
            "===",
            "---",
            "\n\n---\n",
            "```",
            "~~~~\n",
            "# \u{0301}",
            "é\n=",
            "\r\n# a\r\n",
        ] {
            for rel in ["a.md", "a.rst", "a.adoc", "a.txt"] {
                let doc = extract_doc(rel, text);
                let _ = document_matches(&rule(&["**"], &["a"], &["b"]), &doc);
            }
        }
        assert_eq!(heads("a.md", "\r\n# a\r\n"), h(&[("a", 2)]));
    }
}
