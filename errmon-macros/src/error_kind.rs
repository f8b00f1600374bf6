//! `#[derive(ErrorKind)]`: a bounded `error_kind` label from an enum's variant names.
//!
//! Input:  `enum DbError { NotFound, #[error_kind("timeout")] TimedOut(Duration) }`
//! Output: `impl ErrorKind for DbError { fn error_kind(&self) -> &'static str {
//!              match self { Self::NotFound { .. } => "not_found", Self::TimedOut { .. } => "timeout" } } }`

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, LitStr};

use crate::args::Errors;
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
                s.struct_token,
                "#[derive(ErrorKind)] names the kinds of an error enum by their variants; for a struct, \
                 implement `errmon_runtime::ErrorKind` by hand",
            );
            return errors.finish().unwrap_err().to_compile_error();
        }
        Data::Union(u) => {
            errors.add(
                u.union_token,
                "#[derive(ErrorKind)] needs an enum, not a union",
            );
            return errors.finish().unwrap_err().to_compile_error();
        }
    };
    let mut arms = Vec::with_capacity(variants.len());
    for v in variants {
        let mut kind = None;
        for attr in v.attrs.iter().filter(|a| a.path().is_ident("error_kind")) {
            match attr.parse_args::<LitStr>() {
                Ok(lit) if kind.is_some() => errors.add(
                    lit,
                    "#[error_kind] is given twice on this variant; keep one",
                ),
                Ok(lit) => {
                    let value = lit.value();
                    if value.is_empty() || value.len() > 64 {
                        errors.add(
                            &lit,
                            "an error kind is 1 to 64 characters, such as \"timeout\"",
                        );
                    }
                    kind = Some(value);
                }
                Err(_) => errors.add(
                    attr,
                    "expected #[error_kind(\"name\")], such as #[error_kind(\"timeout\")]",
                ),
            }
        }
        let name = kind.unwrap_or_else(|| snake_case(&v.ident.to_string()));
        let ident = &v.ident;
        arms.push(quote!(Self::#ident { .. } => #name,));
    }
    if let Err(e) = errors.finish() {
        return e.to_compile_error();
    }
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let body = if arms.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self { #(#arms)* })
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics ::errmon_runtime::ErrorKind for #ident #ty_generics #where_clause {
            fn error_kind(&self) -> &'static str {
                #body
            }
        }
    }
}
