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
