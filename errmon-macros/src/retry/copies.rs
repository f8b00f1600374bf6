//! Each attempt of a `#[retry]` body gets its own copy of every by-value argument, since the
//! body may consume them; references are reborrowed by each attempt instead.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};
use syn::{FnArg, Ident, Pat, Token, Type};

/// Statements giving each attempt its own copy of every by-value argument, and whether `self`
/// is taken by value. A missing `Clone` is reported on the argument by `RetryClone`'s own
/// message, label and note, which rustc only shows when the type is named in the call:
///
/// Input:  `fn send(request: Request)`
/// Output: `let request = <Request as RetryClone>::retry_clone(&request);`, the type located at
///         `request`. Inferred from `&request` instead, the error would come with rustc's
///         generic label and a suggestion to write `&request: Request` in the signature.
pub(crate) fn per_attempt_copies(sig: &syn::Signature) -> (Vec<TokenStream>, bool) {
    let mut out = Vec::new();
    let mut renames_self = false;
    let own: Vec<&Ident> = sig
        .generics
        .lifetimes()
        .map(|l| &l.lifetime.ident)
        .collect();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) => {
                if !matches!(*r.ty, Type::Reference(_)) {
                    renames_self = true;
                    let this = Ident::new("__errmon_self", Span::call_site());
                    let from = Ident::new("self", r.self_token.span);
                    out.push(copy(&this, r.mutability, &from, Some(&r.ty), &own));
                }
            }
            FnArg::Typed(t) => {
                if matches!(*t.ty, Type::Reference(_)) {
                    continue;
                }
                let mut bindings = Vec::new();
                typed_bindings(&t.pat, Some(&t.ty), &mut bindings);
                for (ident, m, ty) in bindings {
                    out.push(copy(&ident, m, &ident, ty, &own));
                }
            }
        }
    }
    (out, renames_self)
}

/// `let <m> <to> = <<ty> as RetryClone>::retry_clone(&<from>);`, spanned on `from`. The type is
/// left to inference when it cannot be named in the body (`impl Trait`) or is not known (a
/// binding inside a destructuring pattern). The function's own lifetimes become `'_`, so that
/// naming them here does not silence clippy's `needless_lifetimes` on the user's signature.
fn copy(
    to: &Ident,
    m: Option<Token![mut]>,
    from: &Ident,
    ty: Option<&Type>,
    own_lifetimes: &[&Ident],
) -> TokenStream {
    let span = from.span();
    let trait_path = quote_spanned!(span=> ::errmon_runtime::__private::RetryClone);
    match ty.filter(|ty| !mentions_impl(ty.to_token_stream())) {
        Some(ty) => {
            let ty = elide(ty.to_token_stream(), own_lifetimes);
            let ty = locate(ty, span);
            quote_spanned! {span=>
                let #m #to = <#ty as #trait_path>::retry_clone(&#from);
            }
        }
        None => quote_spanned! {span=>
            let #m #to = #trait_path::retry_clone(&#from);
        },
    }
}

/// The by-value bindings of a parameter pattern, each with its type where the pattern shows it:
/// `(host, request): (String, Request)` gives `host: String` and `request: Request`.
fn typed_bindings<'a>(
    pat: &Pat,
    ty: Option<&'a Type>,
    out: &mut Vec<(Ident, Option<Token![mut]>, Option<&'a Type>)>,
) {
    let ty = ty.map(|mut ty| {
        while let Type::Paren(syn::TypeParen { elem, .. })
        | Type::Group(syn::TypeGroup { elem, .. }) = ty
        {
            ty = elem;
        }
        ty
    });
    match (pat, ty) {
        (Pat::Ident(p), _) if p.by_ref.is_none() => {
            out.push((p.ident.clone(), p.mutability, ty));
            if let Some((_, sub)) = &p.subpat {
                typed_bindings(sub, None, out);
            }
        }
        (Pat::Tuple(p), Some(Type::Tuple(t)))
            if p.elems.len() == t.elems.len()
                && !p.elems.iter().any(|e| matches!(e, Pat::Rest(_))) =>
        {
            for (p, t) in p.elems.iter().zip(&t.elems) {
                typed_bindings(p, Some(t), out);
            }
        }
        (Pat::Paren(p), _) => typed_bindings(&p.pat, ty, out),
        _ => {
            let mut bindings = Vec::new();
            collect_bindings(pat, &mut bindings);
            out.extend(bindings.into_iter().map(|(i, m)| (i, m, None)));
        }
    }
}

fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == "impl",
        TokenTree::Group(g) => mentions_impl(g.stream()),
        _ => false,
    })
}

/// Replaces the lifetimes named in `own` with `'_`.
fn elide(tokens: TokenStream, own: &[&Ident]) -> TokenStream {
    let mut after_quote = false;
    tokens
        .into_iter()
        .map(|tt| {
            let was_after_quote = std::mem::replace(
                &mut after_quote,
                matches!(&tt, TokenTree::Punct(p) if p.as_char() == '\''),
            );
            match tt {
                TokenTree::Ident(i) if was_after_quote && own.iter().any(|o| **o == i) => {
                    TokenTree::Ident(Ident::new("_", i.span()))
                }
                TokenTree::Group(g) => {
                    let mut n = proc_macro2::Group::new(g.delimiter(), elide(g.stream(), own));
                    n.set_span(g.span());
                    TokenTree::Group(n)
                }
                other => other,
            }
        })
        .collect()
}

/// Moves every token to `at` for error locations, keeping each token's own name resolution.
fn locate(tokens: TokenStream, at: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut n = proc_macro2::Group::new(g.delimiter(), locate(g.stream(), at));
                n.set_span(g.span().located_at(at));
                tt = TokenTree::Group(n);
            } else {
                tt.set_span(tt.span().located_at(at));
            }
            tt
        })
        .collect()
}

/// A `mut` by-value parameter is now mutated through its per-attempt copy, which keeps the `mut`
/// (and so the user's own `unused_mut` warning). The parameter keeps its `mut` too, so clippy
/// still reads it as consumed (`needless_pass_by_value`); a mutable borrow of it before the loop
/// is what uses that `mut`, rather than an `allow(unused_mut)` that a crate forbidding
/// `warnings` would refuse.
pub(crate) fn use_mut_of_copied_params(sig: &syn::Signature) -> TokenStream {
    let mut out = TokenStream::new();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) if r.mutability.is_some() && r.reference.is_none() => {
                let this = Ident::new("self", r.self_token.span.resolved_at(Span::call_site()));
                out.extend(quote_spanned!(Span::mixed_site()=> let _ = &mut #this;));
            }
            FnArg::Typed(t) if !matches!(*t.ty, Type::Reference(_)) => {
                let mut bindings = Vec::new();
                collect_bindings(&t.pat, &mut bindings);
                for (ident, _) in bindings.iter().filter(|(_, m)| m.is_some()) {
                    let mut ident = ident.clone();
                    ident.set_span(Span::call_site().located_at(ident.span()));
                    out.extend(quote_spanned!(Span::mixed_site()=> let _ = &mut #ident;));
                }
            }
            _ => {}
        }
    }
    out
}

fn collect_bindings(pat: &Pat, out: &mut Vec<(Ident, Option<Token![mut]>)>) {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() => {
            out.push((p.ident.clone(), p.mutability));
            if let Some((_, sub)) = &p.subpat {
                collect_bindings(sub, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| collect_bindings(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| collect_bindings(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| collect_bindings(&f.pat, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| collect_bindings(p, out)),
        Pat::Paren(p) => collect_bindings(&p.pat, out),
        Pat::Type(t) => collect_bindings(&t.pat, out),
        _ => {}
    }
}

/// Replaces the `self` keyword in a body with `__errmon_self`, keeping each token's span, as
/// async-trait does: a closure or block cannot rebind `self`.
pub(crate) fn rename_self(tokens: TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Ident(i) if i == "self" => {
                TokenTree::Ident(Ident::new("__errmon_self", i.span()))
            }
            TokenTree::Group(g) => {
                let mut n = proc_macro2::Group::new(g.delimiter(), rename_self(g.stream()));
                n.set_span(g.span());
                TokenTree::Group(n)
            }
            other => other,
        })
        .collect()
}
