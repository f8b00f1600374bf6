//! A closure or `async` block drops what it captured in another order than a function drops its
//! arguments; this puts the function's order back.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{Attribute, Block, FnArg, Pat, Signature, Type};

/// Makes a closure or `async` block that runs a body drop the arguments as the function would,
/// whatever the body names, and returns the statements that start the closure or block.
///
/// A function drops its arguments after the body's locals, last argument first. A `move`
/// closure or `async move` block drops what it captured after its locals, in the order the
/// body first mentions it, and does not capture what the body does not mention:
///
/// - the leading arguments the body names entirely are mentioned last-first before the body,
///   which fixes the order they are captured and dropped in: `let _ = (&c, &b, &a);`;
/// - from the first argument the body does not name entirely, every binding is moved into a
///   local, first argument first, as async-trait does: `let d = d; let e = e;` (locals drop
///   last declared first, and before the captured arguments). Each rebinding carries the
///   user's identifier and `mut`, so `unused_variables` and `unused_mut` still fire where the
///   user wrote the argument.
///
/// Input:  `fn f(a: A, b: B, _: C, mut d: D, _e: E) { uses a, b }`
/// Output: `fn f(a: A, b: B, errmon_arg_2: C, d: D, errmon_bind_4: E)`, and in the closure or
///         block: `let _ = (&b, &a); let errmon_arg_2 = errmon_arg_2; let mut d = d; let _e = errmon_bind_4;`
///
/// Arguments of reference type are left alone, as async-trait leaves them: they drop nothing,
/// and a block that mentioned one the body does not use would capture it, so that the future
/// of `#[monitored] #[async_trait] impl<T> Generic<T> for One { async fn take(&self, _: &T) {} }`
/// would be `Send` only for `T: Sync` (errmon's attribute expands first, and async-trait's
/// `async move` block then holds whatever errmon's statements mention).
///
/// `_` and `_name` bindings get names the user cannot write in the signature (a use of `_name`
/// is clippy's `used_underscore_binding`). The parts of a destructured argument that bind
/// nothing (`..`, a nested `_`) are dropped when the function returns.
///
/// When `#[instrument]` is still to expand (`keep_names`), the signature stays as written
/// (tracing records named arguments as fields) and only the arguments the body names are
/// mentioned, in order: tracing's expansion may consume the others (`follows_from = causes`)
/// before the body runs, and its `async` block decides what it captures.
pub(super) fn rebind_in_drop_order(
    sig: &mut Signature,
    block: &Block,
    keep_names: bool,
) -> TokenStream {
    let mut named = HashSet::new();
    idents_in(block.to_token_stream(), &mut named);
    let mut mentioned = Vec::new();
    let mut lets = TokenStream::new();
    let mut rebinding = false;
    for (i, arg) in sig.inputs.iter_mut().enumerate() {
        let t = match arg {
            FnArg::Receiver(r) => {
                if named.contains("self") {
                    mentioned.push(syn::Ident::new("self", r.self_token.span));
                }
                continue;
            }
            FnArg::Typed(t) => t,
        };
        let cfgs: Vec<&Attribute> = t
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("cfg"))
            .collect();
        if keep_names {
            // tracing's expansion may consume arguments the body does not name
            // (`follows_from = causes`) before the body runs: only those the body names are
            // captured, in order.
            let mut bindings = Vec::new();
            fully_bound(&t.pat, &mut bindings);
            mentioned.extend(
                bindings
                    .into_iter()
                    .filter(|b| named.contains(&b.to_string())),
            );
            continue;
        }
        if matches!(*t.ty, Type::Reference(_)) {
            // A reference drops nothing, so its place in the order does not matter: it is left
            // to the body to capture, as async-trait leaves it (see above).
            continue;
        }
        if !rebinding {
            let mut bindings = Vec::new();
            if fully_bound(&t.pat, &mut bindings)
                && bindings.iter().all(|b| named.contains(&b.to_string()))
            {
                mentioned.extend(bindings);
                continue;
            }
            rebinding = true;
        }
        let mut stmts = Vec::new();
        if matches!(*t.pat, Pat::Wild(_)) {
            if keep_names {
                continue;
            }
            let name = format_ident!("errmon_arg_{}", i, span = Span::mixed_site());
            *t.pat = ident_pat(name.clone());
            stmts.push(quote!(let #name = #name;));
        } else {
            let mut next = 0;
            rebind(&mut t.pat, &named, keep_names, &mut next, i, &mut stmts);
        }
        for stmt in stmts {
            lets.extend(quote!(#(#cfgs)* #stmt));
        }
    }
    let mention = (!mentioned.is_empty()).then(|| {
        let rev = mentioned.iter().rev();
        quote_spanned!(Span::mixed_site()=> let _ = (#(&#rev,)*);)
    });
    quote!(#mention #lets)
}

fn ident_pat(ident: syn::Ident) -> Pat {
    Pat::Ident(syn::PatIdent {
        attrs: Vec::new(),
        by_ref: None,
        mutability: None,
        ident,
        subpat: None,
    })
}

/// Collects the bindings of `pat`; whether every part of the value is bound (no `_`, no `..`).
fn fully_bound(pat: &Pat, out: &mut Vec<syn::Ident>) -> bool {
    match pat {
        Pat::Ident(p) => {
            out.push(p.ident.clone());
            p.subpat
                .as_ref()
                .is_none_or(|(_, sub)| fully_bound(sub, out))
        }
        Pat::Tuple(t) => t.elems.iter().all(|p| fully_bound(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().all(|p| fully_bound(p, out)),
        Pat::Struct(s) => s.rest.is_none() && s.fields.iter().all(|f| fully_bound(&f.pat, out)),
        Pat::Slice(s) => s.elems.iter().all(|p| fully_bound(p, out)),
        Pat::Reference(r) => fully_bound(&r.pat, out),
        Pat::Paren(p) => fully_bound(&p.pat, out),
        Pat::Type(t) => fully_bound(&t.pat, out),
        _ => false,
    }
}

/// Rebinds every binding of `pat` as a local, moving its `mut` there; a `_name` binding is
/// renamed in `pat` first (unless `keep_names`, which leaves it out).
fn rebind(
    pat: &mut Pat,
    named: &HashSet<String>,
    keep_names: bool,
    next: &mut usize,
    arg: usize,
    lets: &mut Vec<TokenStream>,
) {
    match pat {
        Pat::Ident(p) => {
            let ident = p.ident.clone();
            if ident.to_string().starts_with('_') {
                if !keep_names && p.by_ref.is_none() && p.subpat.is_none() {
                    let name =
                        format_ident!("errmon_bind_{}_{}", arg, *next, span = Span::mixed_site());
                    *next += 1;
                    let mutability = p.mutability.take();
                    p.ident = name.clone();
                    // Held under a name of the macro's when the body does not use it, which
                    // clippy would report as a binding without effect.
                    let held = if named.contains(&ident.to_string()) {
                        ident
                    } else {
                        format_ident!("errmon_hold_{}_{}", arg, *next, span = Span::mixed_site())
                    };
                    lets.push(quote!(let #mutability #held = #name;));
                }
            } else if p.by_ref.is_some() {
                // Binds a reference into the argument, which is itself not moved.
                lets.push(quote!(let #ident = #ident;));
            } else {
                let mutability = p.mutability.take();
                lets.push(quote!(let #mutability #ident = #ident;));
            }
            if let Some((_, sub)) = &mut p.subpat {
                rebind(sub, named, keep_names, next, arg, lets);
            }
        }
        Pat::Tuple(t) => t
            .elems
            .iter_mut()
            .for_each(|p| rebind(p, named, keep_names, next, arg, lets)),
        Pat::TupleStruct(t) => t
            .elems
            .iter_mut()
            .for_each(|p| rebind(p, named, keep_names, next, arg, lets)),
        Pat::Struct(s) => s.fields.iter_mut().for_each(|f| {
            // `Pair { _x }` renames its binding as `Pair { _x: <name> }`.
            let underscore =
                matches!(&*f.pat, Pat::Ident(p) if p.ident.to_string().starts_with('_'));
            if f.colon_token.is_none() && underscore && !keep_names {
                f.colon_token = Some(syn::Token![:](Span::mixed_site()));
            }
            rebind(&mut f.pat, named, keep_names, next, arg, lets);
        }),
        Pat::Slice(s) => s
            .elems
            .iter_mut()
            .for_each(|p| rebind(p, named, keep_names, next, arg, lets)),
        Pat::Reference(r) => rebind(&mut r.pat, named, keep_names, next, arg, lets),
        Pat::Paren(p) => rebind(&mut p.pat, named, keep_names, next, arg, lets),
        Pat::Type(t) => rebind(&mut t.pat, named, keep_names, next, arg, lets),
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
