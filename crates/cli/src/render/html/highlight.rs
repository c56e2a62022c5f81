//! A small lexical highlighter for the report's code snippets: keywords, strings, comments,
//! numbers and macros of Rust, comments and strings of TOML, YAML and `.env` files. Tokens are
//! data; the template escapes their text, so highlighting never builds markup.

/// A run of text with its class (empty for plain text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// CSS class: `kw`, `str`, `com`, `num`, `mac`, or empty.
    pub class: &'static str,
    /// The text.
    pub text: String,
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while",
];

/// The language of a file, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Rust.
    Rust,
    /// TOML, YAML, `.env`: `#` comments.
    Config,
    /// Anything else: plain.
    Plain,
}

impl Lang {
    /// The language of `path`.
    pub fn of(path: &str) -> Lang {
        let name = path.rsplit('/').next().unwrap_or(path);
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "rs" => Lang::Rust,
            "toml" | "yaml" | "yml" | "env" | "ini" | "cfg" => Lang::Config,
            _ if name.starts_with(".env") => Lang::Config,
            _ => Lang::Plain,
        }
    }
}

fn push(out: &mut Vec<Token>, class: &'static str, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(last) if last.class == class => last.text.push_str(text),
        _ => out.push(Token {
            class,
            text: text.to_owned(),
        }),
    }
}

/// End of a string literal starting at `start` (a quote), escapes honoured; the line's end
/// when it is not closed on the line.
fn string_end(line: &str, start: usize, quote: char) -> usize {
    let mut escaped = false;
    for (i, c) in line[start + 1..].char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quote == '"' {
            escaped = true;
        } else if c == quote {
            return start + 1 + i + c.len_utf8();
        }
    }
    line.len()
}

/// The tokens of one line.
pub fn line(text: &str, lang: Lang) -> Vec<Token> {
    let mut out = Vec::new();
    if lang == Lang::Plain {
        push(&mut out, "", text);
        return out;
    }
    let comment = if lang == Lang::Rust { "//" } else { "#" };
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if rest.starts_with(comment) {
            push(&mut out, "com", rest);
            break;
        }
        if c == '"' || (lang == Lang::Config && c == '\'') {
            let end = string_end(text, i, c);
            push(&mut out, "str", &text[i..end]);
            i = end;
            continue;
        }
        if c.is_ascii_digit() && (i == 0 || !is_ident(bytes[i - 1] as char)) {
            let len = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.'))
                .unwrap_or(rest.len());
            push(&mut out, "num", &rest[..len]);
            i += len;
            continue;
        }
        if is_ident_start(c) {
            let len = rest.find(|ch: char| !is_ident(ch)).unwrap_or(rest.len());
            let word = &rest[..len];
            let class = if lang == Lang::Rust
                && rest[len..].starts_with('!')
                && !rest[len..].starts_with("!=")
            {
                "mac"
            } else if (lang == Lang::Rust && RUST_KEYWORDS.contains(&word))
                || (lang == Lang::Config && matches!(word, "true" | "false"))
            {
                "kw"
            } else {
                ""
            };
            push(&mut out, class, word);
            i += len;
            continue;
        }
        push(&mut out, "", &rest[..c.len_utf8()]);
        i += c.len_utf8();
    }
    out
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(text: &str, lang: Lang) -> Vec<(&'static str, String)> {
        line(text, lang)
            .into_iter()
            .map(|t| (t.class, t.text))
            .collect()
    }

    #[test]
    fn rust_lines_are_split_into_classes() {
        assert_eq!(
            classes(r#"let x = call("a\"b", 42); // done"#, Lang::Rust),
            vec![
                ("kw", "let".into()),
                ("", " x = call(".into()),
                ("str", r#""a\"b""#.into()),
                ("", ", ".into()),
                ("num", "42".into()),
                ("", "); ".into()),
                ("com", "// done".into()),
            ]
        );
        assert_eq!(classes("info!(x)", Lang::Rust)[0], ("mac", "info".into()));
        assert_eq!(
            classes("retention_days = 90 # too short", Lang::Config),
            vec![
                ("", "retention_days = ".into()),
                ("num", "90".into()),
                ("", " ".into()),
                ("com", "# too short".into()),
            ]
        );
        assert_eq!(classes("<b>", Lang::Plain), vec![("", "<b>".into())]);
    }
}
