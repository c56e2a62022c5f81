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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Ident(&'a str),
    /// A string literal's body as written, and whether it is raw (no escapes).
    Str(&'a str, bool),
    Punct(u8),
    Open(u8),
    Close(u8),
}

impl Tok<'_> {
    /// The value of a string literal.
    fn value(self) -> Option<String> {
        match self {
            Tok::Str(body, true) => Some(body.to_owned()),
            Tok::Str(body, false) => Some(unescape(body)),
            _ => None,
        }
    }
}

/// Tokens one at a time: comments skipped, nothing allocated.
struct Lexer<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    line: u32,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            text,
            b: text.as_bytes(),
            i: 0,
            line: 1,
        }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Tok<'a>;

    fn next(&mut self) -> Option<Tok<'a>> {
        let (b, text) = (self.b, self.text);
        while self.i < b.len() {
            let i = self.i;
            let c = b[i];
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => self.i += 1,
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    self.i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                }
                b'/' if b.get(i + 1) == Some(&b'*') => self.i = block_comment(b, i, &mut self.line),
                b'"' => {
                    let end = quoted(b, i + 1, &mut self.line);
                    self.i = end;
                    let body = text.get(i + 1..end.saturating_sub(1).max(i + 1));
                    return Some(Tok::Str(body.unwrap_or(""), false));
                }
                b'\'' => self.i = char_or_lifetime(b, i),
                b'(' | b'[' | b'{' => {
                    self.i += 1;
                    return Some(Tok::Open(c));
                }
                b')' | b']' | b'}' => {
                    self.i += 1;
                    return Some(Tok::Close(c));
                }
                _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                    let mut j = i;
                    while j < b.len()
                        && (b[j] == b'_' || b[j].is_ascii_alphanumeric() || b[j] >= 0x80)
                    {
                        j += 1;
                    }
                    let word = &b[i..j];
                    let hashes = b[j..].iter().take_while(|x| **x == b'#').count();
                    if matches!(word, b"r" | b"br" | b"cr") && b.get(j + hashes) == Some(&b'"') {
                        let start = j + hashes + 1;
                        let end = raw_string(b, start, hashes, &mut self.line);
                        self.i = end;
                        let body = text.get(start..end.saturating_sub(1 + hashes).max(start));
                        return Some(Tok::Str(body.unwrap_or(""), true));
                    } else if matches!(word, b"b" | b"c") && b.get(j) == Some(&b'"') {
                        self.i = quoted(b, j + 1, &mut self.line);
                    } else if word == b"b" && b.get(j) == Some(&b'\'') {
                        self.i = char_or_lifetime(b, j);
                    } else if word == b"r"
                        && hashes == 1
                        && b.get(j + 1)
                            .is_some_and(|x| *x == b'_' || x.is_ascii_alphabetic())
                    {
                        // A raw identifier: `r#match`.
                        let mut k = j + 1;
                        while k < b.len() && (b[k] == b'_' || b[k].is_ascii_alphanumeric()) {
                            k += 1;
                        }
                        self.i = k;
                        return Some(Tok::Ident(&text[j + 1..k]));
                    } else {
                        self.i = j;
                        return Some(Tok::Ident(text.get(i..j).unwrap_or("")));
                    }
                }
                _ => {
                    self.i += 1;
                    return Some(Tok::Punct(c));
                }
            }
        }
        None
    }
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

/// Every declaration of a source, in order.
pub(super) fn declarations(text: &str) -> Vec<Decl> {
    let mut out = Vec::new();
    if memchr::memmem::find(text.as_bytes(), b"mod").is_none()
        && memchr::memmem::find(text.as_bytes(), b"include!").is_none()
    {
        return out;
    }
    let mut lexer = Lexer::new(text);
    // A few tokens of lookahead.
    let mut ahead: std::collections::VecDeque<Tok> = std::collections::VecDeque::new();
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut paths: Vec<String> = Vec::new();
    let mut conditional = false;
    let names = |inline: &[(String, usize)]| inline.iter().map(|(n, _)| n.clone()).collect();
    // `peek(k)` fills the lookahead up to k + 1 tokens.
    macro_rules! peek {
        ($k:expr) => {{
            while ahead.len() <= $k {
                match lexer.next() {
                    Some(t) => ahead.push_back(t),
                    None => break,
                }
            }
            ahead.get($k).copied()
        }};
    }
    while let Some(tok) = peek!(0) {
        ahead.pop_front();
        match tok {
            Tok::Punct(b'#') => {
                if peek!(0) == Some(Tok::Punct(b'!')) {
                    ahead.pop_front();
                }
                if peek!(0) != Some(Tok::Open(b'[')) {
                    continue;
                }
                ahead.pop_front();
                // The attribute's tokens up to its closing bracket.
                let mut level = 1usize;
                let mut first = true;
                let mut is_cfg_attr = false;
                let mut window: [Option<Tok>; 2] = [None, None];
                while let Some(t) = peek!(0) {
                    ahead.pop_front();
                    match t {
                        Tok::Open(_) => level += 1,
                        Tok::Close(_) => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    if first {
                        is_cfg_attr = t == Tok::Ident("cfg_attr");
                        first = false;
                    }
                    if window == [Some(Tok::Ident("path")), Some(Tok::Punct(b'='))]
                        && let Some(v) = t.value()
                    {
                        paths.push(v);
                        conditional |= is_cfg_attr;
                    }
                    window = [window[1], Some(t)];
                }
            }
            Tok::Ident("pub") => {
                if peek!(0) == Some(Tok::Open(b'(')) {
                    // `pub(crate)`, `pub(in path)`.
                    let mut level = 0usize;
                    while let Some(t) = peek!(0) {
                        ahead.pop_front();
                        match t {
                            Tok::Open(_) => level += 1,
                            Tok::Close(_) => {
                                level = level.saturating_sub(1);
                                if level == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            Tok::Ident("mod") => {
                if let Some(Tok::Ident(name)) = peek!(0) {
                    match peek!(1) {
                        Some(Tok::Punct(b';')) => out.push(Decl {
                            kind: Kind::Mod(name.to_owned()),
                            inline: names(&inline),
                            paths: std::mem::take(&mut paths),
                            conditional_path: conditional,
                        }),
                        Some(Tok::Open(b'{')) => inline.push((name.to_owned(), depth + 1)),
                        _ => {}
                    }
                    ahead.pop_front();
                }
                paths.clear();
                conditional = false;
            }
            Tok::Ident("include")
                if peek!(0) == Some(Tok::Punct(b'!')) && peek!(1) == Some(Tok::Open(b'(')) =>
            {
                if let Some(v) = peek!(2).and_then(Tok::value) {
                    out.push(Decl {
                        kind: Kind::Include(v),
                        inline: names(&inline),
                        paths: Vec::new(),
                        conditional_path: false,
                    });
                }
                ahead.pop_front();
                ahead.pop_front();
            }
            Tok::Open(b'{') => {
                depth += 1;
                paths.clear();
                conditional = false;
            }
            Tok::Close(b'}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                paths.clear();
                conditional = false;
            }
            _ => {
                paths.clear();
                conditional = false;
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
