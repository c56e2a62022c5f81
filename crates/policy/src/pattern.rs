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
    if let Some(rest) = pattern.strip_prefix('*').and_then(|p| p.strip_prefix(sep))
        && glob(rest.as_bytes(), text.as_bytes())
    {
        return true;
    }
    glob(pattern.as_bytes(), text.as_bytes())
}

/// Iterative `*`-only glob with backtracking to the last star.
fn glob(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|b| *b == b'*')
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn star_in_the_middle_and_end() {
        assert!(wildcard_match(
            "*/chat/completions",
            "https://api.x.cn/v1/chat/completions",
            "::"
        ));
        assert!(wildcard_match(
            "check_sensitive*",
            "check_sensitive_words",
            "::"
        ));
        assert!(!wildcard_match(
            "check_sensitive*",
            "precheck_sensitive",
            "::"
        ));
        assert!(wildcard_match("a*b*c", "aXXbYYc", "::"));
        assert!(!wildcard_match("a*b*c", "aXXbYY", "::"));
    }
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
    use super::{Glob, wildcard_match};

    #[test]
    fn compiled_glob_agrees_with_wildcard_match() {
        let patterns = [
            "*::text_moderation",
            "check_sensitive*",
            "a*b*c",
            "*/chat/completions",
            "INSERT INTO *audit*",
            "x",
            "*",
            "**",
            "*a",
            "a*",
        ];
        let texts = [
            "green::Client::text_moderation",
            "text_moderation",
            "check_sensitive_words",
            "aXXbYYc",
            "aXXbYY",
            "https://x/v1/chat/completions",
            "INSERT INTO audit_log (a)",
            "x",
            "",
            "a",
            "ba",
            "ab",
            "abc",
        ];
        for p in patterns {
            let g = Glob::new(p, "::");
            for t in texts {
                assert_eq!(
                    g.matches(t),
                    wildcard_match(p, t, "::"),
                    "pattern {p:?} text {t:?}"
                );
            }
        }
    }
}
