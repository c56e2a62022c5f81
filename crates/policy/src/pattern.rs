//! Wildcard name patterns shared by detector catalogues and config predicates.

/// Matches `text` against `pattern`, where `*` matches any run of characters and a leading
/// `*` followed by `sep` may also match nothing.
///
/// ```
/// use genai_gate_policy::pattern::wildcard_match;
/// assert!(wildcard_match("*::text_moderation", "green::Client::text_moderation", "::"));
/// assert!(wildcard_match("*::text_moderation", "text_moderation", "::"));
/// assert!(!wildcard_match("*::text_moderation", "text_moderation_v2", "::"));
/// assert!(wildcard_match("*.retention_days", "retention_days", "."));
/// ```
pub fn wildcard_match(pattern: &str, text: &str, sep: &str) -> bool {
    Glob::new(pattern, sep).matches(text)
}

/// A `*`-only glob compiled once and matched without allocating or backtracking.
///
/// Same semantics as [`wildcard_match`]: `*` matches any run of characters, and a pattern
/// starting with `*` and the separator also matches the text without that prefix.
///
/// ```
/// use genai_gate_policy::pattern::Glob;
/// let g = Glob::new("*::text_moderation", "::");
/// assert!(g.matches("green::Client::text_moderation"));
/// assert!(g.matches("text_moderation"));
/// assert!(!g.matches("text_moderation_v2"));
/// assert_eq!(g.literal(), Some("text_moderation"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    source: String,
    parts: Vec<String>,
    bare: Option<Box<Glob>>,
}

impl Glob {
    /// Compiles `pattern`; `sep` is the separator of the leading-`*` rule (`::` or `.`).
    pub fn new(pattern: &str, sep: &str) -> Glob {
        let bare = pattern
            .strip_prefix('*')
            .and_then(|p| p.strip_prefix(sep))
            .filter(|_| !sep.is_empty())
            .map(|rest| Box::new(Glob::new(rest, "")));
        Glob {
            source: pattern.to_owned(),
            parts: pattern.split('*').map(str::to_owned).collect(),
            bare,
        }
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the text matches.
    pub fn matches(&self, text: &str) -> bool {
        self.matches_parts(text) || self.bare.as_ref().is_some_and(|b| b.matches_parts(text))
    }

    fn matches_parts(&self, text: &str) -> bool {
        let parts = &self.parts;
        if parts.len() == 1 {
            return text == parts[0];
        }
        let (first, last) = (&parts[0], &parts[parts.len() - 1]);
        if text.len() < first.len() + last.len()
            || !text.starts_with(first.as_str())
            || !text.ends_with(last.as_str())
        {
            return false;
        }
        let mut rest = &text[first.len()..text.len() - last.len()];
        for mid in &parts[1..parts.len() - 1] {
            match rest.find(mid.as_str()) {
                Some(at) => rest = &rest[at + mid.len()..],
                None => return false,
            }
        }
        true
    }

    /// The literal the text must equal when the pattern has no `*`.
    pub fn literal(&self) -> Option<&str> {
        (self.parts.len() == 1)
            .then(|| self.parts[0].as_str())
            .or_else(|| {
                // `*::name` equals `name` or ends with `::name`: index it under `name`.
                self.bare
                    .as_ref()
                    .and_then(|b| b.literal())
                    .filter(|l| !l.contains("::"))
            })
    }
}

#[cfg(test)]
mod glob_tests {
    use super::Glob;

    #[test]
    fn stars_anywhere_and_the_bare_leading_rule() {
        let cases = [
            ("*::text_moderation", "green::Client::text_moderation", true),
            ("*::text_moderation", "text_moderation", true),
            ("*::text_moderation", "text_moderation_v2", false),
            ("check_sensitive*", "check_sensitive_words", true),
            ("check_sensitive*", "precheck_sensitive", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("a*b*c", "abc", true),
            ("*/chat/completions", "https://x/v1/chat/completions", true),
            ("INSERT INTO *audit*", "INSERT INTO audit_log (a)", true),
            ("x", "x", true),
            ("x", "", false),
            ("*", "", true),
            ("**", "ab", true),
            ("*a", "ba", true),
            ("*a", "ab", false),
            ("a*", "ab", true),
            ("ab*ba", "aba", false),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(
                Glob::new(pattern, "::").matches(text),
                want,
                "pattern {pattern:?} text {text:?}"
            );
        }
    }
}
