//! Attribute arguments shared by the instrumenting macros.
//!
//! ```text
//! #[monitored(name = "load", labels(tier = "gold"), ok_if = Option::is_some)]
//! ```
//!
//! Parsing keeps going after a mistake, so one compile reports every independent error.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Lit, LitStr, Path, Token};

use crate::names;

/// Which attribute is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Macro {
    CountCalls,
    Timed,
    Monitored,
}

impl Macro {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Macro::CountCalls => "count_calls",
            Macro::Timed => "timed",
            Macro::Monitored => "monitored",
        }
    }

    fn keys(self) -> &'static [&'static str] {
        match self {
            Macro::Monitored => &["name", "labels", "ok_if", "error_if", "skip"],
            Macro::CountCalls | Macro::Timed => &["name", "labels", "skip"],
        }
    }
}

/// A `labels(key = "value")` entry.
#[derive(Clone)]
pub(crate) struct Label {
    pub key: Ident,
    pub value: LitStr,
}

/// A classification predicate: `ok_if = path` or `error_if = path`.
#[derive(Clone)]
pub(crate) struct Predicate {
    /// The key, for spans.
    pub key: Ident,
    pub path: Path,
    /// `true` for `error_if`.
    pub is_error_if: bool,
}

#[derive(Clone, Default)]
pub(crate) struct Args {
    pub name: Option<LitStr>,
    pub labels: Vec<Label>,
    /// Span of the `labels` key, when given.
    labels_key: Option<Span>,
    pub predicate: Option<Predicate>,
    pub skip: Option<Ident>,
}

/// Errors collected while parsing, reported together.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    /// An error at `at`: a `Span`, or tokens, which it spans from first to last. (A token's
    /// `Spanned::span` covers only its first token on stable Rust, so a `#[timed]` would be
    /// underlined at its `#` alone.)
    pub(crate) fn add(&mut self, at: impl ErrorAt, msg: impl std::fmt::Display) {
        self.push(at.error(msg));
    }

    /// How many errors so far.
    pub(crate) fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |e| e.into_iter().count())
    }

    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Where an error points: a [`Span`], or a reference to tokens.
pub(crate) trait ErrorAt {
    fn error(self, msg: impl std::fmt::Display) -> syn::Error;
}

impl ErrorAt for Span {
    fn error(self, msg: impl std::fmt::Display) -> syn::Error {
        syn::Error::new(self, msg)
    }
}

impl<T: ToTokens + ?Sized> ErrorAt for &T {
    fn error(self, msg: impl std::fmt::Display) -> syn::Error {
        syn::Error::new_spanned(self, msg)
    }
}

impl Args {
    /// Parses the arguments of `#[mac(...)]`, collecting every error in `errors`.
    pub(crate) fn parse(mac: Macro, tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args::default();
        parse_arguments(tokens, errors, |input| args.parse_one(mac, input));
        args
    }

    fn parse_one(&mut self, mac: Macro, input: ParseStream) -> syn::Result<()> {
        if input.peek(LitStr) {
            // `#[timed("render")]`, as some other crates spell the name.
            let lit: LitStr = input.parse()?;
            return Err(syn::Error::new(
                lit.span(),
                format!("arguments are named: write `name = {}`", lit.token()),
            ));
        }
        let key = Ident::parse_any(input).map_err(|e| {
            syn::Error::new(e.span(), format!("expected one of: {}", list(mac.keys())))
        })?;
        let k = key.to_string();
        match k.as_str() {
            "name" => {
                let lit = string_value(input, &key, "name = \"load_user\"")?;
                names::check_function_name(&lit.value())
                    .map_err(|m| syn::Error::new(lit.span(), m))?;
                set_once(&mut self.name, &key, lit)
            }
            "labels" => {
                if self.labels_key.is_some() {
                    // Still parse the list, so its own mistakes are reported too, but into a
                    // scratch list: its keys must not be reported as duplicates of the first.
                    let mut errors = Errors::default();
                    errors.push(duplicate(&key));
                    if let Err(e) = Args::default().parse_labels(input) {
                        errors.push(e);
                    }
                    return errors.finish();
                }
                self.labels_key = Some(key.span());
                self.parse_labels(input)
            }
            "ok_if" | "error_if" if mac == Macro::Monitored => {
                input.parse::<Token![=]>().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        format!("expected `{k} = <path to fn(&T) -> bool>`"),
                    )
                })?;
                let path = parse_path(input, &k)?;
                let pred = Predicate {
                    key: key.clone(),
                    path,
                    is_error_if: k == "error_if",
                };
                match &self.predicate {
                    Some(p) if p.key == key => Err(duplicate(&key)),
                    Some(p) => Err(syn::Error::new(
                        key.span(),
                        format!(
                            "`{k}` cannot be combined with `{}`: keep one of them",
                            p.key
                        ),
                    )),
                    None => {
                        self.predicate = Some(pred);
                        Ok(())
                    }
                }
            }
            "skip" => {
                if input.peek(Token![=]) || input.peek(syn::token::Paren) {
                    return Err(syn::Error::new_spanned(
                        rest_of_argument(input),
                        "`skip` takes no value: write `skip`",
                    ));
                }
                set_once(&mut self.skip, &key, key.clone())
            }
            _ => Err(unknown_key(mac, &key)),
        }
    }

    fn parse_labels(&mut self, input: ParseStream) -> syn::Result<()> {
        if !input.peek(syn::token::Paren) {
            let rest = rest_of_argument(input);
            let msg = "expected `labels(key = \"value\", ...)`";
            return Err(spanning(input, rest, msg));
        }
        let content;
        syn::parenthesized!(content in input);
        let mut errors = Errors::default();
        while !content.is_empty() {
            match parse_label(&content) {
                Ok(label) => {
                    let key = label.key.unraw().to_string();
                    if let Err(m) = names::check_label_name(&key) {
                        errors.add(&label.key, m);
                    } else if self.labels.iter().any(|l| l.key.unraw() == key) {
                        errors.add(
                            &label.key,
                            format!("label `{key}` is given twice; keep one"),
                        );
                    } else if label.value.value().is_empty() {
                        errors.add(
                            &label.value,
                            "empty label value: Prometheus treats an empty value as no label; give a value or remove the label",
                        );
                    } else {
                        self.labels.push(label);
                    }
                }
                Err(e) => {
                    errors.push(e);
                    skip_to_comma(&content);
                }
            }
            if content.is_empty() {
                break;
            }
            if let Err(e) = content.parse::<Token![,]>() {
                errors.push(e);
                break;
            }
        }
        errors.finish()
    }

    /// The arguments of a method inside an annotated `impl` block: the block's, with the
    /// method's own on top (its labels replace those of the same name).
    pub(crate) fn merge_method(&self, method: Args) -> Args {
        let mut merged = self.clone();
        if method.name.is_some() {
            merged.name = method.name;
        }
        for l in method.labels {
            merged.labels.retain(|m| m.key.unraw() != l.key.unraw());
            merged.labels.push(l);
        }
        if method.predicate.is_some() {
            merged.predicate = method.predicate;
        }
        merged.skip = method.skip;
        merged
    }
}

fn parse_label(input: ParseStream) -> syn::Result<Label> {
    if input.peek(Lit) {
        // `labels("tier" = ..)` or `labels(1x = ..)`: say what is wrong with the key itself.
        let lit: Lit = input.parse()?;
        let msg = match &lit {
            Lit::Str(s) => {
                let fork = input.fork();
                let value = fork
                    .parse::<Token![=]>()
                    .and_then(|_| fork.parse::<LitStr>())
                    .map_or_else(|_| "\"value\"".to_owned(), |v| v.token().to_string());
                format!(
                    "label names are identifiers, not strings: write `{} = {value}`",
                    s.value()
                )
            }
            other => names::check_label_name(&other.to_token_stream().to_string())
                .err()
                .unwrap_or_else(|| "expected a label: `key = \"value\"`".to_owned()),
        };
        return Err(syn::Error::new(lit.span(), msg));
    }
    let key = Ident::parse_any(input)
        .map_err(|e| syn::Error::new(e.span(), "expected a label: `key = \"value\"`"))?;
    input
        .parse::<Token![=]>()
        .map_err(|e| syn::Error::new(e.span(), format!("expected `{key} = \"value\"`")))?;
    if input.peek(LitStr) {
        let value = input.parse::<LitStr>()?;
        return Ok(Label { key, value });
    }
    let rest = rest_of_argument(input);
    let quoted = match syn::parse2::<Lit>(rest.clone()) {
        Ok(Lit::Int(i)) => format!("\"{}\"", i.base10_digits()),
        Ok(Lit::Float(f)) => format!("\"{}\"", f.base10_digits()),
        Ok(Lit::Bool(b)) => format!("\"{}\"", b.value),
        _ => "\"value\"".to_owned(),
    };
    let msg = format!("label values are string literals: write `{key} = {quoted}`");
    Err(spanning(input, rest, msg))
}

/// Parses comma-separated arguments with `one`, which parses a single argument. After a
/// mistake it skips to the next comma and goes on, so every independent error is reported.
pub(crate) fn parse_arguments(
    tokens: TokenStream,
    errors: &mut Errors,
    mut one: impl FnMut(ParseStream) -> syn::Result<()>,
) {
    let parser = |input: ParseStream| {
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

/// `ok_if = Option::is_some`: a path, in expression style (`Vec::<u8>::is_empty`), since it is
/// called as written.
fn parse_path(input: ParseStream, key: &str) -> syn::Result<Path> {
    parse_fn_path(
        input,
        key,
        &format!(
            "a function taking `&ReturnType` and returning `bool`, such as `{key} = Option::is_some`"
        ),
        ("check", "fn check(value: &ReturnType) -> bool"),
    )
}

/// A path to a function, for `key = path`: `what` describes the function expected, `example`
/// names one and gives its signature, for the error about closures.
pub(crate) fn parse_fn_path(
    input: ParseStream,
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

pub(crate) fn string_value(input: ParseStream, key: &Ident, example: &str) -> syn::Result<LitStr> {
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

fn set_once<T>(slot: &mut Option<T>, key: &Ident, value: T) -> syn::Result<()> {
    if slot.is_some() {
        return Err(duplicate(key));
    }
    *slot = Some(value);
    Ok(())
}

pub(crate) fn duplicate(key: &Ident) -> syn::Error {
    syn::Error::new(key.span(), format!("`{key}` is given twice; keep one"))
}

fn unknown_key(mac: Macro, key: &Ident) -> syn::Error {
    let k = key.to_string();
    let mut msg = format!("unknown argument `{k}` for #[{}]", mac.name());
    if mac != Macro::Monitored && matches!(k.as_str(), "ok_if" | "error_if") {
        msg.push_str(&format!(
            "; `{k}` classifies outcomes, which only #[monitored] records: use #[monitored({k} = ...)]"
        ));
    } else if let Some(near) = names::nearest(&k, mac.keys()) {
        msg.push_str(&format!("; did you mean `{near}`?"));
    } else {
        msg.push_str(&format!("; expected one of: {}", list(mac.keys())));
    }
    syn::Error::new(key.span(), msg)
}

pub(crate) fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An error on `rest`, or where it would be when there is nothing left to point at.
pub(crate) fn spanning(
    input: ParseStream,
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
fn skip_to_comma(input: ParseStream) {
    rest_of_argument(input);
}

/// Consumes and returns the tokens up to the next top-level `,`: the part of an argument an
/// error points at.
pub(crate) fn rest_of_argument(input: ParseStream) -> TokenStream {
    input
        .step(|cursor| {
            let mut tokens = TokenStream::new();
            let mut rest = *cursor;
            while let Some((tt, next)) = rest.token_tree() {
                if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                    break;
                }
                tokens.extend([tt]);
                rest = next;
            }
            Ok((tokens, rest))
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(mac: Macro, tokens: TokenStream) -> (Args, Vec<String>) {
        let mut errors = Errors::default();
        let args = Args::parse(mac, tokens, &mut errors);
        let messages = errors
            .finish()
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (args, messages)
    }

    #[test]
    fn every_key_is_parsed() {
        let (args, errors) = parse(
            Macro::Monitored,
            quote!(
                name = "users::load",
                labels(tier = "gold", r#type = "a"),
                error_if = Vec::<u8>::is_empty
            ),
        );
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(args.name.unwrap().value(), "users::load");
        let labels: Vec<_> = args
            .labels
            .iter()
            .map(|l| (l.key.unraw().to_string(), l.value.value()))
            .collect();
        assert_eq!(
            labels,
            [("tier".into(), "gold".into()), ("type".into(), "a".into())]
        );
        let p = args.predicate.unwrap();
        assert!(p.is_error_if);
        assert_eq!(
            p.path.to_token_stream().to_string(),
            "Vec :: < u8 > :: is_empty"
        );
    }

    #[test]
    fn independent_mistakes_are_all_reported() {
        let (_, errors) = parse(
            Macro::Timed,
            quote!(
                nmae = "x",
                labels(le = "1", tier = 2),
                skip = true,
                name = ""
            ),
        );
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].contains("did you mean `name`?"));
        assert!(errors[1].contains("`le` is reserved"));
        assert!(errors[2].contains("write `tier = \"2\"`"));
        assert!(errors[3].contains("`skip` takes no value"));
        assert!(errors[4].starts_with("empty name"));
    }

    #[test]
    fn a_second_labels_list_is_checked_on_its_own() {
        let (args, errors) = parse(
            Macro::CountCalls,
            quote!(labels(tier = "gold"), labels(tier = "silver", __x = "a")),
        );
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert_eq!(errors[0], "`labels` is given twice; keep one");
        assert!(errors[1].contains("`__x`"));
        assert_eq!(args.labels.len(), 1);
    }

    #[test]
    fn predicates_must_be_plain_paths() {
        for (tokens, expected) in [
            (
                quote!(ok_if = "Option::is_some"),
                "write the path without quotes",
            ),
            (quote!(ok_if = |x| true), "not a closure"),
            (quote!(ok_if = Vec<u8>::is_empty), "expected a path"),
            (quote!(ok_if = <Vec<u8>>::is_empty), "expected a path"),
            (
                quote!(ok_if = f, error_if = g),
                "`error_if` cannot be combined with `ok_if`",
            ),
        ] {
            let (_, errors) = parse(Macro::Monitored, tokens.clone());
            assert_eq!(errors.len(), 1, "{tokens}: {errors:#?}");
            assert!(errors[0].contains(expected), "{tokens}: {errors:#?}");
        }
    }

    #[test]
    fn duplicates_name_the_repeated_key() {
        for key in ["name", "labels", "ok_if", "error_if", "skip"] {
            let one = match key {
                "name" => quote!(name = "a"),
                "labels" => quote!(labels(a = "b")),
                "ok_if" => quote!(ok_if = f),
                "error_if" => quote!(error_if = f),
                _ => quote!(skip),
            };
            let (_, errors) = parse(Macro::Monitored, quote!(#one, #one));
            assert_eq!(errors, [format!("`{key}` is given twice; keep one")]);
        }
    }
}
