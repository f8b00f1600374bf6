//! Attribute arguments.
//!
//! ```text
//! #[monitored(name = "load", labels(tier = "gold"), ok_if = Option::is_some)]
//! #[retry(attempts = 5, backoff = exponential(initial = "50ms"), name = "fetch")]
//! ```
//!
//! Parsing keeps going after a mistake, so one compile reports every independent error. The
//! keys `#[retry]` adds are parsed in [`crate::retry::args`].

mod labels;
mod report;
pub(crate) mod syntax;

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Ident, LitStr, Path, Token};

pub(crate) use labels::Label;
pub(crate) use report::{Field, SeverityArg, severity_named, severity_names};
use syntax::{duplicate, list, parse_arguments, rest_of_argument, set_once};

use crate::diag::Errors;
use crate::names;
use crate::retry::args::RetryArgs;

/// Which attribute is being expanded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Macro {
    CountCalls,
    Timed,
    Monitored,
    Retry,
}

impl Macro {
    /// Every errmon attribute that rewrites a function, in the order [`Macro::named`] tries them.
    pub(crate) const ALL: [Macro; 4] = [
        Macro::CountCalls,
        Macro::Timed,
        Macro::Monitored,
        Macro::Retry,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Macro::CountCalls => "count_calls",
            Macro::Timed => "timed",
            Macro::Monitored => "monitored",
            Macro::Retry => "retry",
        }
    }

    fn keys(self) -> &'static [&'static str] {
        match self {
            Macro::Monitored => &[
                "name", "labels", "ok_if", "error_if", "severity", "fields", "skip",
            ],
            Macro::CountCalls | Macro::Timed => &["name", "labels", "skip"],
            Macro::Retry => &crate::retry::args::KEYS,
        }
    }

    /// A `name = "..."` as an error message shows it.
    fn name_example(self) -> &'static str {
        match self {
            Macro::Retry => "name = \"fetch\"",
            _ => "name = \"load_user\"",
        }
    }
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

/// The arguments of one attribute, on a function, an `impl` block or a method inside one.
#[derive(Clone, Default)]
pub(crate) struct Args {
    pub name: Option<LitStr>,
    pub labels: Vec<Label>,
    /// Span of the `labels` key, when given.
    labels_key: Option<Span>,
    pub predicate: Option<Predicate>,
    pub skip: Option<Ident>,
    /// `severity = "..."` of `#[monitored]`: the severity of its error reports.
    pub severity: Option<SeverityArg>,
    /// `fields(name = expr, ..)` of `#[monitored]`, recorded on its error reports.
    pub fields: Vec<Field>,
    /// Span of the `fields` key, when given.
    fields_key: Option<Span>,
    /// The policy of `#[retry]`; empty for the other attributes.
    pub retry: RetryArgs,
}

impl Args {
    /// Parses the arguments of `#[mac(...)]`, collecting every error in `errors`.
    pub(crate) fn parse(mac: Macro, tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args::default();
        parse_arguments(tokens, errors, |input| args.parse_one(mac, input));
        args
    }

    fn parse_one(&mut self, mac: Macro, input: ParseStream<'_>) -> syn::Result<()> {
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
                let lit = syntax::string_value(input, &key, mac.name_example())?;
                names::check_function_name(&lit.value())
                    .map_err(|m| syn::Error::new(lit.span(), m))?;
                set_once(&mut self.name, &key, lit)
            }
            "labels" if mac != Macro::Retry => {
                if self.labels_key.is_some() {
                    // Still parse the list, so its own mistakes are reported too, but into a
                    // scratch list: its keys must not be reported as duplicates of the first.
                    let mut errors = Errors::default();
                    errors.push(duplicate(&key));
                    if let Err(e) = labels::parse_labels(input, &mut Vec::new()) {
                        errors.push(e);
                    }
                    return errors.finish();
                }
                self.labels_key = Some(key.span());
                labels::parse_labels(input, &mut self.labels)
            }
            "ok_if" | "error_if" if mac == Macro::Monitored => self.parse_predicate(key, input),
            "severity" if mac == Macro::Monitored => {
                let severity = report::parse_severity(input, &key)?;
                set_once(&mut self.severity, &key, severity)
            }
            "fields" if mac == Macro::Monitored => {
                if self.fields_key.is_some() {
                    let mut errors = Errors::default();
                    errors.push(duplicate(&key));
                    if let Err(e) = report::parse_fields(input, &mut Vec::new()) {
                        errors.push(e);
                    }
                    return errors.finish();
                }
                self.fields_key = Some(key.span());
                report::parse_fields(input, &mut self.fields)
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
            _ if mac == Macro::Retry && mac.keys().contains(&k.as_str()) => {
                self.retry.parse_key(&key, input)
            }
            _ => Err(unknown_key(mac, &key)),
        }
    }

    fn parse_predicate(&mut self, key: Ident, input: ParseStream<'_>) -> syn::Result<()> {
        let k = key.to_string();
        input.parse::<Token![=]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected `{k} = <path to fn(&T) -> bool>`"),
            )
        })?;
        let path = syntax::parse_fn_path(
            input,
            &k,
            &format!(
                "a function taking `&ReturnType` and returning `bool`, such as `{k} = Option::is_some`"
            ),
            ("check", "fn check(value: &ReturnType) -> bool"),
        )?;
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
                self.predicate = Some(Predicate {
                    is_error_if: k == "error_if",
                    key,
                    path,
                });
                Ok(())
            }
        }
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
        if method.severity.is_some() {
            merged.severity = method.severity;
        }
        for f in method.fields {
            merged.fields.retain(|m| m.label() != f.label());
            merged.fields.push(f);
        }
        merged.retry = self.retry.merge_method(method.retry);
        merged.skip = method.skip;
        merged
    }
}

fn unknown_key(mac: Macro, key: &Ident) -> syn::Error {
    let k = key.to_string();
    let mut msg = format!("unknown argument `{k}` for #[{}]", mac.name());
    if mac != Macro::Monitored && matches!(k.as_str(), "ok_if" | "error_if") {
        msg.push_str(&format!(
            "; `{k}` classifies outcomes, which only #[monitored] records: use #[monitored({k} = ...)]"
        ));
    } else if mac != Macro::Monitored && matches!(k.as_str(), "severity" | "fields") {
        msg.push_str(&format!(
            "; `{k}` describes error reports, which only #[monitored] records: use #[monitored({k} = ...)]"
        ));
    } else if let Some(near) = names::nearest(&k, mac.keys()) {
        msg.push_str(&format!("; did you mean `{near}`?"));
    } else {
        msg.push_str(&format!("; expected one of: {}", list(mac.keys())));
    }
    syn::Error::new(key.span(), msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{ToTokens, quote};

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
    fn a_label_name_with_other_characters_gets_the_nearest_valid_one() {
        let (args, errors) = parse(
            Macro::Monitored,
            quote!(labels(Bad - Name = "x", a.b = "y", ok = "z")),
        );
        assert_eq!(
            errors,
            [
                "label name `Bad-Name` is not valid: label names may hold only letters, digits and `_`; write `Bad_Name = \"x\"`",
                "label name `a.b` is not valid: label names may hold only letters, digits and `_`; write `a_b = \"y\"`",
            ]
        );
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
        for key in [
            "name", "labels", "ok_if", "error_if", "severity", "fields", "skip",
        ] {
            let one = match key {
                "name" => quote!(name = "a"),
                "labels" => quote!(labels(a = "b")),
                "severity" => quote!(severity = "info"),
                "fields" => quote!(fields(a = 1)),
                "ok_if" => quote!(ok_if = f),
                "error_if" => quote!(error_if = f),
                _ => quote!(skip),
            };
            let (_, errors) = parse(Macro::Monitored, quote!(#one, #one));
            assert_eq!(errors, [format!("`{key}` is given twice; keep one")]);
        }
        for one in [
            quote!(attempts = 2),
            quote!(backoff = constant),
            quote!(jitter = none),
            quote!(max_elapsed = "1s"),
            quote!(when = f),
            quote!(sleep = f),
            quote!(name = "a"),
            quote!(skip),
        ] {
            let (_, errors) = parse(Macro::Retry, quote!(#one, #one));
            assert_eq!(errors.len(), 1, "{one}: {errors:#?}");
            assert!(
                errors[0].ends_with("is given twice; keep one"),
                "{errors:?}"
            );
        }
    }
}
