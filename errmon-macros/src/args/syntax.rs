//! The grammar every attribute shares: comma-separated `key = value` arguments, recovery after
//! a mistake, and the messages for values of the wrong form.

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Lit, LitStr, Path, Token};

use crate::diag::Errors;

/// Parses comma-separated arguments with `one`, which parses a single argument. After a
/// mistake it skips to the next comma and goes on, so every independent error is reported.
pub(crate) fn parse_arguments(
    tokens: TokenStream,
    errors: &mut Errors,
    mut one: impl FnMut(ParseStream<'_>) -> syn::Result<()>,
) {
    let parser = |input: ParseStream<'_>| {
        while !input.is_empty() {
            if let Err(e) = one(input) {
                errors.push(e);
                skip_to_comma(input);
            }
            if input.is_empty() {
                break;
            }
            if let Err(e) = input.parse::<Token![,]>() {
                errors.push(syn::Error::new(e.span(), "expected `,` between arguments"));
                skip_to_comma(input);
                let _ = input.parse::<Option<Token![,]>>();
            }
        }
        Ok(())
    };
    if let Err(e) = parser.parse2(tokens) {
        errors.push(e);
    }
}

/// A path to a function, for `key = path`: `what` describes the function expected, `example`
/// names one and gives its signature, for the error about closures. In expression style
/// (`Vec::<u8>::is_empty`), since it is called as written.
pub(crate) fn parse_fn_path(
    input: ParseStream<'_>,
    key: &str,
    what: &str,
    example: (&str, &str),
) -> syn::Result<Path> {
    let (name, signature) = example;
    let help = format!("expected a path to {what}");
    let fork = input.fork();
    match fork.parse::<syn::ExprPath>() {
        Ok(p)
            if p.qself.is_none()
                && p.attrs.is_empty()
                && (fork.is_empty() || fork.peek(Token![,])) =>
        {
            input.parse::<syn::ExprPath>().map(|p| p.path)
        }
        _ => {
            let rest = rest_of_argument(input);
            let msg = match syn::parse2::<Lit>(rest.clone()) {
                Ok(Lit::Str(s)) if s.parse::<syn::ExprPath>().is_ok() => {
                    format!("write the path without quotes: `{key} = {}`", s.value())
                }
                _ if rest.to_string().starts_with('|') => format!(
                    "`{key}` takes a path to a function, not a closure: define \
                     `{signature}` and write `{key} = {name}`"
                ),
                _ => help,
            };
            Err(spanning(input, rest, msg))
        }
    }
}

/// `= "..."`, after `key`; `example` is the whole argument written right.
pub(crate) fn string_value(
    input: ParseStream<'_>,
    key: &Ident,
    example: &str,
) -> syn::Result<LitStr> {
    input
        .parse::<Token![=]>()
        .map_err(|e| syn::Error::new(e.span(), format!("expected `{example}`")))?;
    if input.peek(LitStr) {
        return input.parse();
    }
    let rest = rest_of_argument(input);
    let msg = format!("`{key}` takes a string literal: write `{example}`");
    Err(spanning(input, rest, msg))
}

pub(crate) fn set_once<T>(slot: &mut Option<T>, key: &Ident, value: T) -> syn::Result<()> {
    if slot.is_some() {
        return Err(duplicate(key));
    }
    *slot = Some(value);
    Ok(())
}

pub(crate) fn duplicate(key: &Ident) -> syn::Error {
    syn::Error::new(key.span(), format!("`{key}` is given twice; keep one"))
}

pub(crate) fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An error on `rest`, or where it would be when there is nothing left to point at.
pub(crate) fn spanning(
    input: ParseStream<'_>,
    rest: TokenStream,
    msg: impl std::fmt::Display,
) -> syn::Error {
    if rest.is_empty() {
        syn::Error::new(input.span(), msg)
    } else {
        syn::Error::new_spanned(rest, msg)
    }
}

/// Skips the rest of one argument, so the next can still be parsed.
pub(crate) fn skip_to_comma(input: ParseStream<'_>) {
    rest_of_argument(input);
}

/// Consumes and returns the tokens up to the next top-level `,`: the part of an argument an
/// error points at.
pub(crate) fn rest_of_argument(input: ParseStream<'_>) -> TokenStream {
    take_until(input, |p| p == ',')
}

/// Consumes and returns the tokens up to the next top-level punctuation `stop` accepts.
pub(crate) fn take_until(input: ParseStream<'_>, stop: impl Fn(char) -> bool) -> TokenStream {
    input
        .step(|cursor| {
            let mut tokens = TokenStream::new();
            let mut rest = *cursor;
            while let Some((tt, next)) = rest.token_tree() {
                if matches!(&tt, TokenTree::Punct(p) if stop(p.as_char())) {
                    break;
                }
                tokens.extend([tt]);
                rest = next;
            }
            Ok((tokens, rest))
        })
        .unwrap_or_default()
}
