//! Module declarations of a Rust source, found by a lexer: `mod x;` with its `#[path]` and
//! `#[cfg_attr(…, path = …)]` attributes and the inline modules around it, and
//! `include!("…")`. Comments, strings and char literals are skipped, so a file that does not
//! parse still gives its declarations (see [`super::modules`]).

use crate::frontend::rust::depth::{block_comment, char_or_lifetime, quoted, raw_string};

/// What a declaration brings in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// `mod name;` (a raw identifier without its `r#`).
    Mod(String),
    /// `include!("path")`.
    Include(String),
}

/// One declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Decl {
    pub(super) kind: Kind,
    /// The inline modules it is written in, outermost first (`mod a { mod b { mod x; } }`).
    pub(super) inline: Vec<String>,
    /// Its `#[path]` values (and those of `#[cfg_attr(…, path = …)]`).
    pub(super) paths: Vec<String>,
    /// A path comes from `cfg_attr`: without the condition, the default file is used.
    pub(super) conditional_path: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'a> {
    Ident(&'a str),
    Str(String),
    Punct(u8),
    Open(u8),
    Close(u8),
}

fn tokens(text: &str) -> Vec<Tok<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut line = 1u32;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => i = block_comment(b, i, &mut line),
            b'"' => {
                let end = quoted(b, i + 1, &mut line);
                let body = text
                    .get(i + 1..end.saturating_sub(1).max(i + 1))
                    .unwrap_or("");
                out.push(Tok::Str(unescape(body)));
                i = end;
            }
            b'\'' => i = char_or_lifetime(b, i),
            b'(' | b'[' | b'{' => {
                out.push(Tok::Open(c));
                i += 1;
            }
            b')' | b']' | b'}' => {
                out.push(Tok::Close(c));
                i += 1;
            }
            _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let mut j = i;
                while j < b.len() && (b[j] == b'_' || b[j].is_ascii_alphanumeric() || b[j] >= 0x80)
                {
                    j += 1;
                }
                let word = &text[i..j];
                let hashes = b[j..].iter().take_while(|x| **x == b'#').count();
                if matches!(word, "r" | "br" | "cr") && b.get(j + hashes) == Some(&b'"') {
                    let start = j + hashes + 1;
                    let end = raw_string(b, start, hashes, &mut line);
                    let body = text.get(start..end.saturating_sub(1 + hashes).max(start));
                    out.push(Tok::Str(body.unwrap_or("").to_owned()));
                    i = end;
                } else if matches!(word, "b" | "c") && b.get(j) == Some(&b'"') {
                    i = quoted(b, j + 1, &mut line);
                } else if word == "b" && b.get(j) == Some(&b'\'') {
                    i = char_or_lifetime(b, j);
                } else if word == "r"
                    && hashes == 1
                    && b.get(j + 1)
                        .is_some_and(|x| *x == b'_' || x.is_ascii_alphabetic())
                {
                    // A raw identifier: `r#match`.
                    let mut k = j + 1;
                    while k < b.len() && (b[k] == b'_' || b[k].is_ascii_alphanumeric()) {
                        k += 1;
                    }
                    out.push(Tok::Ident(&text[j + 1..k]));
                    i = k;
                } else {
                    out.push(Tok::Ident(word));
                    i = j;
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            _ => {
                out.push(Tok::Punct(c));
                i += 1;
            }
        }
    }
    out
}

/// The value of a `"…"` literal body: the escapes a path can hold.
fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let mut hex = String::new();
                if chars.peek() == Some(&'{') {
                    chars.next();
                    while let Some(h) = chars.next_if(|h| *h != '}') {
                        hex.push(h);
                    }
                    chars.next();
                }
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            // A line continuation: the next line's leading white space is skipped.
            Some('\n') => while chars.next_if(|c| c.is_whitespace()).is_some() {},
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The index after the group opened at `i` (its matching close), or the end.
fn skip_group(t: &[Tok], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < t.len() {
        match t[j] {
            Tok::Open(_) => depth += 1,
            Tok::Close(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    j
}

/// Every declaration of a source, in order.
pub(super) fn declarations(text: &str) -> Vec<Decl> {
    if !text.contains("mod") && !text.contains("include!") {
        return Vec::new();
    }
    let t = tokens(text);
    let mut out = Vec::new();
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut paths: Vec<String> = Vec::new();
    let mut conditional = false;
    let mut i = 0;
    let names = |inline: &[(String, usize)]| inline.iter().map(|(n, _)| n.clone()).collect();
    while i < t.len() {
        match &t[i] {
            Tok::Punct(b'#') => {
                let mut j = i + 1;
                if t.get(j) == Some(&Tok::Punct(b'!')) {
                    j += 1;
                }
                if t.get(j) == Some(&Tok::Open(b'[')) {
                    let end = skip_group(&t, j);
                    let attr = &t[j + 1..end.saturating_sub(1).max(j + 1)];
                    let is_cfg_attr = attr.first() == Some(&Tok::Ident("cfg_attr"));
                    for k in 0..attr.len() {
                        if attr[k] == Tok::Ident("path")
                            && attr.get(k + 1) == Some(&Tok::Punct(b'='))
                            && let Some(Tok::Str(s)) = attr.get(k + 2)
                        {
                            paths.push(s.clone());
                            conditional |= is_cfg_attr;
                        }
                    }
                    i = end;
                    continue;
                }
                i += 1;
            }
            Tok::Ident("pub") => {
                i += 1;
                if t.get(i) == Some(&Tok::Open(b'(')) {
                    i = skip_group(&t, i);
                }
            }
            Tok::Ident("mod") => {
                if let Some(Tok::Ident(name)) = t.get(i + 1) {
                    match t.get(i + 2) {
                        Some(Tok::Punct(b';')) => out.push(Decl {
                            kind: Kind::Mod((*name).to_owned()),
                            inline: names(&inline),
                            paths: std::mem::take(&mut paths),
                            conditional_path: conditional,
                        }),
                        Some(Tok::Open(b'{')) => inline.push(((*name).to_owned(), depth + 1)),
                        _ => {}
                    }
                }
                paths.clear();
                conditional = false;
                i += 2;
            }
            Tok::Ident("include")
                if t.get(i + 1) == Some(&Tok::Punct(b'!'))
                    && t.get(i + 2) == Some(&Tok::Open(b'(')) =>
            {
                if let Some(Tok::Str(s)) = t.get(i + 3) {
                    out.push(Decl {
                        kind: Kind::Include(s.clone()),
                        inline: names(&inline),
                        paths: Vec::new(),
                        conditional_path: false,
                    });
                }
                i += 3;
            }
            Tok::Open(b'{') => {
                depth += 1;
                paths.clear();
                conditional = false;
                i += 1;
            }
            Tok::Close(b'}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                paths.clear();
                conditional = false;
                i += 1;
            }
            _ => {
                paths.clear();
                conditional = false;
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls(src: &str) -> Vec<(String, Vec<String>, Vec<String>, bool)> {
        declarations(src)
            .into_iter()
            .map(|d| {
                let what = match d.kind {
                    Kind::Mod(n) => n,
                    Kind::Include(p) => format!("include {p}"),
                };
                (what, d.inline, d.paths, d.conditional_path)
            })
            .collect()
    }

    #[test]
    fn modules_paths_inline_modules_and_includes() {
        let src = r##"
            //! mod not_this;
            /* mod nor_this; */
            const S: &str = "mod nor_that;";
            mod plain;
            pub(crate) mod visible;
            #[cfg(test)]
            #[path = "../.impl/evil.rs"]
            mod evil;
            #[cfg_attr(unix, path = r"sys/unix.rs")]
            mod sys;
            mod r#match;
            mod outer {
                pub mod inner;
                fn f() { let x = 1; }
                #[path = "x\\y.rs"] mod pathed;
            }
            mod after;
            include!("gen/table.rs");
            include!(concat!(env!("OUT_DIR"), "/x.rs"));
            macro_rules! m { ($n:ident) => { mod $n; } }
        "##;
        let none = Vec::<String>::new;
        assert_eq!(
            decls(src),
            vec![
                ("plain".into(), none(), none(), false),
                ("visible".into(), none(), none(), false),
                (
                    "evil".into(),
                    none(),
                    vec!["../.impl/evil.rs".into()],
                    false
                ),
                ("sys".into(), none(), vec!["sys/unix.rs".into()], true),
                ("match".into(), none(), none(), false),
                ("inner".into(), vec!["outer".into()], none(), false),
                (
                    "pathed".into(),
                    vec!["outer".into()],
                    vec!["x\\y.rs".into()],
                    false
                ),
                ("after".into(), none(), none(), false),
                ("include gen/table.rs".into(), none(), none(), false),
            ]
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for src in [
            "mod",
            "#[path = ",
            "mod x {",
            "}}}} mod y;",
            "include!(",
            "r#",
            "\"\\u{",
        ] {
            let _ = declarations(src);
        }
    }
}
