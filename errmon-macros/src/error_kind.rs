//! `#[derive(ErrorKind)]`: a bounded `error_kind` label from an enum's variant names.
//!
//! Input:  `enum DbError { NotFound, #[error_kind("timeout")] TimedOut(Duration) }`
//! Output: `impl ErrorKind for DbError { fn error_kind(&self) -> &'static str {
//!              match self { Self::NotFound { .. } => "not_found", Self::TimedOut { .. } => "timeout" } } }`

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Lit, LitStr, Meta};

use crate::diag::Errors;
use crate::names::snake_case;

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let variants = match &input.data {
        Data::Enum(e) => &e.variants,
        Data::Struct(s) => {
            errors.add(
                &s.struct_token,
                "#[derive(ErrorKind)] names the kinds of an error enum by their variants; for a struct, \
                 implement `errmon_runtime::ErrorKind` by hand",
            );
            return errors.finish().unwrap_err().to_compile_error();
        }
        Data::Union(u) => {
            errors.add(
                &u.union_token,
                "#[derive(ErrorKind)] needs an enum, not a union",
            );
            return errors.finish().unwrap_err().to_compile_error();
        }
    };
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("error_kind"))
    {
        errors.add(
            attr,
            "#[error_kind(\"...\")] goes on a variant, to name its kind; remove it from the enum",
        );
    }
    let mut arms = Vec::with_capacity(variants.len());
    for v in variants {
        let default = snake_case(&v.ident.to_string());
        let mut kind: Option<String> = None;
        for attr in v.attrs.iter().filter(|a| a.path().is_ident("error_kind")) {
            let Some(lit) = kind_literal(attr, &default, &mut errors) else {
                continue;
            };
            if kind.is_some() {
                errors.add(
                    attr,
                    "#[error_kind] is given twice on this variant; keep one",
                );
                continue;
            }
            let value = lit.value();
            if value.is_empty() {
                errors.add(
                    &lit,
                    format!(
                        "empty error kind: write a kind such as \"timeout\", or remove the attribute to use `{default}`"
                    ),
                );
            } else if value.len() > 64 {
                errors.add(
                    &lit,
                    format!(
                        "error kind is {} characters long; keep it to 64 or fewer, such as \"timeout\"",
                        value.len()
                    ),
                );
            }
            kind = Some(value);
        }
        let name = kind.unwrap_or(default);
        let ident = &v.ident;
        arms.push(quote!(Self::#ident { .. } => #name,));
    }
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let body = if arms.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self { #(#arms)* })
    };
    // The impl is emitted even next to errors, so code using the kinds does not fail as well.
    let mut out = errors
        .finish()
        .err()
        .map(|e| e.to_compile_error())
        .unwrap_or_default();
    out.extend(quote! {
        #[automatically_derived]
        impl #impl_generics ::errmon_runtime::ErrorKind for #ident #ty_generics #where_clause {
            fn error_kind(&self) -> &'static str {
                #body
            }
        }
    });
    out
}

/// The string of `#[error_kind("timeout")]`; any other form is an error that shows the right
/// one, with the variant's default kind as the example.
fn kind_literal(attr: &syn::Attribute, default: &str, errors: &mut Errors) -> Option<LitStr> {
    let example = format!("#[error_kind(\"{default}\")]");
    match &attr.meta {
        Meta::List(list) => match syn::parse2::<LitStr>(list.tokens.clone()) {
            Ok(lit) => return Some(lit),
            Err(_) if list.tokens.is_empty() => errors.add(
                attr,
                format!("expected a kind in the parentheses: write {example}"),
            ),
            Err(_) => errors.add(
                &list.tokens,
                format!("an error kind is a string literal: write {example}"),
            ),
        },
        Meta::NameValue(nv) => {
            let (eq, value) = (&nv.eq_token, &nv.value);
            let hint = match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => format!("#[error_kind(\"{}\")]", s.value()),
                _ => example,
            };
            errors.add(
                &quote!(#eq #value),
                format!("expected parentheses: write {hint}"),
            );
        }
        Meta::Path(path) => errors.add(
            path,
            format!("expected a kind: write {example}, or remove the attribute to use `{default}`"),
        ),
    }
    None
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn errors_and_impl(input: proc_macro2::TokenStream) -> (Vec<String>, bool) {
        let out = super::derive(input);
        let file: syn::File = syn::parse2(out).unwrap();
        let mut errors = Vec::new();
        let mut has_impl = false;
        for item in file.items {
            match item {
                syn::Item::Macro(m)
                    if m.mac.path.segments.last().unwrap().ident == "compile_error" =>
                {
                    errors.push(m.mac.parse_body::<syn::LitStr>().unwrap().value());
                }
                syn::Item::Impl(_) => has_impl = true,
                _ => {}
            }
        }
        (errors, has_impl)
    }

    #[test]
    fn variant_mistakes_keep_the_impl_so_users_of_it_still_compile() {
        let (errors, has_impl) = errors_and_impl(quote! {
            enum E { #[error_kind(5)] TimedOut, #[error_kind = "x"] Gone, #[error_kind("")] Lost }
        });
        assert!(has_impl);
        assert_eq!(
            errors,
            [
                "an error kind is a string literal: write #[error_kind(\"timed_out\")]",
                "expected parentheses: write #[error_kind(\"x\")]",
                "empty error kind: write a kind such as \"timeout\", or remove the attribute to use `lost`",
            ]
        );
    }

    #[test]
    fn a_kind_given_twice_is_reported_once() {
        let (errors, _) = errors_and_impl(quote! {
            enum E { #[error_kind("a")] #[error_kind("b")] A }
        });
        assert_eq!(
            errors,
            ["#[error_kind] is given twice on this variant; keep one"]
        );
    }
}
