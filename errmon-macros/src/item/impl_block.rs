//! An attribute on an `impl` block instruments every method in it, labelled `Type::method`.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ImplItem;

use super::{Target, instrument_fn, stacking};
use crate::args::{Args, Macro};
use crate::diag::Errors;
use crate::expand::FnParts;
use crate::names;

/// Instruments every method of an `impl` block. A method may carry the same attribute to adjust
/// its arguments, or `skip` to be left alone; the other errmon attributes on a method get the
/// same `Type::method` label unless they name it.
///
/// Input:  `#[monitored] impl Client { #[retry] fn call(&self) -> Result<u8, E> { .. } }`
/// Output: `impl Client { fn call(&self) -> Result<u8, E> { <monitored "Client::call"
///          around retried "Client::call"> } }`
pub(super) fn instrument(
    mac: Macro,
    args: &Args,
    mut imp: syn::ItemImpl,
    errors: &mut Errors,
) -> Option<TokenStream> {
    if let Some(p) = &args.predicate {
        errors.add(
            &p.key,
            format!(
                "`{}` depends on a method's return type; put it on the methods: #[{}({} = ...)]",
                p.key,
                mac.name(),
                p.key
            ),
        );
    }
    if let Some(skip) = &args.skip {
        errors.add(
            skip,
            format!(
                "`skip` goes on a method inside the `impl` block: #[{}(skip)]",
                mac.name()
            ),
        );
    }
    let prefix = args
        .name
        .as_ref()
        .map_or_else(|| names::compact_type(&imp.self_ty), syn::LitStr::value);
    // Attributes rustc expands on the block after this one: each handles its own on methods.
    let impl_macros: Vec<Macro> = imp.attrs.iter().filter_map(stacking::stacked).collect();
    let before = errors.len();
    let mut items = Vec::with_capacity(imp.items.len());
    for item in std::mem::take(&mut imp.items) {
        let ImplItem::Fn(mut f) = item else {
            items.push(item);
            continue;
        };
        let own = f.attrs.iter().position(|a| stacking::is_attr(a, mac));
        let method_args = match own.map(|i| f.attrs.remove(i)) {
            Some(attr) => {
                let tokens = match &attr.meta {
                    syn::Meta::Path(_) => TokenStream::new(),
                    syn::Meta::List(l) => l.tokens.clone(),
                    syn::Meta::NameValue(nv) => {
                        errors.add(nv, format!("expected #[{}(...)]", mac.name()));
                        continue;
                    }
                };
                Args::parse(mac, tokens, errors)
            }
            None => Args::default(),
        };
        let ident = f.sig.ident.to_string();
        let method_label = format!("{prefix}::{}", ident.strip_prefix("r#").unwrap_or(&ident));
        if method_args.skip.is_some() {
            // Left alone by this attribute, but the others on it still get the impl's label.
            match stacking::lower(
                None,
                FnParts::from_impl(f),
                Some(&method_label),
                &impl_macros,
            ) {
                Ok(parts) => items.push(ImplItem::Verbatim(parts.into_tokens())),
                Err(expanded_with_errors) => items.push(ImplItem::Verbatim(expanded_with_errors)),
            }
            continue;
        }
        let target = Target {
            label: method_args
                .name
                .as_ref()
                .map_or_else(|| method_label.clone(), syn::LitStr::value),
            stacked_label: Some(&method_label),
            in_impl: true,
            impl_macros: &impl_macros,
        };
        let merged = args.merge_method(method_args);
        if let Some(tokens) = instrument_fn(mac, &merged, FnParts::from_impl(f), &target, errors) {
            items.push(ImplItem::Verbatim(tokens));
        }
    }
    if errors.len() != before {
        return None;
    }
    imp.items = items;
    Some(imp.into_token_stream())
}

/// The block with the method attributes `mac` consumes removed, to emit next to errors.
pub(super) fn without_method_attrs(mac: Macro, mut imp: syn::ItemImpl) -> TokenStream {
    for item in &mut imp.items {
        if let ImplItem::Fn(f) = item {
            f.attrs.retain(|a| !stacking::is_attr(a, mac));
        }
    }
    imp.into_token_stream()
}
