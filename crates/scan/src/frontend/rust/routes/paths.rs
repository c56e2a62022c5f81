//! Route path arguments: a literal, a constant (`CHAT_ROUTE`, `CHAT_ROUTE.path`, looked up
//! across files later), `concat!` of literals, and `format!` strings whose pieces are
//! literals, inline constants (`{TASKS_PATH}`) and positional or named arguments, with
//! `{{`/`}}` read as literal braces (`&format!("{TASKS_PATH}/{{id}}")` is `TASKS_PATH`
//! then `/{id}`).

use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Token};

use crate::facts::RoutePath;
use crate::frontend::rust::Extractor;
use crate::frontend::rust::body::{is_upper, path_string, peel};

/// At most this many pieces are read from one `format!` string.
const MAX_FORMAT_PIECES: usize = 16;

/// A `format!` argument list: the format string, positional arguments and `name = value`
/// arguments.
struct FormatArgs {
    template: String,
    positional: Vec<Expr>,
    named: Vec<(String, Expr)>,
}

fn format_args(tokens: proc_macro2::TokenStream) -> Option<FormatArgs> {
    let args = Punctuated::<Expr, Token![,]>::parse_terminated
        .parse2(tokens)
        .ok()?;
    let mut args = args.into_iter();
    let Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(template),
        ..
    }) = args.next()?
    else {
        return None;
    };
    let mut out = FormatArgs {
        template: template.value(),
        positional: Vec::new(),
        named: Vec::new(),
    };
    for a in args {
        match a {
            Expr::Assign(assign) => {
                if let Expr::Path(p) = &*assign.left {
                    out.named.push((path_string(&p.path), *assign.right));
                }
            }
            other => out.positional.push(other),
        }
    }
    Some(out)
}

impl Extractor<'_> {
    /// A route path argument as its parts (one, except for `format!`): literal, constant or
    /// unknown.
    pub(in crate::frontend::rust) fn route_path(&self, e: &Expr) -> Vec<RoutePath> {
        match peel(e) {
            Expr::Macro(m)
                if m.mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "format") =>
            {
                self.format_path(m.mac.tokens.clone())
                    .unwrap_or_else(|| vec![RoutePath::Unknown])
            }
            _ => vec![self.route_part(e)],
        }
    }

    /// One route path part.
    pub(in crate::frontend::rust) fn route_part(&self, e: &Expr) -> RoutePath {
        match peel(e) {
            Expr::Lit(l) => match &l.lit {
                syn::Lit::Str(s) => RoutePath::Lit(s.value()),
                _ => RoutePath::Unknown,
            },
            Expr::Path(p) => {
                let path = path_string(&p.path);
                if p.path.segments.len() == 1 && (!is_upper(&path) && self.is_local(&path)) {
                    RoutePath::Unknown
                } else {
                    RoutePath::Const(path)
                }
            }
            Expr::Field(f) => match (peel(&f.base), &f.member) {
                (Expr::Path(p), syn::Member::Named(member)) => {
                    RoutePath::Const(format!("{}.{member}", path_string(&p.path)))
                }
                _ => RoutePath::Unknown,
            },
            Expr::MethodCall(m) if m.args.is_empty() => self.route_part(&m.receiver),
            Expr::Macro(m) if m.mac.path.is_ident("concat") => {
                let parts = Punctuated::<syn::LitStr, Token![,]>::parse_terminated
                    .parse2(m.mac.tokens.clone());
                match parts {
                    Ok(parts) => RoutePath::Lit(parts.iter().map(syn::LitStr::value).collect()),
                    Err(_) => RoutePath::Unknown,
                }
            }
            _ => RoutePath::Unknown,
        }
    }

    /// The parts of `format!("{PREFIX}/chat/{}", SUFFIX)`; `None` when it does not parse.
    fn format_path(&self, tokens: proc_macro2::TokenStream) -> Option<Vec<RoutePath>> {
        let args = format_args(tokens)?;
        let mut parts: Vec<RoutePath> = Vec::new();
        let mut lit = String::new();
        let mut next_positional = 0;
        let mut chars = args.template.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let mut spec = String::new();
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                        spec.push(c);
                    }
                    let name = spec.split(':').next().unwrap_or("").trim();
                    let arg = if name.is_empty() {
                        next_positional += 1;
                        args.positional.get(next_positional - 1)
                    } else if let Ok(i) = name.parse::<usize>() {
                        args.positional.get(i)
                    } else {
                        args.named.iter().find(|(n, _)| n == name).map(|(_, e)| e)
                    };
                    let piece = match arg {
                        Some(e) => self.route_part(e),
                        // `{NAME}` captures a variable or constant in scope.
                        None if !name.is_empty() && !self.is_local(name) => {
                            RoutePath::Const(name.to_owned())
                        }
                        None => RoutePath::Unknown,
                    };
                    if !lit.is_empty() {
                        parts.push(RoutePath::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(piece);
                    if parts.len() > MAX_FORMAT_PIECES {
                        return None;
                    }
                }
                other => lit.push(other),
            }
        }
        if !lit.is_empty() || parts.is_empty() {
            parts.push(RoutePath::Lit(lit));
        }
        Some(parts)
    }
}
