//! A closure or `async` block drops what it captured in another order than a function drops its
//! arguments; this puts the function's order back.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::{Attribute, Block, FnArg, Pat, Signature};

/// Makes a closure or `async` block that runs a body drop the arguments as the function would,
/// whatever the body names, and returns the statements that start the closure or block.
///
/// A function drops its arguments after the body's locals, last argument first. A `move`
/// closure or `async move` block drops what it captured in the order the body first mentions
/// it, and does not capture what the body does not mention. Rebinding every binding of every
/// argument as a local, first argument first, before the body (async-trait does the same) gives
/// the function's order, since locals drop last declared first:
///
/// Input:  `fn f(mut a: A, (b, c): (B, C), _: D, unused: E) { body }`
/// Output: `fn f(a: A, (b, c): (B, C), errmon_arg_2: D, unused: E)`, and as the first
///         statements of the closure or `async` block:
///         `let mut a = a; let b = b; let c = c; let errmon_arg_2 = errmon_arg_2; let unused = unused;`
///
/// Each rebinding carries the user's identifier and `mut`, so `unused_variables` and
/// `unused_mut` still fire on an argument the body does not use, where the user wrote it. A
/// `_` argument gets a name the user cannot write; it keeps its `_` when `#[instrument]` is
/// still to expand (`keep_wild`), since tracing would record a named argument as a field. The
/// parts of a destructured argument that bind nothing (`..`, a nested `_`) are dropped after
/// the others, when the function returns.
pub(super) fn rebind_in_drop_order(
    sig: &mut Signature,
    block: &Block,
    keep_wild: bool,
) -> TokenStream {
    let mut named = HashSet::new();
    idents_in(block.to_token_stream(), &mut named);
    let mut out = TokenStream::new();
    for (i, arg) in sig.inputs.iter_mut().enumerate() {
        let FnArg::Typed(t) = arg else { continue };
        let cfgs: Vec<&Attribute> = t
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("cfg"))
            .collect();
        let mut lets = Vec::new();
        if matches!(*t.pat, Pat::Wild(_)) {
            if keep_wild {
                continue;
            }
            let name = format_ident!("errmon_arg_{}", i, span = Span::mixed_site());
            *t.pat = Pat::Ident(syn::PatIdent {
                attrs: Vec::new(),
                by_ref: None,
                mutability: None,
                ident: name.clone(),
                subpat: None,
            });
            lets.push(quote!(let #name = #name;));
        } else {
            rebind(&mut t.pat, &named, &mut lets);
        }
        for stmt in lets {
            out.extend(quote!(#(#cfgs)* #stmt));
        }
    }
    out
}

/// The identifier as generated code: it resolves as the user's, but clippy's lints on uses
/// (`used_underscore_binding`) see it as the macro's.
fn generated(ident: &syn::Ident) -> syn::Ident {
    let mut out = ident.clone();
    out.set_span(Span::call_site().located_at(ident.span()));
    out
}

/// Moves the `mut` of every by-value binding of `pat` to a `let` rebinding it.
fn rebind(pat: &mut Pat, named: &HashSet<String>, lets: &mut Vec<TokenStream>) {
    match pat {
        Pat::Ident(p) => {
            let value = generated(&p.ident);
            // Only a binding the body does not name can be unused: it keeps the user's span, so
            // rustc's `unused_variables` fires on it; the others are the macro's, so that clippy
            // does not count them as bindings of the user's (`many_single_char_names`).
            let unused =
                !named.contains(&p.ident.to_string()) && !p.ident.to_string().starts_with('_');
            let ident = &if unused {
                p.ident.clone()
            } else {
                value.clone()
            };
            if p.by_ref.is_some() {
                // Binds a reference into the argument, which is itself not moved.
                lets.push(quote!(let #ident = #value;));
            } else {
                let mutability = p.mutability.take();
                lets.push(quote!(let #mutability #ident = #value;));
            }
            if let Some((_, sub)) = &mut p.subpat {
                rebind(sub, named, lets);
            }
        }
        Pat::Tuple(t) => t.elems.iter_mut().for_each(|p| rebind(p, named, lets)),
        Pat::TupleStruct(t) => t.elems.iter_mut().for_each(|p| rebind(p, named, lets)),
        Pat::Struct(s) => s
            .fields
            .iter_mut()
            .for_each(|f| rebind(&mut f.pat, named, lets)),
        Pat::Slice(s) => s.elems.iter_mut().for_each(|p| rebind(p, named, lets)),
        Pat::Reference(r) => rebind(&mut r.pat, named, lets),
        Pat::Paren(p) => rebind(&mut p.pat, named, lets),
        Pat::Type(t) => rebind(&mut t.pat, named, lets),
        _ => {}
    }
}

/// The identifiers in `tokens` that may name a local variable: not those after `.` (a field or
/// method, as in `p.x`) or `::` (a path segment).
fn idents_in(tokens: TokenStream, out: &mut HashSet<String>) {
    let mut after_dot_or_path = false;
    let mut prev_colon = false;
    for tt in tokens {
        let (dot_or_path, colon) = match &tt {
            TokenTree::Ident(i) => {
                if !after_dot_or_path {
                    out.insert(i.to_string());
                }
                (false, false)
            }
            TokenTree::Group(g) => {
                idents_in(g.stream(), out);
                (false, false)
            }
            TokenTree::Punct(p) => match p.as_char() {
                '.' => (true, false),
                ':' => (prev_colon, true),
                _ => (false, false),
            },
            TokenTree::Literal(_) => (false, false),
        };
        after_dot_or_path = dot_or_path;
        prev_colon = colon;
    }
}
