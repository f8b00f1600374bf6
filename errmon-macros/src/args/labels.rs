//! `labels(key = "value", ...)`: static extra labels, checked as Prometheus and errmon check
//! them at start-up (`errmon_rules::labels`).

use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Ident, Lit, LitStr, Token};

use super::syntax::{rest_of_argument, skip_to_comma, spanning, take_until};
use crate::diag::Errors;
use crate::names;

/// A `labels(key = "value")` entry.
#[derive(Clone)]
pub(crate) struct Label {
    pub key: Ident,
    pub value: LitStr,
}

/// The parenthesized list after `labels`, appended to `labels`; every mistake in it is reported.
pub(crate) fn parse_labels(input: ParseStream<'_>, labels: &mut Vec<Label>) -> syn::Result<()> {
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
                } else if labels.iter().any(|l| l.key.unraw() == key) {
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
                    labels.push(label);
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

fn parse_label(input: ParseStream<'_>) -> syn::Result<Label> {
    if input.peek(Lit) {
        // `labels("tier" = ..)` or `labels(1x = ..)`: say what is wrong with the key itself.
        let lit: Lit = input.parse()?;
        let msg = match &lit {
            Lit::Str(s) => format!(
                "label names are identifiers, not strings: write `{} = {}`",
                s.value(),
                value_as_written(input)
            ),
            other => names::check_label_name(&other.to_token_stream().to_string())
                .err()
                .unwrap_or_else(|| "expected a label: `key = \"value\"`".to_owned()),
        };
        return Err(syn::Error::new(lit.span(), msg));
    }
    let key = Ident::parse_any(input)
        .map_err(|e| syn::Error::new(e.span(), "expected a label: `key = \"value\"`"))?;
    if !input.peek(Token![=]) && !input.is_empty() && !input.peek(Token![,]) {
        return Err(name_with_other_characters(input, &key));
    }
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

/// `Bad-Name = "x"`: the name as written runs on past the identifier `Bad`. Reported on the
/// whole name, with the nearest valid one (`Bad_Name`).
fn name_with_other_characters(input: ParseStream<'_>, key: &Ident) -> syn::Error {
    let rest = take_until(input, |c| c == '=' || c == ',');
    let written: String = std::iter::once(key.to_string())
        .chain(rest.clone().into_iter().map(|tt| tt.to_string()))
        .collect();
    let value = if input.peek(Token![=]) {
        value_as_written(input)
    } else {
        "\"value\"".to_owned()
    };
    let msg = match errmon_rules::labels::suggest_label_name(&written) {
        Some(valid) => format!(
            "label name `{written}` is not valid: label names may hold only letters, digits and `_`; write `{valid} = {value}`"
        ),
        None => format!(
            "label name `{written}` is not valid: label names may hold only letters, digits and `_`, such as `tier = {value}`"
        ),
    };
    syn::Error::new_spanned(quote!(#key #rest), msg)
}

/// The string value after the key, as written, for an example; `"value"` when there is none.
fn value_as_written(input: ParseStream<'_>) -> String {
    let fork = input.fork();
    fork.parse::<Token![=]>()
        .and_then(|_| fork.parse::<LitStr>())
        .map_or_else(|_| "\"value\"".to_owned(), |v| v.token().to_string())
}
