//! Macro invocations: the `Macro` event, then the body parsed as arguments, statements,
//! or piece by piece (`select!` arms, `json!` maps); what does not parse is skipped.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Expr, Pat, Token};

use super::Extractor;
use super::body::{path_span, path_string};
use crate::facts::EventKind;

/// Macro bodies nest; past this depth they are not looked into.
const MAX_MACRO_DEPTH: u32 = 16;

impl Extractor<'_> {
    /// A macro invocation: the `Macro` event, then whatever its body parses as.
    pub(super) fn macro_call(&mut self, m: &syn::Macro) {
        self.emit(
            EventKind::Macro {
                name: path_string(&m.path).into(),
            },
            path_span(&m.path),
        );
        // A string of `format!(..)` outside any call is named by the macro.
        let outer = self.arg_call.clone();
        if outer.is_none() {
            self.arg_call = Some(format!("{}!", path_string(&m.path)).into());
        }
        self.macro_body(&m.tokens, 0);
        self.arg_call = outer;
    }

    /// Parse a macro body as comma-separated expressions (arguments), else as a block of
    /// statements, else piecewise (select!-style arms, json!-style maps).
    pub(super) fn macro_body(&mut self, tokens: &TokenStream, depth: u32) {
        if tokens.is_empty() || depth > MAX_MACRO_DEPTH {
            return;
        }
        // `info!(user = %id, "..")`: an operand led by `%` or `?` is no expression, so neither
        // parse below can succeed; failing them costs two syntax errors a log line.
        if sigil_led(tokens) {
            self.token_soup(tokens, depth);
            return;
        }
        if let Ok(args) = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(tokens.clone()) {
            for a in &args {
                self.arg(a);
            }
            return;
        }
        if let Ok(stmts) = syn::Block::parse_within.parse2(tokens.clone()) {
            // Statements (`stream! { .. }`) are no arguments of a call around the macro.
            let outer = self.arg_call.take();
            for s in &stmts {
                self.visit_stmt(s);
            }
            self.arg_call = outer;
            return;
        }
        self.token_soup(tokens, depth);
    }

    /// Split at top-level `,` `;` `=>` `:` and a lone `=`; parse each piece (a piece
    /// before a lone `=` as a pattern); look inside groups of pieces that do not parse.
    fn token_soup(&mut self, tokens: &TokenStream, depth: u32) {
        let tts: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let mut start = 0;
        let mut i = 0;
        while i < tts.len() {
            let mut sep_len = 0;
            let mut as_pat = false;
            if let TokenTree::Punct(p) = &tts[i] {
                let prev_joint = i > 0
                    && matches!(&tts[i - 1], TokenTree::Punct(q) if q.spacing() == Spacing::Joint);
                let next = tts.get(i + 1);
                let next_char = match next {
                    Some(TokenTree::Punct(n)) => Some(n.as_char()),
                    _ => None,
                };
                let joint = p.spacing() == Spacing::Joint;
                match p.as_char() {
                    ',' | ';' => sep_len = 1,
                    '=' if joint && next_char == Some('>') => sep_len = 2,
                    '=' if !joint && !prev_joint => {
                        sep_len = 1;
                        as_pat = true;
                    }
                    ':' if !joint && !prev_joint => sep_len = 1,
                    _ => {}
                }
            }
            if sep_len > 0 {
                self.soup_piece(&tts[start..i], as_pat, depth);
                i += sep_len;
                start = i;
            } else {
                i += 1;
            }
        }
        self.soup_piece(&tts[start..], false, depth);
    }

    fn soup_piece(&mut self, piece: &[TokenTree], as_pat: bool, depth: u32) {
        match piece {
            [] | [TokenTree::Ident(_)] => return,
            [TokenTree::Group(g), rest @ ..] if g.delimiter() == Delimiter::Brace => {
                self.macro_body(&g.stream(), depth + 1);
                self.soup_piece(rest, as_pat, depth);
                return;
            }
            _ => {}
        }
        if !as_pat
            && matches!(piece.first(), Some(TokenTree::Punct(p)) if matches!(p.as_char(), '%' | '?'))
        {
            // `%id`: no expression (see `sigil_led`); only its groups can hold one.
            for tt in piece {
                if let TokenTree::Group(g) = tt {
                    self.macro_body(&g.stream(), depth + 1);
                }
            }
            return;
        }
        let ts: TokenStream = piece.iter().cloned().collect();
        if as_pat {
            if let Ok(p) = Pat::parse_multi.parse2(ts) {
                self.visit_pat(&p);
            }
            return;
        }
        if let Ok(e) = syn::parse2::<Expr>(ts) {
            self.arg(&e);
            return;
        }
        for tt in piece {
            if let TokenTree::Group(g) = tt {
                self.macro_body(&g.stream(), depth + 1);
            }
        }
    }
}

/// Whether a top-level `%` or `?` leads an operand: at the start, after a `,`, or after a `=`
/// (tracing's display and debug sigils, `user = %id`, `?err`). No Rust expression or statement
/// has an operand that starts so, so the body parses neither as arguments nor as a block.
fn sigil_led(tokens: &TokenStream) -> bool {
    let mut prev: Option<char> = None;
    let mut first = true;
    for tt in tokens.clone() {
        match &tt {
            TokenTree::Punct(p) => {
                let c = p.as_char();
                if matches!(c, '%' | '?') && (first || matches!(prev, Some(',' | '='))) {
                    return true;
                }
                prev = Some(c);
            }
            _ => prev = None,
        }
        first = false;
    }
    false
}
