//! What `#[monitored]` adds to its error reports: `severity = "warning"` and
//! `fields(order_id = order.id, ..)`.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Ident, LitStr, Token};

use super::syntax::{list, rest_of_argument, spanning, string_value, take_until};
use crate::diag::Errors;
use crate::names;

/// The severity names as prose: `info, warning, error or critical`.
pub(crate) fn severity_names() -> String {
    let names = errmon_rules::severity::NAMES;
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// The variant of `errmon_runtime::errors::Severity` a severity name of
/// `errmon_rules::severity::NAMES` names: the name with a capital first letter.
fn variant_of(name: &str, span: Span) -> Ident {
    let mut chars = name.chars();
    let variant: String = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars)
        .collect();
    Ident::new(&variant, span)
}

/// A checked `severity = "..."`: the variant of `errmon_runtime::Severity` it names.
#[derive(Clone)]
pub(crate) struct SeverityArg(pub Ident);

/// One `fields(name = expr)` entry.
#[derive(Clone)]
pub(crate) struct Field {
    pub name: Ident,
    pub expr: Expr,
}

impl Field {
    /// The name as reports show it, without `r#`.
    pub(crate) fn label(&self) -> String {
        self.name.unraw().to_string()
    }
}

/// `= "warning"` after `severity`.
pub(crate) fn parse_severity(input: ParseStream<'_>, key: &Ident) -> syn::Result<SeverityArg> {
    let lit = string_value(input, key, "severity = \"warning\"")?;
    severity_named(&lit)
}

/// The severity a string literal names; `span` points at the literal.
pub(crate) fn severity_named(lit: &LitStr) -> syn::Result<SeverityArg> {
    let value = lit.value();
    let names = errmon_rules::severity::NAMES;
    if errmon_rules::severity::position(&value).is_some() {
        return Ok(SeverityArg(variant_of(&value, lit.span())));
    }
    let lower = value.to_ascii_lowercase();
    // `warn`, `crit`: the abbreviations other loggers use.
    let prefix = names
        .iter()
        .copied()
        .find(|n| lower.len() >= 3 && n.starts_with(&lower));
    let msg = match prefix.or_else(|| names::nearest(&lower, &names)) {
        Some(near) => format!("unknown severity \"{value}\"; did you mean \"{near}\"?"),
        None => format!(
            "unknown severity \"{value}\"; expected one of: {}",
            list(&names)
        ),
    };
    Err(syn::Error::new(lit.span(), msg))
}

/// The parenthesized list after `fields`, appended to `fields`; every mistake in it is reported.
pub(crate) fn parse_fields(input: ParseStream<'_>, fields: &mut Vec<Field>) -> syn::Result<()> {
    const EXAMPLE: &str = "fields(order_id = order.id, region = \"eu\")";
    if !input.peek(syn::token::Paren) {
        let rest = rest_of_argument(input);
        return Err(spanning(input, rest, format!("expected `{EXAMPLE}`")));
    }
    let content;
    let parens = syn::parenthesized!(content in input);
    let mut errors = Errors::default();
    if content.is_empty() {
        errors.add(
            parens.span.join(),
            format!("`fields()` records nothing: add `name = expression` entries, as in `{EXAMPLE}`, or remove it"),
        );
    }
    while !content.is_empty() {
        let entry = take_until(&content, |c| c == ',');
        match parse_field(entry) {
            Ok(field) => {
                let name = field.label();
                if fields.iter().any(|f| f.label() == name) {
                    errors.add(
                        &field.name,
                        format!("field `{name}` is given twice; keep one"),
                    );
                } else {
                    fields.push(field);
                }
            }
            Err(e) => errors.push(e),
        }
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    errors.finish()
}

fn parse_field(entry: TokenStream) -> syn::Result<Field> {
    let span = entry.clone().into_iter().next().map(|t| t.span());
    let Some(span) = span else {
        return Err(syn::Error::new(
            Span::call_site(),
            "expected `name = expression` between the commas",
        ));
    };
    // The name: everything before the first `=` that is not part of `==`, `<=`, ...
    let tokens: Vec<TokenTree> = entry.clone().into_iter().collect();
    let eq = tokens.iter().enumerate().position(|(i, t)| {
        matches!(t, TokenTree::Punct(p) if p.as_char() == '='
            && p.spacing() == proc_macro2::Spacing::Alone
            && !matches!(i.checked_sub(1).map(|j| &tokens[j]),
                Some(TokenTree::Punct(q)) if q.spacing() == proc_macro2::Spacing::Joint))
    });
    let Some(eq) = eq else {
        return Err(syn::Error::new_spanned(
            &entry,
            format!(
                "a field is `name = expression`: write `{} = {}`",
                guess_name(&entry),
                entry
            ),
        ));
    };
    let name_tokens: TokenStream = tokens[..eq].iter().cloned().collect();
    let expr_tokens: TokenStream = tokens[eq + 1..].iter().cloned().collect();
    let name = match Ident::parse_any.parse2(name_tokens.clone()) {
        Ok(name) => name,
        Err(_) => {
            let written: String = name_tokens.to_string();
            let suggestion = errmon_rules::labels::suggest_label_name(
                written.trim_matches('"').replace(' ', "").as_str(),
            )
            .unwrap_or_else(|| "order_id".to_owned());
            let at = if name_tokens.is_empty() {
                syn::Error::new(span, "a field needs a name before `=`")
            } else {
                syn::Error::new_spanned(
                    &name_tokens,
                    format!(
                        "field name `{}` is not an identifier: field names may hold only letters, digits and `_`; write `{suggestion} = ...`",
                        written.replace(' ', "")
                    ),
                )
            };
            return Err(at);
        }
    };
    if expr_tokens.is_empty() {
        return Err(syn::Error::new(
            name.span(),
            format!("expected an expression after `{name} =`"),
        ));
    }
    let expr: Expr = syn::parse2(expr_tokens)?;
    Ok(Field { name, expr })
}

/// A name for `order.id`: `id`; otherwise `name`.
fn guess_name(entry: &TokenStream) -> String {
    entry
        .clone()
        .into_iter()
        .filter_map(|t| match t {
            TokenTree::Ident(i) => Some(i.to_string()),
            _ => None,
        })
        .last()
        .unwrap_or_else(|| "name".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn fields(tokens: TokenStream) -> (Vec<String>, Vec<String>) {
        let parser = |input: ParseStream<'_>| {
            let mut out = Vec::new();
            let r = parse_fields(input, &mut out);
            Ok((out, r))
        };
        let (out, r) = parser.parse2(tokens).unwrap();
        let errors = r
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (out.iter().map(Field::label).collect(), errors)
    }

    #[test]
    fn fields_are_names_and_expressions() {
        let (names, errors) = fields(quote!((order_id = order.id, r#type = "a", ok = a == b)));
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(names, ["order_id", "type", "ok"]);
    }

    #[test]
    fn every_mistake_in_fields_is_reported() {
        let (names, errors) = fields(quote!((
            order.id,
            "order-id" = 1,
            order-id = 2,
            a = 1,
            a = 2,
            b =
        )));
        assert_eq!(names, ["a"]);
        assert_eq!(
            errors,
            [
                "a field is `name = expression`: write `id = order . id`",
                "field name `\"order-id\"` is not an identifier: field names may hold only letters, digits and `_`; write `order_id = ...`",
                "field name `order-id` is not an identifier: field names may hold only letters, digits and `_`; write `order_id = ...`",
                "field `a` is given twice; keep one",
                "expected an expression after `b =`",
            ]
        );
    }

    #[test]
    fn a_severity_is_one_of_four() {
        let expected = [
            ("info", "Info"),
            ("warning", "Warning"),
            ("error", "Error"),
            ("critical", "Critical"),
        ];
        assert_eq!(errmon_rules::severity::NAMES.len(), expected.len());
        for (name, variant) in expected {
            let lit = LitStr::new(name, Span::call_site());
            assert_eq!(severity_named(&lit).ok().unwrap().0, variant);
        }
        let lit = LitStr::new("warn", Span::call_site());
        assert_eq!(
            severity_named(&lit).err().unwrap().to_string(),
            "unknown severity \"warn\"; did you mean \"warning\"?"
        );
        let lit = LitStr::new("fatal", Span::call_site());
        assert_eq!(
            severity_named(&lit).err().unwrap().to_string(),
            "unknown severity \"fatal\"; expected one of: `info`, `warning`, `error`, `critical`"
        );
    }
}
