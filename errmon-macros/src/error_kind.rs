//! `#[derive(ErrorKind)]`: a bounded `error_kind` label from an enum's variant names.
//!
//! Input:  `enum DbError { NotFound, #[error_kind("timeout")] TimedOut(Duration),
//!                         #[error_kind(transparent)] Pool(PoolError) }`
//! Output: `impl ErrorKind for DbError { fn error_kind(&self) -> &'static str {
//!              match self { Self::NotFound { .. } => "not_found", Self::TimedOut { .. } => "timeout",
//!                           Self::Pool(inner) => <PoolError as TransparentKind>::transparent_kind(inner) } } }`

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Lit, LitStr, Meta};

/// What `#[error_kind(...)]` on a variant says.
enum Given {
    /// `#[error_kind("timeout")]`.
    Named(LitStr),
    /// `#[error_kind(transparent)]`: the kind of the error the variant wraps.
    Transparent(Span),
}

use crate::args::SeverityArg;
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
    let default_severity = severity_of(&input.attrs, "enum", &mut errors);
    let mut arms = Vec::with_capacity(variants.len());
    let mut severity_arms = Vec::with_capacity(variants.len());
    let mut any_severity = default_severity.is_some();
    // The types transparent variants wrap, which may need an `ErrorKind` bound.
    let mut wrapped: Vec<syn::Type> = Vec::new();
    for v in variants {
        let default = snake_case(&v.ident.to_string());
        let mut given: Option<Given> = None;
        for attr in v.attrs.iter().filter(|a| a.path().is_ident("error_kind")) {
            let Some(this) = kind_literal(attr, &default, &mut errors) else {
                continue;
            };
            if given.is_some() {
                errors.add(
                    attr,
                    "#[error_kind] is given twice on this variant; keep one",
                );
                continue;
            }
            if let Given::Named(lit) = &this {
                check_kind(lit, &default, &mut errors);
            }
            given = Some(this);
        }
        let ident = &v.ident;
        let severity =
            severity_of(&v.attrs, "variant", &mut errors).or_else(|| default_severity.clone());
        any_severity |= severity.is_some() || matches!(given, Some(Given::Transparent(_)));
        severity_arms.push(severity_arm(
            v,
            severity.as_ref(),
            matches!(given, Some(Given::Transparent(_))),
        ));
        let arm = match given {
            Some(Given::Transparent(span)) => {
                let arm = transparent_arm(v, span, &mut errors);
                if arm.is_some() {
                    wrapped.extend(v.fields.iter().map(|f| f.ty.clone()));
                }
                arm
            }
            Some(Given::Named(lit)) => {
                let name = lit.value();
                Some(quote!(Self::#ident { .. } => #name,))
            }
            None => Some(quote!(Self::#ident { .. } => #default,)),
        };
        // A variant in error still gets an arm, so the match stays exhaustive.
        arms.push(arm.unwrap_or_else(|| quote!(Self::#ident { .. } => #default,)));
    }
    let ident = &input.ident;
    let generics = bound_generic_wrapped(&input.generics, wrapped);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let body = if arms.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self { #(#arms)* })
    };
    // Without any `#[error_severity]` or transparent variant, the trait's default (`None`).
    let severity_fn = (any_severity && !severity_arms.is_empty()).then(|| {
        quote! {
            fn error_severity(&self) -> ::core::option::Option<::errmon_runtime::errors::Severity> {
                match self { #(#severity_arms)* }
            }
        }
    });
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
            #severity_fn
        }
    });
    out
}

/// The severity `#[error_severity("critical")]` among `attrs` names; `on` is `variant` or
/// `enum`, for messages.
fn severity_of(attrs: &[syn::Attribute], on: &str, errors: &mut Errors) -> Option<SeverityArg> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("error_severity")) {
        let parsed = match &attr.meta {
            Meta::List(list) => syn::parse2::<LitStr>(list.tokens.clone())
                .map_err(|_| {
                    syn::Error::new_spanned(
                        &list.tokens,
                        format!(
                            "a severity is a string literal: write #[error_severity(\"critical\")] ({})",
                            crate::args::severity_names()
                        ),
                    )
                })
                .and_then(|lit| crate::args::severity_named(&lit)),
            _ => Err(syn::Error::new_spanned(
                attr,
                "expected a severity in parentheses: write #[error_severity(\"critical\")]",
            )),
        };
        match parsed {
            Ok(_) if found.is_some() => {
                errors.add(
                    attr,
                    format!("#[error_severity] is given twice on this {on}; keep one"),
                );
            }
            Ok(sev) => found = Some(sev),
            Err(e) => errors.push(e),
        }
    }
    found
}

/// `Self::A { .. } => Some(Severity::Critical),` for the variant's severity; for a transparent
/// variant without one, the severity of the error it wraps (none when its type has no
/// `ErrorKind`, which the kind's arm reports).
fn severity_arm(
    v: &syn::Variant,
    severity: Option<&SeverityArg>,
    transparent: bool,
) -> TokenStream {
    let ident = &v.ident;
    if let Some(SeverityArg(variant)) = severity {
        return quote!(Self::#ident { .. } => ::core::option::Option::Some(::errmon_runtime::errors::Severity::#variant),);
    }
    let inner = syn::Ident::new("errmon_inner", Span::mixed_site());
    let forward = quote! {{
        use ::errmon_runtime::__private::severity_via::*;
        (&&::errmon_runtime::__private::SeverityOf(&::core::result::Result::<(), _>::Err(#inner))).__errmon_severity()
    }};
    match (&v.fields, v.fields.iter().next()) {
        (Fields::Named(_), Some(f)) if transparent && v.fields.len() == 1 => {
            let name = f.ident.as_ref().expect("a named field");
            quote!(Self::#ident { #name: #inner } => #forward,)
        }
        (Fields::Unnamed(_), Some(_)) if transparent && v.fields.len() == 1 => {
            quote!(Self::#ident(#inner) => #forward,)
        }
        _ => quote!(Self::#ident { .. } => ::core::option::Option::None,),
    }
}

fn check_kind(lit: &LitStr, default: &str, errors: &mut Errors) {
    let value = lit.value();
    if value.is_empty() {
        errors.add(
            lit,
            format!(
                "empty error kind: write a kind such as \"timeout\", or remove the attribute to use `{default}`"
            ),
        );
    } else if value.len() > 64 {
        errors.add(
            lit,
            format!(
                "error kind is {} characters long; keep it to 64 or fewer, such as \"timeout\"",
                value.len()
            ),
        );
    }
}

/// The generics with `T: ErrorKind` for every wrapped type `T` that names a type parameter, as
/// thiserror bounds `#[error(transparent)]` fields: `enum Layered<E> { #[error_kind(transparent)]
/// Inner(E) }` gets `impl<E> ErrorKind for Layered<E> where E: ErrorKind`.
fn bound_generic_wrapped(generics: &syn::Generics, wrapped: Vec<syn::Type>) -> syn::Generics {
    let params: Vec<String> = generics
        .type_params()
        .map(|p| p.ident.to_string())
        .collect();
    let mut generics = generics.clone();
    for ty in wrapped {
        if mentions_any(quote!(#ty), &params) {
            generics
                .make_where_clause()
                .predicates
                .push(syn::parse_quote!(#ty: ::errmon_runtime::ErrorKind));
        }
    }
    generics
}

fn mentions_any(tokens: TokenStream, idents: &[String]) -> bool {
    tokens.into_iter().any(|tt| match tt {
        proc_macro2::TokenTree::Ident(i) => idents.iter().any(|p| i == p),
        proc_macro2::TokenTree::Group(g) => mentions_any(g.stream(), idents),
        _ => false,
    })
}

/// `Self::Io(inner) => <io::Error as ErrorKind>::error_kind(inner),` for a variant that wraps
/// one error. The call is spanned on the field's type, so a type without `ErrorKind` is
/// reported there.
fn transparent_arm(v: &syn::Variant, at: Span, errors: &mut Errors) -> Option<TokenStream> {
    let ident = &v.ident;
    let fields: Vec<_> = v.fields.iter().collect();
    let [field] = fields.as_slice() else {
        let has = match fields.len() {
            0 => "no field".to_owned(),
            n => format!("{n} fields"),
        };
        errors.add(
            at,
            format!(
                "#[error_kind(transparent)] takes the kind of the one error a variant wraps, but `{ident}` has {has}; \
                 wrap one error, as in `{ident}(SourceError)`, or name the kind: #[error_kind(\"{}\")]",
                snake_case(&ident.to_string())
            ),
        );
        return None;
    };
    let inner = syn::Ident::new("errmon_inner", Span::mixed_site());
    let ty = &field.ty;
    let call = quote_spanned!(ty.span()=> <#ty as ::errmon_runtime::__private::TransparentKind>::transparent_kind(#inner));
    Some(match &v.fields {
        Fields::Named(_) => {
            let name = field.ident.as_ref()?;
            quote!(Self::#ident { #name: #inner } => #call,)
        }
        _ => quote!(Self::#ident(#inner) => #call,),
    })
}

/// The string of `#[error_kind("timeout")]`, or `transparent`; any other form is an error that shows the right
/// one, with the variant's default kind as the example.
fn kind_literal(attr: &syn::Attribute, default: &str, errors: &mut Errors) -> Option<Given> {
    let example = format!("#[error_kind(\"{default}\")]");
    match &attr.meta {
        Meta::List(list) => match syn::parse2::<LitStr>(list.tokens.clone()) {
            Ok(lit) => return Some(Given::Named(lit)),
            Err(_) if list.tokens.is_empty() => errors.add(
                attr,
                format!("expected a kind in the parentheses: write {example}"),
            ),
            Err(_) => match syn::parse2::<syn::Ident>(list.tokens.clone()) {
                Ok(word) if word == "transparent" => {
                    return Some(Given::Transparent(word.span()));
                }
                Ok(word) if crate::names::nearest(&word.to_string(), &["transparent"]).is_some() => {
                    errors.add(&word, format!("unknown `{word}`; did you mean `transparent`?"));
                }
                Ok(word) => errors.add(
                    &word,
                    format!(
                        "an error kind is a string literal: write #[error_kind(\"{word}\")], \
                         or #[error_kind(transparent)] for a variant wrapping an error that has its own kind"
                    ),
                ),
                Err(_) => errors.add(
                    &list.tokens,
                    format!("an error kind is a string literal: write {example}"),
                ),
            },
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

    #[test]
    fn transparent_takes_the_one_wrapped_error() {
        let (errors, has_impl) = errors_and_impl(quote! {
            enum E {
                #[error_kind(transparent)] Db(DbError),
                #[error_kind(transparent)] Pool { source: PoolError },
                #[error_kind(transparent)] Gone,
                #[error_kind(transparent)] Two(A, B),
                #[error_kind(transparent)] #[error_kind("x")] Twice(A),
                #[error_kind(transparnt)] Typo(A),
                #[error_kind(timeout)] Unquoted,
            }
        });
        assert!(has_impl);
        assert_eq!(
            errors,
            [
                "#[error_kind(transparent)] takes the kind of the one error a variant wraps, but `Gone` has no field; wrap one error, as in `Gone(SourceError)`, or name the kind: #[error_kind(\"gone\")]",
                "#[error_kind(transparent)] takes the kind of the one error a variant wraps, but `Two` has 2 fields; wrap one error, as in `Two(SourceError)`, or name the kind: #[error_kind(\"two\")]",
                "#[error_kind] is given twice on this variant; keep one",
                "unknown `transparnt`; did you mean `transparent`?",
                "an error kind is a string literal: write #[error_kind(\"timeout\")], or #[error_kind(transparent)] for a variant wrapping an error that has its own kind",
            ]
        );
        let out = super::derive(quote! {
            enum E { #[error_kind(transparent)] Pool { source: PoolError } }
        })
        .to_string();
        assert!(
            out.contains("Self :: Pool { source : errmon_inner } => < PoolError as :: errmon_runtime :: __private :: TransparentKind > :: transparent_kind (errmon_inner)"),
            "{out}"
        );
    }
}
