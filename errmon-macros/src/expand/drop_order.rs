//! A closure or `async` block drops what it captured in another order than a function drops its
//! arguments; this puts the function's order back.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};
use syn::{Block, Signature};

/// Makes a closure or `async` block that runs a body drop the arguments as the function would.
///
/// A function drops its arguments after the body's locals, last argument first. A `move`
/// closure or `async move` block drops what it captured in the order the body first mentions
/// it, and does not capture what the body does not mention. Mentioning the arguments last-first
/// before the body gives it the function's order:
///
/// Input:  `fn f(a: A, (b, c): (B, C), unused: D) { body }`
/// Output: `let _ = (&c, &b, &a);` as the first statement of the closure or `async` block
///
/// Arguments the body never names are left out, so their `unused_variables` warning still
/// fires; they, `_` arguments and the `..` rest of destructured arguments are dropped after
/// the others, when the function returns.
pub(super) fn capture_in_drop_order(sig: &Signature, block: &Block) -> TokenStream {
    let mut bindings = Vec::new();
    for arg in &sig.inputs {
        match arg {
            syn::FnArg::Receiver(r) => bindings.push(syn::Ident::new("self", r.self_token.span)),
            syn::FnArg::Typed(t) => pattern_bindings(&t.pat, &mut bindings),
        }
    }
    let mut named = std::collections::HashSet::new();
    idents_in(block.to_token_stream(), &mut named);
    let mentioned: Vec<_> = bindings
        .into_iter()
        .rev()
        .filter(|b| named.contains(&b.to_string()))
        .collect();
    if mentioned.is_empty() {
        return TokenStream::new();
    }
    quote_spanned!(Span::mixed_site()=> let _ = (#(&#mentioned,)*);)
}

/// The variables a parameter pattern binds, in order.
fn pattern_bindings(pat: &syn::Pat, out: &mut Vec<syn::Ident>) {
    match pat {
        syn::Pat::Ident(p) => {
            out.push(p.ident.clone());
            if let Some((_, sub)) = &p.subpat {
                pattern_bindings(sub, out);
            }
        }
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| pattern_bindings(p, out)),
        syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|p| pattern_bindings(p, out)),
        syn::Pat::Struct(s) => s.fields.iter().for_each(|f| pattern_bindings(&f.pat, out)),
        syn::Pat::Slice(s) => s.elems.iter().for_each(|p| pattern_bindings(p, out)),
        syn::Pat::Reference(r) => pattern_bindings(&r.pat, out),
        syn::Pat::Paren(p) => pattern_bindings(&p.pat, out),
        syn::Pat::Type(t) => pattern_bindings(&t.pat, out),
        _ => {}
    }
}

/// The identifiers in `tokens` that may name a local variable: not those after `.` (a field or
/// method, as in `p.x`) or `::` (a path segment).
fn idents_in(tokens: TokenStream, out: &mut std::collections::HashSet<String>) {
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
