//! Attribute arguments shared by the instrumenting macros.
//!
//! ```text
//! #[monitored(name = "load", labels(tier = "gold"), ok_if = Option::is_some)]
//! ```
//!
//! Parsing keeps going after a mistake, so one compile reports every independent error.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Path, Token};

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

    pub(crate) fn add(&mut self, span: impl Spanned, msg: impl std::fmt::Display) {
        self.push(syn::Error::new(span.span(), msg));
    }

    /// How many errors so far.
    pub(crate) fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |e| e.into_iter().count())
    }

    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

impl Args {
    /// Parses the arguments of `#[mac(...)]`, collecting every error in `errors`.
    pub(crate) fn parse(mac: Macro, tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args::default();
        let parser = |input: ParseStream| {
            while !input.is_empty() {
                if let Err(e) = args.parse_one(mac, input) {
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
        args
    }

    fn parse_one(&mut self, mac: Macro, input: ParseStream) -> syn::Result<()> {
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
                    // Still parse the list, so its own mistakes are reported too.
                    let _ = self.parse_labels(input);
                    return Err(duplicate(&key));
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
                            "`ok_if` and `error_if` cannot be combined: `{}` is already given; keep one of them",
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
                    return Err(syn::Error::new(
                        input.span(),
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
            return Err(syn::Error::new(
                input.span(),
                "expected `labels(key = \"value\", ...)`",
            ));
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
                            format!("duplicate label `{key}`; give each label once"),
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
    let key = Ident::parse_any(input)
        .map_err(|e| syn::Error::new(e.span(), "expected a label: `key = \"value\"`"))?;
    input
        .parse::<Token![=]>()
        .map_err(|e| syn::Error::new(e.span(), format!("expected `{key} = \"value\"`")))?;
    let value = input.parse::<LitStr>().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("label values are string literals: write `{key} = \"value\"`"),
        )
    })?;
    Ok(Label { key, value })
}

fn parse_path(input: ParseStream, key: &str) -> syn::Result<Path> {
    let help = format!(
        "expected a path to a function taking `&ReturnType` and returning `bool`, such as `{key} = Option::is_some`"
    );
    if input.peek(syn::LitStr) || input.peek(Token![|]) || input.peek(syn::Lit) {
        return Err(syn::Error::new(input.span(), help));
    }
    let path = input
        .call(Path::parse_mod_style)
        .or_else(|_| input.parse::<Path>());
    let path = path.map_err(|e| syn::Error::new(e.span(), &help))?;
    if !input.is_empty() && !input.peek(Token![,]) {
        return Err(syn::Error::new(input.span(), help));
    }
    Ok(path)
}

fn string_value(input: ParseStream, key: &Ident, example: &str) -> syn::Result<LitStr> {
    input
        .parse::<Token![=]>()
        .map_err(|e| syn::Error::new(e.span(), format!("expected `{example}`")))?;
    if input.peek(LitStr) {
        return input.parse();
    }
    let span = input
        .cursor()
        .token_tree()
        .map_or_else(|| input.span(), |(tt, _)| tt.span());
    Err(syn::Error::new(
        span,
        format!("`{key}` takes a string literal: write `{example}`"),
    ))
}

fn set_once<T>(slot: &mut Option<T>, key: &Ident, value: T) -> syn::Result<()> {
    if slot.is_some() {
        return Err(duplicate(key));
    }
    *slot = Some(value);
    Ok(())
}

fn duplicate(key: &Ident) -> syn::Error {
    syn::Error::new(key.span(), format!("duplicate `{key}`; give it once"))
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

fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Skips the rest of one argument, so the next can still be parsed.
fn skip_to_comma(input: ParseStream) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                return Ok(((), rest));
            }
            rest = next;
        }
        Ok(((), rest))
    });
}
